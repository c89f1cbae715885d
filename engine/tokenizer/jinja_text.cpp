// Python str semantics on UTF-8 text for the Jinja builtins (CPython's unicodeobject.c behaviour, ASCII case
// tables).
#include "tokenizer/jinja_text.h"

#include "tokenizer/utf8.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ws::jinja {
namespace {

// ---------------------------------------------------------------------------------------------------------------
// Text helpers (Python str semantics on code points)

/// Letters outside ASCII whose case Python would change; we do not carry Unicode case tables, so these fail.
bool hasNonAsciiCase(char32_t c) {
    return (c >= 0xB5 && c <= 0x24F && c != 0xD7 && c != 0xF7 && (c == 0xB5 || c >= 0xC0)) ||
           (c >= 0x250 && c <= 0x2AF) || (c >= 0x370 && c <= 0x587) || (c >= 0x10A0 && c <= 0x10FF) ||
           (c >= 0x13A0 && c <= 0x13FF) || (c >= 0x1C80 && c <= 0x1CBF) || (c >= 0x1E00 && c <= 0x1FFF) ||
           (c >= 0x2160 && c <= 0x2188) || (c >= 0x24B6 && c <= 0x24E9) || (c >= 0x2C00 && c <= 0x2D2F) ||
           (c >= 0xA640 && c <= 0xA7FF) || (c >= 0xAB70 && c <= 0xABBF) || (c >= 0xFB00 && c <= 0xFB17) ||
           (c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A) || (c >= 0x10400 && c <= 0x104FF) ||
           (c >= 0x10C80 && c <= 0x10CFF) || (c >= 0x118A0 && c <= 0x118FF) ||
           (c >= 0x16E40 && c <= 0x16E9F) || (c >= 0x1E900 && c <= 0x1E95F);
}

bool isCased(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || hasNonAsciiCase(c); }

char32_t mapCase(char32_t c, bool upper) {
    if (hasNonAsciiCase(c))
        fail(Code::Unsupported, "changing the case of non-ASCII letters ('" +
                                    encodeUtf8(std::u32string(1, c)) + "') is not supported");
    if (upper && c >= 'a' && c <= 'z')
        return c - 32;
    if (!upper && c >= 'A' && c <= 'Z')
        return c + 32;
    return c;
}

} // namespace

const std::string& needString(const Value& v, const char* what) {
    if (v.isUndefined())
        fail(Code::InvalidArgument, v.undefinedHint());
    if (!v.isString())
        fail(Code::InvalidArgument, std::string(what) + " expects a string, got '" + v.typeName() + "'");
    return v.str();
}

std::int64_t needInt(const Value& v, const char* what) {
    if (v.isUndefined())
        fail(Code::InvalidArgument, v.undefinedHint());
    if (!v.isInt() && !v.isBool())
        fail(Code::InvalidArgument, std::string(what) + " expects an integer, got '" + v.typeName() + "'");
    return v.asInt();
}

std::string caseMap(const std::string& s, bool upper) {
    std::u32string u = decodeUtf8(s);
    for (char32_t& c : u)
        c = mapCase(c, upper);
    return encodeUtf8(u);
}

/// str.capitalize: first character upper, the rest lower.
std::string capitalize(const std::string& s) {
    std::u32string u = decodeUtf8(s);
    for (std::size_t i = 0; i < u.size(); ++i)
        u[i] = mapCase(u[i], i == 0);
    return encodeUtf8(u);
}

/// str.title: a letter after a non-letter is upper, other letters lower.
std::string pyTitle(const std::string& s) {
    std::u32string u = decodeUtf8(s);
    bool prevCased = false;
    for (char32_t& c : u) {
        bool cased = isCased(c);
        c = mapCase(c, !prevCased);
        prevCased = cased;
    }
    return encodeUtf8(u);
}

/// The title filter: words start after runs of "-", whitespace, "(", "{", "[" or "<".
std::string filterTitle(const std::string& s) {
    std::u32string u = decodeUtf8(s);
    bool wordStart = true;
    for (char32_t& c : u) {
        bool delim = c == U'-' || c == U'(' || c == U'{' || c == U'[' || c == U'<' || isPySpace(c);
        if (delim) {
            wordStart = true;
            continue;
        }
        c = mapCase(c, wordStart);
        wordStart = false;
    }
    return encodeUtf8(u);
}

