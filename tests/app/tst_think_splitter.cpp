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
    static Split feed(const std::string& text, QRandomGenerator& rng) {
        ws::ThinkSplitter s;
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
        QTest::newRow("plain") << QStringLiteral("Hello <think> is a tag") << QString()
                               << QStringLiteral("Hello <think> is a tag") << 0;
        QTest::newRow("thinking") << QStringLiteral("<think>\n先想一想。\n</think>\n\n答案是 42。")
                                  << QStringLiteral("\n先想一想。\n") << QStringLiteral("答案是 42。") << 1;
        QTest::newRow("leading space") << QStringLiteral("  <think>a</think>b") << QStringLiteral("a")
                                       << QStringLiteral("b") << 1;
        QTest::newRow("unclosed") << QStringLiteral("<think>still thinking </thi") << QStringLiteral("still thinking </thi")
                                  << QString() << 0;
        QTest::newRow("almost a tag") << QStringLiteral("<thin>x") << QString() << QStringLiteral("<thin>x") << 0;
        QTest::newRow("close tag in answer") << QStringLiteral("<think>r</think>a </think> b") << QStringLiteral("r")
                                             << QStringLiteral("a </think> b") << 1;
        QTest::newRow("empty") << QString() << QString() << QString() << 0;
    }
    void splits() {
        QFETCH(QString, text);
        QFETCH(QString, reasoning);
        QFETCH(QString, content);
        QFETCH(int, ended);
        QRandomGenerator rng(QRandomGenerator::global()->generate());
        for (int round = 0; round < 50; ++round) {
            const Split s = feed(text.toStdString(), rng);
            QCOMPARE(QString::fromStdString(s.reasoning), reasoning);
            QCOMPARE(QString::fromStdString(s.content), content);
            QCOMPARE(s.ended, ended);
        }
    }
};

QTEST_GUILESS_MAIN(TestThinkSplitter)
#include "tst_think_splitter.moc"
