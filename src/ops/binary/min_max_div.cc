// MAXIMUM / MINIMUM (float32, int32, int8, uint8, int16), DIV and SQUARED_DIFFERENCE (float32).
// MAXIMUM/MINIMUM compare stored values without rescaling, like kernels/maximum_minimum.cc: TFLite does not
// check that quantized operands share scale and zero point (the converter guarantees it), so neither do we.
// The comparisons are TFLite's (a > b ? a : b, a < b ? a : b), which fix which operand wins on NaN.
#include "base/quant_math.h"
#include "ops/binary/binary_common.h"

namespace liteopt::ops {
namespace {

struct BinaryState : OpState {
  BroadcastPlan plan;
  float f_min = 0.0f, f_max = 0.0f;
};

Status PrepareMinMax(KernelContext& ctx) {
  auto s = std::make_unique<BinaryState>();
  LITEOPT_RETURN_IF_ERROR(binary::PrepareBinaryShapes(
      ctx, {DType::kFloat32, DType::kInt32, DType::kInt8, DType::kUInt8, DType::kInt16}, &s->plan));
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T, bool kMax>
void MinMaxTyped(const BinaryState& s, const TensorRef& a, const TensorRef& b, TensorRef& out) {
  const T* pa = a.as<T>();
  const T* pb = b.as<T>();
  T* po = out.as<T>();
  ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
    const T x = pa[ia], y = pb[ib];
    po[i] = kMax ? (x > y ? x : y) : (x < y ? x : y);
  });
}

template <bool kMax>
void EvalMinMax(KernelContext& ctx) {
  const auto& s = *ctx.state_as<BinaryState>();
  const TensorRef& a = *ctx.input(0);
  const TensorRef& b = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  switch (a.dtype) {
    case DType::kFloat32: MinMaxTyped<float, kMax>(s, a, b, out); break;
    case DType::kInt32: MinMaxTyped<int32_t, kMax>(s, a, b, out); break;
    case DType::kInt8: MinMaxTyped<int8_t, kMax>(s, a, b, out); break;
    case DType::kUInt8: MinMaxTyped<uint8_t, kMax>(s, a, b, out); break;
    case DType::kInt16: MinMaxTyped<int16_t, kMax>(s, a, b, out); break;
    default: break;
  }
}

Status PrepareFloatBinary(KernelContext& ctx, bool fused_activation) {
  auto s = std::make_unique<BinaryState>();
  LITEOPT_RETURN_IF_ERROR(binary::PrepareBinaryShapes(ctx, {DType::kFloat32}, &s->plan));
  if (fused_activation) {
    LITEOPT_RETURN_IF_ERROR(CheckFusedActivation(ctx));
    qmath::ActivationRangeFloat(ActivationCode(ctx), &s->f_min, &s->f_max);
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

Status PrepareDiv(KernelContext& ctx) { return PrepareFloatBinary(ctx, true); }
Status PrepareSquaredDifference(KernelContext& ctx) { return PrepareFloatBinary(ctx, false); }

void EvalDiv(KernelContext& ctx) {
  const auto& s = *ctx.state_as<BinaryState>();
  const float* a = ctx.input(0)->as<float>();
  const float* b = ctx.input(1)->as<float>();
  float* o = ctx.output(0)->as<float>();
  ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
    o[i] = binary::Clamp(a[ia] / b[ib], s.f_min, s.f_max);
  });
}

void EvalSquaredDifference(KernelContext& ctx) {
  const auto& s = *ctx.state_as<BinaryState>();
  const float* a = ctx.input(0)->as<float>();
  const float* b = ctx.input(1)->as<float>();
  float* o = ctx.output(0)->as<float>();
  ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
    const float d = a[ia] - b[ib];
    o[i] = d * d;
  });
}

}  // namespace

extern const Kernel kKernel_MAXIMUM;
const Kernel kKernel_MAXIMUM = {&PrepareMinMax, &EvalMinMax<true>};
extern const Kernel kKernel_MINIMUM;
const Kernel kKernel_MINIMUM = {&PrepareMinMax, &EvalMinMax<false>};
extern const Kernel kKernel_DIV;
const Kernel kKernel_DIV = {&PrepareDiv, &EvalDiv};
extern const Kernel kKernel_SQUARED_DIFFERENCE;
const Kernel kKernel_SQUARED_DIFFERENCE = {&PrepareSquaredDifference, &EvalSquaredDifference};

}  // namespace liteopt::ops
