// markdownBlocks: prose / fenced code / display math blocks of a chat message (see markdown_blocks.h).
#include "markdown_blocks.h"

#include <optional>

namespace {

/// One line of the text, without its '\n'.
struct Line {
    QStringView text;
    qsizetype start = 0;
    bool terminated = false; ///< followed by '\n' (the last line of a streaming text may be partial)
};

/// Columns of leading whitespace (a tab to the next multiple of 4).
int indentOf(QStringView line) {
    int col = 0;
    for (const QChar c : line) {
        if (c == u' ')
            ++col;
        else if (c == u'\t')
            col = (col / 4 + 1) * 4;
        else
            break;
    }
    return col;
}

qsizetype leadingSpaceChars(QStringView line) {
    qsizetype i = 0;
    while (i < line.size() && (line[i] == u' ' || line[i] == u'\t'))
        ++i;
    return i;
}

/// `line` without up to `columns` columns of leading whitespace.
QStringView stripIndent(QStringView line, int columns) {
    qsizetype i = 0;
    int col = 0;
    while (i < line.size() && col < columns && (line[i] == u' ' || line[i] == u'\t')) {
        col = line[i] == u'\t' ? (col / 4 + 1) * 4 : col + 1;
        ++i;
    }
    return line.mid(i);
}

struct Fence {
    QChar ch;
    qsizetype count = 0;
    int indent = 0;
    QString info;
};

std::optional<Fence> openingFence(QStringView line) {
    const qsizetype i = leadingSpaceChars(line);
    if (i >= line.size() || (line[i] != u'`' && line[i] != u'~'))
        return std::nullopt;
    qsizetype j = i;
    while (j < line.size() && line[j] == line[i])
        ++j;
    if (j - i < 3)
        return std::nullopt;
    const QStringView info = line.mid(j).trimmed();
    if (line[i] == u'`' && info.contains(u'`'))
        return std::nullopt;
    return Fence{line[i], j - i, indentOf(line), info.toString()};
}

bool closesFence(QStringView line, const Fence& f) {
    const QStringView t = line.trimmed();
    if (t.size() < f.count)
        return false;
    for (const QChar c : t)
        if (c != f.ch)
            return false;
    return true;
}

bool isListMarker(QStringView line) {
    const QStringView t = line.mid(leadingSpaceChars(line));
    if (t.isEmpty())
        return false;
    auto spaceOrEnd = [&](qsizetype k) { return k >= t.size() || t[k] == u' ' || t[k] == u'\t'; };
    if (t[0] == u'-' || t[0] == u'*' || t[0] == u'+')
        return spaceOrEnd(1);
    qsizetype k = 0;
    while (k < t.size() && k < 9 && t[k].isDigit())
        ++k;
    return k > 0 && k < t.size() && (t[k] == u'.' || t[k] == u')') && spaceOrEnd(k + 1);
}

enum class MathLine { None, Single, Opens };

/// Whether `line` is display math on its own (`$$x$$`), opens display math continued on later lines (`$$`,
/// `\[ x +`), or neither (prose that merely contains dollars). `close` receives the closing delimiter.
MathLine mathOpener(QStringView line, QString* close) {
    const QStringView t = line.trimmed();
    QString open;
    if (t.startsWith(u"$$")) {
        open = QStringLiteral("$$");
        *close = QStringLiteral("$$");
    } else if (t.startsWith(u"\\[")) {
        open = QStringLiteral("\\[");
        *close = QStringLiteral("\\]");
    } else {
        return MathLine::None;
    }
    const QStringView rest = t.mid(open.size());
    const qsizetype pos = rest.indexOf(*close);
    if (pos < 0)
        return MathLine::Opens;
    return pos == rest.size() - close->size() ? MathLine::Single : MathLine::None;
}

std::vector<Line> linesOf(QStringView text, qsizetype from) {
    std::vector<Line> lines;
    qsizetype pos = from;
    while (pos < text.size()) {
        const qsizetype nl = text.indexOf(u'\n', pos);
        const qsizetype end = nl < 0 ? text.size() : nl;
        lines.push_back({text.mid(pos, end - pos), pos, nl >= 0});
        pos = end + 1;
    }
    return lines;
}

/// A fenced span of backticks long enough not to clash with `s`; pipes escaped inside table rows.
QString inlineCode(QStringView s, bool tableRow) {
    qsizetype longest = 0;
    for (qsizetype i = 0; i < s.size();) {
        qsizetype j = i;
        while (j < s.size() && s[j] == u'`')
            ++j;
        longest = std::max(longest, j - i);
        i = j == i ? i + 1 : j;
    }
    const QString ticks(longest + 1, u'`');
    const bool pad = s.startsWith(u'`') || s.endsWith(u'`');
    QString body = s.toString();
    if (tableRow)
        body.replace(u'|', QStringLiteral("\\|"));
    const QString space = pad ? QStringLiteral(" ") : QString();
    return ticks + space + body + space + ticks;
}

QString protectLine(QStringView line) {
    const bool tableRow = line.trimmed().startsWith(u'|');
    QString r;
    r.reserve(line.size() + 8);
    const qsizetype n = line.size();
    qsizetype i = 0;
    while (i < n) {
        const QChar c = line[i];
        if (c == u'`') { // a code span: copied untouched up to its closing run of the same length
            qsizetype run = i;
            while (run < n && line[run] == u'`')
                ++run;
            const qsizetype len = run - i;
            qsizetype j = run;
            qsizetype closeAt = -1;
            while (j < n) {
                if (line[j] != u'`') {
                    ++j;
                    continue;
                }
                qsizetype k = j;
                while (k < n && line[k] == u'`')
                    ++k;
                if (k - j == len) {
                    closeAt = k;
                    break;
                }
                j = k;
            }
            const qsizetype end = closeAt < 0 ? run : closeAt;
            r += line.mid(i, end - i);
            i = end;
        } else if (c == u'\\' && i + 1 < n) {
            const QChar d = line[i + 1];
            if (d == u'(' || d == u'[') {
                const qsizetype j = line.indexOf(d == u'(' ? u"\\)" : u"\\]", i + 2);
                if (j >= 0) {
                    r += inlineCode(line.mid(i, j + 2 - i), tableRow);
                    i = j + 2;
                    continue;
                }
            }
            r += line.mid(i, 2); // an escape (`\$` included) stays as written
            i += 2;
        } else if (c == u'$' && i + 1 < n && line[i + 1] == u'$') {
            const qsizetype j = line.indexOf(u"$$", i + 2);
            if (j > i + 2) {
                r += inlineCode(line.mid(i, j + 2 - i), tableRow);
                i = j + 2;
            } else {
                r += QStringLiteral("$$");
                i += 2;
            }
        } else if (c == u'$' && i + 1 < n && !line[i + 1].isSpace()) {
            qsizetype close = -1;
            for (qsizetype j = i + 1; j < n; ++j) {
                if (line[j] == u'\\') {
                    ++j;
                } else if (line[j] == u'$' && j > i + 1 && !line[j - 1].isSpace() &&
                           !(j + 1 < n && line[j + 1].isDigit())) {
                    close = j;
                    break;
                }
            }
            if (close < 0) {
                r += c;
                ++i;
            } else {
                r += inlineCode(line.mid(i, close + 1 - i), tableRow);
                i = close + 1;
            }
        } else {
            r += c;
            ++i;
        }
    }
    return r;
}

class Splitter {
  public:
    std::vector<MarkdownBlock> run(QStringView text, qsizetype from) {
        for (const Line& line : linesOf(text, from))
            take(line);
        finish(true);
        return std::move(m_out);
    }

