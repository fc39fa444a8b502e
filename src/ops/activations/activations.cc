// Unary activations: RELU, RELU6, RELU_N1_TO_1, RELU_0_TO_1, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH, EXP.
// Quantized numerics follow TFLite's built-in kernels (kernels/activations.cc, kernels/exp.cc):
//  - RELU family (int8/uint8; RELU and RELU6 also int16, as activations.cc, whose RELU_N1_TO_1 refuses int16):
//    ReluX requantization out = zp_out + MBQM(q - zp_in, s_in / s_out), clamped to
//    [max(qmin, zp_out + round(lo / s_out)), min(qmax, zp_out + round(hi / s_out))] (unbounded hi -> qmax).
//  - LEAKY_RELU (int8/uint8/int16): identity multiplier s_in / s_out for q >= zp_in, alpha multiplier
//    s_in * alpha / s_out otherwise (both computed in float as activations.cc does), then clamp to the type.
//    int16 (16x8 mode) needs zero points 0, as activations.cc's LeakyReluPrepare. When the official runtime's
//    XNNPACK delegate takes an 8-bit op, its 8-bit-multiplier arithmetic is used instead
//    (ops/common/xnnpack_compat.h); XNNPACK has no int16 LEAKY_RELU.
//  - HARD_SWISH (int8/uint8): TFLite's 16-bit fixed-point algorithm (reference_ops::HardSwish).
//  - LOGISTIC / TANH / EXP (int8/uint8): 256-entry table built in prepare exactly like LUTPopulate:
//    dequantize in float, apply the float function, round(x * (1 / s_out)) + zp_out, clamp. This is what the
//    default (kGenericOptimized) kernels run; the fixed-point reference kernels are not used by the runtime.
//    As activations.cc, LOGISTIC requires an output scale of exactly 1/256 and TANH accepts any output
//    parameters (the table is exact for any of them). EXP is float32 and int8 only, as in TFLite.
// All int8/uint8 paths were checked bit for bit against the official runtime on every input value.
#include <cmath>
#include <cstdint>
#include <limits>

#include "base/quant_math.h"
#include "ops/activations/activations.h"
#include "ops/common/op_checks.h"
#include "ops/common/xnnpack_compat.h"

namespace liteopt::ops {
namespace {

// Validates one input, one output of the same dtype and shape; quantized dtypes need per-tensor params.
Status PrepareUnary(KernelContext& ctx, std::initializer_list<DType> allowed) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, in, allowed, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, in.dtype, "output"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  if (IsQuantizedDType(in.dtype)) {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
  }
  out.shape = in.shape;
  return Status::Ok();
}

// ---------------------------------------------------------------- RELU family

struct ReluState : OpState {
  int32_t input_offset = 0;  // the input zero point (ReluParams::input_offset is not negated)
  int32_t output_offset = 0;
  int32_t output_multiplier = 0;
  int output_shift = 0;
  int32_t quantized_activation_min = 0, quantized_activation_max = 0;
};

// lo/hi: the float clamp bounds; hi = +inf for RELU. `int16`: the op also takes int16 (TFLite's 16x8 mode).
Status PrepareReluX(KernelContext& ctx, float lo, float hi, bool int16) {
  if (int16) {
    LITEOPT_RETURN_IF_ERROR(PrepareUnary(ctx, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}));
  } else {
    LITEOPT_RETURN_IF_ERROR(PrepareUnary(ctx, {DType::kFloat32, DType::kInt8, DType::kUInt8}));
  }
  auto s = std::make_unique<ReluState>();
  const TensorRef& in = *ctx.input(0);
  const TensorRef& out = *ctx.output(0);
  if (in.dtype != DType::kFloat32) {
    const float real_multiplier = in.scale() / out.scale();
    qmath::QuantizeMultiplier(static_cast<double>(real_multiplier), &s->output_multiplier, &s->output_shift);
    s->input_offset = in.zero_point();
    s->output_offset = out.zero_point();
    int32_t qmin, qmax;
    qmath::DTypeRange(out.dtype, &qmin, &qmax);
    s->quantized_activation_min =
        std::max(qmin, out.zero_point() + static_cast<int32_t>(std::round(lo / out.scale())));
    s->quantized_activation_max =
        hi == std::numeric_limits<float>::infinity()
            ? qmax
            : std::min(qmax, out.zero_point() + static_cast<int32_t>(std::round(hi / out.scale())));
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T>
void EvalReluXQuantized(const ReluState& s, const T* in, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t val = static_cast<int32_t>(in[i]);
    int32_t clamped =
        s.output_offset + qmath::MultiplyByQuantizedMultiplier(val - s.input_offset, s.output_multiplier, s.output_shift);
    clamped = std::max(s.quantized_activation_min, clamped);
    clamped = std::min(s.quantized_activation_max, clamped);
    out[i] = static_cast<T>(clamped);
  }
}

template <int kLo, int kHi>  // kHi < 0: unbounded above
void EvalReluX(KernelContext& ctx) {
  const auto& s = *ctx.state_as<ReluState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      const float lo = static_cast<float>(kLo);
      const float hi = static_cast<float>(kHi);
      for (int64_t i = 0; i < n; ++i) {
        float v = std::max(lo, x[i]);
        if (kHi >= 0) v = std::min(hi, v);
        y[i] = v;
      }
      break;
    }
    case DType::kInt8: EvalReluXQuantized(s, in.as<int8_t>(), out.as<int8_t>(), n); break;
    case DType::kUInt8: EvalReluXQuantized(s, in.as<uint8_t>(), out.as<uint8_t>(), n); break;
    case DType::kInt16: EvalReluXQuantized(s, in.as<int16_t>(), out.as<int16_t>(), n); break;
    default: break;
  }
}

