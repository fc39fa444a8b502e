// DEPTHWISE_CONV_2D reference kernels, numerically following TFLite's built-in kernel
// (tensorflow/lite/kernels/depthwise_conv.cc). Filter layout [1, H, W, C * depth_multiplier]; output channel
// oc = in_channel * depth_multiplier + m reads input channel in_channel. depth_multiplier is derived from the
// shapes (filter channels / input channels), as TFLite's ComputeDepthMultiplier does.
//  - float32: reference_ops::DepthwiseConv (window sum in filter_y, filter_x order, then + bias, clamp).
//  - int8 (per-channel along dim 3 or per-tensor symmetric int8 weights, int32 bias):
//    reference_integer_ops::DepthwiseConvPerChannel with PopulateConvolutionQuantizationParams multipliers.
//  - uint8 (per-tensor asymmetric weights): reference_ops::DepthwiseConv for uint8, legacy multiplier
//    (scale product in float), filter_offset = -filter_zero_point.
//  - int16x8 (int16 activations, per-channel symmetric int8 weights, int64 bias): the int16 overload of
//    reference_integer_ops::DepthwiseConvPerChannel, 64-bit accumulator (ops/common/conv_params.h).
//  - hybrid (float32 input, int8 weights, float bias): EvalHybridPerChannel. Each batch image is quantized
//    asymmetrically as a whole (AsymmetricQuantizeFloats), acc = sum w * (q - zp[b]) over in-image taps,
//    out = (float(acc) * sf[b]) * filter_scale[c] + bias, clamp. That product order is the one of TFLite's
//    generic optimized kernel (DepthwiseConvHybridGeneral without NEON: the default on x86 and WASM); the
//    reference kernel computes float(acc) * (filter_scale[c] * sf[b]) and the NEON one (acc * filter_scale[c]) * sf[b]
//    (they differ by at most an ulp or two). TFLite always takes this asymmetric path for hybrid depthwise (there
//    is no symmetric variant); a single filter scale is broadcast to all channels.
// int8/uint8 requantization follows ctx.numerics at prepare time: TFLite's built-in fixed-point
// formula (default) or XNNPACK's float formula (see ops/common/conv_params.h).
//
// Optimized path (not ctx.reference; float, int8, uint8 or hybrid; depth multiplier 1; constant filter and bias; at
// most 64 taps): depthwise_conv2d_fast.h, for the ISA selected at prepare time. Hybrid: the input quantized by
// ops/common/hybrid.h, the int32 sums of the int8 path, the reference's float scaling: bit-exact with the reference.
#include <algorithm>
#include <string>
#include <vector>

#include "base/quant_math.h"
#include "ops/common/conv_params.h"
#include "ops/common/hybrid.h"
#include "ops/depthwise_conv2d/depthwise_conv2d_fast.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct DepthwiseState : conv::KernelState, conv::Geometry2D {
  int depth_multiplier = 1;
  std::vector<float> per_channel_scale;  // hybrid
  conv::HybridInput hybrid;              // hybrid: one row per batch image
  // Optimized path; fast == nullptr runs the reference loops.
  const depthwise::Kernels* fast = nullptr;
  const hybrid::Kernels* hybrid_fast = nullptr;  // hybrid input quantization
  depthwise::FastParams fast_params;
};

// The hybrid part of the optimized path: channel scales, float bias, one padding row per batch image, the
// epilogue (the reference's product order: scaling factor first), per-thread rows of scaling factors.
void PrepareFastHybrid(const TensorRef* bias, size_t threads, DepthwiseState* s) {
  depthwise::FastParams& p = s->fast_params;
  const int channels = s->output_depth;
  const size_t padded = (static_cast<size_t>(channels) + 15) / 16 * 16;
  p.channel_scale.assign(padded, 0.0f);
  std::copy(s->per_channel_scale.begin(), s->per_channel_scale.end(), p.channel_scale.begin());
  p.bias_f.assign(padded, 0.0f);
  if (bias != nullptr) std::copy(bias->as<float>(), bias->as<float>() + channels, p.bias_f.begin());
  p.hybrid = {p.channel_scale.data(), bias != nullptr ? p.bias_f.data() : nullptr, s->float_activation_min,
              s->float_activation_max, /*scale_row_first=*/true};
  p.hybrid_pad.assign(static_cast<size_t>(s->batches) * channels, 0);
  p.row_scale.assign(static_cast<size_t>(s->output_width) * threads, 0.0f);
  s->hybrid_fast = &hybrid::KernelsFor(SelectedIsa());
}

