// CPU kernels (matmul for every weight dtype, dot, axpy, axpyRow) against naive float64 loops on random inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cpu/gemm_int8.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "cpu/thread_pool.h"
#include "model/quant.h"

namespace {

using ws::DType;
using ws::Matrix;

// Independent decoders (not the engine's): value = (-1)^s · 2^(e-bias) · (1 + m/2^k), subnormals when e = 0.
double decodeMinifloat(std::uint32_t bits, int expBits, int manBits, int bias) {
    const std::uint32_t s = bits >> (expBits + manBits), e = (bits >> manBits) & ((1u << expBits) - 1u);
    const std::uint32_t m = bits & ((1u << manBits) - 1u);
    const double frac = static_cast<double>(m) / static_cast<double>(1u << manBits);
    const double v = e == 0 ? std::ldexp(frac, 1 - bias) : std::ldexp(1.0 + frac, static_cast<int>(e) - bias);
    return s ? -v : v;
}

/// A random matrix of one dtype, with the float64 values its bytes stand for.
struct TestMatrix {
    std::vector<std::uint8_t> bytes;
    std::vector<float> scales;
    std::vector<double> ref; // [rows, cols], dequantised
    Matrix m;
};

TestMatrix makeMatrix(DType t, int rows, int cols, std::mt19937& rng, int block = 128) {
    TestMatrix tm;
    const std::size_t es = ws::dtypeSize(t), n = static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols);
    tm.bytes.resize(n * es);
    tm.ref.resize(n);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    const int sr = (rows + block - 1) / block, sc = (cols + block - 1) / block;
    if (t == DType::F8_E4M3) {
        tm.scales.resize(static_cast<std::size_t>(sr * sc));
        for (auto& s : tm.scales) s = std::exp2(std::uniform_real_distribution<float>(-12.0f, -4.0f)(rng));
    }
    for (std::size_t i = 0; i < n; ++i) {
        const int r = static_cast<int>(i / static_cast<std::size_t>(cols)), c = static_cast<int>(i % static_cast<std::size_t>(cols));
        const float v = nd(rng);
        switch (t) {
        case DType::F32:
            std::memcpy(&tm.bytes[i * 4], &v, 4);
            tm.ref[i] = v;
            break;
        case DType::BF16: {
            std::uint32_t u;
            std::memcpy(&u, &v, 4);
            const auto h = static_cast<std::uint16_t>(u >> 16);
            std::memcpy(&tm.bytes[i * 2], &h, 2);
            tm.ref[i] = decodeMinifloat(h, 8, 7, 127);
            break;
        }
        case DType::F16: {
            // any bit pattern that is a finite f16
            auto h = static_cast<std::uint16_t>(rng());
            if (((h >> 10) & 0x1F) == 0x1F) h = static_cast<std::uint16_t>(h & 0x83FF);
            std::memcpy(&tm.bytes[i * 2], &h, 2);
            tm.ref[i] = decodeMinifloat(h, 5, 10, 15);
            break;
        }
        case DType::F8_E4M3: {
            auto b = static_cast<std::uint8_t>(rng());
            if ((b & 0x7F) == 0x7F) b = static_cast<std::uint8_t>(b & 0xF0); // no NaN in weights
            tm.bytes[i] = b;
            tm.ref[i] = decodeMinifloat(b, 4, 3, 7) * tm.scales[static_cast<std::size_t>((r / block) * sc + c / block)];
            break;
        }
        default: break; // block-quantised types: makeQuantMatrix
        }
    }
    tm.m.dtype = t;
    tm.m.rows = rows;
    tm.m.cols = cols;
    tm.m.data = tm.bytes.data();
    if (t == DType::F8_E4M3) {
        tm.m.scale = tm.scales.data();
        tm.m.blockRows = block;
        tm.m.blockCols = block;
    }
    return tm;
}

