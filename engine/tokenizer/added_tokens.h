// Added tokens: a byte trie that finds them in raw text, leftmost then longest (HF's AddedVocabulary).
#pragma once

#include "whalesong/tokenizer.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ws::detail {

/// One stretch of the input: an added token (id >= 0) or text still to pre-tokenize (id < 0).
struct Segment {
    std::string_view text;
    TokenId id;
};

/// A set of added tokens. Immutable after the add() calls; split() is safe from several threads.
class AddedTokenMatcher {
  public:
    /// Adds a token; `lstrip`/`rstrip` swallow the white space before/after it, as in HF.
    void add(std::string_view content, TokenId id, bool lstrip, bool rstrip);
    bool empty() const { return m_nodes.size() <= 1; }

    /// Cuts the text segments of `in` (id < 0) around the tokens, leftmost-longest; token segments pass
    /// through. Empty text segments are dropped.
    void split(const std::vector<Segment>& in, std::vector<Segment>& out) const;

  private:
    struct Node {
        std::vector<std::pair<std::uint8_t, std::int32_t>> children;
        TokenId id = -1;
        bool lstrip = false;
        bool rstrip = false;
    };
    std::int32_t child(std::int32_t node, std::uint8_t byte) const;
    void splitText(std::string_view text, std::vector<Segment>& out) const;

    std::vector<Node> m_nodes{Node{}}; ///< node 0 is the root
    std::array<bool, 256> m_firstByte{};
};

} // namespace ws::detail
