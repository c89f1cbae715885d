#!/usr/bin/python3
"""Generate tiny random-weight DeepSeek-V3 / V2 model folders laid out exactly as Hugging Face publishes them.

Needs only the Python 3 standard library and NumPy (run it with Debian's /usr/bin/python3).

    gen_tiny_model.py --out DIR --preset NAME [--seed S] [--tokenizer DIR_WITH_REAL_TOKENIZER]
    gen_tiny_model.py --list

Writes config.json, generation_config.json, tokenizer.json, tokenizer_config.json and either model.safetensors or
model-0000i-of-0000n.safetensors shards plus model.safetensors.index.json. The output is a pure function of
(preset, seed, tokenizer): every tensor is drawn from its own generator seeded by (seed, crc32(tensor name)), so the
same seed gives the same underlying float32 weights in every preset with the same shapes (v3-bf16 is v3-f32
rounded to bfloat16).

Python API (for tests):  generate(out_dir, preset, seed=0, tokenizer_dir=None) -> dict (the config written)

Formats written by hand:
  * safetensors: 8-byte little-endian header length N, N bytes of JSON header (padded with spaces to a multiple of
    8), then the raw little-endian data; data_offsets are relative to the start of the data. Tensors are laid out by
    element size (largest first) then name, so every tensor starts at an offset aligned to its element size.
  * BF16: float32 rounded to nearest, ties to even (upper 16 bits).
  * F8_E4M3 (the "e4m3fn" variant): 1 sign, 4 exponent (bias 7), 3 mantissa bits; no infinities; S.1111.111 is NaN;
    largest finite 448 (0x7E); exponent field 0 gives subnormals m/8 * 2^-6. Encoded with round-to-nearest-even,
    saturating at 448. Each FP8 weight [out, in] has a companion "<name>_scale_inv" F32 tensor of shape
    [ceil(out/128), ceil(in/128)]; dequantised weight = fp8_value * scale_inv of its 128x128 block. The block scale
    is amax(block)/448 so that the block's largest value maps to 448.
"""

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import sys
import zlib

import numpy as np

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"

_HERE = os.path.dirname(os.path.abspath(__file__))
_DEFAULT_REAL_TOKENIZER = os.path.normpath(os.path.join(_HERE, "..", "..", "shared", "tokenizers", "deepseek-v3"))

# ----------------------------------------------------------------------------------------------------------------
# Presets
# ----------------------------------------------------------------------------------------------------------------

_TINY = dict(
    hidden_size=96,
    num_attention_heads=4,
    qk_nope_head_dim=16,
    qk_rope_head_dim=8,
    v_head_dim=16,
    kv_lora_rank=32,
    q_lora_rank=48,
    intermediate_size=160,
    moe_intermediate_size=48,
    num_hidden_layers=3,
    first_k_dense_replace=1,
    moe_layer_freq=1,
    n_routed_experts=8,
    num_experts_per_tok=3,
    n_group=4,
    topk_group=2,
    n_shared_experts=1,
    vocab_size=384,
    max_position_embeddings=512,
    rope_theta=10000,
    rms_norm_eps=1e-6,
    rope_scaling=None,
)

_V3 = dict(
    _TINY,
    model_type="deepseek_v3",
    topk_method="noaux_tc",
    scoring_func="sigmoid",
    norm_topk_prob=True,
    routed_scaling_factor=2.5,
    num_nextn_predict_layers=1,
)

_V2 = dict(
    _TINY,
    model_type="deepseek_v2",
    scoring_func="softmax",
    num_nextn_predict_layers=0,
)

