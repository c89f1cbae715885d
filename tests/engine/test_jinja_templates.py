#!/usr/bin/python3
"""whalesong-cli template against an independent Jinja implementation, on real DeepSeek chat templates.

    python3 tests/engine/test_jinja_templates.py --cli PATH/whalesong-cli --source REPO_ROOT --work SCRATCH_DIR

Every template in tests/engine/fixtures/chat_templates/*.jinja is rendered with every conversation in
conversations.json twice: by @huggingface/jinja (pinned, npm-installed into WORK/npm; tests/engine/render_hf_jinja.mjs)
and by `whalesong-cli template --template T --context C`. The outputs must be byte-identical; a pair that
@huggingface/jinja rejects must be rejected by ours too (non-zero exit, one line "error: ..." on stderr).

Where Python's jinja2 is importable, the pair is also rendered the way transformers' apply_chat_template does
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, json.dumps tojson). jinja2 is the
reference our interpreter follows; where @huggingface/jinja disagrees with it, ours must match jinja2 and the
difference is printed as a note. Without jinja2, pairs listed in KNOWN_DIVERGENCES are checked against the
behaviour recorded there.

--renderer PATH (development only) replaces the `CLI template` command by `PATH --template T --context C`.
"""

import glob
import json
import os
import shutil
import subprocess
import sys

from testlib import test_args, check, summary

HF_JINJA = "@huggingface/jinja@0.5.13"

# (template file, conversation name) -> what jinja2 (transformers) does where @huggingface/jinja differs,
# so the test stays exact without jinja2: "error" (jinja2 raises) or the exact text.
KNOWN_DIVERGENCES = {
    # `tools | map(attribute='function') | tojson`: jinja2's map returns a generator, which json.dumps rejects;
    # @huggingface/jinja returns an array and renders it.
    ("llama-cpp-deepseek-r1.jinja", "tools-list"): "error",
    ("llama-cpp-deepseek-r1.jinja", "tools-list-with-call"): "error",
}


def short(x, n=400):
    s = x if isinstance(x, str) else repr(x)
    return s if len(s) <= n else s[:n] + "..."


def install_hf_jinja(work):
    """WORK/npm with @huggingface/jinja at the pinned version (installed once, reused); None on failure."""
    npm, node = shutil.which("npm"), shutil.which("node")
    if not npm or not node:
        check("npm and node are installed", False, "npm %s, node %s" % (npm, node))
        return None
    npm_dir = os.path.join(work, "npm")
    pkg = os.path.join(npm_dir, "node_modules", "@huggingface", "jinja", "package.json")
    want = HF_JINJA.rsplit("@", 1)[1]
    try:
        with open(pkg, encoding="utf-8") as f:
            have = json.load(f).get("version")
    except (OSError, ValueError):
        have = None
    if have != want:
        os.makedirs(npm_dir, exist_ok=True)
        p = subprocess.run([npm, "install", "--prefix", npm_dir, HF_JINJA, "--no-audit", "--no-fund",
                            "--loglevel=error"], capture_output=True, timeout=600)
        if p.returncode != 0:
            check("npm install " + HF_JINJA, False, short((p.stdout + p.stderr).decode("utf-8", "replace"), 1500))
            return None
    return npm_dir


def render_hf(npm_dir, source, jobs):
    """@huggingface/jinja's results for [(template_path, context)], in order."""
    script = os.path.join(npm_dir, "render_hf_jinja.mjs")
    shutil.copyfile(os.path.join(source, "tests", "engine", "render_hf_jinja.mjs"), script)
    jobs_path = os.path.join(npm_dir, "jobs.json")
    with open(jobs_path, "w", encoding="utf-8") as f:
        json.dump([{"template": t, "context": c} for t, c in jobs], f, ensure_ascii=False)
    p = subprocess.run([shutil.which("node"), script, jobs_path], capture_output=True, timeout=300, cwd=npm_dir)
    if p.returncode != 0:
        raise RuntimeError("render_hf_jinja.mjs failed: " + p.stderr.decode("utf-8", "replace"))
    return json.loads(p.stdout.decode("utf-8"))


