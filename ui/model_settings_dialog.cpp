// ModelSettingsDialog: folder chooser with a live check, model card, memory estimate, backend and threads;
// the generation form; the language.
#include "model_settings_dialog.h"

#include "app/demo_model.h"
#include "app/language_manager.h"
#include "app/model_card.h"
#include "ui/api_server_page.h"
#include "ui/downloads_page.h"
#include "ui/endpoints_page.h"
#include "ui/local_models_page.h"
#include "ui/generation_settings_form.h"
#include "ui/wrapping_label.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStyle>
#include <QSize>
#include <QTabWidget>
#include <QThread>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <algorithm>

namespace {
constexpr int kContextCeiling = 1 << 20; // tokens, while the model's maximum is unknown
constexpr int kCudaIndex = 2;
} // namespace

ModelSettingsDialog::ModelSettingsDialog(const AppSettings& current, QWidget* parent)
    : QDialog(parent), m_demoFolder(DemoModel::defaultFolder()) {
    connect(&m_inspector, &ModelFolderInspector::finished, this, &ModelSettingsDialog::onInspected);
    buildUi(current);
    retranslateUi();
    onDemoToggled(); // starts the first check at once
    m_localModels->refresh(); // the models already on this computer, found meanwhile
    // The GPUs: loading the CUDA backend and asking its runtime can take a moment, so off the GUI thread.
    connect(&m_deviceCheck, &QFutureWatcher<ws::DeviceReport>::finished, this, [this] {
        m_deviceReport = m_deviceCheck.result();
        applyDevices();
        emit devicesChecked();
    });
    m_deviceCheck.setFuture(QtConcurrent::run([] { return ws::queryDevices(); }));
    // Room for the model card and the memory estimate without squeezing them.
    resize(sizeHint().expandedTo(QSize(640, 720)));
}

void ModelSettingsDialog::showPage(Page page) {
    m_tabs->setCurrentIndex(static_cast<int>(page));
    if (page == Page::Model)
        m_folder->setFocus();
}

ModelSettingsDialog::Page ModelSettingsDialog::currentPage() const { return static_cast<Page>(m_tabs->currentIndex()); }

void ModelSettingsDialog::offerDeepSeekApi() {
    QList<RemoteEndpoint> list = m_endpoints->endpoints();
    auto it = std::find_if(list.begin(), list.end(),
                           [](const RemoteEndpoint& e) { return e.kind == RemoteEndpoint::Kind::DeepSeekApi; });
    if (it == list.end()) {
        list.append(RemoteEndpoint::deepSeekPreset());
        it = std::prev(list.end());
    }
    const QString id = it->id;
    m_endpoints->setEndpoints(list, id);
    m_endpoints->selectEndpoint(id);
    updateOk(); // OK waits for the key
    showPage(Page::Endpoints);
}

