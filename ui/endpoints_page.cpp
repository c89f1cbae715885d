// EndpointsPage: list + in-place editor of RemoteEndpoint values, the "answer with" choice, and a models test.
#include "endpoints_page.h"

#include "ui/wrapping_label.h"

#include <QAction>
#include <QComboBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

EndpointsPage::EndpointsPage(QWidget* parent) : QWidget(parent) {
    m_intro = newWrappingLabel();
    m_answerWithLabel = new QLabel;
    m_answerWith = new QComboBox;
    m_answerWith->setObjectName(QStringLiteral("answerWith"));
    m_answerWithLabel->setBuddy(m_answerWith);
    m_list = new QListWidget;
    m_list->setObjectName(QStringLiteral("endpointList"));
    m_add = new QToolButton;
    m_add->setPopupMode(QToolButton::InstantPopup);
    m_add->setMenu(new QMenu(m_add));
    m_remove = new QPushButton;
    m_test = new QPushButton;
    m_test->setObjectName(QStringLiteral("testEndpoint"));

    m_name = new QLineEdit;
    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("endpointUrl"));
    m_key = new QLineEdit;
    m_key->setObjectName(QStringLiteral("endpointKey"));
    m_key->setEchoMode(QLineEdit::Password);
    m_model = new QComboBox;
    m_model->setEditable(true);
    m_model->setObjectName(QStringLiteral("endpointModel"));
    m_nameLabel = new QLabel;
    m_urlLabel = new QLabel;
    m_keyLabel = new QLabel;
    m_modelLabel = new QLabel;
    m_nameLabel->setBuddy(m_name);
    m_urlLabel->setBuddy(m_url);
    m_keyLabel->setBuddy(m_key);
    m_modelLabel->setBuddy(m_model);
    m_problems = newWrappingLabel();
    m_problems->setObjectName(QStringLiteral("endpointProblems"));
    m_testResult = newWrappingLabel();
    m_testResult->setObjectName(QStringLiteral("testResult"));

    auto* top = new QHBoxLayout;
    top->addWidget(m_answerWithLabel);
    top->addWidget(m_answerWith, 1);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addStretch(1);
    buttons->addWidget(m_test);
    auto* form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(m_nameLabel, m_name);
    form->addRow(m_urlLabel, m_url);
    form->addRow(m_keyLabel, m_key);
    form->addRow(m_modelLabel, m_model);
    auto* v = new QVBoxLayout(this);
    v->addWidget(m_intro);
    v->addLayout(top);
    v->addWidget(m_list, 1);
    v->addLayout(buttons);
    v->addLayout(form);
    v->addWidget(m_problems);
    v->addWidget(m_testResult);

    connect(m_list, &QListWidget::currentRowChanged, this, &EndpointsPage::showSelected);
    connect(m_remove, &QPushButton::clicked, this, &EndpointsPage::removeSelected);
    connect(m_test, &QPushButton::clicked, this, &EndpointsPage::testSelected);
    for (QLineEdit* e : {m_name, m_url, m_key})
        connect(e, &QLineEdit::textEdited, this, &EndpointsPage::editSelected);
    connect(m_model, &QComboBox::currentTextChanged, this, &EndpointsPage::editSelected);
    connect(m_answerWith, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        m_activeId = m_answerWith->currentData().toString();
        emit changed();
    });
    connect(&m_tester, &RemoteChatClient::modelsListed, this, [this](const QStringList& models, const QString& error) {
        m_test->setEnabled(selectedRow() >= 0);
        const int row = selectedRow();
        const bool stillShown = row >= 0 && m_endpoints[row].id == m_testedId; // else the user moved on
        if (!stillShown) {
            emit testFinished();
            return;
        }
        if (!error.isEmpty()) {
            m_testResult->setText(error);
        } else {
            m_testResult->setText(tr("Connected. Models: %1").arg(models.join(QStringLiteral(", "))));
            const QString current = m_model->currentText();
            m_updating = true;
            m_model->clear();
            m_model->addItems(models);
            m_model->setCurrentText(current.isEmpty() ? models.value(0) : current);
            m_updating = false;
            editSelected();
        }
        emit testFinished();
    });
    retranslateUi();
    showSelected();
}

void EndpointsPage::setEndpoints(const QList<RemoteEndpoint>& endpoints, const QString& activeId) {
    m_endpoints = endpoints;
    m_activeId = activeId;
    refreshList();
    if (!m_endpoints.isEmpty())
        m_list->setCurrentRow(0);
    refreshAnswerWith();
}

void EndpointsPage::selectEndpoint(const QString& id) {
    for (int row = 0; row < m_endpoints.size(); ++row)
        if (m_endpoints[row].id == id)
            m_list->setCurrentRow(row);
}

QString EndpointsPage::activeEndpoint() const {
    for (const RemoteEndpoint& e : m_endpoints)
        if (e.id == m_activeId)
            return m_activeId;
    return {};
}

QStringList EndpointsPage::problems() const {
    QStringList out;
    for (const RemoteEndpoint& e : m_endpoints)
        for (const QString& p : e.problems())
            out << tr("%1: %2").arg(e.name.trimmed().isEmpty() ? tr("(unnamed)") : e.name, p);
    return out;
}

