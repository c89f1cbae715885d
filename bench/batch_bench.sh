#!/bin/bash
# whalesong-cli batch, the same requests one at a time (--parallel 1) and together (--parallel N), side by side.
# Usage: bench/batch_bench.sh [BUILD_DIR] [MODEL_DIR] [REQUESTS] [TOKENS] [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
model=${2:-$build/tests/engine/test_api_server.work/models/demo}
requests=${3:-32}
tokens=${4:-64}
n=${5:-8}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$requests"); do
  printf '{"custom_id": "r%d", "method": "POST", "url": "/v1/chat/completions", "body": {"messages": [{"role": "user", "content": "Tell me about whales, part %d."}], "max_tokens": %d, "seed": %d}}\n' "$i" "$i" "$tokens" "$i"
done > "$work/in.jsonl"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1); model $model; $requests requests of up to $tokens tokens"
for p in 1 "$n"; do
  rm -f "$work/out.jsonl"
  printf -- "--parallel %-3s " "$p"
  "$build/whalesong-cli" batch --model "$model" --input "$work/in.jsonl" --output "$work/out.jsonl" --parallel "$p" \
    2>&1 >/dev/null | tr '\r' '\n' | grep -a "done" | tail -1
done
