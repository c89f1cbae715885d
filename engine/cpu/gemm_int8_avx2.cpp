// The prompt GEMM of block-quantised weights on AVX2 (gemm_int8.h, gemmInt8Rows where int8Isa() is Avx2). A tile
// of 8 weight rows is unpacked once to 16-bit codes (int16_codes.h: offsets folded in, each group of 32 split into
// even and odd weights as Int8Activations::c is), with per group a float scale s (and for Q4_K an offset o) so
// that w = s·u + o, then transposed so that one 32-byte vector holds 2 neighbouring codes of each of the 8 rows:
// vpmaddwd against the 2 activation codes 256·q + r of one token at the same place (broadcast) adds 8 rows' pair
// products into int32 lanes, exactly. Per group, Σ w·x = s·unit·Σu·c + o·unit·Σc. 6 tokens' sums stay in registers
// (4 for Q6_K, whose scales come per 16 weights) while the tile (8 × cols 16-bit codes, in L1 or L2) passes:
// 16 multiply-adds per vpmaddwd, twice an FMA's — on Zen 3 one issues per cycle against two FMAs, so the gain
// there is the float copy of the weights not made (1.1-1.25x the float tiles at 128 tokens, 1.1-1.8x at 6-12) —
// with the activations at the ~16 significant bits of the decode's dot products (not llama.cpp's 8).
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

WS_I16AVX2 inline void store(i16* p, Split s) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), s.even);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + 16), s.odd);
}

// One row's codes (cols 16-bit codes at `codes`, each group of 32 split) and its groups' scale / offset at
// scale[8·g + i], bias[8·g + i] (groups of 32 weights; Q6_K 16).
template <DType D>
WS_I16AVX2 void unpackRow(const u8* w, std::int64_t cols, i16* codes, float* scale, float* bias, int i) {
    if constexpr (D == DType::Q8_0) {
        for (std::int64_t b = 0; b < cols / 32; ++b, w += 34) {
            store(codes + 32 * b, int16codes::q8_0(w));
            scale[8 * b + i] = f16(w);
        }
    } else if constexpr (D == DType::Q4_0 || D == DType::Q5_0) {
        constexpr bool kQ5 = D == DType::Q5_0;
        for (std::int64_t b = 0; b < cols / 32; ++b, w += kQ5 ? 22 : 18) {
            store(codes + 32 * b, int16codes::q4q5<kQ5>(w));
            scale[8 * b + i] = f16(w);
        }
    } else if constexpr (D == DType::Q4_K) { // 144 B per 256: w = d·sc·u − dmin·m per 32
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 144) {
            for (int j = 0; j < 4; ++j) {
                Split lo, hi;
                int16codes::q4k(w, j, &lo, &hi);
                store(codes + 256 * b + 64 * j, lo);
                store(codes + 256 * b + 64 * j + 32, hi);
            }
            float s8[8], o8[8];
            int16codes::q4kScaleOffsets(w, s8, o8);
            for (int s = 0; s < 8; ++s) {
                scale[8 * (8 * b + s) + i] = s8[s];
                bias[8 * (8 * b + s) + i] = o8[s];
            }
        }
    } else { // Q6_K, 210 B per 256: w = d·sc·(u − 32) per 16
        static_assert(D == DType::Q6_K);
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 210) {
            for (int s = 0; s < 8; ++s) store(codes + 256 * b + 32 * s, int16codes::q6k(w, s));
            const float d = f16(w + 208);
            for (int s = 0; s < 16; ++s) scale[8 * (16 * b + s) + i] = d * static_cast<float>(static_cast<std::int8_t>(w[192 + s]));
        }
    }
}

