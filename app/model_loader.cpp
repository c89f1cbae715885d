// Loads the local model off the GUI thread, with progress and cancel; an empty folder means the built-in demo model.
#include "model_loader.h"

#include "demo_model.h"

#include <QCoreApplication>
#include <QDir>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

struct ModelLoader::Result {
    LoadedModel model;
    QString error; ///< empty on success
};

namespace {

using ResultPtr = std::shared_ptr<ModelLoader::Result>;

void loadInWorker(QPromise<ResultPtr>& promise, const ModelSettings& settings) {
    auto result = std::make_shared<ModelLoader::Result>();
    promise.setProgressRange(0, 1000);
    const auto report = [&promise](double fraction, const QString& text) {
        promise.setProgressValueAndText(static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 1000.0), text);
        return !promise.isCanceled();
    };
    QString folder = settings.folder;
    double base = 0.0; // the share of the bar the demo model's creation takes
    if (folder.isEmpty()) {
        folder = DemoModel::defaultFolder();
        result->model.demo = true;
        base = 0.5; // quick when it exists already
        const QString text = QCoreApplication::translate("ModelLoader", "Preparing the demo model…");
        const ws::Status s = DemoModel::ensure(folder, [&](double f) { return report(f * base, text); });
        if (!s) {
            if (s.code() != ws::Code::Cancelled)
                result->error = QCoreApplication::translate("ModelLoader", "The demo model could not be created: %1").arg(QString::fromStdString(s.message()));
            promise.addResult(result);
            return;
        }
    }
    ws::LoadOptions options;
    options.threads = settings.threads;
    // The engine refuses CUDA with the reason (not built, no GPU, …); Automatic says in backendName() what it chose.
    options.backend = settings.backend == BackendChoice::Cuda  ? ws::Backend::Cuda
                      : settings.backend == BackendChoice::Cpu ? ws::Backend::Cpu
                                                               : ws::Backend::Auto;
    options.gpu = settings.gpu;
    options.context = settings.contextLength; // the GPU plans its KV cache for it (clamped to the model)
    options.prefault = true;
    const QString text = QCoreApplication::translate("ModelLoader", "Loading %1…").arg(QDir(folder).dirName());
    options.progress = [&](double f, std::string_view) { return report(base + f * (1.0 - base), text); };
    auto model = ws::Model::load(folder.toStdString(), options);
    if (!model) {
        if (model.status().code() != ws::Code::Cancelled) result->error = QString::fromStdString(model.status().message());
        promise.addResult(result);
        return;
    }
    std::shared_ptr<const ws::Model> shared = std::move(model.value());
    result->model.folder = folder;
    result->model.contextLength = std::clamp(settings.contextLength, 1, shared->info().maxContext);
    result->model.model = std::move(shared);
    promise.addResult(result);
}

} // namespace

ModelLoader::ModelLoader(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<ResultPtr>::progressValueChanged, this,
            [this](int v) { emit progressChanged(v, m_watcher.progressText()); });
    connect(&m_watcher, &QFutureWatcher<ResultPtr>::finished, this, &ModelLoader::onFinished);
}

ModelLoader::~ModelLoader() {
    m_watcher.disconnect(this);
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

void ModelLoader::load(const ModelSettings& settings) {
    if (m_watcher.isRunning()) {
        // Never wait here (the GUI thread): the load under way stops at its next progress call, then
        // onFinished() starts this one.
        m_pending = settings;
        m_watcher.cancel();
        return;
    }
    m_watcher.setFuture(QtConcurrent::run(loadInWorker, settings));
}

void ModelLoader::cancel() {
    m_pending.reset();
    m_watcher.cancel();
}

void ModelLoader::onFinished() {
    if (m_pending) {
        const ModelSettings next = *m_pending;
        m_pending.reset();
        m_watcher.setFuture(QtConcurrent::run(loadInWorker, next));
        return;
    }
    const QFuture<ResultPtr> future = m_watcher.future();
    if (future.isCanceled() || future.resultCount() == 0) {
        emit cancelled();
        return;
    }
    const ResultPtr r = future.result();
    if (!r->error.isEmpty()) emit failed(r->error);
    else if (!r->model.model) emit cancelled();
    else emit loaded(r->model);
}
