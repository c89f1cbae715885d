// The Jinja parser: tokens to a syntax tree, with jinja2's grammar and operator precedence
// (jinja2/parser.py).
#include "tokenizer/jinja.h"
#include "tokenizer/jinja_ast.h"
#include "tokenizer/jinja_lexer.h"

#include <algorithm>
#include <initializer_list>

namespace ws::jinja {
namespace {

constexpr int kMaxNesting =
    128; // nested expressions plus blocks; keeps the recursive descent off the stack's end

[[noreturn]] void parseFail(SourcePos pos, std::string message, Code code = Code::FormatError) {
    throw EvalError{code, std::move(message), true, pos};
}

std::string describe(const Token& t) {
    switch (t.type) {
    case TokenType::Text:
        return "template data";
    case TokenType::VarBegin:
        return "'{{'";
    case TokenType::VarEnd:
        return "'}}'";
    case TokenType::BlockBegin:
        return "'{%'";
    case TokenType::BlockEnd:
        return "'%}'";
    case TokenType::Name:
    case TokenType::Operator:
        return "'" + t.text + "'";
    case TokenType::String:
        return "a string";
    case TokenType::Integer:
    case TokenType::Float:
        return "a number";
    case TokenType::Eof:
        return "the end of the template";
    }
    return "?";
}

class Parser {
  public:
    explicit Parser(const std::vector<Token>& tokens) : m_t(tokens) {}

    NodeList parseTemplate() {
        std::string stop;
        NodeList body = parseBody({}, stop, 0);
        return body;
    }

  private:
    /// Counts nesting for the duration of one recursive call.
    struct DepthGuard {
        Parser& p;
        DepthGuard(Parser& parser, SourcePos pos) : p(parser) {
            if (++p.m_depth > kMaxNesting)
                parseFail(pos, "template nested more than 128 levels deep", Code::OutOfRange);
        }
        ~DepthGuard() { --p.m_depth; }
        DepthGuard(const DepthGuard&) = delete;
        DepthGuard& operator=(const DepthGuard&) = delete;
    };

    const Token& cur() const { return m_t[m_i]; }
    const Token& peek(std::size_t k = 1) const { return m_t[std::min(m_i + k, m_t.size() - 1)]; }
    const Token& next() {
        const Token& t = m_t[m_i];
        if (m_i + 1 < m_t.size())
            ++m_i;
        return t;
    }
    bool isOp(const char* op) const { return cur().type == TokenType::Operator && cur().text == op; }
    bool isName(const char* name) const { return cur().type == TokenType::Name && cur().text == name; }
    bool skipOp(const char* op) {
        if (!isOp(op))
            return false;
        next();
        return true;
    }
    bool skipName(const char* name) {
        if (!isName(name))
            return false;
        next();
        return true;
    }
    void expectOp(const char* op) {
        if (!skipOp(op))
            parseFail(cur().pos, std::string("expected '") + op + "', got " + describe(cur()));
    }
    std::string expectName(const char* what) {
        if (cur().type != TokenType::Name)
            parseFail(cur().pos, std::string("expected ") + what + ", got " + describe(cur()));
        return next().text;
    }
    void expectBlockEnd() {
        if (cur().type != TokenType::BlockEnd)
            parseFail(cur().pos, "expected '%}', got " + describe(cur()));
        next();
    }

    static ExprPtr make(Expr::Type t, SourcePos p) { return std::make_unique<Expr>(t, p); }

    // ---------------------------------------------------------------------------------------------------------
    // Statements

