// Composer: the input box under the chat — a multi-line editor, a Send/Stop button and the draft's token
// count. Enter sends, Shift+Enter starts a new line; a draft longer than the context left is refused with a
// message.
#pragma once

#include <QWidget>

class ComposerEdit;
class QLabel;
class QPushButton;

class Composer : public QWidget {
    Q_OBJECT

  public:
    explicit Composer(QWidget* parent = nullptr);

    QString draft() const;
    /// Replaces the draft (emits draftChanged).
    void setDraft(const QString& text);
    /// Sending does not clear the draft: the controller calls this once the message is accepted, so a send
    /// that fails keeps what the user typed.
    void clearDraft();
    /// While generating the button is Stop (emits stopRequested) and Enter sends nothing.
    void setGenerating(bool generating);
    bool isGenerating() const { return m_generating; }
    /// "120 / 3,900 tokens". When draftTokens > contextLeft the label warns and sending is refused with a
    /// visible message (the draft is never cut). Until the first call the count is unknown and sending is not
    /// limited.
    void setTokenCount(int draftTokens, int contextLeft);
    /// Off (no model loaded, say): Enter and Send do nothing; Stop still works.
    void setSendEnabled(bool enabled);
    bool isSendEnabled() const { return m_sendEnabled; }

    ComposerEdit* editor() const { return m_edit; }
    QPushButton* button() const { return m_button; }
    QString tokenText() const;
    /// The refusal message, empty when none is shown.
    QString noticeText() const;

  signals:
    /// Enter or Send with a non-blank draft that fits the context; the draft stays until clearDraft().
    void sendRequested(QString text);
    void stopRequested();
    /// Every change of the draft (the controller counts its tokens, debounced, off the GUI thread).
    void draftChanged(QString text);

  protected:
    void changeEvent(QEvent* e) override;

  private:
    void retranslateUi();
    void trySend();
    void onButtonClicked();
    void updateButton();
    void adjustEditorHeight();
    bool overflows() const;

    ComposerEdit* m_edit;
    QLabel* m_notice;
    QLabel* m_tokens;
    QPushButton* m_button;
    bool m_generating = false;
    bool m_sendEnabled = true;
    bool m_refused = false; ///< the last send was refused for length; the notice is shown
    int m_draftTokens = -1; ///< -1: not counted yet
    int m_contextLeft = -1;
};
