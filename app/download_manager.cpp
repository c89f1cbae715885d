// DownloadManager: the transfers (QNetworkAccessManager, one file of a download at a time), retries, checksums off
// the GUI thread, the atomic move into place, and the state file that lets downloads survive a restart.
#include "download_manager.h"

#include "model_card.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStorageInfo>
#include <QTimeZone>
#include <QTimer>
#include <QUuid>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <atomic>
#include <cmath>

namespace {

/// One file of a download, as recorded in the state file.
struct FileEntry {
    HubFile hub;
    QString blob;      ///< Hugging Face cache: the blob's name (its SHA-256 or blob id; computed when the hub gave none)
    bool done = false; ///< complete, verified and in its place (the blob, or the staging folder)
    bool own = false;  ///< written by this download (a cancel deletes it unless a model uses it)
};

QString stateName(DownloadState s) {
    switch (s) {
    case DownloadState::Paused: return QStringLiteral("paused");
    case DownloadState::Failed: return QStringLiteral("failed");
    case DownloadState::Done: return QStringLiteral("done");
    default: return QStringLiteral("running");
    }
}

struct HashResult {
    QString sha256;
    QString gitSha1;
    qint64 size = 0;
    QString error;
};

/// SHA-256 of a file, and git's blob SHA-1 when `gitSha1` (one read; any thread). Stops early, with an error,
/// once `*cancelled` is set.
HashResult hashFile(const QString& path, bool gitSha1, std::shared_ptr<std::atomic_bool> cancelled) {
    HashResult r;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        r.error = f.errorString();
        return r;
    }
    r.size = f.size();
    QCryptographicHash sha256(QCryptographicHash::Sha256);
    QCryptographicHash sha1(QCryptographicHash::Sha1);
    sha1.addData(QByteArray("blob ") + QByteArray::number(r.size) + QByteArray(1, '\0'));
    QByteArray buffer(4 << 20, Qt::Uninitialized);
    for (;;) {
        if (cancelled->load()) {
            r.error = QStringLiteral("cancelled");
            return r;
        }
        const qint64 n = f.read(buffer.data(), buffer.size());
        if (n < 0) {
            r.error = f.errorString();
            return r;
        }
        if (n == 0)
            break;
        const QByteArrayView chunk(buffer.constData(), n);
        sha256.addData(chunk);
        if (gitSha1)
            sha1.addData(chunk);
    }
    r.sha256 = QString::fromLatin1(sha256.result().toHex());
    if (gitSha1)
        r.gitSha1 = QString::fromLatin1(sha1.result().toHex());
    return r;
}

/// Free bytes on the file system that will hold `path` (its nearest existing folder).
qint64 freeSpaceAt(const QString& path) {
    QFileInfo info(path);
    while (!info.exists() && !info.absolutePath().isEmpty() && info.absoluteFilePath() != info.absolutePath())
        info = QFileInfo(info.absolutePath());
    const QStorageInfo storage(info.absoluteFilePath());
    return storage.isValid() ? storage.bytesAvailable() : -1;
}


/// Milliseconds a Retry-After header asks for (seconds, or an HTTP date); -1 when absent or unreadable.
qint64 retryAfterMs(const QByteArray& value) {
    const QString v = QString::fromLatin1(value).trimmed();
    if (v.isEmpty())
        return -1;
    bool ok = false;
    const qint64 seconds = v.toLongLong(&ok);
    if (ok)
        return std::max<qint64>(0, seconds) * 1000;
    QDateTime when = QLocale::c().toDateTime(v, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
    if (!when.isValid())
        return -1;
    when.setTimeZone(QTimeZone::utc());
    return std::max<qint64>(0, QDateTime::currentDateTimeUtc().msecsTo(when));
}

} // namespace

struct DownloadManager::Job {
    QString id;
    DownloadRequest request;
    QList<FileEntry> files;
    DownloadState state = DownloadState::Downloading;
    QString message;
    QString modelPath;
    QDateTime retryAt;

    int current = -1;                ///< the file being transferred or verified
    QPointer<QNetworkReply> reply;
    QFile out;
    qint64 offset = 0;               ///< bytes of the current file on disk
    int httpStatus = 0;
    bool stalled = false;            ///< the stall timer dropped the connection
    bool stopping = false;           ///< pause/cancel/failure dropped it: its end is not an error
    bool restartFromZero = false;    ///< the server's range did not start where the partial file ends
    qint64 receivedThisAttempt = 0;
    int attempts = 0;                ///< failures in a row without progress
    int checksumRetries = 0;
    QTimer stallTimer;
    QTimer retryTimer;
    QFutureWatcher<HashResult> hashing;
    std::shared_ptr<std::atomic_bool> hashCancelled = std::make_shared<std::atomic_bool>(false);
    bool rangeIgnored = false;       ///< the server answered a Range request with the whole file
    QElapsedTimer sampleClock;       ///< speed
    qint64 sampleBytes = 0;
    double speed = 0;
    QElapsedTimer notifyClock;

