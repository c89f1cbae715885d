// AVX-512 kernels (F, BW, VL, DQ, F16C, FMA), compiled for those instructions function by function so the rest
// of the binary stays portable; chosen at run time by matmul.cpp.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

namespace ws::cpu {
namespace {

#define WS_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))


// 16 weights → 16 floats. For FP8 the result is value/256 (the e4m3 bits moved into an f16 bit pattern);
// callers fold the 256 into the block scale.
template <DType D>
WS_AVX512 inline __m512 load16(const std::uint8_t* p, __mmask16 m) {
    if constexpr (D == DType::F32) {
        return _mm512_maskz_loadu_ps(m, p);
    } else if constexpr (D == DType::BF16) {
        const __m256i h = _mm256_maskz_loadu_epi16(m, p);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    } else if constexpr (D == DType::F16) {
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
    } else {
        // e4m3 → f16 as value/256 as kernels_avx2.cpp's load8 does (sign-extend, shift left by 7, clear bit 14).
        const __m256i b = _mm256_cvtepi8_epi16(_mm_maskz_loadu_epi8(m, p));
        return _mm512_cvtph_ps(_mm256_and_si256(_mm256_slli_epi16(b, 7), _mm256_set1_epi16(static_cast<short>(0xBFFF))));
    }
}

inline __mmask16 tailMask(int m) { return static_cast<__mmask16>((1u << m) - 1u); }
/// The first m of 16 lanes, m ≤ 16.
inline __mmask16 tailMask16(int m) { return m >= 16 ? static_cast<__mmask16>(0xFFFF) : tailMask(m); }

// out[i] = Σ_c rows[i][c0 + c] · x[c] for c < n, NR rows sharing each load of x (unscaled for FP8).
template <DType D, int NR>
WS_AVX512 inline void dotRowsSeg(const std::uint8_t* const* rows, int c0, int n, const float* x, float* out,
                                  std::ptrdiff_t prefetch) {
    constexpr std::size_t es = D == DType::F32 ? 4 : D == DType::F8_E4M3 ? 1 : 2;
    __m512 acc[NR];
    for (int i = 0; i < NR; ++i) acc[i] = _mm512_setzero_ps();
    int c = 0;
    for (; c + 16 <= n; c += 16) {
        const __m512 xv = _mm512_loadu_ps(x + c);
        if (prefetch && (c * es) % 64 == 0)
            for (int i = 0; i < NR; ++i) _mm_prefetch(reinterpret_cast<const char*>(rows[i] + (c0 + c) * es + prefetch), _MM_HINT_T0);
        for (int i = 0; i < NR; ++i)
            acc[i] = _mm512_fmadd_ps(load16<D>(rows[i] + (c0 + c) * es, 0xFFFF), xv, acc[i]);
    }
    if (c < n) {
        const __mmask16 k = tailMask(n - c);
        const __m512 xv = _mm512_maskz_loadu_ps(k, x + c);
        for (int i = 0; i < NR; ++i) acc[i] = _mm512_fmadd_ps(load16<D>(rows[i] + (c0 + c) * es, k), xv, acc[i]);
    }
    for (int i = 0; i < NR; ++i) out[i] = _mm512_reduce_add_ps(acc[i]);
}

// y[i] = W[r + i, :] · x for i < NR (block scales applied for FP8).
template <DType D, int NR>
WS_AVX512 inline void dotRows(const Matrix& W, int r, const float* x, float* y) {
    // Prefetch the same columns of the next group of rows, one group ahead.
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

// out[i * NT + t] = W-rows[i][c0, c0 + n) · x_t[0, n) for i < NR, t < NT: each weight vector is loaded (and
// converted) once for all NT tokens — a decode batch reads the weights once, not once per token.
template <DType D, int NR, int NT>
WS_AVX512 inline void dotRowsTokensSeg(const std::uint8_t* const* rows, int c0, int n, const float* x,
                                        std::int64_t ldx, float* out, std::ptrdiff_t prefetch) {
    constexpr std::size_t es = D == DType::F32 ? 4 : D == DType::F8_E4M3 ? 1 : 2;
    __m512 acc[NR][NT];
#pragma GCC unroll 4
    for (int i = 0; i < NR; ++i)
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) acc[i][t] = _mm512_setzero_ps();
    // One loop for the whole width, the tail through a mask: the accumulators stay in registers.
    for (int c = 0; c < n; c += 16) {
        const __mmask16 k = tailMask16(n - c);
        if (prefetch && (c * es) % 64 == 0)
#pragma GCC unroll 4
            for (int i = 0; i < NR; ++i) _mm_prefetch(reinterpret_cast<const char*>(rows[i] + (c0 + c) * es + prefetch), _MM_HINT_T0);
        __m512 wv[NR];
#pragma GCC unroll 4
        for (int i = 0; i < NR; ++i) wv[i] = load16<D>(rows[i] + (c0 + c) * es, k);
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) {
            const __m512 xv = _mm512_maskz_loadu_ps(k, x + t * ldx + c);
#pragma GCC unroll 4
            for (int i = 0; i < NR; ++i) acc[i][t] = _mm512_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
#pragma GCC unroll 4
    for (int i = 0; i < NR; ++i)
#pragma GCC unroll 4
        for (int t = 0; t < NT; ++t) out[i * NT + t] = _mm512_reduce_add_ps(acc[i][t]);
}

// out[i * NT + t] = W[r + i, :] · x_t (block scales applied for FP8).
template <DType D, int NR, int NT>
WS_AVX512 inline void dotRowsTokens(const Matrix& W, int r, const float* x, std::int64_t ldx, float* out) {
    const auto prefetch = static_cast<std::ptrdiff_t>(W.rowBytes()) * NR;
    const std::uint8_t* rows[NR];
    for (int i = 0; i < NR; ++i) rows[i] = W.row(r + i);
    if constexpr (D != DType::F8_E4M3) {
        dotRowsTokensSeg<D, NR, NT>(rows, 0, W.cols, x, ldx, out, prefetch);
    } else {
        for (int i = 0; i < NR * NT; ++i) out[i] = 0.0f;
        float part[NR * NT];
        for (int c0 = 0; c0 < W.cols; c0 += W.blockCols) {
            dotRowsTokensSeg<D, NR, NT>(rows, c0, std::min(W.blockCols, W.cols - c0), x + c0, ldx, part, prefetch);
            for (int i = 0; i < NR; ++i) {
                const float sc = W.scaleAt(r + i, c0) * 256.0f;
                for (int t = 0; t < NT; ++t) out[i * NT + t] += part[i * NT + t] * sc;
            }
        }
    }
}

// Rows [r0, r1) × tokens [0, T): for each group of 4 rows (kept in L2), every group of up to 4 tokens — the
// weights come from memory once however many tokens.
template <DType D, int NR, typename Out>
WS_AVX512 void rowGroupTokens(const Matrix& W, int r, const float* x, std::int64_t ldx, int T, Out&& store) {
    float out[NR * 4];
    for (int t = 0; t < T; t += 4) {
        const int nt = std::min(4, T - t);
        const float* xt = x + t * ldx;
        switch (nt) {
        case 4: dotRowsTokens<D, NR, 4>(W, r, xt, ldx, out); break;
        case 3: dotRowsTokens<D, NR, 3>(W, r, xt, ldx, out); break;
        case 2: dotRowsTokens<D, NR, 2>(W, r, xt, ldx, out); break;
        default: dotRowsTokens<D, NR, 1>(W, r, xt, ldx, out); break;
        }
        for (int i = 0; i < NR; ++i)
            for (int u = 0; u < nt; ++u) store(t + u, r + i, out[i * nt + u]);
    }
}

template <DType D, typename Out>
WS_AVX512 void rowsForTokens(const Matrix& W, int r0, int r1, const float* x, std::int64_t ldx, int T, Out&& store) {
    int r = r0;
    for (; r + 4 <= r1; r += 4) rowGroupTokens<D, 4>(W, r, x, ldx, T, store);
    for (; r < r1; ++r) rowGroupTokens<D, 1>(W, r, x, ldx, T, store);
}

// Dequantises a whole row into out (FP8: scale applied).
template <DType D>
WS_AVX512 void rowToF32(const Matrix& W, int r, float* out) {
    constexpr std::size_t es = D == DType::F32 ? 4 : D == DType::F8_E4M3 ? 1 : 2;
    const std::uint8_t* row = W.row(r);
    const int bc = D == DType::F8_E4M3 ? W.blockCols : W.cols;
    for (int c0 = 0; c0 < W.cols; c0 += bc) {
        const int n = std::min(bc, W.cols - c0);
        const __m512 s = _mm512_set1_ps(D == DType::F8_E4M3 ? W.scaleAt(r, c0) * 256.0f : 1.0f);
        int c = 0;
        for (; c + 16 <= n; c += 16)
            _mm512_storeu_ps(out + c0 + c, _mm512_mul_ps(load16<D>(row + (c0 + c) * es, 0xFFFF), s));
        if (c < n) {
            const __mmask16 k = tailMask(n - c);
            _mm512_mask_storeu_ps(out + c0 + c, k, _mm512_mul_ps(load16<D>(row + (c0 + c) * es, k), s));
        }
    }
}

// ---- FP8 GEMV with AVX512-BF16 + VBMI ------------------------------------------------------------------------
// Each e4m3 byte becomes an exact bf16 through two 128-entry byte tables (vpermi2b); x is split into
// x_hi + x_lo, both bf16 (x_hi = bf16(x), x_lo = bf16(x - x_hi): 16 significant bits, |error| ≤ 2^-17·|x|),
// and vdpbf16ps accumulates w·x_hi + w·x_lo in float32. Twice the bf16 dot products, a third of the
// conversion work of the f16 route: the GEMV then runs at memory speed.
#define WS_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx512vbmi,f16c,fma")))

struct Fp8Tables {
    alignas(64) std::uint8_t lo[128]; // low byte of bf16(|e4m3|) for each 7-bit magnitude
    alignas(64) std::uint8_t hi[128]; // high byte (sign added from the weight byte itself)
    Fp8Tables() {
        for (int m = 0; m < 128; ++m) {
            std::uint32_t bits;
            const float v = fp8e4m3ToFloat(static_cast<std::uint8_t>(m));
            std::memcpy(&bits, &v, 4);
            const auto h = static_cast<std::uint16_t>(bits >> 16); // exact: e4m3 needs 3 mantissa bits
            lo[m] = static_cast<std::uint8_t>(h & 0xFF);
            hi[m] = static_cast<std::uint8_t>(h >> 8);
        }
    }
};
const Fp8Tables kFp8Tables;

inline std::uint16_t bf16Rne(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x7FFFu + ((u >> 16) & 1u);
    return static_cast<std::uint16_t>(u >> 16);
}

// x[0, n) → hi/lo bf16, padded to a multiple of 64 with zeros, each 64-chunk reordered as vpunpck{l,h}bw
// leave the weights: words 0..31 = x[0..7, 16..23, 32..39, 48..55], words 32..63 = x[8..15, 24..31, ...].
void splitForBf16(const float* x, int n, std::vector<std::uint16_t>& hi, std::vector<std::uint16_t>& lo) {
    const int padded = (n + 63) / 64 * 64;
    hi.assign(static_cast<std::size_t>(padded), 0);
    lo.assign(static_cast<std::size_t>(padded), 0);
    for (int c = 0; c < padded; c += 64)
        for (int k = 0; k < 64; ++k) {
            const int half = k / 32, w = k % 32, lane = w / 8, pos = w % 8;
            const int src = c + lane * 16 + half * 8 + pos;
            if (src >= n) continue;
            const std::uint16_t h = bf16Rne(x[src]);
            std::uint32_t hb = static_cast<std::uint32_t>(h) << 16;
            float hf;
            std::memcpy(&hf, &hb, 4);
            hi[static_cast<std::size_t>(c + k)] = h;
            lo[static_cast<std::size_t>(c + k)] = bf16Rne(x[src] - hf);
        }
}

WS_AVX512BF16 inline __m512bh asBh(__m512i v) {
    __m512bh r;
    std::memcpy(&r, &v, sizeof r);
    return r;
}

template <int NR>
WS_AVX512BF16 void fp8RowsBf16(const Matrix& W, int r, const std::uint16_t* xh, const std::uint16_t* xl, float* y) {
    const __m512i tlo0 = _mm512_load_si512(kFp8Tables.lo), tlo1 = _mm512_load_si512(kFp8Tables.lo + 64);
    const __m512i thi0 = _mm512_load_si512(kFp8Tables.hi), thi1 = _mm512_load_si512(kFp8Tables.hi + 64);
    const __m512i signMask = _mm512_set1_epi8(static_cast<char>(0x80));
    // Two row groups ahead: FP8 rows are short, one group is too close to hide the memory latency.
    const auto prefetch = static_cast<std::ptrdiff_t>(W.rowBytes()) * NR * 2;
    const std::uint8_t* rows[NR];
    for (int i = 0; i < NR; ++i) rows[i] = W.row(r + i);
    __m512 total[NR];
    for (int i = 0; i < NR; ++i) total[i] = _mm512_setzero_ps();
    for (int c0 = 0; c0 < W.cols; c0 += W.blockCols) {
        const int end = std::min(W.cols, c0 + W.blockCols);
        __m512 acc[NR];
        for (int i = 0; i < NR; ++i) acc[i] = _mm512_setzero_ps();
        for (int c = c0; c < end; c += 64) {
            const auto xah = asBh(_mm512_loadu_si512(xh + c));
            const auto xbh = asBh(_mm512_loadu_si512(xh + c + 32));
            const auto xal = asBh(_mm512_loadu_si512(xl + c));
            const auto xbl = asBh(_mm512_loadu_si512(xl + c + 32));
            const __mmask64 k = end - c >= 64 ? ~__mmask64{0} : (__mmask64{1} << (end - c)) - 1;
            for (int i = 0; i < NR; ++i) {
                _mm_prefetch(reinterpret_cast<const char*>(rows[i] + c + prefetch), _MM_HINT_T0);
                const __m512i b = _mm512_maskz_loadu_epi8(k, rows[i] + c);
                const __m512i L = _mm512_permutex2var_epi8(tlo0, b, tlo1);
                const __m512i H = _mm512_or_si512(_mm512_permutex2var_epi8(thi0, b, thi1), _mm512_and_si512(b, signMask));
                const auto wa = asBh(_mm512_unpacklo_epi8(L, H));
                const auto wb = asBh(_mm512_unpackhi_epi8(L, H));
                acc[i] = _mm512_dpbf16_ps(acc[i], wa, xah);
                acc[i] = _mm512_dpbf16_ps(acc[i], wa, xal);
                acc[i] = _mm512_dpbf16_ps(acc[i], wb, xbh);
                acc[i] = _mm512_dpbf16_ps(acc[i], wb, xbl);
            }
        }
        for (int i = 0; i < NR; ++i) total[i] = _mm512_fmadd_ps(acc[i], _mm512_set1_ps(W.scaleAt(r + i, c0)), total[i]);
    }
    for (int i = 0; i < NR; ++i) y[i] = _mm512_reduce_add_ps(total[i]);
}

bool detectBf16Path() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512vbmi");
}
const bool kBf16Path = detectBf16Path();

// Rows [r0, r1) of an FP8 GEMV through the bf16 route; false when it does not apply.
bool fp8GemvBf16(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    if (!kBf16Path || W.blockCols % 64 != 0) return false;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    thread_local std::vector<std::uint16_t> xh, xl;
    for (int t = 0; t < j.T; ++t) {
        splitForBf16(j.X + t * ldx, W.cols, xh, xl);
        float* y = j.Y + t * ldy;
        int r = r0;
        for (; r + 4 <= r1; r += 4) fp8RowsBf16<4>(W, r, xh.data(), xl.data(), y + (r - j.rowOffset));
        for (; r < r1; ++r) fp8RowsBf16<1>(W, r, xh.data(), xl.data(), y + (r - j.rowOffset));
    }
    return true;
}

// ---- GEMM with bf16 products (AVX512-BF16), for prompts when asked (ActivationPrecision::Bf16Prompts) --------
// Activations rounded to bf16 once per call, weights to bf16 a 4-row group at a time (BF16 weights are read as
// they are); vdpbf16ps accumulates pairs of products in float32: twice the multiply rate of the float32 GEMM.
// The rounding of x (and of non-bf16 weights) to 8 significant bits is the whole error: up to ~1e-2 of the
// logits' norm on the test models, which is why it is not the default.

WS_AVX512BF16 inline __m256i bhBits(__m256bh v) {
    __m256i r;
    std::memcpy(&r, &v, sizeof r);
    return r;
}

// n floats → bf16 (round to nearest even), zero-padded to `padded`.
WS_AVX512BF16 void toBf16(const float* x, int n, int padded, std::uint16_t* out) {
    int c = 0;
    for (; c + 16 <= n; c += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + c), bhBits(_mm512_cvtneps_pbh(_mm512_loadu_ps(x + c))));
    if (c < n) {
        const __mmask16 k = tailMask(n - c);
        _mm256_mask_storeu_epi16(out + c, k, bhBits(_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(k, x + c))));
    }
    for (int i = n; i < padded; ++i) out[i] = 0;
}

