// Byte-level BPE model: merge ranks keyed by id pairs and the per-piece merge loop of HF's models/bpe.
#pragma once

#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ws::detail {

/// Hash and equality that let an unordered_map<std::string, ...> be searched with a string_view.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using StringIdMap = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

/// One merge of tokenizer.json's model.merges: the left and right token strings.
using MergePair = std::pair<std::string, std::string>;

/// Work buffers of one encode() call, reused from piece to piece.
struct BpeScratch {
    struct Symbol {
        TokenId id;
        std::int32_t prev; ///< index of the previous live symbol, -1 at the start
        std::int32_t next; ///< index of the next live symbol, -1 at the end
        bool live;
    };
    struct Candidate {
        std::int32_t rank;
        std::int32_t pos; ///< index of the left symbol
        TokenId left;
        TokenId right;
    };
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
};

/// The merge table of a BPE model. Immutable after build(); encode() is safe from several threads.
class Bpe {
  public:
    /// `vocab` maps token strings (byte-level alphabet, as in tokenizer.json) to ids; `merges` in rank order.
    /// `file` names tokenizer.json in error messages.
    static Result<Bpe> build(const StringIdMap& vocab, std::span<const MergePair> merges, bool ignoreMerges,
                             const std::string& file);
    /// model.merges[i] given as the string "a b" (exactly one space), into `out`.
    static Status splitMerge(const std::string& line, std::size_t i, const std::string& file, MergePair& out);
    /// The JSON array model.merges of "a b" strings or [a, b] pairs, into `out`; at an entry of the wrong shape,
    /// its error, with the entries before it in `out`.
    static Status readMerges(const nlohmann::json& merges, const std::string& file, std::vector<MergePair>& out);

    /// Appends the ids of one pre-tokenized piece (raw bytes) to `out`.
    void encode(std::string_view piece, std::vector<TokenId>& out, BpeScratch& scratch) const;

  private:
    struct Merge {
        std::int32_t rank;
        TokenId merged;
    };
    static std::uint64_t key(TokenId left, TokenId right) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
               static_cast<std::uint32_t>(right);
    }

    std::array<TokenId, 256> m_byteIds{}; ///< id of each single byte, -1 if the vocab lacks it
    std::unordered_map<std::uint64_t, Merge> m_merges;
    bool m_ignoreMerges = false; ///< HF `ignore_merges`: a whole piece in the vocab wins
    StringIdMap m_rawVocab;      ///< raw bytes -> id, filled only when m_ignoreMerges
};

} // namespace ws::detail
