#include "ops/common/conv_params.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "base/quant_math.h"

namespace liteopt::ops::conv {

bool ComputeWindow(ir::Padding padding, int in, int filter, int stride, int dilation, Window1D* window) {
  if (in <= 0 || filter <= 0 || stride <= 0 || dilation <= 0) return false;
  const int64_t effective_filter = static_cast<int64_t>(filter - 1) * dilation + 1;
  int64_t out = 0;
  if (padding == ir::Padding::kSame) {
    out = (static_cast<int64_t>(in) + stride - 1) / stride;
  } else {
    if (effective_filter > in) return false;
    out = (static_cast<int64_t>(in) - effective_filter + stride) / stride;
  }
  if (out <= 0 || out > std::numeric_limits<int32_t>::max()) return false;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + effective_filter - in);
  if (total > std::numeric_limits<int32_t>::max()) return false;
  window->out = static_cast<int>(out);
  window->pad_before = static_cast<int>(total / 2);
  window->pad_after = static_cast<int>(total - total / 2);
  return true;
}

Status ComputeWindows2D(const KernelContext& ctx, const ir::OpOptions& o, int in_h, int in_w, int filter_h,
                        int filter_w, Window1D* window_h, Window1D* window_w) {
  if (o.stride_h <= 0 || o.stride_w <= 0)
    return ctx.Error("strides must be > 0, found stride_h " + std::to_string(o.stride_h) + ", stride_w " +
                     std::to_string(o.stride_w));
  if (o.dilation_h <= 0 || o.dilation_w <= 0)
    return ctx.Error("dilation factors must be > 0, found dilation_h " + std::to_string(o.dilation_h) +
                     ", dilation_w " + std::to_string(o.dilation_w));
  const char* pad = o.padding == ir::Padding::kSame ? "SAME" : "VALID";
  if (!ComputeWindow(o.padding, in_h, filter_h, o.stride_h, o.dilation_h, window_h) ||
      !ComputeWindow(o.padding, in_w, filter_w, o.stride_w, o.dilation_w, window_w)) {
    return ctx.Error(std::string("empty or invalid output for ") + pad + " padding: input " + std::to_string(in_h) +
                     "x" + std::to_string(in_w) + ", filter " + std::to_string(filter_h) + "x" +
                     std::to_string(filter_w) + ", stride " + std::to_string(o.stride_h) + "x" +
                     std::to_string(o.stride_w) + ", dilation " + std::to_string(o.dilation_h) + "x" +
                     std::to_string(o.dilation_w));
  }
  return Status::Ok();
}

Status ComputeGeometry2D(const KernelContext& ctx, const TensorRef& input, const TensorRef& filter, int output_depth,
                         Geometry2D* g) {
  const ir::OpOptions& o = ctx.options();
  g->batches = input.dim(0);
  g->input_height = input.dim(1);
  g->input_width = input.dim(2);
  g->input_depth = input.dim(3);
  g->output_depth = output_depth;
  g->filter_height = filter.dim(1);
  g->filter_width = filter.dim(2);
  Window1D wh, ww;
  LITEOPT_RETURN_IF_ERROR(
      ComputeWindows2D(ctx, o, g->input_height, g->input_width, g->filter_height, g->filter_width, &wh, &ww));
  g->output_height = wh.out;
  g->output_width = ww.out;
  g->pad_height = wh.pad_before;
  g->pad_width = ww.pad_before;
  g->stride_height = o.stride_h;
  g->stride_width = o.stride_w;
  g->dilation_height = o.dilation_h;
  g->dilation_width = o.dilation_w;
  return Status::Ok();
}

Status CheckFusedActivation(const KernelContext& ctx) {
  const ir::Activation a = ctx.options().activation;
  switch (a) {
    case ir::Activation::kNone:
    case ir::Activation::kRelu:
    case ir::Activation::kReluN1To1:
    case ir::Activation::kRelu6:
      return Status::Ok();
    default:
      return ctx.Error("fused activation " + std::string(ir::ActivationName(a)) +
                       " is not supported (expected NONE, RELU, RELU_N1_TO_1 or RELU6)");
  }
}

