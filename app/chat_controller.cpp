// The chat's state and rules for the widgets: conversations, sending, answers streaming in, and what the window shows.
#include "chat_controller.h"

#include <QDateTime>
#include <QDir>
#include <QLocale>
#include <QRegularExpression>
#include <QRandomGenerator>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

/// A question and/or answer just added, with the branch they now end.
struct ChatController::Turn {
    qint64 conversationId = 0;
    bool created = false;          ///< the conversation was created for this turn
    QString sentText;              ///< send()'s question, once saved (else null)
    std::vector<ChatEntry> branch; ///< root → the new answer (streaming)
    QJsonObject overrides;
    QString error;
};

namespace {

QString titleFor(const QString& question) {
    QString t = question.simplified();
    if (t.size() > 40) t = t.left(39) + QChar(0x2026);
    return t;
}

std::vector<ChatEntry> entriesOf(const ConversationStore& store, const std::vector<MessageRecord>& records) {
    std::vector<ChatEntry> out;
    out.reserve(records.size());
    for (const MessageRecord& r : records) {
        ChatEntry e{r, {}};
        for (const MessageRecord& s : store.siblings(r.id)) e.siblingIds.push_back(s.id);
        out.push_back(std::move(e));
    }
    return out;
}

ChatEntry entryOf(const ConversationStore& store, qint64 id) {
    ChatEntry e;
    if (auto r = store.message(id)) e.record = *r;
    for (const MessageRecord& s : store.siblings(id)) e.siblingIds.push_back(s.id);
    return e;
}

QString err(const ws::Status& s) { return QString::fromStdString(s.message()); }

} // namespace

ChatController::ChatController(const QString& dataDir, const AppSettings& settings, QObject* parent)
    : QObject(parent), m_settings(settings), m_worker(new AnswerWorker(m_store)) {
    m_answerThread.setObjectName(QStringLiteral("whalesong-engine"));
    m_worker->moveToThread(&m_answerThread);
    connect(&m_answerThread, &QThread::finished, m_worker, &AnswerWorker::shutdown, Qt::DirectConnection);
    m_answerThread.start();
    m_store.open(dataDir);

    connect(&m_store, &AsyncStore::opened, this, [this](const OpenNotice& n) {
        m_storeState = StoreState::Open;
        emit storeOpened(n);
        refreshConversations();
        updateSendBlocker();
    });
    connect(&m_store, &AsyncStore::openFailed, this, [this](const QString& message) {
        m_storeState = StoreState::Failed;
        emit storeFailed(message);
        updateSendBlocker();
    });

    connect(&m_loader, &ModelLoader::progressChanged, this, &ChatController::modelLoadProgress);
    connect(&m_loader, &ModelLoader::loaded, this, [this](const LoadedModel& m) {
        m_model = m;
        m_modelLoading = false;
        QMetaObject::invokeMethod(m_worker, [w = m_worker, model = m.model, ctx = m.contextLength] {
            w->setModel(model, ctx);
        }, Qt::QueuedConnection);
        updateApiServerModel();
        emit modelLoaded();
        runDraftCount();
        updateSendBlocker();
    });
    connect(&m_loader, &ModelLoader::failed, this, [this](const QString& message) {
        m_modelLoading = false;
        emit modelLoadFailed(message);
        updateSendBlocker();
    });
    connect(&m_loader, &ModelLoader::cancelled, this, [this] {
        m_modelLoading = false;
        emit modelLoadCancelled();
        updateSendBlocker();
    });

    connect(m_worker, &AnswerWorker::textArrived, this,
            [this](qint64 id, const QString& content, const QString& reasoning) {
                if (!m_generating || m_generating->answerId != id) return;
                m_runningContent += content;
                m_runningReasoning += reasoning;
                if (m_generating->conversationId == m_current) emit textArrived(id, content, reasoning);
            });
    connect(m_worker, &AnswerWorker::toolCallsChanged, this, [this](qint64 id, const QJsonArray& calls) {
        if (!m_generating || m_generating->answerId != id) return;
        m_runningToolCalls = calls;
        if (m_generating->conversationId == m_current) emit toolCallsChanged(id, calls);
    });
    connect(m_worker, &AnswerWorker::generationFinished, this, &ChatController::finishAnswer);

    m_draftTimer.setSingleShot(true);
    m_draftTimer.setInterval(150);
    connect(&m_draftTimer, &QTimer::timeout, this, &ChatController::runDraftCount);
    connect(&m_draftWatcher, &QFutureWatcher<std::pair<int, int>>::finished, this, [this] {
        if (m_draftWatcher.future().resultCount() == 0) return;
        const auto [draftTokens, baseTokens] = m_draftWatcher.result();
        // An endpoint's context is its server's business (DeepSeek's API: 128K); it refuses what does not fit.
        const int limit = m_settings.answeringEndpoint() ? 131072 : m_model.contextLength;
        m_draftTokens = draftTokens;
        m_contextLeft = limit - baseTokens;
        emit contextChanged(baseTokens, limit);
        emit draftCounted(draftTokens, limit - baseTokens);
        updateSendBlocker();
    });
}

