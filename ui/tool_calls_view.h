// ToolCallsView: the tool calls of an answer, one block each — "Calls tool NAME" over its arguments as formatted
// JSON (in the order the model wrote them), instead of the model's raw call tokens.
#pragma once

#include <QJsonArray>
#include <QString>
#include <QWidget>

#include <vector>

class CodeBlockView;
class QLabel;

class ToolCallsView : public QWidget {
    Q_OBJECT

  public:
    explicit ToolCallsView(QWidget* parent = nullptr);

    /// Shows `calls` (OpenAI's form: [{"id", "type", "function": {"name", "arguments"}}]); blocks whose call did
    /// not change are kept as they are. Hidden when there are none.
    void setCalls(const QJsonArray& calls);
    const QJsonArray& calls() const { return m_calls; }

    int count() const { return static_cast<int>(m_blocks.size()); }
    QString title(int i) const;
    CodeBlockView* arguments(int i) const { return m_blocks.at(static_cast<size_t>(i)).arguments; }
    /// What the blocks show, as text: each call's title and its arguments.
    QString renderedText() const;

  protected:
    void changeEvent(QEvent* e) override;

  private:
    struct Block {
        QWidget* frame = nullptr;
        QLabel* title = nullptr;
        CodeBlockView* arguments = nullptr;
    };
    void retranslateUi();
    void render(size_t i);

    QJsonArray m_calls;
    std::vector<Block> m_blocks;
};
