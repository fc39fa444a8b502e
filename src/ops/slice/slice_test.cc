#include <gtest/gtest.h>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

// [3, 4] input with v[r][c] = 10 * r + c.
std::vector<int32_t> Grid34() {
  std::vector<int32_t> v;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) v.push_back(10 * r + c);
  return v;
}

// [2, 3, 4] input with v[i][j][k] = 100 * i + 10 * j + k.
std::vector<int32_t> Grid234() {
  std::vector<int32_t> v;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) v.push_back(100 * i + 10 * j + k);
  return v;
}

struct StridedCase {
  std::vector<int32_t> begin, end, strides;
  int begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;
};

Status RunStrided(const std::vector<int32_t>& shape, const std::vector<int32_t>& input, const StridedCase& c,
                  std::vector<int32_t>* out_shape, std::vector<int32_t>* out_values) {
  ir::OpOptions o;
  o.begin_mask = c.begin_mask;
  o.end_mask = c.end_mask;
  o.ellipsis_mask = c.ellipsis_mask;
  o.new_axis_mask = c.new_axis_mask;
  o.shrink_axis_mask = c.shrink_axis_mask;
  o.offset = c.offset;
  OpTester t(ir::OpType::STRIDED_SLICE, o);
  const int32_t n = static_cast<int32_t>(c.begin.size());
  t.AddInput<int32_t>(DType::kInt32, shape, input);
  t.AddInput<int32_t>(DType::kInt32, {n}, c.begin, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {n}, c.end, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {n}, c.strides, {}, true);
  const int out = t.AddOutput(DType::kInt32);
  Status st = t.Run();
  if (st.ok()) {
    *out_shape = t.OutputShape(out);
    // The harness's Output() cannot read an empty tensor.
    *out_values = ir::NumElements(*out_shape) > 0 ? t.Output<int32_t>(out) : std::vector<int32_t>{};
  }
  return st;
}

void ExpectStrided(const std::vector<int32_t>& shape, const std::vector<int32_t>& input, const StridedCase& c,
                   const std::vector<int32_t>& expected_shape, const std::vector<int32_t>& expected) {
  std::vector<int32_t> s, v;
  const Status st = RunStrided(shape, input, c, &s, &v);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(s, expected_shape);
  EXPECT_EQ(v, expected);
}

TEST(ShapeStridedSlice, BasicWithNegativeBegin) {
  // v[1:3, -3:4:2]
  ExpectStrided({3, 4}, Grid34(), {{1, -3}, {3, 4}, {1, 2}}, {2, 2}, {11, 13, 21, 23});
}

TEST(ShapeStridedSlice, NegativeStrides) {
  // v[-1:-4:-1, -1:0:-2]
  ExpectStrided({3, 4}, Grid34(), {{-1, -1}, {-4, 0}, {-1, -2}}, {3, 2}, {23, 21, 13, 11, 3, 1});
}

TEST(ShapeStridedSlice, NegativeStrideWithMasks) {
  // v[::-1, ::-3]
  StridedCase c{{0, 0}, {0, 0}, {-1, -3}};
  c.begin_mask = 3;
  c.end_mask = 3;
  ExpectStrided({3, 4}, Grid34(), c, {3, 2}, {23, 20, 13, 10, 3, 0});
}

TEST(ShapeStridedSlice, BeginEndMasksIgnoreValues) {
  StridedCase c{{5, 5}, {0, 0}, {1, 1}};
  c.begin_mask = 3;
  c.end_mask = 3;
  ExpectStrided({3, 4}, Grid34(), c, {3, 4}, Grid34());
}

TEST(ShapeStridedSlice, ClampsOutOfRangeBeginEnd) {
  // v[-10:10, 2:100]
  ExpectStrided({3, 4}, Grid34(), {{-10, 2}, {10, 100}, {1, 1}}, {3, 2}, {2, 3, 12, 13, 22, 23});
}

TEST(ShapeStridedSlice, EmptyWhenBeginPastEnd) {
  ExpectStrided({3, 4}, Grid34(), {{2, 0}, {1, 4}, {1, 1}}, {0, 4}, {});
}

TEST(ShapeStridedSlice, ShrinkAxis) {
  StridedCase c{{1, 0}, {2, 4}, {1, 1}};
  c.shrink_axis_mask = 1;
  ExpectStrided({3, 4}, Grid34(), c, {4}, {10, 11, 12, 13});
  // Negative index, end ignored: v[-1, 1]
  StridedCase d{{-1, 1}, {0, 0}, {1, 1}};
  d.shrink_axis_mask = 3;
  ExpectStrided({3, 4}, Grid34(), d, {}, {21});
}

TEST(ShapeStridedSlice, ShorterSpecCoversLeadingDims) {
  // v[1:2] on [2, 3, 4]
  const std::vector<int32_t> all = Grid234();
  const std::vector<int32_t> expected(all.begin() + 12, all.end());
  ExpectStrided({2, 3, 4}, Grid234(), {{1}, {2}, {1}}, {1, 3, 4}, expected);
}

TEST(ShapeStridedSlice, Ellipsis) {
  // v[..., 1:3] on [2, 3, 4]
  StridedCase c{{0, 1}, {0, 3}, {1, 1}};
  c.ellipsis_mask = 1;
  std::vector<int32_t> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 1; k < 3; ++k) expected.push_back(100 * i + 10 * j + k);
  ExpectStrided({2, 3, 4}, Grid234(), c, {2, 3, 2}, expected);
}

