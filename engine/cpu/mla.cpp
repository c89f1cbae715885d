// Multi-head Latent Attention (DeepSeek-V2 paper §2.1; HF DeepseekV3Attention) over the latent KV cache.
// Prefill decompresses K and V with kv_b_proj (the "naive" form); decode folds W_UK into the query and applies
// W_UV after attention (the "absorbed" form), reading only c_kv and k_pe from the cache.
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu_backend.h"
#include "cpu/matmul.h"
#include "cpu/ops.h"
#include "model/quant.h"

namespace ws::cpu {

namespace {
// How a prompt's attention runs (the tests run every form on small models): WS_MLA_PREFILL=absorbed or naive forces
// that form; naive-by-head decompresses K and V one head at a time (as a long context on a model with many heads
// does); unset or auto picks the cheaper form for each step.
enum class PrefillForm : std::uint8_t { Auto, Absorbed, Naive, NaiveByHead };
PrefillForm prefillForm() {
    static const PrefillForm form = [] {
        const char* e = std::getenv("WS_MLA_PREFILL");
        const std::string v = e ? e : "";
        if (v == "absorbed") return PrefillForm::Absorbed;
        if (v == "naive") return PrefillForm::Naive;
        if (v == "naive-by-head") return PrefillForm::NaiveByHead;
        return PrefillForm::Auto;
    }();
    return form;
}

// n floats rounded up to an odd number of 64-byte lines: a row stride that spreads rows over the L1 sets (a
// power-of-two stride puts every row of a column walk into one set).
std::size_t oddLines(int n) {
    const auto lines = static_cast<std::size_t>(n + 15) / 16;
    return (lines % 2 ? lines : lines + 1) * 16;
}

// Multiply-adds per layer of each form for T query rows after pos0 cached positions (keys seen: pos0 + T/2 on
// average). Naive: decompress K_nope and V of all N = pos0 + T positions, then per head and key score over nope +
// rope and sum over v. Absorbed: fold W_UK into each query and W_UV after, score over R + rope and sum over R per
// key. A long prompt is naive (decompression amortised over many queries); a short turn after a long conversation
// is absorbed (decompressing every earlier position for a few queries would cost more than their attention) —
// weighted 1.5× for its slower products (the scores a GEMM against the cache, not the register-blocked sums).
bool naiveIsCheaper(const ModelConfig& c, int T, int pos0) {
    switch (prefillForm()) {
    case PrefillForm::Absorbed: return false;
    case PrefillForm::Naive:
    case PrefillForm::NaiveByHead: return true;
    case PrefillForm::Auto: break;
    }
    const double nh = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, R = c.kv_lora_rank;
    const double dr = c.qk_rope_head_dim, keys = pos0 + T / 2.0;
    const double naive = (pos0 + T) * nh * R * (dn + dv) + T * nh * keys * (dn + dr + dv);
    const double absorbed = T * nh * R * (dn + dv) + T * nh * keys * (2 * R + dr);
    return naive < 1.5 * absorbed;
}
} // namespace

void CpuSession::attentionRows(const CpuModel& model, int layer, const float* h, std::span<CpuSession* const> owners,
                               std::span<const int> pos, float* out) {
    const ModelConfig& c = model.config();
    const LayerWeights& L = model.weights().layers[static_cast<std::size_t>(layer)];
    ThreadPool& pool = model.pool();
    const int T = static_cast<int>(owners.size());
    const int nh = c.num_attention_heads, dq = c.qkHeadDim(), R = c.kv_lora_rank, dr = c.qk_rope_head_dim;
    const RopeParams& rope = model.rope();

    // q: [T, nh, nope + rope]; kva: [T, kv_lora_rank + rope]
    std::vector<float> q(static_cast<std::size_t>(T) * nh * dq), kva(static_cast<std::size_t>(T) * c.kvWidth());
    if (c.q_lora_rank > 0) {
        std::vector<float> qa(static_cast<std::size_t>(T) * c.q_lora_rank);
        const MatJob jobs[] = {{&L.q_a, h, T, qa.data()}, {&L.kv_a, h, T, kva.data()}};
        matmulMany(pool, jobs);
        rmsNormRows(qa.data(), T, c.q_lora_rank, L.q_a_norm.data(), c.rms_norm_eps, qa.data());
        matmul(pool, MatJob{&L.q_b, qa.data(), T, q.data()});
    } else {
        const MatJob jobs[] = {{&L.q_b, h, T, q.data()}, {&L.kv_a, h, T, kva.data()}};
        matmulMany(pool, jobs);
    }
    // Cache the normalised latent and the roped shared key; rope the query's rope part (each row at its position
    // in its own session).
    for (int i = 0; i < T; ++i) {
        const int p = pos[static_cast<std::size_t>(i)];
        float* slot = owners[static_cast<std::size_t>(i)]->m_kv.at(layer, p);
        const float* src = kva.data() + static_cast<std::size_t>(i) * c.kvWidth();
        rmsNormRows(src, 1, R, L.kv_a_norm.data(), c.rms_norm_eps, slot);
        std::copy(src + R, src + R + dr, slot + R);
        ropeInterleaved(slot + R, dr, p, rope.invFreq.data(), rope.cosSinScale);
        for (int hd = 0; hd < nh; ++hd)
            ropeInterleaved(q.data() + (static_cast<std::size_t>(i) * nh + hd) * dq + c.qk_nope_head_dim, dr, p,
                            rope.invFreq.data(), rope.cosSinScale);
    }
    // o: [T, nh * v_head_dim]
    std::vector<float> o(static_cast<std::size_t>(T) * nh * c.v_head_dim);
    // The naive form needs one session's contiguous rows (a prefill); a batch of sessions is always absorbed.
    bool oneRun = true;
    for (int i = 1; i < T && oneRun; ++i)
        oneRun = owners[static_cast<std::size_t>(i)] == owners[0] && pos[static_cast<std::size_t>(i)] == pos[0] + i;
    if (T > 1 && oneRun && naiveIsCheaper(c, T, pos[0])) {
        if (L.kv_b.data) {
            owners[0]->attentionNaive(layer, L.kv_b, nullptr, q.data(), T, pos[0], o.data());
        } else {
            // GGUF's split attn_k_b / attn_v_b: V decompresses with v_b as it is; W_UK is rebuilt in float for this
            // step from k_b's transpose — a few MB a layer, against a prefill's quadratic attention, which costs the
            // decompressed form (nope + rope + v) per head and key where the absorbed one costs 2R + rope.
            const int dn = c.qk_nope_head_dim;
            // Not zero-filled: every element is written below.
            const auto wukBuf = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(nh) * dn * R);
            pool.parallelFor(nh, [&](std::int64_t b, std::int64_t e) {
                // k_b rows hd·R … hd·R + R − 1 (contiguous) hold W_UKᵀ of head hd: dequantised at once, then
                // transposed in 16 × 16 squares so that reads and writes both stay within a few cache lines.
                const auto kbt = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(R) * dn);
                for (auto hd = static_cast<int>(b); hd < e; ++hd) {
                    if (isBlockQuantized(L.k_b.dtype))
                        dequantizeBlocks(L.k_b.dtype, L.k_b.row(hd * R), kbt.get(),
                                         static_cast<std::int64_t>(R) * dn / dtypeBlock(L.k_b.dtype).elems);
                    else
                        for (int r = 0; r < R; ++r) L.k_b.rowToFloat(hd * R + r, 0, dn, kbt.get() + static_cast<std::size_t>(r) * dn);
                    float* head = wukBuf.get() + static_cast<std::size_t>(hd) * dn * R;
                    for (int r0 = 0; r0 < R; r0 += 16)
                        for (int d0 = 0; d0 < dn; d0 += 16)
                            for (int d = d0; d < std::min(dn, d0 + 16); ++d)
                                for (int r = r0; r < std::min(R, r0 + 16); ++r)
                                    head[static_cast<std::size_t>(d) * R + r] = kbt[static_cast<std::size_t>(r) * dn + d];
                }
            });
            Matrix wuk;
            wuk.rows = nh * dn;
            wuk.cols = R;
            wuk.data = wukBuf.get();
            owners[0]->attentionNaive(layer, wuk, &L.v_b, q.data(), T, pos[0], o.data());
        }
    } else {
        attentionAbsorbed(model, layer, q.data(), owners, pos, o.data());
    }
    matmul(pool, MatJob{&L.o, o.data(), T, out});
}

