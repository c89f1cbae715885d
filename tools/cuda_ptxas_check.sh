#!/usr/bin/env bash
# Compiles the CUDA kernels (engine/cuda/kernels/*.cu) with nvcc and ptxas -v, warnings as errors, prints the
# registers / stack / spills of every kernel, and fails when any function spills (stores or loads > 0).
# Usage: tools/cuda_ptxas_check.sh [ARCH ...]     default sm_90a; e.g. sm_80 sm_89 sm_90a sm_120
# Environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc), WS_PTXAS_JOBS (parallel files, 1).
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

status=0
for arch in "${archs[@]}"; do
    num=${arch#sm_}
    for cu in "$src"/*.cu; do
        name=$(basename "$cu" .cu)
        log="$work/$arch.$name.log"
        if ! "$nvcc" -std=c++20 -O3 -gencode="arch=compute_$num,code=$arch" -Werror all-warnings \
            -Xcompiler=-Wall,-Wextra,-Werror,-Wno-restrict -Xptxas -v -c "$cu" -o "$work/$arch.$name.o" >"$log" 2>&1; then
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
