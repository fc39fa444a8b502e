// ADD, SUB, MUL, MAXIMUM, MINIMUM, DIV, SQUARED_DIFFERENCE. Expected values come from plain float formulas,
// hand-computed cases, or int64 models written here (independent of base/quant_math) of the two quantized
// formulas the kernels implement: XNNPACK's (the official runtime's default delegate) and TFLite's built-in one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

ir::OpOptions Act(ir::Activation a) {
  ir::OpOptions o;
  o.activation = a;
  return o;
}

template <typename T>
std::vector<T> RandomValues(size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// XNNPACK vadd model: multipliers = float ratios scaled by 2^shift (20 significant bits for the larger one),
// rounded to nearest-even; out = floor((sum + 2^(shift-1)) / 2^shift) + zp_out.
int32_t XnnAddModel(int a, float sa, int za, int b, float sb, int zb, float so, int zo, bool sub, int lo, int hi) {
  const float ra = sa / so, rb = sb / so;
  int e;
  std::frexp(std::max(ra, rb), &e);
  const int shift = 20 - (e - 1);
  const int64_t am = static_cast<int64_t>(std::nearbyint(std::ldexp(static_cast<double>(ra), shift)));
  int64_t bm = static_cast<int64_t>(std::nearbyint(std::ldexp(static_cast<double>(rb), shift)));
  if (sub) bm = -bm;
  const int64_t acc = am * (a - za) + bm * (b - zb) + (int64_t{1} << (shift - 1));
  return static_cast<int32_t>(std::clamp<int64_t>(FloorDiv(acc, int64_t{1} << shift) + zo, lo, hi));
}

// TFLite's requantization with double rounding, written with int64 arithmetic.
int64_t TfliteMbqm(int64_t x, double real_multiplier) {
  int e;
  const double q = std::frexp(real_multiplier, &e);
  int64_t m = std::llround(q * 2147483648.0);
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++e;
  }
  if (e > 0) x *= int64_t{1} << e;
  const int64_t prod = x * m;
  const int64_t high = (prod + (prod >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30))) / (int64_t{1} << 31);
  if (e >= 0) return high;
  const int64_t d = int64_t{1} << (-e);
  const int64_t fl = FloorDiv(high, d);
  const int64_t rem = high - fl * d;
  return 2 * rem > d || (2 * rem == d && high > 0) ? fl + 1 : fl;  // ties away from zero
}

// left_shift: 20 for 8-bit operands, 15 for int16 ones (TFLite's general int16 path).
int32_t TfliteAddModel(int a, float sa, int za, int b, float sb, int zb, float so, int zo, bool sub, int lo, int hi,
                       int left_shift = 20) {
  const double twice_max = 2.0 * std::max(sa, sb);
  const int64_t sa_v = TfliteMbqm(int64_t{a - za} << left_shift, sa / twice_max);
  const int64_t sb_v = TfliteMbqm(int64_t{b - zb} << left_shift, sb / twice_max);
  const int64_t raw =
      TfliteMbqm(sub ? sa_v - sb_v : sa_v + sb_v, twice_max / (std::ldexp(1.0, left_shift) * so)) + zo;
  return static_cast<int32_t>(std::clamp<int64_t>(raw, lo, hi));
}

TEST(ElemBinary, AddFloatBroadcast4D) {
  OpTester t(ir::OpType::ADD);
  t.AddInput<float>(DType::kFloat32, {2, 1, 3, 1}, {1, 2, 3, 4, 5, 6});
  t.AddInput<float>(DType::kFloat32, {1, 2, 1, 2}, {10, 20, 30, 40});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 2, 3, 2}));
  const auto y = t.Output<float>(out);
  for (int b = 0; b < 2; ++b)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 3; ++w)
        for (int c = 0; c < 2; ++c)
          EXPECT_EQ(y[((b * 2 + h) * 3 + w) * 2 + c], (b * 3 + w + 1) + (h * 2 + c + 1) * 10.0f);
}

