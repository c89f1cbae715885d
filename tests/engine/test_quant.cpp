// ggml block dequantisation (model/quant.cpp): hand-built blocks with known values, the scale packings
// sub-block by sub-block, blocks packed from random codes against the per-type formula, and dotBlocks against
// a float64 dot, and the SIMD dequantisation bit for bit against the portable one.
#include "model/quant.h"

#include "cpu/gemm_int8.h"
#include "model/quant_int8_avx2.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ws {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint16_t kF16One = 0x3C00, kF16Half = 0x3800, kF16Two = 0x4000, kF16MinusOne = 0xBC00,
                        kF16Quarter = 0x3400;

const DType kBlockTypes[] = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,  DType::Q2_K,
                             DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS};

constexpr int kIq4[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

void putF16(Bytes& b, int off, std::uint16_t h) {
    b[static_cast<std::size_t>(off)] = static_cast<std::uint8_t>(h & 0xFF);
    b[static_cast<std::size_t>(off) + 1] = static_cast<std::uint8_t>(h >> 8);
}

Bytes zeroBlock(DType t) { return Bytes(static_cast<std::size_t>(dtypeBlock(t).bytes), 0); }

std::vector<float> deq(DType t, const Bytes& b) {
    const BlockLayout bl = dtypeBlock(t);
    std::vector<float> y(b.size() / static_cast<std::size_t>(bl.bytes) * static_cast<std::size_t>(bl.elems));
    dequantizeBlocks(t, b.data(), y.data(), static_cast<std::int64_t>(b.size()) / bl.bytes);
    return y;
}

// Offsets of each type's f16 fields (d, and dmin or m).
std::vector<int> f16Fields(DType t) {
    switch (t) {
    case DType::Q4_1:
    case DType::Q5_1:
    case DType::Q4_K:
    case DType::Q5_K:
        return {0, 2};
    case DType::Q2_K:
        return {80, 82};
    case DType::Q3_K:
        return {108};
    case DType::Q6_K:
        return {208};
    default:
        return {0};
    }
}

// A finite f16 of magnitude 2^-8 … 2^3 with random sign and mantissa.
std::uint16_t randomF16(std::mt19937& rng) {
    const auto sign = static_cast<std::uint16_t>(rng() & 1u) << 15;
    const auto exp = static_cast<std::uint16_t>(15 - 8 + rng() % 11) << 10;
    return static_cast<std::uint16_t>(sign | exp | (rng() & 0x3FFu));
}

// Random bytes with finite, moderate f16 scales (plain types: finite values throughout).
Bytes randomBlocks(DType t, int nblocks, std::mt19937& rng) {
    const BlockLayout bl = dtypeBlock(t);
    Bytes b(static_cast<std::size_t>(bl.bytes * nblocks));
    for (auto& x : b)
        x = static_cast<std::uint8_t>(rng());
    if (t == DType::F32) {
        std::uniform_real_distribution<float> u(-4.0f, 4.0f);
        for (int i = 0; i < nblocks; ++i) {
            const float v = u(rng);
            std::memcpy(b.data() + 4 * i, &v, 4);
        }
    } else if (t == DType::F16) {
        for (int i = 0; i < nblocks; ++i)
            putF16(b, 2 * i, randomF16(rng));
    } else if (t == DType::BF16) {
        for (int i = 0; i < nblocks; ++i)
            b[static_cast<std::size_t>(2 * i + 1)] &= 0xBF; // exponent < 0xFF
    } else {
        for (int i = 0; i < nblocks; ++i)
            for (int off : f16Fields(t))
                putF16(b, i * bl.bytes + off, randomF16(rng));
    }
    return b;
}

// ---------------------------------------------------------------------------------------------------------------
// Packers: codes and scales into ggml's layouts, written in the quantising direction (ggml-common.h), so the
// tests do not reuse the decoder's indexing.

struct Codes {
    std::vector<int> q;     // per weight, the stored unsigned code (Q8_0: signed)
    std::vector<int> sc, m; // per sub-block, the stored scale and min codes
    std::uint16_t d = kF16One, dmin = kF16One;
};

void orAt(Bytes& b, int i, int v) { b[static_cast<std::size_t>(i)] |= static_cast<std::uint8_t>(v); }

// Q4_K / Q5_K: 8 six-bit scales and mins into 12 bytes.
void packScaleMinK4(Bytes& b, int off, const std::vector<int>& sc, const std::vector<int>& m) {
    for (int s = 0; s < 8; ++s) {
        if (s < 4) {
            orAt(b, off + s, sc[s]);
            orAt(b, off + s + 4, m[s]);
        } else {
            orAt(b, off + s + 4, (sc[s] & 0xF) | (m[s] & 0xF) << 4);
            orAt(b, off + s - 4, (sc[s] >> 4) << 6);
            orAt(b, off + s, (m[s] >> 4) << 6);
        }
    }
}

Bytes pack(DType t, const Codes& c) {
    Bytes b = zeroBlock(t);
    const auto& q = c.q;
    switch (t) {
    case DType::Q4_0:
    case DType::Q4_1: {
        const int qs = t == DType::Q4_0 ? 2 : 4;
        for (int j = 0; j < 32; ++j)
            orAt(b, qs + j % 16, q[j] << 4 * (j / 16));
        break;
    }
    case DType::Q5_0:
    case DType::Q5_1: {
        const int qh = t == DType::Q5_0 ? 2 : 4;
        for (int j = 0; j < 32; ++j) {
            orAt(b, qh + 4 + j % 16, (q[j] & 0xF) << 4 * (j / 16));
            orAt(b, qh + j / 8, (q[j] >> 4) << (j % 8)); // bit j of a little-endian u32
        }
        break;
    }
    case DType::Q8_0:
        for (int j = 0; j < 32; ++j)
            b[static_cast<std::size_t>(2 + j)] = static_cast<std::uint8_t>(q[j]);
        break;
    case DType::Q2_K:
    case DType::Q3_K: {
        // 128-weight halves; within one, 4 bit-pairs of 32 bytes: weight e at byte 32·(e/128) + e % 32.
        const int qs = t == DType::Q2_K ? 16 : 32;
        for (int e = 0; e < 256; ++e)
            orAt(b, qs + 32 * (e / 128) + e % 32, (q[e] & 3) << 2 * ((e / 32) % 4));
        if (t == DType::Q2_K) {
            for (int s = 0; s < 16; ++s)
                orAt(b, s, c.sc[s] | c.m[s] << 4);
            putF16(b, 80, c.d);
            putF16(b, 82, c.dmin);
        } else {
            for (int e = 0; e < 256; ++e)
                orAt(b, e % 32, (q[e] >> 2) << (e / 32)); // hmask
            for (int s = 0; s < 16; ++s) {
                orAt(b, 96 + s % 8, (c.sc[s] & 0xF) << 4 * (s / 8));
                orAt(b, 96 + 8 + s % 4, (c.sc[s] >> 4) << 2 * (s / 4));
            }
            putF16(b, 108, c.d);
        }
        break;
    }
    case DType::Q4_K:
    case DType::Q5_K: {
        packScaleMinK4(b, 4, c.sc, c.m);
        const int qs = t == DType::Q4_K ? 16 : 48;
        for (int e = 0; e < 256; ++e) {
            orAt(b, qs + 32 * (e / 64) + e % 32, (q[e] & 0xF) << 4 * ((e / 32) % 2));
            if (t == DType::Q5_K)
                orAt(b, 16 + e % 32, (q[e] >> 4) << (e / 32));
        }
        putF16(b, 2, c.dmin);
        break;
    }
    case DType::Q6_K:
        for (int e = 0; e < 256; ++e) {
            const int h = e / 128, g = (e % 128) / 32, l = e % 32;
            orAt(b, 64 * h + 32 * (g % 2) + l, (q[e] & 0xF) << 4 * (g / 2));
            orAt(b, 128 + 32 * h + l, (q[e] >> 4) << 2 * g);
        }
        for (int s = 0; s < 16; ++s)
            b[static_cast<std::size_t>(192 + s)] = static_cast<std::uint8_t>(c.sc[s]);
        putF16(b, 208, c.d);
        break;
    case DType::IQ4_XS: {
        int scalesH = 0;
        for (int s = 0; s < 8; ++s) {
            orAt(b, 4 + s / 2, (c.sc[s] & 0xF) << 4 * (s % 2));
            scalesH |= (c.sc[s] >> 4) << 2 * s;
        }
        b[2] = static_cast<std::uint8_t>(scalesH & 0xFF);
        b[3] = static_cast<std::uint8_t>(scalesH >> 8);
        for (int e = 0; e < 256; ++e)
            orAt(b, 8 + 16 * (e / 32) + e % 16, q[e] << 4 * ((e % 32) / 16));
        break;
    }
    default:
        break;
    }
    if (t == DType::Q4_0 || t == DType::Q4_1 || t == DType::Q5_0 || t == DType::Q5_1 || t == DType::Q8_0 ||
        t == DType::Q4_K || t == DType::Q5_K || t == DType::IQ4_XS)
        putF16(b, 0, c.d);
    if (t == DType::Q4_1 || t == DType::Q5_1)
        putF16(b, 2, c.dmin);
    return b;
}

// The value ggml's formula gives weight e, computed in double and rounded once (exact for the scales used
// here).
float expected(DType t, const Codes& c, int e) {
    const double d = f16ToFloat(c.d), dmin = f16ToFloat(c.dmin);
    const int q = c.q[static_cast<std::size_t>(e)];
    auto sub = [&](const std::vector<int>& v, int size) { return v[static_cast<std::size_t>(e / size)]; };
    double v = 0;
    switch (t) {
    case DType::Q4_0:
        v = d * (q - 8);
        break;
    case DType::Q4_1:
    case DType::Q5_1:
        v = d * q + dmin;
        break;
    case DType::Q5_0:
        v = d * (q - 16);
        break;
    case DType::Q8_0:
        v = d * q;
        break;
    case DType::Q2_K:
        v = d * sub(c.sc, 16) * q - dmin * sub(c.m, 16);
        break;
    case DType::Q3_K:
        v = d * (sub(c.sc, 16) - 32) * (q - 4);
        break;
    case DType::Q4_K:
    case DType::Q5_K:
        v = d * sub(c.sc, 32) * q - dmin * sub(c.m, 32);
        break;
    case DType::Q6_K:
        v = d * static_cast<std::int8_t>(sub(c.sc, 16)) * (q - 32);
        break;
    case DType::IQ4_XS:
        v = d * (sub(c.sc, 32) - 32) * kIq4[q];
        break;
    default:
        break;
    }
    return static_cast<float>(v);
}

struct TypeShape {
    int codeBits, subBlock, scaleBits, minBits;
};

TypeShape shapeOf(DType t) {
    switch (t) {
    case DType::Q4_0:
    case DType::Q4_1:
        return {4, 32, 0, 0};
    case DType::Q5_0:
    case DType::Q5_1:
        return {5, 32, 0, 0};
    case DType::Q8_0:
        return {8, 32, 0, 0};
    case DType::Q2_K:
        return {2, 16, 4, 4};
    case DType::Q3_K:
        return {3, 16, 6, 0};
    case DType::Q4_K:
        return {4, 32, 6, 6};
    case DType::Q5_K:
        return {5, 32, 6, 6};
    case DType::Q6_K:
        return {6, 16, 8, 0};
    case DType::IQ4_XS:
        return {4, 32, 6, 0};
    default:
        return {0, 1, 0, 0};
    }
}

Codes randomCodes(DType t, std::mt19937& rng) {
    const TypeShape sh = shapeOf(t);
    const int n = dtypeBlock(t).elems;
    Codes c;
    for (int e = 0; e < n; ++e) {
        int q = static_cast<int>(rng() % (1u << sh.codeBits));
        if (t == DType::Q8_0)
            q -= 128;
        c.q.push_back(q);
    }
    for (int s = 0; s < n / sh.subBlock; ++s) {
        c.sc.push_back(sh.scaleBits ? static_cast<int>(rng() % (1u << sh.scaleBits)) : 0);
        c.m.push_back(sh.minBits ? static_cast<int>(rng() % (1u << sh.minBits)) : 0);
    }
    c.d = randomF16(rng);
    c.dmin = randomF16(rng);
    return c;
}

void expectBlock(DType t, const Codes& c, const char* what) {
    const std::vector<float> y = deq(t, pack(t, c));
    int bad = 0;
    for (int e = 0; e < static_cast<int>(y.size()); ++e) {
        const float want = expected(t, c, e);
        if (std::memcmp(&y[static_cast<std::size_t>(e)], &want, sizeof want) != 0 && ++bad <= 5)
            ADD_FAILURE() << dtypeName(t) << " " << what << ": weight " << e << " = "
                          << y[static_cast<std::size_t>(e)] << ", expected " << want << " (code "
                          << c.q[static_cast<std::size_t>(e)] << ")";
    }
    EXPECT_EQ(bad, 0) << dtypeName(t) << " " << what;
}

Codes constantCodes(DType t, int q, int sc, int m) {
    const TypeShape sh = shapeOf(t);
    const int n = dtypeBlock(t).elems;
    Codes c;
    c.q.assign(static_cast<std::size_t>(n), q);
    c.sc.assign(static_cast<std::size_t>(n / sh.subBlock), sc);
    c.m.assign(static_cast<std::size_t>(n / sh.subBlock), m);
    return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-built blocks: literal bytes, literal answers.

TEST(Quant, Q4_0NibbleOrderAndOffset) {
    Bytes b = zeroBlock(DType::Q4_0);
    putF16(b, 0, kF16Half);
    for (int j = 0; j < 16; ++j)
        b[static_cast<std::size_t>(2 + j)] = static_cast<std::uint8_t>(j | (15 - j) << 4);
    const auto y = deq(DType::Q4_0, b);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[static_cast<std::size_t>(j)], 0.5f * static_cast<float>(j - 8)) << j;
        EXPECT_EQ(y[static_cast<std::size_t>(j + 16)], 0.5f * static_cast<float>(7 - j)) << j;
    }
}

