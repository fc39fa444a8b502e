// Quantized helpers of the activation kernels: the HARD_SWISH 16-bit fixed-point algorithm and the 8-bit
// lookup-table construction, written to reproduce TFLite's built-in kernels bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "base/quant_math.h"

namespace liteopt::ops::activations {

// TFLite's HardSwishParams (types.h), prepared as in activations.cc HardSwishPrepare.
struct HardSwishParams {
  int16_t input_zero_point = 0;
  int16_t output_zero_point = 0;
  int16_t reluish_multiplier_fixedpoint_int16 = 0;
  int reluish_multiplier_exponent = 0;
  int16_t output_multiplier_fixedpoint_int16 = 0;
  int output_multiplier_exponent = 0;
};

// Rounds a Q0.31 multiplier to Q0.15, saturating at 32767 (activations.cc DownScaleInt32ToInt16Multiplier).
inline int16_t DownScaleInt32ToInt16Multiplier(int32_t multiplier_int32) {
  constexpr int32_t kRoundingOffset = 1 << 15;
  if (multiplier_int32 >= std::numeric_limits<int32_t>::max() - kRoundingOffset) return 32767;
  return static_cast<int16_t>((multiplier_int32 + kRoundingOffset) >> 16);
}

// The scales are combined in float, as HardSwishPrepare does, before encoding in double.
inline HardSwishParams MakeHardSwishParams(float input_scale, int32_t input_zero_point, float output_scale,
                                           int32_t output_zero_point) {
  HardSwishParams p;
  p.input_zero_point = static_cast<int16_t>(input_zero_point);
  p.output_zero_point = static_cast<int16_t>(output_zero_point);
  const float hires_input_scale = (1.0f / 128.0f) * input_scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const float output_multiplier = hires_input_scale / output_scale;
  int32_t m32 = 0;
  qmath::QuantizeMultiplier(static_cast<double>(output_multiplier), &m32, &p.output_multiplier_exponent);
  p.output_multiplier_fixedpoint_int16 = DownScaleInt32ToInt16Multiplier(m32);
  const float reluish_multiplier = hires_input_scale / reluish_scale;
  qmath::QuantizeMultiplier(static_cast<double>(reluish_multiplier), &m32, &p.reluish_multiplier_exponent);
  p.reluish_multiplier_fixedpoint_int16 = DownScaleInt32ToInt16Multiplier(m32);
  return p;
}

// gemmlowp's int16 SaturatingRoundingDoublingHighMul: round(a*b / 2^15), ties toward +infinity.
inline int16_t SaturatingRoundingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// a*b / 2^15 truncated toward zero (ARM SQDMULH), saturating INT16_MIN * INT16_MIN.
inline int16_t SaturatingDoublingHighMul16(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = static_cast<int32_t>(a) * static_cast<int32_t>(b);
  return static_cast<int16_t>(ab / (1 << 15));
}

inline int16_t SaturatingLeftShift16(int16_t value, int amount) {
  int64_t r = static_cast<int64_t>(value) * (int64_t{1} << amount);
  r = std::min<int64_t>(r, std::numeric_limits<int16_t>::max());
  r = std::max<int64_t>(r, std::numeric_limits<int16_t>::min());
  return static_cast<int16_t>(r);
}

// One element of TFLite's quantized HardSwish (reference_ops::HardSwish); returns the clamped output.
// Requires output_multiplier_exponent in [-15, 0] and reluish_multiplier_exponent >= -15 (checked in prepare).
inline int32_t HardSwishQuantized(const HardSwishParams& p, int32_t q, int32_t qmin, int32_t qmax) {
  const int16_t input_value = static_cast<int16_t>(q - p.input_zero_point);
  const int16_t input_value_on_hires_input_scale = static_cast<int16_t>(input_value * (1 << 7));
  const int16_t input_value_on_preshift_output_scale =
      SaturatingRoundingDoublingHighMul16(input_value_on_hires_input_scale, p.output_multiplier_fixedpoint_int16);
  int16_t reluish_value = input_value_on_hires_input_scale;
  if (p.reluish_multiplier_exponent > 0)
    reluish_value = SaturatingLeftShift16(reluish_value, p.reluish_multiplier_exponent - 1);
  reluish_value = SaturatingRoundingDoublingHighMul16(reluish_value, p.reluish_multiplier_fixedpoint_int16);
  if (p.reluish_multiplier_exponent > 0) reluish_value = SaturatingLeftShift16(reluish_value, 1);
  if (p.reluish_multiplier_exponent < 0)
    reluish_value = static_cast<int16_t>(qmath::RoundingDivideByPOT(reluish_value, -p.reluish_multiplier_exponent));
  reluish_value = static_cast<int16_t>((reluish_value + (1 << 15)) >> 1);
  const int16_t preshift_output_value =
      SaturatingDoublingHighMul16(reluish_value, input_value_on_preshift_output_scale);
  int16_t output_value =
      static_cast<int16_t>(qmath::RoundingDivideByPOT(preshift_output_value, -p.output_multiplier_exponent));
  int32_t out = static_cast<int32_t>(output_value) + p.output_zero_point;
  out = std::min(out, qmax);
  out = std::max(out, qmin);
  return out;
}

// 256-entry table for an 8-bit elementwise function, built like TFLite's LUTPopulate: for each input value v,
// x = s_in * (v - zp_in) in float, y = fn(x), q = round(y * (1 / s_out)) + zp_out in float, clamped to the
// type. Indexed by the input byte (int8 values reinterpreted as uint8).
template <typename Fn>
inline void PopulateLut(bool is_int8, float input_scale, int32_t input_zero_point, float output_scale,
                        int32_t output_zero_point, Fn fn, uint8_t lut[256]) {
  const int32_t minval = is_int8 ? -128 : 0;
  const int32_t maxval = is_int8 ? 127 : 255;
  const float inverse_scale = 1 / output_scale;
  for (int32_t val = minval; val <= maxval; ++val) {
    const float dequantized = input_scale * static_cast<float>(val - input_zero_point);
    const float transformed = fn(dequantized);
    const float rescaled = std::round(transformed * inverse_scale);
    const float shifted = rescaled + static_cast<float>(output_zero_point);
    // Float -> int32 saturates (WebAssembly's trunc_sat semantics); NaN maps to 0.
    int32_t quantized;
    if (std::isnan(shifted)) {
      quantized = 0;
    } else if (shifted >= 2147483648.0f) {
      quantized = std::numeric_limits<int32_t>::max();
    } else if (shifted < -2147483648.0f) {
      quantized = std::numeric_limits<int32_t>::min();
    } else {
      quantized = static_cast<int32_t>(shifted);
    }
    quantized = std::max(std::min(maxval, quantized), minval);
    lut[static_cast<uint8_t>(val & 0xff)] = static_cast<uint8_t>(quantized & 0xff);
  }
}

}  // namespace liteopt::ops::activations
