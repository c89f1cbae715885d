// JSON and JSON Schema → grammar.
//
// The JSON written is what models write: no whitespace or one space or a newline with up to 20 spaces/tabs of
// indentation between tokens (as llama.cpp's json-schema-to-grammar allows: bounded, so a model cannot pad
// forever), strings with any UTF-8 character, escapes and \uXXXX, numbers with at most 16 integer digits, 20
// fraction digits and a 2-digit exponent (so every number fits a double). Object properties come in the schema's
// order; optional ones may be left out. Repetition is right recursion that ends in a tail call, so the parser's
// states repeat (see cfg.h).
#include <array>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "grammar/cfg.h"
#include "whalesong/grammar.h"

namespace ws {
namespace {

using grammar::Builder;
using Item = Builder::Item;
using nlohmann::ordered_json;

struct SchemaError {
    std::string path;
    std::string message;
};

constexpr std::size_t kMaxBound = 10000; ///< minLength/maxLength/minItems/maxItems beyond this are refused

class JsonRules {
public:
    explicit JsonRules(Builder& b) : m_b(b) {}

    std::uint32_t ws() {
        if (m_ws) return *m_ws;
        const std::uint32_t next = upTo(20, Builder::range(" \t"), "indentation", m_unboundedIndentation);
        const std::uint32_t w = m_b.rule("whitespace");
        m_b.alt(w, {});
        m_b.alt(w, {Builder::lit(" ")});
        m_b.alt(w, {Builder::lit("\n"), Builder::call(next)});
        m_ws = w;
        return w;
    }

    /// The alternatives of one string character, each followed by `tail`.
    void charAlts(std::uint32_t rule, const std::vector<Item>& tail) {
        grammar::ByteClass plain;
        for (unsigned b = 0x20; b < 0x80; ++b) plain.set(b);
        plain.reset('"');
        plain.reset('\\');
        const auto cont = Builder::range("\x80-\xBF");
        const auto hex = Builder::range("0-9a-fA-F");
        const auto with = [&](std::vector<Item> items) {
            items.insert(items.end(), tail.begin(), tail.end());
            m_b.alt(rule, items);
        };
        with({Builder::cls(plain)});
        with({Builder::lit("\\"), Builder::cls(Builder::range("\"\\/bfnrt"))});
        // \uXXXX, surrogates only as a high-low pair (a lone one is not valid Unicode, and strict parsers refuse it)
        const auto u = [&](std::string_view first, std::string_view second) {
            return std::vector<Item>{Builder::lit("\\u"), Builder::cls(Builder::range(first)),
                                     Builder::cls(Builder::range(second)), Builder::cls(hex), Builder::cls(hex)};
        };
        with(u("0-9a-cA-CeEfF", "0-9a-fA-F"));
        with(u("dD", "0-7"));
        {
            std::vector<Item> pair = u("dD", "89abAB");
            const std::vector<Item> low = u("dD", "c-fC-F");
            pair.insert(pair.end(), low.begin(), low.end());
            with(pair);
        }
        // UTF-8 exactly (RFC 3629): no overlong forms, no surrogates, nothing beyond U+10FFFF
        const auto b = [](std::string_view spec) { return Builder::cls(Builder::range(spec)); };
        with({b("\xC2-\xDF"), Builder::cls(cont)});
        with({b("\xE0"), b("\xA0-\xBF"), Builder::cls(cont)});
        with({b("\xE1-\xEC\xEE\xEF"), Builder::cls(cont), Builder::cls(cont)});
        with({b("\xED"), b("\x80-\x9F"), Builder::cls(cont)});
        with({b("\xF0"), b("\x90-\xBF"), Builder::cls(cont), Builder::cls(cont)});
        with({b("\xF1-\xF3"), Builder::cls(cont), Builder::cls(cont), Builder::cls(cont)});
        with({b("\xF4"), b("\x80-\x8F"), Builder::cls(cont), Builder::cls(cont)});
    }

