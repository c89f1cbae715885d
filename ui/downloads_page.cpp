// The settings page that finds a model on a hub, downloads it in the background and shows the downloads.
#include "downloads_page.h"

#include "model_card.h"

#include "wrapping_label.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace {
enum CatalogColumn { CatModel, CatFormat, CatSize, CatFits, CatColumns };
enum DownloadColumn { DlModel, DlProgress, DlStatus, DlColumns };
constexpr int kIdRole = Qt::UserRole;
constexpr int kCatalogRole = Qt::UserRole + 1; ///< model index * 100 + format index

QString duration(qint64 seconds) {
    if (seconds >= 3600)
        return QCoreApplication::translate("DownloadsPage", "%1 h %2 min").arg(seconds / 3600).arg(seconds % 3600 / 60);
    if (seconds >= 60)
        return QCoreApplication::translate("DownloadsPage", "%1 min").arg((seconds + 59) / 60);
    return QCoreApplication::translate("DownloadsPage", "%1 s").arg(seconds);
}
} // namespace

DownloadsPage::DownloadsPage(QWidget* parent)
    : QWidget(parent), m_ram(physicalMemoryBytes()), m_hfCache(defaultHuggingFaceCache()),
      m_msCache(defaultModelScopeCache()) {
    auto* v = new QVBoxLayout(this);
    m_intro = newWrappingLabel();
    v->addWidget(m_intro);

    auto* sourceRow = new QHBoxLayout;
    m_sourceLabel = new QLabel;
    m_source = new QComboBox;
    m_source->setObjectName(QStringLiteral("downloadSource"));
    for (int i = 0; i < 3; ++i)
        m_source->addItem(QString());
    m_mirror = new QLineEdit;
    m_mirror->setObjectName(QStringLiteral("mirrorUrl"));
    m_mirror->setPlaceholderText(HubSource::defaultMirrorUrl());
    sourceRow->addWidget(m_sourceLabel);
    sourceRow->addWidget(m_source);
    sourceRow->addWidget(m_mirror, 1);
    m_sourceLabel->setBuddy(m_source);
    v->addLayout(sourceRow);

    m_catalogView = new QTreeWidget;
    m_catalogView->setObjectName(QStringLiteral("modelCatalog"));
    m_catalogView->setColumnCount(CatColumns);
    m_catalogView->setRootIsDecorated(false);
    m_catalogView->setUniformRowHeights(true);
    m_catalogView->setAlternatingRowColors(true);
    m_catalogView->header()->setStretchLastSection(true);
    v->addWidget(m_catalogView, 1);

    auto* form = new QFormLayout;
    auto* repoRow = new QHBoxLayout;
    m_repoLabel = new QLabel;
    m_repo = new QLineEdit;
    m_repo->setObjectName(QStringLiteral("downloadRepository"));
    m_lookUp = new QPushButton;
    repoRow->addWidget(m_repo, 1);
    repoRow->addWidget(m_lookUp);
    form->addRow(m_repoLabel, repoRow);
    m_repoLabel->setBuddy(m_repo);
    m_statusLabel = newWrappingLabel();
    m_statusLabel->setObjectName(QStringLiteral("downloadStatus"));
    form->addRow(QString(), m_statusLabel);
    m_quantLabel = new QLabel;
    m_quant = new QComboBox;
    m_quant->setObjectName(QStringLiteral("quantization"));
    form->addRow(m_quantLabel, m_quant);
    m_quantLabel->setBuddy(m_quant);
    m_destLabel = new QLabel;
    m_dest = new QComboBox;
    m_dest->setObjectName(QStringLiteral("downloadDestination"));
    m_dest->addItem(QString());
    m_dest->addItem(QString());
    auto* destRow = new QHBoxLayout;
    m_download = new QPushButton;
    m_download->setObjectName(QStringLiteral("startDownload"));
    destRow->addWidget(m_dest, 1);
    destRow->addWidget(m_download);
    form->addRow(m_destLabel, destRow);
    m_destLabel->setBuddy(m_dest);
    v->addLayout(form);

    m_downloadsLabel = new QLabel;
    v->addWidget(m_downloadsLabel);
    m_downloads = new QTreeWidget;
    m_downloads->setObjectName(QStringLiteral("downloads"));
    m_downloads->setColumnCount(DlColumns);
    m_downloads->setRootIsDecorated(false);
    m_downloads->setUniformRowHeights(true);
    m_downloads->header()->setStretchLastSection(true);
    m_downloads->setMaximumHeight(m_downloads->fontMetrics().height() * 8);
    v->addWidget(m_downloads);
    m_downloadsLabel->setBuddy(m_downloads);
    auto* buttons = new QHBoxLayout;
    m_pause = new QPushButton;
    m_resume = new QPushButton;
    m_cancel = new QPushButton;
    m_use = new QPushButton;
    m_use->setObjectName(QStringLiteral("useDownload"));
    buttons->addWidget(m_pause);
    buttons->addWidget(m_resume);
    buttons->addWidget(m_cancel);
    buttons->addStretch(1);
    buttons->addWidget(m_use);
    v->addLayout(buttons);

    connect(m_source, &QComboBox::currentIndexChanged, this, &DownloadsPage::onSourceChanged);
    connect(m_mirror, &QLineEdit::textEdited, this, [this] {
        forgetListing();
        showListing();
    });
    connect(m_catalogView, &QTreeWidget::currentItemChanged, this, [this] {
        if (QTreeWidgetItem* item = m_catalogView->currentItem())
            chooseCatalogRow(m_catalogView->indexOfTopLevelItem(item));
    });
    connect(m_repo, &QLineEdit::textEdited, this, [this] {
        forgetListing();
        m_preferredQuant.clear();
        showListing();
    });
    connect(m_repo, &QLineEdit::returnPressed, this, &DownloadsPage::lookUp);
    connect(m_lookUp, &QPushButton::clicked, this, &DownloadsPage::lookUp);
    connect(m_dest, &QComboBox::activated, this, [this](int index) {
        if (index == 1) {
            const QString folder = QFileDialog::getExistingDirectory(this, tr("Download models into"), m_otherFolder);
            if (!folder.isEmpty())
                m_otherFolder = folder;
        } else {
            m_otherFolder.clear();
        }
        retranslateUi();
    });
    connect(m_download, &QPushButton::clicked, this, &DownloadsPage::download);
    connect(m_downloads, &QTreeWidget::currentItemChanged, this, &DownloadsPage::updateButtons);
    connect(m_downloads, &QTreeWidget::itemDoubleClicked, this, [this] { useDownload(selectedDownload()); });
    connect(m_pause, &QPushButton::clicked, this, [this] {
        if (m_manager)
            m_manager->pause(selectedDownload());
    });
    connect(m_resume, &QPushButton::clicked, this, [this] {
        if (m_manager)
            m_manager->resume(selectedDownload());
    });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_manager)
            m_manager->cancel(selectedDownload());
    });
    connect(m_use, &QPushButton::clicked, this, [this] { useDownload(selectedDownload()); });
    // "Retrying in …" counts down.
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (!m_manager)
            return;
        for (const DownloadStatus& s : m_manager->downloads())
            if (s.state == DownloadState::Waiting)
                updateRow(s);
    });
    m_tick.start();
    m_catalog = modelCatalog();
    retranslateUi();
    onSourceChanged();
}