ChatController::~ChatController() {
    m_stop.request_stop();
    m_loader.cancel();
    m_loader.waitForFinished();
    m_draftWatcher.waitForFinished();
    m_answerThread.quit(); // after the answer under way is finished and saved
    m_answerThread.wait();
    delete m_worker;
    m_store.waitForIdle();
}

void ChatController::start() {
    m_apiServer.apply(m_settings.server);
    reloadModel();
}

void ChatController::reloadModel() {
    m_model = LoadedModel{};
    QMetaObject::invokeMethod(m_worker, [w = m_worker] { w->setModel(nullptr, 0); }, Qt::QueuedConnection);
    updateApiServerModel();
    m_modelLoading = true;
    m_loader.load(m_settings.model);
    updateSendBlocker();
}

void ChatController::updateApiServerModel() {
    m_apiServer.setModel(m_model.model, m_model.model ? localModelName() : QString(), m_model.contextLength);
}

void ChatController::cancelModelLoad() { m_loader.cancel(); }

void ChatController::applySettings(const AppSettings& settings) {
    const bool reload = !(settings.model == m_settings.model);
    m_settings = settings;
    m_apiServer.apply(m_settings.server);
    if (reload) reloadModel();
    else runDraftCount();
    updateSendBlocker(); // an endpoint chosen, or set up
}

void ChatController::refreshConversations() {
    m_store.run(this, [](ConversationStore& s) { return s.conversations(); },
                [this](std::vector<ConversationRecord> list) {
                    m_conversations.setConversations(std::move(list));
                    m_conversationsListed = true;
                    emit conversationsListed();
                });
}

// ---- conversations ---------------------------------------------------------------------------------------

void ChatController::newConversation() {
    ++m_loadGeneration;
    setBranch(0, {}, {});
}

void ChatController::openConversation(qint64 id) { loadBranch(id); }

void ChatController::loadBranch(qint64 conversationId) {
    const int generation = ++m_loadGeneration;
    struct Loaded {
        std::vector<ChatEntry> entries;
        QJsonObject overrides;
        bool found = false;
    };
    m_store.run(this,
                [conversationId](ConversationStore& s) {
                    Loaded l;
                    if (auto c = s.conversation(conversationId)) {
                        l.found = true;
                        l.overrides = c->settings;
                        l.entries = entriesOf(s, s.currentBranch(conversationId));
                    }
                    return l;
                },
                [this, generation, conversationId](Loaded l) {
                    if (generation != m_loadGeneration) return; // the user has moved on
                    if (!l.found) {
                        emit errorOccurred(tr("That conversation no longer exists."));
                        return;
                    }
                    setBranch(conversationId, std::move(l.entries), l.overrides);
                });
}

void ChatController::setBranch(qint64 conversationId, std::vector<ChatEntry> entries, const QJsonObject& overrides) {
    const bool changed = conversationId != m_current;
    m_current = conversationId;
    m_branch = std::move(entries);
    m_overrides = overrides;
    // The answer being written: the store has its last checkpoint, this controller every delta so far.
    if (m_generating && m_generating->conversationId == conversationId)
        for (ChatEntry& e : m_branch)
            if (e.record.id == m_generating->answerId) {
                e.record.content = m_runningContent;
                e.record.reasoning = m_runningReasoning;
                e.record.toolCalls = m_runningToolCalls;
                e.record.status = MessageStatus::Streaming;
            }
    if (changed) emit currentConversationChanged(conversationId);
    emit branchLoaded(m_branch);
    runDraftCount();
}

void ChatController::rename(qint64 id, const QString& title) {
    m_store.run(this, [id, title](ConversationStore& s) { return s.rename(id, title); }, [this](ws::Status st) {
        if (!st) emit errorOccurred(err(st));
        refreshConversations();
    });
}

void ChatController::setPinned(qint64 id, bool pinned) {
    m_store.run(this, [id, pinned](ConversationStore& s) { return s.setPinned(id, pinned); }, [this](ws::Status st) {
        if (!st) emit errorOccurred(err(st));
        refreshConversations();
    });
}

