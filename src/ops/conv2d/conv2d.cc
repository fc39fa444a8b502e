// CONV_2D reference kernels, numerically following TFLite's built-in conv kernel (tensorflow/lite/kernels/conv.cc):
//  - float32: reference_ops::Conv (sum over the window in filter_y, filter_x, in_channel order, then + bias, clamp).
//  - int8 (per-channel or per-tensor symmetric int8 weights, int32 bias): reference_integer_ops::ConvPerChannel
//    with per-channel multipliers from PopulateConvolutionQuantizationParams and double-rounding requantization.
//  - uint8 (per-tensor asymmetric uint8 weights, int32 bias): reference_ops::Conv for uint8 with the legacy
//    multiplier (scale product taken in float) and filter_offset = -filter_zero_point.
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
#include <cstring>
#include <string>
#include <vector>

#include "base/quant_math.h"
#include "ops/common/conv_params.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

enum class Kind { kFloat, kHybrid, kInt8, kUInt8 };

struct Conv2DState : OpState {
  Kind kind = Kind::kFloat;
  int batches = 0, input_height = 0, input_width = 0, input_depth = 0;
  int filter_height = 0, filter_width = 0;
  int output_height = 0, output_width = 0, output_depth = 0;
  int stride_height = 1, stride_width = 1, dilation_height = 1, dilation_width = 1;
  int pad_height = 0, pad_width = 0;
  float float_activation_min = 0, float_activation_max = 0;
  // Quantized paths.
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  std::vector<int32_t> per_channel_output_multiplier;  // uint8: the one legacy multiplier, repeated
  std::vector<int> per_channel_output_shift;           // positive = left shift
  int32_t output_activation_min = 0, output_activation_max = 0;
  bool xnnpack_requant = false;        // Numerics::kTfliteRuntime and XNNPACK would take the op
  std::vector<float> xnnpack_scale;   // per channel
  // Hybrid path.
  bool hybrid_per_channel = false;
  float filter_scale = 0;                 // per-tensor hybrid
  std::vector<float> per_channel_scale;   // per-channel hybrid
  std::vector<int8_t> quantized_input;    // [batches, H, W, C]
  std::vector<float> scaling_factors;     // [batches]
  std::vector<int32_t> input_zero_points; // [batches]
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
  s->batches = input.dim(0);
  s->input_height = input.dim(1);
  s->input_width = input.dim(2);
  s->input_depth = input.dim(3);
  s->output_depth = filter.dim(0);
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
  const int channels = s->output_depth;
  const int activation = static_cast<int>(o.activation);
  qmath::ActivationRangeFloat(activation, &s->float_activation_min, &s->float_activation_max);

