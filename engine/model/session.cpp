// Session: prefix reuse over a backend's KV cache, with the context limit and token ids checked up front.
#include "whalesong/session.h"

#include <algorithm>

#include "backend.h"

namespace ws {

Session::Session(std::unique_ptr<detail::BackendSession> impl, const detail::BackendModel& model, int contextLimit,
                 int vocabSize, int prefillChunk)
    : m_impl(std::move(impl)), m_model(&model), m_contextLimit(contextLimit), m_vocabSize(vocabSize),
      m_chunkCap(prefillChunk) {}

Status Session::appendBatch(std::span<Session* const> sessions, std::span<const TokenId> tokens) {
    if (sessions.empty() || sessions.size() != tokens.size())
        return Status(Code::InvalidArgument, "appendBatch: " + std::to_string(sessions.size()) + " sessions and " +
                                                 std::to_string(tokens.size()) + " tokens");
    std::vector<detail::BackendSession*> impls;
    impls.reserve(sessions.size());
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        const Session& s = *sessions[i];
        const auto at = [i] { return "appendBatch: session " + std::to_string(i); };
        if (s.m_model != sessions[0]->m_model) return Status(Code::InvalidArgument, at() + " belongs to another model");
        if (std::find(sessions.begin(), sessions.begin() + static_cast<std::ptrdiff_t>(i), &s) !=
            sessions.begin() + static_cast<std::ptrdiff_t>(i))
            return Status(Code::InvalidArgument, at() + " appears twice");
        if (tokens[i] < 0 || tokens[i] >= s.m_vocabSize)
            return Status(Code::InvalidArgument, at() + ": token id " + std::to_string(tokens[i]) +
                                                     " is outside the vocabulary [0, " +
                                                     std::to_string(s.m_vocabSize) + ")");
        if (s.m_tokens.size() + 1 > static_cast<std::size_t>(s.m_contextLimit))
            return Status(Code::OutOfRange, at() + " is full: " + std::to_string(s.m_contextLimit) +
                                                " tokens, its context limit");
        impls.push_back(s.m_impl.get());
    }
    // Room first: once the caches have moved on, recording the step must not fail half-way.
    for (Session* s : sessions) {
        s->m_tokens.reserve(s->m_tokens.size() + 1);
        s->m_logits.reserve(static_cast<std::size_t>(s->m_vocabSize));
    }
    std::vector<float> logits;
    if (Status st = sessions[0]->m_model->decodeBatch(impls, tokens, logits); !st) return st;
    const std::size_t vocab = logits.size() / sessions.size();
    for (std::size_t i = 0; i < sessions.size(); ++i) {
        Session& s = *sessions[i];
        s.m_tokens.push_back(tokens[i]);
        s.m_logits.assign(logits.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                          logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab));
    }
    return Status::ok();
}

Session::~Session() = default;

std::size_t Session::kvBytes() const { return m_impl->kvBytes(); }
int Session::prefillChunk() const {
    const int backend = std::max(1, m_impl->prefillChunk());
    return m_chunkCap > 0 ? std::min(m_chunkCap, backend) : backend;
}
void Session::setInterrupt(std::function<bool()> interrupted) {
    m_interrupted = interrupted;
    m_impl->setInterrupt(std::move(interrupted));
}

void Session::truncate(std::size_t n) {
    if (n >= m_tokens.size()) return;
    m_tokens.resize(n);
    m_impl->truncate(static_cast<int>(n));
}

Result<std::span<const float>> Session::append(std::span<const TokenId> tokens, bool allLogits) {
    using R = Result<std::span<const float>>;
    if (tokens.empty()) return R(Code::InvalidArgument, "no tokens given");
    for (std::size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i] < 0 || tokens[i] >= m_vocabSize)
            return R(Code::InvalidArgument, "token id " + std::to_string(tokens[i]) + " at index " +
                                                std::to_string(i) + " is outside the vocabulary [0, " +
                                                std::to_string(m_vocabSize) + ")");
    if (m_tokens.size() + tokens.size() > static_cast<std::size_t>(m_contextLimit))
        return R(Code::OutOfRange, std::to_string(m_tokens.size() + tokens.size()) +
                                       " tokens exceed the context limit of " + std::to_string(m_contextLimit));
    // Run long batches in chunks so activations stay bounded (the backend says how many tokens fit).
    const auto kChunk = static_cast<std::size_t>(prefillChunk());
    std::vector<float> chunkLogits;
    if (allLogits) m_logits.clear();
    for (std::size_t b = 0; b < tokens.size(); b += kChunk) {
        const auto part = tokens.subspan(b, std::min(kChunk, tokens.size() - b));
        const bool last = b + part.size() == tokens.size();
        if (m_interrupted && m_interrupted())
            return R(Code::Cancelled, "stopped after " + std::to_string(b) + " of " + std::to_string(tokens.size()) +
                                          " tokens (those stay cached)");
        // One token is a decode step (the path a GPU backend replays as a graph), more a prefill.
        Status s = part.size() == 1 ? m_model->decode(*m_impl, part[0], chunkLogits)
                                    : m_impl->prefill(part, static_cast<int>(m_tokens.size()), allLogits, chunkLogits);
        if (!s) {
            m_impl->truncate(static_cast<int>(m_tokens.size()));
            return s;
        }
        m_tokens.insert(m_tokens.end(), part.begin(), part.end());
        if (allLogits)
            m_logits.insert(m_logits.end(), chunkLogits.begin(), chunkLogits.end());
        else if (last)
            m_logits.swap(chunkLogits);
    }
    return std::span<const float>(m_logits);
}

Result<std::span<const float>> Session::prefill(std::span<const TokenId> sequence) {
    using R = Result<std::span<const float>>;
    if (sequence.empty()) return R(Code::InvalidArgument, "empty prompt");
    if (sequence.size() > static_cast<std::size_t>(m_contextLimit))
        return R(Code::OutOfRange, "prompt of " + std::to_string(sequence.size()) +
                                       " tokens exceeds the context limit of " + std::to_string(m_contextLimit));
    std::size_t common = 0;
    const std::size_t maxCommon = std::min(m_tokens.size(), sequence.size());
    while (common < maxCommon && m_tokens[common] == sequence[common]) ++common;
    // The last token is always run: its logits are what the caller needs.
    if (common == sequence.size()) --common;
    for (std::size_t i = common; i < sequence.size(); ++i) // check before the cache is touched
        if (sequence[i] < 0 || sequence[i] >= m_vocabSize)
            return R(Code::InvalidArgument, "token id " + std::to_string(sequence[i]) + " at index " +
                                                std::to_string(i) + " is outside the vocabulary [0, " +
                                                std::to_string(m_vocabSize) + ")");
    truncate(common);
    auto r = append(sequence.subspan(common), false);
    if (!r) {
        m_lastReused = 0;
        return r;
    }
    m_lastReused = common;
    return r;
}

} // namespace ws