void PerChannelMultipliers(float input_scale, const std::vector<float>& filter_scales, float output_scale,
                           int num_channels, std::vector<int32_t>* output_multiplier, std::vector<int>* output_shift) {
  output_multiplier->assign(num_channels, 0);
  output_shift->assign(num_channels, 0);
  const bool per_channel = filter_scales.size() > 1;
  for (int c = 0; c < num_channels; ++c) {
    const double filter_scale = static_cast<double>(per_channel ? filter_scales[c] : filter_scales[0]);
    const double effective_output_scale =
        static_cast<double>(input_scale) * filter_scale / static_cast<double>(output_scale);
    qmath::QuantizeMultiplier(effective_output_scale, &(*output_multiplier)[c], &(*output_shift)[c]);
  }
}

bool XnnpackRequantScales(float input_scale, const std::vector<float>& filter_scales, float output_scale,
                          int num_channels, std::vector<float>* scales) {
  // Padded with zeros to a multiple of 16 (gemm::kNr): SIMD requantization reads whole blocks of 16 scales.
  scales->assign((static_cast<size_t>(num_channels) + 15) / 16 * 16, 0.0f);
  const bool per_channel = filter_scales.size() > 1;
  for (int c = 0; c < num_channels; ++c) {
    const float scale = input_scale * (per_channel ? filter_scales[c] : filter_scales[0]) / output_scale;
    if (!(scale < 256.0f) || !std::isfinite(scale)) return false;
    (*scales)[c] = scale;
  }
  return true;
}

double LegacyRealMultiplier(float input_scale, float filter_scale, float output_scale) {
  const double input_product_scale = static_cast<double>(input_scale * filter_scale);
  return input_product_scale / static_cast<double>(output_scale);
}

