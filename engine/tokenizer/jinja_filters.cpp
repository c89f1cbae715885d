// Jinja filters, tests and globals as jinja2 3.1 defines them (jinja2/filters.py, tests.py, defaults.py),
// with transformers' tojson (json.dumps, ensure_ascii=False) and raise_exception/strftime_now globals.
#include "tokenizer/jinja_interp.h"
#include "tokenizer/jinja_text.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>

namespace ws::jinja {
namespace {

void mergeSort(ValueList& v, const std::function<bool(const Value&, const Value&)>& less) {
    if (v.size() < 2)
        return;
    ValueList tmp(v.size());
    for (std::size_t width = 1; width < v.size(); width *= 2) {
        for (std::size_t lo = 0; lo < v.size(); lo += 2 * width) {
            std::size_t mid = std::min(lo + width, v.size()), hi = std::min(lo + 2 * width, v.size());
            std::size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = less(v[j], v[i]) ? v[j++] : v[i++];
            while (i < mid)
                tmp[k++] = v[i++];
            while (j < hi)
                tmp[k++] = v[j++];
        }
        v.swap(tmp);
    }
}

/// The key jinja2 sorts and compares by: lowercased strings unless case-sensitive.
Value sortKey(const Value& v, bool caseSensitive) {
    if (!caseSensitive && v.isString())
        return Value::string(caseMap(v.str(), false));
    return v;
}

/// environment.getitem along a dotted path ("function.name"; digits index lists), as jinja2's
/// make_attrgetter.

std::size_t lengthOf(const Value& v) {
    switch (v.kind()) {
    case Value::Kind::Undefined:
        return 0;
    case Value::Kind::String:
        return codePointCount(v.str());
    case Value::Kind::List:
    case Value::Kind::Tuple:
        return v.items().size();
    case Value::Kind::Dict:
        return v.dict().items.size();
    default:
        fail(Code::InvalidArgument, "object of type '" + v.typeName() + "' has no len()");
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Tests

bool applyTest(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
    (void)in;
    using K = Value::Kind;
    auto arg = [&](const char* what) -> const Value& {
        if (a.args.empty())
            fail(Code::InvalidArgument, std::string("test '") + what + "' needs an argument");
        return a.args[0];
    };
    if (name == "defined")
        return !v.isUndefined();
    if (name == "undefined")
        return v.isUndefined();
    if (name == "none")
        return v.isNone();
    if (name == "boolean")
        return v.isBool();
    if (name == "true")
        return v.isBool() && v.asBool();
    if (name == "false")
        return v.isBool() && !v.asBool();
    if (name == "integer")
        return v.isInt();
    if (name == "float")
        return v.isFloat();
    if (name == "number")
        return v.isNumber();
    if (name == "string")
        return v.isString();
    if (name == "mapping")
        return v.isMapping();
    if (name == "iterable")
        return v.isSequence() || v.isMapping() || v.isString() || v.isUndefined() || v.kind() == K::Generator;
    if (name == "sequence")
        return v.isSequence() || v.isMapping() || v.isString();
    if (name == "callable")
        return v.kind() == K::Callable;
    if (name == "escaped")
        return false;
    if (name == "odd" || name == "even") {
        if (v.isUndefined())
            failUndefined(v);
        if (!v.isInt() && !v.isBool())
            fail(Code::InvalidArgument, "test '" + name + "' expects an integer");
        bool odd = (v.asInt() % 2) != 0;
        return name == "odd" ? odd : !odd;
    }
    if (name == "divisibleby") {
        std::int64_t d = needInt(arg("divisibleby"), "divisibleby");
        if (d == 0)
            fail(Code::InvalidArgument, "integer division or modulo by zero");
        return d == -1 || needInt(v, "divisibleby") % d == 0;
    }
    if (name == "eq" || name == "equalto" || name == "==")
        return equals(v, arg("eq"));
    if (name == "ne" || name == "!=")
        return !equals(v, arg("ne"));
    if (name == "lt" || name == "lessthan" || name == "<")
        return compare(v, arg("lt")) < 0;
    if (name == "le" || name == "<=")
        return compare(v, arg("le")) <= 0;
    if (name == "gt" || name == "greaterthan" || name == ">")
        return compare(v, arg("gt")) > 0;
    if (name == "ge" || name == ">=")
        return compare(v, arg("ge")) >= 0;
    if (name == "in")
        return contains(arg("in"), v);
    if (name == "sameas") {
        const Value& o = arg("sameas");
        if (v.kind() != o.kind())
            return false;
        if (v.isNone() || v.isUndefined())
            return true;
        if (v.isBool())
            return v.asBool() == o.asBool();
        if (v.isSequence() || v.kind() == K::Generator)
            return &v.items() == &o.items();
        if (v.isMapping() || v.kind() == K::Namespace)
            return &v.dict() == &o.dict();
        return equals(v, o) && !v.isString() &&
               !v.isFloat(); // small ints are cached in CPython; strings vary
    }
    if (name == "lower" || name == "upper") {
        if (!v.isString())
            return false;
        std::string s = toStr(v);
        return s == caseMap(s, name == "upper") && s != caseMap(s, name != "upper");
    }
    fail(Code::InvalidArgument, "no test named '" + name + "'");
}

// ---------------------------------------------------------------------------------------------------------------
// Filters

Value applyFilter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a) {
    using K = Value::Kind;
    if (name == "safe")
        return v;
    if (name == "default" || name == "d") {
        a.check(name, 2, {"default_value", "boolean"});
        bool useBool = a.get(1, "boolean", Value::boolean(false)).truthy();
        if (v.isUndefined() || (useBool && !v.truthy()))
            return a.get(0, "default_value", Value::string(""));
        return v;
    }
    if (name == "length" || name == "count") {
        a.check(name, 0, {});
        return Value::integer(static_cast<std::int64_t>(lengthOf(v)));
    }
    if (name == "string") {
        a.check(name, 0, {});
        return Value::string(toStr(v));
    }
    if (name == "upper" || name == "lower") {
        a.check(name, 0, {});
        return Value::string(caseMap(toStr(v), name == "upper"));
    }
    if (name == "capitalize") {
        a.check(name, 0, {});
        return Value::string(capitalize(toStr(v)));
    }
    if (name == "title") {
        a.check(name, 0, {});
        return Value::string(filterTitle(toStr(v)));
    }
    if (name == "trim") {
        a.check(name, 1, {"chars"});
        return Value::string(strip(toStr(v), a.get(0, "chars", Value::none()), true, true));
    }
    if (name == "escape" || name == "e" || name == "forceescape") {
        a.check(name, 0, {});
        return Value::string(htmlEscape(toStr(v)));
    }
    if (name == "replace") {
        a.check(name, 3, {"old", "new", "count"});
        Value count = a.get(2, "count", Value::none());
        return Value::string(replace(toStr(v), toStr(a.get(0, "old")), toStr(a.get(1, "new")),
                                     count.isNone() ? -1 : needInt(count, "replace")));
    }
    if (name == "tojson") {
        a.check(name, 1, {"ensure_ascii", "indent", "separators", "sort_keys"});
        if (a.get(0, "ensure_ascii", Value::boolean(false)).truthy())
            fail(Code::Unsupported, "tojson(ensure_ascii=True) is not supported");
        if (!a.get(99, "separators", Value::none()).isNone())
            fail(Code::Unsupported, "tojson(separators=...) is not supported");
        if (a.get(99, "sort_keys", Value::boolean(false)).truthy())
            fail(Code::Unsupported, "tojson(sort_keys=True) is not supported");
        Value indent = a.get(99, "indent", Value::none());
        std::int64_t n = indent.isNone() ? -1 : needInt(indent, "tojson indent");
        if (n > 64)
            fail(Code::OutOfRange, "tojson indent larger than 64");
        return Value::string(toJson(v, n < 0 ? -1 : static_cast<int>(n)));
    }
    if (name == "indent") {
        a.check(name, 3, {"width", "first", "blank"});
        Value width = a.get(0, "width", Value::integer(4));
        std::string ind;
        if (width.isString()) {
            ind = width.str();
        } else {
            std::int64_t w = needInt(width, "indent width");
            if (w > 1024)
                fail(Code::OutOfRange, "indent width larger than 1024");
            ind.assign(static_cast<std::size_t>(std::max<std::int64_t>(0, w)), ' ');
        }
        bool first = a.get(1, "first", Value::boolean(false)).truthy();
        bool blank = a.get(2, "blank", Value::boolean(false)).truthy();
        std::vector<std::string> lines = splitLines(toStr(v) + "\n", false);
        in.spend(lines.size());
        std::string rv;
        if (blank) {
            for (std::size_t i = 0; i < lines.size(); ++i)
                rv += (i ? "\n" + ind : "") + lines[i];
        } else {
            rv = lines.empty() ? "" : lines[0];
            for (std::size_t i = 1; i < lines.size(); ++i)
                rv += "\n" + (lines[i].empty() ? "" : ind + lines[i]);
        }
        if (first)
            rv = ind + rv;
        return Value::string(std::move(rv));
    }
    if (name == "int") {
        a.check(name, 2, {"default", "base"});
        Value dflt = a.get(0, "default", Value::integer(0));
        if (!a.get(1, "base", Value::integer(10)).isInt() ||
            a.get(1, "base", Value::integer(10)).asInt() != 10)
            fail(Code::Unsupported, "int(base=...) other than 10 is not supported");
        if (v.isInt())
            return v;
        if (v.isBool())
            return Value::integer(v.asInt());
        if (v.isFloat()) {
            double d = std::trunc(v.asDouble());
            if (!std::isfinite(d) || std::fabs(d) >= 9.2e18)
                return dflt;
            return Value::integer(static_cast<std::int64_t>(d));
        }
        if (v.isString()) {
            std::int64_t i;
            if (parseInt(v.str(), i))
                return Value::integer(i);
            double d;
            if (parseFloat(v.str(), d) && std::isfinite(d) && std::fabs(d) < 9.2e18)
                return Value::integer(static_cast<std::int64_t>(std::trunc(d)));
        }
        return dflt;
    }
    if (name == "float") {
        a.check(name, 1, {"default"});
        Value dflt = a.get(0, "default", Value::number(0.0));
        if (v.isNumber())
            return Value::number(v.asDouble());
        double d;
        if (v.isString() && parseFloat(v.str(), d))
            return Value::number(d);
        return dflt;
    }
    if (name == "abs") {
        a.check(name, 0, {});
        if (v.isFloat())
            return Value::number(std::fabs(v.asDouble()));
        if (v.isInt() || v.isBool())
            return Value::integer(v.asInt() < 0 ? checkedSub(0, v.asInt()) : v.asInt());
        if (v.isUndefined())
            failUndefined(v);
        fail(Code::InvalidArgument, "bad operand type for abs(): '" + v.typeName() + "'");
    }
    if (name == "round") {
        a.check(name, 2, {"precision", "method"});
        std::int64_t p = needInt(a.get(0, "precision", Value::integer(0)), "round precision");
        std::string method = toStr(a.get(1, "method", Value::string("common")));
        if (v.isUndefined())
            failUndefined(v);
        if (!v.isNumber())
            fail(Code::InvalidArgument, "round expects a number, got '" + v.typeName() + "'");
        if (method == "common") {
            if (!v.isFloat() && p >= 0)
                return Value::integer(v.asInt()); // round(int, n) stays an int
            return Value::number(pyRound(v.asDouble(), p));
        }
        if (method != "floor" && method != "ceil")
            fail(Code::InvalidArgument, "method must be common, ceil or floor");
        if (p < -300 || p > 300)
            fail(Code::OutOfRange, "round precision out of range");
        double scale = std::pow(10.0, static_cast<double>(p));
        double x = v.asDouble() * scale;
        return Value::number((method == "floor" ? std::floor(x) : std::ceil(x)) / scale);
    }
    if (name == "first") {
        a.check(name, 0, {});
        if (v.kind() == K::Generator) {
            ValueList rest = v.consume();
            return rest.empty() ? Value::undefined("No first item, sequence was empty.") : rest[0];
        }
        ValueList items = iterate(v);
        return items.empty() ? Value::undefined("No first item, sequence was empty.") : items[0];
    }
    if (name == "last") {
        a.check(name, 0, {});
        if (v.kind() == K::Generator)
            fail(Code::InvalidArgument, "'generator' object is not reversible");
        ValueList items = iterate(v);
        return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
    }
    if (name == "list") {
        a.check(name, 0, {});
        ValueList items = iterate(v);
        in.spend(items.size());
        return Value::list(std::move(items));
    }
    if (name == "items") {
        a.check(name, 0, {});
        if (v.isUndefined())
            return Value::generator({});
        if (!v.isMapping())
            fail(Code::InvalidArgument, "Can only get item pairs from a mapping.");
        ValueList out;
        for (const auto& [k, e] : v.dict().items)
            out.push_back(Value::tuple({Value::string(k), e}));
        in.spend(out.size());
        return Value::generator(std::move(out));
    }
    if (name == "join") {
        a.check(name, 2, {"d", "attribute"});
        std::string sep = toStr(a.get(0, "d", Value::string("")));
        Value attr = a.get(1, "attribute", Value::none());
        ValueList items = iterate(v);
        in.spend(items.size());
        std::string out;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i)
                out += sep;
            out += toStr(attr.isNone() ? items[i] : attrPath(items[i], toStr(attr)));
            if (out.size() > kMaxStringBytes)
                fail(Code::OutOfRange, "string longer than 64 MiB");
        }
        return Value::string(std::move(out));
    }
    if (name == "reverse") {
        a.check(name, 0, {});
        if (v.isString()) {
            std::u32string u = decodeUtf8(v.str());
            std::reverse(u.begin(), u.end());
            return Value::string(encodeUtf8(u));
        }
        ValueList items = iterate(v);
        std::reverse(items.begin(), items.end());
        if (v.kind() == K::Generator)
            return Value::list(std::move(items)); // list(value); rv.reverse()
        return Value::generator(std::move(items));
    }
    if (name == "sort") {
        a.check(name, 3, {"reverse", "case_sensitive", "attribute"});
        bool rev = a.get(0, "reverse", Value::boolean(false)).truthy();
        bool cs = a.get(1, "case_sensitive", Value::boolean(false)).truthy();
        Value attr = a.get(2, "attribute", Value::none());
        ValueList items = iterate(v);
        in.spend(items.size() * 8);
        auto key = [&](const Value& x) { return sortKey(attr.isNone() ? x : attrPath(x, toStr(attr)), cs); };
        mergeSort(items, [&](const Value& x, const Value& y) {
            return rev ? compare(key(y), key(x)) < 0 : compare(key(x), key(y)) < 0;
        });
        return Value::list(std::move(items));
    }
    if (name == "dictsort") {
        a.check(name, 3, {"case_sensitive", "by", "reverse"});
        if (!v.isMapping())
            fail(Code::InvalidArgument, "dictsort expects a mapping, got '" + v.typeName() + "'");
        bool cs = a.get(0, "case_sensitive", Value::boolean(false)).truthy();
        std::string by = toStr(a.get(1, "by", Value::string("key")));
        bool rev = a.get(2, "reverse", Value::boolean(false)).truthy();
        if (by != "key" && by != "value")
            fail(Code::InvalidArgument, "You can only sort by either \"key\" or \"value\"");
        ValueList items;
        for (const auto& [k, e] : v.dict().items)
            items.push_back(Value::tuple({Value::string(k), e}));
        in.spend(items.size() * 8);
        std::size_t pos = by == "key" ? 0 : 1;
        mergeSort(items, [&](const Value& x, const Value& y) {
            Value kx = sortKey(x.items()[pos], cs), ky = sortKey(y.items()[pos], cs);
            return rev ? compare(ky, kx) < 0 : compare(kx, ky) < 0;
        });
        return Value::list(std::move(items));
    }
    if (name == "unique") {
        a.check(name, 2, {"case_sensitive", "attribute"});
        bool cs = a.get(0, "case_sensitive", Value::boolean(false)).truthy();
        Value attr = a.get(1, "attribute", Value::none());
        ValueList items = iterate(v), out, seen;
        in.spend(items.size() * (items.size() / 64 + 1));
        for (const auto& x : items) {
            Value k = sortKey(attr.isNone() ? x : attrPath(x, toStr(attr)), cs);
            bool dup = false;
            for (const auto& s : seen)
                dup = dup || equals(s, k);
            if (dup)
                continue;
            seen.push_back(k);
            out.push_back(x);
        }
        return Value::generator(std::move(out));
    }
    if (name == "map") {
        ValueList items = iterate(v);
        in.spend(items.size());
        ValueList out;
        Value attr = a.get(99, "attribute", Value());
        if (!attr.isUndefined()) {
            a.check(name, 0, {"attribute", "default"});
            Value dflt = a.get(99, "default", Value());
            for (const auto& x : items) {
                Value r = attrPath(x, toStr(attr));
                out.push_back(r.isUndefined() && !dflt.isUndefined() ? dflt : r);
            }
        } else {
            if (a.args.empty())
                fail(Code::InvalidArgument, "map needs a filter name or attribute=");
            std::string filter = needString(a.args[0], "map");
            CallArgs rest;
            rest.args.assign(a.args.begin() + 1, a.args.end());
            rest.kwargs = a.kwargs;
            for (const auto& x : items)
                out.push_back(applyFilter(in, filter, x, rest));
        }
        return Value::generator(std::move(out));
    }
    if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
        bool byAttr = name == "selectattr" || name == "rejectattr";
        bool keep = name == "select" || name == "selectattr";
        std::size_t first = byAttr ? 1 : 0;
        if (byAttr && a.args.empty())
            fail(Code::InvalidArgument, name + " needs an attribute name");
        std::string attr = byAttr ? toStr(a.args[0]) : "";
        std::string test = a.args.size() > first ? needString(a.args[first], name.c_str()) : "";
        CallArgs rest;
        if (a.args.size() > first + 1)
            rest.args.assign(a.args.begin() + static_cast<std::ptrdiff_t>(first + 1), a.args.end());
        rest.kwargs = a.kwargs;
        ValueList items = iterate(v), out;
        in.spend(items.size());
        for (const auto& x : items) {
            Value subject = byAttr ? attrPath(x, attr) : x;
            bool r = test.empty() ? subject.truthy() : applyTest(in, test, subject, rest);
            if (r == keep)
                out.push_back(x);
        }
        return Value::generator(std::move(out));
    }
    if (name == "sum") {
        a.check(name, 2, {"attribute", "start"});
        Value attr = a.get(0, "attribute", Value::none());
        Value total = a.get(1, "start", Value::integer(0));
        ValueList items = iterate(v);
        in.spend(items.size());
        for (const auto& x : items) {
            Value y = attr.isNone() ? x : attrPath(x, toStr(attr));
            if (!total.isNumber() || !y.isNumber())
                fail(Code::InvalidArgument, "unsupported operand type(s) for +: '" + total.typeName() +
                                                "' and '" + y.typeName() + "'");
            total = total.isFloat() || y.isFloat() ? Value::number(total.asDouble() + y.asDouble())
                                                   : Value::integer(checkedAdd(total.asInt(), y.asInt()));
        }
        return total;
    }
    if (name == "min" || name == "max") {
        a.check(name, 2, {"case_sensitive", "attribute"});
        bool cs = a.get(0, "case_sensitive", Value::boolean(false)).truthy();
        Value attr = a.get(1, "attribute", Value::none());
        ValueList items = iterate(v);
        in.spend(items.size());
        if (items.empty())
            return Value::undefined("No aggregated item, sequence was empty.");
        std::size_t best = 0;
        for (std::size_t i = 1; i < items.size(); ++i) {
            auto key = [&](const Value& x) {
                return sortKey(attr.isNone() ? x : attrPath(x, toStr(attr)), cs);
            };
            int c = compare(key(items[i]), key(items[best]));
            if (name == "min" ? c < 0 : c > 0)
                best = i;
        }
        return items[best];
    }
    if (name == "attr") {
        a.check(name, 1, {});
        return getAttr(v, toStr(a.get(0, "name")));
    }
    static const char* const kJinja2Filters[] = {
        "batch",     "center",   "filesizeformat", "format", "groupby",   "pprint",   "random", "slice",
        "striptags", "truncate", "urlencode",      "urlize", "wordcount", "wordwrap", "xmlattr"};
    for (const char* f : kJinja2Filters)
        if (name == f)
            fail(Code::Unsupported, "the '" + name + "' filter is not supported");
    fail(Code::InvalidArgument, "no filter named '" + name + "'");
}

