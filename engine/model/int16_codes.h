// The integer codes of ggml's block types as 16-bit numbers for AVX2's vpmaddwd, 32 weights (a group) at a time,
// split where they lie into the weights 0, 2, …, 30 of the group (`even`, lane m weight 2m) and 1, 3, …, 31 (`odd`):
// by 16-bit shifts and masks, the byte of weight 2m being the low byte of lane m. Int8Activations::c holds the
// activations split the same way, so vpmaddwd of `even` against its first 16 codes sums weights 4k and 4k + 2 into
// lane k, of `odd` against the next 16 weights 4k + 1 and 4k + 3. Signed codes carry their offset (Q8_0: q;
// Q4_0 u − 8; Q5_0 u − 16; Q3_K u − 4; Q6_K u − 32 in the prompt's tiles; IQ4 the code book's values); those of
// Q4_1, Q5_1, Q2_K, Q4_K and Q5_K are unsigned, their minimums applied apart, and so are Q6_K's in the dot (its
// offset applied apart the same way). Read by the AVX2 dot products (quant_int8_avx2.cpp) and the
// AVX2 prompt GEMM (cpu/gemm_int8_avx2.cpp); the AVX-512 one (cpu/gemm_int8.cpp) shares the Q4_K scales. Layouts:
// ggml/src/ggml-common.h (see quant.cpp). x86-64 only; compiled for AVX2, callers check the CPU first.
#pragma once

#if defined(__x86_64__)
#include <cstdint>
#include <cstring>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "model/int8_codes.h"
#include "model/quant.h"

#define WS_I16AVX2 __attribute__((target("avx2,fma,f16c")))

namespace ws::int16codes {

using u8 = std::uint8_t;

struct Split {
    __m256i even, odd;
};

WS_I16AVX2 inline float f16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return _cvtsh_ss(h);
}
WS_I16AVX2 inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// 32 signed byte codes (weight k at byte k) split and sign-extended.
WS_I16AVX2 inline Split signedBytes(__m256i v) {
    return {_mm256_srai_epi16(_mm256_slli_epi16(v, 8), 8), _mm256_srai_epi16(v, 8)};
}
// 32 unsigned byte codes split.
WS_I16AVX2 inline Split unsignedBytes(__m256i u) { return {_mm256_and_si256(u, _mm256_set1_epi16(0xFF)), _mm256_srli_epi16(u, 8)}; }
// 32 bytes each holding a weight of two groups, the first group's in its low nibble (Q4_K): both groups split.
WS_I16AVX2 inline void nibbles(__m256i v, Split* lo, Split* hi) {
    const __m256i nib = _mm256_set1_epi16(0x0F);
    *lo = {_mm256_and_si256(v, nib), _mm256_and_si256(_mm256_srli_epi16(v, 8), nib)};
    *hi = {_mm256_and_si256(_mm256_srli_epi16(v, 4), nib), _mm256_srli_epi16(v, 12)};
}
// Each of these keeps its 4-byte units whole: the prompt GEMM (cpu/gemm_int8_avx2.cpp) transposes 8 rows' code
// bytes by 4-byte units first and splits after, dword p of row i giving the pairs p and 8 + p of its group.

// block_q8_0 (34 B): d f16, qs[32] int8.
WS_I16AVX2 inline __m256i q8_0Bytes(const u8* b) { return load32(b + 2); }
WS_I16AVX2 inline Split q8_0(const u8* b) { return signedBytes(q8_0Bytes(b)); }

