// tst_settings_dialog: the model settings dialog checks the folder live (problems or the model card, OK only
// when usable), estimates memory, returns what was entered and re-translates when the language changes; the
// conversation dialog yields only the overridden fields.
#include "app/language_manager.h"
#include "ui/api_server_page.h"
#include "ui/conversation_settings_dialog.h"
#include "ui/endpoints_page.h"
#include "ui/generation_settings_form.h"
#include "ui/local_models_page.h"
#include "ui/model_settings_dialog.h"
#include "whalesong/devices.h"
#include "whalesong/random_model.h"

#include <QApplication>
#include <algorithm>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

namespace {
const QString kTokenizerDir = QStringLiteral(WS_SOURCE_DIR "/../shared/tokenizers/deepseek-v3");
const QString kFolderSource = QStringLiteral("Model &folder or file:");
const QString kFolderChinese = QStringLiteral("模型文件夹或文件(&F):");

/// Stands in for the Chinese translation of the dialog until the .ts has it: answers only while the default
/// locale is Chinese, which LanguageManager::apply("zh_CN") sets.
class DialogChinese : public QTranslator {
  public:
    bool isEmpty() const override { return false; }
    QString translate(const char* context, const char* source, const char*, int) const override {
        if (QLocale().language() == QLocale::Chinese && qstrcmp(context, "ModelSettingsDialog") == 0 &&
            kFolderSource == QLatin1String(source))
            return kFolderChinese;
        return {};
    }
};

template <typename T> T* child(QObject* parent, const char* name) {
    T* c = parent->findChild<T*>(QLatin1String(name));
    if (!c)
        qFatal("no child %s", name);
    return c;
}

/// Points the dialog at `folder` and waits for its check.
bool inspect(ModelSettingsDialog& d, const QString& folder) {
    QSignalSpy finished(&d, &ModelSettingsDialog::inspectionFinished);
    d.setFolder(folder);
    return finished.wait(60000) && !d.isInspecting();
}
} // namespace

class TestSettingsDialog : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void demoIsAlwaysAccepted();
    void missingFolder();
    void emptyFolder();
    void brokenFolder();
    void validModel();
    void ggufFile();
    void returnsWhatWasEntered();
    void languageSwitchRetranslates();
    void generationForm();
    void conversationOverrides();
    void endpointsAndServer();
    void modelsOnThisComputer();
    void backendChoicesFollowTheGpuCheck();

  private:
    QTemporaryDir m_dir;
    QString m_model;
};

void TestSettingsDialog::initTestCase() {
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QStandardPaths::setTestModeEnabled(true); // DemoModel::defaultFolder() away from the user's own
    // The hubs' caches of this test, not the user's (the dialog lists the models in them).
    qputenv("HF_HUB_CACHE", QFile::encodeName(m_dir.filePath(QStringLiteral("hf-hub"))));
    qputenv("MODELSCOPE_CACHE", QFile::encodeName(m_dir.filePath(QStringLiteral("modelscope"))));
    QVERIFY(m_dir.isValid());
    m_model = m_dir.filePath(QStringLiteral("demo"));
    if (!QFile::exists(kTokenizerDir + QStringLiteral("/tokenizer.json")))
        return; // validModel skips
    ws::RandomModelSpec spec;
    spec.configJson = ws::demoModelConfigJson();
    spec.seed = 1;
    const ws::Status st = ws::writeRandomModel(QFile::encodeName(m_model).toStdString(), spec);
    QVERIFY2(st.isOk(), st.message().c_str());
    for (const char* f : {"tokenizer.json", "tokenizer_config.json"})
        QVERIFY(QFile::copy(kTokenizerDir + QLatin1Char('/') + QLatin1String(f),
                            m_model + QLatin1Char('/') + QLatin1String(f)));
}

