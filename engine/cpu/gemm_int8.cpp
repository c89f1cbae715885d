// The prompt GEMM of block-quantised weights in integers (gemm_int8.h). A tile of 16 weight rows is unpacked once
// (int8_codes.h) to unsigned codes u, with per group of G weights (32; Q6_K 16) a float scale s and offset o so
// that w = s·u + o, then transposed so that one 64-byte vector holds 4 consecutive weights of each of the 16 rows:
// vpdpbusd against 4 activation codes of one token (broadcast) adds 16 rows' partial sums at once, exactly. Per
// group, Σ w·x = s·unit·Σu·c + o·unit·Σc; 8 tokens' sums stay in registers while the tile (16 × cols bytes, in L1
// or L2) passes.
#include "cpu/gemm_int8.h"

#include <algorithm>
#include <cstring>

#include "model/int16_codes.h"
#include "model/int8_codes.h"
#include "model/quant_int8_avx2.h"

namespace ws::cpu {

void PromptInt8::prepare(const float* X, std::int64_t stride, int count, std::int64_t width, bool withResidual) {
    x = X;
    ldx = stride;
    T = count;
    cols = width;
    residual = withResidual;
    if (tok.size() < static_cast<std::size_t>(T)) tok.resize(static_cast<std::size_t>(T));
    // Only the layout the running GEMM reads: per token (AVX-512), or per group of 32 (AVX2).
    const bool byGroup = int8Isa() == QuantIsa::Avx2;
    const auto perToken = [&](std::int64_t n) { return static_cast<std::size_t>(byGroup ? 0 : T * n); };
    const auto perGroup = [&](std::int64_t n) { return static_cast<std::size_t>(byGroup ? T * n : 0); };
    dsum16.resize(perToken(cols / 16));
    dsum32.resize(perToken(cols / 32));
    unitByGroup.resize(perGroup(cols / 32));
    dsumByGroup.resize(perGroup(cols / 32));
    dsum16ByGroup.resize(perGroup(cols / 16));
}

void PromptInt8::quantise(int t0, int t1) {
    const std::int64_t n16 = cols / 16;
    const bool byGroup = !unitByGroup.empty();
    for (int t = t0; t < t1; ++t) {
        Int8Activations& a = tok[static_cast<std::size_t>(t)];
        a.assign(x + t * ldx, cols);
        if (!residual && int8Isa() != QuantIsa::Avx512) int8avx2::widen(cols / 32, a, false); // the AVX2 GEMM's codes
        std::int32_t prev = 0;
        for (std::int64_t g = 0; g < n16; ++g) {
            // Σ of the codes the products use: c = 256·q + r, or 256·q alone
            std::int32_t sum = 0;
            if (residual) {
                const std::int32_t* s4 = a.sum4.data() + 4 * g;
                sum = s4[0] + s4[1] + s4[2] + s4[3];
            } else {
                for (int k = 0; k < 16; ++k) sum += a.q[static_cast<std::size_t>(16 * g + k)];
                sum *= 256;
            }
            const float unit = a.unit[static_cast<std::size_t>(g / 2)];
            if (byGroup) {
                dsum16ByGroup[static_cast<std::size_t>(g * T + t)] = unit * static_cast<float>(sum);
                if (g % 2) {
                    const auto at = static_cast<std::size_t>(g / 2 * T + t);
                    unitByGroup[at] = unit;
                    dsumByGroup[at] = unit * static_cast<float>(prev + sum);
                }
            } else {
                dsum16[static_cast<std::size_t>(t * n16 + g)] = unit * static_cast<float>(sum);
                if (g % 2)
                    dsum32[static_cast<std::size_t>(t * (n16 / 2) + g / 2)] = unit * static_cast<float>(prev + sum);
            }
            prev = sum;
        }
    }
}

// AVX-512 VNNI here, AVX2 in gemm_int8_avx2.cpp: every type hasInt8Dot names, on either level.
bool hasInt8Gemm(DType t) { return hasInt8Dot(t); }

#if defined(__x86_64__)
namespace {

using u8 = std::uint8_t;
using int8codes::f16;
constexpr int kRows = 16;

// One row's codes (cols bytes at `codes`) and its groups' scale / offset at scale[16·g + i], bias[16·g + i].
template <DType D>
WS_VNNI void unpackRow(const u8* w, std::int64_t cols, u8* codes, float* scale, float* bias, int i) {
    if constexpr (D == DType::Q8_0) { // 34 B: d, qs[32] int8 → u = q + 128, o = −128·d
        const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
        for (std::int64_t b = 0; b < cols / 32; ++b, w += 34) {
            const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2));
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 32 * b), _mm256_xor_si256(q, flip));
            const float d = f16(w);
            scale[16 * b + i] = d;
            bias[16 * b + i] = -128.0f * d;
        }
    } else if constexpr (D == DType::Q4_0 || D == DType::Q5_0) { // u − 8 or u − 16
        constexpr bool kQ5 = D == DType::Q5_0;
        constexpr int kBytes = kQ5 ? 22 : 18;
        constexpr float kOff = kQ5 ? -16.0f : -8.0f;
        const std::int64_t nb = cols / 32;
        for (std::int64_t b = 0; b < nb; b += 2) {
            const u8* p = w + b * kBytes;
            const bool pair = b + 1 < nb;
            const __m512i u = int8codes::q4q5Codes<kQ5>(p, pair ? p + kBytes : p);
            if (pair)
                _mm512_storeu_si512(codes + 32 * b, u);
            else
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 32 * b), _mm512_castsi512_si256(u));
            for (std::int64_t k = b; k < std::min(nb, b + 2); ++k) {
                const float d = f16(w + k * kBytes);
                scale[16 * k + i] = d;
                bias[16 * k + i] = kOff * d;
            }
        }
    } else if constexpr (D == DType::Q4_K) { // 144 B per 256: w = d·sc·u − dmin·m per 32
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 144) {
            for (int j = 0; j < 4; ++j) _mm512_storeu_si512(codes + 256 * b + 64 * j, int8codes::q4kCodes(w, j));
            float s8[8], o8[8];
            int16codes::q4kScaleOffsets(w, s8, o8);
            for (int s = 0; s < 8; ++s) {
                scale[16 * (8 * b + s) + i] = s8[s];
                bias[16 * (8 * b + s) + i] = o8[s];
            }
        }
    } else if constexpr (D == DType::Q4_1 || D == DType::Q5_1) { // 20 / 24 B: d, m, [qh], qs[16]: w = d·u + m
        constexpr bool kQ5 = D == DType::Q5_1;
        for (std::int64_t b = 0; b < cols / 32; ++b, w += kQ5 ? 24 : 20) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 32 * b), int16codes::q4q5MinBytes<kQ5>(w));
            scale[16 * b + i] = f16(w);
            bias[16 * b + i] = f16(w + 2);
        }
    } else if constexpr (D == DType::IQ4_NL) { // 18 B: d, qs[16]: w = d·v, v signed → u = v + 128, o = −128·d
        const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
        for (std::int64_t b = 0; b < cols / 32; ++b, w += 18) {
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 32 * b), _mm256_xor_si256(int16codes::iq4Bytes(w + 2), flip));
            const float d = f16(w);
            scale[16 * b + i] = d;
            bias[16 * b + i] = -128.0f * d;
        }
    } else if constexpr (D == DType::IQ4_XS) { // 136 B per 256: w = d·(ls − 32)·v per 32, u = v + 128 as IQ4_NL
        const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 136) {
            alignas(32) float s8[8];
            _mm256_store_ps(s8, _mm256_mul_ps(int16codes::iq4xsScales(w), _mm256_set1_ps(f16(w))));
            for (int g = 0; g < 8; ++g) {
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 256 * b + 32 * g),
                                    _mm256_xor_si256(int16codes::iq4xsBytes(w, g), flip));
                scale[16 * (8 * b + g) + i] = s8[g];
                bias[16 * (8 * b + g) + i] = -128.0f * s8[g];
            }
        }
    } else if constexpr (D == DType::Q5_K) { // 176 B per 256: w = d·sc·u − dmin·m per 32, u < 32
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 176) {
            const __m256i qh = int16codes::q5kHighBits(w);
            for (int j = 0; j < 4; ++j) {
                __m256i lo, hi;
                int16codes::q5kBytes(int16codes::q5kNibbles(w, j), qh, j, &lo, &hi);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 256 * b + 64 * j), lo);
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 256 * b + 64 * j + 32), hi);
            }
            float s8[8], o8[8];
            int16codes::q4kScaleOffsets(w, s8, o8);
            for (int s = 0; s < 8; ++s) {
                scale[16 * (8 * b + s) + i] = s8[s];
                bias[16 * (8 * b + s) + i] = o8[s];
            }
        }
    } else if constexpr (D == DType::Q2_K) { // 84 B per 256: w = d·sc·u − dmin·m per 16, u < 4
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 84) {
            for (int g = 0; g < 8; ++g)
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 256 * b + 32 * g), int16codes::q2kBytes(w, g));
            const float d = f16(w + 80), dmin = f16(w + 82);
            for (int s = 0; s < 16; ++s) {
                scale[16 * (16 * b + s) + i] = d * static_cast<float>(w[s] & 15);
                bias[16 * (16 * b + s) + i] = -dmin * static_cast<float>(w[s] >> 4);
            }
        }
    } else if constexpr (D == DType::Q3_K) { // 110 B per 256: w = d·(sc − 32)·(u − 4) per 16, u < 8
        const __m256i four = _mm256_set1_epi8(4);
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 110) {
            for (int g = 0; g < 8; ++g)
                _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + 256 * b + 32 * g),
                                    _mm256_add_epi8(int16codes::q3kBytes(w, g), four));
            std::uint64_t s0, s1;
            int16codes::q3kScales(w, &s0, &s1);
            const float d = f16(w + 108);
            for (int s = 0; s < 16; ++s) {
                const float sc = d * static_cast<float>(static_cast<int>(((s < 8 ? s0 : s1) >> (8 * (s % 8))) & 0xFF) - 32);
                scale[16 * (16 * b + s) + i] = sc;
                bias[16 * (16 * b + s) + i] = -4.0f * sc;
            }
        }
    } else { // Q6_K, 210 B per 256: w = d·sc·(u − 32) per 16
        static_assert(D == DType::Q6_K);
        for (std::int64_t b = 0; b < cols / 256; ++b, w += 210) {
            for (int k = 0; k < 4; ++k) _mm512_storeu_si512(codes + 256 * b + 64 * k, int8codes::q6kCodes(w, k));
            alignas(64) float s16[16];
            _mm512_store_ps(s16, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(
                                                   _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 192)))),
                                               _mm512_set1_ps(f16(w + 208))));
            for (int s = 0; s < 16; ++s) {
                scale[16 * (16 * b + s) + i] = s16[s];
                bias[16 * (16 * b + s) + i] = -32.0f * s16[s];
            }
        }
    }
}

