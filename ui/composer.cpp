// Composer: the draft editor, Send/Stop and the token count.
#include "composer.h"

#include "composer_edit.h"

#include <QAbstractTextDocumentLayout>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>

Composer::Composer(QWidget* parent)
    : QWidget(parent), m_edit(new ComposerEdit(this)), m_notice(new QLabel(this)), m_tokens(new QLabel(this)),
      m_button(new QPushButton(this)) {
    m_edit->setObjectName(QStringLiteral("draft"));
    m_edit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    // As tall as the draft, from 2 to 10 lines (then it scrolls).
    connect(m_edit->document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
            &Composer::adjustEditorHeight);
    m_notice->setObjectName(QStringLiteral("notice"));
    m_notice->setWordWrap(true);
    QFont bold = m_notice->font();
    bold.setBold(true);
    m_notice->setFont(bold);
    m_notice->hide();
    m_tokens->setObjectName(QStringLiteral("tokens"));
    m_tokens->setForegroundRole(QPalette::PlaceholderText);
    m_button->setObjectName(QStringLiteral("sendStop"));
    m_button->setFocusPolicy(Qt::NoFocus); // the focus stays in the draft
    m_button->setDefault(false);
    m_button->setAutoDefault(false);

    connect(m_edit, &ComposerEdit::submitted, this, &Composer::trySend);
    connect(m_edit, &QPlainTextEdit::textChanged, this, [this] {
        updateButton();
        emit draftChanged(draft());
    });
    connect(m_button, &QPushButton::clicked, this, &Composer::onButtonClicked);

    auto* row = new QHBoxLayout;
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(m_tokens);
    row->addStretch(1);
    row->addWidget(m_button);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 8);
    layout->setSpacing(4);
    layout->addWidget(m_edit);
    layout->addWidget(m_notice);
    layout->addLayout(row);
    setFocusProxy(m_edit);
    retranslateUi();
    updateButton();
    adjustEditorHeight();
}

void Composer::adjustEditorHeight() {
    // QPlainTextEdit's document size is in lines.
    const int lines =
        std::clamp(static_cast<int>(m_edit->document()->documentLayout()->documentSize().height()), 2, 10);
    const int chrome = 2 * m_edit->frameWidth() + 2 * static_cast<int>(m_edit->document()->documentMargin());
    m_edit->setFixedHeight(lines * m_edit->fontMetrics().lineSpacing() + chrome);
}

QString Composer::draft() const { return m_edit->toPlainText(); }

void Composer::setDraft(const QString& text) {
    m_edit->setPlainText(text);
    m_edit->moveCursor(QTextCursor::End);
}

void Composer::clearDraft() {
    m_edit->clear();
    m_refused = false;
    m_notice->hide();
}

void Composer::setGenerating(bool generating) {
    m_generating = generating;
    retranslateUi();
    updateButton();
}

void Composer::setTokenCount(int draftTokens, int contextLeft) {
    m_draftTokens = draftTokens;
    m_contextLeft = contextLeft;
    retranslateUi();
}

void Composer::setSendBlocker(const QString& reason) {
    m_blocker = reason;
    if (m_blocker.isEmpty())
        m_refused = false;
    updateButton();
    retranslateUi();
}

QString Composer::tokenText() const { return m_tokens->text(); }

QString Composer::noticeText() const { return m_notice->isHidden() ? QString() : m_notice->text(); }

bool Composer::overflows() const {
    return m_draftTokens >= 0 && m_contextLeft >= 0 && m_draftTokens > m_contextLeft;
}

void Composer::trySend() {
    const QString text = draft();
    if (m_generating || text.trimmed().isEmpty())
        return;
    if (!m_blocker.isEmpty()) { // never lose or cut the draft: tell the user why nothing was sent
        m_refused = true;
        retranslateUi();
        return;
    }
    m_refused = false;
    m_notice->hide();
    emit sendRequested(text);
}

void Composer::onButtonClicked() {
    if (m_generating)
        emit stopRequested();
    else
        trySend();
    m_edit->setFocus();
}

void Composer::updateButton() {
    m_button->setEnabled(m_generating || (m_blocker.isEmpty() && !draft().trimmed().isEmpty()));
}

void Composer::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange || e->type() == QEvent::LocaleChange)
        retranslateUi();
    QWidget::changeEvent(e);
}

void Composer::retranslateUi() {
    const QLocale locale;
    m_edit->setPlaceholderText(tr("Ask anything… (Enter to send, Shift+Enter for a new line)"));
    m_button->setText(m_generating ? tr("Stop") : tr("Send"));
    m_button->setToolTip(m_generating            ? tr("Stop generating (the answer so far is kept)")
                         : m_blocker.isEmpty() ? tr("Send (Enter)")
                                               : m_blocker);
    if (m_draftTokens < 0 || m_contextLeft < 0) {
        m_tokens->clear();
    } else {
        const QString draftTokens = locale.toString(m_draftTokens);
        const QString left = locale.toString(m_contextLeft);
        m_tokens->setText(overflows() ? tr("%1 / %2 tokens — too long").arg(draftTokens, left)
                                      : tr("%1 / %2 tokens").arg(draftTokens, left));
        m_tokens->setToolTip(tr("Tokens in the draft / tokens left in the model's context"));
    }
    QFont font = m_tokens->font();
    font.setBold(overflows());
    m_tokens->setFont(font);
    m_tokens->setForegroundRole(overflows() ? QPalette::WindowText : QPalette::PlaceholderText);
    if (m_refused && !m_blocker.isEmpty()) {
        m_notice->setText(m_blocker);
        m_notice->show();
    } else {
        m_notice->hide();
    }
}
