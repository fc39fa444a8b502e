// SOFTMAX over the last dimension. float32 with beta; int8 -> int8, uint8 -> uint8, int8/uint8 -> int16 and
// int16 -> int16 (16x8 mode).
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
//
// int16 -> int16 (reference_ops::SoftmaxInt16, the only int16 kernel; output scale 1/32768, zero points 0): two
// 513-entry int16 tables built in double at prepare time (exp on [-10, 0], 1/(1+x) on [0, 1], see Int16Lut),
// input_multiplier = QuantizeMultiplier(float(s_in * beta) / (10 / 65535)). Per row:
//   e_j = lut_exp(clamp(MBQM(q_j - max, input_multiplier) + 32767, int16))        (Q0.15)
//   sum = sum of e_j (int32); h = clz(sum); shifted = ((sum << (h - 1)) + 2^13) >> 14
//   r = lut_recip(clamp(shifted - 3 * 2^15, int16)); out_j = clamp((e_j * r + 2^(30 - h)) >> (31 - h), 0, 32767).
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "ops/common/op_checks.h"

namespace liteopt::ops {
namespace {

// A 513-entry int16 table of func over [min, max] with outputs in [-1, 1] scaled by 32768 (TFLite's gen_lut for
// int16 inputs, in double): 512 samples, each lowered by half the error its linear interpolation makes at the
// midpoint, plus the value at max (used only for the last slope).
struct Int16Lut {
  int16_t v[513] = {};

  template <typename F>
  Int16Lut(F func, double min, double max) {
    const double step = (max - min) / 512, half_step = step / 2, scale = 32768.0;
    auto clamp = [](double x) { return static_cast<int16_t>(std::min(std::max(x, -32768.0), 32767.0)); };
    for (int i = 0; i < 512; ++i) {
      const double val = func(min + i * step);
      const double val_midpoint = func(min + i * step + half_step);
      const double val_next = func(min + (i + 1) * step);
      const double sample = std::round(val * scale);
      const double midpoint_interp = std::round((val_next * scale + std::round(val * scale)) / 2);
      const double midpoint_err = midpoint_interp - std::round(val_midpoint * scale);
      v[i] = clamp(sample - std::round(midpoint_err / 2));
    }
    v[512] = clamp(std::round(func(max) * scale));
  }
  Int16Lut() = default;

