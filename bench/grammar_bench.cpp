// Constrained decoding on the real DeepSeek-V3 vocabulary (129,280 tokens): what a token costs.
//
//   grammar_bench TOKENIZER_DIR [GENERATIONS] [SEED]
//
// Builds the vocabulary trie, compiles a realistic JSON Schema (an order with nested objects, an array, enums,
// optional fields, bounded strings), then runs GENERATIONS generations that pick random allowed tokens (biased
// toward ending, so they finish) and prints the time of each mask: the first generation pays for the caches, later
// ones show the steady state. Then another schema (its first generation shows what the walks shared through the
// vocabulary save) and "any JSON object" (response_format json_object). Prints, never asserts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

#include <nlohmann/json.hpp>

#include "grammar/cfg.h"
#include "whalesong/grammar.h"
#include "whalesong/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;
double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

const char* kSchema = R"({
  "type": "object",
  "properties": {
    "order_id": {"type": "string", "maxLength": 24},
    "customer": {"type": "object", "properties": {
        "name": {"type": "string"}, "email": {"type": "string"}, "vip": {"type": "boolean"}},
      "required": ["name", "email", "vip"], "additionalProperties": false},
    "items": {"type": "array", "minItems": 1, "maxItems": 8, "items": {"type": "object", "properties": {
        "sku": {"type": "string"}, "quantity": {"type": "integer"}, "price": {"type": "number"},
        "size": {"enum": ["S", "M", "L", "XL"]}},
      "required": ["sku", "quantity", "price"], "additionalProperties": false}},
    "status": {"enum": ["pending", "paid", "shipped", "cancelled"]},
    "notes": {"anyOf": [{"type": "string"}, {"type": "null"}]}
  },
  "required": ["order_id", "customer", "items", "status", "notes"],
  "additionalProperties": false
})";

struct Run {
    std::size_t tokens = 0;
    double maskMs = 0, maxMs = 0;
    bool complete = false;
};

Run generate(const std::shared_ptr<const ws::Grammar>& g, const std::shared_ptr<const ws::TokenVocabulary>& v,
             std::mt19937_64& rng, std::string* text) {
    ws::GrammarMatcher m(g, v);
    Run r;
    for (int step = 0; step < 600; ++step) {
        const auto t0 = Clock::now();
        const auto& mask = m.allowedTokens();
        const double t = ms(Clock::now() - t0);
        r.maskMs += t;
        r.maxMs = std::max(r.maxMs, t);
        ++r.tokens;
        std::vector<ws::TokenId> allowed;
        for (std::size_t i = 0; i < v->size; ++i)
            if ((mask[i >> 6] >> (i & 63)) & 1) allowed.push_back(static_cast<ws::TokenId>(i));
        if (allowed.empty()) break;
        // Prefer short tokens that close things, so the random walk ends: a third of the time pick among
        // the allowed tokens containing a quote or a closing bracket.
        ws::TokenId pick = allowed[rng() % allowed.size()];
        if (rng() % 3 == 0) {
            std::vector<ws::TokenId> closing;
            for (ws::TokenId id : allowed)
                if (v->bytes[static_cast<std::size_t>(id)].find_first_of("\"}]") != std::string::npos) closing.push_back(id);
            if (!closing.empty()) pick = closing[rng() % closing.size()];
        }
        if (m.canEnd()) {
            r.complete = true;
            break;
        }
        if (!m.accept(pick)) break;
        if (text) *text += v->bytes[static_cast<std::size_t>(pick)];
    }
    return r;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: grammar_bench TOKENIZER_DIR [GENERATIONS] [SEED]\n");
        return 1;
    }
    const int gens = argc > 2 ? std::atoi(argv[2]) : 5;
    std::mt19937_64 rng(argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1);
    auto tok = ws::Tokenizer::load(argv[1]);
    if (!tok) {
        std::fprintf(stderr, "%s\n", tok.status().message().c_str());
        return 1;
    }
    auto t0 = Clock::now();
    const auto vocab = ws::TokenVocabulary::build(*tok.value());
    std::printf("vocabulary: %zu tokens, trie of %zu nodes, built in %.1f ms\n", vocab->size, vocab->nodes.size(),
                ms(Clock::now() - t0));
    // What a model does once with its vocabulary (Model::tokenVocabulary): the walks every JSON grammar shares.
    // WS_BENCH_COLD=1 skips it, so that the first schema walks them itself.
    if (const char* cold = std::getenv("WS_BENCH_COLD"); !cold || std::string_view(cold) != "1") {
        t0 = Clock::now();
        ws::prepareJsonWalks(vocab);
        std::printf("JSON's shared walks (strings, digits, indentation) prepared in %.1f ms\n", ms(Clock::now() - t0));
    }
    struct Case {
        const char* name;
        std::shared_ptr<const ws::Grammar> grammar;
    };
    t0 = Clock::now();
    auto schema = ws::Grammar::fromJsonSchema(nlohmann::ordered_json::parse(kSchema), "schema");
    if (!schema) {
        std::fprintf(stderr, "%s\n", schema.status().message().c_str());
        return 1;
    }
    std::printf("schema compiled in %.2f ms (%zu rules)\n", ms(Clock::now() - t0), schema.value()->cfg().alts.size());
    // Another schema, compiled after the first: a grammar of its own, but the walks of its bounded strings,
    // digits and indentation are shared through the vocabulary, so its first generation is cheap too.
    auto other = ws::Grammar::fromJsonSchema(nlohmann::ordered_json::parse(R"({"type": "object", "properties": {
        "title": {"type": "string", "maxLength": 30}, "year": {"type": "integer"},
        "authors": {"type": "array", "items": {"type": "string", "minLength": 2, "maxLength": 20}, "maxItems": 4}},
        "required": ["title", "year", "authors"], "additionalProperties": false})"), "other");
    if (!other) {
        std::fprintf(stderr, "%s\n", other.status().message().c_str());
        return 1;
    }
    for (const Case& c : {Case{"order schema", schema.value()}, Case{"another schema (after the first)", other.value()},
                          Case{"any JSON object", ws::Grammar::anyJson(true)}}) {
        std::printf("\n%s:\n", c.name);
        for (int g = 0; g < gens; ++g) {
            std::string text;
            const Run r = generate(c.grammar, vocab, rng, g == 0 ? &text : nullptr);
            std::printf("  generation %d: %zu tokens, %s, mask %.3f ms/token (max %.2f ms)\n", g + 1, r.tokens,
                        r.complete ? "complete" : "cut at 600 tokens", r.maskMs / static_cast<double>(r.tokens), r.maxMs);
            if (g == 0) std::printf("    %.300s\n", text.c_str());
        }
        const auto s = c.grammar->automaton(vocab)->stats();
        std::printf("  caches: %zu stacks, %zu local walks, state masks %zu hits / %zu misses\n", s.stacks,
                    s.localWalks, s.stateMaskHits, s.stateMaskMisses);
    }
    return 0;
}
