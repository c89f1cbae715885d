// FakeHub: starts fixtures/fake_hub.py (a local stand-in for Hugging Face's and ModelScope's file APIs) for a test,
// registers repositories with it, sets its faults and reads the requests it saw.
#pragma once

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>

class FakeHub {
  public:
    /// Starts the server; baseUrl() is empty when it did not start.
    bool start() {
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral(WS_PYTHON), {QStringLiteral(WS_SOURCE_DIR "/tests/app/fixtures/fake_hub.py")});
        if (!m_process.waitForStarted() || !m_process.waitForReadyRead(20000))
            return false;
        const QByteArray line = m_process.readLine().trimmed();
        if (!line.startsWith("PORT "))
            return false;
        m_base = QStringLiteral("http://127.0.0.1:") + QString::fromLatin1(line.mid(5));
        return true;
    }
    ~FakeHub() {
        m_process.closeWriteChannel(); // the server stops when its input closes
        if (!m_process.waitForFinished(3000))
            m_process.kill();
        m_process.waitForFinished();
    }
    QString baseUrl() const { return m_base; }

    /// Serves the files under `dir` as repository `id` at `commit`.
    void addRepository(const QString& id, const QString& dir, const QString& commit) {
        call(QStringLiteral("/_repo"), QJsonDocument(QJsonObject{{QStringLiteral("id"), id},
                                                                  {QStringLiteral("dir"), dir},
                                                                  {QStringLiteral("commit"), commit}})
                                           .toJson());
    }
    /// Replaces the faults (see fake_hub.py).
    void setFaults(const QJsonArray& faults) { call(QStringLiteral("/_faults"), QJsonDocument(faults).toJson()); }
    /// Every request seen so far: {method, path, range, host, proxied}.
    QJsonArray requests() { return QJsonDocument::fromJson(call(QStringLiteral("/_log"), {}, false)).array(); }

  private:
    QByteArray call(const QString& path, const QByteArray& body, bool post = true) {
        QNetworkRequest r(QUrl(m_base + path));
        r.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        QNetworkReply* reply = post ? m_net.post(r, body) : m_net.get(r);
        QEventLoop loop;
        QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        reply->deleteLater();
        return reply->readAll();
    }
    QProcess m_process;
    QString m_base;
    QNetworkAccessManager m_net;
};