void TestSettingsDialog::backendChoicesFollowTheGpuCheck() {
    ModelSettingsDialog d{AppSettings{}};
    QSignalSpy checked(&d, &ModelSettingsDialog::devicesChecked);
    QVERIFY(checked.wait(60000));
    QVERIFY(d.devices().has_value());
    // What the engine reports here, asked again independently of the dialog's own check.
    const ws::DeviceReport here = ws::queryDevices();
    const bool built = ws::cudaBuilt();
    QCOMPARE(std::find(here.backends.begin(), here.backends.end(), "cuda") != here.backends.end(), built);
    auto* backend = child<QComboBox>(&d, "backend");
    auto* gpu = child<QSpinBox>(&d, "gpu");
    const QString note = d.shownBackendNote();
    if (!here.gpus.empty()) { // a GPU machine: CUDA can be chosen, each GPU named with its memory
        QVERIFY(d.cudaSelectable());
        QVERIFY(gpu->isEnabled());
        QCOMPARE(gpu->maximum(), static_cast<int>(here.gpus.size()) - 1);
        QVERIFY2(note.contains(QString::fromStdString(here.gpus.front().name)), qPrintable(note));
    } else {
        QVERIFY(!d.cudaSelectable());
        QVERIFY(!gpu->isEnabled());
        if (built) // built with CUDA, no GPU: the runtime's reason, not "not in this build"
            QVERIFY2(note.contains(QString::fromStdString(here.gpuProblem)) &&
                         !backend->itemText(2).contains(QLatin1String("not in this build")),
                     qPrintable(note + QLatin1Char('|') + backend->itemText(2)));
        else
            QVERIFY2(backend->itemText(2).contains(QLatin1String("not in this build")), qPrintable(backend->itemText(2)));
    }
}

void TestSettingsDialog::modelsOnThisComputer() {
    if (!QFile::exists(m_model + QStringLiteral("/tokenizer.json")))
        QSKIP("no shared/tokenizers/deepseek-v3");
    const auto copyModel = [this](const QString& to) {
        QVERIFY(QDir().mkpath(to));
        for (const QString& f : QDir(m_model).entryList(QDir::Files))
            QVERIFY(QFile::copy(QDir(m_model).filePath(f), QDir(to).filePath(f)));
    };
    // The Hugging Face cache (HF_HUB_CACHE, set above): one snapshot that refs/main names.
    const QString repo = m_dir.filePath(QStringLiteral("hf-hub/models--deepseek-ai--DeepSeek-Tiny"));
    const QString snapshot = repo + QStringLiteral("/snapshots/0123abcd");
    copyModel(snapshot);
    {
        QFile ref(repo + QStringLiteral("/refs/main"));
        QVERIFY(QDir().mkpath(repo + QStringLiteral("/refs")) && ref.open(QIODevice::WriteOnly));
        ref.write("0123abcd");
    }
    // The user's folder: a model of another architecture, which is listed with the reason.
    const QString mine = m_dir.filePath(QStringLiteral("my-models"));
    QVERIFY(QDir().mkpath(mine + QStringLiteral("/tiny-llama")));
    {
        QFile config(mine + QStringLiteral("/tiny-llama/config.json"));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{\"model_type\": \"llama\"}");
    }
    AppSettings s;
    s.modelFolders = {mine};
    ModelSettingsDialog d{s};
    LocalModelsPage* page = d.localModels();
    QSignalSpy searched(page, &LocalModelsPage::searchFinished);
    QVERIFY(searched.wait(60000));
    QCOMPARE(page->found().size(), std::size_t(2));
    int hfRow = -1, llamaRow = -1;
    for (int row = 0; row < 2; ++row)
        (page->rowText(row).contains(QLatin1String("DeepSeek-Tiny")) ? hfRow : llamaRow) = row;
    QVERIFY(hfRow >= 0 && llamaRow >= 0);
    const QString hfText = page->rowText(hfRow);
    for (const char* part : {"deepseek-ai/DeepSeek-Tiny", "Hugging Face cache", "safetensors", "Ready"})
        QVERIFY2(hfText.contains(QLatin1String(part)), qPrintable(hfText));
    const QString llamaText = page->rowText(llamaRow);
    QVERIFY2(llamaText.contains(QLatin1String("Your folder")) && llamaText.contains(QLatin1String("llama")),
             qPrintable(llamaText));
    QVERIFY(!page->selectRow(llamaRow)); // listed, not usable
    QVERIFY(!child<QPushButton>(&d, "useLocalModel")->isEnabled());

    // "Use this model": the Model page checks it and the settings take its path.
    QVERIFY(page->selectRow(hfRow));
    QSignalSpy inspected(&d, &ModelSettingsDialog::inspectionFinished);
    child<QPushButton>(&d, "useLocalModel")->click();
    QCOMPARE(d.currentPage(), ModelSettingsDialog::Page::Model);
    QVERIFY(inspected.wait(60000));
    QVERIFY2(d.shownProblems().isEmpty(), qPrintable(d.shownProblems().join(u'\n')));
    QVERIFY(d.canAccept());
    QCOMPARE(QDir(d.settings().model.folder).canonicalPath(), QDir(snapshot).canonicalPath());

    // A folder added: searched at once, kept in the settings.
    const QString more = m_dir.filePath(QStringLiteral("more-models"));
    copyModel(more + QStringLiteral("/copied"));
    page->addUserFolder(more);
    QVERIFY(searched.wait(60000));
    QCOMPARE(page->found().size(), std::size_t(3));
    QCOMPARE(d.settings().modelFolders, (QStringList{mine, more}));
}

