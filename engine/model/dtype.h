// Weight element types as safetensors and GGUF name them, their block layouts, and scalar conversions to float.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ws {

/// Plain element types (safetensors) and ggml's block-quantised types (GGUF), which store `blockElems` weights of
/// a row in `blockBytes` bytes (ggml-common.h layouts, little-endian).
enum class DType : std::uint8_t {
    F32, F16, BF16, F8_E4M3,
    Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS, IQ4_NL
};

struct BlockLayout {
    int elems; ///< weights per block (1 for plain types)
    int bytes; ///< bytes per block
};

inline BlockLayout dtypeBlock(DType t) {
    switch (t) {
    case DType::F32: return {1, 4};
    case DType::F16:
    case DType::BF16: return {1, 2};
    case DType::F8_E4M3: return {1, 1};
    case DType::Q4_0: return {32, 18};
    case DType::Q4_1: return {32, 20};
    case DType::Q5_0: return {32, 22};
    case DType::Q5_1: return {32, 24};
    case DType::Q8_0: return {32, 34};
    case DType::Q2_K: return {256, 84};
    case DType::Q3_K: return {256, 110};
    case DType::Q4_K: return {256, 144};
    case DType::Q5_K: return {256, 176};
    case DType::Q6_K: return {256, 210};
    case DType::IQ4_XS: return {256, 136};
    case DType::IQ4_NL: return {32, 18};
    }
    return {1, 0};
}

inline bool isBlockQuantized(DType t) { return dtypeBlock(t).elems > 1; }

/// Bytes of one element of a plain type; 0 for block-quantised types (use rowBytesOf).
inline std::size_t dtypeSize(DType t) { return isBlockQuantized(t) ? 0 : static_cast<std::size_t>(dtypeBlock(t).bytes); }

/// Bytes of `cols` weights of type t; `cols` must be a multiple of the block size.
inline std::size_t rowBytesOf(DType t, std::int64_t cols) {
    const BlockLayout b = dtypeBlock(t);
    return static_cast<std::size_t>(cols / b.elems) * static_cast<std::size_t>(b.bytes);
}

inline std::string_view dtypeName(DType t) {
    switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::F8_E4M3: return "F8_E4M3";
    case DType::Q4_0: return "Q4_0";
    case DType::Q4_1: return "Q4_1";
    case DType::Q5_0: return "Q5_0";
    case DType::Q5_1: return "Q5_1";
    case DType::Q8_0: return "Q8_0";
    case DType::Q2_K: return "Q2_K";
    case DType::Q3_K: return "Q3_K";
    case DType::Q4_K: return "Q4_K";
    case DType::Q5_K: return "Q5_K";
    case DType::Q6_K: return "Q6_K";
    case DType::IQ4_XS: return "IQ4_XS";
    case DType::IQ4_NL: return "IQ4_NL";
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
