// MessageBody: the rendered text of one message (or of its thinking) as a column of blocks — Markdown prose,
// code, display math — where an update re-renders only the blocks whose text changed.
#pragma once

#include "markdown_blocks.h"

#include <QWidget>
#include <vector>

class QVBoxLayout;

class MessageBody : public QWidget {
    Q_OBJECT

  public:
    explicit MessageBody(QWidget* parent = nullptr);

    /// Plain: the text is shown as typed, one block, no Markdown (a user's question). Set before any text.
    void setPlain(bool plain) { m_plain = plain; }
    /// Shows `markdown`; blocks identical to the ones shown are kept as they are.
    void setText(const QString& markdown);
    /// Streaming: appends `delta`, re-splitting only from the second-to-last block (the only ones that can
    /// change) and re-rendering only the blocks that did change — in practice the last one.
    void appendText(const QString& delta);
    const QString& text() const { return m_text; }

    /// The text as shown: each block's plain text, blocks separated by a blank line.
    QString renderedText() const;
    /// How many times a block was rendered (created or re-rendered) since construction.
    int renderCount() const { return m_renderCount; }
    int blockCount() const { return static_cast<int>(m_widgets.size()); }
    QWidget* blockWidget(int i) const { return m_widgets.at(static_cast<size_t>(i)); }

  private:
    /// Replaces the blocks from index `from` on with `tail`.
    void applyBlocks(std::vector<MarkdownBlock> tail, size_t from);
    QWidget* createBlockWidget(const MarkdownBlock& b);
    void renderInto(QWidget* w, const MarkdownBlock& b);
    std::vector<MarkdownBlock> split(qsizetype from) const;

    QString m_text;
    std::vector<MarkdownBlock> m_blocks;
    std::vector<QWidget*> m_widgets; ///< one per block, in m_blocks order
    QVBoxLayout* m_layout;
    int m_renderCount = 0;
    bool m_plain = false;
};
