// MessageWidget: one message with its thinking, body, status, speed and actions.
#include "message_widget.h"

#include "message_body.h"
#include "thinking_section.h"
#include "tool_call_collector.h"
#include "tool_calls_view.h"

#include <QClipboard>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include <tuple>

namespace {

QToolButton* actionButton(const QString& objectName, QWidget* parent) {
    auto* b = new QToolButton(parent);
    b->setObjectName(objectName);
    b->setAutoRaise(true);
    b->setFocusPolicy(Qt::TabFocus); // a click leaves the focus in the composer
    return b;
}

/// Tokens per second: whole numbers from 100 on, one decimal below ("301", "61.4").
QString rate(double v) { return QLocale().toString(v, 'f', v >= 100 ? 0 : 1); }

} // namespace

MessageWidget::MessageWidget(const ChatEntry& entry, QWidget* parent)
    : QFrame(parent), m_entry(entry), m_role(new QLabel(this)), m_thinking(new ThinkingSection(this)),
      m_body(new MessageBody(this)), m_toolCalls(new ToolCallsView(this)), m_statusIcon(new QLabel(this)), m_status(new QLabel(this)),
      m_stats(new QLabel(this)), m_actions(new QWidget(this)),
      m_prev(actionButton(QStringLiteral("previous"), m_actions)), m_siblingLabel(new QLabel(m_actions)),
      m_next(actionButton(QStringLiteral("next"), m_actions)),
      m_copy(actionButton(QStringLiteral("copy"), m_actions)),
      m_regenerate(actionButton(QStringLiteral("regenerate"), m_actions)),
      m_edit(actionButton(QStringLiteral("edit"), m_actions)) {
    QFont bold = m_role->font();
    bold.setBold(true);
    m_role->setFont(bold);
    m_role->setObjectName(QStringLiteral("role"));
    m_thinking->setObjectName(QStringLiteral("thinking"));
    m_body->setObjectName(QStringLiteral("body"));
    m_toolCalls->setObjectName(QStringLiteral("toolCalls"));
    m_body->setPlain(isQuestion()); // a question is shown as typed
    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_statusIcon->setPixmap(
        style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, this).pixmap(iconSize));
    m_status->setObjectName(QStringLiteral("status"));
    m_status->setFont(bold);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_stats->setObjectName(QStringLiteral("stats"));
    m_stats->setForegroundRole(QPalette::PlaceholderText);
    m_siblingLabel->setObjectName(QStringLiteral("siblingPosition"));
    m_prev->setArrowType(Qt::LeftArrow);
    m_next->setArrowType(Qt::RightArrow);

    connect(m_prev, &QToolButton::clicked, this, [this] { showSibling(-1); });
    connect(m_next, &QToolButton::clicked, this, [this] { showSibling(+1); });
    connect(m_copy, &QToolButton::clicked, this, &MessageWidget::copyToClipboard);
    connect(m_regenerate, &QToolButton::clicked, this, [this] { emit regenerateRequested(messageId()); });
    connect(m_edit, &QToolButton::clicked, this, &MessageWidget::startEditing);

    auto* actions = new QHBoxLayout(m_actions);
    actions->setContentsMargins(0, 0, 0, 0);
    actions->setSpacing(2);
    actions->addWidget(m_prev);
    actions->addWidget(m_siblingLabel);
    actions->addWidget(m_next);
    actions->addWidget(m_copy);
    actions->addWidget(m_regenerate);
    actions->addWidget(m_edit);
    actions->addStretch(1);

    auto* statusRow = new QHBoxLayout;
    statusRow->setSpacing(4);
    statusRow->addWidget(m_statusIcon, 0, Qt::AlignTop);
    statusRow->addWidget(m_status, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 4);
    layout->setSpacing(4);
    layout->addWidget(m_role);
    layout->addWidget(m_thinking);
    layout->addWidget(m_body);
    layout->addWidget(m_toolCalls);
    layout->addLayout(statusRow);
    layout->addWidget(m_stats);
    layout->addWidget(m_actions);

    if (isQuestion()) { // questions stand out with the palette's alternate base
        setBackgroundRole(QPalette::AlternateBase);
        setAutoFillBackground(true);
    }
    showContent();
    updateState();
    retranslateUi();
}

void MessageWidget::setEntry(const ChatEntry& entry) {
    m_entry = entry;
    showContent();
    updateState();
    retranslateUi();
}

