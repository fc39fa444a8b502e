// Which instruction set the optimized kernels use: chosen once from base/cpu.h features (the best one the machine
// runs and the build contains), overridable so tests run every variant the machine supports.
//
// A kernel reads SelectedIsa() in prepare and keeps its choice in its state, so an IsaOverride affects the ops
// prepared while it lives. KernelContext::reference (liteopt run/bench --reference) bypasses all of this.
#pragma once

#include <vector>

namespace liteopt::ops {

enum class Isa {
  kPortable,    // plain C++ (what the compiler makes of it for the baseline target)
  kAvx2,        // AVX2 + FMA
  kAvx512Vnni,  // AVX-512 F/BW/VL + VNNI
  kNeon,        // aarch64 Advanced SIMD (armv8-a baseline)
  kNeonDot,     // kNeon + the armv8.2-a dot product (sdot): int8 CONV_2D / FULLY_CONNECTED (ops/common/gemm_dot.h)
};

const char* IsaName(Isa isa);

// True when the build contains kernels for `isa` and this CPU (and OS) can run them.
bool IsaAvailable(Isa isa);

// Every available ISA, portable first.
std::vector<Isa> AvailableIsas();

// The override if one is active, else the best available ISA.
Isa SelectedIsa();

// Forces SelectedIsa() to `isa` (which must be available) while the object lives. Not thread-safe: for tests and
// tools that prepare models from one thread.
class IsaOverride {
 public:
  explicit IsaOverride(Isa isa);
  ~IsaOverride();
  IsaOverride(const IsaOverride&) = delete;
  IsaOverride& operator=(const IsaOverride&) = delete;

 private:
  bool had_previous_;
  Isa previous_;
};

}  // namespace liteopt::ops
