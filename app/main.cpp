// main: the composition root of the whalesong executable — the data command line without a window, or the
// desktop app: settings, language, the application core (ChatController) and the main window.
#include "chat_controller.h"
#include "command_line.h"
#include "language_manager.h"
#include "settings.h"

#include "ui/main_window.h"
#include "ui/screenshot_tour.h"

#include <QApplication>
#include <QCoreApplication>
#include <QFont>
#include <QLocale>
#include <QSettings>
#include <QTextStream>
#include <QTranslator>

#include <memory>

namespace {

void nameApplication() {
    // Names the folders of QStandardPaths::AppDataLocation (conversations, demo model) and of QSettings.
    QCoreApplication::setOrganizationName(QStringLiteral("Whalesong"));
    QCoreApplication::setApplicationName(QStringLiteral("whalesong"));
    QCoreApplication::setApplicationVersion(QStringLiteral(WS_VERSION));
}

QStringList argumentsOf(int argc, char* argv[]) {
    QStringList args;
    for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
    return args;
}

/// The data commands need no display: they run under a QCoreApplication.
int runDataCommand(int argc, char* argv[], const CommandLine& commandLine) {
    QCoreApplication app(argc, argv);
    nameApplication();
    LanguageManager languages;
    QSettings settings;
    languages.apply(AppSettings::load(settings).language);
    QTextStream out(stdout);
    QTextStream err(stderr);
    return commandLine.run(out, err);
}

} // namespace

int main(int argc, char* argv[]) {
    const CommandLine commandLine(argumentsOf(argc, argv));
    if (commandLine.hasDataCommand()) return runDataCommand(argc, argv, commandLine);

    QApplication app(argc, argv);
    nameApplication();
    QApplication::setApplicationDisplayName(QStringLiteral("Whalesong 鲸歌"));
    // The installed .desktop file's name (the window's app_id on Wayland; on X11 the window's WM_CLASS is the
    // application name, the .desktop file's StartupWMClass) and the icon for every window.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.whalesong.Whalesong"));
    QApplication::setWindowIcon(MainWindow::applicationIcon());
    // Chinese text needs a CJK font; fontconfig would find one anyway, these are the ones we prefer.
    QFont font = QApplication::font();
    font.setFamilies({font.family(), QStringLiteral("Noto Sans CJK SC"), QStringLiteral("Source Han Sans SC"),
                      QStringLiteral("WenQuanYi Micro Hei"), QStringLiteral("Noto Sans SC")});
    QApplication::setFont(font);

    QSettings qsettings;
    const AppSettings settings = AppSettings::load(qsettings);
    LanguageManager languages;
    languages.apply(settings.language); // first run: the system's language

    ChatController controller(commandLine.dataDir(), settings);
    MainWindow window(controller, languages);
    window.show();
    controller.start();

    std::unique_ptr<ScreenshotTour> tour;
    if (!commandLine.screenshotDir().isEmpty())
        tour = std::make_unique<ScreenshotTour>(window, controller, languages, commandLine.screenshotDir());
    return QApplication::exec();
}