void ChatController::moveToTrash(qint64 id) {
    if (m_generating && m_generating->conversationId == id) m_stop.request_stop(); // kept, as stopped
    const ConversationRecord* r = m_conversations.record(id);
    const QString title = r ? r->title : QString();
    m_store.run(this, [id](ConversationStore& s) { return s.moveToTrash(id); }, [this, id, title](ws::Status st) {
        if (!st) {
            emit errorOccurred(err(st));
            return;
        }
        if (id == m_current) newConversation();
        refreshConversations();
        emit conversationDeleted(id, title);
    });
}

void ChatController::restore(qint64 id) {
    m_store.run(this, [id](ConversationStore& s) { return s.restore(id); }, [this](ws::Status st) {
        if (!st) emit errorOccurred(err(st));
        refreshConversations();
    });
}

void ChatController::search(const QString& query) {
    if (query.trimmed().isEmpty()) {
        emit searchResults({});
        return;
    }
    m_store.run(this, [query](ConversationStore& s) { return s.search(query); },
                [this](std::vector<SearchHit> hits) { emit searchResults(hits); });
}

void ChatController::setConversationOverrides(const QJsonObject& overrides) {
    m_overrides = overrides;
    runDraftCount();
    if (m_current == 0) return; // kept for the conversation its first message creates
    const qint64 id = m_current;
    m_store.run(this,
                [id, overrides](ConversationStore& s) -> ws::Status {
                    const auto c = s.conversation(id);
                    if (!c) return ws::Status(ws::Code::NotFound, tr("That conversation no longer exists.").toStdString());
                    return s.setSettings(id, c->model, c->systemPrompt, overrides);
                },
                [this](ws::Status st) {
                    if (!st) emit errorOccurred(err(st));
                });
}

// ---- answers ---------------------------------------------------------------------------------------------

QString ChatController::blocker(bool draft) const {
    if (m_generating) return tr("An answer is being written. Wait for it, or stop it with Esc.");
    if (m_storeState == StoreState::Opening) return tr("Your conversations are still being opened.");
    if (m_storeState == StoreState::Failed || !m_store.isOpen())
        return tr("Your conversations could not be opened, so nothing can be saved or answered.");
    if (const RemoteEndpoint* e = m_settings.answeringEndpoint()) {
        if (const QStringList problems = e->problems(); !problems.isEmpty())
            return tr("The endpoint “%1” is not set up: %2").arg(e->name, problems.join(QLatin1Char(' ')));
    } else if (!m_model.model) {
        return m_modelLoading
                   ? tr("The model is not loaded yet.")
                   : tr("No model is loaded. Choose one under Settings → Model and generation…, or answer with an "
                        "API endpoint.");
    }
    if (draft && m_draftTokens >= 0 && m_contextLeft >= 0 && m_draftTokens > m_contextLeft) {
        const QLocale locale;
        return tr("Not sent: the message is %1 tokens but only %2 are left in the context. Shorten it "
                  "or start a new conversation.")
            .arg(locale.toString(m_draftTokens), locale.toString(m_contextLeft));
    }
    return {};
}

void ChatController::updateSendBlocker() {
    const QString now = sendBlocker();
    if (m_sendBlocker && *m_sendBlocker == now) return;
    m_sendBlocker = now;
    emit sendBlockerChanged(now);
}

bool ChatController::canStartAnswer() {
    const QString why = blocker(false);
    if (!why.isEmpty()) emit errorOccurred(why);
    return why.isEmpty();
}

QString ChatController::localModelName() const {
    if (m_model.demo)
        return QStringLiteral("whalesong-demo");
    // A folder's name, or a GGUF file's without ".gguf" and a split set's "-00001-of-0000N".
    QString name = QDir(m_model.folder).dirName();
    if (name.endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive)) {
        name.chop(5);
        static const QRegularExpression split(QStringLiteral("-\\d{5}-of-\\d{5}$"));
        name.remove(split);
    }
    return name;
}

QString ChatController::answererDescription() const {
    if (const RemoteEndpoint* e = m_settings.answeringEndpoint())
        return tr("%1, through the endpoint “%2”").arg(e->model.trimmed(), e->name);
    if (m_modelLoading)
        return tr("The model is loading…");
    if (!m_model.model)
        return tr("No model is loaded yet.");
    const QString backend = QString::fromStdString(m_model.model->backendName());
    if (m_model.demo)
        return tr("The built-in demo model, on this computer (%1): random weights, so its answers are meaningless.")
            .arg(backend);
    return tr("%1, on this computer (%2)").arg(localModelName(), backend);
}

