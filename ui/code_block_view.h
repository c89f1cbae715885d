// CodeBlockView: a fenced code block (or display math, shown as LaTeX source) — a header with the language
// and a Copy button over the code in a fixed-width font.
#pragma once

#include <QWidget>

class QLabel;
class QToolButton;
class TextBlockView;

class CodeBlockView : public QWidget {
    Q_OBJECT

  public:
    enum class Kind { Code, Math };
    explicit CodeBlockView(QWidget* parent = nullptr);

    /// Shows `code`; `language` is the fence's info word (may be empty). Math shows "LaTeX" as the language.
    void setCode(const QString& code, const QString& language, Kind kind = Kind::Code);
    QString code() const { return m_code; }
    /// Puts the code on the system clipboard (what the Copy button does).
    void copyToClipboard();

    TextBlockView* textView() const { return m_view; }
    QToolButton* copyButton() const { return m_copy; }
    QString languageText() const;
    /// Moves the box right by `pixels` (a code block inside a list item sits under the item's text).
    void setIndent(int pixels);
    int indent() const { return m_indent; }

  protected:
    void changeEvent(QEvent* e) override;
    void paintEvent(QPaintEvent* e) override;

  private:
    void retranslateUi();

    QString m_code;
    QString m_language;
    Kind m_kind = Kind::Code;
    int m_indent = 0;
    bool m_copied = false; ///< "Copied" shown on the button for a moment after a copy
    QLabel* m_languageLabel;
    QToolButton* m_copy;
    TextBlockView* m_view;
};
