// ConversationStore's export (lossless JSON, Markdown, OpenAI JSONL) and import (our JSON, ChatGPT's export).
// Written over the store's public API only: the formats never see SQL.
#include "conversation_store.h"
#include "tool_call_collector.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QJsonValue>
#include <QLocale>
#include <QSet>
#include <QStringList>
#include <QUuid>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace {

constexpr auto kFormatName = "whalesong";

std::string str(const QString& s) { return s.toStdString(); }

ws::Status formatError(const QString& where, const QString& what) {
    return ws::Status(ws::Code::FormatError, str(where + QLatin1String(": ") + what));
}

bool isRole(const QString& role) {
    return role == QLatin1String("system") || role == QLatin1String("user") ||
           role == QLatin1String("assistant") || role == QLatin1String("tool");
}

template <typename T> QJsonValue optionalJson(const std::optional<T>& v) {
    if (!v)
        return QJsonValue(QJsonValue::Null);
    if constexpr (std::is_integral_v<T>)
        return QJsonValue(static_cast<qint64>(*v));
    else
        return QJsonValue(*v);
}

/// The messages of a conversation with every parent before its children, otherwise by id (the store's ids
/// grow, so this is normally the order messages() gives; the sort only guards the import's promise).
std::vector<MessageRecord> parentsFirst(std::vector<MessageRecord> messages) {
    std::unordered_map<qint64, size_t> index;
    for (size_t i = 0; i < messages.size(); ++i)
        index.emplace(messages[i].id, i);
    std::vector<MessageRecord> out;
    out.reserve(messages.size());
    std::vector<char> done(messages.size(), 0);
    for (size_t i = 0; i < messages.size(); ++i) {
        // Walk up to the oldest ancestor not yet placed, then place the chain downwards.
        std::vector<size_t> chain;
        for (size_t j = i; !done[j];) {
            done[j] = 1; // marked on the way up: a (corrupt) cycle stops the walk instead of looping
            chain.push_back(j);
            const auto& parent = messages[j].parentId;
            const auto found = parent ? index.find(*parent) : index.end();
            if (found == index.end())
                break;
            j = found->second;
        }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it)
            out.push_back(messages[*it]);
    }
    return out;
}

QJsonObject statsJson(const MessageStats& s) {
    QJsonObject o;
    o.insert(QLatin1String("prompt_tokens"), optionalJson(s.promptTokens));
    o.insert(QLatin1String("completion_tokens"), optionalJson(s.completionTokens));
    o.insert(QLatin1String("time_to_first_token_ms"), optionalJson(s.timeToFirstTokenMs));
    o.insert(QLatin1String("prefill_tokens_per_s"), optionalJson(s.prefillTokensPerSecond));
    o.insert(QLatin1String("decode_tokens_per_s"), optionalJson(s.decodeTokensPerSecond));
    o.insert(QLatin1String("reasoning_ms"), optionalJson(s.reasoningMs));
    return o;
}

// ---- reading JSON with the place of every error
// ------------------------------------------------------------

/// One JSON object being read, with its path ("conversations[2].messages[5]") for error messages. Missing and
/// null fields take the default; a present field of the wrong type is an error naming it.
class Fields {
  public:
    Fields(const QJsonObject& o, QString path) : m_o(o), m_path(std::move(path)) {}

    QString at(const QString& key) const { return m_path.isEmpty() ? key : m_path + QLatin1Char('.') + key; }
    bool has(const QString& key) const { return !value(key).isNull() && !value(key).isUndefined(); }
    QJsonValue value(const QString& key) const { return m_o.value(key); }