TEST(ElemBinary, AddFloatRankMismatchScalarAndRelu6) {
  OpTester t(ir::OpType::ADD, Act(ir::Activation::kRelu6));
  t.AddInput<float>(DType::kFloat32, {2, 3}, {-9, -1, 0.5f, 2, 5, 9});
  t.AddInput<float>(DType::kFloat32, {}, {1.5f});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{0, 0.5f, 2, 3.5f, 6, 6}));
}

TEST(ElemBinary, SubMulDivSquaredDifferenceFloat) {
  const std::vector<float> a = {1.5f, -2, 3, 8}, b = {0.5f, 4, -1.5f, 2};
  auto run = [&](ir::OpType op) {
    OpTester t(op);
    t.AddInput<float>(DType::kFloat32, {4}, a);
    t.AddInput<float>(DType::kFloat32, {4}, b);
    const int out = t.AddOutput(DType::kFloat32);
    EXPECT_TRUE(t.Run().ok());
    return t.Output<float>(out);
  };
  EXPECT_EQ(run(ir::OpType::SUB), (std::vector<float>{1, -6, 4.5f, 6}));
  EXPECT_EQ(run(ir::OpType::MUL), (std::vector<float>{0.75f, -8, -4.5f, 16}));
  EXPECT_EQ(run(ir::OpType::DIV), (std::vector<float>{3, -0.5f, -2, 4}));
  EXPECT_EQ(run(ir::OpType::SQUARED_DIFFERENCE), (std::vector<float>{1, 36, 20.25f, 36}));
}

TEST(ElemBinary, Int32ArithmeticWithRelu) {
  OpTester t(ir::OpType::ADD, Act(ir::Activation::kRelu));
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {1, -5, 7, 2});
  t.AddInput<int32_t>(DType::kInt32, {2}, {3, -1});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{4, 0, 10, 1}));

  OpTester m(ir::OpType::MUL);
  m.AddInput<int32_t>(DType::kInt32, {3}, {2, -3, 65536});
  m.AddInput<int32_t>(DType::kInt32, {}, {-4});
  const int mo = m.AddOutput(DType::kInt32);
  ASSERT_TRUE(m.Run().ok());
  EXPECT_EQ(m.Output<int32_t>(mo), (std::vector<int32_t>{-8, 12, -262144}));
}

TEST(ElemBinary, AddInt8HandComputed) {
  // Input scales 0.5, output scale 1: out = (a + b) / 2 rounded half up (XNNPACK adds 2^(shift-1) and shifts):
  // 2.5 -> 3 and -2.5 -> -2 (TFLite's kernel would give -3), 127 and -128 stay at the ends of the range.
  OpTester t(ir::OpType::ADD);
  t.AddInput<int8_t>(DType::kInt8, {4}, {3, -3, 127, -128}, Quant(0.5f, 0));
  t.AddInput<int8_t>(DType::kInt8, {4}, {2, -2, 127, -128}, Quant(0.5f, 0));
  const int out = t.AddOutput(DType::kInt8, Quant(1.0f, 0));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{3, -2, 127, -128}));
}

TEST(ElemBinary, AddSubInt8MatchXnnpackModelWithBroadcast) {
  const std::vector<int32_t> s1 = {2, 3, 4, 5}, s2 = {1, 3, 1, 5};
  const auto a = RandomValues<int8_t>(120, -128, 127, 1);
  const auto b = RandomValues<int8_t>(15, -128, 127, 2);
  for (bool sub : {false, true}) {
    OpTester t(sub ? ir::OpType::SUB : ir::OpType::ADD);
    t.AddInput<int8_t>(DType::kInt8, s1, a, Quant(0.05f, 3));
    t.AddInput<int8_t>(DType::kInt8, s2, b, Quant(0.031f, -20));
    const int out = t.AddOutput(DType::kInt8, Quant(0.07f, -5));
    ASSERT_TRUE(t.Run().ok());
    const auto y = t.Output<int8_t>(out);
    for (int i = 0; i < 120; ++i) {
      const int n = i / 60, h = (i / 20) % 3, c = i % 5;
      const int bi = h * 5 + c;
      ASSERT_EQ(y[i], XnnAddModel(a[i], 0.05f, 3, b[bi], 0.031f, -20, 0.07f, -5, sub, -128, 127))
          << "sub=" << sub << " i=" << i << " n=" << n;
    }
  }
}