// 16 bytes at qs, weight j < 16 the low nibble of qs[j] and j + 16 its high nibble: the 32 nibbles, weight k at
// byte k. One 128-bit load to both halves, the upper one shifted by 4 (two operations where two halves' masks, a
// shift and an insert took four).
WS_I16AVX2 inline __m256i nibbles32(const u8* qs) {
    const __m256i v = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs)));
    return _mm256_and_si256(_mm256_srlv_epi64(v, _mm256_setr_epi64x(0, 0, 4, 4)), _mm256_set1_epi8(0x0F));
}
// The 32 bits at p (bit j for weight j, little-endian) as bytes: 0xFF where set, 0 where clear.
WS_I16AVX2 inline __m256i bitBytes(const u8* p) {
    std::uint32_t h;
    std::memcpy(&h, p, 4);
    // byte j ← byte j/8 of h, then bit j%8 of it
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(static_cast<int>(h)),
        _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

// block_q4_1 (20 B): d, m, qs[16]; block_q5_1 (24 B): d, m, qh u32, qs[16] (d and m f16). Weight j < 16 the low
// nibble of qs[j], j + 16 its high nibble, Q5_1's bit j of qh adding 16: the unsigned codes u of w = d·u + m (m applied
// apart).
template <bool kQ5>
WS_I16AVX2 inline __m256i q4q5MinBytes(const u8* b) {
    const __m256i u = nibbles32(b + (kQ5 ? 8 : 4));
    if constexpr (kQ5) return _mm256_or_si256(u, _mm256_and_si256(bitBytes(b + 4), _mm256_set1_epi8(16)));
    else return u;
}
// block_q4_0 (18 B): d, qs[16]; block_q5_0 (22 B): d, qh u32, qs[16]; the same layout without m, w = d·(u − 8) or
// d·(u − 16). The codes less their offset, as signed bytes: u − 8, or for Q5_0 the nibble less 16 where its fifth
// bit is clear (0xF0 | nibble), the nibble itself where set.
template <bool kQ5>
WS_I16AVX2 inline __m256i q4q5SignedBytes(const u8* b) {
    const __m256i u = nibbles32(b + (kQ5 ? 6 : 2));
    if constexpr (kQ5) return _mm256_or_si256(u, _mm256_andnot_si256(bitBytes(b + 2), _mm256_set1_epi8(static_cast<char>(0xF0))));
    else return _mm256_sub_epi8(u, _mm256_set1_epi8(8));
}
template <bool kQ5, bool kMin = false>
WS_I16AVX2 inline Split q4q5(const u8* b) {
    if constexpr (kMin) return unsignedBytes(q4q5MinBytes<kQ5>(b));
    else return signedBytes(q4q5SignedBytes<kQ5>(b));
}

// IQ4_NL / IQ4_XS: 32 weights from 16 bytes at qs (weight j < 16 the low nibble of qs[j], j + 16 its high nibble),
// each the code book's value (kIq4Values, |v| ≤ 127) as a signed byte.
WS_I16AVX2 inline __m256i iq4Bytes(const u8* qs) {
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Values))), nibbles32(qs));
}
// block_iq4_nl (18 B): d, qs[16]; w = d·kIq4Values[q].
WS_I16AVX2 inline Split iq4nl(const u8* b) { return signedBytes(iq4Bytes(b + 2)); }
// block_iq4_xs (136 B): d, scales_h u16, scales_l[4], qs[128] (group g's 32 weights from qs[16g …] as IQ4_NL's):
// the 8 groups' scales ls − 32, ls 6 bits (the low 4 in nibble g % 2 of scales_l[g/2], the top 2 at bit 2g of
// scales_h); w = d·(ls − 32)·kIq4Values[q].
WS_I16AVX2 inline __m256 iq4xsScales(const u8* b) {
    std::uint16_t h;
    std::uint32_t l;
    std::memcpy(&h, b + 2, sizeof h);
    std::memcpy(&l, b + 4, sizeof l);
    const __m256i lo = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(l)), _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28)),
                                        _mm256_set1_epi32(0x0F));
    const __m256i hi = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(h), _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14)),
                                        _mm256_set1_epi32(3));
    return _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_or_si256(lo, _mm256_slli_epi32(hi, 4)), _mm256_set1_epi32(32)));
}
WS_I16AVX2 inline __m256i iq4xsBytes(const u8* b, int g) { return iq4Bytes(b + 8 + 16 * g); }

