// The grammar's internal form and its parser.
//
// Cfg: rules of alternatives; an alternative is a run of elements in one flat array, ended by End. An element
// matches one byte of a class (Bytes), one special token (Symbol), or a whole rule (Call).
//
// Automaton: the parser is a set of stacks (a generalised pushdown automaton, as llama.cpp's grammar sampler and
// xgrammar are). A stack is a chain of element positions, hash-consed into ids (id 0 is the empty stack: the
// sentence is complete); the top of every stack in a state is a terminal (Bytes or Symbol). A call whose
// continuation is End is a tail call (the caller's frame is dropped), so repetition written as right recursion
// keeps the depth constant and the states repeat — which is what makes the mask caches hit.
#pragma once

#include <bitset>
#include <deque>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "whalesong/grammar.h"

namespace ws::grammar {

struct Elem {
    enum class Kind : std::uint8_t { End, Bytes, Symbol, Call };
    Kind kind = Kind::End;
    std::uint32_t arg = 0; ///< Bytes: class index; Symbol: token id; Call: rule index
};

using ByteClass = std::bitset<256>;

/// A bounded repetition written as a chain of rules (a JSON string of minLength..maxLength characters): rules[k]
/// stands for "k repetitions written"; its alternatives are the exit alternatives (when k >= min) and the body
/// alternatives, each ending in a call of rules[k+1] (when k < max). `unbounded` is the same repetition without
/// bounds (the body alternatives call it again; the exits are always there). The automaton walks the vocabulary
/// once from `unbounded` and derives every position of the chain from that walk (see Automaton::local).
struct Chain {
    std::vector<std::uint32_t> rules; ///< max + 1 rules
    std::uint32_t unbounded = 0;
    std::size_t min = 0, max = 0;
};

struct Cfg {
    std::vector<Elem> elems;
    std::vector<std::vector<std::uint32_t>> alts; ///< per rule: the first element of each alternative
    std::vector<std::string> names;               ///< per rule (a schema path, for messages)
    std::vector<ByteClass> classes;
    std::vector<Chain> chains;
    std::uint32_t root = 0;
};

/// Builds a Cfg. An item of an alternative: a literal, a byte class, a rule call or a special token.
class Builder {
public:
    struct Item {
        enum class Kind { Literal, Class, Call, Symbol } kind;
        std::string literal;
        ByteClass cls;
        std::uint32_t arg = 0;
    };
    static Item lit(std::string_view s) { return {Item::Kind::Literal, std::string(s), {}, 0}; }
    static Item cls(const ByteClass& c) { return {Item::Kind::Class, {}, c, 0}; }
    static Item call(std::uint32_t rule) { return {Item::Kind::Call, {}, {}, rule}; }
    static Item symbol(std::uint32_t token) { return {Item::Kind::Symbol, {}, {}, token}; }
    /// A class from ranges written like a regex class body: "a-z0-9_" (no escapes; '-' first or last is itself).
    static ByteClass range(std::string_view spec);

    std::uint32_t rule(std::string name); ///< a new rule with no alternatives yet
    void alt(std::uint32_t rule, const std::vector<Item>& items);
    /// Declares a chain (see Chain); the automaton checks its shape and ignores one that does not fit.
    void chain(Chain c) { m_cfg.chains.push_back(std::move(c)); }
    /// Removes alternatives that can never finish (calls of rules without a finite derivation) and checks that no
    /// rule calls itself before consuming input (left recursion). Errors name the rule.
    Status finish(std::uint32_t root);
    Cfg take() { return std::move(m_cfg); }
    const Cfg& cfg() const { return m_cfg; }

private:
    std::uint32_t classIndex(const ByteClass& c);
    Cfg m_cfg;
    std::vector<std::vector<std::vector<Item>>> m_pending; ///< per rule, its alternatives until finish()
};

/// The parser and the mask caches of one grammar over one vocabulary. Thread-safe (one mutex).
class Automaton {
public:
    Automaton(const Cfg& cfg, std::shared_ptr<const TokenVocabulary> vocab);
    ~Automaton();
    Automaton(const Automaton&) = delete;
    Automaton& operator=(const Automaton&) = delete;

