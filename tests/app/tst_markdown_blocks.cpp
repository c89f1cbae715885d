// tst_markdown_blocks: splitting a chat message into prose / code / math blocks, and protecting inline LaTeX
// from Markdown; re-splitting a streaming text from its second-to-last block gives what a full split gives.
#include "ui/markdown_blocks.h"

#include <QTest>

using Kind = MarkdownBlock::Kind;

class TestMarkdownBlocks : public QObject {
    Q_OBJECT

  private slots:
    void splitsProseCodeAndMath();
    void unterminatedFenceWhileStreaming();
    void listsStayOneBlock();
    void fenceInsideListItemIsAnIndentedBlock();
    void orderedListStart();
    void protectsInlineMath();
    void leavesCodeAndMoneyAlone();
    void displayMathInListBecomesFence();
    void streamingResplitMatchesFullSplit();
};

void TestMarkdownBlocks::splitsProseCodeAndMath() {
    const QString text =
        QStringLiteral("Intro **bold**\nsecond line\n\n```python\nprint(1)\n\nprint(2)\n```\n"
                       "After\n\n$$\nx^2 + y^2\n$$\n\\[a = b\\]\nTail");
    const auto b = splitMarkdownBlocks(text);
    QCOMPARE(b.size(), size_t(6));
    QCOMPARE(b[0].kind, Kind::Markdown);
    QCOMPARE(b[0].text, QStringLiteral("Intro **bold**\nsecond line"));
    QCOMPARE(b[1].kind, Kind::Code);
    QCOMPARE(b[1].language, QStringLiteral("python"));
    QCOMPARE(b[1].text, QStringLiteral("print(1)\n\nprint(2)"));
    QVERIFY(b[1].closed);
    QCOMPARE(b[2].text, QStringLiteral("After"));
    QCOMPARE(b[3].kind, Kind::Math);
    QCOMPARE(b[3].text, QStringLiteral("$$\nx^2 + y^2\n$$"));
    QCOMPARE(b[4].kind, Kind::Math);
    QCOMPARE(b[4].text, QStringLiteral("\\[a = b\\]"));
    QCOMPARE(b[5].text, QStringLiteral("Tail"));
    QCOMPARE(b[1].start, text.indexOf(QStringLiteral("```python")));
}

void TestMarkdownBlocks::unterminatedFenceWhileStreaming() {
    auto b = splitMarkdownBlocks(QStringLiteral("Code:\n~~~ cpp {.x}\nint x;\n``"));
    QCOMPARE(b.size(), size_t(2));
    QCOMPARE(b[1].kind, Kind::Code);
    QCOMPARE(b[1].language, QStringLiteral("cpp"));
    QCOMPARE(b[1].text, QStringLiteral("int x;\n``")); // `` is no closing fence of ~~~
    QVERIFY(!b[1].closed);
    b = splitMarkdownBlocks(QStringLiteral("```\nint x;\n``"));
    QCOMPARE(b.size(), size_t(1));
    QCOMPARE(b[0].text, QStringLiteral("int x;")); // a closing fence still arriving is not shown
    QVERIFY(!b[0].closed);
    b = splitMarkdownBlocks(QStringLiteral("$$\n\\frac{a}{b"));
    QCOMPARE(b[0].kind, Kind::Math);
    QVERIFY(!b[0].closed);
}

void TestMarkdownBlocks::listsStayOneBlock() {
    const auto b = splitMarkdownBlocks(QStringLiteral(
        "1. one\n\n2. two\n\n   more about two\n\n3. three\n\nAfter the list\n\n| a | b |\n|---|---|"));
    QCOMPARE(b.size(), size_t(3));
    QVERIFY(b[0].text.startsWith(QStringLiteral("1. one")));
    QVERIFY(b[0].text.endsWith(QStringLiteral("3. three")));
    QCOMPARE(b[1].text, QStringLiteral("After the list"));
    QVERIFY(b[2].text.startsWith(QStringLiteral("| a |")));
}

