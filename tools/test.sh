#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds with ASan + UBSan (warnings are errors), runs CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan "$@"
