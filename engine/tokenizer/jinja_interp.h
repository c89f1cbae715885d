// The Jinja tree-walking interpreter (one per render) and the builtins it calls: filters, tests, methods,
// globals.
#pragma once

#include "tokenizer/jinja_ast.h"
#include "tokenizer/jinja_value.h"

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ws::jinja {

/// The arguments of a call, filter or test (the filter's input and the test's subject are passed separately).
struct CallArgs {
    std::vector<Value> args;
    std::vector<std::pair<std::string, Value>> kwargs;

    /// Positional `index` or keyword `name`, whichever is given (Python's parameter binding), else
    /// `fallback`.
    Value get(std::size_t index, std::string_view name, Value fallback = Value()) const;
    /// Fails unless at most `maxArgs` positional arguments and only keywords from `allowed` were passed.
    void check(std::string_view what, std::size_t maxArgs,
               std::initializer_list<std::string_view> allowed) const;
};

/// A variable scope: the template's top level, a loop iteration, a macro call.
struct Frame {
    std::shared_ptr<Frame> parent;
    std::vector<std::pair<std::string, Value>> vars;

    const Value* lookup(std::string_view name) const;
    void set(const std::string& name, Value v);
};

/// Renders one template once. Not thread-safe; Template::render makes a fresh one per call.
class Interpreter {
  public:
    explicit Interpreter(const TemplateImpl& t) : m_t(t) {}
    ~Interpreter();
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    /// The output for `context` (an object); throws EvalError.
    std::string run(const nlohmann::ordered_json& context);

    /// Counts loop iterations, macro calls and builtin element work against one budget per render.
    void spend(std::size_t units);
    /// A new namespace() object; tracked so that cycles (ns.self = ns) are broken when the render ends.
    Value newNamespace();
    /// Calls a macro defined by `node` in `scope`.
    Value callMacro(const Node& node, const std::weak_ptr<Frame>& scope, CallArgs& args);

  private:
    enum class Flow { Normal, Break, Continue };

    Flow execList(const NodeList& list, const std::shared_ptr<Frame>& frame);
    Flow exec(const Node& n, const std::shared_ptr<Frame>& frame);
    void execFor(const Node& n, const std::shared_ptr<Frame>& frame);
    void assign(const Node& n, const std::shared_ptr<Frame>& frame, Value v);
    std::string renderToString(const NodeList& body, const std::shared_ptr<Frame>& frame);
    Value eval(const Expr& e, const std::shared_ptr<Frame>& frame);
    Value evalInner(const Expr& e, const std::shared_ptr<Frame>& frame);
    Value evalCall(const Expr& e, const std::shared_ptr<Frame>& frame);
    Value evalFilter(const Expr& e, const std::shared_ptr<Frame>& frame, const Value* blockInput);
    void evalArgs(const Expr& e, const std::shared_ptr<Frame>& frame, CallArgs& out);
    void write(std::string_view s);

    const TemplateImpl& m_t;
    std::string* m_out = nullptr;
    std::size_t m_work = 0;
    int m_depth = 0;
    int m_macroDepth = 0;
    std::vector<Value> m_namespaces;
};

// Lookup (jinja_methods.cpp)

/// obj.name: a dict key, a namespace attribute, or a bound method (str, dict and list methods).
Value getAttr(const Value& obj, const std::string& name);
/// obj[key]: an item, or for a string key that is no item, getAttr.
Value getItem(const Value& obj, const Value& key);
/// environment.getitem along a dotted path ("function.name"; digits index lists), as jinja2's
/// make_attrgetter.
Value attrPath(const Value& item, const std::string& path);
/// obj[start:stop:step] on a list, tuple or string.
Value getSlice(const Value& obj, const Value& start, const Value& stop, const Value& step);
/// The items a for loop or a filter sees: list and tuple items, dict keys, string characters; an undefined
/// value is empty. Consumes a generator.
ValueList iterate(const Value& v);
// Filters, tests and globals (jinja_filters.cpp)

/// value|name(args).
Value applyFilter(Interpreter& in, const std::string& name, const Value& input, CallArgs& args);
/// value is name(args).
bool applyTest(Interpreter& in, const std::string& name, const Value& subject, CallArgs& args);
/// range, namespace, dict, raise_exception, strftime_now.
void addGlobals(Frame& root);
/// Python's `needle in container`.
bool contains(const Value& container, const Value& needle);
/// An undefined value used where a value is needed: fails with its hint.
[[noreturn]] void failUndefined(const Value& v);

} // namespace ws::jinja
