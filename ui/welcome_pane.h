// WelcomePane: what the chat area shows while the conversation is empty. On the first run (no conversations
// yet) three ways in — the demo model, a model downloaded (or one already on this computer), DeepSeek's API or
// another endpoint; afterwards,
// who will answer and how to write.
#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QFrame;

class WelcomePane : public QWidget {
    Q_OBJECT
  public:
    explicit WelcomePane(QWidget* parent = nullptr);

    /// First run: the three ways in; otherwise the new-conversation hint.
    void setFirstRun(bool firstRun);
    bool isFirstRun() const { return m_firstRun; }
    /// Who answers the next message (ChatController::answererDescription()).
    void setAnswerer(const QString& description);

    /// All the text shown now (tests).
    QString shownText() const;

  signals:
    void demoRequested();
    void downloadRequested();
    void localModelRequested();
    void endpointRequested();

  protected:
    void changeEvent(QEvent* event) override;

  private:
    struct Way {
        QFrame* card = nullptr;
        QLabel* title = nullptr;
        QLabel* text = nullptr;
        QPushButton* button = nullptr;
    };
    Way addWay(QWidget* parent);
    void retranslateUi();

    bool m_firstRun = true;
    QLabel* m_title = nullptr;
    QLabel* m_intro = nullptr;
    QWidget* m_ways = nullptr;
    Way m_demo, m_local, m_endpoint; ///< m_local: download a model (its button), or choose one on disk (m_onDisk)
    QPushButton* m_onDisk = nullptr;
    QLabel* m_answerer = nullptr;
    QLabel* m_hint = nullptr;
};