TEST(Quant, Q4_1AddsTheMin) {
    Bytes b = zeroBlock(DType::Q4_1);
    putF16(b, 0, kF16Two);
    putF16(b, 2, kF16MinusOne);
    for (int j = 0; j < 16; ++j)
        b[static_cast<std::size_t>(4 + j)] = static_cast<std::uint8_t>(j | (15 - j) << 4);
    const auto y = deq(DType::Q4_1, b);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[static_cast<std::size_t>(j)], static_cast<float>(2 * j - 1)) << j;
        EXPECT_EQ(y[static_cast<std::size_t>(j + 16)], static_cast<float>(2 * (15 - j) - 1)) << j;
    }
}

TEST(Quant, Q5FifthBitsFromLittleEndianU32) {
    // qh = 0x80000001: weight 0 and weight 31 get bit 4. Nibbles all 0xF.
    for (DType t : {DType::Q5_0, DType::Q5_1}) {
        Bytes b = zeroBlock(t);
        const int qh = t == DType::Q5_0 ? 2 : 4;
        putF16(b, 0, kF16One);
        if (t == DType::Q5_1)
            putF16(b, 2, kF16Quarter);
        b[static_cast<std::size_t>(qh)] = 0x01;
        b[static_cast<std::size_t>(qh + 3)] = 0x80;
        for (int j = 0; j < 16; ++j)
            b[static_cast<std::size_t>(qh + 4 + j)] = 0xFF;
        const auto y = deq(t, b);
        const float off = t == DType::Q5_0 ? -16.0f : 0.25f;
        for (int j = 0; j < 32; ++j) {
            const float q = (j == 0 || j == 31) ? 31.0f : 15.0f;
            EXPECT_EQ(y[static_cast<std::size_t>(j)], q + off) << dtypeName(t) << " weight " << j;
        }
    }
}

