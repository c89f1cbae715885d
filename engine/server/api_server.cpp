// ApiServer: routes, authentication, limits and the response streams of the OpenAI-compatible API (cpp-httplib).
#include "whalesong/api_server.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "server/admission.h"
#include "server/chat_request.h"
#include "server/completion_job.h"
#include "server/session_pool.h"
#include "whalesong/think_splitter.h"

namespace ws {

using nlohmann::json;
using server::ApiError;

bool isLoopbackHost(const std::string& host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    in_addr a{};
    return inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

namespace {

/// Compares without leaking through timing how much of the key was right.
bool sameKey(const std::string& given, const std::string& expected) {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ expected[i % std::max<std::size_t>(1, expected.size())]);
    return diff == 0;
}

void sendError(httplib::Response& res, const ApiError& e) {
    res.status = e.status;
    res.set_content(e.body(), "application/json");
}

ApiError apiError(int status, std::string message, std::string type, std::string code, std::string param = {}) {
    return ApiError{.status = status,
                    .message = std::move(message),
                    .type = std::move(type),
                    .param = std::move(param),
                    .code = std::move(code)};
}

std::uint64_t freshSeed() {
    static std::mutex mutex;
    static std::mt19937_64 rng{std::random_device{}()};
    std::lock_guard lock(mutex);
    return rng();
}

} // namespace

struct ApiServer::Impl {
    ApiServerOptions options;
    httplib::Server http;
    std::thread listener;
    int boundPort = 0;
    socket_t listenSocket = -1; ///< set by the socket-options callback when the server socket is made
    server::SessionPool pool;
    server::Admission admission;
    TurnTaker turns; ///< the running requests take turns on the model, one forward pass each
    DecodeBatcher batcher; ///< and their decode steps run together, one pass for all
    std::stop_source shutdown;

    /// Jobs alive (generating, or their response still being written): the destructor lets them finish.
    std::mutex jobsMutex;
    std::condition_variable jobsCv;
    int jobs = 0;

    mutable std::mutex modelMutex;
    std::shared_ptr<const Model> model;
    std::string modelId;

    explicit Impl(ApiServerOptions o)
        : options(std::move(o)), pool(options.cacheBytes, std::max(options.cacheSessions, options.parallel)),
          admission(options.parallel, options.queue), batcher(&turns, options.maxBatch) {}

    void log(const std::string& line) const {
        if (options.log) options.log(line);
    }

    std::pair<std::shared_ptr<const Model>, std::string> current() const {
        std::lock_guard lock(modelMutex);
        return {model, modelId};
    }

    void routes();
    bool authorized(const httplib::Request& req, httplib::Response& res) const;
    void listModels(httplib::Response& res) const;
    void chatCompletions(const std::string& requestBody, httplib::Response& res);
    void textCompletions(const std::string& requestBody, httplib::Response& res);
    void serve(server::ChatRequest request, httplib::Response& res); ///< checked request → its job and response
    void stream(std::shared_ptr<server::CompletionJob> job, httplib::Response& res);
    void respondWhenDone(std::shared_ptr<server::CompletionJob> job, httplib::Response& res);
};

bool ApiServer::Impl::authorized(const httplib::Request& req, httplib::Response& res) const {
    if (options.apiKey.empty()) return true;
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.empty()) {
        res.set_header("WWW-Authenticate", "Bearer");
        sendError(res, apiError(401, "No API key provided: send it as the header \"Authorization: Bearer KEY\".",
                                "authentication_error", "invalid_api_key"));
        return false;
    }
    // The scheme name is case-insensitive (RFC 9110 §11.1).
    const bool bearer = header.size() > kBearer.size() &&
                        std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
                            return std::tolower(static_cast<unsigned char>(a)) ==
                                   std::tolower(static_cast<unsigned char>(b));
                        });
    if (!bearer ||
        !sameKey(header.substr(kBearer.size()), options.apiKey)) {
        res.set_header("WWW-Authenticate", "Bearer");
        sendError(res, apiError(401, "Incorrect API key provided.", "authentication_error", "invalid_api_key"));
        return false;
    }
    return true;
}

