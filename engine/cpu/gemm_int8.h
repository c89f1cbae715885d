// Prompts against block-quantised weights with integer products: the activations of all tokens as int8 codes
// (plus int8 residual codes for ~16 significant bits, or alone, as llama.cpp multiplies), a tile of 16 weight rows
// unpacked once to unsigned 8-bit codes laid out for vpdpbusd (16 rows × 4 weights per vector), 16 rows × 8 tokens
// of integer sums in registers, scaled in float per group of 32 (16 for Q6_K) weights. On AVX2 without VNNI
// (gemm_int8_avx2.cpp) 8-row tiles of 16-bit codes against the 16-bit activation codes, for vpmaddwd.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/matmul.h"
#include "model/quant.h"

namespace ws::cpu {

/// The activations of T tokens quantised for gemmInt8Rows: per token Int8Activations' blocks of 32, and per 16 and
/// per 32 values unit·Σc over the codes the products use (the terms of the weights' offsets).
struct PromptInt8 {
    int T = 0;
    std::int64_t cols = 0;
    bool residual = true;               ///< false: the 8-bit codes alone (x ≈ d·q)
    std::vector<Int8Activations> tok;   ///< tok[t] for t < T (kept between calls, so its buffers are reused)
    std::vector<float> dsum16, dsum32;  ///< [T][cols / 16], [T][cols / 32]; empty where AVX2 runs the GEMM
    /// Where AVX2 runs the GEMM (int8Isa() Avx2): each group of 32's unit and unit·Σc, [cols / 32][T], and unit·Σc
    /// per 16 (Q2_K's minimums), [cols / 16][T]; else empty.
    std::vector<float> unitByGroup, dsumByGroup, dsum16ByGroup;
    /// Sizes for T tokens of `cols` values (a multiple of 32) and records X; then quantise() fills tokens.
    void prepare(const float* X, std::int64_t stride, int count, std::int64_t width, bool withResidual);
    /// Quantises tokens [t0, t1) (ranges may run on different threads at once).
    void quantise(int t0, int t1);
    void assign(const float* X, std::int64_t stride, int count, std::int64_t width, bool withResidual) {
        prepare(X, stride, count, width, withResidual);
        quantise(0, count);
    }
    const float* x = nullptr;
    std::int64_t ldx = 0;
};

/// True where gemmInt8Rows handles block type `t` on this CPU (AVX-512 VNNI or AVX2: Q8_0, Q4_0, Q5_0, Q4_K, Q6_K;
/// AVX2, not AVX-512, also Q2_K, Q3_K, Q4_1, Q5_1, Q5_K, IQ4_NL, IQ4_XS).
bool hasInt8Gemm(DType t);

/// Rows [r0, r1) of job j (block-quantised W, T tokens) against X as quantised in xq: Y = X̂·Wᵀ with the integer
/// products exact and the float scaling rounded. Only where hasInt8Gemm(W.dtype).
void gemmInt8Rows(const MatJob& j, int r0, int r1, const PromptInt8& xq);
/// gemmInt8Rows on AVX2 (gemm_int8_avx2.cpp): 16-bit codes, vpmaddwd; internal.
void gemmInt16RowsAvx2(const MatJob& j, int r0, int r1, const PromptInt8& xq);

} // namespace ws::cpu
