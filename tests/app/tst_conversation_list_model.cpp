// tst_conversation_list_model: roles, lookups, and setConversations() updating in place (moves, inserts,
// removals, dataChanged) so persistent indexes survive; QAbstractItemModelTester watches every change.
#include "conversation_list_model.h"

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <QPersistentModelIndex>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>
#include <QTranslator>
#include <algorithm>

namespace {

ConversationRecord conv(qint64 id, const QString& title, bool pinned = false, qint64 updatedAt = 0) {
    ConversationRecord c;
    c.id = id;
    c.uuid = QStringLiteral("uuid-%1").arg(id);
    c.title = title;
    c.pinned = pinned;
    c.createdAt = 1000 + id;
    c.updatedAt = updatedAt ? updatedAt : 2000 + id;
    return c;
}

std::vector<ConversationRecord> convs(std::initializer_list<qint64> ids) {
    std::vector<ConversationRecord> out;
    for (const qint64 id : ids)
        out.push_back(conv(id, QStringLiteral("c%1").arg(id)));
    return out;
}

std::vector<qint64> rowIds(const ConversationListModel& m) {
    std::vector<qint64> out;
    for (int row = 0; row < m.rowCount(); ++row)
        out.push_back(m.idAt(row));
    return out;
}

/// Answers every lookup in one context with a marked copy of the source text, so a test sees what re-reads
/// it.
class MarkingTranslator : public QTranslator {
  public:
    QString translate(const char* context, const char* sourceText, const char* = nullptr,
                      int = -1) const override {
        if (qstrcmp(context, "ConversationListModel") != 0)
            return {};
        return QStringLiteral("[xx] ") + QString::fromUtf8(sourceText);
    }
    bool isEmpty() const override { return false; }
};

} // namespace

class TestConversationListModel : public QObject {
    Q_OBJECT

  private slots:
    void rolesAndLookups();
    void untitledShowsNewChatAndRetranslates();
    void reorderMovesRowsAndKeepsPersistentIndexes();
    void insertsRemovalsAndChanges();
    void duplicatesAndEmptyLists();
    void randomChangesKeepModelConsistent();
};

void TestConversationListModel::rolesAndLookups() {
    ConversationListModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setConversations({conv(7, QStringLiteral("鲸歌 plan"), true, 5000), conv(3, QStringLiteral("Tools"))});
    QCOMPARE(m.rowCount(), 2);
    const QModelIndex first = m.index(0);
    QCOMPARE(first.data(Qt::DisplayRole).toString(), QStringLiteral("鲸歌 plan"));
    QCOMPARE(first.data(ConversationListModel::IdRole).toLongLong(), qint64(7));
    QCOMPARE(first.data(ConversationListModel::PinnedRole).toBool(), true);
    QCOMPARE(first.data(ConversationListModel::UpdatedAtRole).toLongLong(), qint64(5000));
    QCOMPARE(first.data(ConversationListModel::TitleRole).toString(), QStringLiteral("鲸歌 plan"));
    QCOMPARE(m.index(1).data(ConversationListModel::PinnedRole).toBool(), false);
    QVERIFY(m.flags(first) & Qt::ItemIsSelectable);
    QVERIFY(!m.setData(first, QStringLiteral("renamed"))); // renames go through the store
    QCOMPARE(first.data().toString(), QStringLiteral("鲸歌 plan"));
    QVERIFY(m.roleNames().contains(ConversationListModel::IdRole));

    QCOMPARE(m.idAt(0), qint64(7));
    QCOMPARE(m.idAt(1), qint64(3));
    QCOMPARE(m.idAt(2), qint64(0));
    QCOMPARE(m.idAt(-1), qint64(0));
    QCOMPARE(m.rowOf(3), 1);
    QCOMPARE(m.rowOf(99), -1);
    QVERIFY(m.record(7));
    QCOMPARE(m.record(7)->uuid, QStringLiteral("uuid-7"));
    QVERIFY(!m.record(99));
    QVERIFY(!m.index(5).data().isValid());
}

