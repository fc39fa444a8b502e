#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

ir::OpOptions ConcatOptions(int axis, ir::Activation act = ir::Activation::kNone) {
  ir::OpOptions o;
  o.axis = axis;
  o.activation = act;
  return o;
}

// Element (i, j, k) of a [2, 3, 4] tensor tagged with `tag`.
float Tagged(int tag, int i, int j, int k) { return static_cast<float>(tag * 1000 + i * 100 + j * 10 + k); }

std::vector<float> TaggedTensor(int tag, int d0, int d1, int d2) {
  std::vector<float> v;
  for (int i = 0; i < d0; ++i)
    for (int j = 0; j < d1; ++j)
      for (int k = 0; k < d2; ++k) v.push_back(Tagged(tag, i, j, k));
  return v;
}

TEST(ShapeConcatenation, FloatAlongEachAxis) {
  for (int axis = -3; axis < 3; ++axis) {
    const int a = axis < 0 ? axis + 3 : axis;
    std::vector<int32_t> s1 = {2, 3, 4}, s2 = {2, 3, 4};
    s2[a] = a + 1;  // second input differs along the axis
    OpTester t(ir::OpType::CONCATENATION, ConcatOptions(axis));
    t.AddInput<float>(DType::kFloat32, s1, TaggedTensor(1, s1[0], s1[1], s1[2]));
    t.AddInput<float>(DType::kFloat32, s2, TaggedTensor(2, s2[0], s2[1], s2[2]));
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok()) << "axis " << axis;
    std::vector<int32_t> so = s1;
    so[a] += s2[a];
    ASSERT_EQ(t.OutputShape(out), so) << "axis " << axis;
    const std::vector<float> o = t.Output<float>(out);
    for (int i = 0; i < so[0]; ++i)
      for (int j = 0; j < so[1]; ++j)
        for (int k = 0; k < so[2]; ++k) {
          int idx[3] = {i, j, k};
          const bool first = idx[a] < s1[a];
          if (!first) idx[a] -= s1[a];
          const float expected = Tagged(first ? 1 : 2, idx[0], idx[1], idx[2]);
          ASSERT_EQ(o[(i * so[1] + j) * so[2] + k], expected) << "axis " << axis << " at " << i << j << k;
        }
  }
}

TEST(ShapeConcatenation, ThreeInt32InputsAxis0) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0));
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {1, 2});
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {3, 4, 5, 6});
  t.AddInput<int32_t>(DType::kInt32, {0, 2}, {});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
}

TEST(ShapeConcatenation, Int8SameParamsCopiesBytes) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(1));
  t.AddInput<int8_t>(DType::kInt8, {2, 1}, {-128, 127}, Quant(0.1f, 3));
  t.AddInput<int8_t>(DType::kInt8, {2, 2}, {0, 1, 2, 3}, Quant(0.1f, 3));
  const int out = t.AddOutput(DType::kInt8, Quant(0.1f, 3));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{-128, 0, 1, 127, 2, 3}));
}

// Requantization: real = s_in * (q - zp_in); q_out = round(real / s_out) + zp_out, clamped. Scales are powers
// of two so every intermediate is exact and the expected values are unambiguous.
TEST(ShapeConcatenation, Int8RequantizesDifferingInputs) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(-1));
  // Input 0 matches the output parameters; input 1 has half the output scale and another zero point.
  t.AddInput<int8_t>(DType::kInt8, {2, 1}, {5, -7}, Quant(0.5f, 1));
  t.AddInput<int8_t>(DType::kInt8, {2, 3}, {-128, 0, 7, 127, 10, 13}, Quant(0.25f, 10));
  const int out = t.AddOutput(DType::kInt8, Quant(0.5f, 1));
  ASSERT_TRUE(t.Run().ok());
  // (q - 10) * 0.25 / 0.5 = (q - 10) / 2 = -69, -5, -1.5, 58.5, 0, 1.5; rounded half away from zero: -69, -5,
  // -2, 59, 0, 2; plus the output zero point 1.
  const std::vector<int8_t> expected = {5, -68, -4, -1, -7, 60, 1, 3};
  EXPECT_EQ(t.Output<int8_t>(out), expected);
}

TEST(ShapeConcatenation, Uint8RequantizesAndSaturates) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0));
  t.AddInput<uint8_t>(DType::kUInt8, {3}, {0, 128, 255}, Quant(2.0f, 128));
  t.AddInput<uint8_t>(DType::kUInt8, {2}, {7, 9}, Quant(1.0f, 0));
  const int out = t.AddOutput(DType::kUInt8, Quant(1.0f, 0));
  ASSERT_TRUE(t.Run().ok());
  // (q - 128) * 2: -256 -> 0 (saturated), 0, 254.
  EXPECT_EQ(t.Output<uint8_t>(out), (std::vector<uint8_t>{0, 0, 254, 7, 9}));
}

TEST(ShapeConcatenation, FloatRelu6) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0, ir::Activation::kRelu6));
  t.AddInput<float>(DType::kFloat32, {2}, {-1.0f, 3.0f});
  t.AddInput<float>(DType::kFloat32, {2}, {6.5f, 0.25f});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{0.0f, 3.0f, 6.0f, 0.25f}));
}

TEST(ShapeConcatenation, Int8ReluClampsAtZeroPoint) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0, ir::Activation::kRelu));
  t.AddInput<int8_t>(DType::kInt8, {3}, {-100, -20, 50}, Quant(0.5f, -20));
  const int out = t.AddOutput(DType::kInt8, Quant(0.5f, -20));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{-20, -20, 50}));
}

TEST(ShapeConcatenation, ScalarsBecomeVector) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0));
  t.AddInput<int32_t>(DType::kInt32, {}, {4});
  t.AddInput<int32_t>(DType::kInt32, {}, {5});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2}));
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{4, 5}));
}

TEST(ShapeConcatenation, RejectsMismatchedNonAxisDim) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(1));
  t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  t.AddInput<float>(DType::kFloat32, {3, 3}, std::vector<float>(9));
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("only dim 1 may differ"), std::string::npos) << st.message();
}

TEST(ShapeConcatenation, RejectsMixedDTypes) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0));
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 2});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeConcatenation, RejectsAxisOutOfRange) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(2));
  t.AddInput<float>(DType::kFloat32, {2, 2}, std::vector<float>(4));
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("out of range"), std::string::npos) << st.message();
}

TEST(ShapeConcatenation, RejectsTanhActivation) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0, ir::Activation::kTanh));
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeConcatenation, RejectsInt16NonZeroZeroPoint) {
  OpTester t(ir::OpType::CONCATENATION, ConcatOptions(0));
  t.AddInput<int16_t>(DType::kInt16, {2}, {1, 2}, Quant(0.1f, 3));
  t.AddOutput(DType::kInt16, Quant(0.1f, 0));
  EXPECT_FALSE(t.Run().ok());
}

}  // namespace
}  // namespace liteopt::ops