  // Linear interpolation between the entries around x: 128 inputs per entry (TFLite's lut_lookup).
  int16_t Lookup(int16_t x) const {
    const int index = 256 + (x >> 7);
    const int offset = x & 0x7f;
    const int slope = v[index + 1] - v[index];
    return static_cast<int16_t>(v[index] + ((slope * offset + 64) >> 7));
  }
};

struct SoftmaxState : OpState {
  float beta = 1.0f;
  int64_t outer = 0;  // rows
  int64_t depth = 0;  // last dimension
  float table[256] = {};
  float output_scale = 0.0f;
  int32_t output_zero_point = 0;
  // int16 -> int16.
  Int16Lut exp_lut, one_over_one_plus_x_lut;
  int32_t input_multiplier = 0;
  int input_left_shift = 0;
};

// The int16 path's output (1/32768, 0), zero input point and tables.
Status PrepareInt16(const KernelContext& ctx, const TensorRef& in, const TensorRef& out, SoftmaxState* s) {
  if (out.dtype != DType::kInt16)
    return ctx.Error("int16 input needs an int16 output, output " + TensorLabel(out) + " is " +
                     std::string(DTypeName(out.dtype)));
  // activations.cc: zero points 0, output scale within 0.1% of 1/32768.
  if (in.zero_point() != 0 || out.zero_point() != 0 ||
      std::fabs(out.scale() - 1.0f / 32768) > 0.001f * 1.0f / 32768)
    return ctx.Error("int16 softmax needs input zero point 0 and output (1/32768, 0); found input zero point " +
                     std::to_string(in.zero_point()) + ", output scale " + std::to_string(out.scale()) +
                     " and zero point " + std::to_string(out.zero_point()));
  s->exp_lut = Int16Lut([](double x) { return std::exp(x); }, -10.0, 0.0);
  s->one_over_one_plus_x_lut = Int16Lut([](double x) { return 1.0 / (1.0 + x); }, 0.0, 1.0);
  // The input difference is rescaled so that [-65535, 0] spans [-10, 0]; s_in * beta is a float product.
  const double input_scale_beta_rescale = static_cast<double>(in.scale() * s->beta) / (10.0 / 65535.0);
  qmath::QuantizeMultiplier(input_scale_beta_rescale, &s->input_multiplier, &s->input_left_shift);
  return Status::Ok();
}

Status PrepareSoftmax(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(
      CheckDType(ctx, in, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input"));
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
    if (in.dtype == DType::kInt16) LITEOPT_RETURN_IF_ERROR(PrepareInt16(ctx, in, out, s.get()));
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

void SoftmaxInt16(const SoftmaxState& s, const int16_t* in, int16_t* out) {
  for (int64_t r = 0; r < s.outer; ++r) {
    const int16_t* x = in + r * s.depth;
    int16_t* y = out + r * s.depth;
    int32_t max_in_row = std::numeric_limits<int16_t>::min();
    for (int64_t j = 0; j < s.depth; ++j) max_in_row = std::max(max_in_row, static_cast<int32_t>(x[j]));
    // The exponentials (Q0.15) are kept in the output row until the reciprocal is known.
    uint32_t sum_of_exps = 0;  // Q16.15; wraps (instead of overflowing) only past 65537 elements
    for (int64_t j = 0; j < s.depth; ++j) {
      const int32_t scaled_diff =
          qmath::MultiplyByQuantizedMultiplier(x[j] - max_in_row, s.input_multiplier, s.input_left_shift);
      const int32_t sym_scaled_diff = std::min(std::max(scaled_diff + 32767, -32768), 32767);
      y[j] = s.exp_lut.Lookup(static_cast<int16_t>(sym_scaled_diff));
      sum_of_exps += static_cast<uint32_t>(y[j]);
    }
    // 1 / sum from the 1/(1+x) table: sum normalized to [1, 2) in Q1.15, recentred from [0, 65535] to int16.
    // Kept in [1, 30] so the shifts below stay defined; the row maximum alone contributes 32767, so valid rows
    // give 1 to 17.
    const int headroom_plus_one = std::min(std::max(std::countl_zero(sum_of_exps), 1), 30);
    const auto shifted_sum =
        static_cast<int32_t>(((static_cast<int64_t>(sum_of_exps) << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int32_t sym_shifted_sum = std::min(std::max(shifted_sum - ((1 << 15) + (1 << 16)), -32768), 32767);
    const int16_t reciprocal_scale_q015 = s.one_over_one_plus_x_lut.Lookup(static_cast<int16_t>(sym_shifted_sum));
    const int right_shift = 31 - headroom_plus_one;
    const int64_t round = int64_t{1} << (right_shift - 1);
    for (int64_t j = 0; j < s.depth; ++j) {
      const auto result = static_cast<int32_t>(
          (static_cast<int64_t>(y[j]) * static_cast<int64_t>(reciprocal_scale_q015) + round) >> right_shift);
      y[j] = static_cast<int16_t>(std::min(std::max(result, 0), 32767));
    }
  }
}

void EvalSoftmax(KernelContext& ctx) {
  const auto& s = *ctx.state_as<SoftmaxState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  if (in.dtype == DType::kFloat32) {
    SoftmaxFloat(s, in.as<float>(), out.as<float>());
  } else if (in.dtype == DType::kInt16) {
    SoftmaxInt16(s, in.as<int16_t>(), out.as<int16_t>());
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
