// ApiServerHost: ServerSettings → ws::ApiServerOptions; restarts only when an option of the listener changed.
#include "api_server_host.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcApi, "whalesong.api")

ApiServerHost::ApiServerHost(QObject* parent) : QObject(parent) {}

ApiServerHost::~ApiServerHost() = default;

void ApiServerHost::apply(const ServerSettings& settings) {
    const bool listenerChanged = !(settings == m_settings);
    m_settings = settings;
    if (listenerChanged || (settings.enabled && !m_server))
        restart();
}

void ApiServerHost::setModel(std::shared_ptr<const ws::Model> model, const QString& name, int contextLength) {
    // While a model loads (null) the server stays up and answers 503; a new context limit needs a restart.
    const bool contextChanged = model && contextLength != m_contextLength;
    m_model = std::move(model);
    m_name = name;
    if (m_model)
        m_contextLength = contextLength;
    if (m_server && !contextChanged)
        m_server->setModel(m_model, m_name.toStdString());
    else if (m_settings.enabled)
        restart(); // the context limit is an option of the server
}

QString ApiServerHost::baseUrl() const {
    return m_server ? QString::fromStdString(m_server->baseUrl()) : QString();
}

QString ApiServerHost::error() const {
    // Put together when asked, so it follows a change of language.
    if (!m_settings.enabled || m_server)
        return {};
    if (const QStringList problems = m_settings.problems(); !problems.isEmpty())
        return problems.join(QLatin1Char(' '));
    if (m_startFailed)
        return tr("The API server could not start: %1").arg(m_startError);
    return {};
}

void ApiServerHost::restart() {
    m_server.reset(); // running requests are cancelled and answered before the port is free again
    m_startFailed = false;
    m_startError.clear();
    if (m_settings.enabled && m_settings.problems().isEmpty()) {
        ws::ApiServerOptions o;
        o.host = m_settings.lan ? "0.0.0.0" : "127.0.0.1";
        o.port = m_settings.port;
        o.apiKey = m_settings.apiKey.trimmed().toStdString();
        o.contextLimit = m_contextLength;
        o.log = [](const std::string& line) { qCInfo(lcApi, "%s", line.c_str()); }; // lines carry no key
        auto server = ws::ApiServer::start(o, m_model, m_name.toStdString());
        if (server) {
            m_server = std::move(server.value());
        } else {
            m_startFailed = true;
            m_startError = QString::fromStdString(server.status().message());
        }
    }
    emit stateChanged();
}
