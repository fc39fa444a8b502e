// Portable hybrid input quantization and the per-ISA table of ops/common/hybrid.h.
#include "ops/common/hybrid.h"

#include <cmath>
#include <cstring>

namespace liteopt::ops::hybrid {

#if defined(__x86_64__)
namespace avx2 {
const Kernels& Get();  // hybrid_avx2.cc
}  // namespace avx2
#endif

namespace {

bool MinMaxPortable(const float* v, int n, float* lo, float* hi) {
  if (n <= 0) return false;
  float a = v[0], b = v[0];
  for (int i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) return false;
    a = v[i] < a ? v[i] : a;
    b = v[i] > b ? v[i] : b;
  }
  *lo = a;
  *hi = b;
  return true;
}

void QuantizePortable(const float* v, int n, float inv, float offset, int32_t qmin, int32_t qmax, int8_t* q) {
  for (int i = 0; i < n; ++i) {
    const auto r = static_cast<int32_t>(std::round(offset + v[i] * inv));
    q[i] = static_cast<int8_t>(r < qmin ? qmin : (r > qmax ? qmax : r));
  }
}

const Kernels kPortable = {&MinMaxPortable, &QuantizePortable};

}  // namespace

const Kernels& KernelsFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return avx2::Get();
#endif
  return kPortable;
}

void QuantizeRows(const Kernels& kernels, const float* input, bool asymmetric, conv::HybridInput* h) {
  for (int r = 0; r < h->rows; ++r) {
    const size_t offset = static_cast<size_t>(r) * h->row_size;
    const float* row = input + offset;
    int8_t* q = h->quantized.data() + offset;
    float lo = 0, hi = 0;
    const bool finite = kernels.min_max(row, h->row_size, &lo, &hi);
    const conv::RowQuantization p =
        asymmetric ? conv::AsymmetricRowQuantization(lo, hi) : conv::SymmetricRowQuantization(lo, hi);
    // Empty rows, NaN or infinite values, or a range so small that 1 / scale overflows: the reference's code.
    if (!finite || !std::isfinite(p.inv)) {
      if (asymmetric) {
        conv::AsymmetricQuantizeFloats(row, h->row_size, q, &h->scaling_factors[r], &h->zero_points[r]);
      } else {
        conv::SymmetricQuantizeFloats(row, h->row_size, q, &h->scaling_factors[r]);
        h->zero_points[r] = 0;
      }
      continue;
    }
    h->scaling_factors[r] = p.scaling_factor;
    h->zero_points[r] = p.zero_point;
    if (p.all_zero) {
      std::memset(q, 0, static_cast<size_t>(h->row_size));
    } else {
      kernels.quantize(row, h->row_size, p.inv, static_cast<float>(p.zero_point), p.qmin, p.qmax, q);
    }
  }
}

}  // namespace liteopt::ops::hybrid