    /// A whole string (quotes included) of minLen..maxLen characters (maxLen < 0: unbounded).
    std::uint32_t string(std::size_t minLen = 0, long maxLen = -1) {
        const auto key = std::make_pair(minLen, maxLen);
        if (auto it = m_strings.find(key); it != m_strings.end()) return it->second;
        // body_i: i characters written so far; the closing quote ends the rule (a tail position).
        std::uint32_t loop = 0;
        const std::size_t chain = maxLen < 0 ? minLen : static_cast<std::size_t>(maxLen);
        if (maxLen < 0) {
            loop = m_b.rule("string");
            charAlts(loop, {Builder::call(loop)});
            m_b.alt(loop, {Builder::lit("\"")});
        }
        std::uint32_t next = loop;
        std::vector<std::uint32_t> bodies(chain + 1);
        for (std::size_t i = chain + 1; i-- > 0;) {
            if (maxLen < 0 && i == chain) continue; // the loop is body_chain
            const std::uint32_t r = m_b.rule("string");
            if (i >= minLen) m_b.alt(r, {Builder::lit("\"")});
            if (maxLen < 0 || i < static_cast<std::size_t>(maxLen)) charAlts(r, {Builder::call(next)});
            bodies[i] = r;
            next = r;
        }
        if (maxLen < 0 && chain == 0) next = loop;
        if (maxLen >= 0) {
            // A bounded string: one rule per number of characters written. The automaton derives the masks of all
            // of them from one walk of an unbounded string with the same characters (see grammar::Chain).
            if (!m_unboundedString) {
                m_unboundedString = m_b.rule("string");
                charAlts(*m_unboundedString, {Builder::call(*m_unboundedString)});
                m_b.alt(*m_unboundedString, {Builder::lit("\"")});
            }
            m_b.chain(grammar::Chain{bodies, *m_unboundedString, minLen, static_cast<std::size_t>(maxLen)});
        }
        const std::uint32_t s = m_b.rule("string");
        m_b.alt(s, {Builder::lit("\""), Builder::call(next)});
        m_strings.emplace(key, s);
        return s;
    }

    /// Up to `n` more bytes of `cls` (digits, indentation): a chain of rules, declared as one (grammar::Chain) so
    /// that the automaton walks the vocabulary once for all of them.
    std::uint32_t upTo(int n, const grammar::ByteClass& cls, const std::string& name, std::optional<std::uint32_t>& unbounded) {
        if (!unbounded) {
            unbounded = m_b.rule(name);
            m_b.alt(*unbounded, {});
            m_b.alt(*unbounded, {Builder::cls(cls), Builder::call(*unbounded)});
        }
        std::vector<std::uint32_t> rules(static_cast<std::size_t>(n) + 1);
        std::uint32_t r = m_b.rule(name);
        m_b.alt(r, {});
        rules[static_cast<std::size_t>(n)] = r;
        for (int k = n; k-- > 0;) {
            const std::uint32_t q = m_b.rule(name);
            m_b.alt(q, {});
            m_b.alt(q, {Builder::cls(cls), Builder::call(r)});
            rules[static_cast<std::size_t>(k)] = q;
            r = q;
        }
        m_b.chain(grammar::Chain{rules, *unbounded, 0, static_cast<std::size_t>(n)});
        return r;
    }

    /// Up to `n` more digits.
    std::uint32_t digits(int n) { return upTo(n, Builder::range("0-9"), "digits", m_unboundedDigits); }

    std::uint32_t integer() {
        if (m_integer) return *m_integer;
        const std::uint32_t abs = m_b.rule("integer");
        m_b.alt(abs, {Builder::lit("0")});
        m_b.alt(abs, {Builder::cls(Builder::range("1-9")), Builder::call(digits(15))});
        const std::uint32_t r = m_b.rule("integer");
        m_b.alt(r, {Builder::call(abs)});
        m_b.alt(r, {Builder::lit("-"), Builder::call(abs)});
        m_integer = r;
        return r;
    }

