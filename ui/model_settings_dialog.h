// ModelSettingsDialog: the local model (folder checked live, model card, memory estimate, backend, threads,
// context), how answers are generated, and the interface language.
#pragma once

#include "app/model_folder_inspector.h"
#include "app/settings.h"

#include "whalesong/devices.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QStringList>

#include <optional>

class ApiServerPage;
class EndpointsPage;
class LocalModelsPage;
class DownloadManager;
class DownloadsPage;
class GenerationSettingsForm;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;

/// Edits a copy of the settings; the caller reads settings() after accept() and saves/applies them. The
/// folder is inspected off the GUI thread ~300 ms after it stops changing; OK stays disabled while the folder
/// has problems (the built-in demo model — an empty folder — is always accepted) or a field is out of range.
class ModelSettingsDialog : public QDialog {
    Q_OBJECT

  public:
    explicit ModelSettingsDialog(const AppSettings& current, QWidget* parent = nullptr);

    AppSettings settings() const;

    /// The dialog's tabs, in order.
    enum class Page { Model, LocalModels, Downloads, Answers, Endpoints, Server };
    void showPage(Page page);
    Page currentPage() const;
    /// Shows the Endpoints tab with DeepSeek's API chosen to answer: the endpoint already set up, or its preset
    /// added (the key still to fill in, which the page asks for).
    void offerDeepSeekApi();
    /// The page of the models already on this computer (searched when the dialog opens).
    LocalModelsPage* localModels() const { return m_localModels; }
    /// The page that downloads models; `manager` (the main window's, so downloads outlive the dialog) runs them.
    DownloadsPage* downloads() const { return m_downloads; }
    void setDownloadManager(DownloadManager* manager);

    /// Where the built-in demo model is (DemoModel::defaultFolder() unless set). Once written there, choosing
    /// the demo shows its model card; before that, a description of the demo.
    void setDemoFolder(const QString& folder);

    /// Types `folder` into the folder field (unticks the demo model); inspected after the usual pause.
    void setFolder(const QString& folder);
    /// What the dialog shows now: the folder's problems (one per entry), or the model card's lines.
    QStringList shownProblems() const;
    QString shownCard() const;
    QString shownMemoryEstimate() const;
    /// A folder check is pending or running.
    bool isInspecting() const;
    /// The OK button is enabled.
    bool canAccept() const;
    /// What the GPU check found (none until devicesChecked()).
    const std::optional<ws::DeviceReport>& devices() const { return m_deviceReport; }
    /// The CUDA choice can be made (the backend is built in and sees a GPU).
    bool cudaSelectable() const;
    QString shownBackendNote() const;

  signals:
    /// A folder check finished and its outcome is shown.
    void inspectionFinished();
    /// The GPUs were looked for (off the GUI thread, when the dialog opened) and what was found is shown.
    void devicesChecked();

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void buildUi(const AppSettings& current);
    QWidget* buildModelPage();
    void retranslateUi();
    /// The folder as typed, with a leading "~" expanded; empty when the demo model is chosen.
    QString folderPath() const;
    void onFolderEdited();
    void onDemoToggled();
    void browse();
    void browseFile();
    void onInspected();
    void showInspection();
    /// The newest inspection, when it is of the folder now chosen (the demo's when the demo is chosen).
    const ws::ModelInfo* currentInfo() const;
    void updateContextRange();
    void updateMemoryEstimate();
    void updateOk();
    /// The backend choices as the GPU check allows them.
    void applyDevices();

    ModelFolderInspector m_inspector;
    QFutureWatcher<ws::DeviceReport> m_deviceCheck;
    std::optional<ws::DeviceReport> m_deviceReport;
    QString m_demoFolder;
    int m_requestedContext = 0; ///< what the user asked for; the spin box shows it clamped to the model
    QStringList m_problems;     ///< shown; empty while a card (or nothing) is shown
    QString m_card;             ///< shown; empty while problems (or nothing) are shown
    bool m_settingRange = false;

    QTabWidget* m_tabs = nullptr;
    QCheckBox* m_demo = nullptr;
    QLabel* m_folderLabel = nullptr;
    QLineEdit* m_folder = nullptr;
    LocalModelsPage* m_localModels = nullptr;
    DownloadsPage* m_downloads = nullptr;
    QPushButton* m_browse = nullptr;
    QPushButton* m_browseFile = nullptr; ///< a .gguf file instead of a folder
    QLabel* m_statusIcon = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_backendLabel = nullptr;
    QComboBox* m_backend = nullptr;
    QLabel* m_backendNote = nullptr;
    QLabel* m_gpuLabel = nullptr;
    QSpinBox* m_gpu = nullptr;
    QLabel* m_threadsLabel = nullptr;
    QSpinBox* m_threads = nullptr;
    QLabel* m_contextLabel = nullptr;
    QSpinBox* m_context = nullptr;
    QLabel* m_memoryLabel = nullptr;
    QLabel* m_memory = nullptr;
    GenerationSettingsForm* m_form = nullptr;
    EndpointsPage* m_endpoints = nullptr;
    ApiServerPage* m_server = nullptr;
    QLabel* m_formProblems = nullptr;
    QLabel* m_languageLabel = nullptr;
    QComboBox* m_language = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};
