// CONV_2D reference kernels, numerically following TFLite's built-in conv kernel (tensorflow/lite/kernels/conv.cc):
//  - float32: reference_ops::Conv (sum over the window in filter_y, filter_x, in_channel order, then + bias, clamp).
//  - int8 (per-channel or per-tensor symmetric int8 weights, int32 bias): reference_integer_ops::ConvPerChannel
//    with per-channel multipliers from PopulateConvolutionQuantizationParams and double-rounding requantization.
//  - uint8 (per-tensor asymmetric uint8 weights, int32 bias): reference_ops::Conv for uint8 with the legacy
//    multiplier (scale product taken in float) and filter_offset = -filter_zero_point.
//  - int16x8 (int16 activations, per-channel symmetric int8 weights, int64 bias): the int16 overload of
//    reference_integer_ops::ConvPerChannel, 64-bit accumulator (ops/common/conv_params.h, Int16x8Arithmetic).
//  - hybrid (float32 input, int8 weights, float bias, float32 output):
//      * all filter scales equal (or one scale): EvalHybrid. Each batch image is quantized symmetrically as a whole
//        (SymmetricQuantizeFloats over H*W*C), scaling_factor[b] *= filter_scale, out = float(acc) * sf[b] + bias.
//      * filter scales that differ per channel: EvalHybridPerChannel. Each batch image is quantized asymmetrically
//        (AsymmetricQuantizeFloats, zero point zp[b]); acc = sum w * (q - zp[b]) over in-image taps;
//        out = float(acc) * (filter_scale[c] * sf[b]) + bias (the product order of TFLite's optimized path, which
//        is the one the runtime uses by default; the reference path computes (acc * filter_scale[c]) * sf[b]).
//    Padding taps are skipped, i.e. they contribute real 0 in every path.
// Grouped convolution (input channels = k * filter input channels, k > 1) is rejected.
// int8/uint8 requantization follows ctx.numerics at prepare time: TFLite's built-in fixed-point
// formula (default) or XNNPACK's float formula (see ops/common/conv_params.h).
//
// Optimized path (not ctx.reference; float, int8, uint8 or hybrid with a constant filter of at most
// gemm::kMaxSegments taps): an im2col GEMM over ops/common/gemm.h with the filter packed at prepare time for the
// ISA selected then (1x1 filters read the input rows in place; KxK filters over few input channels read a
// zero-bordered copy of the input, int8/uint8 widened to int16, in place where the ISA has segmented kernels).
// int8/uint8 results are bit-exact with the reference; float results are within gemm::kF32Tolerance. Hybrid: the
// input is quantized by ops/common/hybrid.h, the int8 GEMM sums equal the reference's and gemm::HybridEpilogue
// scales them in the reference's order, so the results are bit-exact with the reference too.
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "base/quant_math.h"
#include "ops/common/conv_params.h"
#include "ops/common/gemm.h"
#include "ops/common/gemm_dot.h"
#include "ops/common/hybrid.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct Conv2DState : conv::KernelState, conv::Geometry2D {
  // Hybrid path.
  bool hybrid_per_channel = false;
  float filter_scale = 0;                // per-tensor hybrid
  std::vector<float> per_channel_scale;  // per-channel hybrid
  conv::HybridInput hybrid;              // one row per batch image
  // Optimized path; fast == nullptr runs the reference loops.
  const gemm::Kernels* fast = nullptr;
  const hybrid::Kernels* hybrid_fast = nullptr;  // hybrid input quantization
  gemm::HybridWeights hybrid_gemm;
  gemm::PackedQ packed_q;
  gemm::PackedF packed_f;
  gemm::dot::PackedS8 packed_dot;  // int8 on Isa::kNeonDot (ops/common/gemm_dot.h); empty otherwise
  std::vector<int16_t> scratch_q;  // per thread: a chunk of panels of int16 im2col rows (gemm::ChunkPanels)
  std::vector<float> scratch_f;    // per thread: a chunk of panels of float im2col rows (KxK filters)
  // int8/uint8 KxK filters over few input channels (e.g. a first layer on a grey image): the input is widened
  // once per run into this zero-bordered int16 image ([batches][padded_h][padded_w][input_depth], offset added),
  // so an im2col row is filter_height runs of filter_width * input_depth values with no per-tap bounds checks and
  // no per-tap conversion. Empty when the op does not qualify (see UsesPaddedInput).
  std::vector<int16_t> padded;
  int padded_h = 0, padded_w = 0;
  // The same for float filters: the input copied into a zero-bordered image, read in place by the ISA's
  // gemm::Kernels::gemm_f_seg (segmented == true). Empty when the op does not qualify.
  std::vector<float> padded_f;
  bool segmented = false;
  // int8 filters on the padded path with int8-stored weights: read in place too (gemm_q8_seg_requant,
  // segmented_q == true), the filter given a zero column when filter_width * input_depth is odd (padded_fw: the
  // filter width packed and laid out in s.padded), so that a run of int16 pairs never straddles two filter rows.
  bool segmented_q = false;
  int padded_fw = 0;
};

