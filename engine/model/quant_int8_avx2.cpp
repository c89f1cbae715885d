// dotBlocksInt8 and the activations' quantiser on AVX2 (quant_int8_avx2.h). vpmaddwd of the weights' codes as
// 16-bit numbers (int16_codes.h: split where they lie into even and odd weights, offsets folded in) against the
// activations' 256·q + r stored split the same way (Int8Activations::c): one multiply per 16 weights, where the
// 8-bit form (vpmaddubsw on q and on r, each widened by a vpmaddwd) took four (on Zen 3 they share pipes with the
// FMAs). Sums exact in int32 per 4 weights; the K-quants' groups' (sub-blocks') sums gathered into lanes per 128-bit
// half (halfSums) so two multiply-adds per block apply the float scales (weight sub-block × activation block).
#include "model/quant_int8_avx2.h"

#include <cstdint>
#include <cstdlib>

#include "model/int16_codes.h"
#include "model/int8_codes.h"

namespace ws::int8avx2 {

#if defined(__x86_64__)
namespace {

#define WS_I8AVX2 __attribute__((target("avx2,fma,f16c")))

using u8 = std::uint8_t;
using int16codes::bytes8;
using int16codes::bytesAsFloats;
using int16codes::f16;
using int16codes::load32;
using int16codes::Split;

WS_I8AVX2 inline float hsum4(__m128 s) {
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
WS_I8AVX2 inline float hsum(__m256 v) { return hsum4(_mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1))); }

// The weights' cache lines kAhead bytes ahead of a dot product's loop, on their way to L1: kStep bytes' worth (the
// lines of [p + kAhead, p + kAhead + kStep)) per kStep bytes read. A decode step reads each weight once, row after
// row; the hardware prefetchers alone left these loops waiting on memory (Zen 3, 2 threads, V2-Lite's expert
// shapes: 0.83-0.97x the float GEMV's GB/s in the same process without, 0.99-1.10x with, 2 KB ahead best of 1-4 KB;
// whole decode steps 1.13-1.21x). Lines past a row's end are the next row's, which the same thread reads next.
constexpr int kAhead = 2048;
template <int kStep>
WS_I8AVX2 inline void fetchAhead(const u8* p) {
    const std::uintptr_t q = reinterpret_cast<std::uintptr_t>(p) + kAhead; // may lie past the mapping: a hint, no access
    for (int k = 0; k < kStep; k += 64) _mm_prefetch(reinterpret_cast<const char*>(q + k), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(q + kStep - 1), _MM_HINT_T0);
}

// 8 lanes of Σ u·c over 4 weights each (lane k: weights 4k … 4k + 3 of the group at `at`), the weights' codes
// split as int16codes gives them, against a.c: |u·c| ≤ 255·32639 per product, exact in int32.
WS_I8AVX2 inline __m256i dot16(Split u, const Int8Activations& a, std::int64_t at) {
    return _mm256_add_epi32(_mm256_madd_epi16(u.even, load32(a.c.data() + at)), _mm256_madd_epi16(u.odd, load32(a.c.data() + at + 16)));
}

// Per 128-bit half: [x0 + x2, y0 + y2, x1 + x3, y1 + y3], then of two such p, q: [p0 + p2 + p1 + p3, …] lane by
// lane, the four sums of x, y and q's two.
WS_I8AVX2 inline __m256i pairSums(__m256i x, __m256i y) {
    return _mm256_add_epi32(_mm256_unpacklo_epi32(x, y), _mm256_unpackhi_epi32(x, y));
}
WS_I8AVX2 inline __m256i quadSums(__m256i p, __m256i q) {
    return _mm256_add_epi32(_mm256_unpacklo_epi64(p, q), _mm256_unpackhi_epi64(p, q));
}
// Lane sums of 8 vectors per 128-bit half: lane j of the result (j < 4) the low half of v[j] summed, lane 4 + j
// its high half; *second the same for v[4 + j]. Shuffles and adds, no multiply.
WS_I8AVX2 inline __m256i halfSums(const __m256i* v, __m256i* second) {
    *second = quadSums(pairSums(v[4], v[5]), pairSums(v[6], v[7]));
    return quadSums(pairSums(v[0], v[1]), pairSums(v[2], v[3]));
}

// The f16 numbers at p, p + kStride, p + 2·kStride and p + 3·kStride (4 blocks' scales) as floats: gathered in a
// general-purpose register, one conversion (the vector pipes are what these loops are short of).
template <int kStride>
WS_I8AVX2 inline __m128 f16x4(const u8* p) {
    std::uint64_t v = 0;
    for (int k = 0; k < 4; ++k) {
        std::uint16_t h;
        std::memcpy(&h, p + k * kStride, sizeof h);
        v |= static_cast<std::uint64_t>(h) << (16 * k);
    }
    return _mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(v)));
}

