// TokenVocabulary (the byte trie), Grammar's shared parts, and GrammarMatcher (one generation's state and mask).
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "grammar/cfg.h"
#include "whalesong/grammar.h"

namespace ws {

std::shared_ptr<const TokenVocabulary> TokenVocabulary::build(const Tokenizer& tokenizer) {
    std::vector<std::string> bytes(tokenizer.size());
    std::vector<bool> special(tokenizer.size());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        bytes[i] = tokenizer.tokenBytes(static_cast<TokenId>(i));
        special[i] = tokenizer.isSpecial(static_cast<TokenId>(i));
    }
    return fromTokens(std::move(bytes), std::move(special), tokenizer.eos());
}

std::shared_ptr<const TokenVocabulary> TokenVocabulary::fromTokens(std::vector<std::string> bytes,
                                                                   std::vector<bool> special, TokenId eos) {
    auto v = std::make_shared<TokenVocabulary>();
    v->size = bytes.size();
    v->eos = eos;
    v->bytes = std::move(bytes);
    v->isSpecial = std::move(special);
    v->isSpecial.resize(v->size, false);
    struct Temp {
        std::vector<std::pair<std::uint8_t, std::uint32_t>> kids;
        std::vector<TokenId> tokens;
    };
    std::vector<Temp> temp(1);
    for (std::size_t i = 0; i < v->size; ++i) {
        const auto id = static_cast<TokenId>(i);
        if (v->isSpecial[i] || id == eos) continue;
        const std::string& b = v->bytes[i];
        if (b.empty()) continue;
        v->maxLength = std::max(v->maxLength, b.size());
        std::uint32_t node = 0;
        for (const char ch : b) {
            const auto byte = static_cast<std::uint8_t>(ch);
            const auto& kids = temp[node].kids;
            const auto it = std::find_if(kids.begin(), kids.end(), [byte](const auto& k) { return k.first == byte; });
            if (it != kids.end()) {
                node = it->second;
                continue;
            }
            const auto child = static_cast<std::uint32_t>(temp.size());
            temp[node].kids.emplace_back(byte, child);
            temp.emplace_back(); // invalidates `kids`, no longer used
            node = child;
        }
        temp[node].tokens.push_back(id);
    }
    v->nodes.resize(temp.size());
    for (std::size_t n = 0; n < temp.size(); ++n) {
        auto& t = temp[n];
        std::sort(t.kids.begin(), t.kids.end());
        Node& out = v->nodes[n];
        out.firstChild = static_cast<std::uint32_t>(v->childBytes.size());
        out.childCount = static_cast<std::uint32_t>(t.kids.size());
        for (const auto& [b, c] : t.kids) {
            v->childBytes.push_back(b);
            v->childNodes.push_back(c);
        }
        out.firstToken = static_cast<std::uint32_t>(v->nodeTokens.size());
        out.tokenCount = static_cast<std::uint32_t>(t.tokens.size());
        v->nodeTokens.insert(v->nodeTokens.end(), t.tokens.begin(), t.tokens.end());
    }
    return v;
}

void prepareJsonWalks(const std::shared_ptr<const TokenVocabulary>& vocab) {
    // Any JSON value holds every repetition rule that JSON grammars share (strings, digits, indentation): the walks
    // stay in the vocabulary when this automaton goes.
    const auto json = Grammar::anyJson(false);
    if (json) grammar::Automaton(json->cfg(), vocab).prepareRepetitions();
}

Grammar::Grammar(std::unique_ptr<grammar::Cfg> cfg) : m_cfg(std::move(cfg)) {}
Grammar::~Grammar() = default;

std::shared_ptr<grammar::Automaton> Grammar::automaton(const std::shared_ptr<const TokenVocabulary>& vocab) const {
    std::lock_guard lock(m_mutex);
    std::erase_if(m_automata, [](const auto& e) { return e.first.expired(); });
    for (const auto& [v, a] : m_automata)
        if (v.lock() == vocab) return a;
    auto a = std::make_shared<grammar::Automaton>(*m_cfg, vocab);
    m_automata.emplace_back(vocab, a);
    return a;
}