// The padded-input path: several taps, contiguous filter rows (no width dilation) that are short (the
// per-tap cost of the generic im2col dominates below 16 values), and a padded image of reasonable size.
bool UsesPaddedInput(const Conv2DState& s) {
  if (s.filter_height * s.filter_width == 1 || s.dilation_width != 1) return false;
  if (s.filter_width * s.input_depth >= 16 || s.pad_height < 0 || s.pad_width < 0) return false;
  const int64_t h = int64_t{s.output_height - 1} * s.stride_height + int64_t{s.filter_height - 1} * s.dilation_height + 1;
  const int64_t w = int64_t{s.output_width - 1} * s.stride_width + s.filter_width;
  return int64_t{s.batches} * h * w * s.input_depth <= (int64_t{1} << 22);
}

void PreparePaddedInput(Conv2DState* s) {
  if (!UsesPaddedInput(*s)) return;
  s->padded_h = (s->output_height - 1) * s->stride_height + (s->filter_height - 1) * s->dilation_height + 1;
  if (s->padded_fw == 0) s->padded_fw = s->filter_width;
  s->padded_w = (s->output_width - 1) * s->stride_width + s->padded_fw;
  const size_t elems = static_cast<size_t>(s->batches) * s->padded_h * s->padded_w * s->input_depth;
  if (s->kind == conv::Kind::kFloat) {
    if (s->fast->gemm_f_seg == nullptr) return;  // the im2col path
    s->padded_f.assign(elems, 0.0f);
    s->segmented = true;
  } else {
    s->padded.assign(elems, 0);
  }
}

// One output pixel (a classifier on a 1x1 map, batch 1): the GEMM is a matrix-vector product (gemm::PackedQ).
bool OneRow(const Conv2DState& s) { return int64_t{s.batches} * s.output_height * s.output_width == 1; }

// The hybrid GEMM's packed weights, channel scales, bias and epilogue.
void PrepareFastHybrid(const TensorRef& filter, const TensorRef* bias, Conv2DState* s) {
  const int k = s->filter_height * s->filter_width * s->input_depth;
  gemm::PrepareHybridWeights(filter.as<int8_t>(), s->output_depth, k, s->per_channel_scale,
                             bias != nullptr ? bias->as<float>() : nullptr, s->float_activation_min,
                             s->float_activation_max, &s->packed_q, &s->hybrid_gemm,
                             gemm::Int8Storage(gemm::KernelsFor(SelectedIsa()), OneRow(*s)));
  s->hybrid_fast = &hybrid::KernelsFor(SelectedIsa());
}

