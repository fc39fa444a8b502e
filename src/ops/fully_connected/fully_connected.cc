// FULLY_CONNECTED reference kernels, numerically following TFLite's built-in kernel
// (tensorflow/lite/kernels/fully_connected.cc). Weights [units, input_depth]; the input is read as
// [batches, input_depth] with batches = num_elements(input) / input_depth. Output [batches, units], or the
// input's shape with its last dimension replaced by units when keep_num_dims is set.
//  - float32: reference_ops::FullyConnected (dot product in input order, then + bias, clamp).
//  - int8: per-tensor weights (weights_offset = -filter_zero_point, legacy multiplier with the scale product in
//    float, as GetQuantizedConvolutionMultipler) or per-channel symmetric weights (multipliers from double
//    products); int32 bias; fixed-point double-rounding requantization (the integer kernel the runtime uses by
//    default; note that the newest LiteRT *reference* int8 FC rounds in double instead).
//  - uint8: per-tensor uint8 weights with zero point, int32 bias, legacy multiplier.
//  - hybrid (float32 input, int8 weights, float bias, float32 output): EvalHybridDense. Each batch row is
//    quantized symmetrically (SymmetricQuantizeFloats), or asymmetrically when asymmetric_quantize_inputs is set
//    (AsymmetricQuantizeFloats, zero point zp[b], corrected with the weight row sums). Per-tensor weights:
//    sf[b] *= filter_scale and out = bias + float(dot) * sf[b]. Per-channel weights (more than one scale):
//    out = bias + float(dot) * (sf[b] * filter_scale[u]). dot = sum w * q - row_sum[u] * zp[b].
// Shuffled weights (weights_format SHUFFLED4x16INT8) are rejected.
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

struct FullyConnectedState : OpState {
  Kind kind = Kind::kFloat;
  int batches = 0, accum_depth = 0, output_depth = 0;
  float float_activation_min = 0, float_activation_max = 0;
  int32_t input_offset = 0, filter_offset = 0, output_offset = 0;
  std::vector<int32_t> per_channel_output_multiplier;  // per-tensor: one value repeated
  std::vector<int> per_channel_output_shift;
  int32_t output_activation_min = 0, output_activation_max = 0;
  bool xnnpack_requant = false;        // Numerics::kTfliteRuntime and XNNPACK would take the op
  std::vector<float> xnnpack_scale;   // per channel
  // Hybrid path.
  bool hybrid_per_channel = false;
  bool asymmetric_quantize_inputs = false;
  float filter_scale = 0;
  std::vector<float> per_channel_scale;
  std::vector<int8_t> quantized_input;  // [batches, accum_depth]
  std::vector<float> scaling_factors;   // [batches]
  std::vector<int32_t> input_offsets;   // [batches], zero points of the asymmetric rows
  std::vector<int32_t> row_sums;        // [units], sums of each weight row
  bool row_sums_ready = false;
};

void ComputeRowSums(const int8_t* filter, int rows, int cols, int32_t* row_sums) {
  for (int r = 0; r < rows; ++r) {
    int32_t sum = 0;
    for (int c = 0; c < cols; ++c) sum += filter[static_cast<size_t>(r) * cols + c];
    row_sums[r] = sum;
  }
}

