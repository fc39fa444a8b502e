// Portable build of QUANTIZE's optimized loops, and the per-ISA table.
#include "ops/quantize/quantize_fast.h"

#include "ops/common/xnnpack_compat.h"

namespace liteopt::ops::quantize_fast {

#if defined(__x86_64__)
namespace avx2 {
const Kernels& Get();  // quantize_avx2.cc
}  // namespace avx2
#endif

namespace {

// The parameters live in locals: the 8-bit stores may alias anything, so reading them through `p` inside the loop
// would reload them on every element.
template <typename Out>
void FloatTo8(const FloatParams& p, const float* x, Out* y, int64_t n) {
  const float inv_scale = p.inv_scale;
  const int32_t zp = p.zero_point, qmin = p.qmin, qmax = p.qmax;
  for (int64_t i = 0; i < n; ++i) y[i] = static_cast<Out>(xnn::QuantizeFloat(x[i], inv_scale, zp, qmin, qmax));
}

}  // namespace

const Kernels& KernelsFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return avx2::Get();
#endif
  static const Kernels portable = {&FloatTo8<int8_t>, &FloatTo8<uint8_t>};
  return portable;
}

}  // namespace liteopt::ops::quantize_fast
