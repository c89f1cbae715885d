// ggml's block-quantised weights (GGUF): dequantisation bit-exact with ggml-quants.c `dequantize_row_*` (AVX2 /
// AVX-512 for the K-quants, Q8_0, Q4_0, Q5_0 and IQ4, bit-identical to the portable code), and a fused dot product
// Σ w·x (AVX2 / AVX-512 for the CPU's hot types Q4_0, Q8_0, Q4_K, Q6_K).
//
// Why the results match ggml's whatever the compiler does: an f16 scale has at most 11 significant bits and a
// code at most 8, so d·sc (≤ 19 bits) and d·sc·q (≤ 24 bits) are exact in float; only Q6_K's d·sc·q (≤ 25
// bits) rounds, once. Each weight is therefore one rounding of an exact value (`d·q − m` included), the same
// whether the products are associated differently or `a·b − c` is contracted into an FMA. Layouts:
// ggml/src/ggml-common.h, little-endian.
#include "model/quant.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#if defined(__x86_64__)
// GCC 12's avx512fintrin.h trips -Wuninitialized on its own _mm512_undefined_* helpers once inlined (a false
// positive; engine/CMakeLists.txt silences it for cpu/kernels_avx512.cpp the same way).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif

namespace ws {
namespace {

using u8 = std::uint8_t;

float loadF16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return f16ToFloat(h);
}

float loadBF16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return bf16ToFloat(h);
}

float fl(int v) { return static_cast<float>(v); }

// The 6-bit scale and min of sub-block s (0..7) of a Q4_K/Q5_K block, packed into 12 bytes:
//   bytes 0-3: sc[0..3] in bits 0-5, the top 2 bits of sc[4..7] in bits 6-7
//   bytes 4-7: m[0..3] in bits 0-5, the top 2 bits of m[4..7] in bits 6-7
//   bytes 8-11: the low 4 bits of sc[4..7] (low nibble) and of m[4..7] (high nibble)
[[gnu::always_inline]] inline void kScaleMin(const u8* scales, int s, int& sc, int& m) {
    if (s < 4) {
        sc = scales[s] & 63;
        m = scales[s + 4] & 63;
    } else {
        sc = (scales[s + 4] & 0xF) | (scales[s - 4] >> 6) << 4;
        m = (scales[s + 4] >> 4) | (scales[s] >> 6) << 4;
    }
}

// block_q4_0 (18 B): d f16, qs[16]; weight j < 16 is the low nibble of qs[j], weight j + 16 its high nibble.
// w = d·(q − 8)
void dequantQ4_0(const u8* b, float* y) {
    const float d = loadF16(b);
    const u8* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = fl((qs[j] & 0xF) - 8) * d;
        y[j + 16] = fl((qs[j] >> 4) - 8) * d;
    }
}

// block_q4_1 (20 B): d f16, m f16, qs[16] (nibbles as in Q4_0).
// w = d·q + m
void dequantQ4_1(const u8* b, float* y) {
    const float d = loadF16(b), m = loadF16(b + 2);
    const u8* qs = b + 4;
    for (int j = 0; j < 16; ++j) {
        y[j] = fl(qs[j] & 0xF) * d + m;
        y[j + 16] = fl(qs[j] >> 4) * d + m;
    }
}

// The 5-bit codes of Q5_0/Q5_1: nibbles as in Q4_0, bit j of the little-endian u32 qh is bit 4 of weight j.
void q5Codes(const u8* qh4, const u8* qs, int* q) {
    std::uint32_t qh;
    std::memcpy(&qh, qh4, sizeof qh);
    for (int j = 0; j < 16; ++j) {
        q[j] = (qs[j] & 0xF) | static_cast<int>((qh >> j) & 1u) << 4;
        q[j + 16] = (qs[j] >> 4) | static_cast<int>((qh >> (j + 16)) & 1u) << 4;
    }
}

// block_q5_0 (22 B): d f16, qh[4], qs[16].
// w = d·(q − 16)
void dequantQ5_0(const u8* b, float* y) {
    const float d = loadF16(b);
    int q[32];
    q5Codes(b + 2, b + 6, q);
    for (int j = 0; j < 32; ++j)
        y[j] = fl(q[j] - 16) * d;
}

// block_q5_1 (24 B): d f16, m f16, qh[4], qs[16].
// w = d·q + m
void dequantQ5_1(const u8* b, float* y) {
    const float d = loadF16(b), m = loadF16(b + 2);
    int q[32];
    q5Codes(b + 4, b + 8, q);
    for (int j = 0; j < 32; ++j)
        y[j] = fl(q[j]) * d + m;
}

// block_q8_0 (34 B): d f16, qs[32] int8.
// w = d·q
void dequantQ8_0(const u8* b, float* y) {
    const float d = loadF16(b);
    for (int j = 0; j < 32; ++j)
        y[j] = fl(static_cast<std::int8_t>(b[2 + j])) * d;
}

