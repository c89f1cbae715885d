// ChatView: lazily built, coalesced-streaming conversation view (see chat_view.h).
#include "chat_view.h"

#include "message_widget.h"

#include <QEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QVBoxLayout>
#include <array>

namespace {
constexpr int kEndSlackPx = 24; ///< this close to the end counts as "at the end"
constexpr int kMarginPx = 8;    ///< around the messages
constexpr int kSpacingPx = 8;   ///< between messages (in a chunk and between chunks)

/// The layout of a chunk of messages: remembers its height for the last few widths until invalidated.
/// QScrollArea asks the content's height for two widths (with and without the scroll bar) at each layout
/// request; QBoxLayout keeps one, so each request would measure every built message again. With this, only
/// the chunk whose message changed measures its messages.
class ChunkLayout : public QVBoxLayout {
  public:
    using QVBoxLayout::QVBoxLayout;

    int heightForWidth(int width) const override { return measure(width).height; }
    int minimumHeightForWidth(int width) const override { return measure(width).minimumHeight; }
    void invalidate() override {
        m_known.fill({});
        QVBoxLayout::invalidate();
    }

  private:
    struct Known {
        int width = -1;
        int height = -1;
        int minimumHeight = -1;
    };

    const Known& measure(int width) const {
        for (const Known& k : m_known)
            if (k.width == width)
                return k;
        Known& k = m_known[m_next];
        m_next = (m_next + 1) % m_known.size();
        k.height = QVBoxLayout::heightForWidth(width);
        k.width = width; // QBoxLayout::minimumHeightForWidth asks heightForWidth (virtual) first
        k.minimumHeight = QVBoxLayout::minimumHeightForWidth(width);
        return k;
    }

    mutable std::array<Known, 4> m_known{};
    mutable size_t m_next = 0;
};
} // namespace

ChatView::ChatView(QWidget* parent)
    : QWidget(parent), m_scroll(new QScrollArea(this)), m_content(new QWidget),
      m_layout(new QVBoxLayout(m_content)) {
    m_layout->setContentsMargins(kMarginPx, kMarginPx, kMarginPx, kMarginPx);
    m_layout->setSpacing(kSpacingPx);
    m_layout->addStretch(1);
    m_content->setObjectName(QStringLiteral("chatContent"));
    m_scroll->setObjectName(QStringLiteral("chatScrollArea"));
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    m_scroll->setWidget(m_content);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);

    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &ChatView::flushPendingText);
    QScrollBar* bar = m_scroll->verticalScrollBar();
    connect(bar, &QScrollBar::valueChanged, this, &ChatView::onScrollValueChanged);
    connect(bar, &QScrollBar::rangeChanged, this, &ChatView::onScrollRangeChanged);
    retranslateUi();
}

ChatView::~ChatView() = default;

void ChatView::setEntries(const std::vector<ChatEntry>& branch) {
    if (switchBranch(branch))
        return;
    clear();
    m_entries = branch;
    for (size_t i = 0; i < m_entries.size(); ++i)
        m_indexById.insert(m_entries[i].record.id, i);
    const size_t batch = kBatch;
    m_firstBuilt = m_entries.size() > batch ? m_entries.size() - batch : 0;
    for (size_t i = m_firstBuilt; i < m_entries.size(); ++i)
        appendWidget(m_entries[i]);
    showNewChunks();
    scrollToEndLater();
}

bool ChatView::switchBranch(const std::vector<ChatEntry>& branch) {
    if (m_entries.empty() || branch.empty() ||
        m_entries[0].record.conversationId != branch[0].record.conversationId)
        return false;
    size_t common = 0;
    while (common < m_entries.size() && common < branch.size() &&
           m_entries[common].record.id == branch[common].record.id)
        ++common;
    const size_t batch = kBatch;
    if (common == 0 || common < m_firstBuilt || branch.size() - common > batch)
        return false; // another conversation in effect, or a long new tail: build afresh
    // The same conversation through another branch below `common`: what is above stays built and in place.
    flushPendingText();
    while (m_firstBuilt + m_built.size() > common) {
        discardWidget(m_built.back());
        m_built.pop_back();
    }
    m_entries = branch;
    m_indexById.clear();
    for (size_t i = 0; i < m_entries.size(); ++i)
        m_indexById.insert(m_entries[i].record.id, i);
    for (size_t i = m_firstBuilt; i < common; ++i) // their sibling counts may have changed
        m_built[i - m_firstBuilt]->setEntry(m_entries[i]);
    for (size_t i = common; i < m_entries.size(); ++i)
        appendWidget(m_entries[i]);
    showNewChunks();
    if (m_keepFromEnd == 0)
        scrollToEndLater();
    return true;
}