/// Random blocks of a GGUF block type (random bytes; a block whose f16 scales decode to something non-finite or
/// huge is drawn again), with the float64 values dequantizeBlocks gives them — checked bit-exact against gguf-py
/// by test_quant_gguf.py, so here it is the reference for the matmul paths.
TestMatrix makeQuantMatrix(DType t, int rows, int cols, std::mt19937& rng) {
    TestMatrix tm;
    const ws::BlockLayout b = ws::dtypeBlock(t);
    const int blocks = cols / b.elems;
    tm.bytes.resize(static_cast<std::size_t>(rows) * blocks * b.bytes);
    tm.ref.resize(static_cast<std::size_t>(rows) * cols);
    std::vector<float> v(static_cast<std::size_t>(b.elems));
    for (int k = 0; k < rows * blocks; ++k) {
        std::uint8_t* blk = &tm.bytes[static_cast<std::size_t>(k) * b.bytes];
        for (;;) {
            for (int i = 0; i < b.bytes; ++i) blk[i] = static_cast<std::uint8_t>(rng());
            ws::dequantizeBlocks(t, blk, v.data(), 1);
            if (std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x) && std::abs(x) < 1e4f; })) break;
        }
        for (int i = 0; i < b.elems; ++i) tm.ref[static_cast<std::size_t>(k) * b.elems + i] = v[static_cast<std::size_t>(i)];
    }
    tm.m.dtype = t;
    tm.m.rows = rows;
    tm.m.cols = cols;
    tm.m.data = tm.bytes.data();
    return tm;
}

std::vector<float> randomVec(std::size_t n, std::mt19937& rng) {
    std::vector<float> v(n);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (auto& x : v) x = nd(rng);
    return v;
}

struct Case {
    DType dtype;
    int rows, cols, T;
};

class KernelTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        if (!ws::cpu::useKernels(GetParam())) GTEST_SKIP() << "this CPU has no " << GetParam();
    }
    void TearDown() override { ws::cpu::useKernels(""); }
};

TEST_P(KernelTest, MatmulMatchesFloat64ForEveryDtypeAndShape) {
    const unsigned seed = std::random_device{}();
    std::printf("[kernels %s] seed %u\n", ws::cpu::kernelName(), seed);
    std::mt19937 rng(seed);
    ws::cpu::ThreadPool pool(2);
    const Case cases[] = {{DType::F32, 37, 300, 1},     {DType::F32, 64, 1024, 5},  {DType::BF16, 33, 17, 1},
                          {DType::BF16, 130, 257, 9},   {DType::F16, 19, 100, 2},   {DType::F16, 40, 333, 4},
                          {DType::F8_E4M3, 200, 300, 1}, {DType::F8_E4M3, 129, 385, 7}, {DType::F8_E4M3, 5, 3, 3},
                          {DType::BF16, 1, 1, 1},
                          // decode's single-row 16-bit dots: 32 columns at a time, then 8, then one by one
                          {DType::BF16, 29, 1003, 1},   {DType::F16, 23, 77, 1},
                          // decode batches: the multi-token GEMV (2..8 tokens) on every dtype
                          {DType::BF16, 67, 300, 2},    {DType::F32, 21, 130, 6},   {DType::F16, 45, 200, 8},
                          {DType::F8_E4M3, 131, 260, 2}, {DType::F8_E4M3, 64, 256, 5}, {DType::BF16, 9, 33, 16},
                          // prompts: tiles of 16 rows with a partial last tile, chunks of 16 tokens with a partial
                          // last chunk, columns in blocks of 256 with a partial last 16, tokens in blocks of 256
                          {DType::F32, 37, 70, 13},     {DType::F16, 50, 96, 11},   {DType::BF16, 16, 64, 17},
                          {DType::F8_E4M3, 40, 384, 13}, {DType::F32, 17, 600, 40}, {DType::BF16, 20, 50, 300}};
    for (const Case& c : cases) {
        TestMatrix tm = makeMatrix(c.dtype, c.rows, c.cols, rng);
        const auto x = randomVec(static_cast<std::size_t>(c.T) * c.cols, rng);
        std::vector<float> y(static_cast<std::size_t>(c.T) * c.rows, NAN);
        ws::cpu::matmul(pool, {&tm.m, x.data(), c.T, y.data()});
        double maxRel = 0.0;
        for (int t = 0; t < c.T; ++t)
            for (int r = 0; r < c.rows; ++r) {
                double ref = 0.0, mag = 0.0;
                for (int k = 0; k < c.cols; ++k) {
                    const double p = tm.ref[static_cast<std::size_t>(r) * c.cols + k] * x[static_cast<std::size_t>(t) * c.cols + k];
                    ref += p;
                    mag += std::abs(p);
                }
                const double got = y[static_cast<std::size_t>(t) * c.rows + r];
                ASSERT_TRUE(std::isfinite(got));
                maxRel = std::max(maxRel, std::abs(got - ref) / (mag + 1e-30));
            }
        std::printf("  %-8s %4dx%-4d T=%d  max |err|/Σ|w·x| = %.2e\n", std::string(ws::dtypeName(c.dtype)).c_str(),
                    c.rows, c.cols, c.T, maxRel);
        EXPECT_LT(maxRel, 1e-5) << ws::dtypeName(c.dtype) << " " << c.rows << "x" << c.cols << " T=" << c.T;
    }
}

