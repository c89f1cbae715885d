// tst_chat_view (offscreen): streaming deltas coalesced into few renders of only the last block, lazy
// building of a 1,000-message conversation, code blocks (monospace, Copy), thinking, Markdown lists and
// tables, inline math, the per-message actions (‹ › versions, Edit & resend, Regenerate), status and speed
// lines, re-translation, tool calls as blocks (streamed, stored, and in answers saved with the model's call text).
#include "ui/chat_view.h"
#include "ui/code_block_view.h"
#include "ui/message_body.h"
#include "ui/message_widget.h"
#include "ui/text_block_view.h"
#include "ui/thinking_section.h"
#include "ui/tool_calls_view.h"

#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QElapsedTimer>
#include <QFontDatabase>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpontaneKeyEvent>
#include <QTest>
#include <QTextList>
#include <QTextTable>
#include <QToolButton>
#include <QWheelEvent>

namespace {

ChatEntry entry(qint64 id, const QString& role, const QString& content,
                MessageStatus status = MessageStatus::Complete, std::vector<qint64> siblings = {}) {
    ChatEntry e;
    e.record.id = id;
    e.record.conversationId = 1;
    e.record.role = role;
    e.record.content = content;
    e.record.status = status;
    e.siblingIds = std::move(siblings);
    return e;
}

/// Clicks `b` once the layout has given it a size (a click on an empty rectangle misses).
bool click(QAbstractButton* b) {
    if (!QTest::qWaitFor([b] { return b->height() > 0; }))
        return false;
    QTest::mouseClick(b, Qt::LeftButton);
    return true;
}

/// A shown view of a realistic size.
struct Shown {
    ChatView view;
    Shown() {
        view.resize(640, 700);
        view.show();
    }
};

} // namespace

class TestChatView : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void coalescesStreamingDeltas();
    void rerendersOnlyTheLastBlock();
    void updateEntryGivesTheFinalState();
    void followsTheEndOnlyFromTheEnd();
    void wheelOverTextScrollsTheConversation();
    void buildsLongConversationsLazily();
    void anotherBranchKeepsThePlace();
    void codeBlockIsMonospaceWithCopy();
    void thinkingIsCollapsedWithItsDuration();
    void rendersMarkdownListsAndTables();
    void keepsInlineMathReadable();
    void codeInsideAListKeepsTheNumbering();
    void siblingArrowsRequestTheNeighbour();
    void editAndResend();
    void regenerateAndCopy();
    void statusAndSpeedLines();
    void languageChangeRetranslates();
    void toolCallsAreBlocks();
};

void TestChatView::initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

void TestChatView::coalescesStreamingDeltas() {
    Shown s;
    QVERIFY(QTest::qWaitForWindowExposed(&s.view));
    s.view.appendEntry(entry(1, QStringLiteral("user"), QStringLiteral("Count to 500")));
    s.view.appendEntry(entry(2, QStringLiteral("assistant"), {}, MessageStatus::Streaming));
    const int before = s.view.renderCount();
    QString expected;
    for (int i = 0; i < 500; ++i) { // one event-loop turn
        const QString delta = QStringLiteral("t%1 ").arg(i);
        expected += delta;
        s.view.appendText(2, delta, {});
    }
    QCOMPARE(s.view.renderedText(2), QString()); // buffered, not yet applied
    QTRY_COMPARE(s.view.renderedText(2), expected.trimmed());
    QVERIFY2(s.view.renderCount() - before <= 2, qPrintable(QString::number(s.view.renderCount() - before)));
    QCOMPARE(s.view.messageWidget(2)->content(), expected);
    QVERIFY(s.view.messageWidget(2)->entry().record.content.isEmpty()); // kept once, by the body
}

