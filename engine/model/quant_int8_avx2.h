// The int8 dot products of quant.h (dotBlocksInt8) and the activations' quantiser on AVX2 without VNNI: vpmaddwd
// multiplies 16 weight codes, widened to 16 bits, by 16 activation codes 256·q + r (Int8Activations::c) into 8
// int32 pair sums, exactly. Internal to quant_int8.cpp and cpu/gemm_int8*.cpp.
#pragma once

#include <cstdint>

#include "model/quant.h"

namespace ws::int8avx2 {

/// AVX2, FMA and F16C on this CPU.
bool supported();
/// dotBlocksInt8's kernel for every block type (null for others). Only where supported().
Int8DotKernel kernel(DType t);
/// int8RowsKernel's kernel for Q8_0, Q4_0 and Q5_0 (null for other types). Only where supported().
Int8RowsKernel rowsKernel(DType t);
/// Int8Activations::assign's blocks [0, blocks) of x into a (sized, padding zero, sum4 zero): bit-identical to the
/// portable quantiser. Only where supported().
void quantise(const float* x, std::int64_t blocks, Int8Activations& a);
/// a.c of blocks [0, blocks) from a.q and a.r (a.c sized): what quantise writes there; from a.q alone (256·q) with
/// withResidual false. Only where supported().
void widen(std::int64_t blocks, Int8Activations& a, bool withResidual = true);

} // namespace ws::int8avx2
