// EndpointsPage: the settings page for remote endpoints — which backend answers (this computer or an endpoint),
// the list of endpoints (presets: DeepSeek's API, SGLang, vLLM), each edited in place, and a connection test.
#pragma once

#include "app/remote_chat_client.h"
#include "app/settings.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QToolButton;

class EndpointsPage : public QWidget {
    Q_OBJECT
  public:
    explicit EndpointsPage(QWidget* parent = nullptr);

    void setEndpoints(const QList<RemoteEndpoint>& endpoints, const QString& activeId);
    QList<RemoteEndpoint> endpoints() const { return m_endpoints; }
    /// The id of the endpoint that answers; empty: the local model.
    QString activeEndpoint() const;
    /// Every endpoint's problems, each prefixed with its name (translated). Empty when all are usable.
    QStringList problems() const;

    /// Selects the endpoint `id` in the list (its fields shown for editing).
    void selectEndpoint(const QString& id);
    /// Adds an endpoint from a preset (as the Add menu does) and selects it.
    void addEndpoint(const RemoteEndpoint& endpoint);
    /// Tests the selected endpoint (GET /models); testFinished() follows.
    void testSelected();
    /// The last test's outcome, as shown.
    QString testResult() const;

  signals:
    void changed();
    void testFinished();

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void retranslateUi();
    void refreshList();
    void refreshAnswerWith();
    void showSelected();
    void editSelected();
    void removeSelected();
    void showProblems();
    int selectedRow() const;

    QList<RemoteEndpoint> m_endpoints;
    QString m_activeId;
    QString m_testedId; ///< the endpoint whose connection test is under way
    bool m_updating = false;
    RemoteChatClient m_tester;

    QLabel* m_intro = nullptr;
    QLabel* m_answerWithLabel = nullptr;
    QComboBox* m_answerWith = nullptr;
    QListWidget* m_list = nullptr;
    QToolButton* m_add = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_test = nullptr;
    QLabel* m_nameLabel = nullptr;
    QLineEdit* m_name = nullptr;
    QLabel* m_urlLabel = nullptr;
    QLineEdit* m_url = nullptr;
    QLabel* m_keyLabel = nullptr;
    QLineEdit* m_key = nullptr;
    QLabel* m_modelLabel = nullptr;
    QComboBox* m_model = nullptr;
    QLabel* m_problems = nullptr;
    QLabel* m_testResult = nullptr;
};
