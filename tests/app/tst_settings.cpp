// tst_settings: DeepSeek's temperature mapping, range problems, JSON overrides and QSettings persistence.
#include "settings.h"

#include <QJsonArray>
#include <QSettings>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

class TestSettings : public QObject {
    Q_OBJECT

  private slots:
    void temperatureMapping_data();
    void temperatureMapping();
    void samplingParams();
    void problemsNameTheField();
    void jsonRoundTrip();
    void overridesHoldOnlyChangedKeys();
    void withOverridesIgnoresWrongTypes();
    void qsettingsRoundTrip();
    void qsettingsDefaultsAndJunk();
    void backendNames();
    void endpointsAndServerRoundTrip();
};

namespace {
GenerationSettings unusual() {
    GenerationSettings g;
    g.maxTokens = 1234;
    g.temperature = 1.5;
    g.deepseekTemperatureMapping = false;
    g.topP = 0.9;
    g.topK = 40;
    g.presencePenalty = -0.5;
    g.frequencyPenalty = 1.25;
    g.stop = {QStringLiteral("\n\nUser:"), QStringLiteral("a, b"), QStringLiteral("停")};
    g.seed = 18446744073709551557ULL; // above 2^53: must survive JSON
    g.systemPrompt = QStringLiteral("你是一个助手。\nBe brief.");
    return g;
}
} // namespace

void TestSettings::temperatureMapping_data() {
    QTest::addColumn<double>("requested");
    QTest::addColumn<double>("effective");
    QTest::newRow("0") << 0.0 << 0.0;
    QTest::newRow("0.5") << 0.5 << 0.15;
    QTest::newRow("1") << 1.0 << 0.3;
    QTest::newRow("1.5") << 1.5 << 0.8;
    QTest::newRow("2") << 2.0 << 1.3;
}

void TestSettings::temperatureMapping() {
    QFETCH(double, requested);
    QFETCH(double, effective);
    GenerationSettings g;
    g.temperature = requested;
    QVERIFY(g.deepseekTemperatureMapping); // on by default
    QVERIFY2(qAbs(g.effectiveTemperature() - effective) < 1e-12,
             qPrintable(QString::number(g.effectiveTemperature())));
    g.deepseekTemperatureMapping = false;
    QCOMPARE(g.effectiveTemperature(), requested);
}

void TestSettings::samplingParams() {
    GenerationSettings g = unusual();
    g.deepseekTemperatureMapping = true;
    ws::SamplingParams p = g.samplingParams(7);
    QCOMPARE(p.temperature, 0.8f);
    QCOMPARE(p.top_p, 0.9f);
    QCOMPARE(p.top_k, 40);
    QCOMPARE(p.presence_penalty, -0.5f);
    QCOMPARE(p.frequency_penalty, 1.25f);
    QCOMPARE(p.seed, std::uint64_t{18446744073709551557ULL});
    QVERIFY(p.validate().isOk());
    g.seed.reset();
    QCOMPARE(g.samplingParams(7).seed, std::uint64_t{7});
}

void TestSettings::problemsNameTheField() {
    QVERIFY(GenerationSettings{}.problems().isEmpty());
    QVERIFY(unusual().problems().isEmpty());

    GenerationSettings g;
    g.temperature = 2.5;
    g.topP = 0.0;
    g.maxTokens = 0;
    g.stop = {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d"),
              QStringLiteral("e")};
    g.presencePenalty = 3;
    g.frequencyPenalty = -2.5;
    g.topK = -1;
    const QString all = g.problems().join(QLatin1Char('\n'));
    QCOMPARE(g.problems().size(), 7);
    for (const char* field :
         {"temperature", "top_p", "max_tokens", "stop", "presence_penalty", "frequency_penalty", "top_k"})
        QVERIFY2(all.contains(QLatin1String(field)), field);
    QVERIFY2(all.contains(QLatin1String("2.5")), qPrintable(all)); // the value given

    GenerationSettings high;
    high.maxTokens = 16385;
    high.topP = 1.01;
    high.stop = {QString()};
    QCOMPARE(high.problems().size(), 3);
    high.maxTokens = 16384;
    high.topP = 1.0;
    high.stop.clear();
    QVERIFY(high.problems().isEmpty());
}