// The int8 padded path read in place: the filter with a zero column when its rows' runs would be odd, packed as int8
// (see Conv2DState::segmented_q).
void PrepareSegmentedQ(const TensorRef& filter, const TensorRef* bias, Conv2DState* s) {
  const int fh = s->filter_height, fw = s->filter_width, c = s->input_depth, n = s->output_depth;
  s->padded_fw = fw + ((fw * c) & 1);
  std::vector<int8_t> wide(static_cast<size_t>(n) * fh * s->padded_fw * c, 0);
  const int8_t* f = filter.as<int8_t>();
  for (int o = 0; o < n; ++o)
    for (int fy = 0; fy < fh; ++fy)
      std::memcpy(wide.data() + ((static_cast<size_t>(o) * fh + fy) * s->padded_fw) * c,
                  f + ((static_cast<size_t>(o) * fh + fy) * fw) * c, static_cast<size_t>(fw) * c);
  gemm::PackQuantizedWeights(wide.data(), n, fh * s->padded_fw * c, 0, bias ? bias->as<int32_t>() : nullptr,
                             &s->packed_q, /*int8_storage=*/true);
  s->segmented_q = true;
  PreparePaddedInput(s);
}

// Packs the constant filter for the GEMM path when the op qualifies (see the file comment).
void PrepareFast(const KernelContext& ctx, const TensorRef& filter, const TensorRef* bias, Conv2DState* s) {
  const int taps = s->filter_height * s->filter_width;
  if (ctx.reference || !conv::HasFastPath(s->kind) || !filter.is_const || filter.data == nullptr ||
      taps > gemm::kMaxSegments)
    return;
  if (bias != nullptr && (!bias->is_const || bias->data == nullptr)) return;
  const int n = s->output_depth, k = taps * s->input_depth;
  const size_t threads = ctx.pool != nullptr ? static_cast<size_t>(ctx.pool->size()) : 1;
  s->fast = &gemm::KernelsFor(SelectedIsa());
  switch (s->kind) {
    case conv::Kind::kInt8:
      if (gemm::dot::Prepare(SelectedIsa(), filter.as<int8_t>(), n, k, s->quant.filter_offset, s->quant.input_offset,
                             bias ? bias->as<int32_t>() : nullptr, static_cast<int>(threads), &s->packed_dot))
        break;
      if (UsesPaddedInput(*s) && s->quant.filter_offset == 0 && s->fast->gemm_q8_seg_requant != nullptr &&
          gemm::Int8Storage(*s->fast, /*one_row=*/false)) {
        PrepareSegmentedQ(filter, bias, s);
        break;
      }
      gemm::PackQuantizedWeights(filter.as<int8_t>(), n, k, s->quant.filter_offset,
                                 bias ? bias->as<int32_t>() : nullptr, &s->packed_q,
                                 gemm::Int8Storage(*s->fast, OneRow(*s)));
      s->scratch_q.assign(gemm::QuantizedScratchPerThread(s->packed_q) * threads, 0);
      PreparePaddedInput(s);
      break;
    case conv::Kind::kUInt8:
      gemm::PackQuantizedWeights(filter.as<uint8_t>(), n, k, s->quant.filter_offset,
                                 bias ? bias->as<int32_t>() : nullptr, &s->packed_q);
      s->scratch_q.assign(gemm::QuantizedScratchPerThread(s->packed_q) * threads, 0);
      PreparePaddedInput(s);
      break;
    case conv::Kind::kFloat:
      gemm::PackFloatWeights(filter.as<float>(), n, k, bias ? bias->as<float>() : nullptr, &s->packed_f);
      s->scratch_f.assign(gemm::FloatScratchPerThread(s->packed_f, taps == 1) * threads, 0.0f);
      PreparePaddedInput(s);
      break;
    case conv::Kind::kHybrid:
      PrepareFastHybrid(filter, bias, s);
      s->scratch_q.assign(gemm::QuantizedScratchPerThread(s->packed_q) * threads, 0);
      break;
    case conv::Kind::kInt16:  // no fast path (HasFastPath)
      break;
  }
}