void MessageWidget::showContent() {
    MessageRecord& r = m_entry.record;
    // Answers saved before tool calls were kept apart (or imported) may still hold the model's call text.
    if (isAnswer() && r.toolCalls.isEmpty() && r.status != MessageStatus::Streaming)
        std::tie(r.content, r.toolCalls) = ToolCallCollector::split(r.content);
    m_thinking->setText(r.reasoning);
    m_body->setText(r.content);
    m_body->setVisible(!r.content.isEmpty() || r.toolCalls.isEmpty());
    m_toolCalls->setCalls(r.toolCalls);
    // The body and the thinking section keep the text; a copy here would grow with every delta for nothing.
    r.content.clear();
    r.reasoning.clear();
}

const QString& MessageWidget::content() const { return m_body->text(); }

QString MessageWidget::reasoning() const { return m_thinking->text(); }

void MessageWidget::setToolCalls(const QJsonArray& toolCalls) {
    const bool started = m_entry.record.toolCalls.isEmpty() && !toolCalls.isEmpty();
    m_entry.record.toolCalls = toolCalls;
    m_toolCalls->setCalls(toolCalls);
    m_body->setVisible(!content().isEmpty() || toolCalls.isEmpty());
    if (started)
        updateState();
}

void MessageWidget::appendText(const QString& contentDelta, const QString& reasoningDelta) {
    const bool contentStarted = content().isEmpty() && !contentDelta.isEmpty();
    const bool reasoningStarted = m_thinking->text().isEmpty() && !reasoningDelta.isEmpty();
    if (!reasoningDelta.isEmpty())
        m_thinking->appendText(reasoningDelta);
    if (!contentDelta.isEmpty()) {
        m_body->appendText(contentDelta);
        m_body->show();
    }
    if (contentStarted || reasoningStarted)
        updateState();
}

QString MessageWidget::renderedText() const {
    const QString body = m_body->isHidden() ? QString() : m_body->renderedText();
    if (m_toolCalls->count() == 0)
        return body;
    return body.isEmpty() ? m_toolCalls->renderedText() : body + QStringLiteral("\n\n") + m_toolCalls->renderedText();
}

int MessageWidget::renderCount() const { return m_body->renderCount() + m_thinking->body()->renderCount(); }

QString MessageWidget::statusText() const { return m_status->isHidden() ? QString() : m_status->text(); }

QString MessageWidget::statsText() const { return m_stats->isHidden() ? QString() : m_stats->text(); }

void MessageWidget::copyToClipboard() const { QGuiApplication::clipboard()->setText(content()); }

void MessageWidget::showSibling(int delta) {
    const int i = m_entry.siblingIndex() + delta;
    if (i >= 0 && i < static_cast<int>(m_entry.siblingIds.size()))
        emit siblingRequested(m_entry.siblingIds[static_cast<size_t>(i)]);
}

void MessageWidget::startEditing() {
    if (!m_editPanel) {
        m_editPanel = new QWidget(this);
        m_editor = new QPlainTextEdit(m_editPanel);
        m_editor->setObjectName(QStringLiteral("editor"));
        m_editor->setTabChangesFocus(true);
        m_editSend = new QPushButton(m_editPanel);
        m_editSend->setObjectName(QStringLiteral("editSend"));
        m_editCancel = new QPushButton(m_editPanel);
        m_editCancel->setObjectName(QStringLiteral("editCancel"));
        connect(m_editSend, &QPushButton::clicked, this, [this] { finishEditing(true); });
        connect(m_editCancel, &QPushButton::clicked, this, [this] { finishEditing(false); });
        auto* send = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), m_editor);
        send->setContext(Qt::WidgetShortcut);
        connect(send, &QShortcut::activated, this, [this] { finishEditing(true); });
        auto* cancel = new QShortcut(QKeySequence(Qt::Key_Escape), m_editor);
        cancel->setContext(Qt::WidgetShortcut);
        connect(cancel, &QShortcut::activated, this, [this] { finishEditing(false); });
        auto* buttons = new QHBoxLayout;
        buttons->addStretch(1);
        buttons->addWidget(m_editCancel);
        buttons->addWidget(m_editSend);
        auto* panel = new QVBoxLayout(m_editPanel);
        panel->setContentsMargins(0, 0, 0, 0);
        panel->addWidget(m_editor);
        panel->addLayout(buttons);
        auto* layout = static_cast<QVBoxLayout*>(this->layout());
        layout->insertWidget(layout->indexOf(m_body) + 1, m_editPanel);
        retranslateUi();
    }
    m_editor->setPlainText(content());
    m_editor->moveCursor(QTextCursor::End);
    m_body->hide();
    m_actions->hide();
    m_editPanel->show();
    m_editor->setFocus();
}

bool MessageWidget::isEditing() const { return m_editPanel && !m_editPanel->isHidden(); }

