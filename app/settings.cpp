// Settings: ranges, DeepSeek's temperature mapping, JSON for per-conversation overrides, QSettings
// persistence.
#include "settings.h"

#include "hub.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QCoreApplication>
#include <QRandomGenerator>
#include <QSettings>
#include <QUrl>
#include <QUuid>
#include <cmath>

namespace {

// JSON numbers are doubles: integers above 2^53 would lose digits, so such seeds are written as strings.
constexpr double kMaxExactJsonInteger = 9007199254740992.0;

QString num(double v) { return QLocale().toString(v, 'g', 6); }

bool isInteger(const QJsonValue& v) {
    return v.isDouble() && std::isfinite(v.toDouble()) && v.toDouble() == std::floor(v.toDouble());
}

bool isIntInt(const QJsonValue& v) {
    return isInteger(v) && v.toDouble() >= -2147483648.0 && v.toDouble() <= 2147483647.0;
}

QJsonValue seedToJson(const std::optional<quint64>& seed) {
    if (!seed)
        return QJsonValue(QJsonValue::Null);
    if (static_cast<double>(*seed) < kMaxExactJsonInteger)
        return QJsonValue(static_cast<qint64>(*seed));
    return QJsonValue(QString::number(*seed));
}

/// The seed in `v`: null = none; a whole number ≥ 0 or a string of digits. std::nullopt (outer) = wrong type.
std::optional<std::optional<quint64>> seedFromJson(const QJsonValue& v) {
    if (v.isNull())
        return std::optional<quint64>();
    if (isInteger(v) && v.toDouble() >= 0 && v.toDouble() < kMaxExactJsonInteger)
        return std::optional<quint64>(static_cast<quint64>(v.toInteger()));
    if (v.isString()) {
        bool ok = false;
        const quint64 s = v.toString().toULongLong(&ok);
        if (ok)
            return std::optional<quint64>(s);
    }
    return std::nullopt;
}

std::optional<QStringList> stopFromJson(const QJsonValue& v) {
    if (!v.isArray())
        return std::nullopt;
    QStringList out;
    for (const QJsonValue& e : v.toArray()) {
        if (!e.isString())
            return std::nullopt;
        out << e.toString();
    }
    return out;
}

// Keys shared by JSON and QSettings (generation/<key>).
const QString kMaxTokens = QStringLiteral("max_tokens");
const QString kTemperature = QStringLiteral("temperature");
const QString kMapping = QStringLiteral("deepseek_temperature_mapping");
const QString kTopP = QStringLiteral("top_p");
const QString kTopK = QStringLiteral("top_k");
const QString kPresence = QStringLiteral("presence_penalty");
const QString kFrequency = QStringLiteral("frequency_penalty");
const QString kStop = QStringLiteral("stop");
const QString kSeed = QStringLiteral("seed");
const QString kSystemPrompt = QStringLiteral("system_prompt");

} // namespace

QString backendChoiceName(BackendChoice b) {
    switch (b) {
    case BackendChoice::Cpu:
        return QStringLiteral("cpu");
    case BackendChoice::Cuda:
        return QStringLiteral("cuda");
    case BackendChoice::Auto:
        break;
    }
    return QStringLiteral("auto");
}

std::optional<BackendChoice> parseBackendChoice(const QString& s) {
    const QString t = s.trimmed().toLower();
    if (t == QLatin1String("auto"))
        return BackendChoice::Auto;
    if (t == QLatin1String("cpu"))
        return BackendChoice::Cpu;
    if (t == QLatin1String("cuda"))
        return BackendChoice::Cuda;
    return std::nullopt;
}

double GenerationSettings::effectiveTemperature() const {
    if (!deepseekTemperatureMapping)
        return temperature;
    return temperature <= 1.0 ? 0.3 * temperature : temperature - 0.7;
}

