// Decode kernels of the CUDA backend: the host launchers (one .cu per group beside this file: gemv, moe_gemv,
// norm_rope, router, mla_decode, quantize). The same sources run on the CPU under -DWS_CUDA_EMU
// (engine/cuda/emu).
//
// Conventions of every launcher: pointers are device pointers (host pointers under the emulator); it checks
// its arguments and returns cudaErrorInvalidValue without launching when they break the contract it states;
// else it enqueues on `stream` and returns cudaGetLastError(). Float32 activations and accumulation
// throughout. Not thread-safe per stream (as any CUDA enqueue); launchers keep no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace ws::cuda {

/// Call once per device (after cudaSetDevice) before the first launch: opts the kernels that need more than
/// 48 KiB of dynamic shared memory in. Launches that need it fail with an error (no crash) until then.
cudaError_t prepareKernels();

// ---- weights ----------------------------------------------------------------------------------------------

enum class WeightType : int { F32, F16, BF16, FP8E4M3 };

inline constexpr int kMaxGemvTokens = 16;
inline constexpr int kFp8Block = 128; ///< FP8 weights: one float scale per 128 x 128 block (DeepSeek-V3)

/// Bytes of one element.
constexpr int weightTypeSize(WeightType t) {
    return t == WeightType::F32 ? 4 : t == WeightType::FP8E4M3 ? 1 : 2;
}

/// A weight matrix on the device, row-major [rows, ld]: W[r, k] at data + (r * ld + k) * size, k < cols <=
/// ld. Layout contract: `data` 16-byte aligned and ld * size a multiple of 16 bytes (every row starts 16-byte
/// aligned; checkpoints' widths are, and a loader pads the others). cols need not be a multiple of anything.
/// FP8: `scale` is weight_scale_inv [ceil(rows/128), scaleLd], scaleLd >= ceil(cols/128): W[r, k] =
/// fp8(data[r, k]) * scale[r/128, k/128] (partial last blocks included).
struct DeviceMatrix {
    WeightType type = WeightType::F32;
    int rows = 0;
    int cols = 0;
    int ld = 0;
    const void* data = nullptr;   // [rows, ld]
    const float* scale = nullptr; // FP8 only: [ceil(rows/128), scaleLd]
    int scaleLd = 0;
};

/// Y[t, r] = sum_k X[t, k] * W[r, k] for t < T, r < rows: the decode projections (T = 1..16 tokens). Each
/// weight byte is read once for all T tokens. X [T, ldx] float, 16-byte aligned, ldx % 4 == 0, ldx >= cols;
/// Y [T, ldy] float, ldy >= rows. Y must not overlap X or W.
cudaError_t gemv(const DeviceMatrix& W, const float* X, int ldx, int T, float* Y, int ldy,
                 cudaStream_t stream);

/// The routed experts of one MoE layer, all the same shape and type: expert e is [rows, ld] at data[e] (a
/// device array of nExperts device pointers, each 16-byte aligned) with FP8 scales scale[e] [ceil(rows/128),
/// scaleLd]. Layout contract as DeviceMatrix.
struct MoeWeights {
    WeightType type = WeightType::F32;
    int rows = 0;
    int cols = 0;
    int ld = 0;
    int nExperts = 0;
    const void* const* data = nullptr;   // [nExperts] -> [rows, ld]
    const float* const* scale = nullptr; // FP8 only: [nExperts] -> [ceil(rows/128), scaleLd]
    int scaleLd = 0;
};

inline constexpr int kMaxMoePairs = 4096;

/// For each pair p < nPairs: Y[p, r] = sum_k X[tokenOfPair[p], k] * W_{expertOfPair[p]}[r, k] (only the
/// chosen experts). Pairs on the same expert are gathered so that the expert's weights are read once for up
/// to 8 of its tokens. expertOfPair, tokenOfPair: [nPairs] device ints; X [nTokens, ldx] (as gemv); Y
/// [nPairs, ldy]. A pair whose expert or token index is out of range, or whose expert pointer is null or
/// misaligned, gets NaN rows (device data cannot be checked on the host). nPairs == 0 is a no-op; nPairs <=
/// kMaxMoePairs.
cudaError_t moeGemv(const MoeWeights& W, const int* expertOfPair, const int* tokenOfPair, int nPairs,
                    int nTokens, const float* X, int ldx, float* Y, int ldy, cudaStream_t stream);

// ---- element-wise steps -----------------------------------------------------------------------------------

/// With residual: x[i] += residual[i] (written back) first. Then out[i] = x[i] / sqrt(mean(x[i]^2) + eps) * w
/// (DeepseekV3RMSNorm) for rows i. x, residual, out [rows, n]; w [n]. out may be x (in place).
cudaError_t rmsNorm(float* x, const float* residual, int rows, int n, const float* w, float eps, float* out,
                    cudaStream_t stream);

/// Interleaved RoPE exactly as engine/cpu ropeAngles + ropeApply: for row i, head h, pair j < dim/2, the pair
/// (x[2j], x[2j+1]) at x + i * rowStride + h * headStride is rotated by pos[i] * invFreq[j] with cos and sin
/// scaled by cosSinScale (model/yarn.h ropeParams); angle, cos and sin in double as the CPU does.
/// pos [rows] device ints; invFreq [dim/2] device doubles. dim even.
cudaError_t ropeInterleaved(float* x, int rows, int heads, int rowStride, int headStride, int dim,
                            const int* pos, const double* invFreq, double cosSinScale, cudaStream_t stream);

