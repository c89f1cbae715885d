// Jinja attribute and item lookup as jinja2's sandboxed getattr/getitem, and the str, dict and list methods
// templates call (mutating ones refused, as transformers' ImmutableSandboxedEnvironment does).
#include "tokenizer/jinja_interp.h"
#include "tokenizer/jinja_text.h"

#include <optional>

namespace ws::jinja {

void failUndefined(const Value& v) { fail(Code::InvalidArgument, v.undefinedHint()); }

namespace {

std::string objectName(const Value& v) { return "'" + v.typeName() + " object'"; }

Value missingAttr(const Value& obj, const std::string& name) {
    return Value::undefined(objectName(obj) + " has no attribute '" + name + "'");
}

Value listLike(const Value& like, ValueList items) {
    return like.kind() == Value::Kind::Tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

// ---------------------------------------------------------------------------------------------------------------
// Methods

Value boundMethod(const Value& obj, const std::string& name, Function fn) {
    (void)obj;
    return Value::function(name, std::move(fn));
}

Value unsafeMethod(const Value& obj, const std::string& name) {
    std::string msg = "access to attribute '" + name + "' of '" + obj.typeName() +
                      "' object is unsafe (transformers renders in jinja2's ImmutableSandboxedEnvironment)";
    return Value::function(name, [msg](Interpreter&, CallArgs&) -> Value { fail(Code::Unsupported, msg); });
}

Value strMethod(const Value& obj, const std::string& name) {
    static const char* const kNames[] = {
        "strip",   "lstrip",  "rstrip",  "split",      "rsplit",     "startswith", "endswith",
        "upper",   "lower",   "title",   "capitalize", "replace",    "find",       "rfind",
        "index",   "rindex",  "count",   "join",       "splitlines", "isdigit",    "isalpha",
        "isalnum", "isspace", "isupper", "islower",    "format"};
    bool known = false;
    for (const char* n : kNames)
        known = known || name == n;
    if (!known)
        return missingAttr(obj, name);
    return boundMethod(obj, name, [obj, name](Interpreter& in, CallArgs& a) -> Value {
        const std::string& s = obj.str();
        if (name == "strip" || name == "lstrip" || name == "rstrip") {
            a.check(name, 1, {"chars"});
            return Value::string(
                strip(s, a.get(0, "chars", Value::none()), name != "rstrip", name != "lstrip"));
        }
        if (name == "split" || name == "rsplit") {
            a.check(name, 2, {"sep", "maxsplit"});
            Value max = a.get(1, "maxsplit", Value::integer(-1));
            ValueList parts =
                split(s, a.get(0, "sep", Value::none()), needInt(max, "maxsplit"), name == "rsplit");
            in.spend(parts.size());
            return Value::list(std::move(parts));
        }
        if (name == "startswith" || name == "endswith") {
            a.check(name, 1, {});
            if (a.args.empty())
                fail(Code::InvalidArgument, name + "() takes at least 1 argument");
            return Value::boolean(startsOrEndsWith(s, a.args[0], name == "startswith"));
        }
        if (name == "upper" || name == "lower") {
            a.check(name, 0, {});
            return Value::string(caseMap(s, name == "upper"));
        }
        if (name == "title") {
            a.check(name, 0, {});
            return Value::string(pyTitle(s));
        }
        if (name == "capitalize") {
            a.check(name, 0, {});
            return Value::string(capitalize(s));
        }
        if (name == "replace") {
            a.check(name, 3, {"count"});
            if (a.args.size() < 2)
                fail(Code::InvalidArgument, "replace() takes at least 2 arguments");
            return Value::string(replace(s, needString(a.args[0], "replace"),
                                         needString(a.args[1], "replace"),
                                         needInt(a.get(2, "count", Value::integer(-1)), "replace")));
        }
        if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
            a.check(name, 1, {});
            if (a.args.empty())
                fail(Code::InvalidArgument, name + "() takes exactly 1 argument");
            const std::string& sub = needString(a.args[0], name.c_str());
            if (name == "count") {
                std::int64_t n = 0;
                if (sub.empty())
                    return Value::integer(static_cast<std::int64_t>(codePointCount(s)) + 1);
                for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + sub.size()))
                    ++n;
                return Value::integer(n);
            }
            std::size_t p = (name == "find" || name == "index") ? s.find(sub) : s.rfind(sub);
            if (p == std::string::npos) {
                if (name == "index" || name == "rindex")
                    fail(Code::InvalidArgument, "substring not found");
                return Value::integer(-1);
            }
            return Value::integer(
                static_cast<std::int64_t>(codePointCount(std::string_view(s).substr(0, p))));
        }
        if (name == "join") {
            a.check(name, 1, {});
            if (a.args.empty())
                fail(Code::InvalidArgument, "join() takes exactly 1 argument");
            ValueList items = iterate(a.args[0]);
            in.spend(items.size());
            std::string out;
            for (std::size_t i = 0; i < items.size(); ++i) {
                if (!items[i].isString())
                    fail(Code::InvalidArgument, "sequence item " + std::to_string(i) +
                                                    ": expected str instance, " + items[i].typeName() +
                                                    " found");
                if (i)
                    out += s;
                out += items[i].str();
                if (out.size() > kMaxStringBytes)
                    fail(Code::OutOfRange, "string longer than 64 MiB");
            }
            return Value::string(std::move(out));
        }
        if (name == "splitlines") {
            a.check(name, 1, {"keepends"});
            ValueList out;
            for (auto& l : splitLines(s, a.get(0, "keepends", Value::boolean(false)).truthy()))
                out.push_back(Value::string(std::move(l)));
            return Value::list(std::move(out));
        }
        if (name == "format")
            fail(Code::Unsupported, "str.format() is not supported");
        // is* predicates: ASCII exactly; non-ASCII only where our tables are exact (whitespace)
        a.check(name, 0, {});
        std::u32string u = decodeUtf8(s);
        if (u.empty())
            return Value::boolean(false);
        if (name == "isspace") {
            for (char32_t c : u)
                if (!isPySpace(c))
                    return Value::boolean(false);
            return Value::boolean(true);
        }
        for (char32_t c : u)
            if (c > 0x7F)
                fail(Code::Unsupported, "str." + name + "() of non-ASCII text is not supported");
        bool any = false, all = true;
        for (char32_t c : u) {
            bool digit = c >= '0' && c <= '9', lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
            if (name == "isdigit")
                all = all && digit;
            if (name == "isalpha")
                all = all && (lower || upper);
            if (name == "isalnum")
                all = all && (lower || upper || digit);
            if (name == "isupper") {
                all = all && !lower;
                any = any || upper;
            }
            if (name == "islower") {
                all = all && !upper;
                any = any || lower;
            }
        }
        if (name == "isupper" || name == "islower")
            return Value::boolean(all && any);
        return Value::boolean(all);
    });
}