    /// Statements until a block tag named in `stops` (its name is consumed and returned in `stop`), or the
    /// end.
    NodeList parseBody(std::initializer_list<const char*> stops, std::string& stop, SourcePos openPos) {
        NodeList body;
        while (true) {
            const Token& t = cur();
            switch (t.type) {
            case TokenType::Text: {
                auto n = std::make_unique<Node>(Node::Type::Text, t.pos);
                n->text = t.text;
                body.push_back(std::move(n));
                next();
                break;
            }
            case TokenType::VarBegin: {
                next();
                auto n = std::make_unique<Node>(Node::Type::Output, t.pos);
                n->expr = parseTuple(true, {});
                if (cur().type != TokenType::VarEnd)
                    parseFail(cur().pos, "expected '}}', got " + describe(cur()));
                next();
                body.push_back(std::move(n));
                break;
            }
            case TokenType::BlockBegin: {
                next();
                if (cur().type != TokenType::Name)
                    parseFail(cur().pos, "expected a tag name, got " + describe(cur()));
                const std::string& name = cur().text;
                for (const char* s : stops) {
                    if (name == s) {
                        stop = name;
                        next();
                        return body;
                    }
                }
                body.push_back(parseStatement());
                break;
            }
            case TokenType::Eof:
                if (stops.size() != 0) {
                    std::string expected;
                    for (const char* s : stops)
                        expected += std::string(expected.empty() ? "" : " or ") + "'" + s + "'";
                    parseFail(openPos,
                              "unclosed block: reached the end of the template looking for " + expected);
                }
                return body;
            default:
                parseFail(t.pos, "unexpected " + describe(t));
            }
        }
    }

    std::unique_ptr<Node> parseStatement() {
        const Token& t = cur();
        DepthGuard guard(*this, t.pos);
        std::string name = t.text;
        if (name == "if")
            return parseIf();
        if (name == "for")
            return parseFor();
        if (name == "set")
            return parseSet();
        if (name == "macro")
            return parseMacro();
        if (name == "filter")
            return parseFilterBlock();
        if (name == "generation") {
            next();
            expectBlockEnd();
            auto n = std::make_unique<Node>(Node::Type::Scope, t.pos);
            std::string stop;
            n->body = parseBody({"endgeneration"}, stop, t.pos);
            expectBlockEnd();
            return n;
        }
        if (name == "break" || name == "continue") {
            if (m_loopDepth == 0)
                parseFail(t.pos, "'" + name + "' outside of a for loop");
            next();
            expectBlockEnd();
            return std::make_unique<Node>(name == "break" ? Node::Type::Break : Node::Type::Continue, t.pos);
        }
        static const char* const kUnsupported[] = {"include",    "import", "from", "extends",
                                                   "block",      "call",   "with", "do",
                                                   "autoescape", "trans",  "print"};
        for (const char* u : kUnsupported)
            if (name == u)
                parseFail(t.pos, "the '{% " + name + " %}' tag is not supported", Code::Unsupported);
        if (name.rfind("end", 0) == 0 || name == "elif" || name == "else")
            parseFail(t.pos, "unexpected '" + name + "' (no open block it could close)");
        parseFail(t.pos, "unknown tag '" + name + "'");
    }

    std::unique_ptr<Node> parseIf() {
        auto n = std::make_unique<Node>(Node::Type::If, cur().pos);
        next();
        while (true) {
            n->conds.push_back(parseTuple(false, {}));
            expectBlockEnd();
            std::string stop;
            n->bodies.push_back(parseBody({"elif", "else", "endif"}, stop, n->pos));
            if (stop == "elif")
                continue;
            if (stop == "else") {
                expectBlockEnd();
                n->elseBody = parseBody({"endif"}, stop, n->pos);
            }
            expectBlockEnd();
            return n;
        }
    }

    /// Names to assign: `a`, `a, b`, `(a, b)`.
    std::vector<std::string> parseTargets() {
        std::vector<std::string> names;
        bool paren = skipOp("(");
        do {
            if (paren && isOp(")"))
                break;
            names.push_back(expectName("a variable name"));
        } while (skipOp(","));
        if (paren)
            expectOp(")");
        return names;
    }

    std::unique_ptr<Node> parseFor() {
        auto n = std::make_unique<Node>(Node::Type::For, cur().pos);
        next();
        n->targets = parseTargets();
        if (!skipName("in"))
            parseFail(cur().pos, "expected 'in' in a for loop, got " + describe(cur()));
        n->expr = parseTuple(false, {"recursive", "if"});
        if (skipName("if"))
            n->filter = parseExpression(true);
        if (isName("recursive"))
            parseFail(cur().pos, "recursive for loops are not supported", Code::Unsupported);
        expectBlockEnd();
        std::string stop;
        ++m_loopDepth;
        n->body = parseBody({"else", "endfor"}, stop, n->pos);
        --m_loopDepth;
        if (stop == "else") {
            expectBlockEnd();
            int saved = m_loopDepth;
            m_loopDepth = 0; // the else block runs outside the loop: break there is an error, as in Python
            n->elseBody = parseBody({"endfor"}, stop, n->pos);
            m_loopDepth = saved;
        }
        expectBlockEnd();
        return n;
    }