    ws::Result<QString> string(const QString& key, const QString& fallback = {}) const {
        const QJsonValue v = value(key);
        if (v.isNull() || v.isUndefined())
            return fallback;
        if (!v.isString())
            return formatError(at(key), QLatin1String("expected a string"));
        return v.toString();
    }
    ws::Result<QString> requiredString(const QString& key) const {
        if (!has(key))
            return formatError(at(key), QLatin1String("missing"));
        return string(key);
    }
    ws::Result<bool> boolean(const QString& key, bool fallback = false) const {
        const QJsonValue v = value(key);
        if (v.isNull() || v.isUndefined())
            return fallback;
        if (!v.isBool())
            return formatError(at(key), QLatin1String("expected true or false"));
        return v.toBool();
    }
    /// A whole number (ids, milliseconds, token counts).
    ws::Result<std::optional<qint64>> integer(const QString& key) const {
        const QJsonValue v = value(key);
        if (v.isNull() || v.isUndefined())
            return std::optional<qint64>();
        // 2^53: beyond it a JSON number is no longer an exact integer.
        constexpr double kLimit = 9007199254740992.0;
        const double d = v.toDouble();
        if (!v.isDouble() || d != std::floor(d) || std::fabs(d) > kLimit)
            return formatError(at(key), QLatin1String("expected a whole number"));
        return std::optional<qint64>(static_cast<qint64>(d));
    }
    ws::Result<std::optional<double>> number(const QString& key) const {
        const QJsonValue v = value(key);
        if (v.isNull() || v.isUndefined())
            return std::optional<double>();
        if (!v.isDouble() || !std::isfinite(v.toDouble()))
            return formatError(at(key), QLatin1String("expected a number"));
        return std::optional<double>(v.toDouble());
    }
    ws::Result<QJsonObject> object(const QString& key) const {
        const QJsonValue v = value(key);
        if (v.isNull() || v.isUndefined())
            return QJsonObject();
        if (!v.isObject())
            return formatError(at(key), QLatin1String("expected an object"));
        return v.toObject();
    }
    ws::Result<QJsonArray> array(const QString& key) const {
        const QJsonValue v = value(key);
        if (v.isNull() || v.isUndefined())
            return QJsonArray();
        if (!v.isArray())
            return formatError(at(key), QLatin1String("expected an array"));
        return v.toArray();
    }

  private:
    QJsonObject m_o;
    QString m_path;
};

/// Unwraps a Result into `var`, or returns its error from the enclosing function.
#define WS_ASSIGN(var, expr)                                                                                 \
    auto var##Result_ = (expr);                                                                              \
    if (!var##Result_.isOk())                                                                                \
        return var##Result_.status();                                                                        \
    auto var = std::move(var##Result_).value()

QString indexed(const QString& path, qsizetype i) {
    return path + QLatin1Char('[') + QString::number(i) + QLatin1Char(']');
}

QString quoted(const QString& s) { return QLatin1Char('\'') + s + QLatin1Char('\''); }

/// "line 3, column 7: …" from QJsonParseError's offset (bytes into the UTF-8 input); the column counts
/// characters, as an editor shows it. Qt's offset is mostly just past the offending character; for garbage
/// after the document and for bad UTF-8 it is the offending byte itself.
ws::Status parseErrorStatus(const QByteArray& json, const QJsonParseError& e) {
    const bool exact =
        e.error == QJsonParseError::GarbageAtEnd || e.error == QJsonParseError::IllegalUTF8String;
    const qsizetype at = exact ? e.offset : e.offset - 1;
    const qsizetype offset = std::clamp<qsizetype>(at, 0, json.size());
    const QByteArrayView before(json.constData(), offset);
    const qsizetype line = before.count('\n') + 1;
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const qsizetype column = QString::fromUtf8(before.sliced(lineStart)).size() + 1;
    return ws::Status(
        ws::Code::FormatError,
        str(QStringLiteral("line %1, column %2: %3").arg(line).arg(column).arg(e.errorString())));
}

/// One conversation read from a file, checked and ready for insertConversation.
struct Parsed {
    QString path; ///< where it is in the file, for errors insertConversation might still report
    ConversationRecord conversation;
    std::vector<MessageRecord> messages;
};

// ---- our format
// --------------------------------------------------------------------------------------------

/// A message's "tool_calls" in OpenAI's form. Arguments are a string of JSON as the model wrote it (kept as it is,
/// even when it is not valid JSON: a call cut off by the length limit is stored that way too).
ws::Result<QJsonArray> parseToolCalls(const Fields& message) {
    WS_ASSIGN(calls, message.array(QStringLiteral("tool_calls")));
    const QString path = message.at(QStringLiteral("tool_calls"));
    QJsonArray out;
    for (qsizetype i = 0; i < calls.size(); ++i) {
        const QString at = indexed(path, i);
        if (!calls.at(i).isObject())
            return formatError(at, QLatin1String("expected an object"));
        const Fields call(calls.at(i).toObject(), at);
        WS_ASSIGN(id, call.string(QStringLiteral("id")));
        WS_ASSIGN(type, call.string(QStringLiteral("type"), QStringLiteral("function")));
        if (type != QLatin1String("function"))
            return formatError(call.at(QStringLiteral("type")), QLatin1String("unknown type ") + quoted(type));
        if (!call.has(QStringLiteral("function")))
            return formatError(call.at(QStringLiteral("function")), QLatin1String("missing"));
        WS_ASSIGN(function, call.object(QStringLiteral("function")));
        const Fields fn(function, call.at(QStringLiteral("function")));
        WS_ASSIGN(name, fn.requiredString(QStringLiteral("name")));
        WS_ASSIGN(arguments, fn.string(QStringLiteral("arguments")));
        out.append(QJsonObject{{QStringLiteral("id"), id},
                               {QStringLiteral("type"), type},
                               {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), name},
                                                                        {QStringLiteral("arguments"), arguments}}}});
    }
    return out;
}

