#include "base/quant_math.h"

#include <algorithm>
#include <cassert>

namespace liteopt::qmath {

void QuantizeMultiplier(double m, int32_t* quantized_multiplier, int* shift) {
  if (m == 0.0 || !std::isfinite(m)) {
    *quantized_multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(m, shift);
  auto q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  *quantized_multiplier = static_cast<int32_t>(q_fixed);
}

void QuantizeMultiplierGreaterThanOne(double m, int32_t* quantized_multiplier, int* left_shift) {
  QuantizeMultiplier(m, quantized_multiplier, left_shift);
  assert(*left_shift >= 0);
}

void QuantizeMultiplierSmallerThanOneExp(double m, int32_t* quantized_multiplier, int* left_shift) {
  QuantizeMultiplier(m, quantized_multiplier, left_shift);
  assert(*left_shift <= 0);
}

int32_t MultiplyByQuantizedMultiplier(int64_t x, int32_t quantized_multiplier, int shift) {
  const int32_t reduced = quantized_multiplier < 0x7FFF0000 ? ((quantized_multiplier + (1 << 15)) >> 16) : 0x7FFF;
  // total_shift must stay in [1, 62] for the shifts below to be defined; the spec's range is shift in [-31, 14].
  const int total_shift = std::clamp(15 - shift, 1, 62);
  // The product wraps modulo 2^64 instead of overflowing (a corrupt int64 bias); valid models stay within 2^47.
  const auto rounded = static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(reduced) +
                                            (uint64_t{1} << (total_shift - 1)));
  return static_cast<int32_t>(rounded >> total_shift);
}

void DTypeRange(DType t, int32_t* min, int32_t* max) {
  switch (t) {
    case DType::kInt8: *min = -128; *max = 127; return;
    case DType::kUInt8: *min = 0; *max = 255; return;
    case DType::kInt16: *min = -32768; *max = 32767; return;
    default:
      *min = std::numeric_limits<int32_t>::min();
      *max = std::numeric_limits<int32_t>::max();
  }
}

void ActivationRangeQuantized(int activation, DType dtype, float scale, int32_t zero_point, int32_t* act_min,
                              int32_t* act_max) {
  int32_t qmin, qmax;
  DTypeRange(dtype, &qmin, &qmax);
  auto quantize = [&](float f) { return zero_point + static_cast<int32_t>(Round(f / scale)); };
  switch (activation) {
    case 1:  // RELU
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = qmax;
      return;
    case 3:  // RELU6
      *act_min = std::max(qmin, quantize(0.0f));
      *act_max = std::min(qmax, quantize(6.0f));
      return;
    case 2:  // RELU_N1_TO_1
      *act_min = std::max(qmin, quantize(-1.0f));
      *act_max = std::min(qmax, quantize(1.0f));
      return;
    default:
      *act_min = qmin;
      *act_max = qmax;
  }
}

void ActivationRangeFloat(int activation, float* act_min, float* act_max) {
  switch (activation) {
    case 1: *act_min = 0.0f; *act_max = std::numeric_limits<float>::max(); return;
    case 3: *act_min = 0.0f; *act_max = 6.0f; return;
    case 2: *act_min = -1.0f; *act_max = 1.0f; return;
    default:
      *act_min = std::numeric_limits<float>::lowest();
      *act_max = std::numeric_limits<float>::max();
  }
}

void PreprocessSoftmaxScaling(double beta, double input_scale, int input_integer_bits, int32_t* quantized_multiplier,
                              int* left_shift) {
  const double max_real_multiplier = static_cast<double>((int64_t{1} << 31) - 1);
  const double real_multiplier =
      std::min(beta * input_scale * static_cast<double>(int64_t{1} << (31 - input_integer_bits)), max_real_multiplier);
  QuantizeMultiplierGreaterThanOne(real_multiplier, quantized_multiplier, left_shift);
}

int CalculateInputRadius(int input_integer_bits, int input_left_shift, int total_signed_bits) {
  const double max_input_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
                                    static_cast<double>(int64_t{1} << (total_signed_bits - input_integer_bits)) /
                                    static_cast<double>(int64_t{1} << input_left_shift);
  return static_cast<int>(std::floor(max_input_rescaled));
}

void ChooseQuantizationParams(float rmin, float rmax, int32_t qmin, int32_t qmax, float* scale, int32_t* zero_point) {
  rmin = std::min(rmin, 0.0f);
  rmax = std::max(rmax, 0.0f);
  if (rmin == rmax) {
    *scale = 1.0f;
    *zero_point = 0;
    return;
  }
  const double s = (static_cast<double>(rmax) - rmin) / (static_cast<double>(qmax) - qmin);
  const double zp_from_min = qmin - rmin / s;
  const double zp_from_max = qmax - rmax / s;
  const double err_min = std::abs(qmin) + std::abs(rmin / s);
  const double err_max = std::abs(qmax) + std::abs(rmax / s);
  const double zp_real = err_min < err_max ? zp_from_min : zp_from_max;
  int32_t zp = static_cast<int32_t>(std::round(zp_real));
  zp = std::clamp(zp, qmin, qmax);
  *scale = static_cast<float>(s);
  *zero_point = zp;
}

}  // namespace liteopt::qmath
