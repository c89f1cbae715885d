// ChatController: the application core behind the main window (no widgets). It owns the store thread, the engine
// thread and the model loader, keeps the conversation shown, and turns user actions into store work and answers.
// Every call returns at once; results arrive as signals on the GUI thread.
#pragma once

#include "api_server_host.h"
#include "async_store.h"
#include "chat_entry.h"
#include "conversation_list_model.h"
#include "answer_worker.h"
#include "model_loader.h"
#include "settings.h"

#include <QFutureWatcher>
#include <QJsonObject>
#include <QObject>
#include <QThread>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <vector>

class ChatController : public QObject {
    Q_OBJECT
  public:
    ChatController(const QString& dataDir, const AppSettings& settings, QObject* parent = nullptr);
    /// Stops a running answer (it is saved as stopped), waits for the engine and the store to finish.
    ~ChatController() override;

    /// Opens the store, lists the conversations and loads the model.
    void start();

    ConversationListModel* conversations() { return &m_conversations; }
    /// The conversations have been listed from the store at least once (conversations() is then what is saved).
    bool hasListedConversations() const { return m_conversationsListed; }
    /// The OpenAI-compatible API server over the loaded model (settings.server).
    ApiServerHost* apiServer() { return &m_apiServer; }
    const AppSettings& settings() const { return m_settings; }
    const LoadedModel& model() const { return m_model; }
    bool isModelLoading() const { return m_modelLoading; }
    /// Who answers the next message, in words for the user: the model and where it runs (this computer and its
    /// backend, or the endpoint), or that none is ready.
    QString answererDescription() const;
    bool isGenerating() const { return m_generating.has_value(); }
    qint64 currentConversationId() const { return m_current; }
    const std::vector<ChatEntry>& branch() const { return m_branch; }
    /// The current conversation's overrides of the generation settings (empty: none).
    QJsonObject conversationOverrides() const { return m_overrides; }
    /// The settings the next answer in this conversation runs with.
    GenerationSettings effectiveSettings() const { return m_settings.generation.withOverrides(m_overrides); }

    // ---- conversations ----------------------------------------------------------------------------------
    void newConversation(); ///< an empty view; the conversation is created by its first message
    void openConversation(qint64 id);
    void rename(qint64 id, const QString& title);
    void setPinned(qint64 id, bool pinned);
    void moveToTrash(qint64 id); ///< conversationDeleted() follows, for the undo
    void restore(qint64 id);
    void search(const QString& query); ///< searchResults() follows
    void setConversationOverrides(const QJsonObject& overrides);

    // ---- answers ----------------------------------------------------------------------------------------
    /// Why a message cannot be sent now, in words for the user; empty when it can. The one place that decides:
    /// an answer being written, the conversations not open (yet), the answering endpoint not set up, no local
    /// model loaded (or still loading), the last counted draft longer than the context left. The composer shows
    /// it (sendBlockerChanged), send() refuses by it.
    QString sendBlocker() const { return blocker(true); }
    /// Adds `text` as a question under the current branch and answers it. False when refused (errorOccurred says
    /// why); the caller keeps its draft until questionSaved(text).
    bool send(const QString& text);
    /// Stops the answer being produced, at once (it is kept, marked stopped).
    void stop();
    /// A new answer to the question of `answerId` (a sibling of it).
    void regenerate(qint64 answerId);
    /// A new version of the question `questionId` (a sibling), answered.
    void editAndResend(qint64 questionId, const QString& text);
    /// Shows the branch through `messageId` (one of the ‹ › siblings).
    void selectSibling(qint64 messageId);
    /// Counts `draft`'s tokens off the GUI thread (debounced); draftCounted() follows.
    void countDraft(const QString& draft);

    // ---- settings and model -----------------------------------------------------------------------------
    /// Generation settings apply to the next answer; a changed model setting reloads the model.
    void applySettings(const AppSettings& settings);
    void reloadModel();
    void cancelModelLoad();

