// ConversationItemDelegate: one row of the conversation sidebar — the title, a pin mark for pinned
// conversations, and the inline editor for renaming (which reports the new title instead of writing it).
#pragma once

#include <QHash>
#include <QIcon>
#include <QStyledItemDelegate>

/// For a ConversationListModel. The edit is reported by titleEdited() and the model is not written to: the
/// store renames, and the list comes back through setConversations().
class ConversationItemDelegate : public QStyledItemDelegate {
    Q_OBJECT

  public:
    explicit ConversationItemDelegate(QObject* parent = nullptr);

    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                          const QModelIndex& index) const override;
    /// Emits titleEdited() when the edited title is non-empty (after simplifying spaces) and differs.
    void setModelData(QWidget* editor, QAbstractItemModel* model, const QModelIndex& index) const override;

    /// The pin mark drawn in `color` (cached per colour and size).
    QIcon pinIcon(const QColor& color, int size) const;

  signals:
    void titleEdited(qint64 id, const QString& title) const;

  protected:
    /// Adds the pin mark (at the right, in the row's text colour) to pinned rows.
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;

  private:
    mutable QHash<QString, QIcon> m_pinIcons;
};
