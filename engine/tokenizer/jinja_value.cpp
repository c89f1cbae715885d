// Jinja values: construction from JSON, Python str()/repr(), json.dumps as transformers' tojson, ==, <.
#include "tokenizer/jinja_value.h"

#include "tokenizer/utf8.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace ws::jinja {

void fail(Code code, std::string message) { throw EvalError{code, std::move(message)}; }

namespace {

// Printing, JSON and comparison recurse into containers; a namespace can hold itself, so depth is bounded.
constexpr int kMaxDepth = 256;

void checkDepth(int depth) {
    if (depth > kMaxDepth)
        fail(Code::OutOfRange, "value nested more than 256 levels deep (or containing itself)");
}

} // namespace

const Value* DictData::find(std::string_view key) const {
    for (const auto& [k, v] : items)
        if (k == key)
            return &v;
    return nullptr;
}

void DictData::set(const std::string& key, Value value) {
    for (auto& [k, v] : items) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    items.emplace_back(key, std::move(value));
}

Value Value::string(std::string s) {
    if (s.size() > kMaxStringBytes)
        fail(Code::OutOfRange, "string longer than 64 MiB");
    Value v = withKind(Kind::String);
    v.m_str = std::make_shared<const std::string>(std::move(s));
    return v;
}

Value Value::list(ValueList items) {
    Value v = withKind(Kind::List);
    v.m_list = std::make_shared<ValueList>(std::move(items));
    return v;
}

Value Value::tuple(ValueList items) {
    Value v = withKind(Kind::Tuple);
    v.m_list = std::make_shared<ValueList>(std::move(items));
    return v;
}

Value Value::emptyDict() {
    Value v = withKind(Kind::Dict);
    v.m_dict = std::make_shared<DictData>();
    return v;
}

Value Value::namespaceObject() {
    Value v = withKind(Kind::Namespace);
    v.m_dict = std::make_shared<DictData>();
    return v;
}

Value Value::function(std::string name, Function fn) {
    Value v = withKind(Kind::Callable);
    v.m_str = std::make_shared<const std::string>(std::move(name));
    v.m_fn = std::make_shared<const Function>(std::move(fn));
    return v;
}

Value Value::generator(ValueList items) {
    Value v = withKind(Kind::Generator);
    v.m_list = std::make_shared<ValueList>(std::move(items));
    v.m_next = std::make_shared<std::size_t>(0);
    return v;
}

ValueList Value::consume() const {
    ValueList rest(m_list->begin() + static_cast<std::ptrdiff_t>(*m_next), m_list->end());
    *m_next = m_list->size();
    return rest;
}

namespace {

Value jsonAt(const nlohmann::ordered_json& j, int depth);

} // namespace

Value Value::fromJson(const nlohmann::ordered_json& j) { return jsonAt(j, 0); }

namespace {

Value jsonAt(const nlohmann::ordered_json& j, int depth) {
    using T = nlohmann::ordered_json::value_t;
    checkDepth(depth);
    switch (j.type()) {
    case T::null:
        return Value::none();
    case T::boolean:
        return Value::boolean(j.get<bool>());
    case T::number_integer:
        return Value::integer(j.get<std::int64_t>());
    case T::number_unsigned: {
        auto u = j.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail(Code::OutOfRange, "integer " + std::to_string(u) + " in the context is larger than 2^63-1");
        return Value::integer(static_cast<std::int64_t>(u));
    }
    case T::number_float:
        return Value::number(j.get<double>());
    case T::string:
        return Value::string(j.get<std::string>());
    case T::array: {
        ValueList items;
        items.reserve(j.size());
        for (const auto& e : j)
            items.push_back(jsonAt(e, depth + 1));
        return Value::list(std::move(items));
    }
    case T::object: {
        Value d = Value::emptyDict();
        d.dict().items.reserve(j.size());
        for (const auto& [k, e] : j.items())
            d.dict().items.emplace_back(k, jsonAt(e, depth + 1));
        return d;
    }
    default:
        fail(Code::InvalidArgument, "binary values are not supported in the context");
    }
}

} // namespace

