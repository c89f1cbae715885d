#!/usr/bin/python3
"""whalesong-cli on broken model folders: it must fail cleanly and name the culprit.

    /usr/bin/python3 tests/engine/test_bad_inputs.py --cli PATH/whalesong-cli --source REPO_ROOT --work SCRATCH_DIR

Copies a generated tiny v3-bf16 model (and a 3-shard v3-sharded one), breaks each copy in one way and runs
`whalesong-cli logits --model BROKEN --ids 0,1,2 --out F`. Every case must exit with status 1 (not 0, not a signal)
and write exactly one newline-terminated line to stderr that contains the culprit (file name, tensor name, config
field, ...).
"""

import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

from testlib import ensure_model, test_args

SEED = 1234  # fixed: the broken copies are made from a cached model




# ----------------------------------------------------------------------------------------------------------------
# raw safetensors editing
# ----------------------------------------------------------------------------------------------------------------

def st_read(path):
    """-> (header dict with __metadata__, data bytes)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n).decode("utf-8"))
        data = f.read()
    return header, data


def st_write(path, header, data):
    """Writes header (as given, offsets untouched) + data."""
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        f.write(data)


def st_tensors(path):
    """-> dict name -> (dtype, shape, raw bytes), plus metadata."""
    header, data = st_read(path)
    meta = header.pop("__metadata__", None)
    return {n: (h["dtype"], h["shape"], data[h["data_offsets"][0]:h["data_offsets"][1]])
            for n, h in header.items()}, meta


def by_offset(header):
    return sorted((n for n in header if n != "__metadata__"), key=lambda n: header[n]["data_offsets"][0])


# ----------------------------------------------------------------------------------------------------------------
# the cases: each breaks the folder d and returns the list of requirements on the stderr line; a requirement is a
# string or a tuple of alternatives (any one of them must appear)
# ----------------------------------------------------------------------------------------------------------------

MODEL = "model.safetensors"


def case_missing_file(d, gen):
    os.remove(os.path.join(d, MODEL))
    return [MODEL]


def case_truncated(d, gen):
    p = os.path.join(d, MODEL)
    header, data = st_read(p)
    with open(p, "r+b") as f:
        f.truncate(os.path.getsize(p) - len(data) // 2)
    return [MODEL]


def case_header_len_past_end(d, gen):
    p = os.path.join(d, MODEL)
    with open(p, "r+b") as f:
        f.write(struct.pack("<Q", os.path.getsize(p) * 2))
    return [MODEL]


def case_header_not_json(d, gen):
    p = os.path.join(d, MODEL)
    with open(p, "r+b") as f:
        f.seek(8)
        f.write(b"{\"oops\": [1, 2,")
    return [MODEL]


def case_offsets_past_end(d, gen):
    p = os.path.join(d, MODEL)
    header, data = st_read(p)
    name = "model.layers.1.mlp.experts.3.up_proj.weight"
    b, e = header[name]["data_offsets"]
    nb = e - b
    header[name]["data_offsets"] = [len(data) - nb + 64, len(data) + 64]
    st_write(p, header, data)
    return [MODEL, name]


def case_offsets_wrong_size(d, gen):
    # the last tensor in the data section claims 2 bytes fewer than dtype x shape needs; the file is cut to match
    # so that nothing else is wrong
    p = os.path.join(d, MODEL)
    header, data = st_read(p)
    name = by_offset(header)[-1]
    b, e = header[name]["data_offsets"]
    header[name]["data_offsets"] = [b, e - 2]
    st_write(p, header, data[:-2])
    return [MODEL, name]


def case_offsets_overlap(d, gen):
    p = os.path.join(d, MODEL)
    header, data = st_read(p)
    a = "model.layers.1.mlp.experts.0.gate_proj.weight"
    b_name = "model.layers.1.mlp.experts.0.up_proj.weight"
    b, e = header[a]["data_offsets"]
    nb = e - b
    assert header[b_name]["data_offsets"][1] - header[b_name]["data_offsets"][0] == nb
    header[b_name]["data_offsets"] = [b + nb // 2, b + nb // 2 + nb]
    st_write(p, header, data)
    return [MODEL, (a, b_name)]


def case_wrong_shape(d, gen):
    p = os.path.join(d, MODEL)
    tensors, meta = st_tensors(p)
    name = "model.layers.0.self_attn.kv_b_proj.weight"
    dt, shape, raw = tensors[name]
    new_shape = [shape[0], shape[1] + 8]
    w = np.random.default_rng(0).standard_normal(new_shape).astype(np.float32) * 0.1
    tensors[name] = ("BF16", new_shape, gen.f32_to_bf16_bits(w).astype("<u2").tobytes())
    gen.write_safetensors(p, tensors, meta)
    return [name]


def case_missing_tensor(d, gen):
    p = os.path.join(d, MODEL)
    tensors, meta = st_tensors(p)
    del tensors["model.norm.weight"]
    gen.write_safetensors(p, tensors, meta)
    return ["model.norm.weight"]


def _bad_dtype(d, dtype):
    p = os.path.join(d, MODEL)
    header, data = st_read(p)
    name = "model.layers.0.input_layernorm.weight"
    header[name]["dtype"] = dtype
    st_write(p, header, data)
    return [(name, dtype)]


def case_dtype_f4(d, gen):
    return _bad_dtype(d, "F4")


def case_dtype_q7(d, gen):
    return _bad_dtype(d, "Q7")


def case_config_invalid_json(d, gen):
    p = os.path.join(d, "config.json")
    with open(p, encoding="utf-8") as f:
        text = f.read()
    with open(p, "w", encoding="utf-8") as f:
        f.write(text[:len(text) // 2])
    return ["config.json"]


def case_config_missing_hidden_size(d, gen):
    p = os.path.join(d, "config.json")
    with open(p, encoding="utf-8") as f:
        cfg = json.load(f)
    del cfg["hidden_size"]
    with open(p, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=2)
    return ["hidden_size"]


def case_missing_tokenizer(d, gen):
    os.remove(os.path.join(d, "tokenizer.json"))
    return ["tokenizer.json"]


def case_shard_missing(d, gen):
    fn = "model-00002-of-00003.safetensors"
    os.remove(os.path.join(d, fn))
    return [fn]


def case_shard_index_names_missing_file(d, gen):
    p = os.path.join(d, "model.safetensors.index.json")
    with open(p, encoding="utf-8") as f:
        index = json.load(f)
    fn = "model-00004-of-00003.safetensors"
    index["weight_map"]["model.norm.weight"] = fn
    with open(p, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=2)
    return [fn]


# (name, base preset, function)
CASES = [
    ("missing model.safetensors", "v3-bf16", case_missing_file),
    ("truncated model.safetensors", "v3-bf16", case_truncated),
    ("header length past end of file", "v3-bf16", case_header_len_past_end),
    ("header is not JSON", "v3-bf16", case_header_not_json),
    ("data_offsets past end of data", "v3-bf16", case_offsets_past_end),
    ("data_offsets size != dtype x shape", "v3-bf16", case_offsets_wrong_size),
    ("data_offsets overlap", "v3-bf16", case_offsets_overlap),
    ("tensor with wrong shape", "v3-bf16", case_wrong_shape),
    ("missing tensor", "v3-bf16", case_missing_tensor),
    ("unknown dtype F4", "v3-bf16", case_dtype_f4),
    ("unknown dtype Q7", "v3-bf16", case_dtype_q7),
    ("config.json invalid JSON", "v3-bf16", case_config_invalid_json),
    ("config.json without hidden_size", "v3-bf16", case_config_missing_hidden_size),
    ("missing tokenizer.json", "v3-bf16", case_missing_tokenizer),
    ("missing shard file", "v3-sharded", case_shard_missing),
    ("index names a missing shard", "v3-sharded", case_shard_index_names_missing_file),
]


def run(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    except subprocess.TimeoutExpired:
        return None, "<timed out>"
    return r.returncode, r.stderr.decode("utf-8", "replace")


def judge(rc, err, needs):
    """-> list of problems (empty if the failure was clean and named the culprit)."""
    problems = []
    if rc is None:
        problems.append("timed out")
    elif rc < 0:
        problems.append("killed by signal %d" % -rc)
    elif rc != 1:
        problems.append("exit status %d, expected 1" % rc)
    if not (err.endswith("\n") and err.count("\n") == 1):
        problems.append("stderr is not exactly one newline-terminated line")
    for need in needs:
        alts = need if isinstance(need, tuple) else (need,)
        if not any(x in err for x in alts):
            problems.append("stderr does not name %s" % " or ".join(repr(x) for x in alts))
    return problems


def main():
    a = test_args()
    import gen_tiny_model as gen

    cli = a.cli
    work = a.work
    models_dir = os.path.join(work, "models")
    cases_dir = os.path.join(work, "cases")
    os.makedirs(models_dir, exist_ok=True)
    shutil.rmtree(cases_dir, ignore_errors=True)
    os.makedirs(cases_dir)
    good = {p: ensure_model(gen, models_dir, p, SEED) for p in ("v3-bf16", "v3-sharded")}
    out = os.path.join(work, "logits.f32")

    passed, failed = 0, []

    def report(name, problems, rc, err):
        nonlocal passed
        if problems:
            failed.append(name)
            print("FAIL %s: %s\n     exit %s, stderr: %r" % (name, "; ".join(problems), rc, err[-1000:]), flush=True)
        else:
            passed += 1
            print("PASS %s: %s" % (name, err.strip()), flush=True)

    # control: the unbroken models work
    for p, d in good.items():
        rc, err = run([cli, "logits", "--model", d, "--ids", "0,1,2", "--out", out])
        report("control " + p, [] if rc == 0 else ["exit %s on a good model" % rc], rc, err)

    for i, (name, base, fn) in enumerate(CASES):
        d = os.path.join(cases_dir, "%02d" % i)
        shutil.copytree(good[base], d)
        needs = fn(d, gen)
        rc, err = run([cli, "logits", "--model", d, "--ids", "0,1,2", "--out", out])
        report(name, judge(rc, err, needs), rc, err)

    missing = os.path.join(cases_dir, "no-such-model-dir")
    rc, err = run([cli, "logits", "--model", missing, "--ids", "0,1,2", "--out", out])
    report("model dir does not exist", judge(rc, err, [missing]), rc, err)

    rc, err = run([cli, "logits", "--model", good["v3-bf16"], "--ids", "0,999999", "--out", out])
    report("token id >= vocab_size", judge(rc, err, ["999999"]), rc, err)

    print("%d passed, %d failed%s" % (passed, len(failed), (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
