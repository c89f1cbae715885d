// The kernel sets behind matmul.h: one per instruction-set level, picked at run time.
#pragma once

#include "cpu/matmul.h"

namespace ws::cpu {

struct KernelSet {
    const char* name;
    void (*rows)(const MatJob& job, int r0, int r1);
    void (*axpyRow)(const Matrix& W, int r, float a, float* y);
    float (*dot)(const float* a, const float* b, int n);
    void (*axpy)(float a, const float* x, float* y, int n);
};

KernelSet portableKernels();
KernelSet avx2Kernels();   ///< AVX2 + FMA + F16C
KernelSet avx512Kernels(); ///< AVX-512 F/BW/VL/DQ

} // namespace ws::cpu
