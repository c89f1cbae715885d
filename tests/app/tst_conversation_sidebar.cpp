// tst_conversation_sidebar (offscreen): rows and the pin mark, clicks and Enter, the context actions (rename
// inline, pin, delete), the debounced search and its results, the undo bar, and re-translation.
#include "conversation_list_model.h"
#include "ui/conversation_item_delegate.h"
#include "ui/conversation_sidebar.h"
#include "ui/search_hit_delegate.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>
#include <QTranslator>
#include <memory>

namespace {

ConversationRecord conv(qint64 id, const QString& title, bool pinned = false) {
    ConversationRecord c;
    c.id = id;
    c.uuid = QStringLiteral("uuid-%1").arg(id);
    c.title = title;
    c.pinned = pinned;
    c.updatedAt = 1000 - id;
    return c;
}

std::vector<ConversationRecord> sample() {
    return {conv(11, QStringLiteral("鲸歌 release plan"), true), conv(22, QStringLiteral("Tools")),
            conv(33, QString())};
}

/// Answers every lookup in the sidebar's and the list model's contexts with a marked source text.
class MarkingTranslator : public QTranslator {
  public:
    QString translate(const char* context, const char* sourceText, const char* = nullptr,
                      int = -1) const override {
        if (qstrcmp(context, "ConversationSidebar") != 0 && qstrcmp(context, "ConversationListModel") != 0)
            return {};
        return QStringLiteral("[xx] ") + QString::fromUtf8(sourceText);
    }
    bool isEmpty() const override { return false; }
};

/// Gives the test the style option a row is painted with.
class OpenDelegate : public ConversationItemDelegate {
  public:
    using ConversationItemDelegate::initStyleOption;
};

/// A shown sidebar over `model`, with its parts found by object name.
struct Fixture {
    ConversationListModel model;
    ConversationSidebar sidebar;
    QListView* list = nullptr;
    QListView* results = nullptr;
    QLineEdit* search = nullptr;

    Fixture() {
        model.setConversations(sample());
        sidebar.setModel(&model);
        sidebar.resize(320, 600);
        sidebar.show();
        list = sidebar.findChild<QListView*>(QStringLiteral("conversationList"));
        results = sidebar.findChild<QListView*>(QStringLiteral("searchResults"));
        search = sidebar.findChild<QLineEdit*>(QStringLiteral("searchField"));
    }
    QAction* action(const char* name) const { return sidebar.findChild<QAction*>(QLatin1String(name)); }
};

void click(QListView* view, int row) {
    const QRect rect = view->visualRect(view->model()->index(row, 0));
    QVERIFY(rect.isValid());
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
}

} // namespace

class TestConversationSidebar : public QObject {
    Q_OBJECT

  private slots:
    void rowsAndPinMark();
    void clickAndEnterActivate();
    void currentConversationSelectedAndKept();
    void contextActions();
    void renameInline();
    void searchIsDebounced();
    void searchResultsShownAndActivated();
    void escapeReturnsToTheList();
    void undoBar();
    void newChatAndFocusSearch();
    void languageChangeRetranslates();
    void modelDestroyedFirst();
};

void TestConversationSidebar::rowsAndPinMark() {
    Fixture f;
    QVERIFY(f.list && f.results && f.search);
    QVERIFY(QTest::qWaitForWindowExposed(&f.sidebar));
    QVERIFY(f.list->isVisible());
    QVERIFY(!f.results->isVisible());
    QCOMPARE(f.list->model(), &f.model);
    QCOMPARE(f.list->model()->rowCount(), 3);
    for (int row = 0; row < 3; ++row)
        QVERIFY(f.list->visualRect(f.model.index(row)).intersects(f.list->viewport()->rect()));
    QCOMPARE(f.model.index(2).data().toString(), QStringLiteral("New chat"));

    // The delegate puts the pin mark on pinned rows only.
    OpenDelegate delegate;
    QStyleOptionViewItem pinned;
    pinned.initFrom(f.list);
    delegate.initStyleOption(&pinned, f.model.index(0));
    QVERIFY(pinned.features & QStyleOptionViewItem::HasDecoration);
    QVERIFY(!pinned.icon.isNull());
    QStyleOptionViewItem plain;
    plain.initFrom(f.list);
    delegate.initStyleOption(&plain, f.model.index(1));
    QVERIFY(!(plain.features & QStyleOptionViewItem::HasDecoration));
    QCOMPARE(plain.text, QStringLiteral("Tools"));
    QVERIFY(qobject_cast<ConversationItemDelegate*>(f.list->itemDelegate()));
}

