// ConversationListModel: the conversation list as an item model, updated in place (moves, inserts, removals,
// dataChanged) so views keep their selection.
#include "conversation_list_model.h"

#include <QSet>
#include <algorithm>
#include <utility>

namespace {

// Above this many row moves and inserts, one reset is cheaper for the views than the separate signals.
constexpr int kMaxIncrementalChanges = 200;

bool sameRecord(const ConversationRecord& a, const ConversationRecord& b) {
    return a.id == b.id && a.uuid == b.uuid && a.title == b.title && a.createdAt == b.createdAt &&
           a.updatedAt == b.updatedAt && a.pinned == b.pinned && a.deletedAt == b.deletedAt &&
           a.model == b.model && a.systemPrompt == b.systemPrompt && a.settings == b.settings &&
           a.currentLeafId == b.currentLeafId;
}

/// How many moves and inserts turn `current` (already without the rows that go) into `next`, by the same walk
/// setConversations() makes; stops counting past `limit`.
int countChanges(std::vector<qint64> current, const std::vector<ConversationRecord>& next, int limit) {
    int changes = 0;
    for (size_t i = 0; i < next.size() && changes <= limit; ++i) {
        if (i < current.size() && current[i] == next[i].id)
            continue;
        ++changes;
        const auto found =
            std::find(current.begin() + static_cast<std::ptrdiff_t>(std::min(i, current.size())),
                      current.end(), next[i].id);
        if (found != current.end())
            current.erase(found);
        current.insert(current.begin() + static_cast<std::ptrdiff_t>(std::min(i, current.size())),
                       next[i].id);
    }
    return changes;
}

} // namespace

ConversationListModel::ConversationListModel(QObject* parent) : QAbstractListModel(parent) {}

int ConversationListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConversationRecord& c = m_rows[static_cast<size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return displayTitle(c);
    case Qt::EditRole:
    case TitleRole:
        return c.title;
    case IdRole:
        return c.id;
    case PinnedRole:
        return c.pinned;
    case UpdatedAtRole:
        return c.updatedAt;
    default:
        return {};
    }
}

Qt::ItemFlags ConversationListModel::flags(const QModelIndex& index) const {
    if (!index.isValid() ||
        !checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable | Qt::ItemNeverHasChildren;
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names.insert(IdRole, "conversationId");
    names.insert(PinnedRole, "pinned");
    names.insert(UpdatedAtRole, "updatedAt");
    names.insert(TitleRole, "title");
    return names;
}

QString ConversationListModel::displayTitle(const ConversationRecord& c) {
    const QString title = c.title.simplified();
    return title.isEmpty() ? tr("New chat") : title;
}

void ConversationListModel::retranslate() {
    for (size_t row = 0; row < m_rows.size(); ++row)
        if (m_rows[row].title.simplified().isEmpty()) {
            const QModelIndex i = index(static_cast<int>(row));
            emit dataChanged(i, i, {Qt::DisplayRole, Qt::ToolTipRole});
        }
}

qint64 ConversationListModel::idAt(int row) const {
    return row >= 0 && row < static_cast<int>(m_rows.size()) ? m_rows[static_cast<size_t>(row)].id : 0;
}

int ConversationListModel::rowOf(qint64 id) const { return m_rowOf.value(id, -1); }

const ConversationRecord* ConversationListModel::record(qint64 id) const {
    const int row = rowOf(id);
    return row < 0 ? nullptr : &m_rows[static_cast<size_t>(row)];
}

void ConversationListModel::setConversations(std::vector<ConversationRecord> conversations) {
    std::vector<ConversationRecord> next;
    next.reserve(conversations.size());
    QSet<qint64> nextIds;
    for (ConversationRecord& c : conversations)
        if (!nextIds.contains(c.id)) {
            nextIds.insert(c.id);
            next.push_back(std::move(c));
        }

    std::vector<qint64> kept; // the current ids that stay, in their current order
    for (const ConversationRecord& c : m_rows)
        if (nextIds.contains(c.id))
            kept.push_back(c.id);
    if (m_rows.empty() || kept.empty() ||
        countChanges(kept, next, kMaxIncrementalChanges) > kMaxIncrementalChanges) {
        beginResetModel();
        m_rows = std::move(next);
        rebuildIndex();
        endResetModel();
        return;
    }

    // 1. Rows that go, in contiguous runs from the end (so earlier row numbers stay valid).
    for (int row = static_cast<int>(m_rows.size()) - 1; row >= 0;) {
        if (nextIds.contains(m_rows[static_cast<size_t>(row)].id)) {
            --row;
            continue;
        }
        int first = row;
        while (first > 0 && !nextIds.contains(m_rows[static_cast<size_t>(first - 1)].id))
            --first;
        beginRemoveRows({}, first, row);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + row + 1);
        rebuildIndex(); // rowOf() answers for the new rows already while views react
        endRemoveRows();
        row = first - 1;
    }

    // 2. Walk the new order: a row already in place is updated, one further down moves up, a new one is
    // inserted (runs of new rows at once). Rows above `i` are final.
    const QSet<qint64> current(kept.begin(), kept.end());
    for (size_t i = 0; i < next.size(); ++i) {
        const int row = static_cast<int>(i);
        if (i < m_rows.size() && m_rows[i].id == next[i].id) {
            updateRow(row, std::move(next[i]));
            continue;
        }
        if (current.contains(next[i].id)) {
            const auto found = std::find_if(m_rows.begin() + row, m_rows.end(),
                                            [&](const ConversationRecord& c) { return c.id == next[i].id; });
            const int from = static_cast<int>(found - m_rows.begin());
            beginMoveRows({}, from, from, {}, row);
            ConversationRecord moved = std::move(*found);
            m_rows.erase(found);
            m_rows.insert(m_rows.begin() + row, std::move(moved));
            rebuildIndex();
            endMoveRows();
            updateRow(row, std::move(next[i]));
            continue;
        }
        size_t last = i;
        while (last + 1 < next.size() && !current.contains(next[last + 1].id))
            ++last;
        beginInsertRows({}, row, static_cast<int>(last));
        m_rows.insert(m_rows.begin() + row, std::make_move_iterator(next.begin() + row),
                      std::make_move_iterator(next.begin() + static_cast<std::ptrdiff_t>(last) + 1));
        rebuildIndex();
        endInsertRows();
        i = last;
    }
}

void ConversationListModel::updateRow(int row, ConversationRecord&& next) {
    ConversationRecord& c = m_rows[static_cast<size_t>(row)];
    if (sameRecord(c, next))
        return;
    QList<int> roles;
    if (c.title != next.title)
        roles << Qt::DisplayRole << Qt::ToolTipRole << Qt::EditRole << TitleRole;
    if (c.pinned != next.pinned)
        roles << PinnedRole;
    if (c.updatedAt != next.updatedAt)
        roles << UpdatedAtRole;
    c = std::move(next);
    // Roles empty (a field no role shows changed: model, settings…) means "all roles" to views.
    const QModelIndex i = index(row);
    emit dataChanged(i, i, roles);
}

void ConversationListModel::rebuildIndex() {
    m_rowOf.clear();
    m_rowOf.reserve(static_cast<qsizetype>(m_rows.size()));
    for (size_t row = 0; row < m_rows.size(); ++row)
        m_rowOf.insert(m_rows[row].id, static_cast<int>(row));
}