// 8 rows × 8 dwords (row stride ld 16-bit codes) → 8 vectors: vector q holds dword q of rows 0 … 7 in turn.
WS_I16AVX2 void transpose8(const i16* src, std::int64_t ld, i16* dst) {
    __m256i r[8], t[8];
    for (int i = 0; i < 8; ++i) r[i] = load32(src + i * ld);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);     // per half [a0, b0, a1, b1]
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]); // [a2, b2, a3, b3]
    }
    for (int m = 0; m < 2; ++m) { // rows 4m … 4m + 3: dword e (and 4 + e, upper half) in r[4m + e]
        const __m256i* s = t + 4 * m;
        r[4 * m + 0] = _mm256_unpacklo_epi64(s[0], s[2]);
        r[4 * m + 1] = _mm256_unpackhi_epi64(s[0], s[2]);
        r[4 * m + 2] = _mm256_unpacklo_epi64(s[1], s[3]);
        r[4 * m + 3] = _mm256_unpackhi_epi64(s[1], s[3]);
    }
    for (int e = 0; e < 4; ++e) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 16 * e), _mm256_permute2x128_si256(r[e], r[4 + e], 0x20));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 16 * (4 + e)), _mm256_permute2x128_si256(r[e], r[4 + e], 0x31));
    }
}

WS_I16AVX2 inline __m256i bcast2(const i16* p) {
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm256_set1_epi32(v);
}

// The activations of token t0 + t: codes, units (per 32) and unit·Σc per 32.
struct Tokens {
    const i16* c;
    const float* unit;
    const float* dsum;
};
template <int NT>
inline void tokensAt(const PromptInt8& x, int t0, std::int64_t cols, Tokens* tk) {
    for (int t = 0; t < NT; ++t) {
        const Int8Activations& a = x.tok[static_cast<std::size_t>(t0 + t)];
        tk[t] = {a.c.data(), a.unit.data(), x.dsum32.data() + (t0 + t) * (cols / 32)};
    }
}
WS_I16AVX2 inline void storeRows(float* y, __m256 v, int nr) {
    if (nr == kRows) return _mm256_storeu_ps(y, v);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_maskstore_ps(y, _mm256_cmpgt_epi32(_mm256_set1_epi32(nr), lane), v);
}

// Tokens t0 … t0 + NT − 1 against the 8-row tile, groups of 32: y + t·ldy gets the nr rows' sums.
template <int NT, bool kBias>
WS_I16AVX2 void micro32(const i16* tile, const float* scale, const float* bias, std::int64_t cols, const PromptInt8& x,
                        int t0, float* y, std::int64_t ldy, int nr) {
    Tokens tk[NT];
    tokensAt<NT>(x, t0, cols, tk);
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
            for (int t = 0; t < NT; ++t) s[t] = _mm256_add_epi32(s[t], _mm256_madd_epi16(w, bcast2(tk[t].c + 32 * g + 2 * p)));
        }
        const __m256 sc = _mm256_loadu_ps(scale + 8 * g);
#pragma GCC unroll 6
        for (int t = 0; t < NT; ++t)
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[t]), _mm256_mul_ps(sc, _mm256_set1_ps(tk[t].unit[g])), acc[t]);
        if constexpr (kBias) {
            const __m256 bi = _mm256_loadu_ps(bias + 8 * g);
#pragma GCC unroll 6
            for (int t = 0; t < NT; ++t) acc[t] = _mm256_fmadd_ps(bi, _mm256_set1_ps(tk[t].dsum[g]), acc[t]);
        }
    }
    for (int t = 0; t < NT; ++t) storeRows(y + t * ldy, acc[t], nr);
}

// The same with scales per 16 weights (Q6_K): weights 0-15 of a group of 32 sit at pairs 0-3 (even) and 8-11 (odd)
// of the split layout, 16-31 at pairs 4-7 and 12-15; each half gathers its own sums.
template <int NT>
WS_I16AVX2 void micro16(const i16* tile, const float* scale, std::int64_t cols, const PromptInt8& x, int t0, float* y,
                        std::int64_t ldy, int nr) {
    Tokens tk[NT];
    tokensAt<NT>(x, t0, cols, tk);
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
                        s[h][t] = _mm256_add_epi32(s[h][t], _mm256_madd_epi16(w, bcast2(tk[t].c + 32 * g + 2 * p)));
                }
        const __m256 sc0 = _mm256_loadu_ps(scale + 16 * g), sc1 = _mm256_loadu_ps(scale + 16 * g + 8);
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m256 u = _mm256_set1_ps(tk[t].unit[g]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[0][t]), _mm256_mul_ps(sc0, u), acc[t]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s[1][t]), _mm256_mul_ps(sc1, u), acc[t]);
        }
    }
    for (int t = 0; t < NT; ++t) storeRows(y + t * ldy, acc[t], nr);
}