void DownloadsPage::forgetListing() {
    m_listed = false;
    m_token = 0; // an answer still on its way is for another question now
}

void DownloadsPage::setManager(DownloadManager* manager) {
    if (m_manager)
        m_manager->disconnect(this);
    m_manager = manager;
    if (m_manager) {
        connect(m_manager, &DownloadManager::lookedUp, this, &DownloadsPage::onLookedUp);
        connect(m_manager, &DownloadManager::changed, this, [this](const QString& id) {
            if (const auto s = m_manager->status(id))
                updateRow(*s);
            updateButtons();
        });
        connect(m_manager, &DownloadManager::removed, this, &DownloadsPage::updateDownloads);
    }
    updateDownloads();
    showListing();
}

void DownloadsPage::setSource(const QString& kindName, const QString& mirrorUrl) {
    const auto kind = HubSource::parseKind(kindName).value_or(HubSource::Kind::HuggingFace);
    m_mirror->setText(mirrorUrl);
    m_source->setCurrentIndex(static_cast<int>(kind));
    onSourceChanged();
}

QString DownloadsPage::sourceKindName() const {
    return HubSource::kindName(static_cast<HubSource::Kind>(m_source->currentIndex()));
}

QString DownloadsPage::mirrorUrl() const { return m_mirror->text().trimmed(); }

