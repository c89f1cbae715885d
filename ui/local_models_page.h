// LocalModelsPage: the settings page of the models already on this computer — the Hugging Face and ModelScope
// caches and the folders the user adds — each with its source, format, parameters, size and whether it runs (the
// reason when not), found off the GUI thread; "Use this model" hands its path to the Model page.
#pragma once

#include "app/model_discovery.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QWidget>

#include <vector>

class QLabel;
class QListWidget;
class QPushButton;
class QTreeWidget;

class LocalModelsPage : public QWidget {
    Q_OBJECT
  public:
    explicit LocalModelsPage(QWidget* parent = nullptr);
    ~LocalModelsPage() override;

    /// The folders the user added (settings), searched with the caches.
    void setUserFolders(const QStringList& folders);
    QStringList userFolders() const { return m_folders; }
    /// Adds a folder to search (as "Add folder…" does) and searches again.
    void addUserFolder(const QString& folder);

    /// Searches the caches (from the environment, as the hubs' tools find them) and the user's folders again.
    void refresh();
    bool isSearching() const { return m_watcher.isRunning() || m_again; }
    /// What the last search found, in the order listed.
    const std::vector<FoundModel>& found() const { return m_found; }
    /// Selects row `row` of the list (tests) and returns whether it can be used.
    bool selectRow(int row);
    /// The text of the list's row `row`, its columns joined by " | " (tests).
    QString rowText(int row) const;

  signals:
    /// A search finished and its outcome is shown.
    void searchFinished();
    /// "Use this model" (or a double click) on a model that runs: its path, for the Model page.
    void modelChosen(const QString& path);

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void retranslateUi();
    void showFound();
    void updateButtons();
    void useSelected();
    void browseFolder();
    void removeFolder();

    QStringList m_folders;
    std::vector<FoundModel> m_found;
    QFutureWatcher<std::vector<FoundModel>> m_watcher;
    bool m_again = false; ///< a search was asked for while one ran
    QLabel* m_intro = nullptr;
    QTreeWidget* m_list = nullptr;
    QLabel* m_summary = nullptr;
    QPushButton* m_use = nullptr;
    QPushButton* m_refresh = nullptr;
    QLabel* m_foldersLabel = nullptr;
    QListWidget* m_folderList = nullptr;
    QPushButton* m_add = nullptr;
    QPushButton* m_remove = nullptr;
};
