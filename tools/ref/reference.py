#!/usr/bin/python3
"""Independent float64 reference forward pass for DeepSeek-V3 / DeepSeek-V2 checkpoints (Hugging Face layout).

Needs only the Python 3 standard library and NumPy (run it with Debian's /usr/bin/python3). It shares no code with
the generator (tools/gen_tiny_model.py) or the engine: it reads the safetensors files itself (F32, F64, BF16, F16,
F8_E4M3 with per-128x128-block "<name>_scale_inv"), converts every weight to float64 and computes the forward pass
straightforwardly, in float64, the way Hugging Face's modeling_deepseek.py (DeepseekV3ForCausalLM and
DeepseekV2ForCausalLM) does, with naive (non-absorbed) MLA and causal attention over all T positions at once.

    reference.py --model DIR --ids 0,5,9 --out FILE
        writes the logits of every position as little-endian float64, T x vocab_size, row after row.

    import reference; reference.logits(model_dir, ids) -> np.ndarray [T, vocab] float64
    reference.forward(model_dir, ids) -> (logits, info): info["routing"] lists, per MoE layer, the experts each
        token chose; info["min_margin"] is the smallest gap at a routing decision (a top-k or group cut), which
        tells a test whether float32 rounding in an engine could flip an expert choice.

The multi-token-prediction layer of DeepSeek-V3 (index num_hidden_layers) is not part of the main forward pass;
its tensors are ignored.
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np


# ----------------------------------------------------------------------------------------------------------------
# safetensors reading
# ----------------------------------------------------------------------------------------------------------------

def _e4m3fn_table():
    """float64 value of each F8_E4M3 ("fn": bias 7, no inf, S.1111.111 = NaN) code."""
    t = np.empty(256, dtype=np.float64)
    for c in range(256):
        sign = -1.0 if c & 0x80 else 1.0
        e = (c >> 3) & 0xF
        m = c & 7
        if e == 15 and m == 7:
            t[c] = np.nan
        elif e == 0:
            t[c] = sign * (m / 8.0) * 2.0 ** -6
        else:
            t[c] = sign * (1.0 + m / 8.0) * 2.0 ** (e - 7)
    return t


_E4M3 = _e4m3fn_table()

_DTYPES = {  # name -> (item size, decoder raw bytes -> float64 array)
    "F64": (8, lambda b: np.frombuffer(b, dtype="<f8").astype(np.float64)),
    "F32": (4, lambda b: np.frombuffer(b, dtype="<f4").astype(np.float64)),
    "F16": (2, lambda b: np.frombuffer(b, dtype="<f2").astype(np.float64)),
    "BF16": (2, lambda b: (np.frombuffer(b, dtype="<u2").astype(np.uint32) << 16).view(np.float32).astype(np.float64)),
    "F8_E4M3": (1, lambda b: _E4M3[np.frombuffer(b, dtype=np.uint8)]),
}


class SafetensorsFile:
    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            self.header = json.loads(f.read(n).decode("utf-8"))
        self.data_start = 8 + n
        self.header.pop("__metadata__", None)
        size = os.path.getsize(path) - self.data_start
        for name, h in self.header.items():
            b, e = h["data_offsets"]
            if h["dtype"] not in _DTYPES:
                raise ValueError("%s: tensor %s has unsupported dtype %s" % (path, name, h["dtype"]))
            numel = int(np.prod(h["shape"], dtype=np.int64))
            if e - b != numel * _DTYPES[h["dtype"]][0] or b < 0 or e > size:
                raise ValueError("%s: tensor %s has bad data_offsets" % (path, name))

    def read(self, name):
        h = self.header[name]
        b, e = h["data_offsets"]
        with open(self.path, "rb") as f:
            f.seek(self.data_start + b)
            raw = f.read(e - b)
        return _DTYPES[h["dtype"]][1](raw).reshape(h["shape"])


class Checkpoint:
    """All tensors of a model folder (single file or shards with model.safetensors.index.json), as float64."""

    def __init__(self, model_dir):
        self.dir = model_dir
        index = os.path.join(model_dir, "model.safetensors.index.json")
        if os.path.exists(index):
            with open(index, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
            files = {fn: SafetensorsFile(os.path.join(model_dir, fn)) for fn in sorted(set(weight_map.values()))}
            self.where = {name: files[fn] for name, fn in weight_map.items()}
        else:
            st = SafetensorsFile(os.path.join(model_dir, "model.safetensors"))
            self.where = {name: st for name in st.header}

        self.cache = {}

    def has(self, name):
        return name in self.where

    def get(self, name):
        """float64 tensor; an FP8 weight is dequantised with its 128x128-block scale_inv."""
        if name in self.cache:
            return self.cache[name]
        if name not in self.where:
            raise KeyError("tensor %s not found in %s" % (name, self.dir))
        w = self.where[name].read(name)
        if self.where[name].header[name]["dtype"] == "F8_E4M3":
            s = self.get(name + "_scale_inv")
            want = (-(-w.shape[0] // 128), -(-w.shape[1] // 128))
            if s.shape != want:
                raise ValueError("%s_scale_inv has shape %s, expected %s" % (name, list(s.shape), list(want)))
            # DeepSeek weight_dequant: y[i, j] = x[i, j] * s[i // 128, j // 128]
            s_full = np.repeat(np.repeat(s, 128, axis=0), 128, axis=1)[:w.shape[0], :w.shape[1]]
            w = w * s_full
        self.cache[name] = w
        return w


# ----------------------------------------------------------------------------------------------------------------
# Building blocks (names refer to Hugging Face modeling_deepseek.py, V3 and V2 versions)
# ----------------------------------------------------------------------------------------------------------------

def rms_norm(x, w, eps):
    """DeepseekV3RMSNorm / DeepseekV2RMSNorm: x / sqrt(mean(x^2) + eps) * w."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def silu(x):
    return x / (1.0 + np.exp(-x))


