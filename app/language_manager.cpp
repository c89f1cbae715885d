// LanguageManager: run-time language switching — our .qm from :/i18n (English as the fallback), Qt's qtbase
// translations for Chinese when the system has them, and the matching default QLocale.
#include "language_manager.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace {
const QString kI18nDir = QStringLiteral(":/i18n");
const QString kPrefix = QStringLiteral("whalesong_");
const QString kSuffix = QStringLiteral(".qm");
} // namespace

LanguageManager::LanguageManager(QObject* parent) : QObject(parent) {}

LanguageManager::~LanguageManager() { removeTranslators(); }

void LanguageManager::removeTranslators() {
    if (m_ours)
        QCoreApplication::removeTranslator(m_ours.get());
    if (m_qt)
        QCoreApplication::removeTranslator(m_qt.get());
    m_ours.reset();
    m_qt.reset();
}

void LanguageManager::apply(const QString& language) {
    const QString lang = available().contains(language) ? language : QString();
    removeTranslators();

    auto ours = std::make_unique<QTranslator>();
    const bool loaded = lang.isEmpty() ? ours->load(QLocale::system(), QStringLiteral("whalesong"),
                                                    QStringLiteral("_"), kI18nDir)
                                       : ours->load(kI18nDir + QLatin1Char('/') + kPrefix + lang + kSuffix);
    if (!loaded)
        (void)ours->load(kI18nDir + QLatin1Char('/') + kPrefix + QStringLiteral("en") + kSuffix);
    // The file that loaded names the language shown (the system's language resolved, or the fallback).
    const QString file = QFileInfo(ours->filePath()).completeBaseName();
    m_effective = file.startsWith(kPrefix) ? file.mid(kPrefix.size()) : QStringLiteral("en");

    // Qt's own strings (standard buttons, file dialogs); English needs none.
    if (m_effective != QLatin1String("en")) {
        auto qt = std::make_unique<QTranslator>();
        if (qt->load(QLocale(m_effective), QStringLiteral("qtbase"), QStringLiteral("_"),
                     QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
            m_qt = std::move(qt);
            QCoreApplication::installTranslator(m_qt.get());
        }
    }
    // Numbers and dates follow the chosen language; "" keeps the system's own conventions.
    QLocale::setDefault(lang.isEmpty() ? QLocale::system() : QLocale(lang));
    m_ours = std::move(ours);
    QCoreApplication::installTranslator(m_ours.get()); // sends QEvent::LanguageChange
    m_current = lang;
    emit languageChanged(m_current);
}

QStringList LanguageManager::available() {
    QStringList out;
    const QStringList files =
        QDir(kI18nDir).entryList({kPrefix + QLatin1Char('*') + kSuffix}, QDir::Files, QDir::Name);
    for (const QString& f : files)
        out << f.mid(kPrefix.size(), f.size() - kPrefix.size() - kSuffix.size());
    return out;
}

QString LanguageManager::nativeName(const QString& language) {
    if (language == QLatin1String("en"))
        return QStringLiteral("English");
    if (language == QLatin1String("zh_CN"))
        return QStringLiteral("简体中文");
    return QLocale(language).nativeLanguageName();
}