// A 32-weight block type that starts with its scale d (f16), w = d·code, the codes split by Codes: block_q8_0
// (34 B: d, qs[32] int8), block_iq4_nl (18 B: d, qs[16] into the code book), block_q4_0 / block_q5_0 (the offset
// taken off the codes). kMin: block_q4_1 / block_q5_1, d then a minimum m (f16), w = d·u + m, m times the block's
// Σx (unit·Σc, dsum) added apart. Four blocks at a time: their 8-lane sums gathered into one vector (lane k of
// each half block k's, quadSums) and scaled by one multiply-add, the 4 scales d·unit converted together — per
// block about 3 vector operations where a conversion, a multiply-add and the scale's own 4 took 6.
struct Acc32 {
    __m256 acc;
    __m128 mins;
};
template <int kBytes, bool kMin, Split (*Codes)(const u8*)>
WS_I8AVX2 inline void quad32(const u8* b, const Int8Activations& a, std::int64_t i, Acc32& s) {
    __m256i dp[4];
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) dp[k] = dot16(Codes(b + k * kBytes), a, 32 * (i + k));
    const __m256i sums = quadSums(pairSums(dp[0], dp[1]), pairSums(dp[2], dp[3]));
    const __m128 scale = _mm_mul_ps(f16x4<kBytes>(b), _mm_loadu_ps(a.unit.data() + i));
    s.acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set_m128(scale, scale), s.acc);
    if constexpr (kMin) s.mins = _mm_fmadd_ps(f16x4<kBytes>(b + 2), _mm_loadu_ps(a.dsum.data() + i), s.mins);
}
// One block (a row's last 1-3), its 8 lanes scaled as they are.
template <int kBytes, bool kMin, Split (*Codes)(const u8*)>
WS_I8AVX2 inline void single32(const u8* b, const Int8Activations& a, std::int64_t i, Acc32& s) {
    const __m256i dp = dot16(Codes(b), a, 32 * i);
    const auto at = static_cast<std::size_t>(i);
    s.acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dp), _mm256_set1_ps(f16(b) * a.unit[at]), s.acc);
    if constexpr (kMin) s.mins = _mm_add_ss(s.mins, _mm_set_ss(f16(b + 2) * a.dsum[at]));
}
template <int kBytes, bool kMin, Split (*Codes)(const u8*)>
WS_I8AVX2 inline Acc32 row32(const u8* w, const Int8Activations& a, std::int64_t nb) {
    Acc32 s{_mm256_setzero_ps(), _mm_setzero_ps()};
    std::int64_t i = 0;
    for (; i + 4 <= nb; i += 4, w += 4 * kBytes) {
        fetchAhead<4 * kBytes>(w);
        quad32<kBytes, kMin, Codes>(w, a, i, s);
    }
    for (; i < nb; ++i, w += kBytes) single32<kBytes, kMin, Codes>(w, a, i, s);
    return s;
}
template <int kBytes, bool kMin, Split (*Codes)(const u8*)>
WS_I8AVX2 float dot32(const void* row, const Int8Activations& a, std::int64_t nb) {
    const Acc32 s = row32<kBytes, kMin, Codes>(static_cast<const u8*>(row), a, nb);
    if constexpr (kMin) return hsum(s.acc) + hsum4(s.mins);
    else return hsum(s.acc);
}