// ---------------------------------------------------------------------------------------------------------------
// Globals

void addGlobals(Frame& root) {
    root.set("range", Value::function("range", [](Interpreter& in, CallArgs& a) -> Value {
                 a.check("range", 3, {});
                 if (a.args.empty())
                     fail(Code::InvalidArgument, "range expected at least 1 argument, got 0");
                 std::int64_t start = 0, stop, step = 1;
                 if (a.args.size() == 1) {
                     stop = needInt(a.args[0], "range");
                 } else {
                     start = needInt(a.args[0], "range");
                     stop = needInt(a.args[1], "range");
                     if (a.args.size() == 3)
                         step = needInt(a.args[2], "range");
                 }
                 if (step == 0)
                     fail(Code::InvalidArgument, "range() arg 3 must not be zero");
                 // jinja2's sandbox caps range at 100,000 items (MAX_RANGE)
                 long double count = step > 0 ? (static_cast<long double>(stop) - start) / step
                                              : (static_cast<long double>(start) - stop) / -step;
                 if (count > 100000)
                     fail(Code::OutOfRange,
                          "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
                 ValueList out;
                 for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
                     out.push_back(Value::integer(i));
                 in.spend(out.size());
                 return Value::list(std::move(out));
             }));
    root.set("namespace", Value::function("namespace", [](Interpreter& in, CallArgs& a) -> Value {
                 Value ns = in.newNamespace();
                 if (a.args.size() > 1)
                     fail(Code::InvalidArgument, "namespace takes at most one positional argument");
                 if (!a.args.empty()) {
                     if (!a.args[0].isMapping())
                         fail(Code::InvalidArgument, "namespace expects a mapping");
                     for (const auto& [k, v] : a.args[0].dict().items)
                         ns.dict().set(k, v);
                 }
                 for (const auto& [k, v] : a.kwargs)
                     ns.dict().set(k, v);
                 return ns;
             }));
    root.set("dict", Value::function("dict", [](Interpreter&, CallArgs& a) -> Value {
                 Value d = Value::emptyDict();
                 if (a.args.size() > 1)
                     fail(Code::InvalidArgument, "dict takes at most one positional argument");
                 if (!a.args.empty()) {
                     if (!a.args[0].isMapping())
                         fail(Code::Unsupported, "dict() of a non-mapping is not supported");
                     for (const auto& [k, v] : a.args[0].dict().items)
                         d.dict().set(k, v);
                 }
                 for (const auto& [k, v] : a.kwargs)
                     d.dict().set(k, v);
                 return d;
             }));
    root.set("raise_exception", Value::function("raise_exception", [](Interpreter&, CallArgs& a) -> Value {
                 fail(Code::InvalidArgument,
                      "raise_exception: " + (a.args.empty() ? std::string() : toStr(a.args[0])));
             }));
    root.set("strftime_now", Value::function("strftime_now", [](Interpreter&, CallArgs& a) -> Value {
                 a.check("strftime_now", 1, {});
                 std::string format = a.args.empty() ? std::string() : needString(a.args[0], "strftime_now");
                 std::time_t now = std::time(nullptr);
                 std::tm tm{};
                 localtime_r(&now, &tm);
                 char buf[512];
                 std::size_t n = format.empty() ? 0 : std::strftime(buf, sizeof buf, format.c_str(), &tm);
                 if (n == 0 && !format.empty())
                     fail(Code::InvalidArgument, "strftime_now: format too long or empty result");
                 return Value::string(std::string(buf, n));
             }));
}

} // namespace ws::jinja
