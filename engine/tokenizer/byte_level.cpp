// GPT-2 byte-level alphabet (HF tokenizers pre_tokenizers/byte_level.rs bytes_char): bytes <-> characters.
#include "tokenizer/byte_level.h"

#include "tokenizer/utf8.h"

#include <array>
#include <cstdint>

namespace ws::detail {
namespace {

struct ByteLevelTables {
    std::array<char32_t, 256> byteToChar{};
    std::array<std::int16_t, 324> charToByte{}; // every mapped character is below U+0144

    ByteLevelTables() {
        charToByte.fill(-1);
        // Printable Latin-1 bytes stand for themselves; the other 68 take U+0100 onwards, in byte order.
        char32_t next = 0x100;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            const char32_t c = printable ? static_cast<char32_t>(b) : next++;
            byteToChar[static_cast<std::size_t>(b)] = c;
            charToByte[c] = static_cast<std::int16_t>(b);
        }
    }
};

const ByteLevelTables& tables() {
    static const ByteLevelTables t;
    return t;
}

} // namespace

std::string bytesToByteLevel(std::string_view bytes) {
    const auto& t = tables();
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes)
        appendUtf8(out, t.byteToChar[static_cast<std::uint8_t>(ch)]);
    return out;
}

std::optional<std::string> byteLevelToBytes(std::string_view text) {
    const auto& t = tables();
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const Utf8Char c = readUtf8(text, pos);
        if (c.kind != Utf8Kind::Valid || c.codePoint >= t.charToByte.size())
            return std::nullopt;
        const std::int16_t b = t.charToByte[c.codePoint];
        if (b < 0)
            return std::nullopt;
        out.push_back(static_cast<char>(b));
        pos += c.length;
    }
    return out;
}

std::string tokenStringToBytes(std::string_view token) {
    if (auto bytes = byteLevelToBytes(token))
        return std::move(*bytes);
    return std::string(token);
}

} // namespace ws::detail