// block_q2_K (84 B): scales[16] (sub-block s: sc in the low nibble, m in the high), qs[64], d f16, dmin f16.
// Weight e (sub-block e/16) is bits 2·((e/32) % 4) of qs[32·(e/128) + e % 32].
// w = d·sc·q − dmin·m
void dequantQ2_K(const u8* b, float* y) {
    const u8* scales = b;
    const u8* qs = b + 16;
    const float d = loadF16(b + 80), dmin = loadF16(b + 82);
    for (int s = 0; s < 16; ++s) {
        const float dl = d * fl(scales[s] & 0xF), ml = dmin * fl(scales[s] >> 4);
        for (int e = 16 * s; e < 16 * s + 16; ++e) {
            const int q = (qs[32 * (e / 128) + e % 32] >> (2 * ((e / 32) % 4))) & 3;
            y[e] = dl * fl(q) - ml;
        }
    }
}

// block_q3_K (110 B): hmask[32], qs[64], scales[12] (16 × 6 bits), d f16.
// Low 2 bits of weight e as in Q2_K; its high bit is bit e/32 of hmask[e % 32], and a CLEAR bit subtracts 4.
// Scale s: low 4 bits in the low (s < 8) or high (s ≥ 8) nibble of scales[s % 8], top 2 bits at
// bit 2·(s/4) of scales[8 + s % 4]; stored with an offset of 32.
// w = d·(sc − 32)·(q − (hbit ? 0 : 4))
void dequantQ3_K(const u8* b, float* y) {
    const u8* hmask = b;
    const u8* qs = b + 32;
    const u8* scales = b + 96;
    const float d = loadF16(b + 108);
    for (int s = 0; s < 16; ++s) {
        const int lo = s < 8 ? scales[s] & 0xF : scales[s - 8] >> 4;
        const int hi = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
        const float dl = d * fl((lo | hi << 4) - 32);
        for (int e = 16 * s; e < 16 * s + 16; ++e) {
            const int q = (qs[32 * (e / 128) + e % 32] >> (2 * ((e / 32) % 4))) & 3;
            const int h = (hmask[e % 32] >> (e / 32)) & 1;
            y[e] = dl * fl(q - (h ? 0 : 4));
        }
    }
}

// block_q4_K (144 B): d f16, dmin f16, scales[12] (8 × 6-bit sc and m, see kScaleMin), qs[128].
// Weight e (sub-block s = e/32) is the low (s even) or high (s odd) nibble of qs[32·(e/64) + e % 32].
// w = d·sc·q − dmin·m
void dequantQ4_K(const u8* b, float* y) {
    const float d = loadF16(b), dmin = loadF16(b + 2);
    const u8* scales = b + 4;
    const u8* qs = b + 16;
    for (int s = 0; s < 8; ++s) {
        int sc, m;
        kScaleMin(scales, s, sc, m);
        const float dl = d * fl(sc), ml = dmin * fl(m);
        for (int e = 32 * s; e < 32 * s + 32; ++e) {
            const int q = (qs[32 * (e / 64) + e % 32] >> (4 * (s % 2))) & 0xF;
            y[e] = dl * fl(q) - ml;
        }
    }
}

// block_q5_K (176 B): d f16, dmin f16, scales[12] (as Q4_K), qh[32], qs[128] (as Q4_K).
// Bit 4 of weight e is bit e/32 of qh[e % 32].
// w = d·sc·q − dmin·m
void dequantQ5_K(const u8* b, float* y) {
    const float d = loadF16(b), dmin = loadF16(b + 2);
    const u8* scales = b + 4;
    const u8* qh = b + 16;
    const u8* qs = b + 48;
    for (int s = 0; s < 8; ++s) {
        int sc, m;
        kScaleMin(scales, s, sc, m);
        const float dl = d * fl(sc), ml = dmin * fl(m);
        for (int e = 32 * s; e < 32 * s + 32; ++e) {
            const int lo = (qs[32 * (e / 64) + e % 32] >> (4 * (s % 2))) & 0xF;
            const int hi = (qh[e % 32] >> s) & 1;
            y[e] = dl * fl(lo | hi << 4) - ml;
        }
    }
}

// block_q6_K (210 B): ql[128], qh[64], scales[16] int8, d f16. Weight e = 128·h + 32·g + l (g < 4, l < 32):
// low 4 bits from the low (g < 2) or high (g ≥ 2) nibble of ql[64·h + 32·(g % 2) + l], top 2 bits at
// bit 2·g of qh[32·h + l]; sub-block e/16.
// w = d·sc·(q − 32)
void dequantQ6_K(const u8* b, float* y) {
    const u8* ql = b;
    const u8* qh = b + 128;
    const u8* scales = b + 192;
    const float d = loadF16(b + 208);
    for (int e = 0; e < 256; ++e) {
        const int h = e / 128, g = (e % 128) / 32, l = e % 32;
        const int lo = (ql[64 * h + 32 * (g % 2) + l] >> (4 * (g / 2))) & 0xF;
        const int hi = (qh[32 * h + l] >> (2 * g)) & 3;
        y[e] = d * fl(static_cast<std::int8_t>(scales[e / 16])) * fl((lo | hi << 4) - 32);
    }
}

