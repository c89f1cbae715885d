// The prompt GEMM of block-quantised weights on AVX2 (gemm_int8.h, gemmInt8Rows where int8Isa() is Avx2). A tile
// of 8 weight rows is unpacked once to 16-bit codes (int16_codes.h: offsets folded in, each group of 32 split into
// even and odd weights as Int8Activations::c is), with per group a float scale s (and for Q4_K an offset o) so
// that w = s·u + o, laid out so that one 32-byte vector holds 2 neighbouring codes of each of the 8 rows:
// vpmaddwd against the 2 activation codes 256·q + r of one token at the same place (broadcast) adds 8 rows' pair
// products into int32 lanes, exactly. Per group, Σ w·x = s·unit·Σu·c + o·unit·Σc. 6 tokens' sums stay in registers
// (4 for Q6_K, Q3_K and Q2_K, whose scales come per 16 weights) while the tile (8 × cols 16-bit codes, in L1 or
// L2) passes: 16 multiply-adds per vpmaddwd, twice an FMA's — on Zen 3 one issues per cycle against two FMAs, so
// the gain there is the float copy of the weights not made (1.1-1.25x the float tiles at 128 tokens, 1.1-1.8x at
// 6-12) — with the activations at the ~16 significant bits of the decode's dot products (not llama.cpp's 8).
#include "cpu/gemm_int8.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "model/int16_codes.h"

namespace ws::cpu {

#if defined(__x86_64__)
namespace {

using u8 = std::uint8_t;
using i16 = std::int16_t;
using int16codes::f16;
using int16codes::load32;
using int16codes::Split;
constexpr int kRows = 8;

// 8 vectors → vector p holds dword p of each in turn (an 8 × 8 transpose of dwords, in registers).
WS_I16AVX2 inline void transposeDwords(__m256i* r) {
    __m256i t[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);     // per half [a0, b0, a1, b1]
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]); // [a2, b2, a3, b3]
    }
    __m256i u[8];
    for (int m = 0; m < 2; ++m) { // rows 4m … 4m + 3: dword e in the low half of u[4m + e], 4 + e in its high half
        const __m256i* v = t + 4 * m;
        u[4 * m + 0] = _mm256_unpacklo_epi64(v[0], v[2]);
        u[4 * m + 1] = _mm256_unpackhi_epi64(v[0], v[2]);
        u[4 * m + 2] = _mm256_unpacklo_epi64(v[1], v[3]);
        u[4 * m + 3] = _mm256_unpackhi_epi64(v[1], v[3]);
    }
    for (int e = 0; e < 4; ++e) {
        r[e] = _mm256_permute2x128_si256(u[e], u[4 + e], 0x20);
        r[4 + e] = _mm256_permute2x128_si256(u[e], u[4 + e], 0x31);
    }
}

// 8 rows' 8 floats (vector i: row i's) → at out + 8·k, float k of each row in turn: the rows' scales of group k.
WS_I16AVX2 inline void storeTransposed(__m256* rows, float* out) {
    __m256i v[8];
    for (int i = 0; i < 8; ++i) v[i] = _mm256_castps_si256(rows[i]);
    transposeDwords(v);
    for (int k = 0; k < 8; ++k) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 8 * k), v[k]);
}

// Group g's 16 vectors of the tile: pair p (p < 8: weights 4p and 4p + 2 of the group; 8 + p: 4p + 1 and 4p + 3)
// of the 8 rows at tile + 256·g + 16·p, from the split of the transposed bytes' dword p.
WS_I16AVX2 inline void storePairs(i16* tile, std::int64_t g, int p, Split s) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + 256 * g + 16 * p), s.even);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile + 256 * g + 16 * (8 + p)), s.odd);
}

// The cache lines of next[at, at + n) on their way to L2 (next null: none).
inline void prefetch(const u8* next, std::int64_t at, int n) {
    if (!next) return;
    const auto a = reinterpret_cast<std::uintptr_t>(next + at);
    for (std::uintptr_t l = a & ~std::uintptr_t{63}; l < a + static_cast<std::uintptr_t>(n); l += 64)
        _mm_prefetch(reinterpret_cast<const char*>(l), _MM_HINT_T1);
}