// The 8 groups of 32 weights of a 256-weight block at w, their codes split by Codes(w, g), against the activations
// from 256·i: the groups' exact sums gathered per 128-bit half (halfSums), groups 0-3 returned, 4-7 in *second.
template <Split (*Codes)(const u8*, int)>
WS_I8AVX2 inline __m256i blockSums(const u8* w, const Int8Activations& a, std::int64_t i, __m256i* second) {
    __m256i dp[8];
#pragma GCC unroll 8
    for (int g = 0; g < 8; ++g) dp[g] = dot16(Codes(w, g), a, 256 * i + 32 * g);
    return halfSums(dp, second);
}
WS_I8AVX2 inline Split q2kCodes(const u8* b, int g) { return int16codes::unsignedBytes(int16codes::q2kBytes(b, g)); }
WS_I8AVX2 inline Split q3kCodes(const u8* b, int g) { return int16codes::signedBytes(int16codes::q3kBytes(b, g)); }
WS_I8AVX2 inline Split iq4xsCodes(const u8* b, int g) { return int16codes::signedBytes(int16codes::iq4xsBytes(b, g)); }

// block_q4_K (144 B): d, dmin, scales[12], qs[128]; weights 64j … 64j + 31 the low nibbles of qs[32j …], the next
// 32 their high nibbles; w = d·sc·q − dmin·m per 32, the minimums against the activations' Σx (dsum). Each
// sub-block's exact sum lands in a lane of one of two vectors, per 128-bit half (halfSums: sub-blocks 0-3 in the
// first, 4-7 in the second, each twice), and the 8 scales are laid out to match: two multiply-adds per block, no
// lane crossing for the sums (about 5 % of the dot on Zen 3). kQ5: block_q5_K (176 B), the same with a fifth bit
// per weight from qh (int16codes::q5k).
template <bool kQ5>
WS_I8AVX2 float dotK4K5(const void* row, const Int8Activations& a, std::int64_t nb) {
    constexpr int kBytes = kQ5 ? 176 : 144;
    const auto* w = static_cast<const u8*>(row);
    __m256 acc = _mm256_setzero_ps(), mins = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += kBytes) {
        fetchAhead<kBytes>(w);
        std::uint64_t sc, mn;
        int8codes::kScalesMins(w + 4, sc, mn);
        __m256i dp[8];
        [[maybe_unused]] const __m256i qh = kQ5 ? int16codes::q5kHighBits(w) : _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) {
            Split lo, hi;
            if constexpr (kQ5) int16codes::q5k(w, qh, j, &lo, &hi);
            else int16codes::q4k(w, j, &lo, &hi);
            dp[2 * j] = dot16(lo, a, 256 * i + 64 * j);
            dp[2 * j + 1] = dot16(hi, a, 256 * i + 64 * j + 32);
        }
        __m256i second;
        const __m256i first = halfSums(dp, &second);
        std::uint32_t dd; // d and dmin, converted together
        std::memcpy(&dd, w, sizeof dd);
        const __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dd)));
        const __m256 xd = _mm256_loadu_ps(a.unit.data() + 8 * i), xs = _mm256_loadu_ps(a.dsum.data() + 8 * i);
        const __m256 scale = _mm256_mul_ps(_mm256_mul_ps(bytes8(sc), _mm256_broadcastss_ps(dm)), xd);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(first), _mm256_permute2f128_ps(scale, scale, 0x00), acc);
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(second), _mm256_permute2f128_ps(scale, scale, 0x11), acc);
        mins = _mm256_fmadd_ps(_mm256_mul_ps(bytes8(mn), _mm256_broadcastss_ps(_mm_movehdup_ps(dm))), xs, mins);
    }
    return hsum(_mm256_sub_ps(acc, mins));
}

// block_iq4_xs (136 B; int16codes::iq4xsScales): 8 groups of 32 code-book values with a 6-bit scale each, no
// minimum; the groups' sums gathered and scaled as dotK4K5's.
WS_I8AVX2 float dotIQ4_XS(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (std::int64_t i = 0; i < nb; ++i, w += 136) {
        fetchAhead<136>(w);
        __m256i second;
        const __m256i first = blockSums<iq4xsCodes>(w, a, i, &second);
        const __m256 scale = _mm256_mul_ps(_mm256_mul_ps(int16codes::iq4xsScales(w), _mm256_set1_ps(f16(w))),
                                           _mm256_loadu_ps(a.unit.data() + 8 * i));
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(first), _mm256_permute2f128_ps(scale, scale, 0x00), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(second), _mm256_permute2f128_ps(scale, scale, 0x11), acc1);
    }
    return hsum(_mm256_add_ps(acc0, acc1));
}