TEST(Quant, Q8_0SignedCodes) {
    Bytes b = zeroBlock(DType::Q8_0);
    putF16(b, 0, kF16Quarter);
    const int codes[4] = {-128, 127, -1, 0};
    for (int j = 0; j < 32; ++j)
        b[static_cast<std::size_t>(2 + j)] = static_cast<std::uint8_t>(codes[j % 4]);
    const auto y = deq(DType::Q8_0, b);
    for (int j = 0; j < 32; ++j)
        EXPECT_EQ(y[static_cast<std::size_t>(j)], 0.25f * static_cast<float>(codes[j % 4]));
}

TEST(Quant, Q2_KScaleAndMinOfEverySubBlock) {
    // scales[s] = sc | m << 4 with sc = s, m = 15 − s; every 2-bit code 1; d = 1, dmin = 0.5.
    Bytes b = zeroBlock(DType::Q2_K);
    for (int s = 0; s < 16; ++s)
        b[static_cast<std::size_t>(s)] = static_cast<std::uint8_t>(s | (15 - s) << 4);
    for (int i = 0; i < 64; ++i)
        b[static_cast<std::size_t>(16 + i)] = 0x55;
    putF16(b, 80, kF16One);
    putF16(b, 82, kF16Half);
    const auto y = deq(DType::Q2_K, b);
    for (int e = 0; e < 256; ++e) {
        const int s = e / 16;
        EXPECT_EQ(y[static_cast<std::size_t>(e)], static_cast<float>(s) - 0.5f * static_cast<float>(15 - s))
            << e;
    }
    // Codes by position: byte 16 + 32·h + l holds weights 128·h + l + {0, 32, 64, 96} in bit pairs 0, 2,
    // 4, 6.
    Bytes c = zeroBlock(DType::Q2_K);
    for (int s = 0; s < 16; ++s)
        c[static_cast<std::size_t>(s)] = 1;
    c[16 + 32 + 5] = 0b11100100; // weights 133, 165, 197, 229 = 0, 1, 2, 3
    putF16(c, 80, kF16One);
    const auto z = deq(DType::Q2_K, c);
    EXPECT_EQ(z[133], 0.0f);
    EXPECT_EQ(z[165], 1.0f);
    EXPECT_EQ(z[197], 2.0f);
    EXPECT_EQ(z[229], 3.0f);
    EXPECT_EQ(z[5], 0.0f);
}

TEST(Quant, Q3_KClearHighBitSubtractsFour) {
    // All bytes zero but d: scale code 0 → scale −32; low bits 0 and hmask clear → q = −4; w = 128·d.
    Bytes b = zeroBlock(DType::Q3_K);
    putF16(b, 108, kF16Half);
    for (float v : deq(DType::Q3_K, b))
        EXPECT_EQ(v, 64.0f);
    // hmask byte 3 bit 5 set: weight 32·5 + 3 = 163 has q = 0 → 0.
    b[3] = 0x20;
    const auto y = deq(DType::Q3_K, b);
    EXPECT_EQ(y[163], 0.0f);
    EXPECT_EQ(y[162], 64.0f);
}

