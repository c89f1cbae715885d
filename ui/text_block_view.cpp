// TextBlockView: a content-sized read-only QTextBrowser for one Markdown or code block.
#include "text_block_view.h"

#include "markdown_blocks.h"

#include <QDesktopServices>
#include <QFontDatabase>
#include <QResizeEvent>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextList>
#include <QTextTable>
#include <cmath>
#include <vector>

TextBlockView::TextBlockView(QWidget* parent) : QTextBrowser(parent) {
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    // Transparent: the message's own background shows through (palette roles only, no colours of ours).
    viewport()->setAutoFillBackground(false);
    setFocusPolicy(Qt::ClickFocus); // selectable and copyable, but Tab does not walk through every block
    document()->setDocumentMargin(2);
    // Links never navigate inside the view (that would replace the message); web links open outside.
    setOpenLinks(false);
    connect(this, &QTextBrowser::anchorClicked, this, [](const QUrl& url) {
        if (!url.isRelative())
            QDesktopServices::openUrl(url);
    });
    connect(document(), &QTextDocument::contentsChanged, this, &TextBlockView::invalidateHeight);
}

void TextBlockView::setCodeMode(bool code) {
    if (code == m_code)
        return;
    m_code = code;
    setLineWrapMode(code ? QTextEdit::NoWrap : QTextEdit::WidgetWidth);
    setHorizontalScrollBarPolicy(code ? Qt::ScrollBarAsNeeded : Qt::ScrollBarAlwaysOff);
    setFont(code ? QFontDatabase::systemFont(QFontDatabase::FixedFont) : QFont());
    invalidateHeight();
}

void TextBlockView::showMarkdown(const QString& markdown) {
    setCodeMode(false);
    QTextDocument* doc = document();
    doc->setMarkdown(markdown, QTextDocument::MarkdownDialectGitHub);
    for (QTextFrame* frame : doc->rootFrame()->childFrames()) {
        if (auto* table = qobject_cast<QTextTable*>(frame)) { // some room in the cells
            QTextTableFormat format = table->format();
            format.setCellPadding(4);
            format.setCellSpacing(0);
            format.setBorderCollapse(true);
            table->setFormat(format);
        }
    }
    if (const int start = orderedListStart(markdown); start != 1)
        numberFirstOrderedList(start);
}

void TextBlockView::numberFirstOrderedList(int start) {
    // Qt 6.4's lists always count from 1 (QTextListFormat::setStart came with 6.6): a list continued after a
    // code block ("2. …") gets its numbers as text, at the list's indentation.
    for (QTextBlock block = document()->begin(); block.isValid(); block = block.next()) {
        QTextList* list = block.textList();
        if (!list || list->format().style() != QTextListFormat::ListDecimal)
            continue;
        const int indent = list->format().indent();
        std::vector<QTextBlock> items;
        for (int i = 0; i < list->count(); ++i)
            items.push_back(list->item(i));
        for (size_t i = 0; i < items.size(); ++i) {
            list->remove(items[i]); // the last removal deletes the list: not used after the loop
            const QString number = QStringLiteral("%1. ").arg(start + static_cast<int>(i));
            QTextCursor cursor(items[i]);
            QTextBlockFormat format = items[i].blockFormat();
            format.setIndent(indent);
            format.setTextIndent(
                -fontMetrics().horizontalAdvance(number)); // the number hangs where Qt's would
            cursor.setBlockFormat(format);
            cursor.insertText(number);
        }
        return;
    }
}

void TextBlockView::showPlainText(const QString& text) {
    setCodeMode(false);
    setPlainText(text);
}

void TextBlockView::showCode(const QString& code) {
    setCodeMode(true);
    setPlainText(code);
}

int TextBlockView::heightForWidth(int width) const {
    for (const HeightForWidth& known : m_hfw)
        if (known.width == width)
            return known.height;
    const int frame = 2 * frameWidth();
    QTextDocument* doc = document();
    int h = 0;
    if (m_code) {
        h = static_cast<int>(std::ceil(doc->size().height())) + frame;
        if (doc->idealWidth() > width - frame)
            h += horizontalScrollBar()->sizeHint().height();
    } else {
        const qreal viewportWidth = viewport()->width();
        doc->setTextWidth(std::max(1, width - frame));
        h = static_cast<int>(std::ceil(doc->size().height())) + frame;
        // A question about another width than the one shown must not leave the text laid out for it.
        if (isVisible() && width != this->width())
            doc->setTextWidth(viewportWidth);
    }
    m_hfw[m_hfwNext] = {width, h};
    m_hfwNext = (m_hfwNext + 1) % m_hfw.size();
    return h;
}

QSize TextBlockView::sizeHint() const {
    const int w = m_code ? static_cast<int>(std::ceil(document()->idealWidth())) + 2 * frameWidth() : 200;
    return {w, heightForWidth(width() > 1 ? width() : w)};
}

QSize TextBlockView::minimumSizeHint() const { return {40, 0}; }

void TextBlockView::resizeEvent(QResizeEvent* e) {
    QTextBrowser::resizeEvent(e);
    // QTextEdit re-lays the text out only when the width changed; heightForWidth may have probed another.
    if (!m_code && document()->textWidth() != viewport()->width())
        document()->setTextWidth(viewport()->width());
    verticalScrollBar()->setValue(0);
}

void TextBlockView::changeEvent(QEvent* e) {
    QTextBrowser::changeEvent(e);
    if (e->type() == QEvent::FontChange || e->type() == QEvent::StyleChange)
        invalidateHeight();
}

void TextBlockView::invalidateHeight() {
    m_hfw.fill({});
    updateGeometry();
}
