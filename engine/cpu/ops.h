// Small element-wise steps of the forward pass: RMSNorm, SiLU·up, softmax, interleaved RoPE.
#pragma once

#include <cmath>
#include <cstdint>

namespace ws::cpu {

/// out[r] = x[r] / sqrt(mean(x[r]²) + eps) · w   (DeepseekV3RMSNorm; the variance in double)
inline void rmsNormRows(const float* x, int rows, int n, const float* w, double eps, float* out) {
    for (int r = 0; r < rows; ++r) {
        const float* xr = x + static_cast<std::int64_t>(r) * n;
        float* o = out + static_cast<std::int64_t>(r) * n;
        double ss = 0.0;
        for (int i = 0; i < n; ++i) ss += static_cast<double>(xr[i]) * xr[i];
        const auto inv = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
        for (int i = 0; i < n; ++i) o[i] = xr[i] * inv * w[i];
    }
}

/// g = silu(g) · u
inline void siluMul(float* g, const float* u, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

/// x[i] = exp(x[i] − shift) for i < n, returning their sum (in double): vectorised where the kernels have it (AVX2
/// and AVX-512: within ~1.5 ulp of exp, 0 below e^−87.3), std::exp on the portable level (matmul.cpp).
double expShiftSum(float* x, int n, float shift);

/// In-place softmax of n scores.
inline void softmax(float* s, int n) {
    float mx = s[0];
    for (int i = 1; i < n; ++i) mx = s[i] > mx ? s[i] : mx;
    const double sum = expShiftSum(s, n, mx);
    const auto inv = static_cast<float>(1.0 / sum);
    for (int i = 0; i < n; ++i) s[i] *= inv;
}

/// Interleaved RoPE: pairs (x[2i], x[2i+1]) rotated by pos·invFreq[i] (the checkpoint's interleaved layout; HF's
/// de-interleave + rotate_half gives the same dot products), angle, cos and sin in double.
/// cs[2i], cs[2i + 1] = cos, sin(pos · invFreq[i]) · scale for i < dim/2: a position's rotation, for ropeApply.
inline void ropeAngles(int dim, int pos, const double* invFreq, double scale, double* cs) {
    for (int i = 0; i < dim / 2; ++i) {
        const double a = pos * invFreq[i];
        cs[2 * i] = std::cos(a) * scale;
        cs[2 * i + 1] = std::sin(a) * scale;
    }
}
/// Rotates the interleaved pairs of x[0, dim) by ropeAngles' cs (every head of a position shares them).
inline void ropeApply(float* x, int dim, const double* cs) {
    for (int i = 0; i < dim / 2; ++i) {
        const double c = cs[2 * i], s = cs[2 * i + 1];
        const double x0 = x[2 * i], x1 = x[2 * i + 1];
        x[2 * i] = static_cast<float>(x0 * c - x1 * s);
        x[2 * i + 1] = static_cast<float>(x0 * s + x1 * c);
    }
}
} // namespace ws::cpu
