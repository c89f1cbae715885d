// ThinkingSection: a model's reasoning (R1-style <think>) in a collapsible section, collapsed by default,
// whose header says "Thinking…" while it streams and "Thought for 3.2 s" when done.
#pragma once

#include <QWidget>
#include <optional>

class MessageBody;
class QToolButton;

class ThinkingSection : public QWidget {
    Q_OBJECT

  public:
    explicit ThinkingSection(QWidget* parent = nullptr);

    void setText(const QString& reasoning);
    void appendText(const QString& delta);
    QString text() const { return m_text; }
    /// `thinking`: the model is still reasoning; `reasoningMs`: how long it thought, when known.
    void setState(bool thinking, std::optional<double> reasoningMs);

    bool isExpanded() const { return m_expanded; }
    void setExpanded(bool expanded);
    QString headerText() const;
    QToolButton* toggleButton() const { return m_toggle; }
    /// The rendered reasoning; rendered only while expanded (collapsed, the text is only kept).
    MessageBody* body() const { return m_body; }

  protected:
    void changeEvent(QEvent* e) override;

  private:
    void retranslateUi();

    QString m_text;
    bool m_thinking = false;
    std::optional<double> m_reasoningMs;
    bool m_expanded = false;
    bool m_bodyStale = false; ///< m_text changed while collapsed
    QToolButton* m_toggle;
    MessageBody* m_body;
};
