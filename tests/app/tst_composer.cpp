// tst_composer (offscreen): Enter sends (the draft stays until the controller clears it), Shift+Enter adds a
// line, an input-method composition never sends, a draft over the context left is refused with a message,
// Send/Stop, and re-translation.
#include "ui/composer.h"
#include "ui/composer_edit.h"

#include <QApplication>
#include <QInputMethodEvent>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

namespace {

void sendInputMethod(QWidget* w, const QString& preedit, const QString& commit = {}) {
    QInputMethodEvent e(preedit, {});
    if (!commit.isEmpty())
        e.setCommitString(commit);
    QCoreApplication::sendEvent(w, &e);
}

} // namespace

class TestComposer : public QObject {
    Q_OBJECT

  private slots:
    void initTestCase();
    void enterSendsAndKeepsTheDraft();
    void shiftEnterAddsANewLine();
    void blankDraftsAreNotSent();
    void enterDuringPreeditDoesNotSend();
    void enterRightAfterCommitDoesNotSend();
    void overflowIsRefusedWithAMessage();
    void sendBecomesStopWhileGenerating();
    void sendDisabled();
    void draftChangedAndFocus();
    void languageChangeRetranslates();
};

void TestComposer::initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }

void TestComposer::enterSendsAndKeepsTheDraft() {
    Composer c;
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), QStringLiteral("hello"));
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("hello"));
    QCOMPARE(c.draft(), QStringLiteral("hello")); // the controller clears it once the message is accepted
    c.clearDraft();
    QCOMPARE(c.draft(), QString());
    c.setDraft(QStringLiteral("again"));
    QTest::keyClick(c.editor(), Qt::Key_Enter, Qt::KeypadModifier);
    QCOMPARE(spy.count(), 2);
    QTest::mouseClick(c.button(), Qt::LeftButton);
    QCOMPARE(spy.count(), 3);
}

void TestComposer::shiftEnterAddsANewLine() {
    Composer c;
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClicks(c.editor(), QStringLiteral("a"));
    QTest::keyClick(c.editor(), Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(c.editor(), QStringLiteral("b"));
    QCOMPARE(spy.count(), 0);
    QCOMPARE(c.draft(), QStringLiteral("a\nb"));
    QCOMPARE(c.editor()->document()->blockCount(), 2);
}

void TestComposer::blankDraftsAreNotSent() {
    Composer c;
    QSignalSpy spy(&c, &Composer::sendRequested);
    QTest::keyClick(c.editor(), Qt::Key_Return);
    c.setDraft(QStringLiteral("  \n\t "));
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QVERIFY(!c.button()->isEnabled());
    QTest::mouseClick(c.button(), Qt::LeftButton);
    QCOMPARE(spy.count(), 0);
}

void TestComposer::enterDuringPreeditDoesNotSend() {
    Composer c;
    QSignalSpy spy(&c, &Composer::sendRequested);
    c.setDraft(QStringLiteral("Hi "));
    sendInputMethod(c.editor(), QStringLiteral("jingge"));
    QVERIFY(c.editor()->isComposing());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 0);
    sendInputMethod(c.editor(), {}); // composition cancelled
    QVERIFY(!c.editor()->isComposing());
}

void TestComposer::enterRightAfterCommitDoesNotSend() {
    Composer c;
    QSignalSpy spy(&c, &Composer::sendRequested);
    sendInputMethod(c.editor(), QStringLiteral("jing"));
    sendInputMethod(c.editor(), QStringLiteral("jingge"));
    sendInputMethod(c.editor(), {}, QStringLiteral("鲸歌")); // the Enter that commits…
    QTest::keyClick(c.editor(), Qt::Key_Return);             // …arrives as a key press in the same turn
    QCOMPARE(spy.count(), 0);
    QCOMPARE(c.draft(), QStringLiteral("鲸歌"));
    QVERIFY(!c.editor()->isComposing());
    QCoreApplication::processEvents(); // a later Enter is the user's
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toString(), QStringLiteral("鲸歌"));
}