void TestConversationSidebar::clickAndEnterActivate() {
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.sidebar));
    QSignalSpy activated(&f.sidebar, &ConversationSidebar::conversationActivated);
    click(f.list, 1);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), qint64(22));
    click(f.list, 2);
    QCOMPARE(activated.count(), 2);
    QCOMPARE(activated.at(1).at(0).toLongLong(), qint64(33));

    f.list->setFocus();
    f.list->setCurrentIndex(f.model.index(0));
    QTest::keyClick(f.list, Qt::Key_Return);
    QCOMPARE(activated.count(), 3);
    QCOMPARE(activated.at(2).at(0).toLongLong(), qint64(11));
}

void TestConversationSidebar::currentConversationSelectedAndKept() {
    Fixture f;
    QSignalSpy activated(&f.sidebar, &ConversationSidebar::conversationActivated);
    f.sidebar.setCurrentConversation(22);
    QCOMPARE(f.list->currentIndex().row(), 1);
    QVERIFY(f.list->selectionModel()->isSelected(f.model.index(1)));
    QCOMPARE(activated.count(), 0); // selecting is not activating

    // Conversation 22 moves to the top (a new message): still selected.
    f.model.setConversations({conv(22, QStringLiteral("Tools")),
                              conv(11, QStringLiteral("鲸歌 release plan"), true), conv(33, QString())});
    QCOMPARE(f.list->currentIndex().data(ConversationListModel::IdRole).toLongLong(), qint64(22));
    QCOMPARE(f.list->selectionModel()->selectedIndexes().size(), 1);
    // Through resets (the list emptied, then refilled): the selection comes back with the conversation.
    QSignalSpy reset(&f.model, &QAbstractItemModel::modelReset);
    f.model.setConversations({});
    f.model.setConversations({conv(44, QStringLiteral("x")), conv(22, QStringLiteral("Tools"))});
    QCOMPARE(reset.count(), 2);
    QCOMPARE(f.list->currentIndex().data(ConversationListModel::IdRole).toLongLong(), qint64(22));
    QVERIFY(f.list->selectionModel()->isSelected(f.list->currentIndex()));

    f.sidebar.setCurrentConversation(999);
    QVERIFY(f.list->selectionModel()->selectedIndexes().isEmpty());
    QCOMPARE(activated.count(), 0);
}

void TestConversationSidebar::contextActions() {
    Fixture f;
    QAction* rename = f.action("renameAction");
    QAction* pin = f.action("pinAction");
    QAction* del = f.action("deleteAction");
    QVERIFY(rename && pin && del);
    QVERIFY(!del->isEnabled()); // nothing current yet
    QSignalSpy pinned(&f.sidebar, &ConversationSidebar::pinRequested);
    QSignalSpy deleted(&f.sidebar, &ConversationSidebar::deleteRequested);
    QSignalSpy renamed(&f.sidebar, &ConversationSidebar::renameRequested);

    f.sidebar.setCurrentConversation(11); // pinned
    QVERIFY(del->isEnabled());
    QCOMPARE(pin->text(), QStringLiteral("Unpin"));
    pin->trigger();
    QCOMPARE(pinned.count(), 1);
    QCOMPARE(pinned.at(0).at(0).toLongLong(), qint64(11));
    QCOMPARE(pinned.at(0).at(1).toBool(), false);

    f.sidebar.setCurrentConversation(22);
    QCOMPARE(pin->text(), QStringLiteral("Pin"));
    pin->trigger();
    QCOMPARE(pinned.count(), 2);
    QCOMPARE(pinned.at(1).at(0).toLongLong(), qint64(22));
    QCOMPARE(pinned.at(1).at(1).toBool(), true);

    del->trigger();
    QCOMPARE(deleted.count(), 1);
    QCOMPARE(deleted.at(0).at(0).toLongLong(), qint64(22));
    QCOMPARE(renamed.count(), 0);

    // The store pinned it: the action's text follows the model.
    f.model.setConversations({conv(11, QStringLiteral("鲸歌 release plan"), true),
                              conv(22, QStringLiteral("Tools"), true), conv(33, QString())});
    QCOMPARE(pin->text(), QStringLiteral("Unpin"));
}