// block_iq4_xs (136 B): d f16, scales_h u16, scales_l[4], qs[128]. Sub-block s (32 weights): 6-bit scale
// with its low 4 bits in nibble s % 2 of scales_l[s/2] and its top 2 bits at bit 2·s of scales_h, offset 32;
// weight j < 16 of it is the low nibble of qs[16·s + j], weight j + 16 the high nibble.
// w = d·(ls − 32)·kIq4Values[q]
void dequantIQ4_XS(const u8* b, float* y) {
    const float d = loadF16(b);
    std::uint16_t scalesH;
    std::memcpy(&scalesH, b + 2, sizeof scalesH);
    const u8* scalesL = b + 4;
    const u8* qs = b + 8;
    for (int s = 0; s < 8; ++s) {
        const int ls = ((scalesL[s / 2] >> (4 * (s % 2))) & 0xF) | ((scalesH >> (2 * s)) & 3) << 4;
        const float dl = d * fl(ls - 32);
        for (int j = 0; j < 16; ++j) {
            y[32 * s + j] = dl * fl(kIq4Values[qs[16 * s + j] & 0xF]);
            y[32 * s + j + 16] = dl * fl(kIq4Values[qs[16 * s + j] >> 4]);
        }
    }
}

// block_iq4_nl (18 B): d f16, qs[16]; weight j < 16 is the low nibble of qs[j], weight j + 16 the high one.
// w = d·kIq4Values[q] (what llama-quantize falls back to for rows of 32-multiples in Q2_K/Q3_K/IQ4_XS files)
void dequantIQ4_NL(const u8* b, float* y) {
    const float d = loadF16(b);
    const u8* qs = b + 2;
    for (int j = 0; j < 16; ++j) {
        y[j] = d * fl(kIq4Values[qs[j] & 0xF]);
        y[j + 16] = d * fl(kIq4Values[qs[j] >> 4]);
    }
}

using BlockFn = void (*)(const u8*, float*);

BlockFn blockFn(DType t) {
    switch (t) {
    case DType::Q4_0:
        return dequantQ4_0;
    case DType::Q4_1:
        return dequantQ4_1;
    case DType::Q5_0:
        return dequantQ5_0;
    case DType::Q5_1:
        return dequantQ5_1;
    case DType::Q8_0:
        return dequantQ8_0;
    case DType::Q2_K:
        return dequantQ2_K;
    case DType::Q3_K:
        return dequantQ3_K;
    case DType::Q4_K:
        return dequantQ4_K;
    case DType::Q5_K:
        return dequantQ5_K;
    case DType::Q6_K:
        return dequantQ6_K;
    case DType::IQ4_XS:
        return dequantIQ4_XS;
    case DType::IQ4_NL:
        return dequantIQ4_NL;
    default:
        return nullptr;
    }
}

// The portable dequantisation, the reference every SIMD level must reproduce bit for bit.
void dequantPortable(DType t, const void* src, float* dst, std::int64_t nblocks) {
    const u8* p = static_cast<const u8*>(src);
    switch (t) {
    case DType::F32:
        std::memcpy(dst, p, static_cast<std::size_t>(nblocks) * sizeof(float));
        return;
    case DType::F16:
        for (std::int64_t i = 0; i < nblocks; ++i)
            dst[i] = loadF16(p + 2 * i);
        return;
    case DType::BF16:
        for (std::int64_t i = 0; i < nblocks; ++i)
            dst[i] = loadBF16(p + 2 * i);
        return;
    default:
        break;
    }
    const BlockFn fn = blockFn(t);
    if (!fn) { // F8_E4M3: its scales live in another tensor (quant.h)
        for (std::int64_t i = 0; i < nblocks; ++i)
            dst[i] = std::numeric_limits<float>::quiet_NaN();
        return;
    }
    const BlockLayout bl = dtypeBlock(t);
    for (std::int64_t i = 0; i < nblocks; ++i)
        fn(p + i * bl.bytes, dst + i * bl.elems);
}

// ---------------------------------------------------------------------------------------------------------------
// dotBlocks: the portable version dequantises a block at a time into a buffer; the SIMD ones decode 16
// codes into int8 lanes of an SSE register and multiply them by x in float, scales applied per sub-block.

float dotPortable(DType t, const u8* w, const float* x, std::int64_t nblocks) {
    const BlockLayout bl = dtypeBlock(t);
    float buf[256];
    float sum = 0.0f;
    for (std::int64_t i = 0; i < nblocks; ++i, w += bl.bytes, x += bl.elems) {
        dequantPortable(t, w, buf, 1);
        float part = 0.0f;
        for (int j = 0; j < bl.elems; ++j)
            part += buf[j] * x[j];
        sum += part;
    }
    return sum;
}