void TestChatView::rerendersOnlyTheLastBlock() {
    Shown s;
    s.view.appendEntry(entry(2, QStringLiteral("assistant"), {}, MessageStatus::Streaming));
    s.view.appendText(2, QStringLiteral("First paragraph.\n\n```cpp\nint x;\n```\n\nThird"), {});
    s.view.flushPendingText();
    MessageBody* body = s.view.messageWidget(2)->body();
    QCOMPARE(body->blockCount(), 3);
    QWidget* first = body->blockWidget(0);
    QWidget* code = body->blockWidget(1);
    QSignalSpy firstChanged(static_cast<TextBlockView*>(first)->document(), &QTextDocument::contentsChanged);
    const int before = s.view.renderCount();
    for (int i = 0; i < 5; ++i) {
        s.view.appendText(2, QStringLiteral(" more"), {});
        s.view.flushPendingText();
    }
    QCOMPARE(s.view.renderCount() - before, 5); // one render per flush: the last block only
    QCOMPARE(firstChanged.count(), 0);
    QCOMPARE(body->blockWidget(0), first);
    QCOMPARE(body->blockWidget(1), code);
    QVERIFY(s.view.renderedText(2).endsWith(QStringLiteral("Third more more more more more")));
}

void TestChatView::updateEntryGivesTheFinalState() {
    Shown s;
    s.view.appendEntry(entry(2, QStringLiteral("assistant"), {}, MessageStatus::Streaming));
    s.view.appendText(2, QStringLiteral("Hello"), {});
    s.view.flushPendingText();
    s.view.appendText(2, QStringLiteral(" wor"), {}); // still buffered when the final state arrives
    ChatEntry done = entry(2, QStringLiteral("assistant"), QStringLiteral("Hello world."));
    done.record.stats.decodeTokensPerSecond = 42.0;
    s.view.updateEntry(done);
    QCOMPARE(s.view.renderedText(2), QStringLiteral("Hello world."));
    QTest::qWait(3 * ChatView::kFlushIntervalMs); // the dropped deltas are not applied afterwards
    QCOMPARE(s.view.renderedText(2), QStringLiteral("Hello world."));
    QCOMPARE(s.view.messageWidget(2)->statsText(), QStringLiteral("decode 42.0 tok/s"));
}

void TestChatView::followsTheEndOnlyFromTheEnd() {
    Shown s;
    QVERIFY(QTest::qWaitForWindowExposed(&s.view));
    std::vector<ChatEntry> branch;
    for (int i = 1; i <= 10; ++i)
        branch.push_back(
            entry(i, i % 2 ? QStringLiteral("user") : QStringLiteral("assistant"),
                  QStringLiteral("Paragraph %1 with enough words to wrap a little.\n\nAnd more.").arg(i)));
    s.view.setEntries(branch);
    s.view.appendEntry(entry(11, QStringLiteral("assistant"), {}, MessageStatus::Streaming));
    QScrollBar* bar = s.view.scrollArea()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0);
    QTRY_COMPARE(bar->value(), bar->maximum());
    for (int i = 0; i < 20; ++i)
        s.view.appendText(11, QStringLiteral("Line %1 of the answer.\n\n").arg(i), {});
    const int oldMax = bar->maximum();
    QTRY_VERIFY(bar->maximum() > oldMax);
    QTRY_COMPARE(bar->value(), bar->maximum()); // followed the end

    bar->setValue(bar->maximum() / 2); // the user scrolls up to read
    const int reading = bar->value();
    const int max = bar->maximum();
    for (int i = 0; i < 20; ++i)
        s.view.appendText(11, QStringLiteral("Later line %1.\n\n").arg(i), {});
    QTRY_VERIFY(bar->maximum() > max);
    QTest::qWait(50);
    QCOMPARE(bar->value(), reading); // not yanked down
}

