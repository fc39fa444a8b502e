#include "eval/metrics.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <random>

#include "common/fixtures.h"
#include "runtime/interpreter.h"

namespace liteopt::eval {
namespace {

TEST(Percentile, NearestRank) {
  const std::vector<double> v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(PercentileSorted(v, 50), 5);
  EXPECT_EQ(PercentileSorted(v, 90), 9);
  EXPECT_EQ(PercentileSorted(v, 99), 10);
  EXPECT_EQ(PercentileSorted(v, 100), 10);
  EXPECT_EQ(PercentileSorted(v, 0), 1);
  EXPECT_EQ(PercentileSorted({7.5}, 99), 7.5);
  EXPECT_EQ(PercentileSorted({}, 50), 0);
}

// The size is that of a real gzip stream: inflating it (zlib's gzip decoding) gives the input back.
TEST(GzipSize, IsTheSizeOfAValidGzipStream) {
  std::vector<uint8_t> data(100000);
  std::mt19937 rng(7);
  for (size_t i = 0; i < data.size(); ++i) data[i] = i % 3 ? 0 : static_cast<uint8_t>(rng());
  // Compress again the way GzipSize documents, keep the bytes, and check they decode.
  z_stream zs{};
  ASSERT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<uint8_t> gz(deflateBound(&zs, data.size()) + 64);
  zs.next_in = data.data();
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = gz.data();
  zs.avail_out = static_cast<uInt>(gz.size());
  ASSERT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  EXPECT_EQ(GzipSize(data.data(), data.size()), static_cast<int64_t>(gz.size()));
  EXPECT_EQ(gz[0], 0x1f);
  EXPECT_EQ(gz[1], 0x8b);
  z_stream is{};
  ASSERT_EQ(inflateInit2(&is, 31), Z_OK);
  std::vector<uint8_t> back(data.size());
  is.next_in = gz.data();
  is.avail_in = static_cast<uInt>(gz.size());
  is.next_out = back.data();
  is.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&is, Z_FINISH), Z_STREAM_END);
  inflateEnd(&is);
  EXPECT_EQ(back, data);
  EXPECT_LT(gz.size(), data.size() / 2);
}

TEST(GzipSize, EmptyInputAndMissingFile) {
  EXPECT_EQ(GzipSize(nullptr, 0), 20);  // 10-byte header, an empty final block, 8-byte trailer
  auto missing = GzipSize(std::string("/nonexistent/model.tflite"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/model.tflite"), std::string::npos);
}

TEST(ClassifyModel, RealConverterOutputs) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::vector<std::pair<std::string, ModelKind>> cases = {
      {"tflite/community/clarenceee_mnist_cnn_float.tflite", ModelKind::kFloat32},
      {"tflite/community/clarenceee_mnist_cnn_dynamic_range.tflite", ModelKind::kDynamicRange},
      {"tflite/community/clarenceee_mnist_cnn_qat.tflite", ModelKind::kInt8},
      {"tflite/mlcommons_tiny/vww_96_int8.tflite", ModelKind::kInt8},
      {"tflite/coral/mobilenet_v1_0.25_128_quant.tflite", ModelKind::kUInt8},
      {"tflite/coral/tf2_mobilenet_v2_1.0_224_ptq.tflite", ModelKind::kInt8},  // uint8 I/O, int8 inside
      {"tflite/mediapipe/hand_landmark_lite_fp16.tflite", ModelKind::kFloat16},
  };
  for (const auto& [rel, kind] : cases) {
    auto interp = runtime::Interpreter::FromFile(testing::FixturesDir() + "/" + rel);
    ASSERT_TRUE(interp.ok()) << rel << ": " << interp.status().message();
    EXPECT_EQ(ModelKindName(ClassifyModel((*interp)->graph())), ModelKindName(kind)) << rel;
  }
}

}  // namespace
}  // namespace liteopt::eval