Value dictMethod(const Value& obj, const std::string& name) {
    if (name == "pop" || name == "popitem" || name == "setdefault" || name == "update" || name == "clear")
        return unsafeMethod(obj, name);
    if (name != "items" && name != "keys" && name != "values" && name != "get")
        return Value();
    return boundMethod(obj, name, [obj, name](Interpreter& in, CallArgs& a) -> Value {
        const DictData& d = obj.dict();
        if (name == "get") {
            a.check(name, 2, {});
            if (a.args.empty())
                fail(Code::InvalidArgument, "get() takes at least 1 argument");
            const Value* v = a.args[0].isString() ? d.find(a.args[0].str()) : nullptr;
            return v ? *v : a.get(1, "", Value::none());
        }
        a.check(name, 0, {});
        in.spend(d.items.size());
        ValueList out;
        out.reserve(d.items.size());
        for (const auto& [k, v] : d.items) {
            if (name == "items")
                out.push_back(Value::tuple({Value::string(k), v}));
            else
                out.push_back(name == "keys" ? Value::string(k) : v);
        }
        return Value::list(std::move(out));
    });
}

Value listMethod(const Value& obj, const std::string& name) {
    if (name == "append" || name == "extend" || name == "insert" || name == "pop" || name == "remove" ||
        name == "reverse" || name == "sort" || name == "clear")
        return unsafeMethod(obj, name);
    if (name != "index" && name != "count")
        return missingAttr(obj, name);
    return boundMethod(obj, name, [obj, name](Interpreter& in, CallArgs& a) -> Value {
        a.check(name, 1, {});
        if (a.args.empty())
            fail(Code::InvalidArgument, name + "() takes exactly 1 argument");
        const ValueList& items = obj.items();
        in.spend(items.size());
        std::int64_t n = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (!equals(items[i], a.args[0]))
                continue;
            if (name == "index")
                return Value::integer(static_cast<std::int64_t>(i));
            ++n;
        }
        if (name == "index")
            fail(Code::InvalidArgument, "value is not in list");
        return Value::integer(n);
    });
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Lookup

Value getAttr(const Value& obj, const std::string& name) {
    switch (obj.kind()) {
    case Value::Kind::Undefined:
        failUndefined(obj);
    case Value::Kind::Dict: {
        Value m = dictMethod(obj, name);
        if (!m.isUndefined())
            return m;
        const Value* v = obj.dict().find(name);
        return v ? *v : missingAttr(obj, name);
    }
    case Value::Kind::Namespace: {
        const Value* v = obj.dict().find(name);
        return v ? *v : missingAttr(obj, name);
    }
    case Value::Kind::String:
        return strMethod(obj, name);
    case Value::Kind::List:
    case Value::Kind::Tuple:
        return listMethod(obj, name);
    default:
        return missingAttr(obj, name);
    }
}