Status Prepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 3));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& filter = *ctx.input(1);
  const TensorRef* bias = ctx.input(2);
  TensorRef& output = *ctx.output(0);
  const ir::OpOptions& o = ctx.options();
  LITEOPT_RETURN_IF_ERROR(conv::CheckFusedActivation(ctx));

  if (input.rank() != 4)
    return ctx.Error("input " + TensorLabel(input) + " must be 4-D NHWC, found shape " + ShapeString(input.shape));
  if (filter.rank() != 4)
    return ctx.Error("filter " + TensorLabel(filter) + " must be 4-D [O, H, W, I], found shape " +
                     ShapeString(filter.shape));
  int64_t n;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, input, &n));
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, filter, &n));
  for (int i = 0; i < 4; ++i)
    if (filter.dim(i) <= 0)
      return ctx.Error("filter " + TensorLabel(filter) + " has an empty dimension: " + ShapeString(filter.shape));
  if (input.dim(3) != filter.dim(3)) {
    if (input.dim(3) > filter.dim(3) && input.dim(3) % filter.dim(3) == 0)
      return ctx.Error("grouped convolution is not supported: input " + TensorLabel(input) + " has " +
                       std::to_string(input.dim(3)) + " channels, filter " + TensorLabel(filter) + " has " +
                       std::to_string(filter.dim(3)) + " input channels (" +
                       std::to_string(input.dim(3) / filter.dim(3)) + " groups)");
    return ctx.Error("input " + TensorLabel(input) + " has " + std::to_string(input.dim(3)) + " channels but filter " +
                     TensorLabel(filter) + " expects " + std::to_string(filter.dim(3)) + " (shape " +
                     ShapeString(filter.shape) + ")");
  }

  auto s = std::make_unique<Conv2DState>();
  LITEOPT_RETURN_IF_ERROR(conv::ComputeGeometry2D(ctx, input, filter, /*output_depth=*/filter.dim(0), s.get()));
  const int channels = s->output_depth;
  const int activation = static_cast<int>(o.activation);
  qmath::ActivationRangeFloat(activation, &s->float_activation_min, &s->float_activation_max);

  LITEOPT_RETURN_IF_ERROR(conv::SelectKind(ctx, input, filter, "filter", &s->kind));
  switch (s->kind) {
    case conv::Kind::kFloat:
      LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, channels));
      LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
      break;
    case conv::Kind::kHybrid: {
      LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 0, channels, /*symmetric=*/true));
      LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, channels));
      LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
      const std::vector<float>& scales = filter.quant->scale;
      for (float sc : scales)
        if (sc != scales[0]) s->hybrid_per_channel = true;
      s->filter_scale = scales[0];
      if (s->hybrid_per_channel) s->per_channel_scale = scales;
      s->hybrid.Allocate(s->batches, s->input_height * s->input_width * s->input_depth);
      break;
    }
    case conv::Kind::kInt8:
    case conv::Kind::kUInt8:
    case conv::Kind::kInt16:
      LITEOPT_RETURN_IF_ERROR(conv::PrepareQuantized(ctx, input, filter, bias, output,
                                                     {.channels = channels, .quantized_dim = 0}, &s->quant));
      break;
  }
  PrepareFast(ctx, filter, bias, s.get());

  output.shape = {s->batches, s->output_height, s->output_width, s->output_depth};
  int64_t out_elems;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, output, &out_elems));
  ctx.state = std::move(s);
  return Status::Ok();
}

// The loop nest of every path (TFLite's reference order): for each output element, acc = the sum of
// arithmetic.Tap(batch, input_value, filter_value) over the in-image taps in filter_y, filter_x, in_channel order
// (padding taps are skipped, i.e. contribute real 0), then output = arithmetic.Finish(acc, batch, out_channel).
template <typename In, typename Filter, typename Out, typename Arithmetic>
void Convolve(const Conv2DState& s, const In* input_data, const Filter* filter_data, Out* output_data,
              const Arithmetic& arithmetic) {
  for (int batch = 0; batch < s.batches; ++batch) {
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      const int in_y_origin = out_y * s.stride_height - s.pad_height;
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        const int in_x_origin = out_x * s.stride_width - s.pad_width;
        for (int out_channel = 0; out_channel < s.output_depth; ++out_channel) {
          typename Arithmetic::Acc acc = 0;
          for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
            const int in_y = in_y_origin + s.dilation_height * filter_y;
            if (in_y < 0 || in_y >= s.input_height) continue;
            for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
              const int in_x = in_x_origin + s.dilation_width * filter_x;
              if (in_x < 0 || in_x >= s.input_width) continue;
              const In* in = input_data + ((static_cast<size_t>(batch) * s.input_height + in_y) * s.input_width +
                                           in_x) * s.input_depth;
              const Filter* w = filter_data + ((static_cast<size_t>(out_channel) * s.filter_height + filter_y) *
                                                   s.filter_width + filter_x) * s.input_depth;
              for (int in_channel = 0; in_channel < s.input_depth; ++in_channel)
                acc += arithmetic.Tap(batch, in[in_channel], w[in_channel]);
            }
          }
          output_data[((static_cast<size_t>(batch) * s.output_height + out_y) * s.output_width + out_x) *
                          s.output_depth + out_channel] = arithmetic.Finish(acc, batch, out_channel);
        }
      }
    }
  }
}