void ApiServer::Impl::listModels(httplib::Response& res) const {
    const auto [m, id] = current();
    json data = json::array();
    if (m)
        data.push_back({{"id", id},
                        {"object", "model"},
                        {"created", 0},
                        {"owned_by", "whalesong"},
                        {"context_length", options.contextLimit > 0 ? options.contextLimit
                                                                    : m->config().max_position_embeddings}});
    res.set_content(json{{"object", "list"}, {"data", std::move(data)}}.dump(), "application/json");
}

void ApiServer::Impl::chatCompletions(const std::string& requestBody, httplib::Response& res) {
    if (shutdown.stop_requested()) {
        sendError(res, apiError(503, "The server is stopping.", "server_error", "server_shutting_down"));
        return;
    }
    json body;
    try {
        body = json::parse(requestBody);
    } catch (const json::exception& e) { // parse_error, or out_of_range for a number such as 1e400
        sendError(res, apiError(400, std::string("The request body is not valid JSON: ") + e.what(),
                                "invalid_request_error", "invalid_json"));
        return;
    }
    server::ChatRequest request;
    if (auto e = server::parseChatRequest(body, options.defaultMaxTokens, freshSeed(), request)) {
        sendError(res, *e);
        return;
    }
    if (body.contains("response_format") || body.contains("tools") || body.contains("tool_choice")) {
        // again with the keys in order: a schema's properties keep theirs
        const auto ordered = nlohmann::ordered_json::parse(requestBody);
        if (auto e = server::parseResponseFormat(ordered, request)) {
            sendError(res, *e);
            return;
        }
        if (auto e = server::parseTools(ordered, request)) {
            sendError(res, *e);
            return;
        }
    }
    serve(std::move(request), res);
}

void ApiServer::Impl::textCompletions(const std::string& requestBody, httplib::Response& res) {
    if (shutdown.stop_requested()) {
        sendError(res, apiError(503, "The server is stopping.", "server_error", "server_shutting_down"));
        return;
    }
    json body;
    try {
        body = json::parse(requestBody);
    } catch (const json::exception& e) {
        sendError(res, apiError(400, std::string("The request body is not valid JSON: ") + e.what(),
                                "invalid_request_error", "invalid_json"));
        return;
    }
    if (!body.is_object()) {
        sendError(res, server::invalidField("", "the request body must be a JSON object"));
        return;
    }
    // prompt: a string (or a list of one); suffix: fill in the middle; echo; logprobs: an integer (0-5)
    json p = body.value("prompt", json());
    if (p.is_array() && p.size() == 1) p = p[0];
    if (!p.is_string()) {
        sendError(res, server::invalidField("prompt", "prompt is required: a string (one prompt per request)"));
        return;
    }
    const json suffix = body.value("suffix", json());
    if (!suffix.is_null() && !suffix.is_string()) {
        sendError(res, server::invalidField("suffix", "suffix must be a string"));
        return;
    }
    const json echo = body.value("echo", json(false));
    const json logprobs = body.value("logprobs", json());
    if (!echo.is_boolean() || (!logprobs.is_null() && !(logprobs.is_number_integer() && logprobs.get<int>() >= 0 &&
                                                         logprobs.get<int>() <= 5))) {
        sendError(res, server::invalidField(echo.is_boolean() ? "logprobs" : "echo",
                                            echo.is_boolean() ? "logprobs must be an integer in [0, 5]"
                                                              : "echo must be a boolean"));
        return;
    }
    // The sampling fields are the chat endpoint's: checked by the same code.
    for (const char* k : {"messages", "tools", "tool_choice", "parallel_tool_calls", "response_format", "thinking",
                          "reasoning_effort", "top_logprobs", "max_completion_tokens"})
        if (body.contains(k) && !body[k].is_null()) {
            sendError(res, server::invalidField(k, std::string("the field \"") + k +
                                                       "\" belongs to /chat/completions, not /completions"));
            return;
        }
    json chatBody = body;
    for (const char* k : {"prompt", "suffix", "echo", "logprobs"}) chatBody.erase(k);
    chatBody["messages"] = json::array({{{"role", "user"}, {"content", "-"}}});
    if (!logprobs.is_null()) {
        chatBody["logprobs"] = true;
        chatBody["top_logprobs"] = logprobs;
    }
    if (!body.contains("max_tokens") || body["max_tokens"].is_null()) chatBody["max_tokens"] = 16; // OpenAI's default
    server::ChatRequest request;
    if (auto e = server::parseChatRequest(chatBody, options.defaultMaxTokens, freshSeed(), request)) {
        sendError(res, *e);
        return;
    }
    request.messages.clear();
    request.text = server::TextCompletion{.prompt = p.get<std::string>(),
                                          .suffix = suffix.is_string() ? std::optional(suffix.get<std::string>())
                                                                       : std::nullopt,
                                          .echo = echo.get<bool>()};
    serve(std::move(request), res);
}

