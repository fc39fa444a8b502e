#include "data/model_input.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ImageFixture;

std::vector<float> AsFloats(const std::vector<uint8_t>& bytes) {
  std::vector<float> f(bytes.size() / 4);
  std::memcpy(f.data(), bytes.data(), f.size() * 4);
  return f;
}

Image AllValues() {  // 16x16 gray image holding every byte value once
  Image img{16, 16, 1, std::vector<uint8_t>(256)};
  for (int i = 0; i < 256; ++i) img.pixels[i] = static_cast<uint8_t>(i);
  return img;
}

TEST(ModelInputTest, RawPixelQuantizationRoundTripsEveryValue) {
  const Image img = AllValues();
  // uint8, scale 1/255, zero point 0: the generic path returns the raw pixel.
  auto u8 = ToModelInput(img, {.height = 16, .width = 16, .channels = 1, .dtype = DType::kUInt8,
                               .scale = 1.0f / 255.0f, .zero_point = 0});
  ASSERT_TRUE(u8.ok()) << u8.status().message();
  EXPECT_EQ(*u8, img.pixels);
  // int8, scale 1/255, zero point -128: pixel - 128.
  auto i8 = ToModelInput(img, {.height = 16, .width = 16, .channels = 1, .dtype = DType::kInt8,
                               .scale = 1.0f / 255.0f, .zero_point = -128});
  ASSERT_TRUE(i8.ok()) << i8.status().message();
  for (int v = 0; v < 256; ++v) ASSERT_EQ(static_cast<int8_t>((*i8)[v]), v - 128) << v;
}

TEST(ModelInputTest, FloatNormalizations) {
  const Image img = AllValues();
  auto f01 = ToModelInput(img, {.height = 16, .width = 16, .channels = 1});
  auto f11 = ToModelInput(img, {.height = 16, .width = 16, .channels = 1,
                                .normalization = PixelNormalization::kMinusOneToOne});
  ASSERT_TRUE(f01.ok() && f11.ok());
  const std::vector<float> a = AsFloats(*f01), b = AsFloats(*f11);
  ASSERT_EQ(a.size(), 256u);
  for (int v = 0; v < 256; ++v) {
    EXPECT_FLOAT_EQ(a[v], v / 255.0f);
    EXPECT_FLOAT_EQ(b[v], v / 127.5f - 1.0f);
  }
  EXPECT_EQ(b[0], -1.0f);
  EXPECT_EQ(b[255], 1.0f);
}

// A raw-pixel int8 input (scale 1, zero point -128, as MLPerf Tiny's ResNet) gets pixel - 128.
TEST(ModelInputTest, RawPixelsIntoInt8) {
  const Image img = AllValues();
  auto q = ToModelInput(img, {.height = 16, .width = 16, .channels = 1, .dtype = DType::kInt8, .scale = 1.0f,
                              .zero_point = -128, .normalization = PixelNormalization::kRaw});
  ASSERT_TRUE(q.ok()) << q.status().message();
  for (int v = 0; v < 256; ++v) EXPECT_EQ(static_cast<int8_t>((*q)[v]), v - 128) << v;
}

// MobileNet-style uint8 input (scale 1/128, zero point 128) fed [-1, 1] values lands within 1 of the pixel.
TEST(ModelInputTest, MobileNetStyleQuantizedInputOnRealImage) {
  LITEOPT_REQUIRE_FIXTURES();
  auto img = ReadImage(ImageFixture("litert/grace_hopper_224.jpg"));
  ASSERT_TRUE(img.ok()) << img.status().message();
  auto q = ToModelInput(*img, {.height = 224, .width = 224, .channels = 3, .dtype = DType::kUInt8,
                               .scale = 0.0078125f, .zero_point = 128,
                               .normalization = PixelNormalization::kMinusOneToOne});
  ASSERT_TRUE(q.ok()) << q.status().message();
  ASSERT_EQ(q->size(), 224u * 224 * 3);
  for (size_t i = 0; i < q->size(); ++i) ASSERT_NEAR((*q)[i], img->pixels[i], 1) << i;
}

TEST(ModelInputTest, ResizesAndConvertsRealImages) {
  LITEOPT_REQUIRE_FIXTURES();
  // 512x341 RGB cat -> 224x224 float: bilinear resampling keeps the channel means close.
  auto cat = ReadImage(ImageFixture("coral/cat.bmp"));
  ASSERT_TRUE(cat.ok());
  auto f = ToModelInput(*cat, {.height = 224, .width = 224, .channels = 3});
  ASSERT_TRUE(f.ok()) << f.status().message();
  ASSERT_EQ(f->size(), 224u * 224 * 3 * 4);
  const std::vector<float> v = AsFloats(*f);
  double mean[3] = {0, 0, 0};
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_GE(v[i], 0.0f);
    ASSERT_LE(v[i], 1.0f);
    mean[i % 3] += v[i];
  }
  const double pil_means[3] = {156.754, 103.149, 80.98};  // full-size channel means
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(mean[c] / (224 * 224) * 255, pil_means[c], 1.5) << c;

  // Gray MNIST digit -> 3-channel int8 96x96 (person-detection shaped input): channels are replicated.
  auto nine = ReadImage(ImageFixture("coral/mnist_nine.bmp"));
  ASSERT_TRUE(nine.ok());
  auto q = ToModelInput(*nine, {.height = 96, .width = 96, .channels = 3, .dtype = DType::kInt8,
                                .scale = 1.0f / 255.0f, .zero_point = -128, .resize = ResizeMethod::kNearest});
  ASSERT_TRUE(q.ok()) << q.status().message();
  ASSERT_EQ(q->size(), 96u * 96 * 3);
  for (size_t p = 0; p < 96 * 96; ++p) {
    ASSERT_EQ((*q)[3 * p], (*q)[3 * p + 1]);
    ASSERT_EQ((*q)[3 * p], (*q)[3 * p + 2]);
  }
  EXPECT_EQ(static_cast<int8_t>((*q)[0]), -128);  // black corner
  // Nearest 28 -> 96 samples source pixel floor((y + 0.5) * 28 / 96); pixel (14,14) = 32 maps from (48,48).
  EXPECT_EQ(static_cast<int8_t>((*q)[(48 * 96 + 48) * 3]), 32 - 128);
}