WS_I16AVX2 inline __m256 bytesAsFloats(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); } // the low 8
WS_I16AVX2 inline __m256 bytes8(std::uint64_t v) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(v))));
}
// The 8 groups' scales d·sc and offsets −dmin·m of the Q4_K block at b, converted together (one at a time, these
// took most of the prompt GEMMs' unpacking).
WS_I16AVX2 inline void q4kScaleOffsets(const u8* b, __m256* s8, __m256* o8) {
    std::uint64_t sc, mn;
    int8codes::kScalesMins(b + 4, sc, mn);
    *s8 = _mm256_mul_ps(bytes8(sc), _mm256_set1_ps(f16(b)));
    *o8 = _mm256_mul_ps(bytes8(mn), _mm256_set1_ps(-f16(b + 2)));
}
WS_I16AVX2 inline void q4kScaleOffsets(const u8* b, float* s8, float* o8) {
    __m256 s, o;
    q4kScaleOffsets(b, &s, &o);
    _mm256_storeu_ps(s8, s);
    _mm256_storeu_ps(o8, o);
}

// block_q4_K (144 B): d, dmin, scales[12], qs[128]; weights 64j … 64j + 31 (group 2j) the low nibbles of
// qs[32j …], the next 32 (group 2j + 1) their high nibbles: unsigned u, w = d·sc·u − dmin·m per group.
WS_I16AVX2 inline __m256i q4kBytes(const u8* b, int j) { return load32(b + 16 + 32 * j); }
WS_I16AVX2 inline void q4k(const u8* b, int j, Split* lo, Split* hi) { nibbles(q4kBytes(b, j), lo, hi); }

// block_q5_K (176 B): d, dmin, scales[12] as Q4_K's, qh[32], qs[128] (Q4_K's nibbles): weight l of group g < 8
// (32 weights; groups 2j and 2j + 1 the low and high nibbles of qs[32j …]) adds 16 where bit g of qh[l] is set,
// u < 32, w = d·sc·u − dmin·m per group. The codes of groups 2j and 2j + 1 as bytes: qh's bits 2j and 2j + 1
// brought to bit 4 of each byte by 16-bit shifts (a byte's bits 2j … 2j + 1 stay its own for a shift ≤ 6 right,
// then 4 or 3 left; what crosses between the bytes falls outside the 0x10 mask). Byte positions are kept: `h` may
// be qh's bytes as they lie or dword-transposed like the nibbles' (the prompt GEMM).
WS_I16AVX2 inline void q5kBytes(__m256i qs, __m256i qh, int j, __m256i* lo, __m256i* hi) {
    const __m256i nib = _mm256_set1_epi8(0x0F), bit = _mm256_set1_epi8(0x10);
    const __m256i h = _mm256_srli_epi16(qh, 2 * j);
    *lo = _mm256_or_si256(_mm256_and_si256(qs, nib), _mm256_and_si256(_mm256_slli_epi16(h, 4), bit));
    *hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qs, 4), nib), _mm256_and_si256(_mm256_slli_epi16(h, 3), bit));
}
WS_I16AVX2 inline __m256i q5kHighBits(const u8* b) { return load32(b + 16); }
WS_I16AVX2 inline __m256i q5kNibbles(const u8* b, int j) { return load32(b + 48 + 32 * j); }
WS_I16AVX2 inline void q5k(const u8* b, __m256i qh, int j, Split* lo, Split* hi) {
    __m256i l, h;
    q5kBytes(q5kNibbles(b, j), qh, j, &l, &h);
    *lo = unsignedBytes(l);
    *hi = unsignedBytes(h);
}

