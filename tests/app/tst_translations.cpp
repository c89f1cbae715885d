// tst_translations: the whalesong executable speaks the system's language — Chinese under zh_CN, English
// otherwise — from the translations compiled into it.
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

class TestTranslations : public QObject {
    Q_OBJECT

  private slots:
    void followsTheSystemLanguage_data();
    void followsTheSystemLanguage();
};

void TestTranslations::followsTheSystemLanguage_data() {
    QTest::addColumn<QString>("locale");
    QTest::addColumn<QString>("expectedError");
    QTest::addColumn<QString>("expectedHelp");
    QTest::newRow("zh_CN") << QStringLiteral("zh_CN.UTF-8") << QStringLiteral("需要一个正整数")
                           << QStringLiteral("显示本帮助");
    QTest::newRow("en") << QStringLiteral("en_US.UTF-8") << QStringLiteral("expected a positive whole number")
                        << QStringLiteral("Show this help");
}

void TestTranslations::followsTheSystemLanguage() {
    QFETCH(QString, locale);
    QFETCH(QString, expectedError);
    QFETCH(QString, expectedHelp);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), locale);
    env.insert(QStringLiteral("LANG"), locale);
    env.remove(QStringLiteral("LANGUAGE"));

    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(WS_WHALESONG_BIN),
            {QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--search"), QStringLiteral("x"),
             QStringLiteral("--limit"), QStringLiteral("0")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 1);
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(err.contains(expectedError), qPrintable(err));

    p.start(QStringLiteral(WS_WHALESONG_BIN), {QStringLiteral("--help")});
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    const QString help = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(help.contains(expectedHelp), qPrintable(help));
}

QTEST_GUILESS_MAIN(TestTranslations)
#include "tst_translations.moc"
