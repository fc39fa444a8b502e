// Fixed-point quantization arithmetic: the one implementation shared by kernels, PTQ, QAT and the writer.
// Semantics follow TensorFlow Lite's quantization spec with its default double rounding
// (TFLITE_SINGLE_ROUNDING unset): see docs/NUMERICS.md for the rounding rules of each function.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "base/dtype.h"

namespace liteopt::qmath {

// Encodes a real multiplier as a Q0.31 fixed-point value in [2^30, 2^31) and a power-of-two exponent:
// m ~= quantized_multiplier * 2^(shift - 31). Positive shift = left shift. Tiny multipliers
// (shift < -31) flush to zero; m == 0 gives (0, 0).
void QuantizeMultiplier(double m, int32_t* quantized_multiplier, int* shift);

// For m >= 1 (shift >= 0) and m < 1 (shift <= 0): same encoding with a range check in debug builds.
void QuantizeMultiplierGreaterThanOne(double m, int32_t* quantized_multiplier, int* left_shift);
void QuantizeMultiplierSmallerThanOneExp(double m, int32_t* quantized_multiplier, int* left_shift);

// Nearest integer to a*b/2^31, ties toward +infinity; saturates only for INT32_MIN*INT32_MIN.
inline int32_t SaturatingRoundingDoublingHighMul(int32_t a, int32_t b) {
  const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  const int32_t high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
  return overflow ? std::numeric_limits<int32_t>::max() : high;
}

// x / 2^exponent rounded to nearest, ties away from zero. exponent in [0, 31].
inline int32_t RoundingDivideByPOT(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * 2^s modulo 2^32 (the wrap-around of TFLite's int32 arithmetic), without UB for any s >= 0: absurd
// multipliers from corrupt files (shift 32 and more) give 0 instead of undefined behaviour.
inline int32_t ShiftLeftWrap(int32_t x, int s) {
  return s >= 32 ? 0 : static_cast<int32_t>(static_cast<uint32_t>(x) << s);
}

// The requantization step of conv / fully-connected / mul: round(x * M) with TFLite's double rounding.
inline int32_t MultiplyByQuantizedMultiplier(int32_t x, int32_t quantized_multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(ShiftLeftWrap(x, left_shift), quantized_multiplier),
                             right_shift);
}

inline int32_t MultiplyByQuantizedMultiplierSmallerThanOneExp(int32_t x, int32_t quantized_multiplier, int left_shift) {
  return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, quantized_multiplier), -left_shift);
}

inline int32_t MultiplyByQuantizedMultiplierGreaterThanOne(int32_t x, int32_t quantized_multiplier, int left_shift) {
  return SaturatingRoundingDoublingHighMul(ShiftLeftWrap(x, left_shift), quantized_multiplier);
}

// How an int32 accumulator is rescaled to the output's quantization. TFLite's reference kernels use
// kDoubleRounding (fixed-point multiplier, MultiplyByQuantizedMultiplier). The official CPU runtime runs
// conv / depthwise / fully-connected through its XNNPACK delegate, which uses kFp32: the accumulator times a
// float scale, rounded to nearest-even. The two differ by one step on a small fraction of outputs.
enum class RequantMode { kFp32, kDoubleRounding };

// kFp32 requantization: clamp(round_half_even(float(acc) * scale) + zero_point, qmin, qmax). The clamp is done
// in float first so huge accumulators cannot overflow the conversion.
inline int32_t RequantizeFp32(int32_t acc, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  float v = static_cast<float>(acc) * scale;
  const float lo = static_cast<float>(qmin - zero_point), hi = static_cast<float>(qmax - zero_point);
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<int32_t>(std::nearbyint(v)) + zero_point;
}

// The float scale kFp32 uses for conv-like ops, computed in float in this order (as XNNPACK does).
inline float RequantScaleFp32(float input_scale, float filter_scale, float output_scale) {
  return input_scale * filter_scale / output_scale;
}

// 64-bit accumulator variant used by int16x8 kernels: the multiplier is reduced to 15 bits first.
int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t quantized_multiplier, int shift);

// Float -> integer rounding used by every quantize step: half away from zero (std::round).
inline float Round(float x) { return std::round(x); }

// Value range of an integer dtype: int8 [-128,127], uint8 [0,255], int16 [-32768,32767], int32.
void DTypeRange(DType t, int32_t* min, int32_t* max);

// q = clamp(round(x / scale) + zero_point) into [qmin, qmax]; the division is done in float.
inline int32_t QuantizeValue(float x, float scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float r = Round(x / scale);
  // Compare in float first so huge values cannot overflow the int conversion.
  if (!(r + static_cast<float>(zero_point) >= static_cast<float>(qmin))) return qmin;
  if (r + static_cast<float>(zero_point) > static_cast<float>(qmax)) return qmax;
  const int32_t q = static_cast<int32_t>(r) + zero_point;
  return q < qmin ? qmin : (q > qmax ? qmax : q);
}

inline float DequantizeValue(int32_t q, float scale, int32_t zero_point) {
  return scale * static_cast<float>(q - zero_point);
}

// Fused activation as a clamp range on quantized outputs (TFLite's CalculateActivationRangeQuantized).
// activation uses ir::Activation's values: 0 none, 1 relu, 2 relu_n1_to_1, 3 relu6.
void ActivationRangeQuantized(int activation, DType dtype, float scale, int32_t zero_point, int32_t* act_min,
                              int32_t* act_max);
// Fused activation as a clamp range on float outputs.
void ActivationRangeFloat(int activation, float* act_min, float* act_max);

// Softmax/logistic fixed-point prep: beta * input_scale folded into a multiplier for a Q(integer_bits) input.
void PreprocessSoftmaxScaling(double beta, double input_scale, int input_integer_bits, int32_t* quantized_multiplier,
                              int* left_shift);
// Largest |input - max| that still contributes, in rescaled units (TFLite's CalculateInputRadius).
int CalculateInputRadius(int input_integer_bits, int input_left_shift, int total_signed_bits = 31);

// Chooses asymmetric (scale, zero_point) for a real range [rmin, rmax] over [qmin, qmax]; the range is
// widened to include 0 so that 0 is exactly representable.
void ChooseQuantizationParams(float rmin, float rmax, int32_t qmin, int32_t qmax, float* scale, int32_t* zero_point);

// Scale of symmetric quantization (zero point 0) of values with largest magnitude `max_abs` onto
// [-qmax, qmax] (int8 weights: qmax 127): max_abs / qmax, or 1 when max_abs is 0 (all-zero channels).
inline float SymmetricScale(float max_abs, int32_t qmax) {
  return max_abs > 0.0f ? max_abs / static_cast<float>(qmax) : 1.0f;
}

// int32 bias quantization: round(x / scale) (half away from zero, division in float), saturated to int32.
// Unlike QuantizeValue it is exact at the int32 limits, which a float cannot represent.
inline int32_t QuantizeBiasValue(float x, float scale) {
  const double r = static_cast<double>(Round(x / scale));
  if (!(r >= -2147483648.0)) return std::numeric_limits<int32_t>::min();
  if (r > 2147483647.0) return std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(r);
}

// int64 bias quantization of 16x8 models: round(x / scale) like QuantizeBiasValue, saturated to int64.
inline int64_t QuantizeBias64Value(float x, float scale) {
  const double r = static_cast<double>(Round(x / scale));
  if (!(r >= -9223372036854775808.0)) return std::numeric_limits<int64_t>::min();
  if (r >= 9223372036854775808.0) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(r);
}

}  // namespace liteopt::qmath