// 16 rows × 64 bytes (row stride ld) → 16 vectors: vector q holds bytes 4q … 4q + 3 of rows 0 … 15 in turn.
WS_VNNI void transpose16(const u8* src, std::int64_t ld, u8* dst) {
    __m512i r[16], t[16];
    for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_si512(src + i * ld);
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
    }
    // In each 128-bit lane L, r[4m + e] now holds dword 4L + e of rows 4m … 4m + 3.
    for (int m = 0; m < 4; ++m) {
        const __m512i* s = t + 4 * m;
        r[4 * m + 0] = _mm512_unpacklo_epi64(s[0], s[2]);
        r[4 * m + 1] = _mm512_unpackhi_epi64(s[0], s[2]);
        r[4 * m + 2] = _mm512_unpacklo_epi64(s[1], s[3]);
        r[4 * m + 3] = _mm512_unpackhi_epi64(s[1], s[3]);
    }
    for (int e = 0; e < 4; ++e) {
        const __m512i a0 = _mm512_shuffle_i32x4(r[e], r[4 + e], 0x88), a1 = _mm512_shuffle_i32x4(r[e], r[4 + e], 0xDD);
        const __m512i b0 = _mm512_shuffle_i32x4(r[8 + e], r[12 + e], 0x88), b1 = _mm512_shuffle_i32x4(r[8 + e], r[12 + e], 0xDD);
        _mm512_storeu_si512(dst + 64 * (0 + e), _mm512_shuffle_i32x4(a0, b0, 0x88));
        _mm512_storeu_si512(dst + 64 * (4 + e), _mm512_shuffle_i32x4(a1, b1, 0x88));
        _mm512_storeu_si512(dst + 64 * (8 + e), _mm512_shuffle_i32x4(a0, b0, 0xDD));
        _mm512_storeu_si512(dst + 64 * (12 + e), _mm512_shuffle_i32x4(a1, b1, 0xDD));
    }
}

