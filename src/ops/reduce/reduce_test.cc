// MEAN, SUM, REDUCE_MAX, REDUCE_MIN: shapes (keep_dims, negative and duplicate axes), float sums, and each quantized
// path against a model written here of the formula the official runtime uses for it.
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <random>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

ir::OpOptions Keep(bool keep) {
  ir::OpOptions o;
  o.keep_dims = keep;
  return o;
}

template <typename T>
std::vector<T> Random(size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

TEST(ElemReduce, MeanFloatShapesAndValues) {
  std::vector<float> x(2 * 3 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  {
    OpTester t(ir::OpType::MEAN, Keep(true));
    t.AddInput<float>(DType::kFloat32, {2, 3, 4}, x);
    t.AddInput<int32_t>(DType::kInt32, {2}, {-1, 1}, {}, true);
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 1, 1}));
    EXPECT_EQ(t.Output<float>(out), (std::vector<float>{5.5f, 17.5f}));
  }
  {
    OpTester t(ir::OpType::MEAN, Keep(false));
    t.AddInput<float>(DType::kFloat32, {2, 3, 4}, x);
    t.AddInput<int32_t>(DType::kInt32, {3}, {0, 0, -3}, {}, true);  // duplicates count once
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 4}));
    const auto y = t.Output<float>(out);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(y[i], (x[i] + x[i + 12]) / 2);
  }
}

TEST(ElemReduce, SumAndMaxFloatInt32) {
  OpTester s(ir::OpType::SUM, Keep(false));
  s.AddInput<int32_t>(DType::kInt32, {2, 3}, {1, -2, 3, 4, 5, -6}, {}, false);
  s.AddInput<int32_t>(DType::kInt32, {}, {1}, {}, true);
  const int so = s.AddOutput(DType::kInt32);
  ASSERT_TRUE(s.Run().ok());
  EXPECT_EQ(s.Output<int32_t>(so), (std::vector<int32_t>{2, 3}));

  OpTester m(ir::OpType::REDUCE_MAX, Keep(true));
  m.AddInput<float>(DType::kFloat32, {2, 3}, {1, -2, 3, -4, -5, -6});
  m.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int mo = m.AddOutput(DType::kFloat32);
  ASSERT_TRUE(m.Run().ok());
  EXPECT_EQ(m.OutputShape(mo), (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(m.Output<float>(mo), (std::vector<float>{3, -4}));
}

// Global average pooling (4-D, axes {1, 2}) runs in the official runtime's XNNPACK delegate:
// round_even(float(sum - N * zp_in) * (s_in / (s_out * N))) + zp_out.
TEST(ElemReduce, MeanInt8OverHeightWidthMatchesXnnpackModel) {
  const auto x = Random<int8_t>(2 * 5 * 7 * 8, -128, 127, 1);
  for (bool keep : {false, true}) {
    OpTester t(ir::OpType::MEAN, Keep(keep));
    t.AddInput<int8_t>(DType::kInt8, {2, 5, 7, 8}, x, Quant(0.05f, -3));
    t.AddInput<int32_t>(DType::kInt32, {2}, {2, 1}, {}, true);
    const int out = t.AddOutput(DType::kInt8, Quant(0.013f, 7));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), keep ? (std::vector<int32_t>{2, 1, 1, 8}) : (std::vector<int32_t>{2, 8}));
    const auto y = t.Output<int8_t>(out);
    const float scale = 0.05f / (0.013f * 35.0f);
    for (int b = 0; b < 2; ++b)
      for (int c = 0; c < 8; ++c) {
        int sum = 0;
        for (int i = 0; i < 35; ++i) sum += x[(b * 35 + i) * 8 + c];
        const float v = std::clamp(static_cast<float>(sum + 3 * 35) * scale, -128.0f - 7, 127.0f - 7);
        EXPECT_EQ(y[b * 8 + c], static_cast<int>(std::nearbyint(v)) + 7) << b << "," << c;
      }
  }
}