// GGUF block types: the fused dequantising dot (1-3 tokens) and the dequantise-then-dot path (more), with row
// offsets, against float64 over the dequantised values; also axpyRows and a sub-block rowToFloat range.
TEST_P(KernelTest, BlockQuantizedMatmulMatchesFloat64) {
    const unsigned seed = std::random_device{}();
    std::printf("[kernels %s] block types, seed %u\n", ws::cpu::kernelName(), seed);
    std::mt19937 rng(seed);
    ws::cpu::ThreadPool pool(2);
    for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K,
                    DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS, DType::IQ4_NL}) {
        // Exact activations within float rounding; the default int8 + residual activations (the integer GEMV of 1-3
        // tokens on AVX-512 VNNI or AVX2, the integer GEMM beyond on VNNI) within 1e-4 of Σ|w·x| — x to ~16 bits, 1/(2·127·256) of each
        // block's largest |x|.
        const auto saved = ws::cpu::activationPrecision();
        for (const bool exact : {true, false})
        for (int T : {1, 3, 5, 13}) {
            ws::cpu::setActivationPrecision(exact ? ws::cpu::ActivationPrecision::Exact
                                                  : ws::cpu::ActivationPrecision::Split16);
            const int rows = 37, cols = 512;
            TestMatrix tm = makeQuantMatrix(t, rows, cols, rng);
            const auto x = randomVec(static_cast<std::size_t>(T) * cols, rng);
            std::vector<float> y(static_cast<std::size_t>(T) * rows, NAN);
            ws::cpu::matmul(pool, {&tm.m, x.data(), T, y.data()});
            double maxRel = 0.0;
            for (int tt = 0; tt < T; ++tt)
                for (int r = 0; r < rows; ++r) {
                    double ref = 0.0, mag = 0.0;
                    for (int k = 0; k < cols; ++k) {
                        const double p = tm.ref[static_cast<std::size_t>(r) * cols + k] * x[static_cast<std::size_t>(tt) * cols + k];
                        ref += p;
                        mag += std::abs(p);
                    }
                    const double got = y[static_cast<std::size_t>(tt) * rows + r];
                    ASSERT_TRUE(std::isfinite(got)) << ws::dtypeName(t);
                    maxRel = std::max(maxRel, std::abs(got - ref) / (mag + 1e-30));
                }
            const bool int8 = !exact && (T <= 3 ? ws::hasInt8Dot(t) : ws::cpu::hasInt8Gemm(t));
            EXPECT_LT(maxRel, int8 ? 1e-4 : 1e-5) << ws::dtypeName(t) << " T=" << T << (int8 ? " int8" : "");
            if (int8) {
                EXPECT_GT(maxRel, 1e-8) << "the int8 path ran: its rounding shows"; // not silently exact
            }
            ws::cpu::setActivationPrecision(saved);
        }
        TestMatrix tm = makeQuantMatrix(t, 8, 512, rng);
        const auto a = randomVec(3, rng);
        std::vector<float> y(512, 0.25f);
        ws::cpu::axpyRows(tm.m, 4, 3, a.data(), y.data());
        for (int c = 0; c < 512; ++c) {
            double ref = 0.25, mag = 0.25;
            for (int i = 0; i < 3; ++i) {
                const double p = a[static_cast<std::size_t>(i)] * tm.ref[static_cast<std::size_t>(4 + i) * 512 + c];
                ref += p;
                mag += std::abs(p);
            }
            ASSERT_NEAR(y[static_cast<std::size_t>(c)], ref, 1e-6 * mag) << ws::dtypeName(t) << " col " << c;
        }
        std::vector<float> part(300);
        tm.m.rowToFloat(5, 100, 300, part.data()); // starts and ends inside blocks
        for (int i = 0; i < 300; ++i)
            ASSERT_EQ(part[static_cast<std::size_t>(i)], static_cast<float>(tm.ref[5 * 512 + 100 + static_cast<std::size_t>(i)]))
                << ws::dtypeName(t) << " column " << 100 + i;
    }
}

