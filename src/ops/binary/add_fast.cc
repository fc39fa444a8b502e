// Portable build of the optimized 8-bit ADD loops, and the per-ISA table.
#include "ops/binary/add_fast_impl.h"

namespace liteopt::ops::add_fast {

#if defined(__x86_64__)
namespace avx2 {
const Kernels& Get();  // add_avx2.cc
}  // namespace avx2
#endif

const Kernels& KernelsFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return avx2::Get();
#endif
  static const Kernels portable = {&RunS8, &RunU8};
  return portable;
}

}  // namespace liteopt::ops::add_fast
