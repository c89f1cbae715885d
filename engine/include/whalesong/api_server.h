// ApiServer: the OpenAI-compatible chat-completions API (/v1/models, /v1/chat/completions, SSE streaming, Bearer
// key) over a loaded Model, as DeepSeek's API and the serving stacks (vLLM, SGLang) speak it. cpp-httplib inside.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "whalesong/generate.h"
#include "whalesong/model.h"
#include "whalesong/status.h"

namespace ws {

struct ApiServerOptions {
    std::string host = "127.0.0.1";
    int port = 8000;             ///< 0 = any free port (ApiServer::port() tells which)
    std::string apiKey;          ///< Bearer key; required whenever `host` is not a loopback address
    int parallel = 4;            ///< requests generating at once; they take turns on the model, fairly
    int queue = 256;             ///< requests waiting for a turn; more → 503
    int maxBatch = 32;           ///< decode steps of running requests computed in one pass; 1 = one at a time
    std::size_t maxBodyBytes = 4u << 20;    ///< larger bodies → 413
    std::size_t cacheBytes = 4ull << 30;    ///< KV caches kept between requests for prefix reuse
    int cacheSessions = 8;                  ///< at most this many kept (least recently used dropped)
    int contextLimit = 0;        ///< tokens per conversation (prompt + answer); 0 = the model's maximum
    int defaultMaxTokens = kDefaultMaxTokens;
    std::chrono::milliseconds keepAliveInterval{2000}; ///< ": keep-alive" (streams) or "\n" while nothing else goes
    std::chrono::seconds readTimeout{10};    ///< a client that stalls this long while sending is dropped
    /// One line per request and per finished generation (never a key or a message's text). Any thread.
    std::function<void(const std::string&)> log;
};

/// Serves on its own threads from start() until destruction. Thread-safe.
class ApiServer {
public:
    /// Binds host:port and starts serving `model` (may be null: requests get 503 until setModel()) under the name
    /// `modelId`. Fails when the address cannot be bound, or when the host is not loopback and there is no key.
    static Result<std::unique_ptr<ApiServer>> start(ApiServerOptions options, std::shared_ptr<const Model> model,
                                                    std::string modelId);
    /// Stops: running generations are cancelled, their clients' connections closed; returns when all are done.
    ~ApiServer();
    ApiServer(const ApiServer&) = delete;
    ApiServer& operator=(const ApiServer&) = delete;

    int port() const;
    /// "http://127.0.0.1:8000/v1" — what a client puts as its base URL.
    std::string baseUrl() const;
    /// Serves another model from now on (null: 503 "model_not_loaded"). Running requests finish on theirs.
    void setModel(std::shared_ptr<const Model> model, std::string modelId);

    struct Impl;

private:
    explicit ApiServer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/// Whether `host` names this machine only (127.0.0.0/8, ::1, localhost).
bool isLoopbackHost(const std::string& host);

} // namespace ws
