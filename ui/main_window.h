// MainWindow: the conversation sidebar, the chat view, the composer and a status bar (model, backend,
// context, speed, loading progress) over a ChatController. Wiring and presentation only.
#pragma once

#include <QIcon>
#include <QMainWindow>
#include <QPointer>

class ChatController;
class ChatView;
class Composer;
class ConversationSidebar;
class LanguageManager;
class ModelSettingsDialog;
class WelcomePane;
class QDialog;
class QAction;
class QActionGroup;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSplitter;
class QToolButton;
struct AppSettings;
class DownloadManager;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    MainWindow(ChatController& controller, LanguageManager& languages, QWidget* parent = nullptr);
    ~MainWindow() override;

    /// The application's icon in every size it is drawn in (the package installs the same into the icon theme).
    static QIcon applicationIcon();

    ChatView* chatView() const { return m_chatView; }
    Composer* composer() const { return m_composer; }
    ConversationSidebar* sidebar() const { return m_sidebar; }
    DownloadManager* downloads() const { return m_downloads; }
    /// What the chat area shows while the conversation is empty (shown only then).
    WelcomePane* welcomePane() const { return m_welcome; }
    /// The settings dialog while it is open (tests, screenshots).
    ModelSettingsDialog* settingsDialog() const;
    /// The notice shown above the chat ("" when none): demo model, errors, store notices.
    QString noticeText() const;
    QString statusText() const; ///< the status bar's labels, joined (tests)

  public slots:
    void openModelSettings();
    void openConversationSettings();
    /// Saves `settings`, switches the language and hands them to the controller.
    void applySettings(const AppSettings& settings);

  protected:
    void changeEvent(QEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

  private:
    void buildUi();
    void buildMenus();
    void connectController();
    void retranslateUi();
    void updateModelStatus();
    /// The welcome pane instead of the chat view while the conversation shown is new and empty.
    void updateWelcome();
    /// The first run's three ways in.
    void useDemoModel();
    void chooseLocalModel();
    void downloadModel();
    /// The status bar's summary of the downloads under way.
    void updateDownloadStatus();
    void setUpDeepSeekApi();
    void showNotice(const QString& text, bool error, bool offerModelChoice = false);
    void updateLanguageMenu();

    ChatController& m_controller;
    LanguageManager& m_languages;
    QSplitter* m_splitter = nullptr;
    ConversationSidebar* m_sidebar = nullptr;
    ChatView* m_chatView = nullptr;
    WelcomePane* m_welcome = nullptr;
    Composer* m_composer = nullptr;
    QWidget* m_noticeBar = nullptr;
    QLabel* m_noticeLabel = nullptr;
    QPushButton* m_noticeButton = nullptr;
    QToolButton* m_noticeClose = nullptr;
    bool m_noticeOffersModel = false;
    bool m_noticeIsDemo = false;
    QLabel* m_modelLabel = nullptr;
    QLabel* m_backendLabel = nullptr;
    QLabel* m_contextLabel = nullptr;
    QLabel* m_speedLabel = nullptr;
    QLabel* m_apiLabel = nullptr; ///< the API server's address, or why it is not listening
    QProgressBar* m_loadProgress = nullptr;
    QToolButton* m_cancelLoad = nullptr;
    QMenu* m_fileMenu = nullptr;
    QMenu* m_settingsMenu = nullptr;
    QMenu* m_languageMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QAction* m_newChat = nullptr;
    QAction* m_search = nullptr;
    QAction* m_stop = nullptr;
    QAction* m_quit = nullptr;
    QAction* m_modelSettings = nullptr;
    QAction* m_conversationSettings = nullptr;
    QAction* m_about = nullptr;
    QActionGroup* m_languageGroup = nullptr;
    QPointer<QDialog> m_settingsDialog; ///< a ModelSettingsDialog
    DownloadManager* m_downloads = nullptr; ///< model downloads: outlive the settings dialog, resumed at start
    QLabel* m_downloadLabel = nullptr;
    int m_contextUsed = -1;
    int m_contextLimit = 0;
    double m_decodeSpeed = 0.0;
    QString m_loadStage;
    QString m_lastError;
};