void TestConversationSidebar::renameInline() {
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.sidebar));
    QSignalSpy renamed(&f.sidebar, &ConversationSidebar::renameRequested);
    QSignalSpy activated(&f.sidebar, &ConversationSidebar::conversationActivated);
    f.sidebar.setCurrentConversation(22);
    f.action("renameAction")->trigger();
    QLineEdit* editor = f.list->viewport()->findChild<QLineEdit*>();
    QVERIFY(editor);
    QCOMPARE(editor->text(), QStringLiteral("Tools"));
    editor->setText(QStringLiteral("  Tools   and more "));
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(renamed.count(), 1);
    QCOMPARE(renamed.at(0).at(0).toLongLong(), qint64(22));
    QCOMPARE(renamed.at(0).at(1).toString(), QStringLiteral("Tools and more"));
    QCOMPARE(activated.count(), 0); // Return committed the edit, it did not open the conversation
    QCOMPARE(f.model.index(1).data().toString(), QStringLiteral("Tools")); // the store renames, not the view

    // An empty or unchanged title is no rename.
    f.action("renameAction")->trigger();
    editor = f.list->viewport()->findChild<QLineEdit*>();
    QVERIFY(editor);
    editor->setText(QStringLiteral("   "));
    QTest::keyClick(editor, Qt::Key_Return);
    QTest::qWait(50);
    QCOMPARE(renamed.count(), 1);
}

void TestConversationSidebar::searchIsDebounced() {
    Fixture f;
    QSignalSpy searched(&f.sidebar, &ConversationSidebar::searchRequested);
    QElapsedTimer typed;
    QTest::keyClicks(f.search, QStringLiteral("wha"));
    typed.start();
    QCOMPARE(searched.count(), 0);
    QVERIFY(f.results->isVisible()); // the list switches to the results at once
    QVERIFY(!f.list->isVisible());
    QTest::qWait(ConversationSidebar::kSearchDebounceMs / 4);
    if (typed.elapsed() < ConversationSidebar::kSearchDebounceMs - 20) // (a loaded machine may oversleep)
        QCOMPARE(searched.count(), 0);
    f.search->insert(QStringLiteral(" 鲸歌")); // typing again restarts the wait
    typed.restart();
    QTRY_VERIFY(!searched.isEmpty());
    QVERIFY2(typed.elapsed() >= ConversationSidebar::kSearchDebounceMs - 20,
             qPrintable(QString::number(typed.elapsed())));
    QCOMPARE(searched.last().at(0).toString(), QStringLiteral("wha 鲸歌"));
    QTest::qWait(ConversationSidebar::kSearchDebounceMs * 2);
    const qsizetype emitted = searched.count(); // once, unless the machine overslept the first wait
    QVERIFY(emitted == 1 || emitted == 2);

    f.search->clear(); // cleared: told at once, with empty text
    QCOMPARE(searched.count(), emitted + 1);
    QCOMPARE(searched.last().at(0).toString(), QString());
    QVERIFY(f.list->isVisible());
}