// block_q2_K (84 B): scales[16] (sub-block s of 16 weights: its scale the low nibble, its minimum the high one),
// qs[64], d, dmin. Group g = 4n + j (32 weights, sub-blocks 2g and 2g + 1): bits 2j … 2j + 1 of qs[32n + l], u < 4;
// w = d·sc·u − dmin·m.
WS_I16AVX2 inline __m256i q2kBytes(const u8* b, int g) {
    return _mm256_and_si256(_mm256_srli_epi16(load32(b + 16 + 32 * (g / 4)), 2 * (g % 4)), _mm256_set1_epi8(3));
}
// Q2_K's 16 scales (*sc) and minimums (*mn) as bytes, sub-block s at byte s.
WS_I16AVX2 inline void q2kScalesMins(const u8* b, __m128i* sc, __m128i* mn) {
    const __m128i sb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), nib = _mm_set1_epi8(0x0F);
    *sc = _mm_and_si128(sb, nib);
    *mn = _mm_and_si128(_mm_srli_epi16(sb, 4), nib);
}
// block_q3_K (110 B): hmask[32], qs[64], scales[12], d. Group g: Q2_K's 2 bits (qs at 32) and bit g of hmask[l] as
// 4 (the byte's own bit g brought to bit 2, as q5kBytes does), less 4: u ∈ [−4, 3]; w = d·(sc − 32)·u per 16.
WS_I16AVX2 inline __m256i q3kBytes(const u8* b, int g) {
    const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(load32(b + 32 + 32 * (g / 4)), 2 * (g % 4)), _mm256_set1_epi8(3));
    const __m256i hi = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(load32(b), g), 2), _mm256_set1_epi8(4));
    return _mm256_sub_epi8(_mm256_or_si256(lo, hi), _mm256_set1_epi8(4));
}
// Q3_K's 16 six-bit scales (stored + 32) as bytes, sub-blocks 0-7 in *s0 and 8-15 in *s1: the low 4 bits in the low
// (s < 8) or high nibble of scales[s % 8], the top 2 at bit 2·(s / 4) of scales[8 + s % 4].
inline void q3kScales(const u8* b, std::uint64_t* s0, std::uint64_t* s1) {
    std::uint64_t lo;
    std::uint32_t h;
    std::memcpy(&lo, b + 96, sizeof lo);
    std::memcpy(&h, b + 104, sizeof h);
    const auto top = [h](int k) { return static_cast<std::uint64_t>((h >> (2 * k)) & 0x03030303u); };
    *s0 = (lo & 0x0F0F0F0F0F0F0F0Full) | (top(0) | top(1) << 32) << 4;
    *s1 = ((lo >> 4) & 0x0F0F0F0F0F0F0F0Full) | (top(2) | top(3) << 32) << 4;
}

// block_q6_K (210 B): ql[128], qh[64], scales[16] int8, d. Weight 128h + 32g + l (group s = 4h + g): nibble g/2
// of ql[64h + 32(g%2) + l], bits 2g of qh[32h + l] above it; w = d·sc·(u − 32) with a scale per 16. The codes u
// built as bytes (a 16-bit shift moves both bytes of a lane; the masks drop what crosses), unsigned (the dot takes
// the offset off apart, against the activations' sums per 16) or less 32 (q6kBytes).
WS_I16AVX2 inline __m256i q6kUnsignedBytes(const u8* b, int s) {
    const int h = s / 4, g = s % 4;
    const __m256i nib = _mm256_set1_epi8(0x0F), high = _mm256_set1_epi8(0x30);
    const __m256i ql = load32(b + 64 * h + 32 * (g % 2)), qh = load32(b + 128 + 32 * h);
    const __m256i lo = _mm256_and_si256(g / 2 ? _mm256_srli_epi16(ql, 4) : ql, nib);
    const __m256i hi = g == 0 ? _mm256_slli_epi16(qh, 4) : g == 1 ? _mm256_slli_epi16(qh, 2) : g == 2 ? qh : _mm256_srli_epi16(qh, 2);
    return _mm256_or_si256(lo, _mm256_and_si256(hi, high));
}
WS_I16AVX2 inline __m256i q6kBytes(const u8* b, int s) { return _mm256_sub_epi8(q6kUnsignedBytes(b, s), _mm256_set1_epi8(32)); }

// Codes 256·q + r of 32 activations (q, r int8 in order) split the same way.
WS_I16AVX2 inline Split activations(__m256i q, __m256i r) {
    return {_mm256_add_epi16(_mm256_slli_epi16(q, 8), _mm256_srai_epi16(_mm256_slli_epi16(r, 8), 8)),
            _mm256_add_epi16(_mm256_and_si256(q, _mm256_set1_epi16(static_cast<short>(0xFF00))), _mm256_srai_epi16(r, 8))};
}

} // namespace ws::int16codes
#endif