def jinja2_renderer():
    """A function rendering (source, context) as transformers does, or None without jinja2."""
    try:
        import jinja2  # noqa: F401
        from jinja2.ext import loopcontrols
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:
        return None

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: __import__("datetime").datetime.now().strftime(fmt)

    def render(source, context):
        try:
            return {"ok": True, "text": env.from_string(source).render(**context)}
        except Exception as e:  # noqa: BLE001 (any failure is a rejection)
            return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}

    return render


def render_ours(cmd, template, context_path):
    p = subprocess.run(cmd + ["--template", template, "--context", context_path], capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode == 0:
        return {"ok": True, "text": p.stdout.decode("utf-8", "replace"), "stderr": err}
    return {"ok": False, "error": err, "rc": p.returncode}


def same(a, b):
    return a["ok"] == b["ok"] and (not a["ok"] or a["text"] == b["text"])


def describe(r):
    return ("text %r" % short(r["text"])) if r["ok"] else ("error %r" % short(r["error"].strip()))


def main():
    a = test_args(lambda ap: ap.add_argument("--renderer", help=argparse_hidden()))
    fixtures = os.path.join(a.source, "tests", "engine", "fixtures", "chat_templates")
    templates = sorted(glob.glob(os.path.join(fixtures, "*.jinja")))
    with open(os.path.join(fixtures, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)
    check("fixtures: templates and conversations present", len(templates) >= 5 and len(conversations) >= 10,
          "%d templates, %d conversations" % (len(templates), len(conversations)))
    cmd = [a.renderer, "template"] if a.renderer else [a.cli, "template"]

    os.makedirs(a.work, exist_ok=True)
    npm_dir = install_hf_jinja(a.work)
    if npm_dir is None:
        return summary()
    ctx_dir = os.path.join(a.work, "jinja_contexts")
    os.makedirs(ctx_dir, exist_ok=True)
    context_paths = {}
    for conv in conversations:
        path = os.path.join(ctx_dir, conv["name"] + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(conv["context"], f, ensure_ascii=False)
        context_paths[conv["name"]] = path

    pairs = [(t, c) for t in templates for c in conversations]
    hf = render_hf(npm_dir, a.source, [(t, c["context"]) for t, c in pairs])
    reference = jinja2_renderer()
    print("reference: %s" % ("jinja2 (as transformers) and " + HF_JINJA if reference else HF_JINJA + " only"))
    sources = {}
    for (template, conv), hf_result in zip(pairs, hf):
        name = "%s x %s" % (os.path.basename(template), conv["name"])
        ours = render_ours(cmd, template, context_paths[conv["name"]])
        expected, note = hf_result, ""
        if reference:
            if template not in sources:
                with open(template, encoding="utf-8") as f:
                    sources[template] = f.read()
            ref = reference(sources[template], conv["context"])
            if not same(ref, hf_result):
                expected = ref
                note = " (@huggingface/jinja differs from jinja2: %s; following jinja2: %s)" % (
                    describe(hf_result), describe(ref))
        else:
            known = KNOWN_DIVERGENCES.get((os.path.basename(template), conv["name"]))
            if known is not None:
                expected = {"ok": False, "error": ""} if known == "error" else {"ok": True, "text": known}
                note = " (known @huggingface/jinja divergence; expecting jinja2's behaviour)"
        if expected["ok"]:
            ok = ours["ok"] and ours["text"] == expected["text"] and ours["stderr"] == ""
            detail = "expected %s, got %s" % (describe(expected), describe(ours))
            check(name + ": byte-identical" + note, ok, detail)
        else:
            lines = ours.get("error", "").splitlines()
            ok = not ours["ok"] and ours.get("rc") == 1 and len(lines) == 1 and lines[0].startswith("error: ")
            check(name + ": rejected, as by the reference" + note, ok,
                  "reference: %s; ours: %s" % (describe(expected), describe(ours)))
            if ok:
                print("     ours: " + lines[0])
    return summary()


def argparse_hidden():
    import argparse
    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())
