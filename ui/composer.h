// Composer: the input box under the chat — a multi-line editor, a Send/Stop button and the draft's token
// count. Enter sends, Shift+Enter starts a new line; a send the controller refuses (no model, an endpoint not set
// up, a draft longer than the context left…) keeps the draft and says why.
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
    /// "120 / 3,900 tokens"; when draftTokens > contextLeft the label says it is too long. Until the first call
    /// the count is unknown.
    void setTokenCount(int draftTokens, int contextLeft);
    /// Why sending is refused now (ChatController::sendBlocker, the one place that decides), or empty. While
    /// refused, Send is off (its tooltip says why) and Enter shows the reason under the draft, which stays; Stop
    /// still works.
    void setSendBlocker(const QString& reason);
    bool isSendEnabled() const { return m_blocker.isEmpty(); }

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
    QString m_blocker;      ///< why sending is refused (empty: it is not)
    bool m_refused = false; ///< the last send was refused; the notice shows m_blocker
    int m_draftTokens = -1; ///< -1: not counted yet
    int m_contextLeft = -1;
};