    /// The start state (sorted stack ids).
    std::vector<std::uint32_t> start();
    /// The state after `bytes` from `state` (empty: rejected).
    std::vector<std::uint32_t> advance(const std::vector<std::uint32_t>& state, std::string_view bytes);
    /// The state after a special token.
    std::vector<std::uint32_t> advanceSymbol(const std::vector<std::uint32_t>& state, std::uint32_t token);
    /// The allowed-token mask of a state (one bit per id).
    void mask(const std::vector<std::uint32_t>& state, std::vector<std::uint64_t>& out);
    /// Whether `state` holds the empty stack / can take another byte or symbol.
    static bool accepting(const std::vector<std::uint32_t>& state) { return !state.empty() && state.front() == 0; }
    static bool canContinue(const std::vector<std::uint32_t>& state);

    /// Walks the vocabulary from every position of every repetition rule (see RepeatWalk) and keeps the walks in
    /// the vocabulary, where every later grammar with the same repetitions finds them (prepareJsonWalks).
    void prepareRepetitions();

    struct Stats {
        std::size_t stacks = 0, localWalks = 0, stateMaskHits = 0, stateMaskMisses = 0;
    };
    Stats stats();

private:
    struct Node {
        std::uint32_t elem, parent;
    };
    struct Local; // per terminal position: tokens that stay inside its rule, and where that rule can end
    struct RepeatWalk; // per terminal position of a repetition rule: its walk, with repetitions counted
    struct ChainPosition {
        std::uint32_t chain = 0, k = 0; ///< the chain, and the index of the position's rule in it
        std::uint32_t unboundedElem = 0; ///< the same position in the unbounded rule
    };
    /// A repetition rule: alternatives of bytes that call the rule again (bodies), and alternatives of at most one
    /// byte (exits) — JSON's string characters, digits, indentation; a chain's unbounded rule is one. Its walks
    /// depend on its shape only, so they are shared through the vocabulary.
    struct Repetition {
        std::string shape;                ///< its alternatives' byte classes written out (the key of shared walks)
        std::vector<std::uint32_t> start; ///< the state at the rule's start
    };

    std::uint32_t push(std::uint32_t parent, std::uint32_t elem);
    void normalize(std::uint32_t id, std::vector<std::uint32_t>& out, int depth);
    const std::vector<std::uint32_t>& step(std::uint32_t id, std::uint32_t byte);
    void growTransitions(std::size_t slot); ///< m_trans to hold `slot`
    void stepSet(const std::vector<std::uint32_t>& in, std::uint32_t byte, std::vector<std::uint32_t>& out);
    const Local& local(std::uint32_t elem);
    void findRepetitions();
    void findChainPositions();
    const RepeatWalk& repeatWalk(std::uint32_t rule, std::uint32_t elem);
    void walk(std::uint32_t node, const std::vector<std::uint32_t>& state, std::vector<std::uint64_t>& out,
              std::size_t depth);
    void maskLocked(const std::vector<std::uint32_t>& state, std::vector<std::uint64_t>& out);

    const Cfg& m_cfg;
    std::shared_ptr<const TokenVocabulary> m_vocab;
    std::size_t m_words;
    std::mutex m_mutex;
    std::vector<Node> m_nodes;
    std::unordered_map<std::uint64_t, std::uint32_t> m_intern;
    /// step(): per stack id, 256 slots (-1: not computed yet) indexing m_stepResults (0: the empty result).
    std::vector<std::int32_t> m_trans;
    std::deque<std::vector<std::uint32_t>> m_stepResults; ///< a deque: references stay valid as it grows
    std::unordered_map<std::uint32_t, std::unique_ptr<Local>> m_locals;
    std::unordered_map<std::uint32_t, ChainPosition> m_chainPositions; ///< terminal elem of a chain rule → where
    std::unordered_map<std::uint32_t, std::shared_ptr<const RepeatWalk>> m_repeatWalks; ///< by elem
    std::unordered_map<std::uint32_t, Repetition> m_repetitions; ///< by rule
    std::vector<std::uint32_t> m_ruleOf; ///< per element: its rule
    std::vector<std::vector<std::uint32_t>> m_scratch; ///< per walk depth
    struct StateHash {
        std::size_t operator()(const std::vector<std::uint32_t>& v) const;
    };
    std::unordered_map<std::vector<std::uint32_t>, std::vector<std::uint64_t>, StateHash> m_stateMasks;
    Stats m_stats;
};

} // namespace ws::grammar
