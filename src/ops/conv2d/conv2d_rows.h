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

// The int8 counterpart, over the widened (int16, input offset added) zero-bordered input and int8-stored weights
// (a gemm::PackedQ::data8 block): 4 pixels x 16 channels, each pixel's runs seg_pairs int16 pairs long (the caller
// makes filter_width * input_depth even by giving the filter a zero column), then requantization by
// kern.requant. rows has gemm::kMrQ entries (repeat a valid row for tails). Bit-exact with the reference: the int32
// sums wrap as its accumulator, in any order.
using SegmentedGemmQ = void (*)(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* rows,
                                const int8_t* b, int nrows, int cols, const int32_t* bias, int c0,
                                const gemm::QuantEpilogue& e, const gemm::Kernels& kern, uint8_t* out,
                                int out_stride);
SegmentedGemmQ SegmentedGemmQFor(Isa isa);

}  // namespace liteopt::ops::conv_rows
