// The decode loop behind whalesong-cli generate, the app's engine worker and the API server.
#include "whalesong/generate.h"

#include <algorithm>
#include <optional>

#include <chrono>

namespace ws {

const char* finishReasonName(FinishReason r) {
    switch (r) {
    case FinishReason::Stop: return "stop";
    case FinishReason::Length: return "length";
    case FinishReason::Cancelled: return "cancelled";
    }
    return "?";
}

Status GenerateOptions::validate() const {
    if (maxTokens < 1 || maxTokens > kMaxMaxTokens)
        return Status(Code::InvalidArgument, "max_tokens must be in [1, " + std::to_string(kMaxMaxTokens) + "], got " +
                                                 std::to_string(maxTokens));
    if (stop.size() > static_cast<std::size_t>(kMaxStopStrings))
        return Status(Code::InvalidArgument, "stop accepts at most " + std::to_string(kMaxStopStrings) +
                                                 " strings, got " + std::to_string(stop.size()));
    return Status::ok();
}

double GenerateResult::prefillTokensPerSecond() const {
    const double n = static_cast<double>(promptTokens - cachedTokens);
    return prefillSeconds > 0.0 ? n / prefillSeconds : 0.0;
}

double GenerateResult::decodeTokensPerSecond() const {
    return decodeSeconds > 0.0 ? static_cast<double>(decodeSteps) / decodeSeconds : 0.0;
}

struct DecodeBatcher::Request {
    Session* session;
    TokenId id;
    Status status;
    bool done = false;
};

DecodeBatcher::DecodeBatcher(TurnTaker* turns, int maxBatch)
    : m_turns(turns), m_maxBatch(static_cast<std::size_t>(std::max(1, maxBatch))) {
    m_batch.reserve(m_maxBatch); // the leader fills it without allocating, so it cannot fail half-way
}

DecodeBatcher::Member::Member(DecodeBatcher& b) : m_b(b) {
    std::lock_guard lock(m_b.m_mutex);
    ++m_b.m_decoding;
}

DecodeBatcher::Member::~Member() {
    {
        std::lock_guard lock(m_b.m_mutex);
        --m_b.m_decoding;
    }
    m_b.m_cv.notify_all(); // a batch waiting for this generation goes without it
}

void DecodeBatcher::run(const std::vector<Request*>& batch) {
    std::vector<Session*> sessions;
    std::vector<TokenId> ids;
    for (const Request* r : batch) {
        sessions.push_back(r->session);
        ids.push_back(r->id);
    }
    std::unique_lock<TurnTaker> turn;
    if (m_turns) turn = std::unique_lock<TurnTaker>(*m_turns);
    Status st = Session::appendBatch(sessions, ids);
    if (st || batch.size() == 1) {
        for (Request* r : batch) r->status = st;
        return;
    }
    for (Request* r : batch) // a refused batch changed nothing: each on its own, so only the bad one fails
        r->status = Session::appendBatch(std::span<Session* const>(&r->session, 1), std::span<const TokenId>(&r->id, 1));
}

Result<std::span<const float>> DecodeBatcher::decode(Session& session, TokenId id) {
    Request mine{&session, id, Status::ok(), false};
    std::unique_lock lock(m_mutex);
    m_waiting.push_back(&mine);
    m_cv.notify_all();
    while (!mine.done) {
        if (m_running) {
            m_cv.wait(lock);
            continue;
        }
        // Lead the next batch: give the other decoding generations a moment to ask (they are sampling).
        m_running = true;
        m_cv.wait_for(lock, std::chrono::milliseconds(2),
                      [&] { return m_waiting.size() >= std::min(m_decoding, m_maxBatch); });
        const std::size_t n = std::min(m_waiting.size(), m_maxBatch);
        m_batch.assign(m_waiting.begin(), m_waiting.begin() + static_cast<std::ptrdiff_t>(n));
        m_waiting.erase(m_waiting.begin(), m_waiting.begin() + static_cast<std::ptrdiff_t>(n));
        lock.unlock();
        try {
            run(m_batch);
        } catch (...) { // out of memory building the batch: its requests fail, the others go on
            for (Request* r : m_batch) r->status = Status(Code::OutOfMemory, "out of memory running a decode batch");
        }
        lock.lock();
        for (Request* r : m_batch) r->done = true;
        m_batch.clear();
        m_running = false;
        m_cv.notify_all();
    }
    if (!mine.status) return mine.status;
    return session.lastLogits();
}

Result<GenerateResult> generate(Session& session, const Tokenizer& tokenizer, std::span<const TokenId> prompt,
                                Sampler& sampler, const GenerateOptions& options,
                                const std::function<void(const TokenEvent&)>& onToken) {
    using Clock = std::chrono::steady_clock;
    const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
    WS_TRY(options.validate());
    WS_TRY(sampler.params().validate());
    if (prompt.size() >= static_cast<std::size_t>(session.contextLimit()))
        return Status(Code::OutOfRange, "prompt of " + std::to_string(prompt.size()) +
                                            " tokens leaves no room in the context limit of " +
                                            std::to_string(session.contextLimit()));
    GenerateResult res;
    res.promptTokens = prompt.size();
    // One forward pass, on the model's turn when generations share it.
    const auto pass = [&](auto&& forward) {
        if (!options.turns) return forward();
        std::lock_guard turn(*options.turns);
        return forward();
    };
    const auto start = Clock::now();
    // The part of the prompt not in the cache is computed in pieces, each a prefill that keeps the cached prefix (a
    // prefix of the prompt) and adds the piece. A stop request is honoured inside a piece too: the session asks it
    // between chunks and (CPU) between layers, the pieces before staying cached. Alone on the model (the app, the
    // CLI), a piece is the backend's whole chunk (CPU: up to 4,096 tokens): each piece decompresses the K and V of
    // every earlier position again, and 256-token pieces made a 4K-token prompt ~1.1-1.2x slower. Taking turns with
    // other generations (the server), pieces stay short so that a request arriving meanwhile is not held up for a
    // whole chunk: 1,024 tokens, 256 while another waits.
    constexpr std::size_t kSharedPiece = 1024, kContendedPiece = 256;
    const std::size_t wholePiece = static_cast<std::size_t>(std::max(session.prefillChunk(), 1));
    const auto nextPiece = [&] {
        if (!options.turns) return wholePiece;
        return std::min(wholePiece, options.turns->busy() ? kContendedPiece : kSharedPiece);
    };
    const std::span<const TokenId> cached = session.tokens();
    const std::size_t common = static_cast<std::size_t>(
        std::mismatch(cached.begin(), cached.end(), prompt.begin(), prompt.end()).first - cached.begin());
    session.setInterrupt([&stop = options.stopToken] { return stop.stop_requested(); });
    struct ClearInterrupt {
        Session& s;
        ~ClearInterrupt() { s.setInterrupt({}); }
    } clearInterrupt{session};
    Result<std::span<const float>> first = Status(Code::Internal, "prefill did not run");
    bool firstPiece = true;
    for (std::size_t end = common;;) {
        end = std::min(prompt.size(), end + nextPiece());
        first = pass([&] { return session.prefill(prompt.first(end)); });
        if (!first && first.status().code() == Code::Cancelled && options.stopToken.stop_requested()) {
            res.finishReason = FinishReason::Cancelled;
            res.prefillSeconds = seconds(Clock::now() - start);
            return res;
        }
        if (!first) return first.status();
        if (firstPiece) res.cachedTokens = session.lastReused();
        firstPiece = false;
        if (end == prompt.size()) break;
    }
    // Decode stops between tokens on its own; an interrupt left set would make its append() calls fail with
    // Cancelled instead. (The guard above covers the returns before this point.)
    session.setInterrupt({});
    res.prefillSeconds = seconds(Clock::now() - start);
    std::vector<float> row(first.value().begin(), first.value().end());
    std::optional<DecodeBatcher::Member> decoding; // counted among the generations a batch waits for
    if (options.batcher) decoding.emplace(*options.batcher);
    sampler.setPrompt(prompt);

    StreamDecoder decoder(tokenizer);
    StopMatcher stops(options.stop);
    const auto emit = [&](TokenId id, const std::string& text, const TokenLogprobs* logprobs = nullptr) {
        res.text += text;
        if (onToken) onToken(TokenEvent{id, text, logprobs});
    };
    bool stopped = false;
    for (;;) {
        if (options.stopToken.stop_requested()) {
            res.finishReason = FinishReason::Cancelled;
            break;
        }
        // constraintSeconds: the mask and the parser's step, not the sampling between them
        const auto tc = Clock::now();
        if (options.constraint && options.constraint->maskLogits(row) == 0)
            return Status(Code::Internal, "the grammar allows no token here (the vocabulary cannot continue it)");
        if (options.constraint) res.constraintSeconds += seconds(Clock::now() - tc);
        const TokenId id = sampler.sample(row);
        std::optional<TokenLogprobs> logprobs;
        if (options.logprobs >= 0) logprobs = sampler.logprobs(row, id, options.logprobs);
        if (options.constraint) {
            const auto ta = Clock::now();
            if (!options.constraint->accept(id))
                return Status(Code::Internal,
                              "the sampler picked token " + std::to_string(id) + ", which the grammar refuses");
            res.constraintSeconds += seconds(Clock::now() - ta);
        }
        sampler.accept(id);
        res.outputIds.push_back(id);
        if (res.outputIds.size() == 1) res.timeToFirstTokenSeconds = seconds(Clock::now() - start);
        if (id == tokenizer.eos() && !options.ignoreEos) {
            res.finishReason = FinishReason::Stop;
            break;
        }
        // Special tokens (placeholders, padding) are not text: leave them out of the answer.
        const auto step = stops.push(tokenizer.isSpecial(id) ? std::string() : decoder.push(id));
        emit(id, step.safe, logprobs ? &*logprobs : nullptr);
        if (step.stopped || (options.constraint && options.constraint->finished())) {
            stopped = step.stopped;
            res.finishReason = FinishReason::Stop;
            break;
        }
        if (res.outputIds.size() >= static_cast<std::size_t>(options.maxTokens) ||
            session.tokens().size() >= static_cast<std::size_t>(session.contextLimit())) {
            res.finishReason = FinishReason::Length;
            break;
        }
        Clock::duration spent{};
        auto next = options.batcher ? [&] {
            const auto t0 = Clock::now();
            auto r = options.batcher->decode(session, id); // with the other generations' steps
            spent = Clock::now() - t0;
            return r;
        }()
                                    : pass([&] {
                                          const auto t0 = Clock::now();
                                          auto r = session.append(std::span<const TokenId>(&id, 1));
                                          spent = Clock::now() - t0; // the pass itself, not the wait for the turn
                                          return r;
                                      });
        if (!next) return next.status();
        res.decodeSeconds += seconds(spent);
        ++res.decodeSteps;
        row.assign(next.value().begin(), next.value().end());
    }
    if (!stopped) {
        const auto tail = stops.push(decoder.flush());
        std::string rest = tail.safe;
        if (!tail.stopped) rest += stops.flush();
        if (!rest.empty()) emit(res.outputIds.empty() ? tokenizer.eos() : res.outputIds.back(), rest);
    }
    return res;
}

} // namespace ws