void TestChatView::wheelOverTextScrollsTheConversation() {
    Shown s;
    QVERIFY(QTest::qWaitForWindowExposed(&s.view));
    std::vector<ChatEntry> branch;
    for (int i = 1; i <= 30; ++i)
        branch.push_back(
            entry(i, QStringLiteral("assistant"), QStringLiteral("Answer %1\n\nsecond paragraph").arg(i)));
    s.view.setEntries(branch);
    QScrollBar* bar = s.view.scrollArea()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0);
    QTRY_COMPARE(bar->value(), bar->maximum());
    auto* text = static_cast<TextBlockView*>(s.view.messageWidget(30)->body()->blockWidget(0));
    QTRY_VERIFY(text->height() > 0);
    const QPoint at = text->viewport()->rect().center();
    QWheelEvent wheel(at, text->viewport()->mapToGlobal(at), QPoint(), QPoint(0, 120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    // As from the window system (sendEvent would make it synthetic): an ignored wheel goes to the parents.
    QSpontaneKeyEvent::setSpontaneous(&wheel);
    qApp->notify(text->viewport(), &wheel);
    QVERIFY(bar->value() < bar->maximum()); // the conversation scrolled, not the block
}

void TestChatView::buildsLongConversationsLazily() {
    Shown s;
    QVERIFY(QTest::qWaitForWindowExposed(&s.view));
    std::vector<ChatEntry> branch;
    for (int i = 1; i <= 1000; ++i)
        branch.push_back(
            entry(i, i % 2 ? QStringLiteral("user") : QStringLiteral("assistant"),
                  i % 2 ? QStringLiteral("Question %1?").arg(i)
                        : QStringLiteral("Answer %1 with a list:\n\n- a\n- b\n\n```\ncode\n```").arg(i)));
    QElapsedTimer timer;
    timer.start();
    s.view.setEntries(branch);
    QCOMPARE(s.view.entryCount(), 1000);
    QCOMPARE(s.view.builtWidgetCount(), ChatView::kBatch);
    QVERIFY(!s.view.messageWidget(1));
    QVERIFY(s.view.messageWidget(1000));
    QScrollBar* bar = s.view.scrollArea()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0);
    QTRY_COMPARE(bar->value(), bar->maximum());
    qInfo("1,000 messages opened and laid out in %lld ms", static_cast<long long>(timer.elapsed()));
    QCOMPARE(s.view.builtWidgetCount(), ChatView::kBatch); // at the end: nothing more built

    // Scrolling to the top builds the previous batch and keeps what was on screen in place.
    MessageWidget* top = s.view.messageWidget(1000 - ChatView::kBatch + 1);
    bar->setValue(0);
    const int yBefore = top->mapTo(s.view.scrollArea()->viewport(), QPoint(0, 0)).y();
    QTRY_COMPARE(s.view.builtWidgetCount(), 2 * ChatView::kBatch);
    QTRY_VERIFY(bar->value() > 0);
    QTest::qWait(20);
    QCOMPARE(top->mapTo(s.view.scrollArea()->viewport(), QPoint(0, 0)).y(), yBefore);
    QCOMPARE(s.view.builtWidgetCount(), 2 * ChatView::kBatch); // one batch per approach of the top
    bar->setValue(0);
    QTRY_COMPARE(s.view.builtWidgetCount(), 3 * ChatView::kBatch);
    QVERIFY(s.view.messageWidget(1000 - 3 * ChatView::kBatch + 1));
}