WS_VNNI inline __m512i bcast4(const std::int8_t* p) {
    std::int32_t v;
    std::memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

// Tokens t0 … t0 + NT − 1 against the 16-row tile: y + t·ldy gets the 16 rows' sums (lanes of `rows`).
template <int NT, int G, bool kRes>
WS_VNNI void microInt8(const u8* codes, const float* scale, const float* bias, std::int64_t cols, const PromptInt8& x,
                       int t0, float* y, std::int64_t ldy, __mmask16 rows) {
    constexpr int kQuads = G / 4;
    const std::int64_t groups = cols / G;
    const std::int8_t* xq[NT];
    const std::int8_t* xr[NT];
    const float* unit[NT];
    const float* dsum[NT];
    for (int t = 0; t < NT; ++t) {
        const Int8Activations& a = x.tok[static_cast<std::size_t>(t0 + t)];
        xq[t] = a.q.data();
        xr[t] = a.r.data();
        unit[t] = a.unit.data();
        dsum[t] = G == 32 ? x.dsum32.data() + (t0 + t) * (cols / 32) : x.dsum16.data() + (t0 + t) * (cols / 16);
    }
    const __m512 hiOnly = _mm512_set1_ps(kRes ? 1.0f : 256.0f); // without residuals x ≈ d·q = unit·256·q
    __m512 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
    for (std::int64_t g = 0; g < groups; ++g) {
        const u8* wg = codes + g * kQuads * 64;
        const std::int64_t k0 = g * G;
        __m512i s[NT];
        for (int t = 0; t < NT; ++t) s[t] = _mm512_setzero_si512();
#pragma GCC unroll 8
        for (int q = 0; q < kQuads; ++q) {
            const __m512i w = _mm512_loadu_si512(wg + 64 * q);
            for (int t = 0; t < NT; ++t) s[t] = _mm512_dpbusd_epi32(s[t], w, bcast4(xq[t] + k0 + 4 * q));
        }
        if constexpr (kRes) { // 256·Σu·q + Σu·r, exact in int32 (|·| ≤ 32·255·127·257 < 2^31)
            for (int t = 0; t < NT; ++t) s[t] = _mm512_slli_epi32(s[t], 8);
#pragma GCC unroll 8
            for (int q = 0; q < kQuads; ++q) {
                const __m512i w = _mm512_loadu_si512(wg + 64 * q);
                for (int t = 0; t < NT; ++t) s[t] = _mm512_dpbusd_epi32(s[t], w, bcast4(xr[t] + k0 + 4 * q));
            }
        }
        const __m512 sc = _mm512_mul_ps(_mm512_loadu_ps(scale + 16 * g), hiOnly);
        const __m512 bi = _mm512_loadu_ps(bias + 16 * g);
        for (int t = 0; t < NT; ++t) {
            const __m512 f = _mm512_mul_ps(sc, _mm512_set1_ps(unit[t][k0 / 32]));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[t]), f, acc[t]);
            acc[t] = _mm512_fmadd_ps(bi, _mm512_set1_ps(dsum[t][g]), acc[t]);
        }
    }
    for (int t = 0; t < NT; ++t) _mm512_mask_storeu_ps(y + t * ldy, rows, acc[t]);
}