void ModelSettingsDialog::buildUi(const AppSettings& current) {
    m_tabs = new QTabWidget;
    m_tabs->addTab(buildModelPage(), QString());
    m_localModels = new LocalModelsPage;
    m_localModels->setObjectName(QStringLiteral("localModels"));
    m_localModels->setUserFolders(current.modelFolders);
    m_tabs->addTab(m_localModels, QString());
    connect(m_localModels, &LocalModelsPage::modelChosen, this, [this](const QString& path) {
        setFolder(path);
        showPage(Page::Model);
    });
    m_downloads = new DownloadsPage;
    m_downloads->setObjectName(QStringLiteral("downloads"));
    m_downloads->setSource(current.downloadSource, current.mirrorUrl);
    m_downloads->setContext(current.model.contextLength);
    m_tabs->addTab(m_downloads, QString());
    connect(m_downloads, &DownloadsPage::modelChosen, this, [this](const QString& path) {
        setFolder(path);
        showPage(Page::Model);
    });
    auto* answers = new QWidget;
    auto* av = new QVBoxLayout(answers);
    m_form = new GenerationSettingsForm;
    m_form->setObjectName(QStringLiteral("generation"));
    m_formProblems = newWrappingLabel();
    m_formProblems->hide();
    av->addWidget(m_form);
    av->addWidget(m_formProblems);
    av->addStretch(1);
    m_tabs->addTab(answers, QString());
    m_endpoints = new EndpointsPage;
    m_endpoints->setObjectName(QStringLiteral("endpoints"));
    m_tabs->addTab(m_endpoints, QString());
    m_server = new ApiServerPage;
    m_server->setObjectName(QStringLiteral("server"));
    m_tabs->addTab(m_server, QString());

    m_languageLabel = new QLabel;
    m_language = new QComboBox;
    m_language->setObjectName(QStringLiteral("language"));
    m_language->addItem(QString(), QString());
    QStringList languages = LanguageManager::available();
    if (languages.isEmpty())
        languages = {QStringLiteral("en"), QStringLiteral("zh_CN")};
    for (const QString& l : languages)
        m_language->addItem(LanguageManager::nativeName(l), l);
    m_languageLabel->setBuddy(m_language);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_languageLabel);
    bottom->addWidget(m_language);
    bottom->addStretch(1);
    bottom->addWidget(m_buttons);
    auto* v = new QVBoxLayout(this);
    v->addWidget(m_tabs);
    v->addLayout(bottom);

    // Values.
    m_demo->setChecked(current.model.folder.isEmpty());
    m_folder->setText(current.model.folder);
    m_backend->setCurrentIndex(m_backend->findData(static_cast<int>(current.model.backend)));
    m_gpu->setRange(0, std::max(15, current.model.gpu));
    m_gpu->setValue(current.model.gpu);
    m_threads->setRange(0, std::max(QThread::idealThreadCount(), current.model.threads));
    m_threads->setValue(current.model.threads);
    m_requestedContext = current.model.contextLength;
    updateContextRange();
    m_form->setSettings(current.generation);
    m_endpoints->setEndpoints(current.endpoints, current.activeEndpoint);
    m_server->setSettings(current.server);
    m_language->setCurrentIndex(std::max(0, m_language->findData(current.language)));

    connect(m_folder, &QLineEdit::textChanged, this, &ModelSettingsDialog::onFolderEdited);
    connect(m_demo, &QCheckBox::toggled, this, &ModelSettingsDialog::onDemoToggled);
    connect(m_browse, &QPushButton::clicked, this, &ModelSettingsDialog::browse);
    connect(m_browseFile, &QPushButton::clicked, this, &ModelSettingsDialog::browseFile);
    connect(m_context, &QSpinBox::valueChanged, this, [this](int value) {
        if (!m_settingRange)
            m_requestedContext = value;
        updateMemoryEstimate();
        m_downloads->setContext(value);
    });
    connect(m_form, &GenerationSettingsForm::changed, this, &ModelSettingsDialog::updateOk);
    connect(m_endpoints, &EndpointsPage::changed, this, &ModelSettingsDialog::updateOk);
    connect(m_server, &ApiServerPage::changed, this, &ModelSettingsDialog::updateOk);
}

QWidget* ModelSettingsDialog::buildModelPage() {
    auto* page = new QWidget;
    auto* form = new QFormLayout(page);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_demo = new QCheckBox;
    m_demo->setObjectName(QStringLiteral("demo"));
    form->addRow(m_demo);
    m_folderLabel = new QLabel;
    m_folderLabel->setObjectName(QStringLiteral("folderLabel"));
    m_folder = new QLineEdit;
    m_folder->setObjectName(QStringLiteral("folder"));
    m_folder->setClearButtonEnabled(true);
    m_browse = new QPushButton;
    m_browseFile = new QPushButton;
    m_browseFile->setObjectName(QStringLiteral("browseFile"));
    m_folderLabel->setBuddy(m_folder);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folder, 1);
    folderRow->addWidget(m_browse);
    folderRow->addWidget(m_browseFile);
    form->addRow(m_folderLabel, folderRow);

    m_statusIcon = new QLabel;
    const int icon = style()->pixelMetric(QStyle::PM_SmallIconSize);
    m_statusIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(icon, icon));
    m_status = newWrappingLabel();
    m_status->setObjectName(QStringLiteral("status"));
    auto* statusRow = new QHBoxLayout;
    statusRow->addWidget(m_statusIcon, 0, Qt::AlignTop);
    statusRow->addWidget(m_status, 1);
    form->addRow(statusRow);

    m_backendLabel = new QLabel;
    m_backend = new QComboBox;
    m_backend->setObjectName(QStringLiteral("backend"));
    m_backend->addItem(QString(), static_cast<int>(BackendChoice::Auto));
    m_backend->addItem(QString(), static_cast<int>(BackendChoice::Cpu));
    m_backend->addItem(QString(), static_cast<int>(BackendChoice::Cuda));
    // CUDA can be chosen once the GPU check finds a GPU it can use (applyDevices).
    if (auto* model = qobject_cast<QStandardItemModel*>(m_backend->model()))
        model->item(kCudaIndex)->setEnabled(false);
    m_backendNote = newWrappingLabel();
    m_backendNote->setForegroundRole(QPalette::PlaceholderText);
    m_backendLabel->setBuddy(m_backend);
    auto* backendBox = new QVBoxLayout;
    backendBox->addWidget(m_backend);
    backendBox->addWidget(m_backendNote);
    form->addRow(m_backendLabel, backendBox);

    m_gpuLabel = new QLabel;
    m_gpu = new QSpinBox;
    m_gpu->setObjectName(QStringLiteral("gpu"));
    m_gpu->setEnabled(false); // until the GPU check finds one (applyDevices)
    m_gpuLabel->setBuddy(m_gpu);
    form->addRow(m_gpuLabel, m_gpu);
    m_threadsLabel = new QLabel;
    m_threads = new QSpinBox;
    m_threads->setObjectName(QStringLiteral("threads"));
    m_threadsLabel->setBuddy(m_threads);
    form->addRow(m_threadsLabel, m_threads);
    m_contextLabel = new QLabel;
    m_context = new QSpinBox;
    m_context->setObjectName(QStringLiteral("contextLength"));
    m_context->setSingleStep(1024);
    m_context->setGroupSeparatorShown(true);
    m_contextLabel->setBuddy(m_context);
    form->addRow(m_contextLabel, m_context);
    m_memoryLabel = new QLabel;
    m_memory = newWrappingLabel();
    m_memory->setObjectName(QStringLiteral("memory"));
    form->addRow(m_memoryLabel, m_memory);
    return page;
}