ws::Result<MessageRecord> parseOurMessage(const QJsonValue& value, const QString& path,
                                          const QSet<qint64>& earlierIds, qint64 defaultTime) {
    if (!value.isObject())
        return formatError(path, QLatin1String("expected an object"));
    const Fields f(value.toObject(), path);
    MessageRecord m;
    WS_ASSIGN(id, f.integer(QStringLiteral("id")));
    if (!id)
        return formatError(f.at(QStringLiteral("id")), QLatin1String("missing"));
    if (earlierIds.contains(*id))
        return formatError(f.at(QStringLiteral("id")), QStringLiteral("%1 is used twice").arg(*id));
    m.id = *id;
    WS_ASSIGN(parent, f.integer(QStringLiteral("parent_id")));
    if (parent && !earlierIds.contains(*parent))
        return formatError(f.at(QStringLiteral("parent_id")),
                           QStringLiteral("no message with id %1 before this one").arg(*parent));
    m.parentId = parent;
    WS_ASSIGN(role, f.requiredString(QStringLiteral("role")));
    if (!isRole(role))
        return formatError(f.at(QStringLiteral("role")), QLatin1String("unknown role ") + quoted(role));
    m.role = role;
    WS_ASSIGN(content, f.string(QStringLiteral("content")));
    m.content = content;
    WS_ASSIGN(reasoning, f.string(QStringLiteral("reasoning")));
    m.reasoning = reasoning;
    WS_ASSIGN(statusName, f.string(QStringLiteral("status"), messageStatusName(MessageStatus::Complete)));
    const auto status = parseMessageStatus(statusName);
    if (!status)
        return formatError(f.at(QStringLiteral("status")),
                           QLatin1String("unknown status ") + quoted(statusName));
    m.status = *status;
    WS_ASSIGN(error, f.string(QStringLiteral("error")));
    m.error = error;
    WS_ASSIGN(createdAt, f.integer(QStringLiteral("created_at")));
    m.createdAt = createdAt.value_or(defaultTime);
    WS_ASSIGN(model, f.string(QStringLiteral("model")));
    m.model = model;
    WS_ASSIGN(backend, f.string(QStringLiteral("backend")));
    m.backend = backend;

    WS_ASSIGN(statsObject, f.object(QStringLiteral("stats")));
    const Fields s(statsObject, f.at(QStringLiteral("stats")));
    WS_ASSIGN(promptTokens, s.integer(QStringLiteral("prompt_tokens")));
    WS_ASSIGN(completionTokens, s.integer(QStringLiteral("completion_tokens")));
    for (const auto& [key, v] : {std::pair{QStringLiteral("prompt_tokens"), promptTokens},
                                 std::pair{QStringLiteral("completion_tokens"), completionTokens}})
        if (v && (*v < 0 || *v > std::numeric_limits<int>::max()))
            return formatError(s.at(key), QLatin1String("out of range"));
    if (promptTokens)
        m.stats.promptTokens = static_cast<int>(*promptTokens);
    if (completionTokens)
        m.stats.completionTokens = static_cast<int>(*completionTokens);
    WS_ASSIGN(ttft, s.number(QStringLiteral("time_to_first_token_ms")));
    m.stats.timeToFirstTokenMs = ttft;
    WS_ASSIGN(prefill, s.number(QStringLiteral("prefill_tokens_per_s")));
    m.stats.prefillTokensPerSecond = prefill;
    WS_ASSIGN(decode, s.number(QStringLiteral("decode_tokens_per_s")));
    m.stats.decodeTokensPerSecond = decode;
    WS_ASSIGN(reasoningMs, s.number(QStringLiteral("reasoning_ms"))); // absent in files of schema version 1
    if (reasoningMs && *reasoningMs < 0)
        return formatError(s.at(QStringLiteral("reasoning_ms")), QLatin1String("out of range"));
    m.stats.reasoningMs = reasoningMs;
    WS_ASSIGN(toolCalls, parseToolCalls(f)); // absent in files of schema versions 1 and 2
    m.toolCalls = toolCalls;
    return m;
}

