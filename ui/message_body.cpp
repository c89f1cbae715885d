// MessageBody: block-wise rendering of a message's Markdown (see message_body.h).
#include "message_body.h"

#include "code_block_view.h"
#include "text_block_view.h"

#include <QVBoxLayout>

MessageBody::MessageBody(QWidget* parent) : QWidget(parent), m_layout(new QVBoxLayout(this)) {
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(6);
}

void MessageBody::setText(const QString& markdown) {
    if (markdown == m_text)
        return;
    m_text = markdown;
    applyBlocks(split(0), 0);
}

void MessageBody::appendText(const QString& delta) {
    if (delta.isEmpty())
        return;
    m_text += delta;
    const size_t from = m_blocks.size() >= 2 ? m_blocks.size() - 2 : 0;
    const qsizetype offset = from < m_blocks.size() ? m_blocks[from].start : 0;
    applyBlocks(split(offset), from);
}

std::vector<MarkdownBlock> MessageBody::split(qsizetype from) const {
    if (!m_plain)
        return splitMarkdownBlocks(m_text, from);
    std::vector<MarkdownBlock> one(1);
    one[0].text = m_text;
    return one;
}

void MessageBody::applyBlocks(std::vector<MarkdownBlock> tail, size_t from) {
    const size_t newCount = from + tail.size();
    for (size_t k = 0; k < tail.size(); ++k) {
        const size_t i = from + k;
        MarkdownBlock& b = tail[k];
        if (i < m_blocks.size()) {
            if (m_blocks[i].sameContent(b)) {
                m_blocks[i].start = b.start;
                continue;
            }
            QWidget* old = m_widgets[i];
            const bool reusable = (m_blocks[i].kind == MarkdownBlock::Kind::Markdown) ==
                                  (b.kind == MarkdownBlock::Kind::Markdown);
            if (reusable) {
                renderInto(old, b);
            } else {
                QWidget* w = createBlockWidget(b);
                m_layout->replaceWidget(old, w);
                w->show();
                old->hide();
                old->deleteLater();
                m_widgets[i] = w;
            }
            m_blocks[i] = std::move(b);
        } else {
            QWidget* w = createBlockWidget(b);
            m_layout->addWidget(w);
            w->show(); // now, not on the layout's queued show: the next layout pass counts it
            m_widgets.push_back(w);
            m_blocks.push_back(std::move(b));
        }
    }
    while (m_blocks.size() > newCount) {
        QWidget* w = m_widgets.back();
        m_layout->removeWidget(w);
        w->hide();
        w->deleteLater();
        m_widgets.pop_back();
        m_blocks.pop_back();
    }
}

QWidget* MessageBody::createBlockWidget(const MarkdownBlock& b) {
    QWidget* w = nullptr;
    if (b.kind == MarkdownBlock::Kind::Markdown)
        w = new TextBlockView(this);
    else
        w = new CodeBlockView(this);
    renderInto(w, b);
    return w;
}

void MessageBody::renderInto(QWidget* w, const MarkdownBlock& b) {
    ++m_renderCount;
    switch (b.kind) {
    case MarkdownBlock::Kind::Markdown:
        if (m_plain)
            static_cast<TextBlockView*>(w)->showPlainText(b.text);
        else
            static_cast<TextBlockView*>(w)->showMarkdown(b.text);
        break;
    case MarkdownBlock::Kind::Code:
    case MarkdownBlock::Kind::Math: {
        auto* code = static_cast<CodeBlockView*>(w);
        // Inside a list item: under the item's text (QTextDocument indents a list level by 40 px).
        constexpr int kListIndentPx = 40;
        code->setIndent((b.indent + 3) / 4 * kListIndentPx);
        if (b.kind == MarkdownBlock::Kind::Code)
            code->setCode(b.text, b.language, CodeBlockView::Kind::Code);
        else
            code->setCode(b.text, {}, CodeBlockView::Kind::Math);
        break;
    }
    }
}

QString MessageBody::renderedText() const {
    QStringList parts;
    for (size_t i = 0; i < m_blocks.size(); ++i) {
        if (m_blocks[i].kind == MarkdownBlock::Kind::Markdown)
            parts << static_cast<TextBlockView*>(m_widgets[i])->toPlainText();
        else
            parts << static_cast<CodeBlockView*>(m_widgets[i])->code();
    }
    return parts.join(QStringLiteral("\n\n"));
}