def yarn_get_mscale(scale=1.0, mscale=1.0):
    """yarn_get_mscale."""
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def yarn_find_correction_dim(num_rotations, dim, base, max_position_embeddings):
    return (dim * math.log(max_position_embeddings / (num_rotations * 2 * math.pi))) / (2 * math.log(base))


def yarn_find_correction_range(low_rot, high_rot, dim, base, max_position_embeddings):
    low = math.floor(yarn_find_correction_dim(low_rot, dim, base, max_position_embeddings))
    high = math.ceil(yarn_find_correction_dim(high_rot, dim, base, max_position_embeddings))
    return max(low, 0), min(high, dim - 1)


def yarn_linear_ramp_mask(lo, hi, dim):
    if lo == hi:
        hi += 0.001
    ramp = (np.arange(dim, dtype=np.float64) - lo) / (hi - lo)
    return np.clip(ramp, 0.0, 1.0)


def rope_tables(cfg, T):
    """DeepseekV3RotaryEmbedding / DeepseekV3YarnRotaryEmbedding (same in V2): cos, sin [T, rope_dim/2]."""
    dim = cfg["qk_rope_head_dim"]
    base = float(cfg.get("rope_theta", 10000))
    rs = cfg.get("rope_scaling")
    freq_extra = 1.0 / base ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    mscale_cs = 1.0
    if rs:
        kind = rs.get("type", rs.get("rope_type"))
        if kind != "yarn":
            raise ValueError("reference supports rope_scaling type yarn only, not %r" % kind)
        factor = float(rs["factor"])
        freq_inter = freq_extra / factor
        low, high = yarn_find_correction_range(rs.get("beta_fast", 32), rs.get("beta_slow", 1), dim, base,
                                               rs.get("original_max_position_embeddings", 4096))
        inv_freq_mask = 1.0 - yarn_linear_ramp_mask(low, high, dim // 2)
        inv_freq = freq_inter * (1.0 - inv_freq_mask) + freq_extra * inv_freq_mask
        mscale_cs = yarn_get_mscale(factor, rs.get("mscale", 1)) / yarn_get_mscale(factor, rs.get("mscale_all_dim", 0))
    else:
        inv_freq = freq_extra
    ang = np.outer(np.arange(T, dtype=np.float64), inv_freq)
    return np.cos(ang) * mscale_cs, np.sin(ang) * mscale_cs


def apply_rope(x, cos, sin):
    """apply_rotary_pos_emb: HF first de-interleaves (x[2i], x[2i+1]) into halves and then uses rotate_half, i.e. it
    rotates each interleaved pair (x[2i], x[2i+1]) by pos * inv_freq[i]. We rotate the pairs in place; the order of
    the output dims differs from HF's, which does not change q . k. x: [T, ..., rope_dim]; cos/sin: [T, rope_dim/2]."""
    shape = (x.shape[0],) + (1,) * (x.ndim - 2) + (cos.shape[1],)
    c, s = cos.reshape(shape), sin.reshape(shape)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x0 * c - x1 * s
    out[..., 1::2] = x1 * c + x0 * s
    return out


def softmax_scale(cfg):
    """DeepseekV3Attention.__init__: q_head_dim^-0.5, times mscale^2 under YaRN when mscale_all_dim is set."""
    scale = (cfg["qk_nope_head_dim"] + cfg["qk_rope_head_dim"]) ** -0.5
    rs = cfg.get("rope_scaling")
    if rs:
        mad = rs.get("mscale_all_dim", 0)
        if mad:
            m = yarn_get_mscale(float(rs["factor"]), mad)
            scale = scale * m * m
    return scale


def attention(ck, cfg, pre, h, cos, sin):
    """DeepseekV3Attention.forward (naive MLA: K and V decompressed per head with kv_b_proj), causal."""
    T = h.shape[0]
    nh = cfg["num_attention_heads"]
    nope, rope, vd = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    kvr = cfg["kv_lora_rank"]
    eps = cfg["rms_norm_eps"]
    # q = q_proj(x)  or  q_b_proj(q_a_layernorm(q_a_proj(x)))
    if cfg.get("q_lora_rank"):
        qa = h @ ck.get(pre + "q_a_proj.weight").T
        q = rms_norm(qa, ck.get(pre + "q_a_layernorm.weight"), eps) @ ck.get(pre + "q_b_proj.weight").T
    else:
        q = h @ ck.get(pre + "q_proj.weight").T
    q = q.reshape(T, nh, nope + rope)
    q_nope, q_pe = q[..., :nope], q[..., nope:]
    # compressed_kv, k_pe = split(kv_a_proj_with_mqa(x), [kv_lora_rank, rope])
    kva = h @ ck.get(pre + "kv_a_proj_with_mqa.weight").T
    c_kv, k_pe = kva[:, :kvr], kva[:, kvr:]
    # kv = kv_b_proj(kv_a_layernorm(compressed_kv)) -> per head [k_nope, value]
    kv = rms_norm(c_kv, ck.get(pre + "kv_a_layernorm.weight"), eps) @ ck.get(pre + "kv_b_proj.weight").T
    kv = kv.reshape(T, nh, nope + vd)
    k_nope, v = kv[..., :nope], kv[..., nope:]
    # apply_rotary_pos_emb on q_pe (per head) and k_pe (one head shared by all: MQA)
    q_pe = apply_rope(q_pe, cos, sin)
    k_pe = apply_rope(k_pe, cos, sin)
    query = np.concatenate([q_nope, q_pe], axis=-1)  # [T, nh, nope+rope]
    key = np.concatenate([k_nope, np.broadcast_to(k_pe[:, None, :], (T, nh, rope))], axis=-1)
    scores = np.einsum("thd,shd->hts", query, key) * softmax_scale(cfg)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool))[None], scores, -np.inf)  # causal mask
    scores = scores - scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    out = np.einsum("hts,shd->thd", p, v).reshape(T, nh * vd)
    return out @ ck.get(pre + "o_proj.weight").T  # o_proj