void TestSettings::jsonRoundTrip() {
    const GenerationSettings g = unusual();
    const QJsonObject json = g.toJson();
    QCOMPARE(json.size(), 10);
    QCOMPARE(json.value(QStringLiteral("seed")).toString(), QStringLiteral("18446744073709551557"));
    QCOMPARE(GenerationSettings{}.withOverrides(json), g);

    GenerationSettings small = g;
    small.seed = 42;
    QCOMPARE(small.toJson().value(QStringLiteral("seed")).toInteger(), 42);
    QCOMPARE(GenerationSettings{}.withOverrides(small.toJson()), small);

    GenerationSettings none = g;
    none.seed.reset();
    QVERIFY(none.toJson().value(QStringLiteral("seed")).isNull());
    QCOMPARE(g.withOverrides(none.toJson()), none); // null clears a seed
}

void TestSettings::overridesHoldOnlyChangedKeys() {
    const GenerationSettings base;
    QVERIFY(base.overridesAgainst(base).isEmpty());

    GenerationSettings mine = base;
    mine.temperature = 0.7;
    mine.stop = {QStringLiteral("###")};
    mine.seed = 5;
    const QJsonObject o = mine.overridesAgainst(base);
    QCOMPARE(o.keys(),
             (QStringList{QStringLiteral("seed"), QStringLiteral("stop"), QStringLiteral("temperature")}));
    QCOMPARE(o.value(QStringLiteral("temperature")).toDouble(), 0.7);
    QCOMPARE(o.value(QStringLiteral("stop")).toArray().size(), 1);
    QCOMPARE(base.withOverrides(o), mine);

    // Removing a base's seed is an override too (null).
    GenerationSettings seeded = base;
    seeded.seed = 9;
    const QJsonObject cleared = base.overridesAgainst(seeded);
    QCOMPARE(cleared.keys(), QStringList{QStringLiteral("seed")});
    QVERIFY(cleared.value(QStringLiteral("seed")).isNull());
    QCOMPARE(seeded.withOverrides(cleared), base);
}

void TestSettings::withOverridesIgnoresWrongTypes() {
    const GenerationSettings base = unusual();
    QJsonObject junk;
    junk.insert(QStringLiteral("max_tokens"), 1.5);
    junk.insert(QStringLiteral("temperature"), QStringLiteral("hot"));
    junk.insert(QStringLiteral("deepseek_temperature_mapping"), 1);
    junk.insert(QStringLiteral("top_p"), QJsonValue::Null);
    junk.insert(QStringLiteral("top_k"), true);
    junk.insert(QStringLiteral("presence_penalty"), QJsonArray{1});
    junk.insert(QStringLiteral("frequency_penalty"), QStringLiteral("1"));
    junk.insert(QStringLiteral("stop"), QJsonArray{QStringLiteral("ok"), 3});
    junk.insert(QStringLiteral("seed"), -4);
    junk.insert(QStringLiteral("system_prompt"), 12);
    junk.insert(QStringLiteral("no_such_key"), 1);
    QCOMPARE(base.withOverrides(junk), base);
    QCOMPARE(base.withOverrides(QJsonObject{{QStringLiteral("seed"), QStringLiteral("12x")}}), base);
    QCOMPARE(base.withOverrides(QJsonObject{{QStringLiteral("max_tokens"), 1e12}}), base);
    // Right types out of range are kept (problems() reports them).
    QCOMPARE(base.withOverrides(QJsonObject{{QStringLiteral("temperature"), 9.0}}).temperature, 9.0);
    QCOMPARE(base.withOverrides(QJsonObject{{QStringLiteral("stop"), QJsonArray{}}}).stop, QStringList{});
}

