// ToolCallCollector: tool calls from streamed deltas or from the model's call text (see tool_call_collector.h).
#include "tool_call_collector.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>

namespace {
QString fromStd(const std::string& s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
} // namespace

QString ToolCallCollector::apply(const ws::ToolCallParser::Out& out) {
    for (const ws::ToolCallParser::CallDelta& c : out.calls)
        add(c.index, fromStd(c.id), fromStd(c.name), fromStd(c.arguments));
    return fromStd(out.content);
}

QString ToolCallCollector::pushContent(const QString& text) {
    if (text.isEmpty())
        return {};
    return apply(m_parser.push(text.toStdString()));
}

QString ToolCallCollector::flush() { return apply(m_parser.flush()); }

void ToolCallCollector::pushDeltas(const QJsonArray& deltas) {
    for (const QJsonValue& v : deltas) {
        const QJsonObject d = v.toObject();
        const QString id = d.value(QStringLiteral("id")).toString();
        const QJsonObject fn = d.value(QStringLiteral("function")).toObject();
        // Servers that leave out `index` (OpenAI's own always sends it): a new id starts a call, else the last
        // call goes on.
        int index = static_cast<int>(m_calls.size()) - 1;
        if (d.value(QStringLiteral("index")).isDouble())
            index = d.value(QStringLiteral("index")).toInt();
        else if (!id.isEmpty() && (index < 0 || m_calls.at(index).toObject().value(QStringLiteral("id")).toString() != id))
            index = static_cast<int>(m_calls.size());
        if (index < 0 || index > 1024) // a broken server: no call to add to, or an absurd index
            continue;
        // Arguments are a string of JSON in OpenAI's form; a server that sends the object itself gets it written out.
        const QJsonValue args = fn.value(QStringLiteral("arguments"));
        const QString argsText = args.isObject() ? QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact))
                                                 : args.toString();
        add(index, id, fn.value(QStringLiteral("name")).toString(), argsText);
    }
}

void ToolCallCollector::add(int index, const QString& id, const QString& name, const QString& arguments) {
    while (m_calls.size() <= index)
        m_calls.append(QJsonObject{{QStringLiteral("id"), QString()},
                                   {QStringLiteral("type"), QStringLiteral("function")},
                                   {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), QString()},
                                                                            {QStringLiteral("arguments"), QString()}}}});
    QJsonObject call = m_calls.at(index).toObject();
    QJsonObject fn = call.value(QStringLiteral("function")).toObject();
    if (!id.isEmpty())
        call.insert(QStringLiteral("id"), id);
    // The name comes with the first delta; a server that sends it again is not taken to send a longer name.
    const QString known = fn.value(QStringLiteral("name")).toString();
    if (!name.isEmpty() && name != known)
        fn.insert(QStringLiteral("name"), known + name);
    fn.insert(QStringLiteral("arguments"), fn.value(QStringLiteral("arguments")).toString() + arguments);
    call.insert(QStringLiteral("function"), fn);
    m_calls.replace(index, call);
    m_changed = true;
}

std::pair<QString, QJsonArray> ToolCallCollector::split(const QString& content) {
    if (!content.contains(QStringLiteral("<｜tool▁calls▁begin｜>")))
        return {content, {}};
    ToolCallCollector c;
    QString text = c.pushContent(content);
    text += c.flush();
    return {text, c.calls()};
}

QString formatJsonText(QStringView json) {
    const QString text = json.toString();
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError || doc.isNull())
        return text;
    // QJsonDocument would sort the keys; the model's order reads better, so the valid text is re-laid out as written.
    QString out;
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    const auto newline = [&] { out += QLatin1Char('\n') + QString(depth * 2, QLatin1Char(' ')); };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (inString) {
            out += c;
            if (escaped)
                escaped = false;
            else if (c == QLatin1Char('\\'))
                escaped = true;
            else if (c == QLatin1Char('"'))
                inString = false;
            continue;
        }
        switch (c.unicode()) {
        case ' ': case '\n': case '\r': case '\t':
            break;
        case '"':
            inString = true;
            out += c;
            break;
        case '{':
        case '[': {
            out += c;
            qsizetype next = i + 1; // an empty {} or [] stays on one line
            while (next < text.size() && text[next].isSpace())
                ++next;
            if (next < text.size() && (text[next] == QLatin1Char('}') || text[next] == QLatin1Char(']'))) {
                out += text[next];
                i = next;
            } else {
                ++depth;
                newline();
            }
            break;
        }
        case '}':
        case ']':
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':':
            out += QStringLiteral(": ");
            break;
        default:
            out += c;
        }
    }
    return out;
}
