// ApiServerPage: ServerSettings edited in place, with the base URL and a curl example kept up to date.
#include "api_server_page.h"

#include <QCheckBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

ApiServerPage::ApiServerPage(QWidget* parent) : QWidget(parent) {
    m_intro = new QLabel;
    m_intro->setWordWrap(true);
    m_enabled = new QCheckBox;
    m_enabled->setObjectName(QStringLiteral("serverEnabled"));
    m_portLabel = new QLabel;
    m_port = new QSpinBox;
    m_port->setObjectName(QStringLiteral("serverPort"));
    m_port->setRange(1, 65535);
    m_port->setGroupSeparatorShown(false);
    m_portLabel->setBuddy(m_port);
    m_lan = new QCheckBox;
    m_lan->setObjectName(QStringLiteral("serverLan"));
    m_keyLabel = new QLabel;
    m_key = new QLineEdit;
    m_key->setObjectName(QStringLiteral("serverKey"));
    m_keyLabel->setBuddy(m_key);
    m_generate = new QPushButton;
    m_usage = new QLabel;
    m_usage->setObjectName(QStringLiteral("serverUsage"));
    m_usage->setWordWrap(true);
    m_usage->setTextFormat(Qt::PlainText);
    m_usage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_problems = new QLabel;
    m_problems->setWordWrap(true);
    m_problems->setObjectName(QStringLiteral("serverProblems"));

    auto* keyRow = new QHBoxLayout;
    keyRow->addWidget(m_key, 1);
    keyRow->addWidget(m_generate);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(m_portLabel, m_port);
    form->addRow(QString(), m_lan);
    form->addRow(m_keyLabel, keyRow);
    auto* v = new QVBoxLayout(this);
    v->addWidget(m_intro);
    v->addWidget(m_enabled);
    v->addLayout(form);
    v->addWidget(m_usage);
    v->addWidget(m_problems);
    v->addStretch(1);

    connect(m_enabled, &QCheckBox::toggled, this, &ApiServerPage::refresh);
    connect(m_lan, &QCheckBox::toggled, this, &ApiServerPage::refresh);
    connect(m_port, &QSpinBox::valueChanged, this, &ApiServerPage::refresh);
    connect(m_key, &QLineEdit::textChanged, this, &ApiServerPage::refresh);
    connect(m_generate, &QPushButton::clicked, this, [this] { m_key->setText(ServerSettings::generateKey()); });
    retranslateUi();
}

void ApiServerPage::setSettings(const ServerSettings& s) {
    m_enabled->setChecked(s.enabled);
    m_port->setValue(std::clamp(s.port, 1, 65535));
    m_lan->setChecked(s.lan);
    m_key->setText(s.apiKey);
    refresh();
}

ServerSettings ApiServerPage::settings() const {
    ServerSettings s;
    s.enabled = m_enabled->isChecked();
    s.port = m_port->value();
    s.lan = m_lan->isChecked();
    s.apiKey = m_key->text().trimmed();
    return s;
}

QStringList ApiServerPage::problems() const {
    const ServerSettings s = settings();
    return s.enabled ? s.problems() : QStringList();
}

QString ApiServerPage::shownUsage() const { return m_usage->text(); }

void ApiServerPage::refresh() {
    const ServerSettings s = settings();
    for (QWidget* w : std::initializer_list<QWidget*>{m_port, m_lan, m_key, m_generate, m_portLabel, m_keyLabel})
        w->setEnabled(s.enabled);
    const QString host = s.lan ? tr("this-computer's-address") : QStringLiteral("127.0.0.1");
    const QString base = QStringLiteral("http://%1:%2/v1").arg(host).arg(s.port);
    QString curl = QStringLiteral("curl %1/chat/completions -H \"Content-Type: application/json\"").arg(base);
    if (!s.apiKey.isEmpty())
        curl += QStringLiteral(" -H \"Authorization: Bearer $KEY\"");
    curl += QStringLiteral(" -d '{\"model\": \"…\", \"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}'");
    m_usage->setText(tr("Base URL for clients: %1\nExample: %2").arg(base, curl));
    m_usage->setVisible(s.enabled);
    const QStringList p = problems();
    m_problems->setText(p.join(QLatin1Char('\n')));
    m_problems->setVisible(!p.isEmpty());
    emit changed();
}

void ApiServerPage::retranslateUi() {
    m_intro->setText(tr("Serve the loaded model to other programs over the OpenAI-compatible chat-completions API "
                        "(the OpenAI SDKs, curl, Open WebUI, Dify…), as DeepSeek's API does. "
                        "The same server runs without the app: whalesong-cli serve."));
    m_enabled->setText(tr("&Serve the model over the API"));
    m_portLabel->setText(tr("&Port:"));
    m_lan->setText(tr("Allow other computers on the &network (needs a key)"));
    m_keyLabel->setText(tr("API &key:"));
    m_key->setPlaceholderText(tr("None: only programs on this computer may connect"));
    m_generate->setText(tr("&Generate"));
    refresh();
}

void ApiServerPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}
