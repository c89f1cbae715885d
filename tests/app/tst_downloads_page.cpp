// The Download page, offscreen, against the local stand-in hub (fixtures/fake_hub.py): the catalog's sizes and
// whether each fits the memory given, a repository looked up and downloaded with its progress listed, a GGUF
// repository's quantizations offered and only the chosen one fetched, a pasted address choosing its hub, a bad
// reference explained, and "Use this model" putting the finished model on the settings dialog's Model page.
#include "app/download_manager.h"
#include "app/model_catalog.h"
#include "fake_hub.h"
#include "ui/downloads_page.h"
#include "ui/model_settings_dialog.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class TestDownloadsPage : public QObject {
    Q_OBJECT
    QTemporaryDir m_tmp;
    FakeHub m_hub;
    const QString m_commit = QStringLiteral("89abcdef0123456789abcdef0123456789abcdef");

    static void write(const QString& path, const QByteArray& bytes) {
        QVERIFY(QDir().mkpath(QFileInfo(path).absolutePath()));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(bytes), bytes.size());
    }
    static QByteArray randomBytes(qsizetype n) {
        QByteArray b(n, Qt::Uninitialized);
        for (char& c : b)
            c = static_cast<char>(QRandomGenerator::global()->generate() & 0xFF);
        return b;
    }
    static QString size(double bytes) { return QLocale().formattedDataSize(static_cast<qint64>(bytes), 1); }

  private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        for (const char* v : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            qunsetenv(v); // the stand-in hub is on this computer: no proxy of the CI's in between
        QVERIFY(m_tmp.isValid());
        const QString plain = m_tmp.filePath(QStringLiteral("plain"));
        write(QDir(plain).filePath(QStringLiteral("config.json")), "{\"model_type\": \"deepseek_v3\"}\n");
        write(QDir(plain).filePath(QStringLiteral("model.safetensors")), randomBytes(400'000));
        const QString gguf = m_tmp.filePath(QStringLiteral("gguf"));
        write(QDir(gguf).filePath(QStringLiteral("README.md")), "# GGUF files\n");
        write(QDir(gguf).filePath(QStringLiteral("Tiny-Q8_0.gguf")), randomBytes(300'000));
        write(QDir(gguf).filePath(QStringLiteral("Q4_K_M/Tiny-Q4_K_M-00001-of-00002.gguf")), randomBytes(120'000));
        write(QDir(gguf).filePath(QStringLiteral("Q4_K_M/Tiny-Q4_K_M-00002-of-00002.gguf")), randomBytes(100'000));
        QVERIFY(m_hub.start());
        m_hub.addRepository(QStringLiteral("deepseek-test/plain"), plain, m_commit);
        m_hub.addRepository(QStringLiteral("deepseek-test/tiny-GGUF"), gguf, m_commit);
    }

    void catalogSaysWhatFits() {
        DownloadsPage page;
        page.setContext(4096);
        page.setGpuMemory(0);
        page.setRamBytes(64ULL << 30);
        QStringList rows = page.catalogRows();
        QVERIFY(rows.size() >= 6);
        // DeepSeek-V2-Lite-Chat in BF16: 15.7B parameters × 2 bytes, plus 27 layers × 576 × 4 bytes per token.
        const double lite = 15.7e9 * 2;
        const double liteKv = 27.0 * 576 * 4 * 4096;
        const QString liteRow = rows.filter(QStringLiteral("DeepSeek-V2-Lite-Chat | BF16")).value(0);
        QVERIFY2(liteRow.contains(size(lite)) && liteRow.contains(QStringLiteral("Fits in memory (%1 of %2)").arg(size(lite + liteKv), size(64.0 * (1ULL << 30)))),
                 qPrintable(liteRow));
        // The 671B model in FP8 (685B weights as published, ≈ 8.05 bits each) fits neither.
        const QString v3 = rows.filter(QStringLiteral("DeepSeek-V3-0324 | FP8")).value(0);
        QVERIFY2(v3.contains(size(685e9 * 8.05 / 8)) && v3.contains(QLatin1String("Too large")), qPrintable(v3));
        // With a GPU of 141 GB the small model fits there; with 24 GB of RAM and no GPU it does not fit at all.
        page.setGpuMemory(141ULL * 1000 * 1000 * 1000);
        QVERIFY(page.catalogRows().filter(QStringLiteral("DeepSeek-V2-Lite-Chat | BF16")).value(0).contains(QLatin1String("Fits in GPU memory")));
        page.setGpuMemory(0);
        page.setRamBytes(24ULL << 30);
        QVERIFY(page.catalogRows().filter(QStringLiteral("DeepSeek-V2-Lite-Chat | BF16")).value(0).contains(QLatin1String("Too large")));
        // A catalog row fills the repository in for the hub chosen (ModelScope has its own copy of the official ones).
        page.setSource(QStringLiteral("modelscope"), {});
        page.chooseCatalogRow(0);
        QCOMPARE(page.findChild<QLineEdit*>(QStringLiteral("downloadRepository"))->text(), QStringLiteral("deepseek-ai/DeepSeek-V2-Lite-Chat"));
    }

    void downloadFromTheList() {
        const QString hf = m_tmp.filePath(QStringLiteral("hf-cache"));
        DownloadManager manager(m_tmp.filePath(QStringLiteral("state/downloads.json")));
        DownloadsPage page;
        page.setManager(&manager);
        page.setCacheFolders(hf, m_tmp.filePath(QStringLiteral("ms-cache")));
        page.setSource(QStringLiteral("mirror"), m_hub.baseUrl());
        QCOMPARE(page.sourceKindName(), QStringLiteral("mirror"));
        QSignalSpy looked(&page, &DownloadsPage::lookupFinished);
        page.setRepository(QStringLiteral("deepseek-test/plain"));
        QVERIFY(!page.canDownload());
        page.lookUp();
        QVERIFY(looked.wait(20000));
        QVERIFY2(page.shownStatus().contains(QLatin1String("plain: 2 file")), qPrintable(page.shownStatus()));
        QVERIFY(page.quantizations().isEmpty());
        QVERIFY(page.canDownload());
        page.download();
        QCOMPARE(page.downloadRows().size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(manager.downloads().value(0).state == DownloadState::Done, 30000);
        QTRY_VERIFY(page.downloadRows().value(0).contains(QLatin1String("Ready")));
        const QString snapshot = QDir(huggingFaceRepoFolder(hf, QStringLiteral("deepseek-test/plain"))).filePath(QStringLiteral("snapshots/") + m_commit);
        QVERIFY(QFileInfo(QDir(snapshot).filePath(QStringLiteral("model.safetensors"))).isSymLink());

        // Used from the settings dialog: the Model page gets the folder.
        ModelSettingsDialog dialog(AppSettings{});
        dialog.setDownloadManager(&manager);
        dialog.showPage(ModelSettingsDialog::Page::Downloads);
        QVERIFY(dialog.downloads()->useDownload(manager.downloads().value(0).id));
        QCOMPARE(dialog.currentPage(), ModelSettingsDialog::Page::Model);
        QCOMPARE(dialog.findChild<QLineEdit*>(QStringLiteral("folder"))->text(), snapshot);
        QCOMPARE(dialog.settings().downloadSource, QStringLiteral("huggingface"));
        manager.cancel(manager.downloads().value(0).id);
    }

    void ggufQuantizationChosen() {
        const QString hf = m_tmp.filePath(QStringLiteral("hf-gguf"));
        DownloadManager manager(QString{});
        DownloadsPage page;
        page.setManager(&manager);
        page.setCacheFolders(hf, {});
        page.setSource(QStringLiteral("mirror"), m_hub.baseUrl());
        QSignalSpy looked(&page, &DownloadsPage::lookupFinished);
        page.setRepository(QStringLiteral("deepseek-test/tiny-GGUF"));
        page.lookUp();
        QVERIFY(looked.wait(20000));
        QCOMPARE(page.quantizations(), (QStringList{QStringLiteral("Q4_K_M"), QStringLiteral("Tiny-Q8_0")}));
        page.chooseQuantization(QStringLiteral("Q4_K_M"));
        // The choice stays through a re-translation (which rebuilds the lists).
        QEvent change(QEvent::LanguageChange);
        QApplication::sendEvent(&page, &change);
        QCOMPARE(page.findChild<QComboBox*>(QStringLiteral("quantization"))->currentData().toString(), QStringLiteral("Q4_K_M"));
        page.download();
        QTRY_VERIFY_WITH_TIMEOUT(manager.downloads().value(0).state == DownloadState::Done, 30000);
        const QString snapshot = QDir(huggingFaceRepoFolder(hf, QStringLiteral("deepseek-test/tiny-GGUF"))).filePath(QStringLiteral("snapshots/") + m_commit);
        QCOMPARE(QDir(snapshot).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{QStringLiteral("Q4_K_M")});
        QCOMPARE(manager.downloads().value(0).modelPath, QDir(snapshot).filePath(QStringLiteral("Q4_K_M/Tiny-Q4_K_M-00001-of-00002.gguf")));
    }

    void pastedAddressAndBadReference() {
        DownloadManager manager(QString{});
        DownloadsPage page;
        page.setManager(&manager);
        page.setSource(QStringLiteral("huggingface"), {});
        QSignalSpy looked(&page, &DownloadsPage::lookupFinished);
        page.setRepository(m_hub.baseUrl() + QStringLiteral("/deepseek-test/plain"));
        page.lookUp();
        QVERIFY(looked.wait(20000));
        QCOMPARE(page.sourceKindName(), QStringLiteral("mirror"));
        QCOMPARE(page.mirrorUrl(), m_hub.baseUrl());
        QVERIFY(page.canDownload());
        // An answer that comes after the question changed is not taken for the new one.
        page.setRepository(QStringLiteral("deepseek-test/tiny-GGUF"));
        page.lookUp();
        page.setRepository(QStringLiteral("deepseek-test/plain"));
        QVERIFY(!looked.wait(1500));
        QVERIFY(!page.canDownload());
        QVERIFY(page.quantizations().isEmpty());
        page.setRepository(QStringLiteral("not a repository"));
        page.lookUp();
        QVERIFY(!page.canDownload());
        QVERIFY2(page.shownStatus().contains(QLatin1String("ORGANIZATION/NAME")), qPrintable(page.shownStatus()));
        page.setRepository(QStringLiteral("deepseek-test/absent"));
        page.lookUp();
        QVERIFY(looked.wait(20000));
        QVERIFY2(page.shownStatus().contains(QLatin1String("deepseek-test/absent")), qPrintable(page.shownStatus()));
        QVERIFY(!page.canDownload());
    }
};

QTEST_MAIN(TestDownloadsPage)
#include "tst_downloads_page.moc"