void TestSettingsDialog::demoIsAlwaysAccepted() {
    ModelSettingsDialog d{AppSettings{}};
    QVERIFY(child<QCheckBox>(&d, "demo")->isChecked());
    QVERIFY(d.canAccept());
    QVERIFY(d.shownProblems().isEmpty());
    QVERIFY(!d.shownCard().isEmpty()); // a description of the demo
    QCOMPARE(d.settings().model.folder, QString());

    // Unticked with no folder: a problem, OK off; ticked again: fine.
    child<QCheckBox>(&d, "demo")->setChecked(false);
    QCOMPARE(d.shownProblems().size(), 1);
    QVERIFY(!d.canAccept());
    child<QCheckBox>(&d, "demo")->setChecked(true);
    QVERIFY(d.canAccept());

    // The demo's card when its folder is known.
    if (QFile::exists(m_model + QStringLiteral("/tokenizer.json"))) {
        QSignalSpy finished(&d, &ModelSettingsDialog::inspectionFinished);
        d.setDemoFolder(m_model);
        QVERIFY(finished.wait(60000));
        QVERIFY2(d.shownCard().contains(QLatin1String("deepseek_v3")), qPrintable(d.shownCard()));
        QVERIFY(d.canAccept());
        QCOMPARE(d.settings().model.folder, QString());
    }
}

void TestSettingsDialog::missingFolder() {
    ModelSettingsDialog d{AppSettings{}};
    QVERIFY(inspect(d, m_dir.filePath(QStringLiteral("no/such/folder"))));
    QVERIFY2(d.shownProblems().join(u'\n').contains(QLatin1String("missing")),
             qPrintable(d.shownProblems().join(u'\n')));
    QVERIFY(d.shownCard().isEmpty());
    QVERIFY(!d.canAccept());
    QVERIFY(child<QLabel>(&d, "status")->text().contains(QLatin1String("no/such/folder")));
}

void TestSettingsDialog::emptyFolder() {
    QTemporaryDir empty;
    ModelSettingsDialog d{AppSettings{}};
    QVERIFY(inspect(d, empty.path()));
    const QStringList problems = d.shownProblems();
    const QString all = problems.join(u'\n');
    QVERIFY2(problems.size() >= 3, qPrintable(all));
    for (const char* name : {"config.json", "tokenizer.json", "safetensors"})
        QVERIFY2(all.contains(QLatin1String(name)), name);
    QCOMPARE(child<QLabel>(&d, "status")->text(), all); // one problem per line
    QVERIFY(!d.canAccept());
}

void TestSettingsDialog::brokenFolder() {
    QTemporaryDir broken;
    QFile config(broken.filePath(QStringLiteral("config.json")));
    QVERIFY(config.open(QIODevice::WriteOnly));
    config.write("{\"model_type\": \"deepseek_v3\", \"hidden_size\": ");
    config.close();
    ModelSettingsDialog d{AppSettings{}};
    QVERIFY(inspect(d, broken.path()));
    const QString all = d.shownProblems().join(u'\n');
    for (const char* name : {"config.json", "tokenizer.json", "safetensors"})
        QVERIFY2(all.contains(QLatin1String(name)), qPrintable(all));
    QVERIFY2(!d.shownProblems().contains(QStringLiteral("config.json: missing")),
             qPrintable(all)); // but broken
    QVERIFY(!d.canAccept());
}

