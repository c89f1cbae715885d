// ScreenshotTour: `whalesong --screenshots DIR` — once the model is loaded, opens the first conversation and
// saves pictures of the main window and of the settings dialog, in English and in Chinese, then quits
// (README's pictures, rendered by tools/screenshots.sh under Xvfb).
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

class ChatController;
class LanguageManager;
class MainWindow;

class ScreenshotTour : public QObject {
    Q_OBJECT
  public:
    ScreenshotTour(MainWindow& window, ChatController& controller, LanguageManager& languages, QString dir);

  private:
    void waitForModel();
    void shootLanguage(int index);
    void save(QWidget* widget, const QString& name);
    MainWindow& m_window;
    ChatController& m_controller;
    LanguageManager& m_languages;
    QString m_dir;
    QStringList m_languagesToShoot{QStringLiteral("en"), QStringLiteral("zh_CN")};
    int m_waited = 0;
};
