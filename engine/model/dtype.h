// Weight element types as safetensors names them, and their scalar conversions to float.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ws {

enum class DType : std::uint8_t { F32, F16, BF16, F8_E4M3 };

inline std::size_t dtypeSize(DType t) {
    switch (t) {
    case DType::F32: return 4;
    case DType::F16:
    case DType::BF16: return 2;
    case DType::F8_E4M3: return 1;
    }
    return 0;
}

inline std::string_view dtypeName(DType t) {
    switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::F8_E4M3: return "F8_E4M3";
    }
    return "?";
}

inline std::optional<DType> parseDType(std::string_view s) {
    if (s == "F32") return DType::F32;
    if (s == "F16") return DType::F16;
    if (s == "BF16") return DType::BF16;
    if (s == "F8_E4M3") return DType::F8_E4M3;
    return std::nullopt;
}

inline float bf16ToFloat(std::uint16_t h) { return std::bit_cast<float>(static_cast<std::uint32_t>(h) << 16); }

inline float f16ToFloat(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1Fu;
    const std::uint32_t man = h & 0x3FFu;
    if (exp == 0) { // zero or subnormal: man · 2^-24
        const float v = static_cast<float>(man) * 0x1p-24f;
        return sign ? -v : v;
    }
    if (exp == 31) return std::bit_cast<float>(sign | 0x7F800000u | (man << 13));
    return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (man << 13));
}

/// float8 e4m3fn (bias 7, no infinities, S.1111.111 = NaN), as DeepSeek-V3's checkpoints store weights.
inline float fp8e4m3ToFloat(std::uint8_t b) {
    const int exp = (b >> 3) & 0xF;
    const int man = b & 0x7;
    float v;
    if (exp == 0xF && man == 0x7) {
        v = std::bit_cast<float>(0x7FC00000u);
    } else if (exp == 0) {
        v = static_cast<float>(man) * 0x1p-9f; // subnormal: man/8 · 2^-6
    } else {
        v = std::bit_cast<float>(static_cast<std::uint32_t>(exp + 120) << 23 | static_cast<std::uint32_t>(man) << 20);
    }
    return (b & 0x80) ? -v : v;
}

} // namespace ws