std::string strip(const std::string& s, const Value& chars, bool left, bool right) {
    std::u32string u = decodeUtf8(s);
    std::u32string set;
    bool whitespace = chars.isNone() || chars.isUndefined();
    if (!whitespace)
        set = decodeUtf8(needString(chars, "strip"));
    auto strips = [&](char32_t c) { return whitespace ? isPySpace(c) : set.find(c) != std::u32string::npos; };
    std::size_t b = 0, e = u.size();
    if (left)
        while (b < e && strips(u[b]))
            ++b;
    if (right)
        while (e > b && strips(u[e - 1]))
            --e;
    return encodeUtf8(u.substr(b, e - b));
}

ValueList split(const std::string& s, const Value& sepV, std::int64_t maxsplit, bool fromRight) {
    ValueList out;
    if (sepV.isNone() || sepV.isUndefined()) {
        std::u32string u = decodeUtf8(s);
        std::vector<std::u32string> words;
        if (!fromRight) {
            std::size_t i = 0;
            while (true) {
                while (i < u.size() && isPySpace(u[i]))
                    ++i;
                if (i == u.size())
                    break;
                if (maxsplit >= 0 && static_cast<std::int64_t>(words.size()) == maxsplit) {
                    std::size_t e = u.size();
                    while (e > i && isPySpace(u[e - 1]))
                        --e;
                    words.push_back(u.substr(i, e - i));
                    break;
                }
                std::size_t j = i;
                while (j < u.size() && !isPySpace(u[j]))
                    ++j;
                words.push_back(u.substr(i, j - i));
                i = j;
            }
        } else {
            std::size_t i = u.size();
            while (true) {
                while (i > 0 && isPySpace(u[i - 1]))
                    --i;
                if (i == 0)
                    break;
                if (maxsplit >= 0 && static_cast<std::int64_t>(words.size()) == maxsplit) {
                    std::size_t b = 0;
                    while (b < i && isPySpace(u[b]))
                        ++b;
                    words.push_back(u.substr(b, i - b));
                    break;
                }
                std::size_t j = i;
                while (j > 0 && !isPySpace(u[j - 1]))
                    --j;
                words.push_back(u.substr(j, i - j));
                i = j;
            }
            std::reverse(words.begin(), words.end());
        }
        for (auto& w : words)
            out.push_back(Value::string(encodeUtf8(w)));
        return out;
    }
    const std::string& sep = needString(sepV, "split");
    if (sep.empty())
        fail(Code::InvalidArgument, "split: empty separator");
    std::vector<std::string> parts;
    if (!fromRight) {
        std::size_t start = 0;
        while (true) {
            std::size_t p = s.find(sep, start);
            if (p == std::string::npos ||
                (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit)) {
                parts.push_back(s.substr(start));
                break;
            }
            parts.push_back(s.substr(start, p - start));
            start = p + sep.size();
        }
    } else {
        std::size_t end = s.size();
        while (true) {
            std::size_t p = end >= sep.size() ? s.rfind(sep, end - sep.size()) : std::string::npos;
            if (p == std::string::npos ||
                (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) == maxsplit)) {
                parts.push_back(s.substr(0, end));
                break;
            }
            parts.push_back(s.substr(p + sep.size(), end - p - sep.size()));
            end = p;
        }
        std::reverse(parts.begin(), parts.end());
    }
    for (auto& p : parts)
        out.push_back(Value::string(std::move(p)));
    return out;
}

namespace {

bool isLineBreak(char32_t c) {
    return c == U'\n' || c == U'\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
}

} // namespace

std::vector<std::string> splitLines(const std::string& s, bool keepends) {
    std::u32string u = decodeUtf8(s);
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < u.size(); ++i) {
        if (!isLineBreak(u[i]))
            continue;
        std::size_t end = i;
        if (u[i] == U'\r' && i + 1 < u.size() && u[i + 1] == U'\n')
            ++i;
        lines.push_back(encodeUtf8(u.substr(start, (keepends ? i + 1 : end) - start)));
        start = i + 1;
    }
    if (start < u.size())
        lines.push_back(encodeUtf8(u.substr(start)));
    return lines;
}