TEST(Quant, Q3_KSixBitScalesOfAll16SubBlocks) {
    // Literal packing: scales[0] = 0x21 → sub-blocks 0 (low nibble 1) and 8 (high nibble 2); scales[8] =
    // 0b11100100 gives the top bits of sub-blocks 0, 4, 8, 12 = 0, 1, 2, 3.
    Bytes b = zeroBlock(DType::Q3_K);
    b[96] = 0x21;
    b[96 + 8] = 0b11100100;
    putF16(b, 108, kF16One);
    std::memset(b.data(), 0xFF, 32); // hmask set: q = the low bits
    for (int i = 0; i < 64; ++i)
        b[static_cast<std::size_t>(32 + i)] = 0x55; // low bits 1 everywhere
    const auto y = deq(DType::Q3_K, b);
    EXPECT_EQ(y[0], static_cast<float>((1 | 0 << 4) - 32));
    EXPECT_EQ(y[4 * 16], static_cast<float>((0 | 1 << 4) - 32));
    EXPECT_EQ(y[8 * 16], static_cast<float>((2 | 2 << 4) - 32));
    EXPECT_EQ(y[12 * 16], static_cast<float>((0 | 3 << 4) - 32));
    EXPECT_EQ(y[1 * 16], -32.0f);
    // Each sub-block alone, through the packer: a distinct scale with both nibble halves and top bits
    // exercised.
    for (int s = 0; s < 16; ++s) {
        Codes c = constantCodes(DType::Q3_K, 7, 32, 0); // q − 4 = 3, scale 0 elsewhere
        c.sc[static_cast<std::size_t>(s)] = (s * 37 + 5) % 64;
        expectBlock(DType::Q3_K, c, "scale of one sub-block");
    }
}

TEST(Quant, KQuantScaleMinPackingOfAll8SubBlocks) {
    // Literal: scales[0] = 0xC0 (top bits 3 of sc[4]), scales[8] = 0x21 → sc[4] = 1 | 3 << 4 = 49, m[4] = 2.
    for (DType t : {DType::Q4_K, DType::Q5_K}) {
        Bytes b = zeroBlock(t);
        putF16(b, 0, kF16One);
        putF16(b, 2, kF16Half);
        b[4 + 0] = 0xC0;
        b[4 + 8] = 0x21;
        const int qs = t == DType::Q4_K ? 16 : 48;
        b[static_cast<std::size_t>(qs + 64)] = 0x03; // weight 128 (sub-block 4): code 3
        const auto y = deq(t, b);
        EXPECT_EQ(y[128], 49.0f * 3.0f - 0.5f * 2.0f) << dtypeName(t);
        EXPECT_EQ(y[129], -1.0f) << dtypeName(t);
        EXPECT_EQ(y[0], 0.0f) << dtypeName(t); // sc[0] = 0xC0 & 63 = 0
    }
    const int sc[8] = {1, 17, 33, 63, 5, 21, 42, 60}, m[8] = {63, 2, 48, 31, 16, 59, 7, 36};
    for (DType t : {DType::Q4_K, DType::Q5_K})
        for (int s = 0; s < 8; ++s) {
            Codes c = constantCodes(t, 1, 0, 0);
            c.sc[static_cast<std::size_t>(s)] = sc[s];
            c.m[static_cast<std::size_t>(s)] = m[s];
            expectBlock(t, c, "scale and min of one sub-block");
        }
}

TEST(Quant, Q5_KHighBits) {
    // qh[l] bit s is bit 4 of weight 32·s + l.
    Bytes b = zeroBlock(DType::Q5_K);
    putF16(b, 0, kF16One);
    b[4] = 1; // sc[0] = 1
    b[16 + 7] = 0x01;
    const auto y = deq(DType::Q5_K, b);
    EXPECT_EQ(y[7], 16.0f);
    EXPECT_EQ(y[6], 0.0f);
}

TEST(Quant, Q6_KSignedScalesAndCodeOffset) {
    // All codes 0 → q = −32; scales −128, −1, 0, 1, 127, …; d = 0.5.
    Bytes b = zeroBlock(DType::Q6_K);
    const int sc[16] = {-128, -1, 0, 1, 127, -64, 64, 3, -3, 100, -100, 2, -2, 50, -50, 9};
    for (int s = 0; s < 16; ++s)
        b[static_cast<std::size_t>(192 + s)] = static_cast<std::uint8_t>(sc[s]);
    putF16(b, 208, kF16Half);
    const auto y = deq(DType::Q6_K, b);
    for (int e = 0; e < 256; ++e)
        EXPECT_EQ(y[static_cast<std::size_t>(e)], 0.5f * static_cast<float>(sc[e / 16]) * -32.0f) << e;
    // Weight 128 + 64 + 5 (h 1, g 2): high nibble of ql[64 + 5], bits 4-5 of qh[32 + 5]; code 63 → 31.
    b[64 + 5] = 0xF0;
    b[128 + 32 + 5] = 0x30;
    EXPECT_EQ(deq(DType::Q6_K, b)[197], 0.5f * static_cast<float>(sc[197 / 16]) * 31.0f);
}

TEST(Quant, IQ4_XSTableAndSplitScales) {
    // ls = 33 (scale 1) everywhere: weight j < 16 of a sub-block is kvalues[low nibble], j ≥ 16 the high one.
    Bytes b = zeroBlock(DType::IQ4_XS);
    putF16(b, 0, kF16One);
    b[2] = 0x55; // scales_h: top bits 1 for every sub-block → 16
    b[3] = 0x55;
    for (int i = 0; i < 4; ++i)
        b[static_cast<std::size_t>(4 + i)] = 0x11; // low nibbles 1 → ls = 17
    for (int j = 0; j < 16; ++j)
        b[static_cast<std::size_t>(8 + j)] = static_cast<std::uint8_t>(j | (15 - j) << 4);
    const auto y = deq(DType::IQ4_XS, b);
    for (int j = 0; j < 16; ++j) {
        EXPECT_EQ(y[static_cast<std::size_t>(j)], static_cast<float>(-15 * kIq4[j])) << j; // ls − 32 = −15
        EXPECT_EQ(y[static_cast<std::size_t>(j + 16)], static_cast<float>(-15 * kIq4[15 - j])) << j;
    }
    // Each sub-block's 6-bit scale alone: low nibble from scales_l[s/2] (nibble s % 2), top bits at 2·s of
    // scales_h.
    const int ls[8] = {0, 1, 31, 32, 33, 47, 63, 16};
    for (int s = 0; s < 8; ++s) {
        Codes c = constantCodes(DType::IQ4_XS, 15, 32, 0);
        c.sc[static_cast<std::size_t>(s)] = ls[s];
        for (int e = 0; e < 256; ++e)
            c.q[static_cast<std::size_t>(e)] = (e * 7 + s) % 16;
        expectBlock(DType::IQ4_XS, c, "scale of one sub-block");
    }
}

