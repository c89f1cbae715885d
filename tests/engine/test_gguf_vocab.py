#!/usr/bin/python3
"""Tokenizers from GGUF metadata (issue 12): llama.cpp's own vocab files for the DeepSeek-V2 (`deepseek-llm`) and
DeepSeek-Coder (`deepseek-coder`) pre-tokenizers with their .inp/.out cases (made by Hugging Face's tokenizers), and
the real DeepSeek-V3 tokenizer written into GGUF metadata by gguf-py, on the shared public cases: every case exact."""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import check, summary, test_args  # noqa: E402
from llamacpp_tree import ensure_llamacpp_tree  # noqa: E402
import gguf_testlib as gt  # noqa: E402

SEP = "\n__ggml_vocab_test__\n"


def tokenize_all(cli, model, texts):
    """Our ids for every text (one `tokenize --jsonl` run), or an error string."""
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    p = subprocess.run([cli, "tokenize", "--model", model, "--jsonl"], input=inp.encode("utf-8"),
                       capture_output=True, timeout=600)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace").strip()
    rows = [json.loads(l)["ids"] for l in p.stdout.decode("utf-8").splitlines() if l.strip()]
    return rows, ""


def llama_cases(cli, tree, name):
    base = os.path.join(tree, "models", "ggml-vocab-%s.gguf" % name)
    with open(base + ".inp", encoding="utf-8") as f:
        texts = f.read().split(SEP)
    with open(base + ".out", encoding="utf-8") as f:
        outs = f.read().split("\n")
    # The .inp file ends with the separator: its last piece is empty and has no .out line.
    if texts and texts[-1] == "":
        texts = texts[:-1]
    want = [[int(x) for x in line.split()] for line in outs[:len(texts)]]
    got, err = tokenize_all(cli, base, texts)
    if got is None:
        check("%s: tokenize ran" % name, False, err)
        return
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    detail = "" if not bad else "case %d %r: got %s, expected %s" % (bad[0], texts[bad[0]][:60], got[bad[0]][:20], want[bad[0]][:20])
    check("ggml-vocab-%s.gguf: %d/%d cases exact" % (name, len(texts) - len(bad), len(texts)),
          not bad and len(got) == len(texts), detail)


def main():
    a = test_args()
    os.makedirs(a.work, exist_ok=True)
    tree = ensure_llamacpp_tree(os.path.dirname(a.work))
    for name in ("deepseek-llm", "deepseek-coder"):
        llama_cases(a.cli, tree, name)

    # DeepSeek-V3's real tokenizer as GGUF metadata (the way llama.cpp's converter writes it), then the public cases.
    gguf = gt.import_gguf(tree)
    shared = os.environ.get("WS_SHARED_DIR") or os.path.join(a.source, "..", "shared")
    tok_dir = os.path.join(shared, "tokenizers", "deepseek-v3")
    path = os.path.join(a.work, "deepseek-v3-vocab.gguf")
    w = gguf.GGUFWriter(path, "deepseek2")
    gt._tokenizer_metadata(w, tok_dir)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    cases = [json.loads(l) for l in open(os.path.join(tok_dir, "cases_public.jsonl"), encoding="utf-8") if l.strip()]
    got, err = tokenize_all(a.cli, path, [c["text"] for c in cases])
    if got is None:
        check("deepseek-v3 GGUF vocab: tokenize ran", False, err)
    else:
        bad = [c["id"] for c, g in zip(cases, got) if g != c["ids"]]
        check("deepseek-v3 tokenizer from GGUF metadata: %d/%d public cases exact" % (len(cases) - len(bad), len(cases)),
              not bad, "first failing: %s" % bad[:5])
        # And the same ids as the tokenizer.json folder.
        folder, err2 = tokenize_all(a.cli, tok_dir, [c["text"] for c in cases])
        check("deepseek-v3: GGUF metadata and tokenizer.json agree on every case", folder == got, err2)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
