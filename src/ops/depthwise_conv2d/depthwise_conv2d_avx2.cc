// AVX2 + FMA build of the optimized depthwise loops (compiled with -mavx2 -mfma -ffp-contract=fast, see
// CMakeLists.txt); called only after IsaAvailable(Isa::kAvx2).
#if defined(__x86_64__)
#include "ops/depthwise_conv2d/depthwise_conv2d_fast_impl.h"

namespace liteopt::ops::depthwise::avx2 {

const Kernels& Get() {
  static const Kernels k = {&RunS8, &RunU8, &RunFloat, &RunHybrid};
  return k;
}

}  // namespace liteopt::ops::depthwise::avx2
#endif