void DownloadsPage::setGpuMemory(quint64 bytes) {
    m_gpu = bytes;
    fillCatalog();
}

void DownloadsPage::setContext(int tokens) {
    m_context = tokens;
    fillCatalog();
}

void DownloadsPage::setRamBytes(quint64 bytes) {
    m_ram = bytes;
    fillCatalog();
}

void DownloadsPage::setCacheFolders(const QString& huggingFace, const QString& modelScope) {
    m_hfCache = huggingFace;
    m_msCache = modelScope;
    retranslateUi();
}

void DownloadsPage::setOtherFolder(const QString& folder) {
    m_otherFolder = folder;
    retranslateUi();
}

HubSource DownloadsPage::currentSource() const {
    switch (static_cast<HubSource::Kind>(m_source->currentIndex())) {
    case HubSource::Kind::Mirror:
        return HubSource::mirror(mirrorUrl().isEmpty() ? HubSource::defaultMirrorUrl() : mirrorUrl());
    case HubSource::Kind::ModelScope: return HubSource::modelScope();
    case HubSource::Kind::HuggingFace: break;
    }
    return HubSource::huggingFace();
}

void DownloadsPage::onSourceChanged() {
    m_mirror->setVisible(m_source->currentIndex() == static_cast<int>(HubSource::Kind::Mirror));
    forgetListing();
    if (QTreeWidgetItem* item = m_catalogView->currentItem())
        chooseCatalogRow(m_catalogView->indexOfTopLevelItem(item)); // the same model, on the other hub
    retranslateUi();
}

void DownloadsPage::setRepository(const QString& text) {
    m_repo->setText(text);
    forgetListing();
    m_preferredQuant.clear();
    showListing();
}

void DownloadsPage::chooseCatalogRow(int row) {
    const QTreeWidgetItem* item = m_catalogView->topLevelItem(row);
    if (!item)
        return;
    if (m_catalogView->currentItem() != item)
        m_catalogView->setCurrentItem(m_catalogView->topLevelItem(row));
    const int key = item->data(CatModel, kCatalogRole).toInt();
    const CatalogModel& model = m_catalog[key / 100];
    const CatalogFormat& format = model.formats[key % 100];
    const QString repo = currentSource().kind == HubSource::Kind::ModelScope ? format.modelScope : format.huggingFace;
    m_repo->setText(repo);
    forgetListing();
    m_preferredQuant = format.ggufChoice;
    m_status = repo.isEmpty() ? tr("%1 in %2 is not on ModelScope: choose Hugging Face or a mirror.")
                                    .arg(model.name, format.format)
                              : QString();
    showListing();
    if (!repo.isEmpty())
        lookUp();
}

void DownloadsPage::lookUp() {
    QString error;
    const auto ref = parseRepoReference(m_repo->text(), &error);
    forgetListing();
    if (!ref) {
        m_status = error;
        showListing();
        return;
    }
    if (!m_manager) {
        m_status = tr("Downloads are not available.");
        showListing();
        return;
    }
    HubSource source = currentSource();
    if (ref->source) { // a pasted address names its hub
        source = *ref->source;
        QSignalBlocker block(m_source);
        m_source->setCurrentIndex(static_cast<int>(source.kind));
        if (source.kind == HubSource::Kind::Mirror)
            m_mirror->setText(source.baseUrl);
        m_mirror->setVisible(source.kind == HubSource::Kind::Mirror);
        m_dest->setItemText(0, destinationText()); // that hub's cache
    }
    m_listedSource = source;
    m_listedRepo = ref->repo;
    m_status = tr("Looking up %1 on %2…").arg(ref->repo.id, source.baseUrl);
    showListing();
    m_token = m_manager->lookUp(source, ref->repo);
}

void DownloadsPage::onLookedUp(int token, const HubListing& listing, const QString& error) {
    if (token != m_token)
        return;
    m_token = 0;
    if (!error.isEmpty()) {
        m_status = error;
        m_listed = false;
    } else {
        m_listing = listing;
        m_listed = true;
        m_status.clear();
    }
    showListing();
    m_preferredQuant.clear(); // applied once; later the user's own choice is kept
    emit lookupFinished();
}

