// The float tile of a KxK convolution with few input channels (a first layer on an RGB or grey image), read in
// place from a zero-bordered copy of the input instead of an im2col panel.
//
// Output pixel r's K = filter_height * filter_width * input_depth values are `segments` runs (one per filter row)
// of seg_len = filter_width * input_depth contiguous floats, run s at rows[r] + s * seg_stride. With a zero border
// every run is whole, so the kernel walks the runs directly: the im2col gather (per-tap pointers, bounds checks and
// short copies) cost twice the multiplies on MobileNetV2's 224x224x3 first layer.
#pragma once

#include <cstddef>

#include "ops/common/gemm.h"
#include "ops/common/isa.h"

namespace liteopt::ops::conv_rows {

// out[r * out_stride + c] = clamp(bias[c] + sum over k of a_r[k] * b[k][c], lo, hi) for r < nrows, c < cols, with
// b a gemm::PackedF block ([K][kNr]) and a_r the runs above; rows has gemm::kMrF entries (repeat a valid row for
// tails). Summation order and tolerance as gemm::Kernels::gemm_f.
using SegmentedGemmF = void (*)(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* rows,
                                const float* b, const float* bias, float lo, float hi, int nrows, int cols,
                                float* out, int out_stride);

// The kernel of `isa` (portable loops where there is no specialized one).
SegmentedGemmF SegmentedGemmFor(Isa isa);

}  // namespace liteopt::ops::conv_rows
