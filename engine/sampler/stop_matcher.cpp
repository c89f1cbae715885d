// StopMatcher: streams text out while holding back anything that may still turn into a stop string.
#include "whalesong/sampler.h"

#include <algorithm>

namespace ws {

namespace {

bool isContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Expected length of a UTF-8 sequence from its lead byte (1 for ASCII or an invalid lead byte).
std::size_t sequenceLength(unsigned char lead) {
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

// Moves `end` back so that text[0, end) does not finish with an incomplete UTF-8 sequence.
std::size_t utf8SafeEnd(std::string_view text, std::size_t end) {
    // Find the lead byte of the last character starting before `end` (at most 3 continuation bytes back).
    std::size_t i = end;
    std::size_t back = 0;
    while (i > 0 && back < 4) {
        --i;
        ++back;
        const auto c = static_cast<unsigned char>(text[i]);
        if (!isContinuation(c)) return i + sequenceLength(c) > end ? i : end;
    }
    return end; // only continuation bytes: invalid UTF-8, pass it through rather than hold it forever
}

} // namespace

StopMatcher::StopMatcher(std::vector<std::string> stops) {
    for (auto& s : stops) {
        if (s.empty()) continue;
        m_maxStopLen = std::max(m_maxStopLen, s.size());
        m_stops.push_back(std::move(s));
    }
}

StopMatcher::Step StopMatcher::push(std::string_view delta) {
    Step step;
    if (m_stopped) {
        step.stopped = true;
        return step;
    }
    m_held.append(delta);

    // The earliest complete stop string wins; everything from it on is dropped.
    std::size_t first = std::string::npos;
    for (const auto& s : m_stops) first = std::min(first, m_held.find(s));
    if (first != std::string::npos) {
        step.safe = m_held.substr(0, first);
        step.stopped = true;
        m_held.clear();
        m_stopped = true;
        return step;
    }

    // Hold back the longest suffix that is a proper prefix of some stop string.
    std::size_t hold = 0;
    const std::size_t maxHold = std::min(m_held.size(), m_maxStopLen == 0 ? 0 : m_maxStopLen - 1);
    for (std::size_t len = maxHold; len > 0 && hold == 0; --len) {
        const std::string_view tail = std::string_view(m_held).substr(m_held.size() - len);
        for (const auto& s : m_stops) {
            if (s.size() > len && std::string_view(s).substr(0, len) == tail) {
                hold = len;
                break;
            }
        }
    }
    const std::size_t end = utf8SafeEnd(m_held, m_held.size() - hold);
    step.safe = m_held.substr(0, end);
    m_held.erase(0, end);
    return step;
}

std::string StopMatcher::flush() {
    std::string out;
    out.swap(m_held);
    return out;
}

} // namespace ws
