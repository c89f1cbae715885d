// ModelFolderInspector: checks a model folder off the GUI thread (ws::inspectModelFolder in QtConcurrent),
// debounced for typing, with the free system memory measured alongside — the settings dialog's live check.
#pragma once

#include "whalesong/model.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <optional>

/// One inspection's outcome: every problem, or the model card. A plain value.
struct FolderInspection {
    QString folder;
    QStringList problems;              ///< each names the file or field at fault; empty when usable
    std::optional<ws::ModelInfo> info; ///< the model card, when config.json and the weights agree
    quint64 freeMemoryBytes = 0;       ///< available system memory when inspected; 0 = unknown
    bool ok() const { return problems.isEmpty(); }
};

/// GUI-thread object; the work runs on the global thread pool and never touches `this`. Only the newest
/// request's result is reported: one still running when another is made is dropped.
class ModelFolderInspector : public QObject {
    Q_OBJECT

  public:
    explicit ModelFolderInspector(QObject* parent = nullptr);
    ~ModelFolderInspector() override;

    /// Inspects `folder` once no further request came for debounceMs() (typing in a path).
    void inspect(const QString& folder);
    /// Inspects `folder` without waiting (a folder picked in a file dialog).
    void inspectNow(const QString& folder);
    /// Forgets any pending or running request (nothing will be reported for it).
    void cancel();
    /// A request is waiting for its pause or running.
    bool isBusy() const { return m_busy; }
    /// The newest finished inspection.
    const FolderInspection& result() const { return m_result; }

    int debounceMs() const { return m_timer.interval(); }
    void setDebounceMs(int ms) { m_timer.setInterval(ms); }

    /// The blocking work behind a request (any thread): inspects `folder` and reads the free memory.
    static FolderInspection run(const QString& folder);
    /// Available system memory in bytes (MemAvailable from /proc/meminfo, else sysconf); 0 when unknown.
    static quint64 freeSystemMemory();

  signals:
    /// A request was made (the previous result is now out of date).
    void started();
    /// result() holds the newest request's outcome.
    void finished();

  private:
    void launch();

    QTimer m_timer;
    QString m_pending;
    quint64 m_serial = 0; ///< bumped by every request; a result of an older serial is dropped
    bool m_busy = false;
    FolderInspection m_result;
    QFutureWatcher<FolderInspection>* m_watcher = nullptr;
};