  private:
    enum class State { None, Markdown, Code, Math };

    void take(const Line& line) {
        switch (m_state) {
        case State::Code:
            if (closesFence(line.text, *m_fence)) {
                finish(false);
            } else {
                m_lines.push_back(stripIndent(line.text, m_fence->indent));
                m_lastTerminated = line.terminated;
            }
            return;
        case State::Math:
            m_lines.push_back(stripIndent(line.text, m_current.indent));
            if (line.text.contains(m_mathClose))
                finish(false);
            return;
        case State::None:
        case State::Markdown:
            takeProse(line);
            return;
        }
    }

    void takeProse(const Line& line) {
        if (line.text.trimmed().isEmpty()) {
            if (m_state == State::Markdown) {
                m_lines.push_back(line.text);
                m_blankPending = true;
            }
            return;
        }
        const int indent = indentOf(line.text);
        // Code and display math become blocks of their own wherever they are, in a list item too (indented):
        // Qt 6.4's Markdown importer numbers each line of a code block inside a list as a list item.
        if (auto fence = openingFence(line.text)) {
            finish(false);
            begin(State::Code, line.start);
            m_current.language = fence->info.section(u' ', 0, 0, QString::SectionSkipEmpty);
            m_current.indent = fence->indent;
            m_fence = fence;
            return;
        }
        QString close;
        const MathLine math = mathOpener(line.text, &close);
        if (math != MathLine::None) {
            finish(false);
            begin(State::Math, line.start);
            m_current.indent = indent;
            m_lines.push_back(stripIndent(line.text, indent));
            m_mathClose = close;
            if (math == MathLine::Single)
                finish(false);
            return;
        }
        const bool listItem = indent <= 3 && isListMarker(line.text);
        if (m_state == State::Markdown && m_blankPending && indent == 0 && !(m_hasList && listItem))
            finish(false);
        if (m_state == State::None)
            begin(State::Markdown, line.start);
        m_blankPending = false;
        m_hasList = m_hasList || listItem;
        m_lines.push_back(line.text);
    }