void TestSettingsDialog::validModel() {
    if (!QFile::exists(m_model + QStringLiteral("/tokenizer.json")))
        QSKIP("no shared/tokenizers/deepseek-v3");
    AppSettings s;
    s.model.contextLength = 8192; // above the demo config's 4,096
    ModelSettingsDialog d{s};
    QVERIFY(inspect(d, m_model));
    QVERIFY2(d.shownProblems().isEmpty(), qPrintable(d.shownProblems().join(u'\n')));
    const QString card = d.shownCard();
    for (const char* part :
         {"deepseek_v3", "total", "active", "Layers: 4 (1 dense, 3 MoE)", "16 routed", "4,096"})
        QVERIFY2(card.contains(QLatin1String(part)), qPrintable(card));
    QVERIFY(d.canAccept());

    // The context is capped at the model's maximum, but an untouched request is kept as it was.
    auto* context = child<QSpinBox>(&d, "contextLength");
    QCOMPARE(context->maximum(), 4096);
    QCOMPARE(context->value(), 4096);
    QCOMPARE(d.settings().model.contextLength, 8192);
    const QString before = d.shownMemoryEstimate();
    QVERIFY2(before.contains(QLatin1String("MiB")) || before.contains(QLatin1String("GiB")),
             qPrintable(before));
    context->setValue(1024);
    QVERIFY(d.shownMemoryEstimate() != before);
    QVERIFY(d.shownMemoryEstimate().contains(QLatin1String("1,024")));
    QCOMPARE(d.settings().model.contextLength, 1024);

    // Typing another folder disables OK until it is checked.
    child<QLineEdit>(&d, "folder")->setText(m_model + QStringLiteral("/"));
    QVERIFY(d.isInspecting());
    QVERIFY(!d.canAccept());
}

void TestSettingsDialog::ggufFile() {
    // A tiny deepseek2 GGUF (Q2_K matrices) written by llama.cpp's gguf-py: a file, not a folder.
    const QString file = QStringLiteral(WS_SOURCE_DIR "/tests/app/fixtures/tiny-q2_k.gguf");
    ModelSettingsDialog d{AppSettings{}};
    child<QCheckBox>(&d, "demo")->setChecked(false);
    QVERIFY(inspect(d, file));
    QVERIFY2(d.shownProblems().isEmpty(), qPrintable(d.shownProblems().join(u'\n')));
    const QString card = d.shownCard();
    for (const char* part : {"deepseek_v3", "Layers: 2 (1 dense, 1 MoE)", "GGUF Q2_K", "q2_K"})
        QVERIFY2(card.contains(QLatin1String(part)), qPrintable(card));
    QVERIFY(d.canAccept());
    QCOMPARE(d.settings().model.folder, file);
    QVERIFY(child<QPushButton>(&d, "browseFile")->isEnabled());

    // Cut short: the problem names the file, and OK stays off.
    QTemporaryDir dir;
    QFile in(file);
    QVERIFY(in.open(QIODevice::ReadOnly));
    const QString cut = dir.filePath(QStringLiteral("cut.gguf"));
    QFile out(cut);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(in.read(in.size() / 2));
    out.close();
    QVERIFY(inspect(d, cut));
    const QString all = d.shownProblems().join(u'\n');
    QVERIFY2(all.contains(QLatin1String("cut.gguf")) && all.contains(QLatin1String("past the end")), qPrintable(all));
    QVERIFY(!d.canAccept());
}

