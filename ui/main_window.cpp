// The main window: sidebar, chat view and composer, menus, and the dialogs they open.
#include "main_window.h"

#include "app/chat_controller.h"
#include "app/language_manager.h"
#include "app/settings.h"
#include "chat_view.h"
#include "composer.h"
#include "conversation_settings_dialog.h"
#include "conversation_sidebar.h"
#include "model_settings_dialog.h"
#include "welcome_pane.h"

#include "app/download_manager.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

MainWindow::MainWindow(ChatController& controller, LanguageManager& languages, QWidget* parent)
    : QMainWindow(parent), m_controller(controller), m_languages(languages) {
    setWindowIcon(applicationIcon());
    m_downloads = new DownloadManager(
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("downloads.json")),
        this);
    buildUi();
    buildMenus();
    connectController();
    retranslateUi();
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("ui/geometry")).toByteArray()))
        resize(1100, 760);
    m_splitter->restoreState(settings.value(QStringLiteral("ui/splitter")).toByteArray());
    m_composer->setFocus();
    connect(m_downloads, &DownloadManager::changed, this, &MainWindow::updateDownloadStatus);
    connect(m_downloads, &DownloadManager::removed, this, &MainWindow::updateDownloadStatus);
    connect(m_downloads, &DownloadManager::finished, this, [this](const QString& id) {
        const auto s = m_downloads->status(id);
        if (s && s->state == DownloadState::Done)
            showNotice(tr("%1 is downloaded and checked: choose it in Settings → Download (Use this model).").arg(s->title),
                       false, true);
        else if (s)
            showNotice(tr("The download of %1 stopped: %2").arg(s->title, s->message), true);
    });
    if (!m_downloads->loadProblem().isEmpty())
        showNotice(m_downloads->loadProblem(), true);
    updateDownloadStatus();
}

void MainWindow::updateDownloadStatus() {
    qint64 done = 0, total = 0;
    int active = 0;
    QString title;
    qint64 secondsLeft = -1;
    for (const DownloadStatus& s : m_downloads->downloads()) {
        if (s.state != DownloadState::Downloading && s.state != DownloadState::Waiting &&
            s.state != DownloadState::Verifying)
            continue;
        ++active;
        done += s.bytesDone;
        total += s.bytesTotal;
        title = s.title;
        secondsLeft = s.secondsLeft;
    }
    m_downloadLabel->setVisible(active > 0);
    if (active == 0)
        return;
    const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 0;
    if (active == 1)
        m_downloadLabel->setText(secondsLeft >= 0 ? tr("Downloading %1: %2 %, %3 min left")
                                                        .arg(title)
                                                        .arg(percent)
                                                        .arg((secondsLeft + 59) / 60)
                                                  : tr("Downloading %1: %2 %").arg(title).arg(percent));
    else
        m_downloadLabel->setText(tr("Downloading %n model(s): %1 %", nullptr, active).arg(percent));
}

MainWindow::~MainWindow() = default;

QIcon MainWindow::applicationIcon() {
    QIcon icon; // every size compiled in (ui/CMakeLists.txt: :/icons/NxN.png)
    const QDir icons(QStringLiteral(":/icons"));
    for (const QString& file : icons.entryList({QStringLiteral("*.png")}, QDir::Files)) {
        const int size = file.section(QLatin1Char('x'), 0, 0).toInt();
        icon.addFile(icons.filePath(file), QSize(size, size));
    }
    return icon;
}