TEST(ElemBinary, AddUInt8ZeroPointExtremesAndFusedRelu) {
  const auto a = RandomValues<uint8_t>(64, 0, 255, 3);
  const auto b = RandomValues<uint8_t>(64, 0, 255, 4);
  OpTester t(ir::OpType::ADD, Act(ir::Activation::kRelu));
  t.AddInput<uint8_t>(DType::kUInt8, {64}, a, Quant(0.02f, 0));
  t.AddInput<uint8_t>(DType::kUInt8, {64}, b, Quant(0.03f, 255));
  const int out = t.AddOutput(DType::kUInt8, Quant(0.04f, 128));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<uint8_t>(out);
  for (int i = 0; i < 64; ++i) {
    // RELU clamps at the output zero point 128.
    EXPECT_EQ(y[i], XnnAddModel(a[i], 0.02f, 0, b[i], 0.03f, 255, 0.04f, 128, false, 128, 255)) << i;
    EXPECT_GE(y[i], 128);
  }
}

TEST(ElemBinary, AddInt8OutsideXnnpackRangeUsesTfliteFormula) {
  // s1 / s_out = 1/3000 < 2^-10: the official runtime's delegate refuses this ADD and TFLite's kernel runs.
  const auto a = RandomValues<int8_t>(256, -128, 127, 5);
  const auto b = RandomValues<int8_t>(256, -128, 127, 6);
  OpTester t(ir::OpType::ADD);
  t.AddInput<int8_t>(DType::kInt8, {256}, a, Quant(0.0001f, 3));
  t.AddInput<int8_t>(DType::kInt8, {256}, b, Quant(0.05f, -20));
  const int out = t.AddOutput(DType::kInt8, Quant(0.3f, -5));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(y[i], TfliteAddModel(a[i], 0.0001f, 3, b[i], 0.05f, -20, 0.3f, -5, false, -128, 127)) << i;
}

