// The unsigned integer codes of ggml's block types, 64 weights at a time in weight order, as the VNNI dot products
// (quant_int8.cpp) and the prompt GEMM's tiles (cpu/gemm_int8.cpp) read them. Layouts: ggml/src/ggml-common.h (see
// quant.cpp). x86-64 only; each function is compiled for AVX-512 VNNI, callers check the CPU first.
#pragma once

#if defined(__x86_64__)
#include <cstdint>
#include <cstring>

#include "model/quant.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#define WS_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,f16c,fma")))

namespace ws::int8codes {

using u8 = std::uint8_t;

WS_VNNI inline float f16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return _cvtsh_ss(h);
}

// The nibbles of 16 bytes at qs0 and 16 at qs1 in 128-bit quarters [lo_0, hi_0, lo_1, hi_1]: each 16 bytes
// broadcast to two quarters, the odd quarters shifted 4 bits (16-bit lanes), then masked.
WS_VNNI inline __m512i nibblePairs(const u8* qs0, const u8* qs1) {
    const __m512i v = _mm512_inserti64x4(
        _mm512_castsi256_si512(_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs0)))),
        _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs1))), 1);
    const __m512i shift = _mm512_setr_epi64(0, 0, 0x0004000400040004, 0x0004000400040004, 0, 0, 0x0004000400040004,
                                            0x0004000400040004);
    return _mm512_and_si512(_mm512_srlv_epi16(v, shift), _mm512_set1_epi8(0x0F));
}

// block_q4_0 (18 B): d f16, qs[16]; block_q5_0 (22 B): d f16, qh u32, qs[16]. Weight j < 16 is the low nibble of
// qs[j], weight j + 16 its high nibble; Q5_0 adds bit j of qh as 16. w = d·(u − 8) or d·(u − 16). kMin:
// block_q4_1 (20 B) / block_q5_1 (24 B), the same after d and a minimum m (f16 each), w = d·u + m.
// The unsigned codes of two blocks b0, b1, in weight order: [lo_0, hi_0, lo_1, hi_1] in 128-bit quarters.
template <bool kQ5, bool kMin = false>
WS_VNNI inline __m512i q4q5Codes(const u8* b0, const u8* b1) {
    constexpr int kHead = kMin ? 4 : 2, kQs = kHead + (kQ5 ? 4 : 0);
    __m512i u = nibblePairs(b0 + kQs, b1 + kQs);
    if constexpr (kQ5) { // bit j of qh adds 16 to weight j: the two blocks' qh as one 64-bit mask
        std::uint32_t ha, hb;
        std::memcpy(&ha, b0 + kHead, 4);
        std::memcpy(&hb, b1 + kHead, 4);
        u = _mm512_mask_add_epi8(u, _mm512_kunpackd(_cvtu32_mask32(hb), _cvtu32_mask32(ha)), u, _mm512_set1_epi8(16));
    }
    return u;
}

// The 6-bit scales (low 32 bits: sub-blocks 0-3, high: 4-7) and minimums of a Q4_K / Q5_K block, one byte each
// (the packing is described at kScaleMin in quant.cpp).
inline void kScalesMins(const u8* s12, std::uint64_t& sc, std::uint64_t& mn) {
    std::uint32_t a, b, c;
    std::memcpy(&a, s12, 4);
    std::memcpy(&b, s12 + 4, 4);
    std::memcpy(&c, s12 + 8, 4);
    const std::uint32_t scLo = a & 0x3F3F3F3Fu, mLo = b & 0x3F3F3F3Fu;
    const std::uint32_t scHi = (c & 0x0F0F0F0Fu) | ((a >> 2) & 0x30303030u);
    const std::uint32_t mHi = ((c >> 4) & 0x0F0F0F0Fu) | ((b >> 2) & 0x30303030u);
    sc = static_cast<std::uint64_t>(scHi) << 32 | scLo;
    mn = static_cast<std::uint64_t>(mHi) << 32 | mLo;
}

