#!/usr/bin/python3
"""whalesong-cli batch: OpenAI's Batch API file format on the demo model — one result per custom_id, HTTP errors and
bad lines on their own line while the rest go on, the same answers as the server gives one by one, and resuming
after a kill (lines already written are kept as they are, a torn last line is dropped, nothing is run twice).

    /usr/bin/python3 tests/engine/test_batch.py --cli PATH/whalesong-cli --source REPO_ROOT --work SCRATCH_DIR
"""

import json
import os
import signal
import subprocess
import sys
import time

from testlib import ensure_model, test_args, check, summary

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


def request_line(i, **body):
    b = {"messages": [{"role": "user", "content": "Request %d" % i}], "max_tokens": 6, "seed": i}
    b.update(body)
    return {"custom_id": "req-%03d" % i, "method": "POST", "url": "/v1/chat/completions", "body": b}


def read_results(path):
    out = []
    with open(path, "rb") as f:
        for line in f.read().decode("utf-8").split("\n"):
            if line.strip():
                out.append(json.loads(line))
    return out


def run(cli, model, inp, outp, parallel="4", timeout=600):
    return subprocess.run([cli, "batch", "--model", model, "--input", inp, "--output", outp, "--parallel", parallel],
                          capture_output=True, timeout=timeout)