void ApiServer::Impl::serve(server::ChatRequest request, httplib::Response& res) {
    auto [m, id] = current();
    if (!m) {
        res.set_header("Retry-After", "5");
        sendError(res, apiError(503, "The model is not loaded yet; try again in a moment.", "server_error",
                                "model_not_loaded"));
        return;
    }
    if (request.model != id) {
        sendError(res, apiError(404, "The model `" + request.model + "` does not exist; this server serves `" + id +
                                         "` (GET /v1/models).",
                                "invalid_request_error", "model_not_found", "model"));
        return;
    }
    const Tokenizer& tok = m->tokenizer();
    std::vector<TokenId> prompt;
    if (request.text && request.text->suffix) {
        // Fill in the middle, in DeepSeek's FIM tokens: <｜fim▁begin｜>PROMPT<｜fim▁hole｜>SUFFIX<｜fim▁end｜>
        for (const char* t : {"<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"})
            if (!tok.tokenId(t)) {
                sendError(res, server::invalidField("suffix", std::string("this model has no fill-in-the-middle token ") +
                                                                  t + ": send the prompt without a suffix"));
                return;
            }
        prompt = tok.encode("<｜fim▁begin｜>" + request.text->prompt + "<｜fim▁hole｜>" + *request.text->suffix +
                                "<｜fim▁end｜>",
                            true);
    } else if (request.text) {
        prompt = tok.encode(request.text->prompt, tok.addBosByDefault());
    } else {
        ChatTemplateOptions templateOptions;
        if (request.thinking) {
            if (!tok.chatTemplateHasThinkingSwitch() && *request.thinking) {
                sendError(res, server::invalidField(request.thinkingField,
                                                    "this model cannot think: its chat template has no thinking "
                                                    "switch (DeepSeek-V3.1's); leave " + request.thinkingField + " out"));
                return;
            }
            if (tok.chatTemplateHasThinkingSwitch()) templateOptions.thinking = *request.thinking;
        }
        auto rendered = tok.renderChat(request.messages, true, templateOptions);
        if (!rendered) {
            sendError(res, apiError(400, rendered.status().message(), "invalid_request_error", "invalid_value",
                                    "messages"));
            return;
        }
        std::string& text = rendered.value();
        if (request.reasoningPrefix) {
            // DeepSeek's reasoner prefix: the thinking goes on from reasoning_content; with content as well, the
            // thinking is closed and the answer goes on from the content.
            if (!ThinkSplitter::endsInsideThinking(text)) {
                sendError(res, server::invalidField(request.reasoningPrefixField,
                                                    request.reasoningPrefixField +
                                                        " continues the model's thinking, but this prompt opens no "
                                                        "<think> block: turn thinking on (thinking {\"type\": "
                                                        "\"enabled\"}) on a model that thinks"));
                return;
            }
            text += *request.reasoningPrefix;
            if (request.assistantPrefix && !request.assistantPrefix->empty())
                text += "</think>" + *request.assistantPrefix;
        } else if (request.assistantPrefix) {
            text += *request.assistantPrefix; // the answer continues it
        }
        request.answerStartsInReasoning = ThinkSplitter::endsInsideThinking(text);
        prompt = tok.encode(text, false);
    }
    const int context = options.contextLimit > 0 ? options.contextLimit : m->config().max_position_embeddings;
    if (prompt.size() >= static_cast<std::size_t>(context)) {
        sendError(res, apiError(400,
                                "This model's maximum context length is " + std::to_string(context) +
                                    " tokens; the messages take " + std::to_string(prompt.size()) +
                                    ". Shorten the messages.",
                                "invalid_request_error", "context_length_exceeded", "messages"));
        return;
    }
    const std::uint64_t ticket = admission.reserve();
    if (ticket == 0) {
        res.set_header("Retry-After", "1");
        sendError(res, apiError(503,
                                "The server is busy: " + std::to_string(options.parallel) + " requests running and " +
                                    std::to_string(options.queue) + " waiting. Retry shortly.",
                                "server_error", "server_overloaded"));
        return;
    }
    std::shared_ptr<server::CompletionJob> job;
    try {
        job = std::make_shared<server::CompletionJob>(std::move(request), std::move(prompt), std::move(m),
                                                      std::move(id), ticket);
        {
            std::lock_guard lock(jobsMutex);
            ++jobs;
        }
        job->start(server::JobContext{.pool = pool,
                                      .admission = admission,
                                      .turns = turns,
                                      .batcher = batcher,
                                      .shutdown = shutdown.get_token(),
                                      .contextLimit = context,
                                      .log = options.log,
                                      .onDestroyed = [this] {
                                          {
                                              std::lock_guard lock(jobsMutex);
                                              --jobs;
                                          }
                                          jobsCv.notify_all();
                                      }});
    } catch (...) {
        admission.cancel(ticket); // its place in the line would block everyone behind it
        throw;                    // → the exception handler's 500
    }
    if (job->request().stream)
        stream(std::move(job), res);
    else
        respondWhenDone(std::move(job), res);
}

