// The store on a thread of its own: the process's one SQLite connection, reached by queued calls and results.
#include "async_store.h"

AsyncStore::AsyncStore(QObject* parent) : QObject(parent), m_worker(new QObject) {
    m_thread.setObjectName(QStringLiteral("whalesong-store"));
    m_worker->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

AsyncStore::~AsyncStore() {
    waitForIdle();
    QMetaObject::invokeMethod(m_worker, [this] { m_store.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void AsyncStore::open(const QString& dataDir) {
    QMetaObject::invokeMethod(m_worker, [this, dataDir] {
        OpenNotice notice;
        auto store = ConversationStore::open(dataDir, &notice);
        if (!store) {
            const QString message = QString::fromStdString(store.status().message());
            QMetaObject::invokeMethod(this, [this, message] { emit openFailed(message); }, Qt::QueuedConnection);
            return;
        }
        m_store = std::move(store.value());
        QMetaObject::invokeMethod(this, [this, notice] {
            m_open = true;
            emit opened(notice);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

ConversationStore* AsyncStore::storeOnThread() {
    Q_ASSERT(QThread::currentThread() == &m_thread);
    return m_store.get();
}

ws::Status AsyncStore::call(const std::function<ws::Status(ConversationStore&)>& work) {
    ws::Status result(ws::Code::IoError, tr("The conversation store is not open.").toStdString());
    const auto runIt = [&] {
        if (ConversationStore* store = storeOnThread())
            result = work(*store);
    };
    if (QThread::currentThread() == &m_thread)
        runIt();
    else
        QMetaObject::invokeMethod(m_worker, runIt, Qt::BlockingQueuedConnection);
    return result;
}

void AsyncStore::waitForIdle() {
    if (QThread::currentThread() == &m_thread) return;
    QMetaObject::invokeMethod(m_worker, [] {}, Qt::BlockingQueuedConnection);
}