void MainWindow::buildUi() {
    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_sidebar = new ConversationSidebar(m_splitter);
    m_sidebar->setModel(m_controller.conversations());

    auto* right = new QWidget(m_splitter);
    auto* column = new QVBoxLayout(right);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);

    m_noticeBar = new QWidget(right);
    m_noticeBar->setAutoFillBackground(true);
    m_noticeBar->setBackgroundRole(QPalette::AlternateBase);
    auto* notice = new QHBoxLayout(m_noticeBar);
    notice->setContentsMargins(12, 6, 6, 6);
    m_noticeLabel = new QLabel(m_noticeBar);
    m_noticeLabel->setWordWrap(true);
    m_noticeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_noticeButton = new QPushButton(m_noticeBar);
    m_noticeClose = new QToolButton(m_noticeBar);
    m_noticeClose->setAutoRaise(true);
    m_noticeClose->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
    notice->addWidget(m_noticeLabel, 1);
    notice->addWidget(m_noticeButton);
    notice->addWidget(m_noticeClose);
    m_noticeBar->hide();
    connect(m_noticeButton, &QPushButton::clicked, this, &MainWindow::openModelSettings);
    connect(m_noticeClose, &QToolButton::clicked, m_noticeBar, &QWidget::hide);

    m_chatView = new ChatView(right);
    m_welcome = new WelcomePane(right);
    m_welcome->hide(); // until the conversations are listed (updateWelcome)
    connect(m_welcome, &WelcomePane::demoRequested, this, &MainWindow::useDemoModel);
    connect(m_welcome, &WelcomePane::downloadRequested, this, &MainWindow::downloadModel);
    connect(m_welcome, &WelcomePane::localModelRequested, this, &MainWindow::chooseLocalModel);
    connect(m_welcome, &WelcomePane::endpointRequested, this, &MainWindow::setUpDeepSeekApi);
    m_composer = new Composer(right);
    m_composer->setSendBlocker(m_controller.sendBlocker());
    column->addWidget(m_noticeBar);
    column->addWidget(m_chatView, 1);
    column->addWidget(m_welcome, 1);
    column->addWidget(m_composer);

    m_splitter->addWidget(m_sidebar);
    m_splitter->addWidget(right);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({260, 840});
    setCentralWidget(m_splitter);

    m_modelLabel = new QLabel(this);
    m_backendLabel = new QLabel(this);
    m_contextLabel = new QLabel(this);
    m_speedLabel = new QLabel(this);
    m_apiLabel = new QLabel(this);
    m_apiLabel->setObjectName(QStringLiteral("apiStatus"));
    m_apiLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_loadProgress = new QProgressBar(this);
    m_loadProgress->setRange(0, 1000);
    m_loadProgress->setMaximumWidth(220);
    m_loadProgress->hide();
    m_cancelLoad = new QToolButton(this);
    m_cancelLoad->setAutoRaise(true);
    m_cancelLoad->hide();
    statusBar()->addWidget(m_modelLabel);
    statusBar()->addWidget(m_backendLabel);
    statusBar()->addWidget(m_loadProgress);
    statusBar()->addWidget(m_cancelLoad);
    m_downloadLabel = new QLabel(this);
    m_downloadLabel->setObjectName(QStringLiteral("downloadStatus"));
    m_downloadLabel->hide();
    statusBar()->addPermanentWidget(m_downloadLabel);
    statusBar()->addPermanentWidget(m_contextLabel);
    statusBar()->addPermanentWidget(m_speedLabel);
    statusBar()->addPermanentWidget(m_apiLabel);
    connect(m_controller.apiServer(), &ApiServerHost::stateChanged, this, &MainWindow::updateModelStatus);
    connect(m_cancelLoad, &QToolButton::clicked, &m_controller, &ChatController::cancelModelLoad);
}