Status Prepare(KernelContext& ctx) {
  const ir::OpOptions& o = ctx.options();
  if (o.weights_format != 0)
    return ctx.Error("weights_format " + std::to_string(o.weights_format) +
                     " (shuffled 4x16 int8 weights) is not supported; only the default format is");
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 3));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& filter = *ctx.input(1);
  const TensorRef* bias = ctx.input(2);
  TensorRef& output = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(conv::CheckFusedActivation(ctx));

  if (filter.rank() != 2)
    return ctx.Error("weights " + TensorLabel(filter) + " must be 2-D [units, input_depth], found shape " +
                     ShapeString(filter.shape));
  if (filter.dim(0) <= 0 || filter.dim(1) <= 0)
    return ctx.Error("weights " + TensorLabel(filter) + " have an empty dimension: " + ShapeString(filter.shape));
  if (input.rank() < 1)
    return ctx.Error("input " + TensorLabel(input) + " must have rank >= 1, found a scalar");
  int64_t input_size, n;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, input, &input_size));
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, filter, &n));
  const int accum_depth = filter.dim(1);
  const int units = filter.dim(0);
  if (input_size % accum_depth != 0)
    return ctx.Error("input " + TensorLabel(input) + " with shape " + ShapeString(input.shape) + " (" +
                     std::to_string(input_size) + " elements) cannot be split into rows of " +
                     std::to_string(accum_depth) + " (weights " + TensorLabel(filter) + " shape " +
                     ShapeString(filter.shape) + ")");
  if (o.keep_num_dims && input.dim(input.rank() - 1) != accum_depth)
    return ctx.Error("keep_num_dims needs the last dimension of input " + TensorLabel(input) + " " +
                     ShapeString(input.shape) + " to equal the weights' input depth " + std::to_string(accum_depth));

  auto s = std::make_unique<FullyConnectedState>();
  s->batches = static_cast<int>(input_size / accum_depth);
  s->accum_depth = accum_depth;
  s->output_depth = units;
  const int activation = static_cast<int>(o.activation);
  qmath::ActivationRangeFloat(activation, &s->float_activation_min, &s->float_activation_max);

  if (input.dtype == DType::kFloat32 && filter.dtype == DType::kFloat32) {
    s->kind = Kind::kFloat;
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, units));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
  } else if (input.dtype == DType::kFloat32 && filter.dtype == DType::kInt8) {
    s->kind = Kind::kHybrid;
    LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 0, units, /*symmetric=*/true));
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, units));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
    s->hybrid_per_channel = filter.quant->scale.size() > 1;
    s->filter_scale = filter.quant->scale[0];
    if (s->hybrid_per_channel) s->per_channel_scale = filter.quant->scale;
    s->asymmetric_quantize_inputs = o.asymmetric_quantize_inputs;
    s->quantized_input.assign(static_cast<size_t>(input_size), 0);
    s->scaling_factors.assign(static_cast<size_t>(s->batches), 0.0f);
    s->input_offsets.assign(static_cast<size_t>(s->batches), 0);
    s->row_sums.assign(static_cast<size_t>(units), 0);
    if (filter.is_const && filter.data != nullptr) {
      ComputeRowSums(filter.as<int8_t>(), units, accum_depth, s->row_sums.data());
      s->row_sums_ready = true;
    }
  } else if (input.dtype == DType::kInt8 || input.dtype == DType::kUInt8) {
    const DType t = input.dtype;
    s->kind = t == DType::kInt8 ? Kind::kInt8 : Kind::kUInt8;
    if (filter.dtype != t)
      return ctx.Error(std::string(DTypeName(t)) + " input needs " + std::string(DTypeName(t)) + " weights, weights " +
                       TensorLabel(filter) + " are " + std::string(DTypeName(filter.dtype)));
    LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, t));
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, input, "input"));
    LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, output, "output"));
    LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kInt32, units));
    if (filter.quant->scale.size() > 1) {
      if (t != DType::kInt8)
        return ctx.Error("uint8 weights " + TensorLabel(filter) + " are quantized per channel (" +
                         std::to_string(filter.quant->scale.size()) + " scales); the uint8 path needs one scale");
      LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 0, units, /*symmetric=*/true));
      conv::PerChannelMultipliers(input.scale(), filter.quant->scale, output.scale(), units,
                                  &s->per_channel_output_multiplier, &s->per_channel_output_shift);
    } else {
      LITEOPT_RETURN_IF_ERROR(conv::CheckPerTensorQuant(ctx, filter, "weights"));
      LITEOPT_RETURN_IF_ERROR(
          conv::CheckLegacyBiasScale(ctx, bias, input.scale(), filter.scale(), output.scale()));
      int32_t output_multiplier;
      int output_shift;
      qmath::QuantizeMultiplier(conv::LegacyRealMultiplier(input.scale(), filter.scale(), output.scale()),
                                &output_multiplier, &output_shift);
      s->per_channel_output_multiplier.assign(units, output_multiplier);
      s->per_channel_output_shift.assign(units, output_shift);
      s->filter_offset = -filter.zero_point();
    }
    s->input_offset = -input.zero_point();
    s->output_offset = output.zero_point();
    qmath::ActivationRangeQuantized(activation, t, output.scale(), output.zero_point(), &s->output_activation_min,
                                    &s->output_activation_max);
    // XNNPACK's int8 (QS8) path needs symmetric weights; uint8 (QU8) takes a weight zero point.
    if (ctx.numerics == Numerics::kTfliteRuntime && (t == DType::kUInt8 || s->filter_offset == 0))
      s->xnnpack_requant = conv::XnnpackRequantScales(input.scale(), filter.quant->scale, output.scale(), units,
                                                      &s->xnnpack_scale);
  } else {
    return ctx.Error("unsupported dtypes: input " + TensorLabel(input) + " " + std::string(DTypeName(input.dtype)) +
                     ", weights " + TensorLabel(filter) + " " + std::string(DTypeName(filter.dtype)) +
                     " (supported: float32/float32, float32/int8 hybrid, int8/int8, uint8/uint8)");
  }

  if (o.keep_num_dims) {
    output.shape = input.shape;
    output.shape.back() = units;
  } else {
    output.shape = {s->batches, units};
  }
  int64_t out_elems;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, output, &out_elems));
  ctx.state = std::move(s);
  return Status::Ok();
}

