// tst_store_formats: the store's JSON/Markdown/JSONL export, import of our JSON and ChatGPT's export (all or
// nothing, errors naming where), and the whalesong command line end to end.
#include "command_line.h"
#include "conversation_store.h"
#include "helpers/store_checks.h"
#include "helpers/test_files.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>
#include <QTextStream>
#include <algorithm>
#include <tuple>
#include <type_traits>


/// The value of a ws::Result, or the test fails with its message.
#define WS_VALUE(var, expr)                                                                                  \
    auto var##Result_ = (expr);                                                                              \
    QVERIFY2(var##Result_.isOk(), var##Result_.status().message().c_str());                                  \
    const auto var = *var##Result_

namespace {

const QString kFixture = QStringLiteral(WS_SOURCE_DIR "/tests/app/fixtures/chatgpt_conversations.json");
const QString kChineseUuid = QStringLiteral("67a1c0de-1f2b-8003-9c4e-2d5f8a7b6c01");
const QString kEnglishUuid = QStringLiteral("67a7f3c0-2e4d-8003-b1a2-9f8e7d6c5b02");

/// An export without its time stamp: what must be equal between two exports of the same data.
QJsonObject withoutTime(QJsonObject o) {
    o.remove(QLatin1String("exported_at"));
    return o;
}

std::optional<ConversationRecord> byUuid(const ConversationStore& store, const QString& uuid) {
    for (const auto& list : {store.conversations(), store.trash()})
        for (const ConversationRecord& c : list)
            if (c.uuid == uuid)
                return c;
    return std::nullopt;
}

QStringList contents(const std::vector<MessageRecord>& messages) {
    QStringList out;
    for (const auto& m : messages)
        out << m.content;
    return out;
}

const QJsonArray kToolCalls{
    QJsonObject{{QStringLiteral("id"), QStringLiteral("call_0123456789abcdef01234567")},
                {QStringLiteral("type"), QStringLiteral("function")},
                {QStringLiteral("function"),
                 QJsonObject{{QStringLiteral("name"), QStringLiteral("get_weather")},
                             {QStringLiteral("arguments"), QStringLiteral("{\"city\": \"杭州\",\n \"days\":3, \"a\": [] }")}}}},
    QJsonObject{{QStringLiteral("id"), QStringLiteral("call_2")},
                {QStringLiteral("type"), QStringLiteral("function")},
                {QStringLiteral("function"), QJsonObject{{QStringLiteral("name"), QStringLiteral("get_time")},
                                                         {QStringLiteral("arguments"), QStringLiteral("{}")}}}}};

/// A store with everything the lossless format must keep: branches (an edited question, three answers to one
/// question), reasoning, full and partial statistics, every status, a pinned and a trashed conversation,
/// settings, Chinese, emoji, combining marks, a 3 MB message. Returns the ids of its conversations.
std::vector<qint64> fillRichStore(ConversationStore& s, qsizetype bigSize = 3 * 1024 * 1024) {
    std::vector<qint64> ids;
    const auto ok = [](const auto& r) {
        if (!r.isOk())
            qFatal("fillRichStore: %s", r.status().message().c_str());
        if constexpr (!std::is_same_v<std::decay_t<decltype(r)>, ws::Status>)
            return *r;
    };
    const QJsonObject settings{{QStringLiteral("temperature"), 0.6},
                               {QStringLiteral("top_p"), 0.95},
                               {QStringLiteral("max_tokens"), 4096},
                               {QStringLiteral("stop"), QJsonArray{QStringLiteral("</s>")}}};
    const qint64 a =
        ok(s.createConversation(QStringLiteral("鲸歌 release plan 🐋"), QStringLiteral("deepseek-v3"),
                                QStringLiteral("You are 鲸歌.\nAnswer briefly."), settings));
    ids.push_back(a);
    const qint64 u1 =
        ok(s.addMessage(a, std::nullopt, QStringLiteral("user"),
                        QStringLiteral("你好，鲸歌！ What is 2+2? e\u0301 😀 \"quoted\" \\ tab\t")));
    const qint64 a1 = ok(s.beginAnswer(a, u1, QStringLiteral("deepseek-v3-q4"), QStringLiteral("cpu")));
    MessageStats full;
    full.promptTokens = 17;
    full.completionTokens = 42;
    full.timeToFirstTokenMs = 312.25;
    full.prefillTokensPerSecond = 123.456789012345;
    full.decodeTokensPerSecond = 9.8765432109876;
    full.reasoningMs = 4321.125;
    ok(s.finishAnswer(a1, QStringLiteral("**4**"), QStringLiteral("2+2 是基本算术。\n\nSo: 4."),
                      MessageStatus::Complete, full));
    const qint64 a1b = ok(s.beginAnswer(a, u1, QStringLiteral("deepseek-v3-q4"), QStringLiteral("cuda")));
    MessageStats partial;
    partial.completionTokens = 3;
    ok(s.finishAnswer(a1b, QStringLiteral("Fo"), {}, MessageStatus::Stopped, partial));
    const qint64 a1c = ok(s.beginAnswer(a, u1, QStringLiteral("deepseek-v3-q4"), QStringLiteral("cuda")));
    ok(s.finishAnswer(a1c, {}, {}, MessageStatus::Error, {}, QStringLiteral("out of memory")));
    QString big;
    big.reserve(bigSize + 64);
    while (big.size() < bigSize)
        big += QStringLiteral("大消息 big message line %1\n").arg(big.size());
    const qint64 u2 = ok(s.addMessage(a, a1, QStringLiteral("user"), big));
    const qint64 a2 = ok(s.beginAnswer(a, u2, QStringLiteral("deepseek-v3-q4"), QStringLiteral("cpu")));
    ok(s.checkpoint(a2, QStringLiteral("still stream"), QStringLiteral("thinking…")));
    ok(s.addMessage(a, std::nullopt, QStringLiteral("user"), QStringLiteral("edited: what is 3+3?")));
    ok(s.selectBranch(a, a1)); // the branch through the first answer is the one shown
    ok(s.setPinned(a, true));

    const qint64 b = ok(s.createConversation(QStringLiteral("Tools")));
    ids.push_back(b);
    const qint64 sys =
        ok(s.addMessage(b, std::nullopt, QStringLiteral("system"), QStringLiteral("Use tools.")));
    const qint64 q = ok(s.addMessage(b, sys, QStringLiteral("user"), QStringLiteral("Weather in 杭州?")));
    // An answer with two tool calls; the arguments are kept as the model wrote them (spacing, order, 中文).
    const qint64 call = ok(s.beginAnswer(b, q, QStringLiteral("deepseek-v3"), QStringLiteral("cpu")));
    ok(s.finishAnswer(call, QStringLiteral("Let me check."), {}, MessageStatus::Complete, {}, {}, kToolCalls));
    ok(s.addMessage(b, call, QStringLiteral("tool"), QStringLiteral("{\"temp\": 21}")));

    // Every status, and times and models as another machine wrote them.
    ConversationRecord c;
    c.uuid = QStringLiteral("0e0c0a08-0604-4002-8000-000000000001");
    c.title = QStringLiteral("Every status");
    c.createdAt = 1700000000123;
    c.updatedAt = 1700000999456;
    c.model = QStringLiteral("m");
    c.settings = QJsonObject{{QStringLiteral("nested"), QJsonObject{{QStringLiteral("k"), true}}}};
    std::vector<MessageRecord> ms;
    const MessageStatus statuses[] = {MessageStatus::Complete, MessageStatus::Streaming,
                                      MessageStatus::Stopped, MessageStatus::Error,
                                      MessageStatus::Interrupted};
    qint64 next = 10;
    std::optional<qint64> parent;
    for (const MessageStatus st : statuses) {
        MessageRecord m;
        m.id = next++;
        m.parentId = parent;
        m.role = parent ? QStringLiteral("assistant") : QStringLiteral("user");
        m.content = QStringLiteral("status ") + messageStatusName(st);
        m.status = st;
        m.error = st == MessageStatus::Error ? QStringLiteral("backend crashed") : QString();
        m.createdAt = 1700000000500 + m.id;
        m.model = QStringLiteral("model-") + QString::number(m.id);
        m.backend = QStringLiteral("metal");
        m.stats.decodeTokensPerSecond = 0.1 * static_cast<double>(m.id);
        ms.push_back(m);
        parent = m.id;
    }
    c.currentLeafId = 12; // not the newest leaf: the shown branch must survive as it is
    ids.push_back(ok(s.insertConversation(c, ms)));

    const qint64 d = ok(s.createConversation(QStringLiteral("In the trash")));
    ok(s.addMessage(d, std::nullopt, QStringLiteral("user"), QStringLiteral("gone soon")));
    ok(s.moveToTrash(d));
    ids.push_back(d);
    return ids;
}

QJsonObject exportByUuid(const ConversationStore& store, const QJsonObject& like) {
    std::vector<qint64> ids;
    for (const QJsonValue& c : like.value(QLatin1String("conversations")).toArray())
        if (const auto found = byUuid(store, c.toObject().value(QLatin1String("uuid")).toString()))
            ids.push_back(found->id);
    return ids.empty() ? QJsonObject() : store.exportJson(ids);
}

/// A valid one-conversation export to build broken ones from.
QJsonObject validExport(const QString& uuid) {
    const QJsonObject user{{QStringLiteral("id"), 1},
                           {QStringLiteral("parent_id"), QJsonValue::Null},
                           {QStringLiteral("role"), QStringLiteral("user")},
                           {QStringLiteral("content"), QStringLiteral("hi")}};
    const QJsonObject answer{{QStringLiteral("id"), 2},
                             {QStringLiteral("parent_id"), 1},
                             {QStringLiteral("role"), QStringLiteral("assistant")},
                             {QStringLiteral("content"), QStringLiteral("hello")},
                             {QStringLiteral("status"), QStringLiteral("complete")}};
    const QJsonObject conversation{{QStringLiteral("uuid"), uuid},
                                   {QStringLiteral("title"), QStringLiteral("ok")},
                                   {QStringLiteral("created_at"), qint64(1700000000000)},
                                   {QStringLiteral("current_leaf_id"), 2},
                                   {QStringLiteral("messages"), QJsonArray{user, answer}}};
    return {{QStringLiteral("format"), QStringLiteral("whalesong")},
            {QStringLiteral("schema_version"), ConversationStore::kSchemaVersion},
            {QStringLiteral("conversations"), QJsonArray{conversation}}};
}

/// Sets `value` at a path of object keys and array indexes inside `root`.
QJsonValue setAt(const QJsonValue& root, const QStringList& path, const QJsonValue& value) {
    if (path.isEmpty())
        return value;
    const QString key = path.constFirst();
    const QStringList rest = path.mid(1);
    bool isIndex = false;
    const int index = key.toInt(&isIndex);
    if (isIndex) {
        QJsonArray a = root.toArray();
        a[index] = setAt(a.at(index), rest, value);
        return a;
    }
    QJsonObject o = root.toObject();
    o[key] = setAt(o.value(key), rest, value);
    return o;
}

QByteArray compact(const QJsonValue& v) {
    return v.isArray() ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                       : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact);
}

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runWhalesong(const QStringList& args,
                 const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(WS_WHALESONG_BIN), args);
    Run r;
    if (!p.waitForFinished(120000) || p.exitStatus() != QProcess::NormalExit) {
        p.kill();
        p.waitForFinished();
        r.err = "did not finish normally: " + p.readAllStandardError();
        return r;
    }
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QList<QByteArray> lines(const QByteArray& text) {
    QList<QByteArray> out = text.split('\n');
    if (!out.isEmpty() && out.constLast().isEmpty())
        out.removeLast();
    return out;
}

} // namespace

