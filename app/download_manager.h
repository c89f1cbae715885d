// DownloadManager: model downloads from a hub, in the background — resumed with HTTP Range after a dropped
// connection, a pause or an app restart; retried after 429 (honouring Retry-After), 5xx and stalls; checked for
// free disk space before starting; every file verified (the hub's SHA-256, else git's blob id, else its size); and
// written atomically into the Hugging Face cache's own layout or a folder, so that a model appears — to discovery,
// to the settings — only when every file is complete and verified.
#pragma once

#include "hub.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QNetworkAccessManager;
class QNetworkReply;

enum class DownloadState {
    Downloading, ///< transferring (or about to)
    Waiting,     ///< a retry is due at `retryAt` (the reason in `message`)
    Verifying,   ///< checking a finished file's checksum
    Paused,      ///< by the user; partial files kept
    Failed,      ///< stopped; `message` says why; resume() tries again from where it stopped
    Done,        ///< every file complete and verified, the model in place at `modelPath`
};

/// Where a download goes.
struct DownloadDestination {
    enum class Kind {
        HuggingFaceCache, ///< `path` is a hub cache root (models--ORG--NAME/blobs, snapshots/COMMIT, refs/REV)
        Folder,           ///< `path` is the model's own folder, made when every file is in (ModelScope's cache, or the user's)
    };
    Kind kind = Kind::HuggingFaceCache;
    QString path;
};

/// What to download: the files of `listing` (all, or the ones chosen) at its commit.
struct DownloadRequest {
    HubSource source;
    HubRepo repo;
    HubListing listing;
    DownloadDestination destination;
    QString title; ///< shown; the repository's id when empty
};

/// A download as the user sees it.
struct DownloadStatus {
    QString id;
    QString title;
    QString repoId;
    HubSource source;
    DownloadDestination destination;
    DownloadState state = DownloadState::Downloading;
    QString message; ///< Failed: why (naming the file); Waiting: what is retried
    QDateTime retryAt;
    qint64 bytesDone = 0;
    qint64 bytesTotal = 0;
    int filesDone = 0;
    int filesTotal = 0;
    QString currentFile;
    double bytesPerSecond = 0; ///< smoothed, while downloading
    qint64 secondsLeft = -1;   ///< at that speed; -1 when unknown
    QString modelPath;         ///< Done: what the settings and --model take (a folder, or a GGUF's first file)
};

class DownloadManager : public QObject {
    Q_OBJECT
  public:
    /// How hard to try. Tests shorten the times.
    struct Policy {
        int maxAttempts = 8;             ///< failed attempts in a row (without a byte of progress) before giving up
        int backoffMs = 1000;            ///< first wait after a failure; doubled each time
        int maxBackoffMs = 60'000;
        int stallMs = 60'000;            ///< no byte for this long: the connection is dropped and tried again
        int maxRetryAfterMs = 600'000;   ///< the longest Retry-After honoured
    };
    using FreeSpaceProbe = std::function<qint64(const QString& path)>;

    /// Downloads recorded in `stateFile` (JSON) are restored: the ones that were running go on, resumed where
    /// their partial files end. A state file that cannot be read is set aside (renamed *.unreadable) and said
    /// in loadProblem(). The system's proxy settings are used (http_proxy, https_proxy, no_proxy, or the desktop's).
    explicit DownloadManager(const QString& stateFile, QObject* parent = nullptr);
    ~DownloadManager() override;

    void setPolicy(const Policy& policy);
    /// Free bytes where a path will be written (default: QStorageInfo of the nearest existing folder).
    void setFreeSpaceProbe(FreeSpaceProbe probe);
    QString loadProblem() const { return m_loadProblem; }

    /// Asks `source` for the files of `repo`: lookedUp(token, …) follows.
    int lookUp(const HubSource& source, const HubRepo& repo);

    /// Starts a download and returns its id; or returns an empty id with `*error` (translated) when it cannot
    /// start: not enough free disk space (needed and free said), nothing to download, the same already under way.
    QString start(const DownloadRequest& request, QString* error);
    /// Stops transferring, partial files kept.
    void pause(const QString& id);
    /// Goes on after pause() or a failure (free disk space checked again). False with `*error` when it cannot.
    bool resume(const QString& id, QString* error = nullptr);
    /// Stops and forgets a download; its partial files (and files it completed that no model uses yet) are
    /// deleted. A finished download is only forgotten: the model stays.
    void cancel(const QString& id);

    QList<DownloadStatus> downloads() const;
    std::optional<DownloadStatus> status(const QString& id) const;

  signals:
    /// Answer to lookUp: `error` (translated) is empty on success.
    void lookedUp(int token, const HubListing& listing, const QString& error);
    /// A download's status changed (progress at most a few times a second).
    void changed(const QString& id);
    /// A download finished: Done, or Failed.
    void finished(const QString& id);
    /// A download was cancelled and forgotten.
    void removed(const QString& id);

  private:
    struct Job;
    Job* find(const QString& id) const;
    void startNextFile(Job& job);
    void startTransfer(Job& job);
    void onMetaData(Job& job);
    void onReadyRead(Job& job);
    void onTransferFinished(Job& job);
    void verify(Job& job);
    void onVerified(Job& job, const QString& sha256, const QString& gitSha1, qint64 size, const QString& error);
    void finalize(Job& job);
    void retryLater(Job& job, int delayMs, const QString& reason);
    void fail(Job& job, const QString& message);
    void stopTransfer(Job& job);
    void notify(Job& job, bool force = true);
    qint64 bytesNeeded(const Job& job) const;
    bool checkFreeSpace(const Job& job, QString* error) const;
    DownloadStatus statusOf(const Job& job) const;
    void save() const;
    void load();

    QString m_stateFile;
    QString m_loadProblem;
    Policy m_policy;
    FreeSpaceProbe m_freeSpace;
    QNetworkAccessManager* m_net = nullptr;
    std::vector<std::unique_ptr<Job>> m_jobs;
    int m_nextToken = 1;
};

Q_DECLARE_METATYPE(HubListing)
