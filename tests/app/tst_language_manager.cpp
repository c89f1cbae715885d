// tst_language_manager: switching the language at run time swaps our translators (Chinese, English, the
// system's) and the default QLocale, and tells every object through QEvent::LanguageChange.
#include "language_manager.h"

#include <QCoreApplication>
#include <QLocale>
#include <QSignalSpy>
#include <QTest>

namespace {
QString help() { return QCoreApplication::translate("CommandLine", "Show this help."); }

/// Counts the QEvent::LanguageChange the application object receives.
class LanguageChangeCounter : public QObject {
  public:
    int count = 0;
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (event->type() == QEvent::LanguageChange)
            ++count;
        return QObject::eventFilter(watched, event);
    }
};
} // namespace

class TestLanguageManager : public QObject {
    Q_OBJECT

  private slots:
    void available();
    void switchesBetweenChineseAndEnglish();
    void unknownMeansSystem();
    void destructionRemovesTranslators();
};

void TestLanguageManager::available() {
    const QStringList langs = LanguageManager::available();
    QVERIFY2(langs.contains(QStringLiteral("en")) && langs.contains(QStringLiteral("zh_CN")),
             qPrintable(langs.join(u' ')));
    QCOMPARE(LanguageManager::nativeName(QStringLiteral("zh_CN")), QStringLiteral("简体中文"));
    QCOMPARE(LanguageManager::nativeName(QStringLiteral("en")), QStringLiteral("English"));
}

void TestLanguageManager::switchesBetweenChineseAndEnglish() {
    LanguageManager m;
    LanguageChangeCounter counter;
    QCoreApplication::instance()->installEventFilter(&counter);
    QSignalSpy changed(&m, &LanguageManager::languageChanged);

    m.apply(QStringLiteral("zh_CN"));
    QCOMPARE(help(), QStringLiteral("显示本帮助。"));
    QCOMPARE(m.current(), QStringLiteral("zh_CN"));
    QCOMPARE(m.effective(), QStringLiteral("zh_CN"));
    QCOMPARE(QLocale().name(), QStringLiteral("zh_CN"));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toString(), QStringLiteral("zh_CN"));
    QVERIFY(counter.count >= 1);

    const int before = counter.count;
    m.apply(QStringLiteral("en"));
    QCOMPARE(help(), QStringLiteral("Show this help."));
    QCOMPARE(m.current(), QStringLiteral("en"));
    QCOMPARE(QLocale().language(), QLocale::English);
    QCOMPARE(QLocale().toString(1234.5, 'f', 1), QStringLiteral("1,234.5"));
    QVERIFY(counter.count > before);

    // And back: the English translator is gone, not stacked.
    m.apply(QStringLiteral("zh_CN"));
    QCOMPARE(help(), QStringLiteral("显示本帮助。"));
    QCOMPARE(changed.size(), 3);
    QCoreApplication::instance()->removeEventFilter(&counter);
}

void TestLanguageManager::unknownMeansSystem() {
    LanguageManager m;
    m.apply(QStringLiteral("zh_CN"));
    m.apply(QStringLiteral("fr"));
    QCOMPARE(m.current(), QString());
    QCOMPARE(QLocale(), QLocale::system());
    // The system language is shown when we have it, English otherwise.
    const QString expected =
        QLocale::system().language() == QLocale::Chinese ? QStringLiteral("zh_CN") : QStringLiteral("en");
    QCOMPARE(m.effective(), expected);
    QCOMPARE(help(), expected == QLatin1String("en") ? QStringLiteral("Show this help.")
                                                     : QStringLiteral("显示本帮助。"));
}

void TestLanguageManager::destructionRemovesTranslators() {
    {
        LanguageManager m;
        m.apply(QStringLiteral("zh_CN"));
        QCOMPARE(help(), QStringLiteral("显示本帮助。"));
    }
    QCOMPARE(help(), QStringLiteral("Show this help.")); // no translator: the source text
}

QTEST_GUILESS_MAIN(TestLanguageManager)
#include "tst_language_manager.moc"