template <int G, bool kRes>
WS_VNNI void tokensInt8(const u8* codes, const float* scale, const float* bias, std::int64_t cols, const PromptInt8& x,
                        float* y, std::int64_t ldy, __mmask16 rows) {
    int t = 0;
    for (; t + 8 <= x.T; t += 8) microInt8<8, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows);
    switch (x.T - t) {
    case 7: microInt8<7, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    case 6: microInt8<6, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    case 5: microInt8<5, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    case 4: microInt8<4, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    case 3: microInt8<3, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    case 2: microInt8<2, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    case 1: microInt8<1, G, kRes>(codes, scale, bias, cols, x, t, y + t * ldy, ldy, rows); break;
    default: break;
    }
}

template <DType D>
WS_VNNI void rowsInt8(const MatJob& j, int r0, int r1, const PromptInt8& x) {
    constexpr int G = D == DType::Q6_K || D == DType::Q3_K || D == DType::Q2_K ? 16 : 32;
    const Matrix& W = *j.W;
    const std::int64_t cols = W.cols, ldy = j.ldy ? j.ldy : W.rows;
    const std::int64_t padded = (cols + 63) / 64 * 64, groups = cols / G;
    // Per thread, grown only: unpacked rows (their padding stays zero), the transposed tile, scales and offsets.
    thread_local std::vector<u8> rowCodes, tile;
    thread_local std::vector<float> scale, bias;
    const auto need = static_cast<std::size_t>(kRows * padded);
    if (rowCodes.size() < need) {
        rowCodes.assign(need, 0);
        tile.resize(need);
    }
    if (scale.size() < static_cast<std::size_t>(kRows * groups)) {
        scale.resize(static_cast<std::size_t>(kRows * groups));
        bias.resize(static_cast<std::size_t>(kRows * groups));
    }
    for (int r = r0; r < r1; r += kRows) {
        const int nr = std::min(kRows, r1 - r);
        // The next tile's weights towards L2 while this one is unpacked and multiplied (unpacking had waited on
        // memory: 1.03-1.1x on a Q4_K GEMM of 8-128 tokens, the most for the few tokens an MoE expert sees).
        if (r + kRows < r1) {
            const auto* p = reinterpret_cast<const char*>(W.row(r + kRows));
            const auto* e = reinterpret_cast<const char*>(W.row(std::min(r + 2 * kRows, r1) - 1)) + W.rowBytes();
            for (; p < e; p += 64) _mm_prefetch(p, _MM_HINT_T1);
        }
        for (int i = 0; i < nr; ++i) unpackRow<D>(W.row(r + i), cols, rowCodes.data() + i * padded, scale.data(), bias.data(), i);
        if (nr < kRows) { // rows past the end: zero codes and scales (their sums are not stored)
            std::fill(rowCodes.begin() + nr * padded, rowCodes.begin() + kRows * padded, u8{0});
            for (std::int64_t g = 0; g < groups; ++g)
                for (int i = nr; i < kRows; ++i) scale[static_cast<std::size_t>(16 * g + i)] = bias[static_cast<std::size_t>(16 * g + i)] = 0.0f;
        }
        for (std::int64_t c = 0; c < padded; c += 64) transpose16(rowCodes.data() + c, padded, tile.data() + 16 * c);
        const auto rows = static_cast<__mmask16>((1u << nr) - 1u);
        float* y = j.Y + (r - j.rowOffset);
        if (x.residual)
            tokensInt8<G, true>(tile.data(), scale.data(), bias.data(), cols, x, y, ldy, rows);
        else
            tokensInt8<G, false>(tile.data(), scale.data(), bias.data(), cols, x, y, ldy, rows);
    }
}

} // namespace

