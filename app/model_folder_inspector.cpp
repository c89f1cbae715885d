// ModelFolderInspector: ws::inspectModelFolder on the thread pool, newest request wins; free memory from
// /proc/meminfo.
#include "model_folder_inspector.h"

#include "whalesong/inspect.h"

#include <QFile>
#include <QtConcurrent>
#include <unistd.h>

ModelFolderInspector::ModelFolderInspector(QObject* parent) : QObject(parent) {
    m_timer.setSingleShot(true);
    m_timer.setInterval(300);
    connect(&m_timer, &QTimer::timeout, this, &ModelFolderInspector::launch);
}

// A run still going finishes on its own: it holds copies of its inputs only.
ModelFolderInspector::~ModelFolderInspector() = default;

void ModelFolderInspector::inspect(const QString& folder) {
    ++m_serial;
    m_pending = folder;
    m_busy = true;
    m_timer.start();
    emit started();
}

void ModelFolderInspector::inspectNow(const QString& folder) {
    inspect(folder);
    m_timer.stop();
    launch();
}

void ModelFolderInspector::cancel() {
    ++m_serial;
    m_timer.stop();
    m_busy = false;
}

void ModelFolderInspector::launch() {
    const quint64 serial = m_serial;
    // One watcher per run, so a late result of an older run can be recognised and dropped.
    auto* watcher = new QFutureWatcher<FolderInspection>(this);
    connect(watcher, &QFutureWatcher<FolderInspection>::finished, this, [this, watcher, serial] {
        watcher->deleteLater();
        if (serial != m_serial)
            return;
        m_result = watcher->result();
        m_busy = false;
        emit finished();
    });
    watcher->setFuture(QtConcurrent::run(&ModelFolderInspector::run, m_pending));
}

FolderInspection ModelFolderInspector::run(const QString& folder) {
    FolderInspection out;
    out.folder = folder;
    const ws::FolderReport report =
        ws::inspectModelFolder(std::filesystem::path(QFile::encodeName(folder).toStdString()));
    for (const std::string& p : report.problems)
        out.problems << QString::fromStdString(p);
    out.info = report.info;
    out.freeMemoryBytes = freeSystemMemory();
    return out;
}

quint64 ModelFolderInspector::freeSystemMemory() {
    QFile meminfo(QStringLiteral("/proc/meminfo"));
    if (meminfo.open(QIODevice::ReadOnly | QIODevice::Text)) {
        // "MemAvailable:   12345678 kB": what can be had without swapping (page cache counts as free).
        while (!meminfo.atEnd()) {
            const QByteArray line = meminfo.readLine();
            if (!line.startsWith("MemAvailable:"))
                continue;
            const QList<QByteArray> parts = line.simplified().split(' ');
            bool ok = false;
            const quint64 kib = parts.size() >= 2 ? parts[1].toULongLong(&ok) : 0;
            if (ok)
                return kib * 1024;
        }
    }
    const long pages = sysconf(_SC_AVPHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? static_cast<quint64>(pages) * static_cast<quint64>(pageSize) : 0;
}
