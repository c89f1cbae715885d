// markdownBlocks: splits a chat message's Markdown into blocks rendered separately — prose (Markdown), fenced
// code and display math — so that streaming re-renders only the last block. Pure logic, no widgets.
#pragma once

#include <QString>
#include <QStringView>
#include <vector>

struct MarkdownBlock {
    enum class Kind { Markdown, Code, Math };
    Kind kind = Kind::Markdown;
    /// Markdown: the source, inline math protected (see protectInlineMath). Code: the code, fences and the
    /// fence's indentation removed. Math: the LaTeX source lines, delimiters included, indentation removed.
    QString text;
    QString language;    ///< Code: the first word of the fence's info string ("python"), may be empty
    bool closed = true;  ///< false for a code fence or display math not yet terminated (while streaming)
    int indent = 0;      ///< Code, Math: columns of indentation (inside a list item), removed from `text`
    qsizetype start = 0; ///< offset in the message text where the block begins

    /// Same rendering (the offset aside).
    bool sameContent(const MarkdownBlock& o) const {
        return kind == o.kind && closed == o.closed && indent == o.indent && language == o.language &&
               text == o.text;
    }
};

/// Splits `text` from offset `from` (which must be the start of a block, or 0) into blocks:
/// - fenced code (``` or ~~~, with a language; unterminated while streaming), also inside list items;
/// - display math, a line starting with `$$` or `\[` up to the line ending with `$$` or `\]`;
/// - Markdown, split at blank lines followed by an unindented line (a list with blank lines between its items
///   and indented continuation paragraphs stays one block, so Qt numbers it right).
/// A block's extent depends only on the text up to the line after it, so a streaming message needs to be
/// re-split only from the start of its second-to-last block.
std::vector<MarkdownBlock> splitMarkdownBlocks(QStringView text, qsizetype from = 0);

/// The number of the first ordered list item in `markdown` ("3. …" → 3), or 1 when there is none. A list cut
/// by a code block continues in the next block with its own start, which Qt 6.4 cannot show by itself.
int orderedListStart(QStringView markdown);

/// Protects LaTeX in Markdown prose from being mangled (backslash escapes, `*` and `_` as emphasis): inline
/// `$…$` (pandoc's rule: no space inside the dollars, no digit right after the closing one), `$$…$$`, `\(…\)`
/// and `\[…\]` become inline code; display math spread over lines inside a list becomes a fenced block. Code
/// spans and fenced code are left alone; `\$` stays a literal dollar.
QString protectInlineMath(QStringView markdown);
