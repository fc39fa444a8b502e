// MEAN, SUM, REDUCE_MAX and REDUCE_MIN over the axes given by a constant int32 input (negative axes allowed,
// duplicates ignored), with keep_dims. float32 and int8/uint8 for all four; int32 for SUM, REDUCE_MAX and REDUCE_MIN.
//
// Quantized MEAN/SUM follow what the official runtime (TFLite 2.13 as shipped in @tensorflow/tfjs-tflite, with
// its default XNNPACK delegate) computes; each path was checked bit for bit against it:
//  - MEAN of a 4-D input over axes {1, 2} (global average pooling, any keep_dims): the XNNPACK delegate,
//    round_even(float(sum - N * zp_in) * (s_in / (s_out * N))) + zp_out (ops/common/xnnpack_compat.h).
//    If XNNPACK would refuse it (scale ratio outside [2^-8, 2^8)) and keep_dims is set, TFLite's optimized
//    integer kernel (optimized/integer_ops/mean.h): MBQM(sum, s_in / (N * s_out)) + zp_out - trunc(zp_in *
//    s_in / s_out +- 0.5), all factors in float.
//  - other MEAN with equal input/output scale and zero point: trunc(sum / N) of the stored values (reference
//    Mean, integer division).
//  - other MEAN: round_half_away(float(sum) / N * (s_in / s_out) - zp_in * (s_in / s_out)) + zp_out, clamped
//    (the float QuantizedMeanOrSum of TFLite 2.13; newer LiteRT versions compute it differently).
//  - SUM with equal input/output scale and zero point: TFLite's generic reducer, which adds the stored values in
//    the tensor's type, wrapping around, and leaves the zero point alone (with zp != 0 the result is not the
//    quantized real sum: the zero point is counted N times instead of once).
//  - other SUM: round_half_away(float(sum) * (s_in / s_out) + (-zp_in * (s_in / s_out)) * N) + zp_out, wrapped to
//    the type without clamping (TFLite 2.13 float QuantizedMeanOrSum with compute_sum).
// REDUCE_MAX / REDUCE_MIN compare stored values; TFLite requires input and output to share scale and zero point.
// MEAN, SUM, REDUCE_MAX and REDUCE_MIN also take int16 (16x8 mode, zero points 0): MEAN on the same paths as int8
// except XNNPACK's, which has no int16 kernel. TFLite's reduce.cc rescales only 8-bit SUM: int16 SUM always runs the
// generic reducer above, which requires the output's scale to equal the input's (the runtime refuses the op
// otherwise, and so does liteopt).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "base/quant_math.h"
#include "ops/common/op_checks.h"
#include "ops/common/xnnpack_compat.h"