void ApiServer::Impl::stream(std::shared_ptr<server::CompletionJob> job, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    auto started = std::make_shared<bool>(false);
    auto failed = std::make_shared<bool>(false); // an error event went out: no [DONE] after it
    const auto interval = options.keepAliveInterval;
    res.set_chunked_content_provider(
        "text/event-stream",
        [job, started, failed, interval](std::size_t, httplib::DataSink& sink) {
            const auto write = [&](const std::string& s) {
                if (s.empty() || sink.write(s.data(), s.size())) return true;
                job->cancel("client disconnected");
                return false;
            };
            if (!*started && !job->request().text) {
                *started = true;
                // The first delta of every choice carries the role, before any text is ready.
                json roles = json::array();
                for (int i = 0; i < job->request().n; ++i)
                    roles.push_back({{"index", i},
                                     {"delta", {{"role", "assistant"}, {"content", ""}}},
                                     {"logprobs", nullptr},
                                     {"finish_reason", nullptr}});
                return write("data: " + server::completionChunk(*job, std::move(roles)).dump() + "\n\n");
            }
            const std::vector<server::JobEvent> events = job->take(interval);
            if (events.empty()) return write(": keep-alive\n\n");
            std::string out;
            bool done = false;
            for (const server::JobEvent& e : events) {
                if (e.kind == server::JobEvent::Kind::Failed) *failed = true;
                if (e.kind == server::JobEvent::Kind::Done) done = true;
                out += server::sseForEvent(*job, e);
            }
            if (done && !*failed) {
                if (job->request().includeUsage) {
                    json chunk = server::completionChunk(*job, json::array());
                    chunk["usage"] = job->usage().toJson();
                    out += "data: " + chunk.dump() + "\n\n";
                }
                out += "data: [DONE]\n\n";
            }
            if (!write(out)) return false;
            if (done) sink.done();
            return true;
        },
        [job](bool) { job->cancel("response ended"); });
}

void ApiServer::Impl::respondWhenDone(std::shared_ptr<server::CompletionJob> job, httplib::Response& res) {
    // Answer in one piece when it is ready within the keep-alive interval; else start the body with newlines
    // (DeepSeek's API does the same: JSON parsers skip them) so proxies keep the connection and a vanished
    // client is noticed. The status is 200 from then on; a later engine failure is reported in the body.
    auto builder = std::make_shared<server::CompletionBuilder>(job->request().n, job->request().logprobs >= 0);
    // Takes events until the job is done or `interval` has passed; true when done.
    const auto collect = [job, builder](std::chrono::milliseconds interval) {
        const auto deadline = std::chrono::steady_clock::now() + interval;
        for (;;) {
            const auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            bool done = false;
            for (const server::JobEvent& e : job->take(std::max(left, std::chrono::milliseconds(0)))) {
                builder->add(e);
                done = done || e.kind == server::JobEvent::Kind::Done;
            }
            if (done) return true;
            if (left.count() <= 0) return false;
        }
    };
    if (collect(options.keepAliveInterval)) {
        if (!builder->error().message.empty())
            sendError(res, builder->error());
        else
            res.set_content(builder->completion(*job).dump(), "application/json");
        return;
    }
    const auto interval = options.keepAliveInterval;
    // "; charset=utf-8" keeps httplib from gzip-compressing it, which would hold the keep-alive newlines back.
    res.set_chunked_content_provider(
        "application/json; charset=utf-8",
        [job, builder, collect, interval](std::size_t, httplib::DataSink& sink) {
            const bool done = collect(interval);
            std::string out = "\n";
            if (done)
                out = builder->error().message.empty() ? builder->completion(*job).dump() : builder->error().body();
            if (!sink.write(out.data(), out.size())) {
                job->cancel("client disconnected");
                return false;
            }
            if (done) sink.done();
            return true;
        },
        [job](bool) { job->cancel("response ended"); });
}

