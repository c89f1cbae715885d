// ToolCallCollector: an answer's tool calls as they stream in — OpenAI's delta.tool_calls from an endpoint, or
// DeepSeek-V3's call text inside the content (the local model; a server without a tool-call parser) — gathered
// into the stored form [{"id", "type": "function", "function": {"name", "arguments"}}]; and the arguments laid out
// for reading.
#pragma once

#include <QJsonArray>
#include <QString>
#include <QStringView>

#include <utility>

#include "whalesong/tool_call_parser.h"

/// `json` laid out one member per line, indented by 2, keys in their written order; strings kept byte for byte.
/// Text that is not one JSON object or array (arguments still streaming, or garbled) comes back unchanged.
QString formatJsonText(QStringView json);

/// One per answer stream; not thread-safe.
class ToolCallCollector {
  public:
    /// Content text as it arrives: returns what is content, the call text taken out (text that may be the
    /// start of a call is held back until it is decided).
    QString pushContent(const QString& text);
    /// The end of the answer: the text still held back (a cut-off call's start, garbled call text).
    QString flush();
    /// One chunk's delta.tool_calls: the first delta of a call has its id and name, later ones more arguments.
    void pushDeltas(const QJsonArray& deltas);

    const QJsonArray& calls() const { return m_calls; }
    /// Whether calls() changed since the last call of this.
    bool takeChanged() { return std::exchange(m_changed, false); }

    /// A stored content that still holds call text (answers saved before tool calls were kept apart, imports):
    /// the content without it, and the calls.
    static std::pair<QString, QJsonArray> split(const QString& content);

  private:
    QString apply(const ws::ToolCallParser::Out& out);
    void add(int index, const QString& id, const QString& name, const QString& arguments);

    ws::ToolCallParser m_parser;
    QJsonArray m_calls;
    bool m_changed = false;
};
