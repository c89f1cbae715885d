// GenerationSettingsForm: one row per generation parameter; optionally an "Override" box per row.
#include "generation_settings_form.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QRegularExpressionValidator>
#include <QSpinBox>
#include <QVBoxLayout>
#include <limits>

namespace {
QDoubleSpinBox* doubleSpin(double min, double max, double step) {
    auto* s = new QDoubleSpinBox;
    s->setRange(min, max);
    s->setDecimals(2);
    s->setSingleStep(step);
    return s;
}

QPlainTextEdit* textEdit(int lines) {
    auto* e = new QPlainTextEdit;
    e->setTabChangesFocus(true);
    e->setLineWrapMode(QPlainTextEdit::NoWrap);
    e->setFixedHeight(e->fontMetrics().lineSpacing() * lines + 2 * (e->frameWidth() + 4));
    return e;
}
} // namespace

GenerationSettingsForm::GenerationSettingsForm(QWidget* parent) : QWidget(parent) {
    buildUi();
    setSettings(GenerationSettings{});
    retranslateUi();
}

void GenerationSettingsForm::buildUi() {
    m_layout = new QFormLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_maxTokens = new QSpinBox;
    m_maxTokens->setObjectName(QStringLiteral("maxTokens"));
    m_maxTokens->setRange(1, 16384);
    m_maxTokens->setSingleStep(256);
    m_maxTokens->setGroupSeparatorShown(true);
    addRow(Field::MaxTokens, m_maxTokens);

    auto* temperatureBox = new QWidget;
    auto* tv = new QVBoxLayout(temperatureBox);
    tv->setContentsMargins(0, 0, 0, 0);
    m_temperature = doubleSpin(0.0, 2.0, 0.1);
    m_temperature->setObjectName(QStringLiteral("temperature"));
    m_mapping = new QCheckBox;
    m_mapping->setObjectName(QStringLiteral("deepseekTemperatureMapping"));
    m_temperatureHint = new QLabel;
    m_temperatureHint->setObjectName(QStringLiteral("temperatureHint"));
    m_temperatureHint->setForegroundRole(QPalette::PlaceholderText);
    auto* th = new QHBoxLayout;
    th->addWidget(m_temperature);
    th->addWidget(m_mapping, 1);
    tv->addLayout(th);
    tv->addWidget(m_temperatureHint);
    addRow(Field::Temperature, temperatureBox);

    m_topP = doubleSpin(0.01, 1.0, 0.05);
    m_topP->setObjectName(QStringLiteral("topP"));
    addRow(Field::TopP, m_topP);
    m_topK = new QSpinBox;
    m_topK->setObjectName(QStringLiteral("topK"));
    m_topK->setRange(0, 1000000);
    addRow(Field::TopK, m_topK);
    m_presence = doubleSpin(-2.0, 2.0, 0.1);
    m_presence->setObjectName(QStringLiteral("presencePenalty"));
    addRow(Field::PresencePenalty, m_presence);
    m_frequency = doubleSpin(-2.0, 2.0, 0.1);
    m_frequency->setObjectName(QStringLiteral("frequencyPenalty"));
    addRow(Field::FrequencyPenalty, m_frequency);
    m_stop = textEdit(4);
    m_stop->setObjectName(QStringLiteral("stop"));
    addRow(Field::Stop, m_stop);
    m_seed = new QLineEdit;
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{0,20}")), m_seed));
    addRow(Field::Seed, m_seed);
    m_systemPrompt = textEdit(5);
    m_systemPrompt->setObjectName(QStringLiteral("systemPrompt"));
    m_systemPrompt->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    addRow(Field::SystemPrompt, m_systemPrompt);

    for (QSpinBox* s : {m_maxTokens, m_topK})
        connect(s, &QSpinBox::valueChanged, this, &GenerationSettingsForm::onEdited);
    for (QDoubleSpinBox* s : {m_temperature, m_topP, m_presence, m_frequency})
        connect(s, &QDoubleSpinBox::valueChanged, this, &GenerationSettingsForm::onEdited);
    connect(m_mapping, &QCheckBox::toggled, this, &GenerationSettingsForm::onEdited);
    connect(m_seed, &QLineEdit::textChanged, this, &GenerationSettingsForm::onEdited);
    for (QPlainTextEdit* e : {m_stop, m_systemPrompt})
        connect(e, &QPlainTextEdit::textChanged, this, &GenerationSettingsForm::onEdited);
}

