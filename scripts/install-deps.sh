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
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
  nodejs npm
)

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
oracle="$here/tests/conformance/oracle"
if [ -f "$oracle/package-lock.json" ]; then
  if [ ! -d "$oracle/node_modules" ] || [ "$oracle/package-lock.json" -nt "$oracle/node_modules/.package-lock.json" ]; then
    echo "install-deps: installing the TFLite oracle's npm packages" >&2
    (cd "$oracle" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "install-deps: npm packages already installed" >&2
  fi
fi