// Attention's weighted sums over the cache: every head count (a full group, a partial one, several groups, AVX2's
// batches of 48), row count (several blocks of 128, none) and width (AVX2's 24 columns at a time, the tails of 16 and
// 8 whole and under masks), strided rows, against float64; the outputs beyond `width` untouched.
TEST_P(KernelTest, WeightedSumMatchesFloat64) {
    const unsigned seed = std::random_device{}();
    std::printf("[kernels %s] seed %u\n", ws::cpu::kernelName(), seed);
    std::mt19937 rng(seed);
    for (const auto& [m, n, width] :
         {std::tuple{16, 300, 64}, std::tuple{5, 17, 40}, std::tuple{37, 129, 16}, std::tuple{32, 70, 128},
          std::tuple{6, 9, 37}, std::tuple{4, 200, 530}, std::tuple{9, 3, 8}, std::tuple{1, 1, 3}, std::tuple{3, 0, 20},
          std::tuple{100, 260, 50}}) { // n = 0: zeros
        const std::int64_t ldp = n + 3, ldc = width + 7, ldy = width + 5;
        const auto p = randomVec(static_cast<std::size_t>(m * ldp), rng);
        const auto c = randomVec(static_cast<std::size_t>(n * ldc), rng);
        std::vector<float> y(static_cast<std::size_t>(m * ldy), 42.0f);
        ws::cpu::weightedSum(p.data(), ldp, m, c.data(), ldc, n, width, y.data(), ldy);
        double maxRel = 0.0;
        for (int k = 0; k < m; ++k) {
            for (int j = 0; j < width; ++j) {
                double ref = 0.0, mag = 0.0;
                for (int t = 0; t < n; ++t) {
                    const double v = static_cast<double>(p[static_cast<std::size_t>(k * ldp + t)]) * c[static_cast<std::size_t>(t * ldc + j)];
                    ref += v;
                    mag += std::abs(v);
                }
                maxRel = std::max(maxRel, std::abs(y[static_cast<std::size_t>(k * ldy + j)] - ref) / (mag + 1e-30));
            }
            for (std::int64_t j = width; j < ldy; ++j)
                ASSERT_EQ(y[static_cast<std::size_t>(k * ldy + j)], 42.0f) << "wrote past width";
        }
        EXPECT_LT(maxRel, 1e-5) << m << "x" << n << "x" << width;
    }
}

// Softmax's exponentials (expShiftSum) against float64 exp: fresh random scores over the whole range a shifted score
// takes (0 down to far below e^−87, where 0 is right to within 1.2e-38), runs of every length up to a few vectors
// (the scalar tail), the sum against float64's; a NaN stays NaN, the vector lanes beside it unharmed.
TEST_P(KernelTest, ExpShiftSumMatchesFloat64) {
    const unsigned seed = std::random_device{}();
    std::printf("[kernels %s] seed %u\n", ws::cpu::kernelName(), seed);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> score(-110.0f, 12.0f);
    for (int n : {0, 1, 7, 8, 9, 31, 1000}) {
        std::vector<float> x(static_cast<std::size_t>(n));
        for (auto& v : x) v = score(rng);
        if (n > 2) x[1] = 12.0f; // the shift itself: e^0 = 1 exactly
        const std::vector<float> in = x;
        const double sum = ws::cpu::expShiftSum(x.data(), n, 12.0f);
        double ref = 0.0, worst = 0.0;
        for (int i = 0; i < n; ++i) {
            // of the shifted score as float has it (the subtraction's rounding is the caller's)
            const double e = std::exp(static_cast<double>(in[static_cast<std::size_t>(i)] - 12.0f));
            ref += e;
            const double got = x[static_cast<std::size_t>(i)];
            if (e < 1.2e-38) { // no normal float: 0 or the denormal
                ASSERT_LE(got, 1.2e-38) << "x = " << in[static_cast<std::size_t>(i)];
                ASSERT_GE(got, 0.0);
            } else {
                worst = std::max(worst, std::abs(got - e) / e);
            }
        }
        if (n > 2) {
            EXPECT_EQ(x[1], 1.0f);
        }
        EXPECT_LT(worst, 3e-7) << n << " values"; // ~2.5 ulp
        EXPECT_NEAR(sum, ref, 1e-6 * ref + n * 1.2e-38) << n << " values";
    }
    std::vector<float> x(16, -1.0f);
    x[3] = std::nanf("");
    const double sum = ws::cpu::expShiftSum(x.data(), 16, 0.0f);
    EXPECT_TRUE(std::isnan(x[3]) && std::isnan(sum));
    EXPECT_NEAR(x[2], std::exp(-1.0), 3e-7) << "a NaN spoilt its neighbour";
}

