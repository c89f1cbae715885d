// DownloadsPage: the settings page that downloads models — the catalog of DeepSeek-family models (size per format,
// whether it fits this computer) or any repository pasted, from Hugging Face, a mirror or ModelScope; the downloads
// under way with progress, speed and time left, pause / resume / cancel, and "Use this model" once one is complete.
#pragma once

#include "app/download_manager.h"
#include "app/model_catalog.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

class DownloadsPage : public QWidget {
    Q_OBJECT
  public:
    explicit DownloadsPage(QWidget* parent = nullptr);

    /// The downloads (owned by the main window: they go on when the dialog closes). Null: the page says so.
    void setManager(DownloadManager* manager);
    /// Where downloads come from (settings: HubSource::kindName and the mirror's address).
    void setSource(const QString& kindName, const QString& mirrorUrl);
    QString sourceKindName() const;
    QString mirrorUrl() const;
    /// What the fit estimate compares with: the largest GPU's memory (0: none) and the context in tokens.
    void setGpuMemory(quint64 bytes);
    void setContext(int tokens);
    /// Test seams: the memory the fit estimate compares with, and where "the hub's cache" is.
    void setRamBytes(quint64 bytes);
    void setCacheFolders(const QString& huggingFace, const QString& modelScope);
    /// Downloads into `folder`/NAME instead of the hub's cache (as "Another folder…" does); empty: the cache.
    void setOtherFolder(const QString& folder);

    /// The repository field, looking it up, and downloading it (what the buttons do).
    void setRepository(const QString& text);
    void lookUp();
    bool canDownload() const;
    void download();
    /// The GGUF quantizations offered after a look-up (empty when none) and choosing one.
    QStringList quantizations() const;
    void chooseQuantization(const QString& name);
    /// What the page says about the look-up / the last download attempt.
    QString shownStatus() const;
    /// The catalog's rows, columns joined by " | " (tests), and choosing one.
    QStringList catalogRows() const;
    void chooseCatalogRow(int row);
    /// The downloads' rows, columns joined by " | ".
    QStringList downloadRows() const;
    /// Selects the download `id` and presses "Use this model"; false when it is not ready.
    bool useDownload(const QString& id);

  signals:
    /// A look-up finished and its outcome is shown.
    void lookupFinished();
    /// "Use this model" on a finished download: its path, for the Model page.
    void modelChosen(const QString& path);

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void retranslateUi();
    /// The look-up shown is no longer valid (the repository, hub or mirror changed): no download from it.
    void forgetListing();
    void fillCatalog();
    void onSourceChanged();
    void onLookedUp(int token, const HubListing& listing, const QString& error);
    void showListing();
    void updateDownloads();
    void updateRow(const DownloadStatus& s);
    void updateButtons();
    HubSource currentSource() const;
    QString selectedDownload() const;
    QString destinationText() const;

    QPointer<DownloadManager> m_manager;
    QList<CatalogModel> m_catalog;
    quint64 m_ram = 0;
    quint64 m_gpu = 0;
    int m_context = 8192;
    QString m_hfCache;
    QString m_msCache;
    QString m_otherFolder;
    int m_token = 0;              ///< the look-up whose answer is awaited
    HubSource m_listedSource;
    HubRepo m_listedRepo;
    HubListing m_listing;         ///< the last look-up's answer
    bool m_listed = false;
    QString m_preferredQuant;     ///< from a catalog row
    QString m_status;
    QTimer m_tick; ///< refreshes the retry countdowns

    QLabel* m_intro = nullptr;
    QLabel* m_sourceLabel = nullptr;
    QComboBox* m_source = nullptr;
    QLineEdit* m_mirror = nullptr;
    QTreeWidget* m_catalogView = nullptr;
    QLabel* m_repoLabel = nullptr;
    QLineEdit* m_repo = nullptr;
    QPushButton* m_lookUp = nullptr;
    QLabel* m_statusLabel = nullptr;
    QLabel* m_quantLabel = nullptr;
    QComboBox* m_quant = nullptr;
    QLabel* m_destLabel = nullptr;
    QComboBox* m_dest = nullptr;
    QPushButton* m_download = nullptr;
    QLabel* m_downloadsLabel = nullptr;
    QTreeWidget* m_downloads = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_resume = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_use = nullptr;
};
