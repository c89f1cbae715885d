// Kernel dispatch (AVX-512, AVX2 or portable, chosen once from the CPU) and the multi-product parallel split.
#include "cpu/matmul.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cpu/gemm_int8.h"
#include "cpu/kernels.h"
#include "cpu/ops.h"
#include "model/quant.h"

namespace ws::cpu {
namespace {

bool envSet(const char* name) {
    const char* e = std::getenv(name);
    return e && *e && *e != '0';
}

KernelSet detect() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (!envSet("WS_NO_AVX512") && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return avx512Kernels();
    if (!envSet("WS_NO_AVX2") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("f16c"))
        return avx2Kernels();
#endif
    return portableKernels();
}

const KernelSet s_best = detect();
KernelSet s_kernels = s_best; // changed only by useKernels()
ActivationPrecision fromEnv() {
    const char* e = std::getenv("WS_ACTIVATIONS");
    const std::string v = e ? e : "";
    if (v == "exact" || envSet("WS_EXACT_ACTIVATIONS")) return ActivationPrecision::Exact;
    if (v == "bf16-prompts") return ActivationPrecision::Bf16Prompts;
    if (v == "int8-prompts") return ActivationPrecision::Int8Prompts;
    return ActivationPrecision::Split16;
}
ActivationPrecision s_precision = fromEnv();

} // namespace

const char* kernelName() { return s_kernels.name; }
void setActivationPrecision(ActivationPrecision p) { s_precision = p; }
ActivationPrecision activationPrecision() { return s_precision; }

bool useKernels(const std::string& name) {
    g_fp8ViaBf16 = true;
    if (name == "avx512-f16" && std::string(s_best.name) == "avx512") {
        s_kernels = s_best;
        g_fp8ViaBf16 = false;
        return true;
    }
    if (name.empty() || name == s_best.name) {
        s_kernels = s_best;
        return true;
    }
    if (name == "portable") {
        s_kernels = portableKernels();
        return true;
    }
    // Only levels at or below what the CPU supports.
    if (name == "avx2" && std::string(s_best.name) == "avx512") {
        s_kernels = avx2Kernels();
        return true;
    }
    if (name == "avx2-tiles" && (std::string(s_best.name) == "avx512" || std::string(s_best.name) == "avx2")) {
        s_kernels = avx2TiledKernels();
        return true;
    }
    return false;
}

namespace {

/// Block-quantised weights (GGUF). A few tokens: the fused dequantising dot (dotBlocks, or its integer form) per
/// row and token, the row staying in L1 between tokens. More (a prompt): the integer GEMM where the type has one
/// (gemm_int8.h), otherwise each row dequantised once, a tile at a time, then the F32 GEMM kernel.
/// On AVX2, Q2_K's integer tiles (scales and minimums per 16 weights: 4 tokens at a time, an FMA more per token and
/// 16 weights) beat the float tiles at an MoE expert's share of a prompt and lose on whole prompts (one Zen 3
/// thread, 1024 × 2048, integer / float: 1.68× at 12 tokens, 1.12× at 64, 1.01× at 96, 0.91× at 128, 0.82× at 256).
/// AVX-512 VNNI's tiles win at every count (one Zen 5 thread, the same product: 1.8–2.7× at 6–48 tokens, 1.5×
/// at 256).
constexpr int kQ2kIntTokens = 64;
bool usesInt8Gemm(const MatJob& j) {
    return j.T > 3 && s_precision != ActivationPrecision::Exact && !j.exact && hasInt8Gemm(j.W->dtype) &&
           (j.W->dtype != DType::Q2_K || j.T <= kQ2kIntTokens || int8Isa() == QuantIsa::Avx512);
}
/// The prompts' integer GEMM keeps the residual codes except where the 8-bit codes alone were asked for, on
/// AVX-512 VNNI: AVX2's 16-bit codes carry them at no cost.
bool promptResidual() { return s_precision != ActivationPrecision::Int8Prompts || int8Isa() != QuantIsa::Avx512; }

/// shared: j's activations quantised for the integer GEMM (usesInt8Gemm), by matmulMany once for all threads; null
/// for a direct matmulRows call, which quantises them itself.
void quantRows(const MatJob& j, int r0, int r1, std::uint64_t epoch, const PromptInt8* shared) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    if (j.T <= 3) {
        const std::int64_t blocks = W.cols / dtypeBlock(W.dtype).elems;
        if (s_precision != ActivationPrecision::Exact && !j.exact && hasInt8Dot(W.dtype)) { // activations to int8 blocks once, then integer dots
            // The products of one matmulMany (one epoch) that read the same X (an MoE layer's gate and up of
            // every expert) quantise it once per thread.
            thread_local Int8Activations xq[3];
            thread_local struct { const float* x; std::int64_t cols, ldx; int T; std::uint64_t epoch; } cached{};
            if (cached.x != j.X || cached.cols != W.cols || cached.ldx != ldx || cached.T != j.T || cached.epoch != epoch) {
                for (int t = 0; t < j.T; ++t) xq[t].assign(j.X + t * ldx, W.cols);
                cached = {j.X, W.cols, ldx, j.T, epoch};
            }
            // Short rows (MLA's k_b: 4 blocks) 4 at a time; longer ones one by one, each a single stream for the
            // prefetchers (4 rows of 32 blocks interleaved ran at 0.7x).
            if (const Int8RowsKernel rows = j.T == 1 && blocks <= 8 ? int8RowsKernel(W.dtype) : nullptr) {
                rows(W.row(r0), W.rowBytes(), r1 - r0, xq[0], blocks, j.Y + (r0 - j.rowOffset));
                return;
            }
            const Int8DotKernel dotRow = int8DotKernel(W.dtype);
            for (int r = r0; r < r1; ++r)
                for (int t = 0; t < j.T; ++t) j.Y[t * ldy + (r - j.rowOffset)] = dotRow(W.row(r), xq[t], blocks);
            return;
        }
        for (int r = r0; r < r1; ++r)
            for (int t = 0; t < j.T; ++t) j.Y[t * ldy + (r - j.rowOffset)] = dotBlocks(W.dtype, W.row(r), j.X + t * ldx, blocks);
        return;
    }
    if (usesInt8Gemm(j)) {
        if (shared) return gemmInt8Rows(j, r0, r1, *shared);
        PromptInt8 own;
        own.assign(j.X, ldx, j.T, W.cols, promptResidual());
        return gemmInt8Rows(j, r0, r1, own);
    }
    // Tiles of 16 rows dequantised to F32 (16 × cols floats stay in L2), then the F32 GEMM kernel over all tokens.
    constexpr int kTile = 16;
    thread_local std::vector<float> tile;
    tile.resize(static_cast<std::size_t>(kTile) * static_cast<std::size_t>(W.cols));
    for (int r = r0; r < r1; r += kTile) {
        const int nr = std::min(kTile, r1 - r);
        for (int i = 0; i < nr; ++i)
            W.rowToFloat(r + i, 0, W.cols, tile.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(W.cols));
        Matrix f32;
        f32.dtype = DType::F32;
        f32.rows = nr;
        f32.cols = W.cols;
        f32.data = tile.data();
        MatJob sub{&f32, j.X, j.T, j.Y + (r - j.rowOffset), ldx, ldy, 0, j.exact, true, epoch};
        s_kernels.rows(sub, 0, nr);
    }
}

// Numbers the calls whose inputs stay fixed: each matmulMany, each direct matmulRows.
std::atomic<std::uint64_t> s_epoch{1};

void rowsOf(const MatJob& job, int r0, int r1, std::uint64_t epoch, const PromptInt8* shared = nullptr) {
    if (r0 >= r1 || job.T <= 0) return;
    if (isBlockQuantized(job.W->dtype)) {
        quantRows(job, r0, r1, epoch, shared);
    } else {
        MatJob j = job;
        j.epoch = epoch;
        s_kernels.rows(j, r0, r1);
    }
}

} // namespace

