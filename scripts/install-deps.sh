#!/usr/bin/env bash
# Installs everything liteopt's build, demo and tests need on Debian 12. Idempotent; run as root
# (or with sudo available). Debian packages via apt-get, the official-TFLite oracle via npm.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake ninja-build ccache pkg-config
  flatbuffers-compiler libflatbuffers-dev
  libjpeg62-turbo-dev libpng-dev zlib1g-dev
  nlohmann-json3-dev libcli11-dev
  # Keras .h5 models (src/io/keras): the HDF5 C library.
  libhdf5-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
  # Training (src/train, the libtorch plugin): Debian's libtorch; OpenBLAS replaces the slow reference libblas
  # libtorch would otherwise use. python3-torch runs the PyTorch peer of the benchmarks only (bench/), never
  # the product.
  libtorch-dev libopenblas0-pthread python3-torch
  # Peer benchmarks (bench/peers_*.sh, bench/xnnpack_ops.cc, bench/onednn_ops.cc): ONNX export and .tflite
  # reading in Python, XNNPACK's operators (headers and link libraries; no CMake config) and oneDNN's.
  python3-onnx python3-flatbuffers libxnnpack-dev libpthreadpool-dev libcpuinfo-dev libdnnl-dev
)
# Node.js >= 20 runs the oracle. Machines of this project's kind carry nodesource's nodejs (npm bundled);
# only install Debian's when no node is present at all.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || echo "install-deps: apt-get update failed; trying with the current package lists" >&2
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: Debian packages already installed" >&2
fi

# The official TensorFlow Lite runtime (WASM builds from npm) used as the conformance oracle.
# Reinstalls only when package-lock.json changed; uses the npm cache first.
oracle="$here/tests/conformance/oracle"
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "install-deps: the TFLite oracle needs Node.js >= 20 (found $(node --version))" >&2
  exit 1
fi
stamp="$oracle/node_modules/.liteopt-lock.sha256"
want="$(sha256sum "$oracle/package-lock.json" | cut -d' ' -f1)"
if [ "$want" = "$(cat "$stamp" 2>/dev/null || true)" ]; then
  echo "install-deps: TFLite oracle npm packages up to date" >&2
else
  echo "install-deps: installing the TFLite oracle's npm packages" >&2
  (cd "$oracle" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
  echo "$want" > "$stamp"
fi