# dtype: storage of the weights: "F32", "BF16" or "FP8" (FP8 linears + BF16 rest); shards: number of files.
PRESETS = {
    "v3-f32": dict(_V3, dtype="F32", shards=1),
    "v3-bf16": dict(_V3, dtype="BF16", shards=1),
    "v3-fp8": dict(
        _V3,
        dtype="FP8",
        shards=1,
        hidden_size=320,
        qk_nope_head_dim=48,
        qk_rope_head_dim=16,
        v_head_dim=32,
        kv_lora_rank=192,
        q_lora_rank=200,
        intermediate_size=384,
        moe_intermediate_size=160,
    ),
    "v3-sharded": dict(_V3, dtype="BF16", shards=3),
    # F16 storage (some community conversions ship it), V2 routing for variety.
    "v2-f16": dict(_V2, dtype="F16", shards=2, topk_method="greedy", n_group=1, topk_group=1, norm_topk_prob=True,
                   routed_scaling_factor=1.0),
    # 16 experts in 4 groups of 4, so "sum of the top-2 per group" differs from "sum of the group".
    "v3-nolora": dict(_V3, dtype="F32", shards=1, q_lora_rank=None, n_routed_experts=16, num_experts_per_tok=4),
    "v3-yarn": dict(
        _V3,
        dtype="F32",
        shards=1,
        max_position_embeddings=256,
        rope_scaling={
            "type": "yarn",
            "factor": 4.0,
            "original_max_position_embeddings": 64,
            "beta_fast": 32,
            "beta_slow": 1,
            "mscale": 1.0,
            "mscale_all_dim": 1.0,
        },
    ),
    # DeepSeek-V2-Lite style: no q LoRA, greedy softmax routing, 2 shared experts, YaRN with mscale 0.707.
    "v2-greedy": dict(
        _V2,
        dtype="F32",
        shards=1,
        q_lora_rank=None,
        topk_method="greedy",
        norm_topk_prob=False,
        routed_scaling_factor=1.5,
        n_group=1,
        topk_group=1,
        n_shared_experts=2,
        rope_scaling={
            "type": "yarn",
            "factor": 4.0,
            "original_max_position_embeddings": 64,
            "beta_fast": 32,
            "beta_slow": 1,
            "mscale": 0.707,
            "mscale_all_dim": 0.707,
        },
    ),
    # 12 experts in 4 groups of 3; mscale != mscale_all_dim so that YaRN's cos/sin factor is exercised.
    "v2-group": dict(
        _V2,
        dtype="BF16",
        shards=1,
        topk_method="group_limited_greedy",
        n_routed_experts=12,
        n_group=4,
        topk_group=2,
        num_experts_per_tok=3,
        norm_topk_prob=True,
        routed_scaling_factor=1.0,
        n_shared_experts=1,
        rope_scaling={
            "type": "yarn",
            "factor": 2.0,
            "original_max_position_embeddings": 128,
            "beta_fast": 32,
            "beta_slow": 1,
            "mscale": 1.0,
            "mscale_all_dim": 0.707,
        },
    ),
    # The ~0.85B-parameter shape of shared/anchors' default llama.cpp model (write_gguf_deepseek2.py defaults with
    # --expert-groups 8 --groups-used 4), for side-by-side speed: bench-bf16 against its BF16, bench-fp8 against
    # its Q8_0 (one byte per weight either way).
    "bench-bf16": dict(
        _V3,
        dtype="BF16",
        shards=1,
        hidden_size=1024,
        num_attention_heads=16,
        qk_nope_head_dim=128,
        qk_rope_head_dim=64,
        v_head_dim=128,
        kv_lora_rank=512,
        q_lora_rank=512,
        intermediate_size=2816,
        moe_intermediate_size=512,
        num_hidden_layers=8,
        first_k_dense_replace=1,
        n_routed_experts=64,
        num_experts_per_tok=6,
        n_group=8,
        topk_group=4,
        n_shared_experts=1,
        vocab_size=32768,
        max_position_embeddings=4096,
        num_nextn_predict_layers=0,
    ),
    "bench-fp8": None,  # filled below: bench-bf16 with FP8 linears
    # For GGUF conversions: every matrix's row length a multiple of 256 (ggml's K-quant and IQ4_XS blocks), except
    # kv_b's per-head key half (qk_nope 64), which llama.cpp's quantizer also stores in a 32-block type.
    "gguf": dict(
        _V3,
        dtype="F32",
        shards=1,
        hidden_size=256,
        num_attention_heads=2,
        qk_nope_head_dim=64,
        qk_rope_head_dim=32,
        v_head_dim=128,
        kv_lora_rank=256,
        q_lora_rank=256,
        intermediate_size=256,
        moe_intermediate_size=256,
        num_hidden_layers=2,
        first_k_dense_replace=1,
        n_routed_experts=4,
        num_experts_per_tok=2,
        n_group=2,
        topk_group=1,
        n_shared_experts=1,
        num_nextn_predict_layers=0,
        rope_scaling={
            "type": "yarn",
            "factor": 4.0,
            "original_max_position_embeddings": 128,
            "beta_fast": 32,
            "beta_slow": 1,
            "mscale": 1.0,
            "mscale_all_dim": 1.0,
        },
    ),
    # For the UI with the real tokenizer (--tokenizer); no MTP weights to keep the folder ~140 MB.
    "demo": dict(
        _V3,
        dtype="BF16",
        shards=1,
        hidden_size=256,
        num_attention_heads=4,
        qk_nope_head_dim=32,
        qk_rope_head_dim=16,
        v_head_dim=32,
        kv_lora_rank=64,
        q_lora_rank=96,
        intermediate_size=512,
        moe_intermediate_size=96,
        num_hidden_layers=4,
        n_routed_experts=16,
        num_experts_per_tok=4,
        n_group=4,
        topk_group=2,
        vocab_size=129280,
        max_position_embeddings=4096,
        num_nextn_predict_layers=0,
        needs_real_tokenizer=True,
    ),
}
PRESETS["bench-fp8"] = dict(PRESETS["bench-bf16"], dtype="FP8")
PRESETS["gguf-bf16"] = dict(PRESETS["gguf"], dtype="BF16")


