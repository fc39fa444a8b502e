#include <gtest/gtest.h>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

ir::OpOptions Splits(int n) {
  ir::OpOptions o;
  o.num_splits = n;
  return o;
}

TEST(ShapeSplit, AxisTensorIsFirstInput) {
  OpTester t(ir::OpType::SPLIT, Splits(2));
  t.AddInput<int32_t>(DType::kInt32, {}, {1}, {}, true);
  t.AddInput<float>(DType::kFloat32, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  const int o0 = t.AddOutput(DType::kFloat32);
  const int o1 = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(o0), (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(t.Output<float>(o0), (std::vector<float>{1, 2, 5, 6}));
  EXPECT_EQ(t.Output<float>(o1), (std::vector<float>{3, 4, 7, 8}));
}

TEST(ShapeSplit, NegativeAxis) {
  OpTester t(ir::OpType::SPLIT, Splits(3));
  t.AddInput<int32_t>(DType::kInt32, {1}, {-1}, {}, true);
  t.AddInput<int8_t>(DType::kInt8, {2, 3}, {1, 2, 3, 4, 5, 6});
  const int o0 = t.AddOutput(DType::kInt8);
  const int o1 = t.AddOutput(DType::kInt8);
  const int o2 = t.AddOutput(DType::kInt8);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(o0), (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(t.Output<int8_t>(o0), (std::vector<int8_t>{1, 4}));
  EXPECT_EQ(t.Output<int8_t>(o1), (std::vector<int8_t>{2, 5}));
  EXPECT_EQ(t.Output<int8_t>(o2), (std::vector<int8_t>{3, 6}));
}

TEST(ShapeSplit, Axis0) {
  OpTester t(ir::OpType::SPLIT, Splits(2));
  t.AddInput<int32_t>(DType::kInt32, {}, {0}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {4}, {1, 2, 3, 4});
  const int o0 = t.AddOutput(DType::kInt32);
  const int o1 = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int32_t>(o0), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(t.Output<int32_t>(o1), (std::vector<int32_t>{3, 4}));
}

TEST(ShapeSplit, RejectsIndivisibleDim) {
  OpTester t(ir::OpType::SPLIT, Splits(2));
  t.AddInput<int32_t>(DType::kInt32, {}, {1}, {}, true);
  t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  t.AddOutput(DType::kFloat32);
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not divisible"), std::string::npos) << st.message();
}

TEST(ShapeSplit, RejectsNumSplitsOutputMismatchAndBadAxis) {
  {
    OpTester t(ir::OpType::SPLIT, Splits(3));
    t.AddInput<int32_t>(DType::kInt32, {}, {0}, {}, true);
    t.AddInput<float>(DType::kFloat32, {6}, std::vector<float>(6));
    t.AddOutput(DType::kFloat32);
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::SPLIT, Splits(1));
    t.AddInput<int32_t>(DType::kInt32, {}, {2}, {}, true);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::SPLIT, Splits(1));
    t.AddInput<int32_t>(DType::kInt32, {}, {0}, {}, /*is_const=*/false);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
}

TEST(ShapeSplitV, SizesWithMinusOne) {
  OpTester t(ir::OpType::SPLIT_V, Splits(3));
  t.AddInput<float>(DType::kFloat32, {2, 5}, {0, 1, 2, 3, 4, 10, 11, 12, 13, 14});
  t.AddInput<int32_t>(DType::kInt32, {3}, {1, -1, 2}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {}, {-1}, {}, true);
  const int o0 = t.AddOutput(DType::kFloat32);
  const int o1 = t.AddOutput(DType::kFloat32);
  const int o2 = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(o1), (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(t.Output<float>(o0), (std::vector<float>{0, 10}));
  EXPECT_EQ(t.Output<float>(o1), (std::vector<float>{1, 2, 11, 12}));
  EXPECT_EQ(t.Output<float>(o2), (std::vector<float>{3, 4, 13, 14}));
}

TEST(ShapeSplitV, ZeroSizedPiece) {
  OpTester t(ir::OpType::SPLIT_V, Splits(2));
  t.AddInput<int32_t>(DType::kInt32, {3}, {1, 2, 3});
  t.AddInput<int64_t>(DType::kInt64, {2}, {0, 3}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {}, {0}, {}, true);
  const int o0 = t.AddOutput(DType::kInt32);
  const int o1 = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(o0), (std::vector<int32_t>{0}));
  EXPECT_EQ(t.Output<int32_t>(o1), (std::vector<int32_t>{1, 2, 3}));
}

TEST(ShapeSplitV, RejectsBadSizes) {
  const std::vector<std::vector<int32_t>> bad = {{1, 1}, {-1, -1}, {-2, 5}, {4, -1}};
  for (const auto& sizes : bad) {
    OpTester t(ir::OpType::SPLIT_V, Splits(2));
    t.AddInput<float>(DType::kFloat32, {3}, {1, 2, 3});
    t.AddInput<int32_t>(DType::kInt32, {2}, sizes, {}, true);
    t.AddInput<int32_t>(DType::kInt32, {}, {0}, {}, true);
    t.AddOutput(DType::kFloat32);
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok()) << sizes[0] << "," << sizes[1];
  }
}

}  // namespace
}  // namespace liteopt::ops
