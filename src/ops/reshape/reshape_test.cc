#include <gtest/gtest.h>

#include <numeric>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

std::vector<float> Iota(int n, float start = 0.0f) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

ir::OpOptions ReshapeOptions(std::vector<int32_t> new_shape) {
  ir::OpOptions o;
  o.new_shape = std::move(new_shape);
  return o;
}

TEST(ShapeReshape, ShapeFromConstTensorWithMinusOne) {
  OpTester t(ir::OpType::RESHAPE);
  t.AddInput<float>(DType::kFloat32, {2, 3, 4}, Iota(24));
  t.AddInput<int32_t>(DType::kInt32, {2}, {-1, 6}, {}, /*is_const=*/true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{4, 6}));
  EXPECT_EQ(t.Output<float>(out), Iota(24));
}

TEST(ShapeReshape, ShapeTensorWinsOverOptions) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({24}));
  t.AddInput<int8_t>(DType::kInt8, {2, 12}, std::vector<int8_t>(24, 3), Quant(0.5f, 1));
  t.AddInput<int32_t>(DType::kInt32, {3}, {2, 2, 6}, {}, true);
  const int out = t.AddOutput(DType::kInt8, Quant(0.5f, 1));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 2, 6}));
  EXPECT_EQ(t.Output<int8_t>(out), std::vector<int8_t>(24, 3));
}

TEST(ShapeReshape, ShapeFromOptionsWhenNoShapeInput) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({3, -1}));
  t.AddInput<float>(DType::kFloat32, {1, 6}, Iota(6));
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 2}));
}

TEST(ShapeReshape, NonVectorShapeTensorFallsBackToOptions) {
  // A scalar (not 1-D) shape tensor is ignored, as in TFLite.
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({2, 3}));
  t.AddInput<float>(DType::kFloat32, {6}, Iota(6));
  t.AddInput<int32_t>(DType::kInt32, {}, {6}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 3}));
}

TEST(ShapeReshape, LegacyZeroOptionMeansScalar) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({0}));
  t.AddInput<float>(DType::kFloat32, {1, 1}, {7.5f});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_TRUE(t.OutputShape(out).empty());
  EXPECT_EQ(t.Output<float>(out), std::vector<float>{7.5f});
}

TEST(ShapeReshape, EmptyShapeTensorMeansScalar) {
  OpTester t(ir::OpType::RESHAPE);
  t.AddInput<int32_t>(DType::kInt32, {1}, {42});
  t.AddInput<int32_t>(DType::kInt32, {0}, {}, {}, true);
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_TRUE(t.OutputShape(out).empty());
  EXPECT_EQ(t.Output<int32_t>(out), std::vector<int32_t>{42});
}

TEST(ShapeReshape, ZeroSizedInputWithMinusOne) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({-1, 4}));
  t.AddInput<float>(DType::kFloat32, {0, 8}, {});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{0, 4}));
}

TEST(ShapeReshape, RejectsElementCountMismatch) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({5, 5}));
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cannot reshape"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("[5, 5]"), std::string::npos) << st.message();
}

TEST(ShapeReshape, RejectsNonDivisibleMinusOne) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({4, -1}));
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeReshape, RejectsTwoMinusOnes) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({-1, -1}));
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("more than one -1"), std::string::npos) << st.message();
}

TEST(ShapeReshape, RejectsNegativeDim) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({-2, -3}));
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeReshape, RejectsNonConstShapeTensor) {
  OpTester t(ir::OpType::RESHAPE);
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddInput<int32_t>(DType::kInt32, {2}, {3, 2}, {}, /*is_const=*/false);
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not constant"), std::string::npos) << st.message();
}

TEST(ShapeReshape, RejectsNegativeInputDim) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({-1}));
  t.AddInput<float>(DType::kFloat32, {-2, 3}, {});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeReshape, RejectsDTypeChange) {
  OpTester t(ir::OpType::RESHAPE, ReshapeOptions({6}));
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddOutput(DType::kInt32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeSqueeze, AllUnitDimsWhenNoDimsGiven) {
  OpTester t(ir::OpType::SQUEEZE);
  t.AddInput<float>(DType::kFloat32, {1, 3, 1, 2, 1}, Iota(6));
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(t.Output<float>(out), Iota(6));
}

TEST(ShapeSqueeze, OnlyListedDimsIncludingNegative) {
  ir::OpOptions o;
  o.squeeze_dims = {0, -1};
  OpTester t(ir::OpType::SQUEEZE, o);
  t.AddInput<uint8_t>(DType::kUInt8, {1, 3, 1, 2, 1}, {1, 2, 3, 4, 5, 6});
  const int out = t.AddOutput(DType::kUInt8);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 1, 2}));
  EXPECT_EQ(t.Output<uint8_t>(out), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(ShapeSqueeze, RejectsNonUnitDim) {
  ir::OpOptions o;
  o.squeeze_dims = {1};
  OpTester t(ir::OpType::SQUEEZE, o);
  t.AddInput<float>(DType::kFloat32, {1, 3}, Iota(3));
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("has size 3"), std::string::npos) << st.message();
}

TEST(ShapeSqueeze, RejectsOutOfRangeDim) {
  ir::OpOptions o;
  o.squeeze_dims = {-3};
  OpTester t(ir::OpType::SQUEEZE, o);
  t.AddInput<float>(DType::kFloat32, {1, 1}, {1.0f});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeExpandDims, PositiveAndNegativeAxis) {
  const std::vector<std::pair<int32_t, std::vector<int32_t>>> cases = {
      {0, {1, 2, 3}}, {1, {2, 1, 3}}, {2, {2, 3, 1}}, {-1, {2, 3, 1}}, {-3, {1, 2, 3}}};
  for (const auto& [axis, expected] : cases) {
    OpTester t(ir::OpType::EXPAND_DIMS);
    t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
    t.AddInput<int32_t>(DType::kInt32, {1}, {axis}, {}, true);
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok()) << "axis " << axis;
    EXPECT_EQ(t.OutputShape(out), expected) << "axis " << axis;
    EXPECT_EQ(t.Output<float>(out), Iota(6));
  }
}

TEST(ShapeExpandDims, Int64AxisScalar) {
  OpTester t(ir::OpType::EXPAND_DIMS);
  t.AddInput<int32_t>(DType::kInt32, {}, {9});
  t.AddInput<int64_t>(DType::kInt64, {}, {0}, {}, true);
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{1}));
}

TEST(ShapeExpandDims, RejectsOutOfRangeAxis) {
  for (int32_t axis : {3, -4}) {
    OpTester t(ir::OpType::EXPAND_DIMS);
    t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
    t.AddInput<int32_t>(DType::kInt32, {1}, {axis}, {}, true);
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok()) << "axis " << axis;
  }
}

TEST(ShapeExpandDims, RejectsNonConstAxis) {
  OpTester t(ir::OpType::EXPAND_DIMS);
  t.AddInput<float>(DType::kFloat32, {2, 3}, Iota(6));
  t.AddInput<int32_t>(DType::kInt32, {1}, {0}, {}, false);
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

}  // namespace
}  // namespace liteopt::ops