// 4 bf16 weight rows (stride ldw, zero-padded to a multiple of 32) × NT bf16 tokens (stride ldx): out[i * NT + t].
template <int NT>
WS_AVX512BF16 void micro4Bf16(const std::uint16_t* const* w, const std::uint16_t* x, std::int64_t ldx, int n, float* out) {
    __m512 acc[4][NT];
    for (int i = 0; i < 4; ++i)
        for (int t = 0; t < NT; ++t) acc[i][t] = _mm512_setzero_ps();
    for (int c = 0; c < n; c += 32) {
        __m512bh wv[4];
        for (int i = 0; i < 4; ++i) wv[i] = asBh(_mm512_loadu_si512(w[i] + c));
        for (int t = 0; t < NT; ++t) {
            const auto xv = asBh(_mm512_loadu_si512(x + t * ldx + c));
            for (int i = 0; i < 4; ++i) acc[i][t] = _mm512_dpbf16_ps(acc[i][t], wv[i], xv);
        }
    }
    for (int i = 0; i < 4; ++i)
        for (int t = 0; t < NT; ++t) out[i * NT + t] = _mm512_reduce_add_ps(acc[i][t]);
}

template <DType D>
WS_AVX512BF16 void gemmBf16(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const int padded = (W.cols + 31) / 32 * 32;
    thread_local std::vector<std::uint16_t> xb, wb;
    thread_local std::vector<float> wf;
    xb.resize(static_cast<std::size_t>(j.T) * static_cast<std::size_t>(padded));
    for (int t = 0; t < j.T; ++t) toBf16(j.X + t * ldx, W.cols, padded, xb.data() + static_cast<std::size_t>(t) * static_cast<std::size_t>(padded));
    // BF16 rows whose length is a multiple of 32 are used in place; others go through a 4-row bf16 buffer.
    const bool inPlace = D == DType::BF16 && W.cols % 32 == 0;
    wb.assign(static_cast<std::size_t>(4 * padded), 0);
    wf.resize(static_cast<std::size_t>(W.cols));
    for (int r = r0; r < r1; r += 4) {
        const int nr = std::min(4, r1 - r);
        const std::uint16_t* rows[4];
        for (int i = 0; i < 4; ++i) {
            std::uint16_t* buf = wb.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(padded);
            if (i >= nr) {
                std::fill(buf, buf + padded, std::uint16_t{0});
                rows[i] = buf;
            } else if (inPlace) {
                rows[i] = reinterpret_cast<const std::uint16_t*>(W.row(r + i));
            } else {
                if constexpr (D == DType::BF16) {
                    std::memcpy(buf, W.row(r + i), static_cast<std::size_t>(W.cols) * 2);
                } else {
                    rowToF32<D>(W, r + i, wf.data());
                    toBf16(wf.data(), W.cols, padded, buf);
                }
                rows[i] = buf;
            }
        }
        float out[16];
        int t = 0;
        for (; t + 4 <= j.T; t += 4) {
            micro4Bf16<4>(rows, xb.data() + static_cast<std::size_t>(t) * static_cast<std::size_t>(padded), padded, padded, out);
            for (int i = 0; i < nr; ++i)
                for (int u = 0; u < 4; ++u) j.Y[(t + u) * ldy + (r + i - j.rowOffset)] = out[i * 4 + u];
        }
        const int rest = j.T - t;
        if (rest == 0) continue;
        const std::uint16_t* xt = xb.data() + static_cast<std::size_t>(t) * static_cast<std::size_t>(padded);
        if (rest == 1) micro4Bf16<1>(rows, xt, padded, padded, out);
        if (rest == 2) micro4Bf16<2>(rows, xt, padded, padded, out);
        if (rest == 3) micro4Bf16<3>(rows, xt, padded, padded, out);
        for (int i = 0; i < nr; ++i)
            for (int u = 0; u < rest; ++u) j.Y[(t + u) * ldy + (r + i - j.rowOffset)] = out[i * rest + u];
    }
}

