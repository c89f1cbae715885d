// Int8 dot products of block-quantised weights against activations held as int8 codes plus int8 residual codes
// (Int8Activations, quant.h), on AVX-512 VNNI: vpdpbusd multiplies 64 unsigned weight codes by 64 signed
// activation codes and sums each 4 into an int32 lane, exactly; run on the codes and on the residuals, the two sums
// combine as 256·Σw·q + Σw·r, and the float scales (weight sub-block × activation block) are applied per lane
// afterwards. Codes that are signed or carry an offset (Q8_0's int8, Q6_K's q − 32) enter as unsigned q + K, and
// the dot takes K·Σx off per block (or per 16) from the activations' precomputed sums, as it adds the minimums of
// the types that have them. Layouts: ggml/src/ggml-common.h (see quant.cpp).
#include "model/quant.h"

#include "model/int16_codes.h"
#include "model/int8_codes.h"
#include "model/quant_int8_avx2.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace ws {

namespace {

using u8 = std::uint8_t;

// Blocks [b0, b1) of x into a (its arrays sized, the padding zero).
void quantiseBlocksPortable(const float* x, std::int64_t b0, std::int64_t b1, Int8Activations& a) {
    auto& q = a.q;
    auto& r = a.r;
    auto& sum4 = a.sum4;
    for (std::int64_t b = b0; b < b1; ++b) {
        const float* xb = x + 32 * b;
        float amax = 0.0f;
        for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(xb[i]));
        const float d = amax / 127.0f, inv = d > 0.0f ? 1.0f / d : 0.0f;
        std::int32_t half[2] = {0, 0};
        for (int i = 0; i < 32; ++i) {
            const auto k = static_cast<std::size_t>(32 * b + i);
            const float t = xb[i] * inv;
            const int hi = std::clamp(static_cast<int>(std::lrintf(t)), -127, 127);
            const int lo = std::clamp(static_cast<int>(std::lrintf((t - static_cast<float>(hi)) * 256.0f)), -127, 127);
            q[k] = static_cast<std::int8_t>(hi);
            r[k] = static_cast<std::int8_t>(lo);
            const int c = 256 * hi + lo;
            half[i / 16] += c;
            sum4[k / 4] += c;
        }
        const auto at = static_cast<std::size_t>(b);
        a.unit[at] = d / 256.0f;
        a.dsum[at] = d / 256.0f * static_cast<float>(half[0] + half[1]);
        a.dsum16[2 * at] = d / 256.0f * static_cast<float>(half[0]);
        a.dsum16[2 * at + 1] = d / 256.0f * static_cast<float>(half[1]);
    }
}

#if defined(__x86_64__)
using int8codes::f16;
using int8codes::q4q5Codes;

// Lane i of a 64-weight vector → sub-block index: lanes 0-7 `a`, 8-15 `b` (32-weight sub-blocks).
WS_VNNI inline __m512i pairIndex(int a, int b) {
    return _mm512_inserti64x4(_mm512_set1_epi32(a), _mm256_set1_epi32(b), 1);
}

// Lane sums Σ u·c over 4 weights each, c = 256·q + r the activations from q, r: 256·(u·q) + u·r, exact in int32
// (|256·u·q| ≤ 4·255·127·256 < 2^25).
WS_VNNI inline __m512i dot2(__m512i u, const std::int8_t* q, const std::int8_t* r) {
    const __m512i hi = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, _mm512_loadu_si512(q));
    return _mm512_dpbusd_epi32(_mm512_slli_epi32(hi, 8), u, _mm512_loadu_si512(r));
}
WS_VNNI inline __m512i dot2(__m512i u, const Int8Activations& a, std::int64_t at) { return dot2(u, a.q.data() + at, a.r.data() + at); }

