// Packing and kernel lookup of the dot-product int8 GEMM (ops/common/gemm_dot.h); the kernel is in
// gemm_dotprod.cc (aarch64 only, built with +dotprod).
#include "ops/common/gemm_dot.h"

namespace liteopt::ops::gemm::dot {

#if defined(__aarch64__)
GemmRequantFn DotprodKernel();  // gemm_dotprod.cc
GemmRequantFn DotKernel() { return DotprodKernel(); }
#else
GemmRequantFn DotKernel() { return nullptr; }
#endif

bool Prepare(Isa isa, const int8_t* filter, int n, int k, int32_t filter_offset, int32_t input_offset,
             const int32_t* bias, int threads, PackedS8* out) {
  if (isa != Isa::kNeonDot || filter_offset != 0 || DotKernel() == nullptr) return false;
  out->n = n;
  out->k = k;
  out->k_quads = (k + 3) / 4;
  out->blocks = (n + kNr - 1) / kNr;
  out->pad_value = static_cast<int8_t>(-input_offset);
  out->data.assign(static_cast<size_t>(out->blocks) * out->k_quads * kNr * 4, 0);
  out->bias.assign(static_cast<size_t>(out->blocks) * kNr, 0);
  for (int c = 0; c < n; ++c) {
    const int b = c / kNr, cc = c % kNr;
    uint32_t sum = 0;  // wrapping, as the reference's accumulator
    for (int kk = 0; kk < k; ++kk) {
      const int8_t v = filter[static_cast<size_t>(c) * k + kk];
      out->data[((static_cast<size_t>(b) * out->k_quads + kk / 4) * kNr + cc) * 4 + kk % 4] = v;
      sum += static_cast<uint32_t>(static_cast<int32_t>(v));
    }
    const uint32_t b0 = bias != nullptr ? static_cast<uint32_t>(bias[c]) : 0u;
    out->bias[c] = static_cast<int32_t>(b0 + static_cast<uint32_t>(input_offset) * sum);
  }
  out->scratch.assign(ScratchPerThread(*out) * static_cast<size_t>(threads < 1 ? 1 : threads), 0);
  return true;
}

}  // namespace liteopt::ops::gemm::dot