ws::Result<Parsed> parseOurConversation(const QJsonValue& value, const QString& path) {
    if (!value.isObject())
        return formatError(path, QLatin1String("expected an object"));
    const Fields f(value.toObject(), path);
    Parsed p;
    p.path = path;
    ConversationRecord& c = p.conversation;
    WS_ASSIGN(uuid, f.string(QStringLiteral("uuid")));
    c.uuid = uuid; // empty: insertConversation makes one
    WS_ASSIGN(title, f.string(QStringLiteral("title")));
    c.title = title;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    WS_ASSIGN(createdAt, f.integer(QStringLiteral("created_at")));
    c.createdAt = createdAt.value_or(now);
    WS_ASSIGN(updatedAt, f.integer(QStringLiteral("updated_at")));
    c.updatedAt = updatedAt.value_or(c.createdAt);
    WS_ASSIGN(pinned, f.boolean(QStringLiteral("pinned")));
    c.pinned = pinned;
    WS_ASSIGN(deletedAt, f.integer(QStringLiteral("deleted_at")));
    c.deletedAt = deletedAt;
    WS_ASSIGN(model, f.string(QStringLiteral("model")));
    c.model = model;
    WS_ASSIGN(systemPrompt, f.string(QStringLiteral("system_prompt")));
    c.systemPrompt = systemPrompt;
    WS_ASSIGN(settings, f.object(QStringLiteral("settings")));
    c.settings = settings;

    WS_ASSIGN(messages, f.array(QStringLiteral("messages")));
    QSet<qint64> ids;
    const QString messagesPath = f.at(QStringLiteral("messages"));
    for (qsizetype i = 0; i < messages.size(); ++i) {
        WS_ASSIGN(m, parseOurMessage(messages.at(i), indexed(messagesPath, i), ids, c.createdAt));
        ids.insert(m.id);
        p.messages.push_back(std::move(m));
    }
    WS_ASSIGN(leaf, f.integer(QStringLiteral("current_leaf_id")));
    if (leaf && !ids.contains(*leaf))
        return formatError(f.at(QStringLiteral("current_leaf_id")),
                           QStringLiteral("no message with id %1").arg(*leaf));
    c.currentLeafId = leaf;
    return p;
}

ws::Result<std::vector<Parsed>> parseOurFormat(const QJsonObject& root) {
    const Fields f(root, {});
    WS_ASSIGN(format, f.string(QStringLiteral("format")));
    if (format != QLatin1String(kFormatName))
        return formatError(QStringLiteral("format"),
                           QStringLiteral("expected \"whalesong\", found \"%1\"").arg(format));
    WS_ASSIGN(version, f.integer(QStringLiteral("schema_version")));
    if (!version || *version < 1)
        return formatError(QStringLiteral("schema_version"),
                           QLatin1String("missing or not a version number"));
    if (*version > ConversationStore::kSchemaVersion)
        return ws::Status(
            ws::Code::Unsupported,
            str(QStringLiteral("schema_version: the file was written by a newer Whalesong (schema "
                               "version %1; this one reads up to %2): update Whalesong to import it")
                    .arg(*version)
                    .arg(ConversationStore::kSchemaVersion)));
    if (!f.value(QStringLiteral("conversations")).isArray())
        return formatError(QStringLiteral("conversations"), QLatin1String("missing or not an array"));
    const QJsonArray conversations = f.value(QStringLiteral("conversations")).toArray();
    std::vector<Parsed> out;
    for (qsizetype i = 0; i < conversations.size(); ++i) {
        WS_ASSIGN(p, parseOurConversation(conversations.at(i), indexed(QStringLiteral("conversations"), i)));
        out.push_back(std::move(p));
    }
    // Inserted last to first: conversations() breaks ties (same pinned and updated_at) by newest id first, so
    // this keeps the exported order, and an export of the imported store equals the file.
    std::reverse(out.begin(), out.end());
    return out;
}

// ---- ChatGPT's conversations.json
// --------------------------------------------------------------------------

/// ChatGPT's times are seconds since the epoch, with a fraction.
ws::Result<std::optional<qint64>> chatGptTime(const Fields& f, const QString& key) {
    WS_ASSIGN(seconds, f.number(key));
    if (!seconds)
        return std::optional<qint64>();
    if (std::fabs(*seconds) > 1e13) // far beyond any date: not seconds
        return formatError(f.at(key), QLatin1String("not a time in seconds"));
    return std::optional<qint64>(std::llround(*seconds * 1000.0));
}

