// main: the composition root of the whalesong executable — for now the data command line (no window yet).
#include "command_line.h"

#include <QCoreApplication>
#include <QLocale>
#include <QTextStream>
#include <QTranslator>

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    // Names the QStandardPaths::AppDataLocation folder where the conversations live by default.
    QCoreApplication::setOrganizationName(QStringLiteral("Whalesong"));
    QCoreApplication::setApplicationName(QStringLiteral("whalesong"));
    // The messages follow the system's language (zh_CN or English), from translations compiled in.
    // A language we have no translation for (or the C locale) gets English, plurals included.
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("whalesong"), QStringLiteral("_"), QStringLiteral(":/i18n")) ||
        translator.load(QStringLiteral(":/i18n/whalesong_en.qm")))
        QCoreApplication::installTranslator(&translator);

    const CommandLine commandLine(QCoreApplication::arguments());
    QTextStream out(stdout);
    QTextStream err(stderr);
    if (!commandLine.hasDataCommand()) {
        // The desktop window comes with its own issue; until then a start without data flags explains them.
        out << commandLine.usage();
        return 0;
    }
    return commandLine.run(out, err);
}