// Decode's scores (scoresFew) against float64: head counts within one block of 16 and past it (a partial third
// block; 128, DeepSeek-V3's heads), cache rows in runs of 6 with a partial last, widths over several 256-column
// chunks with a partial last (576: the latent and the roped key) and a short one; strided rows, outputs past n
// untouched. Where attention takes it over from the float GEMM (scoresFewPays), the GEMM's sums over the same rows
// to the bit.
TEST_P(KernelTest, DecodeScoresMatchFloat64) {
    const unsigned seed = std::random_device{}();
    std::printf("[kernels %s] seed %u\n", ws::cpu::kernelName(), seed);
    std::mt19937 rng(seed);
    for (const auto& [m, n, width] : {std::tuple{16, 64, 576}, std::tuple{37, 13, 300}, std::tuple{5, 1, 7},
                                      std::tuple{1, 6, 256}, std::tuple{128, 20, 72}, std::tuple{17, 0, 40}}) {
        const std::int64_t ldq = width + 3, ldc = width + 5, lds = n + 2;
        const auto q = randomVec(static_cast<std::size_t>(m * ldq), rng);
        const auto c = randomVec(static_cast<std::size_t>(std::max(n, 1) * ldc), rng);
        ws::cpu::ScoreQueries sq;
        sq.assign(q.data(), ldq, m, width);
        std::vector<float> s(static_cast<std::size_t>(m * lds), 42.0f);
        ws::cpu::scoresFew(sq, c.data(), ldc, n, s.data(), lds);
        double maxRel = 0.0;
        for (int k = 0; k < m; ++k) {
            for (int t = 0; t < n; ++t) {
                double ref = 0.0, mag = 0.0;
                for (int j = 0; j < width; ++j) {
                    const double v = static_cast<double>(q[static_cast<std::size_t>(k * ldq + j)]) * c[static_cast<std::size_t>(t * ldc + j)];
                    ref += v;
                    mag += std::abs(v);
                }
                maxRel = std::max(maxRel, std::abs(s[static_cast<std::size_t>(k * lds + t)] - ref) / (mag + 1e-30));
            }
            for (std::int64_t t = n; t < lds; ++t)
                ASSERT_EQ(s[static_cast<std::size_t>(k * lds + t)], 42.0f) << "wrote past n";
        }
        EXPECT_LT(maxRel, 1e-5) << m << "x" << n << "x" << width;
        if (!ws::cpu::scoresFewPays(m) || n == 0) continue;
        std::vector<float> packed(static_cast<std::size_t>(n * width)); // the GEMM's way: cache rows as weights
        for (int t = 0; t < n; ++t)
            std::copy_n(c.begin() + t * ldc, width, packed.begin() + static_cast<std::ptrdiff_t>(t) * width);
        ws::Matrix rows;
        rows.rows = n;
        rows.cols = width;
        rows.data = packed.data();
        std::vector<float> g(static_cast<std::size_t>(m * lds), 42.0f);
        ws::cpu::MatJob job{&rows, q.data(), m, g.data(), ldq, lds};
        ws::cpu::matmulRows(job, 0, n);
        for (int k = 0; k < m; ++k)
            for (int t = 0; t < n; ++t)
                ASSERT_EQ(s[static_cast<std::size_t>(k * lds + t)], g[static_cast<std::size_t>(k * lds + t)])
                    << "head " << k << " row " << t << " of " << m << "x" << n << "x" << width;
    }
}