/// The text of a message's "content": its string parts ("text", "multimodal_text": images are objects and
/// skipped), or the "text" of code and tool output.
ws::Result<QString> chatGptText(const Fields& content) {
    WS_ASSIGN(parts, content.array(QStringLiteral("parts")));
    QStringList texts;
    for (const QJsonValue& part : parts)
        if (part.isString() && !part.toString().isEmpty())
            texts << part.toString();
    if (texts.isEmpty()) {
        WS_ASSIGN(text, content.string(QStringLiteral("text")));
        if (!text.isEmpty())
            texts << text;
    }
    return texts.join(QLatin1Char('\n'));
}

/// The reasoning of o-series models: a "thoughts" node before the answer.
QString chatGptThoughts(const QJsonObject& content) {
    QStringList out;
    for (const QJsonValue& t : content.value(QLatin1String("thoughts")).toArray()) {
        const QJsonObject o = t.toObject();
        const QString summary = o.value(QLatin1String("summary")).toString();
        const QString text = o.value(QLatin1String("content")).toString();
        if (!summary.isEmpty())
            out << QLatin1String("**") + summary + QLatin1String("**");
        if (!text.isEmpty())
            out << text;
    }
    return out.join(QLatin1String("\n\n"));
}

ws::Result<Parsed> parseChatGptConversation(const QJsonValue& value, const QString& path) {
    if (!value.isObject())
        return formatError(path, QLatin1String("expected an object"));
    const Fields f(value.toObject(), path);
    Parsed p;
    p.path = path;
    ConversationRecord& c = p.conversation;
    WS_ASSIGN(title, f.string(QStringLiteral("title")));
    c.title = title;
    WS_ASSIGN(created, chatGptTime(f, QStringLiteral("create_time")));
    WS_ASSIGN(updated, chatGptTime(f, QStringLiteral("update_time")));
    c.createdAt = created.value_or(updated.value_or(QDateTime::currentMSecsSinceEpoch()));
    c.updatedAt = updated.value_or(c.createdAt);
    WS_ASSIGN(conversationId, f.string(QStringLiteral("conversation_id")));
    WS_ASSIGN(id, f.string(QStringLiteral("id")));
    c.uuid = !conversationId.isEmpty() ? conversationId : id;
    if (c.uuid.isEmpty()) // still the same uuid when the same file is imported twice: skipped then
        c.uuid = QUuid::createUuidV5(QUuid(QStringLiteral("6f1d5c2e-3b59-4c4e-9a43-5d2b8e0f7a11")),
                                     QStringLiteral("chatgpt:%1:%2").arg(title).arg(c.createdAt))
                     .toString(QUuid::WithoutBraces);
    WS_ASSIGN(model, f.string(QStringLiteral("default_model_slug")));
    c.model = model;

    if (!f.value(QStringLiteral("mapping")).isObject())
        return formatError(f.at(QStringLiteral("mapping")), QLatin1String("missing or not an object"));
    const QJsonObject mapping = f.value(QStringLiteral("mapping")).toObject();
    const QString mappingPath = f.at(QStringLiteral("mapping"));

    // The tree from the parent links (the "children" lists only give the order of siblings).
    QHash<QString, QString> parentOf;
    QHash<QString, QStringList> childrenOf; // "" → the roots
    for (auto it = mapping.begin(); it != mapping.end(); ++it) {
        const QString nodePath = mappingPath + QLatin1Char('.') + it.key();
        if (!it.value().isObject())
            return formatError(nodePath, QLatin1String("expected an object"));
        const Fields node(it.value().toObject(), nodePath);
        WS_ASSIGN(parent, node.string(QStringLiteral("parent")));
        if (!parent.isEmpty() && !mapping.contains(parent))
            return formatError(node.at(QStringLiteral("parent")),
                               QLatin1String("no node ") + quoted(parent) + QLatin1String(" in mapping"));
        parentOf.insert(it.key(), parent);
    }
    for (auto it = mapping.begin(); it != mapping.end(); ++it) {
        const QString parent = parentOf.value(it.key());
        if (parent.isEmpty()) {
            childrenOf[QString()] << it.key();
            continue;
        }
        // Listed children first, in their order; any the parent does not list after them.
        if (!childrenOf.contains(parent)) {
            QStringList listed;
            for (const QJsonValue& child :
                 mapping.value(parent).toObject().value(QLatin1String("children")).toArray())
                if (parentOf.value(child.toString()) == parent && !listed.contains(child.toString()))
                    listed << child.toString();
            childrenOf.insert(parent, listed);
        }
        if (!childrenOf[parent].contains(it.key()))
            childrenOf[parent] << it.key();
    }

    WS_ASSIGN(currentNode, f.string(QStringLiteral("current_node")));
    if (!currentNode.isEmpty() && !mapping.contains(currentNode))
        return formatError(f.at(QStringLiteral("current_node")),
                           QLatin1String("no node ") + quoted(currentNode) + QLatin1String(" in mapping"));

    // Depth first from the roots: parents before children. Skipped nodes (no message, hidden, empty) pass
    // their kept ancestor on, so the branches stay as they were.
    struct Visit {
        QString node;
        std::optional<qint64> keptAncestor;
        QString pendingReasoning; ///< from a skipped "thoughts" node, for the answer below it
    };
    std::vector<Visit> stack;
    const QStringList roots = childrenOf.value(QString());
    for (auto it = roots.rbegin(); it != roots.rend(); ++it)
        stack.push_back({*it, std::nullopt, {}});
    QHash<QString, std::optional<qint64>>
        keptFor; // node → the message standing for it (itself or an ancestor)
    while (!stack.empty()) {
        Visit v = std::move(stack.back());
        stack.pop_back();
        const QString nodePath = mappingPath + QLatin1Char('.') + v.node;
        const Fields node(mapping.value(v.node).toObject(), nodePath);
        std::optional<qint64> kept = v.keptAncestor;
        QString pending = v.pendingReasoning;

        WS_ASSIGN(message, node.object(QStringLiteral("message")));
        if (!message.isEmpty()) {
            const Fields msg(message, node.at(QStringLiteral("message")));
            WS_ASSIGN(author, msg.object(QStringLiteral("author")));
            const Fields authorFields(author, msg.at(QStringLiteral("author")));
            WS_ASSIGN(role, authorFields.requiredString(QStringLiteral("role")));
            if (!isRole(role))
                return formatError(authorFields.at(QStringLiteral("role")),
                                   QLatin1String("unknown role ") + quoted(role));
            WS_ASSIGN(contentObject, msg.object(QStringLiteral("content")));
            const Fields content(contentObject, msg.at(QStringLiteral("content")));
            WS_ASSIGN(contentType, content.string(QStringLiteral("content_type")));
            WS_ASSIGN(text, chatGptText(content));
            WS_ASSIGN(metadata, msg.object(QStringLiteral("metadata")));
            const bool hidden =
                metadata.value(QLatin1String("is_visually_hidden_from_conversation")).toBool();
            WS_ASSIGN(time, chatGptTime(msg, QStringLiteral("create_time")));

            if (contentType == QLatin1String("thoughts")) {
                pending = chatGptThoughts(contentObject);
            } else if (!hidden && (!text.isEmpty() || role == QLatin1String("user"))) {
                MessageRecord m;
                m.id = static_cast<qint64>(p.messages.size()) + 1;
                m.parentId = kept;
                m.role = role;
                m.content = text;
                if (role == QLatin1String("assistant"))
                    m.reasoning = pending;
                pending.clear(); // thinking belongs to the next message only, and only to an answer
                m.createdAt = time.value_or(c.createdAt);
                m.model = metadata.value(QLatin1String("model_slug")).toString();
                p.messages.push_back(std::move(m));
                kept = p.messages.back().id;
            }
        }
        keptFor.insert(v.node, kept);
        const QStringList children = childrenOf.value(v.node);
        for (auto it = children.rbegin(); it != children.rend(); ++it)
            stack.push_back({*it, kept, pending});
    }
    if (keptFor.size() != mapping.size()) // a parent cycle: never reached from a root
        for (auto it = mapping.begin(); it != mapping.end(); ++it)
            if (!keptFor.contains(it.key()))
                return formatError(mappingPath + QLatin1Char('.') + it.key() + QLatin1String(".parent"),
                                   QLatin1String("the parents form a cycle"));
    if (!currentNode.isEmpty())
        c.currentLeafId = keptFor.value(currentNode);
    return p;
}

