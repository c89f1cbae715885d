#!/usr/bin/python3
"""GGUF models (issue 12): a tiny DeepSeek-V3 written as deepseek2 GGUF files by llama.cpp's own gguf-py (every tensor
type the engine runs, both MLA layouts, a split set) must give the logits of the float64 reference run on the same
file's weights dequantised by gguf-py, within 1e-4 of each row's norm, at every position, full and incremental; the
same model as safetensors and as GGUF (BF16) the same logits; `info` the file's quantization mix; and broken files
one line naming the file and the culprit, exit 1, never a crash."""

import json
import os
import random
import shutil
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, ensure_model, summary, test_args  # noqa: E402
from test_forward import engine_logits, rel_err_rows  # noqa: E402
import gguf_testlib as gt  # noqa: E402
from llamacpp_tree import ensure_llamacpp_tree  # noqa: E402

TOL = 1e-4
DEFAULT_TOL = 1e-3  # the default int8 + residual activations, decode and prompts (README "Activation precision")
BF16_PROMPT_TOL = 2e-2  # the opt-in bf16 products for prompts
INT8_PROMPT_TOL = 5e-2  # the opt-in int8 codes alone for prompts (observed up to ~2e-2 on these random models)
# The exactness checks run the exact path: activations kept in float (by default decode quantises them to int8
# + residual codes where the CPU has AVX-512 VNNI); the other paths have their own check below.
os.environ["WS_EXACT_ACTIVATIONS"] = "1"
MIN_ROUTING_MARGIN = 1e-4  # a reference routing gap smaller than this could flip in float32: ids drawn again


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def main():
    a = test_args()
    sys.path.insert(0, os.path.join(a.source, "tools", "ref"))
    import gen_tiny_model as gen
    import reference as ref

    env_seed = os.environ.get("WS_TEST_SEED", "").strip()
    seed = int(env_seed) if env_seed else random.SystemRandom().randrange(1, 2 ** 31)
    print("test_gguf: seed %d (rerun with WS_TEST_SEED=%d to reproduce)" % (seed, seed), flush=True)
    rng = np.random.default_rng(seed)
    os.makedirs(a.work, exist_ok=True)
    tree = ensure_llamacpp_tree(os.path.dirname(a.work))  # shared by the tests that need it
    gguf = gt.import_gguf(tree)
    models = os.path.join(a.work, "models")
    hf = ensure_model(gen, models, "gguf", 1)
    with open(os.path.join(hf, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    files = os.path.join(a.work, "files")
    shutil.rmtree(files, ignore_errors=True)
    os.makedirs(files)

    def logits_check(label, paths, n_tok=None):
        """Our CLI on paths[0] against the reference on the dequantised file, full, incremental and in pieces."""
        ck = gt.GgufCheckpoint(gguf, paths, cfg)
        for _ in range(30):
            T = n_tok or int(rng.integers(6, 11))
            ids = [0] + [int(i) for i in rng.integers(0, cfg["vocab_size"], T - 1)]
            want, info = ref.forward_with(cfg, ck, ids)
            if info["min_margin"] >= MIN_ROUTING_MARGIN:
                break
        # Whole, one token at a time, and in three pieces (prompts after a context).
        pieces = (len(ids) + 2) // 3
        for how, incremental, k in (("full", False, 0), ("incremental", True, 0), ("in pieces of %d" % pieces, False, pieces)):
            out = os.path.join(a.work, "logits.f32")
            try:
                got, _ = engine_logits(a.cli, paths[0], ids, out, incremental, k)
            except RuntimeError as e:
                check("%s %s: logits" % (label, how), False, str(e))
                continue
            got = got.reshape(len(ids), -1)
            err = rel_err_rows(got, want).max() if got.shape == want.shape else float("inf")
            check("%s %s: max |Δ|/‖ref‖ %.2e over %d positions (≤ %g)" % (label, how, err, len(ids), TOL), err <= TOL)

    # Every type, the split MLA layout (attn_k_b / attn_v_b); two types also with attn_kv_b.
    for t in gt.TYPES:
        p = os.path.join(files, "tiny-%s.gguf" % t.lower())
        paths = gt.write_gguf(gguf, ref, hf, p, t, layout="split", seed=seed)
        logits_check(t, paths)
    for t in ("Q8_0", "Q4_K"):
        p = os.path.join(files, "tiny-%s-kvb.gguf" % t.lower())
        paths = gt.write_gguf(gguf, ref, hf, p, t, layout="kv_b", seed=seed)
        logits_check(t + " attn_kv_b", paths)
    # A prompt longer than two of the decompressed form's blocks of 32 queries (each block scores only the keys it
    # sees), the split layout (V through attn_v_b, W_UK rebuilt), full and incremental.
    logits_check("Q8_0 split, 70 tokens", [os.path.join(files, "tiny-q8_0.gguf")], n_tok=70)
    # Prompts in the absorbed form too (what a short turn after a long context takes), and every piece after a
    # context decompressed (the cost rule may leave some absorbed), both layouts.
    for form in ("absorbed", "naive"):
        os.environ["WS_MLA_PREFILL"] = form
        logits_check("Q8_0 attn_kv_b, %s prefill" % form, [os.path.join(files, "tiny-q8_0-kvb.gguf")])
        logits_check("Q8_0 split, %s prefill" % form, [os.path.join(files, "tiny-q8_0.gguf")], n_tok=70)
    del os.environ["WS_MLA_PREFILL"]

    # The default path — activations split in two 8-bit parts (int8 + residual codes) against the types with an
    # integer kernel (every block type, on AVX2 and on AVX-512 VNNI; BF16 stays float)
    # in decode (incremental) and in prompts (full: the integer GEMM; BF16 stays float in both) — within 1e-3 of the
    # reference's norm at every position (observed ~1e-6..1e-4); the opt-in 8-bit prompt products
    # (WS_ACTIVATIONS=bf16-prompts: bf16 against BF16; int8-prompts: the int8 codes alone against the quantised
    # types, as llama.cpp) within 2e-2 and 5e-2 (observed ~1e-3..1e-2 and ~4e-4..2.2e-2). All with the same greedy
    # token wherever the reference's top two differ by more than that error could move them.
    # Token ids drawn so that no routing decision is within reach of it.
    # If no draw keeps every routing margin at 2e-2 (with some seeds' models every draw meets the same near-tie, at
    # the first position, which all draws share: seed 1518022971's Q6_K file, 3.1e-3 in 40 and in 120 draws), the
    # opt-in modes, whose error reaches ~2e-2, may flip a routing decision and move the logits by a whole expert's
    # output (0.41 of the norm there): their checks are then skipped, said so, and the default path's (1e-3) still
    # runs on the best draw.
    def fast_check(label, path):
        ck = gt.GgufCheckpoint(gguf, [path], cfg)
        best = None
        for _ in range(40):
            ids = [0] + [int(i) for i in rng.integers(0, cfg["vocab_size"], 23)]
            want, info = ref.forward_with(cfg, ck, ids)
            if best is None or info["min_margin"] > best[2]["min_margin"]:
                best = (ids, want, info)
            if info["min_margin"] >= 2e-2:
                break
        ids, want, info = best
        modes = (("", True, DEFAULT_TOL, "decode, default activations"),
                 ("", False, DEFAULT_TOL, "prompt, default activations"),
                 ("bf16-prompts", False, BF16_PROMPT_TOL, "prompt, bf16 products (opt-in)"),
                 ("int8-prompts", False, INT8_PROMPT_TOL, "prompt, int8 codes alone (opt-in)"))
        for mode, incremental, tol, how in modes:
            if tol > DEFAULT_TOL and info["min_margin"] < 2e-2:
                print("SKIP %s %s: the best of 40 draws keeps a routing margin of %.1e only, within reach of this "
                      "mode's error" % (label, how, info["min_margin"]))
                continue
            del os.environ["WS_EXACT_ACTIVATIONS"]
            os.environ["WS_ACTIVATIONS"] = mode
            try:
                got, _ = engine_logits(a.cli, path, ids, os.path.join(a.work, "fast.f32"), incremental)
            except RuntimeError as e:
                check("%s %s: logits" % (label, how), False, str(e))
                continue
            finally:
                os.environ["WS_EXACT_ACTIVATIONS"] = "1"
                del os.environ["WS_ACTIVATIONS"]
            got = got.reshape(len(ids), -1)
            err = rel_err_rows(got, want).max() if got.shape == want.shape else float("inf")
            check("%s %s: max |Δ|/‖ref‖ %.2e over %d positions (≤ %g; routing margin %.1e)" % (
                label, how, err, len(ids), tol, info["min_margin"]), err <= tol)
            same = clear = 0
            for row_got, row_want in zip(got, want):
                top2 = np.sort(row_want)[-2:]
                if top2[1] - top2[0] > 4 * tol * np.linalg.norm(row_want):
                    clear += 1
                    same += int(np.argmax(row_got) == np.argmax(row_want))
            check("%s %s: the same greedy token at all %d positions with a clear margin" % (label, how, clear),
                  same == clear)

    for t in ("BF16", "Q8_0", "Q4_0", "Q5_0", "Q4_1", "Q5_1", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL", "IQ4_XS"):
        fast_check(t, os.path.join(files, "tiny-%s.gguf" % t.lower()))

    # DeepSeek-V2-Lite's form (no q compression, softmax gating, greedy top-k, 2 shared experts, YaRN) carrying an
    # exp_probs_b selection bias, as llama.cpp's converter writes it when the source has one: loaded and applied
    # as llama.cpp applies it (chosen by score + bias, weighted by the score).
    hf_v2 = ensure_model(gen, models, "v2-greedy", 1)
    with open(os.path.join(hf_v2, "config.json"), encoding="utf-8") as f:
        cfg_v2 = json.load(f)
    p = os.path.join(files, "tiny-v2-bias.gguf")
    paths = gt.write_gguf(gguf, ref, hf_v2, p, "F16", seed=seed, router_bias=True)  # its 16-wide heads fit no block
    ck = gt.GgufCheckpoint(gguf, paths, cfg_v2)
    check("V2-Lite form with exp_probs_b: the file carries the bias",
          any(n.endswith("e_score_correction_bias") for n in ck.t))
    for _ in range(30):
        ids = [0] + [int(i) for i in rng.integers(0, cfg_v2["vocab_size"], int(rng.integers(6, 11)) - 1)]
        want, info = ref.forward_with(cfg_v2, ck, ids)
        if info["min_margin"] >= MIN_ROUTING_MARGIN:
            break
    for incremental in (False, True):
        try:
            got, _ = engine_logits(a.cli, paths[0], ids, os.path.join(a.work, "v2.f32"), incremental)
            got = got.reshape(len(ids), -1)
            err = rel_err_rows(got, want).max() if got.shape == want.shape else float("inf")
            check("V2-Lite form with exp_probs_b %s: max |Δ|/‖ref‖ %.2e (≤ %g)" % (
                "incremental" if incremental else "full", err, TOL), err <= TOL)
        except RuntimeError as e:
            check("V2-Lite form with exp_probs_b: logits", False, str(e))

    # A split set, opened from its first part.
    p = os.path.join(files, "tiny-split.gguf")
    paths = gt.write_gguf(gguf, ref, hf, p, "Q8_0", split_max_tensors=12, seed=seed)
    check("split set: gguf-py wrote %d parts" % len(paths), len(paths) >= 3)
    if len(paths) >= 3:
        logits_check("split set (%d parts)" % len(paths), paths)
        # A missing part is named.
        hidden = paths[1] + ".away"
        os.rename(paths[1], hidden)
        rc, out, err = run([a.cli, "info", "--model", paths[0]])
        check("split set, part 2 missing: exit 1 naming it", rc == 1 and os.path.basename(paths[1]) in err, err.strip())
        os.rename(hidden, paths[1])

    # The same model as safetensors (BF16) and as GGUF (BF16, attn_kv_b as in the folder): the same logits.
    hf16 = ensure_model(gen, models, "gguf-bf16", 1)
    p16 = os.path.join(files, "tiny-bf16-kvb.gguf")
    gt.write_gguf(gguf, ref, hf16, p16, "BF16", layout="kv_b", seed=seed)
    ids = [0] + [int(i) for i in rng.integers(0, cfg["vocab_size"], 9)]
    try:
        st, _ = engine_logits(a.cli, hf16, ids, os.path.join(a.work, "st.f32"), False)
        gg, _ = engine_logits(a.cli, p16, ids, os.path.join(a.work, "gg.f32"), False)
        err = rel_err_rows(gg.reshape(len(ids), -1), st.reshape(len(ids), -1)).max()
        check("BF16: safetensors folder and GGUF file give the same logits (max rel %.1e ≤ 1e-6)" % err, err <= 1e-6)
    except RuntimeError as e:
        check("BF16: safetensors vs GGUF logits", False, str(e))

    # The chat template from the metadata (tokenizer.chat_template), run by the interpreter.
    v2 = open(os.path.join(a.source, "tests", "engine", "fixtures", "chat_templates", "deepseek-ai-DeepSeek-V2.jinja"),
              encoding="utf-8").read()
    pt = os.path.join(files, "tiny-template.gguf")
    gt.write_gguf(gguf, ref, hf, pt, "Q8_0", seed=seed, chat_template=v2)
    p = subprocess.run([a.cli, "render", "--model", pt], input=json.dumps([{"role": "user", "content": "hi"}]).encode(),
                       capture_output=True, timeout=120)
    try:
        text = json.loads(p.stdout)["text"]
    except ValueError:
        text = None
    bos = "<\uff5cbegin\u2581of\u2581sentence\uff5c>"
    check("GGUF tokenizer.chat_template renders the conversation: %r" % text, text == bos + "User: hi\n\nAssistant:",
          p.stderr.decode("utf-8", "replace"))
    rc, out, err = run([a.cli, "info", "--model", pt])
    check("info names the template's source", rc == 0 and json.loads(out).get("chat_template") == "GGUF metadata", out + err)

    # info: the quantization mix.
    rc, out, err = run([a.cli, "info", "--model", os.path.join(files, "tiny-q4_k.gguf")])
    try:
        j = json.loads(out)
        mix = {t["type"]: t["tensors"] for t in j.get("tensor_types", [])}
        check("info reports the quantization mix %s" % mix, rc == 0 and "q4_K" in mix and "f32" in mix, err)
        check("info: parameters and architecture", j.get("architecture") == "deepseek_v3" and j.get("layers") == 2)
    except ValueError:
        check("info prints JSON", False, out + err)

    # Bad files: one line naming the file and what is wrong, exit 1.
    good = open(os.path.join(files, "tiny-q8_0.gguf"), "rb").read()
    bad_dir = os.path.join(a.work, "bad")
    shutil.rmtree(bad_dir, ignore_errors=True)
    os.makedirs(bad_dir)

    def bad(name, data, expect):
        path = os.path.join(bad_dir, name + ".gguf")
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = run([a.cli, "info", "--model", path])
        lines = [l for l in err.splitlines() if l.strip()]
        ok = rc == 1 and len(lines) == 1 and os.path.basename(path) in err and all(e in err for e in expect)
        check("bad file %s: exit 1, one line naming %s" % (name, ", ".join(expect)), ok, "rc %s: %s" % (rc, err.strip()[-400:]))

    bad("truncated-header", good[:20], ["truncated"])
    bad("truncated-data", good[:len(good) - 4096], ["past the end"])
    bad("bad-magic", b"GGUX" + good[4:], ["magic"])
    bad("huge-tensor-count", good[:8] + struct.pack("<Q", 1 << 60) + good[16:], ["tensor count"])
    bad("huge-kv-count", good[:16] + struct.pack("<Q", 1 << 60) + good[24:], ["metadata count"])
    # The first key's length made to lie.
    bad("key-length", good[:24] + struct.pack("<Q", 1 << 40) + good[32:], ["metadata key"])
    # A metadata string that is not UTF-8: general.name's value.
    i = good.find(b"whalesong-test")
    bad("not-utf8", good[:i] + b"\xff\xfe" + good[i + 2:], ["general.name", "UTF-8"])
    # An unknown tensor type: the type field of token_embd.weight's info.
    j = good.find(b"token_embd.weight")
    nd = struct.unpack("<I", good[j + 17:j + 21])[0]
    tpos = j + 21 + 8 * nd
    bad("unknown-type", good[:tpos] + struct.pack("<I", 16) + good[tpos + 4:], ["token_embd.weight", "iq2_xxs"])
    # A missing tensor: output_norm renamed to something unknown of the same length.
    k = good.find(b"output_norm.weight")
    bad("missing-tensor", good[:k] + b"outpux_norm.weight" + good[k + 18:], ["outpux_norm.weight"])
    # A wrong shape: blk.0.attn_norm.weight's length 256 -> 128 (size checks then name it).
    m = good.find(b"blk.0.attn_norm.weight")
    sp = m + len(b"blk.0.attn_norm.weight") + 4
    bad("wrong-shape", good[:sp] + struct.pack("<Q", 128) + good[sp + 8:], ["attn_norm"])
    # Another architecture.
    n = good.find(b"deepseek2")
    bad("other-arch", good[:n] + b"deepseek9" + good[n + 9:], ["deepseek9"])
    return summary()


if __name__ == "__main__":
    sys.exit(main())