    QString repoFolder() const {
        return huggingFaceRepoFolder(request.destination.path, request.repo.id);
    }
    /// Folder destination: where files gather until all are in (a hidden sibling of the final folder).
    QString stagingFolder() const {
        const QFileInfo final(request.destination.path);
        return QDir(final.absolutePath()).filePath(QLatin1Char('.') + final.fileName() + QLatin1String(".partial"));
    }
    /// The finished file's place: the blob (cache), or the file inside the staging folder.
    QString placedPath(int i) const {
        if (request.destination.kind == DownloadDestination::Kind::HuggingFaceCache)
            return QDir(repoFolder()).filePath(QLatin1String("blobs/") + files[i].blob);
        return QDir(stagingFolder()).filePath(files[i].hub.path);
    }
    QString partialPath(int i) const {
        if (request.destination.kind == DownloadDestination::Kind::HuggingFaceCache) {
            QString name = files[i].blob;
            if (name.isEmpty()) // no checksum from the hub: named by the commit and path until hashed
                name = QString::fromLatin1(QCryptographicHash::hash((request.listing.commit + QLatin1Char('/') +
                                                                     files[i].hub.path).toUtf8(),
                                                                    QCryptographicHash::Sha1)
                                               .toHex());
            return QDir(repoFolder()).filePath(QLatin1String("blobs/") + name + QLatin1String(".incomplete"));
        }
        return placedPath(i) + QLatin1String(".incomplete");
    }
    /// Hugging Face cache: the file's blob is there already, complete (another revision or tool fetched it).
    bool blobInCache(int i) const {
        if (request.destination.kind != DownloadDestination::Kind::HuggingFaceCache || files[i].blob.isEmpty())
            return false;
        const QFileInfo blob(placedPath(i));
        return blob.isFile() && (files[i].hub.size < 0 || blob.size() == files[i].hub.size);
    }
    qint64 bytesTotal() const {
        qint64 n = 0;
        for (const FileEntry& f : files)
            n += std::max<qint64>(0, f.hub.size);
        return n;
    }
    qint64 bytesOnDisk() const {
        qint64 n = 0;
        for (int i = 0; i < files.size(); ++i) {
            if (files[i].done || blobInCache(i))
                n += std::max<qint64>(0, files[i].hub.size);
            else if (i == current && out.isOpen())
                n += offset;
            else
                n += std::max<qint64>(0, QFileInfo(partialPath(i)).size());
        }
        return n;
    }
    bool active() const {
        return state == DownloadState::Downloading || state == DownloadState::Waiting ||
               state == DownloadState::Verifying;
    }
};

DownloadManager::DownloadManager(const QString& stateFile, QObject* parent)
    : QObject(parent), m_stateFile(stateFile), m_freeSpace(freeSpaceAt), m_net(new QNetworkAccessManager(this)) {
    qRegisterMetaType<HubListing>();
    QNetworkProxyFactory::setUseSystemConfiguration(true);
    m_net->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
    load();
}

DownloadManager::~DownloadManager() {
    for (auto& job : m_jobs) {
        job->hashCancelled->store(true); // a checksum in flight stops at its next block
        job->hashing.disconnect(this);
        job->hashing.waitForFinished();
        if (job->reply) {
            job->stopping = true;
            job->reply->disconnect(this);
            job->reply->abort();
        }
        if (job->out.isOpen())
            job->out.close();
    }
    save(); // running downloads stay "running": the next start goes on with them
}

void DownloadManager::setPolicy(const Policy& policy) { m_policy = policy; }

void DownloadManager::setFreeSpaceProbe(FreeSpaceProbe probe) { m_freeSpace = std::move(probe); }

DownloadManager::Job* DownloadManager::find(const QString& id) const {
    for (const auto& j : m_jobs)
        if (j->id == id)
            return j.get();
    return nullptr;
}

int DownloadManager::lookUp(const HubSource& source, const HubRepo& repo) {
    const int token = m_nextToken++;
    QNetworkRequest request(listingUrl(source, repo));
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("Whalesong/%1").arg(QCoreApplication::applicationVersion()));
    request.setTransferTimeout(m_policy.stallMs);
    QNetworkReply* reply = m_net->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply, token, source, repo] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString where = reply->request().url().toString(QUrl::RemoveQuery);
        if (reply->error() != QNetworkReply::NoError || status != 200) {
            QString why = status == 404 || status == 401
                              ? tr("%1 has no repository %2 (or it is private).").arg(source.baseUrl, repo.id)
                          : status != 0 ? tr("%1 answered HTTP %2 for %3.").arg(source.baseUrl).arg(status).arg(where)
                                        : tr("Could not reach %1: %2").arg(source.baseUrl, reply->errorString());
            emit lookedUp(token, {}, why);
            return;
        }
        QString error;
        std::optional<HubListing> listing = parseListing(source, reply->readAll(), &error);
        if (!listing) {
            emit lookedUp(token, {}, tr("The file list from %1 cannot be read: %2").arg(where, error));
            return;
        }
        if (!source.isHuggingFaceApi())
            listing->commit = repo.revision.isEmpty() ? source.defaultRevision() : repo.revision;
        emit lookedUp(token, *listing, {});
    });
    return token;
}

