// The desktop app end to end: the real main window, controller, store and engine on the built-in demo model
// (random weights, the real DeepSeek-V3 tokenizer), offscreen.
#include "app/chat_controller.h"
#include "app/conversation_store.h"
#include "app/demo_model.h"
#include "app/language_manager.h"
#include "app/settings.h"
#include "ui/chat_view.h"
#include "ui/composer.h"
#include "ui/composer_edit.h"
#include "ui/conversation_sidebar.h"
#include "app/download_manager.h"
#include "ui/downloads_page.h"
#include "ui/main_window.h"
#include "ui/model_settings_dialog.h"
#include "ui/welcome_pane.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QIcon>
#include <QImage>
#include <QInputMethodEvent>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QJsonObject>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

namespace {
constexpr int kAnswerTimeoutMs = 120000; // the demo model under ASan on a slow machine
}

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir m_config; ///< QSettings live here, not in the user's folder
    QString m_modelDir;     ///< the demo model, created once for every test
    std::unique_ptr<QTemporaryDir> m_data;
    std::unique_ptr<LanguageManager> m_languages;
    std::unique_ptr<ChatController> m_controller;
    std::unique_ptr<MainWindow> m_window;

    AppSettings testSettings(int maxTokens = 12) const {
        AppSettings s;
        s.model.folder = QString(); // the built-in demo model
        s.model.threads = 2;
        s.model.contextLength = 1024;
        s.generation.maxTokens = maxTokens;
        s.generation.seed = 7;
        s.language = QStringLiteral("en");
        return s;
    }
    /// A window over the data folder, its model loaded.
    void openWindow(const AppSettings& s) {
        m_languages = std::make_unique<LanguageManager>();
        m_languages->apply(s.language);
        m_controller = std::make_unique<ChatController>(m_data->path(), s);
        m_window = std::make_unique<MainWindow>(*m_controller, *m_languages);
        m_window->show();
        QSignalSpy loaded(m_controller.get(), &ChatController::modelLoaded);
        m_controller->start();
        QVERIFY(loaded.wait(kAnswerTimeoutMs));
        QTRY_VERIFY(m_window->composer()->isSendEnabled());
    }
    void closeWindow() {
        m_window.reset();
        m_controller.reset();
        m_languages.reset();
    }
    /// Types `text` into the composer and presses Enter, as a user would: ASCII on the keyboard, Chinese
    /// through an input method (committed text).
    void typeAndSend(const QString& text) {
        QWidget* edit = static_cast<QWidget*>(m_window->composer()->editor());
        edit->setFocus();
        for (const QChar c : text) {
            if (c.unicode() < 128) {
                QTest::keyClick(edit, c.toLatin1());
            } else {
                QInputMethodEvent commit;
                commit.setCommitString(QString(c));
                QApplication::sendEvent(edit, &commit);
            }
        }
        QTest::qWait(10); // the Enter that follows a commit in the same event-loop turn belongs to the IME
        QTest::keyClick(edit, Qt::Key_Return);
    }
    /// Until the answer is finished and its final record (status, statistics) is back from the store.
    void waitForAnswer() {
        QTRY_VERIFY_WITH_TIMEOUT(!m_controller->isGenerating() && !m_controller->branch().empty() &&
                                     m_controller->branch().back().record.status != MessageStatus::Streaming,
                                 kAnswerTimeoutMs);
    }
    std::unique_ptr<ConversationStore> openStore() {
        auto s = ConversationStore::open(m_data->path());
        return s ? std::move(s.value()) : nullptr;
    }

  private slots:
    void initTestCase() {
        QVERIFY(m_config.isValid());
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_config.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_config.path());
        // The demo model is created where the app keeps it, inside this test's folder.
        qputenv("XDG_DATA_HOME", QDir(m_config.path()).filePath(QStringLiteral("data")).toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("Whalesong"));
        QCoreApplication::setApplicationName(QStringLiteral("whalesong"));
        m_modelDir = DemoModel::defaultFolder();
        QVERIFY(m_modelDir.startsWith(m_config.path()));
        const ws::Status s = DemoModel::ensure(m_modelDir);
        QVERIFY2(s.isOk(), s.message().c_str());
    }
    void init() {
        m_data = std::make_unique<QTemporaryDir>();
        QVERIFY(m_data->isValid());
    }
    void cleanup() {
        closeWindow();
        m_data.reset();
    }

    void typeEnterStreamsAndSaves() {
        openWindow(testSettings());
        QSignalSpy deltas(m_controller.get(), &ChatController::textArrived);
        typeAndSend(QStringLiteral("Hello whale 你好"));
        QTRY_VERIFY(m_controller->isGenerating() || !deltas.isEmpty());
        QTRY_VERIFY(m_window->composer()->draft().isEmpty()); // the question is saved: the draft goes
        waitForAnswer();
        QVERIFY(!deltas.isEmpty()); // streamed token by token, only the new text each time
        const auto& branch = m_controller->branch();
        QCOMPARE(branch.size(), std::size_t(2));
        const qint64 answerId = branch.back().record.id;
        QTRY_VERIFY(!m_window->chatView()->renderedText(answerId).isEmpty());
        QCOMPARE(m_window->chatView()->entryCount(), 2);

        QString streamed;
        for (const QList<QVariant>& d : deltas) streamed += d.at(1).toString();
        auto store = openStore();
        QVERIFY(store);
        const auto saved = store->message(answerId);
        QVERIFY(saved);
        QCOMPARE(saved->status, MessageStatus::Complete);
        QCOMPARE(saved->content, streamed);
        QVERIFY(saved->stats.decodeTokensPerSecond.has_value());
        QCOMPARE(store->message(branch.front().record.id)->content, QStringLiteral("Hello whale 你好"));
        QTRY_VERIFY(m_window->statusText().contains(QLatin1String("tokens/s")));
        QVERIFY(m_window->statusText().contains(QLatin1String("Context")));
    }

    void demoModelOutOfTheBox() {
        openWindow(testSettings());
        QVERIFY(m_controller->model().demo);
        QCOMPARE(m_controller->model().folder, m_modelDir);
        QVERIFY2(m_window->noticeText().contains(QLatin1String("demo model")), qPrintable(m_window->noticeText()));
        QVERIFY(m_window->noticeText().contains(QLatin1String("meaningless")));
        QVERIFY(m_window->statusText().contains(QLatin1String("Demo model")));
    }

    void firstRunWelcomesWithThreeWaysIn() {
        openWindow(testSettings()); // a fresh data folder: no conversations yet
        WelcomePane* welcome = m_window->welcomePane();
        QTRY_VERIFY(welcome->isVisible());
        QVERIFY(!m_window->chatView()->isVisible());
        QVERIFY(welcome->isFirstRun());
        const QString text = welcome->shownText();
        for (const char* way : {"Try the demo model", "Use a model on this computer", "Answer with DeepSeek's API"})
            QVERIFY2(text.contains(QLatin1String(way)), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("random weights")), qPrintable(text)); // says what the demo is
        // in Chinese too, switched while it is shown
        m_languages->apply(QStringLiteral("zh_CN"));
        QTRY_VERIFY2(welcome->shownText().contains(QStringLiteral("欢迎使用鲸歌")), qPrintable(welcome->shownText()));
        QVERIFY(welcome->shownText().contains(QStringLiteral("演示模型")));
        m_languages->apply(QStringLiteral("en"));
        QTRY_COMPARE(welcome->shownText(), text);

        // "Set up the API…": the settings open on Endpoints with DeepSeek's API chosen to answer, waiting for a key
        auto* api = welcome->findChild<QPushButton*>(QStringLiteral("welcomeEndpoint"));
        QVERIFY(api);
        api->click();
        QTRY_VERIFY(m_window->settingsDialog());
        ModelSettingsDialog* dialog = m_window->settingsDialog();
        QCOMPARE(dialog->currentPage(), ModelSettingsDialog::Page::Endpoints);
        const AppSettings offered = dialog->settings();
        const RemoteEndpoint* answering = offered.answeringEndpoint();
        QVERIFY(answering);
        QCOMPARE(answering->kind, RemoteEndpoint::Kind::DeepSeekApi);
        QCOMPARE(answering->baseUrl, QStringLiteral("https://api.deepseek.com/v1"));
        QVERIFY(!dialog->canAccept()); // the key is still to fill in
        dialog->reject();
        QTRY_VERIFY(!m_window->settingsDialog());
        QVERIFY(!m_controller->settings().answeringEndpoint()); // nothing changed by looking

        // "Use a model on this computer…": the settings open on the model page
        auto* local = welcome->findChild<QPushButton*>(QStringLiteral("welcomeLocalModel"));
        local->click();
        QTRY_VERIFY(m_window->settingsDialog());
        QCOMPARE(m_window->settingsDialog()->currentPage(), ModelSettingsDialog::Page::Model);
        m_window->settingsDialog()->reject();
        QTRY_VERIFY(!m_window->settingsDialog());

        // "Download a model…": the settings open on the Download page, which runs the window's downloads
        welcome->findChild<QPushButton*>(QStringLiteral("welcomeDownload"))->click();
        QTRY_VERIFY(m_window->settingsDialog());
        QCOMPARE(m_window->settingsDialog()->currentPage(), ModelSettingsDialog::Page::Downloads);
        QVERIFY(m_window->settingsDialog()->downloads()->catalogRows().size() >= 6);
        QVERIFY(m_window->downloads()->downloads().isEmpty());
        m_window->settingsDialog()->reject();
        QTRY_VERIFY(!m_window->settingsDialog());

        // "Use the demo model": the demo (already loaded here) answers; the composer has the focus
        welcome->findChild<QPushButton*>(QStringLiteral("welcomeDemo"))->click();
        QVERIFY(m_controller->model().demo);
        QVERIFY(m_controller->sendBlocker().isEmpty());

        // the first message replaces the welcome with the conversation
        typeAndSend(QStringLiteral("Hello"));
        QTRY_VERIFY(m_window->chatView()->isVisible());
        QVERIFY(!welcome->isVisible());
        waitForAnswer();
    }

    void emptyNewConversationShowsTheModelAndAHint() {
        openWindow(testSettings());
        typeAndSend(QStringLiteral("First"));
        waitForAnswer();
        QTRY_COMPARE(m_controller->conversations()->rowCount(), 1);
        m_controller->newConversation();
        WelcomePane* welcome = m_window->welcomePane();
        QTRY_VERIFY(welcome->isVisible());
        QVERIFY(!welcome->isFirstRun());
        const QString text = welcome->shownText();
        QVERIFY2(!text.contains(QLatin1String("Try the demo model")), qPrintable(text)); // no first-run choices
        QVERIFY2(text.contains(m_controller->answererDescription()), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("demo model")), qPrintable(text));
        QVERIFY2(text.contains(QLatin1String("Enter")), qPrintable(text));
        // opening the saved conversation shows it again
        m_controller->openConversation(m_controller->conversations()->idAt(0));
        QTRY_VERIFY(m_window->chatView()->isVisible());
        QVERIFY(!welcome->isVisible());
        QCOMPARE(m_window->chatView()->entryCount(), 2);
    }

    void windowCarriesTheApplicationIcon() {
        openWindow(testSettings());
        const QIcon icon = m_window->windowIcon();
        QVERIFY(!icon.isNull());
        // every size the package installs into the hicolor theme, each a real picture of that size
        for (const int size : {16, 22, 24, 32, 48, 64, 128, 256, 512}) {
            QVERIFY2(icon.availableSizes().contains(QSize(size, size)), qPrintable(QString::number(size)));
            const QImage image = icon.pixmap(QSize(size, size), 1.0).toImage();
            QCOMPARE(image.size(), QSize(size, size));
            QVERIFY(image.pixelColor(size / 2, size / 2).alpha() > 0); // not transparent in the middle
        }
    }

    void escapeStopsMidAnswer() {
        AppSettings s = testSettings(4000);
        openWindow(s);
        QSignalSpy deltas(m_controller.get(), &ChatController::textArrived);
        typeAndSend(QStringLiteral("Tell me a long story"));
        QVERIFY(deltas.wait(kAnswerTimeoutMs));
        QTest::keyClick(m_window.get(), Qt::Key_Escape);
        QTRY_VERIFY_WITH_TIMEOUT(!m_controller->isGenerating(), 20000);
        const qint64 answerId = m_controller->branch().back().record.id;
        auto store = openStore();
        const auto saved = store->message(answerId);
        QVERIFY(saved);
        QCOMPARE(saved->status, MessageStatus::Stopped);
        QVERIFY(saved->stats.completionTokens.value_or(0) < 4000);
    }

    void editMakesABranch() {
        openWindow(testSettings(4));
        typeAndSend(QStringLiteral("first version"));
        waitForAnswer();
        const qint64 question = m_controller->branch().front().record.id;
        emit m_window->chatView()->editRequested(question, QStringLiteral("second version"));
        QTRY_VERIFY(m_controller->isGenerating());
        waitForAnswer();
        QTRY_COMPARE(m_controller->branch().size(), std::size_t(2));
        const ChatEntry& q2 = m_controller->branch().front();
        QCOMPARE(q2.record.content, QStringLiteral("second version"));
        QCOMPARE(q2.siblingCount(), 2);
        QCOMPARE(q2.siblingIndex(), 1);
        // ‹ back to the first version.
        emit m_window->chatView()->siblingRequested(question);
        QTRY_COMPARE(m_controller->branch().front().record.id, question);
        QCOMPARE(m_controller->branch().front().siblingIndex(), 0);
    }

    void restartShowsTheConversation() {
        openWindow(testSettings(4));
        typeAndSend(QStringLiteral("remember me"));
        waitForAnswer();
        const qint64 conversation = m_controller->currentConversationId();
        QVERIFY(conversation > 0);
        closeWindow();

        openWindow(testSettings(4));
        ConversationListModel* list = m_controller->conversations();
        QTRY_COMPARE(list->rowCount(), 1);
        QCOMPARE(list->idAt(0), conversation);
        QCOMPARE(list->data(list->index(0)).toString(), QStringLiteral("remember me"));
        m_controller->openConversation(conversation);
        QTRY_COMPARE(m_window->chatView()->entryCount(), 2);
        QCOMPARE(m_controller->branch().front().record.content, QStringLiteral("remember me"));
    }

    void switchingLanguageRetranslates() {
        openWindow(testSettings());
        QMenu* file = m_window->menuBar()->findChildren<QMenu*>().value(0);
        QVERIFY(file);
        QCOMPARE(file->title(), QStringLiteral("&File"));
        const QString englishButton = m_window->composer()->button()->text();
        AppSettings s = m_controller->settings();
        s.language = QStringLiteral("zh_CN");
        m_window->applySettings(s);
        QTRY_VERIFY(file->title().contains(QStringLiteral("文件")));
        QVERIFY(m_window->windowTitle().contains(QStringLiteral("鲸歌")));
        QVERIFY(m_window->composer()->button()->text() != englishButton);
        s.language = QStringLiteral("en");
        m_window->applySettings(s);
        QTRY_COMPARE(file->title(), QStringLiteral("&File"));
        QCOMPARE(m_window->composer()->button()->text(), englishButton);
    }

    void inputMethodCommitDoesNotSend() {
        openWindow(testSettings());
        QSignalSpy sends(m_window->composer(), &Composer::sendRequested);
        QWidget* edit = static_cast<QWidget*>(m_window->composer()->editor());
        edit->setFocus();
        QInputMethodEvent preedit(QStringLiteral("jingge"), {});
        QApplication::sendEvent(edit, &preedit);
        QTest::keyClick(edit, Qt::Key_Return); // the Enter that picks the candidate
        QInputMethodEvent commit;
        commit.setCommitString(QStringLiteral("鲸歌"));
        QApplication::sendEvent(edit, &commit);
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(sends.count(), 0);
        QVERIFY(m_window->composer()->draft().contains(QStringLiteral("鲸歌")));
        QVERIFY(!m_controller->isGenerating());
    }

    void settingsDialogNamesWhatIsWrong() {
        openWindow(testSettings());
        QTemporaryDir broken;
        QFile config(broken.filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"deepseek_v3\", \"hidden_size\": ");
        config.close();
        m_window->openModelSettings();
        QTRY_VERIFY(m_window->settingsDialog());
        ModelSettingsDialog* dialog = m_window->settingsDialog();
        QSignalSpy inspected(dialog, &ModelSettingsDialog::inspectionFinished);
        dialog->setFolder(broken.path());
        QTRY_VERIFY_WITH_TIMEOUT(!inspected.isEmpty() && !dialog->isInspecting(), 20000);
        const QString problems = dialog->shownProblems().join(QLatin1Char('\n'));
        QVERIFY2(problems.contains(QLatin1String("config.json")), qPrintable(problems));
        QVERIFY2(problems.contains(QLatin1String("tokenizer.json")), qPrintable(problems));
        QVERIFY2(problems.contains(QLatin1String("safetensors")), qPrintable(problems));
        QVERIFY(!dialog->canAccept());
        dialog->reject();
    }

    void settingsApplyToTheNextAnswerAndPersist() {
        AppSettings s = testSettings(12);
        s.generation.temperature = 0.0; // greedy: the demo model rarely ends an answer early
        openWindow(s);
        typeAndSend(QStringLiteral("one"));
        waitForAnswer();
        QCOMPARE(m_controller->branch().back().record.stats.completionTokens.value_or(-1), 12);

        s.generation.maxTokens = 3; // through the window, as the settings dialog's OK does
        m_window->applySettings(s);
        QSettings stored;
        QCOMPARE(AppSettings::load(stored).generation.maxTokens, 3);
        typeAndSend(QStringLiteral("two"));
        waitForAnswer();
        QCOMPARE(m_controller->branch().back().record.stats.completionTokens.value_or(-1), 3);

        // This conversation's own answer length wins over the global one, and is kept with the conversation.
        m_controller->setConversationOverrides(QJsonObject{{QStringLiteral("max_tokens"), 2}});
        typeAndSend(QStringLiteral("three"));
        waitForAnswer();
        QCOMPARE(m_controller->branch().back().record.stats.completionTokens.value_or(-1), 2);
        auto store = openStore();
        QCOMPARE(store->conversation(m_controller->currentConversationId())->settings.value(QStringLiteral("max_tokens")).toInt(), 2);
    }

    void tooLongADraftIsRefused() {
        AppSettings s = testSettings();
        s.model.contextLength = 48;
        openWindow(s);
        QSignalSpy sends(m_controller.get(), &ChatController::generatingChanged);
        QSignalSpy counted(m_controller.get(), &ChatController::draftCounted);
        QString longDraft;
        for (int i = 0; i < 40; ++i) longDraft += QStringLiteral("whale song ");
        m_window->composer()->setDraft(longDraft);
        QTRY_VERIFY_WITH_TIMEOUT(!counted.isEmpty() && counted.last().at(0).toInt() > counted.last().at(1).toInt(),
                                 20000);
        QTest::keyClick(static_cast<QWidget*>(m_window->composer()->editor()), Qt::Key_Return);
        QVERIFY(!m_window->composer()->noticeText().isEmpty());
        QCOMPARE(m_window->composer()->draft(), longDraft); // nothing cut, nothing sent
        QCOMPARE(sends.count(), 0);
    }

    /// A window whose controller refuses to send; until its store is open and its model settled.
    void openRefusingWindow(const AppSettings& s) {
        m_languages = std::make_unique<LanguageManager>();
        m_languages->apply(s.language);
        m_controller = std::make_unique<ChatController>(m_data->path(), s);
        m_window = std::make_unique<MainWindow>(*m_controller, *m_languages);
        m_window->show();
        QSignalSpy opened(m_controller.get(), &ChatController::storeOpened);
        QSignalSpy loaded(m_controller.get(), &ChatController::modelLoaded);
        QSignalSpy failed(m_controller.get(), &ChatController::modelLoadFailed);
        m_controller->start();
        QVERIFY(opened.wait(kAnswerTimeoutMs));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() + failed.count() > 0, kAnswerTimeoutMs);
        QVERIFY(!m_controller->isModelLoading());
    }
    /// Sends `draft` with Enter and by the controller itself: refused, the draft kept whole, the reason shown
    /// under it and on the Send button, nothing saved or started.
    void expectRefusedKeepingTheDraft(const QString& draft, const QString& reasonPart) {
        Composer* composer = m_window->composer();
        QSignalSpy generating(m_controller.get(), &ChatController::generatingChanged);
        QSignalSpy errors(m_controller.get(), &ChatController::errorOccurred);
        QVERIFY(!composer->isSendEnabled());
        QVERIFY2(m_controller->sendBlocker().contains(reasonPart), qPrintable(m_controller->sendBlocker()));
        composer->setDraft(draft);
        QTest::keyClick(static_cast<QWidget*>(composer->editor()), Qt::Key_Return);
        QCOMPARE(composer->draft(), draft);
        QVERIFY2(composer->noticeText().contains(reasonPart), qPrintable(composer->noticeText()));
        QVERIFY(!composer->button()->isEnabled());
        QVERIFY2(composer->button()->toolTip().contains(reasonPart), qPrintable(composer->button()->toolTip()));
        QVERIFY(!m_controller->send(draft)); // the controller asks the same question
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.at(0).at(0).toString().contains(reasonPart));
        QTest::qWait(100);
        QCOMPARE(composer->draft(), draft);
        QCOMPARE(generating.count(), 0);
        auto store = openStore();
        QVERIFY(store);
        QCOMPARE(store->conversations().size(), std::size_t(0)); // nothing saved
    }

    void refusedSendWithAnEndpointNotSetUpKeepsTheDraft() {
        AppSettings s = testSettings();
        RemoteEndpoint e = RemoteEndpoint::deepSeekPreset(); // no key yet
        e.id = QStringLiteral("ds");
        e.name = QStringLiteral("DeepSeek");
        s.endpoints = {e};
        s.activeEndpoint = e.id;
        QVERIFY(!e.problems().isEmpty());
        openRefusingWindow(s);
        QVERIFY(m_controller->model().model); // the local model is loaded, but the endpoint answers
        expectRefusedKeepingTheDraft(QStringLiteral("A long question I typed carefully, 一个问题"),
                                     QStringLiteral("“DeepSeek” is not set up"));
        // Choosing the local model instead makes sending possible, the draft still there.
        AppSettings local = s;
        local.activeEndpoint.clear();
        m_controller->applySettings(local);
        QTRY_VERIFY(m_window->composer()->isSendEnabled());
        QVERIFY(m_window->composer()->button()->isEnabled());
        QTest::keyClick(static_cast<QWidget*>(m_window->composer()->editor()), Qt::Key_Return);
        QTRY_VERIFY(m_window->composer()->draft().isEmpty());
        waitForAnswer();
        QCOMPARE(m_controller->branch().front().record.content, QStringLiteral("A long question I typed carefully, 一个问题"));
    }

    void refusedSendWithNoModelKeepsTheDraft() {
        AppSettings s = testSettings();
        s.model.folder = QDir(m_data->path()).filePath(QStringLiteral("no-such-model"));
        openRefusingWindow(s);
        QVERIFY(!m_controller->model().model);
        expectRefusedKeepingTheDraft(QStringLiteral("hello?"), QStringLiteral("No model is loaded"));
    }

    void languageSwitchRetranslatesTheRefusal() {
        AppSettings s = testSettings();
        s.model.folder = QDir(m_data->path()).filePath(QStringLiteral("no-such-model"));
        openRefusingWindow(s);
        const QString english = m_window->composer()->button()->toolTip();
        QVERIFY(english.contains(QLatin1String("No model is loaded")));
        m_languages->apply(QStringLiteral("zh_CN"));
        QTRY_VERIFY(m_window->composer()->button()->toolTip() != english);
        QVERIFY(m_window->composer()->button()->toolTip() == m_controller->sendBlocker());
        m_languages->apply(QStringLiteral("en"));
        QTRY_COMPARE(m_window->composer()->button()->toolTip(), english);
    }

    void appServesTheLoadedModelOverTheApi() {
        QTcpServer probe; // a port that is free now
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        const int port = probe.serverPort();
        probe.close();
        AppSettings s = testSettings();
        s.server.enabled = true;
        s.server.port = port;
        s.server.apiKey = QStringLiteral("sk-ws-test");
        openWindow(s);
        const QString base = QStringLiteral("http://127.0.0.1:%1/v1").arg(port);
        QTRY_VERIFY2(m_window->statusText().contains(QStringLiteral("API: ") + base), qPrintable(m_window->statusText()));

        QNetworkAccessManager network;
        QNetworkRequest models{QUrl(base + QStringLiteral("/models"))};
        models.setRawHeader("Authorization", "Bearer sk-ws-test");
        std::unique_ptr<QNetworkReply> reply(network.get(models));
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), kAnswerTimeoutMs);
        const QJsonObject list = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(list.value(QStringLiteral("data")).toArray().at(0).toObject().value(QStringLiteral("id")).toString(),
                 QStringLiteral("whalesong-demo"));

        // Switched off in the settings: the port is closed.
        s.server.enabled = false;
        m_controller->applySettings(s);
        QVERIFY(!m_controller->apiServer()->isListening());
        std::unique_ptr<QNetworkReply> refused(network.get(models));
        QTRY_VERIFY_WITH_TIMEOUT(refused->isFinished(), kAnswerTimeoutMs);
        QCOMPARE(refused->error(), QNetworkReply::ConnectionRefusedError);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