void ModelSettingsDialog::retranslateUi() {
    setWindowTitle(tr("Model Settings"));
    m_tabs->setTabText(static_cast<int>(Page::Model), tr("&Model"));
    m_tabs->setTabText(static_cast<int>(Page::LocalModels), tr("On this &computer"));
    m_tabs->setTabText(static_cast<int>(Page::Downloads), tr("&Download"));
    m_tabs->setTabText(static_cast<int>(Page::Answers), tr("&Answers"));
    m_tabs->setTabText(static_cast<int>(Page::Endpoints), tr("&Endpoints"));
    m_tabs->setTabText(static_cast<int>(Page::Server), tr("API &server"));
    m_demo->setText(tr("Use the built-in &demo model"));
    m_demo->setToolTip(
        tr("A tiny model that ships with Whalesong, for trying the app without downloading one."));
    m_folderLabel->setText(tr("Model &folder or file:"));
    m_folder->setPlaceholderText(tr("A folder with config.json, *.safetensors and tokenizer.json, or a .gguf file"));
    m_browse->setText(tr("&Browse…"));
    m_browseFile->setText(tr("&GGUF File…"));
    m_browseFile->setToolTip(tr("Choose a .gguf file (for a split model, its first part: …-00001-of-0000N.gguf)"));
    m_backendLabel->setText(tr("Bac&kend:"));
    m_backend->setItemText(0, tr("Automatic"));
    m_backend->setItemText(1, tr("CPU"));
    const QLocale locale;
    if (!m_deviceReport) {
        m_backend->setItemText(kCudaIndex, tr("CUDA (looking for GPUs…)"));
        m_backendNote->setText(tr("Looking for GPUs…"));
    } else if (std::find(m_deviceReport->backends.begin(), m_deviceReport->backends.end(), "cuda") ==
               m_deviceReport->backends.end()) {
        m_backend->setItemText(kCudaIndex, tr("CUDA (not in this build)"));
        m_backendNote->setText(tr("This build runs models on the CPU only: the CUDA toolkit was not found when it "
                                  "was built."));
    } else if (m_deviceReport->gpus.empty()) {
        m_backend->setItemText(kCudaIndex, tr("CUDA (no GPU)"));
        m_backendNote->setText(tr("No GPU can be used, so models run on the CPU: %1")
                                   .arg(QString::fromStdString(m_deviceReport->gpuProblem)));
    } else {
        m_backend->setItemText(kCudaIndex, tr("CUDA"));
        QStringList gpus;
        for (const ws::GpuInfo& g : m_deviceReport->gpus)
            gpus << tr("GPU %1: %2, %3 free of %4")
                        .arg(g.index)
                        .arg(QString::fromStdString(g.name),
                             locale.formattedDataSize(static_cast<qint64>(g.freeBytes)),
                             locale.formattedDataSize(static_cast<qint64>(g.totalBytes)));
        m_backendNote->setText(gpus.join(QLatin1Char('\n')));
    }
    m_gpuLabel->setText(tr("&GPU:"));
    m_gpu->setToolTip(tr("The CUDA device to use; needs the CUDA backend."));
    m_threadsLabel->setText(tr("CPU &threads:"));
    m_threads->setSpecialValueText(tr("All cores (%1)").arg(QThread::idealThreadCount()));
    m_contextLabel->setText(tr("&Context length:"));
    m_context->setSuffix(tr(" tokens"));
    m_context->setToolTip(tr("The longest conversation the model can see; longer needs more memory."));
    m_memoryLabel->setText(tr("Memory:"));
    m_languageLabel->setText(tr("&Language:"));
    m_language->setItemText(0, tr("System"));
    showInspection();
    updateMemoryEstimate();
    updateOk();
}

void ModelSettingsDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

AppSettings ModelSettingsDialog::settings() const {
    AppSettings a;
    a.model.folder = folderPath();
    a.model.backend = static_cast<BackendChoice>(m_backend->currentData().toInt());
    a.model.gpu = m_gpu->value();
    a.model.threads = m_threads->value();
    a.model.contextLength = m_requestedContext;
    a.generation = m_form->settings();
    a.language = m_language->currentData().toString();
    a.endpoints = m_endpoints->endpoints();
    a.activeEndpoint = m_endpoints->activeEndpoint();
    a.modelFolders = m_localModels->userFolders();
    a.downloadSource = m_downloads->sourceKindName();
    a.mirrorUrl = m_downloads->mirrorUrl();
    a.server = m_server->settings();
    return a;
}

void ModelSettingsDialog::setDemoFolder(const QString& folder) {
    m_demoFolder = folder;
    if (m_demo->isChecked())
        onDemoToggled();
}

void ModelSettingsDialog::setFolder(const QString& folder) {
    m_demo->setChecked(false);
    if (m_folder->text() == folder)
        onFolderEdited(); // a fresh check even if nothing changed
    m_folder->setText(folder);
}

QStringList ModelSettingsDialog::shownProblems() const { return m_problems; }
QString ModelSettingsDialog::shownCard() const { return m_card; }
QString ModelSettingsDialog::shownMemoryEstimate() const { return m_memory->text(); }
bool ModelSettingsDialog::isInspecting() const { return m_inspector.isBusy(); }
bool ModelSettingsDialog::cudaSelectable() const {
    const auto* model = qobject_cast<const QStandardItemModel*>(m_backend->model());
    return model && model->item(kCudaIndex)->isEnabled();
}

QString ModelSettingsDialog::shownBackendNote() const { return m_backendNote->text(); }

void ModelSettingsDialog::setDownloadManager(DownloadManager* manager) { m_downloads->setManager(manager); }

void ModelSettingsDialog::applyDevices() {
    const bool usable = m_deviceReport && !m_deviceReport->gpus.empty();
    quint64 largestGpu = 0;
    if (m_deviceReport)
        for (const ws::GpuInfo& g : m_deviceReport->gpus)
            largestGpu = std::max<quint64>(largestGpu, g.totalBytes);
    m_downloads->setGpuMemory(largestGpu);
    if (auto* model = qobject_cast<QStandardItemModel*>(m_backend->model()))
        model->item(kCudaIndex)->setEnabled(usable);
    if (usable)
        m_gpu->setRange(0, std::max(static_cast<int>(m_deviceReport->gpus.size()) - 1, m_gpu->value()));
    m_gpu->setEnabled(usable);
    retranslateUi();
}

bool ModelSettingsDialog::canAccept() const { return m_buttons->button(QDialogButtonBox::Ok)->isEnabled(); }

QString ModelSettingsDialog::folderPath() const {
    if (m_demo->isChecked())
        return {};
    QString path = m_folder->text().trimmed();
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/")))
        path = QDir::homePath() + path.mid(1);
    return path;
}

void ModelSettingsDialog::onFolderEdited() {
    if (m_demo->isChecked())
        return;
    const QString path = folderPath();
    if (path.isEmpty())
        m_inspector.cancel();
    else
        m_inspector.inspect(path);
    showInspection();
    updateContextRange();
    updateOk();
}