TEST(Quant, PlainTypes) {
    const std::uint16_t f16[3] = {kF16One, kF16MinusOne, 0x0001}; // 1, −1, the smallest subnormal
    float y[3];
    dequantizeBlocks(DType::F16, f16, y, 3);
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], -1.0f);
    EXPECT_EQ(y[2], 0x1p-24f);
    const std::uint16_t bf16[2] = {0x3F80, 0xC040}; // 1, −3
    dequantizeBlocks(DType::BF16, bf16, y, 2);
    EXPECT_EQ(y[0], 1.0f);
    EXPECT_EQ(y[1], -3.0f);
    const float f32[2] = {1.5f, -2.25f};
    dequantizeBlocks(DType::F32, f32, y, 2);
    EXPECT_EQ(y[0], 1.5f);
    EXPECT_EQ(y[1], -2.25f);
}

// ---------------------------------------------------------------------------------------------------------------
// Random blocks.

TEST(Quant, RandomCodesMatchTheFormula) {
    std::mt19937 rng(12);
    for (DType t : kBlockTypes)
        for (int i = 0; i < 50; ++i)
            expectBlock(t, randomCodes(t, rng), "random codes");
}

TEST(Quant, ManyBlocksEqualSingleBlocksAndStayFinite) {
    std::mt19937 rng(7);
    std::vector<DType> types(std::begin(kBlockTypes), std::end(kBlockTypes));
    types.insert(types.end(), {DType::F32, DType::F16, DType::BF16});
    for (DType t : types) {
        const BlockLayout bl = dtypeBlock(t);
        const Bytes b = randomBlocks(t, 3, rng);
        const std::vector<float> all = deq(t, b);
        std::vector<float> one(static_cast<std::size_t>(bl.elems));
        for (int i = 0; i < 3; ++i) {
            dequantizeBlocks(t, b.data() + i * bl.bytes, one.data(), 1);
            EXPECT_EQ(std::memcmp(one.data(), all.data() + i * bl.elems, one.size() * sizeof(float)), 0)
                << dtypeName(t) << " block " << i;
        }
        for (float v : all)
            ASSERT_TRUE(std::isfinite(v)) << dtypeName(t);
    }
}

TEST(Quant, DotBlocksMatchesFloat64AtEveryLevel) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<DType> types(std::begin(kBlockTypes), std::end(kBlockTypes));
    types.insert(types.end(), {DType::F32, DType::F16, DType::BF16});
    const QuantIsa best = quantIsaBest();
    for (DType t : types) {
        const BlockLayout bl = dtypeBlock(t);
        for (int nb : {1, 5}) {
            const int n = nb * (bl.elems == 1 ? 64 : 1); // plain types: 64 elements
            const Bytes b = randomBlocks(t, n, rng);
            std::vector<float> x(static_cast<std::size_t>(n * bl.elems));
            for (auto& v : x)
                v = u(rng);
            const std::vector<float> w = deq(t, b);
            double exact = 0, mag = 0;
            for (std::size_t i = 0; i < w.size(); ++i) {
                exact += static_cast<double>(w[i]) * x[i];
                mag += std::fabs(static_cast<double>(w[i]) * x[i]);
            }
            for (QuantIsa isa : {QuantIsa::Portable, QuantIsa::Avx2, QuantIsa::Avx512}) {
                if (isa > best)
                    continue;
                const float got = dotBlocksWith(isa, t, b.data(), x.data(), n);
                EXPECT_NEAR(got, exact, 1e-5 * mag + 1e-30)
                    << dtypeName(t) << " nblocks " << n << " level " << static_cast<int>(isa);
            }
            EXPECT_EQ(dotBlocks(t, b.data(), x.data(), n), dotBlocksWith(best, t, b.data(), x.data(), n));
        }
    }
}

// Every block type at every level the CPU has, against the portable code bit for bit (memcmp), with f16
// scales that include the extremes (largest, subnormal, signed zeros, infinities, NaNs with payloads), from
// and into unaligned addresses.
TEST(Quant, DequantizeBlocksBitIdenticalAtEveryLevel) {
    const std::uint16_t extremes[] = {0x7BFF, 0xFBFF, 0x0001, 0x8001, 0x03FF, 0x0400, 0x0000, 0x8000,
                                      0x7C00, 0xFC00, 0x7E00, 0xFE01, 0x7D55, 0x7C01};
    std::mt19937 rng(99);
    std::vector<DType> types(std::begin(kBlockTypes), std::end(kBlockTypes));
    types.push_back(DType::IQ4_NL);
    const QuantIsa best = quantIsaBest();
    int compared = 0;
    for (DType t : types) {
        const BlockLayout bl = dtypeBlock(t);
        for (int nb : {1, 2, 7, 64}) {
            for (int round = 0; round < 4; ++round) {
                Bytes b = randomBlocks(t, nb, rng);
                for (int i = 0; i < nb; ++i)
                    for (int off : f16Fields(t))
                        if (round > 0 && rng() % 2)
                            putF16(b, i * bl.bytes + off, extremes[rng() % std::size(extremes)]);
                const int srcOff = static_cast<int>(rng() % 16), dstOff = static_cast<int>(rng() % 16);
                Bytes src(b.size() + 16);
                std::memcpy(src.data() + srcOff, b.data(), b.size());
                const std::size_t n = static_cast<std::size_t>(nb * bl.elems);
                std::vector<float> want(n), got(n + 16);
                dequantizeBlocksWith(QuantIsa::Portable, t, b.data(), want.data(), nb);
                for (QuantIsa isa : {QuantIsa::Avx2, QuantIsa::Avx512}) {
                    if (isa > best)
                        continue;
                    std::fill(got.begin(), got.end(), -7.0f);
                    dequantizeBlocksWith(isa, t, src.data() + srcOff, got.data() + dstOff, nb);
                    EXPECT_EQ(std::memcmp(got.data() + dstOff, want.data(), n * sizeof(float)), 0)
                        << dtypeName(t) << " nblocks " << nb << " round " << round << " level "
                        << static_cast<int>(isa);
                    for (std::size_t k = 0; k < got.size(); ++k) { // nothing written around dst
                        const auto off = static_cast<std::size_t>(dstOff);
                        if (k < off || k >= n + off) {
                            EXPECT_EQ(got[k], -7.0f) << dtypeName(t) << " wrote outside dst at " << k;
                        }
                    }
                    ++compared;
                }
                std::vector<float> dflt(n);
                dequantizeBlocks(t, src.data() + srcOff, dflt.data(), nb);
                EXPECT_EQ(std::memcmp(dflt.data(), want.data(), n * sizeof(float)), 0) << dtypeName(t);
            }
        }
    }
    std::printf("best level %d, %d SIMD comparisons\n", static_cast<int>(best), compared);
}