void DownloadsPage::showListing() {
    const QList<GgufChoice> choices = m_listed ? ggufChoices(m_listing) : QList<GgufChoice>{};
    const QString keep = m_quant->currentData().toString();
    {
        QSignalBlocker block(m_quant);
        m_quant->clear();
        for (const GgufChoice& c : choices)
            m_quant->addItem(tr("%1 (%2)").arg(c.name, formatDataSize(c.totalBytes())), c.name);
        // The catalog's quantization when just looked up (exactly, else as a suffix), else what was chosen.
        int pick = m_preferredQuant.isEmpty() ? -1 : m_quant->findData(m_preferredQuant);
        for (int i = 0; pick < 0 && !m_preferredQuant.isEmpty() && i < choices.size(); ++i)
            if (choices[i].name.endsWith(QLatin1Char('-') + m_preferredQuant))
                pick = i;
        if (pick < 0)
            pick = std::max(0, m_quant->findData(keep));
        m_quant->setCurrentIndex(choices.isEmpty() ? -1 : pick);
    }
    m_quant->setVisible(!choices.isEmpty());
    m_quantLabel->setVisible(!choices.isEmpty());
    if (m_listed)
        m_status = choices.isEmpty()
                       ? tr("%1: %n file(s), %2.", nullptr, static_cast<int>(m_listing.files.size()))
                             .arg(m_listedRepo.id, formatDataSize(m_listing.totalBytes()))
                       : tr("%1 holds %n GGUF quantization(s): choose one.", nullptr, static_cast<int>(choices.size()))
                             .arg(m_listedRepo.id);
    m_statusLabel->setText(m_status);
    m_statusLabel->setVisible(!m_status.isEmpty());
    m_download->setEnabled(canDownload());
}

QStringList DownloadsPage::quantizations() const {
    QStringList out;
    for (int i = 0; i < m_quant->count(); ++i)
        out << m_quant->itemData(i).toString();
    return out;
}

void DownloadsPage::chooseQuantization(const QString& name) { m_quant->setCurrentIndex(m_quant->findData(name)); }

bool DownloadsPage::canDownload() const { return m_manager && m_listed && !m_listing.files.isEmpty(); }

void DownloadsPage::download() {
    if (!canDownload())
        return;
    DownloadRequest r;
    r.source = m_listedSource;
    r.repo = m_listedRepo;
    r.listing = m_listing;
    const QList<GgufChoice> choices = ggufChoices(m_listing);
    if (!choices.isEmpty()) { // a GGUF repository: the chosen quantization only (the combo lists them in order)
        const int index = m_quant->currentIndex();
        if (index < 0 || index >= choices.size()) {
            m_status = tr("Choose a quantization first.");
            showListing();
            return;
        }
        r.listing.files = choices[index].files;
        r.title = m_listedRepo.id + QLatin1String(" · ") + choices[index].name;
    }
    const QString repoName = m_listedRepo.id.section(QLatin1Char('/'), 1);
    if (!m_otherFolder.isEmpty()) {
        r.destination = {DownloadDestination::Kind::Folder, QDir(m_otherFolder).filePath(repoName)};
    } else if (m_listedSource.kind == HubSource::Kind::ModelScope) {
        r.destination = {DownloadDestination::Kind::Folder, modelScopeRepoFolder(m_msCache, m_listedRepo.id)};
    } else {
        r.destination = {DownloadDestination::Kind::HuggingFaceCache, m_hfCache};
    }
    QString error;
    const QString id = m_manager->start(r, &error);
    m_status = id.isEmpty() ? error : tr("Downloading %1 into %2.").arg(r.title.isEmpty() ? r.repo.id : r.title,
                                                                        QDir::toNativeSeparators(r.destination.path));
    m_statusLabel->setText(m_status);
    m_statusLabel->setVisible(true);
    updateDownloads();
    if (!id.isEmpty())
        for (int i = 0; i < m_downloads->topLevelItemCount(); ++i)
            if (m_downloads->topLevelItem(i)->data(DlModel, kIdRole).toString() == id)
                m_downloads->setCurrentItem(m_downloads->topLevelItem(i));
}

QString DownloadsPage::shownStatus() const { return m_statusLabel->text(); }