TEST(ElemReduce, MeanUInt8OverHeightWidthSaturates) {
  OpTester t(ir::OpType::MEAN, Keep(false));
  t.AddInput<uint8_t>(DType::kUInt8, {1, 2, 2, 2}, {255, 0, 255, 0, 255, 0, 255, 1}, Quant(0.5f, 0));
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 2}, {}, true);
  const int out = t.AddOutput(DType::kUInt8, Quant(0.25f, 10));
  ASSERT_TRUE(t.Run().ok());
  // Means 127.5 and 0.125 in real terms: 510 + 10 saturates at 255; 0.5 + 10 rounds to even -> 10.
  // (scale = 0.5 / (0.25 * 4) = 0.5 exactly)
  EXPECT_EQ(t.Output<uint8_t>(out), (std::vector<uint8_t>{255, 10}));
}

// Other axes: TFLite 2.13's float QuantizedMeanOrSum, and integer truncation when scales and zero points match.
TEST(ElemReduce, MeanInt8OtherAxesFloatFormulaAndSameScaleTruncation) {
  const auto x = Random<int8_t>(6 * 5 * 6, -128, 127, 2);
  {
    OpTester t(ir::OpType::MEAN, Keep(false));
    t.AddInput<int8_t>(DType::kInt8, {6, 5, 6}, x, Quant(0.05f, -3));
    t.AddInput<int32_t>(DType::kInt32, {1}, {2}, {}, true);
    const int out = t.AddOutput(DType::kInt8, Quant(0.03f, 4));
    ASSERT_TRUE(t.Run().ok());
    const auto y = t.Output<int8_t>(out);
    const float scale = 0.05f / 0.03f;
    for (int o = 0; o < 30; ++o) {
      int sum = 0;
      for (int j = 0; j < 6; ++j) sum += x[o * 6 + j];
      const float r = std::round(static_cast<float>(sum) / 6.0f * scale + 3.0f * scale) + 4.0f;
      EXPECT_EQ(y[o], static_cast<int>(std::clamp(r, -128.0f, 127.0f))) << o;
    }
  }
  {
    OpTester t(ir::OpType::MEAN, Keep(false));
    t.AddInput<int8_t>(DType::kInt8, {1, 2, 3}, {-3, -4, 1, 5, 6, 7}, Quant(0.05f, -3));
    t.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
    const int out = t.AddOutput(DType::kInt8, Quant(0.05f, -3));
    ASSERT_TRUE(t.Run().ok());
    // (-3 + 5) / 2 = 1, (-4 + 6) / 2 = 1, (1 + 7) / 2 = 4 (truncating division of stored values).
    EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{1, 1, 4}));
    OpTester n(ir::OpType::MEAN, Keep(false));
    n.AddInput<int8_t>(DType::kInt8, {3}, {-3, -4, 0}, Quant(0.05f, 0));
    n.AddInput<int32_t>(DType::kInt32, {1}, {0}, {}, true);
    const int no = n.AddOutput(DType::kInt8, Quant(0.05f, 0));
    ASSERT_TRUE(n.Run().ok());
    EXPECT_EQ(n.Output<int8_t>(no), (std::vector<int8_t>{-2}));  // -7 / 3 truncates toward zero
  }
}

