// The Jinja interpreter's dynamic value: Python's None, bool, int, float, str, list, tuple and dict (jinja2
// semantics).
#pragma once

#include "whalesong/status.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ws::jinja {

/// An error while evaluating: thrown inside the interpreter only, caught by Template::render, which turns it
/// into a Status naming the template, line and column (`hasPos` tells whether a node has added its source
/// offset yet).
struct EvalError {
    Code code;
    std::string message;
    bool hasPos = false;
    std::size_t pos = 0;
};

/// Throws EvalError(code, message).
[[noreturn]] void fail(Code code, std::string message);

class Value;
class Interpreter;
struct CallArgs;

using ValueList = std::vector<Value>;
/// A callable value (a builtin global, a bound method or a macro); the interpreter is passed for macros.
using Function = std::function<Value(Interpreter&, CallArgs&)>;

/// A dict keeps insertion order (Python 3.7+, and nlohmann::ordered_json); keys are strings (all JSON
/// allows).
struct DictData {
    std::vector<std::pair<std::string, Value>> items;
    const Value* find(std::string_view key) const;
    void set(const std::string& key, Value value);
};

/// A value of the template language. Copies are cheap: strings, lists and dicts are shared (lists and dicts
/// by reference, as in Python; strings are immutable).
class Value {
  public:
    enum class Kind {
        Undefined,
        None,
        Bool,
        Int,
        Float,
        String,
        List,
        Tuple,
        Dict,
        Namespace,
        Callable,
        Generator
    };

    Value() = default; ///< undefined, with no hint
    static Value undefined(std::string hint) {
        Value v;
        v.m_str = std::make_shared<const std::string>(std::move(hint));
        return v;
    }
    static Value none() { return withKind(Kind::None); }
    static Value boolean(bool b) {
        Value v = withKind(Kind::Bool);
        v.m_bool = b;
        return v;
    }
    static Value integer(std::int64_t i) {
        Value v = withKind(Kind::Int);
        v.m_int = i;
        return v;
    }
    static Value number(double f) {
        Value v = withKind(Kind::Float);
        v.m_float = f;
        return v;
    }
    static Value string(std::string s);
    static Value list(ValueList items = {});
    static Value tuple(ValueList items);
    static Value emptyDict();
    static Value namespaceObject();
    static Value function(std::string name, Function fn);
    /// What jinja2's map, select, reject, selectattr, rejectattr, unique and reverse return: a one-pass
    /// iterator (always true, no len(), not JSON-serializable, empty once consumed).
    static Value generator(ValueList items);
    /// Converts JSON (the render context) to values: objects become dicts, arrays lists.
    static Value fromJson(const nlohmann::ordered_json& j);

    Kind kind() const { return m_kind; }
    bool isUndefined() const { return m_kind == Kind::Undefined; }
    bool isNone() const { return m_kind == Kind::None; }
    bool isString() const { return m_kind == Kind::String; }
    bool isInt() const { return m_kind == Kind::Int; }
    bool isFloat() const { return m_kind == Kind::Float; }
    bool isBool() const { return m_kind == Kind::Bool; }
    /// int, float or bool (Python's bool is an int).
    bool isNumber() const { return m_kind == Kind::Int || m_kind == Kind::Float || m_kind == Kind::Bool; }
    bool isSequence() const { return m_kind == Kind::List || m_kind == Kind::Tuple; }
    bool isMapping() const { return m_kind == Kind::Dict; }

    bool asBool() const { return m_bool; }
    std::int64_t asInt() const { return m_kind == Kind::Bool ? (m_bool ? 1 : 0) : m_int; }
    double asDouble() const;
    const std::string& str() const { return *m_str; } ///< String only
    /// Why it is undefined ("'x' is undefined"), for errors when it is used.
    std::string undefinedHint() const;
    ValueList& items() const { return *m_list; } ///< List or Tuple
    DictData& dict() const { return *m_dict; }   ///< Dict or Namespace
    const Function& fn() const { return *m_fn; }
    const std::string& fnName() const { return *m_str; }
    /// A generator's remaining items, which are consumed by this call.
    ValueList consume() const;

    /// Python truthiness (an undefined value is false).
    bool truthy() const;
    /// Python's type name for messages ("str", "NoneType", "dict").
    std::string typeName() const;

  private:
    static Value withKind(Kind k) {
        Value v;
        v.m_kind = k;
        return v;
    }

    Kind m_kind = Kind::Undefined;
    bool m_bool = false;
    std::int64_t m_int = 0;
    double m_float = 0;
    std::shared_ptr<const std::string> m_str; // String text, Undefined hint, Function name
    std::shared_ptr<ValueList> m_list;
    std::shared_ptr<DictData> m_dict;
    std::shared_ptr<const Function> m_fn;
    std::shared_ptr<std::size_t> m_next; // Generator: index of the next item in m_list
};

/// Limits that keep any template and context from exhausting memory or time.
inline constexpr std::size_t kMaxStringBytes = 64u << 20; // any one string, including the output
inline constexpr std::size_t kMaxListItems = 1u << 20;

/// str(v) as jinja2 prints it: None → "None", True → "True", 1.0 → "1.0", lists and dicts in Python repr;
/// undefined → "".
std::string toStr(const Value& v);
/// Python repr(v) (strings quoted).
std::string toRepr(const Value& v);
/// Python repr of a float ("1.0", "0.1", "1e+16", "inf").
std::string floatRepr(double d);
/// json.dumps(v, ensure_ascii=False, indent=indent) as transformers' tojson filter; indent < 0 means None.
std::string toJson(const Value& v, int indent);

/// Python ==.
bool equals(const Value& a, const Value& b);
/// Python <, throwing for unorderable types; returns -1, 0 or 1.
int compare(const Value& a, const Value& b);

/// Code points of UTF-8 text (invalid bytes become U+FFFD), and back.
std::u32string decodeUtf8(std::string_view s);
std::string encodeUtf8(std::u32string_view s);
/// Python's str.isspace for one code point.
bool isPySpace(char32_t cp);
/// Length in code points, as Python's len(str).
std::size_t codePointCount(std::string_view s);

/// Adds checked int64 arithmetic (Python has big ints; we fail instead of wrapping).
std::int64_t checkedAdd(std::int64_t a, std::int64_t b);
std::int64_t checkedSub(std::int64_t a, std::int64_t b);
std::int64_t checkedMul(std::int64_t a, std::int64_t b);

} // namespace ws::jinja