TEST(ShapeStridedSlice, NewAxis) {
  // v[newaxis, :, 1:3] on [3, 4]
  StridedCase c{{0, 0, 1}, {0, 0, 3}, {1, 1, 1}};
  c.new_axis_mask = 1;
  c.begin_mask = 2;
  c.end_mask = 2;
  ExpectStrided({3, 4}, Grid34(), c, {1, 3, 2}, {1, 2, 11, 12, 21, 22});
}

TEST(ShapeStridedSlice, ShrinkEllipsisNewAxisTogether) {
  // v[0, ..., newaxis, 1] on [2, 3, 4] -> shape [3, 1], v[0][j][1]
  StridedCase c{{0, 0, 0, 1}, {1, 0, 0, 2}, {1, 1, 1, 1}};
  c.shrink_axis_mask = 1 | 8;
  c.ellipsis_mask = 2;
  c.new_axis_mask = 4;
  ExpectStrided({2, 3, 4}, Grid234(), c, {3, 1}, {1, 11, 21});
}

TEST(ShapeStridedSlice, OffsetEndIsSize) {
  StridedCase c{{1, 1}, {2, 2}, {1, 1}};
  c.offset = true;
  ExpectStrided({3, 4}, Grid34(), c, {2, 2}, {11, 12, 21, 22});
}

TEST(ShapeStridedSlice, RejectsBadSpecs) {
  std::vector<int32_t> s, v;
  StridedCase zero_stride{{0, 0}, {1, 1}, {1, 0}};
  Status st = RunStrided({3, 4}, Grid34(), zero_stride, &s, &v);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("strides[1] is 0"), std::string::npos) << st.message();

  StridedCase shrink_out{{3, 0}, {4, 1}, {1, 1}};
  shrink_out.shrink_axis_mask = 1;
  st = RunStrided({3, 4}, Grid34(), shrink_out, &s, &v);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("shrink_axis index 3"), std::string::npos) << st.message();

  StridedCase too_long{{0, 0, 0}, {1, 1, 1}, {1, 1, 1}};
  EXPECT_FALSE(RunStrided({3, 4}, Grid34(), too_long, &s, &v).ok());

  StridedCase two_ellipses{{0, 0}, {1, 1}, {1, 1}};
  two_ellipses.ellipsis_mask = 3;
  EXPECT_FALSE(RunStrided({3, 4}, Grid34(), two_ellipses, &s, &v).ok());
}

TEST(ShapeStridedSlice, RejectsNonConstBegin) {
  OpTester t(ir::OpType::STRIDED_SLICE);
  t.AddInput<int32_t>(DType::kInt32, {3, 4}, Grid34());
  t.AddInput<int32_t>(DType::kInt32, {2}, {0, 0}, {}, /*is_const=*/false);
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 1}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 1}, {}, true);
  t.AddOutput(DType::kInt32);
  EXPECT_FALSE(t.Run().ok());
}

TEST(ShapeSlice, SizeMinusOneTakesRest) {
  OpTester t(ir::OpType::SLICE);
  t.AddInput<int32_t>(DType::kInt32, {3, 4}, Grid34());
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 1}, {}, true);
  t.AddInput<int64_t>(DType::kInt64, {2}, {2, -1}, {}, true);
  const int out = t.AddOutput(DType::kInt32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(t.Output<int32_t>(out), (std::vector<int32_t>{11, 12, 13, 21, 22, 23}));
}

TEST(ShapeSlice, ThreeDInt8) {
  std::vector<int8_t> in;
  for (int32_t v : Grid234()) in.push_back(static_cast<int8_t>(v % 128));
  OpTester t(ir::OpType::SLICE);
  t.AddInput<int8_t>(DType::kInt8, {2, 3, 4}, in);
  t.AddInput<int32_t>(DType::kInt32, {3}, {1, 0, 2}, {}, true);
  t.AddInput<int32_t>(DType::kInt32, {3}, {1, 2, 2}, {}, true);
  const int out = t.AddOutput(DType::kInt8);
  ASSERT_TRUE(t.Run().ok());
  // 100 + 10 j + k for j in {0, 1}, k in {2, 3}: 102, 103, 112, 113 (mod 128).
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{102, 103, 112, 113}));
}

TEST(ShapeSlice, RejectsOutOfBounds) {
  const std::vector<std::pair<std::vector<int32_t>, std::vector<int32_t>>> bad = {
      {{2, 0}, {2, 1}}, {{-1, 0}, {1, 1}}, {{0, 0}, {1, -2}}, {{4, 0}, {-1, 1}}};
  for (const auto& [begin, size] : bad) {
    OpTester t(ir::OpType::SLICE);
    t.AddInput<int32_t>(DType::kInt32, {3, 4}, Grid34());
    t.AddInput<int32_t>(DType::kInt32, {2}, begin, {}, true);
    t.AddInput<int32_t>(DType::kInt32, {2}, size, {}, true);
    t.AddOutput(DType::kInt32);
    EXPECT_FALSE(t.Run().ok()) << begin[0] << "," << size[0];
  }
}

}  // namespace
}  // namespace liteopt::ops