class TestStoreFormats : public QObject {
    Q_OBJECT

  private slots:
    void jsonRoundTripIsLossless();
    void jsonRoundTripOfChosenConversationsKeepsTrash();
    void importSkipsExistingUuids();
    void importRefusesNewerSchemaAndOtherFormats();
    void malformedJsonNamesLineAndColumn();
    void malformedFieldsNameTheirPlace_data();
    void malformedFieldsNameTheirPlace();
    void chatGptImport();
    void chatGptSkippedNodesKeepTheTree();
    void markdownExport();
    void openAiJsonlExport();
    void commandLineInProcess();
    void executableEndToEnd();
    void executableDefaultDataDir();
};

void TestStoreFormats::jsonRoundTripIsLossless() {
    QTemporaryDir dirA, dirB;
    WS_OPEN(a, dirA.path());
    fillRichStore(*a);
    const QJsonObject first = a->exportJson();
    QCOMPARE(first.value(QLatin1String("format")).toString(), QStringLiteral("whalesong"));
    QCOMPARE(first.value(QLatin1String("schema_version")).toInt(), ConversationStore::kSchemaVersion);
    QVERIFY(first.value(QLatin1String("exported_at")).toInteger() > 0);
    const QJsonArray convs = first.value(QLatin1String("conversations")).toArray();
    QCOMPARE(convs.size(), 3); // the trashed one is not in "all"
    // The pinned conversation first, as the list shows them; parents before children; stats kept.
    const QJsonObject plan = convs.at(0).toObject();
    QCOMPARE(plan.value(QLatin1String("pinned")).toBool(), true);
    const QJsonArray planMessages = plan.value(QLatin1String("messages")).toArray();
    QCOMPARE(planMessages.size(), 7);
    QSet<qint64> seen;
    for (const QJsonValue& v : planMessages) {
        const QJsonObject m = v.toObject();
        const QJsonValue parent = m.value(QLatin1String("parent_id"));
        QVERIFY(parent.isNull() || seen.contains(parent.toInteger()));
        seen.insert(m.value(QLatin1String("id")).toInteger());
    }
    const QJsonObject answer = planMessages.at(1).toObject();
    QCOMPARE(answer.value(QLatin1String("reasoning")).toString(),
             QStringLiteral("2+2 是基本算术。\n\nSo: 4."));
    const QJsonObject stats = answer.value(QLatin1String("stats")).toObject();
    QCOMPARE(stats.value(QLatin1String("prompt_tokens")).toInt(), 17);
    QCOMPARE(stats.value(QLatin1String("decode_tokens_per_s")).toDouble(), 9.8765432109876);
    QCOMPARE(stats.value(QLatin1String("reasoning_ms")).toDouble(), 4321.125);
    const QJsonObject stopped = planMessages.at(2).toObject();
    QCOMPARE(stopped.value(QLatin1String("status")).toString(), QStringLiteral("stopped"));
    QVERIFY(stopped.value(QLatin1String("stats")).toObject().value(QLatin1String("prompt_tokens")).isNull());
    QVERIFY(stopped.value(QLatin1String("stats")).toObject().value(QLatin1String("reasoning_ms")).isNull());

    // Through the bytes of a file, as a user would carry it.
    const QByteArray file = QJsonDocument(first).toJson(QJsonDocument::Indented);
    WS_OPEN(b, dirB.path());
    WS_VALUE(imported, b->importJson(file));
    QCOMPARE(imported, 3);
    const QJsonObject second = b->exportJson();
    QCOMPARE(compact(withoutTime(second)), compact(withoutTime(first)));
    QCOMPARE(withoutTime(second), withoutTime(first));

    // The store itself, not only the file, has everything: the shown branch, the big message, the statuses.
    const auto plan2 = byUuid(*b, plan.value(QLatin1String("uuid")).toString());
    QVERIFY(plan2);
    QCOMPARE(plan2->title, QStringLiteral("鲸歌 release plan 🐋"));
    QVERIFY(plan2->pinned);
    QCOMPARE(plan2->settings.value(QLatin1String("max_tokens")).toInt(), 4096);
    const auto branch = b->currentBranch(plan2->id);
    QCOMPARE(branch.size(), size_t(4));
    QCOMPARE(branch[1].content, QStringLiteral("**4**"));
    QCOMPARE(branch[1].stats.reasoningMs, std::optional<double>(4321.125));
    QVERIFY(branch[2].content.size() >= 3 * 1024 * 1024);
    QCOMPARE(branch[3].status, MessageStatus::Streaming);
    QCOMPARE(b->siblings(branch[1].id).size(), size_t(3));
    QCOMPARE(b->siblings(branch[0].id).size(), size_t(2)); // the edited question
    const auto every = byUuid(*b, QStringLiteral("0e0c0a08-0604-4002-8000-000000000001"));
    QVERIFY(every);
    const auto everyBranch = b->currentBranch(every->id);
    QCOMPARE(everyBranch.size(), size_t(3));
    QCOMPARE(everyBranch.back().status, MessageStatus::Stopped);
    QCOMPARE(b->messages(every->id).back().status, MessageStatus::Interrupted);
    QCOMPARE(b->messages(every->id)[3].error, QStringLiteral("backend crashed"));
    const auto tools = byUuid(*b, convs.at(1).toObject().value(QLatin1String("uuid")).toString());
    QVERIFY(tools);
    QCOMPARE(tools->title, QStringLiteral("Tools"));
    const auto toolBranch = b->currentBranch(tools->id);
    QCOMPARE(toolBranch.size(), size_t(4));
    QCOMPARE(toolBranch[2].content, QStringLiteral("Let me check."));
    QCOMPARE(toolBranch[2].toolCalls, kToolCalls);
    QVERIFY(toolBranch[1].toolCalls.isEmpty());
}

