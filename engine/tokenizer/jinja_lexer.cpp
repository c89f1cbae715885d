// The Jinja lexer, following jinja2/lexer.py with trim_blocks=True and lstrip_blocks=True (as transformers
// sets).
#include "tokenizer/jinja_lexer.h"

#include "tokenizer/utf8.h"

#include <cstring>
#include <limits>

namespace ws::jinja {
namespace {

[[noreturn]] void lexFail(SourcePos pos, std::string message) {
    throw EvalError{Code::FormatError, std::move(message), true, pos};
}

bool isAsciiSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

/// Bytes of whitespace (Python's \s, Unicode) at the end of `s`.
std::size_t trailingSpaceBytes(std::string_view s) {
    std::size_t end = s.size();
    while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4)
            --start;
        auto c = detail::readUtf8(s, start);
        if (c.kind != detail::Utf8Kind::Valid || start + c.length != end || !isPySpace(c.codePoint))
            break;
        end = start;
    }
    return s.size() - end;
}

/// Offset of the first non-whitespace (Python's \s) character at or after `pos`.
std::size_t skipSpace(std::string_view s, std::size_t pos) {
    while (pos < s.size()) {
        auto c = detail::readUtf8(s, pos);
        if (c.kind != detail::Utf8Kind::Valid || !isPySpace(c.codePoint))
            break;
        pos += c.length;
    }
    return pos;
}

int hexDigit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Python's unicode-escape decoding of a string literal's body, as jinja2 applies it.
std::string unescape(std::string_view body, SourcePos pos) {
    std::string out;
    for (std::size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (c != '\\' || i + 1 == body.size()) {
            out += c;
            continue;
        }
        char e = body[++i];
        switch (e) {
        case '\n':
            break; // line continuation
        case '\\':
            out += '\\';
            break;
        case '\'':
            out += '\'';
            break;
        case '"':
            out += '"';
            break;
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'v':
            out += '\v';
            break;
        case 'x':
        case 'u':
        case 'U': {
            std::size_t n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
            char32_t cp = 0;
            for (std::size_t k = 0; k < n; ++k) {
                int h = i + 1 + k < body.size() ? hexDigit(body[i + 1 + k]) : -1;
                if (h < 0)
                    lexFail(pos, std::string("truncated \\") + e + " escape in a string literal");
                cp = cp * 16 + static_cast<char32_t>(h);
            }
            i += n;
            if (cp > 0x10FFFF)
                lexFail(pos, "\\U escape beyond U+10FFFF in a string literal");
            if (cp >= 0xD800 && cp <= 0xDFFF)
                lexFail(pos, "surrogate code point in a string literal");
            detail::appendUtf8(out, cp);
            break;
        }
        case 'N':
            lexFail(pos, "\\N{...} escapes are not supported");
        default:
            if (e >= '0' && e <= '7') {
                char32_t cp = static_cast<char32_t>(e - '0');
                for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k)
                    cp = cp * 8 + static_cast<char32_t>(body[++i] - '0');
                detail::appendUtf8(out, cp);
            } else {
                out += '\\'; // unknown escapes stay as written
                out += e;
            }
        }
    }
    return out;
}

class Lexer {
  public:
    explicit Lexer(const std::string& src) : m_src(src) {}

    std::vector<Token> run() {
        std::size_t pos = 0;
        bool lineStarting = true;
        while (pos < m_src.size()) {
            std::size_t tag = findTag(pos);
            std::string text = m_src.substr(pos, (tag == std::string::npos ? m_src.size() : tag) - pos);
            if (tag == std::string::npos) {
                pushText(pos, std::move(text));
                break;
            }
            char kind = m_src[tag + 1]; // '{', '%' or '#'
            char sign = tag + 2 < m_src.size() ? m_src[tag + 2] : '\0';
            if (sign == '-') {
                text.resize(text.size() - trailingSpaceBytes(text));
            } else if (kind != '{' && sign != '+') {
                // lstrip_blocks: spaces and tabs between the line start and a block or comment tag go
                std::size_t lineStart = text.rfind('\n');
                lineStart = lineStart == std::string::npos ? 0 : lineStart + 1;
                if ((lineStart > 0 || lineStarting) &&
                    text.find_first_not_of(" \t", lineStart) == std::string::npos)
                    text.resize(lineStart);
            }
            pushText(pos, std::move(text));
            std::size_t inner = tag + 2 + (sign == '-' || sign == '+' ? 1 : 0);
            if (kind == '#')
                pos = lexComment(tag, inner);
            else if (kind == '%' && isRawBegin(inner))
                pos = lexRaw(tag, inner);
            else
                pos = lexTag(tag, inner, kind == '{');
            lineStarting = pos > 0 && m_src[pos - 1] == '\n';
        }
        m_tokens.push_back(Token{TokenType::Eof, m_src.size(), {}});
        return std::move(m_tokens);
    }