void MainWindow::buildMenus() {
    m_fileMenu = menuBar()->addMenu(QString());
    m_newChat = m_fileMenu->addAction(QString(), &m_controller, &ChatController::newConversation);
    m_newChat->setShortcut(QKeySequence::New);
    m_search = m_fileMenu->addAction(QString(), m_sidebar, &ConversationSidebar::focusSearch);
    m_search->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    m_stop = m_fileMenu->addAction(QString(), &m_controller, &ChatController::stop);
    m_stop->setShortcut(QKeySequence(Qt::Key_Escape));
    m_stop->setEnabled(false);
    m_fileMenu->addSeparator();
    m_quit = m_fileMenu->addAction(QString(), this, &QWidget::close);
    m_quit->setShortcut(QKeySequence::Quit);

    m_settingsMenu = menuBar()->addMenu(QString());
    m_modelSettings = m_settingsMenu->addAction(QString(), this, &MainWindow::openModelSettings);
    m_modelSettings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    m_conversationSettings =
        m_settingsMenu->addAction(QString(), this, &MainWindow::openConversationSettings);
    m_languageMenu = m_settingsMenu->addMenu(QString());
    m_languageGroup = new QActionGroup(this);
    QStringList languages{QString()};
    languages += LanguageManager::available();
    for (const QString& code : languages) {
        QAction* a = m_languageMenu->addAction(QString());
        a->setCheckable(true);
        a->setData(code);
        m_languageGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, code] {
            AppSettings s = m_controller.settings();
            s.language = code;
            applySettings(s);
        });
    }
    m_helpMenu = menuBar()->addMenu(QString());
    m_about = m_helpMenu->addAction(QString(), this, [this] {
        QMessageBox::about(
            this, tr("About Whalesong"),
            tr("<b>Whalesong %1</b><br>A desktop client for DeepSeek-V3-class models, with its own "
               "inference engine.")
                .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::connectController() {
    ChatController& c = m_controller;
    connect(&c, &ChatController::branchLoaded, m_chatView, &ChatView::setEntries);
    connect(&c, &ChatController::entryAppended, m_chatView, &ChatView::appendEntry);
    for (const auto changed : {&ChatController::conversationsListed, &ChatController::modelLoaded,
                               &ChatController::modelLoadCancelled})
        connect(&c, changed, this, &MainWindow::updateWelcome);
    connect(&c, &ChatController::currentConversationChanged, this, &MainWindow::updateWelcome);
    connect(&c, &ChatController::branchLoaded, this, &MainWindow::updateWelcome);
    connect(&c, &ChatController::entryAppended, this, &MainWindow::updateWelcome);
    connect(&c, &ChatController::textArrived, m_chatView, &ChatView::appendText);
    connect(&c, &ChatController::toolCallsChanged, m_chatView, &ChatView::setToolCalls);
    connect(&c, &ChatController::entryUpdated, m_chatView, &ChatView::updateEntry);
    connect(m_chatView, &ChatView::regenerateRequested, &c, &ChatController::regenerate);
    connect(m_chatView, &ChatView::editRequested, &c, &ChatController::editAndResend);
    connect(m_chatView, &ChatView::siblingRequested, &c, &ChatController::selectSibling);

    // Whether a message can be sent is the controller's to say (sendBlocker); the draft goes only once the
    // question is saved, and only if it is still what was sent (typing meanwhile is kept).
    connect(&c, &ChatController::sendBlockerChanged, m_composer, &Composer::setSendBlocker);
    connect(m_composer, &Composer::sendRequested, &c, &ChatController::send);
    connect(&c, &ChatController::questionSaved, this, [this](const QString& text) {
        if (m_composer->draft() == text)
            m_composer->clearDraft();
    });
    connect(m_composer, &Composer::stopRequested, &c, &ChatController::stop);
    connect(m_composer, &Composer::draftChanged, &c, &ChatController::countDraft);
    connect(&c, &ChatController::draftCounted, m_composer, &Composer::setTokenCount);
    connect(&c, &ChatController::generatingChanged, this, [this](bool on) {
        m_composer->setGenerating(on);
        m_stop->setEnabled(on);
    });

    connect(m_sidebar, &ConversationSidebar::newChatRequested, &c, &ChatController::newConversation);
    connect(m_sidebar, &ConversationSidebar::conversationActivated, &c, &ChatController::openConversation);
    connect(m_sidebar, &ConversationSidebar::renameRequested, &c, &ChatController::rename);
    connect(m_sidebar, &ConversationSidebar::pinRequested, &c, &ChatController::setPinned);
    connect(m_sidebar, &ConversationSidebar::deleteRequested, &c, &ChatController::moveToTrash);
    connect(m_sidebar, &ConversationSidebar::undoDeleteRequested, &c, &ChatController::restore);
    connect(m_sidebar, &ConversationSidebar::searchRequested, &c, &ChatController::search);
    connect(&c, &ChatController::searchResults, m_sidebar, &ConversationSidebar::showSearchResults);
    connect(&c, &ChatController::conversationDeleted, m_sidebar, &ConversationSidebar::showDeleted);
    connect(&c, &ChatController::currentConversationChanged, m_sidebar,
            &ConversationSidebar::setCurrentConversation);

    connect(&c, &ChatController::modelLoadProgress, this, [this](int permille, const QString& stage) {
        m_loadStage = stage;
        m_loadProgress->setValue(permille);
        m_loadProgress->show();
        m_cancelLoad->show();
        updateModelStatus();
    });
    const auto loadEnded = [this] {
        m_loadProgress->hide();
        m_cancelLoad->hide();
        m_loadStage.clear();
        updateModelStatus();
    };
    connect(&c, &ChatController::modelLoaded, this, [this, loadEnded] {
        loadEnded();
        if (m_controller.model().demo) {
            m_noticeIsDemo = true;
            showNotice(QString(), false, true);
            retranslateUi();
        } else if (m_noticeIsDemo) {
            m_noticeIsDemo = false;
            m_noticeBar->hide();
        }
    });
    connect(&c, &ChatController::modelLoadFailed, this, [this, loadEnded](const QString& message) {
        loadEnded();
        m_noticeIsDemo = false;
        showNotice(tr("The model could not be loaded: %1").arg(message), true, true);
    });
    connect(&c, &ChatController::modelLoadCancelled, this, [this, loadEnded] {
        loadEnded();
        m_noticeIsDemo = false;
        showNotice(tr("Loading the model was cancelled."), false, true);
    });
    connect(&c, &ChatController::contextChanged, this, [this](int used, int limit) {
        m_contextUsed = used;
        m_contextLimit = limit;
        updateModelStatus();
    });
    connect(&c, &ChatController::decodeSpeedChanged, this, [this](double tps) {
        m_decodeSpeed = tps;
        updateModelStatus();
    });
    connect(&c, &ChatController::errorOccurred, this, [this](const QString& message) {
        m_noticeIsDemo = false;
        showNotice(message, true);
    });
    connect(&c, &ChatController::storeFailed, this, [this](const QString& message) {
        m_noticeIsDemo = false;
        showNotice(tr("Your conversations could not be opened: %1").arg(message), true);
    });
    connect(&c, &ChatController::storeOpened, this, [this](const OpenNotice& n) {
        QStringList parts;
        if (!n.setAsidePath.isEmpty())
            parts << tr("The conversation database was damaged; it was kept as %1 and a new one started.")
                         .arg(QDir::toNativeSeparators(n.setAsidePath));
        if (n.interruptedMessages > 0)
            parts << tr(
                "Answers interrupted when Whalesong last stopped: %n. They are kept as they were.",
                nullptr, n.interruptedMessages);
        if (!parts.isEmpty()) {
            m_noticeIsDemo = false;
            showNotice(parts.join(QLatin1Char(' ')), !n.setAsidePath.isEmpty());
        }
    });
}

void MainWindow::showNotice(const QString& text, bool error, bool offerModelChoice) {
    m_noticeOffersModel = offerModelChoice;
    if (!m_noticeIsDemo)
        m_noticeLabel->setText(text);
    QFont f = m_noticeLabel->font();
    f.setBold(error);
    m_noticeLabel->setFont(f);
    m_noticeButton->setVisible(offerModelChoice);
    m_noticeBar->show();
}

ModelSettingsDialog* MainWindow::settingsDialog() const {
    return qobject_cast<ModelSettingsDialog*>(m_settingsDialog.data());
}

QString MainWindow::noticeText() const { return m_noticeBar->isHidden() ? QString() : m_noticeLabel->text(); }

QString MainWindow::statusText() const {
    QStringList parts;
    for (const QLabel* l : {m_modelLabel, m_backendLabel, m_contextLabel, m_speedLabel, m_apiLabel})
        if (!l->text().isEmpty())
            parts << l->text();
    return parts.join(QStringLiteral(" | "));
}

void MainWindow::updateModelStatus() {
    const LoadedModel& m = m_controller.model();
    const QLocale locale;
    if (!m_loadStage.isEmpty())
        m_modelLabel->setText(m_loadStage);
    else if (!m.model)
        m_modelLabel->setText(tr("No model loaded"));
    else if (m.demo)
        m_modelLabel->setText(tr("Demo model (random weights)"));
    else
        m_modelLabel->setText(tr("Model: %1").arg(QDir(m.folder).dirName()));
    m_backendLabel->setText(m.model ? tr("Backend: %1").arg(QString::fromStdString(m.model->backendName()))
                                    : QString());
    // Automatic: why that backend (the engine's words: no CUDA device, …).
    m_backendLabel->setToolTip(m.model ? QString::fromStdString(m.model->backendNote()) : QString());
    if (m.model && m_contextLimit > 0)
        m_contextLabel->setText(
            tr("Context: %1 / %2 tokens")
                .arg(locale.toString(std::max(m_contextUsed, 0)), locale.toString(m_contextLimit)));
    else if (m.model)
        m_contextLabel->setText(tr("Context: %1 tokens").arg(locale.toString(m.contextLength)));
    else
        m_contextLabel->clear();
    m_speedLabel->setText(m_decodeSpeed > 0 ? tr("%1 tokens/s").arg(locale.toString(m_decodeSpeed, 'f', 1))
                                            : QString());
    if (const RemoteEndpoint* e = m_controller.settings().answeringEndpoint()) {
        // The local model still serves the API and counts tokens; the answers come from the endpoint.
        m_backendLabel->setText(tr("Answers from: %1 (%2)").arg(e->name, e->model));
    }
    if (m_welcome->isVisibleTo(this))
        m_welcome->setAnswerer(m_controller.answererDescription());
    const ApiServerHost* api = m_controller.apiServer();
    if (api->isListening())
        m_apiLabel->setText(tr("API: %1").arg(api->baseUrl()));
    else if (!api->error().isEmpty())
        m_apiLabel->setText(api->error());
    else
        m_apiLabel->clear();
}

void MainWindow::updateWelcome() {
    const bool empty = m_controller.currentConversationId() == 0 && m_controller.branch().empty();
    const bool show = empty && m_controller.hasListedConversations();
    if (show) {
        m_welcome->setFirstRun(m_controller.conversations()->rowCount() == 0);
        m_welcome->setAnswerer(m_controller.answererDescription());
    }
    m_welcome->setVisible(show);
    m_chatView->setVisible(!show);
}

void MainWindow::useDemoModel() {
    const AppSettings& current = m_controller.settings();
    if (!current.model.folder.isEmpty() || current.answeringEndpoint()) {
        AppSettings s = current;
        s.model.folder.clear();
        s.activeEndpoint.clear();
        applySettings(s);
    }
    m_composer->setFocus();
}

void MainWindow::chooseLocalModel() {
    openModelSettings();
    if (ModelSettingsDialog* d = settingsDialog())
        d->showPage(ModelSettingsDialog::Page::Model);
}

void MainWindow::downloadModel() {
    openModelSettings();
    if (ModelSettingsDialog* d = settingsDialog())
        d->showPage(ModelSettingsDialog::Page::Downloads);
}

void MainWindow::setUpDeepSeekApi() {
    openModelSettings();
    if (ModelSettingsDialog* d = settingsDialog())
        d->offerDeepSeekApi();
}

void MainWindow::openModelSettings() {
    if (m_settingsDialog) {
        m_settingsDialog->raise();
        m_settingsDialog->activateWindow();
        return;
    }
    auto* dialog = new ModelSettingsDialog(m_controller.settings(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_settingsDialog = dialog;
    dialog->setDownloadManager(m_downloads);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { applySettings(dialog->settings()); });
    dialog->open();
}

void MainWindow::openConversationSettings() {
    auto* dialog = new ConversationSettingsDialog(m_controller.settings().generation,
                                                  m_controller.conversationOverrides(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { m_controller.setConversationOverrides(dialog->overrides()); });
    dialog->open();
}

void MainWindow::applySettings(const AppSettings& settings) {
    QSettings qs;
    settings.save(qs);
    if (settings.language != m_languages.current())
        m_languages.apply(settings.language);
    m_controller.applySettings(settings);
    updateLanguageMenu();
    updateModelStatus();
}

void MainWindow::updateLanguageMenu() {
    for (QAction* a : m_languageGroup->actions())
        a->setChecked(a->data().toString() == m_languages.current());
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QMainWindow::changeEvent(event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("ui/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("ui/splitter"), m_splitter->saveState());
    m_controller.stop(); // the answer under way is saved as stopped
    QMainWindow::closeEvent(event);
}

void MainWindow::retranslateUi() {
    setWindowTitle(tr("Whalesong"));
    if (m_composer) // the controller's words, in the language now
        m_composer->setSendBlocker(m_controller.sendBlocker());
    m_fileMenu->setTitle(tr("&File"));
    m_newChat->setText(tr("&New chat"));
    m_search->setText(tr("&Search conversations"));
    m_stop->setText(tr("S&top answering"));
    m_quit->setText(tr("&Quit"));
    m_settingsMenu->setTitle(tr("&Settings"));
    m_modelSettings->setText(tr("&Model and generation…"));
    m_conversationSettings->setText(tr("This &conversation…"));
    m_languageMenu->setTitle(tr("&Language"));
    for (QAction* a : m_languageGroup->actions()) {
        const QString code = a->data().toString();
        a->setText(code.isEmpty() ? tr("System language") : LanguageManager::nativeName(code));
    }
    updateLanguageMenu();
    m_helpMenu->setTitle(tr("&Help"));
    m_about->setText(tr("&About Whalesong"));
    m_cancelLoad->setText(tr("Cancel"));
    m_cancelLoad->setToolTip(tr("Stop loading the model"));
    m_noticeButton->setText(tr("Choose a model folder…"));
    m_noticeClose->setToolTip(tr("Close"));
    if (m_noticeIsDemo)
        m_noticeLabel->setText(
            tr("You are using the built-in demo model. Its weights are random, so its answers are "
               "meaningless text: it shows every part of Whalesong working. Choose a real model "
               "folder to chat for real."));
    updateModelStatus();
}
