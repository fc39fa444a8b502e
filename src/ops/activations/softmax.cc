// SOFTMAX over the last dimension. float32 with beta; int8 -> int8, uint8 -> uint8 and int8/uint8 -> int16.
//
// Quantized path: what the official runtime's default kernel (kGenericOptimized, optimized_ops::Softmax with
// a float table) runs on every non-aarch64 target, including x86 and WebAssembly. (The uint16 LUT variant,
// SoftmaxInt8LUT, is compiled only for clang/aarch64; the gemmlowp fixed-point reference_ops::Softmax is used
// only by the reference kernel.) Per row:
//   table[255 - d] = expf(-s_in * beta * d) for d = 0..255, built once in prepare;
//   sum = float sum of table[255 - max + q] in element order;
//   p = table[255 - max + q] * (1 / (sum * s_out));
//   int8/int16 output: round(p) + zp_out; uint8 output: int(p + 0.5f) (zero point ignored, it must be 0);
//   clamped to the output type.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ops/common/op_checks.h"

namespace liteopt::ops {
namespace {

struct SoftmaxState : OpState {
  float beta = 1.0f;
  int64_t outer = 0;  // rows
  int64_t depth = 0;  // last dimension
  float table[256] = {};
  float output_scale = 0.0f;
  int32_t output_zero_point = 0;
};

Status PrepareSoftmax(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, in, {DType::kFloat32, DType::kInt8, DType::kUInt8}, "input"));
  if (in.dtype == DType::kFloat32) {
    LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, DType::kFloat32, "output"));
  } else {
    LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, out, {in.dtype, DType::kInt16}, "output"));
  }
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  if (in.rank() < 1) return ctx.Error("input " + TensorLabel(in) + " is a scalar; SOFTMAX needs rank >= 1");
  auto s = std::make_unique<SoftmaxState>();
  s->beta = ctx.options().beta;
  if (!std::isfinite(s->beta)) return ctx.Error("beta is " + std::to_string(s->beta) + ", expected a finite value");
  s->depth = in.shape.back();
  s->outer = s->depth == 0 ? 0 : in.num_elements() / s->depth;
  if (in.dtype != DType::kFloat32) {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
    if (out.dtype == DType::kInt8 || out.dtype == DType::kUInt8) {
      // activations.cc: scale within 0.1% of 1/256; zero point -128 (int8) / 0 (uint8, whose rounding ignores it).
      const int32_t want_zp = out.dtype == DType::kInt8 ? -128 : 0;
      if (std::fabs(out.scale() - 1.0f / 256) > 0.001f * 1.0f / 256 || out.zero_point() != want_zp)
        return ctx.Error("output " + TensorLabel(out) + " has scale " + std::to_string(out.scale()) +
                         " and zero point " + std::to_string(out.zero_point()) + ", expected 1/256 and " +
                         std::to_string(want_zp));
    }
    s->output_scale = out.scale();
    s->output_zero_point = out.zero_point();
    const float scale = -in.scale() * s->beta;
    for (int32_t val = 0; val <= 255; ++val) s->table[255 - val] = std::exp(scale * static_cast<float>(val));
  }
  out.shape = in.shape;
  ctx.state = std::move(s);
  return Status::Ok();
}

void SoftmaxFloat(const SoftmaxState& s, const float* in, float* out) {
  for (int64_t r = 0; r < s.outer; ++r) {
    const float* x = in + r * s.depth;
    float* y = out + r * s.depth;
    float max = x[0];
    for (int64_t j = 1; j < s.depth; ++j) max = std::max(max, x[j]);
    float sum = 0.0f;
    for (int64_t j = 0; j < s.depth; ++j) {
      y[j] = std::exp((x[j] - max) * s.beta);
      sum += y[j];
    }
    const float inv = 1.0f / sum;
    for (int64_t j = 0; j < s.depth; ++j) y[j] *= inv;
  }
}

template <typename In, typename Out>
void SoftmaxQuantized(const SoftmaxState& s, const In* in, Out* out) {
  constexpr int32_t kClampMin = std::numeric_limits<Out>::min();
  constexpr int32_t kClampMax = std::numeric_limits<Out>::max();
  for (int64_t r = 0; r < s.outer; ++r) {
    const In* x = in + r * s.depth;
    Out* y = out + r * s.depth;
    int32_t max_val = std::numeric_limits<In>::min();
    for (int64_t j = 0; j < s.depth; ++j) max_val = std::max(max_val, static_cast<int32_t>(x[j]));
    // table[255 - max + q] = exp(s_in * beta * (q - max)); the index is in [0, 255] since max - q <= 255.
    const int32_t table_offset = 255 - max_val;
    float sum_exp = 0.0f;
    for (int64_t j = 0; j < s.depth; ++j) sum_exp += s.table[table_offset + x[j]];
    const float inv_sum_exp = 1.0f / (sum_exp * s.output_scale);
    for (int64_t j = 0; j < s.depth; ++j) {
      const float prob_rescaled = s.table[table_offset + x[j]] * inv_sum_exp;
      int32_t prob_quantized;
      if constexpr (std::is_same_v<Out, uint8_t>) {
        prob_quantized = static_cast<int32_t>(prob_rescaled + 0.5f);
      } else {
        prob_quantized = static_cast<int32_t>(std::round(prob_rescaled)) + s.output_zero_point;
      }
      y[j] = static_cast<Out>(std::max(std::min(kClampMax, prob_quantized), kClampMin));
    }
  }
}

void EvalSoftmax(KernelContext& ctx) {
  const auto& s = *ctx.state_as<SoftmaxState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  if (in.dtype == DType::kFloat32) {
    SoftmaxFloat(s, in.as<float>(), out.as<float>());
  } else if (in.dtype == DType::kInt8) {
    if (out.dtype == DType::kInt8) SoftmaxQuantized(s, in.as<int8_t>(), out.as<int8_t>());
    else SoftmaxQuantized(s, in.as<int8_t>(), out.as<int16_t>());
  } else {
    if (out.dtype == DType::kUInt8) SoftmaxQuantized(s, in.as<uint8_t>(), out.as<uint8_t>());
    else SoftmaxQuantized(s, in.as<uint8_t>(), out.as<int16_t>());
  }
}

}  // namespace

extern const Kernel kKernel_SOFTMAX;
const Kernel kKernel_SOFTMAX = {&PrepareSoftmax, &EvalSoftmax};

}  // namespace liteopt::ops
