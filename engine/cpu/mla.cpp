// Multi-head Latent Attention (DeepSeek-V2 paper §2.1; HF DeepseekV3Attention) over the latent KV cache.
// Prefill decompresses K and V with kv_b_proj (the "naive" form); decode folds W_UK into the query and applies
// W_UV after attention (the "absorbed" form), reading only c_kv and k_pe from the cache.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
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
// that form; unset or auto picks the cheaper form for each step.
enum class PrefillForm : std::uint8_t { Auto, Absorbed, Naive };
PrefillForm prefillForm() {
    static const PrefillForm form = [] {
        const char* e = std::getenv("WS_MLA_PREFILL");
        const std::string v = e ? e : "";
        if (v == "absorbed") return PrefillForm::Absorbed;
        if (v == "naive") return PrefillForm::Naive;
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
// weighted 1.5× for its slower products (the scores a GEMM against the cache, not the register-blocked sums; an
// estimate, not a measured crossover). Also absorbed where the naive form's per-thread buffers (a head's Kᵀ, K, V
// and a block of scores over every position, ~2 KB a position at V3's shapes) would pass 2 GiB for all threads
// together (V3 at a 128K context on 64 threads would hold 17 GB).
bool naiveIsCheaper(const ModelConfig& c, int T, int pos0, int threads) {
    switch (prefillForm()) {
    case PrefillForm::Absorbed: return false;
    case PrefillForm::Naive: return true;
    case PrefillForm::Auto: break;
    }
    const double nh = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, R = c.kv_lora_rank;
    const double dr = c.qk_rope_head_dim, keys = pos0 + T / 2.0;
    const double perThread = (pos0 + T) * (dn + dr + dn + dv + 32) * sizeof(float);
    if (perThread * std::min(threads, c.num_attention_heads) > 2.0 * (1 << 30)) return false;
    const double naive = (pos0 + T) * nh * R * (dn + dv) + T * nh * keys * (dn + dr + dv);
    const double absorbed = T * nh * R * (dn + dv) + T * nh * keys * (2 * R + dr);
    return naive < 1.5 * absorbed;
}

// dst[c·ldd + r] = src[r·lds + c] for r < rows, c < cols, in 16 × 16 squares (reads and writes both within a few
// cache lines).
void transpose(const float* src, std::size_t lds, int rows, int cols, float* dst, std::size_t ldd) {
    for (int r0 = 0; r0 < rows; r0 += 16)
        for (int c0 = 0; c0 < cols; c0 += 16)
            for (int c = c0; c < std::min(cols, c0 + 16); ++c)
                for (int r = r0; r < std::min(rows, r0 + 16); ++r)
                    dst[static_cast<std::size_t>(c) * ldd + static_cast<std::size_t>(r)] =
                        src[static_cast<std::size_t>(r) * lds + static_cast<std::size_t>(c)];
}

} // namespace

// lat[k·R + j] = Σ_t softmax_t(scale · qp_k · c_t) · c_t[j] for the m query rows k of one session (a decode step:
// its heads; two rows of a short chunk: m = 2·heads) over the cache rows t < len[k] (cache [n, W], latent in the
// first R columns). The cache rows are split over the threads and each thread takes its rows 64 at a time: scores
// of every query row, the softmax's running maximum and sum, the weighted sum of the latents, while those rows sit
// in L2 — so the cache is read once per step, where scores and then sums over the whole of it read it twice (from
// memory after a long context). The threads' partial sums are rescaled to the common maximum at the end
// (flash-decoding).
void attendFew(ThreadPool& pool, const float* qp, int m, const std::vector<int>& len, const float* cache, int n, int W,
               int R, float scale, float* lat) {
    constexpr int kChunk = 64;
    const int parts = std::max(1, std::min(pool.size(), n));
    const auto mR = static_cast<std::size_t>(m) * static_cast<std::size_t>(R);
    std::vector<float> po(static_cast<std::size_t>(parts) * mR), pmax(static_cast<std::size_t>(parts) * m),
        psum(pmax.size());
    // The scores: scoresFew where the level has a kernel for it (the queries laid out once for every chunk),
    // otherwise the float GEMM with the chunk's cache rows as its weights.
    ScoreQueries queries;
    const bool ownKernel = scoresFewPays(m);
    if (ownKernel) queries.assign(qp, W, m, W);
    pool.parallelFor(parts, [&](std::int64_t b, std::int64_t e) {
        thread_local std::vector<float> s, part;
        s.resize(static_cast<std::size_t>(m) * kChunk);
        part.resize(mR);
        for (auto p = static_cast<int>(b); p < e; ++p) {
            const int lo = static_cast<int>(static_cast<std::int64_t>(n) * p / parts);
            const int hi = static_cast<int>(static_cast<std::int64_t>(n) * (p + 1) / parts);
            float* o = po.data() + static_cast<std::size_t>(p) * mR;
            float* mx = pmax.data() + static_cast<std::size_t>(p) * m;
            float* sum = psum.data() + static_cast<std::size_t>(p) * m;
            std::fill(o, o + mR, 0.0f);
            std::fill(mx, mx + m, -std::numeric_limits<float>::infinity());
            std::fill(sum, sum + m, 0.0f);
            for (int t0 = lo; t0 < hi; t0 += kChunk) {
                const int nc = std::min(kChunk, hi - t0);
                const float* rows = cache + static_cast<std::size_t>(t0) * static_cast<std::size_t>(W); // [nc, W]
                if (ownKernel) {
                    scoresFew(queries, rows, W, nc, s.data(), kChunk);
                } else {
                    Matrix chunk;
                    chunk.rows = nc;
                    chunk.cols = W;
                    chunk.data = rows;
                    MatJob scores{&chunk, qp, m, s.data()};
                    scores.ldy = kChunk;
                    matmulRows(scores, 0, nc);
                }
                bool any = false;
                for (int k = 0; k < m; ++k) {
                    float* sk = s.data() + static_cast<std::size_t>(k) * kChunk;
                    const int valid = std::clamp(len[static_cast<std::size_t>(k)] - t0, 0, nc);
                    float cm = -std::numeric_limits<float>::infinity();
                    for (int t = 0; t < valid; ++t) cm = std::max(cm, sk[t] *= scale);
                    std::fill(sk + valid, sk + nc, 0.0f);
                    if (valid == 0) continue;
                    const float nm = std::max(mx[k], cm), alpha = std::exp(mx[k] - nm); // 0 on the first rows
                    sum[k] = sum[k] * alpha + static_cast<float>(expShiftSum(sk, valid, nm));
                    mx[k] = nm;
                    if (alpha != 1.0f)
                        for (float* ok = o + static_cast<std::size_t>(k) * R; ok < o + static_cast<std::size_t>(k + 1) * R; ++ok) *ok *= alpha;
                    any = true;
                }
                if (!any) continue;
                weightedSum(s.data(), kChunk, m, rows, W, nc, R, part.data(), R);
                for (std::size_t i = 0; i < mR; ++i) o[i] += part[i];
            }
        }
    });
    for (int k = 0; k < m; ++k) { // every row sees cache row 0, in part 0: its maximum is finite
        float top = -std::numeric_limits<float>::infinity();
        for (int p = 0; p < parts; ++p) top = std::max(top, pmax[static_cast<std::size_t>(p) * m + k]);
        float den = 0.0f;
        float* out = lat + static_cast<std::size_t>(k) * R;
        std::fill(out, out + R, 0.0f);
        for (int p = 0; p < parts; ++p) {
            const float mp = pmax[static_cast<std::size_t>(p) * m + k];
            if (mp == -std::numeric_limits<float>::infinity()) continue; // none of its rows seen by row k
            const float w = std::exp(mp - top);
            den += w * psum[static_cast<std::size_t>(p) * m + k];
            const float* op = po.data() + static_cast<std::size_t>(p) * mR + static_cast<std::size_t>(k) * R;
            for (int j = 0; j < R; ++j) out[j] += w * op[j];
        }
        const float inv = 1.0f / den;
        for (int j = 0; j < R; ++j) out[j] *= inv;
    }
}

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
    std::vector<double> cs(static_cast<std::size_t>(dr));
    for (int i = 0; i < T; ++i) {
        const int p = pos[static_cast<std::size_t>(i)];
        float* slot = owners[static_cast<std::size_t>(i)]->m_kv.at(layer, p);
        const float* src = kva.data() + static_cast<std::size_t>(i) * c.kvWidth();
        rmsNormRows(src, 1, R, L.kv_a_norm.data(), c.rms_norm_eps, slot);
        std::copy(src + R, src + R + dr, slot + R);
        ropeAngles(dr, p, rope.invFreq.data(), rope.cosSinScale, cs.data()); // once for the key and every head
        ropeApply(slot + R, dr, cs.data());
        for (int hd = 0; hd < nh; ++hd)
            ropeApply(q.data() + (static_cast<std::size_t>(i) * nh + hd) * dq + c.qk_nope_head_dim, dr, cs.data());
    }
    // o: [T, nh * v_head_dim]
    std::vector<float> o(static_cast<std::size_t>(T) * nh * c.v_head_dim);
    // The naive form needs one session's contiguous rows (a prefill); a batch of sessions is always absorbed.
    bool oneRun = true;
    for (int i = 1; i < T && oneRun; ++i)
        oneRun = owners[static_cast<std::size_t>(i)] == owners[0] && pos[static_cast<std::size_t>(i)] == pos[0] + i;
    if (T > 1 && oneRun && naiveIsCheaper(c, T, pos[0], pool.size())) {
        owners[0]->attentionNaive(layer, L, q.data(), T, pos[0], o.data());
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
        if (b - a <= 2) { // a decode step (or two rows): the cache read once (attendFew)
            std::vector<int> len(static_cast<std::size_t>(b - a) * nh);
            for (std::size_t k = 0; k < len.size(); ++k) len[k] = pos[static_cast<std::size_t>(a) + k / nh] + 1;
            attendFew(pool, qp.data() + static_cast<std::size_t>(a) * nh * W, (b - a) * nh, len,
                      static_cast<const float*>(cache.data), n, W, R, scale, lat.data() + static_cast<std::size_t>(a) * nh * R);
            a = b;
            continue;
        }
        // Rows in blocks whose scores stay within ~32 MB; Cᵀ[:R] once for the run: the weighted sums become a GEMM
        // over it.
        const int block = std::clamp(static_cast<int>((std::int64_t{8} << 20) / (static_cast<std::int64_t>(nh) * n)), 1, b - a);
        ct.resize(static_cast<std::size_t>(R) * static_cast<std::size_t>(n));
        pool.parallelFor(R, [&](std::int64_t r0, std::int64_t r1) {
            transpose(static_cast<const float*>(cache.data) + r0, static_cast<std::size_t>(W), n, static_cast<int>(r1 - r0),
                      ct.data() + static_cast<std::size_t>(r0) * static_cast<std::size_t>(n), static_cast<std::size_t>(n));
        });
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
            Matrix cm;
            cm.rows = R;
            cm.cols = n;
            cm.data = ct.data();
            MatJob sums{&cm, s.data(), m, lat.data() + static_cast<std::size_t>(i0) * nh * R};
            sums.ldx = static_cast<std::int64_t>(lds);
            matmul(pool, sums);
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
// Rows [r0, r0 + n) of M, dequantised into out [n, M.cols] (contiguous).
void rowsToFloat(const Matrix& M, int r0, int n, float* out) {
    if (isBlockQuantized(M.dtype)) {
        dequantizeBlocks(M.dtype, M.row(r0), out,
                         static_cast<std::int64_t>(n) * M.cols / dtypeBlock(M.dtype).elems);
        return;
    }
    for (int r = 0; r < n; ++r) M.rowToFloat(r0 + r, 0, M.cols, out + static_cast<std::size_t>(r) * static_cast<std::size_t>(M.cols));
}

} // namespace

// Per head: K_nope = C · W_UKᵀ and V = C · W_UVᵀ over the latent cache C of every position, then per block of 32
// queries S = Q Kᵀ over the keys that block sees (the causal mask leaves the rest of the triangle out, but for the
// block's own diagonal, computed and zeroed) and O = softmax(S) V. All four products run on the weighted-sum
// kernel (16 × 16 sums in registers, no horizontal reductions), the head's W_UKᵀ and W_UVᵀ dequantised in float
// first (R × (nope + v) floats): no buffer of all heads' K and V.
void CpuSession::attentionNaive(int layer, const LayerWeights& L, const float* q, int T, int pos0, float* o) {
    const ModelConfig& c = m_c;
    const int nh = c.num_attention_heads, dn = c.qk_nope_head_dim, dv = c.v_head_dim, dq = c.qkHeadDim();
    const int R = c.kv_lora_rank, W = m_kv.width, dr = W - R, N = pos0 + T;
    const float scale = static_cast<float>(m_model.rope().softmaxScale);
    const float* cache = m_kv.at(layer, 0);
    ThreadPool& pool = m_model.pool();
    const bool split = L.kv_b.data == nullptr; // GGUF's attn_k_b [nh·R, nope] (W_UKᵀ per head) and attn_v_b
    constexpr int kQueryBlock = 32;
    // Row strides of an odd number of cache lines: the kernel walks 16 rows at a time down a column.
    const std::size_t ldkt = oddLines(N), ldk = oddLines(dn), ldvc = oddLines(dv), ldq = oddLines(dq), lds = ldkt;
    // The shared roped key transposed, [rope, N]: the last rows of every head's Kᵀ.
    const auto kpeb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(dr) * ldkt);
    transpose(cache + R, static_cast<std::size_t>(W), N, dr, kpeb.get(), ldkt);
    pool.parallelFor(nh, [&](std::int64_t b, std::int64_t e) {
        // kt: [nope + rope, N]; kr: [N, nope]; vc: [N, v]; qb: [block, dq]; s: [block, N]; wukt: [R, nope];
        // wuvt: [R, v]; tmp: [nope or v, R]. Not zero-filled: every element read is written first.
        const auto ktb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(dq) * ldkt);
        const auto krb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(N) * ldk);
        const auto vcb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(N) * ldvc);
        const auto qbb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(kQueryBlock) * ldq);
        const auto sb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(kQueryBlock) * lds);
        const auto wuktb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(R) * ldk);
        const auto wuvtb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(R) * ldvc);
        const auto tmpb = std::make_unique_for_overwrite<float[]>(static_cast<std::size_t>(R) * std::max(dn, dv));
        float *kt = ktb.get(), *kr = krb.get(), *vc = vcb.get(), *qb = qbb.get(), *s = sb.get();
        float *wukt = wuktb.get(), *wuvt = wuvtb.get(), *tmp = tmpb.get();
        std::copy(kpeb.get(), kpeb.get() + static_cast<std::size_t>(dr) * ldkt, kt + static_cast<std::size_t>(dn) * ldkt);
        for (auto hd = static_cast<int>(b); hd < e; ++hd) {
            // W_UKᵀ [R, nope] and W_UVᵀ [R, v] of this head in float.
            if (split) {
                rowsToFloat(L.k_b, hd * R, R, tmp); // already [R, nope]
                for (int r = 0; r < R; ++r)
                    std::copy(tmp + static_cast<std::size_t>(r) * dn, tmp + static_cast<std::size_t>(r + 1) * dn,
                              wukt + static_cast<std::size_t>(r) * ldk);
                rowsToFloat(L.v_b, hd * dv, dv, tmp); // [v, R]
            } else {
                const int base = hd * (dn + dv);
                rowsToFloat(L.kv_b, base, dn, tmp); // [nope, R]
                transpose(tmp, static_cast<std::size_t>(R), dn, R, wukt, ldk);
                rowsToFloat(L.kv_b, base + dn, dv, tmp); // [v, R]
            }
            transpose(tmp, static_cast<std::size_t>(R), dv, R, wuvt, ldvc);
            // K_nope [N, nope] and V [N, v]: the cache's latent columns weighted by the head's matrices (each 64 KB
            // block of them stays in L2 while the cache rows pass), K then transposed for the scores.
            weightedSum(cache, W, N, wukt, static_cast<std::int64_t>(ldk), R, dn, kr, static_cast<std::int64_t>(ldk));
            weightedSum(cache, W, N, wuvt, static_cast<std::int64_t>(ldvc), R, dv, vc, static_cast<std::int64_t>(ldvc));
            transpose(kr, ldk, N, dn, kt, ldkt);
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

} // namespace ws::cpu