void GenerationSettingsForm::addRow(Field field, QWidget* editor) {
    Row& r = row(field);
    r.label = new QLabel;
    r.field = editor;
    r.overrideBox = new QCheckBox;
    r.overrideBox->setVisible(false);
    connect(r.overrideBox, &QCheckBox::toggled, this, [this, field](bool on) { setOverridden(field, on); });
    auto* box = new QWidget;
    auto* h = new QHBoxLayout(box);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(r.overrideBox, 0, Qt::AlignTop);
    h->addWidget(editor, 1);
    r.label->setBuddy(editor);
    m_layout->addRow(r.label, box);
}

void GenerationSettingsForm::retranslateUi() {
    row(Field::MaxTokens).label->setText(tr("Answer le&ngth:"));
    m_maxTokens->setSuffix(tr(" tokens"));
    m_maxTokens->setToolTip(tr("The most tokens one answer may have (max_tokens)."));
    row(Field::Temperature).label->setText(tr("&Temperature:"));
    m_temperature->setToolTip(tr("Higher is more varied, 0 always picks the likeliest token."));
    m_mapping->setText(tr("DeepSeek temperature mapping"));
    m_mapping->setToolTip(
        tr("As DeepSeek's API does: a temperature up to 1 runs at 0.3 × T, above 1 at T − 0.7."));
    row(Field::TopP).label->setText(tr("Top &p:"));
    m_topP->setToolTip(tr("Sample only from the likeliest tokens whose probabilities add up to p."));
    row(Field::TopK).label->setText(tr("Top &k:"));
    m_topK->setSpecialValueText(tr("Off"));
    m_topK->setToolTip(tr("Sample only from the k likeliest tokens."));
    row(Field::PresencePenalty).label->setText(tr("P&resence penalty:"));
    row(Field::FrequencyPenalty).label->setText(tr("&Frequency penalty:"));
    row(Field::Stop).label->setText(tr("&Stop strings:"));
    m_stop->setPlaceholderText(tr("One per line, at most 4; \\n for a line break"));
    row(Field::Seed).label->setText(tr("S&eed:"));
    m_seed->setPlaceholderText(tr("Random"));
    m_seed->setToolTip(tr("The same seed and settings give the same answer."));
    row(Field::SystemPrompt).label->setText(tr("S&ystem prompt:"));
    m_systemPrompt->setPlaceholderText(tr("None"));
    for (Row& r : m_rows) {
        r.overrideBox->setText(tr("Override"));
        r.overrideBox->setToolTip(tr("Off: this conversation follows the global settings."));
    }
    updateTemperatureHint();
}

void GenerationSettingsForm::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void GenerationSettingsForm::showField(Field field, const GenerationSettings& s) {
    const bool wasUpdating = m_updating;
    m_updating = true;
    switch (field) {
    case Field::MaxTokens:
        m_maxTokens->setValue(s.maxTokens);
        break;
    case Field::Temperature:
        m_temperature->setValue(s.temperature);
        m_mapping->setChecked(s.deepseekTemperatureMapping);
        break;
    case Field::TopP:
        m_topP->setValue(s.topP);
        break;
    case Field::TopK:
        m_topK->setValue(s.topK);
        break;
    case Field::PresencePenalty:
        m_presence->setValue(s.presencePenalty);
        break;
    case Field::FrequencyPenalty:
        m_frequency->setValue(s.frequencyPenalty);
        break;
    case Field::Stop: {
        QStringList lines;
        for (const QString& stop : s.stop)
            lines << escapeStop(stop);
        m_stop->setPlainText(lines.join(QLatin1Char('\n')));
        break;
    }
    case Field::Seed:
        m_seed->setText(s.seed ? QString::number(*s.seed) : QString());
        break;
    case Field::SystemPrompt:
        m_systemPrompt->setPlainText(s.systemPrompt);
        break;
    }
    m_updating = wasUpdating;
}

void GenerationSettingsForm::setSettings(const GenerationSettings& settings) {
    m_updating = true;
    for (int i = 0; i < kFieldCount; ++i)
        showField(static_cast<Field>(i), settings);
    m_updating = false;
    onEdited();
}