// The same 8 scales and 8 minimums as 16 int32 lanes [sc0 … sc7, m0 … m7], a vector at a time (the 16 bytes read
// from s12 are the 12 of the scales and the first 4 of the block's codes, unused): with a, b, c its three 4-byte
// words as above, the dwords (a, c, b, c >> 4) masked to 6, 4, 6, 4 bits, and bits 6-7 of a and b moved to bits 4-5
// of the second and fourth.
WS_VNNI inline __m512i kScalesMins16(const u8* s12) {
    const __m128i s = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s12));
    const __m128i acbc = _mm_shuffle_epi8(s, _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
    const __m128i zazb = _mm_shuffle_epi8(s, _mm_setr_epi8(-1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, 4, 5, 6, 7));
    const __m128i lo = _mm_and_si128(_mm_srlv_epi32(acbc, _mm_setr_epi32(0, 0, 0, 4)),
                                     _mm_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
    const __m128i hi = _mm_and_si128(_mm_srli_epi32(zazb, 2), _mm_set1_epi32(0x30303030));
    return _mm512_cvtepu8_epi32(_mm_or_si128(lo, hi));
}

// The 32 bytes at p in both halves of a vector, shifted right by `lo` bits (16-bit lanes) in the low half and `hi`
// in the high half: the two groups of 32 weights that share those bytes at different bit positions.
WS_VNNI inline __m512i halvesShifted(const u8* p, int lo, int hi) {
    const __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    return _mm512_srlv_epi16(v, _mm512_inserti64x4(_mm512_set1_epi16(static_cast<short>(lo)), _mm256_set1_epi16(static_cast<short>(hi)), 1));
}
// Bit b0 of each of the 32 bytes at p for the first 32 weights, bit b1 for the next 32, as 2^kAt
// (Q5_K's and Q3_K's high bits; a 16-bit shift by at most 7 keeps each byte's own bit b in its bit 0).
template <int kAt>
WS_VNNI inline __m512i highBits(const u8* p, int b0, int b1) {
    return _mm512_and_si512(_mm512_slli_epi16(halvesShifted(p, b0, b1), kAt), _mm512_set1_epi8(1 << kAt));
}

// block_q4_K (144 B): d, dmin f16, scales[12], qs[128]. Weights 64j … 64j + 63 (j < 4) are the low nibbles of
// qs[32j … 32j + 31] then their high nibbles. w = d·sc·q − dmin·m per 32.
WS_VNNI inline __m512i q4kCodes(const u8* block, int j) {
    return _mm512_and_si512(halvesShifted(block + 16 + 32 * j, 0, 4), _mm512_set1_epi8(0x0F));
}

// The same codes a 64-byte line of qs at a time, for the decode dots: vector k < 4 holds the sub-blocks of 32
// pairedGroup(k) and pairedGroup(k) + 2 ([0 | 2], [1 | 3], [4 | 6], [5 | 7]: the low nibbles of qs[64(k / 2) …
// + 63], or their high nibbles), against activations laid out the same way (Int8Activations::qPaired).
constexpr int pairedGroup(int k) { return 4 * (k / 2) + k % 2; }
WS_VNNI inline __m512i pairedNibbles(const u8* qs, int k) {
    const __m512i v = _mm512_loadu_si512(qs + 64 * (k / 2));
    return _mm512_and_si512(k % 2 ? _mm512_srli_epi16(v, 4) : v, _mm512_set1_epi8(0x0F));
}
WS_VNNI inline __m512i q4kPairedCodes(const u8* block, int k) { return pairedNibbles(block + 16, k); }

// IQ4_NL / IQ4_XS: 64 weights from 16 bytes at qs0 and 16 at qs1 (32 weights each: the low nibbles of the 16 bytes,
// then their high nibbles), each the code book's value v (kIq4Values, |v| ≤ 127) as u = v + 128 in [1, 255].
WS_VNNI inline __m512i iq4Codes(const u8* qs0, const u8* qs1) {
    const __m512i table = _mm512_xor_si512(_mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Values))),
                                           _mm512_set1_epi8(static_cast<char>(0x80)));
    return _mm512_shuffle_epi8(table, nibblePairs(qs0, qs1)); // [lo_0, hi_0, lo_1, hi_1] looked up
}

// block_q5_K (176 B): d, dmin, scales[12] as Q4_K's, qh[32], qs[128] as Q4_K's nibbles; weight l of sub-block s
// adds bit s of qh[l] as 16: u in [0, 31], w = d·sc·u − dmin·m per 32. Taken in q4kPairedCodes' order: the nibbles
// of qs[64(k / 2) …] and bits pairedGroup(k), pairedGroup(k) + 2 of qh.
WS_VNNI inline __m512i q5kPairedCodes(const u8* block, int k) {
    return _mm512_or_si512(pairedNibbles(block + 48, k), highBits<4>(block + 16, pairedGroup(k), pairedGroup(k) + 2));
}

// block_q2_K (84 B): scales[16], qs[64], d, dmin. Weights 64k … 64k + 63 (k < 4; groups 2k and 2k + 1 of 32) are
// bits 4(k % 2) … 4(k % 2) + 1 and the next two of qs[32(k / 2) … + 31]: codes u in [0, 3]. w = d·sc·u − dmin·m
// per 16 (the 16-bit shifts move bits across the bytes only above the 2-bit mask).
WS_VNNI inline __m512i q2kCodes(const u8* block, int k) {
    return _mm512_and_si512(halvesShifted(block + 16 + 32 * (k / 2), 4 * (k % 2), 4 * (k % 2) + 2), _mm512_set1_epi8(3));
}

// block_q3_K (110 B): hmask[32], qs[64], scales[12], d. Weights 64k … 64k + 63: Q2_K's 2 bits (qs at 32) and bit
// 2k or 2k + 1 of hmask[l] as 4: codes u = q + 4 in [0, 7] (the stored value less 4 is the signed code), w =
// d·(sc − 32)·(u − 4) per 16.
WS_VNNI inline __m512i q3kCodes(const u8* block, int k) {
    const __m512i lo = _mm512_and_si512(halvesShifted(block + 32 + 32 * (k / 2), 4 * (k % 2), 4 * (k % 2) + 2), _mm512_set1_epi8(3));
    return _mm512_or_si512(lo, highBits<2>(block, 2 * k, 2 * k + 1));
}

// block_q6_K (210 B): ql[128], qh[64], scales[16] int8, d f16. Weight 128h + 32g + l: nibble g/2 of
// ql[64h + 32(g%2) + l], bits 2g of qh[32h + l]; w = d·sc·(u − 32), a scale per 16 weights. Weights 64k … 64k + 63
// (k = 2h + g/2 < 4) come from the 64 bytes of ql at 64h and the 32 of qh at 32h (shifted 2 more for the upper
// half): their codes u in [0, 63].
WS_VNNI inline __m512i q6kCodes(const u8* block, int k) {
    const int h = k / 2, g2 = k % 2;
    const __m512i ql = _mm512_loadu_si512(block + 64 * h);
    const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 128 + 32 * h)));
    const __m512i upper2 = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    const __m512i lo = _mm512_and_si512(g2 ? _mm512_srli_epi16(ql, 4) : ql, _mm512_set1_epi8(0x0F));
    const __m512i shift = _mm512_add_epi16(upper2, _mm512_set1_epi16(static_cast<short>(4 * g2)));
    const __m512i hi = _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(qh, shift), _mm512_set1_epi8(3)), 4);
    return _mm512_or_si512(lo, hi);
}

} // namespace ws::int8codes
#endif