void EndpointsPage::addEndpoint(const RemoteEndpoint& endpoint) {
    m_endpoints.append(endpoint);
    refreshList();
    m_list->setCurrentRow(static_cast<int>(m_endpoints.size()) - 1);
    refreshAnswerWith();
    emit changed();
}

int EndpointsPage::selectedRow() const {
    const int row = m_list->currentRow();
    return row >= 0 && row < m_endpoints.size() ? row : -1;
}

void EndpointsPage::refreshList() {
    m_updating = true;
    const int row = m_list->currentRow();
    m_list->clear();
    for (const RemoteEndpoint& e : m_endpoints)
        m_list->addItem(tr("%1 — %2").arg(e.name, e.baseUrl));
    m_list->setCurrentRow(std::min(row, static_cast<int>(m_endpoints.size()) - 1));
    m_updating = false;
    showSelected();
}

void EndpointsPage::refreshAnswerWith() {
    m_updating = true;
    m_answerWith->clear();
    m_answerWith->addItem(tr("This computer (the local model)"), QString());
    for (const RemoteEndpoint& e : m_endpoints)
        m_answerWith->addItem(e.name, e.id);
    m_answerWith->setCurrentIndex(std::max(0, m_answerWith->findData(activeEndpoint())));
    m_updating = false;
}

void EndpointsPage::showSelected() {
    if (m_updating)
        return;
    const int row = selectedRow();
    const bool has = row >= 0;
    for (QWidget* w : std::initializer_list<QWidget*>{m_name, m_url, m_key, m_model, m_remove, m_test})
        w->setEnabled(has);
    m_updating = true;
    const RemoteEndpoint e = has ? m_endpoints[row] : RemoteEndpoint();
    m_name->setText(e.name);
    m_url->setText(e.baseUrl);
    m_key->setText(e.apiKey);
    m_model->clear();
    if (e.kind == RemoteEndpoint::Kind::DeepSeekApi)
        m_model->addItems({QStringLiteral("deepseek-chat"), QStringLiteral("deepseek-reasoner")});
    m_model->setCurrentText(e.model);
    m_updating = false;
    m_testResult->clear();
    showProblems();
}

void EndpointsPage::showProblems() {
    // Every endpoint's, named: OK waits for all of them, not only for the one shown.
    const QStringList p = problems();
    m_problems->setText(p.join(QLatin1Char('\n')));
    m_problems->setVisible(!p.isEmpty());
}

void EndpointsPage::editSelected() {
    if (m_updating)
        return;
    const int row = selectedRow();
    if (row < 0)
        return;
    RemoteEndpoint& e = m_endpoints[row];
    e.name = m_name->text();
    e.baseUrl = m_url->text().trimmed();
    e.apiKey = m_key->text().trimmed();
    e.model = m_model->currentText().trimmed();
    m_updating = true;
    m_list->item(row)->setText(tr("%1 — %2").arg(e.name, e.baseUrl));
    m_updating = false;
    const int answerIndex = m_answerWith->findData(e.id);
    if (answerIndex >= 0)
        m_answerWith->setItemText(answerIndex, e.name);
    showProblems();
    emit changed();
}

void EndpointsPage::removeSelected() {
    const int row = selectedRow();
    if (row < 0)
        return;
    m_endpoints.removeAt(row);
    refreshList();
    showProblems();
    refreshAnswerWith();
    emit changed();
}

void EndpointsPage::testSelected() {
    const int row = selectedRow();
    if (row < 0)
        return;
    m_test->setEnabled(false);
    m_testedId = m_endpoints[row].id;
    m_testResult->setText(tr("Connecting to %1…").arg(m_endpoints[row].name));
    m_tester.listModels(m_endpoints[row]);
}

QString EndpointsPage::testResult() const { return m_testResult->text(); }

void EndpointsPage::retranslateUi() {
    m_intro->setText(tr("Answer with a model served elsewhere — DeepSeek's API, or an SGLang or vLLM server for "
                        "models larger than this computer. Conversations stay on this computer; a conversation "
                        "can go on with another backend at any time."));
    m_answerWithLabel->setText(tr("Answer &with:"));
    if (m_answerWith->count() > 0)
        m_answerWith->setItemText(0, tr("This computer (the local model)"));
    m_add->setText(tr("&Add"));
    QMenu* menu = m_add->menu();
    menu->clear();
    menu->addAction(tr("DeepSeek API"), this, [this] { addEndpoint(RemoteEndpoint::deepSeekPreset()); });
    menu->addAction(tr("SGLang server (port 30000)"), this, [this] {
        addEndpoint(RemoteEndpoint::selfHostedPreset(QStringLiteral("localhost"), 30000));
    });
    menu->addAction(tr("vLLM server (port 8000)"), this, [this] {
        addEndpoint(RemoteEndpoint::selfHostedPreset(QStringLiteral("localhost"), 8000));
    });
    m_remove->setText(tr("&Remove"));
    m_test->setText(tr("&Test connection"));
    m_nameLabel->setText(tr("&Name:"));
    m_urlLabel->setText(tr("Base &URL:"));
    m_url->setPlaceholderText(QStringLiteral("https://api.deepseek.com/v1"));
    m_keyLabel->setText(tr("API &key:"));
    m_key->setPlaceholderText(tr("Sent as a Bearer token; stored in this computer's settings"));
    m_modelLabel->setText(tr("M&odel:"));
    refreshList();
}

void EndpointsPage::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}