void matmulRows(const MatJob& job, int r0, int r1) { rowsOf(job, r0, r1, s_epoch.fetch_add(1) + 1); }
float dot(const float* a, const float* b, int n) { return s_kernels.dot(a, b, n); }
void axpy(float a, const float* x, float* y, int n) { s_kernels.axpy(a, x, y, n); }
void weightedSum(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n, int width, float* y,
                 std::int64_t ldy) {
    s_kernels.weightedSum(p, ldp, m, c, ldc, n, width, y, ldy);
}
void ScoreQueries::assign(const float* q, std::int64_t ldq, int rows, int cols) {
    m = rows;
    width = cols;
    const int blocks = (rows + 15) / 16;
    tiles.assign(static_cast<std::size_t>(blocks) * static_cast<std::size_t>(cols) * 16, 0.0f);
    for (int k = 0; k < rows; ++k) {
        float* tile = tiles.data() + static_cast<std::size_t>(k / 16) * static_cast<std::size_t>(cols) * 16 + k % 16;
        for (int j = 0; j < cols; ++j) tile[static_cast<std::size_t>(j) * 16] = q[k * ldq + j];
    }
}
void scoresFew(const ScoreQueries& q, const float* c, std::int64_t ldc, int n, float* s, std::int64_t lds) {
    (s_kernels.scores ? s_kernels.scores : scoresFewPortable)(q, c, ldc, n, s, lds);
}
double expShiftSum(float* x, int n, float shift) {
    if (s_kernels.expShiftSum) return s_kernels.expShiftSum(x, n, shift);
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += x[i] = std::exp(x[i] - shift);
    return sum;
}
bool scoresFewPays(int m) { return s_kernels.scores != nullptr && m > 12; }
void axpyRows(const Matrix& W, int r, int n, const float* a, float* y) {
    if (!isBlockQuantized(W.dtype)) return s_kernels.axpyRows(W, r, n, a, y);
    thread_local std::vector<float> row;
    row.resize(static_cast<std::size_t>(W.cols));
    for (int i = 0; i < n; ++i) {
        W.rowToFloat(r + i, 0, W.cols, row.data());
        s_kernels.axpy(a[i], row.data(), y, W.cols);
    }
}

