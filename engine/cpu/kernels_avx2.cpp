// AVX2 + FMA + F16C kernels for CPUs without AVX-512 (Zen 2/3, Intel client cores), compiled per function for
// those instructions and chosen at run time by matmul.cpp. Same structure as kernels_avx512.cpp, 8 lanes wide.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ws::cpu {
namespace {

#define WS_AVX2 __attribute__((target("avx2,fma,f16c")))

template <DType D>
constexpr std::size_t kSize = D == DType::F32 ? 4 : D == DType::F8_E4M3 ? 1 : 2;

// 8 weights → 8 floats (FP8: value/256; callers fold the 256 into the block scale).
template <DType D>
WS_AVX2 inline __m256 load8(const std::uint8_t* p) {
    if constexpr (D == DType::F32) {
        return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
    } else if constexpr (D == DType::BF16) {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    } else if constexpr (D == DType::F16) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    } else {
        // e4m3 s.eeee.mmm → f16 s.0eeee.mmm0000000: each byte sign-extended to 16 bits and shifted left by 7 puts
        // the sign in bit 15 (from the extension) and the byte in bits 7-14, its own sign bit in bit 14, cleared.
        // The f16's exponent bias (15 against 7) makes it value/256, subnormals included; 3 operations where
        // masking sign and magnitude apart took 5.
        const __m128i b = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
        return _mm256_cvtph_ps(_mm_and_si128(_mm_slli_epi16(b, 7), _mm_set1_epi16(static_cast<short>(0xBFFF))));
    }
}

// Scalar element c of a row, with the same /256 convention for FP8 (for the tails).
template <DType D>
inline float scalarAt(const std::uint8_t* row, int c) {
    if constexpr (D == DType::F8_E4M3) {
        return fp8e4m3ToFloat(row[c]) * (1.0f / 256.0f);
    } else if constexpr (D == DType::F32) {
        float v;
        std::memcpy(&v, row + static_cast<std::size_t>(c) * 4, 4);
        return v;
    } else {
        std::uint16_t h;
        std::memcpy(&h, row + static_cast<std::size_t>(c) * 2, 2);
        return D == DType::BF16 ? bf16ToFloat(h) : f16ToFloat(h);
    }
}

WS_AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <DType D, int NR>
WS_AVX2 inline void dotRowsSeg(const std::uint8_t* const* rows, int c0, int n, const float* x, float* out,
                               std::ptrdiff_t prefetch) {
    constexpr std::size_t es = kSize<D>;
    __m256 acc[NR];
    for (int i = 0; i < NR; ++i) acc[i] = _mm256_setzero_ps();
    int c = 0;
    for (; c + 8 <= n; c += 8) {
        const __m256 xv = _mm256_loadu_ps(x + c);
        if ((c * es) % 64 == 0)
            for (int i = 0; i < NR; ++i)
                _mm_prefetch(reinterpret_cast<const char*>(rows[i] + (c0 + c) * es + prefetch), _MM_HINT_T0);
        for (int i = 0; i < NR; ++i) acc[i] = _mm256_fmadd_ps(load8<D>(rows[i] + (c0 + c) * es), xv, acc[i]);
    }
    for (int i = 0; i < NR; ++i) {
        out[i] = hsum(acc[i]);
        for (int k = c; k < n; ++k) out[i] += scalarAt<D>(rows[i], c0 + k) * x[k];
    }
}

template <DType D, int NR>
WS_AVX2 inline void dotRows(const Matrix& W, int r, const float* x, float* y) {
    const auto prefetch = static_cast<std::ptrdiff_t>(W.rowBytes()) * NR;
    const std::uint8_t* rows[NR];
    for (int i = 0; i < NR; ++i) rows[i] = W.row(r + i);
    if constexpr (D != DType::F8_E4M3) {
        dotRowsSeg<D, NR>(rows, 0, W.cols, x, y, prefetch);
    } else {
        for (int i = 0; i < NR; ++i) y[i] = 0.0f;
        float part[NR];
        for (int c0 = 0; c0 < W.cols; c0 += W.blockCols) {
            dotRowsSeg<D, NR>(rows, c0, std::min(W.blockCols, W.cols - c0), x + c0, part, prefetch);
            for (int i = 0; i < NR; ++i) y[i] += part[i] * (W.scaleAt(r + i, c0) * 256.0f);
        }
    }
}