Status PrepareRelu(KernelContext& ctx) {
  return PrepareReluX(ctx, 0.0f, std::numeric_limits<float>::infinity(), /*int16=*/true);
}
Status PrepareRelu6(KernelContext& ctx) { return PrepareReluX(ctx, 0.0f, 6.0f, /*int16=*/true); }
Status PrepareReluN1To1(KernelContext& ctx) { return PrepareReluX(ctx, -1.0f, 1.0f, /*int16=*/false); }
Status PrepareRelu0To1(KernelContext& ctx) { return PrepareReluX(ctx, 0.0f, 1.0f, /*int16=*/false); }

// ---------------------------------------------------------------- LEAKY_RELU

struct LeakyReluState : OpState {
  float alpha = 0.0f;
  int32_t input_offset = 0, output_offset = 0;  // zero points, not negated (LeakyReluParams)
  int32_t output_multiplier_alpha = 0, output_multiplier_identity = 0;
  int output_shift_alpha = 0, output_shift_identity = 0;
  bool use_xnn = false;
  xnn::LeakyReluParams xnn_params;
};

Status PrepareLeakyRelu(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(PrepareUnary(ctx, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}));
  auto s = std::make_unique<LeakyReluState>();
  s->alpha = ctx.options().alpha;
  if (!std::isfinite(s->alpha)) return ctx.Error("alpha is " + std::to_string(s->alpha) + ", expected a finite value");
  const TensorRef& in = *ctx.input(0);
  const TensorRef& out = *ctx.output(0);
  if (in.dtype == DType::kInt16 && (in.zero_point() != 0 || out.zero_point() != 0))
    return ctx.Error("int16 input " + TensorLabel(in) + " and output " + TensorLabel(out) +
                     " need zero point 0 (16x8 quantization), found " + std::to_string(in.zero_point()) + " and " +
                     std::to_string(out.zero_point()));
  if (in.dtype != DType::kFloat32) {
    s->input_offset = in.zero_point();
    s->output_offset = out.zero_point();
    const float alpha_multiplier = in.scale() * s->alpha / out.scale();
    qmath::QuantizeMultiplier(static_cast<double>(alpha_multiplier), &s->output_multiplier_alpha,
                              &s->output_shift_alpha);
    const float identity_multiplier = in.scale() / out.scale();
    qmath::QuantizeMultiplier(static_cast<double>(identity_multiplier), &s->output_multiplier_identity,
                              &s->output_shift_identity);
    s->use_xnn = ctx.numerics == Numerics::kTfliteRuntime && in.dtype != DType::kInt16 &&
                 xnn::LeakyReluSupported(in.scale(), out.scale(), s->alpha);
    if (s->use_xnn) s->xnn_params = xnn::MakeLeakyReluParams(in.scale(), out.scale(), s->alpha);
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T>
void EvalLeakyReluQuantized(const LeakyReluState& s, const T* in, T* out, int64_t n) {
  const int32_t qmin = std::numeric_limits<T>::min(), qmax = std::numeric_limits<T>::max();
  if (s.use_xnn) {
    for (int64_t i = 0; i < n; ++i)
      out[i] = static_cast<T>(xnn::LeakyRelu(s.xnn_params, in[i], s.input_offset, s.output_offset, qmin, qmax));
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const int32_t input_value = static_cast<int32_t>(in[i]) - s.input_offset;
    const int32_t unclamped =
        s.output_offset +
        (input_value >= 0
             ? qmath::MultiplyByQuantizedMultiplier(input_value, s.output_multiplier_identity, s.output_shift_identity)
             : qmath::MultiplyByQuantizedMultiplier(input_value, s.output_multiplier_alpha, s.output_shift_alpha));
    out[i] = static_cast<T>(std::min(qmax, std::max(qmin, unclamped)));
  }
}

void EvalLeakyRelu(KernelContext& ctx) {
  const auto& s = *ctx.state_as<LeakyReluState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : x[i] * s.alpha;
      break;
    }
    case DType::kInt8: EvalLeakyReluQuantized(s, in.as<int8_t>(), out.as<int8_t>(), n); break;
    case DType::kUInt8: EvalLeakyReluQuantized(s, in.as<uint8_t>(), out.as<uint8_t>(), n); break;
    case DType::kInt16: EvalLeakyReluQuantized(s, in.as<int16_t>(), out.as<int16_t>(), n); break;
    default: break;
  }
}