void TestChatView::anotherBranchKeepsThePlace() {
    Shown s;
    QVERIFY(QTest::qWaitForWindowExposed(&s.view));
    std::vector<ChatEntry> branch;
    for (int i = 1; i <= 60; ++i)
        branch.push_back(entry(i, i % 2 ? QStringLiteral("user") : QStringLiteral("assistant"),
                               QStringLiteral("Message %1").arg(i) +
                                   QStringLiteral("\n\nwith another paragraph").repeated(9)));
    s.view.setEntries(branch);
    QScrollBar* bar = s.view.scrollArea()->verticalScrollBar();
    QTRY_VERIFY(bar->maximum() > 0);
    QTRY_COMPARE(bar->value(), bar->maximum());
    // Reading in the middle of the built messages (not near the top: nothing more is built), then ‹ on
    // message `fork`, a few below the first built.
    QTRY_VERIFY(bar->maximum() / 2 > s.view.scrollArea()->viewport()->height());
    bar->setValue(bar->maximum() / 2);
    const int reading = bar->value();
    const int firstBuilt = 60 - s.view.builtWidgetCount() + 1;
    const int fork = firstBuilt + ChatView::kBatch / 2;
    MessageWidget* kept = s.view.messageWidget(fork - 2);
    QVERIFY(kept);
    branch.resize(static_cast<size_t>(fork - 1));
    branch.push_back(entry(140, QStringLiteral("assistant"), QStringLiteral("Another version"),
                           MessageStatus::Complete, {fork, 140}));
    const int tail = ChatView::kBatch - 1; // a short new tail: the messages above stay built
    for (int i = 141; i < 141 + tail; ++i)
        branch.push_back(
            entry(i, i % 2 ? QStringLiteral("user") : QStringLiteral("assistant"), QStringLiteral("Tail")));
    s.view.setEntries(branch);
    QCOMPARE(s.view.messageWidget(fork - 2), kept); // not rebuilt
    QVERIFY(!s.view.messageWidget(fork));
    QVERIFY(s.view.messageWidget(140));
    QCOMPARE(s.view.entryCount(), fork + tail);
    QTest::qWait(50);
    QCOMPARE(bar->value(), reading);

    ChatEntry other = entry(1, QStringLiteral("user"), QStringLiteral("Other conversation"));
    other.record.conversationId = 2;
    s.view.setEntries({other});
    QCOMPARE(s.view.builtWidgetCount(), 1);
}

void TestChatView::codeBlockIsMonospaceWithCopy() {
    Shown s;
    s.view.appendEntry(entry(2, QStringLiteral("assistant"),
                             QStringLiteral("Run this:\n\n```python\nprint('鲸歌')\nx = 1\n```\n")));
    auto* code = s.view.messageWidget(2)->findChild<CodeBlockView*>();
    QVERIFY(code);
    QCOMPARE(code->languageText(), QStringLiteral("python"));
    QCOMPARE(code->code(), QStringLiteral("print('鲸歌')\nx = 1"));
    QCOMPARE(code->textView()->toPlainText(), code->code());
    QCOMPARE(code->textView()->font().family(), QFontDatabase::systemFont(QFontDatabase::FixedFont).family());
    QGuiApplication::clipboard()->clear();
    QVERIFY(click(code->copyButton()));
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("print('鲸歌')\nx = 1"));
    QCOMPARE(code->copyButton()->text(), QStringLiteral("Copied"));
}

void TestChatView::thinkingIsCollapsedWithItsDuration() {
    Shown s;
    ChatEntry streaming = entry(2, QStringLiteral("assistant"), {}, MessageStatus::Streaming);
    s.view.appendEntry(streaming);
    s.view.appendText(2, {}, QStringLiteral("The user wants **twelve**."));
    s.view.flushPendingText();
    ThinkingSection* thinking = s.view.messageWidget(2)->thinking();
    QVERIFY(thinking->isVisibleTo(&s.view));
    QCOMPARE(thinking->headerText(), QStringLiteral("Thinking…"));
    QVERIFY(!thinking->isExpanded());
    QVERIFY(!thinking->body()->isVisibleTo(&s.view));
    QCOMPARE(thinking->body()->renderCount(), 0); // collapsed: kept, not rendered

    ChatEntry done = entry(2, QStringLiteral("assistant"), QStringLiteral("12"));
    done.record.reasoning = QStringLiteral("The user wants **twelve**.");
    done.record.stats.reasoningMs = 3200;
    s.view.updateEntry(done);
    QCOMPARE(thinking->headerText(), QStringLiteral("Thought for 3.2 s"));
    QVERIFY(click(thinking->toggleButton()));
    QVERIFY(thinking->isExpanded());
    QVERIFY(thinking->body()->isVisibleTo(&s.view));
    QCOMPARE(thinking->body()->renderedText(), QStringLiteral("The user wants twelve."));
    QVERIFY(click(thinking->toggleButton()));
    QVERIFY(!thinking->body()->isVisibleTo(&s.view));

    s.view.appendEntry(entry(3, QStringLiteral("assistant"), QStringLiteral("No thoughts")));
    QVERIFY(!s.view.messageWidget(3)->thinking()->isVisibleTo(&s.view));
}