// Decode's 16-bit rows (BF16, F16) one at a time: a row is one sequential stream, its lines fetched 2 KB ahead
// (past its end, the next row's, which this thread reads next), four accumulators for the FMAs' latency. Four rows
// interleaved, each fetched a 4-row group ahead, left the 0.85B model's short rows (1-2 KB) waiting on memory (Zen 3,
// 2 threads: 84 % of the read bandwidth at 1024 x 512 experts against 106 % for Q8_0's single-stream dots).
template <DType D>
WS_AVX2 float dotRow16(const std::uint8_t* row, int n, const float* x) {
    constexpr std::ptrdiff_t kAhead = 2048;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int c = 0;
    for (; c + 32 <= n; c += 32) {
        const std::uintptr_t ahead = reinterpret_cast<std::uintptr_t>(row + 2 * c) + kAhead; // a hint, no access
        _mm_prefetch(reinterpret_cast<const char*>(ahead), _MM_HINT_T0);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k)
            acc[k] = _mm256_fmadd_ps(load8<D>(row + 2 * (c + 8 * k)), _mm256_loadu_ps(x + c + 8 * k), acc[k]);
    }
    for (; c + 8 <= n; c += 8) acc[0] = _mm256_fmadd_ps(load8<D>(row + 2 * c), _mm256_loadu_ps(x + c), acc[0]);
    float s = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; c < n; ++c) s += scalarAt<D>(row, c) * x[c];
    return s;
}

template <DType D>
WS_AVX2 void rowToF32(const Matrix& W, int r, float* out) {
    constexpr std::size_t es = kSize<D>;
    const std::uint8_t* row = W.row(r);
    const int bc = D == DType::F8_E4M3 ? W.blockCols : W.cols;
    for (int c0 = 0; c0 < W.cols; c0 += bc) {
        const int n = std::min(bc, W.cols - c0);
        const float sc = D == DType::F8_E4M3 ? W.scaleAt(r, c0) * 256.0f : 1.0f;
        const __m256 s = _mm256_set1_ps(sc);
        int c = 0;
        for (; c + 8 <= n; c += 8) _mm256_storeu_ps(out + c0 + c, _mm256_mul_ps(load8<D>(row + (c0 + c) * es), s));
        for (; c < n; ++c) out[c0 + c] = scalarAt<D>(row, c0 + c) * sc;
    }
}