// The int8 activations: per 32 values d = max|x|/127, q = round(x/d), r = round(256·(x/d − q)); x ≈ d/256·c with
// c = 256·q + r, and the sums the dots need.
TEST(Quant, Int8ActivationsQuantiseEachBlockOf32) {
    std::mt19937 rng(21);
    std::normal_distribution<float> g(0.0f, 3.0f);
    std::vector<float> x(96);
    for (auto& v : x)
        v = g(rng);
    for (int i = 32; i < 64; ++i)
        x[static_cast<std::size_t>(i)] = 0.0f; // an all-zero block: unit 0, codes 0
    Int8Activations a;
    a.assign(x.data(), 96);
    ASSERT_EQ(a.unit.size(), 3u);
    ASSERT_EQ(a.q.size(), 128u); // padded to a multiple of 64 with zeros
    ASSERT_EQ(a.r.size(), 128u);
    for (int b = 0; b < 3; ++b) {
        double amax = 0;
        for (int i = 0; i < 32; ++i)
            amax = std::max(amax, std::fabs(static_cast<double>(x[static_cast<std::size_t>(32 * b + i)])));
        const double unit = a.unit[static_cast<std::size_t>(b)];
        EXPECT_NEAR(unit, amax / 127.0 / 256.0, 1e-6 * amax / 127.0 / 256.0);
        long total = 0;
        for (int i = 0; i < 32; ++i) {
            const std::size_t k = static_cast<std::size_t>(32 * b + i);
            EXPECT_LE(std::abs(a.q[k]), 127);
            EXPECT_LE(std::fabs(unit * 256.0 * a.q[k] - x[k]), 0.5 * 256.0 * unit + 1e-6 * amax) << k;
            const long c = 256L * a.q[k] + a.r[k];
            EXPECT_LE(std::fabs(unit * static_cast<double>(c) - x[k]), 0.5 * unit + 1e-6 * amax) << k; // ~16 bits
            total += c;
            if (!a.c.empty()) { // AVX2's 16-bit codes: the block's even elements, then its odd ones
                EXPECT_EQ(a.c[static_cast<std::size_t>(32 * b + i / 2 + (i % 2) * 16)], c) << k;
            }
        }
        EXPECT_NEAR(a.dsum[static_cast<std::size_t>(b)], unit * static_cast<double>(total),
                    1e-5 * std::fabs(a.dsum[static_cast<std::size_t>(b)]) + 1e-30);
    }
    for (std::size_t l = 0; l < a.sum4.size(); ++l) {
        long want = 0;
        for (std::size_t k = 4 * l; k < 4 * l + 4; ++k)
            want += 256L * a.q[k] + a.r[k];
        EXPECT_EQ(a.sum4[l], want) << l;
    }
    for (std::size_t k = 96; k < 128; ++k)
        EXPECT_EQ(a.q[k] | a.r[k], 0);
}

// a's sums per 16 (dsum16) and, where AVX2's 16-bit codes are wanted, its codes c against those of want's codes
// q, r and units.
void expectCodes16(const Int8Activations& a, const Int8Activations& want, QuantIsa isa, bool codes) {
    if (codes) {
        ASSERT_EQ(a.c.size(), want.q.size()) << static_cast<int>(isa);
        for (std::size_t k = 0; k < want.q.size(); ++k)
            EXPECT_EQ(a.c[k / 32 * 32 + k % 32 / 2 + k % 2 * 16], 256 * want.q[k] + want.r[k]) << k;
    }
    ASSERT_EQ(a.dsum16.size(), 2 * want.unit.size()) << static_cast<int>(isa);
    for (std::size_t h = 0; h < a.dsum16.size(); ++h) {
        std::int32_t sum = 0;
        for (std::size_t k = 16 * h; k < 16 * h + 16; ++k)
            sum += 256 * want.q[k] + want.r[k];
        EXPECT_EQ(a.dsum16[h], want.unit[h / 2] * static_cast<float>(sum)) << static_cast<int>(isa) << " half " << h;
    }
}

// Every level of the quantiser (AVX-512, AVX2, portable) gives the same codes, sums and scales, bit for bit: on
// values of very different sizes per block, an all-zero block, exact halves (round to even) and a block whose
// largest value is negative.
TEST(Quant, Int8ActivationsEveryLevelBitIdentical) {
    std::mt19937 rng(std::random_device{}());
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> x(32 * 40);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = g(rng) * std::ldexp(1.0f, static_cast<int>(i / 32 % 9) * 4 - 16);
    for (int i = 64; i < 96; ++i)
        x[static_cast<std::size_t>(i)] = 0.0f;
    for (int i = 96; i < 128; ++i) // x/d lands on k + 0.5 for several elements: 127·(j/2 + 0.5)/127
        x[static_cast<std::size_t>(i)] = static_cast<float>((i - 96) % 8) + 0.5f;
    x[96] = 127.0f;
    x[140] = -50.0f; // the block's largest |x| negative
    Int8Activations want;
    want.assignWith(QuantIsa::Portable, x.data(), static_cast<std::int64_t>(x.size()));
    int levels = 0;
    for (QuantIsa isa : {QuantIsa::Avx2, QuantIsa::Avx512}) {
        if (isa > int8Isa())
            continue;
        Int8Activations got;
        got.assignWith(isa, x.data(), static_cast<std::int64_t>(x.size()));
        EXPECT_EQ(got.q, want.q) << static_cast<int>(isa);
        EXPECT_EQ(got.r, want.r) << static_cast<int>(isa);
        EXPECT_EQ(got.sum4, want.sum4) << static_cast<int>(isa);
        EXPECT_EQ(got.dsum16, want.dsum16) << static_cast<int>(isa);
        EXPECT_EQ(got.qPaired, want.qPaired) << static_cast<int>(isa);
        EXPECT_EQ(got.rPaired, want.rPaired) << static_cast<int>(isa);
        // and the sums per 16 (the K-quants' minimums per 16 read them), with AVX2's 16-bit codes at that level
        // (each block's even elements, then its odd ones)
        expectCodes16(got, want, isa, isa == QuantIsa::Avx2);
        if (isa == QuantIsa::Avx512) {
            EXPECT_TRUE(got.c.empty()); // only AVX2's dots read them
        }
        ASSERT_EQ(got.unit.size(), want.unit.size());
        for (std::size_t b = 0; b < want.unit.size(); ++b) {
            EXPECT_EQ(got.unit[b], want.unit[b]) << static_cast<int>(isa) << " block " << b;
            EXPECT_EQ(got.dsum[b], want.dsum[b]) << static_cast<int>(isa) << " block " << b;
        }
        ++levels;
    }
    if (levels == 0)
        GTEST_SKIP() << "no SIMD int8 level on this CPU";
}