    std::uint32_t number() {
        if (m_number) return *m_number;
        const std::uint32_t frac = m_b.rule("fraction");
        m_b.alt(frac, {});
        m_b.alt(frac, {Builder::lit("."), Builder::cls(Builder::range("0-9")), Builder::call(digits(19))});
        const std::uint32_t exp = m_b.rule("exponent");
        m_b.alt(exp, {});
        m_b.alt(exp, {Builder::cls(Builder::range("eE")), Builder::cls(Builder::range("0-9")), Builder::call(digits(1))});
        m_b.alt(exp, {Builder::cls(Builder::range("eE")), Builder::cls(Builder::range("+-")),
                      Builder::cls(Builder::range("0-9")), Builder::call(digits(1))});
        const std::uint32_t r = m_b.rule("number");
        m_b.alt(r, {Builder::call(integer()), Builder::call(frac), Builder::call(exp)});
        m_number = r;
        return r;
    }

    /// "{" members "}" where every value is `value` (any key).
    std::uint32_t objectOf(std::uint32_t value) {
        if (auto it = m_objects.find(value); it != m_objects.end()) return it->second;
        const std::uint32_t w = ws();
        const std::uint32_t more = m_b.rule("object");
        m_b.alt(more, {Builder::lit("}")});
        m_b.alt(more, {Builder::lit(","), Builder::call(w), Builder::call(string()), Builder::call(w),
                       Builder::lit(":"), Builder::call(w), Builder::call(value), Builder::call(w),
                       Builder::call(more)});
        const std::uint32_t rest = m_b.rule("object");
        m_b.alt(rest, {Builder::lit("}")});
        m_b.alt(rest, {Builder::call(string()), Builder::call(w), Builder::lit(":"), Builder::call(w),
                       Builder::call(value), Builder::call(w), Builder::call(more)});
        const std::uint32_t r = m_b.rule("object");
        m_b.alt(r, {Builder::lit("{"), Builder::call(w), Builder::call(rest)});
        m_objects.emplace(value, r);
        return r;
    }

    /// "[" items "]", minItems..maxItems (max < 0: unbounded), item i of schema rule items[min(i, size-1)].
    std::uint32_t arrayOf(const std::vector<std::uint32_t>& items, std::size_t minItems, long maxItems) {
        const std::uint32_t w = ws();
        const std::size_t fixed = std::max(minItems, items.size() - 1);
        const auto itemAt = [&](std::size_t i) { return items[std::min(i, items.size() - 1)]; };
        std::uint32_t next = 0;
        std::size_t chain = fixed;
        if (maxItems < 0) { // beyond `fixed` items, a loop (",", item)* "]"
            next = m_b.rule("array");
            m_b.alt(next, {Builder::lit("]")});
            m_b.alt(next, {Builder::lit(","), Builder::call(w), Builder::call(itemAt(fixed)), Builder::call(w),
                           Builder::call(next)});
            if (fixed == 0) { // the first item needs no comma
                const std::uint32_t first = m_b.rule("array");
                m_b.alt(first, {Builder::lit("]")});
                m_b.alt(first, {Builder::call(itemAt(0)), Builder::call(w), Builder::call(next)});
                next = first;
            }
        } else {
            chain = static_cast<std::size_t>(maxItems);
            next = m_b.rule("array");
            m_b.alt(next, {Builder::lit("]")});
        }
        for (std::size_t i = chain; i-- > 0;) { // a_i: i items written
            const std::uint32_t r = m_b.rule("array");
            if (i >= minItems) m_b.alt(r, {Builder::lit("]")});
            std::vector<Item> item;
            if (i > 0) item = {Builder::lit(","), Builder::call(w)};
            item.push_back(Builder::call(itemAt(i)));
            item.push_back(Builder::call(w));
            item.push_back(Builder::call(next));
            m_b.alt(r, item);
            next = r;
        }
        const std::uint32_t r = m_b.rule("array");
        m_b.alt(r, {Builder::lit("["), Builder::call(w), Builder::call(next)});
        return r;
    }

