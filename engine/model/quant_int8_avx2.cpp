// dotBlocksInt8 and the activations' quantiser on AVX2 (quant_int8_avx2.h). The structure follows the AVX-512
// VNNI kernels of quant_int8.cpp, 32 weights per vector: the codes' products, exact in int32 per 4 weights, as
// 256·Σu·q + Σu·r; the weights' offsets off per lane as K·Σc (Int8Activations::sum4); the float scales (weight
// sub-block × activation block) applied per lane. Q8_0's codes are signed: |w| against the activations with w's
// sign (vpsignb), so no offset and no saturation. Layouts: ggml/src/ggml-common.h (see quant.cpp).
#include "model/quant_int8_avx2.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "model/int8_codes.h"

namespace ws::int8avx2 {

#if defined(__x86_64__)
namespace {

#define WS_I8AVX2 __attribute__((target("avx2,fma,f16c")))

using u8 = std::uint8_t;

WS_I8AVX2 inline float f16(const u8* p) {
    std::uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return _cvtsh_ss(h);
}
WS_I8AVX2 inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
WS_I8AVX2 inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
WS_I8AVX2 inline __m256 bytesToFloat8(std::uint64_t v) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(v))));
}

// 8 lanes of Σ u·c over 4 weights each, c = 256·q + r the activations from `at`, u unsigned codes below 64 (pair
// sums ≤ 2·63·127: no saturation in vpmaddubsw).
WS_I8AVX2 inline __m256i dotU(__m256i u, const Int8Activations& a, std::int64_t at) {
    const __m256i pq = _mm256_maddubs_epi16(u, load32(a.q.data() + at));
    const __m256i pr = _mm256_maddubs_epi16(u, load32(a.r.data() + at));
    return _mm256_add_epi32(_mm256_madd_epi16(pq, _mm256_set1_epi16(256)), _mm256_madd_epi16(pr, _mm256_set1_epi16(1)));
}
// The same for signed int8 codes w: |w| (−128 read as 128) against the activations carrying w's sign; pair sums
// ≤ 2·128·127.
WS_I8AVX2 inline __m256i dotS(__m256i w, const Int8Activations& a, std::int64_t at) {
    const __m256i aw = _mm256_sign_epi8(w, w);
    const __m256i pq = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(load32(a.q.data() + at), w));
    const __m256i pr = _mm256_maddubs_epi16(aw, _mm256_sign_epi8(load32(a.r.data() + at), w));
    return _mm256_add_epi32(_mm256_madd_epi16(pq, _mm256_set1_epi16(256)), _mm256_madd_epi16(pr, _mm256_set1_epi16(1)));
}
WS_I8AVX2 inline __m256i sum4At(const Int8Activations& a, std::int64_t at) { return load32(a.sum4.data() + at / 4); }

// block_q8_0 (34 B): d f16, qs[32] int8. Two accumulators (the FMA's latency), a block each.
WS_I8AVX2 float dotQ8_0(const u8* w, const Int8Activations& a, std::int64_t nb) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    const float* unit = a.unit.data();
    std::int64_t i = 0;
    for (; i + 2 <= nb; i += 2, w += 68) {
        const __m256i d0 = dotS(load32(w + 2), a, 32 * i), d1 = dotS(load32(w + 36), a, 32 * i + 32);
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d0), _mm256_set1_ps(f16(w) * unit[i]), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(d1), _mm256_set1_ps(f16(w + 34) * unit[i + 1]), acc1);
    }
    if (i < nb) acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dotS(load32(w + 2), a, 32 * i)), _mm256_set1_ps(f16(w) * unit[i]), acc0);
    return hsum(_mm256_add_ps(acc0, acc1));
}

// block_q4_0 (18 B): d, qs[16]; block_q5_0 (22 B): d, qh u32, qs[16]. Weight j < 16 the low nibble of qs[j], j + 16
// its high nibble, Q5_0's bit j of qh adding 16; w = d·(u − 8) or d·(u − 16).
template <bool kQ5>
WS_I8AVX2 inline __m256i q4q5Codes(const u8* b) {
    constexpr int kQs = kQ5 ? 6 : 2;
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + kQs));
    const __m128i nib = _mm_set1_epi8(0x0F);
    __m256i u = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), nib), _mm_and_si128(v, nib));
    if constexpr (kQ5) {
        std::uint32_t h;
        std::memcpy(&h, b + 2, 4);
        // byte j ← byte j/8 of h, then bit j%8 of it
        const __m256i spread = _mm256_shuffle_epi8(
            _mm256_set1_epi32(static_cast<int>(h)),
            _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        const __m256i bit = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ULL));
        const __m256i on = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
        u = _mm256_or_si256(u, _mm256_and_si256(on, _mm256_set1_epi8(16)));
    }
    return u;
}