// The 8 groups of 32 of the 256-weight block b of the 8 rows, their code bytes from Bytes(block, g) (signed or not),
// transposed and split into the tile.
template <__m256i (*Bytes)(const u8*, int), bool kSigned>
WS_I16AVX2 inline void blockGroups(const u8* const* row, std::int64_t b, int blockBytes, i16* tile) {
    __m256i v[kRows];
    for (int g = 0; g < 8; ++g) {
        for (int i = 0; i < kRows; ++i) v[i] = Bytes(row[i] + blockBytes * b, g);
        transposeDwords(v);
        for (int p = 0; p < 8; ++p)
            storePairs(tile, 8 * b + g, p, kSigned ? int16codes::signedBytes(v[p]) : int16codes::unsignedBytes(v[p]));
    }
}

// The tile of rows row[0 … 7] (cols weights each): codes transposed for micro32 / micro16 and each group's scale
// (and the offset of Q4_K, Q5_K, Q4_1, Q5_1, Q2_K) at scale[8·g + i], bias[8·g + i] (groups of 32 weights; Q6_K,
// Q3_K and Q2_K 16).
// The 8 rows' code bytes of a group (weight k at byte k; Q4_K's bytes hold two groups, one per nibble; Q5_K's
// fifth bits are added after, position for position) are transposed by 4-byte units
// while still bytes, then split into 16-bit pairs: a quarter of the shuffles that transposing the 16-bit codes
// took, and no copy through memory. The rows next[0 … 7] of the next tile (if any) are prefetched meanwhile.
template <DType D>
WS_I16AVX2 void unpackTile(const u8* const* row, const u8* const* next, std::int64_t cols, i16* tile, float* scale, float* bias) {
    __m256i v[kRows];
    if constexpr (D == DType::Q8_0 || D == DType::Q4_0 || D == DType::Q5_0 || D == DType::Q4_1 || D == DType::Q5_1 ||
                  D == DType::IQ4_NL) {
        constexpr bool kQ5 = D == DType::Q5_0 || D == DType::Q5_1, kMin = D == DType::Q4_1 || D == DType::Q5_1;
        constexpr bool kSigned = !kMin; // Q4_0 / Q5_0 too: their offsets taken off while bytes
        constexpr int kBytes = D == DType::Q8_0 ? 34 : (kQ5 ? 22 : 18) + (kMin ? 2 : 0);
        for (std::int64_t b = 0; b < cols / 32; ++b) {
            for (int i = 0; i < kRows; ++i) {
                prefetch(next[i], kBytes * b, kBytes);
                const u8* w = row[i] + kBytes * b;
                if constexpr (D == DType::Q8_0) v[i] = int16codes::q8_0Bytes(w);
                else if constexpr (D == DType::IQ4_NL) v[i] = int16codes::iq4Bytes(w + 2);
                else if constexpr (kMin) v[i] = int16codes::q4q5MinBytes<kQ5>(w);
                else v[i] = int16codes::q4q5SignedBytes<kQ5>(w);
                scale[8 * b + i] = f16(w);
                if constexpr (kMin) bias[8 * b + i] = f16(w + 2); // w = d·u + m
            }
            transposeDwords(v);
            for (int p = 0; p < 8; ++p)
                storePairs(tile, b, p, kSigned ? int16codes::signedBytes(v[p]) : int16codes::unsignedBytes(v[p]));
        }
    } else if constexpr (D == DType::Q4_K || D == DType::Q5_K) { // 144 / 176 B per 256: w = d·sc·u − dmin·m per 32
        constexpr bool kQ5 = D == DType::Q5_K;
        constexpr int kBytes = kQ5 ? 176 : 144;
        for (std::int64_t b = 0; b < cols / 256; ++b) {
            for (int i = 0; i < kRows; ++i) prefetch(next[i], kBytes * b, kBytes);
            __m256i h[kRows]; // Q5_K: the 8 rows' qh, transposed as the nibbles are (q5kBytes keeps byte positions)
            if constexpr (kQ5) {
                for (int i = 0; i < kRows; ++i) h[i] = int16codes::q5kHighBits(row[i] + kBytes * b);
                transposeDwords(h);
            }
            for (int j = 0; j < 4; ++j) {
                for (int i = 0; i < kRows; ++i) {
                    const u8* w = row[i] + kBytes * b;
                    v[i] = kQ5 ? int16codes::q5kNibbles(w, j) : int16codes::q4kBytes(w, j);
                }
                transposeDwords(v);
                for (int p = 0; p < 8; ++p) {
                    Split lo, hi;
                    if constexpr (kQ5) {
                        __m256i l, u;
                        int16codes::q5kBytes(v[p], h[p], j, &l, &u);
                        lo = int16codes::unsignedBytes(l);
                        hi = int16codes::unsignedBytes(u);
                    } else {
                        int16codes::nibbles(v[p], &lo, &hi);
                    }
                    storePairs(tile, 8 * b + 2 * j, p, lo);
                    storePairs(tile, 8 * b + 2 * j + 1, p, hi);
                }
            }
            __m256 s8[kRows], o8[kRows];
            for (int i = 0; i < kRows; ++i) int16codes::q4kScaleOffsets(row[i] + kBytes * b, &s8[i], &o8[i]);
            storeTransposed(s8, scale + 64 * b);
            storeTransposed(o8, bias + 64 * b);
        }
    } else if constexpr (D == DType::IQ4_XS) { // 136 B per 256: w = d·(ls − 32)·kIq4Values[q] per 32
        for (std::int64_t b = 0; b < cols / 256; ++b) {
            for (int i = 0; i < kRows; ++i) prefetch(next[i], 136 * b, 136);
            blockGroups<int16codes::iq4xsBytes, true>(row, b, 136, tile);
            __m256 s8[kRows];
            for (int i = 0; i < kRows; ++i)
                s8[i] = _mm256_mul_ps(int16codes::iq4xsScales(row[i] + 136 * b), _mm256_set1_ps(f16(row[i] + 136 * b)));
            storeTransposed(s8, scale + 64 * b);
        }
    } else if constexpr (D == DType::Q2_K) { // 84 B per 256: w = d·sc·u − dmin·m per 16, u ∈ [0, 3]
        for (std::int64_t b = 0; b < cols / 256; ++b) {
            for (int i = 0; i < kRows; ++i) prefetch(next[i], 84 * b, 84);
            blockGroups<int16codes::q2kBytes, false>(row, b, 84, tile);
            // scales × d and minimums × −dmin of the 16-weight groups 0-7 and 8-15
            __m256 s0[kRows], s1[kRows], o0[kRows], o1[kRows];
            for (int i = 0; i < kRows; ++i) {
                const u8* w = row[i] + 84 * b;
                const __m256 d = _mm256_set1_ps(f16(w + 80)), dmin = _mm256_set1_ps(-f16(w + 82));
                __m128i sc, mn;
                int16codes::q2kScalesMins(w, &sc, &mn);
                s0[i] = _mm256_mul_ps(int16codes::bytesAsFloats(sc), d);
                s1[i] = _mm256_mul_ps(int16codes::bytesAsFloats(_mm_unpackhi_epi64(sc, sc)), d);
                o0[i] = _mm256_mul_ps(int16codes::bytesAsFloats(mn), dmin);
                o1[i] = _mm256_mul_ps(int16codes::bytesAsFloats(_mm_unpackhi_epi64(mn, mn)), dmin);
            }
            storeTransposed(s0, scale + 128 * b);
            storeTransposed(s1, scale + 128 * b + 64);
            storeTransposed(o0, bias + 128 * b);
            storeTransposed(o1, bias + 128 * b + 64);
        }
    } else if constexpr (D == DType::Q3_K) { // 110 B per 256: w = d·(sc − 32)·u per 16, u ∈ [−4, 3]
        for (std::int64_t b = 0; b < cols / 256; ++b) {
            for (int i = 0; i < kRows; ++i) prefetch(next[i], 110 * b, 110);
            blockGroups<int16codes::q3kBytes, true>(row, b, 110, tile);
            __m256 lo[kRows], hi[kRows]; // scales of the 16-weight groups 0-7 and 8-15, × d
            const __m256 off = _mm256_set1_ps(32.0f);
            for (int i = 0; i < kRows; ++i) {
                const u8* w = row[i] + 110 * b;
                const __m256 d = _mm256_set1_ps(f16(w + 108));
                std::uint64_t s0, s1;
                int16codes::q3kScales(w, &s0, &s1);
                lo[i] = _mm256_mul_ps(_mm256_sub_ps(int16codes::bytes8(s0), off), d);
                hi[i] = _mm256_mul_ps(_mm256_sub_ps(int16codes::bytes8(s1), off), d);
            }
            storeTransposed(lo, scale + 128 * b);
            storeTransposed(hi, scale + 128 * b + 64);
        }
    } else { // Q6_K, 210 B per 256: w = d·sc·(u − 32) per 16
        static_assert(D == DType::Q6_K);
        for (std::int64_t b = 0; b < cols / 256; ++b) {
            for (int i = 0; i < kRows; ++i) prefetch(next[i], 210 * b, 210);
            blockGroups<int16codes::q6kBytes, true>(row, b, 210, tile);
            __m256 lo[kRows], hi[kRows]; // scales of the 16-weight groups 0-7 and 8-15, × d
            for (int i = 0; i < kRows; ++i) {
                const u8* w = row[i] + 210 * b;
                const __m256 d = _mm256_set1_ps(f16(w + 208));
                const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 192));
                lo[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(sc)), d);
                hi[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(sc, sc))), d);
            }
            storeTransposed(lo, scale + 128 * b);
            storeTransposed(hi, scale + 128 * b + 64);
        }
    }
}

