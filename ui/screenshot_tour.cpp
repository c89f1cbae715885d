// `whalesong --screenshots DIR`: saves pictures of the main window and settings dialog in both languages (README).
#include "screenshot_tour.h"

#include "app/chat_controller.h"
#include "app/language_manager.h"
#include "main_window.h"
#include "endpoints_page.h"
#include "model_settings_dialog.h"

#include <QApplication>
#include <QDir>
#include <QPixmap>
#include <QTextStream>
#include <QTabWidget>
#include <QTimer>

ScreenshotTour::ScreenshotTour(MainWindow& window, ChatController& controller, LanguageManager& languages,
                               QString dir)
    : m_window(window), m_controller(controller), m_languages(languages), m_dir(std::move(dir)) {
    QDir().mkpath(m_dir);
    m_window.resize(1180, 760);
    QTimer::singleShot(200, this, &ScreenshotTour::waitForModel);
}

void ScreenshotTour::waitForModel() {
    // The model loads and the conversation list arrives asynchronously; give up after a minute.
    const bool ready = m_controller.model().model && m_controller.conversations()->rowCount() > 0;
    if (!ready && ++m_waited < 300) {
        QTimer::singleShot(200, this, &ScreenshotTour::waitForModel);
        return;
    }
    if (m_controller.conversations()->rowCount() > 0)
        m_controller.openConversation(m_controller.conversations()->idAt(0));
    QTimer::singleShot(1500, this, [this] { shootLanguage(0); });
}

void ScreenshotTour::shootLanguage(int index) {
    if (index >= m_languagesToShoot.size()) {
        QApplication::quit();
        return;
    }
    const QString lang = m_languagesToShoot[index];
    m_languages.apply(lang);
    QTimer::singleShot(700, this, [this, index, lang] {
        save(&m_window, QStringLiteral("main-window-%1.png").arg(lang));
        m_window.openModelSettings();
        QTimer::singleShot(1500, this, [this, index, lang] {
            ModelSettingsDialog* d = m_window.settingsDialog();
            if (!d) {
                shootLanguage(index + 1);
                return;
            }
            save(d, QStringLiteral("settings-%1.png").arg(lang));
            // The Endpoints tab with two sample endpoints (the dialog is cancelled: nothing is saved).
            if (auto* endpoints = d->findChild<EndpointsPage*>(QStringLiteral("endpoints"))) {
                RemoteEndpoint deepseek = RemoteEndpoint::deepSeekPreset();
                deepseek.apiKey = QStringLiteral("sk-0123456789abcdef");
                endpoints->addEndpoint(RemoteEndpoint::selfHostedPreset(QStringLiteral("gpu-cluster"), 30000));
                endpoints->addEndpoint(deepseek);
                if (auto* tabs = d->findChild<QTabWidget*>())
                    tabs->setCurrentWidget(endpoints);
            }
            QTimer::singleShot(500, this, [this, index, lang] {
                if (ModelSettingsDialog* dialog = m_window.settingsDialog()) {
                    save(dialog, QStringLiteral("settings-endpoints-%1.png").arg(lang));
                    dialog->reject();
                }
                QTimer::singleShot(300, this, [this, index] { shootLanguage(index + 1); });
            });
        });
    });
}

void ScreenshotTour::save(QWidget* widget, const QString& name) {
    const QString file = QDir(m_dir).filePath(name);
    QTextStream err(stderr);
    if (!widget->grab().save(file))
        err << "whalesong: " << file << ": cannot write the picture" << Qt::endl;
    else
        err << "whalesong: wrote " << file << Qt::endl;
}
