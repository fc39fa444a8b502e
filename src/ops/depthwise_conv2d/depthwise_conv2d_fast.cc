// Portable build of the optimized depthwise loops, and the per-ISA table.
#include "ops/depthwise_conv2d/depthwise_conv2d_fast_impl.h"

namespace liteopt::ops::depthwise {

#if defined(__x86_64__)
namespace avx2 {
const Kernels& Get();  // depthwise_conv2d_avx2.cc
}  // namespace avx2
#endif
#if defined(__aarch64__)
namespace neon {
const Kernels& Get();  // depthwise_conv2d_neon.cc
}  // namespace neon
#endif

const Kernels& KernelsFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return avx2::Get();
#endif
#if defined(__aarch64__)
  if (isa == Isa::kNeon || isa == Isa::kNeonDot) return neon::Get();  // no dot-product code in depthwise
#endif
  static const Kernels portable = {&RunS8, &RunU8, &RunFloat, &RunHybrid};
  return portable;
}

}  // namespace liteopt::ops::depthwise