void PrepareFast(const KernelContext& ctx, const TensorRef& filter, const TensorRef* bias, DepthwiseState* s) {
  const int taps = s->filter_height * s->filter_width;
  if (ctx.reference || !conv::HasFastPath(s->kind) || s->depth_multiplier != 1 || taps > 64) return;
  if (!filter.is_const || filter.data == nullptr) return;
  if (bias != nullptr && (!bias->is_const || bias->data == nullptr)) return;
  const Isa isa = SelectedIsa();
  depthwise::FastParams& p = s->fast_params;
  p.g = *s;
  const int channels = s->output_depth;
  const size_t padded = (static_cast<size_t>(channels) + 15) / 16 * 16;
  const size_t n = static_cast<size_t>(taps) * channels;
  if (s->kind == conv::Kind::kFloat) {
    p.filter_f = filter.as<float>();
    p.bias_f.assign(padded, 0.0f);
    if (bias != nullptr) std::copy(bias->as<float>(), bias->as<float>() + channels, p.bias_f.begin());
    p.act_min = s->float_activation_min;
    p.act_max = s->float_activation_max;
  } else {
    // int8 / uint8, and hybrid (an int8 filter, offset 0).
    const bool int8_filter = s->kind != conv::Kind::kUInt8;
    p.filter_q.resize(n);
    for (size_t i = 0; i < n; ++i)
      p.filter_q[i] = (int8_filter ? static_cast<int32_t>(filter.as<int8_t>()[i])
                                   : static_cast<int32_t>(filter.as<uint8_t>()[i])) +
                      s->quant.filter_offset;
    const int pairs = (taps + 1) / 2;
    p.filter_pairs.assign(static_cast<size_t>(pairs) * channels * 2, 0);
    for (int t = 0; t < taps; ++t)
      for (int c = 0; c < channels; ++c)
        p.filter_pairs[static_cast<size_t>(t / 2) * channels * 2 + depthwise::PairSlot(c, channels) + t % 2] =
            static_cast<int16_t>(p.filter_q[static_cast<size_t>(t) * channels + c]);
    const size_t threads = ctx.pool != nullptr ? static_cast<size_t>(ctx.pool->size()) : 1;
    p.row_acc.assign(static_cast<size_t>(s->output_width) * channels * threads, 0);
    if (depthwise::WidensRows(isa))
      p.widened.assign(static_cast<size_t>(s->filter_height) * depthwise::WidenedWidth(*s) * channels * threads, 0);
    if (depthwise::UsesRowPairs3x3(*s, isa)) {
      // Taps (fy, fx) = t / 3, t % 3 into pair (fy < 2 ? fx : 3 + fx / 2), element (fy < 2 ? fy : fx % 2).
      p.filter_pairs3x3.assign(static_cast<size_t>(5) * channels * 2, 0);
      for (int t = 0; t < 9; ++t) {
        const int fy = t / 3, fx = t % 3;
        const int pair = fy < 2 ? fx : 3 + fx / 2, element = fy < 2 ? fy : fx % 2;
        for (int c = 0; c < channels; ++c)
          p.filter_pairs3x3[static_cast<size_t>(pair) * channels * 2 + depthwise::PairSlot(c, channels) + element] =
              static_cast<int16_t>(p.filter_q[static_cast<size_t>(t) * channels + c]);
      }
      p.row_pairs.assign(static_cast<size_t>(4) * depthwise::WidenedWidth(*s) * channels * threads, 0);
    }
    if (s->kind == conv::Kind::kHybrid) {
      PrepareFastHybrid(bias, threads, s);
    } else {
      p.pad_row.assign(static_cast<size_t>(channels), static_cast<uint8_t>(-s->quant.input_offset));
      p.bias_q.assign(padded, 0);
      if (bias != nullptr) std::copy(bias->as<int32_t>(), bias->as<int32_t>() + channels, p.bias_q.begin());
      p.quant = &s->quant;
      p.input_offset = s->quant.input_offset;
    }
  }
  p.gemm = &gemm::KernelsFor(isa);
  p.pool = ctx.pool;
  s->fast = &depthwise::KernelsFor(isa);
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
  if (filter.rank() != 4 || filter.dim(0) != 1)
    return ctx.Error("filter " + TensorLabel(filter) + " must be 4-D [1, H, W, C * depth_multiplier], found shape " +
                     ShapeString(filter.shape));
  int64_t n;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, input, &n));
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, filter, &n));
  for (int i = 1; i < 4; ++i)
    if (filter.dim(i) <= 0)
      return ctx.Error("filter " + TensorLabel(filter) + " has an empty dimension: " + ShapeString(filter.shape));
  const int input_depth = input.dim(3);
  const int output_depth = filter.dim(3);
  if (input_depth <= 0 || output_depth % input_depth != 0)
    return ctx.Error("filter " + TensorLabel(filter) + " has " + std::to_string(output_depth) +
                     " channels, which is not a multiple of the " + std::to_string(input_depth) +
                     " channels of input " + TensorLabel(input));

  auto s = std::make_unique<DepthwiseState>();
  s->depth_multiplier = output_depth / input_depth;
  LITEOPT_RETURN_IF_ERROR(conv::ComputeGeometry2D(ctx, input, filter, output_depth, s.get()));
  const int activation = static_cast<int>(o.activation);
  qmath::ActivationRangeFloat(activation, &s->float_activation_min, &s->float_activation_max);

  LITEOPT_RETURN_IF_ERROR(conv::SelectKind(ctx, input, filter, "filter", &s->kind));
  switch (s->kind) {
    case conv::Kind::kFloat:
      LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, output_depth));
      LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
      break;
    case conv::Kind::kHybrid: {
      // TFLite's hybrid depthwise kernel indexes with the option's depth_multiplier, so a file whose option
      // disagrees with the shapes cannot be run the way TFLite would.
      if (o.depth_multiplier != s->depth_multiplier)
        return ctx.Error("hybrid depthwise: option depth_multiplier " + std::to_string(o.depth_multiplier) +
                         " disagrees with the shapes (filter channels " + std::to_string(output_depth) +
                         " / input channels " + std::to_string(input_depth) + " = " +
                         std::to_string(s->depth_multiplier) + ")");
      LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 3, output_depth, /*symmetric=*/true));
      LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, output_depth));
      LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
      const std::vector<float>& scales = filter.quant->scale;
      s->per_channel_scale.assign(output_depth, scales[0]);
      if (scales.size() > 1) s->per_channel_scale = scales;
      s->hybrid.Allocate(s->batches, s->input_height * s->input_width * s->input_depth);
      break;
    }
    case conv::Kind::kInt8:
    case conv::Kind::kUInt8:
    case conv::Kind::kInt16:
      LITEOPT_RETURN_IF_ERROR(conv::PrepareQuantized(ctx, input, filter, bias, output,
                                                     {.channels = output_depth, .quantized_dim = 3}, &s->quant));
      break;
  }
  PrepareFast(ctx, filter, bias, s.get());

  output.shape = {s->batches, s->output_height, s->output_width, s->output_depth};
  int64_t out_elems;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, output, &out_elems));
  ctx.state = std::move(s);
  return Status::Ok();
}

