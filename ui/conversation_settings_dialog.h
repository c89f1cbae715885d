// ConversationSettingsDialog: one conversation's generation overrides — the generation form with an
// "Override" box per field; fields left alone follow the global settings.
#pragma once

#include "app/settings.h"

#include <QDialog>
#include <QJsonObject>

class GenerationSettingsForm;
class QDialogButtonBox;
class QLabel;
class QPushButton;

class ConversationSettingsDialog : public QDialog {
    Q_OBJECT

  public:
    /// `global`: the app's generation settings; `overrides`: the conversation's (GenerationSettings JSON
    /// keys, as ConversationRecord::settings keeps them; unknown keys and wrong types are ignored).
    ConversationSettingsDialog(const GenerationSettings& global, const QJsonObject& overrides,
                               QWidget* parent = nullptr);

    /// The fields that differ from the global settings (GenerationSettings::overridesAgainst): an override
    /// equal to the global value is dropped. Empty: the conversation follows the global settings.
    QJsonObject overrides() const;
    /// The settings this conversation will answer with.
    GenerationSettings settings() const;
    GenerationSettingsForm* form() const { return m_form; }

  protected:
    void changeEvent(QEvent* event) override;

  private:
    void retranslateUi();
    void resetAll();
    void updateOk();

    GenerationSettings m_global;
    QLabel* m_intro = nullptr;
    GenerationSettingsForm* m_form = nullptr;
    QLabel* m_problems = nullptr;
    QPushButton* m_reset = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};