// 8 sub-blocks' scales (sd: scale × d, in order) in halfSums' order (0, 2, 4, 6, 1, 3, 5, 7), × the unit of each
// one's activation block (xd's lanes `units`).
WS_I8AVX2 inline __m256 halfOrderScales(__m256 sd, __m256 xd, __m256i units) {
    return _mm256_mul_ps(_mm256_permutevar8x32_ps(sd, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7)), _mm256_permutevar8x32_ps(xd, units));
}
// 8 int8 numbers at s8 as floats.
WS_I8AVX2 inline __m256 signedBytes8(const u8* s8) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s8))));
}

// block_q2_K (84 B; int16codes::q2kBytes): 2-bit codes, a 4-bit scale and minimum per 16 weights. The sums of the
// 16 sub-blocks gathered as dotQ6_K's; the minimums (in order) against the activations' Σx per 16 (dsum16).
WS_I8AVX2 float dotQ2_K(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), mins = _mm256_setzero_ps();
    const __m256i unitLo = _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3), unitHi = _mm256_setr_epi32(4, 5, 6, 7, 4, 5, 6, 7);
    for (std::int64_t i = 0; i < nb; ++i, w += 84) {
        fetchAhead<84>(w);
        __m256i second;
        const __m256i first = blockSums<q2kCodes>(w, a, i, &second);
        std::uint32_t dd; // d and dmin, converted together
        std::memcpy(&dd, w + 80, sizeof dd);
        const __m128 dm = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(dd)));
        const __m256 d = _mm256_broadcastss_ps(dm), xd = _mm256_loadu_ps(a.unit.data() + 8 * i);
        __m128i sc, mn;
        int16codes::q2kScalesMins(w, &sc, &mn);
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(first), halfOrderScales(_mm256_mul_ps(bytesAsFloats(sc), d), xd, unitLo), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(second),
                               halfOrderScales(_mm256_mul_ps(bytesAsFloats(_mm_unpackhi_epi64(sc, sc)), d), xd, unitHi), acc1);
        const float* ds = a.dsum16.data() + 16 * i;
        const __m256 m = _mm256_fmadd_ps(bytesAsFloats(mn), _mm256_loadu_ps(ds),
                                         _mm256_mul_ps(bytesAsFloats(_mm_unpackhi_epi64(mn, mn)), _mm256_loadu_ps(ds + 8)));
        mins = _mm256_fmadd_ps(m, _mm256_broadcastss_ps(_mm_movehdup_ps(dm)), mins);
    }
    return hsum(_mm256_sub_ps(_mm256_add_ps(acc0, acc1), mins));
}

// block_q3_K (110 B; int16codes::q3kBytes, q3kScales): 3-bit codes less 4, a 6-bit scale (less 32) per 16 weights;
// gathered as dotQ6_K's.
WS_I8AVX2 float dotQ3_K(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    const __m256i unitLo = _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3), unitHi = _mm256_setr_epi32(4, 5, 6, 7, 4, 5, 6, 7);
    const __m256 off = _mm256_set1_ps(32.0f);
    for (std::int64_t i = 0; i < nb; ++i, w += 110) {
        fetchAhead<110>(w);
        __m256i second;
        const __m256i first = blockSums<q3kCodes>(w, a, i, &second);
        std::uint64_t s0, s1;
        int16codes::q3kScales(w, &s0, &s1);
        const __m256 d = _mm256_set1_ps(f16(w + 108)), xd = _mm256_loadu_ps(a.unit.data() + 8 * i);
        const __m256 sc0 = _mm256_sub_ps(bytesAsFloats(_mm_cvtsi64_si128(static_cast<long long>(s0))), off);
        const __m256 sc1 = _mm256_sub_ps(bytesAsFloats(_mm_cvtsi64_si128(static_cast<long long>(s1))), off);
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(first), halfOrderScales(_mm256_mul_ps(sc0, d), xd, unitLo), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(second), halfOrderScales(_mm256_mul_ps(sc1, d), xd, unitHi), acc1);
    }
    return hsum(_mm256_add_ps(acc0, acc1));
}