// The first n of 8 lanes (n clamped to [0, 8]), for maskload / maskstore.
WS_AVX2 inline __m256i laneMask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(std::clamp(n, 0, 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// dst[k·16 + i] = src[i·lds + k] for i < 16, k < n: 8 × 8 squares through the shuffle unit, the last columns one
// by one.
WS_AVX2 void transposeTo16(const float* src, std::int64_t lds, int n, float* dst) {
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int h = 0; h < 2; ++h) {
            __m256 r[8], u[8];
            for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (8 * h + i) * lds + k);
            for (int i = 0; i < 8; i += 2) {
                u[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
                u[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
            }
            for (int i = 0; i < 8; i += 4) {
                r[i] = _mm256_shuffle_ps(u[i], u[i + 2], 0x44);
                r[i + 1] = _mm256_shuffle_ps(u[i], u[i + 2], 0xEE);
                r[i + 2] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0x44);
                r[i + 3] = _mm256_shuffle_ps(u[i + 1], u[i + 3], 0xEE);
            }
            // r[0..3]: columns 0, 1, 2, 3 (low halves) / 4, 5, 6, 7 (high halves) of rows 0-3; r[4..7] of rows 4-7
            for (int c = 0; c < 4; ++c) {
                _mm256_storeu_ps(dst + (k + c) * 16 + 8 * h, _mm256_permute2f128_ps(r[c], r[c + 4], 0x20));
                _mm256_storeu_ps(dst + (k + c + 4) * 16 + 8 * h, _mm256_permute2f128_ps(r[c], r[c + 4], 0x31));
            }
        }
    for (; k < n; ++k)
        for (int i = 0; i < 16; ++i) dst[k * 16 + i] = src[i * lds + k];
}

// 8 floats at q, or (kFull false) those of the lanes in `mask` (vmaskmov costs several times a plain move on Zen).
template <bool kFull>
WS_AVX2 inline __m256 loadCols(const float* q, __m256i mask) {
    if constexpr (kFull) return _mm256_loadu_ps(q);
    else return _mm256_maskload_ps(q, mask);
}
template <bool kFull>
WS_AVX2 inline void storeCols(float* q, __m256i mask, __m256 v) {
    if constexpr (kFull) _mm256_storeu_ps(q, v);
    else _mm256_maskstore_ps(q, mask, v);
}

// y[u·ldy + i] (+)= Σ_k wt[k·16 + i] · x[u·ldx + k] for 16 rows i (the first `nr` stored) and NT ≤ 6 tokens u:
// 12 accumulators, per k two loads of the transposed weights and NT broadcasts, no horizontal sums.
template <int NT, bool kFull>
WS_AVX2 void tile16(const float* wt, const float* x, std::int64_t ldx, int n, float* y, std::int64_t ldy, int nr,
                    bool fresh) {
    const __m256i m0 = laneMask(nr), m1 = laneMask(nr - 8);
    __m256 acc[NT][2]; // every loop over u unrolled, or GCC keeps acc on the stack
#pragma GCC unroll 6
    for (int u = 0; u < NT; ++u) {
        acc[u][0] = fresh ? _mm256_setzero_ps() : loadCols<kFull>(y + u * ldy, m0);
        acc[u][1] = fresh ? _mm256_setzero_ps() : loadCols<kFull>(y + u * ldy + 8, m1);
    }
    for (int k = 0; k < n; ++k) {
        const __m256 w0 = _mm256_loadu_ps(wt + 16 * k), w1 = _mm256_loadu_ps(wt + 16 * k + 8);
#pragma GCC unroll 6
        for (int u = 0; u < NT; ++u) {
            const __m256 b = _mm256_broadcast_ss(x + u * ldx + k);
            acc[u][0] = _mm256_fmadd_ps(b, w0, acc[u][0]);
            acc[u][1] = _mm256_fmadd_ps(b, w1, acc[u][1]);
        }
    }
#pragma GCC unroll 6
    for (int u = 0; u < NT; ++u) {
        storeCols<kFull>(y + u * ldy, m0, acc[u][0]);
        storeCols<kFull>(y + u * ldy + 8, m1, acc[u][1]);
    }
}

using Tile16Fn = void (*)(const float*, const float*, std::int64_t, int, float*, std::int64_t, int, bool);
constexpr Tile16Fn kTileFull[6] = {tile16<1, true>, tile16<2, true>, tile16<3, true>,
                                   tile16<4, true>, tile16<5, true>, tile16<6, true>};
constexpr Tile16Fn kTilePart[6] = {tile16<1, false>, tile16<2, false>, tile16<3, false>,
                                   tile16<4, false>, tile16<5, false>, tile16<6, false>};

template <DType D>
WS_AVX2 void tiledGemm(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const auto Y = [&](std::int64_t t, int r) -> float& { return j.Y[t * ldy + (r - j.rowOffset)]; };
    // Many tokens: tiles of 16 rows converted to float and transposed (k-major, 16 rows per 64 bytes), then 16
    // rows × 6 tokens at a time over chunks of 256 columns (16 KB of the tile stays in L1 while every token passes):
    // each activation is loaded once per 16 rows.
    constexpr int kChunk = 256;
    thread_local std::vector<float> rows, wt;
    const std::int64_t ldw = W.cols;
    if (D != DType::F32 || (r1 - r0) % 16 != 0) rows.resize(static_cast<std::size_t>(16 * ldw)); // the copying branch
    wt.resize(static_cast<std::size_t>(16 * ldw));
    for (int r = r0; r < r1; r += 16) {
        const int nr = std::min(16, r1 - r);
        if (D == DType::F32 && nr == 16) { // float rows (attention's cache, a dequantised tile): transposed in place
            transposeTo16(reinterpret_cast<const float*>(W.row(r)), static_cast<std::int64_t>(W.rowBytes() / 4), W.cols, wt.data());
        } else {
            for (int i = 0; i < 16; ++i) {
                if (i < nr)
                    rowToF32<D>(W, r + i, rows.data() + i * ldw);
                else
                    std::fill(rows.begin() + i * ldw, rows.begin() + (i + 1) * ldw, 0.0f);
            }
            transposeTo16(rows.data(), ldw, W.cols, wt.data());
        }
        for (int k0 = 0; k0 < W.cols; k0 += kChunk) {
            const int n = std::min(kChunk, W.cols - k0);
            const float* w = wt.data() + 16 * k0;
            for (int t = 0; t < j.T; t += 6) {
                const float* x = j.X + t * ldx + k0;
                float* y = &Y(t, r);
                const int nt = std::min(6, j.T - t);
                if (nr == 16)
                    kTileFull[nt - 1](w, x, ldx, n, y, ldy, nr, k0 == 0);
                else
                    kTilePart[nt - 1](w, x, ldx, n, y, ldy, nr, k0 == 0);
            }
        }
    }
}

// y[t·ldy + i] (+)= Σ_{k<n} w[i·ldw + k] · x[t·ldx + k] for R ≤ 4 rows i and T ≤ 3 tokens t, rows and activations
// both read as they lie (no transposed copy of the weights): R·T accumulators over 8 columns at a time — four
// loads of weights and three of activations per 12 FMAs — then one horizontal sum each. The last columns under a
// mask (zeros beyond n).
template <int R, int T>
WS_AVX2 void dotTile(const float* w, std::int64_t ldw, const float* x, std::int64_t ldx, int n, float* y,
                     std::int64_t ldy, bool fresh) {
    __m256 acc[R][T]; // every loop over r and t unrolled, or GCC keeps acc on the stack
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    int k = 0;
    for (; k + 8 <= n; k += 8) {
        __m256 wv[R];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) wv[r] = _mm256_loadu_ps(w + r * ldw + k);
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
            const __m256 xv = _mm256_loadu_ps(x + t * ldx + k);
#pragma GCC unroll 4
            for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    if (k < n) {
        const __m256i m = laneMask(n - k);
        __m256 wv[R];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) wv[r] = _mm256_maskload_ps(w + r * ldw + k, m);
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
            const __m256 xv = _mm256_maskload_ps(x + t * ldx + k, m);
#pragma GCC unroll 4
            for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) {
            const float s = hsum(acc[r][t]);
            y[t * ldy + r] = fresh ? s : y[t * ldy + r] + s;
        }
}