void gemmInt8Rows(const MatJob& j, int r0, int r1, const PromptInt8& x) {
    if (int8Isa() != QuantIsa::Avx512) return gemmInt16RowsAvx2(j, r0, r1, x);
    switch (j.W->dtype) {
    case DType::Q8_0: rowsInt8<DType::Q8_0>(j, r0, r1, x); break;
    case DType::Q4_0: rowsInt8<DType::Q4_0>(j, r0, r1, x); break;
    case DType::Q5_0: rowsInt8<DType::Q5_0>(j, r0, r1, x); break;
    case DType::Q4_K: rowsInt8<DType::Q4_K>(j, r0, r1, x); break;
    case DType::Q6_K: rowsInt8<DType::Q6_K>(j, r0, r1, x); break;
    case DType::Q4_1: rowsInt8<DType::Q4_1>(j, r0, r1, x); break;
    case DType::Q5_1: rowsInt8<DType::Q5_1>(j, r0, r1, x); break;
    case DType::IQ4_NL: rowsInt8<DType::IQ4_NL>(j, r0, r1, x); break;
    case DType::IQ4_XS: rowsInt8<DType::IQ4_XS>(j, r0, r1, x); break;
    case DType::Q5_K: rowsInt8<DType::Q5_K>(j, r0, r1, x); break;
    case DType::Q3_K: rowsInt8<DType::Q3_K>(j, r0, r1, x); break;
    case DType::Q2_K: rowsInt8<DType::Q2_K>(j, r0, r1, x); break;
    default: break;
    }
}
#else
void gemmInt8Rows(const MatJob& j, int r0, int r1, const PromptInt8& x) { gemmInt16RowsAvx2(j, r0, r1, x); }
#endif

} // namespace ws::cpu