QString ChatController::modelLabel() const {
    if (const RemoteEndpoint* e = m_settings.answeringEndpoint()) return e->model.trimmed();
    return localModelName();
}

void ChatController::postTurn(QuestionStep question) {
    const qint64 conversation = m_current;
    const QString modelName = modelLabel();
    const RemoteEndpoint* endpoint = m_settings.answeringEndpoint();
    const QString backend = endpoint ? endpoint->name : QString::fromStdString(m_model.model->backendName());
    const QJsonObject overrides = m_overrides;
    m_store.run(this,
                [=, question = std::move(question)](ConversationStore& s) {
                    Turn t;
                    t.conversationId = conversation;
                    t.overrides = overrides;
                    const std::optional<qint64> questionId = question(s, t);
                    if (!questionId) return t; // t.error says why
                    auto a = s.beginAnswer(t.conversationId, *questionId, modelName, backend);
                    if (!a) {
                        t.error = err(a.status());
                        return t;
                    }
                    t.branch = entriesOf(s, s.currentBranch(t.conversationId));
                    return t;
                },
                [this](Turn t) { startAnswer(t); });
    beginRunning(conversation); // nothing else is sent until this one ends
}

bool ChatController::send(const QString& text) {
    if (text.trimmed().isEmpty()) return false;
    if (const QString why = sendBlocker(); !why.isEmpty()) {
        emit errorOccurred(why);
        return false;
    }
    const QString modelName = modelLabel();
    postTurn([text, modelName](ConversationStore& s, Turn& t) -> std::optional<qint64> {
        if (t.conversationId == 0) {
            auto c = s.createConversation(titleFor(text), modelName, {}, t.overrides);
            if (!c) {
                t.error = err(c.status());
                return std::nullopt;
            }
            t.conversationId = c.value();
            t.created = true;
        }
        // The question continues the branch the store has as current — what the view shows once every
        // branch switch posted before this has run (they run in order on the store thread).
        std::optional<qint64> parent;
        if (!t.created)
            if (const auto c = s.conversation(t.conversationId); c && c->currentLeafId) parent = c->currentLeafId;
        auto q = s.addMessage(t.conversationId, parent, QStringLiteral("user"), text);
        if (!q) t.error = err(q.status());
        else t.sentText = text;
        return q ? std::optional(q.value()) : std::nullopt;
    });
    return true;
}

void ChatController::regenerate(qint64 answerId) {
    if (m_current == 0 || !canStartAnswer()) return;
    postTurn([answerId](ConversationStore& s, Turn& t) -> std::optional<qint64> {
        const auto old = s.message(answerId);
        if (!old || !old->parentId) {
            t.error = tr("That answer no longer exists.");
            return std::nullopt;
        }
        return old->parentId; // a new answer to the same question
    });
}

void ChatController::editAndResend(qint64 questionId, const QString& text) {
    if (text.trimmed().isEmpty() || m_current == 0 || !canStartAnswer()) return;
    postTurn([questionId, text](ConversationStore& s, Turn& t) -> std::optional<qint64> {
        const auto old = s.message(questionId);
        if (!old) {
            t.error = tr("That question no longer exists.");
            return std::nullopt;
        }
        auto q = s.addMessage(t.conversationId, old->parentId, QStringLiteral("user"), text); // a sibling
        if (!q) t.error = err(q.status());
        return q ? std::optional(q.value()) : std::nullopt;
    });
}

void ChatController::startAnswer(const Turn& turn) {
    if (!turn.error.isEmpty() || turn.branch.empty()) {
        m_generating.reset();
        emit generatingChanged(false);
        updateSendBlocker();
        emit errorOccurred(turn.error.isEmpty() ? tr("The question could not be saved.") : turn.error);
        return;
    }
    if (!turn.sentText.isNull()) emit questionSaved(turn.sentText);
    const qint64 answerId = turn.branch.back().record.id;
    m_generating = Running{turn.conversationId, answerId};
    m_runningContent.clear();
    m_runningReasoning.clear();
    m_runningToolCalls = QJsonArray();
    if (turn.created) refreshConversations();
    // Show the new turn: appended when it continues what is shown, else the whole (new) branch.
    const bool continues = turn.conversationId == m_current || (m_current == 0 && turn.created);
    if (continues && turn.branch.size() >= 2 && turn.branch.size() == m_branch.size() + 2 &&
        std::equal(m_branch.begin(), m_branch.end(), turn.branch.begin(),
                   [](const ChatEntry& a, const ChatEntry& b) { return a.record.id == b.record.id; })) {
        ++m_loadGeneration; // a branch load posted before this turn would show the branch without it
        const bool changed = m_current != turn.conversationId;
        m_current = turn.conversationId;
        m_overrides = turn.overrides;
        if (changed) emit currentConversationChanged(m_current);
        m_branch = turn.branch;
        emit entryAppended(m_branch[m_branch.size() - 2]);
        emit entryAppended(m_branch.back());
    } else if (continues || turn.conversationId == m_current) {
        ++m_loadGeneration;
        setBranch(turn.conversationId, turn.branch, turn.overrides);
    }

    GenerationJob job;
    job.conversationId = turn.conversationId;
    job.answerId = answerId;
    job.settings = m_settings.generation.withOverrides(turn.overrides);
    job.messages = chatMessages(turn.branch, job.settings.systemPrompt, turn.branch.back().record.parentId);
    job.seed = QRandomGenerator::global()->generate64();
    job.stop = m_stop;
    if (const RemoteEndpoint* e = m_settings.answeringEndpoint()) job.endpoint = *e;
    QMetaObject::invokeMethod(m_worker, [w = m_worker, job] { w->generate(job); }, Qt::QueuedConnection);
}