// acc + block i (at b) of Q4_0 / Q5_0 against the activations, the offset off per lane.
template <bool kQ5>
WS_I8AVX2 inline __m256 q4q5Block(const u8* b, const Int8Activations& a, std::int64_t i, __m256 acc) {
    constexpr int kShift = kQ5 ? 4 : 3; // offset 16 or 8
    const __m256i dp = _mm256_sub_epi32(dotU(q4q5Codes<kQ5>(b), a, 32 * i), _mm256_slli_epi32(sum4At(a, 32 * i), kShift));
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), _mm256_set1_ps(f16(b) * a.unit[static_cast<std::size_t>(i)]), acc);
}

template <bool kQ5>
WS_I8AVX2 float dotQ4_0Q5_0(const u8* w, const Int8Activations& a, std::int64_t nb) {
    constexpr int kBytes = kQ5 ? 22 : 18;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    std::int64_t i = 0;
    for (; i + 2 <= nb; i += 2, w += 2 * kBytes) {
        acc0 = q4q5Block<kQ5>(w, a, i, acc0);
        acc1 = q4q5Block<kQ5>(w + kBytes, a, i + 1, acc1);
    }
    if (i < nb) acc0 = q4q5Block<kQ5>(w, a, i, acc0);
    return hsum(_mm256_add_ps(acc0, acc1));
}

// block_q4_K (144 B): d, dmin, scales[12], qs[128]; weights 64j … 64j + 31 the low nibbles of qs[32j …], the next
// 32 their high nibbles; w = d·sc·q − dmin·m per 32, the minimums against the activations' Σx (dsum).
WS_I8AVX2 float dotQ4_K(const u8* w, const Int8Activations& a, std::int64_t nb) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), mins = _mm256_setzero_ps();
    const __m256i nib = _mm256_set1_epi8(0x0F);
    alignas(32) float scale[8];
    for (std::int64_t i = 0; i < nb; ++i, w += 144) {
        std::uint64_t sc, mn;
        int8codes::kScalesMins(w + 4, sc, mn);
        const __m256 xd = _mm256_loadu_ps(a.unit.data() + 8 * i), xs = _mm256_loadu_ps(a.dsum.data() + 8 * i);
        _mm256_store_ps(scale, _mm256_mul_ps(_mm256_mul_ps(bytesToFloat8(sc), _mm256_set1_ps(f16(w))), xd));
        mins = _mm256_fmadd_ps(_mm256_mul_ps(bytesToFloat8(mn), _mm256_set1_ps(f16(w + 2))), xs, mins);
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            const __m256i v = load32(w + 16 + 32 * j);
            const __m256i lo = dotU(_mm256_and_si256(v, nib), a, 256 * i + 64 * j);
            const __m256i hi = dotU(_mm256_and_si256(_mm256_srli_epi16(v, 4), nib), a, 256 * i + 64 * j + 32);
            acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo), _mm256_broadcast_ss(scale + 2 * j), acc0);
            acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), _mm256_broadcast_ss(scale + 2 * j + 1), acc1);
        }
    }
    return hsum(_mm256_add_ps(acc0, acc1)) - hsum(mins);
}

// block_q6_K (210 B): ql[128], qh[64], scales[16] int8, d. Weight 128h + 32g + l: nibble g/2 of
// ql[64h + 32(g%2) + l], bits 2g of qh[32h + l]; w = d·sc·(u − 32) with a scale per 16 weights (lanes 0-3 of a
// 32-weight vector the first 16).
WS_I8AVX2 float dotQ6_K(const u8* w, const Int8Activations& a, std::int64_t nb) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    const __m256i nib = _mm256_set1_epi8(0x0F), two = _mm256_set1_epi8(3);
    const __m256i dupLo = _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3), dupHi = _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7);
    alignas(32) float scale[16];
    for (std::int64_t i = 0; i < nb; ++i, w += 210) {
        const __m256 d = _mm256_set1_ps(f16(w + 208));
        const __m256 xd = _mm256_loadu_ps(a.unit.data() + 8 * i);
        const __m256 s0 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w + 192))));
        const __m256 s1 = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w + 200))));
        _mm256_store_ps(scale, _mm256_mul_ps(_mm256_mul_ps(s0, d), _mm256_permutevar8x32_ps(xd, dupLo)));
        _mm256_store_ps(scale + 8, _mm256_mul_ps(_mm256_mul_ps(s1, d), _mm256_permutevar8x32_ps(xd, dupHi)));
