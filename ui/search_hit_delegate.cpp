// SearchHitDelegate: a search result painted as a bold title over a two-line snippet with its matches in
// bold.
#include "search_hit_delegate.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QPainter>
#include <QTextDocument>
#include <algorithm>

namespace {

/// Splits a snippet into (text, isMatch) pieces: "[x]" is a match; a bracket without its pair is text.
template <typename Piece> void forEachPiece(const QString& snippet, Piece&& piece) {
    qsizetype at = 0;
    while (at < snippet.size()) {
        const qsizetype open = snippet.indexOf(QLatin1Char('['), at);
        const qsizetype close = open < 0 ? -1 : snippet.indexOf(QLatin1Char(']'), open + 1);
        if (open < 0 || close < 0) {
            piece(snippet.mid(at), false);
            return;
        }
        if (open > at)
            piece(snippet.mid(at, open - at), false);
        piece(snippet.mid(open + 1, close - open - 1), true);
        at = close + 1;
    }
}

} // namespace

SearchHitDelegate::SearchHitDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QString SearchHitDelegate::snippetHtml(const QString& snippet) {
    QString html;
    forEachPiece(snippet, [&](const QString& text, bool match) {
        html += match ? QLatin1String("<b>") + text.toHtmlEscaped() + QLatin1String("</b>")
                      : text.toHtmlEscaped();
    });
    return html;
}

QString SearchHitDelegate::snippetText(const QString& snippet) {
    QString text;
    forEachPiece(snippet, [&](const QString& piece, bool) { text += piece; });
    return text;
}

QSize SearchHitDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
    Q_UNUSED(index)
    QFont bold = option.font;
    bold.setBold(true);
    const int height = QFontMetrics(bold).height() + kSnippetLines * option.fontMetrics.lineSpacing();
    return {option.rect.width() > 0 ? option.rect.width() : 200, height + 3 * kMargin};
}

void SearchHitDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString title = opt.text;
    opt.text.clear(); // the style draws the background, selection and focus; the text is drawn here
    const QWidget* widget = opt.widget;
    const QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QRect r = opt.rect.adjusted(kMargin + 2, kMargin, -kMargin - 2, -kMargin);
    const QPalette::ColorGroup group = !(opt.state & QStyle::State_Enabled) ? QPalette::Disabled
                                       : (opt.state & QStyle::State_Active) ? QPalette::Active
                                                                            : QPalette::Inactive;
    const bool selected = opt.state & QStyle::State_Selected;
    const QColor text = opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);

    painter->save();
    QFont bold = opt.font;
    bold.setBold(true);
    const QFontMetrics titleMetrics(bold);
    painter->setFont(bold);
    painter->setPen(text);
    const QRect titleRect(r.left(), r.top(), r.width(), titleMetrics.height());
    painter->drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
                      titleMetrics.elidedText(title, opt.textElideMode, r.width()));

    QTextDocument doc;
    doc.setDocumentMargin(0);
    doc.setDefaultFont(opt.font);
    doc.setHtml(snippetHtml(index.data(SnippetRole).toString()));
    doc.setTextWidth(r.width());
    const int snippetTop = titleRect.bottom() + 1 + kMargin / 2;
    const QRect clip(0, 0, r.width(),
                     std::min(r.bottom() - snippetTop + 1, kSnippetLines * opt.fontMetrics.lineSpacing()));
    painter->translate(r.left(), snippetTop);
    painter->setClipRect(clip);
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette = opt.palette;
    context.palette.setColor(QPalette::Text, text);
    context.clip = clip;
    doc.documentLayout()->draw(painter, context);
    painter->restore();
}
