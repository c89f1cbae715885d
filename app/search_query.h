// SearchQuery: a search box's text split into terms, the pieces of SQL/FTS5 input made from them, and
// snippets.
#pragma once

#include <QString>
#include <QStringList>

/// Terms are separated by whitespace and all must occur (case-insensitively for ASCII). They are sorted by
/// how they can be found: 3+ characters through FTS5 trigram phrases, 2 characters (a Chinese word such as
/// 鲸歌, or "AI") through the trigrams that start with them, 1 character by scanning with LIKE.
class SearchQuery {
  public:
    explicit SearchQuery(const QString& query);

    bool isEmpty() const { return m_terms.isEmpty(); }
    const QStringList& terms() const { return m_terms; }
    const QStringList& longTerms() const { return m_long; }  ///< 3 or more characters
    const QStringList& pairTerms() const { return m_pairs; } ///< exactly 2 characters, lower-cased like FTS5
    const QStringList& singleTerms() const { return m_singles; } ///< 1 character

    /// An FTS5 string literal ("…", quotes doubled): the text is matched as is, never parsed as query syntax.
    static QString ftsPhrase(const QString& text);
    /// A LIKE pattern finding `term` anywhere (with ESCAPE '\'); LIKE ignores ASCII case.
    static QString likePattern(const QString& term);
    /// Characters (code points, so an emoji counts once), as the trigram tokenizer counts them.
    static qsizetype characterCount(const QString& text);

    /// About `width` characters of `content` around the first match (of `reasoning` when only it matches),
    /// each match in [brackets], "…" where text was cut, line breaks as spaces.
    QString snippet(const QString& content, const QString& reasoning, int width = 60) const;

  private:
    /// Where the earliest match of any term starts in `text` (-1: none), and its length.
    qsizetype firstMatch(const QString& text, qsizetype* length) const;

    QStringList m_terms;
    QStringList m_long;
    QStringList m_pairs;
    QStringList m_singles;
};