void TestConversationSidebar::searchResultsShownAndActivated() {
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.sidebar));
    f.search->setText(QStringLiteral("鲸歌"));
    f.sidebar.showSearchResults(
        {{11, QStringLiteral("鲸歌 release plan"), 101, QStringLiteral("…about [鲸歌] & <b>…")},
         {33, QString(), 303, QStringLiteral("[鲸歌] again [鲸歌]")}});
    QVERIFY(f.results->isVisible());
    QAbstractItemModel* hits = f.results->model();
    QCOMPARE(hits->rowCount(), 2);
    QCOMPARE(hits->index(0, 0).data().toString(), QStringLiteral("鲸歌 release plan"));
    QCOMPARE(hits->index(1, 0).data().toString(), QStringLiteral("New chat"));
    QCOMPARE(hits->index(0, 0).data(SearchHitDelegate::SnippetRole).toString(),
             QStringLiteral("…about [鲸歌] & <b>…"));
    // The match is shown bold, the rest escaped.
    QCOMPARE(SearchHitDelegate::snippetHtml(QStringLiteral("…about [鲸歌] & <b>…")),
             QStringLiteral("…about <b>鲸歌</b> &amp; &lt;b&gt;…"));
    QCOMPARE(SearchHitDelegate::snippetHtml(QStringLiteral("[a] b [c")), QStringLiteral("<b>a</b> b [c"));
    QCOMPARE(SearchHitDelegate::snippetText(QStringLiteral("[a] b [c")), QStringLiteral("a b [c"));
    QVERIFY(f.results->visualRect(hits->index(1, 0)).height() > f.results->fontMetrics().height() * 2);
    QVERIFY(!f.sidebar.findChild<QLabel*>(QStringLiteral("noResultsLabel"))->isVisible());

    QSignalSpy activated(&f.sidebar, &ConversationSidebar::conversationActivated);
    QSignalSpy hit(&f.sidebar, &ConversationSidebar::searchHitActivated);
    click(f.results, 1);
    QCOMPARE(activated.count(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), qint64(33));
    QCOMPARE(hit.count(), 1);
    QCOMPARE(hit.at(0).at(0).toLongLong(), qint64(33));
    QCOMPARE(hit.at(0).at(1).toLongLong(), qint64(303));

    // Nothing found: said so.
    f.sidebar.showSearchResults({});
    QCOMPARE(hits->rowCount(), 0);
    QVERIFY(f.sidebar.findChild<QLabel*>(QStringLiteral("noResultsLabel"))->isVisible());
}

void TestConversationSidebar::escapeReturnsToTheList() {
    Fixture f;
    QVERIFY(QTest::qWaitForWindowExposed(&f.sidebar));
    QSignalSpy searched(&f.sidebar, &ConversationSidebar::searchRequested);
    f.search->setText(QStringLiteral("plan"));
    f.sidebar.showSearchResults({{11, QStringLiteral("鲸歌 release plan"), 101, QStringLiteral("[plan]")}});
    QVERIFY(f.results->isVisible());
    QTest::keyClick(f.search, Qt::Key_Escape);
    QCOMPARE(f.search->text(), QString());
    QVERIFY(f.list->isVisible());
    QVERIFY(!f.results->isVisible());
    QCOMPARE(searched.count(), 1);
    QCOMPARE(searched.at(0).at(0).toString(), QString());
    // Results that arrive after the search was cleared are dropped.
    f.sidebar.showSearchResults({{11, QStringLiteral("late"), 1, QStringLiteral("[late]")}});
    QVERIFY(f.list->isVisible());
    QCOMPARE(f.results->model()->rowCount(), 0);
}

void TestConversationSidebar::undoBar() {
    Fixture f;
    QWidget* bar = f.sidebar.findChild<QWidget*>(QStringLiteral("undoBar"));
    QLabel* label = f.sidebar.findChild<QLabel*>(QStringLiteral("undoLabel"));
    QPushButton* undo = f.sidebar.findChild<QPushButton*>(QStringLiteral("undoButton"));
    QTimer* timer = f.sidebar.findChild<QTimer*>(QStringLiteral("undoTimer"));
    QVERIFY(bar && label && undo && timer);
    QVERIFY(!bar->isVisible());
    QSignalSpy undone(&f.sidebar, &ConversationSidebar::undoDeleteRequested);

    f.sidebar.showDeleted(22, QStringLiteral("Tools"));
    QVERIFY(bar->isVisible());
    QCOMPARE(label->text(), QStringLiteral("“Tools” deleted"));
    QCOMPARE(undo->text(), QStringLiteral("Undo"));
    QVERIFY(timer->isActive());
    QCOMPARE(timer->interval(), ConversationSidebar::kUndoTimeoutMs);
    QTest::mouseClick(undo, Qt::LeftButton);
    QCOMPARE(undone.count(), 1);
    QCOMPARE(undone.at(0).at(0).toLongLong(), qint64(22));
    QVERIFY(!bar->isVisible());

    // Left alone, it goes away by itself (the 10 s shortened here).
    f.sidebar.showDeleted(33, QString());
    QCOMPARE(label->text(), QStringLiteral("“New chat” deleted"));
    QVERIFY(bar->isVisible());
    timer->start(30);
    QTRY_VERIFY(!bar->isVisible());
    QCOMPARE(undone.count(), 1);
}