namespace {

bool ValidScale(float s) { return std::isfinite(s) && s > 0.0f; }

std::string FloatString(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

Status CheckPerTensorQuant(const KernelContext& ctx, const TensorRef& t, const char* role) {
  const ir::QuantParams& q = *t.quant;
  if (q.scale.size() != 1)
    return ctx.Error(std::string(role) + " " + TensorLabel(t) + " needs per-tensor quantization (1 scale), found " +
                     std::to_string(q.scale.size()) + " scales");
  if (!ValidScale(q.scale[0]))
    return ctx.Error(std::string(role) + " " + TensorLabel(t) + " has invalid scale " + FloatString(q.scale[0]) +
                     " (expected finite and > 0)");
  if (q.zero_point.size() > 1)
    return ctx.Error(std::string(role) + " " + TensorLabel(t) + " has " + std::to_string(q.zero_point.size()) +
                     " zero points, expected 1");
  int32_t qmin, qmax;
  qmath::DTypeRange(t.dtype, &qmin, &qmax);
  const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[0];
  if (zp < qmin || zp > qmax)
    return ctx.Error(std::string(role) + " " + TensorLabel(t) + " zero point " + std::to_string(zp) +
                     " is outside the " + std::string(DTypeName(t.dtype)) + " range");
  return Status::Ok();
}

Status CheckFilterQuant(const KernelContext& ctx, const TensorRef& filter, int channel_dim, int channels,
                        bool symmetric) {
  const ir::QuantParams& q = *filter.quant;
  const std::string label = "filter " + TensorLabel(filter);
  if (q.scale.empty()) return ctx.Error(label + " has no quantization scale");
  if (q.scale.size() > 1) {
    if (q.quantized_dimension != channel_dim)
      return ctx.Error(label + " is quantized per axis along dimension " + std::to_string(q.quantized_dimension) +
                       ", expected dimension " + std::to_string(channel_dim));
    if (static_cast<int64_t>(q.scale.size()) != channels)
      return ctx.Error(label + " has " + std::to_string(q.scale.size()) + " per-channel scales, expected " +
                       std::to_string(channels) + " (one per output channel)");
  }
  for (float s : q.scale)
    if (!ValidScale(s)) return ctx.Error(label + " has invalid scale " + FloatString(s) + " (expected finite and > 0)");
  if (q.zero_point.size() > 1 && q.zero_point.size() != q.scale.size())
    return ctx.Error(label + " has " + std::to_string(q.zero_point.size()) + " zero points for " +
                     std::to_string(q.scale.size()) + " scales");
  if (symmetric) {
    for (int64_t zp : q.zero_point)
      if (zp != 0)
        return ctx.Error(label + " must be symmetric (zero point 0), found zero point " + std::to_string(zp));
  } else if (q.zero_point.size() > 1) {
    return ctx.Error(label + " must have a single zero point");
  }
  return Status::Ok();
}

Status CheckBias(const KernelContext& ctx, const TensorRef* bias, DType dtype, int64_t channels) {
  if (bias == nullptr) return Status::Ok();
  if (bias->dtype != dtype)
    return ctx.Error("bias " + TensorLabel(*bias) + " has dtype " + std::string(DTypeName(bias->dtype)) +
                     ", expected " + std::string(DTypeName(dtype)));
  if (bias->num_elements() != channels)
    return ctx.Error("bias " + TensorLabel(*bias) + " has shape " + ShapeString(bias->shape) + " (" +
                     std::to_string(bias->num_elements()) + " elements), expected " + std::to_string(channels) +
                     " elements (one per output channel)");
  if (dtype != DType::kFloat32) {
    for (int64_t zp : bias->quant->zero_point)
      if (zp != 0)
        return ctx.Error("bias " + TensorLabel(*bias) + " must have zero point 0, found " + std::to_string(zp));
  }
  return Status::Ok();
}

Status CheckOutputDType(const KernelContext& ctx, const TensorRef& output, DType dtype) {
  if (output.dtype != dtype)
    return ctx.Error("output " + TensorLabel(output) + " has dtype " + std::string(DTypeName(output.dtype)) +
                     ", expected " + std::string(DTypeName(dtype)));
  return Status::Ok();
}

Status CheckLegacyBiasScale(const KernelContext& ctx, const TensorRef* bias, float input_scale, float filter_scale,
                            float output_scale) {
  if (bias == nullptr || bias->quant->scale.empty()) return Status::Ok();
  const double input_product_scale = static_cast<double>(input_scale) * static_cast<double>(filter_scale);
  const double bias_scale = static_cast<double>(bias->quant->scale[0]);
  const double diff = std::abs(input_product_scale - bias_scale) / static_cast<double>(output_scale);
  if (!(diff <= 0.02))
    return ctx.Error("bias " + TensorLabel(*bias) + " scale " + FloatString(bias_scale) +
                     " does not match input_scale * filter_scale = " + FloatString(input_product_scale) +
                     " (difference / output_scale = " + FloatString(diff) + ", must be <= 0.02)");
  return Status::Ok();
}

Status SelectKind(const KernelContext& ctx, const TensorRef& input, const TensorRef& filter, const char* filter_noun,
                  Kind* kind) {
  if (input.dtype == DType::kFloat32 && filter.dtype == DType::kFloat32) {
    *kind = Kind::kFloat;
  } else if (input.dtype == DType::kFloat32 && filter.dtype == DType::kInt8) {
    *kind = Kind::kHybrid;
  } else if (input.dtype == DType::kInt8) {
    *kind = Kind::kInt8;
  } else if (input.dtype == DType::kUInt8) {
    *kind = Kind::kUInt8;
  } else if (input.dtype == DType::kInt16) {
    *kind = Kind::kInt16;
  } else {
    return ctx.Error("unsupported dtypes: input " + TensorLabel(input) + " " + std::string(DTypeName(input.dtype)) +
                     ", " + filter_noun + " " + TensorLabel(filter) + " " + std::string(DTypeName(filter.dtype)) +
                     " (supported: float32/float32, float32/int8 hybrid, int8/int8, uint8/uint8, int16/int8)");
  }
  return Status::Ok();
}

Status PrepareQuantized(const KernelContext& ctx, const TensorRef& input, const TensorRef& filter,
                        const TensorRef* bias, const TensorRef& output, const FilterSpec& spec,
                        QuantizedParams* params) {
  const DType t = input.dtype;
  const bool int16x8 = t == DType::kInt16;
  const DType filter_type = int16x8 ? DType::kInt8 : t;
  const DType bias_type = int16x8 ? DType::kInt64 : DType::kInt32;
  const std::string type(DTypeName(t));
  if (filter.dtype != filter_type)
    return ctx.Error(type + " input needs " + std::string(DTypeName(filter_type)) + " " + spec.noun + ", " + spec.noun +
                     " " + TensorLabel(filter) + " " + spec.verb + " " + std::string(DTypeName(filter.dtype)));
  LITEOPT_RETURN_IF_ERROR(CheckOutputDType(ctx, output, t));
  LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, input, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, output, "output"));
  if (int16x8 && (input.zero_point() != 0 || output.zero_point() != 0))
    return ctx.Error("int16 input " + TensorLabel(input) + " and output " + TensorLabel(output) +
                     " need zero point 0 (symmetric 16x8 quantization), found " +
                     std::to_string(input.zero_point()) + " and " + std::to_string(output.zero_point()));
  const std::vector<float>& filter_scales = filter.quant->scale;
  const int channels = spec.channels;
  if (t != DType::kUInt8 && (!spec.int8_per_tensor_legacy || filter_scales.size() > 1)) {
    LITEOPT_RETURN_IF_ERROR(CheckFilterQuant(ctx, filter, spec.quantized_dim, channels, /*symmetric=*/true));
    LITEOPT_RETURN_IF_ERROR(CheckBias(ctx, bias, bias_type, channels));
    PerChannelMultipliers(input.scale(), filter_scales, output.scale(), channels, &params->output_multiplier,
                          &params->output_shift);
  } else {
    // Legacy per-tensor path (reached with more than one scale only by uint8 filters).
    if (filter_scales.size() > 1)
      return ctx.Error(type + " " + spec.noun + " " + TensorLabel(filter) + " " + spec.verb +
                       " quantized per channel (" + std::to_string(filter_scales.size()) + " scales); the " + type +
                       " path needs one scale");
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, filter, spec.noun));
    LITEOPT_RETURN_IF_ERROR(CheckBias(ctx, bias, bias_type, channels));
    LITEOPT_RETURN_IF_ERROR(CheckLegacyBiasScale(ctx, bias, input.scale(), filter.scale(), output.scale()));
    int32_t output_multiplier;
    int output_shift;
    qmath::QuantizeMultiplier(LegacyRealMultiplier(input.scale(), filter.scale(), output.scale()), &output_multiplier,
                              &output_shift);
    params->output_multiplier.assign(channels, output_multiplier);
    params->output_shift.assign(channels, output_shift);
    params->filter_offset = -filter.zero_point();
  }
  params->input_offset = -input.zero_point();
  params->output_offset = output.zero_point();
  qmath::ActivationRangeQuantized(static_cast<int>(ctx.options().activation), t, output.scale(), output.zero_point(),
                                  &params->output_activation_min, &params->output_activation_max);
  // XNNPACK has no int16 kernels: TFLite runs int16x8 on its built-in ones.
  if (ctx.numerics == Numerics::kTfliteRuntime && !int16x8 && (t == DType::kUInt8 || params->filter_offset == 0))
    params->xnnpack_requant =
        XnnpackRequantScales(input.scale(), filter_scales, output.scale(), channels, &params->xnnpack_scale);
  return Status::Ok();
}

