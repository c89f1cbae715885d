// ApiServerPage: the settings page of the OpenAI-compatible API server — on/off, port, access from other
// computers (then a key is required), the key (generated on request), and what a client puts as its base URL.
#pragma once

#include "app/settings.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

class ApiServerPage : public QWidget {
    Q_OBJECT
  public:
    explicit ApiServerPage(QWidget* parent = nullptr);

    void setSettings(const ServerSettings& settings);
    ServerSettings settings() const;
    /// Translated; empty when usable (a disabled server is always usable).
    QStringList problems() const;
    /// What the page shows a client should use (base URL and a curl line).
    QString shownUsage() const;

  signals:
    void changed();

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void retranslateUi();
    void refresh();

    QLabel* m_intro = nullptr;
    QCheckBox* m_enabled = nullptr;
    QLabel* m_portLabel = nullptr;
    QSpinBox* m_port = nullptr;
    QCheckBox* m_lan = nullptr;
    QLabel* m_keyLabel = nullptr;
    QLineEdit* m_key = nullptr;
    QPushButton* m_generate = nullptr;
    QLabel* m_usage = nullptr;
    QLabel* m_problems = nullptr;
};