void ModelSettingsDialog::onDemoToggled() {
    const bool demo = m_demo->isChecked();
    m_folder->setEnabled(!demo);
    m_browse->setEnabled(!demo);
    m_browseFile->setEnabled(!demo);
    const QString target = demo ? m_demoFolder : folderPath();
    if (target.isEmpty())
        m_inspector.cancel();
    else
        m_inspector.inspectNow(target);
    showInspection();
    updateContextRange();
    updateOk();
}

void ModelSettingsDialog::browse() {
    const QString start = folderPath().isEmpty() ? QDir::homePath() : folderPath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose a Model Folder"), start);
    if (dir.isEmpty())
        return;
    m_folder->setText(QDir::toNativeSeparators(dir));
    m_inspector.inspectNow(folderPath()); // picked, not typed: no pause
}

void ModelSettingsDialog::browseFile() {
    const QFileInfo current(folderPath());
    const QString start = folderPath().isEmpty() ? QDir::homePath() : current.isDir() ? current.filePath() : current.path();
    const QString file =
        QFileDialog::getOpenFileName(this, tr("Choose a GGUF Model File"), start, tr("GGUF models (*.gguf)"));
    if (file.isEmpty())
        return;
    m_folder->setText(QDir::toNativeSeparators(file));
    m_inspector.inspectNow(folderPath());
}

void ModelSettingsDialog::onInspected() {
    showInspection();
    updateContextRange();
    updateOk();
    emit inspectionFinished();
}

const ws::ModelInfo* ModelSettingsDialog::currentInfo() const {
    const QString target = m_demo->isChecked() ? m_demoFolder : folderPath();
    const FolderInspection& r = m_inspector.result();
    if (target.isEmpty() || m_inspector.isBusy() || r.folder != target || !r.ok() || !r.info)
        return nullptr;
    return &*r.info;
}

void ModelSettingsDialog::showInspection() {
    m_problems.clear();
    m_card.clear();
    QString status;
    const FolderInspection& r = m_inspector.result();
    if (const ws::ModelInfo* info = currentInfo()) {
        QStringList lines = modelCardLines(*info);
        if (m_demo->isChecked())
            lines.prepend(tr("The built-in demo model (random weights: its answers are noise)."));
        m_card = lines.join(QLatin1Char('\n'));
        status = m_card;
    } else if (m_demo->isChecked()) {
        m_card = tr("The built-in demo model: a tiny DeepSeek-V3 with random weights, written on first use. "
                    "It shows how the app works; its answers are noise.");
        status = m_card;
    } else if (folderPath().isEmpty()) {
        m_problems << tr("Choose a model folder or a .gguf file, or use the built-in demo model.");
    } else if (m_inspector.isBusy()) {
        status = tr("Checking the model…");
    } else if (r.folder == folderPath()) {
        m_problems = r.problems;
        if (m_problems.isEmpty())
            m_problems << tr("The model's weights could not be described.");
    }
    if (!m_problems.isEmpty())
        status = m_problems.join(QLatin1Char('\n'));
    m_status->setText(status);
    m_statusIcon->setVisible(!m_problems.isEmpty());
    m_status->setForegroundRole(m_inspector.isBusy() && m_problems.isEmpty() ? QPalette::PlaceholderText
                                                                             : QPalette::WindowText);
    updateMemoryEstimate();
}

void ModelSettingsDialog::updateContextRange() {
    const ws::ModelInfo* info = currentInfo();
    const int max = info && info->maxContext > 0 ? info->maxContext : kContextCeiling;
    m_settingRange = true;
    m_context->setRange(std::min(512, max), max);
    m_context->setValue(std::min(m_requestedContext, max));
    m_settingRange = false;
    updateMemoryEstimate();
}

void ModelSettingsDialog::updateMemoryEstimate() {
    const ws::ModelInfo* info = currentInfo();
    m_memory->setText(
        info ? memoryEstimateText(*info, m_context->value(), m_inspector.result().freeMemoryBytes)
             : tr("Known once the model is checked."));
}

void ModelSettingsDialog::updateOk() {
    const QString path = folderPath();
    const FolderInspection& r = m_inspector.result();
    const bool folderOk =
        m_demo->isChecked() || (!path.isEmpty() && !m_inspector.isBusy() && r.folder == path && r.ok());
    const QStringList formProblems = m_form->problems();
    m_formProblems->setText(formProblems.join(QLatin1Char('\n')));
    m_formProblems->setVisible(!formProblems.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)
        ->setEnabled(folderOk && formProblems.isEmpty() && m_endpoints->problems().isEmpty() &&
                     m_server->problems().isEmpty());
}
