// whalesong-cli batch: each request goes through an in-process OpenAI-compatible server (so validation, tools,
// structured output and continuous batching are the server's own), N client threads at a time.
#include "cli/batch.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace ws::cli {
namespace {

using nlohmann::json;

struct Line {
    std::size_t number = 0; ///< 1-based, in the input
    std::string customId;
    std::string url;
    json body;
    std::string error; ///< the line cannot be sent: why
};

std::string randomHex(std::size_t n) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += hex[rng() % 16];
    return s;
}

int failWith(const std::string& message) {
    std::cerr << "whalesong-cli batch: " << message << "\n";
    return 1;
}

} // namespace

int runBatch(const BatchOptions& o, std::shared_ptr<const Model> model, const std::string& modelId) {
    // 1. What the output already holds (a previous, interrupted run): those custom_ids are done.
    std::set<std::string> done;
    if (std::filesystem::exists(o.output)) {
        std::ifstream in(o.output, std::ios::binary);
        if (!in) return failWith(o.output.string() + ": cannot read it");
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::size_t start = 0, number = 0;
        while (start < text.size()) {
            const std::size_t nl = text.find('\n', start);
            if (nl == std::string::npos) { // torn by a kill mid-write: dropped, its request runs again
                std::filesystem::resize_file(o.output, start);
                std::cerr << "batch: " << o.output.string() << ": dropped an unfinished last line\n";
                break;
            }
            ++number;
            const json j = json::parse(text.substr(start, nl - start), nullptr, false);
            if (j.is_discarded() || !j.is_object() || !j.contains("custom_id"))
                return failWith(o.output.string() + ":" + std::to_string(number) +
                                ": not a batch result line; is this the right output file?");
            if (j["custom_id"].is_string()) done.insert(j["custom_id"].get<std::string>());
            start = nl + 1;
        }
    }
    // 2. The input.
    std::ifstream in(o.input, std::ios::binary);
    if (!in) return failWith(o.input.string() + ": cannot read it");
    std::vector<Line> todo;
    std::set<std::string> seen;
    std::size_t total = 0, skipped = 0;
    std::string text;
    for (std::size_t number = 1; std::getline(in, text); ++number) {
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        ++total;
        Line l;
        l.number = number;
        const json j = json::parse(text, nullptr, false);
        const std::string where = o.input.string() + ":" + std::to_string(number) + ": ";
        if (j.is_discarded() || !j.is_object()) {
            l.error = where + "not a JSON object";
        } else if (!j.value("custom_id", json()).is_string() || j["custom_id"].get<std::string>().empty()) {
            l.error = where + "custom_id must be a non-empty string";
        } else {
            l.customId = j["custom_id"].get<std::string>();
            static const std::set<std::string> urls = {"/v1/chat/completions", "/chat/completions", "/v1/completions",
                                                       "/completions"};
            if (!seen.insert(l.customId).second) l.error = where + "custom_id \"" + l.customId + "\" is used twice";
            else if (j.value("method", json()) != "POST") l.error = where + "method must be \"POST\"";
            else if (!j.value("url", json()).is_string() || !urls.count(j["url"].get<std::string>()))
                l.error = where + "url must be /v1/chat/completions or /v1/completions";
            else if (!j.value("body", json()).is_object()) l.error = where + "body must be a JSON object";
            else if (j["body"].value("stream", false)) l.error = where + "body.stream: a batch request is not streamed";
            if (l.error.empty()) {
                l.url = j["url"].get<std::string>();
                l.body = j["body"];
                if (!l.body.contains("model")) l.body["model"] = modelId;
            }
        }
        // A line without a custom_id is reported (and found again on a resumed run) as "line N".
        if (l.customId.empty()) l.customId = "line " + std::to_string(number);
        if (done.count(l.customId)) {
            ++skipped;
            continue;
        }
        todo.push_back(std::move(l));
    }
    if (in.bad()) return failWith(o.input.string() + ": read error");
    // 3. The output, appended a whole line per write.
    const int fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return failWith(o.output.string() + ": cannot write it");
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    std::mutex outMutex;
    bool writeFailed = false;
    const auto writeLine = [&](const json& j) {
        const std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
        std::lock_guard lock(outMutex);
        if (::write(fd, s.data(), s.size()) != static_cast<ssize_t>(s.size()) || ::fdatasync(fd) != 0)
            writeFailed = true;
    };
    std::cerr << "batch: " << total << " requests, " << skipped << " already in " << o.output.string() << ", "
              << todo.size() << " to run, " << o.parallel << " at a time\n";
    if (todo.empty()) return 0;
    // 4. The server, on a free loopback port with a key of its own.
    ApiServerOptions so = o.server;
    so.host = "127.0.0.1";
    so.port = 0;
    so.apiKey = "sk-batch-" + randomHex(24);
    so.parallel = o.parallel;
    so.queue = std::max(so.queue, o.parallel);
    so.log = nullptr;
    auto server = ApiServer::start(so, model, modelId);
    if (!server) return failWith("cannot start the server: " + server.status().message());
    const int port = server.value()->port();

    std::atomic<std::size_t> next{0}, finished{0}, failed{0}, tokens{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::mutex progressMutex;
    const auto progress = [&](bool last) {
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::lock_guard lock(progressMutex);
        char buf[256];
        std::snprintf(buf, sizeof buf, "batch: %zu/%zu done (%zu failed), %.2f requests/s, %.1f tokens/s%s",
                      finished.load(), todo.size(), failed.load(), s > 0 ? static_cast<double>(finished) / s : 0.0,
                      s > 0 ? static_cast<double>(tokens) / s : 0.0, last ? "\n" : "\r");
        std::cerr << buf << std::flush;
    };
    const auto worker = [&] {
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(std::chrono::hours(2));
        client.set_bearer_token_auth(so.apiKey);
        for (std::size_t i = next++; i < todo.size(); i = next++) {
            const Line& l = todo[i];
            json out = {{"id", "batch_req_" + randomHex(24)}, {"custom_id", l.customId}};
            if (!l.error.empty()) {
                out["response"] = nullptr;
                out["error"] = {{"code", "invalid_request"}, {"message", l.error}};
                ++failed;
            } else {
                auto r = client.Post(l.url, l.body.dump(-1, ' ', false, json::error_handler_t::replace),
                                     "application/json");
                if (!r) {
                    out["response"] = nullptr;
                    out["error"] = {{"code", "request_failed"},
                                    {"message", "the request could not be sent: " + httplib::to_string(r.error())}};
                    ++failed;
                } else {
                    json body = json::parse(r->body, nullptr, false);
                    if (body.is_discarded()) body = r->body;
                    out["response"] = {{"status_code", r->status}, {"request_id", out["id"]}, {"body", body}};
                    out["error"] = nullptr;
                    if (r->status != 200) ++failed;
                    if (body.is_object() && body.contains("usage"))
                        tokens += body["usage"].value("completion_tokens", std::size_t{0});
                }
            }
            writeLine(out);
            ++finished;
            progress(false);
        }
    };
    std::vector<std::thread> threads;
    for (int k = 0; k < o.parallel; ++k) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    progress(true);
    if (writeFailed) return failWith(o.output.string() + ": a write failed (disk full?); run again to finish");
    return 0;
}

} // namespace ws::cli