// The 32-weight block types (int8_codes.h), two blocks per vector, four per step: Q8_0 (q + 128), Q4_0 / Q5_0
// (u, offset 8 or 16), IQ4_NL (v + 128), all w = d·(u − K); Q4_1 / Q5_1 w = d·u + m. The integer sums Σu·c are
// scaled per block; the offsets and minimums go against the blocks' Σx (dsum = unit·Σc) apart, four blocks to a
// vector: −K·Σ d·dsum, or Σ m·dsum.
template <DType D>
WS_VNNI inline __m512i block32Codes(const u8* b0, const u8* b1) {
    if constexpr (D == DType::Q8_0) {
        const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2));
        const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b1 + 2));
        return _mm512_xor_si512(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1), _mm512_set1_epi8(static_cast<char>(0x80)));
    } else if constexpr (D == DType::IQ4_NL) {
        return int8codes::iq4Codes(b0 + 2, b1 + 2);
    } else {
        return q4q5Codes<D == DType::Q5_0 || D == DType::Q5_1, D == DType::Q4_1 || D == DType::Q5_1>(b0, b1);
    }
}

WS_VNNI inline std::uint16_t halfBits(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return h;
}

// The f16 at offset `at` of 4 blocks kBytes apart, as floats.
template <int kBytes>
WS_VNNI inline __m128 f16x4(const u8* w, int at) {
    return _mm_cvtph_ps(_mm_setr_epi16(static_cast<short>(halfBits(w + at)), static_cast<short>(halfBits(w + kBytes + at)),
                                       static_cast<short>(halfBits(w + 2 * kBytes + at)),
                                       static_cast<short>(halfBits(w + 3 * kBytes + at)), 0, 0, 0, 0));
}

template <DType D>
WS_VNNI float dotBlocks32(const void* row, const Int8Activations& a, std::int64_t nb) {
    constexpr bool kMin = D == DType::Q4_1 || D == DType::Q5_1;
    constexpr int kBytes = D == DType::Q8_0 ? 34 : D == DType::Q5_0 ? 22 : D == DType::Q4_1 ? 20 : D == DType::Q5_1 ? 24 : 18;
    constexpr float kOff = D == DType::Q8_0 || D == DType::IQ4_NL ? 128.0f : D == DType::Q5_0 ? 16.0f : D == DType::Q4_0 ? 8.0f : 0.0f;
    const auto* w = static_cast<const u8*>(row);
    const __m512i pair01 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m512i pair23 = _mm512_add_epi32(pair01, _mm512_set1_epi32(2));
    __m512 acc = _mm512_setzero_ps();
    __m128 off = _mm_setzero_ps(); // Σ d·dsum (times −K at the end), or Σ m·dsum
    std::int64_t i = 0;
    for (; i + 4 <= nb; i += 4, w += 4 * kBytes) {
        const __m128 d = f16x4<kBytes>(w, 0);
        const __m512 sc = _mm512_castps128_ps512(_mm_mul_ps(d, _mm_loadu_ps(a.unit.data() + i)));
        const __m512i dp0 = dot2(block32Codes<D>(w, w + kBytes), a, 32 * i);
        const __m512i dp1 = dot2(block32Codes<D>(w + 2 * kBytes, w + 3 * kBytes), a, 32 * i + 64);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp0), _mm512_permutexvar_ps(pair01, sc), acc);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp1), _mm512_permutexvar_ps(pair23, sc), acc);
        off = _mm_fmadd_ps(kMin ? f16x4<kBytes>(w, 2) : d, _mm_loadu_ps(a.dsum.data() + i), off);
    }
    float rest = 0.0f;
    for (; i < nb; i += 2, w += 2 * kBytes) { // the last 1-3 blocks; a lone one paired with itself, its copy unscaled
        const bool pair = i + 1 < nb;
        const u8* w1 = pair ? w + kBytes : w;
        const float s0 = f16(w) * a.unit[static_cast<std::size_t>(i)];
        const float s1 = pair ? f16(w1) * a.unit[static_cast<std::size_t>(i + 1)] : 0.0f;
        const __m512 sc = _mm512_insertf32x8(_mm512_set1_ps(s0), _mm256_set1_ps(s1), 1);
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot2(block32Codes<D>(w, w1), a, 32 * i)), sc, acc); // lanes 8-15 of a lone block: q, r padding
        for (int k = 0; k < (pair ? 2 : 1); ++k)
            rest += (kMin ? f16(w + k * kBytes + 2) : f16(w + k * kBytes)) * a.dsum[static_cast<std::size_t>(i + k)];
    }
    off = _mm_add_ps(off, _mm_movehl_ps(off, off));
    off = _mm_add_ss(off, _mm_movehdup_ps(off));
    const float offsets = _mm_cvtss_f32(off) + rest;
    return _mm512_reduce_add_ps(acc) + (kMin ? offsets : -kOff * offsets);
}