ws::Result<std::vector<Parsed>> parseChatGpt(const QJsonArray& root) {
    std::vector<Parsed> out;
    for (qsizetype i = 0; i < root.size(); ++i) {
        WS_ASSIGN(p, parseChatGptConversation(root.at(i), indexed(QString(), i)));
        out.push_back(std::move(p));
    }
    return out;
}

// ---- Markdown
// ----------------------------------------------------------------------------------------------

QString roleHeading(const QString& role) {
    if (role == QLatin1String("user"))
        return QStringLiteral("User");
    if (role == QLatin1String("assistant"))
        return QStringLiteral("Assistant");
    if (role == QLatin1String("system"))
        return QStringLiteral("System");
    if (role == QLatin1String("tool"))
        return QStringLiteral("Tool");
    return role;
}

/// "*812 tokens · 12.3 tokens/s · prompt 40 tokens at 310.5 tokens/s · first token 0.42 s*", or empty.
QString statsLine(const MessageStats& s) {
    const QLocale c = QLocale::c();
    QStringList parts;
    if (s.completionTokens)
        parts << QStringLiteral("%1 tokens").arg(*s.completionTokens);
    if (s.decodeTokensPerSecond)
        parts << QStringLiteral("%1 tokens/s").arg(c.toString(*s.decodeTokensPerSecond, 'f', 1));
    if (s.promptTokens && s.prefillTokensPerSecond)
        parts << QStringLiteral("prompt %1 tokens at %2 tokens/s")
                     .arg(*s.promptTokens)
                     .arg(c.toString(*s.prefillTokensPerSecond, 'f', 1));
    else if (s.promptTokens)
        parts << QStringLiteral("prompt %1 tokens").arg(*s.promptTokens);
    if (s.timeToFirstTokenMs)
        parts << QStringLiteral("first token %1 s").arg(c.toString(*s.timeToFirstTokenMs / 1000.0, 'f', 2));
    return parts.isEmpty() ? QString()
                           : QLatin1Char('*') + parts.join(QStringLiteral(" · ")) + QLatin1Char('*');
}

} // namespace