QStringList GenerationSettings::problems() const {
    QStringList out;
    if (maxTokens < 1 || maxTokens > 16384)
        out << QCoreApplication::translate("GenerationSettings",
                                           "max_tokens: must be from 1 to 16384, got %1")
                   .arg(QLocale().toString(maxTokens));
    if (!(temperature >= 0.0 && temperature <= 2.0))
        out << QCoreApplication::translate("GenerationSettings", "temperature: must be from 0 to 2, got %1")
                   .arg(num(temperature));
    if (!(topP > 0.0 && topP <= 1.0))
        out << QCoreApplication::translate("GenerationSettings",
                                           "top_p: must be above 0 and at most 1, got %1")
                   .arg(num(topP));
    if (topK < 0)
        out << QCoreApplication::translate("GenerationSettings", "top_k: must be 0 (off) or more, got %1")
                   .arg(QLocale().toString(topK));
    if (!(presencePenalty >= -2.0 && presencePenalty <= 2.0))
        out << QCoreApplication::translate("GenerationSettings",
                                           "presence_penalty: must be from -2 to 2, got %1")
                   .arg(num(presencePenalty));
    if (!(frequencyPenalty >= -2.0 && frequencyPenalty <= 2.0))
        out << QCoreApplication::translate("GenerationSettings",
                                           "frequency_penalty: must be from -2 to 2, got %1")
                   .arg(num(frequencyPenalty));
    if (stop.size() > 4)
        out << QCoreApplication::translate("GenerationSettings", "stop: at most 4 stop strings, got %1")
                   .arg(QLocale().toString(stop.size()));
    if (stop.contains(QString()))
        out << QCoreApplication::translate("GenerationSettings", "stop: a stop string is empty");
    return out;
}

ws::SamplingParams GenerationSettings::samplingParams(quint64 randomSeed) const {
    ws::SamplingParams p;
    p.temperature = static_cast<float>(effectiveTemperature());
    p.top_p = static_cast<float>(topP);
    p.top_k = topK;
    p.presence_penalty = static_cast<float>(presencePenalty);
    p.frequency_penalty = static_cast<float>(frequencyPenalty);
    p.seed = seed.value_or(randomSeed);
    return p;
}

QJsonObject GenerationSettings::toJson() const {
    QJsonObject o;
    o.insert(kMaxTokens, maxTokens);
    o.insert(kTemperature, temperature);
    o.insert(kMapping, deepseekTemperatureMapping);
    o.insert(kTopP, topP);
    o.insert(kTopK, topK);
    o.insert(kPresence, presencePenalty);
    o.insert(kFrequency, frequencyPenalty);
    o.insert(kStop, QJsonArray::fromStringList(stop));
    o.insert(kSeed, seedToJson(seed));
    o.insert(kSystemPrompt, systemPrompt);
    return o;
}

QJsonObject GenerationSettings::overridesAgainst(const GenerationSettings& base) const {
    const QJsonObject mine = toJson();
    const QJsonObject theirs = base.toJson();
    QJsonObject out;
    for (auto it = mine.begin(); it != mine.end(); ++it)
        if (it.value() != theirs.value(it.key()))
            out.insert(it.key(), it.value());
    return out;
}

GenerationSettings GenerationSettings::withOverrides(const QJsonObject& json) const {
    GenerationSettings g = *this;
    auto intField = [&](const QString& key, int& field) {
        const QJsonValue v = json.value(key);
        if (isIntInt(v))
            field = v.toInt();
    };
    auto doubleField = [&](const QString& key, double& field) {
        const QJsonValue v = json.value(key);
        if (v.isDouble() && std::isfinite(v.toDouble()))
            field = v.toDouble();
    };
    intField(kMaxTokens, g.maxTokens);
    doubleField(kTemperature, g.temperature);
    if (json.value(kMapping).isBool())
        g.deepseekTemperatureMapping = json.value(kMapping).toBool();
    doubleField(kTopP, g.topP);
    intField(kTopK, g.topK);
    doubleField(kPresence, g.presencePenalty);
    doubleField(kFrequency, g.frequencyPenalty);
    if (json.contains(kStop))
        if (const auto s = stopFromJson(json.value(kStop)))
            g.stop = *s;
    if (json.contains(kSeed))
        if (const auto s = seedFromJson(json.value(kSeed)))
            g.seed = *s;
    if (json.value(kSystemPrompt).isString())
        g.systemPrompt = json.value(kSystemPrompt).toString();
    return g;
}

