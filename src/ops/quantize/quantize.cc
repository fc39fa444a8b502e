// QUANTIZE and DEQUANTIZE (kernels/quantize.cc, kernels/dequantize.cc).
// QUANTIZE:
//  - float32 -> int8/uint8, per tensor: what the official runtime's XNNPACK delegate computes,
//    q = round_even(clamp(x * (1 / s))) + zp (ops/common/xnnpack_compat.h).
//  - float32 -> int16, per tensor: TFLite's AffineQuantize, q = clamp(round_half_away(x / s) + zp), see
//    kQuantizeDividesInDouble.
//  - float32 -> int8/uint8/int16 per axis (quantized_dimension): same formula with each channel's scale and zp.
//  - int8/uint8 -> int8/uint8 and int16 -> int8/int16 requantization (reference/requantize.h):
//    q_out = clamp(MBQM(q - zp_in, s_in / s_out) + zp_out); s_in / s_out is computed in double.
//    int8 -> int8 and uint8 -> uint8 with s_in / s_out in [2^-8, 2^7] run in the XNNPACK delegate instead,
//    whose 8-bit multiplier arithmetic is reproduced (ops/common/xnnpack_compat.h).
// DEQUANTIZE: int8/uint8/int16 -> float32 as s * (q - zp) (per tensor or per axis); float16 -> float32 exactly.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "base/fp16.h"
#include "base/quant_math.h"
#include "ops/common/op_checks.h"
#include "ops/common/xnnpack_compat.h"
#include "ops/quantize/quantize_fast.h"

namespace liteopt::ops {
namespace {

// The float -> integer step of TFLite's kernel divides x by the scale in double (the optimized AffineQuantize
// keeps the scale as a double; the reference one divides in float). The two differ only when x / s lands
// within an ulp of a .5 boundary; the official runtime was checked to divide in double (int16 output).
constexpr bool kQuantizeDividesInDouble = true;

int32_t QuantizeOne(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  double r = kQuantizeDividesInDouble ? std::round(static_cast<double>(x) / static_cast<double>(scale))
                                      : static_cast<double>(std::round(x / scale));
  r += zero_point;
  if (!(r >= qmin)) return qmin;  // NaN goes to qmin as well
  if (r > qmax) return qmax;
  return static_cast<int32_t>(r);
}

// Per-axis parameters expanded for eval: element i uses channel (i / inner) % channels.
struct AxisParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int64_t inner = 1;
  int64_t channels = 1;
};

Status MakeAxisParams(const KernelContext& ctx, const TensorRef& t, const std::string& role, AxisParams* p) {
  const ir::QuantParams& q = *t.quant;
  if (q.scale.empty())
    return ctx.Error(role + " " + TensorLabel(t) + " has no quantization parameters");
  const int dim = q.quantized_dimension;
  if (q.scale.size() == 1) {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, t, role));
    p->scale = {t.scale()};
    p->zero_point = {t.zero_point()};
    p->inner = 1;
    p->channels = 1;
    return Status::Ok();
  }
  if (dim < 0 || dim >= t.rank())
    return ctx.Error(role + " " + TensorLabel(t) + " has quantized_dimension " + std::to_string(dim) +
                     " outside its rank " + std::to_string(t.rank()));
  if (static_cast<int64_t>(q.scale.size()) != t.dim(dim))
    return ctx.Error(role + " " + TensorLabel(t) + " has " + std::to_string(q.scale.size()) + " scales for dimension " +
                     std::to_string(dim) + " of size " + std::to_string(t.dim(dim)));
  if (q.zero_point.size() != q.scale.size() && q.zero_point.size() > 1)
    return ctx.Error(role + " " + TensorLabel(t) + " has " + std::to_string(q.zero_point.size()) +
                     " zero points for " + std::to_string(q.scale.size()) + " scales");
  int32_t qmin, qmax;
  qmath::DTypeRange(t.dtype, &qmin, &qmax);
  p->scale.clear();
  p->zero_point.clear();
  for (size_t c = 0; c < q.scale.size(); ++c) {
    if (!(q.scale[c] > 0.0f) || !std::isfinite(q.scale[c]))
      return ctx.Error(role + " " + TensorLabel(t) + " channel " + std::to_string(c) + " has scale " +
                       std::to_string(q.scale[c]) + ", expected a positive finite value");
    const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[q.zero_point.size() == 1 ? 0 : c];
    if (zp < qmin || zp > qmax)
      return ctx.Error(role + " " + TensorLabel(t) + " channel " + std::to_string(c) + " has zero point " +
                       std::to_string(zp) + " outside the " + std::string(DTypeName(t.dtype)) + " range");
    p->scale.push_back(q.scale[c]);
    p->zero_point.push_back(static_cast<int32_t>(zp));
  }
  p->channels = t.dim(dim);
  p->inner = 1;
  for (int i = dim + 1; i < t.rank(); ++i) p->inner *= t.dim(i);
  return Status::Ok();
}

