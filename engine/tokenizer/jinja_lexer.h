// The Jinja lexer: template text to tokens, applying transformers' trim_blocks/lstrip_blocks and `-` control.
#pragma once

#include "tokenizer/jinja_ast.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ws::jinja {

enum class TokenType {
    Text,       // template data, whitespace control already applied
    VarBegin,   // {{
    VarEnd,     // }}
    BlockBegin, // {%
    BlockEnd,   // %}
    Name,
    String,
    Integer,
    Float,
    Operator,
    Eof
};

struct Token {
    TokenType type;
    SourcePos pos;
    std::string text; // Text data, Name, decoded String, Operator spelling
    std::int64_t intValue = 0;
    double floatValue = 0;
};

/// jinja2's source preparation: "\r\n" and "\r" become "\n", and one trailing newline is dropped
/// (keep_trailing_newline=False).
std::string normalizeSource(std::string_view source);

/// Tokens of a normalized source, ending with Eof. Throws EvalError (with hasPos) on a lexical error:
/// an unclosed tag, comment or string, a bad escape, an unexpected character.
std::vector<Token> tokenize(const std::string& source);

} // namespace ws::jinja
