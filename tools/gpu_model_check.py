#!/usr/bin/python3
"""The CUDA backend end to end on a GPU machine, through whalesong-cli and libwhalesong_cuda.so (dlopen, memory
plan, upload, forward pass): tiny random models of every preset against the CPU backend, then the bench preset's
speed. Run by tools/gpu_check.sh; needs Python 3 with NumPy (tools/gen_tiny_model.py).

    gpu_model_check.py --cli PATH/whalesong-cli --work DIR [--json OUT.json] [--gpu-backend cuda]

Per preset: `logits` of a 40-token prompt at every position (the prefill path) and `logits --incremental` (one token
at a time: the decode path), each row within 1e-3 of the CPU backend's logits norm (max |Δ| / ‖cpu‖); a row may
miss only where MoE routing flips on a near tie (then its error is far larger than the rest): at most one row in
eight, all printed. Then greedy `generate` tokens (reported) and `bench` on bench-bf16 / bench-fp8 (reported).
--gpu-backend cpu runs the whole script on the CPU (a dry run of the script itself, on any machine).
"""

import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_tiny_model as gen  # noqa: E402

PRESETS = ["v3-f32", "v3-bf16", "v3-fp8", "v3-yarn", "v3-nolora", "v3-sharded", "v2-f16", "v2-greedy", "v2-group"]
TOLERANCE = 1e-3


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("%s\nexit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p.stdout


def logits(cli, model, ids, backend, incremental, out):
    cmd = [cli, "logits", "--model", model, "--ids", ",".join(map(str, ids)), "--out", out, "--backend", backend]
    if incremental:
        cmd.append("--incremental")
    run(cmd)
    v = np.fromfile(out, dtype="<f4")
    return v.reshape(len(ids), -1)


def compare(got, ref):
    """Per row max|Δ| / ‖ref‖."""
    return np.abs(got.astype(np.float64) - ref).max(axis=1) / np.maximum(np.linalg.norm(ref.astype(np.float64), axis=1), 1e-30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--json")
    ap.add_argument("--gpu-backend", default="cuda")
    ap.add_argument("--presets", default=",".join(PRESETS))
    ap.add_argument("--no-bench", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    seed = int(os.environ.get("WS_TEST_SEED", random.randrange(1 << 30)))
    print("seed %d (WS_TEST_SEED repeats it)" % seed, flush=True)
    rng = random.Random(seed)
    results, failures = {"seed": seed, "presets": {}, "bench": {}}, 0
    for preset in a.presets.split(","):
        model = os.path.join(a.work, preset)
        cfg = gen.generate(model, preset, seed=seed)
        ids = [rng.randrange(2, min(cfg["vocab_size"], 258)) for _ in range(40)]
        r = {}
        for mode, incremental in (("prefill", False), ("decode", True)):
            ref = logits(a.cli, model, ids, "cpu", incremental, os.path.join(a.work, preset + ".cpu.bin"))
            got = logits(a.cli, model, ids, a.gpu_backend, incremental, os.path.join(a.work, preset + ".gpu.bin"))
            d = compare(got, ref)
            bad = [int(i) for i in np.nonzero(d > TOLERANCE)[0]]
            ok = len(bad) <= len(ids) // 8 and float(np.median(d)) <= TOLERANCE / 4
            failures += not ok
            r[mode] = {"max": float(d.max()), "median": float(np.median(d)), "rows_over": bad}
            print("%s %s %s: max|Δ|/‖cpu‖ %.2e, median %.2e, rows over %.0e: %s" % (
                "PASS" if ok else "FAIL", preset, mode, d.max(), np.median(d), TOLERANCE, bad or "none"), flush=True)
        out_cpu = json.loads(run([a.cli, "generate", "--model", model, "--ids", ",".join(map(str, ids[:8])),
                                  "--max-tokens", "16", "--temperature", "0", "--json", "--backend", "cpu"]))
        out_gpu = json.loads(run([a.cli, "generate", "--model", model, "--ids", ",".join(map(str, ids[:8])),
                                  "--max-tokens", "16", "--temperature", "0", "--json", "--backend", a.gpu_backend]))
        same = out_cpu.get("output_ids") == out_gpu.get("output_ids")
        r["greedy_equal"] = same
        r["backend"] = out_gpu.get("backend")
        print("     greedy 16 tokens %s (%s)" % ("equal" if same else "differ", out_gpu.get("backend")), flush=True)
        results["presets"][preset] = r
    if not a.no_bench:
        for preset in ("bench-bf16", "bench-fp8"):
            model = os.path.join(a.work, preset)
            gen.generate(model, preset, seed=1)
            for backend in ("cpu", a.gpu_backend) if a.gpu_backend != "cpu" else ("cpu",):
                b = json.loads(run([a.cli, "bench", "--model", model, "--prompt", "128", "--gen", "64", "--json",
                                    "--backend", backend]))
                results["bench"]["%s %s" % (preset, backend)] = b
                print("bench %s %s: prefill %.1f tok/s, decode %.1f tok/s (%s)" % (
                    preset, backend, b["prefill_tokens_per_s"], b["decode_tokens_per_s"], b.get("backend")), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)
    print("%s: %d failure(s)" % ("ok" if failures == 0 else "FAILED", failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
