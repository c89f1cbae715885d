// ThinkSplitter: separates an R1-style model's thinking (<think> … </think> at the start of an answer) from the
// answer itself, on a stream of text deltas — the reasoning_content / content split of DeepSeek's API.
#pragma once

#include <string>
#include <string_view>

namespace ws {

/// Not thread-safe: one per answer stream.
class ThinkSplitter {
  public:
    struct Delta {
        std::string content;
        std::string reasoning;
        bool reasoningEnded = false; ///< </think> was seen in this delta
    };
    ThinkSplitter() = default;
    /// `inReasoning`: the prompt itself opened the <think> block (DeepSeek-V3.1 with thinking on, R1's later
    /// templates, a reasoning_content prefix), so the answer starts inside it.
    explicit ThinkSplitter(bool inReasoning)
        : m_state(inReasoning ? State::Reasoning : State::Start), m_sawReasoning(inReasoning) {}
    /// Whether `prompt` ends inside a <think> block: its last "<think>" has no "</think>" after it.
    static bool endsInsideThinking(std::string_view prompt);
    /// Feeds raw model text. Text that may be the start of a tag is held back until it is decided.
    Delta push(std::string_view text);
    /// End of the stream: releases what was held back (an unclosed <think> stays reasoning).
    Delta flush();
    bool inReasoning() const { return m_state == State::Reasoning; }
    bool sawReasoning() const { return m_sawReasoning; }

  private:
    enum class State { Start, Reasoning, Content };
    State m_state = State::Start;
    std::string m_held;
    bool m_sawReasoning = false;
    bool m_trimLeading = false; ///< drop the whitespace between </think> and the answer
};

} // namespace ws