Status CheckedNumElements(const KernelContext& ctx, const TensorRef& t, int64_t* count) {
  int64_t n = 1;
  for (int32_t d : t.shape) {
    if (d < 0) return ctx.Error(TensorLabel(t) + " has a negative dimension: " + ShapeString(t.shape));
    n *= d;
    if (n > std::numeric_limits<int32_t>::max())
      return ctx.Error(TensorLabel(t) + " with shape " + ShapeString(t.shape) + " has more than 2^31-1 elements");
  }
  *count = n;
  return Status::Ok();
}

RowQuantization SymmetricRowQuantization(float min_value, float max_value) {
  const int32_t kScale = 127;
  RowQuantization r;
  const float range = std::max(std::abs(min_value), std::abs(max_value));
  if (range == 0) return r;
  r.all_zero = false;
  r.scaling_factor = range / kScale;
  r.inv = kScale / range;
  return r;
}

RowQuantization AsymmetricRowQuantization(float min_value, float max_value) {
  const int32_t kMinScale = -128;
  const int32_t kMaxScale = 127;
  const double qmin_double = kMinScale;
  const double qmax_double = kMaxScale;
  RowQuantization r;
  r.qmin = kMinScale;
  r.qmax = kMaxScale;
  const double rmin = static_cast<double>(std::min(0.0f, min_value));
  const double rmax = static_cast<double>(std::max(0.0f, max_value));
  if (rmin == rmax) return r;
  r.all_zero = false;
  const double scale = (rmax - rmin) / (qmax_double - qmin_double);
  const double zero_point_from_min = qmin_double - rmin / scale;
  const double zero_point_from_max = qmax_double - rmax / scale;
  const double zero_point_from_min_error = std::abs(qmin_double) + std::abs(rmin / scale);
  const double zero_point_from_max_error = std::abs(qmax_double) + std::abs(rmax / scale);
  const double zero_point_double =
      zero_point_from_min_error < zero_point_from_max_error ? zero_point_from_min : zero_point_from_max;
  if (zero_point_double <= qmin_double) {
    r.zero_point = kMinScale;
  } else if (zero_point_double >= qmax_double) {
    r.zero_point = kMaxScale;
  } else {
    r.zero_point = static_cast<int8_t>(std::round(zero_point_double));
  }
  r.scaling_factor = static_cast<float>(scale);
  r.inv = 1.0f / r.scaling_factor;
  return r;
}

