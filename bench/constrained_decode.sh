#!/bin/bash
# Decode speed with and without a JSON Schema, side by side on one model (default: the demo model the tests build),
# same prompt, seed and threads. Prints tokens/s of each (forward pass + mask), the mask's ms per token, and the
# ratio. Usage: bench/constrained_decode.sh [BUILD_DIR] [MODEL_DIR] [THREADS] [TOKENS]
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
/usr/bin/python3 - "$(run)" "$(run --json-schema "$schema")" <<'PY'
import json, sys
free, cold = (json.loads(a) for a in sys.argv[1:3])
def speed(r):  # tokens per second of forward pass + mask
    per = 1.0 / r["decode_tokens_per_s"] + r["constraint_ms_per_token"] / 1e3
    return 1.0 / per
f = speed(free)
for name, r in (("free text", free), ("schema (a new process: cold caches)", cold)):
    s = speed(r)
    print("%-34s %4d tokens  %7.1f tok/s  mask %.3f ms/token  %5.1f%% of free decode  (%s)" % (
        name, r["completion_tokens"], s, r["constraint_ms_per_token"], 100 * s / f, r["finish_reason"]))
print("A server keeps each schema's caches across requests: bench/grammar_bench shows masks once they are warm.")
PY