    std::uint32_t any() {
        if (m_any) return *m_any;
        const std::uint32_t v = m_b.rule("value");
        m_any = v;
        m_b.alt(v, {Builder::call(objectOf(v))});
        m_b.alt(v, {Builder::call(arrayOf({v}, 0, -1))});
        m_b.alt(v, {Builder::call(string())});
        m_b.alt(v, {Builder::call(number())});
        for (const char* lit : {"true", "false", "null"}) m_b.alt(v, {Builder::lit(lit)});
        return v;
    }

private:
    Builder& m_b;
    std::optional<std::uint32_t> m_ws, m_integer, m_number, m_any, m_unboundedString, m_unboundedDigits,
        m_unboundedIndentation;
    std::map<std::pair<std::size_t, long>, std::uint32_t> m_strings;
    std::map<std::uint32_t, std::uint32_t> m_objects;
};

const std::set<std::string>& annotations() {
    static const std::set<std::string> k{"title",      "description", "default",  "examples", "$schema",
                                         "$id",        "$comment",    "deprecated", "readOnly", "writeOnly",
                                         "$defs",      "definitions", "strict",   "name"};
    return k;
}

const std::set<std::string>& handled() {
    static const std::set<std::string> k{"type",     "properties", "required", "additionalProperties", "enum",
                                         "const",    "anyOf",      "oneOf",    "allOf",  "$ref",  "items",
                                         "prefixItems", "minItems", "maxItems", "minLength", "maxLength", "nullable"};
    return k;
}

class SchemaCompiler {
public:
    SchemaCompiler(Builder& b, JsonRules& json, const ordered_json& root, std::string where)
        : m_root(root), m_where(std::move(where)), m_b(b), m_json(json) {}

    /// The rule of the whole schema; throws SchemaError.
    std::uint32_t compileTop() { return compile(m_root, m_where); }

private:
    [[noreturn]] static void fail(const std::string& path, const std::string& message) {
        throw SchemaError{path, message};
    }

    static std::size_t bound(const ordered_json& s, const char* key, const std::string& path, std::size_t dflt) {
        if (!s.contains(key)) return dflt;
        const ordered_json& v = s[key];
        if (!v.is_number_integer() || v.get<long long>() < 0)
            fail(path + "." + key, "must be a non-negative integer, got " + v.dump());
        if (v.get<unsigned long long>() > kMaxBound)
            fail(path + "." + key, "at most " + std::to_string(kMaxBound) + " is supported, got " + v.dump());
        return v.get<std::size_t>();
    }

    const ordered_json& resolve(const std::string& ref, const std::string& path) {
        if (ref.empty() || ref[0] != '#') fail(path, "only references inside the schema (\"#/...\") are supported, got \"" + ref + "\"");
        try {
            const ordered_json::json_pointer ptr(ref.substr(1));
            return m_root.at(ptr);
        } catch (const nlohmann::json::exception&) {
            fail(path, "the reference \"" + ref + "\" points to nothing in the schema");
        }
    }

    std::uint32_t literalRule(const ordered_json& value, const std::string& path) {
        const std::uint32_t r = m_b.rule(path);
        m_b.alt(r, {Builder::lit(value.dump())});
        return r;
    }