// ---------------------------------------------------------------- HARD_SWISH

struct HardSwishState : OpState {
  activations::HardSwishParams params;
};

Status PrepareHardSwish(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(PrepareUnary(ctx, {DType::kFloat32, DType::kInt8, DType::kUInt8}));
  auto s = std::make_unique<HardSwishState>();
  const TensorRef& in = *ctx.input(0);
  const TensorRef& out = *ctx.output(0);
  if (in.dtype != DType::kFloat32) {
    s->params = activations::MakeHardSwishParams(in.scale(), in.zero_point(), out.scale(), out.zero_point());
    // activations.cc requires output_multiplier_exponent <= 0; exponents below -15 would make TFLite's int16
    // rounding shift ill-defined, so such (unrealistic) scale ratios are rejected too.
    if (s->params.output_multiplier_exponent > 0 || s->params.output_multiplier_exponent < -15 ||
        s->params.reluish_multiplier_exponent < -15)
      return ctx.Error("HARD_SWISH scales input " + std::to_string(in.scale()) + " / output " +
                       std::to_string(out.scale()) + " are out of range: (input_scale / 128) / output_scale must be in "
                       "[2^-16, 1) and input_scale >= 2^-15 * 3 / 256");
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

void EvalHardSwish(KernelContext& ctx) {
  const auto& s = *ctx.state_as<HardSwishState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  const int64_t n = in.num_elements();
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * std::min(6.0f, std::max(0.0f, x[i] + 3.0f)) / 6.0f;
      break;
    }
    case DType::kInt8: {
      const int8_t* x = in.as<int8_t>();
      int8_t* y = out.as<int8_t>();
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int8_t>(activations::HardSwishQuantized(s.params, x[i], -128, 127));
      break;
    }
    case DType::kUInt8: {
      const uint8_t* x = in.as<uint8_t>();
      uint8_t* y = out.as<uint8_t>();
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(activations::HardSwishQuantized(s.params, x[i], 0, 255));
      break;
    }
    default: break;
  }
}

