// MAXIMUM / MINIMUM (float32, int32, int8, uint8, int16), DIV (float32) and SQUARED_DIFFERENCE (float32, int8).
// int8 SQUARED_DIFFERENCE is kernels/squared_difference.cc's: both operands rescaled to 2 * max(s1, s2) after a
// left shift of 7, the difference squared in int32, then rescaled by (2 * max)^2 / (2^14 * s_out); every multiplier
// must be below 1 (TFLite aborts otherwise; liteopt refuses the op). The official runtime has no int16 (16x8)
// SQUARED_DIFFERENCE kernel, so liteopt refuses int16 with that reason.
// MAXIMUM/MINIMUM compare stored values without rescaling, like kernels/maximum_minimum.cc: TFLite does not
// check that quantized operands share scale and zero point (the converter guarantees it), so neither do we.
// The comparisons are TFLite's (a > b ? a : b, a < b ? a : b), which fix which operand wins on NaN.
#include <algorithm>
#include <string>

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

struct SquaredDifferenceState : OpState {
  BroadcastPlan plan;
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;  // -zp1, -zp2, zp_out
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;
};

constexpr int kSquaredDifferenceLeftShift = 7;

// QuantizeMultiplierSmallerThanOneExp: TFLite checks 0 < m < 1 (and aborts otherwise).
Status SmallerThanOne(KernelContext& ctx, double m, const char* what, int32_t* multiplier, int* shift) {
  if (!(m > 0.0 && m < 1.0))
    return ctx.Error(std::string(what) + " multiplier " + std::to_string(m) +
                     " is outside (0, 1): the quantization parameters are out of the kernel's range");
  qmath::QuantizeMultiplier(m, multiplier, shift);
  return Status::Ok();
}

Status PrepareSquaredDifference(KernelContext& ctx) {
  if (ctx.input(0) != nullptr && ctx.input(0)->dtype == DType::kInt16)
    return ctx.Error("int16 input " + TensorLabel(*ctx.input(0)) +
                     ": the official TFLite runtime has no int16 SQUARED_DIFFERENCE kernel (float32, int32 and int8 "
                     "only), so the op cannot run in 16x8 mode; keep it float (--keep-float SQUARED_DIFFERENCE)");
  auto s = std::make_unique<SquaredDifferenceState>();
  LITEOPT_RETURN_IF_ERROR(binary::PrepareBinaryShapes(ctx, {DType::kFloat32, DType::kInt8}, &s->plan));
  const TensorRef& in1 = *ctx.input(0);
  const TensorRef& in2 = *ctx.input(1);
  const TensorRef& out = *ctx.output(0);
  if (in1.dtype == DType::kInt8) {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in1, "input 0"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in2, "input 1"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
    s->input1_offset = -in1.zero_point();
    s->input2_offset = -in2.zero_point();
    s->output_offset = out.zero_point();
    // As squared_difference.cc: 2 * max() and 2^14 * s_out are float products, the quotients double.
    const double twice_max = 2 * std::max(in1.scale(), in2.scale());
    const double output_real =
        twice_max * twice_max / ((1 << (2 * kSquaredDifferenceLeftShift)) * out.scale());
    LITEOPT_RETURN_IF_ERROR(SmallerThanOne(ctx, in1.scale() / twice_max, "input 0", &s->input1_multiplier,
                                           &s->input1_shift));
    LITEOPT_RETURN_IF_ERROR(SmallerThanOne(ctx, in2.scale() / twice_max, "input 1", &s->input2_multiplier,
                                           &s->input2_shift));
    LITEOPT_RETURN_IF_ERROR(SmallerThanOne(ctx, output_real, "output", &s->output_multiplier, &s->output_shift));
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

void EvalDiv(KernelContext& ctx) {
  const auto& s = *ctx.state_as<BinaryState>();
  const float* a = ctx.input(0)->as<float>();
  const float* b = ctx.input(1)->as<float>();
  float* o = ctx.output(0)->as<float>();
  ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
    o[i] = binary::Clamp(a[ia] / b[ib], s.f_min, s.f_max);
  });
}

int8_t SquaredDifferenceInt8(const SquaredDifferenceState& s, int8_t x, int8_t y) {
  const int32_t shifted1 = (s.input1_offset + x) * (1 << kSquaredDifferenceLeftShift);
  const int32_t shifted2 = (s.input2_offset + y) * (1 << kSquaredDifferenceLeftShift);
  const int32_t raw_diff =
      qmath::MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted1, s.input1_multiplier, s.input1_shift) -
      qmath::MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted2, s.input2_multiplier, s.input2_shift);
  // |raw_diff| <= 255 * 2^7, so the square fits in int32.
  const int32_t raw_output = qmath::MultiplyByQuantizedMultiplierSmallerThanOneExp(
                                 raw_diff * raw_diff, s.output_multiplier, s.output_shift) +
                             s.output_offset;
  return static_cast<int8_t>(std::clamp<int32_t>(raw_output, -128, 127));
}

void EvalSquaredDifference(KernelContext& ctx) {
  const auto& s = *ctx.state_as<SquaredDifferenceState>();
  if (ctx.input(0)->dtype == DType::kInt8) {
    const int8_t* a = ctx.input(0)->as<int8_t>();
    const int8_t* b = ctx.input(1)->as<int8_t>();
    int8_t* o = ctx.output(0)->as<int8_t>();
    ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) { o[i] = SquaredDifferenceInt8(s, a[ia], b[ib]); });
    return;
  }
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
