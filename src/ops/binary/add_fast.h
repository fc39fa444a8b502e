// Optimized 8-bit ADD and SUB for operands of one shape (no broadcasting) with XNNPACK's arithmetic
// (xnn::Add in ops/common/xnnpack_compat.h), which is what the official runtime runs when its delegate takes the
// op. The loop is written once (add_fast_impl.h) and compiled per ISA: portable in add_fast.cc, AVX2 in
// add_avx2.cc. Results are bit-exact with xnn::Add element by element: the same int32 products, wrapping, the same
// arithmetic shift, and the clamp done after saturating narrowing (which cannot change a clamped value).
#pragma once

#include <cstdint>

#include "ops/common/isa.h"
#include "ops/common/xnnpack_compat.h"

namespace liteopt::ops::add_fast {

struct Params {
  xnn::AddParams add;
  int32_t output_zero_point = 0;
  int32_t out_min = 0, out_max = 0;
};

struct Kernels {
  void (*s8)(const Params& p, const int8_t* a, const int8_t* b, int8_t* out, int64_t n);
  void (*u8)(const Params& p, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n);
};

const Kernels& KernelsFor(Isa isa);

}  // namespace liteopt::ops::add_fast