// score(t) = (W_UKᵀ q_nope) · c_t + q_pe · k_pe_t;  o_h = W_UV (Σ_t softmax(score)_t c_t)
// Every head of a row (and every row of one session) shares the cache: the scores of all of them are one GEMM
// over the cache rows, S = Q'·Cᵀ with Q' = [W_UKᵀ q_nope, q_pe] per head, and the weighted sums one more, so the
// cache is read once per step, not twice per head (at a 16K context the cache of a layer is 38 MB).
void CpuSession::attentionAbsorbed(const CpuModel& model, int layer, const float* q,
                                   std::span<CpuSession* const> owners, std::span<const int> pos, float* o) {
    const ModelConfig& c = model.config();
    const LayerWeights& L = model.weights().layers[static_cast<std::size_t>(layer)];
    ThreadPool& pool = model.pool();
    const Matrix& kvb = L.kv_b; // [nh*(nope+v), R]; or k_b [nh*R, nope] and v_b [nh*v, R]
    const bool split = kvb.data == nullptr;
    const int T = static_cast<int>(owners.size());
    const int nh = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, dq = c.qkHeadDim();
    const int R = c.kv_lora_rank, dr = c.qk_rope_head_dim, W = R + dr;
    const auto scale = static_cast<float>(model.rope().softmaxScale);
    const std::size_t rowsQ = static_cast<std::size_t>(T) * static_cast<std::size_t>(nh);

    // qp: [T, nh, W] — the absorbed query (W_UKᵀ q_nope) and the roped q_pe of every row and head.
    std::vector<float> qp(rowsQ * static_cast<std::size_t>(W), 0.0f);
    if (split) { // GGUF attn_k_b: one small GEMM per head over all rows, its weights dequantised once
        pool.parallelFor(nh, [&](std::int64_t b, std::int64_t e) {
            for (auto hd = static_cast<int>(b); hd < e; ++hd) {
                MatJob uk{&L.k_b, q + static_cast<std::size_t>(hd) * dq, T, qp.data() + static_cast<std::size_t>(hd) * W,
                          static_cast<std::int64_t>(nh) * dq, static_cast<std::int64_t>(nh) * W, hd * R};
                matmulRows(uk, hd * R, (hd + 1) * R);
            }
        });
    } else {
        pool.parallelFor(static_cast<std::int64_t>(rowsQ), [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t k = b; k < e; ++k) {
                const int hd = static_cast<int>(k % nh);
                axpyRows(kvb, hd * (dn + dv), dn, q + static_cast<std::size_t>(k) * dq, qp.data() + static_cast<std::size_t>(k) * W);
            }
        });
    }
    for (std::size_t k = 0; k < rowsQ; ++k)
        std::copy(q + k * dq + dn, q + k * dq + dn + dr, qp.data() + k * W + R);

    // lat: [T, nh, R] — Σ_t p_t c_t for every row and head.
    std::vector<float> lat(rowsQ * static_cast<std::size_t>(R), 0.0f);
    std::vector<float> s, ct;
    // Runs of rows from one session (a prefill chunk; each row of a decode batch is a run of its own).
    for (int a = 0; a < T;) {
        int b = a + 1;
        while (b < T && owners[static_cast<std::size_t>(b)] == owners[static_cast<std::size_t>(a)]) ++b;
        CpuSession& owner = *owners[static_cast<std::size_t>(a)];
        int n = 0;
        for (int i = a; i < b; ++i) n = std::max(n, pos[static_cast<std::size_t>(i)] + 1);
        Matrix cache; // [n, W]: the latent and the roped shared key of each position
        cache.rows = n;
        cache.cols = W;
        cache.data = owner.m_kv.at(layer, 0);
        // Rows in blocks whose scores stay within ~32 MB.
        const int block = std::clamp(static_cast<int>((std::int64_t{8} << 20) / (static_cast<std::int64_t>(nh) * n)), 1, b - a);
        const bool manyRows = b - a > 2;
        if (manyRows) { // Cᵀ[:R] once for the run: the weighted sums become a GEMM over it
            ct.resize(static_cast<std::size_t>(R) * static_cast<std::size_t>(n));
            pool.parallelFor(R, [&](std::int64_t r0, std::int64_t r1) {
                for (std::int64_t r = r0; r < r1; ++r)
                    for (int t = 0; t < n; ++t)
                        ct[static_cast<std::size_t>(r) * static_cast<std::size_t>(n) + static_cast<std::size_t>(t)] =
                            static_cast<const float*>(cache.data)[static_cast<std::size_t>(t) * W + static_cast<std::size_t>(r)];
            });
        }
        for (int i0 = a; i0 < b; i0 += block) {
            const int rows = std::min(block, b - i0);
            const int m = rows * nh; // query rows of this block
            // Scores at a row stride of an odd number of cache lines: the weighted sums read 16 rows of them at
            // once, and at a context near a multiple of 1024 a stride of n would put all 16 in one L1 set.
            const std::size_t lds = oddLines(n);
            s.resize(static_cast<std::size_t>(m) * lds);
            MatJob scores{&cache, qp.data() + static_cast<std::size_t>(i0) * nh * W, m, s.data()};
            scores.ldy = static_cast<std::int64_t>(lds);
            matmul(pool, scores);
            pool.parallelFor(m, [&](std::int64_t k0, std::int64_t k1) {
                for (std::int64_t k = k0; k < k1; ++k) {
                    float* sk = s.data() + static_cast<std::size_t>(k) * lds;
                    const int len = pos[static_cast<std::size_t>(i0 + k / nh)] + 1;
                    for (int t = 0; t < len; ++t) sk[t] *= scale;
                    softmax(sk, len);
                    std::fill(sk + len, sk + n, 0.0f);
                }
            });
            float* latBlock = lat.data() + static_cast<std::size_t>(i0) * nh * R;
            if (manyRows) {
                Matrix cm;
                cm.rows = R;
                cm.cols = n;
                cm.data = ct.data();
                MatJob sums{&cm, s.data(), m, latBlock};
                sums.ldx = static_cast<std::int64_t>(lds);
                matmul(pool, sums);
            } else { // a few query rows: each thread sums its share of the columns over the cache, read once
                const auto* cd = static_cast<const float*>(cache.data);
                pool.parallelFor((R + 15) / 16, [&](std::int64_t c0, std::int64_t c1) {
                    const auto from = static_cast<int>(c0 * 16);
                    const int width = std::min(R, static_cast<int>(c1 * 16)) - from;
                    weightedSum(s.data(), static_cast<std::int64_t>(lds), m, cd + from, W, n, width, latBlock + from, R);
                });
            }
        }
        a = b;
    }

    // o_h = W_UV lat_h
    if (split) {
        pool.parallelFor(nh, [&](std::int64_t b, std::int64_t e) {
            for (auto hd = static_cast<int>(b); hd < e; ++hd) {
                MatJob up{&L.v_b, lat.data() + static_cast<std::size_t>(hd) * R, T, o + static_cast<std::size_t>(hd) * dv,
                          static_cast<std::int64_t>(nh) * R, static_cast<std::int64_t>(nh) * dv, hd * dv};
                matmulRows(up, hd * dv, (hd + 1) * dv);
            }
        });
    } else {
        pool.parallelFor(static_cast<std::int64_t>(rowsQ), [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t k = b; k < e; ++k) {
                const int hd = static_cast<int>(k % nh);
                const int rowBase = hd * (dn + dv);
                MatJob up{&kvb, lat.data() + static_cast<std::size_t>(k) * R, 1, o + static_cast<std::size_t>(k) * dv};
                up.rowOffset = rowBase + dn;
                matmulRows(up, rowBase + dn, rowBase + dn + dv);
            }
        });
    }
}