void TestChatView::rendersMarkdownListsAndTables() {
    Shown s;
    s.view.appendEntry(
        entry(2, QStringLiteral("assistant"),
              QStringLiteral("Items:\n\n- one\n- two\n\n| Model | Speed |\n|---|---|\n| V3 | 61.4 |\n"
                             "| R1 | 58 |\n\nSee [docs](https://example.com).")));
    MessageBody* body = s.view.messageWidget(2)->body();
    QCOMPARE(body->blockCount(), 4);
    QTextDocument* list = static_cast<TextBlockView*>(body->blockWidget(1))->document();
    QTextList* textList = list->begin().textList();
    QVERIFY(textList);
    QCOMPARE(textList->count(), 2);
    QCOMPARE(textList->item(1).text(), QStringLiteral("two"));
    QTextDocument* tableDoc = static_cast<TextBlockView*>(body->blockWidget(2))->document();
    QTextTable* table = nullptr;
    for (QTextFrame* f : tableDoc->rootFrame()->childFrames())
        if ((table = qobject_cast<QTextTable*>(f)))
            break;
    QVERIFY(table);
    QCOMPARE(table->rows(), 3);
    QCOMPARE(table->columns(), 2);
    QCOMPARE(table->cellAt(1, 1).firstCursorPosition().block().text(), QStringLiteral("61.4"));
    auto* link = static_cast<TextBlockView*>(body->blockWidget(3));
    QVERIFY(link->toHtml().contains(QStringLiteral("https://example.com")));
    QVERIFY(!link->openLinks()); // never navigates inside the view; anchorClicked opens outside
    QVERIFY(link->textInteractionFlags() & Qt::TextSelectableByMouse);
    // Sized to the content: no inner scrolling.
    QTRY_VERIFY(link->height() > 0);
    QCOMPARE(link->verticalScrollBar()->maximum(), 0);
}