# ----------------------------------------------------------------------------------------------------------------
# Number formats
# ----------------------------------------------------------------------------------------------------------------

def f32_to_bf16_bits(a):
    """float32 -> bfloat16 bit patterns (uint16), round to nearest, ties to even. NaN stays NaN."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    u = a.view(np.uint32).astype(np.uint64)
    lsb = (u >> np.uint64(16)) & np.uint64(1)
    r = ((u + np.uint64(0x7FFF) + lsb) >> np.uint64(16)).astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        r[nan] = ((u[nan] >> np.uint64(16)).astype(np.uint16)) | np.uint16(0x0040)
    return r


def bf16_bits_to_f32(b):
    return (np.asarray(b, dtype=np.uint16).astype(np.uint32) << np.uint32(16)).view(np.float32)


def e4m3_decode_table():
    """float64 value of each of the 256 F8_E4M3 (fn) codes."""
    codes = np.arange(256)
    s = np.where(codes & 0x80, -1.0, 1.0)
    e = (codes >> 3) & 0xF
    m = codes & 0x7
    val = np.where(e == 0, m / 8.0 * 2.0 ** -6, (1.0 + m / 8.0) * np.power(2.0, e - 7.0))
    val = s * val
    val[(e == 15) & (m == 7)] = np.nan
    return val


_E4M3_TABLE = e4m3_decode_table()
_E4M3_POS = _E4M3_TABLE[:0x7F]  # codes 0x00..0x7E: the finite non-negative values, strictly increasing
E4M3_MAX = 448.0


def f_to_e4m3(x):
    """float -> F8_E4M3 (fn) codes (uint8): round to nearest, ties to even, saturate at +-448."""
    x = np.asarray(x, dtype=np.float64)
    a = np.minimum(np.abs(x), E4M3_MAX)
    hi = np.searchsorted(_E4M3_POS, a, side="left")  # _E4M3_POS[hi-1] < a <= _E4M3_POS[hi]
    hi = np.clip(hi, 0, len(_E4M3_POS) - 1)
    lo = np.maximum(hi - 1, 0)
    dlo = a - _E4M3_POS[lo]
    dhi = _E4M3_POS[hi] - a
    take_hi = (dhi < dlo) | ((dhi == dlo) & ((hi & 1) == 0))
    code = np.where(take_hi, hi, lo).astype(np.uint8)
    code = np.where(np.signbit(x), code | np.uint8(0x80), code).astype(np.uint8)
    if np.isnan(x).any():
        code[np.isnan(x)] = 0x7F
    return code


def quantize_fp8_blocks(w, block=128, rng=None):
    """w [out, in] float32 -> (codes uint8 [out, in], scale_inv float32 [ceil(out/128), ceil(in/128)])."""
    out_dim, in_dim = w.shape
    nbo, nbi = -(-out_dim // block), -(-in_dim // block)
    codes = np.empty(w.shape, dtype=np.uint8)
    scale = np.empty((nbo, nbi), dtype=np.float32)
    for bo in range(nbo):
        for bi in range(nbi):
            blk = w[bo * block:(bo + 1) * block, bi * block:(bi + 1) * block].astype(np.float64)
            amax = float(np.max(np.abs(blk)))
            s = np.float32(amax / E4M3_MAX) if amax > 0 else np.float32(1.0)
            scale[bo, bi] = s
            codes[bo * block:(bo + 1) * block, bi * block:(bi + 1) * block] = f_to_e4m3(blk / np.float64(s))
    return codes, scale


# ----------------------------------------------------------------------------------------------------------------
# safetensors writer
# ----------------------------------------------------------------------------------------------------------------

_ITEMSIZE = {"F64": 8, "F32": 4, "I64": 8, "I32": 4, "BF16": 2, "F16": 2, "I16": 2, "F8_E4M3": 1, "U8": 1, "I8": 1}


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> (dtype string, shape list, raw bytes). Writes one safetensors file."""
    names = sorted(tensors, key=lambda n: (-_ITEMSIZE.get(tensors[n][0], 1), n))
    header = {}
    off = 0
    for n in names:
        dt, shape, raw = tensors[n]
        header[n] = {"dtype": dt, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
    header["__metadata__"] = dict(metadata or {"format": "pt"})
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    with open(path, "wb") as f:
        f.write(len(hb).to_bytes(8, "little"))
        f.write(hb)
        for n in names:
            f.write(tensors[n][2])
    return off


# ----------------------------------------------------------------------------------------------------------------
# Tokenizer for tiny models: byte-level BPE trained on a fixed text
# ----------------------------------------------------------------------------------------------------------------

def bytes_to_unicode():
    """GPT-2's byte -> printable unicode character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


_CORPUS = (
    "The whale sings in the deep sea. The song of the whale travels far through the water, and other whales "
    "answer the song. Hello world! This is a tiny model for testing the engine: it reads the weights, runs the "
    "layers and writes the logits. What is the answer to the question? The answer is that there is no answer. "
    "User: hello there. Assistant: hello, how can I help you today? I think that the model is working and that "
    "the tests will pass. 1234567890 numbers and more numbers: 3.14159, 2.71828, 42.\n"
    "def main():\n    return 0\n\nint main(void) { return 0; }\n"
)
_N_MERGES = 96


def build_tiny_tokenizer():
    """Returns (tokenizer.json dict, number of ids). ids: 0 BOS, 1 EOS, 2..257 bytes, then merges, then
    <｜User｜> and <｜Assistant｜> as added tokens outside the BPE vocab (as in the real DeepSeek-V3 tokenizer)."""
    b2u = bytes_to_unicode()
    vocab = {BOS: 0, EOS: 1}
    for b in range(256):
        vocab[b2u[b]] = len(vocab)
    words = re.findall(r" ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+", _CORPUS)
    counts = {}
    for w in words:
        key = tuple(b2u[b] for b in w.encode("utf-8"))
        counts[key] = counts.get(key, 0) + 1
    merges = []
    for _ in range(_N_MERGES):
        pairs = {}
        for w, c in counts.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merged = best[0] + best[1]
        if merged in vocab:  # cannot happen with a consistent BPE, but keep ids unique
            break
        merges.append(best[0] + " " + best[1])
        vocab[merged] = len(vocab)
        new_counts = {}
        for w, c in counts.items():
            out = []
            i = 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_counts[tuple(out)] = new_counts.get(tuple(out), 0) + c
        counts = new_counts

    def added(i, content, special, normalized):
        return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": normalized, "special": special}

    n = len(vocab)
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            added(0, BOS, True, False),
            added(1, EOS, True, False),
            added(n, USER, False, True),
            added(n + 1, ASSISTANT, False, True),
        ],
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": merges,
        },
    }
    return tok, n + 2


def _chat_template():
    p = os.path.join(_DEFAULT_REAL_TOKENIZER, "tokenizer_config.json")
    if os.path.exists(p):
        with open(p, encoding="utf-8") as f:
            return json.load(f)["chat_template"]
    # Fallback (the DeepSeek-V3 template without tool calls) if shared/ is not next to the repository.
    return ("{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
            "{{bos_token}}{%- for message in messages %}{%- if message['role'] == 'system' %}{{message['content']}}"
            "{%- endif %}{%- endfor %}{%- for message in messages %}{%- if message['role'] == 'user' %}"
            "{{'<｜User｜>' + message['content']}}{%- endif %}{%- if message['role'] == 'assistant' %}"
            "{{'<｜Assistant｜>' + message['content'] + '<｜end▁of▁sentence｜>'}}{%- endif %}{%- endfor -%}"
            "{% if add_generation_prompt %}{{'<｜Assistant｜>'}}{% endif %}")


def tiny_tokenizer_config():
    def tok(content):
        return {"__type": "AddedToken", "content": content, "lstrip": False, "normalized": True, "rstrip": False,
                "single_word": False}

    return {
        "add_bos_token": True,
        "add_eos_token": False,
        "bos_token": tok(BOS),
        "clean_up_tokenization_spaces": False,
        "eos_token": tok(EOS),
        "legacy": True,
        "model_max_length": 16384,
        "pad_token": tok(EOS),
        "sp_model_kwargs": {},
        "unk_token": None,
        "tokenizer_class": "LlamaTokenizerFast",
        "chat_template": _chat_template(),
    }


# ----------------------------------------------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------------------------------------------

def make_config(p):
    v3 = p["model_type"] == "deepseek_v3"
    arch = "DeepseekV3" if v3 else "DeepseekV2"
    cfg = {
        "architectures": [arch + "ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "auto_map": {
            "AutoConfig": "configuration_deepseek.%sConfig" % arch,
            "AutoModel": "modeling_deepseek.%sModel" % arch,
            "AutoModelForCausalLM": "modeling_deepseek.%sForCausalLM" % arch,
        },
        "aux_loss_alpha": 0.001,
        "bos_token_id": 0,
        "eos_token_id": 1,
        "ep_size": 1,
        "first_k_dense_replace": p["first_k_dense_replace"],
        "hidden_act": "silu",
        "hidden_size": p["hidden_size"],
        "initializer_range": 0.02,
        "intermediate_size": p["intermediate_size"],
        "kv_lora_rank": p["kv_lora_rank"],
        "max_position_embeddings": p["max_position_embeddings"],
        "model_type": p["model_type"],
        "moe_intermediate_size": p["moe_intermediate_size"],
        "moe_layer_freq": p["moe_layer_freq"],
        "n_group": p["n_group"],
        "n_routed_experts": p["n_routed_experts"],
        "n_shared_experts": p["n_shared_experts"],
        "norm_topk_prob": p["norm_topk_prob"],
        "num_attention_heads": p["num_attention_heads"],
        "num_experts_per_tok": p["num_experts_per_tok"],
        "num_hidden_layers": p["num_hidden_layers"],
        "num_key_value_heads": p["num_attention_heads"],
    }
    if v3:
        cfg["num_nextn_predict_layers"] = p["num_nextn_predict_layers"]
    cfg.update({
        "pretraining_tp": 1,
        "q_lora_rank": p["q_lora_rank"],
        "qk_nope_head_dim": p["qk_nope_head_dim"],
        "qk_rope_head_dim": p["qk_rope_head_dim"],
    })
    if p["dtype"] == "FP8":
        cfg["quantization_config"] = {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                                      "weight_block_size": [128, 128]}
    cfg.update({
        "rms_norm_eps": p["rms_norm_eps"],
        "rope_scaling": p["rope_scaling"],
        "rope_theta": p["rope_theta"],
        "routed_scaling_factor": p["routed_scaling_factor"],
        "scoring_func": p["scoring_func"],
        "seq_aux": True,
        "tie_word_embeddings": False,
        "topk_group": p["topk_group"],
        "topk_method": p["topk_method"],
        "torch_dtype": "float32" if p["dtype"] == "F32" else "bfloat16",
        "transformers_version": "4.33.1" if v3 else "4.39.3",
        "use_cache": True,
        "v_head_dim": p["v_head_dim"],
        "vocab_size": p["vocab_size"],
    })
    return cfg


# ----------------------------------------------------------------------------------------------------------------
# Weights
# ----------------------------------------------------------------------------------------------------------------

def _tensor_specs(p):
    """Yields (name, shape, kind) in a fixed order. kind: embed | norm | linear | linear_bf16 | gate | bias | head."""
    H = p["hidden_size"]
    nh = p["num_attention_heads"]
    nope, rope, vd = p["qk_nope_head_dim"], p["qk_rope_head_dim"], p["v_head_dim"]
    V = p["vocab_size"]
    yield "model.embed_tokens.weight", (V, H), "embed"
    n_layers = p["num_hidden_layers"]
    n_mtp = p["num_nextn_predict_layers"] if p["model_type"] == "deepseek_v3" else 0
    for i in range(n_layers + n_mtp):
        pre = "model.layers.%d." % i
        if i >= n_layers:  # DeepSeek-V3 multi-token-prediction layer: extra tensors first
            yield pre + "embed_tokens.weight", (V, H), "embed"
            yield pre + "enorm.weight", (H,), "norm"
            yield pre + "hnorm.weight", (H,), "norm"
            yield pre + "eh_proj.weight", (H, 2 * H), "linear_bf16"
            yield pre + "shared_head.norm.weight", (H,), "norm"
            yield pre + "shared_head.head.weight", (V, H), "head"
        yield pre + "input_layernorm.weight", (H,), "norm"
        a = pre + "self_attn."
        if p["q_lora_rank"]:
            yield a + "q_a_proj.weight", (p["q_lora_rank"], H), "linear"
            yield a + "q_a_layernorm.weight", (p["q_lora_rank"],), "norm"
            yield a + "q_b_proj.weight", (nh * (nope + rope), p["q_lora_rank"]), "linear"
        else:
            yield a + "q_proj.weight", (nh * (nope + rope), H), "linear"
        yield a + "kv_a_proj_with_mqa.weight", (p["kv_lora_rank"] + rope, H), "linear"
        yield a + "kv_a_layernorm.weight", (p["kv_lora_rank"],), "norm"
        yield a + "kv_b_proj.weight", (nh * (nope + vd), p["kv_lora_rank"]), "linear"
        yield a + "o_proj.weight", (H, nh * vd), "linear"
        yield pre + "post_attention_layernorm.weight", (H,), "norm"
        m = pre + "mlp."
        is_moe = p["n_routed_experts"] and i >= p["first_k_dense_replace"] and i % p["moe_layer_freq"] == 0
        if not is_moe:
            I = p["intermediate_size"]
            yield m + "gate_proj.weight", (I, H), "linear"
            yield m + "up_proj.weight", (I, H), "linear"
            yield m + "down_proj.weight", (H, I), "linear"
        else:
            E, I = p["n_routed_experts"], p["moe_intermediate_size"]
            yield m + "gate.weight", (E, H), "gate"
            if p["topk_method"] == "noaux_tc":
                yield m + "gate.e_score_correction_bias", (E,), "bias"
            for j in range(E):
                e = m + "experts.%d." % j
                yield e + "gate_proj.weight", (I, H), "linear"
                yield e + "up_proj.weight", (I, H), "linear"
                yield e + "down_proj.weight", (H, I), "linear"
            if p["n_shared_experts"]:
                Is = I * p["n_shared_experts"]
                s = m + "shared_experts."
                yield s + "gate_proj.weight", (Is, H), "linear"
                yield s + "up_proj.weight", (Is, H), "linear"
                yield s + "down_proj.weight", (H, Is), "linear"
    yield "model.norm.weight", (H,), "norm"
    yield "lm_head.weight", (V, H), "head"


def _draw(seed, name, shape, kind, fp8):
    rng = np.random.default_rng([seed & 0xFFFFFFFF, zlib.crc32(name.encode())])
    if kind == "norm":
        return (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
    if kind == "bias":
        return (0.1 * rng.standard_normal(shape)).astype(np.float32)
    w = rng.standard_normal(shape, dtype=np.float32)
    if kind == "embed":
        return w
    fan_in = shape[1]
    if kind == "gate":  # router: sharper than a plain linear so tokens pick clearly different experts
        w *= np.float32(1.5 / math.sqrt(fan_in))
        return w
    w *= np.float32(1.0 / math.sqrt(fan_in))
    if fp8 and kind == "linear":
        # vary the magnitude from 128x128 block to block so that the per-block scales really differ
        nbo, nbi = -(-shape[0] // 128), -(-shape[1] // 128)
        f = np.exp(0.4 * rng.standard_normal((nbo, nbi))).astype(np.float32)
        f = np.repeat(np.repeat(f, 128, axis=0), 128, axis=1)[:shape[0], :shape[1]]
        w *= f
    return w


def _encode(name, w, kind, dtype):
    """-> list of (name, (dtype, shape, raw bytes))."""
    shape = list(w.shape)
    if kind == "bias" or dtype == "F32":
        return [(name, ("F32", shape, w.astype("<f4").tobytes()))]
    if dtype == "F16":
        return [(name, ("F16", shape, w.astype("<f2").tobytes()))]
    if dtype == "FP8" and kind == "linear":
        codes, scale = quantize_fp8_blocks(w)
        return [(name, ("F8_E4M3", shape, codes.tobytes())),
                (name + "_scale_inv", ("F32", list(scale.shape), scale.astype("<f4").tobytes()))]
    return [(name, ("BF16", shape, f32_to_bf16_bits(w).astype("<u2").tobytes()))]


def _write_tokenizer(out_dir, tokenizer_dir):
    if tokenizer_dir:
        for fn in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(os.path.join(tokenizer_dir, fn), os.path.join(out_dir, fn))
        with open(os.path.join(tokenizer_dir, "tokenizer.json"), encoding="utf-8") as f:
            t = json.load(f)
        ids = list(t["model"]["vocab"].values()) + [a["id"] for a in t.get("added_tokens", [])]
        return max(ids) + 1
    tok, n = build_tiny_tokenizer()
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False, indent=2)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tiny_tokenizer_config(), f, ensure_ascii=False, indent=2)
    return n


def generator_hash():
    """sha256 of this file: part of the cache stamp tests use to decide whether to regenerate."""
    with open(os.path.abspath(__file__), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def generate(out_dir, preset, seed=0, tokenizer_dir=None):
    """Writes the model folder out_dir (created if needed; model files in it are replaced). Returns the config."""
    if preset not in PRESETS:
        raise ValueError("unknown preset %r (have: %s)" % (preset, ", ".join(PRESETS)))
    p = dict(PRESETS[preset])
    if p.get("needs_real_tokenizer") and not tokenizer_dir:
        if os.path.exists(os.path.join(_DEFAULT_REAL_TOKENIZER, "tokenizer.json")):
            tokenizer_dir = _DEFAULT_REAL_TOKENIZER
        else:
            raise ValueError("preset %s needs --tokenizer DIR (the real DeepSeek-V3 tokenizer)" % preset)
    if tokenizer_dir:
        p["vocab_size"] = 129280
    os.makedirs(out_dir, exist_ok=True)
    for fn in os.listdir(out_dir):
        if fn.endswith(".safetensors") or fn == "model.safetensors.index.json":
            os.remove(os.path.join(out_dir, fn))

    n_tok = _write_tokenizer(out_dir, tokenizer_dir)
    if n_tok > p["vocab_size"]:
        raise ValueError("tokenizer has %d ids but vocab_size is %d" % (n_tok, p["vocab_size"]))

    cfg = make_config(p)
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    gen_cfg = {"_from_model_config": True, "bos_token_id": 0, "eos_token_id": 1, "do_sample": True,
               "temperature": 0.6, "top_p": 0.95, "transformers_version": cfg["transformers_version"]}
    with open(os.path.join(out_dir, "generation_config.json"), "w", encoding="utf-8") as f:
        json.dump(gen_cfg, f, indent=2)
        f.write("\n")

    entries = []
    for name, shape, kind in _tensor_specs(p):
        w = _draw(seed, name, shape, kind, p["dtype"] == "FP8")
        entries.extend(_encode(name, w, kind, p["dtype"]))

    n_shards = p["shards"]
    if n_shards == 1:
        write_safetensors(os.path.join(out_dir, "model.safetensors"), dict(entries))
    else:
        total = sum(len(e[1][2]) for e in entries)
        groups = [[] for _ in range(n_shards)]
        acc = 0
        where = {}
        for name, t in entries:  # contiguous split by bytes; a weight and its scale stay together
            k = min(n_shards - 1, int(acc * n_shards // max(total, 1)))
            if name.endswith("_scale_inv") and name[:-len("_scale_inv")] in where:
                k = where[name[:-len("_scale_inv")]]
            where[name] = k
            groups[k].append((name, t))
            acc += len(t[2])
        weight_map = {}
        for k, g in enumerate(groups):
            fn = "model-%05d-of-%05d.safetensors" % (k + 1, n_shards)
            write_safetensors(os.path.join(out_dir, fn), dict(g))
            for name, _ in g:
                weight_map[name] = fn
        index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
        with open(os.path.join(out_dir, "model.safetensors.index.json"), "w", encoding="utf-8") as f:
            json.dump(index, f, indent=2)
            f.write("\n")
    return cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a tiny random-weight DeepSeek-V3/V2 model folder.")
    ap.add_argument("--out", help="output folder")
    ap.add_argument("--preset", help="preset name (see --list)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tokenizer", help="folder with a real tokenizer.json + tokenizer_config.json to copy")
    ap.add_argument("--list", action="store_true", help="print the preset names and exit")
    a = ap.parse_args(argv)
    if a.list:
        for n in PRESETS:
            print(n)
        return 0
    if not a.out or not a.preset:
        ap.error("--out and --preset are required")
    try:
        generate(a.out, a.preset, a.seed, a.tokenizer)
    except (ValueError, OSError) as e:
        print("gen_tiny_model: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
