// Builder (rules → flat Cfg, pruned and checked) and Automaton (the stack-set parser and its mask caches).
//
// The mask of a state is the union, over its stacks, of two parts (the idea of xgrammar's context-independent
// tokens, in a simpler form):
//  - Local(p), per terminal position p, computed once per grammar: a walk of the vocabulary trie from the stack
//    [p] alone. Tokens consumed without leaving p's rule go into `inside`; where the rule can end with bytes of
//    the token left, the trie node of the next byte is recorded as an exit (grouped by that byte).
//  - At run time the exits are continued with the real rest of the stack: only the exits whose byte that rest can
//    take are walked (after a JSON string's closing quote: ',', '}', ']' or whitespace), a small part of the trie.
// Whole masks are also cached per state: inside a string or a number the state repeats from token to token.
#include "grammar/cfg.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>

namespace ws::grammar {

ByteClass Builder::range(std::string_view spec) {
    ByteClass c;
    for (std::size_t i = 0; i < spec.size(); ++i) {
        const auto lo = static_cast<unsigned char>(spec[i]);
        if (i + 2 < spec.size() && spec[i + 1] == '-') {
            const auto hi = static_cast<unsigned char>(spec[i + 2]);
            for (unsigned b = lo; b <= hi; ++b) c.set(b);
            i += 2;
        } else {
            c.set(lo);
        }
    }
    return c;
}

std::uint32_t Builder::rule(std::string name) {
    m_cfg.names.push_back(std::move(name));
    m_pending.emplace_back();
    return static_cast<std::uint32_t>(m_pending.size() - 1);
}

void Builder::alt(std::uint32_t rule, const std::vector<Item>& items) { m_pending.at(rule).push_back(items); }

std::uint32_t Builder::classIndex(const ByteClass& c) {
    for (std::size_t i = 0; i < m_cfg.classes.size(); ++i)
        if (m_cfg.classes[i] == c) return static_cast<std::uint32_t>(i);
    m_cfg.classes.push_back(c);
    return static_cast<std::uint32_t>(m_cfg.classes.size() - 1);
}

Status Builder::finish(std::uint32_t root) {
    const std::size_t n = m_pending.size();
    using Kind = Item::Kind;
    // Productive rules: those with a finite derivation. Alternatives calling an unproductive rule are dropped, so
    // that every state the parser can reach can still be completed.
    std::vector<bool> productive(n, false);
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t r = 0; r < n; ++r) {
            if (productive[r]) continue;
            for (const auto& a : m_pending[r]) {
                const bool ok = std::all_of(a.begin(), a.end(), [&](const Item& it) {
                    return it.kind != Kind::Call || productive[it.arg];
                });
                if (ok) {
                    productive[r] = changed = true;
                    break;
                }
            }
        }
    }
    if (!productive[root])
        return Status(Code::InvalidArgument, m_cfg.names[root] + " has no finite value (it requires itself)");
    for (std::size_t r = 0; r < n; ++r)
        std::erase_if(m_pending[r], [&](const std::vector<Item>& a) {
            return std::any_of(a.begin(), a.end(),
                               [&](const Item& it) { return it.kind == Kind::Call && !productive[it.arg]; });
        });
    // Left recursion: a rule that can reach itself before consuming a byte would expand forever.
    std::vector<bool> nullable(n, false);
    const auto itemNullable = [&](const Item& it) {
        return (it.kind == Kind::Literal && it.literal.empty()) || (it.kind == Kind::Call && nullable[it.arg]);
    };
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t r = 0; r < n; ++r)
            if (!nullable[r])
                for (const auto& a : m_pending[r])
                    if (std::all_of(a.begin(), a.end(), itemNullable)) {
                        nullable[r] = changed = true;
                        break;
                    }
    }
    std::vector<int> color(n, 0); // 0 new, 1 on the path, 2 done
    std::string cycle;
    std::function<bool(std::size_t)> visit = [&](std::size_t r) {
        color[r] = 1;
        for (const auto& a : m_pending[r])
            for (const Item& it : a) {
                if (it.kind == Kind::Call) {
                    if (color[it.arg] == 1) {
                        cycle = m_cfg.names[it.arg];
                        return false;
                    }
                    if (color[it.arg] == 0 && !visit(it.arg)) return false;
                }
                if (!itemNullable(it)) break;
            }
        color[r] = 2;
        return true;
    };
    for (std::size_t r = 0; r < n; ++r)
        if (color[r] == 0 && !visit(r))
            return Status(Code::InvalidArgument, cycle + " refers to itself before any value is written (left recursion)");
    // Flatten.
    m_cfg.alts.assign(n, {});
    for (std::size_t r = 0; r < n; ++r)
        for (const auto& a : m_pending[r]) {
            m_cfg.alts[r].push_back(static_cast<std::uint32_t>(m_cfg.elems.size()));
            for (const Item& it : a) switch (it.kind) {
                case Kind::Literal:
                    for (const char ch : it.literal) {
                        ByteClass c;
                        c.set(static_cast<unsigned char>(ch));
                        m_cfg.elems.push_back({Elem::Kind::Bytes, classIndex(c)});
                    }
                    break;
                case Kind::Class: m_cfg.elems.push_back({Elem::Kind::Bytes, classIndex(it.cls)}); break;
                case Kind::Call: m_cfg.elems.push_back({Elem::Kind::Call, it.arg}); break;
                case Kind::Symbol: m_cfg.elems.push_back({Elem::Kind::Symbol, it.arg}); break;
                }
            m_cfg.elems.push_back({Elem::Kind::End, 0});
        }
    m_cfg.root = root;
    m_pending.clear();
    return Status::ok();
}

