// QUANTIZE and DEQUANTIZE: float -> 8-bit as the official runtime computes it (ties to even; golden values
// recorded from it), float -> int16 (ties away from zero), requantization, dequantization per tensor and per
// axis, float16, and prepare errors.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "base/fp16.h"
#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;
using testing::QuantPerAxis;

template <typename Out>
std::vector<Out> Quantize(const std::vector<float>& x, DType dt, ir::QuantParams q) {
  OpTester t(ir::OpType::QUANTIZE);
  t.AddInput<float>(DType::kFloat32, {static_cast<int32_t>(x.size())}, x);
  const int out = t.AddOutput(dt, std::move(q));
  const Status st = t.Run();
  EXPECT_TRUE(st.ok()) << st.message();
  return st.ok() ? t.Output<Out>(out) : std::vector<Out>{};
}

TEST(ElemQuantize, FloatToInt8TiesToEvenGolden) {
  // Recorded from the official runtime: 0.25 / 0.1 -> 2.5 -> 2, 0.35 / 0.1 -> 3.5 -> 4, -0.25 -> -2.
  EXPECT_EQ(Quantize<int8_t>({0.25f, -0.25f, 0.35f, 0.45f, 1.05f, -1.05f, 0.15f, 2.5f}, DType::kInt8, Quant(0.1f, 0)),
            (std::vector<int8_t>{2, -2, 4, 4, 10, -10, 2, 25}));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(Quantize<int8_t>({1e9f, -1e9f, inf, -inf, 12.7f, -12.8f}, DType::kInt8, Quant(0.1f, 0)),
            (std::vector<int8_t>{127, -128, 127, -128, 127, -128}));
  EXPECT_EQ(Quantize<int8_t>({nan}, DType::kInt8, Quant(0.1f, 5)).at(0), -128);
}

TEST(ElemQuantize, FloatToUInt8MatchesReciprocalModel) {
  std::vector<float> x;
  for (int i = -300; i <= 300; ++i) x.push_back(static_cast<float>(i) * 0.0137f);
  const auto y = Quantize<uint8_t>(x, DType::kUInt8, Quant(0.0323f, 128));
  const float inv = 1.0f / 0.0323f;
  for (size_t i = 0; i < x.size(); ++i) {
    const float v = std::clamp(x[i] * inv, -128.0f, 127.0f);
    ASSERT_EQ(y[i], static_cast<int>(std::nearbyint(v)) + 128) << x[i];
  }
}

TEST(ElemQuantize, FloatToInt16AndPerAxis) {
  // int16 is not delegated: TFLite's AffineQuantize rounds half away from zero.
  EXPECT_EQ(Quantize<int16_t>({0.25f, -0.25f, 1.0f, 5000.0f, -5000.0f}, DType::kInt16, Quant(0.125f, 0)),
            (std::vector<int16_t>{2, -2, 8, 32767, -32768}));
  // Recorded from the official runtime: x / s is evaluated in double (0.35f / 0.1f = 3.49999989 -> 3, while a
  // float division would give 3.5 -> 4).
  EXPECT_EQ(Quantize<int16_t>({0.25f, -0.25f, 0.35f, 0.45f, 1.05f, -1.05f, 0.15f, 2.5f}, DType::kInt16, Quant(0.1f, 0)),
            (std::vector<int16_t>{2, -2, 3, 4, 10, -10, 2, 25}));
  OpTester t(ir::OpType::QUANTIZE);
  t.AddInput<float>(DType::kFloat32, {2, 3}, {1, 2, 3, 1, 2, 3});
  const int out = t.AddOutput(DType::kInt8, QuantPerAxis({0.5f, 0.25f}, 0));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{2, 4, 6, 4, 8, 12}));
}

