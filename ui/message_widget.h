// MessageWidget: one message of the chat — role, collapsible thinking, the Markdown body, tool calls, status and
// speed of an answer, and its actions (Copy; Regenerate on answers; Edit & resend on questions; ‹ 1/2 › between
// versions).
#pragma once

#include "chat_entry.h"

#include <QFrame>
#include <QJsonArray>

class MessageBody;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QToolButton;
class ThinkingSection;
class ToolCallsView;

class MessageWidget : public QFrame {
    Q_OBJECT

  public:
    explicit MessageWidget(const ChatEntry& entry, QWidget* parent = nullptr);

    qint64 messageId() const { return m_entry.record.id; }
    /// The entry's state — status, statistics, tool calls, siblings — without its text: the text is kept once,
    /// by the body and the thinking section that render it (content() and reasoning()).
    const ChatEntry& entry() const { return m_entry; }
    const QString& content() const;
    QString reasoning() const;
    /// The whole new state (status, statistics, full text): only the blocks whose text changed re-render.
    void setEntry(const ChatEntry& entry);
    /// Streaming: appends to the content and to the reasoning; only the last block(s) re-render.
    void appendText(const QString& contentDelta, const QString& reasoningDelta);
    /// Streaming: the answer's tool calls as they stand now.
    void setToolCalls(const QJsonArray& toolCalls);

    /// The answer's text as shown (plain text of the rendered blocks).
    QString renderedText() const;
    /// Block renders of the body and the thinking section.
    int renderCount() const;

    MessageBody* body() const { return m_body; }
    ThinkingSection* thinking() const { return m_thinking; }
    ToolCallsView* toolCalls() const { return m_toolCalls; }
    QString statusText() const;
    QString statsText() const;
    /// Opens the inline editor of a question (what Edit does); Send emits editRequested.
    void startEditing();
    bool isEditing() const;
    QPlainTextEdit* editor() const { return m_editor; }
    /// Copies the whole message text (its Markdown) to the clipboard (what Copy does).
    void copyToClipboard() const;

  signals:
    void regenerateRequested(qint64 answerId);
    void editRequested(qint64 questionId, const QString& newText);
    /// The ‹ › arrows: the id of the previous or next sibling to show.
    void siblingRequested(qint64 messageId);

  protected:
    void changeEvent(QEvent* e) override;

  private:
    void retranslateUi();
    void updateState(); ///< what depends on role, status, stats and siblings
    void showContent(); ///< the record's text, thinking and tool calls
    void showSibling(int delta);
    void finishEditing(bool send);
    bool isAnswer() const { return m_entry.record.role == QLatin1String("assistant"); }
    bool isQuestion() const { return m_entry.record.role == QLatin1String("user"); }

    ChatEntry m_entry;
    QLabel* m_role;
    ThinkingSection* m_thinking;
    MessageBody* m_body;
    ToolCallsView* m_toolCalls;
    QWidget* m_editPanel = nullptr; ///< built on first Edit
    QPlainTextEdit* m_editor = nullptr;
    QPushButton* m_editSend = nullptr;
    QPushButton* m_editCancel = nullptr;
    QLabel* m_statusIcon;
    QLabel* m_status;
    QLabel* m_stats;
    QWidget* m_actions;
    QToolButton* m_prev;
    QLabel* m_siblingLabel;
    QToolButton* m_next;
    QToolButton* m_copy;
    QToolButton* m_regenerate;
    QToolButton* m_edit;
};