// The int8 dots (AVX-512 VNNI, AVX2) against float64 Σ w·(d·q) on the weights dequantised independently (deq)
// and the activations as quantised: the integer products are exact, so only the float scaling rounds.
TEST(Quant, Int8DotMatchesFloat64OnQuantisedActivations) {
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 1.0f);
    int tested = 0;
    for (QuantIsa isa : {QuantIsa::Avx2, QuantIsa::Avx512})
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q5_0, DType::Q4_1, DType::Q5_1, DType::Q2_K, DType::Q3_K, DType::Q4_K,
                    DType::Q5_K, DType::Q6_K, DType::IQ4_XS, DType::IQ4_NL}) {
        if (isa > int8Isa() || !int8DotKernel(t, isa)) // AVX2's kernels run on AVX-512 CPUs too
            continue;
        const BlockLayout bl = dtypeBlock(t);
        for (int nb : {1, 2, 3, 8, 17, 32, 44, -5}) {
            // nb < 0: |nb| blocks whose codes all sit at the largest magnitude (Q8_0: -128; IQ4: code 0, -127; Q3_K: -4; the
            // others: every bit of the codes set) against activations near -1, every code near -127: the pair sums'
            // worst case.
            const bool extreme = nb < 0;
            nb = std::abs(nb);
            Bytes b = randomBlocks(t, nb, rng);
            std::vector<float> x(static_cast<std::size_t>(nb * bl.elems));
            for (auto& v : x)
                v = extreme ? -1.0f + 0.004f * g(rng) : g(rng);
            if (extreme) {
                // the code bytes of each block: [begin, end) (ggml-common.h)
                const auto [begin, end] = t == DType::Q8_0 ? std::pair{2, 34}
                                        : t == DType::Q4_0 ? std::pair{2, 18}
                                        : t == DType::Q5_0 ? std::pair{2, 22}
                                        : t == DType::Q4_1 ? std::pair{4, 20}
                                        : t == DType::Q5_1 ? std::pair{4, 24}
                                        : t == DType::Q4_K ? std::pair{16, 144}
                                        : t == DType::Q2_K ? std::pair{16, 80}
                                        : t == DType::Q3_K ? std::pair{0, 96}
                                        : t == DType::Q5_K ? std::pair{16, 176}
                                        : t == DType::IQ4_XS ? std::pair{8, 136}
                                        : t == DType::IQ4_NL ? std::pair{2, 18}
                                                           : std::pair{0, 192};
                const bool zeroCodes = t == DType::IQ4_XS || t == DType::IQ4_NL || t == DType::Q3_K;
                const std::uint8_t fill = t == DType::Q8_0 ? 0x80 : zeroCodes ? 0x00 : 0xFF;
                for (int i = 0; i < nb; ++i)
                    for (int k = begin; k < end; ++k)
                        b[static_cast<std::size_t>(i * bl.bytes + k)] = fill;
            }
            Int8Activations a;
            a.assignWith(isa, x.data(), static_cast<std::int64_t>(x.size()));
            const std::vector<float> w = deq(t, b);
            double exact = 0, mag = 0, vsFloat = 0;
            for (std::size_t i = 0; i < w.size(); ++i) {
                const double xq = static_cast<double>(a.unit[i / 32]) * (256.0 * a.q[i] + a.r[i]);
                exact += static_cast<double>(w[i]) * xq;
                mag += std::fabs(static_cast<double>(w[i]) * xq);
                vsFloat += static_cast<double>(w[i]) * x[i];
            }
            const float got = dotBlocksInt8With(isa, t, b.data(), a, nb);
            const int level = static_cast<int>(isa);
            EXPECT_NEAR(got, exact, 1e-5 * mag + 1e-30) << dtypeName(t) << " nblocks " << nb << " level " << level;
            // and, as a whole, close to the float dot (x to ~16 bits: 1/(2·127·256) of each block's largest |x|)
            EXPECT_NEAR(got, vsFloat, 1e-4 * mag + 1e-30) << dtypeName(t) << " nblocks " << nb << " level " << level;
            if (isa == QuantIsa::Avx512) { // the VNNI dots read only what every level of the quantiser fills alike
                Int8Activations portable;
                portable.assignWith(QuantIsa::Portable, x.data(), static_cast<std::int64_t>(x.size()));
                EXPECT_EQ(dotBlocksInt8With(isa, t, b.data(), portable, nb), got) << dtypeName(t) << " nblocks " << nb;
            }
            ++tested;
        }
    }
    if (tested == 0)
        GTEST_SKIP() << "no int8 dot level (AVX-512 VNNI, AVX2) on this CPU";
}

// The several-rows kernel (AVX2: Q8_0, Q4_0, Q5_0, IQ4_NL) against float64 Σ w·x̂ per row, x̂ the activations as quantised,
// and bit for bit against the one-row dots (the same additions in the same order): rows 4 at a time and the rest
// one by one, at a stride wider than a row.
TEST(Quant, Int8RowsKernelMatchesFloat64PerRow) {
    std::mt19937 rng(12);
    std::normal_distribution<float> g(0.0f, 1.0f);
    int tested = 0;
    for (DType t : {DType::Q8_0, DType::Q4_0, DType::Q5_0, DType::IQ4_NL}) {
        const Int8RowsKernel rows = int8RowsKernel(t);
        if (!rows)
            continue;
        const BlockLayout bl = dtypeBlock(t);
        for (int nb : {1, 3, 4, 6, 8}) { // 6: a quad of blocks and 2 alone
            const int nrows = 11;
            const std::size_t rowBytes = static_cast<std::size_t>(nb * bl.bytes), stride = rowBytes + 6;
            const Bytes packed = randomBlocks(t, nrows * nb, rng);
            Bytes w(stride * nrows, 0xEE);
            for (int r = 0; r < nrows; ++r)
                std::memcpy(w.data() + r * stride, packed.data() + r * rowBytes, rowBytes);
            std::vector<float> x(static_cast<std::size_t>(nb * bl.elems));
            for (auto& v : x)
                v = g(rng);
            Int8Activations a;
            a.assign(x.data(), static_cast<std::int64_t>(x.size()));
            std::vector<float> y(nrows + 1, -7.0f);
            rows(w.data(), stride, nrows, a, nb, y.data());
            const std::vector<float> deqAll = deq(t, packed);
            for (int r = 0; r < nrows; ++r) {
                double exact = 0, mag = 0;
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const double xq = static_cast<double>(a.unit[i / 32]) * (256.0 * a.q[i] + a.r[i]);
                    const double wi = deqAll[static_cast<std::size_t>(r) * x.size() + i];
                    exact += wi * xq;
                    mag += std::fabs(wi * xq);
                }
                EXPECT_NEAR(y[static_cast<std::size_t>(r)], exact, 1e-5 * mag + 1e-30) << dtypeName(t) << " nb " << nb << " row " << r;
                EXPECT_EQ(y[static_cast<std::size_t>(r)], dotBlocksInt8(t, w.data() + r * stride, a, nb))
                    << dtypeName(t) << " nb " << nb << " row " << r;
            }
            EXPECT_EQ(y[nrows], -7.0f) << "wrote past the last row";
            ++tested;
        }
    }
    if (tested == 0)
        GTEST_SKIP() << "no several-rows kernel at this CPU's level";
}