// v[i] (16 rows of 16 floats) → v[u] = column u, in four rounds of in-lane unpacks and lane shuffles.
WS_AVX512 __attribute__((always_inline)) inline void transpose16(__m512 (&v)[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) { // t[i] lane L: a[4L], b[4L], a[4L+1], b[4L+1]; t[i+1]: a[4L+2], b[4L+2], …
        t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) { // u[i + m] lane L: column 4L + m of rows i … i + 3
        u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
        u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
        u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
    }
    for (int m = 0; m < 4; ++m) {
        // Columns m and m + 8 (0x88: lanes 0, 2) or m + 4 and m + 12 (0xDD: lanes 1, 3) of rows 0–7, then 8–15.
        const __m512 a0 = _mm512_shuffle_f32x4(u[m], u[m + 4], 0x88), a1 = _mm512_shuffle_f32x4(u[m], u[m + 4], 0xDD);
        const __m512 b0 = _mm512_shuffle_f32x4(u[m + 8], u[m + 12], 0x88), b1 = _mm512_shuffle_f32x4(u[m + 8], u[m + 12], 0xDD);
        v[m] = _mm512_shuffle_f32x4(a0, b0, 0x88);
        v[m + 8] = _mm512_shuffle_f32x4(a0, b0, 0xDD);
        v[m + 4] = _mm512_shuffle_f32x4(a1, b1, 0x88);
        v[m + 12] = _mm512_shuffle_f32x4(a1, b1, 0xDD);
    }
}