QString DownloadManager::start(const DownloadRequest& request, QString* error) {
    if (request.listing.files.isEmpty()) {
        *error = tr("Nothing to download: no files were chosen.");
        return {};
    }
    if (request.destination.path.isEmpty()) {
        *error = tr("No folder to download into.");
        return {};
    }
    const bool folder = request.destination.kind == DownloadDestination::Kind::Folder;
    for (const auto& j : m_jobs)
        if (j->state != DownloadState::Done && j->request.destination.kind == request.destination.kind &&
            j->request.destination.path == request.destination.path &&
            (folder || j->request.repo.id == request.repo.id)) { // a folder holds one download at a time
            *error = tr("%1 is already being downloaded into %2.")
                         .arg(j->request.repo.id, QDir::toNativeSeparators(request.destination.path));
            return {};
        }
    if (folder && !QDir(request.destination.path).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        *error = tr("%1 exists already and is not empty: choose another folder, or move it away first.")
                     .arg(QDir::toNativeSeparators(request.destination.path));
        return {};
    }
    auto job = std::make_unique<Job>();
    job->id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    job->request = request;
    if (job->request.title.isEmpty())
        job->request.title = request.repo.id;
    for (const HubFile& f : request.listing.files) {
        FileEntry e;
        e.hub = f;
        e.blob = !f.sha256.isEmpty() ? f.sha256 : f.gitSha1;
        job->files << e;
    }
    if (!checkFreeSpace(*job, error))
        return {};
    Job& j = *job;
    m_jobs.push_back(std::move(job));
    j.state = DownloadState::Downloading;
    save();
    startNextFile(j);
    return j.id;
}

qint64 DownloadManager::bytesNeeded(const Job& job) const {
    return std::max<qint64>(0, job.bytesTotal() - job.bytesOnDisk());
}

bool DownloadManager::checkFreeSpace(const Job& job, QString* error) const {
    const QString where = job.request.destination.kind == DownloadDestination::Kind::HuggingFaceCache
                              ? job.repoFolder()
                              : job.stagingFolder();
    const qint64 needed = bytesNeeded(job);
    const qint64 free = m_freeSpace ? m_freeSpace(where) : -1;
    if (free >= 0 && needed > free) {
        *error = tr("Not enough disk space for %1: it needs %2 more, and %3 has %4 free.")
                     .arg(job.request.title, formatDataSize(needed), QDir::toNativeSeparators(where), formatDataSize(free));
        return false;
    }
    return true;
}

void DownloadManager::pause(const QString& id) {
    Job* job = find(id);
    if (!job || !job->active())
        return;
    stopTransfer(*job);
    job->state = DownloadState::Paused;
    job->message.clear();
    save();
    notify(*job);
}

bool DownloadManager::resume(const QString& id, QString* error) {
    Job* job = find(id);
    QString why;
    if (!job || job->active() || job->state == DownloadState::Done)
        return job != nullptr;
    if (!checkFreeSpace(*job, &why)) {
        job->state = DownloadState::Failed;
        job->message = why;
        notify(*job);
        if (error)
            *error = why;
        return false;
    }
    job->state = DownloadState::Downloading;
    job->message.clear();
    job->attempts = 0;
    job->checksumRetries = 0;
    save();
    startNextFile(*job);
    return true;
}

void DownloadManager::cancel(const QString& id) {
    const auto it = std::find_if(m_jobs.begin(), m_jobs.end(), [&](const auto& j) { return j->id == id; });
    if (it == m_jobs.end())
        return;
    Job& job = **it;
    stopTransfer(job);
    job.hashing.waitForFinished(); // cancelled by stopTransfer: ends at its next block, before files are deleted
    if (job.state != DownloadState::Done) {
        for (int i = 0; i < job.files.size(); ++i) {
            QFile::remove(job.partialPath(i));
            if (job.request.destination.kind == DownloadDestination::Kind::HuggingFaceCache) {
                // A blob this download wrote is kept only if a snapshot already links to it.
                if (job.files[i].own && !job.files[i].blob.isEmpty()) {
                    const QString snapshotFile = QDir(job.repoFolder())
                                                     .filePath(QLatin1String("snapshots/") + job.request.listing.commit +
                                                               QLatin1Char('/') + job.files[i].hub.path);
                    if (!QFileInfo(snapshotFile).isSymLink())
                        QFile::remove(job.placedPath(i));
                }
            }
        }
        if (job.request.destination.kind == DownloadDestination::Kind::Folder)
            QDir(job.stagingFolder()).removeRecursively();
    }
    const QString removedId = job.id;
    m_jobs.erase(it);
    save();
    emit removed(removedId);
}

QList<DownloadStatus> DownloadManager::downloads() const {
    QList<DownloadStatus> out;
    for (const auto& j : m_jobs)
        out << statusOf(*j);
    return out;
}

std::optional<DownloadStatus> DownloadManager::status(const QString& id) const {
    if (const Job* j = find(id))
        return statusOf(*j);
    return std::nullopt;
}