WS_I16AVX2 inline __m256i bcast2(const i16* p) {
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

// The codes of tokens t0 … t0 + NT − 1 (their units and unit·Σc per group of 32 are PromptInt8::unitByGroup and
// dsumByGroup, all tokens of a group side by side: one pointer for them all, so the 6 tokens' code pointers stay in
// registers through the inner loop).
template <int NT>
inline void codesAt(const PromptInt8& x, int t0, const i16** c) {
    for (int t = 0; t < NT; ++t) c[t] = x.tok[static_cast<std::size_t>(t0 + t)].c.data();
}
WS_I16AVX2 inline void storeRows(float* y, __m256 v, int nr) {
    if (nr == kRows) return _mm256_storeu_ps(y, v);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(y, _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), lane), v);
}

// Tokens t0 … t0 + NT − 1 against the 8-row tile, groups of 32: y + t·ldy gets the nr rows' sums.
template <int NT, bool kBias>
__attribute__((noinline)) WS_I16AVX2 void micro32(const i16* tile, const float* scale, const float* bias, std::int64_t cols, const PromptInt8& x,
                        int t0, float* y, std::int64_t ldy, int nr) {
    const i16* c[NT];
    codesAt<NT>(x, t0, c);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (std::int64_t g = 0; g < cols / 32; ++g) {
        const i16* wg = tile + 256 * g; // 16 pairs × 8 rows
        __m256i s[NT];
        for (int t = 0; t < NT; ++t) s[t] = _mm256_setzero_si256();
#pragma GCC unroll 2
        for (int p = 0; p < 16; ++p) {
            const __m256i w = load32(wg + 16 * p);
#pragma GCC unroll 6
            for (int t = 0; t < NT; ++t) s[t] = _mm256_add_epi32(s[t], _mm256_madd_epi16(w, bcast2(c[t] + 32 * g + 2 * p)));
        }
        const __m256 sc = _mm256_loadu_ps(scale + 8 * g);
        const float* unit = x.unitByGroup.data() + g * x.T + t0;
#pragma GCC unroll 6
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t]), _mm256_mul_ps(sc, _mm256_set1_ps(unit[t])), acc[t]);
        if constexpr (kBias) {
            const __m256 bi = _mm256_loadu_ps(bias + 8 * g);
            const float* dsum = x.dsumByGroup.data() + g * x.T + t0;
#pragma GCC unroll 6
            for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(bi, _mm256_set1_ps(dsum[t]), acc[t]);
        }
    }
    for (int t = 0; t < NT; ++t) storeRows(y + t * ldy, acc[t], nr);
}

