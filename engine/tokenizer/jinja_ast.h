// The Jinja syntax tree: expressions and statements, as jinja2's parser builds them (jinja2/nodes.py,
// trimmed).
#pragma once

#include "tokenizer/jinja_value.h"

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ws::jinja {

/// A position in the (newline-normalized) source, as a byte offset; turned into line:column for messages.
using SourcePos = std::size_t;

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class BinOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat };
enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

/// One expression node; which fields are used depends on `type`.
struct Expr {
    enum class Type {
        Literal,    // value
        Name,       // name
        List,       // args: items
        Tuple,      // args: items
        Dict,       // args: key0, value0, key1, value1, ...
        GetAttr,    // a.name
        GetItem,    // a[b]
        Slice,      // a[b:c:d], each of b, c, d may be null
        Call,       // a(args, kwargs)
        Filter,     // a|name(args, kwargs); a is null in a filter block (the block's output)
        Test,       // a is [not] name(args)
        Neg,        // -a
        Pos,        // +a
        Not,        // not a
        And,        // a and b
        Or,         // a or b
        Binary,     // a binOp b
        Compare,    // args[0] cmpOps[0] args[1] cmpOps[1] args[2] ... (chained like Python)
        Conditional // b if a else c (c may be null: undefined)
    };
    Type type;
    SourcePos pos;
    Value value;
    std::string name;
    ExprPtr a, b, c, d;
    std::vector<ExprPtr> args;
    std::vector<std::pair<std::string, ExprPtr>> kwargs;
    BinOp binOp = BinOp::Add;
    std::vector<CmpOp> cmpOps;
    bool negated = false;

    Expr(Type t, SourcePos p) : type(t), pos(p) {}
};

struct Node;
using NodeList = std::vector<std::unique_ptr<Node>>;

struct MacroParam {
    std::string name;
    ExprPtr defaultValue; // null when the parameter has none
};

/// One statement (template data, an output, a tag); which fields are used depends on `type`.
struct Node {
    enum class Type {
        Text,        // text
        Output,      // {{ expr }}
        If,          // conds[i] → bodies[i]; elseBody
        For,         // for targets in expr [if filter] → body; elseBody
        Set,         // set targets = expr | set targets[0].attr = expr
        SetBlock,    // set targets[0] [| filter] → body
        Macro,       // macro name(params) → body
        FilterBlock, // filter filter → body
        Break,
        Continue,
        Scope // a body rendered as is ({% generation %})
    };
    Type type;
    SourcePos pos;
    std::string text;
    ExprPtr expr;
    ExprPtr filter;
    std::vector<ExprPtr> conds;
    std::vector<NodeList> bodies;
    NodeList body;
    NodeList elseBody;
    std::vector<std::string> targets;
    std::string attr; // Set on a namespace attribute: targets[0].attr
    std::string name;
    std::vector<MacroParam> params;

    Node(Type t, SourcePos p) : type(t), pos(p) {}
};

/// A parsed template: its statements and what is needed to turn positions into line:column.
struct TemplateImpl {
    std::string name;
    std::string source; // newline-normalized
    std::vector<std::size_t> lineStarts;
    NodeList body;

    /// "name:line:column" of an offset (column in characters, both 1-based).
    std::string where(SourcePos pos) const;
};

} // namespace ws::jinja