// Hybrid: acc = sum filter * (quantized input - zero_point[batch]); out = float(acc) * scale + bias, clamped, with
// scale = sf[batch] (per-tensor: the filter scale is folded in) or filter_scale[c] * sf[batch] (per channel).
struct HybridArithmetic {
  using Acc = int32_t;
  const Conv2DState& s;
  const float* bias;
  int32_t Tap(int batch, int32_t input, int32_t filter) const {
    return filter * (input - s.hybrid.zero_points[batch]);
  }
  float Finish(int32_t acc, int batch, int out_channel) const {
    const float sf = s.hybrid.scaling_factors[batch];
    const float scale = s.hybrid_per_channel ? s.per_channel_scale[out_channel] * sf : sf;
    float value = static_cast<float>(acc) * scale;
    if (bias) value += bias[out_channel];
    return conv::ClampFloat(value, s.float_activation_min, s.float_activation_max);
  }
};

// Filter scales that differ per channel: asymmetric images; otherwise symmetric ones, the filter scale folded in.
void QuantizeHybridInput(Conv2DState& s, const float* input_data) {
  if (s.hybrid_fast != nullptr) {
    hybrid::QuantizeRows(*s.hybrid_fast, input_data, /*asymmetric=*/s.hybrid_per_channel, &s.hybrid);
  } else {
    s.hybrid.Quantize(input_data, /*asymmetric=*/s.hybrid_per_channel);
  }
  if (!s.hybrid_per_channel)
    for (float& sf : s.hybrid.scaling_factors) sf *= s.filter_scale;
}

void EvalHybrid(Conv2DState& s, const float* input_data, const int8_t* filter_data, const float* bias_data,
                float* output_data) {
  QuantizeHybridInput(s, input_data);
  Convolve(s, s.hybrid.quantized.data(), filter_data, output_data, HybridArithmetic{s, bias_data});
}

// The GEMM rows of output pixels m0 .. m0 + rows - 1: one run of input_depth values per filter tap, nullptr where
// the tap falls in the padding.
template <typename T>
void FillIm2colRows(const Conv2DState& s, const T* input, int m0, int rows, const T* (*src)[gemm::kMaxSegments]) {
  int out_x = m0 % s.output_width;
  const int t = m0 / s.output_width;
  int out_y = t % s.output_height;
  int batch = t / s.output_height;
  for (int r = 0; r < rows; ++r) {
    const int in_y0 = out_y * s.stride_height - s.pad_height;
    const int in_x0 = out_x * s.stride_width - s.pad_width;
    const T* image = input + static_cast<size_t>(batch) * s.input_height * s.input_width * s.input_depth;
    int seg = 0;
    for (int fy = 0; fy < s.filter_height; ++fy) {
      const int in_y = in_y0 + fy * s.dilation_height;
      const bool row_inside = in_y >= 0 && in_y < s.input_height;
      for (int fx = 0; fx < s.filter_width; ++fx) {
        const int in_x = in_x0 + fx * s.dilation_width;
        const bool inside = row_inside && in_x >= 0 && in_x < s.input_width;
        src[r][seg++] =
            inside ? image + (static_cast<size_t>(in_y) * s.input_width + in_x) * s.input_depth : nullptr;
      }
    }
    if (++out_x == s.output_width) {
      out_x = 0;
      if (++out_y == s.output_height) {
        out_y = 0;
        ++batch;
      }
    }
  }
}