DownloadStatus DownloadManager::statusOf(const Job& job) const {
    DownloadStatus s;
    s.id = job.id;
    s.title = job.request.title;
    s.repoId = job.request.repo.id;
    s.source = job.request.source;
    s.destination = job.request.destination;
    s.state = job.state;
    s.message = job.message;
    s.retryAt = job.retryAt;
    s.bytesTotal = job.bytesTotal();
    s.bytesDone = std::min(s.bytesTotal, job.bytesOnDisk());
    s.filesTotal = static_cast<int>(job.files.size());
    s.filesDone = static_cast<int>(std::count_if(job.files.begin(), job.files.end(), [](const FileEntry& f) { return f.done; }));
    if (job.current >= 0 && job.current < job.files.size())
        s.currentFile = job.files[job.current].hub.path;
    if (job.state == DownloadState::Downloading && job.speed > 0) {
        s.bytesPerSecond = job.speed;
        s.secondsLeft = static_cast<qint64>(std::ceil(static_cast<double>(s.bytesTotal - s.bytesDone) / job.speed));
    }
    s.modelPath = job.modelPath;
    return s;
}

void DownloadManager::notify(Job& job, bool force) {
    if (!force && job.notifyClock.isValid() && job.notifyClock.elapsed() < 250)
        return;
    job.notifyClock.start();
    emit changed(job.id);
}

void DownloadManager::startNextFile(Job& job) {
    if (job.state != DownloadState::Downloading && job.state != DownloadState::Waiting)
        return;
    job.state = DownloadState::Downloading;
    job.retryAt = {};
    int next = -1;
    for (int i = 0; i < job.files.size(); ++i) {
        if (job.files[i].done)
            continue;
        // A blob already in the cache (another revision, or another tool, downloaded it) is used as it is.
        if (job.blobInCache(i)) {
            job.files[i].done = true;
            continue;
        }
        next = i;
        break;
    }
    if (next < 0) {
        finalize(job);
        return;
    }
    if (job.current != next) {
        job.current = next;
        job.checksumRetries = 0;
    }
    startTransfer(job);
}

void DownloadManager::startTransfer(Job& job) {
    const int i = job.current;
    const QString partial = job.partialPath(i);
    QDir().mkpath(QFileInfo(partial).absolutePath());
    if (job.out.isOpen())
        job.out.close();
    job.out.setFileName(partial);
    // Unbuffered: a full disk shows at the write that hits it, not at a later flush.
    if (!job.out.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered)) {
        fail(job, tr("Could not write %1: %2").arg(QDir::toNativeSeparators(partial), job.out.errorString()));
        return;
    }
    job.offset = job.out.size();
    const qint64 size = job.files[i].hub.size;
    if (size >= 0 && job.offset > size) { // longer than the file: not ours to trust
        job.out.resize(0);
        job.offset = 0;
    }
    if (size >= 0 && job.offset == size) { // complete on disk (the app stopped before checking it)
        job.out.close();
        verify(job);
        return;
    }
    QNetworkRequest request(fileUrl(job.request.source, job.request.repo, job.request.listing.commit, job.files[i].hub.path));
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("Whalesong/%1").arg(QCoreApplication::applicationVersion()));
    if (job.offset > 0)
        request.setRawHeader("Range", "bytes=" + QByteArray::number(job.offset) + '-');
    // Bytes as sent: a compressed answer would not line up with a range.
    request.setRawHeader("Accept-Encoding", "identity");
    job.httpStatus = 0;
    job.stalled = false;
    job.stopping = false;
    job.restartFromZero = false;
    job.rangeIgnored = false;
    job.receivedThisAttempt = 0;
    job.sampleClock.start();
    job.sampleBytes = job.bytesOnDisk();
    QNetworkReply* reply = m_net->get(request);
    reply->setReadBufferSize(8 << 20);
    job.reply = reply;
    job.stallTimer.setSingleShot(true);
    job.stallTimer.setInterval(m_policy.stallMs);
    job.stallTimer.disconnect(this);
    connect(&job.stallTimer, &QTimer::timeout, this, [this, &job] {
        if (!job.reply)
            return;
        job.stalled = true;
        job.reply->abort();
    });
    job.stallTimer.start();
    connect(reply, &QNetworkReply::metaDataChanged, this, [this, &job, reply] {
        if (job.reply == reply)
            onMetaData(job);
    });
    connect(reply, &QNetworkReply::readyRead, this, [this, &job, reply] {
        if (job.reply == reply)
            onReadyRead(job);
    });
    connect(reply, &QNetworkReply::finished, this, [this, &job, reply] {
        reply->deleteLater();
        if (job.reply == reply)
            onTransferFinished(job);
    });
    notify(job);
}

void DownloadManager::onMetaData(Job& job) {
    const int status = job.reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if ((status >= 300 && status < 400) || job.httpStatus != 0)
        return; // a redirect Qt follows, or the final answer's headers seen already
    job.httpStatus = status;
    if (status == 200 && job.offset > 0) { // the server sends the whole file: start it again
        job.out.resize(0);
        job.offset = 0;
        job.rangeIgnored = true;
    } else if (status == 206) {
        static const QRegularExpression range(QStringLiteral("^bytes (\\d+)-(\\d+)/(\\d+|\\*)$"));
        const auto m = range.match(QString::fromLatin1(job.reply->rawHeader("Content-Range")).trimmed());
        if (!m.hasMatch() || m.captured(1).toLongLong() != job.offset) {
            job.restartFromZero = true;
            job.stopping = true;
            job.reply->abort();
        }
    }
}