// The multi-token GEMV (each group of 4 rows converted in registers and kept in L1 while the tokens pass over it,
// 4 at a time) against the GEMM's 16-row tiles, converted, transposed and stored before use: the GEMV wins while
// the tokens are few and their activations stay in L2 — an MoE expert's share of a prompt. One Zen 5 thread, BF16,
// GFLOP/s GEMM → GEMV: 1408 × 2048 at 9 / 16 / 32 / 64 tokens 43 → 126, 79 → 135, 103 → 142, 133 → 143;
// 2048 × 7168 at 16 / 32 / 48 tokens 71 → 136, 97 → 109, 112 → 101; 2048 × 2048 at 128 tokens 127 → 120.
// Up to 8 tokens always (a decode batch); for 16-bit weights up to 64 while tokens × columns stay within 1 MB of
// activations, unless the prompt runs on bf16 products. (F32 weights fill L1 with 4 rows, and FP8's conversion,
// redone for every 4 tokens, costs more: both keep 8; F32 1408 × 2048 at 64 tokens: GEMV 94, GEMM 101.)
template <DType D>
inline bool multiTokenGemv(int T, int cols, bool bf16Gemm) {
    constexpr bool k16 = D == DType::BF16 || D == DType::F16;
    return T >= 2 && (T <= 8 || (k16 && !bf16Gemm && T <= 64 && static_cast<std::int64_t>(T) * cols <= (1 << 18)));
}

