// ConversationItemDelegate: the pin mark (drawn, in the palette's text colour) and inline renaming.
#include "conversation_item_delegate.h"

#include "conversation_list_model.h"

#include <QLineEdit>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

ConversationItemDelegate::ConversationItemDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

QWidget* ConversationItemDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                                                const QModelIndex& index) const {
    QWidget* editor = QStyledItemDelegate::createEditor(parent, option, index);
    if (auto* edit = qobject_cast<QLineEdit*>(editor)) {
        edit->setPlaceholderText(index.data(Qt::DisplayRole).toString());
        edit->setFrame(false);
    }
    return editor;
}

void ConversationItemDelegate::setModelData(QWidget* editor, QAbstractItemModel* model,
                                            const QModelIndex& index) const {
    Q_UNUSED(model)
    const auto* edit = qobject_cast<const QLineEdit*>(editor);
    if (!edit || !index.isValid())
        return;
    const QString title = edit->text().simplified();
    if (title.isEmpty() || title == index.data(ConversationListModel::TitleRole).toString())
        return;
    emit titleEdited(index.data(ConversationListModel::IdRole).toLongLong(), title);
}

void ConversationItemDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const {
    QStyledItemDelegate::initStyleOption(option, index);
    if (!index.data(ConversationListModel::PinnedRole).toBool())
        return;
    const bool selected = option->state & QStyle::State_Selected;
    const QPalette::ColorGroup group = !(option->state & QStyle::State_Enabled) ? QPalette::Disabled
                                       : (option->state & QStyle::State_Active) ? QPalette::Active
                                                                                : QPalette::Inactive;
    const QColor color = option->palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);
    const int size = option->fontMetrics.height();
    option->features |= QStyleOptionViewItem::HasDecoration;
    option->icon = pinIcon(color, size);
    option->decorationSize = QSize(size, size);
    option->decorationPosition = QStyleOptionViewItem::Right;
}

QIcon ConversationItemDelegate::pinIcon(const QColor& color, int size) const {
    const QString key = color.name(QColor::HexArgb) + QLatin1Char('/') + QString::number(size);
    if (const auto found = m_pinIcons.constFind(key); found != m_pinIcons.cend())
        return *found;
    QIcon icon;
    for (const qreal ratio : {1.0, 2.0}) {
        const int pixels = qRound(size * ratio);
        QPixmap pixmap(pixels, pixels);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        p.scale(pixels / 16.0, pixels / 16.0); // drawn on a 16×16 grid: a push pin leaning right
        p.translate(8, 8);
        p.rotate(30);
        p.translate(-8, -8);
        p.setPen(Qt::NoPen);
        p.setBrush(color);
        QPainterPath head;
        head.addRoundedRect(QRectF(5, 1.5, 6, 2), 0.8, 0.8);   // the cap
        head.addRect(QRectF(6, 3.5, 4, 4));                    // the barrel
        head.addRoundedRect(QRectF(3.5, 7.5, 9, 2), 0.8, 0.8); // the collar
        p.drawPath(head);
        p.setPen(QPen(color, 1.2, Qt::SolidLine, Qt::RoundCap));
        p.drawLine(QPointF(8, 9.5), QPointF(8, 14.5)); // the needle
        p.end();
        icon.addPixmap(pixmap);
    }
    m_pinIcons.insert(key, icon);
    return icon;
}