double Value::asDouble() const {
    switch (m_kind) {
    case Kind::Float:
        return m_float;
    case Kind::Int:
        return static_cast<double>(m_int);
    case Kind::Bool:
        return m_bool ? 1.0 : 0.0;
    default:
        return 0;
    }
}

std::string Value::undefinedHint() const {
    if (m_str && !m_str->empty())
        return *m_str;
    return "value is undefined";
}

bool Value::truthy() const {
    switch (m_kind) {
    case Kind::Undefined:
    case Kind::None:
        return false;
    case Kind::Bool:
        return m_bool;
    case Kind::Int:
        return m_int != 0;
    case Kind::Float:
        return m_float != 0;
    case Kind::String:
        return !m_str->empty();
    case Kind::List:
    case Kind::Tuple:
        return !m_list->empty();
    case Kind::Dict:
        return !m_dict->items.empty();
    case Kind::Namespace:
    case Kind::Callable:
    case Kind::Generator:
        return true;
    }
    return false;
}

std::string Value::typeName() const {
    switch (m_kind) {
    case Kind::Undefined:
        return "Undefined";
    case Kind::None:
        return "NoneType";
    case Kind::Bool:
        return "bool";
    case Kind::Int:
        return "int";
    case Kind::Float:
        return "float";
    case Kind::String:
        return "str";
    case Kind::List:
        return "list";
    case Kind::Tuple:
        return "tuple";
    case Kind::Dict:
        return "dict";
    case Kind::Namespace:
        return "Namespace";
    case Kind::Callable:
        return "function";
    case Kind::Generator:
        return "generator";
    }
    return "?";
}

// ---------------------------------------------------------------------------------------------------------------
// UTF-8

std::u32string decodeUtf8(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto c = detail::readUtf8(s, i);
        out.push_back(c.kind == detail::Utf8Kind::Valid ? c.codePoint : U'\uFFFD');
        i += c.length;
    }
    return out;
}

std::string encodeUtf8(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s)
        detail::appendUtf8(out, c);
    return out;
}

bool isPySpace(char32_t cp) { return detail::isUnicodeWhiteSpace(cp) || (cp >= 0x1C && cp <= 0x1F); }

std::size_t codePointCount(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) {
        i += detail::readUtf8(s, i).length;
        ++n;
    }
    return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Checked integer arithmetic

std::int64_t checkedAdd(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        fail(Code::OutOfRange, "integer overflow in addition");
    return r;
}

std::int64_t checkedSub(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        fail(Code::OutOfRange, "integer overflow in subtraction");
    return r;
}

std::int64_t checkedMul(std::int64_t a, std::int64_t b) {
    std::int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        fail(Code::OutOfRange, "integer overflow in multiplication");
    return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

std::string floatRepr(double d) {
    if (std::isnan(d))
        return "nan";
    if (std::isinf(d))
        return d < 0 ? "-inf" : "inf";
    // Shortest round-trip digits, as Python's repr; then Python's choice of fixed or exponent notation.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    std::string out;
    std::size_t pos = 0;
    if (sci[0] == '-') {
        out += '-';
        pos = 1;
    }
    std::size_t e = sci.find('e');
    std::string digits;
    for (std::size_t i = pos; i < e; ++i)
        if (sci[i] != '.')
            digits += sci[i];
    int exp10 = std::stoi(sci.substr(e + 1));
    while (digits.size() > 1 && digits.back() == '0')
        digits.pop_back();
    int decpt = exp10 + 1; // value = 0.DIGITS × 10^decpt
    int n = static_cast<int>(digits.size());
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
        } else if (decpt >= n) {
            out += digits + std::string(static_cast<std::size_t>(decpt - n), '0') + ".0";
        } else {
            out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
                   digits.substr(static_cast<std::size_t>(decpt));
        }
    } else {
        out += digits.substr(0, 1);
        if (n > 1)
            out += "." + digits.substr(1);
        int x = decpt - 1;
        char eb[16];
        std::snprintf(eb, sizeof eb, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
        out += eb;
    }
    return out;
}

namespace {

// Python's str.isprintable, approximately: controls, separators other than space, format characters and
// private use are escaped; letters, marks, symbols and CJK are kept.
bool isPyPrintable(char32_t c) {
    if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD)
        return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F))
        return false;
    if ((c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB))
        return false;
    if ((c >= 0xD800 && c <= 0xF8FF) || c == 0xFFFE || c == 0xFFFF)
        return false;
    if (c >= 0xF0000)
        return false;
    return true;
}

