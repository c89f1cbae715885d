// GenerationSettingsForm: the fields of GenerationSettings (answer length, temperature, top_p, …, system
// prompt) — in the model settings dialog, and with an "override" box per field in a conversation's settings.
#pragma once

#include "app/settings.h"

#include <QStringList>
#include <QWidget>
#include <array>

class QCheckBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

class GenerationSettingsForm : public QWidget {
    Q_OBJECT

  public:
    /// The rows; Temperature includes the DeepSeek mapping switch.
    enum class Field {
        MaxTokens,
        Temperature,
        TopP,
        TopK,
        PresencePenalty,
        FrequencyPenalty,
        Stop,
        Seed,
        SystemPrompt
    };
    static constexpr int kFieldCount = 9;

    explicit GenerationSettingsForm(QWidget* parent = nullptr);

    void setSettings(const GenerationSettings& settings);
    /// What the fields hold (in overridable mode, fields not overridden hold the base's values).
    GenerationSettings settings() const;
    /// settings().problems() and input the fields cannot hold (a seed that is not a number). Translated.
    QStringList problems() const;
    /// The live hint under the temperature ("Effective temperature: 0.30").
    QString temperatureHint() const;

    /// Overridable mode: every row gets an "Override" box; a row without it is disabled and shows `base`.
    void setOverridable(bool overridable);
    bool isOverridable() const { return m_overridable; }
    void setBase(const GenerationSettings& base);
    void setOverridden(Field field, bool overridden);
    bool isOverridden(Field field) const;
    /// The GenerationSettings::toJson() keys a row edits.
    static QStringList jsonKeys(Field field);

  signals:
    /// Any value or override box changed.
    void changed();

  protected:
    void changeEvent(QEvent* event) override;

  private:
    struct Row {
        QLabel* label = nullptr;
        QCheckBox* overrideBox = nullptr;
        QWidget* field = nullptr;
    };
    void buildUi();
    void addRow(Field field, QWidget* editor);
    void retranslateUi();
    void showField(Field field, const GenerationSettings& s);
    void updateOverrideStates();
    void updateTemperatureHint();
    void onEdited();
    Row& row(Field f) { return m_rows[static_cast<std::size_t>(f)]; }
    const Row& row(Field f) const { return m_rows[static_cast<std::size_t>(f)]; }

    /// Stop strings are edited one per line; "\n", "\t" and "\\" spell a line break, a tab and a backslash.
    static QString escapeStop(const QString& s);
    static QString unescapeStop(const QString& s);

    QFormLayout* m_layout = nullptr;
    std::array<Row, kFieldCount> m_rows{};
    QSpinBox* m_maxTokens = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QCheckBox* m_mapping = nullptr;
    QLabel* m_temperatureHint = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QSpinBox* m_topK = nullptr;
    QDoubleSpinBox* m_presence = nullptr;
    QDoubleSpinBox* m_frequency = nullptr;
    QPlainTextEdit* m_stop = nullptr;
    QLineEdit* m_seed = nullptr;
    QPlainTextEdit* m_systemPrompt = nullptr;

    bool m_overridable = false;
    bool m_updating = false;
    GenerationSettings m_base;
};