void EvalFloat(const FullyConnectedState& s, const float* input_data, const float* filter_data,
               const float* bias_data, float* output_data) {
  for (int b = 0; b < s.batches; ++b) {
    const float* in = input_data + static_cast<size_t>(b) * s.accum_depth;
    for (int out_c = 0; out_c < s.output_depth; ++out_c) {
      const float* w = filter_data + static_cast<size_t>(out_c) * s.accum_depth;
      float total = 0.0f;
      for (int d = 0; d < s.accum_depth; ++d) total += in[d] * w[d];
      const float bias_value = bias_data ? bias_data[out_c] : 0.0f;
      output_data[static_cast<size_t>(b) * s.output_depth + out_c] =
          conv::ClampFloat(total + bias_value, s.float_activation_min, s.float_activation_max);
    }
  }
}

template <typename T>
void EvalQuantized(const FullyConnectedState& s, const T* input_data, const T* filter_data, const int32_t* bias_data,
                   T* output_data) {
  for (int b = 0; b < s.batches; ++b) {
    const T* in = input_data + static_cast<size_t>(b) * s.accum_depth;
    for (int out_c = 0; out_c < s.output_depth; ++out_c) {
      const T* w = filter_data + static_cast<size_t>(out_c) * s.accum_depth;
      int32_t acc = 0;
      for (int d = 0; d < s.accum_depth; ++d) {
        const int32_t input_val = in[d];
        const int32_t filter_val = w[d];
        acc += (filter_val + s.filter_offset) * (input_val + s.input_offset);
      }
      if (bias_data) acc += bias_data[out_c];
      if (s.xnnpack_requant) {
        acc = conv::XnnpackRequantize(acc, s.xnnpack_scale[out_c], s.output_offset, s.output_activation_min,
                                      s.output_activation_max);
      } else {
        acc = qmath::MultiplyByQuantizedMultiplier(acc, s.per_channel_output_multiplier[out_c],
                                                   s.per_channel_output_shift[out_c]);
        acc += s.output_offset;
        acc = conv::ClampInt(acc, s.output_activation_min, s.output_activation_max);
      }
      output_data[static_cast<size_t>(b) * s.output_depth + out_c] = static_cast<T>(acc);
    }
  }
}

void EvalHybrid(FullyConnectedState& s, const float* input_data, const int8_t* filter_data, const float* bias_data,
                float* output_data) {
  if (s.asymmetric_quantize_inputs && !s.row_sums_ready) {
    ComputeRowSums(filter_data, s.output_depth, s.accum_depth, s.row_sums.data());
  }
  for (int b = 0; b < s.batches; ++b) {
    const size_t offset = static_cast<size_t>(b) * s.accum_depth;
    if (s.asymmetric_quantize_inputs) {
      conv::AsymmetricQuantizeFloats(input_data + offset, s.accum_depth, s.quantized_input.data() + offset,
                                     &s.scaling_factors[b], &s.input_offsets[b]);
    } else {
      conv::SymmetricQuantizeFloats(input_data + offset, s.accum_depth, s.quantized_input.data() + offset,
                                    &s.scaling_factors[b]);
      s.input_offsets[b] = 0;
    }
    if (!s.hybrid_per_channel) s.scaling_factors[b] *= s.filter_scale;
  }
  for (int b = 0; b < s.batches; ++b) {
    const int8_t* q = s.quantized_input.data() + static_cast<size_t>(b) * s.accum_depth;
    const float batch_scaling_factor = s.scaling_factors[b];
    const int32_t batch_offset = s.input_offsets[b];
    for (int row = 0; row < s.output_depth; ++row) {
      const int8_t* w = filter_data + static_cast<size_t>(row) * s.accum_depth;
      int32_t dotprod = 0;
      for (int col = 0; col < s.accum_depth; ++col)
        dotprod += static_cast<int32_t>(w[col]) * static_cast<int32_t>(q[col]);
      dotprod -= s.row_sums[row] * batch_offset;
      float scale = batch_scaling_factor;
      if (s.hybrid_per_channel) scale *= s.per_channel_scale[row];
      float result = bias_data ? bias_data[row] : 0.0f;
      result += static_cast<float>(dotprod) * scale;
      output_data[static_cast<size_t>(b) * s.output_depth + row] =
          conv::ClampFloat(result, s.float_activation_min, s.float_activation_max);
    }
  }
}

void Eval(KernelContext& ctx) {
  auto& s = *ctx.state_as<FullyConnectedState>();
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

extern const Kernel kKernel_FULLY_CONNECTED;
const Kernel kKernel_FULLY_CONNECTED = {&Prepare, &Eval};

}  // namespace liteopt::ops
