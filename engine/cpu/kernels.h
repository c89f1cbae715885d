// The kernel sets behind matmul.h: one per instruction-set level, picked at run time.
#pragma once

#include "cpu/matmul.h"

namespace ws::cpu {

struct KernelSet {
    const char* name;
    void (*rows)(const MatJob& job, int r0, int r1);
    void (*axpyRows)(const Matrix& W, int r, int n, const float* a, float* y);
    float (*dot)(const float* a, const float* b, int n);
    void (*axpy)(float a, const float* x, float* y, int n);
    void (*weightedSum)(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n, int width,
                        float* y, std::int64_t ldy);
    /// scoresFew, or null where this level has no kernel for it (scoresFewPortable then).
    void (*scores)(const ScoreQueries& q, const float* c, std::int64_t ldc, int n, float* s, std::int64_t lds);
    /// expShiftSum, or null where this level has none (std::exp then: the portable level).
    double (*expShiftSum)(float* x, int n, float shift);
};

KernelSet portableKernels();
/// The portable weightedSum.
void weightedSumPortable(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n, int width,
                         float* y, std::int64_t ldy);
/// The portable scoresFew (the tests compare it with the kernels).
void scoresFewPortable(const ScoreQueries& q, const float* c, std::int64_t ldc, int n, float* s, std::int64_t lds);
KernelSet avx2Kernels();   ///< AVX2 + FMA + F16C
/// AVX2 with the transposed-tile GEMM at every token count (avx2Kernels uses a dot-product form for a few), so
/// tests and benchmarks reach both.
KernelSet avx2TiledKernels();
KernelSet avx512Kernels(); ///< AVX-512 F/BW/VL/DQ
/// AVX-512 FP8 GEMVs go through AVX512-BF16 + VBMI where the CPU has them (tests turn it off to cover the
/// f16 route). Set only while no kernel runs.
extern bool g_fp8ViaBf16;

} // namespace ws::cpu