// The AVX2 dots read the 16-bit codes, which only the AVX2 level of the quantiser writes: activations quantised at
// another level are refused with an error, not read past their end.
TEST(Quant, Int8DotAvx2RefusesActivationsWithoutTheirCodes) {
    if (int8Isa() < QuantIsa::Avx2)
        GTEST_SKIP() << "no AVX2 int8 level on this CPU";
    std::mt19937 rng(8);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> x(64);
    for (auto& v : x)
        v = g(rng);
    const Bytes b = randomBlocks(DType::Q8_0, 2, rng);
    Int8Activations a;
    a.assignWith(QuantIsa::Portable, x.data(), 64);
    EXPECT_TRUE(a.c.empty());
    EXPECT_THROW(dotBlocksInt8With(QuantIsa::Avx2, DType::Q8_0, b.data(), a, 2), std::invalid_argument);
    a.assignWith(QuantIsa::Avx2, x.data(), 64);
    EXPECT_TRUE(std::isfinite(dotBlocksInt8With(QuantIsa::Avx2, DType::Q8_0, b.data(), a, 2)));
}

// The prompts' integer GEMM (cpu/gemm_int8.h) against float64 Σ w·x̂ — w dequantised by dequantizeBlocks, x̂ the
// activations as quantised (with residual codes, and the 8-bit codes alone) — and against the float activations
// within the quantisation's bound: every type, widths that end inside a 64-byte chunk, 16-row (AVX2: 8-row) tiles
// with a partial last one, token counts that leave remainders after the groups of 8 tokens (AVX2: 6; 4 for the
// types scaled per 16 weights),
// strided X and Y, a row range that starts mid-matrix (rowOffset), nothing written outside the rows asked for.
TEST(Quant, Int8GemmMatchesFloat64) {
    std::mt19937 rng(0x6e88);
    std::normal_distribution<float> g(0.0f, 1.0f);
    int tested = 0;
    std::vector<DType> types(std::begin(kBlockTypes), std::end(kBlockTypes));
    types.push_back(DType::IQ4_NL);
    for (DType t : types) {
        if (!cpu::hasInt8Gemm(t))
            continue;
        const BlockLayout bl = dtypeBlock(t);
        for (int cols : bl.elems == 32 ? std::vector<int>{96, 352} : std::vector<int>{256, 768}) {
            const int rows = 37, perRow = cols / bl.elems;
            const Bytes b = randomBlocks(t, rows * perRow, rng);
            const std::vector<float> w = deq(t, b);
            Matrix W;
            W.dtype = t;
            W.rows = rows;
            W.cols = cols;
            W.data = b.data();
            for (int T : {4, 6, 8, 13, 16, 23}) {
                const std::int64_t ldx = cols + 5, ldy = rows + 3;
                std::vector<float> X(static_cast<std::size_t>(T * ldx));
                for (auto& v : X)
                    v = g(rng) * (rng() % 4 == 0 ? 8.0f : 1.0f);
                for (bool residual : {true, false}) {
                    cpu::PromptInt8 xq;
                    xq.assign(X.data(), ldx, T, cols, residual);
                    const float sentinel = -12345.0f;
                    std::vector<float> Y(static_cast<std::size_t>(T * ldy), sentinel);
                    // Rows [0, 20) into Y, rows [20, 37) through a Y that starts at row 20 (rowOffset 20).
                    cpu::MatJob j1{&W, X.data(), T, Y.data(), ldx, ldy, 0};
                    cpu::gemmInt8Rows(j1, 0, 20, xq);
                    cpu::MatJob j2{&W, X.data(), T, Y.data() + 20, ldx, ldy, 20};
                    cpu::gemmInt8Rows(j2, 20, rows, xq);
                    for (int tok = 0; tok < T; ++tok) {
                        const Int8Activations& a = xq.tok[static_cast<std::size_t>(tok)];
                        for (int r = 0; r < rows; ++r) {
                            double exact = 0, mag = 0, vsFloat = 0, bound = 0;
                            for (int k = 0; k < cols; ++k) {
                                const auto kk = static_cast<std::size_t>(k);
                                const double unit = a.unit[kk / 32];
                                const double xh = residual ? unit * (256.0 * a.q[kk] + a.r[kk]) : unit * 256.0 * a.q[kk];
                                const double wv = w[static_cast<std::size_t>(r * cols + k)];
                                exact += wv * xh;
                                mag += std::fabs(wv * xh);
                                vsFloat += wv * X[static_cast<std::size_t>(tok * ldx + k)];
                                // |x − x̂| ≤ half a code: 128·unit (codes alone) or unit/2 (with residuals), + rounding
                                bound += std::fabs(wv) * (residual ? 0.5 : 128.0) * unit * 1.01;
                            }
                            const float got = Y[static_cast<std::size_t>(tok * ldy + r)];
                            ASSERT_NEAR(got, exact, 1e-5 * mag + 1e-30)
                                << dtypeName(t) << " cols " << cols << " T " << T << " token " << tok << " row " << r
                                << (residual ? " with residuals" : " codes alone");
                            EXPECT_NEAR(got, vsFloat, bound + 1e-5 * mag + 1e-30) << dtypeName(t) << " row " << r;
                        }
                        for (std::int64_t c = rows; c < ldy; ++c)
                            EXPECT_EQ(Y[static_cast<std::size_t>(tok * ldy + c)], sentinel) << "wrote past the rows";
                    }
                    ++tested;
                }
            }
        }
    }
    if (tested == 0)
        GTEST_SKIP() << "no int8 GEMM (AVX-512 VNNI, AVX2) on this CPU";
}

} // namespace
} // namespace ws