Value getItem(const Value& obj, const Value& key) {
    if (obj.isUndefined())
        failUndefined(obj);
    if (key.isUndefined())
        failUndefined(key);
    if (obj.isMapping() || obj.kind() == Value::Kind::Namespace) {
        if (key.isString()) {
            const Value* v = obj.dict().find(key.str());
            if (v)
                return *v;
            return getAttr(obj, key.str());
        }
        return Value::undefined(objectName(obj) + " has no attribute " + toRepr(key));
    }
    if (obj.isSequence() || obj.isString()) {
        if (key.isInt() || key.isBool()) {
            std::int64_t i = key.asInt();
            if (obj.isString()) {
                std::u32string u = decodeUtf8(obj.str());
                auto n = static_cast<std::int64_t>(u.size());
                if (i < 0)
                    i += n;
                if (i < 0 || i >= n)
                    return Value::undefined(objectName(obj) + " has no element " +
                                            std::to_string(key.asInt()));
                return Value::string(encodeUtf8(u.substr(static_cast<std::size_t>(i), 1)));
            }
            auto n = static_cast<std::int64_t>(obj.items().size());
            if (i < 0)
                i += n;
            if (i < 0 || i >= n)
                return Value::undefined(objectName(obj) + " has no element " + std::to_string(key.asInt()));
            return obj.items()[static_cast<std::size_t>(i)];
        }
        if (key.isString())
            return getAttr(obj, key.str());
        return Value::undefined(objectName(obj) + " has no element " + toRepr(key));
    }
    if (key.isString())
        return getAttr(obj, key.str());
    return Value::undefined(objectName(obj) + " has no element " + toRepr(key));
}

Value getSlice(const Value& obj, const Value& startV, const Value& stopV, const Value& stepV) {
    if (obj.isUndefined())
        failUndefined(obj);
    if (!obj.isSequence() && !obj.isString())
        return Value::undefined(objectName(obj) + " is not subscriptable");
    auto bound = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
        if (v.isNone())
            return std::nullopt;
        return needInt(v, what);
    };
    std::optional<std::int64_t> start = bound(startV, "slice start"), stop = bound(stopV, "slice stop"),
                                step = bound(stepV, "slice step");
    std::int64_t st = step.value_or(1);
    if (st == 0)
        fail(Code::InvalidArgument, "slice step cannot be zero");
    std::u32string u;
    if (obj.isString())
        u = decodeUtf8(obj.str());
    auto n = static_cast<std::int64_t>(obj.isString() ? u.size() : obj.items().size());
    // Python's PySlice_AdjustIndices
    auto adjust = [&](std::optional<std::int64_t> v, std::int64_t dflt) {
        if (!v)
            return dflt;
        std::int64_t x = *v;
        if (x < 0) {
            x += n;
            if (x < 0)
                x = st < 0 ? -1 : 0;
        } else if (x >= n) {
            x = st < 0 ? n - 1 : n;
        }
        return x;
    };
    std::int64_t b = adjust(start, st < 0 ? n - 1 : 0), e = adjust(stop, st < 0 ? -1 : n);
    std::vector<std::size_t> idx;
    if (st > 0)
        for (std::int64_t i = b; i < e; i += st)
            idx.push_back(static_cast<std::size_t>(i));
    else
        for (std::int64_t i = b; i > e; i += st)
            idx.push_back(static_cast<std::size_t>(i));
    if (obj.isString()) {
        std::u32string out;
        for (auto i : idx)
            out += u[i];
        return Value::string(encodeUtf8(out));
    }
    ValueList out;
    for (auto i : idx)
        out.push_back(obj.items()[i]);
    return listLike(obj, std::move(out));
}

ValueList iterate(const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return {};
    case Value::Kind::List:
    case Value::Kind::Tuple:
        return v.items();
    case Value::Kind::Dict: {
        ValueList keys;
        for (const auto& [k, e] : v.dict().items)
            keys.push_back(Value::string(k));
        return keys;
    }
    case Value::Kind::String: {
        ValueList chars;
        for (char32_t c : decodeUtf8(v.str()))
            chars.push_back(Value::string(encodeUtf8(std::u32string(1, c))));
        return chars;
    }
    case Value::Kind::Generator:
        return v.consume();
    default:
        fail(Code::InvalidArgument, "'" + v.typeName() + "' object is not iterable");
    }
}

bool contains(const Value& container, const Value& needle) {
    switch (container.kind()) {
    case Value::Kind::String:
        if (!needle.isString())
            fail(Code::InvalidArgument,
                 "'in <string>' requires string as left operand, not " + needle.typeName());
        return container.str().find(needle.str()) != std::string::npos;
    case Value::Kind::List:
    case Value::Kind::Tuple:
        for (const auto& v : container.items())
            if (equals(v, needle))
                return true;
        return false;
    case Value::Kind::Dict:
        return needle.isString() && container.dict().find(needle.str()) != nullptr;
    case Value::Kind::Undefined:
        return false;
    case Value::Kind::Generator:
        for (const auto& v : container.consume())
            if (equals(v, needle))
                return true;
        return false;
    default:
        fail(Code::InvalidArgument, "argument of type '" + container.typeName() + "' is not iterable");
    }
}

Value attrPath(const Value& item, const std::string& path) {
    Value v = item;
    std::size_t start = 0;
    while (true) {
        std::size_t dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        std::int64_t index;
        if (!part.empty() && part.find_first_not_of("0123456789") == std::string::npos &&
            parseInt(part, index))
            v = getItem(v, Value::integer(index));
        else
            v = getItem(v, Value::string(part));
        if (dot == std::string::npos)
            return v;
        start = dot + 1;
    }
}

} // namespace ws::jinja
