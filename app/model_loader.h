// ModelLoader: loads the local model off the GUI thread (QtConcurrent), with progress and cancel. An empty
// folder means the built-in demo model, which is created on first use.
#pragma once

#include "settings.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

#include "whalesong/model.h"

struct LoadedModel {
    std::shared_ptr<const ws::Model> model;
    QString folder;       ///< the folder loaded (the demo model's when settings named none)
    bool demo = false;    ///< the built-in demo model: random weights, meaningless text
    int contextLength = 0; ///< the settings' context, clamped to the model's maximum
};

class ModelLoader : public QObject {
    Q_OBJECT
  public:
    explicit ModelLoader(QObject* parent = nullptr);
    ~ModelLoader() override;

    /// Starts loading (a load under way is cancelled first). loaded(), failed() or cancelled() follows.
    void load(const ModelSettings& settings);
    /// Cancels the load under way (cancelled() follows once it has stopped).
    void cancel();
    bool isLoading() const { return m_watcher.isRunning() || m_pending.has_value(); }
    /// Blocks until the load under way has stopped (shutdown).
    void waitForFinished() { m_watcher.waitForFinished(); }

    struct Result; ///< what the worker hands back

  signals:
    void progressChanged(int permille, const QString& stage);
    void loaded(const LoadedModel& model);
    void failed(const QString& message);
    void cancelled();

  private:
    void onFinished();
    QFutureWatcher<std::shared_ptr<Result>> m_watcher;
    std::optional<ModelSettings> m_pending; ///< the load to start once the cancelled one has stopped
};
