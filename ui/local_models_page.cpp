// The settings page that lists the models already on this computer and lets one be chosen.
#include "local_models_page.h"

#include "app/model_card.h"
#include "wrapping_label.h"

#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace {
enum Column { Name, Source, Format, Parameters, Size, State, Columns };
}

LocalModelsPage::LocalModelsPage(QWidget* parent) : QWidget(parent) {
    auto* v = new QVBoxLayout(this);
    m_intro = newWrappingLabel();
    v->addWidget(m_intro);
    m_list = new QTreeWidget;
    m_list->setObjectName(QStringLiteral("localModels"));
    m_list->setColumnCount(Columns);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->header()->setStretchLastSection(true);
    v->addWidget(m_list, 1);
    m_summary = newWrappingLabel();
    m_summary->setObjectName(QStringLiteral("localModelsSummary"));
    v->addWidget(m_summary);
    auto* buttons = new QHBoxLayout;
    m_use = new QPushButton;
    m_use->setObjectName(QStringLiteral("useLocalModel"));
    m_refresh = new QPushButton;
    buttons->addWidget(m_use);
    buttons->addStretch(1);
    buttons->addWidget(m_refresh);
    v->addLayout(buttons);

    m_foldersLabel = new QLabel;
    v->addSpacing(8);
    v->addWidget(m_foldersLabel);
    auto* folders = new QHBoxLayout;
    m_folderList = new QListWidget;
    m_folderList->setObjectName(QStringLiteral("modelFolders"));
    m_folderList->setMaximumHeight(m_folderList->fontMetrics().height() * 5);
    auto* folderButtons = new QVBoxLayout;
    m_add = new QPushButton;
    m_remove = new QPushButton;
    folderButtons->addWidget(m_add);
    folderButtons->addWidget(m_remove);
    folderButtons->addStretch(1);
    folders->addWidget(m_folderList, 1);
    folders->addLayout(folderButtons);
    v->addLayout(folders);
    m_foldersLabel->setBuddy(m_folderList);

    connect(m_list, &QTreeWidget::currentItemChanged, this, &LocalModelsPage::updateButtons);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, &LocalModelsPage::useSelected);
    connect(m_use, &QPushButton::clicked, this, &LocalModelsPage::useSelected);
    connect(m_refresh, &QPushButton::clicked, this, &LocalModelsPage::refresh);
    connect(m_add, &QPushButton::clicked, this, &LocalModelsPage::browseFolder);
    connect(m_remove, &QPushButton::clicked, this, &LocalModelsPage::removeFolder);
    connect(m_folderList, &QListWidget::currentRowChanged, this, &LocalModelsPage::updateButtons);
    connect(&m_watcher, &QFutureWatcher<std::vector<FoundModel>>::finished, this, [this] {
        m_found = m_watcher.result();
        if (m_again) { // the folders changed while searching: the result is already stale
            m_again = false;
            refresh();
            return;
        }
        showFound();
        emit searchFinished();
    });
    retranslateUi();
    updateButtons();
}

LocalModelsPage::~LocalModelsPage() { m_watcher.waitForFinished(); }

void LocalModelsPage::setUserFolders(const QStringList& folders) {
    m_folders = folders;
    m_folderList->clear();
    for (const QString& f : m_folders)
        m_folderList->addItem(QDir::toNativeSeparators(f));
    updateButtons();
}

void LocalModelsPage::addUserFolder(const QString& folder) {
    const QString clean = QDir::cleanPath(folder);
    if (clean.isEmpty() || m_folders.contains(clean))
        return;
    setUserFolders(m_folders + QStringList{clean});
    refresh();
}

void LocalModelsPage::refresh() {
    if (m_watcher.isRunning()) {
        m_again = true;
        return;
    }
    m_summary->setText(tr("Looking for models…"));
    const DiscoveryRoots roots = DiscoveryRoots::fromEnvironment(m_folders);
    m_watcher.setFuture(QtConcurrent::run([roots] { return discoverModels(roots); }));
}

