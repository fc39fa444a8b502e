// Optimized loops of QUANTIZE (quantize.cc keeps the reference ones):
// float32 -> int8/uint8 per tensor with XNNPACK's arithmetic (xnn::QuantizeFloat: multiply by 1 / s, clamp, round
// to nearest even, add the zero point), which is what the official runtime's delegate computes.
// Portable loops in quantize_fast.cc, AVX2 ones in quantize_avx2.cc; both are bit-exact with the reference
// (quantize_fast_test.cc sweeps ties, NaN, infinities and out-of-range values).
#pragma once

#include <cstdint>

#include "ops/common/isa.h"

namespace liteopt::ops::quantize_fast {

struct FloatParams {
  float inv_scale = 1.0f;
  int32_t zero_point = 0;
  int32_t qmin = 0, qmax = 0;  // the output type's range
};

struct Kernels {
  void (*f32_to_s8)(const FloatParams& p, const float* x, int8_t* y, int64_t n);
  void (*f32_to_u8)(const FloatParams& p, const float* x, uint8_t* y, int64_t n);
};

const Kernels& KernelsFor(Isa isa);

}  // namespace liteopt::ops::quantize_fast