// Writes the input into the interior of the padded image (its border stays 0 from prepare: padding taps contribute
// 0, as the reference's skipped taps do): int8/uint8 widened with the input offset into s.padded, float copied into
// s.padded_f. Input rows and columns no window reads are left out.
template <typename T>
void CopyIntoPadded(Conv2DState& s, const T* input) {
  const int c = s.input_depth;
  const int cols = std::min(s.input_width, s.padded_w - s.pad_width);
  const int rows = std::min(s.input_height, s.padded_h - s.pad_height);
  for (int b = 0; b < s.batches; ++b) {
    for (int y = 0; y < rows; ++y) {
      const T* src = input + ((static_cast<size_t>(b) * s.input_height + y) * s.input_width) * c;
      const size_t dst = ((static_cast<size_t>(b) * s.padded_h + y + s.pad_height) * s.padded_w + s.pad_width) * c;
      if constexpr (std::is_same_v<T, float>) {
        std::memcpy(s.padded_f.data() + dst, src, sizeof(float) * static_cast<size_t>(cols) * c);
      } else if constexpr (std::is_same_v<T, uint8_t>) {
        s.fast->widen_u8(src, cols * c, s.quant.input_offset, s.padded.data() + dst);
      } else {
        s.fast->widen_s8(src, cols * c, s.quant.input_offset, s.padded.data() + dst);
      }
    }
  }
}

// Where the windows of output pixels m0 .. m0 + n - 1 (n >= 1) start in a padded image (s.padded or s.padded_f),
// into origin[0 .. n), and origin[n .. count) repeat the last one. The pixels are walked, so a panel costs one
// division instead of two per pixel (the divisions were a fifth of the first layer's time).
template <typename T>
void PaddedOrigins(const Conv2DState& s, const T* padded, int m0, int n, int count, const T** origin) {
  int ox = m0 % s.output_width;
  const int t = m0 / s.output_width;
  int oy = t % s.output_height, b = t / s.output_height;
  for (int r = 0; r < n; ++r) {
    origin[r] = padded + ((static_cast<size_t>(b) * s.padded_h + static_cast<size_t>(oy) * s.stride_height) *
                              s.padded_w +
                          static_cast<size_t>(ox) * s.stride_width) *
                             s.input_depth;
    if (++ox == s.output_width) {
      ox = 0;
      if (++oy == s.output_height) {
        oy = 0;
        ++b;
      }
    }
  }
  for (int r = n; r < count; ++r) origin[r] = origin[n - 1];
}

// The padded-input path: row m's runs are the filter rows of its window in s.padded.
template <typename T>
void EvalPaddedQuantized(Conv2DState& s, const T* input, T* output, ThreadPool* pool) {
  CopyIntoPadded(s, input);
  const gemm::QuantEpilogue e{&s.quant, std::is_same_v<T, uint8_t>};
  const int c = s.input_depth;
  const size_t row_step = static_cast<size_t>(s.dilation_height) * s.padded_w * c;
  gemm::RunQuantized<int16_t>(
      *s.fast, s.packed_q, s.batches * s.output_height * s.output_width, s.filter_height, s.filter_width * c,
      /*input_offset=*/0, e,
      [&](int m0, int rows, const int16_t* (*src)[gemm::kMaxSegments]) {
        const int16_t* origin[gemm::kMaxMrQ];
        PaddedOrigins(s, s.padded.data(), m0, rows, rows, origin);
        for (int r = 0; r < rows; ++r)
          for (int fy = 0; fy < s.filter_height; ++fy) src[r][fy] = origin[r] + fy * row_step;
      },
      s.scratch_q.data(), output, pool);
}