    std::unique_ptr<Node> parseSet() {
        SourcePos pos = cur().pos;
        next();
        std::vector<std::string> targets;
        std::string attr;
        if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().text == ".") {
            targets.push_back(next().text);
            next();
            attr = expectName("an attribute name");
        } else {
            targets = parseTargets();
        }
        if (skipOp("=")) {
            auto n = std::make_unique<Node>(Node::Type::Set, pos);
            n->targets = std::move(targets);
            n->attr = std::move(attr);
            n->expr = parseTuple(true, {});
            expectBlockEnd();
            return n;
        }
        if (!attr.empty() || targets.size() != 1)
            parseFail(cur().pos, "a block set assigns one plain variable");
        auto n = std::make_unique<Node>(Node::Type::SetBlock, pos);
        n->targets = std::move(targets);
        if (isOp("|"))
            n->filter = parseFilterChain(nullptr);
        expectBlockEnd();
        std::string stop;
        n->body = parseBody({"endset"}, stop, pos);
        expectBlockEnd();
        return n;
    }

    std::unique_ptr<Node> parseMacro() {
        auto n = std::make_unique<Node>(Node::Type::Macro, cur().pos);
        next();
        n->name = expectName("a macro name");
        expectOp("(");
        bool sawDefault = false;
        while (!isOp(")")) {
            MacroParam p;
            SourcePos ppos = cur().pos;
            p.name = expectName("a parameter name");
            if (skipOp("=")) {
                p.defaultValue = parseExpression(true);
                sawDefault = true;
            } else if (sawDefault) {
                parseFail(ppos, "non-default argument '" + p.name + "' follows default argument");
            }
            n->params.push_back(std::move(p));
            if (!skipOp(","))
                break;
        }
        expectOp(")");
        expectBlockEnd();
        int saved = m_loopDepth;
        m_loopDepth = 0;
        std::string stop;
        n->body = parseBody({"endmacro"}, stop, n->pos);
        m_loopDepth = saved;
        expectBlockEnd();
        return n;
    }