namespace {

// Quantizes a row with the parameters derived from its min and max (the reference loop of both functions).
RowQuantization QuantizeRow(const float* values, int size, int8_t* quantized, bool asymmetric) {
  const auto [min_it, max_it] = std::minmax_element(values, values + size);
  const float min_value = size > 0 ? *min_it : 0.0f;
  const float max_value = size > 0 ? *max_it : 0.0f;
  const RowQuantization r =
      asymmetric ? AsymmetricRowQuantization(min_value, max_value) : SymmetricRowQuantization(min_value, max_value);
  if (r.all_zero) {
    std::memset(quantized, 0, static_cast<size_t>(size));
    return r;
  }
  const float offset = static_cast<float>(r.zero_point);
  for (int i = 0; i < size; ++i) {
    // int + float is evaluated in float, as in TFLite; the symmetric form round(x * inv) equals
    // round(0.0f + x * inv).
    const auto q = static_cast<int32_t>(std::round(offset + values[i] * r.inv));
    quantized[i] = static_cast<int8_t>(std::min(r.qmax, std::max(r.qmin, q)));
  }
  return r;
}

}  // namespace

void SymmetricQuantizeFloats(const float* values, int size, int8_t* quantized, float* scaling_factor) {
  *scaling_factor = QuantizeRow(values, size, quantized, /*asymmetric=*/false).scaling_factor;
}

void AsymmetricQuantizeFloats(const float* values, int size, int8_t* quantized, float* scaling_factor,
                              int32_t* offset) {
  const RowQuantization r = QuantizeRow(values, size, quantized, /*asymmetric=*/true);
  *scaling_factor = r.scaling_factor;
  *offset = r.zero_point;
}

void HybridInput::Allocate(int num_rows, int num_row_elements) {
  rows = num_rows;
  row_size = num_row_elements;
  quantized.assign(static_cast<size_t>(rows) * static_cast<size_t>(row_size), 0);
  scaling_factors.assign(static_cast<size_t>(rows), 0.0f);
  zero_points.assign(static_cast<size_t>(rows), 0);
}

void HybridInput::Quantize(const float* input, bool asymmetric) {
  for (int r = 0; r < rows; ++r) {
    const size_t offset = static_cast<size_t>(r) * row_size;
    if (asymmetric) {
      AsymmetricQuantizeFloats(input + offset, row_size, quantized.data() + offset, &scaling_factors[r],
                               &zero_points[r]);
    } else {
      SymmetricQuantizeFloats(input + offset, row_size, quantized.data() + offset, &scaling_factors[r]);
      zero_points[r] = 0;
    }
  }
}

}  // namespace liteopt::ops::conv