// ---------------------------------------------------------------- QUANTIZE

struct QuantizeState : OpState {
  AxisParams axis;  // float input: the output's parameters
  int32_t qmin = 0, qmax = 0;
  bool use_xnn = false;  // float -> 8-bit per tensor
  float inv_scale = 0.0f;
  // Optimized path (not ctx.reference) for use_xnn with a float input: quantize_fast's loops for the selected ISA.
  const quantize_fast::Kernels* fast = nullptr;
  // Requantization.
  int32_t input_zero_point = 0, output_zero_point = 0;
  int32_t multiplier = 0;
  int shift = 0;
  int32_t xnn_multiplier = 0;  // use_xnn with an integer input
  // Optimized path (not ctx.reference) for 8-bit -> 8-bit: the 256 possible results, computed at prepare time by
  // the reference Requantize below (so bit-exact by construction), indexed by the input byte.
  bool use_lut = false;
  uint8_t lut[256] = {};
};

void FillRequantizeLut(QuantizeState* s, DType in, DType out);

Status PrepareQuantize(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(
      CheckDType(ctx, in, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  auto s = std::make_unique<QuantizeState>();
  if (in.dtype == DType::kFloat32) {
    LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, out, {DType::kInt8, DType::kUInt8, DType::kInt16}, "output"));
    out.shape = in.shape;  // MakeAxisParams reads the output's dimensions
    LITEOPT_RETURN_IF_ERROR(MakeAxisParams(ctx, out, "output", &s->axis));
    s->use_xnn = ctx.numerics == Numerics::kTfliteRuntime && out.dtype != DType::kInt16 && s->axis.channels == 1 &&
                 out.quant->scale.size() == 1;
    s->inv_scale = 1.0f / s->axis.scale[0];
    if (s->use_xnn && !ctx.reference) s->fast = &quantize_fast::KernelsFor(SelectedIsa());
  } else {
    if (in.dtype == DType::kInt16) {
      LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, out, {DType::kInt8, DType::kInt16}, "output"));
    } else {
      LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, out, {DType::kInt8, DType::kUInt8}, "output"));
    }
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
    if (in.dtype == DType::kInt16 && out.dtype == DType::kInt16 && (in.zero_point() != 0 || out.zero_point() != 0))
      return ctx.Error("int16 -> int16 requantization needs zero points 0, found input " +
                       std::to_string(in.zero_point()) + " and output " + std::to_string(out.zero_point()));
    s->input_zero_point = in.zero_point();
    s->output_zero_point = out.zero_point();
    const double effective_output_scale = static_cast<double>(in.scale()) / static_cast<double>(out.scale());
    qmath::QuantizeMultiplier(effective_output_scale, &s->multiplier, &s->shift);
    s->use_xnn = ctx.numerics == Numerics::kTfliteRuntime && in.dtype == out.dtype && in.dtype != DType::kInt16 &&
                 xnn::RequantizeSupported(in.scale(), out.scale());
    if (s->use_xnn) s->xnn_multiplier = xnn::RequantizeMultiplier(in.scale(), out.scale());
  }
  qmath::DTypeRange(out.dtype, &s->qmin, &s->qmax);
  out.shape = in.shape;
  if (!ctx.reference && (in.dtype == DType::kInt8 || in.dtype == DType::kUInt8))
    FillRequantizeLut(s.get(), in.dtype, out.dtype);
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename Out>
void QuantizeFloat(const QuantizeState& s, const float* x, Out* y, int64_t n) {
  const AxisParams& a = s.axis;
  if (s.use_xnn) {
    if constexpr (sizeof(Out) == 1) {
      if (s.fast) {
        const quantize_fast::FloatParams p = {s.inv_scale, a.zero_point[0], s.qmin, s.qmax};
        if constexpr (std::is_same_v<Out, int8_t>) s.fast->f32_to_s8(p, x, y, n);
        else s.fast->f32_to_u8(p, x, y, n);
        return;
      }
    }
    for (int64_t i = 0; i < n; ++i)
      y[i] = static_cast<Out>(xnn::QuantizeFloat(x[i], s.inv_scale, a.zero_point[0], s.qmin, s.qmax));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = a.channels == 1 ? 0 : (i / a.inner) % a.channels;
    y[i] = static_cast<Out>(QuantizeOne(x[i], a.scale[c], a.zero_point[c], s.qmin, s.qmax));
  }
}

template <typename In, typename Out>
void Requantize(const QuantizeState& s, const In* x, Out* y, int64_t n) {
  if (s.use_xnn) {
    for (int64_t i = 0; i < n; ++i)
      y[i] = static_cast<Out>(
          xnn::Requantize(x[i], s.xnn_multiplier, s.input_zero_point, s.output_zero_point, s.qmin, s.qmax));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int32_t input = static_cast<int32_t>(x[i]) - s.input_zero_point;
    const int32_t output = qmath::MultiplyByQuantizedMultiplier(input, s.multiplier, s.shift) + s.output_zero_point;
    y[i] = static_cast<Out>(std::max(std::min(output, s.qmax), s.qmin));
  }
}