    std::unique_ptr<Node> parseFilterBlock() {
        auto n = std::make_unique<Node>(Node::Type::FilterBlock, cur().pos);
        next();
        n->filter = parseFilterChain(nullptr, true);
        expectBlockEnd();
        std::string stop;
        n->body = parseBody({"endfilter"}, stop, n->pos);
        expectBlockEnd();
        return n;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Expressions, lowest precedence first

    bool isTupleEnd(std::initializer_list<const char*> extraEnds) const {
        if (cur().type == TokenType::VarEnd || cur().type == TokenType::BlockEnd ||
            cur().type == TokenType::Eof)
            return true;
        if (isOp(")"))
            return true;
        for (const char* e : extraEnds)
            if (isName(e))
                return true;
        return false;
    }

    /// Comma-separated expressions: one without a comma is itself, otherwise a tuple.
    ExprPtr parseTuple(bool withCondexpr, std::initializer_list<const char*> extraEnds) {
        SourcePos pos = cur().pos;
        std::vector<ExprPtr> items;
        bool sawComma = false;
        while (true) {
            if (!items.empty()) {
                if (!skipOp(","))
                    break;
                sawComma = true;
                if (isTupleEnd(extraEnds))
                    break;
            }
            items.push_back(parseExpression(withCondexpr));
        }
        if (!sawComma)
            return std::move(items.front());
        auto e = make(Expr::Type::Tuple, pos);
        e->args = std::move(items);
        return e;
    }

    ExprPtr parseExpression(bool withCondexpr) {
        DepthGuard guard(*this, cur().pos);
        ExprPtr e = parseOr();
        if (!withCondexpr)
            return e;
        while (isName("if")) {
            SourcePos pos = next().pos;
            auto c = make(Expr::Type::Conditional, pos);
            c->a = parseOr();
            c->b = std::move(e);
            if (skipName("else"))
                c->c = parseExpression(true);
            e = std::move(c);
        }
        return e;
    }

    ExprPtr parseOr() {
        ExprPtr left = parseAnd();
        while (isName("or")) {
            auto e = make(Expr::Type::Or, next().pos);
            e->a = std::move(left);
            e->b = parseAnd();
            left = std::move(e);
        }
        return left;
    }

    ExprPtr parseAnd() {
        ExprPtr left = parseNot();
        while (isName("and")) {
            auto e = make(Expr::Type::And, next().pos);
            e->a = std::move(left);
            e->b = parseNot();
            left = std::move(e);
        }
        return left;
    }

    ExprPtr parseNot() {
        if (isName("not")) {
            DepthGuard guard(*this, cur().pos);
            auto e = make(Expr::Type::Not, next().pos);
            e->a = parseNot();
            return e;
        }
        return parseCompare();
    }

    ExprPtr parseCompare() {
        SourcePos pos = cur().pos;
        ExprPtr first = parseMath1();
        std::vector<ExprPtr> operands;
        std::vector<CmpOp> ops;
        while (true) {
            CmpOp op;
            if (isOp("=="))
                op = CmpOp::Eq;
            else if (isOp("!="))
                op = CmpOp::Ne;
            else if (isOp("<"))
                op = CmpOp::Lt;
            else if (isOp("<="))
                op = CmpOp::Le;
            else if (isOp(">"))
                op = CmpOp::Gt;
            else if (isOp(">="))
                op = CmpOp::Ge;
            else if (isName("in"))
                op = CmpOp::In;
            else if (isName("not") && peek().type == TokenType::Name && peek().text == "in") {
                next();
                op = CmpOp::NotIn;
            } else {
                break;
            }
            next();
            ops.push_back(op);
            operands.push_back(parseMath1());
        }
        if (ops.empty())
            return first;
        auto e = make(Expr::Type::Compare, pos);
        e->args.push_back(std::move(first));
        for (auto& o : operands)
            e->args.push_back(std::move(o));
        e->cmpOps = std::move(ops);
        return e;
    }

    ExprPtr binary(BinOp op, SourcePos pos, ExprPtr a, ExprPtr b) {
        auto e = make(Expr::Type::Binary, pos);
        e->binOp = op;
        e->a = std::move(a);
        e->b = std::move(b);
        return e;
    }

    ExprPtr parseMath1() {
        ExprPtr left = parseConcat();
        while (isOp("+") || isOp("-")) {
            BinOp op = isOp("+") ? BinOp::Add : BinOp::Sub;
            SourcePos pos = next().pos;
            left = binary(op, pos, std::move(left), parseConcat());
        }
        return left;
    }

    ExprPtr parseConcat() {
        ExprPtr left = parseMath2();
        while (isOp("~")) {
            SourcePos pos = next().pos;
            left = binary(BinOp::Concat, pos, std::move(left), parseMath2());
        }
        return left;
    }

    ExprPtr parseMath2() {
        ExprPtr left = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            BinOp op = isOp("*")    ? BinOp::Mul
                       : isOp("/")  ? BinOp::Div
                       : isOp("//") ? BinOp::FloorDiv
                                    : BinOp::Mod;
            SourcePos pos = next().pos;
            left = binary(op, pos, std::move(left), parsePow());
        }
        return left;
    }

    ExprPtr parsePow() {
        ExprPtr left = parseUnary(true);
        while (isOp("**")) {
            SourcePos pos = next().pos;
            left = binary(BinOp::Pow, pos, std::move(left), parseUnary(true));
        }
        return left;
    }