// block_q6_K (210 B): ql[128], qh[64], scales[16] int8, d; w = d·sc·(u − 32) with a scale per 16 weights. The
// codes u unsigned (int16codes::q6kUnsignedBytes): Σ d·sc·u·x per sub-block, less 32·d·sc·Σx (the activations'
// sums per 16, dsum16) — two multiply-adds per block where taking 32 off each code and sign-extending took 16
// operations. Lanes 0-3 of group s's sums are sub-block 2s, lanes 4-7 sub-block 2s + 1, so halfSums puts
// sub-blocks 0, 2, 4, 6, 1, 3, 5, 7 in the lanes of its first vector and 8 + those in the second.
WS_I8AVX2 inline Split q6kCodes(const u8* b, int g) { return int16codes::unsignedBytes(int16codes::q6kUnsignedBytes(b, g)); }
WS_I8AVX2 float dotQ6_K(const void* row, const Int8Activations& a, std::int64_t nb) {
    const auto* w = static_cast<const u8*>(row);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), offs = _mm256_setzero_ps();
    const __m256i unitLo = _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3), unitHi = _mm256_setr_epi32(4, 5, 6, 7, 4, 5, 6, 7);
    for (std::int64_t i = 0; i < nb; ++i, w += 210) {
        fetchAhead<210>(w);
        __m256i second;
        const __m256i first = blockSums<q6kCodes>(w, a, i, &second);
        const __m256 d = _mm256_set1_ps(f16(w + 208));
        const __m256 xd = _mm256_loadu_ps(a.unit.data() + 8 * i);
        const __m256 sd0 = _mm256_mul_ps(signedBytes8(w + 192), d), sd1 = _mm256_mul_ps(signedBytes8(w + 200), d);
        acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(first), halfOrderScales(sd0, xd, unitLo), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(second), halfOrderScales(sd1, xd, unitHi), acc1);
        const float* ds = a.dsum16.data() + 16 * i;
        offs = _mm256_fmadd_ps(sd0, _mm256_loadu_ps(ds), _mm256_fmadd_ps(sd1, _mm256_loadu_ps(ds + 8), offs));
    }
    return hsum(_mm256_fnmadd_ps(offs, _mm256_set1_ps(32.0f), _mm256_add_ps(acc0, acc1)));
}

// Rows r0 … r0 + 3 (at w + k·stride) of a 32-weight block type at once, interleaved: a decode step's rows of
// these types are often short (MLA's k_b: 4 blocks), where one row at a time left the pipes idle on its
// reduction. Each row adds in the order the one-row dot adds its own (row32's, then hsum's lanes), so the results
// are bit-identical to its: in another order, a random test model's greedy decode amplified the rounding into
// changes of the logits of 3.6e-3 of their norm (median; up to 1.6e-1, near-tied routing).
template <int kBytes, Split (*Codes)(const u8*)>
WS_I8AVX2 void rows4(const u8* w, std::size_t stride, const Int8Activations& a, std::int64_t nb, float* y) {
    Acc32 s[4];
    for (auto& v : s) v = {_mm256_setzero_ps(), _mm_setzero_ps()};
    std::int64_t i = 0;
    for (; i + 4 <= nb; i += 4)
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) quad32<kBytes, false, Codes>(w + k * stride + kBytes * i, a, i, s[k]);
    for (; i < nb; ++i)
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k) single32<kBytes, false, Codes>(w + k * stride + kBytes * i, a, i, s[k]);
    __m128 h[4]; // hsum's first step per row: [v0 + v4, v1 + v5, v2 + v6, v3 + v7]
    for (int k = 0; k < 4; ++k) h[k] = _mm_add_ps(_mm256_castps256_ps128(s[k].acc), _mm256_extractf128_ps(s[k].acc, 1));
    _MM_TRANSPOSE4_PS(h[0], h[1], h[2], h[3]); // h[j] lane k: row k's lane j
    _mm_storeu_ps(y, _mm_add_ps(_mm_add_ps(h[0], h[2]), _mm_add_ps(h[1], h[3])));
}
template <int kBytes, Split (*Codes)(const u8*)>
WS_I8AVX2 void rowsOf(const void* w, std::size_t stride, int rows, const Int8Activations& a, std::int64_t nb, float* y) {
    const auto* p = static_cast<const u8*>(w);
    int r = 0;
    for (; r + 4 <= rows; r += 4) rows4<kBytes, Codes>(p + r * stride, stride, a, nb, y + r);
    for (; r < rows; ++r) y[r] = dot32<kBytes, false, Codes>(p + r * stride, a, nb);
}

