// Y = X · Wᵀ for weights in F32, BF16, F16 or block-scaled FP8, dequantised in registers (no F32 weight copy).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cpu/thread_pool.h"
#include "model/weights.h"

namespace ws::cpu {

/// One product: Y[T, W.rows] = X[T, W.cols] · Wᵀ, rows of X and Y contiguous with strides ldx / ldy.
struct MatJob {
    const Matrix* W = nullptr;
    const float* X = nullptr;
    int T = 1;
    float* Y = nullptr;
    std::int64_t ldx = 0; // 0: W->cols
    std::int64_t ldy = 0; // 0: W->rows
    int rowOffset = 0;    // Y holds rows from this one on: row r goes to Y[t * ldy + r - rowOffset]
    /// Float activations whatever the setting (see ActivationPrecision): products whose small errors decide
    /// something, such as the router's scores.
    bool exact = false;
    /// Set by the dequantising path only: W is an F32 tile of dequantised weights, which the bf16 GEMM may round
    /// as it rounds BF16 / F16 weights (other F32 matrices — attention's cache products — stay float).
    bool weightTile = false;
    /// Set by matmul.cpp: numbers the call whose inputs stay fixed, so a kernel may keep work done on X (the
    /// float GEMM's transposed activations) for the next share of the same call; 0: unknown, nothing kept.
    std::uint64_t epoch = 0;
};

/// Runs several independent products in one parallel region, the rows of all of them split over the threads.
void matmulMany(ThreadPool& pool, std::span<const MatJob> jobs);
inline void matmul(ThreadPool& pool, const MatJob& job) { matmulMany(pool, std::span<const MatJob>(&job, 1)); }

/// Single-threaded: rows [r0, r1) of one product.
void matmulRows(const MatJob& job, int r0, int r1);

/// y[0, W.cols) += Σ_{i<n} a[i] · W[r + i, :] (dequantised): the transposed product of absorbed MLA.
void axpyRows(const Matrix& W, int r, int n, const float* a, float* y);

/// y[k·ldy + j] = Σ_{t<n} p[k·ldp + t] · c[t·ldc + j] for k < m, j < width (overwritten): m weighted sums of n
/// rows of c, each row read once for all m (attention's Σ softmax·latent over the cache, every head at once).
void weightedSum(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n, int width, float* y,
                 std::int64_t ldy);

/// Query rows laid out for scoresFew, once per set of queries (a decode step's heads) for every chunk of the cache:
/// blocks of 16 rows, each column-major (tiles[(b·width + j)·16 + i] = q[(16b + i)·ldq + j]), zeros past m.
struct ScoreQueries {
    int m = 0, width = 0;
    std::vector<float> tiles;
    void assign(const float* q, std::int64_t ldq, int rows, int cols);
};
/// s[k·lds + t] = Σ_{j<width} q_k[j] · c[t·ldc + j] for k < q.m, t < n (overwritten): every query row against n
/// cache rows, each cache row read once for all of them, 16 query rows × 6 cache rows of sums in registers.
void scoresFew(const ScoreQueries& q, const float* c, std::int64_t ldc, int n, float* s, std::int64_t lds);
/// True where scoresFew beats the float GEMM of matmulRows (the cache rows as its weights) for m query rows: a kernel
/// at the level in use (AVX2; not AVX-512 nor portable) and more than 12 rows (up to 12 the GEMM's dot form wastes
/// nothing on a block's padding, and above it the GEMM's tiles sum in scoresFew's order: the same scores).
bool scoresFewPays(int m);

/// Decode's attention over a latent cache (mla.cpp): lat[k·R + j] = Σ_{t<len[k]} softmax_t(scale · qp_k·c_t) ·
/// c_t[j] for the m query rows k (qp [m, W]) over the cache c [n, W] (latent in its first R columns), j < R; the
/// cache rows split over the pool's threads and read once (flash-decoding: running maxima and sums, the threads'
/// parts rescaled at the end). 1 ≤ len[k] ≤ n.
void attendFew(ThreadPool& pool, const float* qp, int m, const std::vector<int>& len, const float* cache, int n, int W,
               int R, float scale, float* lat);

/// Σ a[i]·b[i] over n floats, vectorised.
float dot(const float* a, const float* b, int n);
/// y[i] += a · x[i] over n floats, vectorised.
void axpy(float a, const float* x, float* y, int n);

/// How activations enter the products (README "Activation precision"):
/// - Exact: float32 throughout (WS_ACTIVATIONS=exact, or WS_EXACT_ACTIVATIONS=1); the tests that compare against
///   the float64 reference run this way.
/// - Split16, the default: against block-quantised weights with an integer kernel (Q8_0, Q4_0, Q5_0, Q4_K, Q6_K),
///   on CPUs with AVX-512 VNNI, each block of 32 activations is split into two 8-bit parts — int8 codes plus int8
///   residual codes, ~16 significant bits — and the products run as exact integer sums (vpdpbusd), in decode's
///   GEMVs and prompts' GEMMs alike: ~1e-6..1e-4 of the logits' norm. Other weight types stay float32 (a bf16 hi +
///   lo split for BF16 GEMVs, measured, gained nothing: they run at the memory's speed already).
/// - Bf16Prompts (WS_ACTIVATIONS=bf16-prompts): as the default, and prompts (GEMMs over more than 8 tokens) with
///   bf16 activations and weights (vdpbf16ps) on CPUs with AVX512-BF16: ~1.3x the prompt speed, up to ~1e-2 of
///   the logits' norm.
/// - Int8Prompts (WS_ACTIVATIONS=int8-prompts): as Bf16Prompts, and prompts against block-quantised weights with
///   the 8-bit codes alone (no residual; what llama.cpp multiplies): up to ~2e-2 of the logits' norm on the test
///   models, over issue 12's 1e-2 allowance, hence opt-in.
/// MatJob::exact keeps one product in float32 whatever the setting. Not thread-safe with running kernels.
enum class ActivationPrecision : std::uint8_t { Exact, Split16, Bf16Prompts, Int8Prompts };
void setActivationPrecision(ActivationPrecision p);
ActivationPrecision activationPrecision();

/// Which kernels run: "avx512", "avx2" or "portable" (WS_NO_AVX512=1 / WS_NO_AVX2=1 step down at start-up).
const char* kernelName();
/// Tests and benchmarks: switch to "portable", "avx2", "avx2-tiles" (AVX2 with the transposed-tile GEMM for every
/// token count), "avx512-f16" (AVX-512 without the AVX512-BF16 route for FP8) or back to the best ("" or its
/// name). Returns false, changing nothing, for a level the CPU lacks. Not thread-safe with running kernels.
bool useKernels(const std::string& name);

} // namespace ws::cpu
