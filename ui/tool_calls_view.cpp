// ToolCallsView: tool-call blocks of an answer (see tool_calls_view.h).
#include "tool_calls_view.h"

#include "code_block_view.h"
#include "tool_call_collector.h"

#include <QEvent>
#include <QJsonObject>
#include <QLabel>
#include <QVBoxLayout>

ToolCallsView::ToolCallsView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    hide();
}

void ToolCallsView::setCalls(const QJsonArray& calls) {
    if (calls == m_calls)
        return;
    const QJsonArray old = std::exchange(m_calls, calls);
    auto* layout = static_cast<QVBoxLayout*>(this->layout());
    while (m_blocks.size() > static_cast<size_t>(m_calls.size())) {
        Block b = m_blocks.back();
        m_blocks.pop_back();
        layout->removeWidget(b.frame);
        b.frame->hide();
        b.frame->deleteLater();
    }
    for (qsizetype i = 0; i < m_calls.size(); ++i) {
        const size_t k = static_cast<size_t>(i);
        if (k < m_blocks.size()) {
            if (i < old.size() && old.at(i) == m_calls.at(i))
                continue;
        } else {
            Block b;
            b.frame = new QWidget(this);
            b.frame->setObjectName(QStringLiteral("toolCall"));
            b.title = new QLabel(b.frame);
            b.title->setObjectName(QStringLiteral("toolCallTitle"));
            b.title->setTextInteractionFlags(Qt::TextSelectableByMouse);
            QFont bold = b.title->font();
            bold.setBold(true);
            b.title->setFont(bold);
            b.arguments = new CodeBlockView(b.frame);
            b.arguments->setObjectName(QStringLiteral("toolCallArguments"));
            auto* v = new QVBoxLayout(b.frame);
            v->setContentsMargins(0, 0, 0, 0);
            v->setSpacing(2);
            v->addWidget(b.title);
            v->addWidget(b.arguments);
            layout->addWidget(b.frame);
            b.frame->show();
            m_blocks.push_back(b);
        }
        render(k);
    }
    setVisible(!m_calls.isEmpty());
}

void ToolCallsView::render(size_t i) {
    const QJsonObject fn = m_calls.at(static_cast<qsizetype>(i)).toObject().value(QStringLiteral("function")).toObject();
    const QString arguments = fn.value(QStringLiteral("arguments")).toString();
    m_blocks[i].arguments->setCode(formatJsonText(arguments), QStringLiteral("json"));
    m_blocks[i].title->setToolTip(m_calls.at(static_cast<qsizetype>(i)).toObject().value(QStringLiteral("id")).toString());
    const QString name = fn.value(QStringLiteral("name")).toString();
    m_blocks[i].title->setText(name.isEmpty() ? tr("Tool call") : tr("Calls tool %1").arg(name));
}

QString ToolCallsView::title(int i) const { return m_blocks.at(static_cast<size_t>(i)).title->text(); }

QString ToolCallsView::renderedText() const {
    QStringList parts;
    for (const Block& b : m_blocks)
        parts << b.title->text() + QLatin1Char('\n') + b.arguments->code();
    return parts.join(QStringLiteral("\n\n"));
}

void ToolCallsView::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(e);
}

void ToolCallsView::retranslateUi() {
    for (size_t i = 0; i < m_blocks.size(); ++i)
        render(i);
}
