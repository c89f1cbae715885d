#!/usr/bin/env bash
# The same GGUF file, side by side: llama.cpp's own llama-bench (built natively here from the llama.cpp source that
# npm's node-llama-cpp bundles) against whalesong-cli bench, same threads, prompt and generation lengths, one run.
# Files (random weights, written by ../shared/anchors' writer, context 20,480 so that 16K-token prompts fit):
#   SHAPE ds2 (default): the ~0.85B-parameter DeepSeek-V3-shaped model in BF16 and Q8_0, and Q4_K_M (or another
#     type) made from the BF16 file by llama.cpp's llama-quantize;
#   SHAPE v2lite: DeepSeek-V2-Lite's shapes (15.7B parameters: hidden 2048, 27 layers, no q compression, 64 experts
#     of width 1408 top-6 with softmax gating, 2 shared, vocab 102,400) in Q8_0, and Q4_K_M requantised from it.
#   bench/compare_llamacpp_gguf.sh [SCRATCH_DIR] [THREADS] [PROMPT] [GEN] [REPS] [TYPES] [SHAPE]
# TYPES: space-separated, default "bf16 q8_0 q4_k_m" (v2lite: "q8_0 q4_k_m"); any other llama-quantize type in lower
# case (q5_k_m, q6_k, …) is made from the BF16 (v2lite: Q8_0) file. Prints a table: tok/s
# of both, our ratio, and decode as a share of the measured read bandwidth (bytes a decode step reads: every weight
# but the embedding table and the unchosen routed experts). Decode runs after a context of PROMPT tokens in both.
set -uo pipefail
cd "$(dirname "$0")/.."
scratch="${1:-/tmp/whalesong-bench}" threads="${2:-2}" prompt="${3:-128}" gen="${4:-64}" reps="${5:-3}"
shape="${7:-ds2}"
if [[ $shape == v2lite ]]; then types="${6:-q8_0 q4_k_m}"; else types="${6:-bf16 q8_0 q4_k_m}"; fi
anchors="$(cd ../shared/anchors && pwd)"
mkdir -p "$scratch"

# llama.cpp: its source from node-llama-cpp's git bundle (the registry is all CI reaches), built natively.
tree="${WS_LLAMACPP_TREE:-$scratch/llama.cpp}"
if [[ ! -f "$tree/CMakeLists.txt" ]]; then
  (mkdir -p "$scratch/nlc" && npm install --prefix "$scratch/nlc" node-llama-cpp@3.22.1 --omit=optional \
      --ignore-scripts --no-audit --no-fund >/dev/null) || exit 1
  git clone -q "$scratch/nlc/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$tree" || exit 1
fi
lb="$scratch/llama-build"
if [[ ! -x "$lb/bin/llama-bench" || ! -x "$lb/bin/llama-quantize" ]]; then
  cmake -S "$tree" -B "$lb" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >/dev/null || exit 1
  ninja -C "$lb" llama-bench llama-quantize >/dev/null || exit 1
fi
if [[ $shape == v2lite ]]; then
  [[ -f "$scratch/v2lite-q8_0.gguf" ]] || /usr/bin/python3 "$anchors/write_gguf_deepseek2.py" \
      --out "$scratch/v2lite-q8_0.gguf" --dtype q8_0 --hidden 2048 --layers 27 --dense-layers 1 --heads 16 --q-lora 0 \
      --kv-lora 512 --qk-nope 128 --qk-rope 64 --v-head 128 --ffn 10944 --moe-ffn 1408 --experts 64 \
      --experts-used 6 --shared 2 --expert-groups 0 --gating softmax --routed-scale 1.0 --weights-norm 0 \
      --vocab 102400 --ctx 20480 >/dev/null || exit 1
  for t in $types; do # the other types requantised from the Q8_0 file by llama-quantize
    [[ $t == q8_0 || -f "$scratch/v2lite-$t.gguf" ]] || "$lb/bin/llama-quantize" --allow-requantize \
        "$scratch/v2lite-q8_0.gguf" "$scratch/v2lite-$t.gguf" "${t^^}" "$threads" >/dev/null 2>&1 || exit 1
  done
