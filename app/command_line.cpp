// CommandLine: --export, --import, --search, --export-markdown and --export-jsonl over a ConversationStore.
#include "command_line.h"

#include "conversation_store.h"

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTextStream>
#include <array>
#include <optional>

namespace {

/// The parser with every option; built once per use (QCommandLineParser is neither copyable nor cheap to
/// keep around, and the class stays a plain value).
struct Options {
    QCommandLineParser parser;
    QCommandLineOption help{{QStringLiteral("h"), QStringLiteral("help")}, QCoreApplication::translate("CommandLine", "Show this help.")};
    QCommandLineOption version{{QStringLiteral("v"), QStringLiteral("version")},
                               QCoreApplication::translate("CommandLine", "Show the version.")};
    QCommandLineOption dataDir{QStringLiteral("data-dir"),
                               QCoreApplication::translate("CommandLine", "Keep the conversations in DIR (default: the application data "
                                                                     "folder)."),
                               QStringLiteral("DIR")};
    QCommandLineOption exportJson{
        QStringLiteral("export"),
        QCoreApplication::translate("CommandLine", "Write all conversations (or --conversation) as lossless JSON to "
                                                     "FILE (- for standard output)."),
        QStringLiteral("FILE")};
    QCommandLineOption conversation{QStringLiteral("conversation"),
                                    QCoreApplication::translate("CommandLine", "With --export: only the conversation UUID."),
                                    QStringLiteral("UUID")};
    QCommandLineOption importJson{
        QStringLiteral("import"),
        QCoreApplication::translate("CommandLine", "Import a Whalesong export or ChatGPT's conversations.json from "
                                                     "FILE (all or nothing)."),
        QStringLiteral("FILE")};
    QCommandLineOption search{
        QStringLiteral("search"),
        QCoreApplication::translate("CommandLine", "Search every conversation; one JSON object per match and line."),
        QStringLiteral("QUERY")};
    QCommandLineOption limit{QStringLiteral("limit"),
                             QCoreApplication::translate("CommandLine", "With --search: at most N matches (50)."), QStringLiteral("N"),
                             QStringLiteral("50")};
    QCommandLineOption exportMarkdown{
        QStringLiteral("export-markdown"),
        QCoreApplication::translate("CommandLine", "Write the shown branch of conversation UUID as Markdown to "
                                                     "the FILE given after it (- for standard output)."),
        QStringLiteral("UUID")};
    QCommandLineOption exportJsonl{
        QStringLiteral("export-jsonl"),
        QCoreApplication::translate("CommandLine", "Write the shown branch of conversation UUID as OpenAI chat "
                                                     "messages, one JSON object per line, to the FILE given after it."),
        QStringLiteral("UUID")};

    QCommandLineOption screenshots{
        QStringLiteral("screenshots"),
        QCoreApplication::translate("CommandLine", "Open the window, save pictures of it and of the settings dialog "
                                                     "in both languages as PNG files in DIR, and quit."),
        QStringLiteral("DIR")};

    Options() {
        parser.setApplicationDescription(
            QCoreApplication::translate("CommandLine", "Whalesong: local chat with DeepSeek-V3-class models.\n"
                                                         "The data commands below work without opening a window."));
        parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
        parser.addOptions({help, version, dataDir, exportJson, conversation, importJson, search, limit, exportMarkdown,
                           exportJsonl, screenshots});
        parser.addPositionalArgument(
            QStringLiteral("FILE"),
            QCoreApplication::translate("CommandLine", "The output file of --export-markdown and --export-jsonl."),
            QStringLiteral("[FILE]"));
    }

    std::array<const QCommandLineOption*, 5> commands() const {
        return {&exportJson, &importJson, &search, &exportMarkdown, &exportJsonl};
    }
};

/// Errors are one line: a message from a nested layer could carry line breaks.
QString oneLine(QString s) {
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return s;
}

int fail(QTextStream& err, const QString& message) {
    err << "whalesong: " << oneLine(message) << Qt::endl;
    return 1;
}

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

/// Writes `bytes` to `file` atomically (a half-written export never replaces a good one); "-": `out`.
std::optional<QString> writeOut(const QString& file, const QByteArray& bytes, QTextStream& out) {
    if (file == QLatin1String("-")) {
        out << QString::fromUtf8(bytes);
        out.flush();
        return std::nullopt;
    }
    QSaveFile f(file);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return QCoreApplication::translate("CommandLine", "%1: cannot write: %2").arg(file, f.errorString());
    return std::nullopt;
}

std::optional<qint64> findUuid(const ConversationStore& store, const QString& uuid) {
    for (const auto& list : {store.conversations(), store.trash()})
        for (const ConversationRecord& c : list)
            if (c.uuid == uuid)
                return c.id;
    return std::nullopt;
}

} // namespace

CommandLine::CommandLine(QStringList arguments) : m_arguments(std::move(arguments)) {}

bool CommandLine::hasDataCommand() const {
    Options o;
    if (!o.parser.parse(m_arguments))
        return true; // run() reports the mistake
    if (o.parser.isSet(o.help) || o.parser.isSet(o.version))
        return true;
    for (const QCommandLineOption* c : o.commands())
        if (o.parser.isSet(*c))
            return true;
    return false;
}

QString CommandLine::dataDir() const {
    Options o;
    QString dir = o.parser.parse(m_arguments) ? o.parser.value(o.dataDir) : QString();
    return dir.isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) : dir;
}

