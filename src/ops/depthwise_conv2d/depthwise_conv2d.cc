// DEPTHWISE_CONV_2D reference kernels, numerically following TFLite's built-in kernel
// (tensorflow/lite/kernels/depthwise_conv.cc). Filter layout [1, H, W, C * depth_multiplier]; output channel
// oc = in_channel * depth_multiplier + m reads input channel in_channel. depth_multiplier is derived from the
// shapes (filter channels / input channels), as TFLite's ComputeDepthMultiplier does.
//  - float32: reference_ops::DepthwiseConv (window sum in filter_y, filter_x order, then + bias, clamp).
//  - int8 (per-channel along dim 3 or per-tensor symmetric int8 weights, int32 bias):
//    reference_integer_ops::DepthwiseConvPerChannel with PopulateConvolutionQuantizationParams multipliers.
//  - uint8 (per-tensor asymmetric weights): reference_ops::DepthwiseConv for uint8, legacy multiplier
//    (scale product in float), filter_offset = -filter_zero_point.
//  - hybrid (float32 input, int8 weights, float bias): EvalHybridPerChannel. Each batch image is quantized
//    asymmetrically as a whole (AsymmetricQuantizeFloats), acc = sum w * (q - zp[b]) over in-image taps,
//    out = (float(acc) * sf[b]) * filter_scale[c] + bias, clamp. That product order is the one of TFLite's
//    generic optimized kernel (DepthwiseConvHybridGeneral without NEON: the default on x86 and WASM); the
//    reference kernel computes float(acc) * (filter_scale[c] * sf[b]) and the NEON one (acc * filter_scale[c]) * sf[b]
//    (they differ by at most an ulp or two). TFLite always takes this asymmetric path for hybrid depthwise (there
//    is no symmetric variant); a single filter scale is broadcast to all channels.
// int8/uint8 requantization follows ctx.numerics at prepare time: TFLite's built-in fixed-point
// formula (default) or XNNPACK's float formula (see ops/common/conv_params.h).
#include <string>
#include <vector>

#include "base/quant_math.h"
#include "ops/common/conv_params.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

enum class Kind { kFloat, kHybrid, kInt8, kUInt8 };

