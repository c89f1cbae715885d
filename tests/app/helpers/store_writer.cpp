// store_writer: a child process for tst_store_crash — writes questions and streams answers into a store,
// forever, reporting (flushed, one line each) every commit, so that the test can SIGKILL it at any moment and
// check. MODE "direct" writes on this thread; "async" as the app does: everything through AsyncStore's thread,
// the checkpoints posted without waiting (reported by that thread once committed), the end waited for.
#include "async_store.h"
#include "conversation_store.h"
#include "stream_checkpointer.h"
#include "stream_text.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QThread>
#include <cstdio>
#include <functional>
#include <memory>

namespace {
void report(const char* what, qint64 id, qsizetype length) {
    std::printf("%s %lld %lld\n", what, static_cast<long long>(id), static_cast<long long>(length));
    std::fflush(stdout);
}

int fail(const ws::Status& s) {
    std::printf("error %s\n", s.message().c_str());
    std::fflush(stdout);
    return 1;
}
} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    if (argc != 4 || (QByteArray(argv[3]) != "direct" && QByteArray(argv[3]) != "async")) {
        std::fprintf(stderr, "usage: store_writer DATA_DIR SEED direct|async\n");
        return 2;
    }
    QRandomGenerator rng(static_cast<quint32>(QByteArray(argv[2]).toUInt()));
    const QString dir = QString::fromLocal8Bit(argv[1]);
    const bool async = QByteArray(argv[3]) == "async";
    std::unique_ptr<ConversationStore> direct;
    AsyncStore threaded;
    if (async) {
        threaded.open(dir);
        if (const ws::Status s = threaded.call([](ConversationStore&) { return ws::Status::ok(); }); !s.isOk())
            return fail(s);
    } else {
        auto opened = ConversationStore::open(dir);
        if (!opened)
            return fail(opened.status());
        direct = std::move(opened.value());
    }
    // A store operation, on the store's thread when async.
    const auto onStore = [&](const std::function<ws::Status(ConversationStore&)>& work) {
        return async ? threaded.call(work) : work(*direct);
    };
    std::printf("opened\n");
    std::fflush(stdout);

    qint64 conversation = 0;
    if (const ws::Status s = onStore([&](ConversationStore& st) {
            auto c = st.createConversation(QStringLiteral("crash test"));
            if (c)
                conversation = c.value();
            return c.status();
        });
        !s.isOk())
        return fail(s);
    std::optional<qint64> parent;
    for (;;) {
        const QString question = streamText(static_cast<int>(rng.bounded(1, 40)));
        qint64 q = 0, a = 0;
        if (const ws::Status s = onStore([&](ConversationStore& st) {
                auto m = st.addMessage(conversation, parent, QStringLiteral("user"), question);
                if (m)
                    q = m.value();
                return m.status();
            });
            !s.isOk())
            return fail(s);
        report("message", q, question.size());

        if (const ws::Status s = onStore([&](ConversationStore& st) {
                auto m = st.beginAnswer(conversation, q, QStringLiteral("writer"), QStringLiteral("cpu"));
                if (m)
                    a = m.value();
                return m.status();
            });
            !s.isOk())
            return fail(s);
        report("begin", a, 0);
        std::unique_ptr<StreamCheckpointer> stream =
            async ? std::make_unique<StreamCheckpointer>(threaded, a) : std::make_unique<StreamCheckpointer>(*direct, a);
        stream->onCommitted([a](qsizetype length) { report("checkpoint", a, length); });
        const int tokens = static_cast<int>(rng.bounded(50, 400));
        for (int k = 0; k < tokens; ++k) {
            const ws::Status s = stream->append(streamToken(k));
            if (!s.isOk())
                return fail(s);
            if (k % 4 == 0)
                QThread::usleep(1000); // a model's pace, roughly: some batches end by time
        }
        const ws::Status finished = stream->finish(MessageStatus::Complete);
        if (!finished.isOk())
            return fail(finished);
        report("finished", a, stream->content().size());
        parent = a;
    }
}
