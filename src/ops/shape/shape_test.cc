#include <gtest/gtest.h>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

TEST(ShapeShape, Int32AndInt64Outputs) {
  {
    OpTester t(ir::OpType::SHAPE);
    t.AddInput<float>(DType::kFloat32, {2, 0, 5}, {});
    const int out = t.AddOutput(DType::kInt32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3}));
    EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{2, 0, 5}));
  }
  {
    ir::OpOptions o;
    o.type = 1;  // ShapeOptions present
    o.out_type = DType::kInt64;
    OpTester t(ir::OpType::SHAPE, o);
    t.AddInput<int8_t>(DType::kInt8, {7, 1}, std::vector<int8_t>(7));
    const int out = t.AddOutput(DType::kInt64);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<int64_t>(out), (std::vector<int64_t>{7, 1}));
  }
}

TEST(ShapeShape, ScalarGivesEmptyVector) {
  OpTester t(ir::OpType::SHAPE);
  t.AddInput<float>(DType::kFloat32, {}, {1.0f});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{0}));
}

TEST(ShapeShape, RejectsFloatOutputAndOutTypeMismatch) {
  {
    OpTester t(ir::OpType::SHAPE);
    t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    ir::OpOptions o;
    o.type = 1;
    o.out_type = DType::kInt64;
    OpTester t(ir::OpType::SHAPE, o);
    t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
    t.AddOutput(DType::kInt32);
    EXPECT_FALSE(t.Run().ok());
  }
}

TEST(ShapeFill, FloatAndInt8) {
  {
    OpTester t(ir::OpType::FILL);
    t.AddInput<int32_t>(DType::kInt32, {2}, {2, 3}, {}, true);
    t.AddInput<float>(DType::kFloat32, {}, {1.5f});
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 3}));
    EXPECT_EQ(t.Output<float>(out), std::vector<float>(6, 1.5f));
  }
  {
    OpTester t(ir::OpType::FILL);
    t.AddInput<int64_t>(DType::kInt64, {1}, {5}, {}, true);
    t.AddInput<int8_t>(DType::kInt8, {}, {-3}, Quant(0.5f, 1));
    const int out = t.AddOutput(DType::kInt8, Quant(0.5f, 1));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<int8_t>(out), std::vector<int8_t>(5, -3));
  }
}

TEST(ShapeFill, RejectsBadInputs) {
  {
    OpTester t(ir::OpType::FILL);
    t.AddInput<int32_t>(DType::kInt32, {2}, {2, -1}, {}, true);
    t.AddInput<float>(DType::kFloat32, {}, {0.0f});
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::FILL);
    t.AddInput<int32_t>(DType::kInt32, {1}, {2}, {}, true);
    t.AddInput<float>(DType::kFloat32, {1}, {0.0f});  // not a scalar
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::FILL);
    t.AddInput<int32_t>(DType::kInt32, {1}, {2}, {}, true);
    t.AddInput<int8_t>(DType::kInt8, {}, {0}, Quant(0.5f, 1));
    t.AddOutput(DType::kInt8, Quant(0.25f, 1));
    EXPECT_FALSE(t.Run().ok());
  }
}

}  // namespace
}  // namespace liteopt::ops
