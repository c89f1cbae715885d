// LanguageManager: switches the interface language at run time by swapping the installed QTranslators.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>

class QTranslator;

/// Owns the application's translators (ours from :/i18n, Qt's own qtbase ones when installed). Installing a
/// translator makes Qt send QEvent::LanguageChange to every widget, so open windows re-translate at once.
/// GUI thread only; needs a QCoreApplication.
class LanguageManager : public QObject {
    Q_OBJECT

  public:
    explicit LanguageManager(QObject* parent = nullptr);
    ~LanguageManager() override;

    /// "" = the system's language (English when we have no translation for it), "en" or "zh_CN". Replaces the
    /// translators installed by a previous apply() and sets QLocale::setDefault to match, so numbers and
    /// dates format in the same language. An unknown code is treated as "". Emits languageChanged().
    void apply(const QString& language);
    /// What apply() was last given ("" = system; also before the first apply()).
    QString current() const { return m_current; }
    /// The language actually shown: "en" or "zh_CN" (the system language resolved).
    QString effective() const { return m_effective; }

    /// The languages we ship a translation for ("en", "zh_CN", …), from the compiled-in .qm files.
    static QStringList available();
    /// A language's name in that language ("English", "简体中文"), for a language menu.
    static QString nativeName(const QString& language);

  signals:
    /// After apply(): `language` as given ("" = system).
    void languageChanged(const QString& language);

  private:
    void removeTranslators();

    QString m_current;
    QString m_effective = QStringLiteral("en");
    std::unique_ptr<QTranslator> m_ours;
    std::unique_ptr<QTranslator> m_qt;
};