AppSettings AppSettings::load(QSettings& s) {
    AppSettings a;
    auto readInt = [&](const QString& key, int& field) {
        bool ok = false;
        const int v = s.value(key).toInt(&ok);
        if (ok)
            field = v;
    };
    auto readDouble = [&](const QString& key, double& field) {
        bool ok = false;
        const double v = s.value(key).toDouble(&ok);
        if (ok && std::isfinite(v))
            field = v;
    };

    s.beginGroup(QStringLiteral("model"));
    a.model.folder = s.value(QStringLiteral("folder")).toString();
    if (const auto b = parseBackendChoice(s.value(QStringLiteral("backend")).toString()))
        a.model.backend = *b;
    readInt(QStringLiteral("gpu"), a.model.gpu);
    readInt(QStringLiteral("threads"), a.model.threads);
    readInt(QStringLiteral("context_length"), a.model.contextLength);
    s.endGroup();

    GenerationSettings& g = a.generation;
    s.beginGroup(QStringLiteral("generation"));
    readInt(kMaxTokens, g.maxTokens);
    readDouble(kTemperature, g.temperature);
    if (s.contains(kMapping))
        g.deepseekTemperatureMapping = s.value(kMapping).toBool();
    readDouble(kTopP, g.topP);
    readInt(kTopK, g.topK);
    readDouble(kPresence, g.presencePenalty);
    readDouble(kFrequency, g.frequencyPenalty);
    // A list is stored as JSON text: an INI file cannot tell a one-element list from a string with commas.
    if (s.contains(kStop)) {
        const QJsonDocument doc = QJsonDocument::fromJson(s.value(kStop).toString().toUtf8());
        if (const auto stop = stopFromJson(doc.isArray() ? QJsonValue(doc.array()) : QJsonValue()))
            g.stop = *stop;
    }
    if (s.contains(kSeed)) {
        bool ok = false;
        const quint64 seed = s.value(kSeed).toULongLong(&ok);
        if (ok)
            g.seed = seed;
    }
    g.systemPrompt = s.value(kSystemPrompt, g.systemPrompt).toString();
    s.endGroup();

    const QString language = s.value(QStringLiteral("ui/language")).toString();
    if (language == QLatin1String("en") || language == QLatin1String("zh_CN"))
        a.language = language;

    const int endpoints = s.beginReadArray(QStringLiteral("endpoints"));
    for (int i = 0; i < endpoints; ++i) {
        s.setArrayIndex(i);
        RemoteEndpoint e;
        e.id = s.value(QStringLiteral("id")).toString();
        e.name = s.value(QStringLiteral("name")).toString();
        e.kind = s.value(QStringLiteral("kind")).toString() == QLatin1String("deepseek")
                     ? RemoteEndpoint::Kind::DeepSeekApi
                     : RemoteEndpoint::Kind::SelfHosted;
        e.baseUrl = s.value(QStringLiteral("base_url")).toString();
        e.apiKey = s.value(QStringLiteral("api_key")).toString();
        e.model = s.value(QStringLiteral("model")).toString();
        if (!e.id.isEmpty())
            a.endpoints.append(e);
    }
    s.endArray();
    a.activeEndpoint = s.value(QStringLiteral("answer_with")).toString();
    a.modelFolders = s.value(QStringLiteral("models/folders")).toStringList();
    a.modelFolders.removeAll(QString());
    const QString source = s.value(QStringLiteral("downloads/source")).toString();
    if (HubSource::parseKind(source))
        a.downloadSource = source;
    a.mirrorUrl = s.value(QStringLiteral("downloads/mirror_url")).toString();

    s.beginGroup(QStringLiteral("server"));
    a.server.enabled = s.value(QStringLiteral("enabled"), false).toBool();
    readInt(QStringLiteral("port"), a.server.port);
    a.server.lan = s.value(QStringLiteral("lan"), false).toBool();
    a.server.apiKey = s.value(QStringLiteral("api_key")).toString();
    s.endGroup();
    return a;
}

void AppSettings::save(QSettings& s) const {
    s.beginGroup(QStringLiteral("model"));
    s.setValue(QStringLiteral("folder"), model.folder);
    s.setValue(QStringLiteral("backend"), backendChoiceName(model.backend));
    s.setValue(QStringLiteral("gpu"), model.gpu);
    s.setValue(QStringLiteral("threads"), model.threads);
    s.setValue(QStringLiteral("context_length"), model.contextLength);
    s.endGroup();

    const GenerationSettings& g = generation;
    s.beginGroup(QStringLiteral("generation"));
    s.setValue(kMaxTokens, g.maxTokens);
    s.setValue(kTemperature, g.temperature);
    s.setValue(kMapping, g.deepseekTemperatureMapping);
    s.setValue(kTopP, g.topP);
    s.setValue(kTopK, g.topK);
    s.setValue(kPresence, g.presencePenalty);
    s.setValue(kFrequency, g.frequencyPenalty);
    s.setValue(kStop, QString::fromUtf8(
                          QJsonDocument(QJsonArray::fromStringList(g.stop)).toJson(QJsonDocument::Compact)));
    if (g.seed)
        s.setValue(kSeed, QString::number(*g.seed));
    else
        s.remove(kSeed);
    s.setValue(kSystemPrompt, g.systemPrompt);
    s.endGroup();

    s.setValue(QStringLiteral("ui/language"), language);

    s.remove(QStringLiteral("endpoints")); // entries beyond the new size (with their keys) must not stay behind
    s.beginWriteArray(QStringLiteral("endpoints"), static_cast<int>(endpoints.size()));
    for (int i = 0; i < endpoints.size(); ++i) {
        const RemoteEndpoint& e = endpoints[i];
        s.setArrayIndex(i);
        s.setValue(QStringLiteral("id"), e.id);
        s.setValue(QStringLiteral("name"), e.name);
        s.setValue(QStringLiteral("kind"), e.kind == RemoteEndpoint::Kind::DeepSeekApi ? QStringLiteral("deepseek")
                                                                                        : QStringLiteral("self_hosted"));
        s.setValue(QStringLiteral("base_url"), e.baseUrl);
        s.setValue(QStringLiteral("api_key"), e.apiKey);
        s.setValue(QStringLiteral("model"), e.model);
    }
    s.endArray();
    s.setValue(QStringLiteral("answer_with"), activeEndpoint);
    s.setValue(QStringLiteral("models/folders"), modelFolders);
    s.setValue(QStringLiteral("downloads/source"), downloadSource);
    s.setValue(QStringLiteral("downloads/mirror_url"), mirrorUrl);

    s.beginGroup(QStringLiteral("server"));
    s.setValue(QStringLiteral("enabled"), server.enabled);
    s.setValue(QStringLiteral("port"), server.port);
    s.setValue(QStringLiteral("lan"), server.lan);
    s.setValue(QStringLiteral("api_key"), server.apiKey);
    s.endGroup();
}