// 16x8 ADD: TFLite's general path with left_shift 15 (never XNNPACK's), broadcast, fused RELU; within 1 LSB of
// real arithmetic. The power-of-two path of pot_scale_int16 and non-zero zero points are rejected.
TEST(ElemBinary, AddInt16MatchesTfliteGeneralPath) {
  const auto a = RandomValues<int16_t>(6 * 40, -32768, 32767, 15);
  const auto b = RandomValues<int16_t>(40, -32768, 32767, 16);
  for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu}) {
    ir::OpOptions o = Act(act);
    o.pot_scale_int16 = false;
    OpTester t(ir::OpType::ADD, o);
    t.AddInput<int16_t>(DType::kInt16, {6, 40}, a, Quant(0.0003f, 0));
    t.AddInput<int16_t>(DType::kInt16, {40}, b, Quant(0.00071f, 0));
    const int out = t.AddOutput(DType::kInt16, Quant(0.0009f, 0));
    ASSERT_TRUE(t.Run().ok());
    const auto y = t.Output<int16_t>(out);
    const int lo = act == ir::Activation::kRelu ? 0 : -32768;
    for (int i = 0; i < 6 * 40; ++i) {
      const int32_t e = TfliteAddModel(a[i], 0.0003f, 0, b[i % 40], 0.00071f, 0, 0.0009f, 0, false, lo, 32767, 15);
      ASSERT_EQ(y[i], e) << i;
      const double real = (0.0003 * a[i] + 0.00071 * b[i % 40]) / 0.0009;
      ASSERT_LE(std::fabs(e - std::clamp(std::round(real), static_cast<double>(lo), 32767.0)), 1.0) << i;
    }
  }
  auto run = [](ir::OpType type, bool pot, float scale, int zp) {
    ir::OpOptions o;
    o.pot_scale_int16 = pot;
    OpTester t(type, o);
    t.AddInput<int16_t>(DType::kInt16, {2}, {1, 2}, Quant(scale, zp));
    t.AddInput<int16_t>(DType::kInt16, {2}, {3, 4}, Quant(scale, 0));
    t.AddOutput(DType::kInt16, Quant(scale, 0));
    return t.Run();
  };
  EXPECT_TRUE(run(ir::OpType::ADD, true, 0.001f, 0).ok());  // not powers of two: the general path
  EXPECT_NE(run(ir::OpType::ADD, true, 0.0078125f, 0).message().find("power-of-two"), std::string::npos);
  EXPECT_TRUE(run(ir::OpType::ADD, false, 0.0078125f, 0).ok());
  EXPECT_NE(run(ir::OpType::ADD, false, 0.001f, 2).message().find("zero point 0"), std::string::npos);
  EXPECT_TRUE(run(ir::OpType::SUB, false, 0.001f, 0).ok());
  EXPECT_NE(run(ir::OpType::SUB, true, 0.0078125f, 0).message().find("int16 SUB with pot_scale_int16"),
            std::string::npos);
  EXPECT_NE(run(ir::OpType::SUB, false, 0.001f, -1).message().find("zero point 0"), std::string::npos);
  EXPECT_NE(run(ir::OpType::MUL, false, 0.001f, 3).message().find("zero point 0"), std::string::npos);
}

// 16x8 SUB: sub.cc's general int16 path (the two rescaled inputs subtracted, left_shift 15) with either input
// broadcast and fused RELU6; within 1 LSB of real arithmetic, and saturating at the ends of the int16 range.
TEST(ElemBinary, SubInt16MatchesTfliteGeneralPath) {
  const auto a = RandomValues<int16_t>(5 * 36, -32768, 32767, 17);
  const auto b = RandomValues<int16_t>(36, -32768, 32767, 18);
  const float sa = 0.00041f, sb = 0.00029f, so = 0.0006f;
  for (bool swap : {false, true}) {
    for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu6}) {
      ir::OpOptions o = Act(act);
      o.pot_scale_int16 = false;
      OpTester t(ir::OpType::SUB, o);
      // swap: the broadcast operand comes first (b - a instead of a - b).
      if (swap) t.AddInput<int16_t>(DType::kInt16, {36}, b, Quant(sb, 0));
      t.AddInput<int16_t>(DType::kInt16, {5, 36}, a, Quant(sa, 0));
      if (!swap) t.AddInput<int16_t>(DType::kInt16, {36}, b, Quant(sb, 0));
      const int out = t.AddOutput(DType::kInt16, Quant(so, 0));
      ASSERT_TRUE(t.Run().ok());
      const auto y = t.Output<int16_t>(out);
      const int lo = act == ir::Activation::kRelu6 ? 0 : -32768;
      const int hi = act == ir::Activation::kRelu6 ? static_cast<int>(std::round(6.0f / so)) : 32767;
      for (int i = 0; i < 5 * 36; ++i) {
        const int x = swap ? b[i % 36] : a[i], z = swap ? a[i] : b[i % 36];
        const float sx = swap ? sb : sa, sz = swap ? sa : sb;
        const int32_t e = TfliteAddModel(x, sx, 0, z, sz, 0, so, 0, true, lo, std::min(hi, 32767), 15);
        ASSERT_EQ(y[i], e) << "swap=" << swap << " i=" << i;
        const double real = (static_cast<double>(sx) * x - static_cast<double>(sz) * z) / so;
        ASSERT_LE(std::fabs(e - std::clamp(std::round(real), static_cast<double>(lo), std::min(hi, 32767) * 1.0)),
                  1.0)
            << i;
      }
    }
  }
  // One scale everywhere: exact differences, saturated at both ends (32767 - (-32768) and -32768 - 32767).
  ir::OpOptions o;
  o.pot_scale_int16 = false;
  OpTester t(ir::OpType::SUB, o);
  t.AddInput<int16_t>(DType::kInt16, {5}, {32767, -32768, 100, -7, 0}, Quant(0.001f, 0));
  t.AddInput<int16_t>(DType::kInt16, {5}, {-32768, 32767, 40, -7, -32768}, Quant(0.001f, 0));
  const int out = t.AddOutput(DType::kInt16, Quant(0.001f, 0));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int16_t>(out), (std::vector<int16_t>{32767, -32768, 60, 0, 32767}));
}

