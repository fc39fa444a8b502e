// Optimized DEPTHWISE_CONV_2D (depth multiplier 1): a direct kernel over blocks of 16 channels whose accumulators
// stay in registers, one output row at a time, then the shared requantization (or, for hybrid ops, the float
// scaling gemm::HybridEpilogue, bit-exact with the reference) of ops/common/gemm.h. The loop is
// written once (depthwise_conv2d_fast_impl.h) and compiled per ISA: portable here, AVX2 + FMA in
// depthwise_conv2d_avx2.cc, NEON in depthwise_conv2d_neon.cc. int8/uint8 results are bit-exact with the reference
// (int32 sums of (input + input_offset) * (filter + filter_offset), wrapping, in any order); float results are
// within gemm::kF32Tolerance (FMA where the ISA has it).
#pragma once

#include <cstdint>
#include <vector>

#include "ops/common/conv_params.h"
#include "ops/common/gemm.h"

namespace liteopt::ops::depthwise {

// What the optimized kernel reads; filled at prepare time.
struct FastParams {
  conv::Geometry2D g;  // output_depth == input_depth
  // Quantized: filter[(fy * filter_width + fx) * channels + c] + filter_offset as int32; bias (0-padded to a
  // multiple of 16, 0 when absent).
  std::vector<int32_t> filter_q;
  // The same values as int16 pairs of consecutive taps for vpmaddwd: [(taps + 1) / 2][channels][2] (tap `taps` is 0),
  // the channels of each whole block of 16 in the order of AVX2's in-lane unpacks (PairSlot).
  std::vector<int16_t> filter_pairs;
  // One pixel of padding: every channel at the input zero point, so (pad + input_offset) = 0 contributes nothing;
  // taps outside the image read it instead of being skipped.
  std::vector<uint8_t> pad_row;
  std::vector<int32_t> bias_q;
  conv::QuantizedParams* quant = nullptr;
  int32_t input_offset = 0;
  // Float: the filter as is; bias 0-padded.
  const float* filter_f = nullptr;
  std::vector<float> bias_f;
  float act_min = 0, act_max = 0;
  // Hybrid (int8 filter, run-time quantized input, float output): filter_q / filter_pairs with offset 0, bias in
  // bias_f; per-channel filter scales (0-padded to a multiple of 16), the float epilogue, one padding row per batch
  // image (filled with that image's zero point at each run), and per thread a row of scaling factors.
  std::vector<float> channel_scale;
  gemm::HybridEpilogue hybrid;
  std::vector<int8_t> hybrid_pad;
  std::vector<float> row_scale;
  const gemm::Kernels* gemm = nullptr;  // requantization and hybrid scaling of the selected ISA
  ThreadPool* pool = nullptr;           // output rows are split over its threads (nullptr: one thread)
  std::vector<int32_t> row_acc;         // per thread: [output_width * channels] accumulators of one output row
  // WidensRows(isa), quantized and hybrid: per thread, the filter_height input rows of one output row widened to
  // int16 with the input offset added, padding columns and rows 0: [filter_height][WidenedWidth(g)][channels].
  std::vector<int16_t> widened;
  // UsesRowPairs3x3(g, isa): the 3x3 filter re-paired for the AVX2 row-pair loop (Rows3x3Q): pair j < 3 holds taps
  // (0, j) and (1, j), pair 3 taps (2, 0) and (2, 1), pair 4 tap (2, 2) and 0; [5][channels][2] in PairSlot order.
  std::vector<int16_t> filter_pairs3x3;
  // Per thread, the row pairs that loop reads: [2][WidenedWidth(g)][channels][2], the first holding widened rows
  // 0 and 1 interleaved channel by channel (pixel x), the second row 2 at pixel x and x + 1 (0 past the row's end).
  std::vector<int16_t> row_pairs;
};

// Whether the kernels of `isa` widen the input rows of quantized and hybrid ops (FastParams::widened needed).
inline bool WidensRows(Isa isa) { return isa == Isa::kAvx2 || isa == Isa::kNeon || isa == Isa::kNeonDot; }

// Whether the quantized and hybrid kernels of `isa` run the row-pair loop for this geometry (AVX2: a 3x3 filter,
// no dilation, at least one whole block of 16 channels).
inline bool UsesRowPairs3x3(const conv::Geometry2D& g, Isa isa) {
  return isa == Isa::kAvx2 && g.filter_height == 3 && g.filter_width == 3 && g.dilation_height == 1 &&
         g.dilation_width == 1 && g.output_depth >= 16;
}

// Columns of a widened input row: every column the output row's windows touch, padding included.
inline int WidenedWidth(const conv::Geometry2D& g) {
  return (g.output_width - 1) * g.stride_width + (g.filter_width - 1) * g.dilation_width + 1;
}

// Where channel c of a tap pair goes in FastParams::filter_pairs (within its pair's [channels][2] row): channels of a
// whole block of 16 in the order in which vpunpcklwd / vpunpckhwd interleave two taps' 16 int16 values (lane by
// lane: low vector 0-3 and 8-11, high vector 4-7 and 12-15); channels after the last whole block in order.
inline size_t PairSlot(int c, int channels) {
  const int c0 = c & ~15;
  if (c0 + 16 > channels) return static_cast<size_t>(c) * 2;
  const int q = c - c0;
  return static_cast<size_t>(c0) * 2 + ((q >> 2) & 1) * 16 + ((q >> 3) & 1) * 8 + (q & 3) * 2;
}

struct Kernels {
  void (*run_s8)(FastParams& p, const int8_t* input, int8_t* output);
  void (*run_u8)(FastParams& p, const uint8_t* input, uint8_t* output);
  void (*run_f32)(FastParams& p, const float* input, float* output);
  // Hybrid: `input` is the quantized input (conv::HybridInput), one zero point and scaling factor per batch image;
  // out = ((float(acc) * scaling_factor[b]) * channel_scale[c] + bias[c]) clamped, as the reference.
  void (*run_hybrid)(FastParams& p, const int8_t* input, const int32_t* zero_points, const float* scaling_factors,
                     float* output);
};

const Kernels& KernelsFor(Isa isa);

}  // namespace liteopt::ops::depthwise