std::string replace(const std::string& s, const std::string& from, const std::string& to,
                    std::int64_t count) {
    std::string out;
    if (from.empty()) { // Python inserts `to` around every character
        std::u32string u = decodeUtf8(s);
        std::int64_t n = 0;
        for (std::size_t i = 0; i <= u.size(); ++i) {
            if (count < 0 || n < count) {
                out += to;
                ++n;
            }
            if (i < u.size())
                out += encodeUtf8(u.substr(i, 1));
            if (out.size() > kMaxStringBytes)
                fail(Code::OutOfRange, "string longer than 64 MiB");
        }
        return out;
    }
    std::size_t start = 0;
    std::int64_t n = 0;
    while (true) {
        std::size_t p = s.find(from, start);
        if (p == std::string::npos || (count >= 0 && n == count))
            break;
        out.append(s, start, p - start).append(to);
        if (out.size() > kMaxStringBytes)
            fail(Code::OutOfRange, "string longer than 64 MiB");
        start = p + from.size();
        ++n;
    }
    out.append(s, start);
    return out;
}

std::string htmlEscape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&#34;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

bool startsOrEndsWith(const std::string& s, const Value& what, bool start) {
    auto one = [&](const Value& p) {
        const std::string& x = needString(p, start ? "startswith" : "endswith");
        if (x.size() > s.size())
            return false;
        return start ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
    };
    if (what.kind() == Value::Kind::Tuple) {
        for (const auto& p : what.items())
            if (one(p))
                return true;
        return false;
    }
    return one(what);
}

/// Python's int(str): optional sign, digits with single underscores, surrounding whitespace.
bool parseInt(const std::string& raw, std::int64_t& out) {
    std::string s = strip(raw, Value::none(), true, true);
    std::size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == s.size())
        return false;
    std::int64_t v = 0;
    bool lastDigit = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c == '_' && lastDigit && i + 1 < s.size()) {
            lastDigit = false;
            continue;
        }
        if (c < '0' || c > '9')
            return false;
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v))
            fail(Code::OutOfRange, "integer '" + s + "' is larger than 2^63-1");
        lastDigit = true;
    }
    if (!lastDigit)
        return false;
    out = neg ? -v : v;
    return true;
}

/// Python's float(str).
bool parseFloat(const std::string& raw, double& out) {
    std::string s = strip(raw, Value::none(), true, true);
    std::string clean;
    std::string lower;
    for (char c : s)
        lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    std::string body = lower;
    std::string sign;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
        sign = body.substr(0, 1);
        body = body.substr(1);
    }
    if (body == "inf" || body == "infinity" || body == "nan") {
        out = std::strtod((sign + body).c_str(), nullptr);
        return true;
    }
    // digits [. digits] [e [sign] digits], with at least one digit in the mantissa
    std::size_t i = 0, mant = 0;
    auto digits = [&]() {
        std::size_t n = 0;
        while (i < body.size() &&
               ((body[i] >= '0' && body[i] <= '9') || (body[i] == '_' && n > 0 && i + 1 < body.size() &&
                                                       body[i + 1] >= '0' && body[i + 1] <= '9'))) {
            if (body[i] != '_') {
                clean += body[i];
                ++n;
            }
            ++i;
        }
        return n;
    };
    mant += digits();
    if (i < body.size() && body[i] == '.') {
        clean += '.';
        ++i;
        mant += digits();
    }
    if (mant == 0)
        return false;
    if (i < body.size() && body[i] == 'e') {
        clean += 'e';
        ++i;
        if (i < body.size() && (body[i] == '+' || body[i] == '-'))
            clean += body[i++];
        if (digits() == 0)
            return false;
    }
    if (i != body.size())
        return false;
    out = std::strtod((sign + clean).c_str(), nullptr);
    return true;
}

double pyRound(double x, std::int64_t digits) {
    if (!std::isfinite(x))
        return x;
    if (digits >= 0 && digits <= 300) {
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::min<std::int64_t>(digits, 300)), x);
        return std::strtod(buf, nullptr);
    }
    if (digits > 300)
        return x;
    double p = std::pow(10.0, static_cast<double>(-digits));
    return std::nearbyint(x / p) * p;
}

/// A stable merge sort that stays in bounds whatever the comparison does (std::sort assumes a strict weak
/// order).

} // namespace ws::jinja
