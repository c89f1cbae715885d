#!/usr/bin/env bash
# Side-by-side CPU speed: whalesong-cli bench against llama.cpp (node-llama-cpp, built from source here) on the
# ~0.85B-parameter DeepSeek-V3-shaped model of ../shared/anchors, same threads, prompt and generation lengths:
# BF16 against BF16, FP8 (e4m3, 128×128 scales) against Q8_0 (both one byte per weight).
#   bench/compare_llamacpp.sh [SCRATCH_DIR] [THREADS] [PROMPT] [GEN] [REPS]
set -uo pipefail
cd "$(dirname "$0")/.."
scratch="${1:-/tmp/whalesong-bench}" threads="${2:-2}" prompt="${3:-128}" gen="${4:-64}" reps="${5:-5}"
anchors="$(cd ../shared/anchors && pwd)"
mkdir -p "$scratch"

if [[ ! -d "$scratch/nlc/node_modules/node-llama-cpp" ]]; then
  (mkdir -p "$scratch/nlc" && cd "$scratch/nlc" && npm init -y >/dev/null && npm install node-llama-cpp@3.22.1 >/dev/null)
fi
if [[ ! -d "$scratch/nlc/node_modules/node-llama-cpp/llama/localBuilds" ]]; then
  (cd "$scratch/nlc" && npx --no node-llama-cpp source download --gpu false --nu >/dev/null)
fi
for t in bf16 q8_0; do
  [[ -f "$scratch/ds2-$t.gguf" ]] || /usr/bin/python3 "$anchors/write_gguf_deepseek2.py" --out "$scratch/ds2-$t.gguf" \
      --dtype "$t" --expert-groups 8 --groups-used 4 >/dev/null
done
for t in bf16 fp8; do
  [[ -f "$scratch/ws-$t/model.safetensors" ]] || /usr/bin/python3 tools/gen_tiny_model.py --out "$scratch/ws-$t" \
      --preset "bench-$t" >/dev/null
done
cmake --preset release >/dev/null && cmake --build --preset release --target whalesong-cli >/dev/null || exit 1
cli=build/release/whalesong-cli
[[ -x "$scratch/membw" ]] || cc -O3 -march=native -fopenmp "$anchors/membw.c" -o "$scratch/membw"
# llama.cpp's AMX buffer aborts on this architecture's Q8_0 graph: run it on its AVX-512 path (bench/noamx.c),
# as it runs on CPUs without AMX. Harmless elsewhere: the shim only refuses the AMX permission request.
cc -O2 -shared -fPIC bench/noamx.c -o "$scratch/noamx.so" -ldl
bw=$("$scratch/membw" "$threads" 5 | grep "threads=$threads " | head -1 | sed -n 's/.*read=\([0-9.]*\) GB\/s.*/\1/p')

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ours() { # model → "prefill decode" medians over $reps runs
  local pf=() dc=()
  for ((i = 0; i < reps; i++)); do
    local j; j=$("$cli" bench --model "$1" --prompt "$prompt" --gen "$gen" --threads "$threads" --json) || return 1
    pf+=("$(echo "$j" | sed 's/.*"prefill_tokens_per_s":\([0-9.e+-]*\).*/\1/')")
    dc+=("$(echo "$j" | sed 's/.*"decode_tokens_per_s":\([0-9.e+-]*\).*/\1/')")
  done
  echo "$(printf '%s\n' "${pf[@]}" | median) $(printf '%s\n' "${dc[@]}" | median)"
}
llama() { # gguf → "prefill decode" medians
  local out; out=$(LD_PRELOAD="$scratch/noamx.so" node "$anchors/llamacpp_bench.mjs" --nlc "$scratch/nlc" --model "$1" --prompt "$prompt" \
      --gen "$gen" --threads "$threads" --reps "$reps" --json "$scratch/llama.json" 2>&1) || {
    echo "failed: $(echo "$out" | grep -m1 -E 'GGML_ASSERT|Error' | cut -c1-100)"; return 0; }
  /usr/bin/python3 -c "import json; d=json.load(open('$scratch/llama.json')); print(d['pp_tps_median'], d['tg_tps_median'])"
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), threads $threads, prompt $prompt, gen $gen,"\
     "median of $reps; measured read bandwidth $bw GB/s; $("$cli" info --model "$scratch/ws-bf16" | sed -n 's/.*"backend": "\(.*\)".*/\1/p')"
printf '%-34s %14s %14s %14s\n' "engine / weights" "prefill tok/s" "decode tok/s" "decode % of BW"
for pair in "bf16 bf16" "fp8 q8_0"; do
  set -- $pair
  bytes=$(/usr/bin/python3 bench/bytes_per_token.py "$scratch/ws-$1")
  read -r p d <<<"$(ours "$scratch/ws-$1")"
  pct=$(awk -v d="$d" -v b="$bytes" -v bw="$bw" 'BEGIN {printf "%.0f%%", 100 * d * b / (bw * 1e9)}')
  printf '%-34s %14.1f %14.1f %14s\n' "whalesong $1" "$p" "$d" "$pct"
  res=$(llama "$scratch/ds2-$2.gguf")
  if [[ $res == failed* ]]; then printf '%-34s %s\n' "llama.cpp $2" "$res"; else
    read -r p d <<<"$res"; printf '%-34s %14.1f %14.1f\n' "llama.cpp $2" "$p" "$d"; fi
done