std::string Grammar::describe() const {
    using grammar::Elem;
    const grammar::Cfg& g = *m_cfg;
    const auto cls = [&](const grammar::ByteClass& c) {
        if (c.count() == 1)
            for (unsigned b = 0; b < 256; ++b)
                if (c[b]) {
                    if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') return "\"" + std::string(1, char(b)) + "\"";
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\x%02X", b);
                    return "\"" + std::string(buf) + "\"";
                }
        std::string s = "[";
        for (unsigned b = 0; b < 256;) {
            if (!c[b]) {
                ++b;
                continue;
            }
            unsigned e = b;
            while (e + 1 < 256 && c[e + 1]) ++e;
            char buf[16];
            std::snprintf(buf, sizeof buf, e == b ? "\\x%02X" : "\\x%02X-\\x%02X", b, e);
            s += buf;
            b = e + 1;
        }
        return s + "]";
    };
    std::string out;
    for (std::size_t r = 0; r < g.alts.size(); ++r) {
        out += "r" + std::to_string(r) + " (" + g.names[r] + ") ::=";
        for (std::size_t a = 0; a < g.alts[r].size(); ++a) {
            out += a ? " |" : "";
            for (std::uint32_t p = g.alts[r][a]; g.elems[p].kind != Elem::Kind::End; ++p) {
                const Elem& e = g.elems[p];
                if (e.kind == Elem::Kind::Bytes) out += " " + cls(g.classes[e.arg]);
                else if (e.kind == Elem::Kind::Call) out += " r" + std::to_string(e.arg);
                else out += " <token " + std::to_string(e.arg) + ">";
            }
        }
        out += "\n";
    }
    return out;
}

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenVocabulary> vocab)
    : m_grammar(std::move(grammar)), m_vocab(std::move(vocab)), m_automaton(m_grammar->automaton(m_vocab)),
      m_state(m_automaton->start()) {}

GrammarMatcher::~GrammarMatcher() = default;

const std::vector<std::uint64_t>& GrammarMatcher::allowedTokens() {
    if (!m_maskValid) {
        m_automaton->mask(m_state, m_mask);
        m_maskValid = true;
    }
    return m_mask;
}

std::size_t GrammarMatcher::maskLogits(std::span<float> logits) {
    const auto& m = allowedTokens();
    constexpr float kOut = -std::numeric_limits<float>::infinity();
    const std::size_t n = std::min(logits.size(), m_vocab->size);
    std::size_t allowed = 0;
    // A word at a time: masks are mostly all-allowed (inside a string) or all-refused (between values) words.
    for (std::size_t w = 0; w * 64 < n; ++w) {
        const std::size_t base = w * 64, end = std::min(base + 64, n);
        const std::uint64_t valid = end - base < 64 ? (std::uint64_t{1} << (end - base)) - 1 : ~std::uint64_t{0};
        const std::uint64_t bits = m[w] & valid;
        allowed += static_cast<std::size_t>(std::popcount(bits));
        if (bits == valid) continue;
        float* row = logits.data() + base;
        if (std::popcount(bits) >= 32) { // refuse the few refused ones
            for (std::uint64_t z = ~bits & valid; z; z &= z - 1) row[std::countr_zero(z)] = kOut;
            continue;
        }
        // keep the few allowed ones
        float kept[64];
        for (std::uint64_t b = bits; b; b &= b - 1) kept[std::countr_zero(b)] = row[std::countr_zero(b)];
        std::fill(row, row + (end - base), kOut);
        for (std::uint64_t b = bits; b; b &= b - 1) row[std::countr_zero(b)] = kept[std::countr_zero(b)];
    }
    std::fill(logits.begin() + static_cast<std::ptrdiff_t>(n), logits.end(), kOut); // beyond the vocabulary
    return allowed;
}

bool GrammarMatcher::accept(TokenId id) {
    if (id < 0 || static_cast<std::size_t>(id) >= m_vocab->size) return false;
    const auto i = static_cast<std::size_t>(id);
    if (id == m_vocab->eos) {
        if (!canEnd()) return false;
        m_state.clear(); // over: nothing more is allowed
        m_maskValid = false;
        return true;
    }
    std::vector<std::uint32_t> next;
    if (m_vocab->isSpecial[i]) next = m_automaton->advanceSymbol(m_state, static_cast<std::uint32_t>(id));
    else if (!m_vocab->bytes[i].empty()) next = m_automaton->advance(m_state, m_vocab->bytes[i]);
    if (next.empty()) return false;
    m_state = std::move(next);
    m_maskValid = false;
    return true;
}

bool GrammarMatcher::allows(TokenId id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= m_vocab->size) return false;
    const auto i = static_cast<std::size_t>(id);
    if (id == m_vocab->eos) return canEnd();
    if (m_vocab->isSpecial[i]) return !m_automaton->advanceSymbol(m_state, static_cast<std::uint32_t>(id)).empty();
    return !m_vocab->bytes[i].empty() && !m_automaton->advance(m_state, m_vocab->bytes[i]).empty();
}

bool GrammarMatcher::acceptBytes(std::string_view bytes) {
    std::vector<std::uint32_t> next = m_automaton->advance(m_state, bytes);
    if (next.empty()) return false;
    m_state = std::move(next);
    m_maskValid = false;
    return true;
}

bool GrammarMatcher::canEnd() const { return grammar::Automaton::accepting(m_state); }

bool GrammarMatcher::finished() const { return canEnd() && !grammar::Automaton::canContinue(m_state); }

} // namespace ws