size_t InputIndex(const DepthwiseState& s, int batch, int y, int x, int c) {
  return ((static_cast<size_t>(batch) * s.input_height + y) * s.input_width + x) * s.input_depth + c;
}
size_t FilterIndex(const DepthwiseState& s, int y, int x, int oc) {
  return (static_cast<size_t>(y) * s.filter_width + x) * s.output_depth + oc;
}
size_t OutputIndex(const DepthwiseState& s, int batch, int y, int x, int oc) {
  return ((static_cast<size_t>(batch) * s.output_height + y) * s.output_width + x) * s.output_depth + oc;
}

// The loop nest of every path (TFLite's reference order): for each output element, acc = the sum of
// arithmetic.Tap(batch, input_value, filter_value) over the in-image taps in filter_y, filter_x order (padding taps
// are skipped, i.e. contribute real 0), then output = arithmetic.Finish(acc, batch, out_channel).
template <typename In, typename Filter, typename Out, typename Arithmetic>
void Convolve(const DepthwiseState& s, const In* input_data, const Filter* filter_data, Out* output_data,
              const Arithmetic& arithmetic) {
  for (int b = 0; b < s.batches; ++b) {
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        for (int ic = 0; ic < s.input_depth; ++ic) {
          for (int m = 0; m < s.depth_multiplier; ++m) {
            const int oc = m + ic * s.depth_multiplier;
            const int in_x_origin = out_x * s.stride_width - s.pad_width;
            const int in_y_origin = out_y * s.stride_height - s.pad_height;
            typename Arithmetic::Acc acc = 0;
            for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
              for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
                const int in_x = in_x_origin + s.dilation_width * filter_x;
                const int in_y = in_y_origin + s.dilation_height * filter_y;
                if (in_x >= 0 && in_x < s.input_width && in_y >= 0 && in_y < s.input_height)
                  acc += arithmetic.Tap(b, input_data[InputIndex(s, b, in_y, in_x, ic)],
                                        filter_data[FilterIndex(s, filter_y, filter_x, oc)]);
              }
            }
            output_data[OutputIndex(s, b, out_y, out_x, oc)] = arithmetic.Finish(acc, b, oc);
          }
        }
      }
    }
  }
}

