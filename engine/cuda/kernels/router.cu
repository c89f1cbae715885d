// The MoE gate on the device (HF MoEGate, V3 noaux_tc and V2 greedy / group_limited_greedy), step for step as
// engine/model/routing.h routeToken so that both backends pick the same experts.
#include "device_common.cuh"

namespace ws::cuda {
namespace {

constexpr int kPerLane = kMaxRouterExperts / 32; // experts e = lane + 32 i

/// exp rounded once to float (through double). routing.h's std::exp(float) is glibc's expf, which differs by
/// an ulp on about 1 in 13,000 inputs (measured here), where the CUDA expf (up to 2 ulp) would differ far
/// more often: scores agree to an ulp, so experts agree unless two candidates are within an ulp of each
/// other.
__device__ __forceinline__ float expRn(float x) { return static_cast<float>(exp(static_cast<double>(x))); }

/// A sortable key: larger for a larger value, and for the lower expert among equal values; 0 for none.
__device__ __forceinline__ unsigned long long routeKey(float v, int e) {
    unsigned u = __float_as_uint(v + 0.0f); // -0 -> +0, which compare equal in routeToken
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return (static_cast<unsigned long long>(u) << 32) | (0xffffffffu - static_cast<unsigned>(e));
}

// One warp per token: logits [T, ldLogits], bias [n] -> experts [T, k], weights [T, k].
// torch (V3): s = logits.sigmoid(); c = s + bias
//   group_scores = c.view(T, n_group, -1).topk(2).values.sum(-1)   (V2 group_limited_greedy: .max(-1))
//   keep the topk_group best groups (stable: the lower group on ties), c = -inf elsewhere
//   idx = c.topk(k) (the lower index on ties); w = s.gather(idx)
//   w /= w.sum() + 1e-20 if k > 1 and norm_topk_prob; w *= routed_scaling_factor (V3 always, V2 unnormalised)
// Softmax scoring: s = logits.softmax(), its sum in double in expert order, as routing.h.
__global__ void __launch_bounds__(32)
    routeKernel(const float* __restrict__ logits, int ldLogits, const float* __restrict__ bias,
                RouterParams p, int* __restrict__ experts, float* __restrict__ weights) {
    __shared__ float score[kMaxRouterExperts], choice[kMaxRouterExperts], groupScore[kMaxRouterGroups];
    __shared__ int keepGroup[kMaxRouterGroups];
    __shared__ double softmaxSum;
    const int t = static_cast<int>(blockIdx.x), lane = static_cast<int>(threadIdx.x), n = p.nExperts;
    const float* l = logits + static_cast<std::size_t>(t) * ldLogits;

    if (p.scoring == RouterScoring::Sigmoid) {
        for (int e = lane; e < n; e += 32)
            score[e] = 1.0f / (1.0f + expRn(-__ldg(l + e)));
    } else {
        float mx = -INFINITY;
        for (int e = lane; e < n; e += 32)
            mx = fmaxf(mx, __ldg(l + e));
        mx = warpMax(mx);
        for (int e = lane; e < n; e += 32)
            score[e] = expRn(__ldg(l + e) - mx);
        __syncwarp();
        if (lane == 0) {
            double sum = 0.0;
            for (int e = 0; e < n; ++e)
                sum += score[e];
            softmaxSum = sum;
        }
        __syncwarp();
        const double sum = softmaxSum;
        for (int e = lane; e < n; e += 32)
            score[e] = static_cast<float>(score[e] / sum);
    }
    for (int e = lane; e < n; e += 32)
        choice[e] = score[e] + (bias ? __ldg(bias + e) : 0.0f);
    __syncwarp();

    if (p.method != RouterTopk::Greedy && p.nGroup > 1) {
        const int per = n / p.nGroup;
        for (int g = lane; g < p.nGroup; g += 32) {
            const float* c = choice + g * per;
            float m1 = -INFINITY, m2 = -INFINITY;
            for (int i = 0; i < per; ++i) {
                if (c[i] > m1) {
                    m2 = m1;
                    m1 = c[i];
                } else if (c[i] > m2) {
                    m2 = c[i];
                }
            }
            groupScore[g] = p.method == RouterTopk::NoauxTc ? m1 + m2 : m1;
        }
        __syncwarp();
        for (int g = lane; g < p.nGroup; g += 32) { // rank in a stable descending sort
            int rank = 0;
            for (int h = 0; h < p.nGroup; ++h)
                rank += groupScore[h] > groupScore[g] || (groupScore[h] == groupScore[g] && h < g);
            keepGroup[g] = rank < p.topkGroup;
        }
        __syncwarp();
        for (int e = lane; e < n; e += 32)
            if (!keepGroup[e / per])
                choice[e] = -INFINITY;
        __syncwarp();
    }

    // k rounds of a warp arg-max; a lane rescans its experts only after it lost one.
    unsigned taken = 0; // bit i: expert lane + 32 i
    unsigned long long mine = 0;
    bool rescan = true;
    for (int j = 0; j < p.k; ++j) {
        if (rescan) {
            mine = 0;
#pragma unroll 4
            for (int i = 0; i < kPerLane; ++i) {
                const int e = lane + 32 * i;
                if (e < n && ((taken >> i) & 1u) == 0) {
                    const unsigned long long key = routeKey(choice[e], e);
                    mine = key > mine ? key : mine;
                }
            }
        }
        unsigned long long best = mine;
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            const unsigned long long other = __shfl_xor_sync(kFullMask, best, o);
            best = other > best ? other : best;
        }
        const int e = static_cast<int>(0xffffffffu - static_cast<unsigned>(best & 0xffffffffu));
        rescan = (e & 31) == lane;
        if (rescan)
            taken |= 1u << (e >> 5);
        if (lane == 0) {
            experts[static_cast<std::size_t>(t) * p.k + j] = e;
            weights[static_cast<std::size_t>(t) * p.k + j] = score[e]; // the unbiased score
        }
    }
    if (lane == 0) {
        float* w = weights + static_cast<std::size_t>(t) * p.k;
        const bool normalise = p.k > 1 && p.normTopkProb;
        if (normalise) {
            double sum = 0.0;
            for (int j = 0; j < p.k; ++j)
                sum += w[j];
            for (int j = 0; j < p.k; ++j)
                w[j] = static_cast<float>(w[j] / (sum + 1e-20));
        }
        if (p.isV3 || !normalise)
            for (int j = 0; j < p.k; ++j)
                w[j] *= p.routedScalingFactor;
    }
}

} // namespace

cudaError_t route(const float* logits, int ldLogits, const float* bias, int T, const RouterParams& p,
                  int* experts, float* weights, cudaStream_t stream) {
    const bool grouped = p.method != RouterTopk::Greedy && p.nGroup > 1;
    if (T < 1 || p.nExperts < 1 || p.nExperts > kMaxRouterExperts || p.k < 1 || p.k > p.nExperts ||
        ldLogits < p.nExperts || logits == nullptr || experts == nullptr || weights == nullptr ||
        p.nGroup < 1 ||
        (grouped && (p.nGroup > kMaxRouterGroups || p.nExperts % p.nGroup != 0 || p.topkGroup < 1 ||
                     p.topkGroup > p.nGroup)) ||
        (p.scoring != RouterScoring::Sigmoid && p.scoring != RouterScoring::Softmax) ||
        (p.method != RouterTopk::NoauxTc && p.method != RouterTopk::Greedy &&
         p.method != RouterTopk::GroupLimitedGreedy))
        return cudaErrorInvalidValue;
    return launchKernel(&routeKernel, dim3(static_cast<unsigned>(T)), dim3(32), 0, stream, logits, ldLogits,
                        bias, p, experts, weights);
}

} // namespace ws::cuda