struct DepthwiseState : OpState {
  Kind kind = Kind::kFloat;
  int batches = 0, input_height = 0, input_width = 0, input_depth = 0;
  int filter_height = 0, filter_width = 0, depth_multiplier = 1;
  int output_height = 0, output_width = 0, output_depth = 0;
  int stride_height = 1, stride_width = 1, dilation_height = 1, dilation_width = 1;
  int pad_height = 0, pad_width = 0;
  float float_activation_min = 0, float_activation_max = 0;
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  std::vector<int32_t> per_channel_output_multiplier;
  std::vector<int> per_channel_output_shift;
  int32_t output_activation_min = 0, output_activation_max = 0;
  bool xnnpack_requant = false;        // Numerics::kTfliteRuntime and XNNPACK would take the op
  std::vector<float> xnnpack_scale;   // per channel
  std::vector<float> per_channel_scale;    // hybrid
  std::vector<int8_t> quantized_input;     // hybrid [batches, H, W, C]
  std::vector<float> scaling_factors;      // hybrid [batches]
  std::vector<int32_t> input_zero_points;  // hybrid [batches]
};

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
  s->batches = input.dim(0);
  s->input_height = input.dim(1);
  s->input_width = input.dim(2);
  s->input_depth = input_depth;
  s->output_depth = output_depth;
  s->depth_multiplier = output_depth / input_depth;
  s->filter_height = filter.dim(1);
  s->filter_width = filter.dim(2);
  conv::Window1D wh, ww;
  LITEOPT_RETURN_IF_ERROR(
      conv::ComputeWindows2D(ctx, o, s->input_height, s->input_width, s->filter_height, s->filter_width, &wh, &ww));
  s->output_height = wh.out;
  s->output_width = ww.out;
  s->pad_height = wh.pad_before;
  s->pad_width = ww.pad_before;
  s->stride_height = o.stride_h;
  s->stride_width = o.stride_w;
  s->dilation_height = o.dilation_h;
  s->dilation_width = o.dilation_w;
  const int activation = static_cast<int>(o.activation);
  qmath::ActivationRangeFloat(activation, &s->float_activation_min, &s->float_activation_max);

  if (input.dtype == DType::kFloat32 && filter.dtype == DType::kFloat32) {
    s->kind = Kind::kFloat;
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, output_depth));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
  } else if (input.dtype == DType::kFloat32 && filter.dtype == DType::kInt8) {
    s->kind = Kind::kHybrid;
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
    s->quantized_input.assign(static_cast<size_t>(input.num_elements()), 0);
    s->scaling_factors.assign(static_cast<size_t>(s->batches), 0.0f);
    s->input_zero_points.assign(static_cast<size_t>(s->batches), 0);
  } else if (input.dtype == DType::kInt8) {
    s->kind = Kind::kInt8;
    if (filter.dtype != DType::kInt8)
      return ctx.Error("int8 input needs int8 filter, filter " + TensorLabel(filter) + " is " +
                       std::string(DTypeName(filter.dtype)));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kInt8));
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, input, "input"));
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, output, "output"));
    LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 3, output_depth, /*symmetric=*/true));
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kInt32, output_depth));
    conv::PerChannelMultipliers(input.scale(), filter.quant->scale, output.scale(), output_depth,
                                &s->per_channel_output_multiplier, &s->per_channel_output_shift);
    s->input_offset = -input.zero_point();
    s->output_offset = output.zero_point();
    qmath::ActivationRangeQuantized(activation, DType::kInt8, output.scale(), output.zero_point(),
                                    &s->output_activation_min, &s->output_activation_max);
    if (ctx.numerics == Numerics::kTfliteRuntime)
      s->xnnpack_requant = conv::XnnpackRequantScales(input.scale(), filter.quant->scale, output.scale(), output_depth,
                                                      &s->xnnpack_scale);
  } else if (input.dtype == DType::kUInt8) {
    s->kind = Kind::kUInt8;
    if (filter.dtype != DType::kUInt8)
      return ctx.Error("uint8 input needs uint8 filter, filter " + TensorLabel(filter) + " is " +
                       std::string(DTypeName(filter.dtype)));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kUInt8));
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, input, "input"));
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, output, "output"));
    if (filter.quant->scale.size() > 1)
      return ctx.Error("uint8 filter " + TensorLabel(filter) + " is quantized per channel (" +
                       std::to_string(filter.quant->scale.size()) + " scales); the uint8 path needs one scale");
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, filter, "filter"));
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kInt32, output_depth));
    LITEOPT_RETURN_IF_ERROR(
        conv::CheckLegacyBiasScale(ctx, bias, input.scale(), filter.scale(), output.scale()));
    int32_t output_multiplier;
    int output_shift;
    qmath::QuantizeMultiplier(conv::LegacyRealMultiplier(input.scale(), filter.scale(), output.scale()),
                              &output_multiplier, &output_shift);
    s->per_channel_output_multiplier.assign(output_depth, output_multiplier);
    s->per_channel_output_shift.assign(output_depth, output_shift);
    s->input_offset = -input.zero_point();
    s->filter_offset = -filter.zero_point();
    s->output_offset = output.zero_point();
    qmath::ActivationRangeQuantized(activation, DType::kUInt8, output.scale(), output.zero_point(),
                                    &s->output_activation_min, &s->output_activation_max);
    if (ctx.numerics == Numerics::kTfliteRuntime)
      s->xnnpack_requant = conv::XnnpackRequantScales(input.scale(), filter.quant->scale, output.scale(), output_depth,
                                                      &s->xnnpack_scale);
  } else {
    return ctx.Error("unsupported dtypes: input " + TensorLabel(input) + " " + std::string(DTypeName(input.dtype)) +
                     ", filter " + TensorLabel(filter) + " " + std::string(DTypeName(filter.dtype)) +
                     " (supported: float32/float32, float32/int8 hybrid, int8/int8, uint8/uint8)");
  }

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

void EvalFloat(const DepthwiseState& s, const float* input_data, const float* filter_data, const float* bias_data,
               float* output_data) {
  for (int b = 0; b < s.batches; ++b) {
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        for (int ic = 0; ic < s.input_depth; ++ic) {
          for (int m = 0; m < s.depth_multiplier; ++m) {
            const int oc = m + ic * s.depth_multiplier;
            const int in_x_origin = out_x * s.stride_width - s.pad_width;
            const int in_y_origin = out_y * s.stride_height - s.pad_height;
            float total = 0.0f;
            for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
              for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
                const int in_x = in_x_origin + s.dilation_width * filter_x;
                const int in_y = in_y_origin + s.dilation_height * filter_y;
                if (in_x >= 0 && in_x < s.input_width && in_y >= 0 && in_y < s.input_height)
                  total += input_data[InputIndex(s, b, in_y, in_x, ic)] * filter_data[FilterIndex(s, filter_y, filter_x, oc)];
              }
            }
            const float bias_value = bias_data ? bias_data[oc] : 0.0f;
            output_data[OutputIndex(s, b, out_y, out_x, oc)] =
                conv::ClampFloat(total + bias_value, s.float_activation_min, s.float_activation_max);
          }
        }
      }
    }
  }
}

