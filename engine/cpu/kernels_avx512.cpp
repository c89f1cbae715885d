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
        const __m256i b = _mm256_cvtepu8_epi16(_mm_maskz_loadu_epi8(m, p));
        const __m256i sign = _mm256_slli_epi16(_mm256_and_si256(b, _mm256_set1_epi16(0x80)), 8);
        const __m256i mag = _mm256_slli_epi16(_mm256_and_si256(b, _mm256_set1_epi16(0x7F)), 7);
        return _mm512_cvtph_ps(_mm256_or_si256(sign, mag));
    }
}

inline __mmask16 tailMask(int m) { return static_cast<__mmask16>((1u << m) - 1u); }

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

// 4 weight rows (f32, stride ldw) × NT tokens: 4·NT dot products, every load shared. out[i * NT + t].
template <int NT>
WS_AVX512 void micro4(const float* w, std::int64_t ldw, const float* x, std::int64_t ldx, int n, float* out) {
    __m512 acc[4][NT];
    for (int i = 0; i < 4; ++i)
        for (int t = 0; t < NT; ++t) acc[i][t] = _mm512_setzero_ps();
    int c = 0;
    for (; c + 16 <= n; c += 16) {
        const __m512 w0 = _mm512_loadu_ps(w + c), w1 = _mm512_loadu_ps(w + ldw + c);
        const __m512 w2 = _mm512_loadu_ps(w + 2 * ldw + c), w3 = _mm512_loadu_ps(w + 3 * ldw + c);
        for (int t = 0; t < NT; ++t) {
            const __m512 xv = _mm512_loadu_ps(x + t * ldx + c);
            acc[0][t] = _mm512_fmadd_ps(w0, xv, acc[0][t]);
            acc[1][t] = _mm512_fmadd_ps(w1, xv, acc[1][t]);
            acc[2][t] = _mm512_fmadd_ps(w2, xv, acc[2][t]);
            acc[3][t] = _mm512_fmadd_ps(w3, xv, acc[3][t]);
        }
    }
    if (c < n) {
        const __mmask16 k = tailMask(n - c);
        __m512 wv[4];
        for (int i = 0; i < 4; ++i) wv[i] = _mm512_maskz_loadu_ps(k, w + i * ldw + c);
        for (int t = 0; t < NT; ++t) {
            const __m512 xv = _mm512_maskz_loadu_ps(k, x + t * ldx + c);
            for (int i = 0; i < 4; ++i) acc[i][t] = _mm512_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    for (int i = 0; i < 4; ++i)
        for (int t = 0; t < NT; ++t) out[i * NT + t] = _mm512_reduce_add_ps(acc[i][t]);
}

template <DType D>
WS_AVX512 void rowsImpl(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const auto Y = [&](std::int64_t t, int r) -> float& { return j.Y[t * ldy + (r - j.rowOffset)]; };
    if (j.T <= 2) { // GEMV: stream each weight byte once, 4 rows at a time
        for (int t = 0; t < j.T; ++t) {
            const float* x = j.X + t * ldx;
            int r = r0;
            for (; r + 4 <= r1; r += 4) dotRows<D, 4>(W, r, x, &Y(t, r));
            for (; r < r1; ++r) dotRows<D, 1>(W, r, x, &Y(t, r));
        }
        return;
    }
    // GEMM: dequantise 4 rows once, then reuse them for every token.
    thread_local std::vector<float> buf;
    const std::int64_t ldw = (W.cols + 15) / 16 * 16;
    buf.assign(static_cast<std::size_t>(4 * ldw), 0.0f);
    for (int r = r0; r < r1; r += 4) {
        const int nr = std::min(4, r1 - r);
        for (int i = 0; i < nr; ++i) rowToF32<D>(W, r + i, buf.data() + i * ldw);
        for (int i = nr; i < 4; ++i) std::fill(buf.begin() + i * ldw, buf.begin() + (i + 1) * ldw, 0.0f);
        float out[16];
        int t = 0;
        for (; t + 4 <= j.T; t += 4) {
            micro4<4>(buf.data(), ldw, j.X + t * ldx, ldx, W.cols, out);
            for (int i = 0; i < nr; ++i)
                for (int u = 0; u < 4; ++u) Y(t + u, r + i) = out[i * 4 + u];
        }
        const int rest = j.T - t;
        if (rest == 0) continue;
        if (rest == 1) micro4<1>(buf.data(), ldw, j.X + t * ldx, ldx, W.cols, out);
        if (rest == 2) micro4<2>(buf.data(), ldw, j.X + t * ldx, ldx, W.cols, out);
        if (rest == 3) micro4<3>(buf.data(), ldw, j.X + t * ldx, ldx, W.cols, out);
        for (int i = 0; i < nr; ++i)
            for (int u = 0; u < rest; ++u) Y(t + u, r + i) = out[i * rest + u];
    }
}

WS_AVX512 void rowsAvx512(const MatJob& j, int r0, int r1) {
    switch (j.W->dtype) {
    case DType::F32: rowsImpl<DType::F32>(j, r0, r1); break;
    case DType::BF16: rowsImpl<DType::BF16>(j, r0, r1); break;
    case DType::F16: rowsImpl<DType::F16>(j, r0, r1); break;
    case DType::F8_E4M3: rowsImpl<DType::F8_E4M3>(j, r0, r1); break;
    }
}

WS_AVX512 void axpyRowAvx512(const Matrix& W, int r, float a, float* y) {
    const std::uint8_t* row = W.row(r);
    const std::size_t es = dtypeSize(W.dtype);
    const int bc = W.dtype == DType::F8_E4M3 ? W.blockCols : W.cols;
    const int nbc = (W.cols + bc - 1) / bc;
    for (int b = 0; b < nbc; ++b) {
        const int c0 = b * bc, n = std::min(bc, W.cols - c0);
        const __m512 s = _mm512_set1_ps(W.dtype == DType::F8_E4M3 ? a * W.scaleAt(r, c0) * 256.0f : a);
        for (int c = 0; c < n; c += 16) {
            const int m = std::min(16, n - c);
            const __mmask16 k = static_cast<__mmask16>((1u << m) - 1u);
            float* yp = y + c0 + c;
            __m512 w;
            switch (W.dtype) {
            case DType::F32: w = load16<DType::F32>(row + (c0 + c) * es, k); break;
            case DType::BF16: w = load16<DType::BF16>(row + (c0 + c) * es, k); break;
            case DType::F16: w = load16<DType::F16>(row + (c0 + c) * es, k); break;
            default: w = load16<DType::F8_E4M3>(row + (c0 + c) * es, k); break;
            }
            _mm512_mask_storeu_ps(yp, k, _mm512_fmadd_ps(w, s, _mm512_maskz_loadu_ps(k, yp)));
        }
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

} // namespace

KernelSet avx512Kernels() { return {"avx512", rowsAvx512, axpyRowAvx512, dotAvx512, axpyAvx512}; }

} // namespace ws::cpu
#else
namespace ws::cpu {
KernelSet avx512Kernels() { return portableKernels(); }
} // namespace ws::cpu
#endif