// ---------------------------------------------------------------- LOGISTIC, TANH, EXP

enum class Fn { kLogistic, kTanh, kExp };

float ApplyFn(Fn fn, float x) {
  switch (fn) {
    case Fn::kLogistic: return 1.0f / (1.0f + std::exp(-x));
    case Fn::kTanh: return std::tanh(x);
    case Fn::kExp: return std::exp(x);
  }
  return 0.0f;
}

struct LutState : OpState {
  uint8_t lut[256] = {};  // indexed by the input's byte (int8 reinterpreted as uint8)
};

template <Fn kFn>
Status PrepareLutOp(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(PrepareUnary(ctx, {DType::kFloat32, DType::kInt8, DType::kUInt8}));
  const TensorRef& in = *ctx.input(0);
  const TensorRef& out = *ctx.output(0);
  auto s = std::make_unique<LutState>();
  if (in.dtype != DType::kFloat32) {
    const bool is_int8 = in.dtype == DType::kInt8;
    if (kFn == Fn::kLogistic && out.scale() != 1.0f / 256.0f) {
      // activations.cc checks the scale only; the table works for any output zero point.
      return ctx.Error("LOGISTIC output " + TensorLabel(out) + " has scale " + std::to_string(out.scale()) +
                       ", expected exactly 1/256");
    }
    if (kFn == Fn::kExp && !is_int8)
      return ctx.Error("EXP supports float32 and int8 (as TFLite); input " + TensorLabel(in) + " is uint8");
    activations::PopulateLut(is_int8, in.scale(), in.zero_point(), out.scale(), out.zero_point(),
                             [](float x) { return ApplyFn(kFn, x); }, s->lut);
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

template <Fn kFn>
void EvalLutOp(KernelContext& ctx) {
  const auto& s = *ctx.state_as<LutState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  const int64_t n = in.num_elements();
  if (in.dtype == DType::kFloat32) {
    const float* x = in.as<float>();
    float* y = out.as<float>();
    for (int64_t i = 0; i < n; ++i) y[i] = ApplyFn(kFn, x[i]);
    return;
  }
  const uint8_t* x = in.as<uint8_t>();
  uint8_t* y = out.as<uint8_t>();
  for (int64_t i = 0; i < n; ++i) y[i] = s.lut[x[i]];
}

}  // namespace

extern const Kernel kKernel_RELU;
const Kernel kKernel_RELU = {&PrepareRelu, &EvalReluX<0, -1>};
extern const Kernel kKernel_RELU6;
const Kernel kKernel_RELU6 = {&PrepareRelu6, &EvalReluX<0, 6>};
extern const Kernel kKernel_RELU_N1_TO_1;
const Kernel kKernel_RELU_N1_TO_1 = {&PrepareReluN1To1, &EvalReluX<-1, 1>};
extern const Kernel kKernel_RELU_0_TO_1;
const Kernel kKernel_RELU_0_TO_1 = {&PrepareRelu0To1, &EvalReluX<0, 1>};
extern const Kernel kKernel_LEAKY_RELU;
const Kernel kKernel_LEAKY_RELU = {&PrepareLeakyRelu, &EvalLeakyRelu};
extern const Kernel kKernel_HARD_SWISH;
const Kernel kKernel_HARD_SWISH = {&PrepareHardSwish, &EvalHardSwish};
extern const Kernel kKernel_LOGISTIC;
const Kernel kKernel_LOGISTIC = {&PrepareLutOp<Fn::kLogistic>, &EvalLutOp<Fn::kLogistic>};
extern const Kernel kKernel_TANH;
const Kernel kKernel_TANH = {&PrepareLutOp<Fn::kTanh>, &EvalLutOp<Fn::kTanh>};
extern const Kernel kKernel_EXP;
const Kernel kKernel_EXP = {&PrepareLutOp<Fn::kExp>, &EvalLutOp<Fn::kExp>};

}  // namespace liteopt::ops