using DotTileFn = void (*)(const float*, std::int64_t, const float*, std::int64_t, int, float*, std::int64_t, bool);
constexpr int kDotRows = 4, kDotTokens = 3;
constexpr DotTileFn kDotTiles[kDotRows][kDotTokens] = {{dotTile<1, 1>, dotTile<1, 2>, dotTile<1, 3>},
                                                       {dotTile<2, 1>, dotTile<2, 2>, dotTile<2, 3>},
                                                       {dotTile<3, 1>, dotTile<3, 2>, dotTile<3, 3>},
                                                       {dotTile<4, 1>, dotTile<4, 2>, dotTile<4, 3>}};

template <DType D>
WS_AVX2 void dotGemm(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const auto Y = [&](std::int64_t t, int r) -> float& { return j.Y[t * ldy + (r - j.rowOffset)]; };
    // A few tokens (an MoE expert's share of a prompt; decode's scores on a model of ≤ 12 heads): no transposed
    // copy, which would cost as much as the products — tiles of 16 rows, float rows (attention's cache, a
    // dequantised tile) read in place and others converted to float once, then 4 rows × 3 tokens at a time over
    // chunks of 256 columns (the tile's chunk, 16 KB, and three tokens', 3 KB, stay in L1 while every group passes).
    constexpr int kTile = 16, kChunk = 256;
    thread_local std::vector<float> rows;
    if constexpr (D != DType::F32) rows.resize(static_cast<std::size_t>(kTile) * static_cast<std::size_t>(W.cols));
    for (int r = r0; r < r1; r += kTile) {
        const int nr = std::min(kTile, r1 - r);
        const float* w = rows.data();
        std::int64_t ldw = W.cols;
        if constexpr (D == DType::F32) {
            w = reinterpret_cast<const float*>(W.row(r));
            ldw = static_cast<std::int64_t>(W.rowBytes() / 4);
        } else {
            for (int i = 0; i < nr; ++i) rowToF32<D>(W, r + i, rows.data() + i * ldw);
        }
        for (int k0 = 0; k0 < W.cols; k0 += kChunk) {
            const int n = std::min(kChunk, W.cols - k0);
            for (int t = 0; t < j.T; t += kDotTokens) {
                const int nt = std::min(kDotTokens, j.T - t);
                for (int i = 0; i < nr; i += kDotRows) {
                    const DotTileFn tile = kDotTiles[std::min(kDotRows, nr - i) - 1][nt - 1];
                    tile(w + i * ldw + k0, ldw, j.X + t * ldx + k0, ldx, n, &Y(t, r + i), ldy, k0 == 0);
                }
            }
        }
    }
}

