// AsyncStore: the conversation store on a thread of its own, so the GUI never waits on the disk. Work is posted
// as a function of the store; its result comes back on the GUI thread to a callback guarded by a context object.
#pragma once

#include "conversation_store.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

class AsyncStore : public QObject {
    Q_OBJECT
  public:
    explicit AsyncStore(QObject* parent = nullptr);
    /// Finishes the work already posted, closes the store and joins the thread.
    ~AsyncStore() override;

    /// Opens (or creates) `dataDir`/whalesong.db on the store thread; opened() or openFailed() follows.
    /// Work posted before that runs after the open.
    void open(const QString& dataDir);
    bool isOpen() const { return m_open; }

    /// Runs `work(ConversationStore&)` on the store thread, then `done(result)` on this object's thread if
    /// `context` still exists. Work posted while the store failed to open is dropped (openFailed said why).
    template <class Work, class Done>
    void run(QObject* context, Work work, Done done) {
        using R = std::invoke_result_t<Work&, ConversationStore&>;
        QPointer<QObject> ctx(context);
        QMetaObject::invokeMethod(m_worker, [this, ctx, work = std::move(work), done = std::move(done)]() mutable {
            ConversationStore* store = storeOnThread();
            if (!store) return;
            if constexpr (std::is_void_v<R>) {
                work(*store);
                QMetaObject::invokeMethod(this, [ctx, done = std::move(done)]() mutable {
                    if (ctx) done();
                }, Qt::QueuedConnection);
            } else {
                auto result = std::make_shared<R>(work(*store));
                QMetaObject::invokeMethod(this, [ctx, done = std::move(done), result]() mutable {
                    if (ctx) done(std::move(*result));
                }, Qt::QueuedConnection);
            }
        }, Qt::QueuedConnection);
    }
    /// Fire and forget.
    template <class Work>
    void run(Work work) {
        QMetaObject::invokeMethod(m_worker, [this, work = std::move(work)]() mutable {
            if (ConversationStore* store = storeOnThread()) work(*store);
        }, Qt::QueuedConnection);
    }
    /// Runs `work` on the store thread and waits for its status, after the work posted before it (the engine's
    /// final write of an answer). From the store thread itself it runs at once. An error when the store is not
    /// open. Never from the GUI thread: it would wait on the disk.
    ws::Status call(const std::function<ws::Status(ConversationStore&)>& work);
    /// Blocks until every piece of work posted so far has run (shutdown, tests). Results still arrive queued.
    void waitForIdle();

  signals:
    void opened(const OpenNotice& notice);
    void openFailed(const QString& message);

  private:
    ConversationStore* storeOnThread(); ///< only on the store thread
    QThread m_thread;
    QObject* m_worker = nullptr; ///< lives on m_thread; owns nothing, runs the posted work
    std::unique_ptr<ConversationStore> m_store; ///< touched only on m_thread
    bool m_open = false;
};
