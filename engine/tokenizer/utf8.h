// UTF-8 helpers for the tokenizer: strict decoding of one character, validity checks, U+FFFD repair.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ws::detail {

/// How a UTF-8 sequence at some position reads.
enum class Utf8Kind {
    Valid,      ///< a complete, well-formed character of `length` bytes
    Incomplete, ///< a well-formed prefix that runs into the end of the input
    Invalid     ///< ill-formed; `length` is the maximal ill-formed subpart (at least 1 byte)
};

struct Utf8Char {
    Utf8Kind kind;
    std::size_t length;
    char32_t codePoint; ///< only meaningful when kind == Valid
};

/// Reads one character at `pos` (< s.size()) following the Unicode table of well-formed byte sequences.
Utf8Char readUtf8(std::string_view s, std::size_t pos);

/// True when `s` is well-formed UTF-8.
bool isValidUtf8(std::string_view s);

/// Appends `s` with every maximal ill-formed subpart (including a truncated tail) replaced by U+FFFD.
void appendRepairedUtf8(std::string& out, std::string_view s);

/// Appends the UTF-8 encoding of `cp`.
void appendUtf8(std::string& out, char32_t cp);

/// Unicode White_Space (what Oniguruma's \s and Rust's char::is_whitespace match).
bool isUnicodeWhiteSpace(char32_t cp);

} // namespace ws::detail