std::vector<ws::ChatMessage> ChatController::chatMessages(const std::vector<ChatEntry>& entries,
                                                          const QString& systemPrompt,
                                                          std::optional<qint64> upTo) const {
    std::vector<ws::ChatMessage> out;
    if (!systemPrompt.trimmed().isEmpty()) out.push_back({"system", systemPrompt.toStdString(), {}});
    for (const ChatEntry& e : entries) {
        const MessageRecord& r = e.record;
        const bool answerWithoutText = r.role == QLatin1String("assistant") && r.content.isEmpty();
        if (!answerWithoutText && r.role != QLatin1String("system"))
            out.push_back({r.role.toStdString(), r.content.toStdString(), {}});
        if (upTo && r.id == *upTo) break;
    }
    return out;
}

void ChatController::selectSibling(qint64 messageId) {
    if (m_current == 0) return;
    const qint64 conversation = m_current;
    m_store.run(this, [conversation, messageId](ConversationStore& s) { return s.selectBranch(conversation, messageId); },
                [this, conversation](ws::Status st) {
                    if (!st) emit errorOccurred(err(st));
                    else if (conversation == m_current) loadBranch(conversation);
                });
}

void ChatController::stop() {
    if (m_generating) m_stop.request_stop();
}

void ChatController::beginRunning(qint64 conversationId) {
    m_stop = std::stop_source(); // a stop pressed before the engine starts still reaches this answer
    m_generating = Running{conversationId, 0};
    emit generatingChanged(true);
    updateSendBlocker();
}

void ChatController::finishAnswer(const GenerationOutcome& outcome) {
    m_generating.reset();
    emit generatingChanged(false);
    updateSendBlocker();
    if (outcome.contextLimit > 0) emit contextChanged(outcome.contextUsed, outcome.contextLimit);
    if (outcome.stats.decodeTokensPerSecond) emit decodeSpeedChanged(*outcome.stats.decodeTokensPerSecond);
    const qint64 id = outcome.answerId;
    const QString error = outcome.error;
    m_store.run(this, [id](ConversationStore& s) { return entryOf(s, id); }, [this, error](ChatEntry e) {
        if (e.record.id == 0) return;
        if (e.record.status == MessageStatus::Error && e.record.error.isEmpty()) e.record.error = error;
        for (ChatEntry& b : m_branch)
            if (b.record.id == e.record.id) b = e;
        if (e.record.conversationId == m_current) emit entryUpdated(e);
        refreshConversations();
        runDraftCount();
    });
}

void ChatController::countDraft(const QString& draft) {
    m_draft = draft;
    m_draftTimer.start();
}

void ChatController::runDraftCount() {
    if (!m_model.model) return;
    if (m_draftWatcher.isRunning()) { // counted again when this one ends
        m_draftTimer.start();
        return;
    }
    auto model = m_model.model;
    const GenerationSettings settings = effectiveSettings();
    std::vector<ws::ChatMessage> messages = chatMessages(m_branch, settings.systemPrompt, std::nullopt);
    const std::string draft = m_draft.toStdString();
    m_draftWatcher.setFuture(QtConcurrent::run([model, messages = std::move(messages), draft]() mutable {
        const ws::Tokenizer& tok = model->tokenizer();
        const int draftTokens = static_cast<int>(tok.encode(draft, false).size());
        messages.push_back({"user", draft, {}});
        auto text = tok.renderChat(messages, true);
        const int total = text ? static_cast<int>(tok.encode(text.value(), false).size()) : draftTokens;
        return std::pair<int, int>(draftTokens, total - draftTokens);
    }));
}