// Q4_K / Q5_K (int8_codes.h): w = d·sc·q − dmin·m per 32, the minimums summed apart. A block's 8 scales and 8
// minimums are decoded and scaled in one vector, [d·sc·unit | dmin·m·Σx] per 32; the codes come a 64-byte line at
// a time (their sub-blocks paired 0 | 2, 1 | 3, …, against Int8Activations::qPaired); the products go to two
// accumulators in turn, so that no chain of dependent multiply-adds paces the loop.
template <bool kQ5>
WS_VNNI float dotQ4_KQ5_K(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    using int8codes::pairedGroup;
    const __m512i idx[4] = {pairIndex(pairedGroup(0), pairedGroup(0) + 2), pairIndex(pairedGroup(1), pairedGroup(1) + 2),
                            pairIndex(pairedGroup(2), pairedGroup(2) + 2), pairIndex(pairedGroup(3), pairedGroup(3) + 2)};
    const __m512i dHalves = pairIndex(0, 1); // d to the scales' lanes, dmin to the minimums'
    __m512 acc[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()}, mins = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += kQ5 ? 176 : 144) {
        std::uint32_t dm;
        std::memcpy(&dm, w, sizeof dm);
        const __m512 dd = _mm512_permutexvar_ps(dHalves, _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dm)))));
        const __m512 x = _mm512_insertf32x8(_mm512_castps256_ps512(_mm256_loadu_ps(a.unit.data() + 8 * i)),
                                            _mm256_loadu_ps(a.dsum.data() + 8 * i), 1);
        const __m512 sm = _mm512_mul_ps(_mm512_cvtepi32_ps(int8codes::kScalesMins16(w + 4)), dd);
        const __m512 scale = _mm512_mul_ps(sm, x);
        mins = _mm512_fmadd_ps(sm, x, mins); // lanes 8-15 only are read
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            const std::int64_t at = 256 * i + 64 * j;
            const __m512i dp = dot2(kQ5 ? int8codes::q5kPairedCodes(w, j) : int8codes::q4kPairedCodes(w, j),
                                    a.qPaired.data() + at, a.rPaired.data() + at);
            acc[j % 2] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), _mm512_permutexvar_ps(idx[j], scale), acc[j % 2]);
        }
    }
    return _mm512_reduce_add_ps(_mm512_sub_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_maskz_mov_ps(0xFF00, mins))); // one reduction
}

// IQ4_XS (int8_codes.h): w = d·(ls − 32)·v per 32, v + 128 the codes; the 128 against the groups' Σx apart.
WS_VNNI float dotIQ4_XS(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    const __m512i idx[4] = {pairIndex(0, 1), pairIndex(2, 3), pairIndex(4, 5), pairIndex(6, 7)};
    __m512 acc = _mm512_setzero_ps();
    __m256 off = _mm256_setzero_ps(); // Σ d·(ls − 32)·dsum, times −128 at the end
    for (std::int64_t i = 0; i < nb; ++i, w += 136) {
        const __m256 ds = _mm256_mul_ps(int16codes::iq4xsScales(w), _mm256_set1_ps(f16(w)));
        const __m512 scale = _mm512_castps256_ps512(_mm256_mul_ps(ds, _mm256_loadu_ps(a.unit.data() + 8 * i)));
        off = _mm256_fmadd_ps(ds, _mm256_loadu_ps(a.dsum.data() + 8 * i), off);
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            const __m512i dp = dot2(int8codes::iq4Codes(w + 8 + 32 * j, w + 24 + 32 * j), a, 256 * i + 64 * j);
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), _mm512_permutexvar_ps(idx[j], scale), acc);
        }
    }
    return _mm512_reduce_add_ps(_mm512_fmadd_ps(_mm512_castps256_ps512(off), _mm512_set1_ps(-128.0f), acc));
}