// Up to this many tokens the dot-product form, beyond it the transposed tiles (they load each activation once
// per 16 rows instead of once per 4). Measured on Zen 3, one thread: 1.2–1.7× the tiles at 6–12 tokens, about
// even at 12–20, behind from 24.
constexpr int kDotMaxTokens = 12;

template <DType D, bool kDot>
WS_AVX2 void rowsImpl(const MatJob& j, int r0, int r1) {
    if (j.T > 2) {
        if (kDot && j.T <= kDotMaxTokens) return dotGemm<D>(j, r0, r1);
        return tiledGemm<D>(j, r0, r1);
    }
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const auto Y = [&](std::int64_t t, int r) -> float& { return j.Y[t * ldy + (r - j.rowOffset)]; };
    if (D == DType::BF16 || D == DType::F16) {
        if (j.T == 1) {
            for (int r = r0; r < r1; ++r) Y(0, r) = dotRow16<D>(W.row(r), W.cols, j.X);
            return;
        }
    }
    for (int t = 0; t < j.T; ++t) {
        const float* x = j.X + t * ldx;
        int r = r0;
        for (; r + 4 <= r1; r += 4) dotRows<D, 4>(W, r, x, &Y(t, r));
        for (; r < r1; ++r) dotRows<D, 1>(W, r, x, &Y(t, r));
    }
}

template <bool kDot>
WS_AVX2 void rowsAvx2(const MatJob& j, int r0, int r1) {
    switch (j.W->dtype) {
    case DType::F32: rowsImpl<DType::F32, kDot>(j, r0, r1); break;
    case DType::BF16: rowsImpl<DType::BF16, kDot>(j, r0, r1); break;
    case DType::F16: rowsImpl<DType::F16, kDot>(j, r0, r1); break;
    case DType::F8_E4M3: rowsImpl<DType::F8_E4M3, kDot>(j, r0, r1); break;
    default: break; // block-quantised types go through matmul.cpp's dequantising path
    }
}

