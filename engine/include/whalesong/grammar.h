// Constrained decoding: a context-free grammar over bytes (and special tokens) that restricts which tokens may be
// sampled next, so that the output stays valid JSON, satisfies a JSON Schema, or follows a tool-call syntax.
//
// A grammar is compiled once (from a JSON Schema, or "any JSON"); a GrammarMatcher follows one generation. The
// allowed-token mask is computed over a trie of the vocabulary's byte strings, and cached in two levels (see
// grammar/matcher.cpp): per grammar position, the tokens that stay inside the innermost rule (computed once for
// every generation of the grammar), and per parser state, the whole mask.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "whalesong/status.h"
#include "whalesong/tokenizer.h"

namespace ws {

namespace grammar {
struct Cfg;
class Automaton;
} // namespace grammar
class TokenVocabulary;

/// DeepSeek-V3's tool-call markers (tokens of its vocabulary; plain text to the grammar and the parser).
inline constexpr std::string_view kToolCallsBegin = "<｜tool▁calls▁begin｜>";
inline constexpr std::string_view kToolCallsEnd = "<｜tool▁calls▁end｜>";
inline constexpr std::string_view kToolCallBegin = "<｜tool▁call▁begin｜>";
inline constexpr std::string_view kToolCallEnd = "<｜tool▁call▁end｜>";
inline constexpr std::string_view kToolSep = "<｜tool▁sep｜>";

/// A function the model may call: its name and the JSON Schema of its arguments.
struct ToolSpec {
    std::string name;
    nlohmann::ordered_json parameters;
};

/// A compiled grammar (immutable; shared by every generation that uses it; thread-safe).
class Grammar {
public:
    /// Any JSON value, or (`objectOnly`) any JSON object: response_format {"type": "json_object"}.
    static std::shared_ptr<const Grammar> anyJson(bool objectOnly);
    /// The JSON texts that satisfy `schema` (the subset OpenAI's and DeepSeek's structured outputs accept: type,
    /// properties, required, additionalProperties, enum, const, anyOf/oneOf, $ref/$defs, items, prefixItems,
    /// minItems/maxItems, minLength/maxLength, nullable). A keyword that constrains values and is not supported is
    /// an error naming its path below `where` ("response_format.json_schema.schema.properties.age.minimum").
    /// Properties are written in the schema's order (hence ordered_json).
    static Result<std::shared_ptr<const Grammar>> fromJsonSchema(const nlohmann::ordered_json& schema,
                                                                 const std::string& where);
    /// DeepSeek-V3's tool-call syntax: one call (several, with `parallel`) of one of `tools`, its arguments
    /// satisfying that tool's parameters, then the end of the calls. Errors name "WHERE[i].function.parameters…".
    static Result<std::shared_ptr<const Grammar>> toolCalls(const std::vector<ToolSpec>& tools, bool parallel,
                                                            const std::string& where);
    ~Grammar();

    /// The rules in a GBNF-like text (for diagnostics and tests).
    std::string describe() const;
    const grammar::Cfg& cfg() const { return *m_cfg; }

    explicit Grammar(std::unique_ptr<grammar::Cfg> cfg);
    /// The parser and mask caches of this grammar over `vocab` (made on first use, shared by its matchers).
    std::shared_ptr<grammar::Automaton> automaton(const std::shared_ptr<const TokenVocabulary>& vocab) const;

private:
    std::unique_ptr<grammar::Cfg> m_cfg;
    mutable std::mutex m_mutex;
    mutable std::vector<std::pair<std::weak_ptr<const TokenVocabulary>, std::shared_ptr<grammar::Automaton>>>
        m_automata;
};

/// A tokenizer's vocabulary as a byte trie (built once per tokenizer, ~0.1 s for 129K tokens; thread-safe).
class TokenVocabulary {
public:
    static std::shared_ptr<const TokenVocabulary> build(const Tokenizer& tokenizer);
    /// From the bytes of each id; `special[i]` marks ids matched only whole (by a grammar's symbol), `eos` may be -1.
    static std::shared_ptr<const TokenVocabulary> fromTokens(std::vector<std::string> bytes, std::vector<bool> special,
                                                             TokenId eos);

    struct Node {
        std::uint32_t firstChild = 0; ///< into childBytes / childNodes
        std::uint32_t childCount = 0;
        std::uint32_t firstToken = 0; ///< into nodeTokens: the ids whose bytes end here
        std::uint32_t tokenCount = 0;
    };
    std::vector<Node> nodes; ///< nodes[0] is the root (the empty string)
    std::vector<std::uint8_t> childBytes;
    std::vector<std::uint32_t> childNodes;
    std::vector<TokenId> nodeTokens;
    std::vector<std::string> bytes; ///< per id: the token's bytes
    std::vector<bool> isSpecial;    ///< per id: a special token (matched whole, by a grammar's symbol only)
    std::size_t size = 0; ///< ids 0..size-1
    std::size_t maxLength = 0; ///< the longest token, in bytes (the trie's depth)
    TokenId eos = -1;

    /// Walks of the trie that depend only on the shape of a rule, shared by every grammar over this vocabulary:
    /// the repetitions of JSON strings, digits and indentation are the same in every schema (grammar/cfg.cpp keys
    /// them by that shape). Filled on demand, under the mutex.
    mutable std::mutex sharedWalksMutex;
    mutable std::unordered_map<std::string, std::shared_ptr<const void>> sharedWalks;
};

/// Walks `vocab` for the repetitions that every JSON grammar shares — string characters, digits, indentation — and
/// keeps the walks in it (sharedWalks): the first structured request then finds them done, and only the positions
/// of its own schema remain to walk. Once per vocabulary (~0.1 s for DeepSeek-V3's; Model::tokenVocabulary does it).
void prepareJsonWalks(const std::shared_ptr<const TokenVocabulary>& vocab);

/// Follows one generation through a grammar: which tokens may come next, and the state after each token. Not
/// thread-safe (one per generation); matchers of one grammar share its caches.
class GrammarMatcher {
public:
    GrammarMatcher(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const TokenVocabulary> vocab);
    ~GrammarMatcher();
    GrammarMatcher(const GrammarMatcher&) = delete;
    GrammarMatcher& operator=(const GrammarMatcher&) = delete;

    /// One bit per token id (bit i of word i/64): the tokens allowed now. EOS is allowed exactly when the text so
    /// far is a complete sentence of the grammar.
    const std::vector<std::uint64_t>& allowedTokens();
    /// Sets every disallowed logit to -inf (logits beyond the vocabulary too). Returns how many stay allowed.
    std::size_t maskLogits(std::span<float> logits);
    /// Whether accept(id) would succeed, found by stepping through the token's bytes (no mask: the brute-force
    /// reference of allowedTokens()).
    bool allows(TokenId id) const;
    /// Advances over `id`; false (and no change) when the token is not allowed.
    bool accept(TokenId id);
    /// Advances over raw bytes (tests, and text forced into the output); false and no change when not allowed.
    bool acceptBytes(std::string_view bytes);
    /// The text so far is a complete sentence (EOS allowed).
    bool canEnd() const;
    /// Complete, and no further byte or token could follow: only EOS remains.
    bool finished() const;

private:
    std::shared_ptr<const Grammar> m_grammar;
    std::shared_ptr<const TokenVocabulary> m_vocab;
    std::shared_ptr<grammar::Automaton> m_automaton;
    std::vector<std::uint32_t> m_state; ///< sorted stack ids
    std::vector<std::uint64_t> m_mask;
    bool m_maskValid = false;
};

} // namespace ws