void matmulMany(ThreadPool& pool, std::span<const MatJob> jobs) {
    // Split the work, not the rows: a row costs about T (GEMM) or its bytes (GEMV) — MoE experts see different
    // token counts. Boundaries fall on multiples of 4 rows (the GEMM tile) so no tile straddles two threads.
    std::vector<double> rowCost(jobs.size()), prefix(jobs.size() + 1, 0.0);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        // Up to 8 tokens each weight is read once per 4 tokens (the multi-token GEMV); beyond, ~T of compute.
        const int T = std::max(1, jobs[i].T);
        rowCost[i] = static_cast<double>(jobs[i].W->rowBytes()) * (T <= 8 ? (T + 3) / 4 : T) + 64.0;
        prefix[i + 1] = prefix[i] + rowCost[i] * jobs[i].W->rows;
    }
    const double total = prefix.back();
    if (total <= 0.0) return;
    const int nt = pool.size();
    // First row of job i that belongs to the thread whose share starts at cost c.
    const auto rowAt = [&](std::size_t i, double c) {
        const int rows = jobs[i].W->rows;
        if (c <= prefix[i]) return 0;
        if (c >= prefix[i + 1]) return rows;
        const auto r = static_cast<int>((c - prefix[i]) / rowCost[i]);
        return std::min(rows, (r + 3) / 4 * 4);
    };
    const std::uint64_t epoch = s_epoch.fetch_add(1) + 1;
    // Prompts through the integer GEMM: each distinct X quantised once, by all threads in one parallel region (an
    // MoE layer has an X per expert), for every product reading it (gate and up, attention's K and V); held only
    // for this call.
    std::vector<std::unique_ptr<PromptInt8>> quantised;
    std::vector<std::int64_t> firstToken{0}; // quantised[k] holds tokens [firstToken[k], firstToken[k + 1]) of all
    std::vector<const PromptInt8*> xqOf(jobs.size(), nullptr);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const MatJob& j = jobs[i];
        if (!usesInt8Gemm(j)) continue;
        const std::int64_t ldx = j.ldx ? j.ldx : j.W->cols;
        for (const auto& p : quantised)
            if (p->x == j.X && p->ldx == ldx && p->T == j.T && p->cols == j.W->cols) xqOf[i] = p.get();
        if (xqOf[i]) continue;
        auto p = std::make_unique<PromptInt8>();
        p->prepare(j.X, ldx, j.T, j.W->cols, promptResidual());
        xqOf[i] = p.get();
        quantised.push_back(std::move(p));
        firstToken.push_back(firstToken.back() + j.T);
    }
    if (!quantised.empty())
        pool.parallelFor(firstToken.back(), [&](std::int64_t b, std::int64_t e) {
            for (std::size_t k = 0; k < quantised.size(); ++k) {
                const std::int64_t t0 = std::max(b, firstToken[k]), t1 = std::min(e, firstToken[k + 1]);
                if (t0 < t1) quantised[k]->quantise(static_cast<int>(t0 - firstToken[k]), static_cast<int>(t1 - firstToken[k]));
            }
        });
    // Shares of equal estimated cost, claimed one at a time: a thread that finishes early (the estimate is rough,
    // and on a shared machine a thread may lose its core for a while) takes the next share instead of waiting.
    // Prompts: 4 shares per thread. Decode's GEMVs: a share per ~512 KB of weights, 4 to 32 per thread — an MoE
    // layer's experts (V2-Lite: ~19 MB) waited out the last of 4 shares (pool idle 7.5 % of a V2-Lite decode
    // profile, 5.2-5.6 % with 32); claiming costs a cache line passed between cores each time, so small regions
    // keep few (shares of 128 KB made the 0.85B model's decode ~10 % slower).
    bool gemv = true;
    for (const MatJob& j : jobs) gemv = gemv && j.T <= 3;
    constexpr double kShareBytes = 512.0 * 1024.0;
    const int perThread = gemv ? static_cast<int>(std::clamp(total / (nt * kShareBytes), 4.0, 32.0)) : 4;
    const int shares = nt == 1 ? 1 : nt * perThread;
    std::atomic<int> next{0};
    pool.run([&](int) {
        for (int s = next.fetch_add(1, std::memory_order_relaxed); s < shares; s = next.fetch_add(1, std::memory_order_relaxed)) {
            const double b = total * s / shares, e = s + 1 == shares ? total * 2 : total * (s + 1) / shares;
            for (std::size_t i = 0; i < jobs.size(); ++i) {
                const int r0 = rowAt(i, b), r1 = rowAt(i, e);
                if (r0 < r1) rowsOf(jobs[i], r0, r1, epoch, xqOf[i]);
            }
        }
    });
}

} // namespace ws::cpu
