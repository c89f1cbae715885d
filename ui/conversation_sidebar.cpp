// ConversationSidebar: search field, "New chat", the conversation list or search results, context actions and
// the undo bar.
#include "conversation_sidebar.h"

#include "conversation_item_delegate.h"
#include "conversation_list_model.h"
#include "search_hit_delegate.h"

#include <QAction>
#include <QApplication>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPushButton>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QTimer>
#include <QVBoxLayout>

namespace {

constexpr int kUndoTitleWidth = 180; // px of the title in the undo bar before it is elided

QString untitledOr(const QString& title) {
    const QString t = title.simplified();
    return t.isEmpty() ? ConversationListModel::tr("New chat") : t;
}

} // namespace

ConversationSidebar::ConversationSidebar(QWidget* parent) : QWidget(parent) {
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("searchField"));
    m_search->setClearButtonEnabled(true);
    m_search->installEventFilter(this);

    m_newChat = new QPushButton(this);
    m_newChat->setObjectName(QStringLiteral("newChatButton"));

    m_list = new QListView(this);
    m_list->setObjectName(QStringLiteral("conversationList"));
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers); // renaming starts from the Rename action
    m_list->setUniformItemSizes(true);
    m_list->setTextElideMode(Qt::ElideRight);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->installEventFilter(this);
    m_delegate = new ConversationItemDelegate(m_list);
    m_list->setItemDelegate(m_delegate);

    m_results = new QListView(this);
    m_results->setObjectName(QStringLiteral("searchResults"));
    m_results->setSelectionMode(QAbstractItemView::SingleSelection);
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setUniformItemSizes(true);
    m_results->setItemDelegate(new SearchHitDelegate(m_results));
    m_results->installEventFilter(this);
    m_hits = new QStandardItemModel(this);
    m_results->setModel(m_hits);
    m_noResults = new QLabel(this);
    m_noResults->setObjectName(QStringLiteral("noResultsLabel"));
    m_noResults->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    m_noResults->setWordWrap(true);
    m_noResults->setForegroundRole(QPalette::PlaceholderText);
    m_noResults->hide();

    m_resultsPage = new QWidget(this);
    auto* resultsLayout = new QVBoxLayout(m_resultsPage);
    resultsLayout->setContentsMargins(0, 0, 0, 0);
    resultsLayout->addWidget(m_noResults);
    resultsLayout->addWidget(m_results, 1);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_list);
    m_pages->addWidget(m_resultsPage);

    m_undoBar = new QFrame(this);
    m_undoBar->setObjectName(QStringLiteral("undoBar"));
    m_undoBar->setFrameShape(QFrame::StyledPanel);
    m_undoBar->setBackgroundRole(QPalette::ToolTipBase);
    m_undoBar->setForegroundRole(QPalette::ToolTipText);
    m_undoBar->setAutoFillBackground(true);
    m_undoLabel = new QLabel(m_undoBar);
    m_undoLabel->setObjectName(QStringLiteral("undoLabel"));
    m_undoLabel->setForegroundRole(QPalette::ToolTipText);
    m_undoButton = new QPushButton(m_undoBar);
    m_undoButton->setObjectName(QStringLiteral("undoButton"));
    auto* undoLayout = new QHBoxLayout(m_undoBar);
    undoLayout->setContentsMargins(8, 4, 4, 4);
    undoLayout->addWidget(m_undoLabel, 1);
    undoLayout->addWidget(m_undoButton);
    m_undoBar->hide();
    m_undoTimer = new QTimer(this);
    m_undoTimer->setObjectName(QStringLiteral("undoTimer"));
    m_undoTimer->setSingleShot(true);
    m_undoTimer->setInterval(kUndoTimeoutMs);

    m_searchTimer = new QTimer(this);
    m_searchTimer->setObjectName(QStringLiteral("searchTimer"));
    m_searchTimer->setSingleShot(true);
    m_searchTimer->setInterval(kSearchDebounceMs);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_search);
    layout->addWidget(m_newChat);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_undoBar);

    // The context actions; as the list's own actions their shortcuts work while the list has focus.
    m_renameAction = new QAction(this);
    m_renameAction->setObjectName(QStringLiteral("renameAction"));
    m_renameAction->setShortcut(Qt::Key_F2);
    m_pinAction = new QAction(this);
    m_pinAction->setObjectName(QStringLiteral("pinAction"));
    m_deleteAction = new QAction(this);
    m_deleteAction->setObjectName(QStringLiteral("deleteAction"));
    m_deleteAction->setShortcut(QKeySequence::Delete);
    for (QAction* action : {m_renameAction, m_pinAction, m_deleteAction}) {
        action->setShortcutContext(Qt::WidgetShortcut);
        m_list->addAction(action);
    }

    connect(m_newChat, &QPushButton::clicked, this, &ConversationSidebar::newChatRequested);
    connect(m_search, &QLineEdit::textChanged, this, &ConversationSidebar::searchTextChanged);
    connect(m_searchTimer, &QTimer::timeout, this,
            [this] { emit searchRequested(m_search->text().trimmed()); });
    connect(m_list, &QListView::clicked, this, [this](const QModelIndex& index) {
        if (!m_model || !index.isValid())
            return;
        m_currentId = m_model->idAt(index.row());
        emit conversationActivated(m_currentId);
    });
    connect(m_list, &QListView::customContextMenuRequested, this, &ConversationSidebar::showContextMenu);
    connect(m_results, &QListView::clicked, this, &ConversationSidebar::activateHit);
    connect(m_delegate, &ConversationItemDelegate::titleEdited, this, &ConversationSidebar::renameRequested);
    connect(m_renameAction, &QAction::triggered, this, &ConversationSidebar::renameTarget);
    connect(m_pinAction, &QAction::triggered, this, [this] {
        const qint64 id = actionTarget();
        if (const ConversationRecord* c = m_model ? m_model->record(id) : nullptr)
            emit pinRequested(id, !c->pinned);
    });
    connect(m_deleteAction, &QAction::triggered, this, [this] {
        if (const qint64 id = actionTarget())
            emit deleteRequested(id);
    });
    connect(m_undoButton, &QPushButton::clicked, this, [this] {
        m_undoTimer->stop();
        m_undoBar->hide();
        emit undoDeleteRequested(m_undoId);
    });
    connect(m_undoTimer, &QTimer::timeout, m_undoBar, &QWidget::hide);

    retranslateUi();
    updateActions();
}

