// ComposerEdit: Enter/Shift+Enter and input-method handling of the composer's input.
#include "composer_edit.h"

#include <QInputMethodEvent>
#include <QKeyEvent>
#include <QTimer>

ComposerEdit::ComposerEdit(QWidget* parent) : QPlainTextEdit(parent) {
    setTabChangesFocus(true);
    setAttribute(Qt::WA_InputMethodEnabled);
}

void ComposerEdit::inputMethodEvent(QInputMethodEvent* e) {
    m_composing = !e->preeditString().isEmpty();
    if (!e->commitString().isEmpty()) {
        // Some input methods deliver the Enter that committed the text as a key press right after the commit;
        // it belongs to the composition, not to us.
        m_justCommitted = true;
        QTimer::singleShot(0, this, [this] { m_justCommitted = false; });
    }
    QPlainTextEdit::inputMethodEvent(e);
}

void ComposerEdit::keyPressEvent(QKeyEvent* e) {
    const bool enter = e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter;
    if (!enter) {
        QPlainTextEdit::keyPressEvent(e);
        return;
    }
    if (m_composing) { // the input method's business
        QPlainTextEdit::keyPressEvent(e);
        return;
    }
    if (m_justCommitted) {
        e->accept();
        return;
    }
    const Qt::KeyboardModifiers mods = e->modifiers() & ~Qt::KeypadModifier;
    if (mods == Qt::ShiftModifier) {
        textCursor().insertText(
            QStringLiteral("\n")); // a new paragraph, not QTextEdit's U+2028 line separator
        ensureCursorVisible();
        e->accept();
    } else if (mods == Qt::NoModifier) {
        e->accept();
        emit submitted();
    } else {
        QPlainTextEdit::keyPressEvent(e);
    }
}