TEST(ModelInputTest, RejectsInvalidSpecs) {
  const Image img = AllValues();
  EXPECT_FALSE(ToModelInput(img, {.height = 16, .width = 16, .channels = 1, .dtype = DType::kInt16}).ok());
  EXPECT_FALSE(ToModelInput(img, {.height = 16, .width = 16, .channels = 1, .dtype = DType::kInt8, .scale = 0}).ok());
  EXPECT_FALSE(ToModelInput(img, {.height = 16, .width = 16, .channels = 1, .dtype = DType::kUInt8,
                                  .scale = 0.1f, .zero_point = 300})
                   .ok());
  EXPECT_FALSE(ToModelInput(img, {.height = 0, .width = 16, .channels = 1}).ok());
  EXPECT_FALSE(ToModelInput(img, {.height = 16, .width = 16, .channels = 2}).ok());
}

}  // namespace
}  // namespace liteopt::data

namespace liteopt::data {
namespace {

TEST(ModelInputSpecForTest, ReadsSizeChannelsDtypeAndQuantization) {
  auto f = ModelInputSpecFor({"x", {1, 224, 192, 3}, DType::kFloat32, false, 0.0f, 0});
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->height, 224);
  EXPECT_EQ(f->width, 192);
  EXPECT_EQ(f->channels, 3);
  EXPECT_EQ(f->normalization, PixelNormalization::kZeroToOne);
  auto gray = ModelInputSpecFor({"x", {8, 28, 28}, DType::kFloat32, false, 0.0f, 0}, "-1,1", ResizeMethod::kArea);
  ASSERT_TRUE(gray.ok());
  EXPECT_EQ(gray->channels, 1);
  EXPECT_EQ(gray->normalization, PixelNormalization::kMinusOneToOne);
  EXPECT_EQ(gray->resize, ResizeMethod::kArea);
}

TEST(ModelInputSpecForTest, AutoRangeFollowsTheInputQuantization) {
  // Full-integer model trained on [0,1]: scale 1/255, zero point -128.
  auto a = ModelInputSpecFor({"x", {1, 4, 4, 3}, DType::kInt8, true, 1.0f / 255.0f, -128});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->normalization, PixelNormalization::kZeroToOne);
  EXPECT_EQ(a->zero_point, -128);
  // Legacy Coral MobileNet: uint8, scale 1/128, zero point 128 covers [-1, 1).
  auto c = ModelInputSpecFor({"x", {1, 4, 4, 3}, DType::kUInt8, true, 0.0078125f, 128});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->normalization, PixelNormalization::kMinusOneToOne);
  // Raw pixels: scale 1, zero point -128.
  auto r = ModelInputSpecFor({"x", {1, 4, 4, 3}, DType::kInt8, true, 1.0f, -128});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->normalization, PixelNormalization::kRaw);
  // An explicit range wins over auto.
  auto e = ModelInputSpecFor({"x", {1, 4, 4, 3}, DType::kInt8, true, 1.0f, -128}, "0,1");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->normalization, PixelNormalization::kZeroToOne);
}

TEST(ModelInputSpecForTest, RejectsWhatIsNotAnImageInputNamingTheTensor) {
  const std::pair<InputTensorInfo, const char*> bad[] = {
      {{"tokens", {1, 128}, DType::kFloat32, false, 0, 0}, "not an image"},
      {{"two", {1, 8, 8, 2}, DType::kFloat32, false, 0, 0}, "2 channels"},
      {{"dyn", {1, -1, -1, 3}, DType::kFloat32, false, 0, 0}, "no fixed height"},
      {{"i16", {1, 8, 8, 3}, DType::kInt16, true, 1.0f, 0}, "int16"},
      {{"noq", {1, 8, 8, 3}, DType::kInt8, false, 0, 0}, "without quantization"},
      {{"zp", {1, 8, 8, 3}, DType::kInt8, true, 0.5f, 300}, "zero point"},
  };
  for (const auto& [info, want] : bad) {
    auto s = ModelInputSpecFor(info);
    ASSERT_FALSE(s.ok()) << info.name;
    EXPECT_NE(s.status().message().find(want), std::string::npos) << s.status().message();
    EXPECT_NE(s.status().message().find(info.name), std::string::npos) << s.status().message();
  }
  EXPECT_FALSE(ModelInputSpecFor({"x", {1, 8, 8, 3}, DType::kFloat32, false, 0, 0}, "0,2").ok());
}

}  // namespace
}  // namespace liteopt::data
