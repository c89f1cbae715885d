// UTF-8 helpers for the tokenizer: strict decoding (Unicode Table 3-7), validation and U+FFFD repair.
#include "tokenizer/utf8.h"

namespace ws::detail {

Utf8Char readUtf8(std::string_view s, std::size_t pos) {
    const auto byteAt = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const std::uint8_t b0 = byteAt(pos);
    if (b0 < 0x80)
        return {Utf8Kind::Valid, 1, b0};

    std::size_t need = 0;              // continuation bytes after the lead byte
    std::uint8_t lo = 0x80, hi = 0xBF; // allowed range of the second byte
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1Fu;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0Fu;
        if (b0 == 0xE0)
            lo = 0xA0; // no overlongs
        else if (b0 == 0xED)
            hi = 0x9F; // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07u;
        if (b0 == 0xF0)
            lo = 0x90; // no overlongs
        else if (b0 == 0xF4)
            hi = 0x8F; // nothing above U+10FFFF
    } else {
        return {Utf8Kind::Invalid, 1, 0};
    }

    for (std::size_t k = 1; k <= need; ++k) {
        if (pos + k >= s.size())
            return {Utf8Kind::Incomplete, k, 0};
        const std::uint8_t b = byteAt(pos + k);
        const std::uint8_t bLo = k == 1 ? lo : std::uint8_t{0x80};
        const std::uint8_t bHi = k == 1 ? hi : std::uint8_t{0xBF};
        if (b < bLo || b > bHi)
            return {Utf8Kind::Invalid, k, 0};
        cp = (cp << 6) | (b & 0x3Fu);
    }
    return {Utf8Kind::Valid, need + 1, cp};
}

bool isValidUtf8(std::string_view s) {
    for (std::size_t pos = 0; pos < s.size();) {
        const Utf8Char c = readUtf8(s, pos);
        if (c.kind != Utf8Kind::Valid)
            return false;
        pos += c.length;
    }
    return true;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

void appendRepairedUtf8(std::string& out, std::string_view s) {
    for (std::size_t pos = 0; pos < s.size();) {
        const Utf8Char c = readUtf8(s, pos);
        if (c.kind == Utf8Kind::Valid)
            out.append(s.substr(pos, c.length));
        else
            appendUtf8(out, U'\uFFFD');
        pos += c.length;
    }
}

bool isUnicodeWhiteSpace(char32_t cp) {
    if (cp >= 0x09 && cp <= 0x0D)
        return true;
    if (cp >= 0x2000 && cp <= 0x200A)
        return true;
    switch (cp) {
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return true;
    default:
        return false;
    }
}

} // namespace ws::detail