template <DType D>
WS_AVX512 void rowsImpl(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const auto Y = [&](std::int64_t t, int r) -> float& { return j.Y[t * ldy + (r - j.rowOffset)]; };
    // A few tokens (a decode batch, an MoE expert's share of a prompt): each weight converted in registers once
    // for up to 4 tokens at a time. Prompts asked to run on bf16 products (below) take that GEMM from 9 tokens on.
    const bool fp8Bf16 = D == DType::F8_E4M3 && g_fp8ViaBf16;
    const ActivationPrecision precision = activationPrecision();
    const bool bf16Prompts = precision == ActivationPrecision::Bf16Prompts || precision == ActivationPrecision::Int8Prompts;
    const bool bf16Gemm = kBf16Path && bf16Prompts && !j.exact && (D != DType::F32 || j.weightTile) && D != DType::F8_E4M3;
    if (multiTokenGemv<D>(j.T, W.cols, bf16Gemm) && !(fp8Bf16 && j.T == 2)) {
        rowsForTokens<D>(W, r0, r1, j.X, ldx, j.T, [&](int t, int r, float v) { Y(t, r) = v; });
        return;
    }
    if (j.T <= 2) { // GEMV: stream each weight byte once, 4 rows at a time
        if constexpr (D == DType::F8_E4M3)
            if (g_fp8ViaBf16 && fp8GemvBf16(j, r0, r1)) return;
        for (int t = 0; t < j.T; ++t) {
            const float* x = j.X + t * ldx;
            int r = r0;
            for (; r + 4 <= r1; r += 4) dotRows<D, 4>(W, r, x, &Y(t, r));
            for (; r < r1; ++r) dotRows<D, 1>(W, r, x, &Y(t, r));
        }
        return;
    }
    if (bf16Gemm) { // never for FP8 (its prompts run the float GEMM below); `if constexpr` only keeps
        if constexpr (D != DType::F8_E4M3) { // gemmBf16<F8_E4M3> from being instantiated
            gemmBf16<D>(j, r0, r1);
            return;
        }
    }
    // GEMM: tiles of 16 rows converted to float and interleaved by column (wt[16·k + i] = W[r + i, k]) against the
    // activations transposed (xt[k·ldt + t], once per call and thread): 16 rows × 16 tokens of sums in registers,
    // each weight broadcast from one line and each activation vector loaded once for all 16 rows, no horizontal
    // reductions (the 4 rows × 4 tokens dot-product kernel before reduced 16 vectors per 4 × 4 outputs). Tokens in
    // blocks of 256 (a thread's transposed copy stays within cols × 1 KB), columns in blocks of 256 (the tile's
    // 16 KB stays in L1 while every token chunk passes), the sums parked in yt between column blocks.
    constexpr int kTokens = 256, kCols = 256;
    const int K = W.cols, K16 = (W.cols + 15) / 16 * 16;
    thread_local std::vector<float> xt, wt, yt, rows;
    thread_local struct {
        const float* x;
        std::int64_t ldx;
        int T, K;
        std::uint64_t epoch;
    } have{};
    wt.resize(static_cast<std::size_t>(K16) * 16);
    rows.resize(static_cast<std::size_t>(K16) * 16);
    for (int tb = 0; tb < j.T; tb += kTokens) {
        const int T = std::min(kTokens, j.T - tb), ldt = (T + 15) / 16 * 16;
        const float* X = j.X + tb * ldx;
        if (j.epoch == 0 || have.epoch != j.epoch || have.x != X || have.ldx != ldx || have.T != T || have.K != K) {
            xt.resize(static_cast<std::size_t>(K16) * static_cast<std::size_t>(ldt));
            for (int t0 = 0; t0 < ldt; t0 += 16)
                for (int c = 0; c < K; c += 16) {
                    const __mmask16 m = tailMask16(K - c);
                    __m512 v[16];
                    for (int u = 0; u < 16; ++u)
                        v[u] = t0 + u < T ? _mm512_maskz_loadu_ps(m, X + (t0 + u) * ldx + c) : _mm512_setzero_ps();
                    transpose16(v);
                    for (int u = 0; u < 16; ++u)
                        _mm512_storeu_ps(xt.data() + static_cast<std::size_t>(c + u) * static_cast<std::size_t>(ldt) + t0, v[u]);
                }
            have = {X, ldx, T, K, j.epoch};
        }
        yt.resize(static_cast<std::size_t>(16) * static_cast<std::size_t>(ldt));
        for (int r = r0; r < r1; r += 16) {
            const int nr = std::min(16, r1 - r);
            // Each row converted whole first (a contiguous read the hardware prefetcher follows; 16 rows read 32
            // bytes at a time each stalled on memory), then interleaved from there; rows past r1 are zeros.
            for (int i = 0; i < nr; ++i) rowToF32<D>(W, r + i, rows.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(K16));
            for (int c = 0; c < K; c += 16) {
                const __mmask16 m = tailMask16(K - c);
                __m512 v[16];
                for (int i = 0; i < 16; ++i)
                    v[i] = i < nr ? _mm512_maskz_loadu_ps(m, rows.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(K16) + c)
                                  : _mm512_setzero_ps();
                transpose16(v);
                for (int u = 0; u < 16; ++u) _mm512_storeu_ps(wt.data() + static_cast<std::size_t>(c + u) * 16, v[u]);
            }
            for (int k0 = 0; k0 < K; k0 += kCols) {
                const int k1 = std::min(K, k0 + kCols);
                for (int t0 = 0; t0 < T; t0 += 16) {
                    float* yb = yt.data() + t0;
                    __m512 acc[16];
#pragma GCC unroll 16
                    for (int i = 0; i < 16; ++i) acc[i] = k0 == 0 ? _mm512_setzero_ps() : _mm512_loadu_ps(yb + i * ldt);
                    const float* xp = xt.data() + static_cast<std::size_t>(k0) * static_cast<std::size_t>(ldt) + t0;
                    const float* wp = wt.data() + static_cast<std::size_t>(k0) * 16;
                    for (int k = k0; k < k1; ++k, xp += ldt, wp += 16) {
                        const __m512 xv = _mm512_loadu_ps(xp);
#pragma GCC unroll 16
                        for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(wp[i]), xv, acc[i]);
                    }
#pragma GCC unroll 16
                    for (int i = 0; i < 16; ++i) _mm512_storeu_ps(yb + i * ldt, acc[i]);
                }
            }
            // yt holds the tile's outputs row by row; Y wants them token by token: back through the transpose, one
            // masked store of nr outputs per token.
            const __mmask16 rm = tailMask16(nr);
            for (int t0 = 0; t0 < T; t0 += 16) {
                __m512 v[16];
                for (int i = 0; i < 16; ++i) v[i] = _mm512_loadu_ps(yt.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(ldt) + t0);
                transpose16(v);
                for (int u = 0; u < std::min(16, T - t0); ++u) _mm512_mask_storeu_ps(&Y(tb + t0 + u, r), rm, v[u]);
            }
        }
    }
}

