// Byte-level BPE (HF tokenizers models/bpe/word.rs merge_all): lowest rank first, leftmost on ties.
#include "tokenizer/bpe.h"

#include "tokenizer/byte_level.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace ws::detail {
namespace {

/// Min-heap order on (rank, pos), the order HF pops merges in.
bool laterCandidate(const BpeScratch::Candidate& a, const BpeScratch::Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
}

} // namespace

namespace {

std::string mergeAt(const std::string& file, std::size_t i) {
    return file + ": model.merges[" + std::to_string(i) + "]";
}

} // namespace

Status Bpe::splitMerge(const std::string& line, std::size_t i, const std::string& file, MergePair& out) {
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
        return {Code::FormatError, mergeAt(file, i) + " \"" + line + "\" is not two tokens separated by a space"};
    out.first.assign(line, 0, space);
    out.second.assign(line, space + 1);
    return Status::ok();
}

Status Bpe::readMerges(const nlohmann::json& merges, const std::string& file, std::vector<MergePair>& out) {
    if (!merges.is_array())
        return {Code::FormatError, file + ": model.merges is not an array"};
    out.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const nlohmann::json& m = merges[i];
        MergePair pair;
        if (m.is_string()) {
            WS_TRY(splitMerge(m.get_ref<const std::string&>(), i, file, pair));
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            pair = {m[0].get<std::string>(), m[1].get<std::string>()};
        } else {
            return {Code::FormatError, mergeAt(file, i) + " is neither \"a b\" nor [\"a\", \"b\"]"};
        }
        out.push_back(std::move(pair));
    }
    return Status::ok();
}

Result<Bpe> Bpe::build(const StringIdMap& vocab, std::span<const MergePair> merges, bool ignoreMerges,
                       const std::string& file) {
    Bpe bpe;
    bpe.m_ignoreMerges = ignoreMerges;
    bpe.m_byteIds.fill(-1);
    for (int b = 0; b < 256; ++b) {
        const std::string token = bytesToByteLevel(std::string(1, static_cast<char>(b)));
        if (const auto it = vocab.find(token); it != vocab.end())
            bpe.m_byteIds[static_cast<std::size_t>(b)] = it->second;
    }
    if (ignoreMerges) {
        for (const auto& [token, id] : vocab)
            bpe.m_rawVocab.emplace(tokenStringToBytes(token), id);
    }

    bpe.m_merges.reserve(merges.size());
    std::string joined;
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const auto& [left, right] = merges[i];
        joined.assign(left).append(right);
        const auto l = vocab.find(left);
        const auto r = vocab.find(right);
        const auto merged = vocab.find(joined);
        if (l == vocab.end() || r == vocab.end() || merged == vocab.end()) {
            const std::string& missing = l == vocab.end() ? left : r == vocab.end() ? right : joined;
            return {Code::FormatError, mergeAt(file, i) + ": token \"" + missing + "\" is not in model.vocab"};
        }
        // A repeated pair takes its last rank, as HF's collect() into a HashMap does.
        bpe.m_merges[key(l->second, r->second)] = Merge{static_cast<std::int32_t>(i), merged->second};
    }
    return bpe;
}

void Bpe::encode(std::string_view piece, std::vector<TokenId>& out, BpeScratch& scratch) const {
    if (piece.empty())
        return;
    if (m_ignoreMerges) {
        if (const auto it = m_rawVocab.find(piece); it != m_rawVocab.end()) {
            out.push_back(it->second);
            return;
        }
    }

    auto& symbols = scratch.symbols;
    auto& heap = scratch.heap;
    symbols.clear();
    heap.clear();
    for (const char ch : piece) {
        const TokenId id = m_byteIds[static_cast<std::uint8_t>(ch)];
        if (id < 0)
            continue; // no unk token and no byte fallback: HF drops the byte
        const auto n = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({id, n - 1, -1, true});
        if (n > 0)
            symbols[static_cast<std::size_t>(n - 1)].next = n;
    }
    if (symbols.size() == 1) {
        out.push_back(symbols[0].id);
        return;
    }

    const auto pushCandidate = [&](std::int32_t pos) {
        const auto& s = symbols[static_cast<std::size_t>(pos)];
        if (s.next < 0)
            return;
        const TokenId right = symbols[static_cast<std::size_t>(s.next)].id;
        const auto it = m_merges.find(key(s.id, right));
        if (it == m_merges.end())
            return;
        heap.push_back({it->second.rank, pos, s.id, right});
        std::push_heap(heap.begin(), heap.end(), laterCandidate);
    };
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
        pushCandidate(static_cast<std::int32_t>(i));

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), laterCandidate);
        const BpeScratch::Candidate c = heap.back();
        heap.pop_back();
        auto& left = symbols[static_cast<std::size_t>(c.pos)];
        // Skip candidates made stale by an earlier merge on either side.
        if (!left.live || left.id != c.left || left.next < 0)
            continue;
        auto& right = symbols[static_cast<std::size_t>(left.next)];
        if (right.id != c.right)
            continue;

        left.id = m_merges.find(key(c.left, c.right))->second.merged;
        right.live = false;
        left.next = right.next;
        if (right.next >= 0)
            symbols[static_cast<std::size_t>(right.next)].prev = c.pos;
        if (left.prev >= 0)
            pushCandidate(left.prev);
        pushCandidate(c.pos);
    }

    for (std::int32_t i = 0; i >= 0 && static_cast<std::size_t>(i) < symbols.size();
         i = symbols[static_cast<std::size_t>(i)].next)
        out.push_back(symbols[static_cast<std::size_t>(i)].id);
}

} // namespace ws::detail