TEST(ElemReduce, SumInt8FloatFormulaWrapsAndMaxInt8) {
  OpTester t(ir::OpType::SUM, Keep(false));
  t.AddInput<int8_t>(DType::kInt8, {2, 3}, {100, 120, 127, -10, 1, 2}, Quant(0.1f, 0));
  t.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int out = t.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ASSERT_TRUE(t.Run().ok());
  // 347 does not fit: the same-parameter SUM adds in int8 and wraps (347 - 256 = 91); -7 fits.
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{91, -7}));

  const auto x = Random<int8_t>(4 * 6, -128, 127, 3);
  OpTester s(ir::OpType::SUM, Keep(true));
  s.AddInput<int8_t>(DType::kInt8, {4, 6}, x, Quant(0.05f, -3));
  s.AddInput<int32_t>(DType::kInt32, {1}, {-1}, {}, true);
  const int so = s.AddOutput(DType::kInt8, Quant(0.2f, 4));
  ASSERT_TRUE(s.Run().ok());
  const auto y = s.Output<int8_t>(so);
  const float scale = 0.05f / 0.2f;
  for (int o = 0; o < 4; ++o) {
    int sum = 0;
    for (int j = 0; j < 6; ++j) sum += x[o * 6 + j];
    const int r = static_cast<int>(std::round(static_cast<float>(sum) * scale + (3.0f * scale) * 6.0f)) + 4;
    EXPECT_EQ(y[o], static_cast<int8_t>(r)) << o;
  }

  OpTester m(ir::OpType::REDUCE_MAX, Keep(false));
  m.AddInput<int8_t>(DType::kInt8, {2, 3}, {-128, -100, -120, 5, 127, -1}, Quant(0.1f, 0));
  m.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int mo = m.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ASSERT_TRUE(m.Run().ok());
  EXPECT_EQ(m.Output<int8_t>(mo), (std::vector<int8_t>{-100, 127}));
}

// 8-bit SUM whose output shares the input's scale and zero point runs TFLite's generic reducer: the stored values
// added in the tensor's type (wrapping around), the zero point not subtracted, so with zp != 0 the result holds
// N zero points instead of one. Any other output parameters take the rescaling formula, which does subtract it.
TEST(ElemReduce, SumEightBitSameParamsAddsStoredValues) {
  OpTester t(ir::OpType::SUM, Keep(false));
  t.AddInput<int8_t>(DType::kInt8, {2, 3}, {-3, -3, -3, 10, 20, -5}, Quant(0.1f, -3));
  t.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int out = t.AddOutput(DType::kInt8, Quant(0.1f, -3));
  ASSERT_TRUE(t.Run().ok());
  // Three real zeros give -9 (not -3, the quantized real sum); 10 + 20 - 5 = 25.
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{-9, 25}));

  OpTester u(ir::OpType::SUM, Keep(true));
  u.AddInput<uint8_t>(DType::kUInt8, {3, 2}, {131, 0, 131, 7, 131, 9}, Quant(0.02f, 131));
  u.AddInput<int32_t>(DType::kInt32, {1}, {-2}, {}, true);
  const int uo = u.AddOutput(DType::kUInt8, Quant(0.02f, 131));
  ASSERT_TRUE(u.Run().ok());
  EXPECT_EQ(u.OutputShape(uo), (std::vector<int32_t>{1, 2}));
  // 3 * 131 = 393 wraps to 393 - 256 = 137; 0 + 7 + 9 = 16.
  EXPECT_EQ(u.Output<uint8_t>(uo), (std::vector<uint8_t>{137, 16}));

  // The same input with the output zero point moved by one: rescaled, the zero point counted once.
  OpTester r(ir::OpType::SUM, Keep(false));
  r.AddInput<int8_t>(DType::kInt8, {2, 3}, {-3, -3, -3, 10, 20, -5}, Quant(0.1f, -3));
  r.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int ro = r.AddOutput(DType::kInt8, Quant(0.1f, -2));
  ASSERT_TRUE(r.Run().ok());
  EXPECT_EQ(r.Output<int8_t>(ro), (std::vector<int8_t>{-2, 32}));  // 0 + (-2); (13 + 23 - 2) + (-2)
}

