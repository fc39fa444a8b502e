#include <gtest/gtest.h>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

ir::OpOptions Axis(int axis) {
  ir::OpOptions o;
  o.axis = axis;
  return o;
}

TEST(ShapeGather, Axis0RowsWith2DIndices) {
  OpTester t(ir::OpType::GATHER, Axis(0));
  t.AddInput<float>(DType::kFloat32, {3, 2}, {0, 1, 10, 11, 20, 21});
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {2, 0, 1, 2});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 2, 2}));
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{20, 21, 0, 1, 10, 11, 20, 21}));
}

TEST(ShapeGather, NegativeAxisInt64Indices) {
  OpTester t(ir::OpType::GATHER, Axis(-1));
  t.AddInput<int8_t>(DType::kInt8, {2, 3}, {1, 2, 3, 4, 5, 6});
  t.AddInput<int64_t>(DType::kInt64, {4}, {2, 2, 0, 1}, {}, true);
  const int out = t.AddOutput(DType::kInt8);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 4}));
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{3, 3, 1, 2, 6, 6, 4, 5}));
}

TEST(ShapeGather, ScalarIndexDropsAxis) {
  OpTester t(ir::OpType::GATHER, Axis(1));
  t.AddInput<int32_t>(DType::kInt32, {2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  t.AddInput<int16_t>(DType::kInt16, {}, {1});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{2, 3, 8, 9}));
}

TEST(ShapeGather, RuntimeOutOfRangeIndexGivesZeros) {
  OpTester t(ir::OpType::GATHER, Axis(0));
  t.AddInput<float>(DType::kFloat32, {2, 2}, {1, 2, 3, 4});
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 5});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{3, 4, 0, 0}));
}

TEST(ShapeGather, RejectsConstOutOfRangeIndex) {
  for (int32_t bad : {-1, 3}) {
    OpTester t(ir::OpType::GATHER, Axis(0));
    t.AddInput<float>(DType::kFloat32, {3}, {1, 2, 3});
    t.AddInput<int32_t>(DType::kInt32, {1}, {bad}, {}, true);
    t.AddOutput(DType::kFloat32);
    const Status st = t.Run();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("outside [0, 3)"), std::string::npos) << st.message();
  }
}

TEST(ShapeGather, RejectsBadAxisAndIndexType) {
  {
    OpTester t(ir::OpType::GATHER, Axis(2));
    t.AddInput<float>(DType::kFloat32, {3, 1}, {1, 2, 3});
    t.AddInput<int32_t>(DType::kInt32, {1}, {0});
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::GATHER, Axis(0));
    t.AddInput<float>(DType::kFloat32, {3}, {1, 2, 3});
    t.AddInput<float>(DType::kFloat32, {1}, {0});
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
}

}  // namespace
}  // namespace liteopt::ops
