"""GGUF files for the engine tests, written and read back with llama.cpp's own NumPy package (gguf-py), which shares
no code with the engine: a Hugging Face tiny-model folder -> a deepseek2 GGUF of any tensor type, and the float64
checkpoint of a GGUF file for tools/ref/reference.py (every tensor dequantised by gguf-py, renamed to Hugging Face
names, kv_b_proj rebuilt from attn_k_b / attn_v_b)."""

import json
import os
import re
import sys

import numpy as np

# ggml types the engine runs, by the names the tests use.
TYPES = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS",
         "IQ4_NL"]

# llama.cpp's general.file_type of a file whose matrices are all of one type (llama_ftype; K-quants: the _M mix).
FILE_TYPES = {"F32": 0, "F16": 1, "Q4_0": 2, "Q4_1": 3, "Q8_0": 7, "Q5_0": 8, "Q5_1": 9, "Q2_K": 10, "Q3_K": 12,
              "Q4_K": 15, "Q5_K": 17, "Q6_K": 18, "IQ4_NL": 25, "IQ4_XS": 30, "BF16": 32}

# Block-quantised types gguf-py cannot quantise (it only dequantises them): written as random blocks whose f16
# scale fields are set to finite values of a size that gives weights of about the model's magnitude.
# name -> (block bytes, [(offset of an f16 scale, typical scale)], codes region to randomise = whole block)
RANDOM_BLOCKS = {
    "Q2_K": (84, [(80, 2e-3), (82, 1e-3)]),
    "Q3_K": (110, [(108, 1e-3)]),
    "Q4_K": (144, [(0, 1e-4), (2, 1e-4)]),
    "Q5_K": (176, [(0, 5e-5), (2, 5e-5)]),
    "Q6_K": (210, [(208, 2e-5)]),
    "IQ4_XS": (136, [(0, 3e-5)]),
    "IQ4_NL": (18, [(0, 1e-3)]),
}
BLOCK = {"F32": 1, "F16": 1, "BF16": 1, "Q8_0": 32, "Q4_0": 32, "Q4_1": 32, "Q5_0": 32, "Q5_1": 32, "IQ4_NL": 32}


def import_gguf(tree):
    """The gguf package of llama.cpp's source tree."""
    sys.path.insert(0, os.path.join(tree, "gguf-py"))
    import gguf  # noqa: E402
    return gguf


def _layer_names():
    return {
        "input_layernorm.weight": "attn_norm.weight",
        "post_attention_layernorm.weight": "ffn_norm.weight",
        "self_attn.q_a_proj.weight": "attn_q_a.weight",
        "self_attn.q_a_layernorm.weight": "attn_q_a_norm.weight",
        "self_attn.q_b_proj.weight": "attn_q_b.weight",
        "self_attn.q_proj.weight": "attn_q.weight",
        "self_attn.kv_a_proj_with_mqa.weight": "attn_kv_a_mqa.weight",
        "self_attn.kv_a_layernorm.weight": "attn_kv_a_norm.weight",
        "self_attn.kv_b_proj.weight": "attn_kv_b.weight",
        "self_attn.o_proj.weight": "attn_output.weight",
        "mlp.gate_proj.weight": "ffn_gate.weight",
        "mlp.up_proj.weight": "ffn_up.weight",
        "mlp.down_proj.weight": "ffn_down.weight",
        "mlp.gate.weight": "ffn_gate_inp.weight",
        "mlp.gate.e_score_correction_bias": "exp_probs_b.bias",
        "mlp.shared_experts.gate_proj.weight": "ffn_gate_shexp.weight",
        "mlp.shared_experts.up_proj.weight": "ffn_up_shexp.weight",
        "mlp.shared_experts.down_proj.weight": "ffn_down_shexp.weight",
    }


def _tokenizer_metadata(w, hf_dir, chat_template=None):
    with open(os.path.join(hf_dir, "tokenizer.json"), encoding="utf-8") as f:
        tj = json.load(f)
    vocab = dict(tj["model"]["vocab"])
    added = {a["id"]: a for a in tj.get("added_tokens", [])}
    n = max(list(vocab.values()) + list(added)) + 1
    tokens, types = ["[PAD%d]" % i for i in range(n)], [5] * n  # unused filler
    for t, i in vocab.items():
        tokens[i], types[i] = t, 1
    for i, a in added.items():
        tokens[i], types[i] = a["content"], 3 if a.get("special") else 4
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", "deepseek-v3")
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_array("tokenizer.ggml.token_type", types)
    w.add_array("tokenizer.ggml.merges", merges)
    w.add_uint32("tokenizer.ggml.bos_token_id", 0)
    w.add_uint32("tokenizer.ggml.eos_token_id", 1)
    w.add_bool("tokenizer.ggml.add_bos_token", True)
    if chat_template is not None:
        w.add_string("tokenizer.chat_template", chat_template)