else
  for t in bf16 q8_0; do
    [[ -f "$scratch/ds2-$t.gguf" ]] || /usr/bin/python3 "$anchors/write_gguf_deepseek2.py" --out "$scratch/ds2-$t.gguf" \
        --dtype "$t" --expert-groups 8 --groups-used 4 --ctx 20480 >/dev/null || exit 1
  done
  for t in $types; do # the other types (q4_k_m, q5_k_m, …) made from the BF16 file by llama-quantize
    [[ $t == bf16 || $t == q8_0 || -f "$scratch/ds2-$t.gguf" ]] || "$lb/bin/llama-quantize" "$scratch/ds2-bf16.gguf" \
        "$scratch/ds2-$t.gguf" "${t^^}" "$threads" >/dev/null 2>&1 || exit 1
  done
fi

cmake --preset release >/dev/null && cmake --build --preset release --target whalesong-cli >/dev/null || exit 1
cli=build/release/whalesong-cli
[[ -x "$scratch/membw" ]] || cc -O3 -march=native -fopenmp "$anchors/membw.c" -o "$scratch/membw"
# llama.cpp's AMX buffer aborts on this architecture's graph on some Intel hosts: bench/noamx.c refuses the AMX
# permission request, so llama.cpp runs its AVX-512 path there. Harmless elsewhere.
cc -O2 -shared -fPIC bench/noamx.c -o "$scratch/noamx.so" -ldl
# A streaming read with the same threads (membw: the best of its passes over 1 GiB). On a shared VM it drifts from
# minute to minute (16.7-24.3 GB/s on the 2-core Zen 3 VM within an hour), so it is measured again in every round
# and a file's "decode % BW" is against the median of its own rounds.
membw_now() { OMP_NUM_THREADS=$threads "$scratch/membw" 1 "${1:-2}" | grep "threads=$threads " | head -1 | sed -n 's/.*read=\([0-9.]*\) GB\/s.*/\1/p'; }
bw=$(membw_now 5)

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ours_once() { # gguf → "prefill decode" of one run
  local j; j=$("$cli" bench --model "$1" --prompt "$prompt" --gen "$gen" --threads "$threads" --json) || return 1
  echo "$(echo "$j" | sed 's/.*"prefill_tokens_per_s":\([0-9.e+-]*\).*/\1/') $(echo "$j" | sed 's/.*"decode_tokens_per_s":\([0-9.e+-]*\).*/\1/')"
}
# llama-bench's warm-up of a prompt test is the whole prompt again: for long prompts (a 16K one takes ~10 minutes on
# a 2-core VM) it is skipped, as ours has none either; short ones keep it (thread start-up, first touches).
warmup=(); ((prompt >= 2048)) && warmup=(--no-warmup)
llama_once() { # gguf → "prefill decode" of one llama-bench run each (tg after a context of the prompt's length)
  LD_PRELOAD="$scratch/noamx.so" "$lb/bin/llama-bench" -m "$1" -p "$prompt" -n 0 -t "$threads" -r 1 "${warmup[@]}" \
      -o json 2>/dev/null >"$scratch/pp.json" || { echo "failed"; return 0; }
  LD_PRELOAD="$scratch/noamx.so" "$lb/bin/llama-bench" -m "$1" -p 0 -n "$gen" -d "$prompt" -t "$threads" -r 1 \
      -o json 2>/dev/null >"$scratch/tg.json" || { echo "failed"; return 0; }
  /usr/bin/python3 -c "import json; p=json.load(open('$scratch/pp.json')); t=json.load(open('$scratch/tg.json')); print(p[0]['avg_ts'], t[0]['avg_ts'])"
}
bytes_per_token() { # bytes a decode step reads, from the GGUF's tensor table (llama.cpp's gguf-py)
  PYTHONPATH="$tree/gguf-py" /usr/bin/python3 - "$1" <<'EOF'
import sys, gguf
r = gguf.GGUFReader(sys.argv[1])
kv = {f.name: f for f in r.fields.values()}
def u(k): return int(kv[k].parts[kv[k].data[0]][0])
frac = u("deepseek2.expert_used_count") / u("deepseek2.expert_count")
total = 0.0
for t in r.tensors:
    if t.name == "token_embd.weight":
        total += t.n_bytes / t.shape[-1]
    elif "_exps." in t.name:
        total += t.n_bytes * frac
    else:
        total += t.n_bytes
print(int(total))
EOF
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) ($(grep -o -w 'avx512f\|avx512_bf16\|avx512_vnni\|amx_tile' /proc/cpuinfo | sort -u | xargs)),"\
     "threads $threads, prompt $prompt, gen $gen, $reps runs; measured read bandwidth $bw GB/s at the start"