#pragma GCC unroll 8
        for (int s = 0; s < 8; ++s) {
            const int h = s / 4, g = s % 4;
            const __m256i ql = load32(w + 64 * h + 32 * (g % 2));
            const __m256i lo = g / 2 ? _mm256_and_si256(_mm256_srli_epi16(ql, 4), nib) : _mm256_and_si256(ql, nib);
            const __m256i qh = _mm256_and_si256(_mm256_srl_epi16(load32(w + 128 + 32 * h), _mm_cvtsi32_si128(2 * g)), two);
            const __m256i u = _mm256_or_si256(lo, _mm256_slli_epi16(qh, 4));
            const std::int64_t at = 256 * i + 32 * s;
            const __m256i dp = _mm256_sub_epi32(dotU(u, a, at), _mm256_slli_epi32(sum4At(a, at), 5));
            const __m256 sc = _mm256_set_m128(_mm_broadcast_ss(scale + 2 * s + 1), _mm_broadcast_ss(scale + 2 * s));
            if (s % 2)
                acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), sc, acc1);
            else
                acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), sc, acc0);
        }
    }
    return hsum(_mm256_add_ps(acc0, acc1));
}

// quant_int8.cpp's portable quantiser, 8 lanes at a time (cvtps rounds to nearest-even as lrintf does; clamping
// before rounding gives the same codes as after, the bounds being integers).
WS_I8AVX2 void quantiseAvx2(const float* x, std::int64_t blocks, Int8Activations& a) {
    const __m256 lim = _mm256_set1_ps(127.0f), nlim = _mm256_set1_ps(-127.0f), k256 = _mm256_set1_ps(256.0f);
    const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    for (std::int64_t b = 0; b < blocks; ++b) {
        const float* xb = x + 32 * b;
        __m256 v[4];
        for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(xb + 8 * k);
        const __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v[0], absMask), _mm256_and_ps(v[1], absMask)),
                                       _mm256_max_ps(_mm256_and_ps(v[2], absMask), _mm256_and_ps(v[3], absMask)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        const float amax = _mm_cvtss_f32(_mm_max_ss(m4, _mm_movehdup_ps(m4)));
        const float d = amax / 127.0f, inv = d > 0.0f ? 1.0f / d : 0.0f;
        const __m256 vi = _mm256_set1_ps(inv);
        __m256i h[4], l[4];
        for (int k = 0; k < 4; ++k) {
            const __m256 t = _mm256_mul_ps(v[k], vi);
            h[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(t, nlim), lim));
            const __m256 e = _mm256_mul_ps(_mm256_sub_ps(t, _mm256_cvtepi32_ps(h[k])), k256);
            l[k] = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(e, nlim), lim));
        }
        const __m256i qb = _mm256_permutevar8x32_epi32(
            _mm256_packs_epi16(_mm256_packs_epi32(h[0], h[1]), _mm256_packs_epi32(h[2], h[3])), order);
        const __m256i rb = _mm256_permutevar8x32_epi32(
            _mm256_packs_epi16(_mm256_packs_epi32(l[0], l[1]), _mm256_packs_epi32(l[2], l[3])), order);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.q.data() + 32 * b), qb);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.r.data() + 32 * b), rb);
        const __m256i s4 = _mm256_add_epi32(_mm256_slli_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(ones8, qb), ones16), 8),
                                            _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, rb), ones16));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.sum4.data() + 8 * b), s4);
        __m128i t4 = _mm_add_epi32(_mm256_castsi256_si128(s4), _mm256_extracti128_si256(s4, 1));
        t4 = _mm_add_epi32(t4, _mm_shuffle_epi32(t4, 0x4E));
        t4 = _mm_add_epi32(t4, _mm_shuffle_epi32(t4, 0xB1));
        const int total = _mm_cvtsi128_si32(t4);
        a.unit[static_cast<std::size_t>(b)] = d / 256.0f;
        a.dsum[static_cast<std::size_t>(b)] = d / 256.0f * static_cast<float>(total);
    }
}

// Its own check, not quant.cpp's quantIsaBest(): that file's constants may not be initialised yet when this one
// is (static initialisation order across files). WS_NO_AVX2 turns it off as there.
bool detect() {
    __builtin_cpu_init();
    const char* off = std::getenv("WS_NO_AVX2");
    if (off && *off && *off != '0') return false;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}
const bool kSupported = detect();

} // namespace

bool supported() { return kSupported; }

float dot(DType t, const void* w, const Int8Activations& x, std::int64_t nblocks) {
    const auto* p = static_cast<const u8*>(w);
    switch (t) {
    case DType::Q8_0: return dotQ8_0(p, x, nblocks);
    case DType::Q4_0: return dotQ4_0Q5_0<false>(p, x, nblocks);
    case DType::Q5_0: return dotQ4_0Q5_0<true>(p, x, nblocks);
    case DType::Q4_K: return dotQ4_K(p, x, nblocks);
    case DType::Q6_K: return dotQ6_K(p, x, nblocks);
    default: return std::numeric_limits<float>::quiet_NaN();
    }
}

void quantise(const float* x, std::int64_t blocks, Int8Activations& a) { quantiseAvx2(x, blocks, a); }

#else
bool supported() { return false; }
float dot(DType, const void*, const Int8Activations&, std::int64_t) { return std::numeric_limits<float>::quiet_NaN(); }
void quantise(const float*, std::int64_t, Int8Activations&) {}
#endif

} // namespace ws::int8avx2