// Reducing consecutive axes walks whole rows (the fast path); non-consecutive axes walk element by element.
// The same data laid out both ways must give bit-identical float sums and identical int8 means: the row walk
// must add each output's elements in the same order.
TEST(ElemReduce, RowWalkEqualsElementWalk) {
  const int n = 2, h = 7, w = 5, c = 33;
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> nhwc(n * h * w * c), hnwc(nhwc.size());
  for (auto& v : nhwc) v = normal(rng);
  const auto i8 = Random<int8_t>(nhwc.size(), -128, 127, 5);
  std::vector<int8_t> i8_hnwc(i8.size());
  for (int b = 0; b < n; ++b)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int k = 0; k < c; ++k) {
          const int from = ((b * h + y) * w + x) * c + k, to = ((y * n + b) * w + x) * c + k;
          hnwc[to] = nhwc[from];
          i8_hnwc[to] = i8[from];
        }
  for (auto type : {ir::OpType::MEAN, ir::OpType::SUM, ir::OpType::REDUCE_MAX, ir::OpType::REDUCE_MIN}) {
    OpTester rows(type, Keep(false)), elements(type, Keep(false));
    rows.AddInput<float>(DType::kFloat32, {n, h, w, c}, nhwc);
    rows.AddInput<int32_t>(DType::kInt32, {2}, {1, 2}, {}, true);
    elements.AddInput<float>(DType::kFloat32, {h, n, w, c}, hnwc);
    elements.AddInput<int32_t>(DType::kInt32, {2}, {0, 2}, {}, true);
    const int ro = rows.AddOutput(DType::kFloat32), eo = elements.AddOutput(DType::kFloat32);
    ASSERT_TRUE(rows.Run().ok());
    ASSERT_TRUE(elements.Run().ok());
    const auto a = rows.Output<float>(ro), b = elements.Output<float>(eo);
    ASSERT_EQ(a.size(), static_cast<size_t>(n * c));
    ASSERT_EQ(b.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << ir::OpTypeName(type) << " output " << i;
  }
  // int8 MEAN with different input/output scales (the float-formula path for both layouts: built-in numerics).
  auto int8_mean = [&](const std::vector<int32_t>& shape, const std::vector<int8_t>& data, std::vector<int32_t> axes) {
    OpTester t(ir::OpType::MEAN, Keep(false));
    t.set_numerics(Numerics::kTfliteBuiltin);
    t.AddInput<int8_t>(DType::kInt8, shape, data, Quant(0.05f, 3));
    t.AddInput<int32_t>(DType::kInt32, {2}, axes, {}, true);
    const int o = t.AddOutput(DType::kInt8, Quant(0.02f, -4));
    EXPECT_TRUE(t.Run().ok());
    return t.Output<int8_t>(o);
  };
  EXPECT_EQ(int8_mean({n, h, w, c}, i8, {1, 2}), int8_mean({h, n, w, c}, i8_hnwc, {0, 2}));
}

TEST(ElemReduce, PrepareRejectsBadAxes) {
  {
    OpTester t(ir::OpType::MEAN);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, /*is_const=*/false);
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("not a constant"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::SUM);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddInput<int32_t>(DType::kInt32, {1}, {2}, {}, true);
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("out of range"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::REDUCE_MAX);
    t.AddInput<int8_t>(DType::kInt8, {2, 3}, std::vector<int8_t>(6), Quant(0.1f, 0));
    t.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
    t.AddOutput(DType::kInt8, Quant(0.2f, 0));
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::MEAN);
    t.AddInput<int32_t>(DType::kInt32, {2, 3}, std::vector<int32_t>(6));
    t.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
    t.AddOutput(DType::kInt32);
    EXPECT_FALSE(t.Run().ok());
  }
}