GenerationSettings GenerationSettingsForm::settings() const {
    GenerationSettings s;
    s.maxTokens = m_maxTokens->value();
    s.temperature = m_temperature->value();
    s.deepseekTemperatureMapping = m_mapping->isChecked();
    s.topP = m_topP->value();
    s.topK = m_topK->value();
    s.presencePenalty = m_presence->value();
    s.frequencyPenalty = m_frequency->value();
    const QStringList lines = m_stop->toPlainText().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString& line : lines)
        s.stop << unescapeStop(line);
    bool ok = false;
    const quint64 seed = m_seed->text().toULongLong(&ok);
    if (ok)
        s.seed = seed;
    s.systemPrompt = m_systemPrompt->toPlainText();
    return s;
}

QStringList GenerationSettingsForm::problems() const {
    QStringList out = settings().problems();
    bool ok = false;
    if (!m_seed->text().isEmpty() && (m_seed->text().toULongLong(&ok), !ok))
        out << tr("seed: must be a whole number from 0 to %1")
                   .arg(QLocale().toString(std::numeric_limits<quint64>::max()));
    return out;
}

QString GenerationSettingsForm::temperatureHint() const { return m_temperatureHint->text(); }

void GenerationSettingsForm::updateTemperatureHint() {
    const double effective = settings().effectiveTemperature();
    m_temperatureHint->setText(
        effective == 0.0 ? tr("Effective temperature: 0 (always the likeliest token)")
                         : tr("Effective temperature: %1").arg(QLocale().toString(effective, 'f', 2)));
}

void GenerationSettingsForm::onEdited() {
    if (m_updating)
        return;
    updateTemperatureHint();
    emit changed();
}

void GenerationSettingsForm::setOverridable(bool overridable) {
    m_overridable = overridable;
    for (Row& r : m_rows)
        r.overrideBox->setVisible(overridable);
    updateOverrideStates();
}

void GenerationSettingsForm::setBase(const GenerationSettings& base) {
    m_base = base;
    updateOverrideStates();
}

void GenerationSettingsForm::setOverridden(Field field, bool overridden) {
    Row& r = row(field);
    if (r.overrideBox->isChecked() != overridden) {
        r.overrideBox->setChecked(overridden); // comes back here through toggled()
        return;
    }
    updateOverrideStates();
    onEdited();
}

bool GenerationSettingsForm::isOverridden(Field field) const {
    return !m_overridable || row(field).overrideBox->isChecked();
}

void GenerationSettingsForm::updateOverrideStates() {
    for (int i = 0; i < kFieldCount; ++i) {
        const auto f = static_cast<Field>(i);
        const bool editable = isOverridden(f);
        row(f).field->setEnabled(editable);
        if (!editable)
            showField(f, m_base);
    }
    updateTemperatureHint();
}

QStringList GenerationSettingsForm::jsonKeys(Field field) {
    switch (field) {
    case Field::MaxTokens:
        return {QStringLiteral("max_tokens")};
    case Field::Temperature:
        return {QStringLiteral("temperature"), QStringLiteral("deepseek_temperature_mapping")};
    case Field::TopP:
        return {QStringLiteral("top_p")};
    case Field::TopK:
        return {QStringLiteral("top_k")};
    case Field::PresencePenalty:
        return {QStringLiteral("presence_penalty")};
    case Field::FrequencyPenalty:
        return {QStringLiteral("frequency_penalty")};
    case Field::Stop:
        return {QStringLiteral("stop")};
    case Field::Seed:
        return {QStringLiteral("seed")};
    case Field::SystemPrompt:
        return {QStringLiteral("system_prompt")};
    }
    return {};
}

QString GenerationSettingsForm::escapeStop(const QString& s) {
    QString out;
    for (const QChar c : s) {
        if (c == QLatin1Char('\\'))
            out += QStringLiteral("\\\\");
        else if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else
            out += c;
    }
    return out;
}

QString GenerationSettingsForm::unescapeStop(const QString& s) {
    QString out;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] != QLatin1Char('\\') || i + 1 == s.size()) {
            out += s[i];
            continue;
        }
        const QChar next = s[++i];
        if (next == QLatin1Char('n'))
            out += QLatin1Char('\n');
        else if (next == QLatin1Char('t'))
            out += QLatin1Char('\t');
        else if (next == QLatin1Char('\\'))
            out += QLatin1Char('\\');
        else
            out += QLatin1Char('\\') + next; // not an escape: kept as typed
    }
    return out;
}