#if defined(__x86_64__)

#define WS_QAVX2 __attribute__((target("avx2,fma")))
#define WS_QAVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))

// Codes decoded with SSE2 (part of both levels): 16 bytes, their low or high nibbles, one int8 lane each.
inline __m128i load16(const u8* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
inline __m128i nibbles(__m128i v, int shift) {
    return _mm_and_si128(_mm_srl_epi16(v, _mm_cvtsi32_si128(shift)), _mm_set1_epi8(0x0F));
}
// Q6_K's 6-bit codes of 16 weights, minus 32: nibble `nshift` of ql16, 2 bits at `hshift` of qh16.
inline __m128i q6Codes(const u8* ql16, int nshift, const u8* qh16, int hshift) {
    const __m128i hi =
        _mm_and_si128(_mm_srl_epi16(load16(qh16), _mm_cvtsi32_si128(hshift)), _mm_set1_epi8(3));
    return _mm_sub_epi8(_mm_or_si128(nibbles(load16(ql16), nshift), _mm_slli_epi16(hi, 4)),
                        _mm_set1_epi8(32));
}

// ---- AVX2: 8 float lanes

// acc + Σ q·x over 16 weights (int8 codes in q).
WS_QAVX2 inline __m256 fma16(__m128i q, const float* x, __m256 acc) {
    const __m256 lo = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
    const __m256 hi = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(q, q)));
    return _mm256_fmadd_ps(hi, _mm256_loadu_ps(x + 8), _mm256_fmadd_ps(lo, _mm256_loadu_ps(x), acc));
}
WS_QAVX2 inline __m256 sum32(const float* x) {
    return _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 8)),
                         _mm256_add_ps(_mm256_loadu_ps(x + 16), _mm256_loadu_ps(x + 24)));
}
WS_QAVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

// Σ d·(q − 8)·x
WS_QAVX2 float dotQ4_0Avx2(const u8* w, const float* x, std::int64_t nb) {
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 18, x += 32) {
        const __m128i v = load16(w + 2);
        const __m128i q0 = _mm_sub_epi8(nibbles(v, 0), _mm_set1_epi8(8));
        const __m128i q1 = _mm_sub_epi8(nibbles(v, 4), _mm_set1_epi8(8));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(loadF16(w)),
                              fma16(q1, x + 16, fma16(q0, x, _mm256_setzero_ps())), acc);
    }
    return hsum(acc);
}

// Σ d·q·x
WS_QAVX2 float dotQ8_0Avx2(const u8* w, const float* x, std::int64_t nb) {
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 34, x += 32) {
        const __m256 qx = fma16(load16(w + 18), x + 16, fma16(load16(w + 2), x, _mm256_setzero_ps()));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(loadF16(w)), qx, acc);
    }
    return hsum(acc);
}

// Σ_s d·sc_s·(Σ q·x) − dmin·m_s·(Σ x)
WS_QAVX2 float dotQ4_KAvx2(const u8* w, const float* x, std::int64_t nb) {
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 144, x += 256) {
        const float d = loadF16(w), dmin = loadF16(w + 2);
        for (int s = 0; s < 8; ++s) {
            int sc, m;
            kScaleMin(w + 4, s, sc, m);
            const u8* qs = w + 16 + 32 * (s / 2);
            const float* xs = x + 32 * s;
            const int shift = 4 * (s % 2);
            const __m256 qx = fma16(nibbles(load16(qs + 16), shift), xs + 16,
                                    fma16(nibbles(load16(qs), shift), xs, _mm256_setzero_ps()));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(d * fl(sc)), qx, acc);
            acc = _mm256_fnmadd_ps(_mm256_set1_ps(dmin * fl(m)), sum32(xs), acc);
        }
    }
    return hsum(acc);
}

// Σ_s d·sc_s·Σ (q − 32)·x, sub-blocks of 16
WS_QAVX2 float dotQ6_KAvx2(const u8* w, const float* x, std::int64_t nb) {
    __m256 acc = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 210, x += 256) {
        const float d = loadF16(w + 208);
        for (int s = 0; s < 16; ++s) { // weights e = 16·s … = 128·h + 32·g + l0 + (0..15)
            const int h = s / 8, g = (s % 8) / 2, l0 = 16 * (s % 2);
            const __m128i q =
                q6Codes(w + 64 * h + 32 * (g % 2) + l0, 4 * (g / 2), w + 128 + 32 * h + l0, 2 * g);
            const float dl = d * fl(static_cast<std::int8_t>(w[192 + s]));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(dl), fma16(q, x + 16 * s, _mm256_setzero_ps()), acc);
        }
    }
    return hsum(acc);
}

// ---- AVX-512: 16 float lanes, the same kernels

WS_QAVX512 inline __m512 fma16(__m128i q, const float* x, __m512 acc) {
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q)), _mm512_loadu_ps(x), acc);
}

