// ThinkSplitter: thinking and answer separated the same way whatever the chunking of the stream.
#include "whalesong/think_splitter.h"

#include <QRandomGenerator>
#include <QTest>

#include <string>

class TestThinkSplitter : public QObject {
    Q_OBJECT

    struct Split {
        std::string content, reasoning;
        int ended = 0;
    };
    /// Feeds `text` in random pieces (1..6 bytes; a UTF-8 character may be cut, as tokens cut it).
    static Split feed(const std::string& text, QRandomGenerator& rng, bool inReasoning = false) {
        ws::ThinkSplitter s(inReasoning);
        Split out;
        std::size_t i = 0;
        while (i < text.size()) {
            const std::size_t n = std::min<std::size_t>(text.size() - i, 1 + rng.bounded(6));
            const auto d = s.push(std::string_view(text).substr(i, n));
            out.content += d.content;
            out.reasoning += d.reasoning;
            out.ended += d.reasoningEnded;
            i += n;
        }
        const auto d = s.flush();
        out.content += d.content;
        out.reasoning += d.reasoning;
        return out;
    }

  private slots:
    void splits_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("reasoning");
        QTest::addColumn<QString>("content");
        QTest::addColumn<int>("ended");
        QTest::addColumn<bool>("inReasoning"); // the prompt opened <think> (V3.1 with thinking on)
        QTest::newRow("plain") << QStringLiteral("Hello <think> is a tag") << QString()
                               << QStringLiteral("Hello <think> is a tag") << 0 << false;
        QTest::newRow("thinking") << QStringLiteral("<think>\n先想一想。\n</think>\n\n答案是 42。")
                                  << QStringLiteral("\n先想一想。\n") << QStringLiteral("答案是 42。") << 1 << false;
        QTest::newRow("leading space") << QStringLiteral("  <think>a</think>b") << QStringLiteral("a")
                                       << QStringLiteral("b") << 1 << false;
        QTest::newRow("unclosed") << QStringLiteral("<think>still thinking </thi") << QStringLiteral("still thinking </thi")
                                  << QString() << 0 << false;
        QTest::newRow("almost a tag") << QStringLiteral("<thin>x") << QString() << QStringLiteral("<thin>x") << 0 << false;
        QTest::newRow("close tag in answer") << QStringLiteral("<think>r</think>a </think> b") << QStringLiteral("r")
                                             << QStringLiteral("a </think> b") << 1 << false;
        QTest::newRow("empty") << QString() << QString() << QString() << 0 << false;
        QTest::newRow("opened by the prompt") << QStringLiteral("先想。\n</think>\n\nAnswer <think>")
                                              << QStringLiteral("先想。\n") << QStringLiteral("Answer <think>") << 1 << true;
        QTest::newRow("opened by the prompt, never closed") << QStringLiteral("<think> is text here")
                                                            << QStringLiteral("<think> is text here") << QString() << 0
                                                            << true;
    }
    void splits() {
        QFETCH(QString, text);
        QFETCH(QString, reasoning);
        QFETCH(QString, content);
        QFETCH(int, ended);
        QFETCH(bool, inReasoning);
        QRandomGenerator rng(QRandomGenerator::global()->generate());
        for (int round = 0; round < 50; ++round) {
            const Split s = feed(text.toStdString(), rng, inReasoning);
            QCOMPARE(QString::fromStdString(s.reasoning), reasoning);
            QCOMPARE(QString::fromStdString(s.content), content);
            QCOMPARE(s.ended, ended);
        }
    }
    void endsInsideThinking();
};

void TestThinkSplitter::endsInsideThinking() {
    QVERIFY(ws::ThinkSplitter::endsInsideThinking("<｜User｜>hi<｜Assistant｜><think>"));
    QVERIFY(ws::ThinkSplitter::endsInsideThinking("<｜Assistant｜><think>\nLet me"));
    QVERIFY(!ws::ThinkSplitter::endsInsideThinking("<｜User｜>hi<｜Assistant｜><think></think>"));
    QVERIFY(!ws::ThinkSplitter::endsInsideThinking("<｜User｜>hi<｜Assistant｜>"));
    QVERIFY(ws::ThinkSplitter::endsInsideThinking("<think>a</think>b<｜User｜>c<think>"));
}

QTEST_GUILESS_MAIN(TestThinkSplitter)
#include "tst_think_splitter.moc"