    ExprPtr parseUnary(bool withFilter) {
        DepthGuard guard(*this, cur().pos);
        ExprPtr e;
        if (isOp("-") || isOp("+")) {
            Expr::Type type = isOp("-") ? Expr::Type::Neg : Expr::Type::Pos;
            e = make(type, next().pos);
            e->a = parseUnary(false);
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(std::move(e));
        if (withFilter)
            e = parseFilterExpr(std::move(e));
        return e;
    }

    ExprPtr parsePrimary() {
        const Token& t = cur();
        switch (t.type) {
        case TokenType::Name: {
            next();
            auto e = make(Expr::Type::Literal, t.pos);
            if (t.text == "true" || t.text == "True")
                e->value = Value::boolean(true);
            else if (t.text == "false" || t.text == "False")
                e->value = Value::boolean(false);
            else if (t.text == "none" || t.text == "None")
                e->value = Value::none();
            else {
                e->type = Expr::Type::Name;
                e->name = t.text;
            }
            return e;
        }
        case TokenType::String: {
            std::string s;
            while (cur().type == TokenType::String)
                s += next().text; // adjacent literals concatenate
            auto e = make(Expr::Type::Literal, t.pos);
            e->value = Value::string(std::move(s));
            return e;
        }
        case TokenType::Integer:
        case TokenType::Float: {
            next();
            auto e = make(Expr::Type::Literal, t.pos);
            e->value =
                t.type == TokenType::Integer ? Value::integer(t.intValue) : Value::number(t.floatValue);
            return e;
        }
        case TokenType::Operator:
            if (t.text == "(") {
                next();
                if (skipOp(")"))
                    return make(Expr::Type::Tuple, t.pos);
                ExprPtr e = parseTuple(true, {});
                expectOp(")");
                return e;
            }
            if (t.text == "[") {
                next();
                auto e = make(Expr::Type::List, t.pos);
                while (!isOp("]")) {
                    e->args.push_back(parseExpression(true));
                    if (!skipOp(","))
                        break;
                }
                expectOp("]");
                return e;
            }
            if (t.text == "{") {
                next();
                auto e = make(Expr::Type::Dict, t.pos);
                while (!isOp("}")) {
                    e->args.push_back(parseExpression(true));
                    expectOp(":");
                    e->args.push_back(parseExpression(true));
                    if (!skipOp(","))
                        break;
                }
                expectOp("}");
                return e;
            }
            break;
        default:
            break;
        }
        parseFail(t.pos, "unexpected " + describe(t) + " in an expression");
    }

    ExprPtr parsePostfix(ExprPtr e) {
        while (true) {
            if (isOp(".")) {
                SourcePos pos = next().pos;
                if (cur().type == TokenType::Integer) {
                    auto g = make(Expr::Type::GetItem, pos);
                    g->a = std::move(e);
                    g->b = make(Expr::Type::Literal, cur().pos);
                    g->b->value = Value::integer(next().intValue);
                    e = std::move(g);
                } else {
                    auto g = make(Expr::Type::GetAttr, pos);
                    g->a = std::move(e);
                    g->name = expectName("an attribute name after '.'");
                    e = std::move(g);
                }
            } else if (isOp("[")) {
                e = parseSubscript(std::move(e));
            } else if (isOp("(")) {
                e = parseCall(std::move(e));
            } else {
                return e;
            }
        }
    }

    ExprPtr parseSubscript(ExprPtr obj) {
        SourcePos pos = next().pos; // '['
        DepthGuard guard(*this, pos);
        ExprPtr parts[3];
        int colons = 0;
        while (true) {
            if (isOp(":")) {
                if (++colons > 2)
                    parseFail(cur().pos, "too many ':' in a slice");
                next();
                continue;
            }
            if (isOp("]"))
                break;
            if (parts[colons])
                parseFail(cur().pos, "expected ']' or ':', got " + describe(cur()));
            parts[colons] = parseExpression(true);
            if (isOp(","))
                parseFail(cur().pos, "tuple subscripts are not supported", Code::Unsupported);
        }
        expectOp("]");
        if (colons == 0) {
            if (!parts[0])
                parseFail(pos, "empty subscript");
            auto g = make(Expr::Type::GetItem, pos);
            g->a = std::move(obj);
            g->b = std::move(parts[0]);
            return g;
        }
        auto s = make(Expr::Type::Slice, pos);
        s->a = std::move(obj);
        s->b = std::move(parts[0]);
        s->c = std::move(parts[1]);
        s->d = std::move(parts[2]);
        return s;
    }

    /// "(" args ")" into e->args / e->kwargs.
    void parseCallArgs(Expr& e) {
        expectOp("(");
        while (!isOp(")")) {
            if (isOp("*") || isOp("**"))
                parseFail(cur().pos, "*args and **kwargs in calls are not supported", Code::Unsupported);
            if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().text == "=") {
                std::string key = next().text;
                next();
                e.kwargs.emplace_back(std::move(key), parseExpression(true));
            } else {
                if (!e.kwargs.empty())
                    parseFail(cur().pos, "positional argument follows keyword argument");
                e.args.push_back(parseExpression(true));
            }
            if (!skipOp(","))
                break;
        }
        expectOp(")");
    }

