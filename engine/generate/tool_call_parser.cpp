// ToolCallParser: DeepSeek-V3's tool-call text into OpenAI's tool_calls, incrementally (see tool_call_parser.h).
#include "whalesong/tool_call_parser.h"

#include <algorithm>
#include <random>

#include "whalesong/grammar.h"

namespace ws {
namespace {

/// The longest suffix of `s` that is a proper prefix of `marker`.
std::size_t heldBack(std::string_view s, std::string_view marker) {
    for (std::size_t n = std::min(s.size(), marker.size() - 1); n > 0; --n)
        if (marker.substr(0, n) == s.substr(s.size() - n)) return n;
    return 0;
}

bool isPrefixOf(std::string_view part, std::string_view whole) {
    return part.size() < whole.size() && whole.substr(0, part.size()) == part;
}

struct Call {
    std::string name;
    std::string arguments;
};

struct Parsed {
    enum class State { Incomplete, Done, Malformed } state = State::Incomplete;
    std::vector<Call> calls;
    std::size_t at = 0; ///< Done: the end of the calls; Malformed: where the text stopped making sense
    bool lastPartial = false; ///< the last call's arguments were still coming
};

/// `s` starts with the calls marker. `final`: no more text will come.
Parsed parse(std::string_view s, bool final) {
    Parsed p;
    std::size_t pos = kToolCallsBegin.size();
    const auto incomplete = [&](std::size_t at) {
        p.state = final ? Parsed::State::Malformed : Parsed::State::Incomplete;
        p.at = at;
        return p;
    };
    const auto malformed = [&](std::size_t at) {
        p.state = Parsed::State::Malformed;
        p.at = at;
        return p;
    };
    for (;;) {
        const std::size_t callStart = pos;
        while (pos < s.size() && (s[pos] == '\n' || s[pos] == ' ' || s[pos] == '\r' || s[pos] == '\t')) ++pos;
        const std::string_view rest = s.substr(pos);
        if (rest.empty() || isPrefixOf(rest, kToolCallsEnd) || isPrefixOf(rest, kToolCallBegin))
            return incomplete(callStart);
        if (rest.starts_with(kToolCallsEnd)) {
            p.state = Parsed::State::Done;
            p.at = pos + kToolCallsEnd.size();
            return p;
        }
        if (!rest.starts_with(kToolCallBegin)) return malformed(callStart);
        pos += kToolCallBegin.size();
        const std::size_t sep = s.find(kToolSep, pos);
        if (sep == std::string_view::npos) {
            const std::string_view type = s.substr(pos);
            const bool typeOk = type.size() <= 32 && type.find('\n') == std::string_view::npos &&
                                (type.find('<') == std::string_view::npos || heldBack(type, kToolSep) > 0);
            if (!typeOk) return malformed(callStart);
            return incomplete(callStart);
        }
        if (sep - pos > 32) return malformed(callStart);
        pos = sep + kToolSep.size();
        const std::size_t nl = s.find('\n', pos);
        if (nl == std::string_view::npos) {
            if (s.size() - pos > 256) return malformed(callStart);
            return incomplete(callStart);
        }
        Call call;
        call.name = std::string(s.substr(pos, nl - pos));
        while (!call.name.empty() && (call.name.back() == ' ' || call.name.back() == '\r')) call.name.pop_back();
        if (call.name.empty() || call.name.size() > 64 || call.name.find('<') != std::string::npos)
            return malformed(callStart);
        pos = nl + 1;
        constexpr std::string_view kFence = "```json\n";
        const std::string_view afterName = s.substr(pos);
        if (isPrefixOf(afterName, kFence)) return incomplete(callStart);
        if (!afterName.starts_with(kFence)) return malformed(callStart);
        pos += kFence.size();
        constexpr std::string_view kClose = "\n```";
        const std::size_t close = s.find(kClose, pos);
        if (close == std::string_view::npos) { // arguments so far, short of what may be the closing fence
            const std::string_view args = s.substr(pos);
            call.arguments = std::string(args.substr(0, args.size() - heldBack(args, kClose)));
            p.calls.push_back(std::move(call));
            p.lastPartial = true;
            return incomplete(callStart);
        }
        call.arguments = std::string(s.substr(pos, close - pos));
        pos = close + kClose.size();
        while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\n')) ++pos;
        const std::string_view end = s.substr(pos);
        p.calls.push_back(std::move(call));
        if (end.empty() || isPrefixOf(end, kToolCallEnd)) return incomplete(callStart);
        if (!end.starts_with(kToolCallEnd)) {
            p.calls.pop_back(); // the fence closed, but no call end follows: not a call after all
            return malformed(callStart);
        }
        pos += kToolCallEnd.size();
    }
}

} // namespace

std::string newToolCallId() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string id = "call_";
    for (int i = 0; i < 24; ++i) id += hex[rng() % 16];
    return id;
}

ToolCallParser::Out ToolCallParser::push(std::string_view text) {
    if (m_raw) return Out{std::string(text), {}};
    (m_inCalls ? m_calls : m_text) += text;
    return step(false);
}

ToolCallParser::Out ToolCallParser::flush() {
    if (m_raw) return {};
    return step(true);
}

ToolCallParser::Out ToolCallParser::step(bool final) {
    Out out;
    if (!m_inCalls) {
        const std::size_t at = m_text.find(kToolCallsBegin);
        if (at == std::string::npos) {
            const std::size_t keep = final ? 0 : heldBack(m_text, kToolCallsBegin);
            out.content = m_text.substr(0, m_text.size() - keep);
            m_text.erase(0, m_text.size() - keep);
            return out;
        }
        out.content = m_text.substr(0, at);
        m_calls = m_text.substr(at);
        m_text.clear();
        m_inCalls = true;
    }
    const Parsed p = parse(m_calls, final);
    for (std::size_t i = 0; i < p.calls.size(); ++i) {
        const Call& c = p.calls[i];
        if (static_cast<int>(i) + 1 < m_emittedCalls) continue; // finished earlier
        if (static_cast<int>(i) + 1 == m_emittedCalls) {        // the last one emitted: more arguments?
            if (c.arguments.size() > m_emittedArgs)
                out.calls.push_back({static_cast<int>(i), "", "", c.arguments.substr(m_emittedArgs)});
        } else {
            out.calls.push_back({static_cast<int>(i), newToolCallId(), c.name, c.arguments});
            ++m_emittedCalls;
        }
        m_emittedArgs = c.arguments.size();
    }
    if (p.state == Parsed::State::Done) {
        out.content += m_calls.substr(p.at);
        m_raw = true; // whatever follows the calls is content
    } else if (p.state == Parsed::State::Malformed) {
        // Everything from the first call that did not parse is content (the whole text when none did); a call cut
        // off in its arguments (the end of a generation cut by max_tokens) stays a call, as far as it went.
        if (!p.lastPartial) out.content += m_emittedCalls == 0 ? m_calls : m_calls.substr(p.at);
        m_raw = true;
    }
    return out;
}

} // namespace ws
