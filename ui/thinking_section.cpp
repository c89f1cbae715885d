// ThinkingSection: the collapsible reasoning of an answer.
#include "thinking_section.h"

#include "message_body.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLocale>
#include <QToolButton>
#include <QVBoxLayout>

ThinkingSection::ThinkingSection(QWidget* parent)
    : QWidget(parent), m_toggle(new QToolButton(this)), m_body(new MessageBody(this)) {
    m_toggle->setObjectName(QStringLiteral("thinkingToggle"));
    m_toggle->setCheckable(true);
    m_toggle->setAutoRaise(true);
    m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toggle->setArrowType(Qt::RightArrow);
    m_toggle->setFocusPolicy(Qt::TabFocus);
    connect(m_toggle, &QToolButton::toggled, this, &ThinkingSection::setExpanded);

    m_body->setObjectName(QStringLiteral("thinkingBody"));
    m_body->setForegroundRole(QPalette::PlaceholderText); // read as secondary to the answer
    m_body->hide();

    auto* bodyRow = new QHBoxLayout;
    bodyRow->setContentsMargins(18, 0, 0, 0); // indented under the arrow
    bodyRow->addWidget(m_body);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(m_toggle, 0, Qt::AlignLeft);
    layout->addLayout(bodyRow);
    retranslateUi();
}

void ThinkingSection::setText(const QString& reasoning) {
    if (reasoning == m_text)
        return;
    m_text = reasoning;
    if (m_expanded)
        m_body->setText(m_text);
    else
        m_bodyStale = true;
}

void ThinkingSection::appendText(const QString& delta) {
    m_text += delta;
    if (m_expanded)
        m_body->appendText(delta);
    else
        m_bodyStale = true;
}

void ThinkingSection::setState(bool thinking, std::optional<double> reasoningMs) {
    m_thinking = thinking;
    m_reasoningMs = reasoningMs;
    retranslateUi();
}

void ThinkingSection::setExpanded(bool expanded) {
    if (expanded == m_expanded)
        return;
    m_expanded = expanded;
    if (expanded && m_bodyStale) {
        m_body->setText(m_text);
        m_bodyStale = false;
    }
    m_body->setVisible(expanded);
    m_toggle->setChecked(expanded);
    m_toggle->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
}

QString ThinkingSection::headerText() const { return m_toggle->text(); }

void ThinkingSection::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange || e->type() == QEvent::LocaleChange)
        retranslateUi();
    QWidget::changeEvent(e);
}

void ThinkingSection::retranslateUi() {
    if (m_thinking)
        m_toggle->setText(tr("Thinking…"));
    else if (m_reasoningMs)
        m_toggle->setText(tr("Thought for %1 s").arg(QLocale().toString(*m_reasoningMs / 1000.0, 'f', 1)));
    else
        m_toggle->setText(tr("Thoughts"));
    m_toggle->setToolTip(tr("Show or hide the model's reasoning"));
}