  signals:
    void storeOpened(const OpenNotice& notice);
    void storeFailed(const QString& message);
    void currentConversationChanged(qint64 id); ///< 0: a new, not yet saved conversation
    void branchLoaded(const std::vector<ChatEntry>& entries);
    void entryAppended(const ChatEntry& entry);
    void textArrived(qint64 messageId, const QString& contentDelta, const QString& reasoningDelta);
    /// The answer being written has these tool calls now (the whole list).
    void toolCallsChanged(qint64 messageId, const QJsonArray& toolCalls);
    void entryUpdated(const ChatEntry& entry);
    void generatingChanged(bool generating);
    void modelLoadProgress(int permille, const QString& stage);
    void modelLoaded();
    void modelLoadFailed(const QString& message);
    void modelLoadCancelled();
    /// Tokens of the conversation in the context, and the context's size (after an answer, or when counted).
    void contextChanged(int used, int limit);
    void decodeSpeedChanged(double tokensPerSecond);
    void draftCounted(int draftTokens, int contextLeft);
    void searchResults(const std::vector<SearchHit>& hits);
    void conversationDeleted(qint64 id, const QString& title);
    void errorOccurred(const QString& message);
    /// sendBlocker() changed (empty: sending is possible).
    void sendBlockerChanged(const QString& reason);
    /// conversations() holds the store's list now (after start, and after each change).
    void conversationsListed();
    /// The question `text` of send() is saved (its answer starts): the draft may go.
    void questionSaved(const QString& text);

  private:
    struct Turn; ///< what the store hands back when a question or answer was added
    /// On the store thread: finds or adds the question to answer; its id, or none with Turn::error set.
    using QuestionStep = std::function<std::optional<qint64>(ConversationStore&, Turn&)>;
    /// Runs `question`, starts a streaming answer under it and generates it (send, regenerate, edit).
    void postTurn(QuestionStep question);
    QString modelLabel() const; ///< the model's name as answers record it (an endpoint's model name)
    QString localModelName() const; ///< the loaded model's name (what the API server serves it as)
    void updateApiServerModel();
    void refreshConversations();
    void startAnswer(const Turn& turn);
    void finishAnswer(const GenerationOutcome& outcome);
    void loadBranch(qint64 conversationId);
    void setBranch(qint64 conversationId, std::vector<ChatEntry> entries, const QJsonObject& overrides);
    void runDraftCount();
    std::vector<ws::ChatMessage> chatMessages(const std::vector<ChatEntry>& entries, const QString& systemPrompt,
                                              std::optional<qint64> upTo) const;

    AppSettings m_settings;
    AsyncStore m_store;
    ConversationListModel m_conversations;
    ModelLoader m_loader;
    LoadedModel m_model;
    ApiServerHost m_apiServer;
    QThread m_answerThread;
    AnswerWorker* m_worker = nullptr; ///< lives on m_answerThread

    qint64 m_current = 0;
    bool m_conversationsListed = false;
    std::vector<ChatEntry> m_branch;
    QJsonObject m_overrides;
    struct Running {
        qint64 conversationId;
        qint64 answerId; ///< 0 until the store has created it
    };
    std::optional<Running> m_generating;
    std::stop_source m_stop; ///< the running answer's; the engine holds a copy
    void beginRunning(qint64 conversationId);
    /// Why no answer may start now (empty: one may), with the draft's length (`draft`) or without it.
    QString blocker(bool draft) const;
    /// Emits sendBlockerChanged when sendBlocker() differs from what it said last.
    void updateSendBlocker();
    /// Whether a new answer may start now; says why not (errorOccurred) when it may not.
    bool canStartAnswer();
    QString m_runningContent;   ///< every delta of the answer being written (the store has its last checkpoint)
    QString m_runningReasoning;
    QJsonArray m_runningToolCalls;
    int m_loadGeneration = 0; ///< ignores branch loads overtaken by a later one

    QTimer m_draftTimer;
    QString m_draft;
    QFutureWatcher<std::pair<int, int>> m_draftWatcher;
    int m_draftTokens = -1, m_contextLeft = -1; ///< the last count (-1: none yet)
    bool m_modelLoading = false; ///< from reloadModel() until the loader's loaded/failed/cancelled arrives
    enum class StoreState { Opening, Open, Failed } m_storeState = StoreState::Opening;
    std::optional<QString> m_sendBlocker; ///< what sendBlockerChanged said last (none: nothing yet)
};