// 16x8 MUL: TFLite's MBQM(q1 * q2, s1 * s2 / s_out) (never XNNPACK's float path), broadcast, fused RELU; within 1 LSB
// of the real product, and saturating (-32768 * -32768 is 2^30 before rescaling).
TEST(ElemBinary, MulInt16MatchesTfliteFormula) {
  const auto a = RandomValues<int16_t>(4 * 3 * 10, -32768, 32767, 19);
  const auto b = RandomValues<int16_t>(3 * 1, -32768, 32767, 20);
  const float sa = 0.0002f, sb = 0.00013f, so = 0.00005f;
  for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu}) {
    OpTester t(ir::OpType::MUL, Act(act));
    t.AddInput<int16_t>(DType::kInt16, {4, 3, 10}, a, Quant(sa, 0));
    t.AddInput<int16_t>(DType::kInt16, {3, 1}, b, Quant(sb, 0));
    const int out = t.AddOutput(DType::kInt16, Quant(so, 0));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{4, 3, 10}));
    const auto y = t.Output<int16_t>(out);
    const int lo = act == ir::Activation::kRelu ? 0 : -32768;
    const float m = sa * sb / so;
    int saturated = 0;
    for (int i = 0; i < 4 * 3 * 10; ++i) {
      const int bv = b[(i / 10) % 3];
      const int64_t e = std::clamp<int64_t>(TfliteMbqm(int64_t{a[i]} * bv, m), lo, 32767);
      ASSERT_EQ(y[i], e) << i;
      const double real = static_cast<double>(sa) * a[i] * sb * bv / so;
      ASSERT_LE(std::fabs(e - std::clamp(std::round(real), static_cast<double>(lo), 32767.0)), 1.0) << i;
      saturated += (e == 32767 || e == -32768) ? 1 : 0;
    }
    EXPECT_GT(saturated, 0) << "the case must reach the ends of the int16 range";
  }
  OpTester t(ir::OpType::MUL);
  t.AddInput<int16_t>(DType::kInt16, {4}, {-32768, -32768, 32767, 3}, Quant(1.0f / 32768, 0));
  t.AddInput<int16_t>(DType::kInt16, {4}, {-32768, 32767, 32767, -5}, Quant(1.0f / 32768, 0));
  const int out = t.AddOutput(DType::kInt16, Quant(1.0f / 32768, 0));
  ASSERT_TRUE(t.Run().ok());
  // (-1) * (-1) = 1 saturates at 32767; -1 * 0.99997 = -0.99997 -> -32767; 3 * -5 / 32768 rounds to -0 = 0.
  EXPECT_EQ(t.Output<int16_t>(out), (std::vector<int16_t>{32767, -32767, 32766, 0}));
}

