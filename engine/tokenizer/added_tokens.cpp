// Added-token matching (HF tokenizers added_vocabulary.rs find_matches, LeftmostLongest) on a byte trie.
#include "tokenizer/added_tokens.h"

#include "tokenizer/utf8.h"

namespace ws::detail {
namespace {

/// Start of the white space that ends text[floor, pos), for lstrip.
std::size_t skipWhiteSpaceBack(std::string_view text, std::size_t floor, std::size_t pos) {
    while (pos > floor) {
        std::size_t start = pos - 1;
        while (start > floor && (static_cast<std::uint8_t>(text[start]) & 0xC0) == 0x80 && pos - start < 4)
            --start;
        const Utf8Char c = readUtf8(text, start);
        if (c.kind != Utf8Kind::Valid || start + c.length != pos || !isUnicodeWhiteSpace(c.codePoint))
            break;
        pos = start;
    }
    return pos;
}

/// End of the white space that starts at text[pos], for rstrip.
std::size_t skipWhiteSpaceForward(std::string_view text, std::size_t pos) {
    while (pos < text.size()) {
        const Utf8Char c = readUtf8(text, pos);
        if (c.kind != Utf8Kind::Valid || !isUnicodeWhiteSpace(c.codePoint))
            break;
        pos += c.length;
    }
    return pos;
}

} // namespace

std::int32_t AddedTokenMatcher::child(std::int32_t node, std::uint8_t byte) const {
    for (const auto& [b, next] : m_nodes[static_cast<std::size_t>(node)].children)
        if (b == byte)
            return next;
    return -1;
}

void AddedTokenMatcher::add(std::string_view content, TokenId id, bool lstrip, bool rstrip) {
    if (content.empty())
        return;
    std::int32_t node = 0;
    for (const char ch : content) {
        const auto byte = static_cast<std::uint8_t>(ch);
        std::int32_t next = child(node, byte);
        if (next < 0) {
            next = static_cast<std::int32_t>(m_nodes.size());
            m_nodes[static_cast<std::size_t>(node)].children.emplace_back(byte, next);
            m_nodes.emplace_back();
        }
        node = next;
    }
    Node& leaf = m_nodes[static_cast<std::size_t>(node)];
    leaf.id = id;
    leaf.lstrip = lstrip;
    leaf.rstrip = rstrip;
    m_firstByte[static_cast<std::uint8_t>(content.front())] = true;
}

void AddedTokenMatcher::split(const std::vector<Segment>& in, std::vector<Segment>& out) const {
    out.clear();
    for (const Segment& s : in) {
        if (s.id >= 0)
            out.push_back(s);
        else if (!s.text.empty())
            splitText(s.text, out);
    }
}

void AddedTokenMatcher::splitText(std::string_view text, std::vector<Segment>& out) const {
    std::size_t textStart = 0; // start of the text not yet emitted
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (!m_firstByte[static_cast<std::uint8_t>(text[pos])]) {
            ++pos;
            continue;
        }
        // Longest token starting at pos.
        std::int32_t node = 0;
        std::int32_t best = -1;
        std::size_t bestEnd = 0;
        for (std::size_t i = pos; i < text.size(); ++i) {
            node = child(node, static_cast<std::uint8_t>(text[i]));
            if (node < 0)
                break;
            if (m_nodes[static_cast<std::size_t>(node)].id >= 0) {
                best = node;
                bestEnd = i + 1;
            }
        }
        if (best < 0) {
            ++pos;
            continue;
        }
        const Node& token = m_nodes[static_cast<std::size_t>(best)];
        const std::size_t begin = token.lstrip ? skipWhiteSpaceBack(text, textStart, pos) : pos;
        const std::size_t end = token.rstrip ? skipWhiteSpaceForward(text, bestEnd) : bestEnd;
        if (begin > textStart)
            out.push_back({text.substr(textStart, begin - textStart), -1});
        out.push_back({text.substr(begin, end - begin), token.id});
        textStart = pos = end;
    }
    if (textStart < text.size())
        out.push_back({text.substr(textStart), -1});
}

} // namespace ws::detail