namespace {
// Rows [r0, r0 + n) of W as a matrix of their own (a block-scaled W: r0 on a block's first row).
Matrix rowRange(const Matrix& W, int r0, int n) {
    Matrix v = W;
    v.rows = n;
    v.data = W.row(r0);
    if (W.scale)
        v.scale = W.scale + static_cast<std::size_t>(r0 / W.blockRows) *
                                static_cast<std::size_t>((W.cols + W.blockCols - 1) / W.blockCols);
    return v;
}
} // namespace

// K_nope, V = kv_b_proj(c) for every cached position; then per head and block of 32 queries S = Q Kᵀ over the keys
// that block sees (the causal mask leaves the rest of the triangle out, but for the block's own diagonal, computed
// and zeroed) and O = softmax(S) V. Heads in groups whose decompressed K and V stay within ~256 MB (all at once
// on the small models; V3's 128 heads at a 16K context, 16 at a time), in a buffer kept for the whole prompt.
void CpuSession::attentionNaive(int layer, const Matrix& kv, const Matrix* vb, const float* q, int T, int pos0, float* o) {
    const ModelConfig& c = m_c;
    const int nh = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, dq = c.qkHeadDim();
    const int R = c.kv_lora_rank, W = m_kv.width, N = pos0 + T;
    const float scale = static_cast<float>(m_model.rope().softmaxScale);
    const float* cache = m_kv.at(layer, 0);
    ThreadPool& pool = m_model.pool();
    // Heads per group: the budget's worth, on whole blocks of a block-scaled matrix.
    const std::size_t perHead = static_cast<std::size_t>(N) * static_cast<std::size_t>(dn + dv);
    int group = prefillForm() == PrefillForm::NaiveByHead
                    ? 1
                    : static_cast<int>(std::clamp<std::size_t>((std::size_t{64} << 20) / perHead, 1, static_cast<std::size_t>(nh)));
    const auto aligned = [&](const Matrix* m, int rowsPerHead) {
        return !m || !m->scale || (static_cast<std::int64_t>(group) * rowsPerHead) % m->blockRows == 0;
    };
    while (group < nh && !(vb ? aligned(&kv, dn) && aligned(vb, dv) : aligned(&kv, dn + dv))) ++group;
    m_prefillScratch.grow(static_cast<std::size_t>(group) * perHead * sizeof(float));
    float* const kvBuf = m_prefillScratch.floats();
    constexpr int kQueryBlock = 32;
    const std::size_t ldkt = oddLines(N), ldvc = oddLines(dv), ldq = oddLines(dq), lds = ldkt;
    for (int h0 = 0; h0 < nh; h0 += group) {
        const int g = std::min(group, nh - h0);
        // K_nope of group head j and position t at kBase[t·ldk + j·kHead], V at vBase[t·ldv + j·vHead]:
        // interleaved per head in one product (kv_b_proj), or two products (W_UK, attn_v_b).
        const float *kBase = kvBuf, *vBase = nullptr;
        std::size_t ldk = 0, ldv = 0, kHead = 0, vHead = 0;
        if (!vb) {
            const Matrix part = rowRange(kv, h0 * (dn + dv), g * (dn + dv));
            MatJob job{&part, cache, N, kvBuf};
            job.ldx = W;
            matmul(pool, job);
            ldk = ldv = static_cast<std::size_t>(g) * (dn + dv);
            kHead = vHead = static_cast<std::size_t>(dn + dv);
            vBase = kvBuf + dn;
        } else {
            float* vOut = kvBuf + static_cast<std::size_t>(N) * g * dn;
            const Matrix kPart = rowRange(kv, h0 * dn, g * dn), vPart = rowRange(*vb, h0 * dv, g * dv);
            const MatJob jobs[] = {{&kPart, cache, N, kvBuf, W}, {&vPart, cache, N, vOut, W}};
            matmulMany(pool, jobs);
            ldk = static_cast<std::size_t>(g) * dn;
            ldv = static_cast<std::size_t>(g) * dv;
            kHead = static_cast<std::size_t>(dn);
            vHead = static_cast<std::size_t>(dv);
            vBase = vOut;
        }
        // Per head, both products run on the weighted-sum kernel (16 queries × 16 columns of sums in registers, no
        // horizontal reductions): S = Q·Kᵀ over Kᵀ [dq, N] and O = P·V over V [N, v]; queries, keys and values are
        // copied out per head into buffers whose row strides are an odd number of cache lines.
        pool.parallelFor(g, [&](std::int64_t b, std::int64_t e) {
            // kt: [nope + rope, N] (the shared roped key as its last rows); vc: [N, v]; qb: [block, dq]; s: [block, N]
            const auto ktb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(dq) * ldkt);
            const auto vcb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(N) * ldvc);
            const auto qbb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(kQueryBlock) * ldq);
            const auto sb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(kQueryBlock) * lds);
            float *kt = ktb.get(), *vc = vcb.get(), *qb = qbb.get(), *s = sb.get();
            for (auto j = static_cast<int>(b); j < e; ++j) {
                const int hd = h0 + j;
                for (int t0 = 0; t0 < N; t0 += 16) { // transposed in 16 × 16 squares
                    const int t1 = std::min(N, t0 + 16);
                    for (int d0 = 0; d0 < dq; d0 += 16)
                        for (int d = d0; d < std::min(dq, d0 + 16); ++d)
                            for (int t = t0; t < t1; ++t)
                                kt[static_cast<std::size_t>(d) * ldkt + static_cast<std::size_t>(t)] =
                                    d < dn ? kBase[static_cast<std::size_t>(t) * ldk + static_cast<std::size_t>(j) * kHead + static_cast<std::size_t>(d)]
                                           : cache[static_cast<std::size_t>(t) * W + static_cast<std::size_t>(R + d - dn)];
                    for (int t = t0; t < t1; ++t) {
                        const float* vt = vBase + static_cast<std::size_t>(t) * ldv + static_cast<std::size_t>(j) * vHead;
                        std::copy(vt, vt + dv, vc + static_cast<std::size_t>(t) * ldvc);
                    }
                }
                for (int i0 = 0; i0 < T; i0 += kQueryBlock) {
                    const int rows = std::min(kQueryBlock, T - i0), n = pos0 + i0 + rows; // keys the block sees
                    for (int i = 0; i < rows; ++i) {
                        const float* qi = q + (static_cast<std::size_t>(i0 + i) * nh + static_cast<std::size_t>(hd)) * dq;
                        std::copy(qi, qi + dq, qb + static_cast<std::size_t>(i) * ldq);
                    }
                    weightedSum(qb, static_cast<std::int64_t>(ldq), rows, kt, static_cast<std::int64_t>(ldkt), dq, n, s,
                                static_cast<std::int64_t>(lds));
                    for (int i = 0; i < rows; ++i) {
                        float* si = s + static_cast<std::size_t>(i) * lds;
                        const int len = pos0 + i0 + i + 1;
                        for (int t = 0; t < len; ++t) si[t] *= scale;
                        softmax(si, len);
                        std::fill(si + len, si + n, 0.0f);
                    }
                    weightedSum(s, static_cast<std::int64_t>(lds), rows, vc, static_cast<std::int64_t>(ldvc), n, dv,
                                o + (static_cast<std::size_t>(i0) * nh + static_cast<std::size_t>(hd)) * dv,
                                static_cast<std::int64_t>(nh) * dv);
                }
            }
        });
    }
}

} // namespace ws::cpu
