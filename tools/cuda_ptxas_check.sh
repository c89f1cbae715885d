#!/usr/bin/env bash
# Compiles the CUDA kernels (engine/cuda/kernels/*.cu) with nvcc and ptxas -v, warnings as errors, prints the
# registers / stack / spills of every kernel, and fails when any function spills (stores or loads > 0).
# Usage: tools/cuda_ptxas_check.sh [ARCH ...]     default sm_90a; e.g. sm_80 sm_89 sm_90a sm_120
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc), WS_PTXAS_JOBS (compiles at a time, default nproc).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/engine/cuda/kernels"
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[[ -x "$nvcc" ]] || { echo "cuda_ptxas_check: no nvcc (set NVCC)" >&2; exit 2; }
command -v c++filt >/dev/null || { echo "cuda_ptxas_check: c++filt (binutils) is needed" >&2; exit 2; }
archs=("$@")
[[ ${#archs[@]} -gt 0 ]] || archs=(sm_90a)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One job per (architecture, file), WS_PTXAS_JOBS at a time, the longest file first so the jobs end together.
# -cubin: device code only. The host side of every file is compiled, warnings as errors, by the build itself.
jobs=${WS_PTXAS_JOBS:-$(nproc 2>/dev/null || echo 1)}
mapfile -t files < <(ls -S "$src"/*.cu)
compile() { # arch file: writes $work/arch.name.log and .ok
    local arch=$1 cu=$2 name
    name=$(basename "$cu" .cu)
    if "$nvcc" -std=c++20 -O3 -gencode="arch=compute_${arch#sm_},code=$arch" -Werror all-warnings \
        -Xptxas -v -cubin "$cu" -o "$work/$arch.$name.cubin" >"$work/$arch.$name.log" 2>&1; then
        touch "$work/$arch.$name.ok"
    fi
}
running=0
for arch in "${archs[@]}"; do
    for cu in "${files[@]}"; do
        if ((running >= jobs)); then wait -n || true; running=$((running - 1)); fi
        compile "$arch" "$cu" &
        running=$((running + 1))
    done
done
wait

status=0
for arch in "${archs[@]}"; do
    for cu in "$src"/*.cu; do
        name=$(basename "$cu" .cu)
        log="$work/$arch.$name.log"
        if [[ ! -e "$work/$arch.$name.ok" ]]; then
            cat "$log" >&2
            echo "FAIL $arch $name.cu: compile error" >&2
            status=1
            continue
        fi
        # ptxas prints, per function: "Function properties for F" + "N bytes stack frame, S bytes spill stores,
        # L bytes spill loads"; per kernel: "Compiling entry function 'F'" ... "Used R registers".
        awk -v arch="$arch" -v file="$name.cu" '
            /Function properties for / { fn = $NF; next }
            /bytes stack frame/ && fn != "" { stack[fn] = $1; st[fn] = $5; ld[fn] = $9; seen[fn] = 1; fn = ""; next }
            /Compiling entry function/ { match($0, /'"'"'[^'"'"']*'"'"'/); entry = substr($0, RSTART + 1, RLENGTH - 2); next }
            /Used [0-9]+ registers/ && entry != "" { for (i = 1; i <= NF; ++i) if ($i == "Used") regs[entry] = $(i + 1);
                                                     order[++n] = entry; entry = ""; next }
            END {
                for (i = 1; i <= n; ++i) { f = order[i]; printf "%s\t%s\t%s\t%s\t%s\t%s\n", arch, file, f, regs[f], stack[f] + 0, (st[f] + 0) "/" (ld[f] + 0) }
                for (f in seen) if (!(f in regs)) printf "%s\t%s\t%s\t-\t%s\t%s\n", arch, file, f, stack[f] + 0, (st[f] + 0) "/" (ld[f] + 0)
            }' "$log" >>"$work/table.tsv"
    done
done

[[ -s "$work/table.tsv" ]] || exit "$status"
printf '%-7s %-14s %5s %6s %11s  %s\n' arch file regs stack 'spill st/ld' kernel
while IFS=$'\t' read -r arch file fn regs stack spill; do
    pretty=$(c++filt -p "$fn" | sed -e 's/ws::cuda::(anonymous namespace):://g' -e 's/(ws::cuda::WeightType)0/F32/g' \
        -e 's/(ws::cuda::WeightType)1/F16/g' -e 's/(ws::cuda::WeightType)2/BF16/g' -e 's/(ws::cuda::WeightType)3/FP8/g')
    flag=""
    if [[ "$spill" != "0/0" ]]; then flag="  <-- SPILL"; status=1; fi
    printf '%-7s %-14s %5s %6s %11s  %s%s\n' "$arch" "$file" "$regs" "$stack" "$spill" "$pretty" "$flag"
done <"$work/table.tsv"
if [[ $status -ne 0 ]]; then echo "cuda_ptxas_check: FAILED (compile errors or register spills)" >&2; else echo "cuda_ptxas_check: OK (no spills)"; fi
exit "$status"
