// ConversationListModel: the sidebar's list of conversations (pinned first, then most recently updated, as
// ConversationStore::conversations() gives them) as a Qt item model. Qt Core only, so it is tested without
// widgets.
#pragma once

#include "conversation_store.h"

#include <QAbstractListModel>
#include <QHash>
#include <vector>

/// A copy of the store's list; the store stays the source of truth (a rename or pin goes through the store,
/// then setConversations() again). Not thread-safe: lives on the GUI thread.
class ConversationListModel : public QAbstractListModel {
    Q_OBJECT

  public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< qint64
        PinnedRole,                ///< bool
        UpdatedAtRole,             ///< qint64, ms since the epoch
        TitleRole,                 ///< QString, the stored title (empty when untitled); also Qt::EditRole
    };
    Q_ENUM(Role)

    explicit ConversationListModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    /// Qt::DisplayRole and Qt::ToolTipRole: the title, or tr("New chat") when it has none.
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    /// Rows are editable so a view can open an inline editor for renaming; setData() refuses every change
    /// (the view reports the new title, and the store applies it).
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// Replaces the list. When the same conversations come back re-ordered, renamed, pinned or with some
    /// added or removed, the model emits row moves, inserts, removals and dataChanged (so selection, current
    /// index and scroll position survive); a wholesale change resets the model. Duplicate ids keep their
    /// first row.
    void setConversations(std::vector<ConversationRecord> conversations);
    const std::vector<ConversationRecord>& conversations() const { return m_rows; }

    qint64 idAt(int row) const; ///< 0 when `row` is out of range
    int rowOf(qint64 id) const; ///< -1 when absent
    /// The record with that id, or nullptr. Valid until the next setConversations().
    const ConversationRecord* record(qint64 id) const;

    /// The title shown: the stored one, or tr("New chat") for an untitled conversation.
    static QString displayTitle(const ConversationRecord& c);
    /// Tells views that untitled rows read differently (call after the UI language changed).
    void retranslate();

  private:
    void updateRow(int row, ConversationRecord&& next);
    void rebuildIndex();

    std::vector<ConversationRecord> m_rows;
    QHash<qint64, int> m_rowOf;
};