void DownloadsPage::fillCatalog() {
    const int current = m_catalogView->currentItem() ? m_catalogView->indexOfTopLevelItem(m_catalogView->currentItem()) : -1;
    QSignalBlocker block(m_catalogView);
    m_catalogView->clear();
    for (int mi = 0; mi < m_catalog.size(); ++mi) {
        const CatalogModel& m = m_catalog[mi];
        for (int fi = 0; fi < m.formats.size(); ++fi) {
            const CatalogFormat& f = m.formats[fi];
            auto* item = new QTreeWidgetItem(m_catalogView);
            const quint64 bytes = m.bytes(f);
            bool fits = false;
            const QString fit = fitDescription(bytes, m.kvBytesPerToken * static_cast<quint64>(std::max(0, m_context)),
                                               m_ram, m_gpu, &fits);
            item->setText(CatModel, m.name);
            item->setText(CatFormat, f.format);
            item->setText(CatSize, tr("≈ %1").arg(formatDataSize(static_cast<qint64>(bytes))));
            item->setText(CatFits, fit);
            item->setData(CatModel, kCatalogRole, mi * 100 + fi);
            item->setToolTip(CatModel, m.description);
            if (!fits)
                item->setForeground(CatFits, palette().brush(QPalette::Disabled, QPalette::Text));
        }
    }
    if (current >= 0 && current < m_catalogView->topLevelItemCount())
        m_catalogView->setCurrentItem(m_catalogView->topLevelItem(current));
    for (int c = 0; c < CatColumns - 1; ++c)
        m_catalogView->resizeColumnToContents(c);
}

QStringList DownloadsPage::catalogRows() const {
    QStringList out;
    for (int i = 0; i < m_catalogView->topLevelItemCount(); ++i) {
        QStringList cols;
        for (int c = 0; c < CatColumns; ++c)
            cols << m_catalogView->topLevelItem(i)->text(c);
        out << cols.join(QStringLiteral(" | "));
    }
    return out;
}

QString DownloadsPage::selectedDownload() const {
    const QTreeWidgetItem* item = m_downloads->currentItem();
    return item ? item->data(DlModel, kIdRole).toString() : QString();
}

void DownloadsPage::updateDownloads() {
    const QString keep = selectedDownload();
    m_downloads->clear();
    if (m_manager)
        for (const DownloadStatus& s : m_manager->downloads())
            updateRow(s);
    for (int i = 0; i < m_downloads->topLevelItemCount(); ++i)
        if (m_downloads->topLevelItem(i)->data(DlModel, kIdRole).toString() == keep)
            m_downloads->setCurrentItem(m_downloads->topLevelItem(i));
    m_downloadsLabel->setVisible(m_downloads->topLevelItemCount() > 0);
    m_downloads->setVisible(m_downloads->topLevelItemCount() > 0);
    updateButtons();
}

void DownloadsPage::updateRow(const DownloadStatus& s) {
    QTreeWidgetItem* item = nullptr;
    for (int i = 0; i < m_downloads->topLevelItemCount() && !item; ++i)
        if (m_downloads->topLevelItem(i)->data(DlModel, kIdRole).toString() == s.id)
            item = m_downloads->topLevelItem(i);
    if (!item) {
        item = new QTreeWidgetItem(m_downloads);
        item->setData(DlModel, kIdRole, s.id);
        auto* bar = new QProgressBar;
        bar->setRange(0, 1000);
        m_downloads->setItemWidget(item, DlProgress, bar);
        m_downloadsLabel->setVisible(true);
        m_downloads->setVisible(true);
    }
    item->setText(DlModel, s.title);
    item->setToolTip(DlModel, QDir::toNativeSeparators(s.destination.path));
    const int permille = s.bytesTotal > 0 ? static_cast<int>(s.bytesDone * 1000 / s.bytesTotal) : 0;
    if (auto* bar = qobject_cast<QProgressBar*>(m_downloads->itemWidget(item, DlProgress))) {
        bar->setValue(s.state == DownloadState::Done ? 1000 : permille);
        bar->setFormat(tr("%1 of %2").arg(formatDataSize(s.bytesDone), formatDataSize(s.bytesTotal)));
    }
    QString text;
    switch (s.state) {
    case DownloadState::Downloading:
        text = s.bytesPerSecond > 0 ? tr("%1/s, %2 left").arg(formatDataSize(static_cast<qint64>(s.bytesPerSecond)), duration(s.secondsLeft))
                                    : tr("Downloading %1").arg(s.currentFile);
        break;
    case DownloadState::Waiting:
        text = tr("Retrying in %1 — %2")
                   .arg(duration(std::max<qint64>(0, (QDateTime::currentDateTimeUtc().msecsTo(s.retryAt) + 999) / 1000)),
                        s.message);
        break;
    case DownloadState::Verifying: text = tr("Checking %1 (file %2 of %3)…").arg(s.currentFile).arg(s.filesDone + 1).arg(s.filesTotal); break;
    case DownloadState::Paused: text = tr("Paused"); break;
    case DownloadState::Failed: text = tr("Stopped: %1").arg(s.message); break;
    case DownloadState::Done: text = tr("Ready: %1").arg(QDir::toNativeSeparators(s.modelPath)); break;
    }
    item->setText(DlStatus, text);
    item->setToolTip(DlStatus, text);
}