void TestStoreFormats::jsonRoundTripOfChosenConversationsKeepsTrash() {
    QTemporaryDir dirA, dirB;
    WS_OPEN(a, dirA.path());
    const std::vector<qint64> ids = fillRichStore(*a);
    const QJsonObject first = a->exportJson({ids[3], ids[1]});
    const QJsonArray convs = first.value(QLatin1String("conversations")).toArray();
    QCOMPARE(convs.size(), 2);
    QCOMPARE(convs.at(0).toObject().value(QLatin1String("title")).toString(), QStringLiteral("In the trash"));
    QVERIFY(convs.at(0).toObject().value(QLatin1String("deleted_at")).toInteger() > 0);
    QVERIFY(convs.at(1).toObject().value(QLatin1String("deleted_at")).isNull());

    WS_OPEN(b, dirB.path());
    WS_VALUE(imported, b->importJson(QJsonDocument(first).toJson()));
    QCOMPARE(imported, 2);
    QCOMPARE(b->trash().size(), size_t(1)); // still in the trash, since the same time
    QCOMPARE(b->conversations().size(), size_t(1));
    QCOMPARE(withoutTime(exportByUuid(*b, first)), withoutTime(first));
}

void TestStoreFormats::importSkipsExistingUuids() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    const QByteArray file = QJsonDocument(validExport(QStringLiteral("uuid-1"))).toJson();
    WS_VALUE(first, store->importJson(file));
    QCOMPARE(first, 1);
    WS_VALUE(again, store->importJson(file));
    QCOMPARE(again, 0);
    QCOMPARE(store->conversations().size(), size_t(1));

    // The same conversation twice in one file, next to a new one: the new one only.
    QJsonObject twice = validExport(QStringLiteral("uuid-2"));
    QJsonArray list = twice.value(QLatin1String("conversations")).toArray();
    list.append(list.at(0));
    list.append(validExport(QStringLiteral("uuid-1")).value(QLatin1String("conversations")).toArray().at(0));
    twice.insert(QLatin1String("conversations"), list);
    WS_VALUE(one, store->importJson(QJsonDocument(twice).toJson()));
    QCOMPARE(one, 1);
    QCOMPARE(store->conversations().size(), size_t(2));
}