void TestChatView::keepsInlineMathReadable() {
    Shown s;
    s.view.appendEntry(
        entry(2, QStringLiteral("assistant"),
              QStringLiteral("Euler: $e^{i\\pi}+1=0$, and \\(a_b * c_d\\).\n\n$$\n\\int_0^1 x\\,dx\n$$")));
    const QString text = s.view.renderedText(2);
    QVERIFY2(text.contains(QStringLiteral("$e^{i\\pi}+1=0$")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("\\(a_b * c_d\\)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("$$\n\\int_0^1 x\\,dx\n$$")), qPrintable(text));
    auto* math = s.view.messageWidget(2)->findChild<CodeBlockView*>();
    QVERIFY(math);
    QCOMPARE(math->languageText(), QStringLiteral("LaTeX"));
}

void TestChatView::codeInsideAListKeepsTheNumbering() {
    Shown s;
    s.view.appendEntry(
        entry(2, QStringLiteral("assistant"),
              QStringLiteral("1. Install:\n   ```bash\n   pip install x\n   pip install y\n   ```\n"
                             "2. Run it\n3. Check")));
    MessageBody* body = s.view.messageWidget(2)->body();
    QCOMPARE(body->blockCount(), 3);
    auto* code = qobject_cast<CodeBlockView*>(body->blockWidget(1));
    QVERIFY(code);
    QCOMPARE(code->code(), QStringLiteral("pip install x\npip install y"));
    QVERIFY(code->indent() > 0); // under the item's text
    QTextDocument* first = static_cast<TextBlockView*>(body->blockWidget(0))->document();
    QCOMPARE(first->blockCount(), 1);
    QVERIFY(first->begin().textList());
    // The list goes on at 2 (Qt 6.4 would count from 1 again).
    QCOMPARE(static_cast<TextBlockView*>(body->blockWidget(2))->toPlainText(),
             QStringLiteral("2. Run it\n3. Check"));
}

void TestChatView::siblingArrowsRequestTheNeighbour() {
    Shown s;
    s.view.setEntries({entry(1, QStringLiteral("user"), QStringLiteral("Hi")),
                       entry(7, QStringLiteral("assistant"), QStringLiteral("Hello (v2)"),
                             MessageStatus::Complete, {5, 7, 9})});
    MessageWidget* w = s.view.messageWidget(7);
    auto* prev = w->findChild<QToolButton*>(QStringLiteral("previous"));
    auto* next = w->findChild<QToolButton*>(QStringLiteral("next"));
    QVERIFY(prev->isVisibleTo(&s.view));
    QCOMPARE(w->findChild<QLabel*>(QStringLiteral("siblingPosition"))->text(), QStringLiteral("2/3"));
    QVERIFY(
        !s.view.messageWidget(1)->findChild<QToolButton*>(QStringLiteral("previous"))->isVisibleTo(&s.view));
    QSignalSpy spy(&s.view, &ChatView::siblingRequested);
    // The controller answers by showing the other branch at once, replacing the widget whose button was
    // clicked.
    connect(&s.view, &ChatView::siblingRequested, &s.view, [&s](qint64 id) {
        s.view.setEntries({entry(1, QStringLiteral("user"), QStringLiteral("Hi")),
                           entry(id, QStringLiteral("assistant"), QStringLiteral("v"),
                                 MessageStatus::Complete, {5, 7, 9})});
    });
    QVERIFY(click(prev));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toLongLong(), 5);
    w = s.view.messageWidget(5);
    QVERIFY(!w->findChild<QToolButton*>(QStringLiteral("previous"))->isEnabled()); // the first version
    QVERIFY(click(w->findChild<QToolButton*>(QStringLiteral("next"))));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toLongLong(), 7);
    Q_UNUSED(next);
}

void TestChatView::editAndResend() {
    Shown s;
    s.view.setEntries({entry(1, QStringLiteral("user"), QStringLiteral("What is *2+2*?")),
                       entry(2, QStringLiteral("assistant"), QStringLiteral("4"))});
    MessageWidget* q = s.view.messageWidget(1);
    QCOMPARE(q->renderedText(), QStringLiteral("What is *2+2*?")); // a question is shown as typed
    QVERIFY(!s.view.messageWidget(2)->findChild<QToolButton*>(QStringLiteral("edit"))->isVisibleTo(&s.view));
    QSignalSpy spy(&s.view, &ChatView::editRequested);
    QVERIFY(click(q->findChild<QToolButton*>(QStringLiteral("edit"))));
    QVERIFY(q->isEditing());
    QCOMPARE(q->editor()->toPlainText(), QStringLiteral("What is *2+2*?"));
    q->editor()->setPlainText(QStringLiteral("   "));
    QVERIFY(click(q->findChild<QPushButton*>(QStringLiteral("editSend"))));
    QCOMPARE(spy.count(), 0); // blank: not sent, still editing
    QVERIFY(q->isEditing());
    q->editor()->setPlainText(QStringLiteral("What is 3+3?"));
    QVERIFY(click(q->findChild<QPushButton*>(QStringLiteral("editSend"))));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toLongLong(), 1);
    QCOMPARE(spy.at(0).at(1).toString(), QStringLiteral("What is 3+3?"));
    QVERIFY(!q->isEditing());

    QVERIFY(click(q->findChild<QToolButton*>(QStringLiteral("edit"))));
    QVERIFY(click(q->findChild<QPushButton*>(QStringLiteral("editCancel"))));
    QVERIFY(!q->isEditing());
    QCOMPARE(spy.count(), 1);
}