void appendStrRepr(std::string& out, const std::string& s) {
    bool hasSingle = s.find('\'') != std::string::npos;
    bool hasDouble = s.find('"') != std::string::npos;
    char quote = hasSingle && !hasDouble ? '"' : '\'';
    out += quote;
    for (char32_t c : decodeUtf8(s)) {
        if (c == static_cast<char32_t>(quote) || c == U'\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == U'\n') {
            out += "\\n";
        } else if (c == U'\r') {
            out += "\\r";
        } else if (c == U'\t') {
            out += "\\t";
        } else if (!isPyPrintable(c)) {
            char b[16];
            if (c < 0x100)
                std::snprintf(b, sizeof b, "\\x%02x", static_cast<unsigned>(c));
            else if (c < 0x10000)
                std::snprintf(b, sizeof b, "\\u%04x", static_cast<unsigned>(c));
            else
                std::snprintf(b, sizeof b, "\\U%08x", static_cast<unsigned>(c));
            out += b;
        } else {
            detail::appendUtf8(out, c);
        }
    }
    out += quote;
}

void appendRepr(std::string& out, const Value& v, int depth);

void appendStr(std::string& out, const Value& v, int depth) {
    if (v.isString())
        out += v.str();
    else if (v.isUndefined())
        return;
    else
        appendRepr(out, v, depth);
}

void appendRepr(std::string& out, const Value& v, int depth) {
    checkDepth(depth);
    if (out.size() > kMaxStringBytes)
        fail(Code::OutOfRange, "printed value longer than 64 MiB");
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return;
    case Value::Kind::None:
        out += "None";
        return;
    case Value::Kind::Bool:
        out += v.asBool() ? "True" : "False";
        return;
    case Value::Kind::Int:
        out += std::to_string(v.asInt());
        return;
    case Value::Kind::Float:
        out += floatRepr(v.asDouble());
        return;
    case Value::Kind::String:
        appendStrRepr(out, v.str());
        return;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        bool tuple = v.kind() == Value::Kind::Tuple;
        out += tuple ? '(' : '[';
        const auto& items = v.items();
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i)
                out += ", ";
            appendRepr(out, items[i], depth + 1);
        }
        if (tuple && items.size() == 1)
            out += ',';
        out += tuple ? ')' : ']';
        return;
    }
    case Value::Kind::Dict:
    case Value::Kind::Namespace: {
        bool ns = v.kind() == Value::Kind::Namespace;
        out += ns ? "<Namespace {" : "{";
        bool first = true;
        for (const auto& [k, e] : v.dict().items) {
            if (!first)
                out += ", ";
            first = false;
            appendStrRepr(out, k);
            out += ": ";
            appendRepr(out, e, depth + 1);
        }
        out += ns ? "}>" : "}";
        return;
    }
    case Value::Kind::Callable:
        out += "<function " + v.fnName() + ">";
        return;
    case Value::Kind::Generator:
        fail(Code::Unsupported, "printing a generator (the result of map, select, reject, unique or reverse) "
                                "shows a memory address in Python; apply |list first");
    }
}