void TestStoreFormats::importRefusesNewerSchemaAndOtherFormats() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    QJsonObject newer = validExport(QStringLiteral("n"));
    newer.insert(QLatin1String("schema_version"), ConversationStore::kSchemaVersion + 1);
    const auto r = store->importJson(QJsonDocument(newer).toJson());
    QVERIFY(!r.isOk());
    const QString message = QString::fromStdString(r.status().message());
    QVERIFY2(message.startsWith(QLatin1String("schema_version:")) && message.contains(QLatin1String("newer")),
             qPrintable(message));
    QVERIFY(message.contains(QString::number(ConversationStore::kSchemaVersion + 1)));

    QJsonObject other = validExport(QStringLiteral("o"));
    other.insert(QLatin1String("format"), QStringLiteral("chatbox"));
    const auto r2 = store->importJson(QJsonDocument(other).toJson());
    QVERIFY(!r2.isOk());
    QVERIFY2(r2.status().message().rfind("format:", 0) == 0, r2.status().message().c_str());

    const auto r3 = store->importJson("\"just a string\"");
    QVERIFY(!r3.isOk());
    QVERIFY(store->conversations().empty());
}

void TestStoreFormats::malformedJsonNamesLineAndColumn() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    // The error is on line 3; "鲸歌" before it on the same line counts two columns, not six bytes.
    const QByteArray bad = "{\n  \"format\": \"whalesong\",\n  \"鲸歌\": [1, , 2]\n}\n";
    const auto r = store->importJson(bad);
    QVERIFY(!r.isOk());
    const QString message = QString::fromStdString(r.status().message());
    QVERIFY2(message.startsWith(QLatin1String("line 3, column 13: ")), qPrintable(message)); // the 2nd comma
    const auto garbage = store->importJson("[]\n\n  x");
    QVERIFY(!garbage.isOk());
    QVERIFY2(garbage.status().message().rfind("line 3, column 3: ", 0) == 0,
             garbage.status().message().c_str());
    const auto badUtf8 = store->importJson("[\n{\"title\": \"鲸\xff\"}]");
    QVERIFY(!badUtf8.isOk());
    QVERIFY2(badUtf8.status().message().rfind("line 2, column 13: ", 0) == 0,
             badUtf8.status().message().c_str());

    const auto truncated =
        store->importJson(QJsonDocument(validExport(QStringLiteral("t"))).toJson().chopped(5));
    QVERIFY(!truncated.isOk());
    QVERIFY2(truncated.status().message().rfind("line ", 0) == 0, truncated.status().message().c_str());
    QVERIFY(store->conversations().empty());
}