/// g[i] = silu(g[i]) * u[i] for i < n.
cudaError_t siluMul(float* g, const float* u, std::int64_t n, cudaStream_t stream);

// ---- MoE router -------------------------------------------------------------------------------------------

/// config.json scoring_func and topk_method, as plain values for device code. The enumerators are in the
/// order of ws::ScoringFunc / ws::TopkMethod (model_config.h); convert with a switch, not a cast.
enum class RouterScoring : int { Sigmoid, Softmax };
enum class RouterTopk : int { NoauxTc, Greedy, GroupLimitedGreedy };

inline constexpr int kMaxRouterExperts = 1024;
inline constexpr int kMaxRouterGroups = 64;

struct RouterParams {
    int nExperts = 0;  ///< n_routed_experts, <= kMaxRouterExperts
    int k = 0;         ///< num_experts_per_tok, 1..nExperts
    int nGroup = 1;    ///< n_group; with group selection nExperts % nGroup == 0, nGroup <= kMaxRouterGroups
    int topkGroup = 1; ///< topk_group, 1..nGroup
    RouterScoring scoring = RouterScoring::Sigmoid;
    RouterTopk method = RouterTopk::NoauxTc;
    bool normTopkProb = false;
    bool isV3 = true; ///< model_type == "deepseek_v3": scale always (V2: only when not normalising)
    float routedScalingFactor = 1.0f;
};

/// The MoE gate of T tokens, exactly as model/routing.h routeToken: logits [T, ldLogits] -> experts [T, k]
/// and weights [T, k]. bias [nExperts] (e_score_correction_bias) or nullptr; it steers the selection only.
cudaError_t route(const float* logits, int ldLogits, const float* bias, int T, const RouterParams& p,
                  int* experts, float* weights, cudaStream_t stream);

// ---- absorbed MLA decode ----------------------------------------------------------------------------------

inline constexpr int kMlaMaxLatent = 512; ///< kv_lora_rank (R) limit
inline constexpr int kMlaMaxRope = 64;    ///< qk_rope_head_dim (dr) limit

/// Appends one position per batch row to the BF16 latent cache: cache[b][pos[b]] = [rmsnorm(kva[b, :R]) *
/// normW, rope(kva[b, R:R+dr], pos[b])] (the CPU's mla.cpp step before attention). kva [B, ldKva] float
/// (kv_a_proj output); normW [R] float; cache [B] device array of device pointers, each [>= pos[b] + 1, R +
/// dr] BF16; pos [B] device ints; invFreq [dr/2] doubles. R % 8 == 0, dr % 8 == 0, R <= kMlaMaxLatent, dr <=
/// kMlaMaxRope.
cudaError_t mlaAppendKv(const float* kva, int ldKva, int B, int R, int dr, const float* normW, float eps,
                        const int* pos, const double* invFreq, double cosSinScale,
                        __nv_bfloat16* const* cache, cudaStream_t stream);

/// Workspace for mlaDecode (0 when one split covers maxLen). splitLen 0: chosen by the launcher.
std::size_t mlaDecodeWorkspaceBytes(int B, int nh, int R, int maxLen, int splitLen = 0);

/// Absorbed MLA decode over the BF16 latent cache: for batch row b and head h,
///   olat[b, h] = sum_t softmax_t(scale * (qlat[b, h] . c_t + qpe[b, h] . kpe_t)) c_t,   t < len[b],
/// where cache[b] [len[b], R + dr] holds c_t (normalised latent) then kpe_t (roped key). qlat [B, nh, R]
/// float (W_UK^T q_nope), qpe [B, nh, dr] float, olat [B, nh, R] float; len [B] device ints, 0 <= len[b] <=
/// maxLen (0 gives zeros). The positions are cut into splits of splitLen (0: chosen from maxLen, B and nh),
/// each split keeps its own max / sum / accumulator in `work`, and a combine kernel merges them (FlashMLA's
/// scheme). R % 8 == 0, dr % 8 == 0, R <= kMlaMaxLatent, dr <= kMlaMaxRope; cache rows 16-byte aligned;
/// workBytes >= mlaDecodeWorkspaceBytes(B, nh, R, maxLen, splitLen). Needs prepareKernels().
cudaError_t mlaDecode(const float* qlat, const float* qpe, const __nv_bfloat16* const* cache, const int* len,
                      int B, int maxLen, int nh, int R, int dr, float scale, float* olat, void* work,
                      std::size_t workBytes, int splitLen, cudaStream_t stream);

// ---- FP8 activations for cuBLASLt -------------------------------------------------------------------------

/// Per 1 x 128 group quantisation, as cuBLASLt's CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F wants it:
/// s = max(|x[m, 128g : 128g+128]|) / 448 (2^-126 at least), q[m, k] = e4m3(x[m, k] / s) (round to nearest
/// even, saturating), scale[g, m] = s: x [M, ldx] float, q [M, K] e4m3 bytes, scale [ceil(K/128), M]
/// (outer-dimension-major). Partial last groups are quantised on their own.
cudaError_t quantize1x128(const float* x, int ldx, int M, int K, std::uint8_t* q, float* scale,
                          cudaStream_t stream);

} // namespace ws::cuda