void LocalModelsPage::showFound() {
    m_list->clear();
    const QLocale locale;
    int runnable = 0;
    for (const FoundModel& m : m_found) {
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(Name, m.name);
        item->setToolTip(Name, QDir::toNativeSeparators(m.path));
        switch (m.source) {
        case FoundModel::Source::HuggingFace: item->setText(Source, tr("Hugging Face cache")); break;
        case FoundModel::Source::ModelScope: item->setText(Source, tr("ModelScope cache")); break;
        case FoundModel::Source::UserFolder: item->setText(Source, tr("Your folder")); break;
        }
        item->setText(Format, m.format);
        if (m.info && m.info->parametersTotal)
            item->setText(Parameters, tr("%1 (%2 active)")
                                          .arg(formatParameterCount(m.info->parametersTotal),
                                               formatParameterCount(m.info->parametersActive)));
        item->setText(Size, locale.formattedDataSize(static_cast<qint64>(m.bytes)));
        if (m.runnable()) {
            ++runnable;
            item->setText(State, tr("Ready"));
        } else {
            // Listed with the reason, never hidden; shown greyed out and not selectable for use.
            item->setText(State, m.problems.join(QLatin1Char(' ')));
            item->setToolTip(State, m.problems.join(QLatin1Char('\n')));
            for (int c = 0; c < Columns; ++c)
                item->setForeground(c, palette().brush(QPalette::Disabled, QPalette::Text));
        }
    }
    for (int c = 0; c < State; ++c)
        m_list->resizeColumnToContents(c);
    m_summary->setText(m_found.empty() ? tr("No models found in the Hugging Face or ModelScope caches or in your "
                                            "folders.")
                                       : tr("%n model(s) found, %1 ready to use.", nullptr,
                                            static_cast<int>(m_found.size()))
                                             .arg(runnable));
    updateButtons();
}

bool LocalModelsPage::selectRow(int row) {
    if (row < 0 || row >= m_list->topLevelItemCount())
        return false;
    m_list->setCurrentItem(m_list->topLevelItem(row));
    return m_use->isEnabled();
}

QString LocalModelsPage::rowText(int row) const {
    const QTreeWidgetItem* item = m_list->topLevelItem(row);
    if (!item)
        return {};
    QStringList cells;
    for (int c = 0; c < Columns; ++c)
        cells << item->text(c);
    return cells.join(QStringLiteral(" | "));
}

void LocalModelsPage::updateButtons() {
    const int row = m_list->currentItem() ? m_list->indexOfTopLevelItem(m_list->currentItem()) : -1;
    m_use->setEnabled(row >= 0 && row < static_cast<int>(m_found.size()) &&
                      m_found[static_cast<std::size_t>(row)].runnable());
    m_remove->setEnabled(m_folderList->currentRow() >= 0);
}

void LocalModelsPage::useSelected() {
    const int row = m_list->currentItem() ? m_list->indexOfTopLevelItem(m_list->currentItem()) : -1;
    if (row < 0 || row >= static_cast<int>(m_found.size()) || !m_found[static_cast<std::size_t>(row)].runnable())
        return;
    emit modelChosen(m_found[static_cast<std::size_t>(row)].path);
}

void LocalModelsPage::browseFolder() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("A folder that holds models"), QDir::homePath());
    if (!dir.isEmpty())
        addUserFolder(dir);
}

void LocalModelsPage::removeFolder() {
    const int row = m_folderList->currentRow();
    if (row < 0 || row >= m_folders.size())
        return;
    QStringList folders = m_folders;
    folders.removeAt(row);
    setUserFolders(folders);
    refresh();
}

void LocalModelsPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        if (!m_watcher.isRunning())
            showFound();
    }
    QWidget::changeEvent(event);
}

void LocalModelsPage::retranslateUi() {
    m_intro->setText(tr("Models already on this computer: the Hugging Face cache (HF_HOME, HF_HUB_CACHE), the "
                        "ModelScope cache (MODELSCOPE_CACHE) and the folders you add below. Those Whalesong cannot "
                        "run are listed with the reason."));
    m_list->setHeaderLabels({tr("Model"), tr("Where"), tr("Format"), tr("Parameters"), tr("Size"), tr("State")});
    m_use->setText(tr("&Use this model"));
    m_refresh->setText(tr("&Look again"));
    m_foldersLabel->setText(tr("Your &folders of models:"));
    m_add->setText(tr("&Add folder…"));
    m_remove->setText(tr("&Remove"));
}
