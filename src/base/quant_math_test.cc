#include "base/quant_math.h"

#include <gtest/gtest.h>

#include <random>

#include "base/fp16.h"

namespace liteopt::qmath {
namespace {

TEST(QuantizeMultiplier, KnownEncodings) {
  int32_t m;
  int s;
  QuantizeMultiplier(0.5, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  QuantizeMultiplier(1.0, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  QuantizeMultiplier(0.75, &m, &s);
  EXPECT_EQ(m, 3 << 29);
  EXPECT_EQ(s, 0);
  QuantizeMultiplier(0.0, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  // A mantissa that rounds up to exactly 2^31 is halved and the exponent bumped.
  QuantizeMultiplier(0.99999999999, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  // Below 2^-32 the multiplier flushes to zero, as TFLite does.
  QuantizeMultiplier(1e-12, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
}

TEST(QuantizeMultiplier, ReconstructsTheRealValue) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> exp_dist(-20, 10);
  for (int i = 0; i < 10000; ++i) {
    const double real = std::pow(2.0, exp_dist(rng));
    int32_t m;
    int s;
    QuantizeMultiplier(real, &m, &s);
    ASSERT_GE(m, 1 << 30);
    const double back = m * std::pow(2.0, s - 31);
    EXPECT_NEAR(back / real, 1.0, 1.0 / (1u << 30)) << real;
  }
}

TEST(FixedPoint, SaturatingRoundingDoublingHighMulTiesTowardPlusInfinity) {
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(1, 1 << 30), 1);     // +0.5 -> 1
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-1, 1 << 30), 0);    // -0.5 -> 0
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(-3, 1 << 30), -1);   // -1.5 -> -1
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(3, 1 << 30), 2);     // 1.5 -> 2
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN), INT32_MAX);
  EXPECT_EQ(SaturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX), INT32_MAX - 1);
}

TEST(FixedPoint, HugeLeftShiftsWrapToZeroWithoutUndefinedBehaviour) {
  EXPECT_EQ(ShiftLeftWrap(3, 31), INT32_MIN);
  EXPECT_EQ(ShiftLeftWrap(3, 32), 0);
  EXPECT_EQ(ShiftLeftWrap(-7, 108), 0);
  int32_t m;
  int s;
  QuantizeMultiplier(1e30, &m, &s);  // what a corrupt scale produces
  EXPECT_GT(s, 32);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(5, m, s), 0);
}

