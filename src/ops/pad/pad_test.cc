#include <gtest/gtest.h>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

// Expected output of padding a 2-D input: `fill` everywhere, the input at offset (top, left).
template <typename T>
std::vector<T> Padded2D(const std::vector<T>& in, int h, int w, int top, int bottom, int left, int right, T fill) {
  const int oh = h + top + bottom, ow = w + left + right;
  std::vector<T> out(oh * ow, fill);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) out[(y + top) * ow + (x + left)] = in[y * w + x];
  return out;
}

TEST(ShapePad, Float2DZeroPad) {
  OpTester t(ir::OpType::PAD);
  const std::vector<float> in = {1, 2, 3, 4, 5, 6};
  t.AddInput<float>(DType::kFloat32, {2, 3}, in);
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {1, 0, 2, 1}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 6}));
  EXPECT_EQ(t.Output<float>(out), Padded2D<float>(in, 2, 3, 1, 0, 2, 1, 0.0f));
}

TEST(ShapePad, Int8PadsWithOutputZeroPoint) {
  OpTester t(ir::OpType::PAD);
  const std::vector<int8_t> in = {-5, 7, 100, -128};
  t.AddInput<int8_t>(DType::kInt8, {2, 2}, in, Quant(0.1f, -3));
  t.AddInput<int64_t>(DType::kInt64, {2, 2}, {1, 1, 0, 2}, {}, true);
  const int out = t.AddOutput(DType::kInt8, Quant(0.1f, -3));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{4, 4}));
  EXPECT_EQ(t.Output<int8_t>(out), Padded2D<int8_t>(in, 2, 2, 1, 1, 0, 2, int8_t{-3}));
}

TEST(ShapePad, Uint8PadsWithOutputZeroPoint) {
  OpTester t(ir::OpType::PAD);
  const std::vector<uint8_t> in = {10, 20};
  t.AddInput<uint8_t>(DType::kUInt8, {1, 2}, in, Quant(0.5f, 128));
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {0, 0, 1, 1}, {}, true);
  const int out = t.AddOutput(DType::kUInt8, Quant(0.5f, 128));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<uint8_t>(out), (std::vector<uint8_t>{128, 10, 20, 128}));
}

TEST(ShapePad, FourDImageStyle) {
  OpTester t(ir::OpType::PAD);
  std::vector<float> in(1 * 2 * 2 * 3);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i + 1);
  t.AddInput<float>(DType::kFloat32, {1, 2, 2, 3}, in);
  t.AddInput<int32_t>(DType::kInt32, {4, 2}, {0, 0, 1, 1, 1, 1, 0, 0}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  ASSERT_EQ(t.OutputShape(out), (std::vector<int32_t>{1, 4, 4, 3}));
  const std::vector<float> o = t.Output<float>(out);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int c = 0; c < 3; ++c) {
        const bool inside = y >= 1 && y <= 2 && x >= 1 && x <= 2;
        const float expected = inside ? in[((y - 1) * 2 + (x - 1)) * 3 + c] : 0.0f;
        EXPECT_EQ(o[(y * 4 + x) * 3 + c], expected) << y << "," << x << "," << c;
      }
}

TEST(ShapePadV2, FloatConstantValue) {
  OpTester t(ir::OpType::PADV2);
  const std::vector<float> in = {1, 2, 3};
  t.AddInput<float>(DType::kFloat32, {3}, in);
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {2, 1}, {}, true);
  t.AddInput<float>(DType::kFloat32, {}, {-7.5f});
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{-7.5f, -7.5f, 1, 2, 3, -7.5f}));
}

TEST(ShapePadV2, Int8ConstantValueUsesRawValue) {
  OpTester t(ir::OpType::PADV2);
  const std::vector<int8_t> in = {1, 2, 3, 4};
  t.AddInput<int8_t>(DType::kInt8, {2, 2}, in, Quant(0.25f, 5));
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {0, 1, 1, 0}, {}, true);
  t.AddInput<int8_t>(DType::kInt8, {1}, {-100}, Quant(0.25f, 5), true);
  const int out = t.AddOutput(DType::kInt8, Quant(0.25f, 5));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), Padded2D<int8_t>(in, 2, 2, 0, 1, 1, 0, int8_t{-100}));
}

TEST(ShapePadV2, Int32ConstantValue) {
  OpTester t(ir::OpType::PADV2);
  t.AddInput<int32_t>(DType::kInt32, {2}, {5, 6});
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {1, 1}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {}, {-1});
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{-1, 5, 6, -1}));
}

TEST(ShapePadV2, RejectsQuantizedConstantWithOtherParams) {
  OpTester t(ir::OpType::PADV2);
  t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.25f, 5));
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {1, 1}, {}, true);
  t.AddInput<int8_t>(DType::kInt8, {}, {0}, Quant(0.5f, 5), true);
  t.AddOutput(DType::kInt8, Quant(0.25f, 5));
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("must be equal"), std::string::npos) << st.message();
}

TEST(ShapePadV2, RejectsConstantOfOtherDType) {
  OpTester t(ir::OpType::PADV2);
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {1, 1}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {}, {0}, {}, true);
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapePad, RejectsNegativePadding) {
  OpTester t(ir::OpType::PAD);
  t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  t.AddInput<int32_t>(DType::kInt32, {2, 2}, {0, 0, -1, 0}, {}, true);
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("non-negative"), std::string::npos) << st.message();
}

TEST(ShapePad, RejectsPaddingsShapeMismatch) {
  OpTester t(ir::OpType::PAD);
  t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  t.AddInput<int32_t>(DType::kInt32, {3, 2}, {0, 0, 0, 0, 0, 0}, {}, true);
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("expected [2, 2]"), std::string::npos) << st.message();
}

TEST(ShapePad, RejectsNonConstPaddings) {
  OpTester t(ir::OpType::PAD);
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {1, 1}, {}, false);
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapePad, RejectsOverflowingPadding) {
  OpTester t(ir::OpType::PAD);
  t.AddInput<float>(DType::kFloat32, {2}, {1, 2});
  t.AddInput<int64_t>(DType::kInt64, {1, 2}, {int64_t{1} << 40, 0}, {}, true);
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapePad, RejectsZeroPointOutsideInt8) {
  OpTester t(ir::OpType::PAD);
  t.AddInput<int8_t>(DType::kInt8, {2}, {1, 2}, Quant(0.1f, 0));
  t.AddInput<int32_t>(DType::kInt32, {1, 2}, {1, 1}, {}, true);
  t.AddOutput(DType::kInt8, Quant(0.1f, 200));
  EXPECT_FALSE(t.Run().ok());
}

}  // namespace
}  // namespace liteopt::ops
