#!/usr/bin/python3
"""Randomly damaged GGUF files never crash whalesong-cli (issue 12): each run of `logits` on a mutated copy of a real
deepseek2 GGUF (written by llama.cpp's gguf-py) and of llama.cpp's own vocab file exits 0 or 1 — never a signal, an
ASan or UBSan report or another status — and a failure is one line on stderr.

Mutations: byte flips in the header (metadata and tensor table), a random 64-bit value written over a random
header position (counts, lengths, offsets, dimensions), a random 32-bit value over a tensor's type, truncation at a
random length. The seed is printed (WS_TEST_SEED repeats a run)."""

import os
import random
import shutil
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ensure_model, test_args  # noqa: E402
from llamacpp_tree import ensure_llamacpp_tree  # noqa: E402
import gguf_testlib as gt  # noqa: E402


def header_end(data):
    """Where the tensor data starts (the header's length), found by parsing just enough of the file."""
    pos = 24
    n_tensors, n_kv = struct.unpack_from("<QQ", data, 8)

    def string():
        nonlocal pos
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 8 + n

    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

    def value(t):
        nonlocal pos
        if t == 8:
            string()
        elif t == 9:
            et, n = struct.unpack_from("<IQ", data, pos)
            pos += 12
            for _ in range(n):
                value(et)
        else:
            pos += sizes[t]

    for _ in range(n_kv):
        string()
        (t,) = struct.unpack_from("<I", data, pos)
        pos += 4
        value(t)
    types = []
    for _ in range(n_tensors):
        string()
        (nd,) = struct.unpack_from("<I", data, pos)
        pos += 4 + 8 * nd
        types.append(pos)
        pos += 4 + 8
    return pos, types


def mutate(rng, data):
    end, type_fields = header_end(data)
    kind = rng.choice(["flip", "u64", "type", "truncate"])
    b = bytearray(data)
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(end)
            b[i] ^= 1 << rng.randrange(8)
    elif kind == "u64":
        i = rng.randrange(8, end - 8)
        b[i:i + 8] = struct.pack("<Q", rng.choice([0, 1, 2 ** 31, 2 ** 40, 2 ** 63, 2 ** 64 - 1, rng.randrange(2 ** 64)]))
    elif kind == "type" and type_fields:
        i = rng.choice(type_fields)
        b[i:i + 4] = struct.pack("<I", rng.choice([4, 5, 9, 15, 16, 19, 24, 28, 31, 40, 99, 2 ** 32 - 1]))
    else:
        b = b[:rng.randrange(len(b))]
    return bytes(b), kind


def main():
    a = test_args(lambda p: p.add_argument("--cases", type=int, default=80))
    sys.path.insert(0, os.path.join(a.source, "tools", "ref"))
    import gen_tiny_model as gen
    import reference as ref

    seed = int(os.environ.get("WS_TEST_SEED") or random.SystemRandom().randrange(2 ** 31))
    print("test_fuzz_gguf: seed %d (rerun with WS_TEST_SEED=%d to reproduce)" % (seed, seed))
    rng = random.Random(seed)
    os.makedirs(a.work, exist_ok=True)
    tree = ensure_llamacpp_tree(os.path.dirname(a.work))
    gguf = gt.import_gguf(tree)
    hf = ensure_model(gen, os.path.join(a.work, "models"), "gguf", 1)
    model = os.path.join(a.work, "model-q4_k.gguf")
    gt.write_gguf(gguf, ref, hf, model, "Q4_K", seed=seed)
    sources = [open(model, "rb").read(), open(os.path.join(tree, "models", "ggml-vocab-deepseek-llm.gguf"), "rb").read()]
    cases = os.path.join(a.work, "fuzz")
    shutil.rmtree(cases, ignore_errors=True)
    os.makedirs(cases)
    failed = 0
    for i in range(a.cases):
        src = sources[i % len(sources)]
        data, what = mutate(rng, src)
        path = os.path.join(cases, "%03d.gguf" % i)
        with open(path, "wb") as f:
            f.write(data)
        cmd = [a.cli, "logits", "--model", path, "--ids", "0,5,7", "--out", path + ".out"] if i % 2 == 0 else \
              [a.cli, "tokenize", "--model", path, "--text", "Hello world, 你好 123"]
        p = subprocess.run(cmd, capture_output=True, timeout=120)
        err = p.stderr.decode("utf-8", "replace")
        ok = p.returncode == 0 or (p.returncode == 1 and err.count("\n") == 1 and err.endswith("\n"))
        if not ok:
            failed += 1
            print("FAIL case %d (%s, %s): exit %d, stderr: %s" % (i, what, cmd[1], p.returncode, err[-2000:]))
        else:
            os.remove(path)
    print("%d passed, %d failed" % (a.cases - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