template <DType D>
WS_AVX2 void axpyRowImpl(const Matrix& W, int r, float a, float* y) {
    constexpr std::size_t es = kSize<D>;
    const std::uint8_t* row = W.row(r);
    const int bc = D == DType::F8_E4M3 ? W.blockCols : W.cols;
    for (int c0 = 0; c0 < W.cols; c0 += bc) {
        const int n = std::min(bc, W.cols - c0);
        const float sc = D == DType::F8_E4M3 ? a * W.scaleAt(r, c0) * 256.0f : a;
        const __m256 s = _mm256_set1_ps(sc);
        int c = 0;
        for (; c + 8 <= n; c += 8) {
            float* yp = y + c0 + c;
            _mm256_storeu_ps(yp, _mm256_fmadd_ps(load8<D>(row + (c0 + c) * es), s, _mm256_loadu_ps(yp)));
        }
        for (; c < n; ++c) y[c0 + c] += scalarAt<D>(row, c0 + c) * sc;
    }
}

WS_AVX2 void axpyRowsAvx2(const Matrix& W, int r, int n, const float* a, float* y) {
    for (int i = 0; i < n; ++i) {
        switch (W.dtype) {
        case DType::F32: axpyRowImpl<DType::F32>(W, r + i, a[i], y); break;
        case DType::BF16: axpyRowImpl<DType::BF16>(W, r + i, a[i], y); break;
        case DType::F16: axpyRowImpl<DType::F16>(W, r + i, a[i], y); break;
        case DType::F8_E4M3: axpyRowImpl<DType::F8_E4M3>(W, r + i, a[i], y); break;
        default: break;
        }
    }
}

WS_AVX2 float dotAvx2(const float* a, const float* b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum(_mm256_add_ps(s0, s1));
    for (; i < n; ++i) s += a[i] * b[i];
    return s;
}

WS_AVX2 void axpyAvx2(float a, const float* x, float* y, int n) {
    const __m256 av = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; ++i) y[i] += a * x[i];
}

// weightedSum's columns [j, j + 8V) for rows k0 … k0 + 3 over cache rows t0 … t0 + nt (weights interleaved in pt,
// 4 floats per row): 4V accumulators, V loads of the cache row and 4 broadcasts per 4V FMAs (V = 3: 12 and 7 —
// 6 rows × 16 columns took 8 loads per 12 FMAs and left 2 of its 6 rows idle for 16 or 32 rows, ~1.2× slower at
// 16 heads). kFull: 8V columns (plain loads); otherwise the first `cols` under masks. fetch: the first pass over
// these rows, which prefetches.
template <int V, bool kFull>
WS_AVX2 inline void weightedSum4(const float* pt, int km, const float* c, std::int64_t ldc, int t0, int nt, int n,
                                 int cols, bool fresh, bool fetch, float* y, std::int64_t ldy) {
    __m256i mask[V];
#pragma GCC unroll 3
    for (int v = 0; v < V; ++v) mask[v] = laneMask(cols - 8 * v);
    __m256 acc[4][V];
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k)
#pragma GCC unroll 3
        for (int v = 0; v < V; ++v)
            acc[k][v] = fresh || k >= km ? _mm256_setzero_ps() : loadCols<kFull>(y + k * ldy + 8 * v, mask[v]);
    // Rows a cache line apart or more: fetched 16 ahead (a walk down a column defeats the hardware prefetchers).
    const float* ct = c + t0 * ldc;
    for (int t = 0; t < nt; ++t, ct += ldc) {
        if (fetch && t0 + t + 16 < n) _mm_prefetch(reinterpret_cast<const char*>(ct + 16 * ldc), _MM_HINT_T0);
        __m256 cv[V];
#pragma GCC unroll 3
        for (int v = 0; v < V; ++v) cv[v] = loadCols<kFull>(ct + 8 * v, mask[v]);
        const float* w = pt + 4 * t;
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m256 b = _mm256_broadcast_ss(w + k);
#pragma GCC unroll 3
            for (int v = 0; v < V; ++v) acc[k][v] = _mm256_fmadd_ps(b, cv[v], acc[k][v]);
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
        if (k >= km) continue;
#pragma GCC unroll 3
        for (int v = 0; v < V; ++v) {
            if (kFull) _mm256_storeu_ps(y + k * ldy + 8 * v, acc[k][v]);
            else _mm256_maskstore_ps(y + k * ldy + 8 * v, mask[v], acc[k][v]);
        }
    }
}