void ChatView::appendEntry(const ChatEntry& e) {
    if (m_indexById.contains(e.record.id)) {
        updateEntry(e);
        return;
    }
    m_indexById.insert(e.record.id, m_entries.size());
    m_entries.push_back(e);
    appendWidget(e);
    showNewChunks();
    scrollToEndLater();
}

void ChatView::appendText(qint64 messageId, const QString& contentDelta, const QString& reasoningDelta) {
    if ((contentDelta.isEmpty() && reasoningDelta.isEmpty()) || !m_indexById.contains(messageId))
        return;
    PendingText& p = m_pending[messageId];
    p.content += contentDelta;
    p.reasoning += reasoningDelta;
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void ChatView::setToolCalls(qint64 messageId, const QJsonArray& toolCalls) {
    if (!m_indexById.contains(messageId))
        return;
    m_pending[messageId].toolCalls = toolCalls;
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void ChatView::flushPendingText() {
    m_flushTimer.stop();
    const QHash<qint64, PendingText> pending = std::exchange(m_pending, {});
    for (auto it = pending.cbegin(); it != pending.cend(); ++it) {
        const auto index = indexOf(it.key());
        if (!index)
            continue;
        MessageRecord& r = m_entries[*index].record;
        r.content += it->content;
        r.reasoning += it->reasoning;
        if (it->toolCalls)
            r.toolCalls = *it->toolCalls;
        MessageWidget* w = messageWidget(it.key());
        if (!w)
            continue;
        w->appendText(it->content, it->reasoning);
        if (it->toolCalls)
            w->setToolCalls(*it->toolCalls);
    }
}

void ChatView::updateEntry(const ChatEntry& e) {
    const auto index = indexOf(e.record.id);
    if (!index)
        return;
    m_pending.remove(e.record.id); // the full text supersedes the buffered deltas
    m_entries[*index] = e;
    if (MessageWidget* w = messageWidget(e.record.id))
        w->setEntry(e);
}

void ChatView::clear() {
    m_flushTimer.stop();
    m_pending.clear();
    for (MessageWidget* w : m_built)
        discardWidget(w);
    m_built.clear();
    m_entries.clear();
    m_indexById.clear();
    m_firstBuilt = 0;
    m_keepFromEnd = 0;
    m_loadScheduled = false;
}

QString ChatView::renderedText(qint64 messageId) const {
    const MessageWidget* w = messageWidget(messageId);
    return w ? w->renderedText() : QString();
}

int ChatView::renderCount() const {
    int n = 0;
    for (const MessageWidget* w : m_built)
        n += w->renderCount();
    return n;
}

MessageWidget* ChatView::messageWidget(qint64 messageId) const {
    const auto index = indexOf(messageId);
    if (!index || *index < m_firstBuilt)
        return nullptr;
    return m_built[*index - m_firstBuilt];
}

std::optional<size_t> ChatView::indexOf(qint64 messageId) const {
    const auto it = m_indexById.constFind(messageId);
    if (it == m_indexById.cend())
        return std::nullopt;
    return *it;
}

QWidget* ChatView::createChunk(int position) {
    auto* chunk = new QWidget(m_content);
    auto* layout = new ChunkLayout(chunk);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(kSpacingPx);
    m_layout->insertWidget(position, chunk);
    // Shown by showNewChunks() once filled: showing a widget lays out it and every visible layout above it.
    chunk->resize(std::max(1, m_content->width() - 2 * kMarginPx), 1); // laid out at the width it will have
    return chunk;
}

void ChatView::showNewChunks() {
    for (int i = 0; i < m_layout->count() - 1; ++i)
        if (QWidget* chunk = m_layout->itemAt(i)->widget(); chunk->isHidden())
            chunk->show(); // now, not on a queued show: the layout pass that follows counts it
}

void ChatView::appendWidget(const ChatEntry& e) {
    const int chunks = m_layout->count() - 1; // the stretch is last
    QWidget* chunk = chunks > 0 ? m_layout->itemAt(chunks - 1)->widget() : nullptr;
    if (!chunk || chunk->layout()->count() >= kChunk)
        chunk = createChunk(chunks);
    MessageWidget* w = createWidget(e, chunk);
    static_cast<QVBoxLayout*>(chunk->layout())->addWidget(w);
    if (!chunk->isHidden()) { // a chunk already shown: the message is shown now, at the chunk's width
        w->resize(chunk->width(), w->height());
        w->show();
    }
    m_built.push_back(w);
}

MessageWidget* ChatView::createWidget(const ChatEntry& e, QWidget* chunk) {
    auto* w = new MessageWidget(e, chunk);
    connect(w, &MessageWidget::regenerateRequested, this, &ChatView::regenerateRequested);
    connect(w, &MessageWidget::editRequested, this, &ChatView::editRequested);
    connect(w, &MessageWidget::siblingRequested, this, &ChatView::siblingRequested);
    return w;
}

void ChatView::discardWidget(MessageWidget* w) {
    // Later, not now: this may run inside a slot of the widget (its ‹ › or Send handler).
    disconnect(w, nullptr, this, nullptr);
    QWidget* chunk = w->parentWidget();
    chunk->layout()->removeWidget(w);
    w->hide();
    w->deleteLater();
    if (chunk->layout()->count() == 0) { // deletes `w` with it, if not done before
        m_layout->removeWidget(chunk);
        chunk->hide();
        chunk->deleteLater();
    }
}

void ChatView::loadOlder() {
    if (!m_loadScheduled || m_firstBuilt == 0)
        return; // cancelled by clear()
    m_loadScheduled = false;
    const QScrollBar* bar = m_scroll->verticalScrollBar();
    m_keepFromEnd = bar->maximum() - bar->value(); // what the user sees stays where it is
    const size_t batch = kBatch;
    const size_t first = m_firstBuilt > batch ? m_firstBuilt - batch : 0;
    std::vector<MessageWidget*> older;
    QWidget* chunk = nullptr;
    int chunks = 0;
    for (size_t i = first; i < m_firstBuilt; ++i) {
        if (!chunk || chunk->layout()->count() >= kChunk)
            chunk = createChunk(chunks++);
        MessageWidget* w = createWidget(m_entries[i], chunk);
        static_cast<QVBoxLayout*>(chunk->layout())->addWidget(w);
        older.push_back(w);
    }
    showNewChunks();
    m_built.insert(m_built.begin(), older.begin(), older.end());
    m_firstBuilt = first;
}

void ChatView::scheduleLoadOlderIfNearTop() {
    if (m_firstBuilt == 0 || m_loadScheduled || !isVisible())
        return;
    if (m_scroll->verticalScrollBar()->value() > m_scroll->viewport()->height())
        return;
    m_loadScheduled = true;
    QMetaObject::invokeMethod(this, &ChatView::loadOlder, Qt::QueuedConnection);
}

void ChatView::scrollToEndLater() {
    m_keepFromEnd = 0;
    // The range changes (and onScrollRangeChanged follows the end) after the next layout pass; this covers a
    // pass that leaves the range as it was.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_keepFromEnd == 0) {
                QScrollBar* bar = m_scroll->verticalScrollBar();
                m_adjusting = true;
                bar->setValue(bar->maximum());
                m_adjusting = false;
            }
        },
        Qt::QueuedConnection);
}

void ChatView::onScrollValueChanged(int value) {
    if (!m_adjusting) { // the user scrolled: follow the end only from the end
        const int max = m_scroll->verticalScrollBar()->maximum();
        m_keepFromEnd = max - value <= kEndSlackPx ? std::optional<int>(0) : std::nullopt;
    }
    scheduleLoadOlderIfNearTop();
}

void ChatView::onScrollRangeChanged(int /*min*/, int max) {
    if (m_keepFromEnd) {
        const int keep = *m_keepFromEnd;
        m_adjusting = true;
        m_scroll->verticalScrollBar()->setValue(max - keep);
        m_adjusting = false;
        // Older messages were built above: once laid out, the view stops tracking the end (an answer
        // streaming below must not move what the user reads).
        if (keep > 0)
            QMetaObject::invokeMethod(
                this,
                [this, keep] {
                    if (m_keepFromEnd == keep)
                        m_keepFromEnd.reset();
                },
                Qt::QueuedConnection);
    }
    scheduleLoadOlderIfNearTop();
}

void ChatView::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(e);
}

void ChatView::retranslateUi() { m_scroll->setAccessibleName(tr("Conversation")); }
