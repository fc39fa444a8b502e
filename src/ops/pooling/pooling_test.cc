// AVERAGE_POOL_2D and MAX_POOL_2D: hand-computed windows, padding excluded from averages, half-away rounding
// of quantized averages, batch > 1, fused activations and prepare errors.
#include <gtest/gtest.h>

#include <random>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

ir::OpOptions Pool(ir::Padding p, int fh, int fw, int sh, int sw, ir::Activation a = ir::Activation::kNone) {
  ir::OpOptions o;
  o.padding = p;
  o.filter_h = fh;
  o.filter_w = fw;
  o.stride_h = sh;
  o.stride_w = sw;
  o.activation = a;
  return o;
}

TEST(ElemPool, AverageFloatSameExcludesPadding) {
  // 3x3 input, 2x2 filter, stride 1, SAME: out 3x3, padding 0 top/left and 1 bottom/right.
  OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kSame, 2, 2, 1, 1));
  t.AddInput<float>(DType::kFloat32, {1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{1, 3, 3, 1}));
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{3, 4, 4.5f, 6, 7, 7.5f, 7.5f, 8.5f, 9}));
}

TEST(ElemPool, AverageFloatValidStride2BatchAndChannels) {
  std::vector<float> x(2 * 5 * 5 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 17) - 8;
  OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kValid, 3, 2, 2, 2));
  t.AddInput<float>(DType::kFloat32, {2, 5, 5, 2}, x);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  // VALID: out_h = ceil((5 - 3 + 1) / 2) = 2, out_w = ceil((5 - 2 + 1) / 2) = 2.
  ASSERT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 2, 2, 2}));
  const auto y = t.Output<float>(out);
  for (int b = 0; b < 2; ++b)
    for (int oy = 0; oy < 2; ++oy)
      for (int ox = 0; ox < 2; ++ox)
        for (int c = 0; c < 2; ++c) {
          float s = 0;
          for (int fy = 0; fy < 3; ++fy)
            for (int fx = 0; fx < 2; ++fx) s += x[((b * 5 + oy * 2 + fy) * 5 + ox * 2 + fx) * 2 + c];
          EXPECT_FLOAT_EQ(y[((b * 2 + oy) * 2 + ox) * 2 + c], s / 6) << b << oy << ox << c;
        }
}

TEST(ElemPool, AverageInt8RoundsHalfAwayFromZero) {
  // 1x4 input, 1x2 filter, stride 2: windows {3, 0} -> 1.5 -> 2, {-3, 0} -> -1.5 -> -2.
  OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kValid, 1, 2, 1, 2));
  t.AddInput<int8_t>(DType::kInt8, {1, 1, 4, 1}, {3, 0, -3, 0}, Quant(0.1f, -128));
  const int out = t.AddOutput(DType::kInt8, Quant(0.1f, -128));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{2, -2}));
}

TEST(ElemPool, AverageInt8MatchesIntegerModelWithPaddingAndRelu6) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> x(2 * 6 * 7 * 3);
  for (auto& v : x) v = static_cast<int8_t>(d(rng));
  OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kSame, 3, 3, 2, 2, ir::Activation::kRelu6));
  t.AddInput<int8_t>(DType::kInt8, {2, 6, 7, 3}, x, Quant(0.05f, -20));
  const int out = t.AddOutput(DType::kInt8, Quant(0.05f, -20));
  ASSERT_TRUE(t.Run().ok());
  ASSERT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 3, 4, 3}));
  const auto y = t.Output<int8_t>(out);
  // SAME: pad_h = ((3 - 1) * 2 + 3 - 6) / 2 = 0, pad_w = ((4 - 1) * 2 + 3 - 7) / 2 = 1.
  // RELU6 range: [-20, -20 + round(6 / 0.05) = 100].
  for (int b = 0; b < 2; ++b)
    for (int oy = 0; oy < 3; ++oy)
      for (int ox = 0; ox < 4; ++ox)
        for (int c = 0; c < 3; ++c) {
          int sum = 0, n = 0;
          for (int fy = 0; fy < 3; ++fy)
            for (int fx = 0; fx < 3; ++fx) {
              const int iy = oy * 2 + fy, ix = ox * 2 + fx - 1;
              if (iy < 0 || iy >= 6 || ix < 0 || ix >= 7) continue;
              sum += x[((b * 6 + iy) * 7 + ix) * 3 + c];
              ++n;
            }
          const int avg = static_cast<int>(std::round(static_cast<double>(sum) / n));
          EXPECT_EQ(y[((b * 3 + oy) * 4 + ox) * 3 + c], std::clamp(avg, -20, 100)) << b << oy << ox << c;
        }
}

