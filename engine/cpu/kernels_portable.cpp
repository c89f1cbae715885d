// Portable kernels: plain C++ over the scalar dtype conversions; the reference path on any CPU.
#include <algorithm>
#include <vector>

#include "cpu/kernels.h"

namespace ws::cpu {
namespace {

void rowsPortable(const MatJob& j, int r0, int r1) {
    const Matrix& W = *j.W;
    const std::int64_t ldx = j.ldx ? j.ldx : W.cols, ldy = j.ldy ? j.ldy : W.rows;
    std::vector<float> row(static_cast<std::size_t>(W.cols));
    for (int r = r0; r < r1; ++r) {
        W.rowToFloat(r, 0, W.cols, row.data());
        for (int t = 0; t < j.T; ++t) {
            const float* x = j.X + t * ldx;
            float acc = 0.0f;
            for (int c = 0; c < W.cols; ++c) acc += row[static_cast<std::size_t>(c)] * x[c];
            j.Y[t * ldy + (r - j.rowOffset)] = acc;
        }
    }
}

void axpyRowsPortable(const Matrix& W, int r, int n, const float* a, float* y) {
    float buf[256];
    for (int k = 0; k < n; ++k)
        for (int c = 0; c < W.cols; c += 256) {
            const int m = std::min(256, W.cols - c);
            W.rowToFloat(r + k, c, m, buf);
            for (int i = 0; i < m; ++i) y[c + i] += a[k] * buf[i];
        }
}

float dotPortable(const float* a, const float* b, int n) {
    float s[8] = {};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) s[j] += a[i + j] * b[i + j];
    float r = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; i < n; ++i) r += a[i] * b[i];
    return r;
}

void axpyPortable(float a, const float* x, float* y, int n) {
    for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

} // namespace

void weightedSumPortable(const float* p, std::int64_t ldp, int m, const float* c, std::int64_t ldc, int n, int width,
                         float* y, std::int64_t ldy) {
    for (int k = 0; k < m; ++k) std::fill(y + k * ldy, y + k * ldy + width, 0.0f);
    for (int t = 0; t < n; ++t)
        for (int k = 0; k < m; ++k) {
            const float a = p[k * ldp + t];
            float* yk = y + k * ldy;
            const float* ct = c + t * ldc;
            for (int j = 0; j < width; ++j) yk[j] += a * ct[j];
        }
}

void scoresFewPortable(const ScoreQueries& q, const float* c, std::int64_t ldc, int n, float* s, std::int64_t lds) {
    for (int k = 0; k < q.m; ++k) {
        const float* tile = q.tiles.data() + static_cast<std::size_t>(k / 16) * q.width * 16 + k % 16;
        for (int t = 0; t < n; ++t) {
            float acc = 0.0f;
            for (int j = 0; j < q.width; ++j) acc += tile[static_cast<std::size_t>(j) * 16] * c[t * ldc + j];
            s[k * lds + t] = acc;
        }
    }
}

KernelSet portableKernels() {
    return {"portable", rowsPortable, axpyRowsPortable, dotPortable, axpyPortable, weightedSumPortable, nullptr, nullptr};
}

} // namespace ws::cpu