void ApiServer::Impl::routes() {
    http.set_payload_max_length(options.maxBodyBytes);
    http.set_read_timeout(options.readTimeout);
    http.set_write_timeout(std::chrono::seconds(10));
    // Every connection holds a thread while it sends its request or idles between keep-alive requests: room for
    // the running and waiting requests plus plenty of slow or idle clients, so they cannot lock the others out.
    const std::size_t threads = static_cast<std::size_t>(options.parallel + options.queue) + 64;
    http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

    // SO_REUSEADDR only (httplib's default adds SO_REUSEPORT, which would let a second server share the port
    // and split the connections between them silently).
    http.set_socket_options([this](socket_t sock) {
        int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        listenSocket = sock; // the listening socket, made just before the bind
    });
    http.set_keep_alive_timeout(2); // an idle pooled connection holds a thread (and delays a stop) this long
    // The key is checked in each /v1 handler, after the body was read: answering before that would leave the
    // body on a keep-alive connection, to be parsed as the next request.
    const auto guarded = [this](auto handler) {
        return [this, handler](const httplib::Request& req, httplib::Response& res) {
            if (authorized(req, res)) handler(req, res);
        };
    };
    http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(json{{"status", current().first ? "ok" : "loading"}}.dump(), "application/json");
    });
    // POST bodies are read through a content reader: httplib's own reading caps a body whose Content-Type is
    // application/x-www-form-urlencoded (what `curl -d` sends when no type is given) at 8 KB with a 413, before
    // any handler runs. The body is JSON whatever the header says, as DeepSeek's and OpenAI's servers take it.
    const auto guardedPost = [this](auto handler) {
        return [this, handler](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) {
            std::string body;
            if (!reader([&body](const char* data, std::size_t length) {
                    body.append(data, length);
                    return true;
                }))
                return; // httplib has set the status (413 beyond the limit, 400 for a broken body)
            if (authorized(req, res)) handler(body, res);
        };
    };
    const auto modelById = [this](const httplib::Request& req, httplib::Response& res) {
        const auto [m, id] = current();
        if (!m || req.matches[1] != id) {
            sendError(res, apiError(404, "The model `" + std::string(req.matches[1]) + "` does not exist.",
                                    "invalid_request_error", "model_not_found", "model"));
            return;
        }
        res.set_content(json{{"id", id}, {"object", "model"}, {"created", 0}, {"owned_by", "whalesong"}}.dump(),
                        "application/json");
    };
    // Each path also without /v1: DeepSeek documents https://api.deepseek.com as its base URL (and the AI SDK's
    // DeepSeek provider uses that form); and under /beta, its base URL for prefix and FIM completion.
    for (const std::string prefix : {"/v1", "", "/beta"}) {
        http.Get(prefix + "/models",
                 guarded([this](const httplib::Request&, httplib::Response& res) { listModels(res); }));
        http.Get(prefix + R"(/models/(.+))", guarded(modelById));
        http.Post(prefix + "/chat/completions",
                  guardedPost([this](const std::string& body, httplib::Response& res) { chatCompletions(body, res); }));
        http.Post(prefix + "/completions",
                  guardedPost([this](const std::string& body, httplib::Response& res) { textCompletions(body, res); }));
    }

    // Responses that httplib produced itself (404 for an unknown path, 413, 400 for a malformed request line)
    // get OpenAI's error shape too; our own errors already have a body.
    http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                      httplib::Response& res) {
        if (!res.body.empty() || res.content_length_ > 0) return httplib::Server::HandlerResponse::Unhandled;
        ApiError e = apiError(res.status, "", "invalid_request_error", "");
        if (res.status == 404) {
            e.message = "Unknown path: " + req.method + " " + req.path;
            e.code = "unknown_url";
        } else if (res.status == 413) {
            e.message = "The request body is larger than " + std::to_string(options.maxBodyBytes) + " bytes.";
            e.code = "request_too_large";
        } else {
            e.message = "The request could not be served (HTTP " + std::to_string(res.status) + ").";
            if (res.status >= 500) e.type = "server_error";
        }
        sendError(res, e);
        return httplib::Server::HandlerResponse::Handled;
    }));
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& ex) {
            what = ex.what();
        } catch (...) {
        }
        sendError(res, apiError(500, "Internal error: " + what, "server_error", "internal_error"));
    });
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
        log(req.method + " " + req.path + " " + std::to_string(res.status) + " from " + req.remote_addr);
    });
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(ApiServerOptions options, std::shared_ptr<const Model> model,
                                                    std::string modelId) {
    if (options.port < 0 || options.port > 65535)
        return Status(Code::InvalidArgument, "port must be in [0, 65535], got " + std::to_string(options.port));
    if (options.parallel < 1 || options.queue < 0 || options.maxBatch < 1)
        return Status(Code::InvalidArgument, "parallel and maxBatch must be at least 1, queue at least 0");
    if (!isLoopbackHost(options.host) && options.apiKey.empty())
        return Status(Code::InvalidArgument, "an API key is required to listen on " + options.host +
                                                 " (beyond this machine): set one (--api-key KEY)");
    auto impl = std::make_unique<Impl>(std::move(options));
    impl->model = std::move(model);
    impl->modelId = std::move(modelId);
    impl->pool.setModel(impl->model);
    impl->routes();
    const ApiServerOptions& o = impl->options;
    if (o.port == 0) {
        impl->boundPort = impl->http.bind_to_any_port(o.host);
        if (impl->boundPort <= 0)
            return Status(Code::IoError, "cannot listen on " + o.host + ": no free port or a bad address");
    } else {
        if (!impl->http.bind_to_port(o.host, o.port))
            return Status(Code::IoError, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                             " (the port is in use, or the address is not this machine's)");
        impl->boundPort = o.port;
    }
    // Debian's cpp-httplib listens with a backlog of 5: a burst of clients connecting at once (64 agents starting
    // together) overflows it and some connections are reset. Listening again on the bound socket widens it.
    if (impl->listenSocket >= 0) ::listen(impl->listenSocket, SOMAXCONN);
    Impl* raw = impl.get();
    impl->listener = std::thread([raw] { raw->http.listen_after_bind(); });
    // stop() only stops a server that is already running: wait for it, so the destructor can never hang.
    while (!impl->http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

ApiServer::~ApiServer() {
    m_impl->shutdown.request_stop();
    {
        // Running answers end with their 503 event written before the connections are closed (bounded: a client
        // that reads nothing must not hold the stop up).
        std::unique_lock lock(m_impl->jobsMutex);
        m_impl->jobsCv.wait_for(lock, std::chrono::seconds(10), [&] { return m_impl->jobs == 0; });
    }
    m_impl->http.stop();
    if (m_impl->listener.joinable()) m_impl->listener.join();
}

int ApiServer::port() const { return m_impl->boundPort; }

std::string ApiServer::baseUrl() const {
    const std::string& h = m_impl->options.host;
    const std::string host = h == "0.0.0.0" || h == "::" ? "127.0.0.1" : h.find(':') != std::string::npos ? "[" + h + "]" : h;
    return "http://" + host + ":" + std::to_string(m_impl->boundPort) + "/v1";
}

void ApiServer::setModel(std::shared_ptr<const Model> model, std::string modelId) {
    {
        std::lock_guard lock(m_impl->modelMutex);
        m_impl->model = model;
        m_impl->modelId = std::move(modelId);
    }
    m_impl->pool.setModel(std::move(model));
}

} // namespace ws