    std::uint32_t compile(const ordered_json& s, const std::string& path) {
        if (s.is_boolean()) {
            if (!s.get<bool>()) fail(path, "the schema `false` allows no value");
            return m_json.any();
        }
        if (!s.is_object()) fail(path, "a schema must be an object or a boolean, got " + s.dump());
        for (const auto& [k, v] : s.items())
            if (!annotations().count(k) && !handled().count(k))
                fail(path + "." + k, "the keyword \"" + k + "\" is not supported by constrained decoding");
        if (s.contains("$ref")) {
            if (!s["$ref"].is_string()) fail(path + ".$ref", "must be a string");
            const std::string ref = s["$ref"].get<std::string>();
            for (const auto& [k, v] : s.items())
                if (handled().count(k) && k != "$ref")
                    fail(path + "." + k, "keywords beside \"$ref\" are not supported");
            if (auto it = m_refs.find(ref); it != m_refs.end()) return it->second;
            const std::uint32_t r = m_b.rule(path + " ($ref " + ref + ")");
            m_refs.emplace(ref, r);
            m_b.alt(r, {Builder::call(compile(resolve(ref, path + ".$ref"), ref))});
            return r;
        }
        const std::uint32_t r = m_b.rule(path);
        if (s.value("nullable", false)) m_b.alt(r, {Builder::lit("null")});
        if (s.contains("const")) {
            m_b.alt(r, {Builder::lit(s["const"].dump())});
            return r;
        }
        if (s.contains("enum")) {
            const ordered_json& e = s["enum"];
            if (!e.is_array() || e.empty()) fail(path + ".enum", "must be a non-empty array");
            for (const auto& v : e) m_b.alt(r, {Builder::lit(v.dump())});
            return r;
        }
        for (const char* key : {"anyOf", "oneOf"})
            if (s.contains(key)) {
                const ordered_json& list = s[key];
                if (!list.is_array() || list.empty()) fail(path + "." + key, "must be a non-empty array");
                for (std::size_t i = 0; i < list.size(); ++i)
                    m_b.alt(r, {Builder::call(compile(list[i], path + "." + key + "[" + std::to_string(i) + "]"))});
                for (const auto& [k, v] : s.items())
                    if (handled().count(k) && k != key && k != "nullable")
                        fail(path + "." + k, std::string("keywords beside \"") + key + "\" are not supported");
                return r;
            }
        if (s.contains("allOf")) {
            const ordered_json& list = s["allOf"];
            if (!list.is_array() || list.size() != 1)
                fail(path + ".allOf", "only a single-element allOf is supported");
            m_b.alt(r, {Builder::call(compile(list[0], path + ".allOf[0]"))});
            return r;
        }
        std::vector<std::string> types;
        if (s.contains("type")) {
            const ordered_json& t = s["type"];
            if (t.is_string()) types.push_back(t.get<std::string>());
            else if (t.is_array() && !t.empty())
                for (const auto& x : t) {
                    if (!x.is_string()) fail(path + ".type", "must be a string or an array of strings");
                    types.push_back(x.get<std::string>());
                }
            else fail(path + ".type", "must be a string or a non-empty array of strings");
        } else if (s.contains("properties") || s.contains("additionalProperties")) {
            types = {"object"};
        } else if (s.contains("items") || s.contains("prefixItems")) {
            types = {"array"};
        } else if (s.contains("minLength") || s.contains("maxLength")) {
            types = {"string"};
        } else {
            m_b.alt(r, {Builder::call(m_json.any())});
            return r;
        }
        for (const std::string& t : types) m_b.alt(r, {Builder::call(typed(s, t, path))});
        return r;
    }

    std::uint32_t typed(const ordered_json& s, const std::string& type, const std::string& path) {
        if (type == "string") {
            const std::size_t lo = bound(s, "minLength", path, 0);
            const long hi = s.contains("maxLength") ? static_cast<long>(bound(s, "maxLength", path, 0)) : -1;
            if (hi >= 0 && static_cast<std::size_t>(hi) < lo) fail(path + ".maxLength", "is below minLength");
            return m_json.string(lo, hi);
        }
        if (type == "integer") return m_json.integer();
        if (type == "number") return m_json.number();
        if (type == "boolean") {
            const std::uint32_t r = m_b.rule(path);
            m_b.alt(r, {Builder::lit("true")});
            m_b.alt(r, {Builder::lit("false")});
            return r;
        }
        if (type == "null") return literalRule(nullptr, path);
        if (type == "array") return array(s, path);
        if (type == "object") return object(s, path);
        fail(path + ".type", "unknown type \"" + type + "\"");
    }

