#!/usr/bin/python3
"""Randomly damaged model folders never crash whalesong-cli: each run exits 0 or 1 (never a signal, an ASan or
UBSan report, or another status), and a failure is one line on stderr.

    /usr/bin/python3 tests/engine/test_fuzz_inputs.py --cli CLI --source ROOT --work SCRATCH [--cases N]

Mutations: byte flips in the safetensors header, truncation at a random length, a random header length, random
data_offsets, random shapes and dtypes, random values for config.json fields. The seed is printed
(WS_TEST_SEED repeats a run).
"""

import json
import os
import random
import shutil
import struct
import subprocess
import sys

from test_bad_inputs import st_read
from testlib import ensure_model, test_args

CONFIG_FIELDS = ["hidden_size", "num_hidden_layers", "num_attention_heads", "kv_lora_rank", "q_lora_rank",
                 "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "n_routed_experts", "num_experts_per_tok",
                 "n_group", "topk_group", "moe_intermediate_size", "intermediate_size", "vocab_size",
                 "first_k_dense_replace", "moe_layer_freq", "max_position_embeddings", "n_shared_experts",
                 "rope_scaling", "quantization_config", "rms_norm_eps", "routed_scaling_factor", "rope_theta"]
VALUES = [0, -1, 1, 2, 3, 7, 2**31 - 1, 2**40, -2**31, 1e308, float("nan"), "8", None, [], {}, True, 0.5]


def write_st(path, header, data, header_bytes=None):
    hb = header_bytes if header_bytes is not None else json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        f.write(data)


def mutate(rng, src, dst):
    shutil.copytree(src, dst)
    st = os.path.join(dst, "model.safetensors")
    header, data = st_read(st)
    names = [k for k in header if k != "__metadata__"]
    kind = rng.randrange(7)
    if kind == 0:  # flip bytes of the header text
        hb = bytearray(json.dumps(header).encode("utf-8"))
        for _ in range(rng.randint(1, 6)):
            hb[rng.randrange(len(hb))] = rng.randrange(256)
        write_st(st, None, data, bytes(hb))
        return "header bytes flipped"
    if kind == 1:  # truncate
        size = os.path.getsize(st)
        with open(st, "r+b") as f:
            f.truncate(rng.randrange(size))
        return "truncated"
    if kind == 2:  # lie about the header length
        with open(st, "r+b") as f:
            f.write(struct.pack("<Q", rng.choice([0, 1, 7, 2**63, rng.randrange(2**20), 2**64 - 1])))
        return "header length"
    if kind == 3:  # random data_offsets
        t = header[rng.choice(names)]
        t["data_offsets"] = [rng.choice([0, 1, 2**62, rng.randrange(len(data) + 10)]) for _ in range(2)]
        write_st(st, header, data)
        return "data_offsets"
    if kind == 4:  # random shape
        t = header[rng.choice(names)]
        t["shape"] = [rng.choice([0, 1, 3, 2**31, 2**40, 2**62]) for _ in range(rng.randint(0, 3))]
        write_st(st, header, data)
        return "shape"
    if kind == 5:  # random dtype
        header[rng.choice(names)]["dtype"] = rng.choice(["F64", "I8", "U8", "BOOL", "F8_E5M2", "", "BF16", "F32"])
        write_st(st, header, data)
        return "dtype"
    cfg_path = os.path.join(dst, "config.json")
    with open(cfg_path, encoding="utf-8") as f:
        cfg = json.load(f)
    field = rng.choice(CONFIG_FIELDS)
    cfg[field] = rng.choice(VALUES)
    with open(cfg_path, "w", encoding="utf-8") as f:
        f.write(json.dumps(cfg))  # NaN is written as NaN: invalid JSON, which must be refused too
    return "config.json %s" % field


def main():
    a = test_args(lambda p: p.add_argument("--cases", type=int, default=60))
    import gen_tiny_model as gen

    seed = int(os.environ.get("WS_TEST_SEED") or random.SystemRandom().randrange(2**31))
    print("test_fuzz_inputs: seed %d (rerun with WS_TEST_SEED=%d to reproduce)" % (seed, seed))
    rng = random.Random(seed)
    model = ensure_model(gen, os.path.join(a.work, "models"), "v3-bf16", 1234)
    cases = os.path.join(a.work, "fuzz")
    shutil.rmtree(cases, ignore_errors=True)
    os.makedirs(cases)
    failed = 0
    for i in range(a.cases):
        d = os.path.join(cases, "%03d" % i)
        what = mutate(rng, model, d)
        p = subprocess.run([a.cli, "logits", "--model", d, "--ids", "0,5,7", "--out", os.path.join(d, "out.bin")],
                           capture_output=True, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        ok = p.returncode == 0 or (p.returncode == 1 and err.count("\n") == 1 and err.endswith("\n"))
        if not ok:
            failed += 1
            print("FAIL case %d (%s): exit %d, stderr: %s" % (i, what, p.returncode, err[-2000:]))
        else:
            shutil.rmtree(d)
    print("%d passed, %d failed" % (a.cases - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