// ---------------------------------------------------------------------------------------------------------------

struct Automaton::Local {
    std::vector<std::uint64_t> inside;
    std::vector<std::pair<std::uint8_t, std::uint32_t>> exits; ///< (next byte, trie node after it), by byte
};

/// The walk from a position of a repetition rule, with the repetitions completed on the way counted (a node where
/// the state is the rule's start again completes one). For a chain: a node where the walk goes on is reached from
/// rule k of the chain when k + need <= max, need being the count, plus one inside a repetition (rule k + count
/// must still have its bodies): `reachable[T]` holds the tokens of the nodes with need <= T. A node where the rule
/// can end (`ends`) counts when k + count is within [min, max]; its tokens are inside then, and its children exits.
/// Without bounds (the repetition rule itself), every node counts.
struct Automaton::RepeatWalk {
    std::vector<std::vector<std::uint64_t>> reachable; ///< by need: cumulative token bits
    std::vector<std::pair<std::uint32_t, std::uint32_t>> ends; ///< (trie node, count)
};

namespace {
constexpr int kMaxDepth = 2048;     ///< expansion depth: beyond it a path is dropped (never reached by our grammars)
constexpr std::size_t kMaxStateMasks = 256;

void sortUnique(std::vector<std::uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

void setBit(std::vector<std::uint64_t>& m, std::size_t i) { m[i >> 6] |= std::uint64_t{1} << (i & 63); }
} // namespace

std::size_t Automaton::StateHash::operator()(const std::vector<std::uint32_t>& v) const {
    std::size_t h = v.size();
    for (std::uint32_t x : v) h = (h ^ x) * 0x100000001b3ull;
    return h;
}

Automaton::Automaton(const Cfg& cfg, std::shared_ptr<const TokenVocabulary> vocab)
    : m_cfg(cfg), m_vocab(std::move(vocab)), m_words((m_vocab->size + 63) / 64) {
    m_nodes.push_back({0, 0}); // id 0: the empty stack
    m_stepResults.emplace_back(); // result 0: rejected
    // One stack set per trie depth, sized once: the walks hold references into it while they recurse.
    m_scratch.resize(m_vocab->maxLength + 2);
    m_ruleOf.assign(m_cfg.elems.size(), 0);
    for (std::uint32_t r = 0; r < m_cfg.alts.size(); ++r)
        for (const std::uint32_t a : m_cfg.alts[r])
            for (std::uint32_t i = a; i < m_cfg.elems.size(); ++i) {
                m_ruleOf[i] = r;
                if (m_cfg.elems[i].kind == Elem::Kind::End) break;
            }
    findRepetitions();
    findChainPositions();
}

void Automaton::findRepetitions() {
    const std::vector<Elem>& e = m_cfg.elems;
    for (std::uint32_t r = 0; r < m_cfg.alts.size(); ++r) {
        // Bodies: bytes, then a call of the rule itself; exits: one byte, or nothing.
        bool ok = !m_cfg.alts[r].empty(), body = false;
        std::string shape;
        for (const std::uint32_t a : m_cfg.alts[r]) {
            std::uint32_t n = 0;
            while (e[a + n].kind != Elem::Kind::End) ++n;
            const bool calls = n >= 2 && e[a + n - 1].kind == Elem::Kind::Call && e[a + n - 1].arg == r;
            if (!calls && n > 1) ok = false;
            for (std::uint32_t o = 0; o + (calls ? 1 : 0) < n; ++o) ok = ok && e[a + o].kind == Elem::Kind::Bytes;
            if (!ok) break;
            body = body || calls;
            for (std::uint32_t o = 0; o < n; ++o)
                shape += e[a + o].kind == Elem::Kind::Call ? std::string("@") : m_cfg.classes[e[a + o].arg].to_string();
            shape += '|';
        }
        if (!ok || !body) continue;
        std::vector<std::uint32_t> start;
        for (const std::uint32_t a : m_cfg.alts[r]) normalize(push(0, a), start, 0);
        sortUnique(start);
        m_repetitions.emplace(r, Repetition{std::move(shape), std::move(start)});
    }
}

void Automaton::findChainPositions() {
    const std::vector<Elem>& e = m_cfg.elems;
    const auto length = [&](std::uint32_t first) {
        std::uint32_t n = 0;
        while (e[first + n].kind != Elem::Kind::End) ++n;
        return n;
    };
    const auto calls = [&](std::uint32_t first, std::uint32_t n, std::uint32_t rule) {
        return n >= 2 && e[first + n - 1].kind == Elem::Kind::Call && e[first + n - 1].arg == rule;
    };
    for (std::uint32_t ci = 0; ci < m_cfg.chains.size(); ++ci) {
        const Chain& ch = m_cfg.chains[ci];
        const std::uint32_t u = ch.unbounded;
        // The unbounded rule must be a repetition rule: anything else would break the arithmetic below, and the
        // chain is then walked position by position, as any rule.
        if (ch.rules.size() != ch.max + 1 || !m_repetitions.contains(u)) continue;
        std::vector<std::uint32_t> bodies, exits;
        for (const std::uint32_t a : m_cfg.alts[u]) (calls(a, length(a), u) ? bodies : exits).push_back(a);
        // Each rule of the chain: the exits when k >= min, the bodies (calling rule k + 1) when k < max.
        bool ok = true;
        std::vector<std::pair<std::uint32_t, ChainPosition>> found;
        for (std::uint32_t k = 0; ok && k < ch.rules.size(); ++k) {
            const std::uint32_t r = ch.rules[k];
            if (r >= m_cfg.alts.size()) {
                ok = false;
                break;
            }
            std::size_t bodyCount = 0, exitCount = 0;
            for (const std::uint32_t a : m_cfg.alts[r]) {
                const std::uint32_t n = length(a);
                const bool body = k + 1 < ch.rules.size() && calls(a, n, ch.rules[k + 1]);
                const std::uint32_t own = n - (body ? 1 : 0); // the elements before the call
                std::optional<std::uint32_t> match;
                for (const std::uint32_t b : body ? bodies : exits) {
                    if (length(b) != n) continue;
                    bool same = true;
                    for (std::uint32_t o = 0; o < own; ++o)
                        same = same && e[a + o].kind == e[b + o].kind && e[a + o].arg == e[b + o].arg;
                    if (same) {
                        match = b;
                        break;
                    }
                }
                if (!match) {
                    ok = false;
                    break;
                }
                ++(body ? bodyCount : exitCount);
                for (std::uint32_t o = 0; o < own; ++o) found.push_back({a + o, ChainPosition{ci, k, *match + o}});
            }
            if (ok && (exitCount != (k >= ch.min ? exits.size() : 0) || bodyCount != (k < ch.max ? bodies.size() : 0)))
                ok = false;
        }
        if (!ok) continue;
        for (const auto& [elem, position] : found) m_chainPositions.emplace(elem, position);
    }
}

Automaton::~Automaton() = default;

std::uint32_t Automaton::push(std::uint32_t parent, std::uint32_t elem) {
    const std::uint64_t key = (std::uint64_t{parent} << 32) | elem;
    const auto [it, added] = m_intern.try_emplace(key, static_cast<std::uint32_t>(m_nodes.size()));
    if (added) m_nodes.push_back({elem, parent});
    return it->second;
}

void Automaton::normalize(std::uint32_t id, std::vector<std::uint32_t>& out, int depth) {
    if (depth > kMaxDepth) return;
    if (id == 0) {
        out.push_back(0);
        return;
    }
    const Node n = m_nodes[id];
    const Elem e = m_cfg.elems[n.elem];
    switch (e.kind) {
    case Elem::Kind::End: normalize(n.parent, out, depth + 1); return;
    case Elem::Kind::Bytes:
    case Elem::Kind::Symbol: out.push_back(id); return;
    case Elem::Kind::Call: {
        const std::uint32_t cont = n.elem + 1;
        const std::uint32_t base = m_cfg.elems[cont].kind == Elem::Kind::End ? n.parent : push(n.parent, cont);
        for (const std::uint32_t a : m_cfg.alts[e.arg]) normalize(push(base, a), out, depth + 1);
        return;
    }
    }
}

void Automaton::growTransitions(std::size_t slot) {
    // Geometrically: stacks keep coming as a generation goes on, and each growth copies the table.
    const std::size_t rows = std::max(slot / 256 + 1, m_trans.size() / 256 * 2);
    m_trans.resize(std::max<std::size_t>(rows, 64) * 256, -1);
}

const std::vector<std::uint32_t>& Automaton::step(std::uint32_t id, std::uint32_t byte) {
    const std::size_t slot = std::size_t{id} * 256 + byte;
    if (slot >= m_trans.size()) growTransitions(slot);
    if (m_trans[slot] >= 0) return m_stepResults[static_cast<std::size_t>(m_trans[slot])];
    std::vector<std::uint32_t> next;
    if (id != 0) {
        const Node n = m_nodes[id];
        const Elem e = m_cfg.elems[n.elem];
        if (e.kind == Elem::Kind::Bytes && m_cfg.classes[e.arg][byte]) {
            normalize(push(n.parent, n.elem + 1), next, 0);
            sortUnique(next);
        }
    }
    std::int32_t index = 0;
    if (!next.empty()) {
        index = static_cast<std::int32_t>(m_stepResults.size());
        m_stepResults.push_back(std::move(next));
    }
    // normalize() may have added stacks, and m_trans grown: index it afresh
    if (slot >= m_trans.size()) growTransitions(slot);
    m_trans[slot] = index;
    return m_stepResults[static_cast<std::size_t>(index)];
}

void Automaton::stepSet(const std::vector<std::uint32_t>& in, std::uint32_t byte, std::vector<std::uint32_t>& out) {
    out.clear();
    for (const std::uint32_t id : in) {
        const auto& s = step(id, byte);
        out.insert(out.end(), s.begin(), s.end());
    }
    if (in.size() > 1) sortUnique(out);
}

std::vector<std::uint32_t> Automaton::start() {
    std::lock_guard lock(m_mutex);
    std::vector<std::uint32_t> s;
    for (const std::uint32_t a : m_cfg.alts[m_cfg.root]) normalize(push(0, a), s, 0);
    sortUnique(s);
    return s;
}

std::vector<std::uint32_t> Automaton::advance(const std::vector<std::uint32_t>& state, std::string_view bytes) {
    std::lock_guard lock(m_mutex);
    std::vector<std::uint32_t> cur = state, next;
    for (const char ch : bytes) {
        stepSet(cur, static_cast<unsigned char>(ch), next);
        cur.swap(next);
        if (cur.empty()) break;
    }
    return cur;
}

std::vector<std::uint32_t> Automaton::advanceSymbol(const std::vector<std::uint32_t>& state, std::uint32_t token) {
    std::lock_guard lock(m_mutex);
    std::vector<std::uint32_t> out;
    for (const std::uint32_t id : state) {
        if (id == 0) continue;
        const Node n = m_nodes[id];
        const Elem e = m_cfg.elems[n.elem];
        if (e.kind == Elem::Kind::Symbol && e.arg == token) normalize(push(n.parent, n.elem + 1), out, 0);
    }
    sortUnique(out);
    return out;
}

bool Automaton::canContinue(const std::vector<std::uint32_t>& state) {
    return std::any_of(state.begin(), state.end(), [](std::uint32_t id) { return id != 0; });
}

const Automaton::RepeatWalk& Automaton::repeatWalk(std::uint32_t rule, std::uint32_t elem) {
    auto& slot = m_repeatWalks[elem];
    if (slot) return *slot;
    // Another grammar over this vocabulary may have walked the same shape from the same place already.
    const Repetition& rep = m_repetitions.at(rule);
    const std::vector<std::uint32_t>& alts = m_cfg.alts[rule];
    std::size_t alt = 0; // the alternative holding the element (alternatives are laid out in order)
    for (std::size_t i = 0; i < alts.size(); ++i)
        if (alts[i] <= elem) alt = i;
    const std::string key = rep.shape + "#" + std::to_string(alt) + "+" + std::to_string(elem - alts[alt]);
    {
        std::lock_guard lock(m_vocab->sharedWalksMutex);
        if (const auto it = m_vocab->sharedWalks.find(key); it != m_vocab->sharedWalks.end()) {
            slot = std::static_pointer_cast<const RepeatWalk>(it->second);
            return *slot;
        }
    }
    auto w = std::make_shared<RepeatWalk>();
    ++m_stats.localWalks;
    const TokenVocabulary& v = *m_vocab;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> going; ///< (trie node, need)
    std::function<void(std::uint32_t, std::size_t, std::uint32_t)> go = [&](std::uint32_t node, std::size_t depth,
                                                                             std::uint32_t count) {
        const TokenVocabulary::Node& tn = v.nodes[node];
        for (std::uint32_t c = 0; c < tn.childCount; ++c) {
            const std::uint32_t child = v.childNodes[tn.firstChild + c];
            std::vector<std::uint32_t>& next = m_scratch[depth + 1];
            stepSet(m_scratch[depth], v.childBytes[tn.firstChild + c], next);
            if (next.empty()) continue;
            const bool boundary = next == rep.start; // one more repetition done: the rule starts again
            const std::uint32_t done = count + (boundary ? 1 : 0);
            if (next.front() == 0) {
                w->ends.emplace_back(child, done);
                next.erase(next.begin());
            }
            if (next.empty()) continue;
            going.emplace_back(child, done + (boundary ? 0 : 1));
            go(child, depth + 1, done);
        }
    };
    m_scratch[0] = {push(0, elem)};
    go(0, 0, 0);
    std::uint32_t most = 0;
    for (const auto& g : going) most = std::max(most, g.second);
    w->reachable.assign(going.empty() ? 0 : most + 1, std::vector<std::uint64_t>(m_words, 0));
    for (const auto& [node, need] : going) {
        const TokenVocabulary::Node& cn = v.nodes[node];
        for (std::uint32_t t = 0; t < cn.tokenCount; ++t)
            setBit(w->reachable[need], static_cast<std::size_t>(v.nodeTokens[cn.firstToken + t]));
    }
    for (std::size_t n = 1; n < w->reachable.size(); ++n)
        for (std::size_t i = 0; i < m_words; ++i) w->reachable[n][i] |= w->reachable[n - 1][i];
    {
        std::lock_guard lock(m_vocab->sharedWalksMutex);
        m_vocab->sharedWalks.emplace(key, w);
    }
    slot = std::move(w);
    return *slot;
}

void Automaton::prepareRepetitions() {
    std::lock_guard lock(m_mutex);
    for (const auto& [rule, rep] : m_repetitions)
        for (const std::uint32_t a : m_cfg.alts[rule])
            for (std::uint32_t i = a; m_cfg.elems[i].kind == Elem::Kind::Bytes; ++i) repeatWalk(rule, i);
}

const Automaton::Local& Automaton::local(std::uint32_t elem) {
    auto& slot = m_locals[elem];
    if (slot) return *slot;
    auto l = std::make_unique<Local>();
    l->inside.assign(m_words, 0);
    const TokenVocabulary& v = *m_vocab;
    // A position of rule k of a chain: the unbounded rule's walk, keeping what the bounds allow (see RepeatWalk).
    // Once a node is out of reach, so is everything below it: the count only grows. A position of a repetition
    // rule itself: the same walk, unbounded.
    const auto chainAt = m_chainPositions.find(elem);
    const std::uint32_t rule = chainAt != m_chainPositions.end() ? m_cfg.chains[chainAt->second.chain].unbounded
                                                                  : m_ruleOf[elem];
    if (chainAt != m_chainPositions.end() || m_repetitions.contains(rule)) {
        const bool bounded = chainAt != m_chainPositions.end();
        const ChainPosition at = bounded ? chainAt->second : ChainPosition{0, 0, elem};
        const std::size_t min = bounded ? m_cfg.chains[at.chain].min : 0;
        const std::size_t max = bounded ? m_cfg.chains[at.chain].max : std::numeric_limits<std::size_t>::max();
        const RepeatWalk& w = repeatWalk(rule, at.unboundedElem);
        if (!w.reachable.empty()) {
            const std::size_t room = max - at.k; // k <= max for every rule of the chain
            l->inside = w.reachable[std::min(room, w.reachable.size() - 1)];
        }
        for (const auto& [node, count] : w.ends) {
            const std::size_t written = std::size_t{at.k} + count;
            if (written < min || written > max) continue;
            const TokenVocabulary::Node& cn = v.nodes[node];
            for (std::uint32_t t = 0; t < cn.tokenCount; ++t)
                setBit(l->inside, static_cast<std::size_t>(v.nodeTokens[cn.firstToken + t]));
            for (std::uint32_t g = 0; g < cn.childCount; ++g)
                l->exits.emplace_back(v.childBytes[cn.firstChild + g], v.childNodes[cn.firstChild + g]);
        }
        std::stable_sort(l->exits.begin(), l->exits.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        slot = std::move(l);
        return *slot;
    }
    ++m_stats.localWalks;
    // Depth-first over the trie with the stack set of each node (the scratch vector of its depth).
    std::function<void(std::uint32_t, std::size_t)> go = [&](std::uint32_t node, std::size_t depth) {
        const TokenVocabulary::Node& tn = v.nodes[node];
        for (std::uint32_t c = 0; c < tn.childCount; ++c) {
            const std::uint32_t child = v.childNodes[tn.firstChild + c];
            std::vector<std::uint32_t>& next = m_scratch[depth + 1];
            stepSet(m_scratch[depth], v.childBytes[tn.firstChild + c], next);
            if (next.empty()) continue;
            const TokenVocabulary::Node& cn = v.nodes[child];
            for (std::uint32_t t = 0; t < cn.tokenCount; ++t) setBit(l->inside, static_cast<std::size_t>(v.nodeTokens[cn.firstToken + t]));
            if (next.front() == 0) { // the rule ends here: the token's further bytes belong to the caller
                for (std::uint32_t g = 0; g < cn.childCount; ++g)
                    l->exits.emplace_back(v.childBytes[cn.firstChild + g], v.childNodes[cn.firstChild + g]);
                next.erase(next.begin());
                if (next.empty()) continue;
            }
            go(child, depth + 1);
        }
    };
    m_scratch[0] = {push(0, elem)};
    go(0, 0);
    std::stable_sort(l->exits.begin(), l->exits.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    slot = std::move(l);
    return *slot;
}

void Automaton::walk(std::uint32_t node, const std::vector<std::uint32_t>& state, std::vector<std::uint64_t>& out,
                     std::size_t depth) {
    const TokenVocabulary& v = *m_vocab;
    const TokenVocabulary::Node& tn = v.nodes[node];
    for (std::uint32_t t = 0; t < tn.tokenCount; ++t) setBit(out, static_cast<std::size_t>(v.nodeTokens[tn.firstToken + t]));
    for (std::uint32_t c = 0; c < tn.childCount; ++c) {
        std::vector<std::uint32_t>& next = m_scratch[depth + 1];
        stepSet(state, v.childBytes[tn.firstChild + c], next);
        if (!next.empty()) walk(v.childNodes[tn.firstChild + c], next, out, depth + 1);
    }
}

void Automaton::maskLocked(const std::vector<std::uint32_t>& state, std::vector<std::uint64_t>& out) {
    out.assign(m_words, 0);
    const TokenVocabulary& v = *m_vocab;
    if (accepting(state) && v.eos >= 0) setBit(out, static_cast<std::size_t>(v.eos));
    std::vector<std::uint32_t> parent, after;
    for (const std::uint32_t id : state) {
        if (id == 0) continue;
        const Node n = m_nodes[id];
        const Elem e = m_cfg.elems[n.elem];
        if (e.kind == Elem::Kind::Symbol) {
            if (e.arg < v.size) setBit(out, e.arg);
            continue;
        }
        const Local& l = local(n.elem);
        for (std::size_t w = 0; w < m_words; ++w) out[w] |= l.inside[w];
        if (l.exits.empty()) continue;
        parent.clear();
        normalize(n.parent, parent, 0);
        sortUnique(parent);
        if (!canContinue(parent)) continue;
        for (std::size_t i = 0; i < l.exits.size();) {
            const std::uint8_t b = l.exits[i].first;
            std::size_t j = i;
            while (j < l.exits.size() && l.exits[j].first == b) ++j;
            stepSet(parent, b, after);
            if (!after.empty()) {
                // the scratch slots above depth 0 are the walk's; `after` stays put while it runs
                const std::vector<std::uint32_t> s = after;
                for (std::size_t k = i; k < j; ++k) walk(l.exits[k].second, s, out, 0);
            }
            i = j;
        }
    }
}

void Automaton::mask(const std::vector<std::uint32_t>& state, std::vector<std::uint64_t>& out) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_stateMasks.find(state); it != m_stateMasks.end()) {
        ++m_stats.stateMaskHits;
        out = it->second;
        return;
    }
    ++m_stats.stateMaskMisses;
    maskLocked(state, out);
    if (m_stateMasks.size() >= kMaxStateMasks) m_stateMasks.clear();
    m_stateMasks.emplace(state, out);
}

Automaton::Stats Automaton::stats() {
    std::lock_guard lock(m_mutex);
    Stats s = m_stats;
    s.stacks = m_nodes.size();
    return s;
}

} // namespace ws::grammar
