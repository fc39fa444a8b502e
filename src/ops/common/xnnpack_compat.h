// Numerics of the XNNPACK delegate, which the official TFLite runtime applies by default (TFLite 2.13 in
// @tensorflow/tfjs-tflite and LiteRT 2.5 in @litertjs/core both delegate int8/uint8 ADD, SUB, MUL, MEAN over
// H,W, LEAKY_RELU, float->int8/uint8 QUANTIZE and same-type requantization to it). Its requantization differs from TFLite's built-in
// kernels in the last bit, so a kernel that must agree bit for bit with the official runtime computes what
// XNNPACK computes whenever XNNPACK would accept the op, and TFLite's built-in formula otherwise.
// Every formula here was checked against both runtimes on exhaustive or random inputs (see the tests).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "base/dtype.h"
#include "base/quant_math.h"

namespace liteopt::ops::xnn {

inline uint32_t FloatBits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
inline float FloatFromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// lrintf in the default rounding mode: nearest, ties to even.
inline int32_t RoundEven(float x) { return static_cast<int32_t>(std::nearbyint(x)); }

// XNNPACK's quantization of a float activation bound (xnn_qs8_quantize / xnn_qu8_quantize): the zero point
// is added in float before rounding to nearest-even, and the result is clamped to [qmin, qmax].
inline int32_t QuantizeBound(float value, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float v = std::min(std::max(value / scale + static_cast<float>(zero_point), static_cast<float>(qmin)),
                           static_cast<float>(qmax));
  return RoundEven(v);
}

// Fused-activation output range as XNNPACK applies it (activation codes of ir::Activation: 0 none, 1 relu,
// 2 relu_n1_to_1, 3 relu6), within the range of the 8-bit output dtype; the counterpart of
// qmath::ActivationRangeQuantized.
inline void ActivationRange(int activation, DType dtype, float scale, int32_t zero_point, int32_t* out_min,
                            int32_t* out_max) {
  int32_t qmin, qmax;
  qmath::DTypeRange(dtype, &qmin, &qmax);
  *out_min = qmin;
  *out_max = qmax;
  if (activation == 1 || activation == 3) *out_min = QuantizeBound(0.0f, scale, zero_point, qmin, qmax);
  if (activation == 2) {
    *out_min = QuantizeBound(-1.0f, scale, zero_point, qmin, qmax);
    *out_max = QuantizeBound(1.0f, scale, zero_point, qmin, qmax);
  }
  if (activation == 3) *out_max = QuantizeBound(6.0f, scale, zero_point, qmin, qmax);
}

// ---------------------------------------------------------------- ADD / SUB (qs8-vadd, qu8-vadd)
// out = asr(bias + a * a_multiplier + b * b_multiplier, shift) + zp_out, clamped; the multipliers are the
// float ratios s_a / s_out and +-s_b / s_out scaled by 2^shift (20 significant bits for the larger one) and
// rounded to nearest-even; bias folds in both zero points and the rounding term 2^(shift - 1).
struct AddParams {
  int32_t a_multiplier = 0;
  int32_t b_multiplier = 0;
  int32_t bias = 0;
  uint32_t shift = 0;
};

// The delegate accepts the op only when both ratios are in [2^-10, 2^8).
inline bool AddSupported(float a_scale, float b_scale, float output_scale) {
  const float ra = a_scale / output_scale;
  const float rb = b_scale / output_scale;
  return ra >= 0x1.0p-10f && ra < 0x1.0p+8f && rb >= 0x1.0p-10f && rb < 0x1.0p+8f;
}

inline AddParams MakeAddParams(float a_scale, int32_t a_zero_point, float b_scale, int32_t b_zero_point,
                               float output_scale, bool subtract) {
  const float a_output_scale = a_scale / output_scale;
  const float b_output_scale = b_scale / output_scale;
  const float max_output_scale = std::max(a_output_scale, b_output_scale);
  const int32_t max_scale_exponent = static_cast<int32_t>(FloatBits(max_output_scale) >> 23) - 127;
  AddParams p;
  p.shift = static_cast<uint32_t>(20 - max_scale_exponent);
  p.a_multiplier = RoundEven(FloatFromBits(FloatBits(a_output_scale) + (p.shift << 23)));
  p.b_multiplier = RoundEven(FloatFromBits(FloatBits(b_output_scale) + (p.shift << 23)));
  if (subtract) p.b_multiplier = -p.b_multiplier;
  p.bias = static_cast<int32_t>((int32_t{1} << (p.shift - 1)) - p.a_multiplier * a_zero_point -
                                p.b_multiplier * b_zero_point);
  return p;
}

inline int32_t Add(const AddParams& p, int32_t a, int32_t b, int32_t output_zero_point, int32_t out_min,
                   int32_t out_max) {
  const int32_t acc = p.bias + a * p.a_multiplier + b * p.b_multiplier;
  const int32_t out = (acc >> p.shift) + output_zero_point;  // arithmetic shift: floor
  return std::min(std::max(out, out_min), out_max);
}

// ---------------------------------------------------------------- MUL (qs8-vmul fp32)
// out = round_even(clamp(float((a - zp_a) * (b - zp_b)) * scale)) + zp_out with scale = s_a * s_b / s_out
// in float; the clamp bounds are the output range minus the zero point.
inline bool MulSupported(float a_scale, float b_scale, float output_scale) {
  const float r = a_scale * b_scale / output_scale;
  return r >= 0x1.0p-16f && r < 0x1.0p+8f;
}

inline int32_t Mul(int32_t a_minus_zp, int32_t b_minus_zp, float scale, int32_t output_zero_point,
                   int32_t out_min, int32_t out_max) {
  float v = static_cast<float>(a_minus_zp * b_minus_zp) * scale;
  v = std::max(v, static_cast<float>(out_min - output_zero_point));
  v = std::min(v, static_cast<float>(out_max - output_zero_point));
  return RoundEven(v) + output_zero_point;
}

// ---------------------------------------------------------------- LEAKY_RELU (qs8-vlrelu, qu8-vlrelu)
// 8-bit multipliers: m = round_even(256 * s_in / s_out) for q >= zp_in, round_even(256 * s_in / s_out * alpha)
// below; out = asr((zp_out << 8) + 128 + (q - zp_in) * m, 8), clamped to the type.
struct LeakyReluParams {
  int32_t positive_multiplier = 0;
  int32_t negative_multiplier = 0;
};

inline bool LeakyReluSupported(float input_scale, float output_scale, float alpha) {
  const float positive_scale = input_scale / output_scale;
  const float negative_scale = positive_scale * alpha;
  return positive_scale >= 0x1.0p-8f && positive_scale <= 0x1.0p+7f && negative_scale <= 0x1.0p+7f &&
         negative_scale >= -0x1.FFFC00p+6f && std::fabs(negative_scale) >= 0x1.0p-8f;
}

inline LeakyReluParams MakeLeakyReluParams(float input_scale, float output_scale, float alpha) {
  const float positive_scale = input_scale / output_scale;
  const float negative_scale = positive_scale * alpha;
  LeakyReluParams p;
  p.positive_multiplier = RoundEven(256.0f * positive_scale);
  p.negative_multiplier = RoundEven(256.0f * negative_scale);
  return p;
}

inline int32_t LeakyRelu(const LeakyReluParams& p, int32_t q, int32_t input_zero_point, int32_t output_zero_point,
                         int32_t qmin, int32_t qmax) {
  const int32_t x = q - input_zero_point;
  const int32_t m = x >= 0 ? p.positive_multiplier : p.negative_multiplier;
  const int32_t acc = static_cast<int32_t>(static_cast<uint32_t>(output_zero_point) << 8) + 0x80 + x * m;
  return std::min(std::max(acc >> 8, qmin), qmax);
}

// ---------------------------------------------------------------- MEAN over H,W (global average pooling)
// out = round_even(clamp(float(sum - N * zp_in) * scale)) + zp_out with scale = s_in / (s_out * N) in float
// (XNNPACK's global average pooling, update_params_qs8). The delegate needs s_in / s_out in [2^-8, 2^8).
inline float MeanScale(float input_scale, float output_scale, int64_t count) {
  return input_scale / (output_scale * static_cast<float>(count));
}

inline int32_t Mean(int32_t sum_minus_zp, float scale, int32_t output_zero_point, int32_t qmin, int32_t qmax) {
  float v = static_cast<float>(sum_minus_zp) * scale;
  v = std::max(v, static_cast<float>(qmin - output_zero_point));
  v = std::min(v, static_cast<float>(qmax - output_zero_point));
  return RoundEven(v) + output_zero_point;
}

// ---------------------------------------------------------------- QUANTIZE float -> 8-bit (f32-qs8-vcvt)
// q = round_even(clamp(x * (1 / s), qmin - zp, qmax - zp)) + zp; NaN becomes qmin - zp before rounding.
inline int32_t QuantizeFloat(float x, float inv_scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  float v = x * inv_scale;
  const float lo = static_cast<float>(qmin - zero_point), hi = static_cast<float>(qmax - zero_point);
  v = v > lo ? v : lo;  // NaN compares false: maps to lo, as XNNPACK's max
  v = v < hi ? v : hi;
  // |v| <= 510 here: adding and subtracting 1.5 * 2^23 rounds to the nearest integer, ties to even, in the default
  // rounding mode, as RoundEven does, without a libm call per element (the loop vectorizes: 784 inputs of a
  // Fashion-MNIST image took 7 us).
  constexpr float kMagic = 0x1.8p23f;
  return static_cast<int32_t>((v + kMagic) - kMagic) + zero_point;
}

// ---------------------------------------------------------------- QUANTIZE int8->int8, uint8->uint8 (qs8-vcvt)
// 8-bit multiplier m = round_even(256 * s_in / s_out); out = asr((zp_out << 8) + 128 + (q - zp_in) * m, 8),
// clamped. Mixed int8 <-> uint8 requantization is not delegated.
inline bool RequantizeSupported(float input_scale, float output_scale) {
  const float r = input_scale / output_scale;
  return r >= 0x1.0p-8f && r <= 0x1.0p+7f;
}

inline int32_t RequantizeMultiplier(float input_scale, float output_scale) {
  return RoundEven(256.0f * (input_scale / output_scale));
}

inline int32_t Requantize(int32_t q, int32_t multiplier, int32_t input_zero_point, int32_t output_zero_point,
                          int32_t qmin, int32_t qmax) {
  const int32_t acc =
      static_cast<int32_t>(static_cast<uint32_t>(output_zero_point) << 8) + 0x80 + (q - input_zero_point) * multiplier;
  return std::min(std::max(acc >> 8, qmin), qmax);
}

}  // namespace liteopt::ops::xnn