void TestStoreFormats::malformedFieldsNameTheirPlace_data() {
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("expected");

    // Our format: a valid conversation first, the broken one second — nothing of the first may be imported.
    const QJsonObject base = [] {
        QJsonObject o = validExport(QStringLiteral("good"));
        QJsonArray list = o.value(QLatin1String("conversations")).toArray();
        QJsonObject second = validExport(QStringLiteral("broken"))
                                 .value(QLatin1String("conversations"))
                                 .toArray()
                                 .at(0)
                                 .toObject();
        list.append(second);
        o.insert(QLatin1String("conversations"), list);
        return o;
    }();
    const auto broken = [&](const QStringList& path, const QJsonValue& value) {
        return compact(
            setAt(base, QStringList{QStringLiteral("conversations"), QStringLiteral("1")} + path, value));
    };
    QTest::newRow("unknown role")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("role")},
                  QStringLiteral("robot"))
        << QStringLiteral("conversations[1].messages[1].role: unknown role 'robot'");
    QTest::newRow("missing parent")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("parent_id")}, 9)
        << QStringLiteral("conversations[1].messages[1].parent_id: no message with id 9");
    QTest::newRow("unknown status")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("status")},
                  QStringLiteral("done"))
        << QStringLiteral("conversations[1].messages[1].status: unknown status 'done'");
    QTest::newRow("time as text")
        << broken({QStringLiteral("messages"), QStringLiteral("0"), QStringLiteral("created_at")},
                  QStringLiteral("yesterday"))
        << QStringLiteral("conversations[1].messages[0].created_at: expected a whole number");
    QTest::newRow("id used twice") << broken({QStringLiteral("messages"), QStringLiteral("1"),
                                              QStringLiteral("id")},
                                             1)
                                   << QStringLiteral("conversations[1].messages[1].id: 1 is used twice");
    QTest::newRow("missing role") << broken({QStringLiteral("messages"), QStringLiteral("0"),
                                             QStringLiteral("role")},
                                            QJsonValue::Null)
                                  << QStringLiteral("conversations[1].messages[0].role: missing");
    QTest::newRow("tool calls not a list")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("tool_calls")},
                  QStringLiteral("get_weather"))
        << QStringLiteral("conversations[1].messages[1].tool_calls: expected an array");
    QTest::newRow("tool call without a name")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("tool_calls")},
                  QJsonArray{QJsonObject{{QStringLiteral("id"), QStringLiteral("call_1")},
                                         {QStringLiteral("function"),
                                          QJsonObject{{QStringLiteral("arguments"), QStringLiteral("{}")}}}}})
        << QStringLiteral("conversations[1].messages[1].tool_calls[0].function.name: missing");
    QTest::newRow("tool call of another type")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("tool_calls")},
                  QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("retrieval")}}})
        << QStringLiteral("conversations[1].messages[1].tool_calls[0].type: unknown type 'retrieval'");
    QTest::newRow("tool call arguments as an object")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("tool_calls")},
                  QJsonArray{QJsonObject{{QStringLiteral("function"),
                                          QJsonObject{{QStringLiteral("name"), QStringLiteral("f")},
                                                      {QStringLiteral("arguments"), QJsonObject{}}}}}})
        << QStringLiteral("conversations[1].messages[1].tool_calls[0].function.arguments: expected a string");
    QTest::newRow("bad leaf") << broken({QStringLiteral("current_leaf_id")}, 7)
                              << QStringLiteral("conversations[1].current_leaf_id: no message with id 7");
    QTest::newRow("stats")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("stats"),
                   QStringLiteral("completion_tokens")},
                  1.5)
        << QStringLiteral("conversations[1].messages[1].stats.completion_tokens: expected a whole number");
    QTest::newRow("negative reasoning time")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("stats"),
                   QStringLiteral("reasoning_ms")},
                  -1.0)
        << QStringLiteral("conversations[1].messages[1].stats.reasoning_ms: out of range");
    QTest::newRow("reasoning time as text")
        << broken({QStringLiteral("messages"), QStringLiteral("1"), QStringLiteral("stats"),
                   QStringLiteral("reasoning_ms")},
                  QStringLiteral("long"))
        << QStringLiteral("conversations[1].messages[1].stats.reasoning_ms: expected a number");
    QTest::newRow("messages not a list") << broken({QStringLiteral("messages")}, QStringLiteral("none"))
                                         << QStringLiteral("conversations[1].messages: expected an array");
    QTest::newRow("no conversations")
        << compact(QJsonObject{{QStringLiteral("format"), QStringLiteral("whalesong")},
                               {QStringLiteral("schema_version"), 1}})
        << QStringLiteral("conversations: missing");

    // ChatGPT's format: the fixture with its second conversation broken.
    const QJsonArray chatGpt = QJsonDocument::fromJson(readAll(kFixture)).array();
    const QString userNode = QStringLiteral("aaa2f0e1-d2c3-4b4a-9e5f-6a7b8c9d0e02");
    const auto brokenGpt = [&](const QStringList& path, const QJsonValue& value) {
        return compact(setAt(chatGpt, QStringList{QStringLiteral("1")} + path, value));
    };
    QTest::newRow("chatgpt role")
        << brokenGpt({QStringLiteral("mapping"), userNode, QStringLiteral("message"),
                      QStringLiteral("author"), QStringLiteral("role")},
                     QStringLiteral("robot"))
        << QStringLiteral("[1].mapping.%1.message.author.role: unknown role 'robot'").arg(userNode);
    QTest::newRow("chatgpt parent")
        << brokenGpt({QStringLiteral("mapping"), userNode, QStringLiteral("parent")}, QStringLiteral("abc"))
        << QStringLiteral("[1].mapping.%1.parent: no node 'abc' in mapping").arg(userNode);
    QTest::newRow("chatgpt time")
        << brokenGpt({QStringLiteral("mapping"), userNode, QStringLiteral("message"),
                      QStringLiteral("create_time")},
                     QStringLiteral("noon"))
        << QStringLiteral("[1].mapping.%1.message.create_time: expected a number").arg(userNode);
    QTest::newRow("chatgpt current node")
        << brokenGpt({QStringLiteral("current_node")}, QStringLiteral("nope"))
        << QStringLiteral("[1].current_node: no node 'nope' in mapping");
    QTest::newRow("chatgpt mapping") << brokenGpt({QStringLiteral("mapping")}, QJsonValue::Null)
                                     << QStringLiteral("[1].mapping: missing or not an object");
    QJsonArray cycle = chatGpt;
    cycle = setAt(cycle,
                  {QStringLiteral("1"), QStringLiteral("mapping"),
                   QStringLiteral("aaa1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a00"), QStringLiteral("parent")},
                  userNode)
                .toArray();
    QTest::newRow("chatgpt cycle") << compact(cycle) << QStringLiteral("the parents form a cycle");
}

void TestStoreFormats::malformedFieldsNameTheirPlace() {
    QFETCH(QByteArray, json);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    fillRichStore(*store, 1000);
    const QJsonObject before = store->exportJson();

    const auto r = store->importJson(json);
    QVERIFY(!r.isOk());
    QCOMPARE(r.status().code(), ws::Code::FormatError);
    const QString message = QString::fromStdString(r.status().message());
    QVERIFY2(message.contains(expected), qPrintable(message));
    QVERIFY2(!message.contains(QLatin1Char('\n')), qPrintable(message));
    // Nothing half-imported: the store is as it was.
    QCOMPARE(withoutTime(store->exportJson()), withoutTime(before));
    QVERIFY(!byUuid(*store, QStringLiteral("good")));
    QVERIFY(!byUuid(*store, kChineseUuid));
}