const RemoteEndpoint* AppSettings::answeringEndpoint() const {
    if (activeEndpoint.isEmpty())
        return nullptr;
    for (const RemoteEndpoint& e : endpoints)
        if (e.id == activeEndpoint)
            return &e;
    return nullptr;
}

RemoteEndpoint RemoteEndpoint::deepSeekPreset() {
    RemoteEndpoint e;
    e.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    e.name = QStringLiteral("DeepSeek API");
    e.kind = Kind::DeepSeekApi;
    e.baseUrl = QStringLiteral("https://api.deepseek.com/v1");
    e.model = QStringLiteral("deepseek-chat");
    return e;
}

RemoteEndpoint RemoteEndpoint::selfHostedPreset(const QString& host, int port) {
    RemoteEndpoint e;
    e.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    e.name = port == 30000 ? QStringLiteral("SGLang") : QStringLiteral("vLLM");
    e.kind = Kind::SelfHosted;
    e.baseUrl = QStringLiteral("http://%1:%2/v1").arg(host).arg(port);
    e.model = QStringLiteral("deepseek-ai/DeepSeek-V3");
    return e;
}

QStringList RemoteEndpoint::problems() const {
    QStringList p;
    if (name.trimmed().isEmpty())
        p << QCoreApplication::translate("Settings", "Name: give the endpoint a name.");
    const QUrl url(baseUrl.trimmed(), QUrl::StrictMode);
    if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        url.host().isEmpty())
        p << QCoreApplication::translate("Settings", "Base URL: an http:// or https:// address is needed, such as "
                                                     "https://api.deepseek.com/v1.");
    if (model.trimmed().isEmpty())
        p << QCoreApplication::translate("Settings", "Model: the model's name on that server is needed.");
    if (kind == Kind::DeepSeekApi && apiKey.trimmed().isEmpty())
        p << QCoreApplication::translate("Settings", "API key: DeepSeek's API needs one (platform.deepseek.com).");
    return p;
}

QString RemoteEndpoint::chatCompletionsUrl() const {
    QString base = baseUrl.trimmed();
    while (base.endsWith(QLatin1Char('/')))
        base.chop(1);
    if (base.endsWith(QLatin1String("/chat/completions")))
        return base;
    return base + QStringLiteral("/chat/completions");
}

QString RemoteEndpoint::modelsUrl() const {
    QString url = chatCompletionsUrl();
    url.chop(int(QStringLiteral("/chat/completions").size()));
    return url + QStringLiteral("/models");
}

QStringList ServerSettings::problems() const {
    QStringList p;
    if (port < 1 || port > 65535)
        p << QCoreApplication::translate("Settings", "Port must be in [1, 65535], got %1.").arg(port);
    if (lan && apiKey.trimmed().isEmpty())
        p << QCoreApplication::translate("Settings", "API key: required when other computers may connect.");
    return p;
}

QString ServerSettings::generateKey() {
    QString key = QStringLiteral("sk-ws-");
    for (int i = 0; i < 4; ++i)
        key += QStringLiteral("%1").arg(QRandomGenerator::system()->generate64(), 16, 16, QLatin1Char('0')).left(8);
    return key;
}
