// store_writer: a child process for tst_store_crash — writes questions and streams answers into a store,
// forever, reporting (flushed, one line each) every commit, so that the test can SIGKILL it at any moment and
// check.
#include "conversation_store.h"
#include "stream_checkpointer.h"
#include "stream_text.h"

#include <QCoreApplication>
#include <QRandomGenerator>
#include <QThread>
#include <cstdio>

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
    if (argc != 3) {
        std::fprintf(stderr, "usage: store_writer DATA_DIR SEED\n");
        return 2;
    }
    QRandomGenerator rng(static_cast<quint32>(QByteArray(argv[2]).toUInt()));
    auto opened = ConversationStore::open(QString::fromLocal8Bit(argv[1]));
    if (!opened)
        return fail(opened.status());
    ConversationStore& store = *opened.value();
    std::printf("opened\n");
    std::fflush(stdout);

    const auto conversation = store.createConversation(QStringLiteral("crash test"));
    if (!conversation)
        return fail(conversation.status());
    std::optional<qint64> parent;
    for (;;) {
        const QString question = streamText(static_cast<int>(rng.bounded(1, 40)));
        const auto q = store.addMessage(*conversation, parent, QStringLiteral("user"), question);
        if (!q)
            return fail(q.status());
        report("message", *q, question.size());

        const auto a = store.beginAnswer(*conversation, *q, QStringLiteral("writer"), QStringLiteral("cpu"));
        if (!a)
            return fail(a.status());
        report("begin", *a, 0);
        StreamCheckpointer stream(store, *a);
        const int tokens = static_cast<int>(rng.bounded(50, 400));
        for (int k = 0; k < tokens; ++k) {
            const int before = stream.checkpoints();
            const ws::Status s = stream.append(streamToken(k));
            if (!s.isOk())
                return fail(s);
            if (stream.checkpoints() != before)
                report("checkpoint", *a, stream.content().size());
            if (k % 4 == 0)
                QThread::usleep(1000); // a model's pace, roughly: some batches end by time
        }
        const ws::Status finished = stream.finish(MessageStatus::Complete);
        if (!finished.isOk())
            return fail(finished);
        report("finished", *a, stream.content().size());
        parent = *a;
    }
}
