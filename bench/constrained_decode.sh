#!/bin/bash
# Decode speed with and without a JSON Schema, side by side on one model (default: the demo model the tests build),
# same prompt, seeds and threads. Prints tokens/s of each (forward pass + mask), the mask's ms per token, and the
# ratios — for the schema cold (its first run in a process) and warm (the runs after).
# Usage: bench/constrained_decode.sh [BUILD_DIR] [MODEL_DIR] [THREADS] [TOKENS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
model=${2:-$build/tests/engine/test_api_server.work/models/demo}
threads=${3:-2}
tokens=${4:-256}
cli=$build/whalesong-cli
[ -x "$cli" ] || { echo "no $cli: build whalesong-cli first" >&2; exit 1; }
[ -d "$model" ] || { echo "no model at $model (run the test suite once, or pass MODEL_DIR)" >&2; exit 1; }
schema=$(mktemp --suffix=.json)
trap 'rm -f "$schema"' EXIT
cat > "$schema" <<'JSON'
{"type": "object", "properties": {
  "order_id": {"type": "string", "maxLength": 24},
  "customer": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 40},
     "vip": {"type": "boolean"}}, "required": ["name", "vip"], "additionalProperties": false},
  "items": {"type": "array", "maxItems": 8, "items": {"type": "object", "properties": {
     "sku": {"type": "string", "maxLength": 16}, "quantity": {"type": "integer"}, "price": {"type": "number"}},
     "required": ["sku", "quantity", "price"], "additionalProperties": false}},
  "status": {"enum": ["pending", "paid", "shipped", "cancelled"]}},
 "required": ["order_id", "customer", "items", "status"], "additionalProperties": false}
JSON
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $threads threads; model $model; up to $tokens tokens"
run() { "$cli" generate --model "$model" --prompt "An order, as JSON." --chat --seed 7 --temperature 1 \
          --max-tokens "$tokens" --threads "$threads" --json "$@"; }
# Free text and the schema, each 4 times in one process (seeds 7..10): the schema's first run finds its mask caches
# cold (a new schema), the next ones warm (as a server that keeps the compiled schema finds them).
/usr/bin/python3 - "$(run --runs 4)" "$(run --runs 4 --json-schema "$schema")" <<'PY'
import json, sys
free, schema = ([json.loads(l) for l in a.splitlines() if l.strip()] for a in sys.argv[1:3])
def speed(r):  # tokens per second of forward pass + mask
    per = 1.0 / r["decode_tokens_per_s"] + r["constraint_ms_per_token"] / 1e3
    return 1.0 / per
def mean_speed(rs):  # over all their tokens
    tokens = sum(r["completion_tokens"] for r in rs)
    return tokens / sum(r["completion_tokens"] / speed(r) for r in rs), tokens, \
        sum(r["constraint_ms_per_token"] * r["completion_tokens"] for r in rs) / max(tokens, 1)
f, ft, _ = mean_speed(free)
print("%-44s %4d tokens  %7.1f tok/s" % ("free text (4 runs)", ft, f))
# Two ratios: against the free-text runs (other texts, other lengths: a shorter answer decodes at shorter contexts,
# which flatters the schema), and against the schema runs' own forward passes (the same positions: what the mask
# costs, nothing else).
for name, rs in (("schema, run 1 (a new schema: cold caches)", schema[:1]),
                 ("schema, runs 2-4 (warm caches)", schema[1:])):
    s, t, mask = mean_speed(rs)
    fwd = t / sum(r["completion_tokens"] / r["decode_tokens_per_s"] for r in rs)
    print("%-44s %4d tokens  %7.1f tok/s  mask %.3f ms/token  %5.1f%% of free text, %5.1f%% of its own forward "
          "passes  (%s)" % (name, t, s, mask, 100 * s / f, 100 * s / fwd, ", ".join(r["finish_reason"] for r in rs)))
PY