  private:
    std::size_t findTag(std::size_t from) const {
        for (std::size_t p = m_src.find('{', from); p != std::string::npos; p = m_src.find('{', p + 1)) {
            if (p + 1 < m_src.size() && (m_src[p + 1] == '{' || m_src[p + 1] == '%' || m_src[p + 1] == '#'))
                return p;
        }
        return std::string::npos;
    }

    void pushText(SourcePos pos, std::string text) {
        if (!text.empty())
            m_tokens.push_back(Token{TokenType::Text, pos, std::move(text)});
    }

    /// After a closing tag at `end` (just past "%}" or "#}"): `-` strips the following whitespace, otherwise
    /// trim_blocks removes one newline unless the tag closed with "+".
    std::size_t afterBlockEnd(std::size_t end, char sign) const {
        if (sign == '-')
            return skipSpace(m_src, end);
        if (sign != '+' && end < m_src.size() && m_src[end] == '\n')
            return end + 1;
        return end;
    }

    std::size_t lexComment(std::size_t tag, std::size_t inner) {
        std::size_t close = m_src.find("#}", inner);
        if (close == std::string::npos)
            lexFail(tag, "unclosed comment (missing '#}')");
        char sign = close > inner ? m_src[close - 1] : '\0';
        return afterBlockEnd(close + 2, sign);
    }

    bool isRawBegin(std::size_t inner) const {
        std::size_t p = skipSpace(m_src, inner);
        if (m_src.compare(p, 3, "raw") != 0 || (p + 3 < m_src.size() && isNameChar(m_src[p + 3])))
            return false;
        p = skipSpace(m_src, p + 3);
        if (p < m_src.size() && (m_src[p] == '-' || m_src[p] == '+'))
            ++p;
        return m_src.compare(p, 2, "%}") == 0;
    }

    std::size_t lexRaw(std::size_t tag, std::size_t inner) {
        std::size_t p = m_src.find("%}", inner);
        char beginSign = m_src[p - 1];
        std::size_t start = beginSign == '-' ? skipSpace(m_src, p + 2) : p + 2;
        for (std::size_t q = m_src.find("{%", start); q != std::string::npos; q = m_src.find("{%", q + 1)) {
            std::size_t r = q + 2;
            char openSign = r < m_src.size() ? m_src[r] : '\0';
            if (openSign == '-' || openSign == '+')
                ++r;
            r = skipSpace(m_src, r);
            if (m_src.compare(r, 6, "endraw") != 0)
                continue;
            r = skipSpace(m_src, r + 6);
            char closeSign = '\0';
            if (r < m_src.size() && (m_src[r] == '-' || m_src[r] == '+'))
                closeSign = m_src[r++];
            if (m_src.compare(r, 2, "%}") != 0)
                continue;
            std::string text = m_src.substr(start, q - start);
            if (openSign == '-')
                text.resize(text.size() - trailingSpaceBytes(text));
            pushText(start, std::move(text));
            return afterBlockEnd(r + 2, closeSign);
        }
        lexFail(tag, "unclosed raw block (missing '{% endraw %}')");
    }