    std::uint32_t array(const ordered_json& s, const std::string& path) {
        std::vector<std::uint32_t> items;
        if (s.contains("prefixItems")) {
            const ordered_json& p = s["prefixItems"];
            if (!p.is_array()) fail(path + ".prefixItems", "must be an array");
            for (std::size_t i = 0; i < p.size(); ++i)
                items.push_back(compile(p[i], path + ".prefixItems[" + std::to_string(i) + "]"));
        }
        const std::size_t prefix = items.size();
        const bool closed = s.contains("items") && s["items"].is_boolean() && !s["items"].get<bool>();
        if (!closed) items.push_back(s.contains("items") ? compile(s["items"], path + ".items") : m_json.any());
        std::size_t lo = bound(s, "minItems", path, 0);
        long hi = s.contains("maxItems") ? static_cast<long>(bound(s, "maxItems", path, 0)) : -1;
        if (closed) {
            if (items.empty()) hi = 0; // "items": false and no prefix: only []
            else hi = hi < 0 ? static_cast<long>(prefix) : std::min(hi, static_cast<long>(prefix));
        }
        if (hi >= 0 && static_cast<std::size_t>(hi) < lo) fail(path + ".maxItems", "is below minItems");
        if (items.empty()) {
            const std::uint32_t w = m_json.ws();
            const std::uint32_t r = m_b.rule(path);
            m_b.alt(r, {Builder::lit("["), Builder::call(w), Builder::lit("]")});
            return r;
        }
        return m_json.arrayOf(items, lo, hi);
    }

    std::uint32_t object(const ordered_json& s, const std::string& path) {
        const std::uint32_t w = m_json.ws();
        const ordered_json* props = s.contains("properties") ? &s["properties"] : nullptr;
        if (props && !props->is_object()) fail(path + ".properties", "must be an object");
        std::set<std::string> required;
        if (s.contains("required")) {
            if (!s["required"].is_array()) fail(path + ".required", "must be an array of property names");
            for (const auto& k : s["required"]) {
                if (!k.is_string()) fail(path + ".required", "must be an array of property names");
                if (!props || !props->contains(k.get<std::string>()))
                    fail(path + ".required", "names \"" + k.get<std::string>() + "\", which is not in properties");
                required.insert(k.get<std::string>());
            }
        }
        if (!props || props->empty()) {
            const ordered_json ap = s.value("additionalProperties", ordered_json(true));
            if (ap.is_boolean() && !ap.get<bool>()) {
                const std::uint32_t r = m_b.rule(path);
                m_b.alt(r, {Builder::lit("{"), Builder::call(w), Builder::lit("}")});
                return r;
            }
            return m_json.objectOf(ap.is_boolean() ? m_json.any() : compile(ap, path + ".additionalProperties"));
        }
        // The listed properties in order (extra ones, where allowed, are simply not written). m[i][c]: properties
        // from i on, c = whether one was written already (a comma goes first).
        struct Prop {
            std::string key;
            std::uint32_t value;
            bool optional;
        };
        std::vector<Prop> list;
        for (const auto& [k, v] : props->items())
            list.push_back({k, compile(v, path + ".properties." + k), !required.count(k)});
        const std::size_t n = list.size();
        std::vector<std::array<std::uint32_t, 2>> m(n + 1);
        for (int c = 0; c < 2; ++c) {
            m[n][c] = m_b.rule(path);
            m_b.alt(m[n][c], {Builder::lit("}")});
        }
        for (std::size_t i = n; i-- > 0;)
            for (int c = 0; c < 2; ++c) {
                m[i][c] = m_b.rule(path + ".properties." + list[i].key);
                std::vector<Item> member;
                if (c) member = {Builder::lit(","), Builder::call(w)};
                member.push_back(Builder::lit(ordered_json(list[i].key).dump()));
                for (const Item& it : {Builder::call(w), Builder::lit(":"), Builder::call(w), Builder::call(list[i].value),
                                       Builder::call(w), Builder::call(m[i + 1][1])})
                    member.push_back(it);
                m_b.alt(m[i][c], member);
                if (list[i].optional) m_b.alt(m[i][c], {Builder::call(m[i + 1][c])});
            }
        const std::uint32_t r = m_b.rule(path);
        m_b.alt(r, {Builder::lit("{"), Builder::call(w), Builder::call(m[0][0])});
        return r;
    }