void TestChatView::regenerateAndCopy() {
    Shown s;
    s.view.setEntries({entry(1, QStringLiteral("user"), QStringLiteral("Hi")),
                       entry(2, QStringLiteral("assistant"), QStringLiteral("**Hello**, world"))});
    QSignalSpy spy(&s.view, &ChatView::regenerateRequested);
    QVERIFY(!s.view.messageWidget(1)
                 ->findChild<QToolButton*>(QStringLiteral("regenerate"))
                 ->isVisibleTo(&s.view));
    QVERIFY(click(s.view.messageWidget(2)->findChild<QToolButton*>(QStringLiteral("regenerate"))));
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toLongLong(), 2);
    QVERIFY(click(s.view.messageWidget(2)->findChild<QToolButton*>(QStringLiteral("copy"))));
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("**Hello**, world"));
}

void TestChatView::statusAndSpeedLines() {
    Shown s;
    ChatEntry done = entry(2, QStringLiteral("assistant"), QStringLiteral("Done"));
    done.record.stats.timeToFirstTokenMs = 210;
    done.record.stats.prefillTokensPerSecond = 301.2;
    done.record.stats.decodeTokensPerSecond = 61.43;
    done.record.stats.completionTokens = 1234;
    ChatEntry error = entry(3, QStringLiteral("assistant"), QStringLiteral("Part"), MessageStatus::Error);
    error.record.error = QStringLiteral("CUDA out of memory");
    s.view.setEntries({done, error,
                       entry(4, QStringLiteral("assistant"), QStringLiteral("Pa"), MessageStatus::Stopped),
                       entry(5, QStringLiteral("assistant"), QStringLiteral("P"), MessageStatus::Interrupted),
                       entry(6, QStringLiteral("assistant"), QStringLiteral("…"), MessageStatus::Streaming)});
    QCOMPARE(s.view.messageWidget(2)->statsText(),
             QStringLiteral("TTFT 0.21 s · prefill 301 tok/s · decode 61.4 tok/s"));
    QVERIFY(s.view.messageWidget(2)
                ->findChild<QLabel*>(QStringLiteral("stats"))
                ->toolTip()
                .contains(QStringLiteral("1,234")));
    QCOMPARE(s.view.messageWidget(2)->statusText(), QString());
    QVERIFY(s.view.messageWidget(3)->statusText().contains(QStringLiteral("CUDA out of memory")));
    QVERIFY(s.view.messageWidget(4)->statusText().startsWith(QStringLiteral("Stopped")));
    QVERIFY(s.view.messageWidget(5)->statusText().startsWith(QStringLiteral("Interrupted")));
    QCOMPARE(s.view.messageWidget(6)->statusText(), QString());
    QVERIFY(!s.view.messageWidget(6)->findChild<QToolButton*>(QStringLiteral("regenerate"))->isEnabled());
}

void TestChatView::languageChangeRetranslates() {
    Shown s;
    s.view.setEntries({entry(2, QStringLiteral("assistant"), QStringLiteral("```\nx\n```"))});
    auto* copy = s.view.messageWidget(2)->findChild<QToolButton*>(QStringLiteral("copy"));
    auto* copyCode = s.view.messageWidget(2)->findChild<QToolButton*>(QStringLiteral("copyCode"));
    auto* role = s.view.messageWidget(2)->findChild<QLabel*>(QStringLiteral("role"));
    copy->setText(QStringLiteral("x"));
    copyCode->setText(QStringLiteral("x"));
    role->setText(QStringLiteral("x"));
    QEvent change(QEvent::LanguageChange);
    QCoreApplication::sendEvent(&s.view, &change); // reaches every child, as a language switch does
    QCOMPARE(copy->text(), QStringLiteral("Copy"));
    QCOMPARE(copyCode->text(), QStringLiteral("Copy"));
    QCOMPARE(role->text(), QStringLiteral("Assistant"));
}