void TestSettingsDialog::returnsWhatWasEntered() {
    AppSettings s;
    s.model.folder = QStringLiteral("/nowhere");
    s.model.threads = 1;
    s.generation.temperature = 0.5;
    s.language = QStringLiteral("zh_CN");
    ModelSettingsDialog d{s};
    QCOMPARE(d.settings().model, s.model);
    QCOMPARE(d.settings().generation, s.generation);
    QCOMPARE(d.settings().language, s.language);

    child<QComboBox>(&d, "backend")->setCurrentIndex(1);
    child<QSpinBox>(&d, "threads")->setValue(0);
    child<QComboBox>(&d, "language")->setCurrentIndex(0);
    child<QSpinBox>(&d, "maxTokens")->setValue(100);
    child<QDoubleSpinBox>(&d, "temperature")->setValue(1.7);
    child<QCheckBox>(&d, "deepseekTemperatureMapping")->setChecked(false);
    child<QPlainTextEdit>(&d, "stop")->setPlainText(QStringLiteral("\\n\\nUser:\n###"));
    child<QLineEdit>(&d, "seed")->setText(QStringLiteral("42"));
    child<QPlainTextEdit>(&d, "systemPrompt")->setPlainText(QStringLiteral("简洁。"));
    const AppSettings out = d.settings();
    QCOMPARE(out.model.folder, QStringLiteral("/nowhere"));
    QCOMPARE(out.model.backend, BackendChoice::Cpu);
    QCOMPARE(out.model.threads, 0);
    QCOMPARE(out.language, QString());
    QCOMPARE(out.generation.maxTokens, 100);
    QCOMPARE(out.generation.temperature, 1.7);
    QVERIFY(!out.generation.deepseekTemperatureMapping);
    QCOMPARE(out.generation.stop, (QStringList{QStringLiteral("\n\nUser:"), QStringLiteral("###")}));
    QCOMPARE(out.generation.seed, std::optional<quint64>(42));
    QCOMPARE(out.generation.systemPrompt, QStringLiteral("简洁。"));

    // CUDA is listed but cannot be picked in a CPU-only build; the GPU index goes with it.
    QVERIFY(!child<QSpinBox>(&d, "gpu")->isEnabled());
}

void TestSettingsDialog::languageSwitchRetranslates() {
    DialogChinese chinese;
    QCoreApplication::installTranslator(&chinese);
    LanguageManager languages;
    languages.apply(QStringLiteral("en"));
    ModelSettingsDialog d{AppSettings{}};
    auto* label = child<QLabel>(&d, "folderLabel");
    QCOMPARE(label->text(), kFolderSource);

    languages.apply(QStringLiteral("zh_CN"));
    QTRY_VERIFY2(label->text() != kFolderSource, qPrintable(label->text())); // LanguageChange is posted
    QVERIFY(label->text().contains(QStringLiteral("模型")) ||
            label->text().contains(QStringLiteral("文件夹")));
    QVERIFY(!d.shownCard().isEmpty());

    languages.apply(QStringLiteral("en"));
    QTRY_COMPARE(label->text(), kFolderSource);
    QCoreApplication::removeTranslator(&chinese);
}

void TestSettingsDialog::generationForm() {
    GenerationSettingsForm form;
    GenerationSettings g;
    g.temperature = 0.5;
    g.stop = {QStringLiteral("\n\nUser:"), QStringLiteral("a\\b"), QStringLiteral("\tx")};
    g.seed = 18446744073709551615ULL;
    form.setSettings(g);
    QCOMPARE(form.settings(), g);
    QVERIFY2(form.temperatureHint().contains(QLatin1String("0.15")), qPrintable(form.temperatureHint()));
    child<QCheckBox>(&form, "deepseekTemperatureMapping")->setChecked(false);
    QVERIFY(form.temperatureHint().contains(QLatin1String("0.50")));
    QVERIFY(form.problems().isEmpty());

    child<QPlainTextEdit>(&form, "stop")->setPlainText(QStringLiteral("a\nb\nc\nd\ne"));
    QVERIFY(form.problems().join(u'\n').contains(QLatin1String("stop")));
    child<QPlainTextEdit>(&form, "stop")->clear();
    child<QLineEdit>(&form, "seed")->setText(QStringLiteral("99999999999999999999"));
    QVERIFY(form.problems().join(u'\n').contains(QLatin1String("seed")));
}