TEST(ElemReduce, MeanInt16RescalesWithinOneStep) {
  // Global average pooling [1, 4, 5, 6] -> [1, 6] with a new scale: the float formula (there is no int16 XNNPACK
  // path), within 1 LSB of the real mean; zero points must be 0.
  const auto x = Random<int16_t>(4 * 5 * 6, -32768, 32767, 9);
  OpTester t(ir::OpType::MEAN, Keep(false));
  t.AddInput<int16_t>(DType::kInt16, {1, 4, 5, 6}, x, Quant(0.0004f, 0));
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 2}, {}, true);
  const int out = t.AddOutput(DType::kInt16, Quant(0.00015f, 0));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int16_t>(out);
  for (int c = 0; c < 6; ++c) {
    double sum = 0;
    for (int i = 0; i < 20; ++i) sum += x[i * 6 + c];
    const double real = std::clamp(sum / 20 * 0.0004 / 0.00015, -32768.0, 32767.0);
    EXPECT_LE(std::fabs(y[c] - real), 1.0) << c;
  }
  OpTester z(ir::OpType::MEAN, Keep(false));
  z.AddInput<int16_t>(DType::kInt16, {2, 2}, {1, 2, 3, 4}, Quant(0.001f, 3));
  z.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  z.AddOutput(DType::kInt16, Quant(0.001f, 0));
  EXPECT_NE(z.Run().message().find("zero point 0"), std::string::npos);
}

// int16 SUM (16x8) as TFLite's generic reducer runs it: the stored values added in int16 with the output sharing the
// input's scale. In range it is the exact sum (the real sum in the same scale, so zero steps off float); past the
// int16 range it wraps around like the official runtime. A different output scale is refused with the reason.
TEST(ElemReduce, SumInt16AddsStoredValuesAndNeedsTheInputScale) {
  const float scale = 0.0005f;
  const auto x = Random<int16_t>(3 * 4 * 5, -1500, 1500, 11);
  OpTester t(ir::OpType::SUM, Keep(true));
  t.AddInput<int16_t>(DType::kInt16, {3, 4, 5}, x, Quant(scale, 0));
  t.AddInput<int32_t>(DType::kInt32, {2}, {0, -1}, {}, true);
  const int out = t.AddOutput(DType::kInt16, Quant(scale, 0));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{1, 4, 1}));
  const auto y = t.Output<int16_t>(out);
  for (int j = 0; j < 4; ++j) {
    double real = 0;  // the float sum, in units of the scale
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 5; ++k) real += x[(i * 4 + j) * 5 + k] * static_cast<double>(scale);
    EXPECT_EQ(y[j], std::lround(real / scale)) << j;
  }
  // 30000 + 30000 + 10000 = 70000 wraps to 70000 - 65536 = 4464; -32768 * 2 wraps to 0.
  OpTester w(ir::OpType::SUM, Keep(false));
  w.AddInput<int16_t>(DType::kInt16, {2, 3}, {30000, 30000, 10000, -32768, -32768, 0}, Quant(scale, 0));
  w.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int wo = w.AddOutput(DType::kInt16, Quant(scale, 0));
  ASSERT_TRUE(w.Run().ok());
  EXPECT_EQ(w.Output<int16_t>(wo), (std::vector<int16_t>{4464, 0}));
  OpTester r(ir::OpType::SUM, Keep(false));
  r.AddInput<int16_t>(DType::kInt16, {2, 3}, std::vector<int16_t>(6), Quant(scale, 0));
  r.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  r.AddOutput(DType::kInt16, Quant(3 * scale, 0));
  const Status st = r.Run();
  EXPECT_NE(st.message().find("does not rescale"), std::string::npos) << st.message();
  OpTester z(ir::OpType::SUM, Keep(false));
  z.AddInput<int16_t>(DType::kInt16, {2, 2}, {1, 2, 3, 4}, Quant(scale, 2));
  z.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  z.AddOutput(DType::kInt16, Quant(scale, 2));
  EXPECT_NE(z.Run().message().find("zero point 0"), std::string::npos);
}