WS_AVX512 void rowsAvx512(const MatJob& j, int r0, int r1) {
    switch (j.W->dtype) {
    case DType::F32: rowsImpl<DType::F32>(j, r0, r1); break;
    case DType::BF16: rowsImpl<DType::BF16>(j, r0, r1); break;
    case DType::F16: rowsImpl<DType::F16>(j, r0, r1); break;
    case DType::F8_E4M3: rowsImpl<DType::F8_E4M3>(j, r0, r1); break;
    default: break; // block-quantised types go through matmul.cpp's dequantising path
    }
}

// y += Σ_i a[i] · W[r + i, :] for i < n: y is loaded and stored once per group of rows, not once per row.
template <DType D>
WS_AVX512 void axpyRowsImpl(const Matrix& W, int r, int n, const float* a, float* y) {
    constexpr std::size_t es = D == DType::F32 ? 4 : D == DType::F8_E4M3 ? 1 : 2;
    const int bc = D == DType::F8_E4M3 ? W.blockCols : W.cols;
    for (int g = 0; g < n; g += 8) {
        const int m = std::min(8, n - g);
        const std::uint8_t* rows[8];
        for (int i = 0; i < m; ++i) rows[i] = W.row(r + g + i);
        for (int c0 = 0; c0 < W.cols; c0 += bc) {
            const int end = std::min(W.cols, c0 + bc);
            __m512 s[8];
            for (int i = 0; i < m; ++i)
                s[i] = _mm512_set1_ps(D == DType::F8_E4M3 ? a[g + i] * W.scaleAt(r + g + i, c0) * 256.0f : a[g + i]);
            for (int c = c0; c < end; c += 16) {
                const __mmask16 k = tailMask16(end - c);
                __m512 yv = _mm512_maskz_loadu_ps(k, y + c);
                for (int i = 0; i < m; ++i) yv = _mm512_fmadd_ps(load16<D>(rows[i] + c * es, k), s[i], yv);
                _mm512_mask_storeu_ps(y + c, k, yv);
            }
        }
    }
}