TEST(ElemQuantize, RequantizeInt8UsesEightBitMultiplier) {
  std::vector<int8_t> x;
  for (int i = -128; i <= 127; ++i) x.push_back(static_cast<int8_t>(i));
  OpTester t(ir::OpType::QUANTIZE);
  t.AddInput<int8_t>(DType::kInt8, {256}, x, Quant(0.05f, -10));
  const int out = t.AddOutput(DType::kInt8, Quant(0.053f, 7));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  const int m = static_cast<int>(std::nearbyint(256.0f * (0.05f / 0.053f)));
  for (int i = 0; i < 256; ++i) {
    const int acc = 7 * 256 + 128 + (x[i] + 10) * m;
    const int floor_div = acc >= 0 ? acc / 256 : -((-acc + 255) / 256);
    ASSERT_EQ(y[i], std::clamp(floor_div, -128, 127)) << i;
  }
  // Recorded from the official runtime: q = -128 maps to -105 (TFLite's kernel would give -104).
  EXPECT_EQ(y[0], -105);
}

TEST(ElemQuantize, RequantizeUInt8ToInt8ShiftsBy128) {
  std::vector<uint8_t> x;
  for (int i = 0; i < 256; ++i) x.push_back(static_cast<uint8_t>(i));
  OpTester t(ir::OpType::QUANTIZE);
  t.AddInput<uint8_t>(DType::kUInt8, {256}, x, Quant(0.05f, 130));
  const int out = t.AddOutput(DType::kInt8, Quant(0.05f, 2));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  for (int i = 0; i < 256; ++i) ASSERT_EQ(y[i], i - 128) << i;
}

TEST(ElemQuantize, DequantizeAllInputTypes) {
  {
    OpTester t(ir::OpType::DEQUANTIZE);
    t.AddInput<int8_t>(DType::kInt8, {4}, {-128, -10, 0, 127}, Quant(0.05f, -10));
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<float>(out), (std::vector<float>{0.05f * -118, 0.0f, 0.05f * 10, 0.05f * 137}));
  }
  {
    OpTester t(ir::OpType::DEQUANTIZE);
    t.AddInput<uint8_t>(DType::kUInt8, {3}, {0, 128, 255}, Quant(0.5f, 128));
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<float>(out), (std::vector<float>{-64.0f, 0.0f, 63.5f}));
  }
  {
    OpTester t(ir::OpType::DEQUANTIZE);
    t.AddInput<int16_t>(DType::kInt16, {2}, {-32768, 32767}, Quant(1.0f / 32768, 0));
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<float>(out), (std::vector<float>{-1.0f, 32767.0f / 32768}));
  }
  {
    OpTester t(ir::OpType::DEQUANTIZE);
    t.AddInput<uint16_t>(DType::kFloat16, {3},
                         {FloatToHalf(1.5f), FloatToHalf(-65504.0f), static_cast<uint16_t>(0x0001)}, {}, true);
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<float>(out), (std::vector<float>{1.5f, -65504.0f, std::ldexp(1.0f, -24)}));
  }
  {
    // Per-channel constant weights, quantized_dimension 1 of [2, 3, 2].
    OpTester t(ir::OpType::DEQUANTIZE);
    t.AddInput<int8_t>(DType::kInt8, {2, 3, 2}, {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6},
                       QuantPerAxis({0.5f, 0.25f, 2.0f}, 1), true);
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<float>(out),
              (std::vector<float>{0.5f, 1, 0.75f, 1, 10, 12, -0.5f, -1, -0.75f, -1, -10, -12}));
  }
}

TEST(ElemQuantize, PrepareRejectsBadInputs) {
  {
    OpTester t(ir::OpType::QUANTIZE);
    t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::QUANTIZE);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddOutput(DType::kInt8, QuantPerAxis({0.5f, 0.25f}, 1));
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("2 scales for dimension 1 of size 3"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::DEQUANTIZE);
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2});
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("no quantization"), std::string::npos) << st.message();
  }
  {
    OpTester t(ir::OpType::QUANTIZE);
    t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.1f, 0));
    t.AddOutput(DType::kInt8, Quant(-0.1f, 0));
    const Status st = t.Run();
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find("positive finite"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace liteopt::ops