void DownloadManager::onReadyRead(Job& job) {
    job.stallTimer.start();
    const QByteArray data = job.reply->readAll();
    if (job.httpStatus != 200 && job.httpStatus != 206)
        return; // an error page
    if (data.isEmpty())
        return;
    if (job.out.write(data) != data.size()) {
        const QString why = tr("Could not write %1 (as %2): %3 (%4 free there). The part downloaded is kept: free "
                               "some space and resume.")
                                .arg(job.files[job.current].hub.path, QDir::toNativeSeparators(job.out.fileName()),
                                     job.out.errorString(),
                                     formatDataSize(std::max<qint64>(0, m_freeSpace ? m_freeSpace(job.out.fileName()) : 0)));
        job.out.resize(job.offset); // nothing half-written is kept
        fail(job, why);
        return;
    }
    job.offset += data.size();
    job.receivedThisAttempt += data.size();
    // Speed: smoothed over samples of about a second.
    if (job.sampleClock.elapsed() >= 1000) {
        const qint64 now = job.bytesOnDisk();
        const double rate = static_cast<double>(now - job.sampleBytes) * 1000.0 / static_cast<double>(job.sampleClock.elapsed());
        job.speed = job.speed > 0 ? 0.7 * job.speed + 0.3 * rate : rate;
        job.sampleBytes = now;
        job.sampleClock.start();
    }
    notify(job, false);
}

void DownloadManager::onTransferFinished(Job& job) {
    job.stallTimer.stop();
    QNetworkReply* reply = job.reply;
    job.reply = nullptr;
    if (job.stopping && !job.restartFromZero)
        return; // paused, cancelled or failed: already handled
    const int i = job.current;
    const QString file = job.files[i].hub.path;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (job.receivedThisAttempt > 0 && !job.rangeIgnored) // progress (not the same bytes again)
        job.attempts = 0;
    if (job.out.isOpen())
        job.out.close();
    if (job.restartFromZero) {
        QFile::resize(job.partialPath(i), 0);
        retryLater(job, 0, tr("%1: the server's range did not match; starting the file again.").arg(file));
        return;
    }
    if (status == 416 && job.files[i].hub.size >= 0 && job.offset == job.files[i].hub.size) {
        verify(job);
        return;
    }
    if (status == 416) { // the partial file does not fit the file the server has: start it again
        ++job.attempts;
        QFile::resize(job.partialPath(i), 0);
        if (job.attempts > m_policy.maxAttempts) {
            fail(job, tr("%1: the server refuses every range of it (HTTP 416).").arg(file));
            return;
        }
        retryLater(job, 0, tr("%1: the server's range did not match; starting the file again.").arg(file));
        return;
    }
    if (reply->error() == QNetworkReply::NoError && (status == 200 || status == 206)) {
        const qint64 size = job.files[i].hub.size;
        if (size >= 0 && job.offset < size) {
            retryLater(job, 0, tr("%1: the connection ended early.").arg(file));
            return;
        }
        verify(job);
        return;
    }
    ++job.attempts;
    const QString url = reply->url().toString(QUrl::RemoveQuery | QUrl::RemoveUserInfo);
    QString reason;
    int delay = static_cast<int>(std::min<qint64>(m_policy.maxBackoffMs,
                                                  static_cast<qint64>(m_policy.backoffMs) << std::min(job.attempts - 1, 20)));
    if (job.stalled) {
        reason = tr("%1: no data for %2 s.").arg(file).arg(m_policy.stallMs / 1000.0, 0, 'g', 3);
    } else if (status == 429 || status == 503) {
        const qint64 after = retryAfterMs(reply->rawHeader("Retry-After"));
        if (after >= 0)
            delay = static_cast<int>(std::min<qint64>(after, m_policy.maxRetryAfterMs));
        reason = status == 429 ? tr("%1: the hub asks to slow down (HTTP 429).").arg(file)
                               : tr("%1: the hub is unavailable (HTTP 503).").arg(file);
    } else if (status >= 500) {
        reason = tr("%1: the hub answered HTTP %2.").arg(file).arg(status);
    } else if (status >= 400) {
        fail(job, tr("%1: the hub answered HTTP %2 %3 for %4.")
                      .arg(file)
                      .arg(status)
                      .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(), url));
        return;
    } else {
        reason = tr("%1: %2").arg(file, reply->errorString());
    }
    if (job.attempts > m_policy.maxAttempts) {
        fail(job, tr("%1 (gave up after %2 attempts; resume to try again)").arg(reason).arg(job.attempts));
        return;
    }
    retryLater(job, delay, reason);
}

