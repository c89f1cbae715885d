// ThinkSplitter: <think> … </think> at the start of an answer → reasoning_content, the rest → content.
#include "whalesong/think_splitter.h"

namespace ws {
namespace {
constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

bool isSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

/// Length of the longest suffix of `text` that is a proper prefix of `tag`.
std::size_t partialTagSuffix(std::string_view text, std::string_view tag) {
    const std::size_t max = std::min(text.size(), tag.size() - 1);
    for (std::size_t n = max; n > 0; --n)
        if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
    return 0;
}
} // namespace

bool ThinkSplitter::endsInsideThinking(std::string_view prompt) {
    const std::size_t open = prompt.rfind(kOpen);
    return open != std::string_view::npos && prompt.find(kClose, open) == std::string_view::npos;
}

ThinkSplitter::Delta ThinkSplitter::push(std::string_view text) {
    Delta out;
    m_held.append(text);
    for (;;) {
        if (m_state == State::Start) {
            // Leading whitespace, then either "<think>" (reasoning follows) or anything else (plain answer).
            std::size_t i = 0;
            while (i < m_held.size() && isSpace(m_held[i])) ++i;
            const std::string_view rest = std::string_view(m_held).substr(i);
            if (rest.empty()) return out;
            if (rest.size() < kOpen.size() && kOpen.substr(0, rest.size()) == rest) return out; // undecided
            if (rest.substr(0, kOpen.size()) == kOpen) {
                m_state = State::Reasoning;
                m_sawReasoning = true;
                m_held.erase(0, i + kOpen.size());
                continue;
            }
            m_state = State::Content;
            continue;
        }
        if (m_state == State::Reasoning) {
            const std::size_t close = m_held.find(kClose);
            if (close != std::string::npos) {
                out.reasoning.append(m_held, 0, close);
                m_held.erase(0, close + kClose.size());
                m_state = State::Content;
                m_trimLeading = true; // the answer after </think> usually starts on a new line
                out.reasoningEnded = true;
                continue;
            }
            const std::size_t keep = partialTagSuffix(m_held, kClose);
            out.reasoning.append(m_held, 0, m_held.size() - keep);
            m_held.erase(0, m_held.size() - keep);
            return out;
        }
        if (m_trimLeading) {
            std::size_t i = 0;
            while (i < m_held.size() && isSpace(m_held[i])) ++i;
            m_held.erase(0, i);
            if (m_held.empty()) return out; // more whitespace may follow
            m_trimLeading = false;
        }
        out.content.append(m_held);
        m_held.clear();
        return out;
    }
}

ThinkSplitter::Delta ThinkSplitter::flush() {
    Delta out;
    if (m_state == State::Reasoning) out.reasoning = std::move(m_held);
    else out.content = std::move(m_held);
    m_held.clear();
    return out;
}

} // namespace ws
