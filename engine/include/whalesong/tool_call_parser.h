// ToolCallParser: turns DeepSeek-V3's tool-call text
//   <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGUMENTS\n```<｜tool▁call▁end｜>
//   [\n<｜tool▁call▁begin｜>…<｜tool▁call▁end｜>]…<｜tool▁calls▁end｜>
// into OpenAI's tool_calls, incrementally (streamed deltas: the name first, then the arguments in pieces). Used by
// the API server and by the app (local answers, and endpoints that send the call text inside content).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ws {

/// Splits generated text into content and tool calls. Malformed call text never fails: from the point where it
/// stops making sense it comes back as content.
class ToolCallParser {
public:
    struct CallDelta {
        int index = 0;
        std::string id;        ///< set on a call's first delta
        std::string name;      ///< set on a call's first delta
        std::string arguments; ///< the next piece
    };
    struct Out {
        std::string content;
        std::vector<CallDelta> calls;
    };
    /// Feeds a text delta.
    Out push(std::string_view text);
    /// End of the generation: whatever is held back (an unfinished marker, a cut-off call) is released.
    Out flush();
    int calls() const { return m_emittedCalls; }

private:
    Out step(bool final);

    std::string m_text;      ///< content not yet released (may hold the start of the calls marker)
    std::string m_calls;     ///< text from the calls marker on
    bool m_inCalls = false;
    bool m_raw = false;      ///< the call text went wrong: the rest is content
    int m_emittedCalls = 0;
    std::size_t m_emittedArgs = 0; ///< of the last call
    std::size_t m_consumed = 0;    ///< of m_calls, up to the end of the last complete call
};

/// "call_" and 24 hex digits.
std::string newToolCallId();

} // namespace ws
