#!/usr/bin/env bash
# The GPU machine's one run: checks what travelled, then the CUDA kernel and model tests, compute-sanitizer on them,
# the CUDA backend end to end through whalesong-cli against the CPU (with first speed figures), the engine's tests —
# stopping at the first failure, logs and JSON figures in OUT. Prepared here by tools/gpu_prepare.sh; budget: well under 8 minutes on an H200.
#
#   bash tools/gpu_check.sh build/gpu-carry OUT_DIR
set -uo pipefail
CARRY=${1:?usage: gpu_check.sh CARRY_DIR OUT_DIR}
OUT=${2:?usage: gpu_check.sh CARRY_DIR OUT_DIR}
mkdir -p "$OUT"
# The device tool brings back at most 8 files: each step logs into LOGS, and the end joins them into
# OUT/gpu_check.log (beside gpu_check.json, gpu_model.json and gpu.csv).
LOGS=$(mktemp -d)
BIN=$CARRY/bin
export LD_LIBRARY_PATH="$CARRY/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export WHALESONG_CUDA_LIBRARY="$BIN/libwhalesong_cuda.so"
SUMMARY=$OUT/gpu_check.json
start=$(date +%s)
steps=()

finish() { # status, message
  local elapsed=$(( $(date +%s) - start ))
  for f in "$LOGS"/*; do [ -f "$f" ] && { echo "===== $(basename "$f")"; cat "$f"; }; done > "$OUT/gpu_check.log"
  printf '{"status": "%s", "message": "%s", "seconds": %d, "steps": [%s]}\n' "$1" "$2" "$elapsed" \
    "$(IFS=,; echo "${steps[*]:-}")" > "$SUMMARY"
  cat "$SUMMARY"
  [ "$1" = ok ] && exit 0 || exit 1
}
# step NAME LOG COMMAND...: runs it, logs it; stops everything on failure (exit 77 counts as skipped).
step() {
  local name=$1 log=$LOGS/$2; shift 2
  local t0=$(date +%s)
  echo "== $name"
  "$@" > "$log" 2>&1
  local rc=$? secs=$(( $(date +%s) - t0 ))
  tail -n 15 "$log"
  if [ $rc -eq 77 ]; then steps+=("{\"step\": \"$name\", \"result\": \"skipped\", \"seconds\": $secs}"); return 0; fi
  steps+=("{\"step\": \"$name\", \"result\": \"$([ $rc -eq 0 ] && echo passed || echo failed)\", \"seconds\": $secs}")
  [ $rc -eq 0 ] || finish failed "$name failed (exit $rc), see $2"
}

# 1. In the first seconds: everything travelled and loads, and the GPU is there.
for f in whalesong-cli libwhalesong_cuda.so engine_tests cuda_kernels cuda_model; do
  [ -f "$BIN/$f" ] || finish failed "$BIN/$f is missing: run tools/gpu_prepare.sh here and carry $CARRY"
done
if ldd "$BIN"/* | grep -q 'not found'; then
  ldd "$BIN"/* > "$LOGS/ldd.log" 2>&1
  finish failed "a library is missing on this machine, see ldd.log"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv > "$OUT/gpu.csv" 2>&1 || true
cat "$OUT/gpu.csv"
step devices devices.log "$BIN/whalesong-cli" devices
grep -q '"compute_capability"' "$LOGS/devices.log" || finish failed "whalesong-cli devices sees no GPU, see devices.log"

# 2. The kernels against their float64 references, then the whole forward pass against the CPU backend (tiny
#    models: V3 F32 + YaRN, V3 FP8, V2 BF16; prefill, decode, a decode batch), then both under compute-sanitizer's
#    memcheck where this runtime supports it (on gVisor it refuses the device: reported as skipped).
step cuda_kernels cuda_kernels.log "$BIN/cuda_kernels"
step cuda_model cuda_model.log "$BIN/cuda_model"
if command -v compute-sanitizer >/dev/null; then
  for t in "cuda_kernels --quick" "cuda_model"; do
    name=${t%% *}
    if compute-sanitizer --tool memcheck --error-exitcode 1 $BIN/$t > "$LOGS/memcheck_$name.log" 2>&1; then
      steps+=("{\"step\": \"memcheck $name\", \"result\": \"passed\"}")
    elif grep -q -i 'not supported\|error 999' "$LOGS/memcheck_$name.log"; then
      steps+=("{\"step\": \"memcheck $name\", \"result\": \"skipped: compute-sanitizer does not support this device\"}")
    else
      tail -n 30 "$LOGS/memcheck_$name.log"
      finish failed "compute-sanitizer memcheck found errors in $name, see memcheck_$name.log"
    fi
  done
fi

# 3. End to end through whalesong-cli and the library (dlopen, memory plan, upload, forward): every tiny preset's
#    logits, prefill and decode paths, against the CPU backend; greedy tokens; then bench-bf16 / bench-fp8 speed on
#    the CPU (16 threads) and the GPU side by side (figures in gpu_model.json).
step gpu_model gpu_model.log python3 "$(dirname "$0")/gpu_model_check.py" --cli "$BIN/whalesong-cli" \
  --work "${TMPDIR:-/tmp}/ws-gpu-model" --json "$OUT/gpu_model.json"

# 4. The engine's own tests that need nothing from this tree's paths (the others call Python scripts by the path they
#    were built at): config, memory plan, routing, RoPE, sampler, the CPU kernels on this machine's CPU.
step engine_tests engine_tests.log "$BIN/engine_tests" \
  --gtest_filter='Config.*:MemoryPlanTest.*:Routing.*:Yarn.*:Sampler.*:SamplingParams.*:StopMatcher.*:Paths/KernelTest.*:ThreadPool.*'

finish ok "all steps passed"