template <typename T>
void EvalQuantized(const DepthwiseState& s, const T* input_data, const T* filter_data, const int32_t* bias_data,
                   T* output_data) {
  for (int b = 0; b < s.batches; ++b) {
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        for (int ic = 0; ic < s.input_depth; ++ic) {
          for (int m = 0; m < s.depth_multiplier; ++m) {
            const int oc = m + ic * s.depth_multiplier;
            const int in_x_origin = out_x * s.stride_width - s.pad_width;
            const int in_y_origin = out_y * s.stride_height - s.pad_height;
            int32_t acc = 0;
            for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
              for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
                const int in_x = in_x_origin + s.dilation_width * filter_x;
                const int in_y = in_y_origin + s.dilation_height * filter_y;
                if (in_x >= 0 && in_x < s.input_width && in_y >= 0 && in_y < s.input_height) {
                  const int32_t input_val = input_data[InputIndex(s, b, in_y, in_x, ic)];
                  const int32_t filter_val = filter_data[FilterIndex(s, filter_y, filter_x, oc)];
                  acc += (filter_val + s.filter_offset) * (input_val + s.input_offset);
                }
              }
            }
            if (bias_data) acc += bias_data[oc];
            if (s.xnnpack_requant) {
              acc = conv::XnnpackRequantize(acc, s.xnnpack_scale[oc], s.output_offset, s.output_activation_min,
                                            s.output_activation_max);
            } else {
              acc = qmath::MultiplyByQuantizedMultiplier(acc, s.per_channel_output_multiplier[oc],
                                                         s.per_channel_output_shift[oc]);
              acc += s.output_offset;
              acc = conv::ClampInt(acc, s.output_activation_min, s.output_activation_max);
            }
            output_data[OutputIndex(s, b, out_y, out_x, oc)] = static_cast<T>(acc);
          }
        }
      }
    }
  }
}

void EvalHybrid(DepthwiseState& s, const float* input_data, const int8_t* filter_data, const float* bias_data,
                float* output_data) {
  const int input_size = s.input_height * s.input_width * s.input_depth;
  for (int b = 0; b < s.batches; ++b) {
    const size_t offset = static_cast<size_t>(b) * input_size;
    conv::AsymmetricQuantizeFloats(input_data + offset, input_size, s.quantized_input.data() + offset,
                                   &s.scaling_factors[b], &s.input_zero_points[b]);
  }
  const int8_t* quantized = s.quantized_input.data();
  for (int b = 0; b < s.batches; ++b) {
    const int32_t zero_point = s.input_zero_points[b];
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        for (int ic = 0; ic < s.input_depth; ++ic) {
          for (int m = 0; m < s.depth_multiplier; ++m) {
            const int oc = m + ic * s.depth_multiplier;
            const int in_x_origin = out_x * s.stride_width - s.pad_width;
            const int in_y_origin = out_y * s.stride_height - s.pad_height;
            int32_t acc = 0;
            for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
              for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
                const int in_x = in_x_origin + s.dilation_width * filter_x;
                const int in_y = in_y_origin + s.dilation_height * filter_y;
                if (in_x >= 0 && in_x < s.input_width && in_y >= 0 && in_y < s.input_height) {
                  const int32_t input_val = quantized[InputIndex(s, b, in_y, in_x, ic)];
                  const int32_t filter_val = filter_data[FilterIndex(s, filter_y, filter_x, oc)];
                  acc += filter_val * (input_val - zero_point);
                }
              }
            }
            float acc_float = static_cast<float>(acc) * s.scaling_factors[b] * s.per_channel_scale[oc];
            if (bias_data) acc_float += bias_data[oc];
            output_data[OutputIndex(s, b, out_y, out_x, oc)] =
                conv::ClampFloat(acc_float, s.float_activation_min, s.float_activation_max);
          }
        }
      }
    }
  }
}

void Eval(KernelContext& ctx) {
  auto& s = *ctx.state_as<DepthwiseState>();
  const TensorRef& input = *ctx.input(0);
  const TensorRef& filter = *ctx.input(1);
  const TensorRef* bias = ctx.input(2);
  TensorRef& output = *ctx.output(0);
  switch (s.kind) {
    case Kind::kFloat:
      EvalFloat(s, input.as<float>(), filter.as<float>(), bias ? bias->as<float>() : nullptr, output.as<float>());
      break;
    case Kind::kHybrid:
      EvalHybrid(s, input.as<float>(), filter.as<int8_t>(), bias ? bias->as<float>() : nullptr, output.as<float>());
      break;
    case Kind::kInt8:
      EvalQuantized<int8_t>(s, input.as<int8_t>(), filter.as<int8_t>(), bias ? bias->as<int32_t>() : nullptr,
                            output.as<int8_t>());
      break;
    case Kind::kUInt8:
      EvalQuantized<uint8_t>(s, input.as<uint8_t>(), filter.as<uint8_t>(), bias ? bias->as<int32_t>() : nullptr,
                             output.as<uint8_t>());
      break;
  }
}

}  // namespace

extern const Kernel kKernel_DEPTHWISE_CONV_2D;
const Kernel kKernel_DEPTHWISE_CONV_2D = {&Prepare, &Eval};

}  // namespace liteopt::ops
