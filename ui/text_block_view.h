// TextBlockView: one block of a message — Markdown prose or verbatim code — in a read-only QTextBrowser that
// is exactly as tall as its content (no inner vertical scroll bar), so a chat message reads as one flow.
#pragma once

#include <QTextBrowser>
#include <array>

class TextBlockView : public QTextBrowser {
    Q_OBJECT

  public:
    explicit TextBlockView(QWidget* parent = nullptr);

    /// Renders `markdown` (GitHub dialect: lists, tables, links opened in the system browser); wraps to the
    /// width.
    void showMarkdown(const QString& markdown);
    /// Shows `text` as typed (no Markdown), wrapped to the width: a user's question.
    void showPlainText(const QString& text);
    /// Shows `code` verbatim in the system's fixed-width font, unwrapped: a horizontal scroll bar when too
    /// wide.
    void showCode(const QString& code);
    bool isCode() const { return m_code; }

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

  protected:
    void resizeEvent(QResizeEvent* e) override;
    void changeEvent(QEvent* e) override;

  private:
    void invalidateHeight();
    void numberFirstOrderedList(int start);
    void setCodeMode(bool code);

    bool m_code = false;
    struct HeightForWidth {
        int width = -1;
        int height = 0;
    };
    /// heightForWidth's last answers since the content changed: a QScrollArea asks for two widths (with and
    /// without its scroll bar) on every layout pass, and each new question costs a layout of the text.
    mutable std::array<HeightForWidth, 2> m_hfw;
    mutable size_t m_hfwNext = 0;
};