template <typename T>
void EvalFastQuantized(Conv2DState& s, const T* input, T* output, ThreadPool* pool) {
  if constexpr (std::is_same_v<T, int8_t>) {
    if (!s.packed_dot.empty()) {
      gemm::dot::Run(
          s.packed_dot, s.batches * s.output_height * s.output_width, s.filter_height * s.filter_width,
          s.input_depth, {&s.quant, false},
          [&](int m0, int rows, const int8_t* (*src)[gemm::kMaxSegments]) { FillIm2colRows(s, input, m0, rows, src); },
          output, pool);
      return;
    }
  }
  if constexpr (std::is_same_v<T, int8_t>) {
    if (s.segmented_q) {
      EvalSegmentedQuantized(s, input, output, pool);
      return;
    }
  }
  if (!s.padded.empty()) {
    EvalPaddedQuantized(s, input, output, pool);
    return;
  }
  const int m = s.batches * s.output_height * s.output_width;
  const gemm::QuantEpilogue e{&s.quant, std::is_same_v<T, uint8_t>};
  if (s.filter_height == 1 && s.filter_width == 1 && s.output_height == s.input_height &&
      s.output_width == s.input_width) {  // 1x1, stride 1: the input is the GEMM's A matrix as it is
    gemm::RunQuantizedDense(*s.fast, s.packed_q, m, input, s.quant.input_offset, e, s.scratch_q.data(), output, pool);
    return;
  }
  gemm::RunQuantized(
      *s.fast, s.packed_q, m, s.filter_height * s.filter_width, s.input_depth, s.quant.input_offset, e,
      [&](int m0, int rows, const T* (*src)[gemm::kMaxSegments]) { FillIm2colRows(s, input, m0, rows, src); },
      s.scratch_q.data(), output, pool);
}

// The in-place padded paths: panels of mr (<= kMaxMr) output pixels split over the pool; per panel the window
// origins of its pixels in `padded` (a tail panel repeats its last pixel), then tile(rows, m0, n_rows, block) for
// every weight block of the task. macs_per_pixel: N * K of the GEMM.
template <int kMaxMr, typename T, typename Tile>
void ForEachPaddedPanel(const Conv2DState& s, int mr, const T* padded, int blocks, int64_t macs_per_pixel,
                        ThreadPool* pool, Tile&& tile) {
  const int m = s.batches * s.output_height * s.output_width;
  const int panels = (m + mr - 1) / mr;
  gemm::ForEachTask(gemm::SplitWork(panels, blocks, pool, m * macs_per_pixel), panels, blocks, pool,
                    [&](int p_begin, int p_end, int b_begin, int b_end, int /*thread*/) {
                      const T* rows[kMaxMr];
                      for (int panel = p_begin; panel < p_end; ++panel) {
                        const int m0 = panel * mr;
                        const int n_rows = std::min(mr, m - m0);
                        PaddedOrigins(s, padded, m0, n_rows, mr, rows);
                        for (int b = b_begin; b < b_end; ++b) tile(rows, m0, n_rows, b);
                      }
                    });
}

// The int8 padded path read in place (Conv2DState::segmented_q).
void EvalSegmentedQuantized(Conv2DState& s, const int8_t* input, int8_t* output, ThreadPool* pool) {
  CopyIntoPadded(s, input);
  const gemm::QuantEpilogue e{&s.quant, false};
  const gemm::PackedQ& w = s.packed_q;
  const ptrdiff_t row_step = static_cast<ptrdiff_t>(s.dilation_height) * s.padded_w * s.input_depth;
  const int seg_pairs = s.padded_fw * s.input_depth / 2;
  ForEachPaddedPanel<gemm::kMaxMrQ>(
      s, s.fast->mr_q, s.padded.data(), w.blocks, int64_t{w.n} * w.k, pool,
      [&](const int16_t* const* rows, int m0, int n_rows, int b) {
        const int c0 = b * gemm::kNr;
        s.fast->gemm_q8_seg_requant(s.filter_height, seg_pairs, row_step, rows,
                                    w.data8.data() + static_cast<size_t>(b) * w.k_pairs * gemm::kNr * 2, n_rows,
                                    std::min(gemm::kNr, w.n - c0), w.bias.data() + c0, c0, e,
                                    reinterpret_cast<uint8_t*>(output) + static_cast<size_t>(m0) * w.n + c0, w.n);
      });
}

