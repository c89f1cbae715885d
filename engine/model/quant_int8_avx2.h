// The int8 dot products of quant.h (dotBlocksInt8) and the activations' quantiser on AVX2 without VNNI: vpmaddubsw
// multiplies 32 unsigned weight codes by 32 signed activation codes into 16 pair sums (no saturation for codes
// below 64, or for |w| ≤ 128 against |c| ≤ 127 with the sign moved onto the activations), vpmaddwd sums them
// into 8 int32 lanes of 4 products each. Internal to quant_int8.cpp.
#pragma once

#include <cstdint>

#include "model/quant.h"

namespace ws::int8avx2 {

/// AVX2, FMA and F16C on this CPU.
bool supported();
/// dotBlocksInt8 for Q8_0, Q4_0, Q5_0, Q4_K and Q6_K (NaN for other types). Only where supported().
float dot(DType t, const void* w, const Int8Activations& x, std::int64_t nblocks);
/// Int8Activations::assign's blocks [0, blocks) of x into a (sized, padding zero, sum4 zero): bit-identical to the
/// portable quantiser. Only where supported().
void quantise(const float* x, std::int64_t blocks, Int8Activations& a);

} // namespace ws::int8avx2