void DownloadManager::retryLater(Job& job, int delayMs, const QString& reason) {
    job.state = DownloadState::Waiting;
    job.message = reason;
    job.retryAt = QDateTime::currentDateTimeUtc().addMSecs(delayMs);
    job.speed = 0;
    job.retryTimer.setSingleShot(true);
    job.retryTimer.disconnect(this);
    connect(&job.retryTimer, &QTimer::timeout, this, [this, &job] {
        if (job.state == DownloadState::Waiting)
            startNextFile(job);
    });
    job.retryTimer.start(delayMs);
    notify(job);
}

void DownloadManager::verify(Job& job) {
    job.state = DownloadState::Verifying;
    job.speed = 0;
    notify(job);
    const QString path = job.partialPath(job.current);
    const HubFile& f = job.files[job.current].hub;
    const bool needGitSha1 = f.sha256.isEmpty() && !f.gitSha1.isEmpty();
    job.hashing.disconnect(this);
    job.hashing.waitForFinished(); // an earlier, cancelled checksum of this job
    job.hashCancelled = std::make_shared<std::atomic_bool>(false);
    connect(&job.hashing, &QFutureWatcher<HashResult>::finished, this, [this, &job] {
        const HashResult r = job.hashing.result();
        onVerified(job, r.sha256, r.gitSha1, r.size, r.error);
    });
    job.hashing.setFuture(QtConcurrent::run(hashFile, path, needGitSha1, job.hashCancelled));
}

void DownloadManager::onVerified(Job& job, const QString& sha256, const QString& gitSha1, qint64 size,
                                 const QString& error) {
    if (job.state != DownloadState::Verifying)
        return;
    const int i = job.current;
    FileEntry& f = job.files[i];
    const QString partial = job.partialPath(i);
    if (!error.isEmpty()) {
        fail(job, tr("Could not read %1 back: %2").arg(QDir::toNativeSeparators(partial), error));
        return;
    }
    QString mismatch;
    if (!f.hub.sha256.isEmpty() && sha256 != f.hub.sha256)
        mismatch = tr("its SHA-256 is %1, the hub says %2").arg(sha256, f.hub.sha256);
    else if (f.hub.sha256.isEmpty() && !f.hub.gitSha1.isEmpty() && gitSha1 != f.hub.gitSha1)
        mismatch = tr("its blob id is %1, the hub says %2").arg(gitSha1, f.hub.gitSha1);
    else if (f.hub.size >= 0 && size != f.hub.size)
        mismatch = tr("it has %1 bytes, the hub says %2").arg(size).arg(f.hub.size);
    if (!mismatch.isEmpty()) {
        QFile::remove(partial); // never kept, never shown as ready
        if (job.checksumRetries++ < 1) {
            retryLater(job, 0, tr("%1 did not match (%2); downloading it again.").arg(f.hub.path, mismatch));
            return;
        }
        fail(job, tr("%1 is damaged: %2. It was downloaded twice and discarded both times.").arg(f.hub.path, mismatch));
        return;
    }
    const QString oldPartial = partial; // named by commit and path when the hub gave no checksum
    const QString blobBefore = f.blob;
    if (f.blob.isEmpty())
        f.blob = sha256;
    const QString placed = job.placedPath(i);
    f.blob = blobBefore; // recorded only once the file is there
    QDir().mkpath(QFileInfo(placed).absolutePath());
    if (QFileInfo::exists(placed))
        QFile::remove(placed);
    if (!QFile::rename(oldPartial, placed)) {
        fail(job, tr("Could not move %1 into place as %2.").arg(QDir::toNativeSeparators(oldPartial),
                                                                 QDir::toNativeSeparators(placed)));
        return;
    }
    if (f.blob.isEmpty())
        f.blob = sha256;
    f.done = true;
    f.own = true;
    job.attempts = 0;
    job.state = DownloadState::Downloading;
    job.message.clear();
    save();
    notify(job);
    startNextFile(job);
}