// The lanes of a 64-weight vector k < 4 → their sub-block of 16 (4k + lane / 4), for the K-quants with a scale per
// 16 (Q2_K, Q3_K, Q6_K).
struct Per16Index {
    __m512i dup, lane[4];
    WS_VNNI Per16Index() {
        dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
        for (int k = 0; k < 4; ++k)
            lane[k] = _mm512_setr_epi32(4 * k, 4 * k, 4 * k, 4 * k, 4 * k + 1, 4 * k + 1, 4 * k + 1, 4 * k + 1, 4 * k + 2,
                                        4 * k + 2, 4 * k + 2, 4 * k + 2, 4 * k + 3, 4 * k + 3, 4 * k + 3, 4 * k + 3);
    }
};

// Q2_K (int8_codes.h): w = d·sc·u − dmin·m per 16; the minimums against the activations' Σx per 16 (dsum16, which
// this level's quantiser fills).
WS_VNNI float dotQ2_K(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    const Per16Index ix;
    const __m512i nib = _mm512_set1_epi32(0x0F);
    __m512 acc = _mm512_setzero_ps(), mins = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 84) {
        const __m512i sb = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w)));
        const __m512 xd = _mm512_permutexvar_ps(ix.dup, _mm512_castps256_ps512(_mm256_loadu_ps(a.unit.data() + 8 * i)));
        const __m512 scale = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_and_si512(sb, nib)), _mm512_set1_ps(f16(w + 80))), xd);
        mins = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(sb, 4)), _mm512_set1_ps(f16(w + 82))),
                               _mm512_loadu_ps(a.dsum16.data() + 16 * i), mins);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m512i dp = dot2(int8codes::q2kCodes(w, k), a, 256 * i + 64 * k);
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), _mm512_permutexvar_ps(ix.lane[k], scale), acc);
        }
    }
    return _mm512_reduce_add_ps(_mm512_sub_ps(acc, mins));
}

// Q3_K and Q6_K (int8_codes.h): w = ds·(u − K) with a scale ds per 16 weights (Q3_K: d·(sc − 32), K = 4; Q6_K: d·sc,
// K = 32); the offsets against the activations' Σx per 16 apart (−K·Σ ds·dsum16).
template <DType D>
WS_VNNI float dotOffset16(const void* row, const Int8Activations& a, std::int64_t nb) {
    constexpr bool kQ3 = D == DType::Q3_K;
    constexpr int kBytes = kQ3 ? 110 : 210;
    const auto* w = static_cast<const u8*>(row);
    const Per16Index ix;
    __m512 acc = _mm512_setzero_ps(), off = _mm512_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += kBytes) {
        __m512 ds;
        if constexpr (kQ3) {
            std::uint64_t s0, s1;
            int16codes::q3kScales(w, &s0, &s1);
            const __m512i sb = _mm512_cvtepu8_epi32(_mm_set_epi64x(static_cast<long long>(s1), static_cast<long long>(s0)));
            ds = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(sb, _mm512_set1_epi32(32))), _mm512_set1_ps(f16(w + 108)));
        } else {
            const __m512i sb = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 192)));
            ds = _mm512_mul_ps(_mm512_cvtepi32_ps(sb), _mm512_set1_ps(f16(w + 208)));
        }
        const __m512 xd = _mm512_permutexvar_ps(ix.dup, _mm512_castps256_ps512(_mm256_loadu_ps(a.unit.data() + 8 * i)));
        const __m512 scale = _mm512_mul_ps(ds, xd);
        off = _mm512_fmadd_ps(ds, _mm512_loadu_ps(a.dsum16.data() + 16 * i), off);
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) {
            const __m512i dp = dot2(kQ3 ? int8codes::q3kCodes(w, k) : int8codes::q6kCodes(w, k), a, 256 * i + 64 * k);
            acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), _mm512_permutexvar_ps(ix.lane[k], scale), acc);
        }
    }
    return _mm512_reduce_add_ps(_mm512_fmadd_ps(off, _mm512_set1_ps(kQ3 ? -4.0f : -32.0f), acc));
}