WS_QAVX512 float dotQ4_0Avx512(const u8* w, const float* x, std::int64_t nb) {
    __m512 acc = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 18, x += 32) {
        const __m128i v = load16(w + 2);
        const __m128i q0 = _mm_sub_epi8(nibbles(v, 0), _mm_set1_epi8(8));
        const __m128i q1 = _mm_sub_epi8(nibbles(v, 4), _mm_set1_epi8(8));
        acc = _mm512_fmadd_ps(_mm512_set1_ps(loadF16(w)),
                              fma16(q1, x + 16, fma16(q0, x, _mm512_setzero_ps())), acc);
    }
    return _mm512_reduce_add_ps(acc);
}

WS_QAVX512 float dotQ8_0Avx512(const u8* w, const float* x, std::int64_t nb) {
    __m512 acc = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 34, x += 32) {
        const __m512 qx = fma16(load16(w + 18), x + 16, fma16(load16(w + 2), x, _mm512_setzero_ps()));
        acc = _mm512_fmadd_ps(_mm512_set1_ps(loadF16(w)), qx, acc);
    }
    return _mm512_reduce_add_ps(acc);
}

WS_QAVX512 float dotQ4_KAvx512(const u8* w, const float* x, std::int64_t nb) {
    __m512 acc = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 144, x += 256) {
        const float d = loadF16(w), dmin = loadF16(w + 2);
        for (int s = 0; s < 8; ++s) {
            int sc, m;
            kScaleMin(w + 4, s, sc, m);
            const u8* qs = w + 16 + 32 * (s / 2);
            const float* xs = x + 32 * s;
            const int shift = 4 * (s % 2);
            const __m512 qx = fma16(nibbles(load16(qs + 16), shift), xs + 16,
                                    fma16(nibbles(load16(qs), shift), xs, _mm512_setzero_ps()));
            const __m512 sx = _mm512_add_ps(_mm512_loadu_ps(xs), _mm512_loadu_ps(xs + 16));
            acc = _mm512_fmadd_ps(_mm512_set1_ps(d * fl(sc)), qx, acc);
            acc = _mm512_fnmadd_ps(_mm512_set1_ps(dmin * fl(m)), sx, acc);
        }
    }
    return _mm512_reduce_add_ps(acc);
}

WS_QAVX512 float dotQ6_KAvx512(const u8* w, const float* x, std::int64_t nb) {
    __m512 acc = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 210, x += 256) {
        const float d = loadF16(w + 208);
        for (int s = 0; s < 16; ++s) {
            const int h = s / 8, g = (s % 8) / 2, l0 = 16 * (s % 2);
            const __m128i q =
                q6Codes(w + 64 * h + 32 * (g % 2) + l0, 4 * (g / 2), w + 128 + 32 * h + l0, 2 * g);
            const float dl = d * fl(static_cast<std::int8_t>(w[192 + s]));
            acc = _mm512_fmadd_ps(_mm512_set1_ps(dl), fma16(q, x + 16 * s, _mm512_setzero_ps()), acc);
        }
    }
    return _mm512_reduce_add_ps(acc);
}

// ---- dequantizeBlocks, SIMD: a decoder (SSE, shared by both levels) turns one block into groups of 16 int8
// codes with one scale (and min) per group; the level's emitter widens them to float and writes
// cvt(q)·dl (− ml). The products and their association are the portable code's: dl and ml are computed by
// the same scalar float expressions, then one vector multiply (and one subtract) per weight, so each lane is
// bit-identical to the portable code (NaN payloads included: the product is kept out of an FMA, which would
// pick between two NaNs by another rule).

struct Groups {
    __m128i q[16]; // the codes of weights 16·k … 16·k + 15
    float dl[16];  // their scale
    float ml[16];  // their min (types with one)
};

// 16 bytes whose bit `bit` of byte i, set, gives byte i the value `v` (0 otherwise).
inline __m128i bitTo(__m128i bytes, int bit, int v) {
    const __m128i m = _mm_set1_epi8(static_cast<char>(1 << bit));
    return _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(bytes, m), m), _mm_set1_epi8(static_cast<char>(v)));
}
// Bit `bit` of 16 bytes, moved to bit 4.
inline __m128i fifthBit(__m128i v, int bit) {
    return _mm_and_si128(_mm_slli_epi16(_mm_srl_epi16(v, _mm_cvtsi32_si128(bit)), 4), _mm_set1_epi8(16));
}
// The 2-bit codes at bit `shift` of 16 bytes.
inline __m128i crumbs(__m128i v, int shift) {
    return _mm_and_si128(_mm_srl_epi16(v, _mm_cvtsi32_si128(shift)), _mm_set1_epi8(3));
}

inline void decQ4_0(const u8* b, Groups& g) {
    const float d = loadF16(b);
    const __m128i v = load16(b + 2);
    g.q[0] = _mm_sub_epi8(nibbles(v, 0), _mm_set1_epi8(8));
    g.q[1] = _mm_sub_epi8(nibbles(v, 4), _mm_set1_epi8(8));
    g.dl[0] = g.dl[1] = d;
}