void DownloadManager::finalize(Job& job) {
    job.current = -1;
    // A file recorded as done but gone since (deleted while the app was closed) is fetched again.
    bool missing = false;
    for (int i = 0; i < job.files.size(); ++i) {
        const QFileInfo placed(job.placedPath(i));
        if (!placed.isFile() || (job.files[i].hub.size >= 0 && placed.size() != job.files[i].hub.size)) {
            if (!job.files[i].done) { // startNextFile left nothing to fetch, yet it is not there: never loop
                fail(job, tr("%1 is missing after its download.").arg(job.files[i].hub.path));
                return;
            }
            job.files[i].done = false;
            missing = true;
        }
    }
    if (missing) {
        save();
        startNextFile(job);
        return;
    }
    QStringList order; // weights first, the small files that make a folder a model (config.json …) last
    for (const FileEntry& f : job.files)
        order << f.hub.path;
    std::stable_sort(order.begin(), order.end(), [](const QString& a, const QString& b) {
        return !a.endsWith(QLatin1String(".json")) && b.endsWith(QLatin1String(".json"));
    });
    QString modelRoot;
    if (job.request.destination.kind == DownloadDestination::Kind::HuggingFaceCache) {
        const QDir repo(job.repoFolder());
        const QString commit = job.request.listing.commit;
        const QString snapshot = repo.filePath(QLatin1String("snapshots/") + commit);
        const QString staging = repo.filePath(QLatin1String("snapshots/.") + commit + QLatin1String(".partial"));
        const bool fresh = !QFileInfo::exists(snapshot);
        const QString linkRoot = fresh ? staging : snapshot;
        if (fresh)
            QDir(staging).removeRecursively();
        for (const QString& path : order) {
            const FileEntry& f = *std::find_if(job.files.begin(), job.files.end(),
                                               [&](const FileEntry& e) { return e.hub.path == path; });
            const QString link = QDir(linkRoot).filePath(path);
            QDir().mkpath(QFileInfo(link).absolutePath());
            QString target;
            for (qsizetype d = 0; d < path.count(QLatin1Char('/')) + 2; ++d)
                target += QLatin1String("../");
            target += QLatin1String("blobs/") + f.blob;
            QFile::remove(link);
            if (!QFile::link(target, link)) {
                fail(job, tr("Could not link %1 to its blob.").arg(QDir::toNativeSeparators(link)));
                return;
            }
        }
        if (fresh && !QDir().rename(staging, snapshot)) {
            fail(job, tr("Could not move %1 into place.").arg(QDir::toNativeSeparators(snapshot)));
            return;
        }
        const QString revision = job.request.repo.revision.isEmpty() ? job.request.source.defaultRevision()
                                                                     : job.request.repo.revision;
        if (revision != commit) {
            QSaveFile ref(repo.filePath(QLatin1String("refs/") + revision)); // "refs/pr/1" too
            QDir().mkpath(QFileInfo(ref.fileName()).absolutePath());
            if (ref.open(QIODevice::WriteOnly)) {
                ref.write(commit.toUtf8());
                ref.commit();
            }
        }
        modelRoot = snapshot;
    } else {
        const QString final = job.request.destination.path;
        const QString staging = job.stagingFolder();
        if (!QFileInfo::exists(final)) {
            if (!QDir().rename(staging, final)) {
                fail(job, tr("Could not move %1 into place.").arg(QDir::toNativeSeparators(final)));
                return;
            }
        } else {
            for (const QString& path : order) {
                const QString to = QDir(final).filePath(path);
                QDir().mkpath(QFileInfo(to).absolutePath());
                QFile::remove(to);
                if (!QFile::rename(QDir(staging).filePath(path), to)) {
                    fail(job, tr("Could not move %1 into place.").arg(QDir::toNativeSeparators(to)));
                    return;
                }
            }
            QDir(staging).removeRecursively();
        }
        modelRoot = final;
    }
    // What --model takes: the folder, or the first .gguf when the download is GGUF files without a config.json.
    const bool hasConfig = std::any_of(job.files.begin(), job.files.end(),
                                       [](const FileEntry& f) { return f.hub.path == QLatin1String("config.json"); });
    QStringList ggufs;
    for (const FileEntry& f : job.files)
        if (f.hub.path.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive))
            ggufs << f.hub.path;
    std::sort(ggufs.begin(), ggufs.end());
    job.modelPath = !hasConfig && !ggufs.isEmpty() ? QDir(modelRoot).filePath(ggufs.front()) : modelRoot;
    job.state = DownloadState::Done;
    job.message.clear();
    job.speed = 0;
    save();
    notify(job);
    emit finished(job.id);
}

void DownloadManager::stopTransfer(Job& job) {
    job.retryTimer.stop();
    job.stallTimer.stop();
    if (job.reply) {
        job.stopping = true;
        QNetworkReply* r = job.reply;
        job.reply = nullptr;
        r->disconnect(this);
        r->abort();
        r->deleteLater();
    }
    if (job.out.isOpen())
        job.out.close();
    job.speed = 0;
    if (job.state == DownloadState::Verifying) { // the checksum stops at its next block; its answer is ignored
        job.hashCancelled->store(true);
        job.hashing.disconnect(this);
    }
}

void DownloadManager::fail(Job& job, const QString& message) {
    stopTransfer(job);
    job.state = DownloadState::Failed;
    job.message = message;
    save();
    notify(job);
    emit finished(job.id);
}

void DownloadManager::save() const {
    if (m_stateFile.isEmpty() || (m_jobs.empty() && !QFileInfo::exists(m_stateFile)))
        return;
    QJsonArray jobs;
    for (const auto& j : m_jobs) {
        QJsonArray files;
        for (const FileEntry& f : j->files)
            files.append(QJsonObject{{QStringLiteral("path"), f.hub.path},
                                     {QStringLiteral("size"), f.hub.size},
                                     {QStringLiteral("sha256"), f.hub.sha256},
                                     {QStringLiteral("git_sha1"), f.hub.gitSha1},
                                     {QStringLiteral("blob"), f.blob},
                                     {QStringLiteral("done"), f.done},
                                     {QStringLiteral("own"), f.own}});
        const DownloadRequest& r = j->request;
        jobs.append(QJsonObject{
            {QStringLiteral("id"), j->id},
            {QStringLiteral("title"), r.title},
            {QStringLiteral("source"), HubSource::kindName(r.source.kind)},
            {QStringLiteral("base_url"), r.source.baseUrl},
            {QStringLiteral("repo"), r.repo.id},
            {QStringLiteral("revision"), r.repo.revision},
            {QStringLiteral("commit"), r.listing.commit},
            {QStringLiteral("destination"), r.destination.kind == DownloadDestination::Kind::Folder
                                                ? QStringLiteral("folder")
                                                : QStringLiteral("huggingface-cache")},
            {QStringLiteral("path"), r.destination.path},
            {QStringLiteral("state"), stateName(j->state)},
            {QStringLiteral("message"), j->message},
            {QStringLiteral("model_path"), j->modelPath},
            {QStringLiteral("files"), files}});
    }
    QDir().mkpath(QFileInfo(m_stateFile).absolutePath());
    QSaveFile out(m_stateFile);
    if (!out.open(QIODevice::WriteOnly))
        return;
    out.write(QJsonDocument(QJsonObject{{QStringLiteral("version"), 1}, {QStringLiteral("downloads"), jobs}}).toJson());
    out.commit();
}

