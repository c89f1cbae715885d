"""Helpers shared by the Python engine tests: cached tiny models and result bookkeeping."""

import json
import os
import shutil


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