template <DType D>
WS_I16AVX2 void tokens(const i16* tile, const float* scale, const float* bias, std::int64_t cols, const PromptInt8& x,
                       float* y, std::int64_t ldy, int nr) {
    int t = 0;
    if constexpr (D == DType::Q6_K) {
        for (; t + 4 <= x.T; t += 4) micro16<4>(tile, scale, cols, x, t, y + t * ldy, ldy, nr);
        switch (x.T - t) {
        case 3: micro16<3>(tile, scale, cols, x, t, y + t * ldy, ldy, nr); break;
        case 2: micro16<2>(tile, scale, cols, x, t, y + t * ldy, ldy, nr); break;
        case 1: micro16<1>(tile, scale, cols, x, t, y + t * ldy, ldy, nr); break;
        default: break;
        }
    } else {
        constexpr bool kB = D == DType::Q4_K;
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
    constexpr int G = D == DType::Q6_K ? 16 : 32;
    const Matrix& W = *j.W;
    const std::int64_t cols = W.cols, ldy = j.ldy ? j.ldy : W.rows, groups = cols / G;
    // Per thread, grown only: unpacked rows, the transposed tile, scales and offsets.
    thread_local std::vector<i16> rowCodes, tile;
    thread_local std::vector<float> scale, bias;
    const auto need = static_cast<std::size_t>(kRows * cols);
    if (rowCodes.size() < need) {
        rowCodes.resize(need);
        tile.resize(need);
    }
    if (scale.size() < static_cast<std::size_t>(kRows * groups)) {
        scale.resize(static_cast<std::size_t>(kRows * groups));
        bias.resize(static_cast<std::size_t>(kRows * groups));
    }
    for (int r = r0; r < r1; r += kRows) {
        const int nr = std::min(kRows, r1 - r);
        for (int i = 0; i < nr; ++i) unpackRow<D>(W.row(r + i), cols, rowCodes.data() + i * cols, scale.data(), bias.data(), i);
        if (nr < kRows) { // rows past the end: zero codes and scales (their sums are not stored)
            std::fill(rowCodes.begin() + nr * cols, rowCodes.begin() + kRows * cols, i16{0});
            for (std::int64_t g = 0; g < groups; ++g)
                for (int i = nr; i < kRows; ++i) scale[static_cast<std::size_t>(8 * g + i)] = bias[static_cast<std::size_t>(8 * g + i)] = 0.0f;
        }
        for (std::int64_t c = 0; c < cols; c += 16) transpose8(rowCodes.data() + c, cols, tile.data() + 8 * c);
        tokens<D>(tile.data(), scale.data(), bias.data(), cols, x, j.Y + (r - j.rowOffset), ldy, nr);
    }
}

} // namespace

void gemmInt16RowsAvx2(const MatJob& j, int r0, int r1, const PromptInt8& x) {
    switch (j.W->dtype) {
    case DType::Q8_0: rowsInt16<DType::Q8_0>(j, r0, r1, x); break;
    case DType::Q4_0: rowsInt16<DType::Q4_0>(j, r0, r1, x); break;
    case DType::Q5_0: rowsInt16<DType::Q5_0>(j, r0, r1, x); break;
    case DType::Q4_K: rowsInt16<DType::Q4_K>(j, r0, r1, x); break;
    case DType::Q6_K: rowsInt16<DType::Q6_K>(j, r0, r1, x); break;
    default: break;
    }
}
#else
void gemmInt16RowsAvx2(const MatJob&, int, int, const PromptInt8&) {}
#endif

} // namespace ws::cpu