// The same per block of 32, 16 lanes at a time (cvtps rounds to nearest-even as lrintf does); Σc per 4 by
// vpdpbusd against ones.
WS_VNNI void quantiseBlocksVnni(const float* x, std::int64_t blocks, Int8Activations& a) {
    const __m512 lim = _mm512_set1_ps(127.0f), nlim = _mm512_set1_ps(-127.0f);
    const __m512i ones = _mm512_set1_epi8(1);
    for (std::int64_t b = 0; b < blocks; ++b) {
        const __m512 x0 = _mm512_loadu_ps(x + 32 * b), x1 = _mm512_loadu_ps(x + 32 * b + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(x0), _mm512_abs_ps(x1)));
        const float d = amax / 127.0f, inv = d > 0.0f ? 1.0f / d : 0.0f;
        const __m512 vi = _mm512_set1_ps(inv), k256 = _mm512_set1_ps(256.0f);
        const __m512 t0 = _mm512_mul_ps(x0, vi), t1 = _mm512_mul_ps(x1, vi);
        const __m512i h0 = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(t0, nlim), lim));
        const __m512i h1 = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(t1, nlim), lim));
        const __m512 e0 = _mm512_mul_ps(_mm512_sub_ps(t0, _mm512_cvtepi32_ps(h0)), k256);
        const __m512 e1 = _mm512_mul_ps(_mm512_sub_ps(t1, _mm512_cvtepi32_ps(h1)), k256);
        const __m512i l0 = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(e0, nlim), lim));
        const __m512i l1 = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(e1, nlim), lim));
        const __m256i qb = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm512_cvtepi32_epi8(h0)), _mm512_cvtepi32_epi8(h1), 1);
        const __m256i rb = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm512_cvtepi32_epi8(l0)), _mm512_cvtepi32_epi8(l1), 1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.q.data() + 32 * b), qb);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.r.data() + 32 * b), rb);
        const __m256i onesY = _mm512_castsi512_si256(ones);
        const __m256i s4 = _mm256_add_epi32(_mm256_slli_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), onesY, qb), 8),
                                            _mm256_dpbusd_epi32(_mm256_setzero_si256(), onesY, rb));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.sum4.data() + 8 * b), s4);
        const __m256i s2 = _mm256_add_epi32(s4, _mm256_shuffle_epi32(s4, 0x4E));
        const __m256i s1 = _mm256_add_epi32(s2, _mm256_shuffle_epi32(s2, 0xB1));
        const int half0 = _mm256_extract_epi32(s1, 0), half1 = _mm256_extract_epi32(s1, 4);
        const auto at = static_cast<std::size_t>(b);
        a.unit[at] = d / 256.0f;
        a.dsum[at] = d / 256.0f * static_cast<float>(half0 + half1);
        a.dsum16[2 * at] = d / 256.0f * static_cast<float>(half0); // as the AVX2 quantiser's, bit for bit
        a.dsum16[2 * at + 1] = d / 256.0f * static_cast<float>(half1);
    }
}

bool detectVnni() {
    __builtin_cpu_init();
    const char* off = std::getenv("WS_NO_AVX512");
    if (off && *off && *off != '0') return false;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("f16c") && __builtin_cpu_supports("fma");
}
const bool kVnni = detectVnni();
#else
constexpr bool kVnni = false;
#endif

} // namespace

QuantIsa int8Isa() {
    static const QuantIsa best = kVnni ? QuantIsa::Avx512 : int8avx2::supported() ? QuantIsa::Avx2 : QuantIsa::Portable;
    return best;
}

void Int8Activations::assign(const float* x, std::int64_t count) { assignWith(int8Isa(), x, count); }