QStringList DownloadsPage::downloadRows() const {
    QStringList out;
    for (int i = 0; i < m_downloads->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = m_downloads->topLevelItem(i);
        const auto* bar = qobject_cast<QProgressBar*>(m_downloads->itemWidget(const_cast<QTreeWidgetItem*>(item), DlProgress));
        out << QStringList{item->text(DlModel), bar ? bar->text() : QString(), item->text(DlStatus)}.join(QStringLiteral(" | "));
    }
    return out;
}

void DownloadsPage::updateButtons() {
    const auto s = m_manager ? m_manager->status(selectedDownload()) : std::nullopt;
    const bool active = s && (s->state == DownloadState::Downloading || s->state == DownloadState::Waiting ||
                              s->state == DownloadState::Verifying);
    m_pause->setEnabled(active);
    m_resume->setEnabled(s && (s->state == DownloadState::Paused || s->state == DownloadState::Failed));
    m_cancel->setEnabled(s.has_value());
    m_cancel->setText(s && s->state == DownloadState::Done ? tr("Remove from list") : tr("Cancel"));
    m_use->setEnabled(s && s->state == DownloadState::Done);
}

bool DownloadsPage::useDownload(const QString& id) {
    const auto s = m_manager ? m_manager->status(id) : std::nullopt;
    if (!s || s->state != DownloadState::Done)
        return false;
    emit modelChosen(s->modelPath);
    return true;
}

QString DownloadsPage::destinationText() const {
    if (m_source->currentIndex() == static_cast<int>(HubSource::Kind::ModelScope))
        return tr("ModelScope's cache (%1)").arg(QDir::toNativeSeparators(m_msCache));
    return tr("Hugging Face's cache (%1)").arg(QDir::toNativeSeparators(m_hfCache));
}

void DownloadsPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) {
        m_catalog = modelCatalog();
        retranslateUi();
        updateDownloads();
    }
    QWidget::changeEvent(event);
}

void DownloadsPage::retranslateUi() {
    m_intro->setText(tr("Download a DeepSeek model from a hub. Downloads go on in the background while you chat, "
                        "resume where they stopped (also after closing Whalesong), and every file is checked "
                        "before the model is offered."));
    m_sourceLabel->setText(tr("&Download from:"));
    m_source->setItemText(0, tr("Hugging Face"));
    m_source->setItemText(1, tr("A Hugging Face mirror"));
    m_source->setItemText(2, tr("ModelScope (魔搭)"));
    m_mirror->setToolTip(tr("The mirror's address, e.g. %1").arg(HubSource::defaultMirrorUrl()));
    m_catalogView->setHeaderLabels({tr("Model"), tr("Format"), tr("Size"), tr("On this computer")});
    m_repoLabel->setText(tr("&Repository:"));
    m_repo->setPlaceholderText(tr("ORGANIZATION/NAME or the model's address on the hub"));
    m_lookUp->setText(tr("&Look up"));
    m_quantLabel->setText(tr("&Quantization:"));
    m_destLabel->setText(tr("&Save to:"));
    m_dest->setItemText(0, destinationText());
    m_dest->setItemText(1, m_otherFolder.isEmpty() ? tr("Another folder…")
                                                   : tr("Another folder: %1").arg(QDir::toNativeSeparators(m_otherFolder)));
    m_dest->setCurrentIndex(m_otherFolder.isEmpty() ? 0 : 1);
    m_download->setText(tr("Do&wnload"));
    m_downloadsLabel->setText(tr("Downloads:"));
    m_downloads->setHeaderLabels({tr("Model"), tr("Progress"), tr("Status")});
    m_pause->setText(tr("&Pause"));
    m_resume->setText(tr("Res&ume"));
    m_use->setText(tr("Use this model"));
    fillCatalog();
    showListing();
    updateButtons();
}