namespace liteopt::ops {
namespace {

enum class ReduceKind { kMean, kSum, kMax, kMin };
enum class QuantPath { kNone, kXnnMeanHW, kMean4D, kMeanSameScale, kMeanFloat, kSumFloat, kSumStored };

struct ReduceState : OpState {
  ReduceKind kind = ReduceKind::kMean;
  QuantPath path = QuantPath::kNone;
  std::vector<int32_t> in_dims;
  std::vector<int64_t> out_stride;  // per input axis: stride in the output, 0 for reduced axes
  int64_t in_size = 0, out_size = 0, count = 0;  // count = elements reduced into each output
  // When the reduced axes are one run of consecutive axes, the input is [outer, reduced, inner] and every output
  // accumulates whole rows of `inner` contiguous values (global average pooling: [N, H*W, C]). The row walk visits
  // each output's elements in the same order as the element walk, so results are identical, only faster.
  bool rows = false;
  int64_t outer = 0, reduced_count = 0, inner = 0;
  // Scratch sized in prepare so that eval does not allocate.
  std::vector<int32_t> index;
  std::vector<int32_t> acc_i;
  std::vector<float> acc_f;
  // Quantized parameters.
  int32_t input_zero_point = 0, output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 0;
  int32_t bias = 0;  // kMean4D
  float scale = 0.0f;  // kXnnMeanHW, kMeanFloat, kSumFloat
  float float_bias = 0.0f;  // kMeanFloat, kSumFloat
  int32_t qmin = 0, qmax = 0;
};

Status PrepareReduce(KernelContext& ctx, ReduceKind kind) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  const TensorRef& axes = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  if (kind == ReduceKind::kMean) {
    LITEOPT_RETURN_IF_ERROR(
        CheckDType(ctx, in, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input"));
  } else if (kind == ReduceKind::kMax || kind == ReduceKind::kMin) {
    LITEOPT_RETURN_IF_ERROR(CheckDType(
        ctx, in, {DType::kFloat32, DType::kInt32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input"));
  } else {
    LITEOPT_RETURN_IF_ERROR(
        CheckDType(ctx, in, {DType::kFloat32, DType::kInt32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input"));
  }
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, in.dtype, "output"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, axes, DType::kInt32, "axes"));
  if (axes.rank() > 1)
    return ctx.Error("axes " + TensorLabel(axes) + " has shape " + ShapeString(axes.shape) + ", expected rank 0 or 1");
  if (!axes.is_const || axes.data == nullptr)
    return ctx.Error("axes " + TensorLabel(axes) +
                     " is not a constant tensor; the output shape depends on its values, so it must be constant");
  const int64_t num_axes = axes.num_elements();
  if (axes.bytes < static_cast<size_t>(num_axes) * sizeof(int32_t))
    return ctx.Error("axes " + TensorLabel(axes) + " holds " + std::to_string(axes.bytes) + " bytes, expected " +
                     std::to_string(num_axes * 4));
  const int rank = in.rank();
  std::vector<bool> reduced(rank, false);
  const int32_t* axis_data = axes.as<int32_t>();
  std::vector<int> axis_list;
  for (int64_t i = 0; i < num_axes; ++i) {
    int a = axis_data[i];
    if (a < -rank || a >= rank)
      return ctx.Error("axis " + std::to_string(axis_data[i]) + " is out of range for input " + TensorLabel(in) +
                       " of rank " + std::to_string(rank));
    if (a < 0) a += rank;
    if (!reduced[a]) axis_list.push_back(a);
    reduced[a] = true;
  }

  auto s = std::make_unique<ReduceState>();
  s->kind = kind;
  s->in_dims = in.shape;
  s->in_size = in.num_elements();
  std::vector<int32_t> out_shape;
  s->count = 1;
  for (int i = 0; i < rank; ++i) {
    if (reduced[i]) {
      s->count *= in.shape[i];
      if (ctx.options().keep_dims) out_shape.push_back(1);
    } else {
      out_shape.push_back(in.shape[i]);
    }
  }
  s->out_size = 1;
  for (int32_t d : out_shape) s->out_size *= d;
  s->out_stride.assign(rank, 0);
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    if (reduced[i]) continue;
    s->out_stride[i] = stride;
    stride *= in.shape[i];
  }
  s->index.assign(rank, 0);
  if (!axis_list.empty()) {
    const auto [first, last] = std::minmax_element(axis_list.begin(), axis_list.end());
    s->rows = static_cast<size_t>(*last - *first + 1) == axis_list.size();
    s->outer = 1;
    s->inner = 1;
    for (int i = 0; i < *first; ++i) s->outer *= in.shape[i];
    for (int i = *last + 1; i < rank; ++i) s->inner *= in.shape[i];
    s->reduced_count = s->count;
  }
  if (in.dtype == DType::kFloat32) {
    s->acc_f.assign(s->out_size, 0.0f);
  } else {
    s->acc_i.assign(s->out_size, 0);
  }

  if (IsQuantizedDType(in.dtype)) {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
    if (in.dtype == DType::kInt16 && (in.zero_point() != 0 || out.zero_point() != 0))
      return ctx.Error("int16 input " + TensorLabel(in) + " and output " + TensorLabel(out) +
                       " need zero point 0, found " + std::to_string(in.zero_point()) + " and " +
                       std::to_string(out.zero_point()));
    s->input_zero_point = in.zero_point();
    s->output_zero_point = out.zero_point();
    qmath::DTypeRange(out.dtype, &s->qmin, &s->qmax);
    const bool same_params = in.scale() == out.scale() && in.zero_point() == out.zero_point();
    const bool int16_sum = kind == ReduceKind::kSum && in.dtype == DType::kInt16;
    if (kind == ReduceKind::kMax || kind == ReduceKind::kMin || int16_sum) {
      if (!same_params)
        return ctx.Error("output " + TensorLabel(out) + " quantization (scale " + std::to_string(out.scale()) +
                         ", zero point " + std::to_string(out.zero_point()) + ") differs from the input's (scale " +
                         std::to_string(in.scale()) + ", zero point " + std::to_string(in.zero_point()) + ")" +
                         (int16_sum ? "; TFLite's int16 SUM does not rescale (only its 8-bit SUM does)" : ""));
      if (int16_sum) s->path = QuantPath::kSumStored;
    } else if (kind == ReduceKind::kSum && same_params) {
      s->path = QuantPath::kSumStored;  // TFLite's generic reducer: stored values added, no zero point correction
    } else {
      const bool hw_mean = kind == ReduceKind::kMean && rank == 4 && axis_list.size() == 2 &&
                           ((axis_list[0] == 1 && axis_list[1] == 2) || (axis_list[0] == 2 && axis_list[1] == 1));
      const float ratio = in.scale() / out.scale();
      const float scale_float = ratio;  // TFLite 2.13 evaluates s_in / s_out in float
      if (hw_mean && ctx.numerics == Numerics::kTfliteRuntime && in.dtype != DType::kInt16 && ratio >= 0x1.0p-8f &&
          ratio < 0x1.0p+8f) {
        s->path = QuantPath::kXnnMeanHW;
        s->scale = xnn::MeanScale(in.scale(), out.scale(), s->count);
      } else if (hw_mean && ctx.options().keep_dims) {
        s->path = QuantPath::kMean4D;
        const float num_elements_in_axis = static_cast<float>(in.dim(1) * in.dim(2));
        float temp = static_cast<float>(in.zero_point()) * in.scale() / out.scale();
        temp = temp > 0 ? temp + 0.5f : temp - 0.5f;
        s->bias = out.zero_point() - static_cast<int32_t>(temp);
        const float real_scale = in.scale() / (num_elements_in_axis * out.scale());
        qmath::QuantizeMultiplier(static_cast<double>(real_scale), &s->multiplier, &s->shift);
      } else if (kind == ReduceKind::kMean && same_params) {
        s->path = QuantPath::kMeanSameScale;
      } else if (kind == ReduceKind::kMean) {
        s->path = QuantPath::kMeanFloat;
        s->scale = scale_float;
        s->float_bias = static_cast<float>(-in.zero_point()) * scale_float;
      } else {
        s->path = QuantPath::kSumFloat;
        s->scale = scale_float;
        s->float_bias = static_cast<float>(-in.zero_point()) * scale_float * static_cast<float>(s->count);
      }
    }
  }
  out.shape = out_shape;
  ctx.state = std::move(s);
  return Status::Ok();
}

// Calls f(input_index, output_index) for every input element in row-major order.
template <typename F>
void ForEachElement(ReduceState& s, F&& f) {
  if (s.rows) {
    // Same visiting order per output as the general walk below; the inner loop is contiguous and vectorizes.
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t r = 0; r < s.reduced_count; ++r) {
        const int64_t base = (o * s.reduced_count + r) * s.inner, out_base = o * s.inner;
        for (int64_t j = 0; j < s.inner; ++j) f(base + j, out_base + j);
      }
    }
    return;
  }
  const int rank = static_cast<int>(s.in_dims.size());
  std::fill(s.index.begin(), s.index.end(), 0);
  int64_t out_index = 0;
  for (int64_t i = 0; i < s.in_size; ++i) {
    f(i, out_index);
    for (int d = rank - 1; d >= 0; --d) {
      if (++s.index[d] < s.in_dims[d]) {
        out_index += s.out_stride[d];
        break;
      }
      out_index -= s.out_stride[d] * (s.in_dims[d] - 1);
      s.index[d] = 0;
    }
  }
}

// REDUCE_MAX / REDUCE_MIN of integer values into s.acc_i (int32 holds every stored type).
template <typename T>
void ExtremeInto(ReduceState& s, const T* in) {
  if (s.kind == ReduceKind::kMax) {
    std::fill(s.acc_i.begin(), s.acc_i.end(), std::numeric_limits<T>::lowest());
    ForEachElement(s, [&](int64_t i, int64_t o) { s.acc_i[o] = std::max(s.acc_i[o], static_cast<int32_t>(in[i])); });
  } else {
    std::fill(s.acc_i.begin(), s.acc_i.end(), std::numeric_limits<T>::max());
    ForEachElement(s, [&](int64_t i, int64_t o) { s.acc_i[o] = std::min(s.acc_i[o], static_cast<int32_t>(in[i])); });
  }
}

template <typename T>
void EvalQuantized(ReduceState& s, const T* in, T* out) {
  if (s.kind == ReduceKind::kMax || s.kind == ReduceKind::kMin) {
    ExtremeInto(s, in);
    for (int64_t o = 0; o < s.out_size; ++o) out[o] = static_cast<T>(s.acc_i[o]);
    return;
  }
  std::fill(s.acc_i.begin(), s.acc_i.end(), 0);
  // Wrap-around int32 accumulation like TFLite's, without signed-overflow UB.
  ForEachElement(s, [&](int64_t i, int64_t o) {
    s.acc_i[o] = static_cast<int32_t>(static_cast<uint32_t>(s.acc_i[o]) + static_cast<uint32_t>(in[i]));
  });
  const float n = static_cast<float>(s.count);
  for (int64_t o = 0; o < s.out_size; ++o) {
    const int32_t sum = s.acc_i[o];
    switch (s.path) {
      case QuantPath::kXnnMeanHW: {
        const int32_t sum_minus_zp = static_cast<int32_t>(sum - static_cast<int64_t>(s.input_zero_point) * s.count);
        out[o] = static_cast<T>(xnn::Mean(sum_minus_zp, s.scale, s.output_zero_point, s.qmin, s.qmax));
        break;
      }
      case QuantPath::kMean4D: {
        const int32_t v = qmath::MultiplyByQuantizedMultiplier(sum, s.multiplier, s.shift) + s.bias;
        out[o] = static_cast<T>(std::min(std::max(v, s.qmin), s.qmax));
        break;
      }
      case QuantPath::kMeanSameScale:
        out[o] = s.count == 0 ? T() : static_cast<T>(sum / static_cast<int32_t>(s.count));
        break;
      case QuantPath::kMeanFloat: {
        if (s.count == 0) {
          out[o] = T();
          break;
        }
        const float float_mean = static_cast<float>(sum) / n;
        float result = std::round(float_mean * s.scale + s.float_bias) + static_cast<float>(s.output_zero_point);
        result = std::min(result, static_cast<float>(s.qmax));
        result = std::max(result, static_cast<float>(s.qmin));
        out[o] = static_cast<T>(result);
        break;
      }
      case QuantPath::kSumStored:  // modulo 2^bits of T, as adding in T does
        out[o] = static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<uint32_t>(sum)));
        break;
      case QuantPath::kSumFloat: {
        const float r = std::round(static_cast<float>(sum) * s.scale + s.float_bias);
        const int32_t value = static_cast<int32_t>(std::max(std::min(r, 2147483520.0f), -2147483648.0f)) +
                              s.output_zero_point;
        out[o] = static_cast<T>(value & 0xff);  // static_cast to the 8-bit type wraps
        break;
      }
      default:
        break;
    }
  }
}

void EvalReduce(KernelContext& ctx) {
  auto& s = *ctx.state_as<ReduceState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      if (s.kind == ReduceKind::kMax) {
        std::fill(s.acc_f.begin(), s.acc_f.end(), std::numeric_limits<float>::lowest());
        ForEachElement(s, [&](int64_t i, int64_t o) { s.acc_f[o] = x[i] > s.acc_f[o] ? x[i] : s.acc_f[o]; });
      } else if (s.kind == ReduceKind::kMin) {
        std::fill(s.acc_f.begin(), s.acc_f.end(), std::numeric_limits<float>::max());
        ForEachElement(s, [&](int64_t i, int64_t o) { s.acc_f[o] = x[i] < s.acc_f[o] ? x[i] : s.acc_f[o]; });
      } else {
        std::fill(s.acc_f.begin(), s.acc_f.end(), 0.0f);
        ForEachElement(s, [&](int64_t i, int64_t o) { s.acc_f[o] += x[i]; });
      }
      for (int64_t o = 0; o < s.out_size; ++o)
        y[o] = s.kind == ReduceKind::kMean ? s.acc_f[o] / static_cast<float>(s.count) : s.acc_f[o];
      break;
    }
    case DType::kInt32: {
      const int32_t* x = in.as<int32_t>();
      int32_t* y = out.as<int32_t>();
      if (s.kind == ReduceKind::kMax || s.kind == ReduceKind::kMin) {
        ExtremeInto(s, x);
      } else {
        // Wrap-around sum like TFLite's int32 kernel, without signed-overflow UB.
        std::fill(s.acc_i.begin(), s.acc_i.end(), 0);
        ForEachElement(s, [&](int64_t i, int64_t o) {
          s.acc_i[o] = static_cast<int32_t>(static_cast<uint32_t>(s.acc_i[o]) + static_cast<uint32_t>(x[i]));
        });
      }
      std::copy(s.acc_i.begin(), s.acc_i.end(), y);
      break;
    }
    case DType::kInt8: EvalQuantized(s, in.as<int8_t>(), out.as<int8_t>()); break;
    case DType::kUInt8: EvalQuantized(s, in.as<uint8_t>(), out.as<uint8_t>()); break;
    case DType::kInt16: EvalQuantized(s, in.as<int16_t>(), out.as<int16_t>()); break;
    default: break;
  }
}

Status PrepareMean(KernelContext& ctx) { return PrepareReduce(ctx, ReduceKind::kMean); }
Status PrepareSum(KernelContext& ctx) { return PrepareReduce(ctx, ReduceKind::kSum); }
Status PrepareMax(KernelContext& ctx) { return PrepareReduce(ctx, ReduceKind::kMax); }
Status PrepareMin(KernelContext& ctx) { return PrepareReduce(ctx, ReduceKind::kMin); }

}  // namespace

extern const Kernel kKernel_MEAN;
const Kernel kKernel_MEAN = {&PrepareMean, &EvalReduce};
extern const Kernel kKernel_SUM;
const Kernel kKernel_SUM = {&PrepareSum, &EvalReduce};
extern const Kernel kKernel_REDUCE_MAX;
const Kernel kKernel_REDUCE_MAX = {&PrepareMax, &EvalReduce};
extern const Kernel kKernel_REDUCE_MIN;
const Kernel kKernel_REDUCE_MIN = {&PrepareMin, &EvalReduce};

}  // namespace liteopt::ops