void Int8Activations::assignWith(QuantIsa isa, const float* x, std::int64_t count) {
    quantiseWith(isa, x, count);
    // Only the VNNI dots read the paired order: filled wherever they can run (whatever level quantised x).
    const std::int64_t whole = int8Isa() == QuantIsa::Avx512 ? count / 256 * 256 : 0;
    qPaired.resize(static_cast<std::size_t>(whole));
    rPaired.resize(static_cast<std::size_t>(whole));
    constexpr int kOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};
    for (std::int64_t at = 0; at < whole; at += 256)
        for (int g = 0; g < 8; ++g) {
            std::memcpy(qPaired.data() + at + 32 * g, q.data() + at + 32 * kOrder[g], 32);
            std::memcpy(rPaired.data() + at + 32 * g, r.data() + at + 32 * kOrder[g], 32);
        }
}

void Int8Activations::quantiseWith(QuantIsa isa, const float* x, std::int64_t count) {
    isa = std::min(isa, int8Isa());
    n = count;
    const std::int64_t blocks = count / 32, padded = (count + 63) / 64 * 64;
    q.assign(static_cast<std::size_t>(padded), 0);
    r.assign(static_cast<std::size_t>(padded), 0);
    unit.resize(static_cast<std::size_t>(blocks));
    dsum.resize(static_cast<std::size_t>(blocks));
    sum4.assign(static_cast<std::size_t>(padded / 4), 0);
    if (isa == QuantIsa::Avx2) {
        c.resize(static_cast<std::size_t>(padded));
        dsum16.resize(static_cast<std::size_t>(2 * blocks));
        return int8avx2::quantise(x, blocks, *this); // c included
    }
    c.clear(); // only the AVX2 dots read them (dotBlocksInt8With checks)
    dsum16.resize(static_cast<std::size_t>(2 * blocks));
#if defined(__x86_64__)
    if (isa == QuantIsa::Avx512) {
        quantiseBlocksVnni(x, blocks, *this);
    } else
#endif
        quantiseBlocksPortable(x, 0, blocks, *this);
}

bool hasInt8Dot(DType t) { return int8DotKernel(t) != nullptr; } // every block type, on either SIMD level

float dotBlocksInt8(DType t, const void* w, const Int8Activations& x, std::int64_t nblocks) {
    return dotBlocksInt8With(int8Isa(), t, w, x, nblocks);
}

float dotBlocksInt8With(QuantIsa isa, DType t, const void* w, const Int8Activations& x, std::int64_t nblocks) {
    const QuantIsa level = std::min(isa, int8Isa());
    if (level == QuantIsa::Avx2 && x.c.size() < static_cast<std::size_t>(nblocks * dtypeBlock(t).elems))
        throw std::invalid_argument("dotBlocksInt8With: the AVX2 dots read the 16-bit codes, which activations "
                                    "quantised on the portable level lack");
    const Int8DotKernel k = int8DotKernel(t, isa);
    return k ? k(w, x, nblocks) : std::numeric_limits<float>::quiet_NaN();
}

Int8RowsKernel int8RowsKernel(DType t) { return int8Isa() == QuantIsa::Avx2 ? int8avx2::rowsKernel(t) : nullptr; }

Int8DotKernel int8DotKernel(DType t, QuantIsa isa) {
    isa = std::min(isa, int8Isa());
    if (isa == QuantIsa::Avx2) return int8avx2::kernel(t);
#if defined(__x86_64__)
    if (isa == QuantIsa::Avx512) {
        switch (t) {
        case DType::Q8_0: return dotBlocks32<DType::Q8_0>;
        case DType::Q4_K: return dotQ4_KQ5_K<false>;
        case DType::Q5_K: return dotQ4_KQ5_K<true>;
        case DType::IQ4_XS: return dotIQ4_XS;
        case DType::IQ4_NL: return dotBlocks32<DType::IQ4_NL>;
        case DType::Q4_1: return dotBlocks32<DType::Q4_1>;
        case DType::Q5_1: return dotBlocks32<DType::Q5_1>;
        case DType::Q6_K: return dotOffset16<DType::Q6_K>;
        case DType::Q4_0: return dotBlocks32<DType::Q4_0>;
        case DType::Q5_0: return dotBlocks32<DType::Q5_0>;
        case DType::Q2_K: return dotQ2_K;
        case DType::Q3_K: return dotOffset16<DType::Q3_K>;
        default: return nullptr;
        }
    }
#else
    (void)t;
#endif
    return nullptr;
}

} // namespace ws
