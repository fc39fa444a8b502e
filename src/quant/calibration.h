// Calibration: runs the float model on representative samples with liteopt's interpreter (every intermediate
// preserved) and turns the values each float activation took into a quantization range.
//
// kMinMax: the observed [min, max] (TFLite's default). The histogram methods make a second pass over the
// samples with a 2048-bin histogram per tensor over [min, max] and then choose:
//   kPercentile: the 0.01% and 99.99% quantiles (clipping rare outliers);
//   kMse: the range among 128 candidate clippings of [min, max] with the smallest expected squared error of
//         int8 quantization (clipping error of the bins outside plus scale^2/12 rounding noise inside);
//   kEntropy: TensorRT-style KL divergence on |x|: the threshold T whose 128-level (255 for non-negative
//             tensors) quantized distribution is closest to the observed one; range [max(min, -T), min(max, T)].
//             Its histogram leaves out exact zeros (a ReLU's), which the zero point represents at any T.
// Ranges never exclude 0 (ChooseQuantizationParams widens them anyway).
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"
#include "quant/convert.h"

namespace liteopt::quant {

// One range per tensor of the main subgraph (valid only for non-constant float32 tensors). A sample is the
// float32 bytes of every input at batch 1, concatenated in input order (checked against the sizes). Uses the interpreter's default (optimized) kernels on `threads` threads.
Result<std::vector<TensorRange>> Calibrate(const ir::Graph& float_graph,
                                           const std::vector<std::vector<uint8_t>>& samples, Calibration method,
                                           int threads = 0);

// The range selection from a histogram of `counts` over [lo, hi] (exposed for tests).
TensorRange RangeFromHistogram(const std::vector<double>& counts, float lo, float hi, Calibration method);
// The KL-divergence threshold over a histogram of the nonzero |x| over [0, max_abs] with `levels` quantization
// levels (exact zeros left out: in the first bin they would be smeared over the first level's bins as fake error).
float EntropyThreshold(const std::vector<double>& abs_counts, float max_abs, int levels = 128);

}  // namespace liteopt::quant