template <typename In, typename Out>
void FillLut(QuantizeState* s) {
  In x[256];
  Out y[256];
  for (int i = 0; i < 256; ++i) x[i] = static_cast<In>(static_cast<uint8_t>(i));
  Requantize(*s, x, y, 256);
  for (int i = 0; i < 256; ++i) s->lut[i] = static_cast<uint8_t>(y[i]);
  s->use_lut = true;
}

void FillRequantizeLut(QuantizeState* s, DType in, DType out) {
  if (in == DType::kInt8 && out == DType::kInt8) FillLut<int8_t, int8_t>(s);
  if (in == DType::kInt8 && out == DType::kUInt8) FillLut<int8_t, uint8_t>(s);
  if (in == DType::kUInt8 && out == DType::kInt8) FillLut<uint8_t, int8_t>(s);
  if (in == DType::kUInt8 && out == DType::kUInt8) FillLut<uint8_t, uint8_t>(s);
}

template <typename In>
void RequantizeFrom(const QuantizeState& s, const TensorRef& in, TensorRef& out, int64_t n) {
  if (s.use_lut) {
    const uint8_t* x = in.as<uint8_t>();
    uint8_t* y = out.as<uint8_t>();
    for (int64_t i = 0; i < n; ++i) y[i] = s.lut[x[i]];
    return;
  }
  switch (out.dtype) {
    case DType::kInt8: Requantize(s, in.as<In>(), out.as<int8_t>(), n); break;
    case DType::kUInt8: Requantize(s, in.as<In>(), out.as<uint8_t>(), n); break;
    case DType::kInt16: Requantize(s, in.as<In>(), out.as<int16_t>(), n); break;
    default: break;
  }
}

void EvalQuantize(KernelContext& ctx) {
  const auto& s = *ctx.state_as<QuantizeState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.dtype) {
    case DType::kFloat32:
      switch (out.dtype) {
        case DType::kInt8: QuantizeFloat(s, in.as<float>(), out.as<int8_t>(), n); break;
        case DType::kUInt8: QuantizeFloat(s, in.as<float>(), out.as<uint8_t>(), n); break;
        case DType::kInt16: QuantizeFloat(s, in.as<float>(), out.as<int16_t>(), n); break;
        default: break;
      }
      break;
    case DType::kInt8: RequantizeFrom<int8_t>(s, in, out, n); break;
    case DType::kUInt8: RequantizeFrom<uint8_t>(s, in, out, n); break;
    case DType::kInt16: RequantizeFrom<int16_t>(s, in, out, n); break;
    default: break;
  }
}

// ---------------------------------------------------------------- DEQUANTIZE

struct DequantizeState : OpState {
  AxisParams axis;
};

Status PrepareDequantize(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(
      CheckDType(ctx, in, {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kFloat16}, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, DType::kFloat32, "output"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  auto s = std::make_unique<DequantizeState>();
  if (in.dtype != DType::kFloat16) LITEOPT_RETURN_IF_ERROR(MakeAxisParams(ctx, in, "input", &s->axis));
  out.shape = in.shape;
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename In>
void DequantizeTyped(const AxisParams& a, const In* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = a.channels == 1 ? 0 : (i / a.inner) % a.channels;
    y[i] = a.scale[c] * static_cast<float>(static_cast<int32_t>(x[i]) - a.zero_point[c]);
  }
}

void EvalDequantize(KernelContext& ctx) {
  const auto& s = *ctx.state_as<DequantizeState>();
  const TensorRef& in = *ctx.input(0);
  float* y = ctx.output(0)->as<float>();
  const int64_t n = in.num_elements();
  switch (in.dtype) {
    case DType::kInt8: DequantizeTyped(s.axis, in.as<int8_t>(), y, n); break;
    case DType::kUInt8: DequantizeTyped(s.axis, in.as<uint8_t>(), y, n); break;
    case DType::kInt16: DequantizeTyped(s.axis, in.as<int16_t>(), y, n); break;
    case DType::kFloat16: {
      const uint16_t* x = in.as<uint16_t>();
      for (int64_t i = 0; i < n; ++i) y[i] = HalfToFloat(x[i]);
      break;
    }
    default: break;
  }
}

}  // namespace

extern const Kernel kKernel_QUANTIZE;
const Kernel kKernel_QUANTIZE = {&PrepareQuantize, &EvalQuantize};
extern const Kernel kKernel_DEQUANTIZE;
const Kernel kKernel_DEQUANTIZE = {&PrepareDequantize, &EvalDequantize};

}  // namespace liteopt::ops