// ---- export
// ------------------------------------------------------------------------------------------------

QJsonObject ConversationStore::exportJson(const std::vector<qint64>& ids) const {
    std::vector<ConversationRecord> list;
    if (ids.empty()) {
        list = conversations();
    } else {
        for (const qint64 id : ids)
            if (auto c = conversation(id))
                list.push_back(std::move(*c));
    }

    QJsonArray conversationsJson;
    for (const ConversationRecord& c : list) {
        // Ids are renumbered 1, 2, … inside each conversation: the file does not depend on the database's
        // ids, so an import exported again gives the same file.
        const std::vector<MessageRecord> messages = parentsFirst(this->messages(c.id));
        std::unordered_map<qint64, qint64> exportedId;
        for (size_t i = 0; i < messages.size(); ++i)
            exportedId.emplace(messages[i].id, static_cast<qint64>(i) + 1);
        const auto mapped = [&](std::optional<qint64> id) -> std::optional<qint64> {
            const auto found = id ? exportedId.find(*id) : exportedId.end();
            return found == exportedId.end() ? std::nullopt : std::optional<qint64>(found->second);
        };

        QJsonArray messagesJson;
        for (const MessageRecord& m : messages) {
            QJsonObject o;
            o.insert(QLatin1String("id"), exportedId.at(m.id));
            o.insert(QLatin1String("parent_id"), optionalJson(mapped(m.parentId)));
            o.insert(QLatin1String("role"), m.role);
            o.insert(QLatin1String("content"), m.content);
            o.insert(QLatin1String("reasoning"), m.reasoning);
            o.insert(QLatin1String("status"), messageStatusName(m.status));
            o.insert(QLatin1String("error"), m.error);
            o.insert(QLatin1String("created_at"), m.createdAt);
            o.insert(QLatin1String("model"), m.model);
            o.insert(QLatin1String("backend"), m.backend);
            o.insert(QLatin1String("stats"), statsJson(m.stats));
            if (!m.toolCalls.isEmpty())
                o.insert(QLatin1String("tool_calls"), m.toolCalls);
            messagesJson.append(o);
        }

        QJsonObject o;
        o.insert(QLatin1String("uuid"), c.uuid);
        o.insert(QLatin1String("title"), c.title);
        o.insert(QLatin1String("created_at"), c.createdAt);
        o.insert(QLatin1String("updated_at"), c.updatedAt);
        o.insert(QLatin1String("pinned"), c.pinned);
        o.insert(QLatin1String("deleted_at"), optionalJson(c.deletedAt));
        o.insert(QLatin1String("model"), c.model);
        o.insert(QLatin1String("system_prompt"), c.systemPrompt);
        o.insert(QLatin1String("settings"), c.settings);
        o.insert(QLatin1String("current_leaf_id"), optionalJson(mapped(c.currentLeafId)));
        o.insert(QLatin1String("messages"), messagesJson);
        conversationsJson.append(o);
    }

    QJsonObject root;
    root.insert(QLatin1String("format"), QLatin1String(kFormatName));
    root.insert(QLatin1String("schema_version"), kSchemaVersion);
    root.insert(QLatin1String("exported_at"), QDateTime::currentMSecsSinceEpoch());
    root.insert(QLatin1String("conversations"), conversationsJson);
    return root;
}