// REDUCE_MIN in every dtype TFLite's reduce.cc takes it in: float32, int32, and int8 / uint8 / int16 comparing
// stored values with the output in the input's parameters (16x8's int16 with zero point 0); the smallest value
// of each reduced group, the type's lowest value included, and different output parameters refused.
TEST(ElemReduce, MinFloatInt32AndQuantized) {
  OpTester f(ir::OpType::REDUCE_MIN, Keep(true));
  f.AddInput<float>(DType::kFloat32, {2, 3}, {1, -2, 3, -4, -5, 6});
  f.AddInput<int32_t>(DType::kInt32, {1}, {-1}, {}, true);
  const int fo = f.AddOutput(DType::kFloat32);
  ASSERT_TRUE(f.Run().ok());
  EXPECT_EQ(f.OutputShape(fo), (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(f.Output<float>(fo), (std::vector<float>{-2, -5}));

  OpTester i(ir::OpType::REDUCE_MIN, Keep(false));
  i.AddInput<int32_t>(DType::kInt32, {2, 3}, {7, INT32_MIN, 3, 4, 5, INT32_MAX});
  i.AddInput<int32_t>(DType::kInt32, {1}, {0}, {}, true);
  const int io = i.AddOutput(DType::kInt32);
  ASSERT_TRUE(i.Run().ok());
  EXPECT_EQ(i.Output<int32_t>(io), (std::vector<int32_t>{4, INT32_MIN, 3}));

  OpTester q8(ir::OpType::REDUCE_MIN, Keep(false));
  q8.AddInput<uint8_t>(DType::kUInt8, {2, 3}, {255, 200, 254, 0, 9, 128}, Quant(0.1f, 128));
  q8.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int q8o = q8.AddOutput(DType::kUInt8, Quant(0.1f, 128));
  ASSERT_TRUE(q8.Run().ok());
  EXPECT_EQ(q8.Output<uint8_t>(q8o), (std::vector<uint8_t>{200, 0}));

  // int16 [2, 3, 4] over axes {0, 2}: 3 outputs, each the minimum of 8 stored values.
  const auto x = Random<int16_t>(24, -32768, 32767, 17);
  OpTester q16(ir::OpType::REDUCE_MIN, Keep(false));
  q16.AddInput<int16_t>(DType::kInt16, {2, 3, 4}, x, Quant(0.0004f, 0));
  q16.AddInput<int32_t>(DType::kInt32, {2}, {0, 2}, {}, true);
  const int q16o = q16.AddOutput(DType::kInt16, Quant(0.0004f, 0));
  ASSERT_TRUE(q16.Run().ok());
  const auto y = q16.Output<int16_t>(q16o);
  ASSERT_EQ(y.size(), 3u);
  for (int j = 0; j < 3; ++j) {
    int16_t want = INT16_MAX;
    for (int b = 0; b < 2; ++b)
      for (int k = 0; k < 4; ++k) want = std::min(want, x[(b * 3 + j) * 4 + k]);
    EXPECT_EQ(y[j], want) << j;
  }
  OpTester ends(ir::OpType::REDUCE_MIN, Keep(false));
  ends.AddInput<int16_t>(DType::kInt16, {1, 3}, {32767, -32768, 0}, Quant(0.0004f, 0));
  ends.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  const int eo = ends.AddOutput(DType::kInt16, Quant(0.0004f, 0));
  ASSERT_TRUE(ends.Run().ok());
  EXPECT_EQ(ends.Output<int16_t>(eo), (std::vector<int16_t>{-32768}));

  OpTester r(ir::OpType::REDUCE_MIN, Keep(false));
  r.AddInput<int16_t>(DType::kInt16, {2, 2}, {1, 2, 3, 4}, Quant(0.0004f, 0));
  r.AddInput<int32_t>(DType::kInt32, {1}, {1}, {}, true);
  r.AddOutput(DType::kInt16, Quant(0.0008f, 0));
  EXPECT_NE(r.Run().message().find("differs from the input's"), std::string::npos);
}

}  // namespace
}  // namespace liteopt::ops
