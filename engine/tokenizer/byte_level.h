// GPT-2 byte-level alphabet: the reversible byte <-> printable-character map of HF's ByteLevel step.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ws::detail {

/// Writes raw bytes in the byte-level alphabet (each byte becomes one character, e.g. ' ' -> "Ġ").
std::string bytesToByteLevel(std::string_view bytes);

/// Reads a byte-level string back to raw bytes; nullopt if some character is outside the alphabet.
std::optional<std::string> byteLevelToBytes(std::string_view text);

/// What HF's ByteLevel decoder does with one token string: its bytes, or the text itself when it is not
/// written in the byte-level alphabet (added tokens such as "<｜User｜>").
std::string tokenStringToBytes(std::string_view token);

} // namespace ws::detail
