// ggml's block-quantised weight types (GGUF files): dequantisation of whole blocks to float, and Σ w·x over
// them.
#pragma once

#include "model/dtype.h"

#include <cstdint>
#include <vector>

namespace ws {

/// IQ4_NL's and IQ4_XS's non-linear 4-bit code book (ggml-common.h kvalues_iq4nl): code q stands for kIq4Values[q].
inline constexpr std::int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

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

namespace ws {

/// Activations as integers for the int8 dot products: per block of 32 values a scale d = max|x|/127, codes
/// q = round(x/d) in [-127, 127] (what llama.cpp's quantised GEMVs use, alone) and residual codes
/// r = round(256·(x/d − q)), so that x ≈ unit·c with c = 256·q + r and unit = d/256: about 16 significant bits.
/// The kernels run vpdpbusd on q and on r and combine the two exact integer sums as 256·Σw·q + Σw·r. Per 32 also
/// unit·Σc (the K-quants' minimums), per 4 values Σc (the lane sums an offset code needs). `q` and `r` are padded
/// with zeros to a multiple of 64.
struct Int8Activations {
    std::int64_t n = 0;
    std::vector<std::int8_t> q, r;
    std::vector<float> unit, dsum;
    std::vector<std::int32_t> sum4;
    /// The codes as 16-bit numbers 256·q + r for AVX2's dots, each block of 32 as its 16 even-indexed codes then
    /// its 16 odd ones (vpmaddwd against weights split the same way): filled when quantised at the AVX2 level only.
    std::vector<std::int16_t> c;
    /// unit·Σc per 16 values (each block's two halves), for the minimums and offsets of the types scaled per 16
    /// (Q2_K, Q3_K, Q6_K).
    std::vector<float> dsum16;
    /// q and r with each whole 256 values' groups of 32 in the order 0 2 1 3 4 6 5 7 (the Q4_K / Q5_K dots take a
    /// 64-byte line of codes at a time: the low nibbles are groups 0 and 2, the high ones 1 and 3): at every level
    /// where int8Isa() is Avx512, empty elsewhere.
    std::vector<std::int8_t> qPaired, rPaired;
    void assign(const float* x, std::int64_t count); ///< quantises x[0, count), count a multiple of 32
    /// assign() at a given level (capped at int8Isa()): every level gives bit-identical q, r, unit, dsum, dsum16 and
    /// sum4.
    void assignWith(QuantIsa isa, const float* x, std::int64_t count);

private:
    void quantiseWith(QuantIsa isa, const float* x, std::int64_t count); ///< assignWith but qPaired, rPaired
};

/// The level of the int8 dot products on this CPU: Avx512 (AVX-512 VNNI: vpdpbusd), Avx2 (vpmaddubsw, the
/// AVX-512 CPUs without VNNI included), Portable where there is none (hasInt8Dot false).
QuantIsa int8Isa();
/// True where dotBlocksInt8 has a kernel for type `t` on this CPU (AVX-512 VNNI or AVX2): every block type (Q8_0,
/// Q4_0, Q4_1, Q5_0, Q5_1, Q2_K … Q6_K, IQ4_NL, IQ4_XS) at either level.
bool hasInt8Dot(DType t);
/// Σ w·x over `nblocks` blocks of `t` at `w` against x quantised by Int8Activations (from its start): integer
/// products summed exactly per 32 weights, then scaled in float. Only where hasInt8Dot(t).
float dotBlocksInt8(DType t, const void* w, const Int8Activations& x, std::int64_t nblocks);
/// dotBlocksInt8 at a given level (Avx2 or Avx512, capped at int8Isa()), so tests can compare them; x quantised at
/// that level (AVX2 reads Int8Activations::c: std::invalid_argument where x lacks it).
float dotBlocksInt8With(QuantIsa isa, DType t, const void* w, const Int8Activations& x, std::int64_t nblocks);
/// The kernel dotBlocksInt8 runs for type `t` at level `isa` (capped at int8Isa()), for loops over many short rows
/// that would otherwise pay the dispatch per row (a decode step's GEMVs: ~6 % of it); null where there is none.
using Int8DotKernel = float (*)(const void* w, const Int8Activations& x, std::int64_t nblocks);
Int8DotKernel int8DotKernel(DType t, QuantIsa isa = QuantIsa::Avx512);
/// y[r] = Σ w·x of `rows` rows at w + r·stride, each `nblocks` blocks of `t`: several rows at once, the activations
/// read once for them (a decode step's short rows). Where the CPU's level is AVX2, for Q8_0, Q4_0 and Q5_0; null
/// elsewhere (loop over int8DotKernel there).
using Int8RowsKernel = void (*)(const void* w, std::size_t stride, int rows, const Int8Activations& x,
                                std::int64_t nblocks, float* y);
Int8RowsKernel int8RowsKernel(DType t);

} // namespace ws