void TestSettings::qsettingsRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("whalesong.ini"));
    AppSettings a;
    a.model.folder = QStringLiteral("/models/DeepSeek-V3, 模型");
    a.model.backend = BackendChoice::Cpu;
    a.model.gpu = 1;
    a.model.threads = 6;
    a.model.contextLength = 32768;
    a.generation = unusual();
    a.language = QStringLiteral("zh_CN");
    {
        QSettings s(path, QSettings::IniFormat);
        a.save(s);
        s.sync();
        QCOMPARE(s.status(), QSettings::NoError);
    }
    QSettings s(path, QSettings::IniFormat);
    for (const char* key :
         {"model/folder", "model/backend", "generation/temperature", "generation/stop", "ui/language"})
        QVERIFY2(s.contains(QLatin1String(key)), key);
    const AppSettings b = AppSettings::load(s);
    QCOMPARE(b.model, a.model);
    QCOMPARE(b.generation, a.generation);
    QCOMPARE(b.language, a.language);

    // One stop string with a comma stays one; no seed stays none.
    AppSettings c = a;
    c.generation.stop = {QStringLiteral("x, y")};
    c.generation.seed.reset();
    c.language.clear();
    c.save(s);
    const AppSettings d = AppSettings::load(s);
    QCOMPARE(d.generation, c.generation);
    QCOMPARE(d.language, QString());
}

void TestSettings::endpointsAndServerRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("whalesong.ini"));
    AppSettings a;
    RemoteEndpoint ds = RemoteEndpoint::deepSeekPreset();
    ds.apiKey = QStringLiteral("sk-first-key");
    RemoteEndpoint vllm = RemoteEndpoint::selfHostedPreset(QStringLiteral("gpu-box"), 8000);
    vllm.apiKey = QStringLiteral("sk-second-key");
    a.endpoints = {ds, vllm};
    a.activeEndpoint = vllm.id;
    a.server = {true, 8123, true, QStringLiteral("sk-ws-abc")};
    {
        QSettings s(path, QSettings::IniFormat);
        a.save(s);
    }
    {
        QSettings s(path, QSettings::IniFormat);
        const AppSettings b = AppSettings::load(s);
        QCOMPARE(b.endpoints, a.endpoints);
        QCOMPARE(b.activeEndpoint, vllm.id);
        QCOMPARE(b.answeringEndpoint()->baseUrl, QStringLiteral("http://gpu-box:8000/v1"));
        QCOMPARE(b.server, a.server);
    }
    // A removed endpoint leaves nothing behind — its key included.
    a.endpoints = {vllm};
    {
        QSettings s(path, QSettings::IniFormat);
        a.save(s);
    }
    QSettings s(path, QSettings::IniFormat);
    QCOMPARE(AppSettings::load(s).endpoints, a.endpoints);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(!file.readAll().contains("sk-first-key"));

    // The chosen endpoint is gone: the local model answers.
    a.activeEndpoint = ds.id;
    QVERIFY(a.answeringEndpoint() == nullptr);
}

void TestSettings::qsettingsDefaultsAndJunk() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QSettings s(dir.filePath(QStringLiteral("junk.ini")), QSettings::IniFormat);
    const AppSettings defaults = AppSettings::load(s);
    QCOMPARE(defaults.model, ModelSettings{});
    QCOMPARE(defaults.generation, GenerationSettings{});
    QCOMPARE(defaults.language, QString());

    s.setValue(QStringLiteral("model/backend"), QStringLiteral("tpu"));
    s.setValue(QStringLiteral("model/threads"), QStringLiteral("many"));
    s.setValue(QStringLiteral("generation/temperature"), QStringLiteral("warm"));
    s.setValue(QStringLiteral("generation/stop"), QStringLiteral("[1, 2"));
    s.setValue(QStringLiteral("generation/seed"), QStringLiteral("-3"));
    s.setValue(QStringLiteral("ui/language"), QStringLiteral("fr"));
    const AppSettings junk = AppSettings::load(s);
    QCOMPARE(junk.model, ModelSettings{});
    QCOMPARE(junk.generation, GenerationSettings{});
    QCOMPARE(junk.language, QString());
}

void TestSettings::backendNames() {
    for (BackendChoice b : {BackendChoice::Auto, BackendChoice::Cpu, BackendChoice::Cuda})
        QCOMPARE(parseBackendChoice(backendChoiceName(b)), std::optional<BackendChoice>(b));
    QCOMPARE(backendChoiceName(BackendChoice::Cuda), QStringLiteral("cuda"));
    QCOMPARE(parseBackendChoice(QStringLiteral(" CPU ")), std::optional<BackendChoice>(BackendChoice::Cpu));
    QVERIFY(!parseBackendChoice(QStringLiteral("metal")));
}

QTEST_GUILESS_MAIN(TestSettings)
#include "tst_settings.moc"
