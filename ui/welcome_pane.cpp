// The chat area of an empty conversation: the first run's three ways in, or who answers and how to write.
#include "welcome_pane.h"

#include "wrapping_label.h"

#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

WelcomePane::WelcomePane(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(32, 24, 32, 24);
    outer->addStretch(1);

    m_title = new QLabel(this);
    QFont big = m_title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_title->setFont(big);
    m_title->setAlignment(Qt::AlignHCenter);
    m_intro = newWrappingLabel();
    m_intro->setAlignment(Qt::AlignHCenter);
    outer->addWidget(m_title);
    outer->addWidget(m_intro);
    outer->addSpacing(16);

    m_ways = new QWidget(this);
    auto* row = new QHBoxLayout(m_ways);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(16);
    m_demo = addWay(m_ways);
    m_local = addWay(m_ways);
    m_endpoint = addWay(m_ways);
    m_demo.button->setObjectName(QStringLiteral("welcomeDemo"));
    m_local.button->setObjectName(QStringLiteral("welcomeDownload"));
    m_onDisk = new QPushButton(m_local.card);
    m_onDisk->setObjectName(QStringLiteral("welcomeLocalModel"));
    m_onDisk->setFlat(true);
    m_local.card->layout()->addWidget(m_onDisk);
    m_local.card->layout()->setAlignment(m_onDisk, Qt::AlignLeft);
    m_endpoint.button->setObjectName(QStringLiteral("welcomeEndpoint"));
    connect(m_demo.button, &QPushButton::clicked, this, &WelcomePane::demoRequested);
    connect(m_local.button, &QPushButton::clicked, this, &WelcomePane::downloadRequested);
    connect(m_onDisk, &QPushButton::clicked, this, &WelcomePane::localModelRequested);
    connect(m_endpoint.button, &QPushButton::clicked, this, &WelcomePane::endpointRequested);
    outer->addWidget(m_ways);

    m_answerer = newWrappingLabel();
    m_answerer->setAlignment(Qt::AlignHCenter);
    m_answerer->setObjectName(QStringLiteral("welcomeAnswerer"));
    m_hint = newWrappingLabel();
    m_hint->setAlignment(Qt::AlignHCenter);
    m_hint->setForegroundRole(QPalette::PlaceholderText);
    outer->addSpacing(16);
    outer->addWidget(m_answerer);
    outer->addWidget(m_hint);
    outer->addStretch(2);

    retranslateUi();
    setFirstRun(true);
}

WelcomePane::Way WelcomePane::addWay(QWidget* parent) {
    Way w;
    w.card = new QFrame(parent);
    w.card->setFrameShape(QFrame::StyledPanel);
    auto* v = new QVBoxLayout(w.card);
    w.title = new QLabel(w.card);
    QFont bold = w.title->font();
    bold.setBold(true);
    w.title->setFont(bold);
    w.text = newWrappingLabel();
    w.button = new QPushButton(w.card);
    v->addWidget(w.title);
    v->addWidget(w.text, 1);
    v->addWidget(w.button, 0, Qt::AlignLeft);
    parent->layout()->addWidget(w.card);
    return w;
}

void WelcomePane::setFirstRun(bool firstRun) {
    m_firstRun = firstRun;
    m_ways->setVisible(firstRun);
    m_intro->setVisible(firstRun);
    retranslateUi();
}

void WelcomePane::setAnswerer(const QString& description) {
    m_answerer->setText(description);
}

QString WelcomePane::shownText() const {
    QStringList parts;
    for (const QLabel* l : {m_title, m_intro, m_demo.title, m_demo.text, m_local.title, m_local.text,
                            m_endpoint.title, m_endpoint.text, m_answerer, m_hint})
        if (l->isVisibleTo(this) && !l->text().isEmpty())
            parts << l->text();
    for (const QPushButton* b : {m_demo.button, m_local.button, m_onDisk, m_endpoint.button})
        if (b->isVisibleTo(this))
            parts << b->text();
    return parts.join(QLatin1Char('\n'));
}

void WelcomePane::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslateUi();
    QWidget::changeEvent(event);
}

void WelcomePane::retranslateUi() {
    m_title->setText(m_firstRun ? tr("Welcome to Whalesong") : tr("New conversation"));
    m_intro->setText(tr("Chat with DeepSeek models on this computer, or through an API. Three ways to begin:"));
    m_demo.title->setText(tr("Try the demo model"));
    m_demo.text->setText(tr("A small model built into Whalesong, with random weights: its answers are meaningless "
                            "text, but you can see everything work — streaming, saving, search, export. Nothing "
                            "to download."));
    m_demo.button->setText(tr("Use the demo model"));
    m_local.title->setText(tr("Download a model"));
    m_local.text->setText(tr("DeepSeek-V2-Lite, V3, R1 and more from Hugging Face, a mirror or ModelScope (魔搭), "
                             "with the size of each and whether it fits this computer. Or use a model you already "
                             "have: a Hugging Face or ModelScope folder, or a GGUF file."));
    m_local.button->setText(tr("Download a model…"));
    m_onDisk->setText(tr("Use a model on this computer…"));
    m_endpoint.title->setText(tr("Answer with DeepSeek's API"));
    m_endpoint.text->setText(tr("DeepSeek's own service (deepseek-chat, deepseek-reasoner) with your API key, or "
                                "any OpenAI-compatible server such as SGLang or vLLM — for models too large for "
                                "one computer."));
    m_endpoint.button->setText(tr("Set up the API…"));
    m_hint->setText(tr("Type your message below and press Enter to send it (Shift+Enter for a new line). "
                       "Settings → This conversation… sets its system prompt and sampling."));
}