    void begin(State s, qsizetype start) {
        m_state = s;
        m_current = MarkdownBlock{};
        m_current.start = start;
        m_lines.clear();
        m_blankPending = false;
        m_hasList = false;
        m_fence.reset();
        m_lastTerminated = true;
    }

    /// Ends the current block; `atEnd`: the text ended inside it (code or math still open).
    void finish(bool atEnd) {
        if (m_state == State::None)
            return;
        switch (m_state) {
        case State::Markdown: {
            while (!m_lines.empty() && m_lines.back().trimmed().isEmpty())
                m_lines.pop_back();
            m_current.kind = MarkdownBlock::Kind::Markdown;
            m_current.text = protectInlineMath(join());
            break;
        }
        case State::Code:
            // A partial closing fence still arriving ("``") is not shown as code.
            if (atEnd && !m_lastTerminated && !m_lines.empty() && !m_lines.back().isEmpty() &&
                closesFence(m_lines.back(), Fence{m_fence->ch, 1, 0, {}}))
                m_lines.pop_back();
            m_current.kind = MarkdownBlock::Kind::Code;
            m_current.text = join();
            m_current.closed = !atEnd;
            break;
        case State::Math:
            m_current.kind = MarkdownBlock::Kind::Math;
            m_current.text = join();
            m_current.closed = !atEnd;
            break;
        case State::None:
            break;
        }
        m_out.push_back(std::move(m_current));
        m_state = State::None;
        m_fence.reset();
    }

    QString join() const {
        QString s;
        for (size_t i = 0; i < m_lines.size(); ++i) {
            if (i > 0)
                s += u'\n';
            s += m_lines[i];
        }
        return s;
    }

    State m_state = State::None;
    MarkdownBlock m_current;
    std::vector<QStringView> m_lines;
    bool m_blankPending = false;
    bool m_hasList = false;
    bool m_lastTerminated = true;
    std::optional<Fence> m_fence; ///< the open code fence (Code)
    QString m_mathClose;
    std::vector<MarkdownBlock> m_out;
};

} // namespace

int orderedListStart(QStringView markdown) {
    for (const Line& line : linesOf(markdown, 0)) {
        if (indentOf(line.text) > 3 || !isListMarker(line.text))
            continue;
        const QStringView t = line.text.mid(leadingSpaceChars(line.text));
        qsizetype k = 0;
        while (k < t.size() && t[k].isDigit())
            ++k;
        if (k > 0)
            return t.left(k).toInt();
    }
    return 1;
}

std::vector<MarkdownBlock> splitMarkdownBlocks(QStringView text, qsizetype from) {
    return Splitter().run(text, from);
}

QString protectInlineMath(QStringView markdown) {
    QString out;
    out.reserve(markdown.size() + 16);
    std::optional<Fence> fence;
    QString mathClose; ///< set while inside display math spread over lines (rendered as a fenced block)
    QString mathIndent;
    for (const Line& line : linesOf(markdown, 0)) {
        if (fence) {
            out += line.text;
            if (closesFence(line.text, *fence))
                fence.reset();
        } else if (!mathClose.isEmpty()) {
            out += line.text;
            if (line.text.contains(mathClose)) {
                out += u'\n' + mathIndent + QStringLiteral("```");
                mathClose.clear();
            }
        } else if (auto f = openingFence(line.text)) {
            fence = f;
            out += line.text;
        } else if (QString close; mathOpener(line.text, &close) == MathLine::Opens) {
            mathIndent = line.text.left(leadingSpaceChars(line.text)).toString();
            out += mathIndent + QStringLiteral("```\n");
            out += line.text;
            mathClose = close;
        } else {
            out += protectLine(line.text);
        }
        if (line.terminated)
            out += u'\n';
    }
    return out;
}
