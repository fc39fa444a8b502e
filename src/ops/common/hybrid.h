// The optimized hybrid (dynamic-range) kernels' run-time input quantization: float rows to int8, bit-identical with
// conv::SymmetricQuantizeFloats / AsymmetricQuantizeFloats (the reference, TFLite's tensor_utils), per ISA.
// The int8 x int8 products then run on the quantized GEMM of ops/common/gemm.h (RunHybrid) or the optimized
// depthwise loops, whose int32 sums equal the reference's, and the float scaling (gemm::HybridEpilogue) repeats
// the reference's IEEE operations in its order; so the optimized hybrid kernels are bit-exact with the reference.
#pragma once

#include <cstdint>

#include "ops/common/conv_params.h"
#include "ops/common/isa.h"

namespace liteopt::ops::hybrid {

struct Kernels {
  // The lowest and highest of v[0..n). Returns false when n == 0 or any value is NaN or infinite (the caller then
  // runs the reference code on that row).
  bool (*min_max)(const float* v, int n, float* lo, float* hi);
  // q[i] = clamp(round_half_away_from_zero(offset + v[i] * inv), qmin, qmax), the product and the sum each rounded
  // to float (no fused multiply-add), for finite v.
  void (*quantize)(const float* v, int n, float inv, float offset, int32_t qmin, int32_t qmax, int8_t* q);
};

// The kernels of `isa` (which must be available).
const Kernels& KernelsFor(Isa isa);

// conv::HybridInput::Quantize with `kernels`: the same quantized rows, scaling factors and zero points.
void QuantizeRows(const Kernels& kernels, const float* input, bool asymmetric, conv::HybridInput* h);

}  // namespace liteopt::ops::hybrid