void TestStoreFormats::chatGptImport() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    WS_VALUE(imported, store->importJson(readAll(kFixture)));
    QCOMPARE(imported, 2);

    const auto zh = byUuid(*store, kChineseUuid);
    QVERIFY(zh);
    QCOMPARE(zh->title, QStringLiteral("鲸歌的寓意"));
    QCOMPARE(zh->createdAt, qint64(1738652345123));
    QCOMPARE(zh->updatedAt, qint64(1738652530988));
    QCOMPARE(zh->model, QStringLiteral("gpt-4o"));
    // The null root and the hidden empty system node are gone; the two versions of the first question
    // (an edit) are two roots, siblings of each other.
    const auto all = store->messages(zh->id);
    QCOMPARE(all.size(), size_t(6));
    const auto branch = store->currentBranch(zh->id);
    QCOMPARE(
        contents(branch),
        (QStringList{QStringLiteral("“鲸歌”这个名字有什么寓意？请简短回答。"),
                     QStringLiteral("寓意是：在深海里，声音能传得很远——一个安静却能被远方听见的声音。"),
                     QStringLiteral("再用英文说一遍"),
                     QStringLiteral("The meaning: in the deep ocean a whale's song carries for hundreds of "
                                    "kilometres — a quiet voice that is still heard far away.")}));
    QVERIFY(!branch[0].parentId);
    QCOMPARE(branch[0].role, QStringLiteral("user"));
    QCOMPARE(branch[1].role, QStringLiteral("assistant"));
    QCOMPARE(branch[1].model, QStringLiteral("gpt-4o"));
    QCOMPARE(branch[1].status, MessageStatus::Complete);
    QCOMPARE(branch[1].createdAt, qint64(1738652412800));
    const auto versions = store->siblings(branch[0].id);
    QCOMPARE(contents(versions), (QStringList{QStringLiteral("鲸歌是什么意思？"), branch[0].content}));
    QCOMPARE(store->currentBranch(zh->id).size(), size_t(4));

    const auto en = byUuid(*store, kEnglishUuid);
    QVERIFY(en);
    QCOMPARE(en->model, QStringLiteral("o3-mini"));
    const auto enBranch = store->currentBranch(en->id);
    QStringList roles;
    for (const auto& m : enBranch)
        roles << m.role;
    // Hidden context, the thoughts node and the "Thought for 6 seconds" recap are not messages of their own.
    QCOMPARE(roles,
             (QStringList{QStringLiteral("user"), QStringLiteral("assistant"), QStringLiteral("user"),
                          QStringLiteral("assistant"), QStringLiteral("tool"), QStringLiteral("assistant")}));
    QCOMPARE(enBranch[0].content,
             QStringLiteral(
                 "My sourdough starter smells like nail polish remover. Is it ruined?")); // image skipped
    QVERIFY(enBranch[1].content.startsWith(QLatin1String("Not ruined")));
    QCOMPARE(
        enBranch[1].reasoning,
        QStringLiteral("**Diagnosing the smell**\n\nAn acetone smell means the yeast has run out of food and "
                       "is producing ethyl acetate; the starter is hungry, not dead."));
    QVERIFY(enBranch[2].reasoning.isEmpty());
    QCOMPARE(enBranch[3].content, QStringLiteral("print(f\"{80 / 100:.0%}\")"));
    QCOMPARE(enBranch[4].content, QStringLiteral("80%"));
    QCOMPARE(store->messages(en->id).size(), size_t(6));

    // Found by search like any conversation: a 2-character Chinese word and an English one.
    const auto hits = store->search(QStringLiteral("深海"));
    QCOMPARE(hits.size(), size_t(1));
    QCOMPARE(hits[0].messageId, branch[1].id);

    WS_VALUE(again, store->importJson(readAll(kFixture)));
    QCOMPARE(again, 0);
}

void TestStoreFormats::chatGptSkippedNodesKeepTheTree() {
    // root(null) → system(hidden, empty) → user → { answer A, hidden node → answer B }; current node: a
    // hidden leaf under answer B, which stands for it.
    const QByteArray json = R"([{
      "title": null, "create_time": 1700000000.0, "update_time": null, "id": "tree-1",
      "mapping": {
        "r": {"id": "r", "message": null, "parent": null, "children": ["s"]},
        "s": {"id": "s", "parent": "r", "children": ["u"], "message": {"author": {"role": "system"},
              "content": {"content_type": "text", "parts": [""]}, "create_time": null}},
        "u": {"id": "u", "parent": "s", "children": ["b-hidden", "a"], "message": {"author": {"role": "user"},
              "content": {"content_type": "text", "parts": ["question"]}, "create_time": 1700000001.5}},
        "a": {"id": "a", "parent": "u", "children": [], "message": {"author": {"role": "assistant"},
              "content": {"content_type": "text", "parts": ["answer A"]}, "create_time": 1700000002}},
        "b-hidden": {"id": "b-hidden", "parent": "u", "children": ["b"], "message": {"author": {"role": "assistant"},
              "content": {"content_type": "text", "parts": ["secret"]}, "metadata": {"is_visually_hidden_from_conversation": true}}},
        "b": {"id": "b", "parent": "b-hidden", "children": ["leaf"], "message": {"author": {"role": "assistant"},
              "content": {"content_type": "text", "parts": ["answer B", "second part"]}, "create_time": 1700000003}},
        "leaf": {"id": "leaf", "parent": "b", "children": [], "message": null}
      },
      "current_node": "leaf"
    }])";
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    WS_VALUE(imported, store->importJson(json));
    QCOMPARE(imported, 1);
    const auto c = byUuid(*store, QStringLiteral("tree-1"));
    QVERIFY(c);
    QCOMPARE(c->title, QString());
    QCOMPARE(store->messages(c->id).size(), size_t(3));
    const auto branch = store->currentBranch(c->id);
    QCOMPARE(contents(branch),
             (QStringList{QStringLiteral("question"), QStringLiteral("answer B\nsecond part")}));
    // Both answers hang under the question ("children" order kept); the hidden one is not there.
    QCOMPARE(contents(store->siblings(branch[1].id)),
             (QStringList{QStringLiteral("answer B\nsecond part"), QStringLiteral("answer A")}));
    QCOMPARE(branch[0].createdAt, qint64(1700000001500));
}