def _encode(gguf, x, qtype, rng):
    """float32 array (rows x cols) -> (data, raw_dtype) for GGUFWriter.add_tensor."""
    Q = gguf.GGMLQuantizationType
    if qtype == "F32":
        return x.astype(np.float32), None
    if qtype == "F16":
        return x.astype(np.float16), None
    if qtype in RANDOM_BLOCKS:
        nbytes, scales = RANDOM_BLOCKS[qtype]
        rows, cols = x.shape
        per = cols // BLOCK.get(qtype, 256)
        blocks = rng.integers(0, 256, size=(rows, per, nbytes), dtype=np.uint8)
        for off, typical in scales:
            d = (typical * rng.uniform(0.5, 1.5, size=blocks.shape[:2])).astype(np.float16)
            blocks[:, :, off:off + 2] = d.view(np.uint8).reshape(rows, per, 2)
        return blocks.reshape(rows, -1), getattr(Q, qtype)
    q = getattr(Q, qtype)
    return gguf.quants.quantize(x.astype(np.float32), q), q


# What llama-quantize stores a row in when its length is not a multiple of the type's 256-block (attn_k_b's 128).
FALLBACK = {"Q2_K": "IQ4_NL", "Q3_K": "IQ4_NL", "IQ4_XS": "IQ4_NL", "Q4_K": "Q5_0", "Q5_K": "Q5_1", "Q6_K": "Q8_0"}