// The same with scales per 16 weights (Q6_K, Q3_K; kBias: Q2_K, whose minimums per 16 go against the tokens' Σx per
// 16, PromptInt8::dsum16ByGroup): weights 0-15 of a group of 32 sit at pairs 0-3 (even) and 8-11 (odd) of the split
// layout, 16-31 at pairs 4-7 and 12-15; each half gathers its own sums.
template <int NT, bool kBias>
__attribute__((noinline)) WS_I16AVX2 void micro16(const i16* tile, const float* scale, const float* bias, std::int64_t cols,
                                                  const PromptInt8& x, int t0, float* y, std::int64_t ldy, int nr) {
    const i16* c[NT];
    codesAt<NT>(x, t0, c);
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (std::int64_t g = 0; g < cols / 32; ++g) {
        const i16* wg = tile + 256 * g;
        __m256i s[2][NT];
        for (int t = 0; t < NT; ++t) s[0][t] = s[1][t] = _mm256_setzero_si256();
        for (int q = 0; q < 16; q += 8) // pairs q … q + 3 to the first half's sums, q + 4 … q + 7 to the second's
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h)
#pragma GCC unroll 4
                for (int p = q + 4 * h; p < q + 4 * h + 4; ++p) {
                    const __m256i w = load32(wg + 16 * p);
#pragma GCC unroll 4
                    for (int t = 0; t < NT; ++t)
                        s[h][t] = _mm256_add_epi32(s[h][t], _mm256_madd_epi16(w, bcast2(c[t] + 32 * g + 2 * p)));
                }
        const __m256 sc0 = _mm256_loadu_ps(scale + 16 * g), sc1 = _mm256_loadu_ps(scale + 16 * g + 8);
        const float* unit = x.unitByGroup.data() + g * x.T + t0;
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m256 u = _mm256_set1_ps(unit[t]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[0][t]), _mm256_mul_ps(sc0, u), acc[t]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[1][t]), _mm256_mul_ps(sc1, u), acc[t]);
        }
        if constexpr (kBias) {
            const __m256 bi0 = _mm256_loadu_ps(bias + 16 * g), bi1 = _mm256_loadu_ps(bias + 16 * g + 8);
            const float* ds0 = x.dsum16ByGroup.data() + 2 * g * x.T + t0;
            const float* ds1 = ds0 + x.T;
#pragma GCC unroll 4
            for (int t = 0; t < NT; ++t)
                acc[t] = _mm256_fmadd_ps(bi0, _mm256_set1_ps(ds0[t]), _mm256_fmadd_ps(bi1, _mm256_set1_ps(ds1[t]), acc[t]));
        }
    }
    for (int t = 0; t < NT; ++t) storeRows(y + t * ldy, acc[t], nr);
}