void MessageWidget::finishEditing(bool send) {
    const QString text = m_editor->toPlainText();
    if (send && text.trimmed().isEmpty())
        return; // an empty question is not sent; the editor stays open
    m_editPanel->hide();
    m_body->show();
    m_actions->show();
    if (send)
        emit editRequested(messageId(), text); // last: the receiver may replace this widget
}

void MessageWidget::updateState() {
    const MessageRecord& r = m_entry.record;
    const bool streaming = r.status == MessageStatus::Streaming;
    m_thinking->setVisible(!m_thinking->text().isEmpty());
    m_thinking->setState(streaming && content().isEmpty() && r.toolCalls.isEmpty(), r.stats.reasoningMs);
    const bool problem = r.status == MessageStatus::Stopped || r.status == MessageStatus::Error ||
                         r.status == MessageStatus::Interrupted;
    m_status->setVisible(problem);
    m_statusIcon->setVisible(problem && r.status != MessageStatus::Stopped);
    const bool siblings = m_entry.siblingCount() > 1;
    m_prev->setVisible(siblings);
    m_next->setVisible(siblings);
    m_siblingLabel->setVisible(siblings);
    m_prev->setEnabled(m_entry.siblingIndex() > 0);
    m_next->setEnabled(m_entry.siblingIndex() + 1 < m_entry.siblingCount());
    m_regenerate->setVisible(isAnswer());
    m_regenerate->setEnabled(!streaming);
    m_edit->setVisible(isQuestion());
}

void MessageWidget::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange || e->type() == QEvent::LocaleChange)
        retranslateUi();
    QFrame::changeEvent(e);
}

void MessageWidget::retranslateUi() {
    const MessageRecord& r = m_entry.record;
    const QLocale locale;
    QString role;
    if (isQuestion())
        role = tr("You");
    else if (isAnswer())
        role = r.model.isEmpty() ? tr("Assistant") : tr("Assistant · %1").arg(r.model);
    else if (r.role == QLatin1String("system"))
        role = tr("System prompt");
    else if (r.role == QLatin1String("tool"))
        role = tr("Tool");
    else
        role = r.role;
    m_role->setText(role);

    switch (r.status) {
    case MessageStatus::Stopped:
        m_status->setText(tr("Stopped — the answer above is incomplete."));
        break;
    case MessageStatus::Error:
        m_status->setText(r.error.isEmpty() ? tr("Error: generation failed.") : tr("Error: %1").arg(r.error));
        break;
    case MessageStatus::Interrupted:
        m_status->setText(tr("Interrupted — Whalesong closed before this answer was finished."));
        break;
    case MessageStatus::Complete:
    case MessageStatus::Streaming:
        m_status->clear();
        break;
    }

    QStringList stats;
    if (isAnswer() && r.status != MessageStatus::Streaming) {
        if (r.stats.timeToFirstTokenMs)
            stats << tr("TTFT %1 s").arg(locale.toString(*r.stats.timeToFirstTokenMs / 1000.0, 'f', 2));
        if (r.stats.prefillTokensPerSecond)
            stats << tr("prefill %1 tok/s").arg(rate(*r.stats.prefillTokensPerSecond));
        if (r.stats.decodeTokensPerSecond)
            stats << tr("decode %1 tok/s").arg(rate(*r.stats.decodeTokensPerSecond));
    }
    m_stats->setText(stats.join(QStringLiteral(" · ")));
    m_stats->setVisible(!stats.isEmpty());
    QStringList about;
    if (r.stats.promptTokens)
        about << tr("Prompt: %1 tokens").arg(locale.toString(*r.stats.promptTokens));
    if (r.stats.completionTokens)
        about << tr("Answer: %1 tokens").arg(locale.toString(*r.stats.completionTokens));
    if (!r.backend.isEmpty())
        about << tr("Backend: %1").arg(r.backend);
    m_stats->setToolTip(about.join(u'\n'));

    m_siblingLabel->setText(tr("%1/%2").arg(locale.toString(m_entry.siblingIndex() + 1),
                                            locale.toString(m_entry.siblingCount())));
    m_prev->setToolTip(tr("Previous version"));
    m_prev->setAccessibleName(m_prev->toolTip());
    m_next->setToolTip(tr("Next version"));
    m_next->setAccessibleName(m_next->toolTip());
    m_copy->setText(tr("Copy"));
    m_copy->setToolTip(tr("Copy the whole message"));
    m_regenerate->setText(tr("Regenerate"));
    m_regenerate->setToolTip(tr("Answer this question again (the current answer is kept as a version)"));
    m_edit->setText(tr("Edit"));
    m_edit->setToolTip(tr("Edit this question and send it again (as a new version)"));
    if (m_editPanel) {
        m_editSend->setText(tr("Send"));
        m_editCancel->setText(tr("Cancel"));
    }
}