def write_gguf(gguf, ref, hf_dir, out_path, qtype, layout="split", seed=0, split_max_tensors=0, fallback=None,
               chat_template=None, router_bias=False):
    """Writes the Hugging Face folder hf_dir as a deepseek2 GGUF: matrices in `qtype` (rows whose length is not a
    multiple of its block in `fallback`, by default llama-quantize's choice), norms, router and bias in F32. layout "split":
    attn_k_b + attn_v_b (converters since 2025), "kv_b": attn_kv_b. router_bias: every MoE layer gets a random
    exp_probs_b (a selection bias) even where the folder has none. Returns the list of files written."""
    with open(os.path.join(hf_dir, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    ck = ref.Checkpoint(hf_dir)
    rng = np.random.default_rng(seed)
    arch = "deepseek2"
    w = gguf.GGUFWriter(out_path, arch, split_max_tensors=split_max_tensors)
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nope, rope, v, R = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"], cfg["kv_lora_rank"]
    u32 = lambda k, x: w.add_uint32(arch + "." + k, int(x))  # noqa: E731
    f32 = lambda k, x: w.add_float32(arch + "." + k, float(x))  # noqa: E731
    w.add_string("general.name", "whalesong-test")
    w.add_uint32("general.file_type", FILE_TYPES[qtype])
    u32("context_length", cfg["max_position_embeddings"])
    u32("embedding_length", H)
    u32("block_count", cfg["num_hidden_layers"])
    u32("feed_forward_length", cfg["intermediate_size"])
    u32("attention.head_count", nh)
    u32("attention.head_count_kv", 1)
    f32("rope.freq_base", cfg["rope_theta"])
    f32("attention.layer_norm_rms_epsilon", cfg["rms_norm_eps"])
    u32("vocab_size", cfg["vocab_size"])
    u32("leading_dense_block_count", cfg["first_k_dense_replace"])
    if cfg.get("q_lora_rank"):
        u32("attention.q_lora_rank", cfg["q_lora_rank"])
    u32("attention.kv_lora_rank", R)
    u32("attention.key_length", R + rope)
    u32("attention.value_length", R)
    u32("attention.key_length_mla", nope + rope)
    u32("attention.value_length_mla", v)
    u32("rope.dimension_count", rope)
    u32("expert_count", cfg["n_routed_experts"])
    u32("expert_used_count", cfg["num_experts_per_tok"])
    u32("expert_shared_count", cfg["n_shared_experts"])
    u32("expert_feed_forward_length", cfg["moe_intermediate_size"])
    f32("expert_weights_scale", cfg.get("routed_scaling_factor", 1.0))
    w.add_bool(arch + ".expert_weights_norm", bool(cfg.get("norm_topk_prob")))
    u32("expert_gating_func", 2 if cfg.get("scoring_func") == "sigmoid" else 1)
    if cfg.get("n_group", 1) > 1:
        u32("expert_group_count", cfg["n_group"])
        u32("expert_group_used_count", cfg["topk_group"])
    rs = cfg.get("rope_scaling")
    if rs:
        w.add_string(arch + ".rope.scaling.type", "yarn")
        f32("rope.scaling.factor", rs["factor"])
        u32("rope.scaling.original_context_length", rs["original_max_position_embeddings"])
        f32("rope.scaling.yarn_log_multiplier", 0.1 * rs.get("mscale_all_dim", 0.0))
        f32("rope.scaling.yarn_beta_fast", rs.get("beta_fast", 32))
        f32("rope.scaling.yarn_beta_slow", rs.get("beta_slow", 1))
    _tokenizer_metadata(w, hf_dir, chat_template)

    fallback = fallback or FALLBACK.get(qtype, "Q8_0")

    def matrix(name, x):
        t = qtype if x.shape[-1] % BLOCK.get(qtype, 256) == 0 else fallback
        data, raw = _encode(gguf, x.reshape(-1, x.shape[-1]), t, rng)
        if raw is None:
            w.add_tensor(name, data.reshape(x.shape))
        else:
            w.add_tensor(name, data.reshape(x.shape[:-1] + (-1,)), raw_dtype=raw)

    def vector(name, x):
        w.add_tensor(name, np.asarray(x, dtype=np.float32))

    g = lambda n: ck.get(n).astype(np.float32)  # noqa: E731
    matrix("token_embd.weight", g("model.embed_tokens.weight"))
    for i in range(cfg["num_hidden_layers"]):
        pre, blk = "model.layers.%d." % i, "blk.%d." % i
        for hf, gg in _layer_names().items():
            if not ck.has(pre + hf):
                continue
            x = g(pre + hf)
            if hf == "self_attn.kv_b_proj.weight" and layout == "split":
                kv = x.reshape(nh, nope + v, R)
                matrix(blk + "attn_k_b.weight", np.ascontiguousarray(kv[:, :nope, :].transpose(0, 2, 1)))  # [nh,R,nope]
                matrix(blk + "attn_v_b.weight", np.ascontiguousarray(kv[:, nope:, :]))  # [nh, v, R]
            elif x.ndim == 1 or hf == "mlp.gate.weight":
                vector(blk + gg, x)
            else:
                matrix(blk + gg, x)
        if router_bias and ck.has(pre + "mlp.gate.weight") and not ck.has(pre + "mlp.gate.e_score_correction_bias"):
            vector(blk + "exp_probs_b.bias", rng.uniform(-0.05, 0.05, cfg["n_routed_experts"]))
        if ck.has(pre + "mlp.experts.0.gate_proj.weight"):
            for hf, gg in (("gate_proj", "ffn_gate_exps"), ("up_proj", "ffn_up_exps"), ("down_proj", "ffn_down_exps")):
                stack = np.stack([g(pre + "mlp.experts.%d.%s.weight" % (e, hf)) for e in range(cfg["n_routed_experts"])])
                matrix(blk + gg + ".weight", stack)
    vector("output_norm.weight", g("model.norm.weight"))
    matrix("output.weight", g("lm_head.weight"))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    d = os.path.dirname(out_path) or "."
    stem = os.path.basename(out_path)[:-len(".gguf")]
    parts = sorted(f for f in os.listdir(d) if f == stem + ".gguf" or re.fullmatch(re.escape(stem) + r"-\d{5}-of-\d{5}\.gguf", f))
    return [os.path.join(d, p) for p in parts]


class GgufCheckpoint:
    """reference.forward_with's checkpoint over a GGUF file (or split set): float64 tensors by Hugging Face name."""

    def __init__(self, gguf, paths, cfg):
        self.t = {}
        nh, nope, v = cfg["num_attention_heads"], cfg["qk_nope_head_dim"], cfg["v_head_dim"]
        raw = {}
        for p in paths:
            for t in gguf.GGUFReader(p).tensors:
                raw[t.name] = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
        back = {gg: hf for hf, gg in _layer_names().items()}
        for name, x in raw.items():
            if name == "token_embd.weight":
                self.t["model.embed_tokens.weight"] = x
            elif name == "output.weight":
                self.t["lm_head.weight"] = x
            elif name == "output_norm.weight":
                self.t["model.norm.weight"] = x
            else:
                m = re.fullmatch(r"blk\.(\d+)\.(.+)", name)
                pre, rest = "model.layers.%s." % m.group(1), m.group(2)
                if rest in back:
                    self.t[pre + back[rest]] = x
                elif rest.endswith("_exps.weight"):
                    hf = {"ffn_gate_exps.weight": "gate_proj", "ffn_up_exps.weight": "up_proj",
                          "ffn_down_exps.weight": "down_proj"}[rest]
                    for e in range(x.shape[0]):
                        self.t[pre + "mlp.experts.%d.%s.weight" % (e, hf)] = x[e]
                elif rest in ("attn_k_b.weight", "attn_v_b.weight"):
                    pass
                else:
                    raise KeyError("unexpected tensor " + name)
                if rest == "attn_v_b.weight":
                    k_b = raw["blk.%s.attn_k_b.weight" % m.group(1)]  # [nh, R, nope]
                    kv = np.concatenate([k_b.transpose(0, 2, 1), x], axis=1)  # [nh, nope + v, R]
                    assert kv.shape[:2] == (nh, nope + v)
                    self.t[pre + "self_attn.kv_b_proj.weight"] = kv.reshape(nh * (nope + v), -1)

    def has(self, name):
        return name in self.t

    def get(self, name):
        return self.t[name]