  if (input.dtype == DType::kFloat32 && filter.dtype == DType::kFloat32) {
    s->kind = Kind::kFloat;
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, channels));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
  } else if (input.dtype == DType::kFloat32 && filter.dtype == DType::kInt8) {
    s->kind = Kind::kHybrid;
    LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 0, channels, /*symmetric=*/true));
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, channels));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
    const std::vector<float>& scales = filter.quant->scale;
    for (float sc : scales)
      if (sc != scales[0]) s->hybrid_per_channel = true;
    s->filter_scale = scales[0];
    if (s->hybrid_per_channel) s->per_channel_scale = scales;
    const int64_t input_size = input.num_elements();
    s->quantized_input.assign(static_cast<size_t>(input_size), 0);
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
    LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 0, channels, /*symmetric=*/true));
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kInt32, channels));
    conv::PerChannelMultipliers(input.scale(), filter.quant->scale, output.scale(), channels,
                                &s->per_channel_output_multiplier, &s->per_channel_output_shift);
    s->input_offset = -input.zero_point();
    s->output_offset = output.zero_point();
    qmath::ActivationRangeQuantized(activation, DType::kInt8, output.scale(), output.zero_point(),
                                    &s->output_activation_min, &s->output_activation_max);
    if (ctx.numerics == Numerics::kTfliteRuntime)
      s->xnnpack_requant = conv::XnnpackRequantScales(input.scale(), filter.quant->scale, output.scale(), channels,
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
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kInt32, channels));
    LITEOPT_RETURN_IF_ERROR(
        conv::CheckLegacyBiasScale(ctx, bias, input.scale(), filter.scale(), output.scale()));
    int32_t output_multiplier;
    int output_shift;
    qmath::QuantizeMultiplier(conv::LegacyRealMultiplier(input.scale(), filter.scale(), output.scale()),
                              &output_multiplier, &output_shift);
    s->per_channel_output_multiplier.assign(channels, output_multiplier);
    s->per_channel_output_shift.assign(channels, output_shift);
    s->input_offset = -input.zero_point();
    s->filter_offset = -filter.zero_point();
    s->output_offset = output.zero_point();
    qmath::ActivationRangeQuantized(activation, DType::kUInt8, output.scale(), output.zero_point(),
                                    &s->output_activation_min, &s->output_activation_max);
    if (ctx.numerics == Numerics::kTfliteRuntime)
      s->xnnpack_requant = conv::XnnpackRequantScales(input.scale(), filter.quant->scale, output.scale(), channels,
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

void EvalFloat(const Conv2DState& s, const float* input_data, const float* filter_data, const float* bias_data,
               float* output_data) {
  for (int batch = 0; batch < s.batches; ++batch) {
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      const int in_y_origin = out_y * s.stride_height - s.pad_height;
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        const int in_x_origin = out_x * s.stride_width - s.pad_width;
        for (int out_channel = 0; out_channel < s.output_depth; ++out_channel) {
          float total = 0.0f;
          for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
            const int in_y = in_y_origin + s.dilation_height * filter_y;
            if (in_y < 0 || in_y >= s.input_height) continue;
            for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
              const int in_x = in_x_origin + s.dilation_width * filter_x;
              if (in_x < 0 || in_x >= s.input_width) continue;
              const float* in = input_data + ((static_cast<size_t>(batch) * s.input_height + in_y) * s.input_width +
                                              in_x) * s.input_depth;
              const float* w = filter_data + ((static_cast<size_t>(out_channel) * s.filter_height + filter_y) *
                                                  s.filter_width + filter_x) * s.input_depth;
              for (int in_channel = 0; in_channel < s.input_depth; ++in_channel) total += in[in_channel] * w[in_channel];
            }
          }
          const float bias_value = bias_data ? bias_data[out_channel] : 0.0f;
          output_data[((static_cast<size_t>(batch) * s.output_height + out_y) * s.output_width + out_x) *
                          s.output_depth + out_channel] =
              conv::ClampFloat(total + bias_value, s.float_activation_min, s.float_activation_max);
        }
      }
    }
  }
}

// int8 and uint8: acc = sum (filter + filter_offset) * (input + input_offset) + bias, requantized per channel.
template <typename T>
void EvalQuantized(const Conv2DState& s, const T* input_data, const T* filter_data, const int32_t* bias_data,
                   T* output_data) {
  for (int batch = 0; batch < s.batches; ++batch) {
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      const int in_y_origin = out_y * s.stride_height - s.pad_height;
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        const int in_x_origin = out_x * s.stride_width - s.pad_width;
        for (int out_channel = 0; out_channel < s.output_depth; ++out_channel) {
          int32_t acc = 0;
          for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
            const int in_y = in_y_origin + s.dilation_height * filter_y;
            if (in_y < 0 || in_y >= s.input_height) continue;
            for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
              const int in_x = in_x_origin + s.dilation_width * filter_x;
              if (in_x < 0 || in_x >= s.input_width) continue;
              const T* in = input_data + ((static_cast<size_t>(batch) * s.input_height + in_y) * s.input_width +
                                          in_x) * s.input_depth;
              const T* w = filter_data + ((static_cast<size_t>(out_channel) * s.filter_height + filter_y) *
                                              s.filter_width + filter_x) * s.input_depth;
              for (int in_channel = 0; in_channel < s.input_depth; ++in_channel) {
                const int32_t input_val = in[in_channel];
                const int32_t filter_val = w[in_channel];
                acc += (filter_val + s.filter_offset) * (input_val + s.input_offset);
              }
            }
          }
          if (bias_data) acc += bias_data[out_channel];
          if (s.xnnpack_requant) {
            acc = conv::XnnpackRequantize(acc, s.xnnpack_scale[out_channel], s.output_offset, s.output_activation_min,
                                          s.output_activation_max);
          } else {
            acc = qmath::MultiplyByQuantizedMultiplier(acc, s.per_channel_output_multiplier[out_channel],
                                                       s.per_channel_output_shift[out_channel]);
            acc += s.output_offset;
            acc = conv::ClampInt(acc, s.output_activation_min, s.output_activation_max);
          }
          output_data[((static_cast<size_t>(batch) * s.output_height + out_y) * s.output_width + out_x) *
                          s.output_depth + out_channel] = static_cast<T>(acc);
        }
      }
    }
  }
}