// Decode's attention (attendFew) against float64 softmax and sums: several chunks of 64 cache rows per thread (the
// running maximum rescaled), rows that see fewer positions than the cache holds, 1 to 3 threads (parts of uneven
// length), a one-row cache; scores large enough that the maxima matter.
TEST_P(KernelTest, DecodeAttentionMatchesFloat64) {
    std::mt19937 rng(31);
    const int W = 72, R = 64;
    for (int threads : {1, 2, 3})
        for (const auto& [m, n] : {std::tuple{32, 300}, std::tuple{16, 1}, std::tuple{5, 129}, std::tuple{3, 64}}) {
            ws::cpu::ThreadPool pool(threads);
            const auto qp = randomVec(static_cast<std::size_t>(m * W), rng);
            const auto c = randomVec(static_cast<std::size_t>(n * W), rng);
            std::vector<int> len(static_cast<std::size_t>(m));
            for (int k = 0; k < m; ++k) // the first half one position short (two query rows of a chunk), one row sees only row 0
                len[static_cast<std::size_t>(k)] = k == 1 ? 1 : std::max(1, k < m / 2 ? n - 1 : n);
            const float scale = 0.4f;
            std::vector<float> lat(static_cast<std::size_t>(m * R), 42.0f);
            ws::cpu::attendFew(pool, qp.data(), m, len, c.data(), n, W, R, scale, lat.data());
            for (int k = 0; k < m; ++k) {
                const int L = len[static_cast<std::size_t>(k)];
                std::vector<double> s(static_cast<std::size_t>(L));
                double top = -1e300;
                for (int t = 0; t < L; ++t) {
                    double d = 0;
                    for (int j = 0; j < W; ++j)
                        d += static_cast<double>(qp[static_cast<std::size_t>(k * W + j)]) * c[static_cast<std::size_t>(t * W + j)];
                    s[static_cast<std::size_t>(t)] = scale * d;
                    top = std::max(top, scale * d);
                }
                double den = 0;
                for (auto& v : s) den += v = std::exp(v - top);
                double err = 0, norm = 0;
                for (int j = 0; j < R; ++j) {
                    double want = 0;
                    for (int t = 0; t < L; ++t) want += s[static_cast<std::size_t>(t)] / den * c[static_cast<std::size_t>(t * W + j)];
                    const double got = lat[static_cast<std::size_t>(k * R + j)];
                    err += (got - want) * (got - want);
                    norm += want * want;
                }
                EXPECT_LT(std::sqrt(err), 1e-5 * std::sqrt(norm) + 1e-30)
                    << "threads " << threads << " m " << m << " n " << n << " row " << k << " len " << L;
            }
        }
}

TEST_P(KernelTest, RowOffsetAndStridesAreHonoured) {
    std::mt19937 rng(7);
    TestMatrix tm = makeMatrix(DType::BF16, 24, 40, rng);
    const int T = 3, ldx = 50, ldy = 11;
    const auto x = randomVec(static_cast<std::size_t>(T) * ldx, rng);
    std::vector<float> y(static_cast<std::size_t>(T) * ldy, -7.0f);
    ws::cpu::MatJob j{&tm.m, x.data(), T, y.data(), ldx, ldy, 8};
    ws::cpu::matmulRows(j, 8, 16); // rows 8..15 land in y[t*ldy + 0..7]
    for (int t = 0; t < T; ++t)
        for (int i = 0; i < ldy; ++i) {
            const float got = y[static_cast<std::size_t>(t) * ldy + i];
            if (i >= 8) {
                EXPECT_EQ(got, -7.0f) << "wrote outside its rows";
                continue;
            }
            double ref = 0.0;
            for (int k = 0; k < 40; ++k) ref += tm.ref[static_cast<std::size_t>(8 + i) * 40 + k] * x[static_cast<std::size_t>(t) * ldx + k];
            EXPECT_NEAR(got, ref, 1e-4 * (1 + std::abs(ref)));
        }
}