inline void decQ5_0(const u8* b, Groups& g) {
    const float d = loadF16(b);
    std::uint32_t qh;
    std::memcpy(&qh, b + 2, sizeof qh);
    const __m128i v = load16(b + 6);
    // Bytes 0-7 repeat qh's byte 0 (weights 0-7), bytes 8-15 its byte 1, …: bit j % 8 picks weight j's.
    const auto rep = [](std::uint32_t byte) { return static_cast<long long>(byte * 0x0101010101010101ull); };
    const __m128i bitsel = _mm_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    const __m128i h0 = _mm_set_epi64x(rep((qh >> 8) & 0xFF), rep(qh & 0xFF));
    const __m128i h1 = _mm_set_epi64x(rep(qh >> 24), rep((qh >> 16) & 0xFF));
    const auto hi = [&](__m128i h) {
        return _mm_and_si128(_mm_cmpeq_epi8(_mm_and_si128(h, bitsel), bitsel), _mm_set1_epi8(16));
    };
    g.q[0] = _mm_sub_epi8(_mm_or_si128(nibbles(v, 0), hi(h0)), _mm_set1_epi8(16));
    g.q[1] = _mm_sub_epi8(_mm_or_si128(nibbles(v, 4), hi(h1)), _mm_set1_epi8(16));
    g.dl[0] = g.dl[1] = d;
}

inline void decQ8_0(const u8* b, Groups& g) {
    g.dl[0] = g.dl[1] = loadF16(b);
    g.q[0] = load16(b + 2);
    g.q[1] = load16(b + 18);
}

inline void decQ2_K(const u8* b, Groups& g) {
    const u8* qs = b + 16;
    const float d = loadF16(b + 80), dmin = loadF16(b + 82);
#pragma GCC unroll 16
    for (int s = 0; s < 16; ++s) { // weights 16·s … = 128·h + 32·k + l0 + (0..15)
        const int h = s / 8, k = (s % 8) / 2, l0 = 16 * (s % 2);
        g.dl[s] = d * fl(b[s] & 0xF);
        g.ml[s] = dmin * fl(b[s] >> 4);
        g.q[s] = crumbs(load16(qs + 32 * h + l0), 2 * k);
    }
}

inline void decQ3_K(const u8* b, Groups& g) {
    const u8* hmask = b;
    const u8* qs = b + 32;
    const u8* scales = b + 96;
    const float d = loadF16(b + 108);
#pragma GCC unroll 16
    for (int s = 0; s < 16; ++s) {
        const int lo = s < 8 ? scales[s] & 0xF : scales[s - 8] >> 4;
        const int hi = (scales[8 + s % 4] >> (2 * (s / 4))) & 3;
        g.dl[s] = d * fl((lo | hi << 4) - 32);
        const int h = s / 8, k = (s % 8) / 2, l0 = 16 * (s % 2);
        // q − (hbit ? 0 : 4) = q + 4·hbit − 4, hbit = bit e/32 = 4·h + k of hmask[l]
        const __m128i q =
            _mm_add_epi8(crumbs(load16(qs + 32 * h + l0), 2 * k), bitTo(load16(hmask + l0), 4 * h + k, 4));
        g.q[s] = _mm_sub_epi8(q, _mm_set1_epi8(4));
    }
}

inline void decQ4_K(const u8* b, Groups& g) {
    const float d = loadF16(b), dmin = loadF16(b + 2);
#pragma GCC unroll 8
    for (int s = 0; s < 8; ++s) {
        int sc, m;
        kScaleMin(b + 4, s, sc, m);
        g.dl[2 * s] = g.dl[2 * s + 1] = d * fl(sc);
        g.ml[2 * s] = g.ml[2 * s + 1] = dmin * fl(m);
        const u8* qs = b + 16 + 32 * (s / 2);
        g.q[2 * s] = nibbles(load16(qs), 4 * (s % 2));
        g.q[2 * s + 1] = nibbles(load16(qs + 16), 4 * (s % 2));
    }
}

inline void decQ5_K(const u8* b, Groups& g) {
    const float d = loadF16(b), dmin = loadF16(b + 2);
    const __m128i qh0 = load16(b + 16), qh1 = load16(b + 32);
#pragma GCC unroll 8
    for (int s = 0; s < 8; ++s) {
        int sc, m;
        kScaleMin(b + 4, s, sc, m);
        g.dl[2 * s] = g.dl[2 * s + 1] = d * fl(sc);
        g.ml[2 * s] = g.ml[2 * s + 1] = dmin * fl(m);
        const u8* qs = b + 48 + 32 * (s / 2);
        g.q[2 * s] = _mm_or_si128(nibbles(load16(qs), 4 * (s % 2)), fifthBit(qh0, s));
        g.q[2 * s + 1] = _mm_or_si128(nibbles(load16(qs + 16), 4 * (s % 2)), fifthBit(qh1, s));
    }
}

