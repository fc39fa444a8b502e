# Cross build for 64-bit ARM Linux (Raspberry Pi 3/4/5 and other armv8-a boards) with Debian's
# g++-aarch64-linux-gnu and the arm64 multiarch -dev packages (scripts/install-deps-aarch64.sh); the test
# executables run under qemu-user. Used by scripts/test-aarch64.sh:
#   cmake -S . -B build-aarch64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# Multiarch: the arm64 libraries and CMake packages are under /usr/lib/aarch64-linux-gnu, beside the host's.
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Build tools (flatc) are the host's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# The executables run with the multiarch arm64 loader and libraries (libc6:arm64, libstdc++6:arm64, libjpeg, ...
# under /lib/aarch64-linux-gnu), i.e. without qemu's -L: `-L /usr/aarch64-linux-gnu` would pair the cross
# toolchain's ld.so with the multiarch libc.so.6 of another Debian revision, and thread creation then hangs.
# -cpu max: every extension qemu emulates (NEON dot product included), so every kernel variant runs.
find_program(LITEOPT_QEMU_AARCH64 qemu-aarch64)
if(LITEOPT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${LITEOPT_QEMU_AARCH64};-cpu;max")
endif()

# Not on the device: the libtorch training plugin (host-only) and Keras .h5 reading (Debian's arm64 libhdf5-dev
# cannot be installed beside the host's).
set(CMAKE_DISABLE_FIND_PACKAGE_Torch ON)
set(LITEOPT_WITH_KERAS OFF CACHE BOOL "Read Keras .h5 models (needs libhdf5)")