    ExprPtr parseCall(ExprPtr callee) {
        DepthGuard guard(*this, cur().pos);
        auto e = make(Expr::Type::Call, callee->pos); // errors point at what is called
        e->a = std::move(callee);
        parseCallArgs(*e);
        return e;
    }

    /// One or more "| name(args)" applied to `input` (null: a filter block's or set block's output).
    ExprPtr parseFilterChain(ExprPtr input, bool startInline = false) {
        ExprPtr e = std::move(input);
        bool first = true;
        while (isOp("|") || (startInline && first)) {
            if (!(startInline && first))
                next();
            first = false;
            DepthGuard guard(*this, cur().pos);
            auto f = make(Expr::Type::Filter, cur().pos);
            f->name = expectName("a filter name");
            while (skipOp("."))
                f->name += "." + expectName("a filter name");
            if (isOp("("))
                parseCallArgs(*f);
            f->a = std::move(e);
            e = std::move(f);
        }
        return e;
    }

    ExprPtr parseFilterExpr(ExprPtr e) {
        while (true) {
            if (isOp("|")) {
                e = parseFilterChain(std::move(e));
            } else if (isName("is")) {
                e = parseTest(std::move(e));
            } else if (isOp("(")) {
                e = parseCall(std::move(e));
            } else {
                return e;
            }
        }
    }

    ExprPtr parseTest(ExprPtr subject) {
        DepthGuard guard(*this, cur().pos);
        auto t = make(Expr::Type::Test, next().pos);
        t->negated = skipName("not");
        t->name = expectName("a test name after 'is'");
        while (skipOp("."))
            t->name += "." + expectName("a test name");
        t->a = std::move(subject);
        const Token& c = cur();
        if (isOp("(")) {
            parseCallArgs(*t);
        } else if ((c.type == TokenType::Name || c.type == TokenType::String ||
                    c.type == TokenType::Integer || c.type == TokenType::Float || isOp("[") || isOp("{")) &&
                   !isName("else") && !isName("or") && !isName("and")) {
            if (isName("is"))
                parseFail(c.pos, "you cannot chain multiple tests with 'is'");
            t->args.push_back(parsePostfix(parsePrimary()));
        }
        return t;
    }

    const std::vector<Token>& m_t;
    std::size_t m_i = 0;
    int m_depth = 0;
    int m_loopDepth = 0;
};

} // namespace

std::string TemplateImpl::where(SourcePos pos) const {
    auto it = std::upper_bound(lineStarts.begin(), lineStarts.end(), pos);
    std::size_t line = static_cast<std::size_t>(it - lineStarts.begin()); // 1-based
    std::size_t start = lineStarts[line - 1];
    std::size_t column =
        codePointCount(std::string_view(source).substr(start, std::min(pos, source.size()) - start)) + 1;
    return name + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Result<Template> Template::parse(std::string_view source, std::string name) {
    auto impl = std::make_shared<TemplateImpl>();
    impl->name = std::move(name);
    impl->source = normalizeSource(source);
    impl->lineStarts.push_back(0);
    for (std::size_t i = 0; i < impl->source.size(); ++i)
        if (impl->source[i] == '\n')
            impl->lineStarts.push_back(i + 1);
    try {
        std::vector<Token> tokens = tokenize(impl->source);
        impl->body = Parser(tokens).parseTemplate();
    } catch (const EvalError& e) {
        return Status(e.code, impl->where(e.pos) + ": " + e.message);
    }
    return Template(std::move(impl));
}

} // namespace ws::jinja
