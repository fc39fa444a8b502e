#include <gtest/gtest.h>

#include <limits>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

template <typename To, typename From>
std::vector<To> RunCast(DType from, DType to, const std::vector<From>& in) {
  OpTester t(ir::OpType::CAST);
  t.AddInput<From>(from, {static_cast<int32_t>(in.size())}, in);
  const int out = t.AddOutput(to);
  const Status st = t.Run();
  EXPECT_TRUE(st.ok()) << st.message();
  return st.ok() ? t.Output<To>(out) : std::vector<To>{};
}

TEST(ShapeCast, FloatToIntTruncatesTowardZero) {
  EXPECT_EQ((RunCast<int32_t, float>(DType::kFloat32, DType::kInt32, {1.9f, -1.9f, 0.5f, -0.0f, 100000.5f})),
            (std::vector<int32_t>{1, -1, 0, 0, 100000}));
  EXPECT_EQ((RunCast<int64_t, float>(DType::kFloat32, DType::kInt64, {3.99f, -7.2f})),
            (std::vector<int64_t>{3, -7}));
}

TEST(ShapeCast, FloatToNarrowIntsWraps) {
  EXPECT_EQ((RunCast<uint8_t, float>(DType::kFloat32, DType::kUInt8, {3.7f, 255.9f, 300.0f, -1.5f})),
            (std::vector<uint8_t>{3, 255, 44, 255}));
  EXPECT_EQ((RunCast<int8_t, float>(DType::kFloat32, DType::kInt8, {-128.9f, 127.2f, 129.0f})),
            (std::vector<int8_t>{-128, 127, -127}));
}

TEST(ShapeCast, NanToIntIsZero) {
  EXPECT_EQ((RunCast<int32_t, float>(DType::kFloat32, DType::kInt32, {std::numeric_limits<float>::quiet_NaN()})),
            (std::vector<int32_t>{0}));
}

TEST(ShapeCast, IntToFloat) {
  EXPECT_EQ((RunCast<float, int32_t>(DType::kInt32, DType::kFloat32, {-3, 16777217, 0})),
            (std::vector<float>{-3.0f, 16777216.0f, 0.0f}));
  EXPECT_EQ((RunCast<float, uint8_t>(DType::kUInt8, DType::kFloat32, {0, 255})), (std::vector<float>{0.0f, 255.0f}));
  EXPECT_EQ((RunCast<float, int8_t>(DType::kInt8, DType::kFloat32, {-128, 127})),
            (std::vector<float>{-128.0f, 127.0f}));
}

TEST(ShapeCast, IntegerWidthChanges) {
  EXPECT_EQ((RunCast<int32_t, int64_t>(DType::kInt64, DType::kInt32, {int64_t{1} << 33 | 5, -2})),
            (std::vector<int32_t>{5, -2}));
  EXPECT_EQ((RunCast<int64_t, int32_t>(DType::kInt32, DType::kInt64, {-5, 7})), (std::vector<int64_t>{-5, 7}));
  EXPECT_EQ((RunCast<uint8_t, int8_t>(DType::kInt8, DType::kUInt8, {-1, 5})), (std::vector<uint8_t>{255, 5}));
  EXPECT_EQ((RunCast<int8_t, uint8_t>(DType::kUInt8, DType::kInt8, {200, 5})), (std::vector<int8_t>{-56, 5}));
  EXPECT_EQ((RunCast<int32_t, uint8_t>(DType::kUInt8, DType::kInt32, {200})), (std::vector<int32_t>{200}));
}

TEST(ShapeCast, BoolConversions) {
  EXPECT_EQ((RunCast<uint8_t, float>(DType::kFloat32, DType::kBool, {0.0f, -0.0f, 0.1f, -3.0f})),
            (std::vector<uint8_t>{0, 0, 1, 1}));
  EXPECT_EQ((RunCast<uint8_t, int32_t>(DType::kInt32, DType::kBool, {0, 7})), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ((RunCast<float, uint8_t>(DType::kBool, DType::kFloat32, {0, 1})), (std::vector<float>{0.0f, 1.0f}));
  EXPECT_EQ((RunCast<int64_t, uint8_t>(DType::kBool, DType::kInt64, {1, 0})), (std::vector<int64_t>{1, 0}));
}

TEST(ShapeCast, KeepsShapeAndRejectsStrings) {
  {
    OpTester t(ir::OpType::CAST);
    t.AddInput<int32_t>(DType::kInt32, {2, 1, 2}, {1, 2, 3, 4});
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 1, 2}));
  }
  {
    OpTester t(ir::OpType::CAST);
    t.AddInput<uint8_t>(DType::kString, {1}, {0});
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
}

}  // namespace
}  // namespace liteopt::ops