def main():
    a = test_args()
    import gen_tiny_model as gen
    shared_tok = os.path.join(a.source, "..", "shared", "tokenizers", "deepseek-v3")
    if not os.path.isdir(shared_tok):
        print("SKIP the batch test: %s missing (the demo model needs the real tokenizer)" % shared_tok)
        return 0
    os.makedirs(a.work, exist_ok=True)
    model = ensure_model(gen, os.path.join(a.work, "models"), "demo", 3)
    inp = os.path.join(a.work, "requests.jsonl")
    outp = os.path.join(a.work, "results.jsonl")
    lines = [request_line(i) for i in range(12)]
    lines.append(request_line(12, temperature=7))                          # the server answers 400
    lines.append({"custom_id": "req-013", "method": "GET", "url": "/v1/chat/completions", "body": {}})
    lines.append(request_line(14, response_format={"type": "json_object"}, max_tokens=30))
    lines.append({"custom_id": "req-015", "method": "POST", "url": "/v1/completions",
                  "body": {"prompt": "def f(x):", "suffix": "\n    return y", "max_tokens": 4, "seed": 1}})
    with open(inp, "w") as f:
        for l in lines:
            f.write(json.dumps(l) + "\n")
        f.write("{not json\n")
    if os.path.exists(outp):
        os.remove(outp)

    p = run(a.cli, model, inp, outp)
    err = p.stderr.decode("utf-8", "replace")
    check("batch runs: exit 0, progress on stderr", p.returncode == 0 and "done" in err, err[-800:])
    check("batch: no sanitizer reports", not any(m in err for m in SANITIZER_MARKS), err[-1500:])
    res = read_results(outp)
    by_id = {}
    for r in res:
        by_id.setdefault(r["custom_id"], []).append(r)
    check("one result line per input line, each custom_id once", len(res) == len(lines) + 1
          and all(len(v) == 1 for v in by_id.values()), "%d lines for %d inputs" % (len(res), len(lines) + 1))
    ok = all(by_id.get("req-%03d" % i, [{}])[0].get("response", {}) and
             by_id["req-%03d" % i][0]["response"]["status_code"] == 200 and
             by_id["req-%03d" % i][0]["response"]["body"]["object"] == "chat.completion" and
             by_id["req-%03d" % i][0]["error"] is None and by_id["req-%03d" % i][0]["id"].startswith("batch_req_")
             for i in range(12))
    check("the twelve good requests: status 200 with a chat.completion body", ok, json.dumps(res[:2])[:600])
    bad = by_id.get("req-012", [{}])[0]
    check("a request the server refuses: its 400 on its line", (bad.get("response") or {}).get("status_code") == 400
          and bad["response"]["body"]["error"]["param"] == "temperature", json.dumps(bad)[:400])
    get = by_id.get("req-013", [{}])[0]
    check("a line that is not a POST: an error on its line, no response", get.get("response") is None
          and "method" in (get.get("error") or {}).get("message", ""), json.dumps(get)[:400])
    garbled = [r for r in res if r["custom_id"].startswith("line ")]
    check("a line that is not JSON: reported by its line number", len(garbled) == 1
          and "not a JSON object" in garbled[0]["error"]["message"], json.dumps(garbled)[:400])
    js = by_id.get("req-014", [{}])[0]
    content = (((js.get("response") or {}).get("body") or {}).get("choices") or [{}])[0].get("message", {}).get(
        "content", "")
    check("response_format in a batch request is honoured", content.startswith("{"), json.dumps(js)[:400])
    fim = by_id.get("req-015", [{}])[0]
    check("a /v1/completions line", ((fim.get("response") or {}).get("body") or {}).get("object") == "text_completion",
          json.dumps(fim)[:400])
    # the same answers as the server gives one by one: a second run with --parallel 1 into another file
    out1 = os.path.join(a.work, "results-serial.jsonl")
    if os.path.exists(out1):
        os.remove(out1)
    p = run(a.cli, model, inp, out1, parallel="1")
    serial = {r["custom_id"]: r for r in read_results(out1)}
    same = [by_id["req-%03d" % i][0]["response"]["body"]["choices"][0]["message"]["content"] ==
            serial["req-%03d" % i]["response"]["body"]["choices"][0]["message"]["content"] for i in range(12)
            if "req-%03d" % i in serial]
    check("answers with --parallel 4 (batched decode) equal those with --parallel 1", p.returncode == 0
          and len(same) == 12 and all(same), str(same))

    # resume: nothing to do when everything is there
    before = open(outp, "rb").read()
    p = run(a.cli, model, inp, outp)
    check("run again on a finished output: nothing recomputed, the file unchanged", p.returncode == 0
          and open(outp, "rb").read() == before and "0 to run" in p.stderr.decode(), p.stderr.decode()[-400:])
    # resume after a kill: many slow requests, SIGKILL once some are written, plus a torn last line
    many = os.path.join(a.work, "many.jsonl")
    out2 = os.path.join(a.work, "many-results.jsonl")
    with open(many, "w") as f:
        for i in range(16):
            f.write(json.dumps(request_line(i, max_tokens=16)) + "\n")
    if os.path.exists(out2):
        os.remove(out2)
    proc = subprocess.Popen([a.cli, "batch", "--model", model, "--input", many, "--output", out2, "--parallel", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if os.path.exists(out2) and len(read_results(out2)) >= 5:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = read_results(out2)
    with open(out2, "a") as f:
        f.write('{"id": "batch_req_torn", "custom_id": "req-0')  # a write cut by the kill
    p = run(a.cli, model, many, out2, parallel="2")
    err = p.stderr.decode("utf-8", "replace")
    final = read_results(out2)
    ids = [r["custom_id"] for r in final]
    check("killed after %d results, run again: every request exactly once" % len(first),
          p.returncode == 0 and 5 <= len(first) < 16 and sorted(ids) == ["req-%03d" % i for i in range(16)],
          "%d lines, %d unique; %s" % (len(ids), len(set(ids)), err[-400:]))
    check("the lines written before the kill are kept unchanged, the torn one dropped",
          final[:len(first)] == first and "dropped an unfinished last line" in err, err[-400:])
    # a file that is not a batch output is not touched
    notes = os.path.join(a.work, "notes.txt")
    with open(notes, "w") as f:
        f.write("my notes\n")
    p = run(a.cli, model, inp, notes)
    check("an output that is not a batch result file: exit 1 naming it, left alone", p.returncode == 1
          and "notes.txt:1" in p.stderr.decode() and open(notes).read() == "my notes\n", p.stderr.decode()[-300:])
    return summary()


if __name__ == "__main__":
    sys.exit(main())
