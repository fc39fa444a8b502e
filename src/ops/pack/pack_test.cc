#include <gtest/gtest.h>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

ir::OpOptions PackOptions(int axis, int values_count) {
  ir::OpOptions o;
  o.axis = axis;
  o.values_count = values_count;
  return o;
}

TEST(ShapePack, EachAxisOfTwoByThree) {
  const std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {11, 12, 13, 14, 15, 16};
  // out[axis index k] picks input k; the remaining indices address the [2, 3] input.
  for (int axis : {0, 1, 2, -1, -3}) {
    OpTester t(ir::OpType::PACK, PackOptions(axis, 2));
    t.AddInput<float>(DType::kFloat32, {2, 3}, a);
    t.AddInput<float>(DType::kFloat32, {2, 3}, b);
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok()) << "axis " << axis;
    const int ax = axis < 0 ? axis + 3 : axis;
    std::vector<int32_t> shape = {2, 3};
    shape.insert(shape.begin() + ax, 2);
    ASSERT_EQ(t.OutputShape(out), shape);
    const std::vector<float> o = t.Output<float>(out);
    for (int i = 0; i < shape[0]; ++i)
      for (int j = 0; j < shape[1]; ++j)
        for (int k = 0; k < shape[2]; ++k) {
          int idx[3] = {i, j, k};
          const int which = idx[ax];
          int r = 0, c = 0, n = 0;
          for (int d = 0; d < 3; ++d)
            if (d != ax) (n++ == 0 ? r : c) = idx[d];
          const float expected = (which == 0 ? a : b)[r * 3 + c];
          EXPECT_EQ(o[(i * shape[1] + j) * shape[2] + k], expected) << "axis " << axis;
        }
  }
}

TEST(ShapePack, ScalarsIntoVector) {
  OpTester t(ir::OpType::PACK, PackOptions(0, 3));
  t.AddInput<int32_t>(DType::kInt32, {}, {7});
  t.AddInput<int32_t>(DType::kInt32, {}, {8});
  t.AddInput<int32_t>(DType::kInt32, {}, {9});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3}));
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{7, 8, 9}));
}

TEST(ShapePack, RejectsShapeMismatch) {
  OpTester t(ir::OpType::PACK, PackOptions(0, 2));
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddInput<float>(DType::kFloat32, {3}, {1, 2, 3});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapePack, RejectsValuesCountMismatch) {
  OpTester t(ir::OpType::PACK, PackOptions(0, 3));
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapePack, RejectsDifferentQuantization) {
  OpTester t(ir::OpType::PACK, PackOptions(0, 2));
  t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.5f, 0));
  t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.25f, 0));
  t.AddOutput(DType::kInt8, Quant(0.5f, 0));
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapePack, RejectsAxisOutOfRange) {
  OpTester t(ir::OpType::PACK, PackOptions(3, 1));
  t.AddInput<float>(DType::kFloat32, {2, 2}, {1, 2, 3, 4});
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeUnpack, Axis1AndNegative) {
  for (int axis : {1, -1}) {
    ir::OpOptions o;
    o.axis = axis;
    OpTester t(ir::OpType::UNPACK, o);
    t.AddInput<int8_t>(DType::kInt8, {2, 3}, {1, 2, 3, 4, 5, 6}, Quant(0.5f, 2));
    const int o0 = t.AddOutput(DType::kInt8, Quant(0.5f, 2));
    const int o1 = t.AddOutput(DType::kInt8, Quant(0.5f, 2));
    const int o2 = t.AddOutput(DType::kInt8, Quant(0.5f, 2));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(o0), (std::vector<int32_t>{2}));
    EXPECT_EQ(t.Output<int8_t>(o0), (std::vector<int8_t>{1, 4}));
    EXPECT_EQ(t.Output<int8_t>(o1), (std::vector<int8_t>{2, 5}));
    EXPECT_EQ(t.Output<int8_t>(o2), (std::vector<int8_t>{3, 6}));
  }
}

TEST(ShapeUnpack, Axis0) {
  ir::OpOptions o;
  o.axis = 0;
  OpTester t(ir::OpType::UNPACK, o);
  t.AddInput<float>(DType::kFloat32, {2, 2}, {1, 2, 3, 4});
  const int o0 = t.AddOutput(DType::kFloat32);
  const int o1 = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(o0), (std::vector<float>{1, 2}));
  EXPECT_EQ(t.Output<float>(o1), (std::vector<float>{3, 4}));
}

TEST(ShapeUnpack, RejectsOutputCountMismatch) {
  ir::OpOptions o;
  o.axis = 0;
  OpTester t(ir::OpType::UNPACK, o);
  t.AddInput<float>(DType::kFloat32, {3, 2}, std::vector<float>(6));
  t.AddOutput(DType::kFloat32);
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("2 outputs"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace liteopt::ops
