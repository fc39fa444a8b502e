#!/usr/bin/env bash
# The aarch64 (Raspberry Pi class) check: cross-compiles the runtime side of liteopt (base, ir, ops, io/tflite,
# runtime, quant, data, eval, cli; no libtorch plugin, no Keras .h5 reading) with Debian's g++-aarch64-linux-gnu
# and runs its unit, kernel, e2e and conformance tests under qemu-user (ctest runs each test executable through
# CMAKE_CROSSCOMPILING_EMULATOR, `qemu-aarch64 -cpu max`, so the NEON variants are swept against the reference).
# The official-runtime oracle (Node.js) runs natively on the host: the tests start it through /bin/sh.
#   scripts/test-aarch64.sh [extra ctest arguments]     (or `make test-aarch64`)
# Environment: BUILD_AARCH64 (build directory, default build-aarch64), JOBS (default: the core count).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_AARCH64:-$here/build-aarch64}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

"$here/scripts/install-deps-aarch64.sh"

start=$(date +%s)
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$here/cmake/aarch64-linux-gnu.cmake" >/dev/null
cmake --build "$build" -j "$jobs"
built=$(date +%s)
echo "test-aarch64: cross build took $((built - start)) s" >&2

# The fuzz label is the sanitizer job's (make test-asan); everything else runs.
(cd "$build" && ctest --output-on-failure -j "$jobs" --label-exclude fuzz "$@")
echo "test-aarch64: tests under qemu took $(($(date +%s) - built)) s" >&2