template <DType D>
WS_I16AVX2 void tokens(const i16* tile, const float* scale, const float* bias, std::int64_t cols, const PromptInt8& x,
                       float* y, std::int64_t ldy, int nr) {
    int t = 0;
    if constexpr (D == DType::Q6_K || D == DType::Q3_K || D == DType::Q2_K) {
        constexpr bool kB = D == DType::Q2_K;
        for (; t + 4 <= x.T; t += 4) micro16<4, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr);
        switch (x.T - t) {
        case 3: micro16<3, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        case 2: micro16<2, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        case 1: micro16<1, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        default: break;
        }
    } else {
        constexpr bool kB = D == DType::Q4_K || D == DType::Q5_K || D == DType::Q4_1 || D == DType::Q5_1;
        for (; t + 6 <= x.T; t += 6) micro32<6, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr);
        switch (x.T - t) {
        case 5: micro32<5, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        case 4: micro32<4, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        case 3: micro32<3, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        case 2: micro32<2, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        case 1: micro32<1, kB>(tile, scale, bias, cols, x, t, y + t * ldy, ldy, nr); break;
        default: break;
        }
    }
}

template <DType D>
WS_I16AVX2 void rowsInt16(const MatJob& j, int r0, int r1, const PromptInt8& x) {
    constexpr int G = D == DType::Q6_K || D == DType::Q3_K || D == DType::Q2_K ? 16 : 32;
    const Matrix& W = *j.W;
    const std::int64_t cols = W.cols, ldy = j.ldy ? j.ldy : W.rows, groups = cols / G;
    // Per thread, grown only: the transposed tile, scales and offsets.
    thread_local std::vector<i16> tile;
    thread_local std::vector<float> scale, bias;
    const auto need = static_cast<std::size_t>(kRows * cols);
    if (tile.size() < need) tile.resize(need);
    if (scale.size() < static_cast<std::size_t>(kRows * groups)) {
        scale.resize(static_cast<std::size_t>(kRows * groups));
        bias.resize(static_cast<std::size_t>(kRows * groups));
    }
    // The next tile's rows are prefetched while this one unpacks: an MoE expert's weights come from memory once per
    // prompt, and its GEMM over a dozen tokens waited on them (from memory 0.5-0.7x the speed in cache).
    const u8* rows[2][kRows];
    const auto tileRows = [&](int r, const u8** p) {
        const int nr = std::min(kRows, r1 - r);
        for (int i = 0; i < kRows; ++i) // rows past the end repeat the last (their sums are not stored)
            p[i] = static_cast<const u8*>(W.row(r + std::min(i, nr - 1)));
    };
    tileRows(r0, rows[0]);
    for (int r = r0, k = 0; r < r1; r += kRows, k ^= 1) {
        const int nr = std::min(kRows, r1 - r);
        const bool more = r + kRows < r1;
        if (more) tileRows(r + kRows, rows[k ^ 1]);
        const u8* none[kRows] = {};
        unpackTile<D>(rows[k], more ? rows[k ^ 1] : none, cols, tile.data(), scale.data(), bias.data());
        tokens<D>(tile.data(), scale.data(), bias.data(), cols, x, j.Y + (r - j.rowOffset), ldy, nr);
    }
}

} // namespace

