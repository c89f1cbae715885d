// StreamDecoder: turns ids into UTF-8-safe text deltas, holding back a character split across tokens.
#include "tokenizer/utf8.h"
#include "whalesong/tokenizer.h"

namespace ws {

std::string StreamDecoder::push(TokenId id) {
    m_pending += m_tok->tokenBytes(id);
    std::string out;
    std::size_t pos = 0;
    while (pos < m_pending.size()) {
        const detail::Utf8Char c = detail::readUtf8(m_pending, pos);
        if (c.kind == detail::Utf8Kind::Incomplete)
            break; // may be completed by the next token
        if (c.kind == detail::Utf8Kind::Valid)
            out.append(m_pending, pos, c.length);
        else
            detail::appendUtf8(out, U'\uFFFD'); // can never become valid: replace it now
        pos += c.length;
    }
    m_pending.erase(0, pos);
    return out;
}

std::string StreamDecoder::flush() {
    std::string out;
    detail::appendRepairedUtf8(out, m_pending);
    m_pending.clear();
    return out;
}

} // namespace ws