// 4 weighted sums × 24 columns at a time (12 ymm accumulators), the cache rows in blocks of 128, partial sums
// parked in y between blocks; the last columns 8 or 16 at a time (a 24-wide tile over them would multiply zeros).
// Up to 12 groups of 4 sums (48 heads) take turns on each block's 24 columns while they are in L1, so a block is
// read from memory once per 48 sums, not once per 4 (decode after 4K tokens on 16 heads read the whole latent cache
// three times with one group per pass; DeepSeek-V3's 128 heads would have read it 22 times).
WS_AVX2 void weightedSumAvx2(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n, int width,
                             float* y, std::int64_t ldy) {
    constexpr int kRows = 128, kHeads = 4, kGroups = 12;
    alignas(32) float pt[kGroups][kRows * kHeads];
    for (int b0 = 0; b0 < m; b0 += kHeads * kGroups) {
        const int groups = std::min(kGroups, (m - b0 + kHeads - 1) / kHeads);
        for (int t0 = 0; t0 < std::max(n, 1); t0 += kRows) {
            const int nt = std::min(n, t0 + kRows) - t0;
            for (int g = 0; g < groups; ++g) {
                const int k0 = b0 + g * kHeads, km = std::min(kHeads, m - k0);
                for (int k = 0; k < kHeads; ++k) { // rows past m weigh nothing
                    const float* pr = p + (k0 + k) * ldp + t0;
                    for (int t = 0; t < nt; ++t) pt[g][kHeads * t + k] = k < km ? pr[t] : 0.0f;
                }
            }
            for (int j = 0; j < width; j += 24) {
                const int cols = std::min(24, width - j);
                for (int g = 0; g < groups; ++g) {
                    const int k0 = b0 + g * kHeads, km = std::min(kHeads, m - k0);
                    float* yj = y + k0 * ldy + j;
                    const bool fresh = t0 == 0, fetch = g == 0;
                    if (cols == 24) weightedSum4<3, true>(pt[g], km, c + j, ldc, t0, nt, n, 24, fresh, fetch, yj, ldy);
                    else if (cols == 16) weightedSum4<2, true>(pt[g], km, c + j, ldc, t0, nt, n, 16, fresh, fetch, yj, ldy);
                    else if (cols == 8) weightedSum4<1, true>(pt[g], km, c + j, ldc, t0, nt, n, 8, fresh, fetch, yj, ldy);
                    else if (cols > 16) weightedSum4<3, false>(pt[g], km, c + j, ldc, t0, nt, n, cols, fresh, fetch, yj, ldy);
                    else if (cols > 8) weightedSum4<2, false>(pt[g], km, c + j, ldc, t0, nt, n, cols, fresh, fetch, yj, ldy);
                    else weightedSum4<1, false>(pt[g], km, c + j, ldc, t0, nt, n, cols, fresh, fetch, yj, ldy);
                }
            }
        }
    }
}