// Hybrid: acc = sum filter * (quantized input - zero_point[b]); out = (float(acc) * sf[b]) * filter_scale[oc] + bias,
// clamped.
struct HybridArithmetic {
  using Acc = int32_t;
  const DepthwiseState& s;
  const float* bias;
  int32_t Tap(int b, int32_t input, int32_t filter) const { return filter * (input - s.hybrid.zero_points[b]); }
  float Finish(int32_t acc, int b, int oc) const {
    float acc_float = static_cast<float>(acc) * s.hybrid.scaling_factors[b] * s.per_channel_scale[oc];
    if (bias) acc_float += bias[oc];
    return conv::ClampFloat(acc_float, s.float_activation_min, s.float_activation_max);
  }
};

void QuantizeHybridInput(DepthwiseState& s, const float* input_data) {
  if (s.hybrid_fast != nullptr) {
    hybrid::QuantizeRows(*s.hybrid_fast, input_data, /*asymmetric=*/true, &s.hybrid);
  } else {
    s.hybrid.Quantize(input_data, /*asymmetric=*/true);
  }
}

void EvalHybrid(DepthwiseState& s, const float* input_data, const int8_t* filter_data, const float* bias_data,
                float* output_data) {
  QuantizeHybridInput(s, input_data);
  Convolve(s, s.hybrid.quantized.data(), filter_data, output_data, HybridArithmetic{s, bias_data});
}

void Eval(KernelContext& ctx) {
  auto& s = *ctx.state_as<DepthwiseState>();
  if (s.fast != nullptr) {
    const TensorRef& input = *ctx.input(0);
    TensorRef& output = *ctx.output(0);
    switch (s.kind) {
      case conv::Kind::kInt8: s.fast->run_s8(s.fast_params, input.as<int8_t>(), output.as<int8_t>()); return;
      case conv::Kind::kUInt8: s.fast->run_u8(s.fast_params, input.as<uint8_t>(), output.as<uint8_t>()); return;
      case conv::Kind::kFloat: s.fast->run_f32(s.fast_params, input.as<float>(), output.as<float>()); return;
      case conv::Kind::kHybrid:
        QuantizeHybridInput(s, input.as<float>());
        s.fast->run_hybrid(s.fast_params, s.hybrid.quantized.data(), s.hybrid.zero_points.data(),
                           s.hybrid.scaling_factors.data(), output.as<float>());
        return;
      case conv::Kind::kInt16: break;  // no fast path
    }
  }
  conv::EvalByKind(
      ctx, s, [&](auto... args) { Convolve(s, args...); }, [&](auto... args) { EvalHybrid(s, args...); });
}

}  // namespace

extern const Kernel kKernel_DEPTHWISE_CONV_2D;
const Kernel kKernel_DEPTHWISE_CONV_2D = {&Prepare, &Eval};

}  // namespace liteopt::ops