    const ordered_json& m_root;
    std::string m_where;
    Builder& m_b;
    JsonRules& m_json;
    std::map<std::string, std::uint32_t> m_refs;
};

} // namespace

std::shared_ptr<const Grammar> Grammar::anyJson(bool objectOnly) {
    Builder b;
    JsonRules j(b);
    const std::uint32_t top = objectOnly ? j.objectOf(j.any()) : j.any();
    const std::uint32_t root = b.rule(objectOnly ? "a JSON object" : "a JSON value");
    b.alt(root, {Builder::call(top)});
    if (!b.finish(root)) return nullptr; // cannot happen: the JSON grammar is productive and right-recursive
    return std::make_shared<const Grammar>(std::make_unique<grammar::Cfg>(b.take()));
}

namespace {
Result<std::shared_ptr<const Grammar>> finished(Builder& b, std::uint32_t top, const std::string& name) {
    const std::uint32_t root = b.rule(name);
    b.alt(root, {Builder::call(top)});
    if (Status s = b.finish(root); !s) return Status(Code::InvalidArgument, "the schema at " + s.message());
    return std::make_shared<const Grammar>(std::make_unique<grammar::Cfg>(b.take()));
}
} // namespace

Result<std::shared_ptr<const Grammar>> Grammar::fromJsonSchema(const ordered_json& schema, const std::string& where) {
    Builder b;
    JsonRules j(b);
    try {
        return finished(b, SchemaCompiler(b, j, schema, where).compileTop(), where);
    } catch (const SchemaError& e) {
        return Status(Code::InvalidArgument, e.path + ": " + e.message);
    }
}

Result<std::shared_ptr<const Grammar>> Grammar::toolCalls(const std::vector<ToolSpec>& tools, bool parallel,
                                                           const std::string& where) {
    if (tools.empty()) return Status(Code::InvalidArgument, where + ": no tool to call");
    Builder b;
    JsonRules j(b);
    try {
        // <｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\nARGUMENTS\n```<｜tool▁call▁end｜>
        const std::uint32_t call = b.rule(where);
        for (std::size_t i = 0; i < tools.size(); ++i) {
            const std::string path = where + "[" + std::to_string(i) + "].function.parameters";
            const std::uint32_t args = SchemaCompiler(b, j, tools[i].parameters, path).compileTop();
            b.alt(call, {Builder::lit(std::string(kToolCallBegin) + "function" + std::string(kToolSep) + tools[i].name +
                                      "\n```json\n"),
                         Builder::call(args), Builder::lit("\n```" + std::string(kToolCallEnd))});
        }
        const std::uint32_t more = b.rule(where);
        b.alt(more, {Builder::lit(kToolCallsEnd)});
        if (parallel) b.alt(more, {Builder::lit("\n"), Builder::call(call), Builder::call(more)});
        const std::uint32_t calls = b.rule(where);
        b.alt(calls, {Builder::lit(kToolCallsBegin), Builder::call(call), Builder::call(more)});
        return finished(b, calls, where);
    } catch (const SchemaError& e) {
        return Status(Code::InvalidArgument, e.path + ": " + e.message);
    }
}

} // namespace ws