void TestChatView::toolCallsAreBlocks() {
    const auto call = [](const QString& name, const QString& arguments) {
        return QJsonObject{{QStringLiteral("id"), QStringLiteral("call_1")},
                           {QStringLiteral("type"), QStringLiteral("function")},
                           {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), name},
                                                                    {QStringLiteral("arguments"), arguments}}}};
    };
    Shown s;
    s.view.appendEntry(entry(2, QStringLiteral("assistant"), {}, MessageStatus::Streaming));
    s.view.appendText(2, QStringLiteral("Let me check."), {});
    s.view.setToolCalls(2, QJsonArray{call(QStringLiteral("get_weather"), QStringLiteral("{\"city\": \"杭"))});
    s.view.flushPendingText();
    MessageWidget* w = s.view.messageWidget(2);
    ToolCallsView* calls = w->toolCalls();
    QVERIFY(calls->isVisibleTo(&s.view));
    QCOMPARE(calls->count(), 1);
    QCOMPARE(calls->title(0), QStringLiteral("Calls tool get_weather"));
    QCOMPARE(calls->arguments(0)->code(), QStringLiteral("{\"city\": \"杭")); // still coming: as it is
    QCOMPARE(calls->arguments(0)->languageText(), QStringLiteral("json"));
    QCOMPARE(w->entry().record.toolCalls.size(), 1);

    // The arguments complete, a second call: laid out as JSON; the finished answer from the store the same.
    const QJsonArray both{call(QStringLiteral("get_weather"), QStringLiteral("{\"city\": \"杭州\", \"days\": 2}")),
                          call(QStringLiteral("get_time"), QStringLiteral("{}"))};
    s.view.setToolCalls(2, both);
    s.view.flushPendingText();
    QCOMPARE(calls->count(), 2);
    QCOMPARE(calls->arguments(0)->code(), QStringLiteral("{\n  \"city\": \"杭州\",\n  \"days\": 2\n}"));
    QCOMPARE(calls->title(1), QStringLiteral("Calls tool get_time"));
    ChatEntry done = entry(2, QStringLiteral("assistant"), QStringLiteral("Let me check."));
    done.record.toolCalls = both;
    s.view.updateEntry(done);
    QCOMPARE(calls->count(), 2);
    QCOMPARE(s.view.renderedText(2), QStringLiteral("Let me check.\n\nCalls tool get_weather\n{\n  \"city\": \"杭州\",\n"
                                                    "  \"days\": 2\n}\n\nCalls tool get_time\n{}"));

    // An answer saved with the model's raw call text (before tool calls had their own column): a block too,
    // no special tokens on screen; an answer of calls only shows no empty text block.
    s.view.appendEntry(entry(3, QStringLiteral("assistant"),
                             QStringLiteral("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>search\n"
                                            "```json\n{\"q\":\"鲸歌\"}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>")));
    MessageWidget* old = s.view.messageWidget(3);
    QCOMPARE(old->toolCalls()->count(), 1);
    QCOMPARE(old->toolCalls()->title(0), QStringLiteral("Calls tool search"));
    QCOMPARE(old->toolCalls()->arguments(0)->code(), QStringLiteral("{\n  \"q\": \"鲸歌\"\n}"));
    QVERIFY(!old->body()->isVisibleTo(&s.view));
    QVERIFY(!s.view.renderedText(3).contains(QStringLiteral("｜")));

    // No calls: no block.
    s.view.appendEntry(entry(4, QStringLiteral("assistant"), QStringLiteral("Plain.")));
    QVERIFY(!s.view.messageWidget(4)->toolCalls()->isVisibleTo(&s.view));

    // Re-translated with the rest.
    auto* title = calls->findChild<QLabel*>(QStringLiteral("toolCallTitle"));
    title->setText(QStringLiteral("x"));
    QEvent change(QEvent::LanguageChange);
    QCoreApplication::sendEvent(&s.view, &change);
    QCOMPARE(calls->title(0), QStringLiteral("Calls tool get_weather"));
}

QTEST_MAIN(TestChatView)
#include "tst_chat_view.moc"
