// The small steps of the CUDA forward pass between the decode kernels of kernels.cuh: the embedding lookup, MLA's
// absorbed projections (W_UK into the query, W_UV out of the latent), and the MoE weighted sum.
#pragma once

#include "kernels.cuh"

namespace ws::cuda {

/// x[t, :] = E[tokens[t], :] (dequantised) for t < T. E [vocab, cols] any WeightType; tokens [T] device ints;
/// x [T, cols] float.
cudaError_t embedRows(const DeviceMatrix& E, const int* tokens, int T, float* x, cudaStream_t stream);

/// The absorbed query of MLA: per row b and head h, with q [B, nh, dn + dr] (q_nope then q_pe) and kv_b_proj
/// W [nh * (dn + dv), R]:  qlat[b, h, r] = sum_{d < dn} q[b, h, d] * W[h * (dn + dv) + d, r]  (W_UK^T q_nope), and
/// qpe[b, h, :] = q[b, h, dn : dn + dr] (copied, to be roped). qlat [B, nh, R], qpe [B, nh, dr].
cudaError_t mlaAbsorbQuery(const float* q, const DeviceMatrix& W, int B, int nh, int dn, int dr, int dv,
                           float* qlat, float* qpe, cudaStream_t stream);

/// The value side: o[b, h, v] = sum_r olat[b, h, r] * W[h * (dn + dv) + dn + v, r]  (W_UV olat).
/// olat [B, nh, R]; o [B, nh * dv].
cudaError_t mlaValueOut(const float* olat, const DeviceMatrix& W, int B, int nh, int dn, int dv, float* o,
                        cudaStream_t stream);

/// out[t, :] += sum_{j < k} weights[t, j] * y[t * k + j, :] (the routed experts' outputs, pair t * k + j being
/// token t's j-th expert). out [T, n]; y [T * k, n]; weights [T, k].
cudaError_t moeCombine(float* out, const float* y, const float* weights, int T, int k, int n, cudaStream_t stream);

} // namespace ws::cuda