// The float padded path (Conv2DState::segmented): filter rows read in place by gemm::Kernels::gemm_f_seg.
void EvalPaddedFloat(Conv2DState& s, const float* input, float* output, ThreadPool* pool) {
  CopyIntoPadded(s, input);
  const gemm::PackedF& w = s.packed_f;
  const ptrdiff_t row_step = static_cast<ptrdiff_t>(s.dilation_height) * s.padded_w * s.input_depth;
  ForEachPaddedPanel<gemm::kMrF>(
      s, gemm::kMrF, s.padded_f.data(), w.blocks, int64_t{w.n} * w.k, pool,
      [&](const float* const* rows, int m0, int n_rows, int b) {
        const int c0 = b * gemm::kNr;
        s.fast->gemm_f_seg(s.filter_height, s.filter_width * s.input_depth, row_step, rows,
                           w.data.data() + static_cast<size_t>(b) * w.k * gemm::kNr, w.bias.data() + c0,
                           s.float_activation_min, s.float_activation_max, n_rows, std::min(gemm::kNr, w.n - c0),
                           output + static_cast<size_t>(m0) * w.n + c0, w.n);
      });
}

void EvalFastFloat(Conv2DState& s, const float* input, float* output, ThreadPool* pool) {
  if (s.segmented) {
    EvalPaddedFloat(s, input, output, pool);
    return;
  }
  const int m = s.batches * s.output_height * s.output_width;
  const int taps = s.filter_height * s.filter_width;
  // A 1x1 stride-1 convolution reads its input pixels as the GEMM's rows, one after another.
  const bool dense = taps == 1 && s.stride_height == 1 && s.stride_width == 1 && s.pad_height == 0 &&
                     s.pad_width == 0 && s.output_height == s.input_height && s.output_width == s.input_width;
  gemm::RunFloat(
      *s.fast, s.packed_f, m, taps, s.input_depth, s.float_activation_min, s.float_activation_max, taps == 1,
      [&](int m0, int rows, const float* (*src)[gemm::kMaxSegments]) { FillIm2colRows(s, input, m0, rows, src); },
      s.scratch_f.data(), output, pool, dense ? input : nullptr);
}

void EvalFastHybrid(Conv2DState& s, const float* input, float* output, ThreadPool* pool) {
  QuantizeHybridInput(s, input);
  const int8_t* quantized = s.hybrid.quantized.data();
  const int pixels = s.output_height * s.output_width;
  gemm::RunHybrid(
      *s.fast, s.packed_q, s.batches * pixels, s.filter_height * s.filter_width, s.input_depth, pixels,
      s.hybrid.zero_points.data(), s.hybrid.scaling_factors.data(), s.hybrid_gemm.epilogue,
      [&](int m0, int rows, const int8_t* (*src)[gemm::kMaxSegments]) { FillIm2colRows(s, quantized, m0, rows, src); },
      s.scratch_q.data(), output, pool);
}

void Eval(KernelContext& ctx) {
  auto& s = *ctx.state_as<Conv2DState>();
  if (s.fast != nullptr) {
    const TensorRef& input = *ctx.input(0);
    TensorRef& output = *ctx.output(0);
    switch (s.kind) {
      case conv::Kind::kInt8: EvalFastQuantized(s, input.as<int8_t>(), output.as<int8_t>(), ctx.pool); return;
      case conv::Kind::kUInt8: EvalFastQuantized(s, input.as<uint8_t>(), output.as<uint8_t>(), ctx.pool); return;
      case conv::Kind::kFloat: EvalFastFloat(s, input.as<float>(), output.as<float>(), ctx.pool); return;
      case conv::Kind::kHybrid: EvalFastHybrid(s, input.as<float>(), output.as<float>(), ctx.pool); return;
      case conv::Kind::kInt16: break;  // no fast path
    }
  }
  conv::EvalByKind(
      ctx, s, [&](auto... args) { Convolve(s, args...); }, [&](auto... args) { EvalHybrid(s, args...); });
}

}  // namespace

extern const Kernel kKernel_CONV_2D;
const Kernel kKernel_CONV_2D = {&Prepare, &Eval};

}  // namespace liteopt::ops