TEST(ElemBinary, MulInt8MatchesFloatRoundEvenModel) {
  const auto a = RandomValues<int8_t>(200, -128, 127, 7);
  const auto b = RandomValues<int8_t>(200, -128, 127, 8);
  OpTester t(ir::OpType::MUL);
  t.AddInput<int8_t>(DType::kInt8, {200}, a, Quant(0.05f, 3));
  t.AddInput<int8_t>(DType::kInt8, {200}, b, Quant(0.031f, -20));
  const int out = t.AddOutput(DType::kInt8, Quant(0.07f, -5));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  const float scale = 0.05f * 0.031f / 0.07f;
  for (int i = 0; i < 200; ++i) {
    const float v = static_cast<float>((a[i] - 3) * (b[i] + 20)) * scale;
    const int expected = std::clamp(static_cast<int>(std::nearbyint(v)) - 5, -128, 127);
    ASSERT_EQ(y[i], expected) << i;
  }
}

TEST(ElemBinary, MulInt8OutsideXnnpackRangeUsesTfliteFormula) {
  // s1 * s2 / s_out = 2e-6 < 2^-16: TFLite's kernel.
  const auto a = RandomValues<int8_t>(256, -128, 127, 9);
  const auto b = RandomValues<int8_t>(256, -128, 127, 10);
  OpTester t(ir::OpType::MUL);
  t.AddInput<int8_t>(DType::kInt8, {256}, a, Quant(0.001f, 3));
  t.AddInput<int8_t>(DType::kInt8, {256}, b, Quant(0.001f, -20));
  const int out = t.AddOutput(DType::kInt8, Quant(0.5f, -5));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  const float m = 0.001f * 0.001f / 0.5f;
  for (int i = 0; i < 256; ++i) {
    const int64_t v = TfliteMbqm(int64_t{a[i] - 3} * (b[i] + 20), m) - 5;
    ASSERT_EQ(y[i], std::clamp<int64_t>(v, -128, 127)) << i;
  }
}

TEST(ElemBinary, MaximumMinimumInt8AndFloatNan) {
  OpTester t(ir::OpType::MAXIMUM);
  t.AddInput<int8_t>(DType::kInt8, {2, 2}, {-128, 5, 127, 0}, Quant(0.1f, 0));
  t.AddInput<int8_t>(DType::kInt8, {2}, {3, -3}, Quant(0.1f, 0));
  const int out = t.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{3, 5, 127, 0}));

  const float nan = std::numeric_limits<float>::quiet_NaN();
  OpTester m(ir::OpType::MINIMUM);
  m.AddInput<float>(DType::kFloat32, {3}, {nan, 1, 2});
  m.AddInput<float>(DType::kFloat32, {3}, {1, nan, -2});
  const int mo = m.AddOutput(DType::kFloat32);
  ASSERT_TRUE(m.Run().ok());
  const auto y = m.Output<float>(mo);
  EXPECT_EQ(y[0], 1.0f);  // a < b is false for NaN: b wins
  EXPECT_TRUE(std::isnan(y[1]));
  EXPECT_EQ(y[2], -2.0f);
}

TEST(ElemBinary, SixDimensionalBroadcastAndSevenRejected) {
  OpTester t(ir::OpType::ADD);
  t.AddInput<float>(DType::kFloat32, {2, 1, 1, 1, 1, 3}, {1, 2, 3, 4, 5, 6});
  t.AddInput<float>(DType::kFloat32, {1, 1, 1, 1, 2, 1}, {10, 20});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{11, 12, 13, 21, 22, 23, 14, 15, 16, 24, 25, 26}));

  OpTester bad(ir::OpType::ADD);
  bad.AddInput<float>(DType::kFloat32, {1, 1, 1, 1, 1, 1, 2}, {1, 2});
  bad.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  bad.AddOutput(DType::kFloat32);
  const Status st = bad.Run();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("maximum broadcast rank"), std::string::npos) << st.message();
}