void TestConversationListModel::untitledShowsNewChatAndRetranslates() {
    ConversationListModel m;
    m.setConversations({conv(1, QString()), conv(2, QStringLiteral("  ")), conv(3, QStringLiteral("named"))});
    QCOMPARE(m.index(0).data().toString(), QStringLiteral("New chat"));
    QCOMPARE(m.index(1).data().toString(), QStringLiteral("New chat"));
    QCOMPARE(m.index(0).data(ConversationListModel::TitleRole).toString(), QString());
    QCOMPARE(m.index(0).data(Qt::EditRole).toString(), QString());

    MarkingTranslator translator;
    QVERIFY(QCoreApplication::installTranslator(&translator));
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.retranslate();
    QCOMPARE(changed.count(), 2); // the two untitled rows, not the named one
    QCOMPARE(m.index(0).data().toString(), QStringLiteral("[xx] New chat"));
    QCOMPARE(m.index(2).data().toString(), QStringLiteral("named"));
    QCoreApplication::removeTranslator(&translator);
    QCOMPARE(m.index(0).data().toString(), QStringLiteral("New chat"));
}

void TestConversationListModel::reorderMovesRowsAndKeepsPersistentIndexes() {
    ConversationListModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setConversations(convs({1, 2, 3, 4, 5}));
    const QPersistentModelIndex selected = m.index(3); // id 4

    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy moved(&m, &QAbstractItemModel::rowsMoved);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    // Conversation 4 got a new message: it goes to the top, with a newer time stamp.
    std::vector<ConversationRecord> next = convs({4, 1, 2, 3, 5});
    next[0].updatedAt = 9999;
    m.setConversations(next);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(moved.count(), 1);
    QCOMPARE(rowIds(m), (std::vector<qint64>{4, 1, 2, 3, 5}));
    QVERIFY(selected.isValid());
    QCOMPARE(selected.row(), 0);
    QCOMPARE(selected.data(ConversationListModel::IdRole).toLongLong(), qint64(4));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 0);
    QVERIFY(changed.at(0).at(2).value<QList<int>>().contains(ConversationListModel::UpdatedAtRole));

    // A rename: only dataChanged, with the display role.
    changed.clear();
    next[2].title = QStringLiteral("renamed");
    m.setConversations(next);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 2);
    QVERIFY(changed.at(0).at(2).value<QList<int>>().contains(Qt::DisplayRole));
    QCOMPARE(m.index(2).data().toString(), QStringLiteral("renamed"));

    // Many moves at once (the whole list reversed): one reset instead.
    std::vector<ConversationRecord> many;
    for (qint64 id = 1; id <= 500; ++id)
        many.push_back(conv(id, QStringLiteral("c%1").arg(id)));
    ConversationListModel big;
    QAbstractItemModelTester bigTester(&big, QAbstractItemModelTester::FailureReportingMode::QtTest);
    big.setConversations(many);
    std::reverse(many.begin(), many.end());
    QSignalSpy bigReset(&big, &QAbstractItemModel::modelReset);
    big.setConversations(many);
    QCOMPARE(bigReset.count(), 1);
    QCOMPARE(big.idAt(0), qint64(500));
    QCOMPARE(big.rowOf(1), 499);

    // The same list again: no signal at all.
    changed.clear();
    moved.clear();
    m.setConversations(next);
    QCOMPARE(changed.count(), 0);
    QCOMPARE(moved.count(), 0);
    QCOMPARE(reset.count(), 0);
}