inline void decQ6_K(const u8* b, Groups& g) {
    const float d = loadF16(b + 208);
#pragma GCC unroll 16
    for (int s = 0; s < 16; ++s) {
        const int h = s / 8, k = (s % 8) / 2, l0 = 16 * (s % 2);
        g.q[s] = q6Codes(b + 64 * h + 32 * (k % 2) + l0, 4 * (k / 2), b + 128 + 32 * h + l0, 2 * k);
        g.dl[s] = d * fl(static_cast<std::int8_t>(b[192 + s])); // then ·q: the portable (d·sc)·q
    }
}

// kIq4Values[q] for 16 codes (pshufb is SSSE3, in both levels).
__attribute__((target("ssse3"))) inline __m128i iq4Lookup(__m128i q) {
    return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Values)), q);
}

__attribute__((target("ssse3"))) inline void decIQ4_XS(const u8* b, Groups& g) {
    const float d = loadF16(b);
    std::uint16_t scalesH;
    std::memcpy(&scalesH, b + 2, sizeof scalesH);
#pragma GCC unroll 8
    for (int s = 0; s < 8; ++s) {
        const int ls = ((b[4 + s / 2] >> (4 * (s % 2))) & 0xF) | ((scalesH >> (2 * s)) & 3) << 4;
        g.dl[2 * s] = g.dl[2 * s + 1] = d * fl(ls - 32);
        const __m128i v = load16(b + 8 + 16 * s);
        g.q[2 * s] = iq4Lookup(nibbles(v, 0));
        g.q[2 * s + 1] = iq4Lookup(nibbles(v, 4));
    }
}

__attribute__((target("ssse3"))) inline void decIQ4_NL(const u8* b, Groups& g) {
    g.dl[0] = g.dl[1] = loadF16(b);
    const __m128i v = load16(b + 2);
    g.q[0] = iq4Lookup(nibbles(v, 0));
    g.q[1] = iq4Lookup(nibbles(v, 4));
}

using Decoder = void (*)(const u8*, Groups&);

// y[16·k …] = cvt(q)·dl (− ml) for each group k of each block.
template <Decoder kDec, int kBytes, int kGroups, bool kMin>
WS_QAVX2 void dequantAvx2(const u8* b, float* y, std::int64_t nb) {
    for (std::int64_t i = 0; i < nb; ++i, b += kBytes, y += 16 * kGroups) {
        Groups g;
        kDec(b, g);
#pragma GCC unroll 16
        for (int k = 0; k < kGroups; ++k) {
            const __m256 dl = _mm256_set1_ps(g.dl[k]);
            __m256 lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(g.q[k])), dl);
            const __m128i qhi = _mm_unpackhi_epi64(g.q[k], g.q[k]);
            __m256 hi = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(qhi)), dl);
            if constexpr (kMin) {
                __asm__("" : "+x"(lo), "+x"(hi)); // the product stays a product: no FMA
                lo = _mm256_sub_ps(lo, _mm256_set1_ps(g.ml[k]));
                hi = _mm256_sub_ps(hi, _mm256_set1_ps(g.ml[k]));
            }
            _mm256_storeu_ps(y + 16 * k, lo);
            _mm256_storeu_ps(y + 16 * k + 8, hi);
        }
    }
}

template <Decoder kDec, int kBytes, int kGroups, bool kMin>
WS_QAVX512 void dequantAvx512(const u8* b, float* y, std::int64_t nb) {
    for (std::int64_t i = 0; i < nb; ++i, b += kBytes, y += 16 * kGroups) {
        Groups g;
        kDec(b, g);
#pragma GCC unroll 16
        for (int k = 0; k < kGroups; ++k) {
            const __m512 q = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(g.q[k]));
            __m512 v = _mm512_mul_ps(q, _mm512_set1_ps(g.dl[k]));
            if constexpr (kMin) {
                __asm__("" : "+v"(v));
                v = _mm512_sub_ps(v, _mm512_set1_ps(g.ml[k]));
            }
            _mm512_storeu_ps(y + 16 * k, v);
        }
    }
}

// Σ a·b over n floats (n a multiple of 16), for the types without a fused dot: their blocks are dequantised by
// the SIMD dequantiser a few at a time, then dotted.
WS_QAVX2 float dotF32Avx2(const float* a, const float* b, std::int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    return hsum(_mm256_add_ps(s0, s1));
}
WS_QAVX512 float dotF32Avx512(const float* a, const float* b, std::int64_t n) {
    __m512 s = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < n; i += 16) s = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s);
    return _mm512_reduce_add_ps(s);
}

#endif // __x86_64__

using DotFn = float (*)(const u8*, const float*, std::int64_t);

