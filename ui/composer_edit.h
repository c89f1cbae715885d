// ComposerEdit: the composer's multi-line input — Enter sends, Shift+Enter starts a new line, and the Enter
// that ends an input-method composition (pinyin, kana) never sends.
#pragma once

#include <QPlainTextEdit>

class ComposerEdit : public QPlainTextEdit {
    Q_OBJECT

  public:
    explicit ComposerEdit(QWidget* parent = nullptr);

    /// An input method is composing (a non-empty preedit string is shown).
    bool isComposing() const { return m_composing; }

  signals:
    /// Enter (or keypad Enter) without Shift, outside an input-method composition.
    void submitted();

  protected:
    void keyPressEvent(QKeyEvent* e) override;
    void inputMethodEvent(QInputMethodEvent* e) override;

  private:
    bool m_composing = false;
    bool m_justCommitted = false; ///< a commit string arrived in this event-loop turn
};
