// CodeBlockView: language header, Copy button and the code, in a box of the palette's alternate base colour.
#include "code_block_view.h"

#include "text_block_view.h"

#include <QClipboard>
#include <QEvent>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QStyle>
#include <QStyleOptionFrame>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

CodeBlockView::CodeBlockView(QWidget* parent)
    : QWidget(parent), m_languageLabel(new QLabel(this)), m_copy(new QToolButton(this)),
      m_view(new TextBlockView(this)) {
    m_languageLabel->setObjectName(QStringLiteral("language"));
    m_languageLabel->setForegroundRole(QPalette::PlaceholderText);
    m_copy->setObjectName(QStringLiteral("copyCode"));
    m_copy->setAutoRaise(true);
    m_copy->setFocusPolicy(Qt::NoFocus);
    connect(m_copy, &QToolButton::clicked, this, &CodeBlockView::copyToClipboard);

    auto* header = new QHBoxLayout;
    header->setContentsMargins(6, 0, 0, 0);
    header->addWidget(m_languageLabel);
    header->addStretch(1);
    header->addWidget(m_copy);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(3, 2, 3, 4);
    layout->setSpacing(0);
    layout->addLayout(header);
    layout->addWidget(m_view);
    retranslateUi();
}

void CodeBlockView::setCode(const QString& code, const QString& language, Kind kind) {
    const bool headerChanged = language != m_language || kind != m_kind;
    m_code = code;
    m_language = language;
    m_kind = kind;
    m_view->showCode(code);
    if (headerChanged)
        retranslateUi();
}

QString CodeBlockView::languageText() const { return m_languageLabel->text(); }

void CodeBlockView::copyToClipboard() {
    QGuiApplication::clipboard()->setText(m_code);
    m_copied = true;
    retranslateUi();
    QTimer::singleShot(1500, this, [this] {
        m_copied = false;
        retranslateUi();
    });
}

void CodeBlockView::setIndent(int pixels) {
    if (pixels == m_indent)
        return;
    m_indent = pixels;
    layout()->setContentsMargins(3 + pixels, 2, 3, 4);
    update();
}

void CodeBlockView::paintEvent(QPaintEvent* /*e*/) {
    QPainter painter(this);
    QStyleOptionFrame box;
    box.initFrom(this);
    box.rect = rect().adjusted(m_indent, 0, 0, 0);
    box.frameShape = QFrame::StyledPanel;
    box.lineWidth = 1;
    box.state |= QStyle::State_Sunken;
    painter.fillRect(box.rect, palette().brush(QPalette::AlternateBase));
    style()->drawPrimitive(QStyle::PE_Frame, &box, &painter, this);
}

void CodeBlockView::changeEvent(QEvent* e) {
    if (e->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(e);
}

void CodeBlockView::retranslateUi() {
    if (m_kind == Kind::Math)
        m_languageLabel->setText(QStringLiteral("LaTeX"));
    else
        m_languageLabel->setText(m_language.isEmpty() ? tr("Code") : m_language);
    m_copy->setText(m_copied ? tr("Copied") : tr("Copy"));
    m_copy->setToolTip(m_kind == Kind::Math ? tr("Copy the LaTeX source") : tr("Copy the code"));
}