QString CommandLine::screenshotDir() const {
    Options o;
    return o.parser.parse(m_arguments) ? o.parser.value(o.screenshots) : QString();
}

QString CommandLine::usage() const {
    Options o;
    return o.parser.helpText();
}

int CommandLine::run(QTextStream& out, QTextStream& err) const {
    Options o;
    QCommandLineParser& p = o.parser;
    if (!p.parse(m_arguments))
        return fail(err, p.errorText());
    if (p.isSet(o.help)) {
        out << p.helpText();
        return 0;
    }
    if (p.isSet(o.version)) { // "NAME VERSION": the name is also the window's WM_CLASS (the .desktop file's StartupWMClass)
        out << QCoreApplication::applicationName() << ' ' << QCoreApplication::applicationVersion() << Qt::endl;
        return 0;
    }
    const QCommandLineOption* command = nullptr;
    for (const QCommandLineOption* c : o.commands()) {
        if (!p.isSet(*c))
            continue;
        if (command)
            return fail(err, QCoreApplication::translate("CommandLine", "--%1 and --%2 cannot be used together")
                                 .arg(command->names().constFirst(), c->names().constFirst()));
        command = c;
    }
    if (!command) { // the window's business, not ours
        out << p.helpText();
        return 0;
    }
    const bool wantsFile = command == &o.exportMarkdown || command == &o.exportJsonl;
    const QStringList positional = p.positionalArguments();
    if (wantsFile && positional.size() != 1)
        return fail(err, QCoreApplication::translate("CommandLine", "--%1 UUID FILE: give one output FILE (- for standard output)")
                             .arg(command->names().constFirst()));
    if (!wantsFile && !positional.isEmpty())
        return fail(err, QCoreApplication::translate("CommandLine", "unexpected argument: %1").arg(positional.constFirst()));
    if (p.isSet(o.screenshots))
        return fail(err, QCoreApplication::translate("CommandLine", "--screenshots opens the window: it goes with no data command"));
    if (p.isSet(o.conversation) && command != &o.exportJson)
        return fail(err, QCoreApplication::translate("CommandLine", "--conversation goes with --export"));

    const QString dataDir = this->dataDir();
    OpenNotice notice;
    auto opened = ConversationStore::open(dataDir, &notice);
    if (!opened)
        return fail(err, fromStd(opened.status().message()));
    ConversationStore& store = **opened;
    QStringList told;
    if (!notice.setAsidePath.isEmpty())
        told << QCoreApplication::translate("CommandLine", "the database could not be read; it was kept as %1 and a new one started")
                    .arg(notice.setAsidePath);
    if (notice.interruptedMessages > 0)
        told << QCoreApplication::translate("CommandLine", "%n answer(s) cut short by a crash were marked interrupted",
                                                  nullptr, notice.interruptedMessages);
    if (!told.isEmpty())
        err << "whalesong: " << QCoreApplication::translate("CommandLine", "note: %1").arg(oneLine(told.join(QLatin1String("; ")))) << Qt::endl;

    if (command == &o.exportJson) {
        std::vector<qint64> ids;
        if (p.isSet(o.conversation)) {
            const auto id = findUuid(store, p.value(o.conversation));
            if (!id)
                return fail(err, QCoreApplication::translate("CommandLine", "--conversation: no conversation %1").arg(p.value(o.conversation)));
            ids.push_back(*id);
        }
        const QByteArray bytes = QJsonDocument(store.exportJson(ids)).toJson(QJsonDocument::Indented);
        if (const auto e = writeOut(p.value(o.exportJson), bytes, out))
            return fail(err, *e);
        return 0;
    }

    if (command == &o.importJson) {
        const QString file = p.value(o.importJson);
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return fail(err, QCoreApplication::translate("CommandLine", "%1: cannot read: %2").arg(file, f.errorString()));
        const QByteArray bytes = f.readAll();
        const auto imported = store.importJson(bytes);
        if (!imported)
            return fail(err, file + QLatin1String(": ") + fromStd(imported.status().message()));
        out << QCoreApplication::translate("CommandLine", "imported %n conversation(s)", nullptr, *imported) << Qt::endl;
        return 0;
    }

    if (command == &o.search) {
        bool ok = false;
        const int limit = p.value(o.limit).toInt(&ok);
        if (!ok || limit <= 0)
            return fail(err,
                        QCoreApplication::translate("CommandLine", "--limit: expected a positive whole number, not %1").arg(p.value(o.limit)));
        for (const SearchHit& hit : store.search(p.value(o.search), limit)) {
            const auto c = store.conversation(hit.conversationId);
            const QJsonObject line{{QLatin1String("conversation_id"), c ? c->uuid : QString()},
                                   {QLatin1String("title"), hit.title},
                                   {QLatin1String("message_id"), hit.messageId},
                                   {QLatin1String("snippet"), hit.snippet}};
            out << QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact)) << '\n';
        }
        out.flush();
        return 0;
    }

    // --export-markdown / --export-jsonl UUID FILE
    const QString uuid = p.value(*command);
    const auto id = findUuid(store, uuid);
    if (!id)
        return fail(err, QCoreApplication::translate("CommandLine", "--%1: no conversation %2").arg(command->names().constFirst(), uuid));
    const QByteArray bytes =
        command == &o.exportMarkdown ? store.exportMarkdown(*id).toUtf8() : store.exportOpenAiJsonl(*id);
    if (const auto e = writeOut(positional.constFirst(), bytes, out))
        return fail(err, *e);
    return 0;
}
