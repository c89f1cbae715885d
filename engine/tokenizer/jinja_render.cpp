// The Jinja interpreter: walks the tree with jinja2's scoping (loops and macros scope `set`; namespaces
// escape), Python operator semantics, and limits on depth, work and output size.
//
// Evaluation errors are thrown as EvalError inside the interpreter and caught in Template::render, its one
// entry point (the same rule as for parsers): threading a Result through every operator would bury the
// semantics.
#include "tokenizer/jinja.h"
#include "tokenizer/jinja_interp.h"

#include <cmath>
#include <limits>

namespace ws::jinja {
namespace {

constexpr int kMaxEvalDepth = 512; // nested evaluation, across macro calls
constexpr int kMaxMacroDepth = 64; // macro recursion
constexpr std::size_t kMaxWork =
    10000000; // loop iterations, macro calls and builtin element steps per render

/// Attaches the position of the innermost node that failed.
struct PosScope {
    SourcePos pos;
};

Value arith(BinOp op, const Value& a, const Value& b) {
    if (op == BinOp::Concat)
        return Value::string(toStr(a) + toStr(b));
    if (a.isUndefined())
        failUndefined(a);
    if (b.isUndefined())
        failUndefined(b);
    static const char* const kSymbols[] = {"+", "-", "*", "/", "//", "%", "**", "~"};
    auto unsupported = [&]() -> Value {
        if (op == BinOp::Add && a.isString())
            fail(Code::InvalidArgument, "can only concatenate str (not \"" + b.typeName() + "\") to str");
        if (op == BinOp::Mod && a.isString())
            fail(Code::Unsupported, "printf-style string formatting ('...' % value) is not supported");
        fail(Code::InvalidArgument, std::string("unsupported operand type(s) for ") +
                                        kSymbols[static_cast<int>(op)] + ": '" + a.typeName() + "' and '" +
                                        b.typeName() + "'");
    };
    if (a.isNumber() && b.isNumber()) {
        bool isFloat = a.isFloat() || b.isFloat();
        double x = a.asDouble(), y = b.asDouble();
        std::int64_t i = a.asInt(), j = b.asInt();
        switch (op) {
        case BinOp::Add:
            return isFloat ? Value::number(x + y) : Value::integer(checkedAdd(i, j));
        case BinOp::Sub:
            return isFloat ? Value::number(x - y) : Value::integer(checkedSub(i, j));
        case BinOp::Mul:
            return isFloat ? Value::number(x * y) : Value::integer(checkedMul(i, j));
        case BinOp::Div:
            if (y == 0)
                fail(Code::InvalidArgument, "division by zero");
            return Value::number(x / y);
        case BinOp::FloorDiv:
        case BinOp::Mod: {
            if (y == 0)
                fail(Code::InvalidArgument, "integer division or modulo by zero");
            if (isFloat) { // CPython's float divmod
                double m = std::fmod(x, y);
                double div = (x - m) / y;
                if (m != 0 && ((y < 0) != (m < 0))) {
                    m += y;
                    div -= 1.0;
                }
                if (op == BinOp::Mod)
                    return Value::number(m != 0 ? m : std::copysign(0.0, y));
                double fl = std::floor(div);
                if (div - fl > 0.5)
                    fl += 1.0;
                return Value::number(div != 0 ? fl : std::copysign(0.0, x / y));
            }
            if (i == std::numeric_limits<std::int64_t>::min() && j == -1)
                fail(Code::OutOfRange, "integer overflow in division");
            std::int64_t q = i / j, r = i % j;
            if (r != 0 && ((r < 0) != (j < 0))) {
                --q;
                r += j;
            }
            return Value::integer(op == BinOp::Mod ? r : q);
        }
        case BinOp::Pow: {
            if (!isFloat && j >= 0) {
                std::int64_t result = 1, base = i, e = j;
                while (e > 0) {
                    if (e & 1)
                        result = checkedMul(result, base);
                    e >>= 1;
                    if (e > 0)
                        base = checkedMul(base, base);
                }
                return Value::integer(result);
            }
            if (x == 0 && y < 0)
                fail(Code::InvalidArgument, "0.0 cannot be raised to a negative power");
            double r = std::pow(x, y);
            if (std::isnan(r) && !std::isnan(x) && !std::isnan(y))
                fail(Code::Unsupported, "a negative number raised to a fractional power is complex");
            return Value::number(r);
        }
        default:
            break;
        }
    }
    if (op == BinOp::Add) {
        if (a.isString() && b.isString()) {
            if (a.str().size() + b.str().size() > kMaxStringBytes)
                fail(Code::OutOfRange, "string longer than 64 MiB");
            return Value::string(a.str() + b.str());
        }
        if (a.isSequence() && a.kind() == b.kind()) {
            ValueList items = a.items();
            if (items.size() + b.items().size() > kMaxListItems)
                fail(Code::OutOfRange, "list longer than 2^20 items");
            items.insert(items.end(), b.items().begin(), b.items().end());
            return a.kind() == Value::Kind::List ? Value::list(std::move(items))
                                                 : Value::tuple(std::move(items));
        }
    }
    if (op == BinOp::Mul) {
        const Value* seq =
            a.isString() || a.isSequence() ? &a : (b.isString() || b.isSequence() ? &b : nullptr);
        const Value* count = seq == &a ? &b : &a;
        if (seq && (count->isInt() || count->isBool())) {
            std::int64_t n = std::max<std::int64_t>(0, count->asInt());
            if (seq->isString()) {
                if (n > 0 && seq->str().size() > kMaxStringBytes / static_cast<std::size_t>(n))
                    fail(Code::OutOfRange, "string longer than 64 MiB");
                const std::size_t target = seq->str().size() * static_cast<std::size_t>(n);
                std::string s = n > 0 ? seq->str() : std::string();
                s.reserve(target);
                while (!s.empty() && s.size() * 2 <= target)
                    s += s; // doubling: 'x' * 10**7 is not 10**7 appends
                s.append(s, 0, target - s.size());
                return Value::string(std::move(s));
            }
            if (n > 0 && seq->items().size() > kMaxListItems / static_cast<std::size_t>(n))
                fail(Code::OutOfRange, "list longer than 2^20 items");
            ValueList items;
            for (std::int64_t k = 0; k < n; ++k)
                items.insert(items.end(), seq->items().begin(), seq->items().end());
            return seq->kind() == Value::Kind::List ? Value::list(std::move(items))
                                                    : Value::tuple(std::move(items));
        }
    }
    return unsupported();
}

bool compareOp(CmpOp op, const Value& a, const Value& b) {
    switch (op) {
    case CmpOp::Eq:
        return equals(a, b);
    case CmpOp::Ne:
        return !equals(a, b);
    case CmpOp::In:
        return contains(b, a);
    case CmpOp::NotIn:
        return !contains(b, a);
    default:
        break;
    }
    if (a.isUndefined())
        failUndefined(a);
    if (b.isUndefined())
        failUndefined(b);
    int c = compare(a, b);
    switch (op) {
    case CmpOp::Lt:
        return c < 0;
    case CmpOp::Le:
        return c <= 0;
    case CmpOp::Gt:
        return c > 0;
    default:
        return c >= 0;
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Frames and arguments

const Value* Frame::lookup(std::string_view name) const {
    for (const Frame* f = this; f; f = f->parent.get())
        for (const auto& [k, v] : f->vars)
            if (k == name)
                return &v;
    return nullptr;
}

void Frame::set(const std::string& name, Value v) {
    for (auto& [k, old] : vars) {
        if (k == name) {
            old = std::move(v);
            return;
        }
    }
    vars.emplace_back(name, std::move(v));
}

Value CallArgs::get(std::size_t index, std::string_view name, Value fallback) const {
    if (index < args.size())
        return args[index];
    for (const auto& [k, v] : kwargs)
        if (k == name)
            return v;
    return fallback;
}

void CallArgs::check(std::string_view what, std::size_t maxArgs,
                     std::initializer_list<std::string_view> allowed) const {
    if (args.size() > maxArgs)
        fail(Code::InvalidArgument, std::string(what) + " takes at most " + std::to_string(maxArgs) +
                                        " positional argument(s), got " + std::to_string(args.size()));
    for (const auto& [k, v] : kwargs) {
        bool ok = false;
        for (auto a : allowed)
            ok = ok || a == k;
        if (!ok)
            fail(Code::InvalidArgument,
                 std::string(what) + " got an unexpected keyword argument '" + k + "'");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Interpreter

Interpreter::~Interpreter() {
    // Namespaces may reference each other or themselves; emptying them frees the cycles.
    for (auto& ns : m_namespaces)
        ns.dict().items.clear();
}

void Interpreter::spend(std::size_t units) {
    m_work += units;
    if (m_work > kMaxWork)
        fail(Code::OutOfRange,
             "the template did more than 10,000,000 steps (loop iterations, calls, filter items)");
}

Value Interpreter::newNamespace() {
    Value ns = Value::namespaceObject();
    m_namespaces.push_back(ns);
    return ns;
}

void Interpreter::write(std::string_view s) {
    if (m_out->size() + s.size() > kMaxStringBytes)
        fail(Code::OutOfRange, "output longer than 64 MiB");
    m_out->append(s);
}

std::string Interpreter::run(const nlohmann::ordered_json& context) {
    if (!context.is_object())
        fail(Code::InvalidArgument, "the render context must be a JSON object");
    auto root = std::make_shared<Frame>();
    addGlobals(*root);
    for (const auto& [k, v] : context.items())
        root->set(k, Value::fromJson(v));
    std::string out;
    m_out = &out;
    execList(m_t.body, root);
    m_out = nullptr;
    return out;
}

std::string Interpreter::renderToString(const NodeList& body, const std::shared_ptr<Frame>& frame) {
    std::string buffer;
    std::string* saved = m_out;
    m_out = &buffer;
    Flow flow = execList(body, frame);
    m_out = saved;
    (void)flow; // break/continue cannot cross a block body (the parser only allows them inside a for)
    return buffer;
}

Interpreter::Flow Interpreter::execList(const NodeList& list, const std::shared_ptr<Frame>& frame) {
    for (const auto& n : list) {
        Flow f = exec(*n, frame);
        if (f != Flow::Normal)
            return f;
    }
    return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Node& n, const std::shared_ptr<Frame>& frame) {
    if (++m_depth > kMaxEvalDepth) {
        --m_depth;
        throw EvalError{Code::OutOfRange, "template evaluation nested more than 512 levels deep", true,
                        n.pos};
    }
    struct Leave {
        int& d;
        ~Leave() { --d; }
    } leave{m_depth};
    try {
        switch (n.type) {
        case Node::Type::Text:
            write(n.text);
            return Flow::Normal;
        case Node::Type::Output: {
            Value v = eval(*n.expr, frame);
            if (v.isString())
                write(v.str());
            else
                write(toStr(v));
            return Flow::Normal;
        }
        case Node::Type::If:
            for (std::size_t i = 0; i < n.conds.size(); ++i)
                if (eval(*n.conds[i], frame).truthy())
                    return execList(n.bodies[i], frame);
            return execList(n.elseBody, frame);
        case Node::Type::For:
            execFor(n, frame);
            return Flow::Normal;
        case Node::Type::Set:
            assign(n, frame, eval(*n.expr, frame));
            return Flow::Normal;
        case Node::Type::SetBlock: {
            Value text = Value::string(renderToString(n.body, frame));
            if (n.filter)
                text = evalFilter(*n.filter, frame, &text);
            frame->set(n.targets[0], std::move(text));
            return Flow::Normal;
        }
        case Node::Type::Macro: {
            const Node* node = &n;
            std::weak_ptr<Frame> scope = frame;
            frame->set(n.name, Value::function(n.name, [node, scope](Interpreter& in, CallArgs& args) {
                           return in.callMacro(*node, scope, args);
                       }));
            return Flow::Normal;
        }
        case Node::Type::FilterBlock: {
            Value text = Value::string(renderToString(n.body, frame));
            Value v = evalFilter(*n.filter, frame, &text);
            write(toStr(v));
            return Flow::Normal;
        }
        case Node::Type::Break:
            return Flow::Break;
        case Node::Type::Continue:
            return Flow::Continue;
        case Node::Type::Scope:
            return execList(n.body, frame);
        }
    } catch (EvalError& e) {
        if (!e.hasPos) {
            e.hasPos = true;
            e.pos = n.pos;
        }
        throw;
    }
    return Flow::Normal;
}

void Interpreter::assign(const Node& n, const std::shared_ptr<Frame>& frame, Value v) {
    if (!n.attr.empty()) {
        const Value* target = frame->lookup(n.targets[0]);
        if (!target || target->kind() != Value::Kind::Namespace)
            fail(Code::InvalidArgument,
                 "cannot assign attribute '" + n.attr + "' on non-namespace object '" + n.targets[0] + "'");
        target->dict().set(n.attr, std::move(v));
        return;
    }
    if (n.targets.size() == 1) {
        frame->set(n.targets[0], std::move(v));
        return;
    }
    ValueList items = v.isSequence() ? v.items() : iterate(v);
    if (items.size() != n.targets.size())
        fail(Code::InvalidArgument, "cannot unpack " + std::to_string(items.size()) + " values into " +
                                        std::to_string(n.targets.size()) + " variables");
    for (std::size_t i = 0; i < items.size(); ++i)
        frame->set(n.targets[i], items[i]);
}

void Interpreter::execFor(const Node& n, const std::shared_ptr<Frame>& frame) {
    Value iterable = eval(*n.expr, frame);
    if (!(iterable.isSequence() || iterable.isMapping() || iterable.isString() || iterable.isUndefined() ||
          iterable.kind() == Value::Kind::Generator))
        fail(Code::InvalidArgument, "'" + iterable.typeName() + "' object is not iterable");
    ValueList items = iterate(iterable);
    auto bind = [&](Frame& f, const Value& item) {
        if (n.targets.size() == 1) {
            f.set(n.targets[0], item);
            return;
        }
        ValueList parts = item.isSequence() ? item.items() : (item.isString() ? iterate(item) : ValueList{});
        if (!(item.isSequence() || item.isString()))
            fail(Code::InvalidArgument, "cannot unpack non-iterable " + item.typeName() + " object");
        if (parts.size() != n.targets.size())
            fail(Code::InvalidArgument, "cannot unpack " + std::to_string(parts.size()) + " values into " +
                                            std::to_string(n.targets.size()) + " loop variables");
        for (std::size_t i = 0; i < parts.size(); ++i)
            f.set(n.targets[i], parts[i]);
    };
    if (n.filter) {
        ValueList kept;
        for (const Value& item : items) {
            spend(1);
            auto f = std::make_shared<Frame>();
            f->parent = frame;
            bind(*f, item);
            if (eval(*n.filter, f).truthy())
                kept.push_back(item);
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        execList(n.elseBody, frame);
        return;
    }
    // A fresh scope per iteration: in jinja2 a `set` in the body is local to the iteration (the next one
    // reads the outer value again) and never leaks out of the loop.
    const std::int64_t length = static_cast<std::int64_t>(items.size());
    for (std::int64_t i = 0; i < length; ++i) {
        spend(1);
        auto f = std::make_shared<Frame>();
        f->parent = frame;
        const auto k = static_cast<std::size_t>(i);
        bind(*f, items[k]);
        Value loop = Value::emptyDict();
        auto& d = loop.dict().items;
        d.reserve(11);
        d.emplace_back("index", Value::integer(i + 1));
        d.emplace_back("index0", Value::integer(i));
        d.emplace_back("revindex", Value::integer(length - i));
        d.emplace_back("revindex0", Value::integer(length - i - 1));
        d.emplace_back("first", Value::boolean(i == 0));
        d.emplace_back("last", Value::boolean(i == length - 1));
        d.emplace_back("length", Value::integer(length));
        d.emplace_back("depth", Value::integer(1));
        d.emplace_back("depth0", Value::integer(0));
        d.emplace_back("previtem", i > 0 ? items[k - 1] : Value::undefined("there is no previous item"));
        d.emplace_back("nextitem", i + 1 < length ? items[k + 1] : Value::undefined("there is no next item"));
        f->set("loop", std::move(loop));
        Flow flow = execList(n.body, f);
        if (flow == Flow::Break)
            break;
    }
}

Value Interpreter::callMacro(const Node& node, const std::weak_ptr<Frame>& scope, CallArgs& args) {
    auto parent = scope.lock();
    if (!parent)
        fail(Code::InvalidArgument,
             "macro '" + node.name + "' called after the scope it was defined in ended");
    if (args.args.size() > node.params.size())
        fail(Code::InvalidArgument, "macro '" + node.name + "' takes not more than " +
                                        std::to_string(node.params.size()) + " argument(s)");
    if (m_macroDepth >= kMaxMacroDepth)
        fail(Code::OutOfRange, "macro calls nested more than 64 deep");
    spend(1);
    auto f = std::make_shared<Frame>();
    f->parent = parent;
    for (const auto& [k, v] : args.kwargs) {
        bool known = false;
        for (const auto& p : node.params)
            known = known || p.name == k;
        if (!known)
            fail(Code::InvalidArgument, "macro '" + node.name + "' takes no keyword argument '" + k + "'");
    }
    for (std::size_t i = 0; i < node.params.size(); ++i) {
        const MacroParam& p = node.params[i];
        const Value* given = i < args.args.size() ? &args.args[i] : nullptr;
        for (const auto& [k, v] : args.kwargs) {
            if (k != p.name)
                continue;
            if (given)
                fail(Code::InvalidArgument,
                     "macro '" + node.name + "' got multiple values for argument '" + k + "'");
            given = &v;
        }
        if (given)
            f->set(p.name, *given);
        else if (p.defaultValue)
            f->set(p.name, eval(*p.defaultValue, f));
        else
            f->set(p.name, Value::undefined("parameter '" + p.name + "' was not provided"));
    }
    ++m_macroDepth;
    struct Leave {
        int& d;
        ~Leave() { --d; }
    } leave{m_macroDepth};
    return Value::string(renderToString(node.body, f));
}

Value Interpreter::eval(const Expr& e, const std::shared_ptr<Frame>& frame) {
    if (++m_depth > kMaxEvalDepth) {
        --m_depth;
        throw EvalError{Code::OutOfRange, "template evaluation nested more than 512 levels deep", true,
                        e.pos};
    }
    struct Leave {
        int& d;
        ~Leave() { --d; }
    } leave{m_depth};
    try {
        return evalInner(e, frame);
    } catch (EvalError& err) {
        if (!err.hasPos) {
            err.hasPos = true;
            err.pos = e.pos;
        }
        throw;
    }
}

void Interpreter::evalArgs(const Expr& e, const std::shared_ptr<Frame>& frame, CallArgs& out) {
    for (const auto& a : e.args)
        out.args.push_back(eval(*a, frame));
    for (const auto& [k, v] : e.kwargs)
        out.kwargs.emplace_back(k, eval(*v, frame));
}

Value Interpreter::evalCall(const Expr& e, const std::shared_ptr<Frame>& frame) {
    Value callee = eval(*e.a, frame);
    CallArgs args;
    evalArgs(e, frame, args);
    if (callee.kind() == Value::Kind::Callable)
        return callee.fn()(*this, args);
    if (callee.isUndefined())
        failUndefined(callee);
    fail(Code::InvalidArgument, "'" + callee.typeName() + "' object is not callable");
}

Value Interpreter::evalFilter(const Expr& e, const std::shared_ptr<Frame>& frame, const Value* blockInput) {
    Value input =
        e.a ? (e.a->type == Expr::Type::Filter && !e.a->a && blockInput ? evalFilter(*e.a, frame, blockInput)
                                                                        : eval(*e.a, frame))
            : *blockInput;
    CallArgs args;
    evalArgs(e, frame, args);
    try {
        return applyFilter(*this, e.name, input, args);
    } catch (EvalError& err) {
        if (!err.hasPos) {
            err.hasPos = true;
            err.pos = e.pos;
        }
        throw;
    }
}

Value Interpreter::evalInner(const Expr& e, const std::shared_ptr<Frame>& frame) {
    switch (e.type) {
    case Expr::Type::Literal:
        return e.value;
    case Expr::Type::Name: {
        const Value* v = frame->lookup(e.name);
        return v ? *v : Value::undefined("'" + e.name + "' is undefined");
    }
    case Expr::Type::List:
    case Expr::Type::Tuple: {
        ValueList items;
        items.reserve(e.args.size());
        for (const auto& a : e.args)
            items.push_back(eval(*a, frame));
        return e.type == Expr::Type::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case Expr::Type::Dict: {
        Value d = Value::emptyDict();
        for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
            Value k = eval(*e.args[i], frame);
            if (!k.isString())
                fail(Code::Unsupported, "dict keys other than strings are not supported");
            d.dict().set(k.str(), eval(*e.args[i + 1], frame));
        }
        return d;
    }
    case Expr::Type::GetAttr:
        return getAttr(eval(*e.a, frame), e.name);
    case Expr::Type::GetItem:
        return getItem(eval(*e.a, frame), eval(*e.b, frame));
    case Expr::Type::Slice: {
        Value obj = eval(*e.a, frame);
        Value start = e.b ? eval(*e.b, frame) : Value::none();
        Value stop = e.c ? eval(*e.c, frame) : Value::none();
        Value step = e.d ? eval(*e.d, frame) : Value::none();
        return getSlice(obj, start, stop, step);
    }
    case Expr::Type::Call:
        return evalCall(e, frame);
    case Expr::Type::Filter:
        return evalFilter(e, frame, nullptr);
    case Expr::Type::Test: {
        Value subject = eval(*e.a, frame);
        CallArgs args;
        evalArgs(e, frame, args);
        bool r = applyTest(*this, e.name, subject, args);
        return Value::boolean(e.negated ? !r : r);
    }
    case Expr::Type::Neg:
    case Expr::Type::Pos: {
        Value v = eval(*e.a, frame);
        if (v.isUndefined())
            failUndefined(v);
        if (!v.isNumber())
            fail(Code::InvalidArgument, std::string("bad operand type for unary ") +
                                            (e.type == Expr::Type::Neg ? "-" : "+") + ": '" + v.typeName() +
                                            "'");
        if (e.type == Expr::Type::Pos)
            return v.isBool() ? Value::integer(v.asInt()) : v;
        if (v.isFloat())
            return Value::number(-v.asDouble());
        return Value::integer(checkedSub(0, v.asInt()));
    }
    case Expr::Type::Not:
        return Value::boolean(!eval(*e.a, frame).truthy());
    case Expr::Type::And: {
        Value a = eval(*e.a, frame);
        return a.truthy() ? eval(*e.b, frame) : a;
    }
    case Expr::Type::Or: {
        Value a = eval(*e.a, frame);
        return a.truthy() ? a : eval(*e.b, frame);
    }
    case Expr::Type::Binary: {
        Value a = eval(*e.a, frame);
        Value b = eval(*e.b, frame);
        return arith(e.binOp, a, b);
    }
    case Expr::Type::Compare: {
        Value left = eval(*e.args[0], frame);
        for (std::size_t i = 0; i < e.cmpOps.size(); ++i) {
            Value right = eval(*e.args[i + 1], frame);
            if (!compareOp(e.cmpOps[i], left, right))
                return Value::boolean(false);
            left = std::move(right);
        }
        return Value::boolean(true);
    }
    case Expr::Type::Conditional:
        if (eval(*e.a, frame).truthy())
            return eval(*e.b, frame);
        return e.c ? eval(*e.c, frame) : Value::undefined("the condition was false and there is no else");
    }
    return Value();
}

Result<std::string> Template::render(const nlohmann::ordered_json& context) const {
    try {
        Interpreter in(*m_impl);
        return in.run(context);
    } catch (const EvalError& e) {
        std::string where = e.hasPos ? m_impl->where(e.pos) : m_impl->name;
        return Status(e.code, where + ": " + e.message);
    } catch (const std::bad_alloc&) {
        return Status(Code::OutOfMemory, m_impl->name + ": out of memory while rendering");
    }
}

} // namespace ws::jinja
