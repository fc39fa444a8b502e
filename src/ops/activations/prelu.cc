// PRELU: out = x >= 0 ? x : x * alpha, with alpha broadcast against the input (the output has the input's
// shape). float32, int8, uint8. Quantized (kernels/activations.cc PreluPrepare, reference/prelu.h):
//   v = q - zp_in; v >= 0: MBQM(v, s_in / s_out); else MBQM(v * (a - zp_alpha), s_in * s_alpha / s_out);
//   + zp_out, clamped to the type. The two real multipliers are computed in float as activations.cc does.
#include <cstdint>

#include "base/quant_math.h"
#include "ops/common/broadcast.h"
#include "ops/common/op_checks.h"

namespace liteopt::ops {
namespace {

struct PreluState : OpState {
  BroadcastPlan plan;
  int32_t input_offset = 0, alpha_offset = 0, output_offset = 0;
  int32_t output_multiplier_1 = 0, output_multiplier_2 = 0;
  int output_shift_1 = 0, output_shift_2 = 0;
};

Status PreparePrelu(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  const TensorRef& alpha = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, in, {DType::kFloat32, DType::kInt8, DType::kUInt8}, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, alpha, in.dtype, "alpha"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, in.dtype, "output"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, alpha, "alpha"));
  std::vector<int32_t> shape;
  if (!BroadcastShape(in.shape, alpha.shape, &shape) || shape != in.shape)
    return ctx.Error("alpha " + TensorLabel(alpha) + " shape " + ShapeString(alpha.shape) +
                     " does not broadcast to the input shape " + ShapeString(in.shape) + " (" + TensorLabel(in) + ")");
  auto s = std::make_unique<PreluState>();
  s->plan = MakeBroadcastPlan(in.shape, alpha.shape, in.shape);
  if (in.dtype != DType::kFloat32) {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, alpha, "alpha"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
    s->input_offset = -in.zero_point();
    s->alpha_offset = -alpha.zero_point();
    s->output_offset = out.zero_point();
    const float real_multiplier_1 = in.scale() / out.scale();
    const float real_multiplier_2 = in.scale() * alpha.scale() / out.scale();
    qmath::QuantizeMultiplier(static_cast<double>(real_multiplier_1), &s->output_multiplier_1, &s->output_shift_1);
    qmath::QuantizeMultiplier(static_cast<double>(real_multiplier_2), &s->output_multiplier_2, &s->output_shift_2);
  }
  out.shape = in.shape;
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T>
void EvalPreluQuantized(const PreluState& s, const T* x, const T* a, T* y) {
  constexpr int32_t kMin = std::numeric_limits<T>::min();
  constexpr int32_t kMax = std::numeric_limits<T>::max();
  ForEachBroadcast(s.plan, [&](int64_t o, int64_t ix, int64_t ia) {
    const int32_t input_value = s.input_offset + static_cast<int32_t>(x[ix]);
    int32_t output_value;
    if (input_value >= 0) {
      output_value = qmath::MultiplyByQuantizedMultiplier(input_value, s.output_multiplier_1, s.output_shift_1);
    } else {
      const int32_t alpha_value = s.alpha_offset + static_cast<int32_t>(a[ia]);
      output_value =
          qmath::MultiplyByQuantizedMultiplier(input_value * alpha_value, s.output_multiplier_2, s.output_shift_2);
    }
    output_value += s.output_offset;
    y[o] = static_cast<T>(std::min(kMax, std::max(kMin, output_value)));
  });
}

void EvalPrelu(KernelContext& ctx) {
  const auto& s = *ctx.state_as<PreluState>();
  const TensorRef& in = *ctx.input(0);
  const TensorRef& alpha = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      const float* a = alpha.as<float>();
      float* y = out.as<float>();
      ForEachBroadcast(s.plan, [&](int64_t o, int64_t ix, int64_t ia) { y[o] = x[ix] >= 0.0f ? x[ix] : x[ix] * a[ia]; });
      break;
    }
    case DType::kInt8: EvalPreluQuantized(s, in.as<int8_t>(), alpha.as<int8_t>(), out.as<int8_t>()); break;
    case DType::kUInt8: EvalPreluQuantized(s, in.as<uint8_t>(), alpha.as<uint8_t>(), out.as<uint8_t>()); break;
    default: break;
  }
}

}  // namespace

extern const Kernel kKernel_PRELU;
const Kernel kKernel_PRELU = {&PreparePrelu, &EvalPrelu};

}  // namespace liteopt::ops
