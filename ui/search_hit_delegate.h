// SearchHitDelegate: one search result in the conversation sidebar — the conversation's title, and under it
// the snippet with every match in bold.
#pragma once

#include <QStyledItemDelegate>

/// Reads Qt::DisplayRole (the title) and SnippetRole (ConversationStore::search's snippet: matches in
/// [brackets]).
class SearchHitDelegate : public QStyledItemDelegate {
    Q_OBJECT

  public:
    enum Role {
        SnippetRole = Qt::UserRole + 1, ///< QString, matches in [brackets]
        ConversationIdRole,             ///< qint64
        MessageIdRole,                  ///< qint64
        TitleRole,                      ///< QString, the stored title (may be empty; Qt::DisplayRole shows)
    };

    explicit SearchHitDelegate(QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

    /// The snippet as HTML: text escaped, each [match] as <b>match</b> (a lone bracket stays as it is).
    static QString snippetHtml(const QString& snippet);
    /// The snippet as plain text, brackets removed (for tool tips and accessibility).
    static QString snippetText(const QString& snippet);

  private:
    static constexpr int kSnippetLines = 2;
    static constexpr int kMargin = 4;
};