void DownloadManager::load() {
    if (m_stateFile.isEmpty() || !QFileInfo::exists(m_stateFile))
        return;
    QFile in(m_stateFile);
    QString problem;
    QJsonDocument doc;
    if (!in.open(QIODevice::ReadOnly)) {
        problem = in.errorString();
    } else {
        QJsonParseError pe{};
        doc = QJsonDocument::fromJson(in.readAll(), &pe);
        in.close();
        if (pe.error != QJsonParseError::NoError || !doc.isObject())
            problem = tr("not JSON (%1 at byte %2)").arg(pe.errorString()).arg(pe.offset);
        else if (doc.object().value(QLatin1String("version")).toInt() != 1)
            problem = tr("unknown version");
    }
    std::vector<std::unique_ptr<Job>> restored;
    if (problem.isEmpty()) {
        int n = 0;
        for (const QJsonValue& v : doc.object().value(QLatin1String("downloads")).toArray()) {
            const QJsonObject o = v.toObject();
            auto job = std::make_unique<Job>();
            job->id = o.value(QLatin1String("id")).toString();
            DownloadRequest& r = job->request;
            r.title = o.value(QLatin1String("title")).toString();
            const auto kind = HubSource::parseKind(o.value(QLatin1String("source")).toString());
            r.source = HubSource{kind.value_or(HubSource::Kind::HuggingFace), o.value(QLatin1String("base_url")).toString()};
            r.repo = HubRepo{o.value(QLatin1String("repo")).toString(), o.value(QLatin1String("revision")).toString()};
            r.listing.commit = o.value(QLatin1String("commit")).toString();
            r.destination.kind = o.value(QLatin1String("destination")).toString() == QLatin1String("folder")
                                     ? DownloadDestination::Kind::Folder
                                     : DownloadDestination::Kind::HuggingFaceCache;
            r.destination.path = o.value(QLatin1String("path")).toString();
            job->message = o.value(QLatin1String("message")).toString();
            job->modelPath = o.value(QLatin1String("model_path")).toString();
            for (const QJsonValue& fv : o.value(QLatin1String("files")).toArray()) {
                const QJsonObject fo = fv.toObject();
                FileEntry f;
                f.hub.path = fo.value(QLatin1String("path")).toString();
                f.hub.size = fo.value(QLatin1String("size")).toInteger(-1);
                f.hub.sha256 = fo.value(QLatin1String("sha256")).toString();
                f.hub.gitSha1 = fo.value(QLatin1String("git_sha1")).toString();
                f.blob = fo.value(QLatin1String("blob")).toString();
                f.done = fo.value(QLatin1String("done")).toBool();
                f.own = fo.value(QLatin1String("own")).toBool();
                r.listing.files << f.hub;
                job->files << f;
            }
            if (job->id.isEmpty() || !kind || r.repo.id.isEmpty() || r.listing.commit.isEmpty() ||
                r.destination.path.isEmpty() || job->files.isEmpty()) {
                problem = tr("download %1 is incomplete").arg(n);
                break;
            }
            const QString state = o.value(QLatin1String("state")).toString();
            job->state = state == QLatin1String("paused") ? DownloadState::Paused
                         : state == QLatin1String("failed") ? DownloadState::Failed
                         : state == QLatin1String("done")   ? DownloadState::Done
                                                            : DownloadState::Downloading;
            restored.push_back(std::move(job));
            ++n;
        }
    }
    if (!problem.isEmpty()) {
        const QString aside = m_stateFile + QLatin1String(".unreadable");
        QFile::remove(aside);
        QFile::rename(m_stateFile, aside);
        m_loadProblem = tr("The list of downloads in %1 could not be read (%2); it was set aside as %3.")
                            .arg(QDir::toNativeSeparators(m_stateFile), problem, QDir::toNativeSeparators(aside));
        return;
    }
    for (auto& job : restored) {
        Job& j = *job;
        m_jobs.push_back(std::move(job));
        if (j.state == DownloadState::Downloading) // running when the app stopped: go on, once the loop runs
            QTimer::singleShot(0, this, [this, id = j.id] {
                if (Job* again = find(id); again && again->state == DownloadState::Downloading && !again->reply &&
                                           again->current < 0)
                    startNextFile(*again);
            });
    }
}