TEST(ElemBinary, PrepareRejectsBadInputs) {
  {
    OpTester t(ir::OpType::ADD);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddInput<float>(DType::kFloat32, {4}, std::vector<float>(4));
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("not broadcast-compatible"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("[2, 3]"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::MUL);
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.1f, 0));
    t.AddInput<uint8_t>(DType::kUInt8, {2}, {1, 2}, Quant(0.1f, 0));
    t.AddOutput(DType::kInt8, Quant(0.1f, 0));
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("input 1 tensor 1"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("uint8"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::ADD);
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2});
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.1f, 0));
    t.AddOutput(DType::kInt8, Quant(0.1f, 0));
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("no quantization parameters"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::SUB, Act(ir::Activation::kTanh));
    t.AddInput<float>(DType::kFloat32, {1}, {1});
    t.AddInput<float>(DType::kFloat32, {1}, {1});
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("fused activation"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::ADD);
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.1f, 0));
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.1f, 200));
    t.AddOutput(DType::kInt8, Quant(0.1f, 0));
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("zero point 200"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::DIV);
    t.AddInput<int32_t>(DType::kInt32, {1}, {1});
    t.AddInput<int32_t>(DType::kInt32, {1}, {1});
    t.AddOutput(DType::kInt32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::ADD);
    t.AddInput<float>(DType::kFloat32, {1}, {1});
    t.AddInput<float>(DType::kFloat32, {1}, {1});
    t.AddOutput(DType::kInt32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("output"), std::string::npos) << st.message();
  }
}

// int8 SQUARED_DIFFERENCE (squared_difference.cc): every pair of int8 values with unequal scales and zero points;
// each output within one step of round((x - y)^2 / s_out) + zp_out, clamped (the kernel keeps 7 extra bits of the
// operands, so its error stays well under a step before the final rounding). Saturation at 127; int16 refused.
TEST(ElemBinary, SquaredDifferenceInt8WithinOneStepAndInt16Refused) {
  const float s1 = 0.02f, s2 = 0.03f, so = 0.06f;
  const int zp1 = -5, zp2 = 7, zpo = -128;
  std::vector<int8_t> a, b;
  for (int x = -128; x <= 127; ++x)
    for (int y = -128; y <= 127; ++y) a.push_back(static_cast<int8_t>(x)), b.push_back(static_cast<int8_t>(y));
  const int32_t n = static_cast<int32_t>(a.size());
  OpTester t(ir::OpType::SQUARED_DIFFERENCE);
  t.AddInput<int8_t>(DType::kInt8, {n}, a, Quant(s1, zp1));
  t.AddInput<int8_t>(DType::kInt8, {n}, b, Quant(s2, zp2));
  const int out = t.AddOutput(DType::kInt8, Quant(so, zpo));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  int saturated = 0;
  for (int32_t i = 0; i < n; ++i) {
    const double d = (a[i] - zp1) * static_cast<double>(s1) - (b[i] - zp2) * static_cast<double>(s2);
    const double real = std::min(std::max(d * d / so + zpo, -128.0), 127.0);
    ASSERT_LE(std::abs(y[i] - real), 1.0) << "x=" << int{a[i]} << " y=" << int{b[i]};
    saturated += y[i] == 127;
  }
  EXPECT_GT(saturated, 0);  // (5.1 + 3.6)^2 / 0.06 is far past 255 steps
  EXPECT_EQ(y[(-5 + 128) * 256 + (7 + 128)], -128);  // both operands at their zero point: 0 -> zp_out

  OpTester r(ir::OpType::SQUARED_DIFFERENCE);
  r.AddInput<int16_t>(DType::kInt16, {2}, {1, 2}, Quant(0.001f, 0));
  r.AddInput<int16_t>(DType::kInt16, {2}, {3, 4}, Quant(0.001f, 0));
  r.AddOutput(DType::kInt16, Quant(0.001f, 0));
  const Status st = r.Run();
  EXPECT_NE(st.message().find("no int16 SQUARED_DIFFERENCE kernel"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace liteopt::ops
