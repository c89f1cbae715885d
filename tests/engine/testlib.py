"""Helpers shared by the Python engine tests: cached tiny models and result bookkeeping."""

import argparse
import json
import os
import shutil
import sys

RESULTS = []  # (name, passed) of every check() of this test


def test_args(extra=None):
    """The arguments CMake gives every Python engine test: --cli, --source, --work (made absolute), plus the ones
    `extra(parser)` adds. Puts the repository's tools/ on sys.path (gen_tiny_model)."""
    ap = argparse.ArgumentParser()
    for name in ("cli", "source", "work"):
        ap.add_argument("--" + name, required=True)
    if extra:
        extra(ap)
    a = ap.parse_args()
    a.cli, a.source, a.work = (os.path.abspath(x) for x in (a.cli, a.source, a.work))
    sys.path.insert(0, os.path.join(a.source, "tools"))
    return a


def check(name, ok, detail="", detail_on_pass=False):
    """Records a check and prints PASS/FAIL with its name (and `detail` on failure, or always)."""
    RESULTS.append((name, bool(ok)))
    show = detail and (detail_on_pass or not ok)
    print(("PASS " if ok else "FAIL ") + name + (": " + detail if show else ""), flush=True)


def summary(suffix=""):
    """Prints the counts; the exit status: 1 when a check failed."""
    failed = [n for n, ok in RESULTS if not ok]
    print("%d passed, %d failed%s" % (len(RESULTS) - len(failed), len(failed), suffix))
    return 1 if failed else 0


def ensure_model(gen, models_dir, preset, seed):
    """Generate models_dir/preset unless its stamp (preset, seed, generator hash) is current."""
    d = os.path.join(models_dir, preset)
    stamp_path = d + ".stamp"
    stamp = {"preset": preset, "seed": seed, "generator": gen.generator_hash()}
    try:
        with open(stamp_path, encoding="utf-8") as f:
            if json.load(f) == stamp and os.path.isdir(d):
                return d
    except (OSError, ValueError):
        pass
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    shutil.rmtree(d, ignore_errors=True)
    tmp = d + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    gen.generate(tmp, preset, seed)
    os.rename(tmp, d)
    with open(stamp_path, "w", encoding="utf-8") as f:
        json.dump(stamp, f)
    return d