def mlp(ck, pre, x):
    """DeepseekV3MLP: down_proj(silu(gate_proj(x)) * up_proj(x))."""
    g = x @ ck.get(pre + "gate_proj.weight").T
    u = x @ ck.get(pre + "up_proj.weight").T
    return (silu(g) * u) @ ck.get(pre + "down_proj.weight").T


def _topk(v, k):
    """Indices of the k largest values (descending); ties broken by lower index."""
    return np.argsort(-v, kind="stable")[:k]


def _margin(v, k):
    """Gap between the k-th and (k+1)-th largest finite values (inf if there is no (k+1)-th)."""
    s = np.sort(v[np.isfinite(v)])[::-1]
    return float(s[k - 1] - s[k]) if len(s) > k else math.inf


def moe_gate(ck, cfg, pre, x):
    """MoEGate.forward. Returns (topk_idx [T, k], topk_weight [T, k], min margin at the routing cuts)."""
    T = x.shape[0]
    E = cfg["n_routed_experts"]
    k = cfg["num_experts_per_tok"]
    n_group, topk_group = cfg.get("n_group", 1) or 1, cfg.get("topk_group", 1) or 1
    method = cfg.get("topk_method", "greedy")
    scoring = cfg.get("scoring_func", "softmax")
    logits = x @ ck.get(pre + "gate.weight").T  # F.linear(hidden, weight) in float32 in HF; float64 here
    if scoring == "sigmoid":
        scores = 1.0 / (1.0 + np.exp(-logits))
    elif scoring == "softmax":
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        scores = e / e.sum(axis=-1, keepdims=True)
    else:
        raise ValueError("unsupported scoring_func %r" % scoring)
    idx = np.zeros((T, k), dtype=np.int64)
    wts = np.zeros((T, k))
    margin = math.inf
    for t in range(T):
        if method == "noaux_tc":
            # V3: choice = scores + e_score_correction_bias; group score = sum of its top-2 choices;
            # keep topk_group groups (others -inf); top-k by choice; weights = the unbiased scores.
            choice = scores[t] + ck.get(pre + "gate.e_score_correction_bias")
            grp = choice.reshape(n_group, -1)
            gs = np.sort(grp, axis=-1)[:, ::-1][:, :2].sum(axis=-1)
            keep = _topk(gs, topk_group)
            if topk_group < n_group:
                margin = min(margin, _margin(gs, topk_group))
            mask = np.zeros(n_group, dtype=bool)
            mask[keep] = True
            tmp = np.where(np.repeat(mask, E // n_group), choice, -np.inf)
            sel = _topk(tmp, k)
            margin = min(margin, _margin(tmp, k))
            if tmp[sel].min() <= 0.0:
                # HF's modeling_deepseek masks the dropped groups with 0.0 where DeepSeek's own inference code uses
                # -inf; they differ only when a chosen expert has choice <= 0. Flag it as a zero-margin decision.
                margin = 0.0
            w = scores[t][sel]
        elif method == "greedy":
            # A selection bias where the checkpoint has one (llama.cpp's exp_probs_b on a softmax model: chosen by
            # score + bias, weighted by the score).
            bias_name = pre + "gate.e_score_correction_bias"
            choice = scores[t] + ck.get(bias_name) if ck.has(bias_name) else scores[t]
            sel = _topk(choice, k)
            margin = min(margin, _margin(choice, k))
            w = scores[t][sel]
        elif method == "group_limited_greedy":
            # V2: group score = max score in the group; keep topk_group groups, others' scores set to 0.
            gs = scores[t].reshape(n_group, -1).max(axis=-1)
            keep = _topk(gs, topk_group)
            if topk_group < n_group:
                margin = min(margin, _margin(gs, topk_group))
            mask = np.zeros(n_group, dtype=bool)
            mask[keep] = True
            tmp = np.where(np.repeat(mask, E // n_group), scores[t], 0.0)
            sel = _topk(tmp, k)
            margin = min(margin, _margin(tmp, k))
            w = scores[t][sel]
        else:
            raise ValueError("unsupported topk_method %r" % method)
        idx[t], wts[t] = sel, w
    norm = k > 1 and cfg.get("norm_topk_prob", False)
    if norm:
        wts = wts / (wts.sum(axis=-1, keepdims=True) + 1e-20)
    if cfg.get("model_type") == "deepseek_v3":
        wts = wts * cfg.get("routed_scaling_factor", 1.0)  # V3: always scaled
    elif not norm:
        wts = wts * cfg.get("routed_scaling_factor", 1.0)  # V2: scaled only when not normalised
    return idx, wts, margin


def moe(ck, cfg, pre, x):
    """DeepseekV3MoE.forward: sum_e w_e * expert_e(x) + shared_experts(x)."""
    idx, wts, margin = moe_gate(ck, cfg, pre, x)
    y = np.zeros_like(x)
    for e in np.unique(idx):
        rows, slot = np.nonzero(idx == e)
        y[rows] += wts[rows, slot][:, None] * mlp(ck, pre + "experts.%d." % e, x[rows])
    if cfg.get("n_shared_experts"):
        y += mlp(ck, pre + "shared_experts.", x)
    return y, idx, margin


def is_moe_layer(cfg, i):
    """DeepseekV3DecoderLayer.__init__: MoE iff n_routed_experts and i >= first_k_dense_replace and
    i % moe_layer_freq == 0."""
    return bool(cfg.get("n_routed_experts")) and i >= cfg.get("first_k_dense_replace", 0) \
        and i % cfg.get("moe_layer_freq", 1) == 0


def forward(model_dir, ids):
    """DeepseekV3ForCausalLM.forward over the whole sequence. Returns (logits [T, vocab] float64, info)."""
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    return forward_with(cfg, Checkpoint(model_dir), ids)


def forward_with(cfg, ck, ids):
    """forward() over any checkpoint object with has(name) and get(name) -> float64 array, named as Hugging Face
    names the tensors (tests/engine/gguf_reference.py serves a GGUF file this way)."""
    ids = np.asarray(list(ids), dtype=np.int64)
    T = len(ids)
    if T == 0:
        raise ValueError("no token ids")
    if ids.min() < 0 or ids.max() >= cfg["vocab_size"]:
        raise ValueError("token id out of range [0, %d)" % cfg["vocab_size"])
    eps = cfg["rms_norm_eps"]
    cos, sin = rope_tables(cfg, T)
    x = ck.get("model.embed_tokens.weight")[ids]  # embed_tokens
    info = {"routing": [], "min_margin": math.inf}
    for i in range(cfg["num_hidden_layers"]):  # DeepseekV3DecoderLayer (pre-norm residual)
        pre = "model.layers.%d." % i
        h = rms_norm(x, ck.get(pre + "input_layernorm.weight"), eps)
        x = x + attention(ck, cfg, pre + "self_attn.", h, cos, sin)
        h = rms_norm(x, ck.get(pre + "post_attention_layernorm.weight"), eps)
        if is_moe_layer(cfg, i):
            y, idx, margin = moe(ck, cfg, pre + "mlp.", h)
            info["routing"].append((i, idx))
            info["min_margin"] = min(info["min_margin"], margin)
        else:
            y = mlp(ck, pre + "mlp.", h)
        x = x + y
    x = rms_norm(x, ck.get("model.norm.weight"), eps)  # model.norm
    return x @ ck.get("lm_head.weight").T, info  # lm_head


def logits(model_dir, ids):
    """Logits of every position, float64 [T, vocab_size]."""
    return forward(model_dir, ids)[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description="float64 reference forward pass of a DeepSeek-V3/V2 model folder")
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True, help="comma-separated token ids")
    ap.add_argument("--out", required=True, help="output: little-endian float64, T x vocab_size")
    a = ap.parse_args(argv)
    ids = [int(s) for s in a.ids.split(",") if s.strip()]
    out = logits(a.model, ids)
    out.astype("<f8").tofile(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
