// SearchQuery: term splitting, FTS5 and LIKE quoting, and the [bracketed] snippet around a match.
#include "search_query.h"

#include <QRegularExpression>
#include <algorithm>
#include <utility>

SearchQuery::SearchQuery(const QString& query) {
    static const QRegularExpression kSpace(QStringLiteral("\\s+"));
    m_terms = query.split(kSpace, Qt::SkipEmptyParts);
    m_terms.removeDuplicates();
    for (const QString& term : std::as_const(m_terms)) {
        const qsizetype n = characterCount(term);
        if (n >= 3)
            m_long << term;
        else if (n == 2)
            m_pairs << term.toLower();
        else
            m_singles << term;
    }
}

qsizetype SearchQuery::characterCount(const QString& text) {
    qsizetype n = 0;
    for (qsizetype i = 0; i < text.size(); ++i)
        if (!text.at(i).isLowSurrogate() || i == 0 || !text.at(i - 1).isHighSurrogate())
            ++n;
    return n;
}

QString SearchQuery::ftsPhrase(const QString& text) {
    QString quoted = text;
    quoted.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

QString SearchQuery::likePattern(const QString& term) {
    QString escaped;
    for (const QChar c : term) {
        if (c == QLatin1Char('\\') || c == QLatin1Char('%') || c == QLatin1Char('_'))
            escaped += QLatin1Char('\\');
        escaped += c;
    }
    return QLatin1Char('%') + escaped + QLatin1Char('%');
}

qsizetype SearchQuery::firstMatch(const QString& text, qsizetype* length) const {
    qsizetype best = -1;
    for (const QString& term : m_terms) {
        const qsizetype at = text.indexOf(term, 0, Qt::CaseInsensitive);
        if (at >= 0 && (best < 0 || at < best || (at == best && term.size() > *length))) {
            best = at;
            *length = term.size();
        }
    }
    return best;
}

QString SearchQuery::snippet(const QString& content, const QString& reasoning, int width) const {
    qsizetype length = 0;
    const QString* text = &content;
    qsizetype at = firstMatch(content, &length);
    if (at < 0) {
        at = firstMatch(reasoning, &length);
        if (at >= 0)
            text = &reasoning;
    }
    if (at < 0) { // cannot happen for a real hit; show the start of the message
        at = 0;
        length = 0;
    }

    // The match a third of the way in: some context before it, more after it.
    const qsizetype size = text->size();
    qsizetype start = std::max<qsizetype>(0, at - std::max<qsizetype>(0, (width - length) / 3));
    qsizetype end = std::min(size, std::max(start + width, at + length));
    if (end - start < width)
        start = std::max<qsizetype>(0, end - width);
    // Never cut a surrogate pair in half.
    if (start > 0 && text->at(start).isLowSurrogate())
        --start;
    if (end < size && text->at(end).isLowSurrogate())
        ++end;

    QString out;
    if (start > 0)
        out += QChar(0x2026);
    for (qsizetype i = start; i < end;) {
        qsizetype matched = 0;
        for (const QString& term : m_terms) {
            if (term.size() > matched && i + term.size() <= end &&
                QStringView(*text).mid(i, term.size()).compare(term, Qt::CaseInsensitive) == 0)
                matched = term.size();
        }
        if (matched > 0) {
            out += QLatin1Char('[') + text->mid(i, matched) + QLatin1Char(']');
            i += matched;
            continue;
        }
        const QChar c = text->at(i);
        out += (c == QLatin1Char('\n') || c == QLatin1Char('\r') || c == QLatin1Char('\t')) ? QLatin1Char(' ')
                                                                                            : c;
        ++i;
    }
    if (end < size)
        out += QChar(0x2026);
    return out;
}