void TestMarkdownBlocks::fenceInsideListItemIsAnIndentedBlock() {
    const auto b = splitMarkdownBlocks(QStringLiteral(
        "1. Install:\n   ```bash\n   pip install x\n\n     --user\n   ```\n2. Run\n   $$\n   x\n   $$"));
    QCOMPARE(b.size(), size_t(4));
    QCOMPARE(b[0].text, QStringLiteral("1. Install:"));
    QCOMPARE(b[1].kind, Kind::Code);
    QCOMPARE(b[1].indent, 3);
    QCOMPARE(b[1].text, QStringLiteral("pip install x\n\n  --user"));
    QCOMPARE(b[2].text, QStringLiteral("2. Run"));
    QCOMPARE(b[3].kind, Kind::Math);
    QCOMPARE(b[3].text, QStringLiteral("$$\nx\n$$"));
}

void TestMarkdownBlocks::orderedListStart() {
    QCOMPARE(::orderedListStart(u"2. Run\n3. Check"), 2);
    QCOMPARE(::orderedListStart(u"Then:\n\n12) twelve"), 12);
    QCOMPARE(::orderedListStart(u"- bullet\n\n1. one"), 1);
    QCOMPARE(::orderedListStart(u"No list. 2. Not one"), 1);
}

void TestMarkdownBlocks::protectsInlineMath() {
    const QString out = protectInlineMath(
        QStringLiteral("Let $a_1*b_2$ and \\(x_i^*\\) be; also $$\\sum_i x$$ and \\[y\\]."));
    QVERIFY2(out.contains(QStringLiteral("`$a_1*b_2$`")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("`\\(x_i^*\\)`")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("`$$\\sum_i x$$`")), qPrintable(out));
    QVERIFY2(out.contains(QStringLiteral("`\\[y\\]`")), qPrintable(out));
    // In a table row the pipes of |x| are escaped so they do not split the cell.
    QCOMPARE(protectInlineMath(QStringLiteral("| $|x|$ | b |")), QStringLiteral("| `$\\|x\\|$` | b |"));
}

void TestMarkdownBlocks::leavesCodeAndMoneyAlone() {
    for (const QString& s : {QStringLiteral("It costs $5 and $10."), QStringLiteral("Use `$x$` literally"),
                             QStringLiteral("``a ` $b$ ``"), QStringLiteral("\\$5 and \\$6"),
                             QStringLiteral("```\n$x$\n```"), QStringLiteral("$ x $ is not math")})
        QCOMPARE(protectInlineMath(s), s);
}

void TestMarkdownBlocks::displayMathInListBecomesFence() {
    const QString out = protectInlineMath(QStringLiteral("1. Energy:\n   $$\n   E = mc^2\n   $$\n2. Next"));
    QCOMPARE(out, QStringLiteral("1. Energy:\n   ```\n   $$\n   E = mc^2\n   $$\n   ```\n2. Next"));
}

void TestMarkdownBlocks::streamingResplitMatchesFullSplit() {
    const QString text = QStringLiteral(
        "# Title\nIntro with $x^2$ and `code`.\n\n- a\n- b\n\n  continued\n\n1. one\n2. two\n\n```py\n"
        "def f():\n\n    return 1\n```\nText after code\n\n$$\na+b\n$$\n\n| h | i |\n|---|---|\n| 1 | 2 |\n\n"
        "1. step\n   ```sh\n   ls\n   ```\n2. done\n\n~~~\ntilde\n~~~\nend 鲸歌\n");
    // Streamed one character at a time, re-split from the second-to-last block as MessageBody does.
    std::vector<MarkdownBlock> blocks;
    for (qsizetype n = 1; n <= text.size(); ++n) {
        const QStringView prefix = QStringView(text).left(n);
        const size_t from = blocks.size() >= 2 ? blocks.size() - 2 : 0;
        const qsizetype offset = from < blocks.size() ? blocks[from].start : 0;
        auto tail = splitMarkdownBlocks(prefix, offset);
        blocks.resize(from);
        blocks.insert(blocks.end(), tail.begin(), tail.end());
        const auto full = splitMarkdownBlocks(prefix);
        QCOMPARE(blocks.size(), full.size());
        for (size_t i = 0; i < full.size(); ++i) {
            QVERIFY2(blocks[i].sameContent(full[i]),
                     qPrintable(QStringLiteral("prefix %1 block %2").arg(n).arg(i)));
            QCOMPARE(blocks[i].start, full[i].start);
        }
    }
    QCOMPARE(blocks.size(), size_t(11));
}

QTEST_GUILESS_MAIN(TestMarkdownBlocks)
#include "tst_markdown_blocks.moc"