TEST(ElemPool, MaxPoolUInt8AndFloatWithRelu) {
  OpTester t(ir::OpType::MAX_POOL_2D, Pool(ir::Padding::kSame, 2, 2, 2, 2, ir::Activation::kRelu));
  t.AddInput<uint8_t>(DType::kUInt8, {1, 3, 3, 1}, {10, 200, 3, 4, 5, 6, 255, 8, 0}, Quant(0.5f, 100));
  const int out = t.AddOutput(DType::kUInt8, Quant(0.5f, 100));
  ASSERT_TRUE(t.Run().ok());
  // Windows {10,200,4,5}, {3,6}, {255,8}, {0}; RELU clamps below the zero point 100.
  EXPECT_EQ(t.Output<uint8_t>(out), (std::vector<uint8_t>{200, 100, 255, 100}));

  OpTester f(ir::OpType::MAX_POOL_2D, Pool(ir::Padding::kValid, 2, 1, 1, 1));
  f.AddInput<float>(DType::kFloat32, {2, 2, 2, 1}, {-1, 3, -4, -2, 5, 0, 1, 9});
  const int fo = f.AddOutput(DType::kFloat32);
  ASSERT_TRUE(f.Run().ok());
  EXPECT_EQ(f.OutputShape(fo), (std::vector<int32_t>{2, 1, 2, 1}));
  EXPECT_EQ(f.Output<float>(fo), (std::vector<float>{-1, 3, 5, 9}));
}

TEST(ElemPool, PrepareRejectsBadConfigurations) {
  {
    OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kValid, 4, 4, 1, 1));
    t.AddInput<float>(DType::kFloat32, {1, 3, 3, 1}, std::vector<float>(9));
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("does not fit"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::MAX_POOL_2D, Pool(ir::Padding::kSame, 2, 2, 0, 1));
    t.AddInput<float>(DType::kFloat32, {1, 3, 3, 1}, std::vector<float>(9));
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::MAX_POOL_2D, Pool(ir::Padding::kSame, 2, 2, 1, 1));
    t.AddInput<float>(DType::kFloat32, {3, 3, 1}, std::vector<float>(9));
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("rank 4"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kSame, 2, 2, 1, 1));
    t.AddInput<int8_t>(DType::kInt8, {1, 2, 2, 1}, std::vector<int8_t>(4), Quant(0.1f, 0));
    t.AddOutput(DType::kInt8, Quant(0.2f, 0));
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("differs from the input"), std::string::npos) << st.message();
  }
}

TEST(ElemPool, Int16AverageAndMaxMatchTheInt8Arithmetic) {
  // 1x4 input, 1x2 filter, stride 2: {30001, 0} -> 15000.5 -> 15001, {-30001, 0} -> -15001; max 30001 and 0.
  OpTester t(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kValid, 1, 2, 1, 2));
  t.AddInput<int16_t>(DType::kInt16, {1, 1, 4, 1}, {30001, 0, -30001, 0}, Quant(0.001f, 0));
  const int out = t.AddOutput(DType::kInt16, Quant(0.001f, 0));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int16_t>(out), (std::vector<int16_t>{15001, -15001}));
  OpTester m(ir::OpType::MAX_POOL_2D, Pool(ir::Padding::kValid, 1, 2, 1, 2, ir::Activation::kRelu));
  m.AddInput<int16_t>(DType::kInt16, {1, 1, 4, 1}, {30001, 0, -30001, -5}, Quant(0.001f, 0));
  const int mo = m.AddOutput(DType::kInt16, Quant(0.001f, 0));
  ASSERT_TRUE(m.Run().ok());
  EXPECT_EQ(m.Output<int16_t>(mo), (std::vector<int16_t>{30001, 0}));
  OpTester z(ir::OpType::AVERAGE_POOL_2D, Pool(ir::Padding::kValid, 1, 2, 1, 2));
  z.AddInput<int16_t>(DType::kInt16, {1, 1, 4, 1}, {1, 2, 3, 4}, Quant(0.001f, 7));
  z.AddOutput(DType::kInt16, Quant(0.001f, 7));
  EXPECT_NE(z.Run().message().find("zero point 0"), std::string::npos);
}

}  // namespace
}  // namespace liteopt::ops
