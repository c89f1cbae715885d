#!/usr/bin/python3
"""Requests/s and tokens/s of the OpenAI-compatible API server under concurrency.

    /usr/bin/python3 bench/api_bench.py [--cli build/release/whalesong-cli] [--model DIR] [--threads 2]
        [--parallel 4] [--max-batch 1,32] [--clients 1,4,16] [--requests 32] [--max-tokens 32] [--prompt-words 40]

For each --max-batch value (1: the running requests' decode steps one at a time; 32: batched, one pass for all)
starts `whalesong-cli serve` on the model (default: the tiny "demo" preset with the real DeepSeek-V3 tokenizer,
generated into /tmp/whalesong-api-bench), then for each client count N runs N threads that send streaming chat
completions back to back until --requests are done. Prints, per N: requests/s, generated tokens/s (the sum of
usage.completion_tokens over the wall time), and the median and 95th-percentile time to first token and to the
end. Every request has its own question (no prefix-cache help beyond the chat template). Standard library only.
"""

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def one_request(port, i, max_tokens, words):
    body = json.dumps({
        "model": MODEL_ID, "stream": True, "stream_options": {"include_usage": True}, "max_tokens": max_tokens,
        "seed": i, "temperature": 1.0,
        "messages": [{"role": "user", "content": "Question %d: " % i + " ".join("whale%d" % ((i * 7 + k) % 97)
                                                                              for k in range(words))}],
    })
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError("HTTP %d: %s" % (resp.status, resp.read()[:200]))
    first = None
    usage = None
    for raw in resp:
        line = raw.decode("utf-8").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"):
            usage = chunk["usage"]
        for c in chunk.get("choices", []):
            if first is None and c["delta"].get("content"):
                first = time.perf_counter()
    conn.close()
    end = time.perf_counter()
    return (first or end) - t0, end - t0, usage["completion_tokens"]


def run_level(port, clients, total, max_tokens, words):
    results, lock, next_i = [], threading.Lock(), [0]

    def worker():
        while True:
            with lock:
                if next_i[0] >= total:
                    return
                i = next_i[0]
                next_i[0] += 1
            r = one_request(port, 1000 * clients + i, max_tokens, words)
            with lock:
                results.append(r)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ttft = sorted(r[0] for r in results)
    lat = sorted(r[1] for r in results)
    tokens = sum(r[2] for r in results)
    p95 = lambda xs: xs[min(len(xs) - 1, int(0.95 * len(xs)))]
    return len(results) / wall, tokens / wall, statistics.median(ttft), p95(ttft), statistics.median(lat), p95(lat)


def main():
    global MODEL_ID
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "whalesong-cli"))
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--max-batch", default="1,32")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--prompt-words", type=int, default=40)
    a = ap.parse_args()
    model = a.model
    if not model:
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        sys.path.insert(0, os.path.join(ROOT, "tests", "engine"))
        import gen_tiny_model as gen
        from testlib import ensure_model
        model = ensure_model(gen, "/tmp/whalesong-api-bench", "demo", 3)
    MODEL_ID = os.path.basename(os.path.normpath(model))
    print("model %s, %d threads, server --parallel %d, %d requests per row, max_tokens %d, ~%d-word questions"
          % (MODEL_ID, a.threads, a.parallel, a.requests, a.max_tokens, a.prompt_words))
    print("%10s %8s %10s %12s %14s %14s %14s %14s" % ("max-batch", "clients", "req/s", "gen tok/s", "TTFT p50 ms",
                                                      "TTFT p95 ms", "total p50 ms", "total p95 ms"))
    for max_batch in [int(x) for x in a.max_batch.split(",")]:
        server = subprocess.Popen([a.cli, "serve", "--model", model, "--port", "0", "--threads", str(a.threads),
                                   "--parallel", str(a.parallel), "--queue", "64", "--max-batch", str(max_batch)],
                                  stderr=subprocess.PIPE, text=True)
        port = None
        for line in server.stderr:
            m = re.search(r"at http://127\.0\.0\.1:(\d+)/v1", line)
            if m:
                port = int(m.group(1))
                break
        if port is None:
            sys.exit("the server did not start")
        threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
        try:
            one_request(port, 0, 4, 4)  # warm-up: pages in the weights
            for n in [int(x) for x in a.clients.split(",")]:
                rps, tps, t50, t95, l50, l95 = run_level(port, n, a.requests, a.max_tokens, a.prompt_words)
                print("%10d %8d %10.2f %12.1f %14.0f %14.0f %14.0f %14.0f" % (max_batch, n, rps, tps, t50 * 1e3,
                                                                           t95 * 1e3, l50 * 1e3, l95 * 1e3))
        finally:
            server.terminate()
            server.wait(timeout=60)

MODEL_ID = ""
if __name__ == "__main__":
    main()