void appendJsonString(std::string& out, std::string_view s) {
    out += '"';
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (u < 0x20) {
                char b[8];
                std::snprintf(b, sizeof b, "\\u%04x", u);
                out += b;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendJson(std::string& out, const Value& v, int indent, int level) {
    checkDepth(level);
    if (out.size() > kMaxStringBytes)
        fail(Code::OutOfRange, "tojson output longer than 64 MiB");
    auto newline = [&](int lvl) {
        out += '\n';
        out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(lvl), ' ');
    };
    const char* itemSep = indent >= 0 ? "," : ", ";
    switch (v.kind()) {
    case Value::Kind::None:
        out += "null";
        return;
    case Value::Kind::Bool:
        out += v.asBool() ? "true" : "false";
        return;
    case Value::Kind::Int:
        out += std::to_string(v.asInt());
        return;
    case Value::Kind::Float: {
        double d = v.asDouble();
        if (std::isnan(d))
            out += "NaN";
        else if (std::isinf(d))
            out += d < 0 ? "-Infinity" : "Infinity";
        else
            out += floatRepr(d);
        return;
    }
    case Value::Kind::String:
        appendJsonString(out, v.str());
        return;
    case Value::Kind::List:
    case Value::Kind::Tuple: {
        const auto& items = v.items();
        if (items.empty()) {
            out += "[]";
            return;
        }
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i)
                out += itemSep;
            if (indent >= 0)
                newline(level + 1);
            appendJson(out, items[i], indent, level + 1);
        }
        if (indent >= 0)
            newline(level);
        out += ']';
        return;
    }
    case Value::Kind::Dict: {
        const auto& items = v.dict().items;
        if (items.empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& [k, e] : items) {
            if (!first)
                out += itemSep;
            first = false;
            if (indent >= 0)
                newline(level + 1);
            appendJsonString(out, k);
            out += ": ";
            appendJson(out, e, indent, level + 1);
        }
        if (indent >= 0)
            newline(level);
        out += '}';
        return;
    }
    case Value::Kind::Undefined:
        fail(Code::InvalidArgument,
             "tojson: Object of type Undefined is not JSON serializable (" + v.undefinedHint() + ")");
    default:
        fail(Code::InvalidArgument, "tojson: Object of type " + v.typeName() + " is not JSON serializable");
    }
}

bool equalsAt(const Value& a, const Value& b, int depth) {
    checkDepth(depth);
    using K = Value::Kind;
    if (a.isNumber() && b.isNumber()) {
        if (a.isFloat() || b.isFloat())
            return a.asDouble() == b.asDouble();
        return a.asInt() == b.asInt();
    }
    if (a.kind() != b.kind())
        return false;
    switch (a.kind()) {
    case K::Undefined:
    case K::None:
        return true;
    case K::String:
        return a.str() == b.str();
    case K::List:
    case K::Tuple: {
        const auto& x = a.items();
        const auto& y = b.items();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!equalsAt(x[i], y[i], depth + 1))
                return false;
        return true;
    }
    case K::Dict: {
        const auto& x = a.dict();
        const auto& y = b.dict();
        if (x.items.size() != y.items.size())
            return false;
        for (const auto& [k, e] : x.items) {
            const Value* o = y.find(k);
            if (!o || !equalsAt(e, *o, depth + 1))
                return false;
        }
        return true;
    }
    case K::Namespace:
        return &a.dict() == &b.dict();
    case K::Callable:
        return &a.fn() == &b.fn();
    case K::Generator:
        return &a.items() == &b.items();
    default:
        return false;
    }
}

int compareAt(const Value& a, const Value& b, int depth) {
    checkDepth(depth);
    if (a.isNumber() && b.isNumber()) {
        if (a.isFloat() || b.isFloat()) {
            double x = a.asDouble(), y = b.asDouble();
            return x < y ? -1 : (y < x ? 1 : 0);
        }
        auto x = a.asInt(), y = b.asInt();
        return x < y ? -1 : (y < x ? 1 : 0);
    }
    if (a.isString() && b.isString()) {
        int c = a.str().compare(b.str()); // UTF-8 byte order is code point order
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (a.isSequence() && a.kind() == b.kind()) {
        const auto& x = a.items();
        const auto& y = b.items();
        for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (!equalsAt(x[i], y[i], depth + 1))
                return compareAt(x[i], y[i], depth + 1);
        }
        return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    fail(Code::InvalidArgument,
         "'<' not supported between instances of '" + a.typeName() + "' and '" + b.typeName() + "'");
}

} // namespace

std::string toStr(const Value& v) {
    if (v.isString())
        return v.str();
    std::string out;
    appendStr(out, v, 0);
    return out;
}

std::string toRepr(const Value& v) {
    std::string out;
    appendRepr(out, v, 0);
    return out;
}

std::string toJson(const Value& v, int indent) {
    std::string out;
    appendJson(out, v, indent, 0);
    return out;
}

bool equals(const Value& a, const Value& b) { return equalsAt(a, b, 0); }

int compare(const Value& a, const Value& b) { return compareAt(a, b, 0); }

} // namespace ws::jinja
