// ConversationSidebar: the left column — search field, "New chat", the list of conversations (or, while
// searching, the search results), a context menu (rename, pin, delete) and the undo bar after a delete.
#pragma once

#include "conversation_list_model.h"
#include "conversation_store.h"

#include <QPointer>
#include <QWidget>
#include <vector>

class ConversationItemDelegate;
class QAction;
class QEvent;
class QFrame;
class QLabel;
class QLineEdit;
class QListView;
class QModelIndex;
class QPoint;
class QPushButton;
class QStackedWidget;
class QStandardItemModel;
class QTimer;

/// Shows; decides nothing. Every user action is a signal; the main window applies it to the store and gives
/// the outcome back (setModel's list, showSearchResults, showDeleted, setCurrentConversation).
class ConversationSidebar : public QWidget {
    Q_OBJECT

  public:
    static constexpr int kSearchDebounceMs = 200;
    static constexpr int kUndoTimeoutMs = 10000;

    explicit ConversationSidebar(QWidget* parent = nullptr);
    ~ConversationSidebar() override;

    /// The list shown (not owned; may be nullptr). The current conversation stays selected across updates.
    void setModel(ConversationListModel* model);
    ConversationListModel* model() const { return m_model; }

  public slots:
    /// Focuses the search field and selects its text (the main window binds Ctrl+K to it).
    void focusSearch();
    /// Selects the conversation's row (none when `id` is not in the list); emits nothing.
    void setCurrentConversation(qint64 id);
    /// Shows search results for the current search text (ignored once the field was cleared).
    void showSearchResults(const std::vector<SearchHit>& hits);
    /// Shows the undo bar ("“Title” deleted — Undo") for kUndoTimeoutMs.
    void showDeleted(qint64 id, const QString& title);

  signals:
    void newChatRequested();
    /// A click (or Enter) on a conversation or on a search hit.
    void conversationActivated(qint64 id);
    /// A click on a search hit, after conversationActivated(conversationId).
    void searchHitActivated(qint64 conversationId, qint64 messageId);
    void renameRequested(qint64 id, const QString& title);
    void pinRequested(qint64 id, bool pinned);
    void deleteRequested(qint64 id);
    void undoDeleteRequested(qint64 id);
    /// The search text, trimmed, kSearchDebounceMs after typing stops; empty (at once) when cleared.
    void searchRequested(const QString& query);

  protected:
    void changeEvent(QEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void retranslateUi();
    void updateActions();
    void updateUndoText();
    void searchTextChanged(const QString& text);
    void restoreCurrent();
    void showContextMenu(const QPoint& pos);
    /// The conversation the context actions act on: the right-clicked one while its menu is open, else the
    /// current row's; 0 when none.
    qint64 actionTarget() const;
    void renameTarget();
    void activateHit(const QModelIndex& index);

    QPointer<ConversationListModel> m_model; ///< not owned
    qint64 m_currentId = 0;
    qint64 m_menuTargetId = 0;

    QLineEdit* m_search = nullptr;
    QPushButton* m_newChat = nullptr;
    QStackedWidget* m_pages = nullptr;
    QListView* m_list = nullptr;
    ConversationItemDelegate* m_delegate = nullptr;
    QWidget* m_resultsPage = nullptr;
    QListView* m_results = nullptr;
    QStandardItemModel* m_hits = nullptr;
    QLabel* m_noResults = nullptr;
    QTimer* m_searchTimer = nullptr;

    QAction* m_renameAction = nullptr;
    QAction* m_pinAction = nullptr;
    QAction* m_deleteAction = nullptr;

    QFrame* m_undoBar = nullptr;
    QLabel* m_undoLabel = nullptr;
    QPushButton* m_undoButton = nullptr;
    QTimer* m_undoTimer = nullptr;
    qint64 m_undoId = 0;
    QString m_undoTitle;
};
