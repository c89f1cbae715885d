// ConversationSettingsDialog: the generation form in overridable mode; the result is the overrides JSON.
#include "conversation_settings_dialog.h"

#include "ui/generation_settings_form.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

ConversationSettingsDialog::ConversationSettingsDialog(const GenerationSettings& global,
                                                       const QJsonObject& overrides, QWidget* parent)
    : QDialog(parent), m_global(global) {
    m_intro = new QLabel;
    m_intro->setWordWrap(true);
    m_form = new GenerationSettingsForm;
    m_form->setOverridable(true);
    m_form->setBase(global);
    for (int i = 0; i < GenerationSettingsForm::kFieldCount; ++i) {
        const auto field = static_cast<GenerationSettingsForm::Field>(i);
        bool overridden = false;
        for (const QString& key : GenerationSettingsForm::jsonKeys(field))
            overridden = overridden || overrides.contains(key);
        m_form->setOverridden(field, overridden);
    }
    m_form->setSettings(global.withOverrides(overrides)); // after the boxes: a row without one shows the base
    m_problems = new QLabel;
    m_problems->setWordWrap(true);
    m_problems->setTextFormat(Qt::PlainText);
    m_problems->hide();

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_reset = m_buttons->addButton(QString(), QDialogButtonBox::ResetRole);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_reset, &QPushButton::clicked, this, &ConversationSettingsDialog::resetAll);
    connect(m_form, &GenerationSettingsForm::changed, this, &ConversationSettingsDialog::updateOk);

    auto* v = new QVBoxLayout(this);
    v->addWidget(m_intro);
    v->addWidget(m_form);
    v->addWidget(m_problems);
    v->addStretch(1);
    v->addWidget(m_buttons);
    retranslateUi();
}

void ConversationSettingsDialog::retranslateUi() {
    setWindowTitle(tr("Conversation Settings"));
    m_intro->setText(tr("Settings for this conversation only. A field without “Override” follows the global "
                        "settings, also when they change later."));
    m_reset->setText(tr("&Follow Global Settings"));
    m_reset->setToolTip(tr("Clears every override of this conversation."));
    updateOk();
}

void ConversationSettingsDialog::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QDialog::changeEvent(event);
}

QJsonObject ConversationSettingsDialog::overrides() const {
    return m_form->settings().overridesAgainst(m_global);
}

GenerationSettings ConversationSettingsDialog::settings() const { return m_form->settings(); }

void ConversationSettingsDialog::resetAll() {
    for (int i = 0; i < GenerationSettingsForm::kFieldCount; ++i)
        m_form->setOverridden(static_cast<GenerationSettingsForm::Field>(i), false);
}

void ConversationSettingsDialog::updateOk() {
    const QStringList problems = m_form->problems();
    m_problems->setText(problems.join(QLatin1Char('\n')));
    m_problems->setVisible(!problems.isEmpty());
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(problems.isEmpty());
}