QString ConversationStore::exportMarkdown(qint64 conversationId) const {
    const auto c = conversation(conversationId);
    if (!c)
        return {};
    QString title = c->title.isEmpty() ? QStringLiteral("Untitled conversation") : c->title;
    title.replace(QLatin1Char('\n'), QLatin1Char(' ')); // a heading is one line
    QString md = QLatin1String("# ") + title + QLatin1String("\n\n");
    if (!c->systemPrompt.isEmpty())
        md += QLatin1String("## System prompt\n\n") + c->systemPrompt + QLatin1String("\n\n");
    for (const MessageRecord& m : currentBranch(conversationId)) {
        md += QLatin1String("## ") + roleHeading(m.role) + QLatin1String("\n\n");
        if (!m.reasoning.isEmpty())
            md += QLatin1String("<details><summary>Thinking</summary>\n\n") + m.reasoning +
                  QLatin1String("\n\n</details>\n\n");
        if (!m.content.isEmpty())
            md += m.content + QLatin1String("\n\n");
        for (const QJsonValue& v : m.toolCalls) {
            const QJsonObject fn = v.toObject().value(QLatin1String("function")).toObject();
            md += QLatin1String("**Tool call: ") + fn.value(QLatin1String("name")).toString() +
                  QLatin1String("**\n\n```json\n") + formatJsonText(fn.value(QLatin1String("arguments")).toString()) +
                  QLatin1String("\n```\n\n");
        }
        switch (m.status) {
        case MessageStatus::Complete:
            break;
        case MessageStatus::Error:
            md += QLatin1String("*(error") + (m.error.isEmpty() ? QString() : QLatin1String(": ") + m.error) +
                  QLatin1String(")*\n\n");
            break;
        default: // stopped, interrupted, streaming: the answer may be cut short
            md += QLatin1String("*(") + messageStatusName(m.status) + QLatin1String(")*\n\n");
            break;
        }
        if (m.role == QLatin1String("assistant"))
            if (const QString stats = statsLine(m.stats); !stats.isEmpty())
                md += stats + QLatin1String("\n\n");
    }
    return md.chopped(1); // one newline at the end, not two
}

QByteArray ConversationStore::exportOpenAiJsonl(qint64 conversationId) const {
    const auto c = conversation(conversationId);
    if (!c)
        return {};
    QByteArray out;
    const auto line = [&out](const QJsonObject& o) {
        out += QJsonDocument(o).toJson(QJsonDocument::Compact);
        out += '\n';
    };
    if (!c->systemPrompt.isEmpty())
        line({{QLatin1String("role"), QLatin1String("system")}, {QLatin1String("content"), c->systemPrompt}});
    for (const MessageRecord& m : currentBranch(conversationId)) {
        QJsonObject o{{QLatin1String("role"), m.role}, {QLatin1String("content"), m.content}};
        if (m.role == QLatin1String("assistant") && !m.reasoning.isEmpty())
            o.insert(QLatin1String("reasoning_content"), m.reasoning);
        if (m.role == QLatin1String("assistant") && !m.toolCalls.isEmpty())
            o.insert(QLatin1String("tool_calls"), m.toolCalls);
        line(o);
    }
    return out;
}

// ---- import
// ------------------------------------------------------------------------------------------------

ws::Result<int> ConversationStore::importJson(const QByteArray& json) {
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return parseErrorStatus(json, parseError);

    // Everything is read and checked before anything is written: most errors never reach the database.
    ws::Result<std::vector<Parsed>> parsed =
        doc.isObject()  ? parseOurFormat(doc.object())
        : doc.isArray() ? parseChatGpt(doc.array())
                        : ws::Result<std::vector<Parsed>>(ws::Code::FormatError, "not a conversation export");
    if (!parsed)
        return parsed.status();

    int imported = 0;
    const ws::Status s = inTransaction([&]() -> ws::Status {
        for (const Parsed& p : *parsed) {
            if (!p.conversation.uuid.isEmpty() && hasUuid(p.conversation.uuid))
                continue; // already here (imported before, or the same conversation twice in the file)
            const auto id = insertConversation(p.conversation, p.messages);
            if (!id)
                return ws::Status(id.status().code(), str(p.path) + ": " + id.status().message());
            ++imported;
        }
        return ws::Status::ok();
    });
    if (!s)
        return s;
    return imported;
}
