// AVX2 build of the optimized 8-bit ADD loops (compiled with -mavx2, see CMakeLists.txt); called only after
// IsaAvailable(Isa::kAvx2).
#if defined(__x86_64__)
#include "ops/binary/add_fast_impl.h"

namespace liteopt::ops::add_fast::avx2 {

const Kernels& Get() {
  static const Kernels k = {&RunS8, &RunU8};
  return k;
}

}  // namespace liteopt::ops::add_fast::avx2
#endif