void TestSettingsDialog::conversationOverrides() {
    GenerationSettings global;
    global.maxTokens = 2048;
    ConversationSettingsDialog d(
        global, QJsonObject{{QStringLiteral("temperature"), 0.5}, {QStringLiteral("bogus"), 1}});
    using F = GenerationSettingsForm::Field;
    QVERIFY(d.form()->isOverridden(F::Temperature));
    QVERIFY(!d.form()->isOverridden(F::MaxTokens));
    QVERIFY(!child<QSpinBox>(&d, "maxTokens")->isEnabled());
    QCOMPARE(d.overrides(), (QJsonObject{{QStringLiteral("temperature"), 0.5}}));
    QCOMPARE(d.settings().maxTokens, 2048);

    d.form()->setOverridden(F::MaxTokens, true);
    child<QSpinBox>(&d, "maxTokens")->setValue(100);
    d.form()->setOverridden(F::Temperature, false);
    QCOMPARE(child<QDoubleSpinBox>(&d, "temperature")->value(), global.temperature);
    QCOMPARE(d.overrides(), (QJsonObject{{QStringLiteral("max_tokens"), 100}}));

    d.form()->setOverridden(F::MaxTokens, false);
    QVERIFY(d.overrides().isEmpty());
}

void TestSettingsDialog::endpointsAndServer() {
    AppSettings s; // the demo model: the folder never blocks OK here
    ModelSettingsDialog d{s};
    QTRY_VERIFY(d.canAccept());
    auto* endpoints = child<EndpointsPage>(&d, "endpoints");
    auto* answerWith = child<QComboBox>(&d, "answerWith");
    QCOMPARE(answerWith->count(), 1); // this computer only

    // DeepSeek's preset needs a key: OK waits for it, and the page says why.
    endpoints->addEndpoint(RemoteEndpoint::deepSeekPreset());
    QVERIFY(!d.canAccept());
    auto* problems = child<QLabel>(&d, "endpointProblems");
    QVERIFY2(problems->text().contains(QStringLiteral("API key")), qPrintable(problems->text()));
    auto* key = child<QLineEdit>(&d, "endpointKey");
    QCOMPARE(key->echoMode(), QLineEdit::Password);
    QTest::keyClicks(key, QStringLiteral("sk-abc"));
    QVERIFY(d.canAccept());
    QCOMPARE(answerWith->count(), 2);
    answerWith->setCurrentIndex(1);
    AppSettings out = d.settings();
    QCOMPARE(out.endpoints.size(), 1);
    QCOMPARE(out.endpoints.at(0).apiKey, QStringLiteral("sk-abc"));
    QCOMPARE(out.endpoints.at(0).model, QStringLiteral("deepseek-chat"));
    QCOMPARE(out.activeEndpoint, out.endpoints.at(0).id);
    QVERIFY(out.answeringEndpoint() != nullptr);

    // A connection test that cannot connect says so.
    auto* url = child<QLineEdit>(&d, "endpointUrl");
    url->clear();
    QTest::keyClicks(url, QStringLiteral("http://127.0.0.1:9/v1"));
    QCOMPARE(d.settings().endpoints.at(0).baseUrl, QStringLiteral("http://127.0.0.1:9/v1"));
    QSignalSpy tested(endpoints, &EndpointsPage::testFinished);
    endpoints->testSelected();
    QVERIFY(tested.wait(30000));
    QVERIFY2(endpoints->testResult().contains(QStringLiteral("Could not reach")), qPrintable(endpoints->testResult()));

    // The API server: on LAN it needs a key; Generate makes one; the page shows the base URL.
    child<QCheckBox>(&d, "serverEnabled")->setChecked(true);
    child<QSpinBox>(&d, "serverPort")->setValue(8123);
    QVERIFY(d.canAccept()); // loopback without a key is fine
    child<QCheckBox>(&d, "serverLan")->setChecked(true);
    QVERIFY(!d.canAccept());
    auto* page = child<ApiServerPage>(&d, "server");
    for (QPushButton* b : page->findChildren<QPushButton*>()) b->click(); // Generate
    QVERIFY(d.canAccept());
    out = d.settings();
    QVERIFY(out.server.enabled && out.server.lan);
    QCOMPARE(out.server.port, 8123);
    QVERIFY(out.server.apiKey.startsWith(QStringLiteral("sk-ws-")));
    QVERIFY2(page->shownUsage().contains(QStringLiteral(":8123/v1")), qPrintable(page->shownUsage()));

    // What was saved comes back.
    ModelSettingsDialog again{out};
    QCOMPARE(again.settings().endpoints, out.endpoints);
    QCOMPARE(again.settings().activeEndpoint, out.activeEndpoint);
    QCOMPARE(again.settings().server, out.server);
}

QTEST_MAIN(TestSettingsDialog)
#include "tst_settings_dialog.moc"
