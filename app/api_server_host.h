// ApiServerHost: the app's switch for the OpenAI-compatible API server (ws::ApiServer, the same server as
// `whalesong-cli serve`) over the model the app has loaded — started, restarted and stopped as the settings and
// the model change.
#pragma once

#include "settings.h"

#include <QObject>
#include <QString>

#include <memory>

#include "whalesong/api_server.h"
#include "whalesong/model.h"

/// GUI thread. The server's own threads never call back into Qt (it logs to the whalesong.api category).
class ApiServerHost : public QObject {
    Q_OBJECT
  public:
    explicit ApiServerHost(QObject* parent = nullptr);
    ~ApiServerHost() override;

    /// Starts, restarts (port, LAN, key changed) or stops the server. Binding happens now; a failure (port in
    /// use) is kept in error() and announced by stateChanged().
    void apply(const ServerSettings& settings);
    /// The model to serve (null while none is loaded: requests get 503), its name and context.
    void setModel(std::shared_ptr<const ws::Model> model, const QString& name, int contextLength);

    bool isListening() const { return m_server != nullptr; }
    /// "http://127.0.0.1:8000/v1" while listening.
    QString baseUrl() const;
    /// Why the server is not listening though it is enabled (translated); empty otherwise.
    QString error() const;

  signals:
    void stateChanged();

  private:
    void restart();

    ServerSettings m_settings;
    std::shared_ptr<const ws::Model> m_model;
    QString m_name;
    int m_contextLength = 0;
    std::unique_ptr<ws::ApiServer> m_server;
    QString m_startError; ///< the engine's reason (English detail) when the server could not start
    bool m_startFailed = false;
};