void gemmInt16RowsAvx2(const MatJob& j, int r0, int r1, const PromptInt8& x) {
    switch (j.W->dtype) {
    case DType::Q8_0: rowsInt16<DType::Q8_0>(j, r0, r1, x); break;
    case DType::Q4_0: rowsInt16<DType::Q4_0>(j, r0, r1, x); break;
    case DType::Q5_0: rowsInt16<DType::Q5_0>(j, r0, r1, x); break;
    case DType::Q4_1: rowsInt16<DType::Q4_1>(j, r0, r1, x); break;
    case DType::Q5_1: rowsInt16<DType::Q5_1>(j, r0, r1, x); break;
    case DType::IQ4_NL: rowsInt16<DType::IQ4_NL>(j, r0, r1, x); break;
    case DType::IQ4_XS: rowsInt16<DType::IQ4_XS>(j, r0, r1, x); break;
    case DType::Q4_K: rowsInt16<DType::Q4_K>(j, r0, r1, x); break;
    case DType::Q5_K: rowsInt16<DType::Q5_K>(j, r0, r1, x); break;
    case DType::Q6_K: rowsInt16<DType::Q6_K>(j, r0, r1, x); break;
    case DType::Q3_K: rowsInt16<DType::Q3_K>(j, r0, r1, x); break;
    case DType::Q2_K: rowsInt16<DType::Q2_K>(j, r0, r1, x); break;
    default: break;
    }
}
#else
void gemmInt16RowsAvx2(const MatJob&, int, int, const PromptInt8&) {}
#endif

} // namespace ws::cpu
