#!/usr/bin/env bash
# Prepares, on this machine (CUDA toolkit, no GPU), what tools/gpu_check.sh runs on a GPU machine that has CUDA,
# CMake and Python but none of our Debian libraries: the engine alone (no Qt), Release, CUDA for sm_90a (H100/H200),
# built into build/gpu, with the shared libraries the GPU machine may lack copied into build/gpu/lib.
#
#   bash tools/gpu_prepare.sh            # then, with the device tool: carry ["build/gpu-carry"],
#                                        # command "bash tools/gpu_check.sh build/gpu-carry $OUT"
# Override the architectures with WS_GPU_ARCHS (default 90a-real).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/gpu
ARCHS=${WS_GPU_ARCHS:-90a-real}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWS_BUILD_APP=OFF -DWS_SANITIZE=OFF -DWS_WERROR=ON \
      -DCMAKE_CUDA_ARCHITECTURES="$ARCHS" >/dev/null
targets=(whalesong-cli whalesong_cuda engine_tests cuda_kernels cuda_model)
cmake --build "$B" --target "${targets[@]}"

# What travels (the device tool carries at most 64 MiB): the binaries, and the libraries outside the C/C++
# runtime and CUDA that they load (PCRE2).
C=build/gpu-carry
rm -rf "$C"
mkdir -p "$C/bin" "$C/lib"
cp "$B/whalesong-cli" "$B/libwhalesong_cuda.so" "$B/tests/engine/engine_tests" \
   "$B/tests/engine/cuda_kernels/cuda_kernels" "$B/tests/engine/cuda_model/cuda_model" "$C/bin/"
strip --strip-debug "$C"/bin/*
for bin in "$C"/bin/*; do
  ldd "$bin" | awk '/=> \// {print $3}' | while read -r lib; do
    case "$(basename "$lib")" in
      libc.so*|libm.so*|libstdc++.so*|libgcc_s.so*|ld-linux*|libpthread*|libdl.so*|librt.so*|libcu*|libnv*) ;;
      *) cp -L "$lib" "$C/lib/" ;;
    esac
  done
done
git rev-parse HEAD > "$C/commit" 2>/dev/null || true
echo "prepared $C for architectures $ARCHS ($(du -sh "$C" | cut -f1)): $(ls "$C/bin" "$C/lib" | tr '\n' ' ')"