    /// The tokens of one {{ }} or {% %} tag; returns the offset after it (and its whitespace control).
    std::size_t lexTag(std::size_t tag, std::size_t p, bool variable) {
        m_tokens.push_back(Token{variable ? TokenType::VarBegin : TokenType::BlockBegin, tag, {}});
        int depth = 0;
        const char* close = variable ? "}}" : "%}";
        while (true) {
            while (p < m_src.size() && isAsciiSpace(m_src[p]))
                ++p;
            if (p >= m_src.size())
                lexFail(tag, variable ? "unclosed '{{' (missing '}}')" : "unclosed '{%' (missing '%}')");
            if (depth == 0) {
                char sign = m_src[p];
                std::size_t q = (sign == '-' || (sign == '+' && !variable)) ? p + 1 : p;
                if (m_src.compare(q, 2, close) == 0) {
                    m_tokens.push_back(Token{variable ? TokenType::VarEnd : TokenType::BlockEnd, p, {}});
                    if (variable)
                        return sign == '-' ? skipSpace(m_src, q + 2) : q + 2;
                    return afterBlockEnd(q + 2, q == p ? '\0' : sign);
                }
            }
            char c = m_src[p];
            if (isNameStart(c)) {
                std::size_t s = p;
                while (p < m_src.size() && isNameChar(m_src[p]))
                    ++p;
                m_tokens.push_back(Token{TokenType::Name, s, m_src.substr(s, p - s)});
            } else if (isDigit(c)) {
                p = lexNumber(p);
            } else if (c == '\'' || c == '"') {
                std::size_t s = p++;
                while (p < m_src.size() && m_src[p] != c)
                    p += m_src[p] == '\\' ? 2 : 1;
                if (p >= m_src.size())
                    lexFail(s, "unterminated string literal");
                m_tokens.push_back(Token{TokenType::String, s,
                                         unescape(std::string_view(m_src).substr(s + 1, p - s - 1), s)});
                ++p;
            } else {
                static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                                   "/",  "%",  "~",  "<",  ">",  "=",  "(", ")", "[",
                                                   "]",  "{",  "}",  ",",  ".",  ":",  "|", ";"};
                const char* op = nullptr;
                for (const char* o : kOps) {
                    if (m_src.compare(p, std::strlen(o), o) == 0) {
                        op = o;
                        break;
                    }
                }
                if (!op) {
                    auto ch = detail::readUtf8(m_src, p);
                    lexFail(p, "unexpected character '" + m_src.substr(p, ch.length) + "' in a tag");
                }
                if (op[1] == '\0' && (c == '(' || c == '[' || c == '{'))
                    ++depth;
                if (op[1] == '\0' && (c == ')' || c == ']' || c == '}')) {
                    if (depth == 0)
                        lexFail(p, std::string("unexpected '") + c + "'");
                    --depth;
                }
                m_tokens.push_back(Token{TokenType::Operator, p, op});
                p += std::strlen(op);
            }
        }
    }

    /// Digits with '_' separators.
    std::size_t scanDigits(std::size_t p, std::string& digits) const {
        while (p < m_src.size() &&
               (isDigit(m_src[p]) || (m_src[p] == '_' && p + 1 < m_src.size() && isDigit(m_src[p + 1])))) {
            if (m_src[p] != '_')
                digits += m_src[p];
            ++p;
        }
        return p;
    }

    std::size_t lexNumber(std::size_t start) {
        std::string digits;
        std::size_t p = scanDigits(start, digits);
        bool afterDot =
            !m_tokens.empty() && m_tokens.back().type == TokenType::Operator && m_tokens.back().text == ".";
        bool isFloat = false;
        std::string text = digits;
        if (!afterDot && p + 1 < m_src.size() && m_src[p] == '.' && isDigit(m_src[p + 1])) {
            std::string frac;
            p = scanDigits(p + 1, frac);
            text += "." + frac;
            isFloat = true;
        }
        if (!afterDot && p < m_src.size() && (m_src[p] == 'e' || m_src[p] == 'E')) {
            std::size_t q = p + 1;
            std::string sign;
            if (q < m_src.size() && (m_src[q] == '+' || m_src[q] == '-'))
                sign = m_src[q++];
            if (q < m_src.size() && isDigit(m_src[q])) {
                std::string ex;
                p = scanDigits(q, ex);
                text += "e" + sign + ex;
                isFloat = true;
            }
        }
        Token t{isFloat ? TokenType::Float : TokenType::Integer, start, text};
        if (isFloat) {
            t.floatValue = std::strtod(text.c_str(), nullptr);
        } else {
            std::int64_t v = 0;
            for (char d : digits) {
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d - '0', &v))
                    lexFail(start, "integer literal " + digits + " is larger than 2^63-1");
            }
            t.intValue = v;
        }
        m_tokens.push_back(std::move(t));
        return p;
    }

    const std::string& m_src;
    std::vector<Token> m_tokens;
};

} // namespace

std::string normalizeSource(std::string_view source) {
    std::string out;
    out.reserve(source.size());
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            out += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n')
                ++i;
        } else {
            out += source[i];
        }
    }
    if (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

std::vector<Token> tokenize(const std::string& source) { return Lexer(source).run(); }

} // namespace ws::jinja