WS_AVX512 void axpyRowsAvx512(const Matrix& W, int r, int n, const float* a, float* y) {
    switch (W.dtype) {
    case DType::F32: axpyRowsImpl<DType::F32>(W, r, n, a, y); break;
    case DType::BF16: axpyRowsImpl<DType::BF16>(W, r, n, a, y); break;
    case DType::F16: axpyRowsImpl<DType::F16>(W, r, n, a, y); break;
    case DType::F8_E4M3: axpyRowsImpl<DType::F8_E4M3>(W, r, n, a, y); break;
    default: break;
    }
}

WS_AVX512 float dotAvx512(const float* a, const float* b, int n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i < n; i += 16) {
        const __mmask16 k = static_cast<__mmask16>((1u << std::min(16, n - i)) - 1u);
        s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), s0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

WS_AVX512 void axpyAvx512(float a, const float* x, float* y, int n) {
    const __m512 av = _mm512_set1_ps(a);
    for (int i = 0; i < n; i += 16) {
        const __mmask16 k = static_cast<__mmask16>((1u << std::min(16, n - i)) - 1u);
        _mm512_mask_storeu_ps(y + i, k, _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(k, x + i), _mm512_maskz_loadu_ps(k, y + i)));
    }
}

// 16 weighted sums of 16 columns at a time in registers: each cache row is loaded once for all 16. The rows go in
// blocks of 128 (~300 KB of a 576-wide cache, kept in L2 while every column chunk passes over it), the partial sums
// parked in y between blocks. The 16 weights of each row are first interleaved into one 64-byte line (pt), so the
// inner loop broadcasts them from one pointer at fixed offsets: reading them from 16 rows of p at a stride needed
// 16 address registers, and the compiler spilled the accumulators to the stack on every row (measured: the
// kernel ran at a fraction of the FMA rate).
WS_AVX512 void weightedSumAvx512(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n,
                                 int width, float* y, std::int64_t ldy) {
    constexpr int kRows = 128;
    alignas(64) float pt[kRows * 16];
    for (int k0 = 0; k0 < m; k0 += 16) {
        const int km = std::min(16, m - k0);
        for (int t0 = 0; t0 < std::max(n, 1); t0 += kRows) {
            const int t1 = std::min(n, t0 + kRows), nt = t1 - t0;
            for (int k = 0; k < 16; ++k) { // rows past m weigh nothing
                const float* pr = p + (k0 + k) * ldp + t0;
                if (k < km)
                    for (int t = 0; t < nt; ++t) pt[16 * t + k] = pr[t];
                else
                    for (int t = 0; t < nt; ++t) pt[16 * t + k] = 0.0f;
            }
            for (int j = 0; j < width; j += 16) {
                const __mmask16 msk = width - j >= 16 ? static_cast<__mmask16>(0xFFFF) : tailMask(width - j);
                __m512 acc[16];
#pragma GCC unroll 16
                for (int k = 0; k < 16; ++k)
                    acc[k] = t0 == 0 || k >= km ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(msk, y + (k0 + k) * ldy + j);
                // The rows are a cache line apart or more: their lines for this column chunk and the next are
                // fetched 16 rows ahead (a walk down a column defeats the hardware prefetchers; without this, the
                // weighted sums of decode over a 2K-token cache ran at a fifth of the FMA rate).
                const int nextChunk = j + 16 < width ? 16 : 0;
                const float* ct = c + t0 * ldc + j;
                for (int t = 0; t < nt; ++t, ct += ldc) {
                    if (t0 + t + 16 < n) {
                        _mm_prefetch(reinterpret_cast<const char*>(ct + 16 * ldc), _MM_HINT_T0);
                        _mm_prefetch(reinterpret_cast<const char*>(ct + 16 * ldc + nextChunk), _MM_HINT_T0);
                    }
                    const __m512 cv = _mm512_maskz_loadu_ps(msk, ct);
                    const float* w = pt + 16 * t;
#pragma GCC unroll 16
                    for (int k = 0; k < 16; ++k) acc[k] = _mm512_fmadd_ps(_mm512_set1_ps(w[k]), cv, acc[k]);
                }
#pragma GCC unroll 16
                for (int k = 0; k < 16; ++k)
                    if (k < km) _mm512_mask_storeu_ps(y + (k0 + k) * ldy + j, msk, acc[k]);
            }
        }
    }
}

} // namespace

bool g_fp8ViaBf16 = true;

// The scores of decode's attention stay on the float GEMM here (scoresFew's AVX2 kernel is unmeasured on AVX-512);
// the softmax's exponentials take AVX2's vectorised ones (every AVX-512 CPU has AVX2 and FMA).
KernelSet avx512Kernels() {
    return {"avx512", rowsAvx512, axpyRowsAvx512, dotAvx512, axpyAvx512, weightedSumAvx512, nullptr,
            avx2Kernels().expShiftSum};
}

} // namespace ws::cpu
#else
namespace ws::cpu {
KernelSet avx512Kernels() { return portableKernels(); }
} // namespace ws::cpu
#endif