TEST_P(KernelTest, DotAxpyAndAxpyRowsMatchFloat64) {
    std::mt19937 rng(std::random_device{}());
    for (int n : {1, 15, 16, 17, 33, 512, 1000}) {
        const auto a = randomVec(static_cast<std::size_t>(n), rng), b = randomVec(static_cast<std::size_t>(n), rng);
        double ref = 0.0, mag = 0.0;
        for (int i = 0; i < n; ++i) {
            ref += static_cast<double>(a[static_cast<std::size_t>(i)]) * b[static_cast<std::size_t>(i)];
            mag += std::abs(static_cast<double>(a[static_cast<std::size_t>(i)]) * b[static_cast<std::size_t>(i)]);
        }
        EXPECT_LT(std::abs(ws::cpu::dot(a.data(), b.data(), n) - ref), 1e-6 * mag + 1e-30) << "n=" << n;
        auto y = b;
        ws::cpu::axpy(0.37f, a.data(), y.data(), n);
        for (int i = 0; i < n; ++i)
            EXPECT_NEAR(y[static_cast<std::size_t>(i)], b[static_cast<std::size_t>(i)] + 0.37 * a[static_cast<std::size_t>(i)], 1e-5);
    }
    for (DType t : {DType::F32, DType::BF16, DType::F16, DType::F8_E4M3}) {
        TestMatrix tm = makeMatrix(t, 140, 300, rng);
        for (int n : {1, 3, 11}) { // rows 127.. cross a 128-row scale block for FP8
            const auto a = randomVec(static_cast<std::size_t>(n), rng);
            std::vector<float> y(300, 0.5f);
            ws::cpu::axpyRows(tm.m, 127, n, a.data(), y.data());
            for (int c = 0; c < 300; ++c) {
                double ref = 0.5, mag = 0.5;
                for (int i = 0; i < n; ++i) {
                    const double p = a[static_cast<std::size_t>(i)] * tm.ref[static_cast<std::size_t>(127 + i) * 300 + c];
                    ref += p;
                    mag += std::abs(p);
                }
                ASSERT_NEAR(y[static_cast<std::size_t>(c)], ref, 1e-6 * mag) << ws::dtypeName(t) << " n=" << n << " col " << c;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Paths, KernelTest, ::testing::Values("avx512", "avx512-f16", "avx2", "avx2-tiles", "portable"),
                         [](const auto& p) {
                             std::string n = p.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// The prompt GEMM on one thread over whole ranges: several 16-row tiles (F32 in place, a partial last tile
// converted; BF16/F16 converted), token groups of 4 with partial last groups of 1, 2 and 3; nothing written past
// the output.
TEST_P(KernelTest, PromptTilesMatchFloat64) {
    const unsigned seed = std::random_device{}();
    std::printf("[kernels %s] prompt tiles, seed %u\n", ws::cpu::kernelName(), seed);
    std::mt19937 rng(seed);
    // Rows in partial tiles of 16 and groups of 4, columns with a partial last 8 and 256-column chunk, tokens in
    // groups of 3 and 6 with partial last groups, on both sides of the AVX2 dot-product form's 12 tokens.
    const Case cases[] = {{DType::F32, 37, 70, 14},  {DType::BF16, 40, 96, 10},  {DType::F16, 33, 50, 13},
                          {DType::F32, 48, 64, 11},  {DType::BF16, 16, 33, 9},   {DType::F8_E4M3, 35, 300, 5},
                          {DType::F32, 30, 517, 16}, {DType::BF16, 18, 270, 17}, {DType::F16, 7, 41, 3}};
    for (const Case& c : cases) {
        TestMatrix tm = makeMatrix(c.dtype, c.rows, c.cols, rng);
        const auto x = randomVec(static_cast<std::size_t>(c.T) * c.cols, rng);
        const std::size_t n = static_cast<std::size_t>(c.T) * c.rows;
        std::vector<float> y(n + 16, -7.0f);
        ws::cpu::matmulRows({&tm.m, x.data(), c.T, y.data()}, 0, c.rows);
        for (std::size_t i = n; i < y.size(); ++i) ASSERT_EQ(y[i], -7.0f) << "wrote past the output";
        for (int tt = 0; tt < c.T; ++tt)
            for (int r = 0; r < c.rows; ++r) {
                double ref = 0.0, mag = 0.0;
                for (int k = 0; k < c.cols; ++k) {
                    const double p = tm.ref[static_cast<std::size_t>(r) * c.cols + k] * x[static_cast<std::size_t>(tt) * c.cols + k];
                    ref += p;
                    mag += std::abs(p);
                }
                ASSERT_NEAR(y[static_cast<std::size_t>(tt) * c.rows + r], ref, 1e-5 * mag + 1e-30)
                    << ws::dtypeName(c.dtype) << " " << c.rows << "x" << c.cols << " T=" << c.T << " row " << r
                    << " token " << tt;
            }
    }
}

// One matmulMany over products of different sizes and token counts, its work claimed in shares by 3 threads:
// every row of every product written once, with the right value (against float64).
TEST(Matmul, ManyProductsEveryRowOnce) {
    const unsigned seed = std::random_device{}();
    std::printf("[matmulMany] seed %u\n", seed);
    std::mt19937 rng(seed);
    ws::cpu::ThreadPool pool(3);
    // Products 6 and 7: quantised GEMVs reading the same activations (each thread quantises them once per call, and
    // may run shares of both); 8-10: prompts on the integer GEMM reading the same activations (quantised once for
    // all threads), of three types.
    const Case cases[] = {{DType::BF16, 5, 64, 1},  {DType::F32, 300, 40, 2}, {DType::BF16, 1, 33, 9},
                          {DType::F16, 77, 128, 1}, {DType::Q8_0, 19, 64, 4}, {DType::BF16, 130, 96, 12},
                          {DType::Q8_0, 90, 256, 1}, {DType::Q8_0, 70, 256, 1}, {DType::Q8_0, 40, 256, 13},
                          {DType::Q4_K, 33, 256, 13}, {DType::Q6_K, 21, 256, 13}};
    std::vector<TestMatrix> ms;
    std::vector<std::vector<float>> xs, ys;
    std::vector<ws::cpu::MatJob> jobs;
    for (const Case& c : cases) {
        ms.push_back(ws::isBlockQuantized(c.dtype) ? makeQuantMatrix(c.dtype, c.rows, c.cols, rng)
                                                   : makeMatrix(c.dtype, c.rows, c.cols, rng));
        if (&c == &cases[7] || &c == &cases[9] || &c == &cases[10])
            xs.push_back(xs[static_cast<std::size_t>(&c == &cases[7] ? 6 : 8)]); // the same values as product 6 / 8
        else
            xs.push_back(randomVec(static_cast<std::size_t>(c.T) * c.cols, rng));
        ys.emplace_back(static_cast<std::size_t>(c.T) * c.rows, NAN);
    }
    for (std::size_t i = 0; i < ms.size(); ++i) // 7 reads the very activations of 6; 9 and 10 those of 8
        jobs.push_back({&ms[i].m, (i == 7 ? xs[6] : i == 9 || i == 10 ? xs[8] : xs[i]).data(), cases[i].T, ys[i].data()});
    ws::cpu::matmulMany(pool, jobs);
    for (std::size_t i = 0; i < ms.size(); ++i) {
        const Case& c = cases[i];
        for (int t = 0; t < c.T; ++t)
            for (int r = 0; r < c.rows; ++r) {
                double ref = 0.0, mag = 0.0;
                for (int k = 0; k < c.cols; ++k) {
                    const double p = ms[i].ref[static_cast<std::size_t>(r) * c.cols + k] * xs[i][static_cast<std::size_t>(t) * c.cols + k];
                    ref += p;
                    mag += std::abs(p);
                }
                const double got = ys[i][static_cast<std::size_t>(t) * c.rows + r];
                ASSERT_TRUE(std::isfinite(got)) << "product " << i << " row " << r << " token " << t << " not written";
                ASSERT_NEAR(got, ref, 1e-4 * mag + 1e-30) << "product " << i << " row " << r << " token " << t;
            }
    }
}

TEST(ThreadPool, ParallelForCoversEveryIndexOnce) {
    ws::cpu::ThreadPool pool(3);
    for (std::int64_t n : {1, 2, 3, 10, 1001}) {
        std::vector<int> hits(static_cast<std::size_t>(n), 0);
        for (int rep = 0; rep < 50; ++rep)
            pool.parallelFor(n, [&](std::int64_t b, std::int64_t e) {
                for (std::int64_t i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
            });
        for (int h : hits) EXPECT_EQ(h, 50);
    }
}

} // namespace