void TestStoreFormats::markdownExport() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    const qint64 c = *store->createConversation(QStringLiteral("鲸歌 notes"), QStringLiteral("deepseek-v3"),
                                                QStringLiteral("You are brief."));
    const qint64 u =
        *store->addMessage(c, std::nullopt, QStringLiteral("user"), QStringLiteral("Show `code`:"));
    const qint64 other = *store->beginAnswer(c, u, QStringLiteral("m"), QStringLiteral("cpu"));
    WS_VERIFY_OK(store->finishAnswer(other, QStringLiteral("OTHER BRANCH"), {}, MessageStatus::Complete, {}));
    const qint64 a = *store->beginAnswer(c, u, QStringLiteral("m"), QStringLiteral("cpu"));
    MessageStats stats;
    stats.completionTokens = 812;
    stats.decodeTokensPerSecond = 12.34;
    stats.promptTokens = 40;
    stats.prefillTokensPerSecond = 310.5;
    stats.timeToFirstTokenMs = 420;
    const QString answer = QStringLiteral("```cpp\nint main() {}\n```\n\n- 一\n- two");
    WS_VERIFY_OK(store->finishAnswer(a, answer, QStringLiteral("Let me think.\nStep 2."),
                                     MessageStatus::Complete, stats));
    const qint64 u2 = *store->addMessage(c, a, QStringLiteral("user"), QStringLiteral("Again"));
    const qint64 failed = *store->beginAnswer(c, u2, QStringLiteral("m"), QStringLiteral("cpu"));
    WS_VERIFY_OK(
        store->finishAnswer(failed, {}, {}, MessageStatus::Error, {}, QStringLiteral("out of memory")));

    const QString md = store->exportMarkdown(c);
    const QString expected = QStringLiteral(
        "# 鲸歌 notes\n\n"
        "## System prompt\n\nYou are brief.\n\n"
        "## User\n\nShow `code`:\n\n"
        "## Assistant\n\n"
        "<details><summary>Thinking</summary>\n\nLet me think.\nStep 2.\n\n</details>\n\n"
        "```cpp\nint main() {}\n```\n\n- 一\n- two\n\n"
        "*812 tokens · 12.3 tokens/s · prompt 40 tokens at 310.5 tokens/s · first token 0.42 s*\n\n"
        "## User\n\nAgain\n\n"
        "## Assistant\n\n*(error: out of memory)*\n");
    QCOMPARE(md, expected);
    QVERIFY(!md.contains(QLatin1String("OTHER BRANCH")));
    QVERIFY(store->exportMarkdown(424242).isEmpty());

    // Tool calls: a heading each and the arguments laid out as JSON, in the model's key order.
    const std::vector<qint64> ids = fillRichStore(*store, 16);
    const QString tools = store->exportMarkdown(ids[1]);
    QVERIFY2(tools.contains(QStringLiteral("## Assistant\n\nLet me check.\n\n"
                                           "**Tool call: get_weather**\n\n```json\n{\n  \"city\": \"杭州\",\n  \"days\": 3,\n"
                                           "  \"a\": []\n}\n```\n\n"
                                           "**Tool call: get_time**\n\n```json\n{}\n```\n\n## Tool\n\n")),
             qPrintable(tools));
}

void TestStoreFormats::openAiJsonlExport() {
    QTemporaryDir dir;
    WS_OPEN(store, dir.path());
    const std::vector<qint64> ids = fillRichStore(*store);
    const QByteArray jsonl = store->exportOpenAiJsonl(ids[0]);
    QVERIFY(jsonl.endsWith('\n'));
    const QList<QByteArray> rows = lines(jsonl);
    const auto branch = store->currentBranch(ids[0]);
    QCOMPARE(rows.size(), qsizetype(branch.size()) + 1);
    QList<QJsonObject> objects;
    for (const QByteArray& row : rows) {
        QJsonParseError e{};
        const QJsonDocument doc = QJsonDocument::fromJson(row, &e);
        QVERIFY2(e.error == QJsonParseError::NoError && doc.isObject(), row.left(200).constData());
        objects << doc.object();
    }
    QCOMPARE(objects[0],
             (QJsonObject{{QStringLiteral("role"), QStringLiteral("system")},
                          {QStringLiteral("content"), QStringLiteral("You are 鲸歌.\nAnswer briefly.")}}));
    QCOMPARE(objects[1].value(QLatin1String("role")).toString(), QStringLiteral("user"));
    QVERIFY(!objects[1].contains(QLatin1String("reasoning_content")));
    QCOMPARE(objects[2], (QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                                      {QStringLiteral("content"), QStringLiteral("**4**")},
                                      {QStringLiteral("reasoning_content"),
                                       QStringLiteral("2+2 是基本算术。\n\nSo: 4.")}}));
    QCOMPARE(objects[3].value(QLatin1String("content")).toString(), branch[2].content); // 3 MB on one line

    // No system prompt: no system line; the tool conversation keeps its own system message.
    const QList<QByteArray> tools = lines(store->exportOpenAiJsonl(ids[1]));
    QCOMPARE(tools.size(), 4);
    QCOMPARE(QJsonDocument::fromJson(tools[2]).object(),
             (QJsonObject{{QStringLiteral("role"), QStringLiteral("assistant")},
                          {QStringLiteral("content"), QStringLiteral("Let me check.")},
                          {QStringLiteral("tool_calls"), kToolCalls}}));
    QCOMPARE(QJsonDocument::fromJson(tools[3]).object().value(QLatin1String("role")).toString(),
             QStringLiteral("tool"));
    QVERIFY(store->exportOpenAiJsonl(424242).isEmpty());
}

void TestStoreFormats::commandLineInProcess() {
    QString outText, errText;
    QTextStream out(&outText), err(&errText);
    const CommandLine none(QStringList{QStringLiteral("whalesong")});
    QVERIFY(!none.hasDataCommand());
    QVERIFY(none.usage().contains(QLatin1String("--export")));
    QCOMPARE(none.run(out, err), 0);
    QVERIFY(outText.contains(QLatin1String("--import")));

    QTemporaryDir dir;
    const CommandLine both(QStringList{QStringLiteral("whalesong"), QStringLiteral("--data-dir"), dir.path(),
                                       QStringLiteral("--export"), QStringLiteral("a.json"),
                                       QStringLiteral("--search"), QStringLiteral("x")});
    QVERIFY(both.hasDataCommand());
    QCOMPARE(both.run(out, err), 1);
    QVERIFY2(errText.contains(QLatin1String("cannot be used together")), qPrintable(errText));

    errText.clear();
    const CommandLine unknown(QStringList{QStringLiteral("whalesong"), QStringLiteral("--frobnicate")});
    QVERIFY(unknown.hasDataCommand());
    QCOMPARE(unknown.run(out, err), 1);
    QCOMPARE(errText.count(QLatin1Char('\n')), 1);
    QVERIFY2(errText.contains(QLatin1String("frobnicate")), qPrintable(errText));
}