void TestConversationListModel::insertsRemovalsAndChanges() {
    ConversationListModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setConversations(convs({1, 2, 3, 4, 5}));
    const QPersistentModelIndex three = m.index(2);
    const QPersistentModelIndex two = m.index(1);
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);

    // A new chat at the top, 2 deleted, 5 pinned to the top.
    std::vector<ConversationRecord> next = convs({5, 9, 1, 3, 4});
    next[0].pinned = true;
    m.setConversations(next);
    QCOMPARE(reset.count(), 0);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(rowIds(m), (std::vector<qint64>{5, 9, 1, 3, 4}));
    QVERIFY(!two.isValid());
    QVERIFY(three.isValid());
    QCOMPARE(three.row(), 3);
    QCOMPARE(m.rowOf(9), 1);
    QCOMPARE(m.rowOf(2), -1);
    QVERIFY(m.record(5)->pinned);
    QCOMPARE(m.index(0).data(ConversationListModel::PinnedRole).toBool(), true);

    // Several new ones in a run, and a run of removals.
    m.setConversations(convs({10, 11, 12, 5, 4}));
    QCOMPARE(rowIds(m), (std::vector<qint64>{10, 11, 12, 5, 4}));
    QCOMPARE(reset.count(), 0);
    for (const qint64 id : {10, 11, 12, 5, 4})
        QCOMPARE(m.idAt(m.rowOf(id)), id);
}

void TestConversationListModel::duplicatesAndEmptyLists() {
    ConversationListModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setConversations({});
    QCOMPARE(m.rowCount(), 0);
    auto list = convs({1, 2, 1});
    list[2].title = QStringLiteral("duplicate");
    m.setConversations(list);
    QCOMPARE(rowIds(m), (std::vector<qint64>{1, 2}));
    QCOMPARE(m.index(0).data().toString(), QStringLiteral("c1"));
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    m.setConversations({});
    QCOMPARE(m.rowCount(), 0);
    QVERIFY(!m.record(1));
    m.setConversations(convs({3}));
    QCOMPARE(rowIds(m), (std::vector<qint64>{3}));
    // Nothing in common with before: a reset.
    m.setConversations(convs({4, 5}));
    QVERIFY(reset.count() >= 1);
    QCOMPARE(rowIds(m), (std::vector<qint64>{4, 5}));
}

void TestConversationListModel::randomChangesKeepModelConsistent() {
    ConversationListModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QRandomGenerator rng(12345);
    std::vector<qint64> ids;
    qint64 nextId = 1;
    for (int round = 0; round < 300; ++round) {
        // Remove some, add some, shuffle a few.
        std::vector<qint64> next;
        for (const qint64 id : ids)
            if (rng.bounded(10) != 0)
                next.push_back(id);
        const int added = rng.bounded(4);
        for (int i = 0; i < added; ++i)
            next.insert(next.begin() + rng.bounded(static_cast<int>(next.size()) + 1), nextId++);
        const int swaps = round % 50 == 0 ? 400 : rng.bounded(3); // now and then a wholesale shuffle
        for (int i = 0; i < swaps && next.size() > 1; ++i)
            std::swap(next[rng.bounded(static_cast<int>(next.size()))],
                      next[rng.bounded(static_cast<int>(next.size()))]);
        std::vector<ConversationRecord> records;
        for (const qint64 id : next) {
            records.push_back(conv(id, QStringLiteral("c%1").arg(id)));
            if (rng.bounded(8) == 0)
                records.back().title += QStringLiteral("!");
        }
        // Persistent indexes of rows that stay must follow their conversation.
        std::vector<std::pair<QPersistentModelIndex, qint64>> watched;
        for (int row = 0; row < m.rowCount(); row += 3)
            watched.emplace_back(m.index(row), m.idAt(row));
        const bool wholesale = swaps > 100;
        m.setConversations(records);
        QCOMPARE(rowIds(m), next);
        for (const qint64 id : next)
            QCOMPARE(m.idAt(m.rowOf(id)), id);
        for (size_t i = 0; i < records.size(); ++i)
            QCOMPARE(m.index(static_cast<int>(i)).data().toString(), records[i].title);
        if (!wholesale)
            for (const auto& [index, id] : watched)
                if (std::find(next.begin(), next.end(), id) != next.end()) {
                    QVERIFY(index.isValid());
                    QCOMPARE(index.data(ConversationListModel::IdRole).toLongLong(), id);
                }
        ids = next;
    }
}

QTEST_GUILESS_MAIN(TestConversationListModel)
#include "tst_conversation_list_model.moc"