// Int8Activations::c of a block from its codes q and r (32 each, in order).
WS_I8AVX2 inline void storeCodes16(__m256i q, __m256i r, std::int16_t* c) {
    const Split s = int16codes::activations(q, r);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c), s.even);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + 16), s.odd);
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
        storeCodes16(qb, rb, a.c.data() + 32 * b);
        const __m256i s4 = _mm256_add_epi32(_mm256_slli_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(ones8, qb), ones16), 8),
                                            _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, rb), ones16));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(a.sum4.data() + 8 * b), s4);
        __m128i h0 = _mm256_castsi256_si128(s4), h1 = _mm256_extracti128_si256(s4, 1); // the two halves' Σc
        h0 = _mm_add_epi32(h0, _mm_shuffle_epi32(h0, 0x4E));
        h1 = _mm_add_epi32(h1, _mm_shuffle_epi32(h1, 0x4E));
        h0 = _mm_add_epi32(h0, _mm_shuffle_epi32(h0, 0xB1));
        h1 = _mm_add_epi32(h1, _mm_shuffle_epi32(h1, 0xB1));
        const int half0 = _mm_cvtsi128_si32(h0), half1 = _mm_cvtsi128_si32(h1);
        const auto at = static_cast<std::size_t>(b);
        a.unit[at] = d / 256.0f;
        a.dsum[at] = d / 256.0f * static_cast<float>(half0 + half1);
        a.dsum16[2 * at] = d / 256.0f * static_cast<float>(half0);
        a.dsum16[2 * at + 1] = d / 256.0f * static_cast<float>(half1);
    }
}

WS_I8AVX2 void widenAvx2(std::int64_t blocks, Int8Activations& a, bool withResidual) {
    for (std::int64_t b = 0; b < blocks; ++b) {
        const __m256i r = withResidual ? load32(a.r.data() + 32 * b) : _mm256_setzero_si256();
        storeCodes16(load32(a.q.data() + 32 * b), r, a.c.data() + 32 * b);
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

Int8DotKernel kernel(DType t) {
    switch (t) {
    case DType::Q8_0: return dot32<34, false, int16codes::q8_0>;
    case DType::IQ4_NL: return dot32<18, false, int16codes::iq4nl>;
    case DType::IQ4_XS: return dotIQ4_XS;
    case DType::Q4_0: return dot32<18, false, int16codes::q4q5<false>>;
    case DType::Q5_0: return dot32<22, false, int16codes::q4q5<true>>;
    case DType::Q4_1: return dot32<20, true, int16codes::q4q5<false, true>>;
    case DType::Q5_1: return dot32<24, true, int16codes::q4q5<true, true>>;
    case DType::Q4_K: return dotK4K5<false>;
    case DType::Q5_K: return dotK4K5<true>;
    case DType::Q6_K: return dotQ6_K;
    case DType::Q2_K: return dotQ2_K;
    case DType::Q3_K: return dotQ3_K;
    default: return nullptr;
    }
}

Int8RowsKernel rowsKernel(DType t) {
    switch (t) {
    case DType::Q8_0: return rowsOf<34, int16codes::q8_0>;
    case DType::IQ4_NL: return rowsOf<18, int16codes::iq4nl>;
    case DType::Q4_0: return rowsOf<18, int16codes::q4q5<false>>;
    case DType::Q5_0: return rowsOf<22, int16codes::q4q5<true>>;
    default: return nullptr;
    }
}

void quantise(const float* x, std::int64_t blocks, Int8Activations& a) { quantiseAvx2(x, blocks, a); }
void widen(std::int64_t blocks, Int8Activations& a, bool withResidual) { widenAvx2(blocks, a, withResidual); }

#else
bool supported() { return false; }
Int8DotKernel kernel(DType) { return nullptr; }
Int8RowsKernel rowsKernel(DType) { return nullptr; }
void quantise(const float*, std::int64_t, Int8Activations&) {}
void widen(std::int64_t, Int8Activations&, bool) {}
#endif

} // namespace ws::int8avx2
