// ggml's block-quantised weight types (GGUF files): dequantisation of whole blocks to float, and Σ w·x over
// them.
#pragma once

#include "model/dtype.h"

#include <cstdint>

namespace ws {

/// Dequantises `nblocks` consecutive blocks of block type `t` (Q4_0 … IQ4_XS, IQ4_NL) from `src` into
/// `dst[nblocks * dtypeBlock(t).elems]`, exactly as ggml's reference `dequantize_row_*` computes them (the
/// f16 scales converted exactly, products in float). For a plain type (F32, F16, BF16) it converts `nblocks`
/// elements. `src` needs no alignment. F8_E4M3 (block-scaled by a separate tensor) is not handled here: `dst`
/// gets `nblocks` NaNs. AVX2 / AVX-512 for Q8_0, Q4_0, Q5_0, the K-quants and IQ4, chosen as for dotBlocks,
/// bit-identical to the portable code. Thread-safe (no state).
void dequantizeBlocks(DType t, const void* src, float* dst, std::int64_t nblocks);

/// Σ w·x over `nblocks` blocks of type `t` at `w` (no alignment needed) and `x[nblocks *
/// dtypeBlock(t).elems]`, dequantising in registers: AVX2 or AVX-512 for Q4_0, Q8_0, Q4_K and Q6_K, chosen
/// once from the CPU (WS_NO_AVX512 / WS_NO_AVX2 lower it, as for the matmul kernels); any other type block by
/// block through dequantizeBlocks. Float accumulation, so it differs from an exact dot by rounding only.
/// Thread-safe.
float dotBlocks(DType t, const void* w, const float* x, std::int64_t nblocks);

/// The instruction-set levels of dotBlocks and dequantizeBlocks, lowest first.
enum class QuantIsa : std::uint8_t { Portable, Avx2, Avx512 };
/// The level dotBlocks and dequantizeBlocks use on this CPU.
QuantIsa quantIsaBest();
/// dotBlocks at a given level (capped at quantIsaBest()), so tests can compare the levels.
float dotBlocksWith(QuantIsa isa, DType t, const void* w, const float* x, std::int64_t nblocks);
/// dequantizeBlocks at a given level (capped at quantIsaBest()); every level gives bit-identical results.
void dequantizeBlocksWith(QuantIsa isa, DType t, const void* src, float* dst, std::int64_t nblocks);

} // namespace ws
