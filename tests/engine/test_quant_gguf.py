#!/usr/bin/python3
"""ggml block dequantisation against llama.cpp's own NumPy implementation (gguf-py `gguf.quants.dequantize`).

    /usr/bin/python3 tests/engine/test_quant_gguf.py --cli PATH/whalesong-cli --source REPO_ROOT --work SCRATCH_DIR
        [--dequant-tool PATH] [--blocks N] [--seed S]

For every block type (Q4_0 … IQ4_XS) and the plain F32, F16 and BF16: random bytes, the f16 scale fields replaced by
random finite f16 values (the whole finite range, subnormals and zero included), written with gguf-py's GGUFWriter
into one GGUF file. Our side, `whalesong-cli gguf-tensor --model FILE --tensor NAME --out OUT.f32` (little-endian
float32, row-major), must give the very float32 bytes gguf-py computes. With --dequant-tool PATH, PATH is run
instead as `PATH TYPE IN.bin NBLOCKS OUT.f32` on the raw blocks (a driver around dequantizeBlocks). llama.cpp's
tree comes from llamacpp_tree ($WS_LLAMACPP_TREE, or fetched into WORK).
"""

import os
import subprocess
import sys

from llamacpp_tree import TreeError, ensure_llamacpp_tree
from testlib import check, summary, test_args

TYPES = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_XS", "IQ4_NL", "F32", "F16", "BF16"]
# Byte offsets of the f16 fields (d, and m or dmin) in each block (ggml-common.h).
F16_FIELDS = {"Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0], "Q2_K": [80, 82],
              "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208], "IQ4_XS": [0], "IQ4_NL": [0], "F16": [0]}
ROWS = 8


def extra_args(ap):
    ap.add_argument("--dequant-tool", help="run PATH TYPE IN.bin NBLOCKS OUT.f32 instead of whalesong-cli gguf-tensor")
    ap.add_argument("--blocks", type=int, default=256, help="blocks per type (a multiple of %d)" % ROWS)
    ap.add_argument("--seed", type=int, default=12)


def random_f16(np, rng, n):
    """n random finite f16 bit patterns: every exponent but 31 (inf/NaN), so zero and subnormals too."""
    sign = rng.integers(0, 2, n, dtype=np.uint16) << np.uint16(15)
    exp = rng.integers(0, 31, n, dtype=np.uint16) << np.uint16(10)
    return sign | exp | rng.integers(0, 1024, n, dtype=np.uint16)


def random_blocks(np, gguf, name, nblocks, rng):
    """[nblocks, block bytes] uint8: random bytes with finite f16 fields (F32: finite floats; BF16: finite)."""
    qtype = gguf.GGMLQuantizationType[name]
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, (nblocks, type_size), dtype=np.uint8)
    if name == "F32":
        blocks = rng.standard_normal(nblocks).astype("<f4").view(np.uint8).reshape(nblocks, 4).copy()
    elif name == "BF16":
        blocks[:, 1] &= np.uint8(0xBF)  # the exponent's top bit clear: never 0xFF
    for off in F16_FIELDS.get(name, []):
        blocks[:, off:off + 2] = random_f16(np, rng, nblocks).astype("<u2").view(np.uint8).reshape(nblocks, 2)
    return blocks


def ours_via_tool(tool, name, blocks, work):
    src = os.path.join(work, name + ".bin")
    out = os.path.join(work, name + ".tool.f32")
    blocks.tofile(src)
    p = subprocess.run([tool, name, src, str(blocks.shape[0]), out], capture_output=True, timeout=120)
    return p, out


def ours_via_cli(cli, gguf_path, tensor, name, work):
    out = os.path.join(work, name + ".cli.f32")
    p = subprocess.run([cli, "gguf-tensor", "--model", gguf_path, "--tensor", tensor, "--out", out],
                       capture_output=True, timeout=120)
    return p, out


def compare(np, name, got, want):
    """PASS when the float32 bit patterns agree; else the count and the first few mismatches."""
    want = np.ascontiguousarray(want, dtype="<f4").ravel()
    if got.size != want.size:
        check("%s: bit-exact with gguf-py" % name, False, "%d floats, expected %d" % (got.size, want.size))
        return
    bad = np.nonzero(got.view("<u4") != want.view("<u4"))[0]
    first = ", ".join("[%d] %r (0x%08x) vs %r (0x%08x)" % (i, float(got[i]), int(got.view("<u4")[i]),
                                                        float(want[i]), int(want.view("<u4")[i])) for i in bad[:5])
    check("%s: %d floats bit-exact with gguf-py" % (name, want.size), bad.size == 0,
          "%d mismatches: %s" % (bad.size, first))


def main():
    args = test_args(extra_args)
    os.makedirs(args.work, exist_ok=True)
    try:
        tree = ensure_llamacpp_tree(os.path.dirname(args.work), log=lambda s: print(s, flush=True))
    except TreeError as e:
        check("llama.cpp tree (gguf-py)", False, str(e))
        return summary()
    sys.path.insert(0, os.path.join(tree, "gguf-py"))
    import numpy as np
    import gguf

    rng = np.random.default_rng(args.seed)
    nblocks = max(ROWS, args.blocks // ROWS * ROWS)
    cases = []  # (name, tensor name, blocks, expected [ROWS, row elements])
    for name in TYPES:
        qtype = gguf.GGMLQuantizationType[name]
        blocks = random_blocks(np, gguf, name, nblocks, rng)
        rows = blocks.reshape(ROWS, -1)  # [ROWS, row bytes]
        want = gguf.quants.dequantize(rows, qtype)
        cases.append((name, "quant." + name, rows, want))

    gguf_path = os.path.join(args.work, "quant_types.gguf")
    writer = gguf.GGUFWriter(gguf_path, "deepseek2")
    for name, tensor, rows, _ in cases:
        writer.add_tensor(tensor, rows, raw_shape=rows.shape, raw_dtype=gguf.GGMLQuantizationType[name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    # The file as gguf-py reads it back: the shapes and types our reader will see.
    reader = gguf.GGUFReader(gguf_path)
    by_name = {t.name: t for t in reader.tensors}
    for name, tensor, rows, want in cases:
        t = by_name.get(tensor)
        ok = t is not None and t.tensor_type.name == name and list(t.shape) == [want.shape[1], ROWS]
        check("%s: GGUF tensor %s [%d, %d] written" % (name, tensor, ROWS, want.shape[1]), ok,
              "read back as %r" % ((None if t is None else (t.tensor_type.name, list(t.shape))),))

    how = "dequant tool %s" % args.dequant_tool if args.dequant_tool else "whalesong-cli gguf-tensor"
    print("checking %d blocks per type (%d rows) through %s" % (nblocks, ROWS, how), flush=True)
    for name, tensor, rows, want in cases:
        if args.dequant_tool:
            p, out = ours_via_tool(args.dequant_tool, name, rows.reshape(nblocks, -1), args.work)
        else:
            p, out = ours_via_cli(args.cli, gguf_path, tensor, name, args.work)
        if p.returncode != 0 or not os.path.isfile(out):
            msg = (p.stdout + p.stderr).decode("utf-8", "replace").strip()[-1000:]
            check("%s: %s exits 0" % (name, how), False, "exit %d: %s" % (p.returncode, msg))
            continue
        compare(np, name, np.fromfile(out, dtype="<f4"), want)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