void TestComposer::overflowIsRefusedWithAMessage() {
    // The count says "too long"; the refusal itself is the controller's (sendBlocker), shown as it words it.
    Composer c;
    c.show();
    QSignalSpy spy(&c, &Composer::sendRequested);
    c.setTokenCount(120, 3900);
    QCOMPARE(c.tokenText(), QStringLiteral("120 / 3,900 tokens"));
    c.setDraft(QStringLiteral("a very long paste"));
    c.setTokenCount(5000, 3900);
    QVERIFY(c.tokenText().startsWith(QStringLiteral("5,000 / 3,900 tokens")));
    QVERIFY(c.tokenText() != QStringLiteral("5,000 / 3,900 tokens")); // says it is too long
    const QString why = QStringLiteral("Not sent: the message is 5,000 tokens but only 3,900 are left.");
    c.setSendBlocker(why);
    QCOMPARE(c.noticeText(), QString()); // nothing said until the user tries
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 0);
    QCOMPARE(c.noticeText(), why);
    QVERIFY(c.findChild<QWidget*>(QStringLiteral("notice"))->isVisible());
    QCOMPARE(c.draft(), QStringLiteral("a very long paste")); // never cut
    c.setTokenCount(10, 3900); // shortened: the controller lifts its refusal
    c.setSendBlocker(QString());
    QCOMPARE(c.noticeText(), QString());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
}

void TestComposer::sendBecomesStopWhileGenerating() {
    Composer c;
    QSignalSpy send(&c, &Composer::sendRequested);
    QSignalSpy stop(&c, &Composer::stopRequested);
    c.setDraft(QStringLiteral("next question"));
    c.setGenerating(true);
    QCOMPARE(c.button()->text(), QStringLiteral("Stop"));
    QVERIFY(c.button()->isEnabled());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(send.count(), 0);
    QTest::mouseClick(c.button(), Qt::LeftButton);
    QCOMPARE(stop.count(), 1);
    QCOMPARE(send.count(), 0);
    c.setGenerating(false);
    QCOMPARE(c.button()->text(), QStringLiteral("Send"));
}

void TestComposer::sendDisabled() {
    Composer c;
    c.show();
    QSignalSpy spy(&c, &Composer::sendRequested);
    c.setDraft(QStringLiteral("hello"));
    c.setSendBlocker(QStringLiteral("No model is loaded."));
    QVERIFY(!c.isSendEnabled());
    QVERIFY(!c.button()->isEnabled());
    QCOMPARE(c.button()->toolTip(), QStringLiteral("No model is loaded.")); // says why on the button too
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 0);
    QCOMPARE(c.draft(), QStringLiteral("hello"));
    QCOMPARE(c.noticeText(), QStringLiteral("No model is loaded."));
    c.setSendBlocker(QStringLiteral("The model is not loaded yet.")); // another reason: the notice follows
    QCOMPARE(c.noticeText(), QStringLiteral("The model is not loaded yet."));
    c.setSendBlocker(QString());
    QVERIFY(c.button()->isEnabled());
    QCOMPARE(c.noticeText(), QString());
    QTest::keyClick(c.editor(), Qt::Key_Return);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(c.draft(), QStringLiteral("hello")); // sending does not clear it: the window does, once saved
    c.setGenerating(true);
    c.setSendBlocker(QStringLiteral("An answer is being written."));
    QVERIFY(c.button()->isEnabled()); // Stop still works
}

void TestComposer::draftChangedAndFocus() {
    Composer c;
    QSignalSpy spy(&c, &Composer::draftChanged);
    QTest::keyClicks(c.editor(), QStringLiteral("ab"));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.last().at(0).toString(), QStringLiteral("ab"));
    QCOMPARE(c.button()->focusPolicy(), Qt::NoFocus); // clicking Send leaves the focus in the draft
    QCOMPARE(c.focusProxy(), c.editor());
}

void TestComposer::languageChangeRetranslates() {
    Composer c;
    c.button()->setText(QStringLiteral("x"));
    c.editor()->setPlaceholderText(QStringLiteral("x"));
    QEvent change(QEvent::LanguageChange);
    QCoreApplication::sendEvent(&c, &change);
    QCOMPARE(c.button()->text(), QStringLiteral("Send"));
    QVERIFY(c.editor()->placeholderText() != QStringLiteral("x"));
}

QTEST_MAIN(TestComposer)
#include "tst_composer.moc"