void EvalHybrid(Conv2DState& s, const float* input_data, const int8_t* filter_data, const float* bias_data,
                float* output_data) {
  const int input_size = s.input_height * s.input_width * s.input_depth;
  for (int b = 0; b < s.batches; ++b) {
    const size_t offset = static_cast<size_t>(b) * input_size;
    if (s.hybrid_per_channel) {
      conv::AsymmetricQuantizeFloats(input_data + offset, input_size, s.quantized_input.data() + offset,
                                     &s.scaling_factors[b], &s.input_zero_points[b]);
    } else {
      conv::SymmetricQuantizeFloats(input_data + offset, input_size, s.quantized_input.data() + offset,
                                    &s.scaling_factors[b]);
      s.scaling_factors[b] *= s.filter_scale;
      s.input_zero_points[b] = 0;
    }
  }
  const int8_t* quantized = s.quantized_input.data();
  for (int batch = 0; batch < s.batches; ++batch) {
    const int32_t zero_point = s.input_zero_points[batch];
    for (int out_y = 0; out_y < s.output_height; ++out_y) {
      const int in_y_origin = out_y * s.stride_height - s.pad_height;
      for (int out_x = 0; out_x < s.output_width; ++out_x) {
        const int in_x_origin = out_x * s.stride_width - s.pad_width;
        for (int out_channel = 0; out_channel < s.output_depth; ++out_channel) {
          int32_t acc = 0;
          for (int filter_y = 0; filter_y < s.filter_height; ++filter_y) {
            const int in_y = in_y_origin + s.dilation_height * filter_y;
            if (in_y < 0 || in_y >= s.input_height) continue;
            for (int filter_x = 0; filter_x < s.filter_width; ++filter_x) {
              const int in_x = in_x_origin + s.dilation_width * filter_x;
              if (in_x < 0 || in_x >= s.input_width) continue;
              const int8_t* in = quantized + ((static_cast<size_t>(batch) * s.input_height + in_y) * s.input_width +
                                              in_x) * s.input_depth;
              const int8_t* w = filter_data + ((static_cast<size_t>(out_channel) * s.filter_height + filter_y) *
                                                   s.filter_width + filter_x) * s.input_depth;
              for (int in_channel = 0; in_channel < s.input_depth; ++in_channel)
                acc += static_cast<int32_t>(w[in_channel]) * (static_cast<int32_t>(in[in_channel]) - zero_point);
            }
          }
          const float scale = s.hybrid_per_channel ? s.per_channel_scale[out_channel] * s.scaling_factors[batch]
                                                   : s.scaling_factors[batch];
          float value = static_cast<float>(acc) * scale;
          if (bias_data) value += bias_data[out_channel];
          output_data[((static_cast<size_t>(batch) * s.output_height + out_y) * s.output_width + out_x) *
                          s.output_depth + out_channel] =
              conv::ClampFloat(value, s.float_activation_min, s.float_activation_max);
        }
      }
    }
  }
}

void Eval(KernelContext& ctx) {
  auto& s = *ctx.state_as<Conv2DState>();
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

extern const Kernel kKernel_CONV_2D;
const Kernel kKernel_CONV_2D = {&Prepare, &Eval};

}  // namespace liteopt::ops