// scoresFew: tile16 with the roles of the float GEMM swapped — the 16 query rows of a block as its weights (laid out
// once per step by ScoreQueries, where the GEMM transposed every 16 cache rows it met, ~12 % of a decode step after
// 4K tokens), 6 cache rows at a time as its tokens, broadcast where they lie. Columns in chunks of 256 (16 KB of
// the block stays in L1 while the 6 rows pass); the same products in the same order as the GEMM's, so the same
// sums to the bit.
WS_AVX2 void scoresAvx2(const ScoreQueries& q, const float* c, std::int64_t ldc, int n, float* s, std::int64_t lds) {
    constexpr int kChunk = 256, kRows = 6;
    alignas(32) float st[kRows * 16];
    for (int b = 0; 16 * b < q.m; ++b) {
        const int nr = std::min(16, q.m - 16 * b);
        const float* wt = q.tiles.data() + static_cast<std::size_t>(b) * static_cast<std::size_t>(q.width) * 16;
        for (int t = 0; t < n; t += kRows) {
            const int nt = std::min(kRows, n - t);
            for (int k0 = 0; k0 < q.width; k0 += kChunk)
                kTileFull[nt - 1](wt + 16 * k0, c + t * ldc + k0, ldc, std::min(kChunk, q.width - k0), st, 16, 16, k0 == 0);
            for (int i = 0; i < nr; ++i)
                for (int u = 0; u < nt; ++u) s[(16 * b + i) * lds + t + u] = st[16 * u + i];
        }
    }
}

// x[i] = exp(x[i] − shift), 8 at a time: 2^k · e^r with k = round(x·log₂e) and r = x − k·ln 2 (ln 2 in two parts,
// so r keeps its low bits), e^r by Cephes' expf polynomial of degree 7: within ~1.5 ulp of the float64 value from
// e^−87.3 (below, no normal float: 0) to e^88.37 (above, infinity; float ends at e^88.72 — softmax's arguments,
// scores less their maximum, are ≤ 0); a NaN stays NaN. The sum in double, 4 lanes at a time; the tail through
// std::exp.
WS_AVX2 double expShiftSumAvx2(float* x, int n, float shift) {
    const __m256 lo = _mm256_set1_ps(-87.3365447f), hi = _mm256_set1_ps(88.3762626f), sh = _mm256_set1_ps(shift);
    __m256d sum = _mm256_setzero_pd();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_sub_ps(_mm256_loadu_ps(x + i), sh);
        const __m256 under = _mm256_cmp_ps(v, lo, _CMP_LT_OQ);
        const __m256 a = _mm256_min_ps(hi, _mm256_max_ps(lo, v)); // a NaN passes both (the second operand's)
        const __m256 k = _mm256_round_ps(_mm256_mul_ps(a, _mm256_set1_ps(1.44269504088896341f)),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), a);
        r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
        __m256 p = _mm256_set1_ps(1.9875691500e-4f);
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
        const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
        const __m256i pow2 = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
        const __m256 y = _mm256_andnot_ps(under, _mm256_mul_ps(e, _mm256_castsi256_ps(pow2)));
        _mm256_storeu_ps(x + i, y);
        sum = _mm256_add_pd(sum, _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(y)),
                                               _mm256_cvtps_pd(_mm256_extractf128_ps(y, 1))));
    }
    alignas(32) double part[4];
    _mm256_store_pd(part, sum);
    double total = (part[0] + part[1]) + (part[2] + part[3]);
    for (; i < n; ++i) total += x[i] = std::exp(x[i] - shift);
    return total;
}

} // namespace

KernelSet avx2Kernels() {
    return {"avx2", rowsAvx2<true>, axpyRowsAvx2, dotAvx2, axpyAvx2, weightedSumAvx2, scoresAvx2, expShiftSumAvx2};
}
KernelSet avx2TiledKernels() {
    return {"avx2-tiles", rowsAvx2<false>, axpyRowsAvx2, dotAvx2, axpyAvx2, weightedSumAvx2, scoresAvx2,
            expShiftSumAvx2};
}

} // namespace ws::cpu
#else
namespace ws::cpu {
KernelSet avx2Kernels() { return portableKernels(); }
KernelSet avx2TiledKernels() { return portableKernels(); }
} // namespace ws::cpu
#endif