void TestConversationSidebar::newChatAndFocusSearch() {
    Fixture f;
    QSignalSpy newChat(&f.sidebar, &ConversationSidebar::newChatRequested);
    QPushButton* button = f.sidebar.findChild<QPushButton*>(QStringLiteral("newChatButton"));
    QVERIFY(button);
    QCOMPARE(button->text(), QStringLiteral("New chat"));
    QTest::mouseClick(button, Qt::LeftButton);
    QCOMPARE(newChat.count(), 1);

    f.search->setText(QStringLiteral("old query"));
    f.list->setFocus();
    f.sidebar.focusSearch();
    QCOMPARE(f.sidebar.focusWidget(), f.search);
    QCOMPARE(f.search->selectedText(), QStringLiteral("old query"));
}

void TestConversationSidebar::languageChangeRetranslates() {
    Fixture f;
    QCOMPARE(f.search->placeholderText(), QStringLiteral("Search conversations (Ctrl+K)"));
    QPushButton* button = f.sidebar.findChild<QPushButton*>(QStringLiteral("newChatButton"));
    QLabel* label = f.sidebar.findChild<QLabel*>(QStringLiteral("undoLabel"));
    f.sidebar.showDeleted(22, QStringLiteral("Tools"));
    f.search->setText(QStringLiteral("x"));
    f.sidebar.showSearchResults({{33, QString(), 303, QStringLiteral("[x]")}});
    QSignalSpy rowsChanged(&f.model, &QAbstractItemModel::dataChanged);

    MarkingTranslator translator;
    QVERIFY(QCoreApplication::installTranslator(&translator)); // sends LanguageChange to every window
    QTRY_COMPARE(f.search->placeholderText(), QStringLiteral("[xx] Search conversations (Ctrl+K)"));
    QCOMPARE(button->text(), QStringLiteral("[xx] New chat"));
    QCOMPARE(label->text(), QStringLiteral("[xx] “%1” deleted").arg(QStringLiteral("Tools")));
    QCOMPARE(f.action("renameAction")->text(), QStringLiteral("[xx] Rename"));
    QCOMPARE(f.results->model()->index(0, 0).data().toString(), QStringLiteral("[xx] New chat"));
    QVERIFY(rowsChanged.count() >= 1); // the untitled row told its views

    QCoreApplication::removeTranslator(&translator);
    QTRY_COMPARE(f.search->placeholderText(), QStringLiteral("Search conversations (Ctrl+K)"));
    QCOMPARE(button->text(), QStringLiteral("New chat"));
}

void TestConversationSidebar::modelDestroyedFirst() {
    ConversationSidebar sidebar;
    auto model = std::make_unique<ConversationListModel>();
    model->setConversations(sample());
    sidebar.setModel(model.get());
    sidebar.setCurrentConversation(22);
    model.reset();
    QCOMPARE(sidebar.model(), nullptr);
    sidebar.setCurrentConversation(11); // nothing to select, nothing dangling
    sidebar.findChild<QAction*>(QStringLiteral("pinAction"))->trigger();
    ConversationListModel other;
    other.setConversations(sample());
    sidebar.setModel(&other);
    QCOMPARE(sidebar.findChild<QListView*>(QStringLiteral("conversationList"))->currentIndex().row(), 0);
}

QTEST_MAIN(TestConversationSidebar)
#include "tst_conversation_sidebar.moc"
