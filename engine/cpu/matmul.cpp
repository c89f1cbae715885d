// CPU GEMV/GEMM kernels: AVX-512 (chosen at run time) and a portable path; activations stay float32.
#include "cpu/matmul.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ws::cpu {
namespace {

// ---- portable path ------------------------------------------------------------------------------------------

void rowsPortable(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    std::vector<float> row(static_cast<std::size_t>(W.cols));
    for (int r = r0; r < r1; ++r) {
        W.rowToFloat(r, 0, W.cols, row.data());
        for (int t = 0; t < j.T; ++t) {
            const float* x = j.X + t * ldx;
            float acc = 0.0f;
            for (int c = 0; c < W.cols; ++c) acc += row[static_cast<std::size_t>(c)] * x[c];
            j.Y[t * ldy + r - j.rowOffset] = acc;
        }
    }
}

#if defined(__x86_64__)
#define WS_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,f16c,fma")))

// 16 weights → 16 floats. For FP8 the result is value/256 (the e4m3 bits moved into an f16 bit pattern);
// callers fold the 256 into the block scale.
WS_AVX512 inline __m512 load16(const std::uint8_t* p, DType t, __mmask16 m) {
    switch (t) {
    case DType::F32: return _mm512_maskz_loadu_ps(m, p);
    case DType::BF16: {
        const __m256i h = _mm256_maskz_loadu_epi16(m, p);
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
    case DType::F16: return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
    case DType::F8_E4M3: {
        const __m256i b = _mm256_cvtepu8_epi16(_mm_maskz_loadu_epi8(m, p));
        const __m256i sign = _mm256_slli_epi16(_mm256_and_si256(b, _mm256_set1_epi16(0x80)), 8);
        const __m256i mag = _mm256_slli_epi16(_mm256_and_si256(b, _mm256_set1_epi16(0x7F)), 7);
        return _mm512_cvtph_ps(_mm256_or_si256(sign, mag));
    }
    }
    return _mm512_setzero_ps();
}

// Σ w[c]·x[c] over n columns starting at column c0 of row p (unscaled for FP8: see load16).
WS_AVX512 inline float dotSeg(const std::uint8_t* row, DType t, int c0, int n, const float* x) {
    const std::size_t es = dtypeSize(t);
    const std::uint8_t* p = row + static_cast<std::size_t>(c0) * es;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int c = 0;
    for (; c + 32 <= n; c += 32) {
        a0 = _mm512_fmadd_ps(load16(p + c * es, t, 0xFFFF), _mm512_loadu_ps(x + c), a0);
        a1 = _mm512_fmadd_ps(load16(p + (c + 16) * es, t, 0xFFFF), _mm512_loadu_ps(x + c + 16), a1);
    }
    for (; c < n; c += 16) {
        const int m = std::min(16, n - c);
        const __mmask16 k = static_cast<__mmask16>((1u << m) - 1u);
        a0 = _mm512_fmadd_ps(load16(p + c * es, t, k), _mm512_maskz_loadu_ps(k, x + c), a0);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
}

WS_AVX512 float dotRow(const Matrix& W, int r, const float* x) {
    const std::uint8_t* row = W.row(r);
    if (W.dtype != DType::F8_E4M3) return dotSeg(row, W.dtype, 0, W.cols, x);
    const int nbc = (W.cols + W.blockCols - 1) / W.blockCols;
    const float* s = W.scale + static_cast<std::size_t>(r / W.blockRows) * static_cast<std::size_t>(nbc);
    float acc = 0.0f;
    for (int b = 0; b < nbc; ++b) {
        const int c0 = b * W.blockCols, n = std::min(W.blockCols, W.cols - c0);
        acc += dotSeg(row, W.dtype, c0, n, x + c0) * (s[b] * 256.0f);
    }
    return acc;
}

// Dequantises a whole row into out (FP8: scale applied).
WS_AVX512 void rowToF32(const Matrix& W, int r, float* out) {
    const std::uint8_t* row = W.row(r);
    const std::size_t es = dtypeSize(W.dtype);
    const int bc = W.dtype == DType::F8_E4M3 ? W.blockCols : W.cols;
    const int nbc = (W.cols + bc - 1) / bc;
    for (int b = 0; b < nbc; ++b) {
        const int c0 = b * bc, n = std::min(bc, W.cols - c0);
        const __m512 s = _mm512_set1_ps(W.dtype == DType::F8_E4M3 ? W.scaleAt(r, c0) * 256.0f : 1.0f);
        for (int c = 0; c < n; c += 16) {
            const int m = std::min(16, n - c);
            const __mmask16 k = static_cast<__mmask16>((1u << m) - 1u);
            _mm512_mask_storeu_ps(out + c0 + c, k, _mm512_mul_ps(load16(row + (c0 + c) * es, W.dtype, k), s));
        }
    }
}

// 4 weight rows (f32) × up to 4 tokens: 16 dot products sharing every load.
WS_AVX512 void micro4x4(const float* w, std::int64_t ldw, const float* x, std::int64_t ldx, int nt, int n,
                        float out[4][4]) {
    __m512 acc[4][4];
    for (auto& a : acc)
        for (auto& v : a) v = _mm512_setzero_ps();
    for (int c = 0; c < n; c += 16) {
        const int m = std::min(16, n - c);
        const __mmask16 k = static_cast<__mmask16>((1u << m) - 1u);
        __m512 wv[4];
        for (int i = 0; i < 4; ++i) wv[i] = _mm512_maskz_loadu_ps(k, w + i * ldw + c);
        for (int t = 0; t < 4; ++t) {
            if (t >= nt) break;
            const __m512 xv = _mm512_maskz_loadu_ps(k, x + t * ldx + c);
            for (int i = 0; i < 4; ++i) acc[i][t] = _mm512_fmadd_ps(wv[i], xv, acc[i][t]);
        }
    }
    for (int i = 0; i < 4; ++i)
        for (int t = 0; t < nt; ++t) out[i][t] = _mm512_reduce_add_ps(acc[i][t]);
}

WS_AVX512 void rowsAvx512(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    if (j.T <= 2) {
        for (int r = r0; r < r1; ++r)
            for (int t = 0; t < j.T; ++t) j.Y[t * ldy + r - j.rowOffset] = dotRow(W, r, j.X + t * ldx);
        return;
    }
    thread_local std::vector<float> buf;
    const std::int64_t ldw = (W.cols + 15) / 16 * 16;
    buf.resize(static_cast<std::size_t>(4 * ldw));
    for (int r = r0; r < r1; r += 4) {
        const int nr = std::min(4, r1 - r);
        for (int i = 0; i < 4; ++i) {
            if (i < nr)
                rowToF32(W, r + i, buf.data() + i * ldw);
            else
                std::memset(buf.data() + i * ldw, 0, sizeof(float) * static_cast<std::size_t>(W.cols));
        }
        for (int t = 0; t < j.T; t += 4) {
            const int nt = std::min(4, j.T - t);
            float out[4][4];
            micro4x4(buf.data(), ldw, j.X + t * ldx, ldx, nt, W.cols, out);
            for (int i = 0; i < nr; ++i)
                for (int u = 0; u < nt; ++u) j.Y[(t + u) * ldy + r + i - j.rowOffset] = out[i][u];
        }
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
            const __m512 w = load16(row + (c0 + c) * es, W.dtype, k);
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

bool detectAvx512() {
    if (const char* e = std::getenv("WS_NO_AVX512"); e && *e && *e != '0') return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
#else
bool detectAvx512() { return false; }
void rowsAvx512(const MatJob& j, int r0, int r1) { rowsPortable(j, r0, r1); }
void axpyRowAvx512(const Matrix&, int, float, float*) {}
float dotAvx512(const float*, const float*, int) { return 0.0f; }
void axpyAvx512(float, const float*, float*, int) {}
#endif

const bool s_hasAvx512 = detectAvx512();
bool s_useAvx512 = s_hasAvx512; // switched only by usePortableKernels()

} // namespace

const char* kernelName() { return s_useAvx512 ? "avx512" : "portable"; }

void usePortableKernels(bool portable) { s_useAvx512 = !portable && s_hasAvx512; }

void matmulRows(const MatJob& job, int r0, int r1) {
    if (r0 >= r1 || job.T <= 0) return;
    if (s_useAvx512)
        rowsAvx512(job, r0, r1);
    else
        rowsPortable(job, r0, r1);
}

float dot(const float* a, const float* b, int n) {
    if (s_useAvx512) return dotAvx512(a, b, n);
    float s[8] = {};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) s[j] += a[i + j] * b[i + j];
    float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; ++i) r += a[i] * b[i];
    return r;
}

void axpy(float a, const float* x, float* y, int n) {
    if (s_useAvx512) {
        axpyAvx512(a, x, y, n);
        return;
    }
    for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

void axpyRow(const Matrix& W, int r, float a, float* y) {
    if (s_useAvx512) {
        axpyRowAvx512(W, r, a, y);
        return;
    }
    float buf[256];
    for (int c = 0; c < W.cols; c += 256) {
        const int m = std::min(256, W.cols - c);
        W.rowToFloat(r, c, m, buf);
        for (int i = 0; i < m; ++i) y[c + i] += a * buf[i];
    }
}

void matmulMany(ThreadPool& pool, std::span<const MatJob> jobs) {
    std::int64_t total = 0;
    for (const auto& j : jobs) total += j.W->rows;
    if (total == 0) return;
    // Split in units of 4 rows (the GEMM tile) so no tile straddles two threads.
    const std::int64_t units = (total + 3) / 4;
    pool.parallelFor(units, [&](std::int64_t ub, std::int64_t ue) {
        std::int64_t b = ub * 4, e = std::min(total, ue * 4), base = 0;
        for (const auto& j : jobs) {
            const std::int64_t rb = std::max<std::int64_t>(b - base, 0);
            const std::int64_t re = std::min<std::int64_t>(e - base, j.W->rows);
            if (rb < re) matmulRows(j, static_cast<int>(rb), static_cast<int>(re));
            base += j.W->rows;
            if (base >= e) break;
        }
    });
}

} // namespace ws::cpu
