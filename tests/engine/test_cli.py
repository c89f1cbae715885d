#!/usr/bin/python3
"""whalesong-cli's commands and flags, as machine checks use them.

    /usr/bin/python3 tests/engine/test_cli.py --cli PATH/whalesong-cli --source REPO_ROOT --work SCRATCH_DIR

tokenize (--text, --bos, --jsonl) and render on the real DeepSeek-V3 tokenizer of shared/; info, generate and bench
on a tiny generated model; usage errors exit 1 with one line naming the flag or field.
"""

import json
import os
import subprocess
import sys

from testlib import ensure_model, test_args, check, summary




def run(cli, args, stdin=None):
    p = subprocess.run([cli] + args, input=stdin, capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    a = test_args()
    cli = a.cli
    import gen_tiny_model as gen

    shared_tok = os.path.join(a.source, "..", "shared", "tokenizers", "deepseek-v3")
    if os.path.isdir(shared_tok):
        cases = jsonl(os.path.join(shared_tok, "cases_public.jsonl"))
        # --text, one case at a time (a sample: each call loads the 7.8 MB tokenizer)
        for c in cases[::20]:
            rc, out, err = run(cli, ["tokenize", "--model", shared_tok, "--text", c["text"]])
            check("tokenize --text %s" % c["id"], rc == 0 and json.loads(out)["ids"] == c["ids"], err.strip())
        rc, out, _ = run(cli, ["tokenize", "--model", shared_tok, "--text", "Hi", "--bos"])
        check("tokenize --bos puts BOS first", rc == 0 and json.loads(out)["ids"][0] == 0, out.strip())
        # --jsonl: every case, in order
        stdin = "".join(json.dumps({"text": c["text"]}) + "\n" for c in cases).encode("utf-8")
        rc, out, err = run(cli, ["tokenize", "--model", shared_tok, "--jsonl"], stdin)
        got = [json.loads(line)["ids"] for line in out.splitlines()]
        check("tokenize --jsonl reproduces all %d cases in order" % len(cases),
              rc == 0 and got == [c["ids"] for c in cases], err.strip())
        for c in jsonl(os.path.join(shared_tok, "chat_template_public.jsonl")):
            args = ["render", "--model", shared_tok]
            if not c["add_generation_prompt"]:
                args.append("--no-generation-prompt")
            rc, out, err = run(cli, args, json.dumps(c["messages"]).encode("utf-8"))
            ok = rc == 0 and json.loads(out) == {"text": c["rendered"], "ids": c["ids"]}
            check("render %s" % c["id"], ok, err.strip())
        # content as an array of text parts renders like the plain string
        parts = [{"role": "user", "content": [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]}]
        plain = [{"role": "user", "content": "Hello there"}]
        r1 = run(cli, ["render", "--model", shared_tok], json.dumps(parts).encode())
        r2 = run(cli, ["render", "--model", shared_tok], json.dumps(plain).encode())
        check("render: text parts == string content", r1[0] == 0 and r1[1] == r2[1], r1[2].strip())
        rc, out, err = run(cli, ["render", "--model", shared_tok], b'[{"role": "wizard", "content": "x"}]')
        check("render: unknown role names the message", rc == 1 and "0" in err and err.count("\n") == 1, err.strip())
        # The demo model (real tokenizer): a Chinese chat streams valid UTF-8, identical to the --json text.
        demo = ensure_model(gen, os.path.join(a.work, "models"), "demo", 3)
        args = ["generate", "--model", demo, "--chat", "--prompt", "你好，请用一句话介绍鲸歌。", "--max-tokens", "24",
                "--seed", "11", "--temperature", "1.0", "--threads", "2"]
        p = subprocess.run([cli] + args, capture_output=True, timeout=300)
        try:
            streamed = p.stdout.decode("utf-8")
            valid = True
        except UnicodeDecodeError as e:
            streamed, valid = "", False
            print("     invalid UTF-8 in the stream: %s" % e)
        rc, out, err = run(cli, args + ["--json"])
        same = rc == 0 and streamed == json.loads(out)["text"] + "\n"
        check("generate --chat on the demo model streams valid UTF-8 equal to the final text",
              p.returncode == 0 and valid and same, err.strip() or repr(streamed[:80]))
    else:
        print("SKIP tokenizer cases: %s missing" % shared_tok)

    model = ensure_model(gen, os.path.join(a.work, "models"), "v3-bf16", 99)
    with open(os.path.join(model, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)

    rc, out, err = run(cli, ["info", "--model", model, "--context", "100"])
    info = json.loads(out) if rc == 0 else {}
    check("info", rc == 0 and info["layers"] == cfg["num_hidden_layers"]
          and info["experts"] == cfg["n_routed_experts"] and info["weight_dtypes"] == ["BF16"]
          and info["parameters_active"] < info["parameters_total"]
          and info["memory_bytes"] == info["weight_bytes"] + 100 * info["kv_bytes_per_token"]
          and info["kv_bytes_per_token"] == 4 * cfg["num_hidden_layers"] * (cfg["kv_lora_rank"] + cfg["qk_rope_head_dim"]),
          err.strip() or out[:200])

    base = ["generate", "--model", model, "--ids", "0,20,30,40", "--json", "--threads", "2"]
    rc, out, err = run(cli, base + ["--max-tokens", "7", "--temperature", "0"])
    g = json.loads(out) if rc == 0 else {}
    keys = {"output_ids", "text", "finish_reason", "prompt_tokens", "completion_tokens", "prefill_tokens_per_s",
            "decode_tokens_per_s"}
    check("generate --json fields", rc == 0 and keys <= set(g), err.strip())
    if g:
        check("generate: max_tokens ends in length", g["finish_reason"] in ("length", "stop")
              and g["completion_tokens"] == len(g["output_ids"]) <= 7 and g["prompt_tokens"] == 4
              and (g["finish_reason"] == "stop" or len(g["output_ids"]) == 7), out.strip())
    seeded = base + ["--max-tokens", "12", "--temperature", "1.0", "--seed", "5"]
    r1, r2, r3 = run(cli, seeded), run(cli, seeded), run(cli, base + ["--max-tokens", "12", "--seed", "6"])
    o1, o2, o3 = (json.loads(r[1])["output_ids"] if r[0] == 0 else None for r in (r1, r2, r3))
    check("generate: same seed, same output; another seed differs", o1 is not None and o1 == o2 and o1 != o3)
    rc, out, err = run(cli, seeded + ["--runs", "2"])
    runs = [json.loads(l) for l in out.splitlines() if l.strip()] if rc == 0 else []
    r6 = run(cli, base + ["--max-tokens", "12", "--temperature", "1.0", "--seed", "6"])
    check("generate --runs 2: one JSON line per run, seeds 5 and 6, each as a run of its own",
          r6[0] == 0 and len(runs) == 2 and [r["run"] for r in runs] == [1, 2] and [r["seed"] for r in runs] == [5, 6]
          and runs[0]["output_ids"] == o1 and runs[1]["output_ids"] == json.loads(r6[1])["output_ids"],
          err.strip() or out[:300])
    rc, out, err = run(cli, seeded + ["--runs", "0"])
    check("generate --runs 0: refused, naming --runs", rc == 1 and "--runs" in err, err.strip())
    rc, out, err = run(cli, ["generate", "--model", model, "--prompt", "The whale", "--max-tokens", "5",
                             "--temperature", "0"])
    check("generate --prompt streams text", rc == 0 and len(out) > 0, err.strip())
    rc, out, err = run(cli, ["generate", "--model", model, "--prompt", "Hello", "--chat", "--max-tokens", "3", "--json"])
    check("generate --chat", rc == 0 and json.loads(out)["prompt_tokens"] >= 3, err.strip())

    rc, out, err = run(cli, ["bench", "--model", model, "--prompt", "16", "--gen", "8", "--threads", "2", "--json"])
    b = json.loads(out) if rc == 0 else {}
    check("bench --json", rc == 0 and b["prefill_tokens_per_s"] > 0 and b["decode_tokens_per_s"] > 0
          and b["peak_rss_bytes"] > 0, err.strip() or out.strip())

    # Backends: what is built in and visible; cuda refused with the reason where it cannot run; auto says why.
    rc, out, err = run(cli, ["devices"])
    d = json.loads(out) if rc == 0 else {}
    check("devices: JSON with the backends built in and the GPUs",
          rc == 0 and "cpu" in d.get("backends", []) and isinstance(d.get("gpus"), list)
          and all({"index", "name", "compute_capability", "total_bytes", "free_bytes"} <= set(g) for g in d["gpus"])
          and (d["gpus"] or d.get("gpu_problem")), err.strip() or out.strip())
    rc, out, err = run(cli, base + ["--max-tokens", "2", "--backend", "auto"])
    g = json.loads(out) if rc == 0 else {}
    check("--backend auto runs and says which backend and why", rc == 0 and g["backend"].startswith("cpu")
          and g["backend"].endswith(", auto") and g["backend_note"].startswith("the CPU, because"),
          err.strip() or out.strip())
    if not d.get("gpus"):
        rc, out, err = run(cli, base + ["--max-tokens", "2", "--backend", "cuda"])
        check("--backend cuda without a usable GPU: one line naming the backend and why",
              rc == 1 and "backend cuda" in err and err.count("\n") == 1, "rc %d: %s" % (rc, err.strip()))

    # The CUDA backend is a library loaded at run time: the program links no CUDA library, and a missing or broken
    # library is a stated reason (in devices, and for --backend cuda), never a crash.
    ldd = subprocess.run(["ldd", cli], capture_output=True, text=True)
    check("whalesong-cli links no CUDA library (the backend is loaded with dlopen)",
          ldd.returncode == 0 and not any(n in ldd.stdout for n in ("libcudart", "libcublas", "libcuda.")),
          ldd.stdout)
    env = dict(os.environ)
    for lib, says in [(os.path.join(a.work, "no-such-dir", "libwhalesong_cuda.so"), "is not installed"),
                      (os.path.join(a.work, "not-a-library.so"), "cannot be loaded")]:
        if says == "cannot be loaded":
            with open(lib, "w") as f:
                f.write("not an ELF file\n")
        env["WHALESONG_CUDA_LIBRARY"] = lib
        p = subprocess.run([cli, "devices"], capture_output=True, text=True, env=env, timeout=60)
        dd = json.loads(p.stdout) if p.returncode == 0 else {}
        check("devices with a CUDA library that %s: the CPU, and why no GPU" % says,
              p.returncode == 0 and dd.get("backends") == ["cpu"] and dd.get("gpus") == []
              and says in dd.get("gpu_problem", "") and lib in dd.get("gpu_problem", ""), p.stdout + p.stderr)
        p = subprocess.run([cli] + base + ["--max-tokens", "2", "--backend", "cuda"], capture_output=True,
                           text=True, env=env, timeout=60)
        check("--backend cuda with a CUDA library that %s: refused with the reason" % says,
              p.returncode == 1 and "backend cuda" in p.stderr and says in p.stderr, p.stderr.strip())
        p = subprocess.run([cli] + base + ["--max-tokens", "2", "--backend", "auto"], capture_output=True,
                           text=True, env=env, timeout=60)
        g = json.loads(p.stdout) if p.returncode == 0 else {}
        check("--backend auto with a CUDA library that %s: the CPU, saying why" % says,
              p.returncode == 0 and says in g.get("backend_note", ""), p.stdout + p.stderr)

    # The GPU memory plan, made without a GPU for one of a given size.
    rc, out, err = run(cli, ["info", "--model", model, "--backend", "cuda", "--context", "256",
                             "--gpu-memory", str(80 << 30)])
    i = json.loads(out) if rc == 0 else {}
    plan = i.get("gpu_plan", {})
    dev = (plan.get("devices") or [{}])[0]
    check("info --backend cuda --gpu-memory: the plan fits, weights + KV cache + workspace + reserve",
          rc == 0 and plan.get("fits") is True and plan.get("context") == 256 and dev.get("free_bytes") == 80 << 30
          and dev["needed_bytes"] == dev["weight_bytes"] + dev["kv_bytes"] + dev["workspace_bytes"] + dev["reserve_bytes"]
          and dev["kv_bytes"] == 256 * plan["kv_bytes_per_token"] and plan.get("tensors", 0) > 0
          and plan.get("max_context") == i.get("max_context"), err.strip() or out.strip())
    if rc == 0:
        small = dev["needed_bytes"] - 100 * plan["kv_bytes_per_token"]
        rc, out, err = run(cli, ["info", "--model", model, "--backend", "cuda", "--context", "256",
                                 "--gpu-memory", str(small)])
        plan = json.loads(out).get("gpu_plan", {}) if rc == 0 else {}
        check("info --backend cuda on a GPU too small: does not fit, says what would",
              rc == 0 and plan.get("fits") is False and 0 < plan.get("max_context", 0) < 256
              and "a context of %d tokens would fit" % plan["max_context"] in plan.get("problem", ""),
              err.strip() or out.strip())

    for args, culprit in [
        (["frobnicate"], "frobnicate"),
        (["bench", "--model", model, "--backend", "gpu"], "--backend"),
        (["generate", "--model", model, "--ids", "0,1", "--max-tokens", "16385"], "max_tokens"),
        (["generate", "--model", model, "--ids", "0,1", "--temperature", "3"], "temperature"),
        (["generate", "--model", model, "--ids", "0,1", "--top-p", "0"], "top_p"),
        (["generate", "--model", model, "--ids", "0,1", "--presence-penalty", "2.5"], "presence_penalty"),
        (["generate", "--model", model, "--ids", "0,1"] + sum((["--stop", s] for s in "abcde"), []), "stop"),
        (["generate", "--model", model, "--ids", "0,x"], "--ids"),
        (["generate", "--model", model, "--ids", "0,1", "--context", "2"], "context"),
        (["logits", "--model", model, "--ids", "0,1"], "--out"),
        (["info", "--model", model, "--bogus", "1"], "--bogus"),
        (["tokenize", "--model", os.path.join(a.work, "nowhere"), "--text", "x"], "nowhere"),
    ]:
        rc, out, err = run(cli, args)
        check("error: %s" % culprit, rc == 1 and culprit in err and err.count("\n") == 1, "rc %d: %s" % (rc, err.strip()))

    return summary()


if __name__ == "__main__":
    sys.exit(main())
