// ChatView: the conversation of the main window — a scroll area of MessageWidgets, built lazily (the last
// kBatch messages first, more as the user scrolls up) and updated while streaming at most once a frame. The
// messages are grouped in chunks of at most kChunk (each a widget with its own layout), so that a message
// growing re-lays out only its chunk, and older messages built above add chunks without re-laying out the
// messages below.
#pragma once

#include "chat_entry.h"

#include <QHash>
#include <QTimer>
#include <QWidget>
#include <optional>
#include <vector>

class MessageWidget;
class QScrollArea;
class QVBoxLayout;

class ChatView : public QWidget {
    Q_OBJECT

  public:
    static constexpr int kBatch = 10; ///< messages built at once (at the end, then each time at the top)
    static constexpr int kChunk = 10; ///< messages per chunk widget
    static constexpr int kFlushIntervalMs = 16; ///< streaming text is applied at most this often

    explicit ChatView(QWidget* parent = nullptr);
    ~ChatView() override;

    /// Replaces the shown conversation and shows its end. Another branch of the conversation shown (same
    /// conversationId, same first message) keeps the messages above the fork built and the view where it is
    /// (unless it was at the end).
    void setEntries(const std::vector<ChatEntry>& branch);
    /// Adds a message at the end (a new question, or a new answer about to stream) and scrolls to it.
    void appendEntry(const ChatEntry& e);
    /// Streaming: new text of message `messageId` (either part may be empty). Buffered; applied at most every
    /// kFlushIntervalMs, re-rendering only the message's last block. The view follows the end only when the
    /// user was at the end.
    void appendText(qint64 messageId, const QString& contentDelta, const QString& reasoningDelta);
    /// Streaming: the answer's tool calls now (coalesced with the text into one update per frame).
    void setToolCalls(qint64 messageId, const QJsonArray& toolCalls);
    /// The final state of a message (status, statistics, full text); drops its buffered deltas.
    void updateEntry(const ChatEntry& e);
    void clear();

    // ---- for tests
    // -------------------------------------------------------------------------------------------
    /// The plain text of a message's body as shown (empty when its widget is not built).
    QString renderedText(qint64 messageId) const;
    /// Block renders (created or re-rendered) by the message widgets built now.
    int renderCount() const;
    int builtWidgetCount() const { return static_cast<int>(m_built.size()); }
    int entryCount() const { return static_cast<int>(m_entries.size()); }
    /// The widget of a message, or nullptr when not built (yet).
    MessageWidget* messageWidget(qint64 messageId) const;
    QScrollArea* scrollArea() const { return m_scroll; }
    /// Applies the buffered streaming text now.
    void flushPendingText();

  signals:
    void regenerateRequested(qint64 answerId);
    void editRequested(qint64 questionId, QString newText);
    /// Show the branch through this sibling (from the ‹ › arrows).
    void siblingRequested(qint64 messageId);

  protected:
    void changeEvent(QEvent* e) override;

  private:
    struct PendingText {
        QString content;
        QString reasoning;
        std::optional<QJsonArray> toolCalls; ///< the latest list, when it changed
    };

    void retranslateUi();
    MessageWidget* createWidget(const ChatEntry& e, QWidget* chunk);
    /// A new, empty chunk at `position` of the top-level layout.
    QWidget* createChunk(int position);
    /// Builds the message at the end, in the last chunk while it has room.
    void appendWidget(const ChatEntry& e);
    /// Shows the chunks created since the last call (with their messages).
    void showNewChunks();
    /// setEntries for another branch of the conversation shown; false when it is not one.
    bool switchBranch(const std::vector<ChatEntry>& branch);
    void discardWidget(MessageWidget* w);
    /// Builds up to kBatch more messages above the ones built, keeping what the user sees in place.
    void loadOlder();
    void scheduleLoadOlderIfNearTop();
    void scrollToEndLater();
    void onScrollValueChanged(int value);
    void onScrollRangeChanged(int min, int max);
    std::optional<size_t> indexOf(qint64 messageId) const;

    QScrollArea* m_scroll;
    QWidget* m_content;
    QVBoxLayout* m_layout; ///< the chunks of built messages, then a stretch
    std::vector<ChatEntry> m_entries;
    QHash<qint64, size_t> m_indexById;
    std::vector<MessageWidget*> m_built; ///< widgets of m_entries[m_firstBuilt …], in order
    size_t m_firstBuilt = 0;
    QHash<qint64, PendingText> m_pending;
    QTimer m_flushTimer;
    /// Where the view stays when the content's height changes: this many pixels from the end (0: the user is
    /// at the end and follows it while an answer streams; after loadOlder: where the user was); none: the
    /// user scrolled elsewhere and the view does not move.
    std::optional<int> m_keepFromEnd = 0;
    bool m_adjusting = false; ///< the scroll position is being set by us, not by the user
    bool m_loadScheduled = false;
};
