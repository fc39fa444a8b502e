#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

// Naive transpose: for every output index o, out[o] = in[i] with i[perm[d]] = o[d].
template <typename T>
std::vector<T> NaiveTranspose(const std::vector<T>& in, const std::vector<int32_t>& shape,
                              const std::vector<int32_t>& perm) {
  const int rank = static_cast<int>(shape.size());
  std::vector<int32_t> out_shape(rank);
  for (int d = 0; d < rank; ++d) out_shape[d] = shape[perm[d]];
  std::vector<T> out(in.size());
  std::vector<int32_t> o(rank, 0);
  for (size_t flat = 0; flat < out.size(); ++flat) {
    size_t rem = flat;
    for (int d = rank - 1; d >= 0; --d) {
      o[d] = static_cast<int32_t>(rem % out_shape[d]);
      rem /= out_shape[d];
    }
    std::vector<int32_t> i(rank);
    for (int d = 0; d < rank; ++d) i[perm[d]] = o[d];
    size_t in_flat = 0;
    for (int d = 0; d < rank; ++d) in_flat = in_flat * shape[d] + i[d];
    out[flat] = in[in_flat];
  }
  return out;
}

TEST(ShapeTranspose, TwoDFloat) {
  OpTester t(ir::OpType::TRANSPOSE);
  t.AddInput<float>(DType::kFloat32, {2, 3}, {1, 2, 3, 4, 5, 6});
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 0}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(ShapeTranspose, AllPermutationsUpTo4D) {
  for (int rank = 1; rank <= 4; ++rank) {
    std::vector<int32_t> shape;
    for (int d = 0; d < rank; ++d) shape.push_back(d + 2);
    const int n = static_cast<int>(ir::NumElements(shape));
    std::vector<int16_t> in(n);
    std::iota(in.begin(), in.end(), int16_t{0});
    std::vector<int32_t> perm(rank);
    std::iota(perm.begin(), perm.end(), 0);
    do {
      OpTester t(ir::OpType::TRANSPOSE);
      t.AddInput<int16_t>(DType::kInt16, shape, in);
      t.AddInput<int32_t>(DType::kInt32, {rank}, perm, {}, true);
      const int out = t.AddOutput(DType::kInt16);
      ASSERT_TRUE(t.Run().ok());
      EXPECT_EQ(t.Output<int16_t>(out), NaiveTranspose(in, shape, perm)) << "rank " << rank;
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

TEST(ShapeTranspose, SixDInt8AndNegativePerm) {
  const std::vector<int32_t> shape = {2, 1, 3, 2, 2, 3};
  const int n = static_cast<int>(ir::NumElements(shape));
  std::vector<int8_t> in(n);
  for (int i = 0; i < n; ++i) in[i] = static_cast<int8_t>(i - 60);
  const std::vector<int32_t> perm = {5, 3, 0, 4, 1, 2};
  const std::vector<int32_t> perm_negative = {-1, 3, -6, 4, 1, -4};
  OpTester t(ir::OpType::TRANSPOSE);
  t.AddInput<int8_t>(DType::kInt8, shape, in);
  t.AddInput<int64_t>(DType::kInt64, {6}, std::vector<int64_t>(perm_negative.begin(), perm_negative.end()), {},
                      true);
  const int out = t.AddOutput(DType::kInt8);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{3, 2, 2, 2, 1, 3}));
  EXPECT_EQ(t.Output<int8_t>(out), NaiveTranspose(in, shape, perm));
}

TEST(ShapeTranspose, RejectsDuplicatePerm) {
  OpTester t(ir::OpType::TRANSPOSE);
  t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  t.AddInput<int32_t>(DType::kInt32, {2}, {0, 0}, {}, true);
  t.AddOutput(DType::kFloat32);
  const Status st = t.Run();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("twice"), std::string::npos) << st.message();
}

TEST(ShapeTranspose, RejectsOutOfRangeAndWrongLength) {
  {
    OpTester t(ir::OpType::TRANSPOSE);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddInput<int32_t>(DType::kInt32, {2}, {0, 2}, {}, true);
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
  {
    OpTester t(ir::OpType::TRANSPOSE);
    t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
    t.AddInput<int32_t>(DType::kInt32, {3}, {0, 1, 2}, {}, true);
    t.AddOutput(DType::kFloat32);
    EXPECT_FALSE(t.Run().ok());
  }
}

TEST(ShapeTranspose, RejectsNonConstPerm) {
  OpTester t(ir::OpType::TRANSPOSE);
  t.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  t.AddInput<int32_t>(DType::kInt32, {2}, {1, 0}, {}, false);
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

}  // namespace
}  // namespace liteopt::ops
