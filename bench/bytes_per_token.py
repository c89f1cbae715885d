#!/usr/bin/python3
"""Bytes a batch-1 decode step must read from a model folder: every weight except the embedding table (one row)
and the routed experts (num_experts_per_tok / n_routed_experts of them, on average), from the safetensors headers.

    bench/bytes_per_token.py MODEL_DIR      -> prints the number
"""
import json
import os
import re
import struct
import sys


def headers(d):
    idx = os.path.join(d, "model.safetensors.index.json")
    files = sorted(set(json.load(open(idx))["weight_map"].values())) if os.path.exists(idx) else ["model.safetensors"]
    for f in files:
        with open(os.path.join(d, f), "rb") as fh:
            n = struct.unpack("<Q", fh.read(8))[0]
            yield json.loads(fh.read(n))


def main():
    d = sys.argv[1]
    cfg = json.load(open(os.path.join(d, "config.json")))
    frac = cfg.get("num_experts_per_tok", 0) / max(1, cfg.get("n_routed_experts", 1))
    layers = cfg["num_hidden_layers"]
    total = 0.0
    for h in headers(d):
        for name, t in h.items():
            if name == "__metadata__":
                continue
            size = t["data_offsets"][1] - t["data_offsets"][0]
            m = re.match(r"model\.layers\.(\d+)\.", name)
            if m and int(m.group(1)) >= layers:
                continue  # MTP layer: not run
            if name == "model.embed_tokens.weight":
                size /= t["shape"][0]
            elif ".mlp.experts." in name:
                size *= frac
            total += size
    print(int(total))


if __name__ == "__main__":
    main()