ConversationSidebar::~ConversationSidebar() = default;

void ConversationSidebar::setModel(ConversationListModel* model) {
    if (m_model)
        disconnect(m_model, nullptr, this, nullptr);
    QItemSelectionModel* oldSelection = m_list->selectionModel();
    m_model = model;
    m_list->setModel(model);
    delete oldSelection; // QAbstractItemView::setModel leaves the old one to its caller
    if (model) {
        // A reset or new rows may bring the current conversation back (selection does not survive a reset).
        connect(model, &QAbstractItemModel::modelReset, this, &ConversationSidebar::restoreCurrent);
        connect(model, &QAbstractItemModel::rowsInserted, this, &ConversationSidebar::restoreCurrent);
        connect(model, &QAbstractItemModel::dataChanged, this, &ConversationSidebar::updateActions);
        connect(model, &QAbstractItemModel::rowsRemoved, this, &ConversationSidebar::updateActions);
    }
    if (QItemSelectionModel* selection = m_list->selectionModel())
        connect(selection, &QItemSelectionModel::currentChanged, this, &ConversationSidebar::updateActions);
    restoreCurrent();
}

void ConversationSidebar::focusSearch() {
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

void ConversationSidebar::setCurrentConversation(qint64 id) {
    m_currentId = id;
    restoreCurrent();
    if (const int row = m_model ? m_model->rowOf(id) : -1; row >= 0)
        m_list->scrollTo(m_model->index(row));
}

void ConversationSidebar::restoreCurrent() {
    QItemSelectionModel* selection = m_list->selectionModel();
    if (!m_model || !selection)
        return;
    const int row = m_model->rowOf(m_currentId);
    if (row < 0) {
        selection->clear();
    } else {
        const QModelIndex index = m_model->index(row);
        if (selection->currentIndex() != index || !selection->isSelected(index))
            selection->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    }
    updateActions();
}

void ConversationSidebar::searchTextChanged(const QString& text) {
    if (text.trimmed().isEmpty()) {
        const bool wasSearching = m_pages->currentWidget() == m_resultsPage;
        m_searchTimer->stop();
        m_hits->clear();
        m_noResults->hide();
        m_pages->setCurrentWidget(m_list);
        if (wasSearching)
            emit searchRequested(QString());
        return;
    }
    m_pages->setCurrentWidget(m_resultsPage);
    m_searchTimer->start(); // restarts: the query goes out once typing pauses
}

void ConversationSidebar::showSearchResults(const std::vector<SearchHit>& hits) {
    if (m_search->text().trimmed().isEmpty())
        return; // late results for a search that was cleared meanwhile
    m_hits->clear();
    for (const SearchHit& hit : hits) {
        auto* item = new QStandardItem(untitledOr(hit.title));
        item->setData(hit.title, SearchHitDelegate::TitleRole);
        item->setData(hit.snippet, SearchHitDelegate::SnippetRole);
        item->setData(hit.conversationId, SearchHitDelegate::ConversationIdRole);
        item->setData(hit.messageId, SearchHitDelegate::MessageIdRole);
        item->setToolTip(SearchHitDelegate::snippetText(hit.snippet));
        item->setEditable(false);
        m_hits->appendRow(item);
    }
    m_noResults->setVisible(hits.empty());
    m_pages->setCurrentWidget(m_resultsPage);
}

void ConversationSidebar::activateHit(const QModelIndex& index) {
    if (!index.isValid())
        return;
    const qint64 conversationId = index.data(SearchHitDelegate::ConversationIdRole).toLongLong();
    const qint64 messageId = index.data(SearchHitDelegate::MessageIdRole).toLongLong();
    m_currentId = conversationId;
    emit conversationActivated(conversationId);
    emit searchHitActivated(conversationId, messageId);
}

void ConversationSidebar::showDeleted(qint64 id, const QString& title) {
    m_undoId = id;
    m_undoTitle = title;
    updateUndoText();
    m_undoBar->show();
    m_undoTimer->start();
}

void ConversationSidebar::updateUndoText() {
    const QString title =
        m_undoLabel->fontMetrics().elidedText(untitledOr(m_undoTitle), Qt::ElideRight, kUndoTitleWidth);
    //: Shown after a conversation was moved to the trash, next to an Undo button. %1: its title.
    m_undoLabel->setText(tr("“%1” deleted").arg(title));
    m_undoLabel->setToolTip(untitledOr(m_undoTitle));
}

qint64 ConversationSidebar::actionTarget() const {
    if (m_menuTargetId)
        return m_menuTargetId;
    const QModelIndex current = m_list->currentIndex();
    return m_model && current.isValid() ? m_model->idAt(current.row()) : 0;
}

void ConversationSidebar::renameTarget() {
    const int row = m_model ? m_model->rowOf(actionTarget()) : -1;
    if (row < 0)
        return;
    const QModelIndex index = m_model->index(row);
    m_pages->setCurrentWidget(m_list);
    m_list->scrollTo(index);
    m_list->edit(index); // the delegate reports the new title (titleEdited → renameRequested)
}

void ConversationSidebar::showContextMenu(const QPoint& pos) {
    const QModelIndex index = m_list->indexAt(pos);
    if (!m_model || !index.isValid())
        return;
    m_menuTargetId = m_model->idAt(index.row());
    updateActions();
    QMenu menu(this);
    menu.addAction(m_renameAction);
    menu.addAction(m_pinAction);
    menu.addSeparator();
    menu.addAction(m_deleteAction);
    menu.exec(m_list->viewport()->mapToGlobal(pos));
    m_menuTargetId = 0;
    updateActions();
}

void ConversationSidebar::updateActions() {
    const qint64 id = actionTarget();
    const ConversationRecord* c = m_model && id ? m_model->record(id) : nullptr;
    for (QAction* action : {m_renameAction, m_pinAction, m_deleteAction})
        action->setEnabled(c != nullptr);
    m_pinAction->setText(c && c->pinned ? tr("Unpin") : tr("Pin"));
}

bool ConversationSidebar::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    const auto* key = static_cast<QKeyEvent*>(event);
    if (watched == m_search) {
        if (key->key() == Qt::Key_Escape && !m_search->text().isEmpty()) {
            m_search->clear(); // back to the list
            return true;
        }
        if (key->key() == Qt::Key_Down) { // into the list shown
            QListView* view = m_pages->currentWidget() == m_list ? m_list : m_results;
            if (view->model() && view->model()->rowCount() > 0) {
                view->setFocus(Qt::TabFocusReason);
                if (!view->currentIndex().isValid())
                    view->setCurrentIndex(view->model()->index(0, 0));
                return true;
            }
        }
    } else if ((watched == m_list || watched == m_results) &&
               (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
               key->modifiers() == Qt::NoModifier) {
        auto* view = static_cast<QListView*>(watched);
        // Not while renaming: the inline editor lets Return through to the view after committing.
        const QWidget* focus = QApplication::focusWidget();
        const bool editing = focus && focus != view && view->isAncestorOf(focus);
        if (!editing && view->currentIndex().isValid()) {
            if (view == m_results) {
                activateHit(view->currentIndex());
            } else if (m_model) {
                m_currentId = m_model->idAt(view->currentIndex().row());
                emit conversationActivated(m_currentId);
            }
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void ConversationSidebar::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void ConversationSidebar::retranslateUi() {
    m_search->setPlaceholderText(tr("Search conversations (Ctrl+K)"));
    m_search->setAccessibleName(tr("Search conversations"));
    m_newChat->setText(tr("New chat"));
    m_list->setAccessibleName(tr("Conversations"));
    m_results->setAccessibleName(tr("Search results"));
    m_noResults->setText(tr("No messages match."));
    m_renameAction->setText(tr("Rename"));
    m_deleteAction->setText(tr("Delete"));
    m_undoButton->setText(tr("Undo"));
    updateActions();
    updateUndoText();
    if (m_model)
        m_model->retranslate();                        // untitled rows read "New chat" in the new language
    for (int row = 0; row < m_hits->rowCount(); ++row) // and so do untitled search hits
        if (QStandardItem* item = m_hits->item(row))
            item->setText(untitledOr(item->data(SearchHitDelegate::TitleRole).toString()));
}