TEST(FixedPoint, RoundingDivideByPOTTiesAwayFromZero) {
  EXPECT_EQ(RoundingDivideByPOT(5, 1), 3);
  EXPECT_EQ(RoundingDivideByPOT(-5, 1), -3);
  EXPECT_EQ(RoundingDivideByPOT(3, 1), 2);
  EXPECT_EQ(RoundingDivideByPOT(-3, 1), -2);
  EXPECT_EQ(RoundingDivideByPOT(-4, 2), -1);
  EXPECT_EQ(RoundingDivideByPOT(7, 0), 7);
  EXPECT_EQ(RoundingDivideByPOT(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(RoundingDivideByPOT(6, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(RoundingDivideByPOT(INT32_MIN, 31), -1);
}

TEST(FixedPoint, MultiplyByQuantizedMultiplierIsWithinOneOfExact) {
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> mult(1e-6, 30.0);
  std::uniform_int_distribution<int32_t> acc(-(1 << 20), 1 << 20);
  for (int i = 0; i < 100000; ++i) {
    const double real = mult(rng);
    int32_t m;
    int s;
    QuantizeMultiplier(real, &m, &s);
    const int32_t x = acc(rng);
    const double exact = x * (m * std::pow(2.0, s - 31));
    const int32_t got = MultiplyByQuantizedMultiplier(x, m, s);
    ASSERT_LE(std::abs(got - std::round(exact)), 1.0) << "x=" << x << " real=" << real;
  }
  // Ties: with shift 0 only the high-mul rounds (toward +infinity); with a right shift the final
  // RoundingDivideByPOT rounds ties away from zero.
  int32_t m;
  int s;
  QuantizeMultiplier(0.75, &m, &s);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-2, m, s), -1);  // -1.5 -> -1
  EXPECT_EQ(MultiplyByQuantizedMultiplier(2, m, s), 2);    // 1.5 -> 2
  QuantizeMultiplier(0.25, &m, &s);                        // 0.5 * 2^-1
  EXPECT_EQ(MultiplyByQuantizedMultiplier(-2, m, s), -1);  // -0.5 -> -1
  EXPECT_EQ(MultiplyByQuantizedMultiplier(2, m, s), 1);    // 0.5 -> 1
}

TEST(RequantizeFp32, RoundsHalfToEvenAndClamps) {
  EXPECT_EQ(RequantizeFp32(1, 0.5f, 0, -128, 127), 0);    // 0.5 -> 0 (even)
  EXPECT_EQ(RequantizeFp32(3, 0.5f, 0, -128, 127), 2);    // 1.5 -> 2
  EXPECT_EQ(RequantizeFp32(-1, 0.5f, 0, -128, 127), 0);   // -0.5 -> 0
  EXPECT_EQ(RequantizeFp32(-3, 0.5f, 0, -128, 127), -2);  // -1.5 -> -2
  EXPECT_EQ(RequantizeFp32(5, 0.5f, 10, -128, 127), 12);
  EXPECT_EQ(RequantizeFp32(INT32_MAX, 1000.0f, 0, -128, 127), 127);
  EXPECT_EQ(RequantizeFp32(INT32_MIN, 1000.0f, 3, 0, 255), 0);
  // Differs from double rounding exactly on ties: 0.5 goes to 1 there.
  int32_t m;
  int s;
  QuantizeMultiplier(0.5, &m, &s);
  EXPECT_EQ(MultiplyByQuantizedMultiplier(1, m, s), 1);
}

TEST(Quantize, RoundsHalfAwayFromZeroAndClamps) {
  EXPECT_EQ(QuantizeValue(0.5f, 1.0f, 0, -128, 127), 1);
  EXPECT_EQ(QuantizeValue(-0.5f, 1.0f, 0, -128, 127), -1);
  EXPECT_EQ(QuantizeValue(2.5f, 1.0f, 0, -128, 127), 3);
  EXPECT_EQ(QuantizeValue(1000.0f, 0.1f, 10, -128, 127), 127);
  EXPECT_EQ(QuantizeValue(-1e30f, 0.1f, 10, -128, 127), -128);
  EXPECT_EQ(QuantizeValue(std::nanf(""), 0.1f, 10, -128, 127), -128);
  EXPECT_EQ(QuantizeValue(0.0f, 0.5f, -128, -128, 127), -128);
  EXPECT_FLOAT_EQ(DequantizeValue(-128, 0.5f, -128), 0.0f);
}

TEST(ActivationRange, QuantizedBoundsFollowTheOutputParameters) {
  int32_t lo, hi;
  ActivationRangeQuantized(3, DType::kInt8, 6.0f / 255, -128, &lo, &hi);  // RELU6
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
  ActivationRangeQuantized(1, DType::kInt8, 0.1f, 5, &lo, &hi);  // RELU
  EXPECT_EQ(lo, 5);
  EXPECT_EQ(hi, 127);
  ActivationRangeQuantized(3, DType::kUInt8, 0.1f, 10, &lo, &hi);
  EXPECT_EQ(lo, 10);
  EXPECT_EQ(hi, 70);
  ActivationRangeQuantized(2, DType::kInt8, 0.01f, 0, &lo, &hi);  // RELU_N1_TO_1
  EXPECT_EQ(lo, -100);
  EXPECT_EQ(hi, 100);
  ActivationRangeQuantized(0, DType::kUInt8, 0.01f, 0, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 255);
}

TEST(ChooseQuantizationParams, ZeroIsExactlyRepresentable) {
  float s;
  int32_t zp;
  ChooseQuantizationParams(-1.0f, 3.0f, -128, 127, &s, &zp);
  EXPECT_NEAR(s, 4.0f / 255, 1e-7);
  EXPECT_EQ(DequantizeValue(zp, s, zp), 0.0f);
  EXPECT_EQ(zp, -64);
  ChooseQuantizationParams(2.0f, 3.0f, -128, 127, &s, &zp);  // range widened to include 0
  EXPECT_EQ(zp, -128);
}

TEST(Fp16, RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint16_t v = static_cast<uint16_t>(h);
    const bool nan = (v & 0x7c00) == 0x7c00 && (v & 0x3ff);
    if (nan) {
      EXPECT_TRUE(std::isnan(HalfToFloat(v)));
      continue;
    }
    ASSERT_EQ(FloatToHalf(HalfToFloat(v)), v) << std::hex << h;
  }
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xc000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);   // rounds to infinity
  EXPECT_EQ(FloatToHalf(65519.0f), 0x7bff);   // largest finite
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie to even
}

}  // namespace
}  // namespace liteopt::qmath