echo "llama.cpp: $(git -C "$tree" log -1 --format=%h 2>/dev/null) built with GGML_NATIVE; decode after a context of $prompt tokens (-d $prompt)"
printf '%-10s %-22s %14s %14s %14s\n' "file" "engine" "prefill tok/s" "decode tok/s" "decode % BW"
for t in $types; do
  f="$scratch/$shape-$t.gguf"
  bytes=$(bytes_per_token "$f")
  # Into the page cache first (two 15B files do not fit together in 24 GB), read afresh: a file the page cache holds
  # from being written (llama-quantize's output) sits there in 4 KB pages, while one read from disk comes in large
  # folios that both engines' mappings then take as 2 MB pages (Linux 6.x, ext4) — V2-Lite Q4_K_M decoded ~1.3x
  # faster that way in both. Dropping the file's clean pages first gives every file the same, read-from-disk state.
  /usr/bin/python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$f"
  cat "$f" >/dev/null
  # Runs alternate — ours, each variant (README "Activation precision": VARIANTS="int8-prompts exact" by default,
  # VARIANTS="" for none), llama.cpp — so that a machine whose speed drifts over minutes (a shared VM) weighs on
  # every engine alike; medians over the $reps rounds.
  variants=(${VARIANTS-int8-prompts exact})
  declare -A pf=() dc=()
  failed="" bws=""
  for ((i = 0; i < reps; i++)); do
    bws+="$(membw_now) "
    read -r a b <<<"$(ours_once "$f")" || exit 1
    pf[w]+="$a "; dc[w]+="$b "
    for v in "${variants[@]}"; do
      read -r a b <<<"$(WS_ACTIVATIONS=$v ours_once "$f")" || exit 1
      pf[$v]+="$a "; dc[$v]+="$b "
    done
    res=$(llama_once "$f")
    if [[ $res == failed* ]]; then failed=1; continue; fi
    read -r a b <<<"$res"
    pf[l]+="$a "; dc[l]+="$b "
  done
  med() { printf '%s\n' $1 | median; }
  bw=$(med "$bws")
  pct() { awk -v d="$1" -v b="$bytes" -v bw="$bw" 'BEGIN {printf "%.0f%%", 100 * d * b / (bw * 1e9)}'; }
  p=$(med "${pf[w]}") d=$(med "${dc[w]}")
  printf '%-10s %-22s %14.1f %14.1f %14s\n' "$t" "whalesong" "$p" "$d" "$(pct "$d")"
  for v in "${variants[@]}"; do
    vp=$(med "${pf[$v]}") vd=$(med "${dc[$v]}")
    printf '%-10s %-22s %14.1f %14.1f %14s\n' "$t" "whalesong $v" "$vp" "$vd" "$(pct "$vd")"
  done
  if [[ -n $failed ]]; then printf '%-10s %-22s %s\n' "$t" "llama.cpp" "failed"; continue; fi
  lp=$(med "${pf[l]}") ld=$(med "${dc[l]}")
  printf '%-10s %-22s %14.1f %14.1f %14s\n' "$t" "llama.cpp" "$lp" "$ld" "$(pct "$ld")"
  awk -v p="$p" -v d="$d" -v lp="$lp" -v ld="$ld" -v t="$t" -v bw="$bw" -v r="$bws" \
      'BEGIN {printf "%-10s %-22s %13.2fx %13.2fx   (read bandwidth %s GB/s: median of %s)\n", t, "ratio", p / lp, d / ld, bw, r}'
  unset pf dc
done