// The SIMD kernel for (level, type), or nullptr where the portable path serves.
DotFn simdDot(QuantIsa isa, DType t) {
#if defined(__x86_64__)
    const bool v512 = isa == QuantIsa::Avx512;
    if (isa == QuantIsa::Portable)
        return nullptr;
    switch (t) {
    case DType::Q4_0:
        return v512 ? dotQ4_0Avx512 : dotQ4_0Avx2;
    case DType::Q8_0:
        return v512 ? dotQ8_0Avx512 : dotQ8_0Avx2;
    case DType::Q4_K:
        return v512 ? dotQ4_KAvx512 : dotQ4_KAvx2;
    case DType::Q6_K:
        return v512 ? dotQ6_KAvx512 : dotQ6_KAvx2;
    default:
        return nullptr;
    }
#else
    (void)isa;
    (void)t;
    return nullptr;
#endif
}

using DequantFn = void (*)(const u8*, float*, std::int64_t);

// The SIMD dequantiser for (level, type), or nullptr where the portable code serves.
DequantFn simdDequant(QuantIsa isa, DType t) {
#if defined(__x86_64__)
    if (isa == QuantIsa::Portable)
        return nullptr;
    const bool v512 = isa == QuantIsa::Avx512;
#define WS_DEQ(dec, bytes, groups, withMin)                                                                  \
    return v512 ? dequantAvx512<dec, bytes, groups, withMin> : dequantAvx2<dec, bytes, groups, withMin>
    switch (t) {
    case DType::Q4_0:
        WS_DEQ(decQ4_0, 18, 2, false);
    case DType::Q5_0:
        WS_DEQ(decQ5_0, 22, 2, false);
    case DType::Q8_0:
        WS_DEQ(decQ8_0, 34, 2, false);
    case DType::Q2_K:
        WS_DEQ(decQ2_K, 84, 16, true);
    case DType::Q3_K:
        WS_DEQ(decQ3_K, 110, 16, false);
    case DType::Q4_K:
        WS_DEQ(decQ4_K, 144, 16, true);
    case DType::Q5_K:
        WS_DEQ(decQ5_K, 176, 16, true);
    case DType::Q6_K:
        WS_DEQ(decQ6_K, 210, 16, false);
    case DType::IQ4_XS:
        WS_DEQ(decIQ4_XS, 136, 16, false);
    case DType::IQ4_NL:
        WS_DEQ(decIQ4_NL, 18, 2, false);
    default:
        return nullptr;
    }
#undef WS_DEQ
#else
    (void)isa;
    (void)t;
    return nullptr;
#endif
}

bool envSet(const char* name) {
    const char* e = std::getenv(name);
    return e && *e && *e != '0';
}

// Chosen once, as cpu/matmul.cpp does (and honouring its WS_NO_AVX512 / WS_NO_AVX2).
QuantIsa detectIsa() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!envSet("WS_NO_AVX512") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("fma"))
        return QuantIsa::Avx512;
    if (!envSet("WS_NO_AVX2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return QuantIsa::Avx2;
#endif
    return QuantIsa::Portable;
}

const QuantIsa s_bestIsa = detectIsa();

} // namespace

void dequantizeBlocksWith(QuantIsa isa, DType t, const void* src, float* dst, std::int64_t nblocks) {
    if (isa > s_bestIsa)
        isa = s_bestIsa;
    if (const DequantFn fn = simdDequant(isa, t))
        return fn(static_cast<const u8*>(src), dst, nblocks);
    dequantPortable(t, src, dst, nblocks);
}

void dequantizeBlocks(DType t, const void* src, float* dst, std::int64_t nblocks) {
    dequantizeBlocksWith(s_bestIsa, t, src, dst, nblocks);
}

QuantIsa quantIsaBest() { return s_bestIsa; }

float dotBlocksWith(QuantIsa isa, DType t, const void* w, const float* x, std::int64_t nblocks) {
    if (isa > s_bestIsa)
        isa = s_bestIsa;
    const u8* p = static_cast<const u8*>(w);
    if (const DotFn fn = simdDot(isa, t))
        return fn(p, x, nblocks);
#if defined(__x86_64__)
    if (const DequantFn dq = simdDequant(isa, t)) { // no fused kernel: dequantise 1,024 weights at a time
        const BlockLayout bl = dtypeBlock(t);
        const std::int64_t chunk = std::max<std::int64_t>(1, 1024 / bl.elems);
        float buf[1024];
        float sum = 0.0f;
        for (std::int64_t i = 0; i < nblocks; i += chunk) {
            const std::int64_t k = std::min(chunk, nblocks - i);
            dq(p + i * bl.bytes, buf, k);
            sum += isa == QuantIsa::Avx512 ? dotF32Avx512(buf, x + i * bl.elems, k * bl.elems)
                                           : dotF32Avx2(buf, x + i * bl.elems, k * bl.elems);
        }
        return sum;
    }
#endif
    return dotPortable(t, p, x, nblocks);
}

float dotBlocks(DType t, const void* w, const float* x, std::int64_t nblocks) {
    return dotBlocksWith(s_bestIsa, t, w, x, nblocks);
}

} // namespace ws
