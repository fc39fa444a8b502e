#!/usr/bin/env bash
# Opt-in extra for the aarch64 cross build (scripts/test-aarch64.sh, `make test-aarch64`): Debian's cross compiler,
# qemu-user to run the aarch64 test executables, and the arm64 builds of the libraries the runtime side links
# (multiarch: they install beside the host's). Not part of scripts/install-deps.sh so the normal set-up stays as it is.
# Keras/HDF5 is left out: Debian 12's libhdf5-dev is not co-installable across architectures (installing the arm64
# one removes the host's), and the cross build configures with LITEOPT_WITH_KERAS=OFF. Idempotent; run as root or
# with sudo.
set -euo pipefail

packages=(
  g++-aarch64-linux-gnu qemu-user
  libc6:arm64 libstdc++6:arm64 libflatbuffers-dev:arm64 libjpeg62-turbo-dev:arm64 libpng-dev:arm64 zlib1g-dev:arm64 libgtest-dev:arm64
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "install-deps-aarch64: adding the arm64 architecture to dpkg" >&2
  $SUDO dpkg --add-architecture arm64
  need_update=1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
  echo "install-deps-aarch64: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq || echo "install-deps-aarch64: apt-get update failed; trying with the current package lists" >&2
  [ ${#missing[@]} -eq 0 ] || $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps-aarch64: cross toolchain and arm64 libraries already installed" >&2
fi