void TestStoreFormats::executableEndToEnd() {
    QTemporaryDir dir1, dir2, dir3, files;
    const QString d1 = dir1.path();

    Run r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--import"), kFixture});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("imported 2 conversations\n"));

    // The ids to expect, straight from the store (the process has ended).
    qint64 deepSea = 0, acetone = 0;
    {
        WS_OPEN(store, d1);
        for (const auto& m : store->messages(byUuid(*store, kChineseUuid)->id))
            if (m.content.contains(QStringLiteral("深海")))
                deepSea = m.id;
        for (const auto& m : store->messages(byUuid(*store, kEnglishUuid)->id))
            if (m.content.contains(QStringLiteral("acetone")))
                acetone = m.id;
    }
    QVERIFY(deepSea > 0 && acetone > 0);

    for (const auto& [query, uuid, id, title] :
         {std::tuple{QStringLiteral("深海"), kChineseUuid, deepSea, QStringLiteral("鲸歌的寓意")},
          std::tuple{QStringLiteral("acetone"), kEnglishUuid, acetone,
                     QStringLiteral("Sourdough starter smells like acetone")}}) {
        r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--search"), query});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const QList<QByteArray> rows = lines(r.out);
        QCOMPARE(rows.size(), 1);
        const QJsonObject hit = QJsonDocument::fromJson(rows[0]).object();
        QCOMPARE(hit.value(QLatin1String("conversation_id")).toString(), uuid);
        QCOMPARE(hit.value(QLatin1String("message_id")).toInteger(), id);
        QCOMPARE(hit.value(QLatin1String("title")).toString(), title);
        QVERIFY2(hit.value(QLatin1String("snippet"))
                     .toString()
                     .contains(QLatin1Char('[') + query + QLatin1Char(']')),
                 rows[0].constData());
    }
    r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--search"), QStringLiteral("zebra")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.isEmpty());

    // Export, import into a fresh folder, export again: the same.
    const QString exported = files.filePath(QStringLiteral("all.json"));
    r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--export"), exported});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    r = runWhalesong({QStringLiteral("--data-dir"), dir2.path(), QStringLiteral("--import"), exported});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(r.out, QByteArray("imported 2 conversations\n"));
    const QString again = files.filePath(QStringLiteral("again.json"));
    r = runWhalesong({QStringLiteral("--data-dir"), dir2.path(), QStringLiteral("--export"), again});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonObject first = QJsonDocument::fromJson(readAll(exported)).object();
    QCOMPARE(first.value(QLatin1String("conversations")).toArray().size(), 2);
    QCOMPARE(withoutTime(QJsonDocument::fromJson(readAll(again)).object()), withoutTime(first));

    // One conversation; Markdown and JSONL of it.
    r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--export"), QStringLiteral("-"),
                      QStringLiteral("--conversation"), kEnglishUuid});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    const QJsonArray one =
        QJsonDocument::fromJson(r.out).object().value(QLatin1String("conversations")).toArray();
    QCOMPARE(one.size(), 1);
    QCOMPARE(one.at(0).toObject().value(QLatin1String("uuid")).toString(), kEnglishUuid);
    const QString md = files.filePath(QStringLiteral("zh.md"));
    r = runWhalesong(
        {QStringLiteral("--data-dir"), d1, QStringLiteral("--export-markdown"), kChineseUuid, md});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY(QString::fromUtf8(readAll(md))
                .startsWith(QStringLiteral("# 鲸歌的寓意\n\n## User\n\n“鲸歌”这个名字")));
    r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--export-jsonl"), kEnglishUuid,
                      QStringLiteral("-")});
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QCOMPARE(lines(r.out).size(), 6);
    QVERIFY(QJsonDocument::fromJson(lines(r.out)[1]).object().contains(QLatin1String("reasoning_content")));
    r = runWhalesong({QStringLiteral("--data-dir"), d1, QStringLiteral("--export-jsonl"),
                      QStringLiteral("no-such-uuid"), QStringLiteral("-")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("no-such-uuid"), r.err.constData());

    // A malformed file: exit 1, one line naming the file and the place, nothing imported.
    QByteArray broken = readAll(kFixture);
    const qsizetype cut = broken.indexOf("\"Sourdough starter");
    broken.insert(cut, "}"); // the second conversation's title becomes  "title": }"Sourdough…
    const QString bad = files.filePath(QStringLiteral("broken.json"));
    writeFile(bad, broken);
    const int line = int(broken.left(cut).count('\n')) + 1;
    const int column = int(cut - broken.lastIndexOf('\n', cut)); // the '}', 1-based
    r = runWhalesong({QStringLiteral("--data-dir"), dir3.path(), QStringLiteral("--import"), bad});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(r.err.startsWith("whalesong: " + bad.toUtf8() + ": line " + QByteArray::number(line) +
                              ", column " + QByteArray::number(column) + ": "),
             r.err.constData());
    QByteArray wrongRole = readAll(kFixture);
    wrongRole.replace("\"role\": \"tool\"", "\"role\": \"robot\"");
    writeFile(bad, wrongRole);
    r = runWhalesong({QStringLiteral("--data-dir"), dir3.path(), QStringLiteral("--import"), bad});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err.count('\n'), 1);
    QVERIFY2(
        r.err.contains(
            ": [1].mapping.d4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f01.message.author.role: unknown role 'robot'"),
        r.err.constData());
    r = runWhalesong({QStringLiteral("--data-dir"), dir3.path(), QStringLiteral("--import"),
                      files.filePath(QStringLiteral("missing.json"))});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains("missing.json: cannot read"), r.err.constData());
    {
        WS_OPEN(store, dir3.path());
        QVERIFY(store->conversations().empty());
    }

    // --help: usage, exit 0, no window.
    r = runWhalesong({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains("--data-dir"));
}

void TestStoreFormats::executableDefaultDataDir() {
    // Without --data-dir the store is in the application data folder (XDG_DATA_HOME/Whalesong/whalesong).
    QTemporaryDir home;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
    const Run r = runWhalesong({QStringLiteral("--import"), kFixture}, env);
    QVERIFY2(r.exitCode == 0, r.err.constData());
    QVERIFY(QFile::exists(home.filePath(QStringLiteral("data/Whalesong/whalesong/whalesong.db"))));
}

QTEST_GUILESS_MAIN(TestStoreFormats)
#include "tst_store_formats.moc"
