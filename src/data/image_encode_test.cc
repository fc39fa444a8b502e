#include "data/image_encode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/image.h"

namespace liteopt::data {
namespace {

// Smooth gradients (a photo-like image: JPEG's 4:2:0 chroma subsampling and DCT assume smooth color) with a
// faint luma texture; deterministic, every channel different, values spanning the full range.
Image MakeImage(int width, int height, int channels) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.pixels.resize(static_cast<size_t>(width) * height * channels);
  const int wx = std::max(1, width - 1), wy = std::max(1, height - 1);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) {
        const int gradient[4] = {x * 247 / wx, y * 247 / wy, (x + y) * 247 / (wx + wy), 255 - x * 200 / wx};
        const int v = gradient[c] + ((x * 3 + y * 5) & 7);
        image.pixels[(static_cast<size_t>(y) * width + x) * channels + c] = static_cast<uint8_t>(v);
      }
  return image;
}

double MeanAbsError(const Image& a, const Image& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int{a.pixels[i]} - int{b.pixels[i]});
  return sum / static_cast<double>(a.pixels.size());
}

TEST(ImageEncodeTest, PngRoundTripIsExactForEveryChannelCount) {
  for (int channels = 1; channels <= 4; ++channels) {
    // Odd sizes exercise rows that are not a multiple of anything; 1x1 is the smallest valid image.
    for (auto [w, h] : {std::pair{1, 1}, std::pair{28, 28}, std::pair{37, 13}}) {
      const Image image = MakeImage(w, h, channels);
      auto png = EncodePng(image);
      ASSERT_TRUE(png.ok()) << png.status().message();
      EXPECT_EQ(DetectImageFormat(png->data(), png->size()), ImageFormat::kPng);
      auto decoded = DecodeImage(png->data(), png->size());
      ASSERT_TRUE(decoded.ok()) << decoded.status().message();
      EXPECT_EQ(decoded->width, w);
      EXPECT_EQ(decoded->height, h);
      EXPECT_EQ(decoded->channels, channels);
      EXPECT_EQ(decoded->pixels, image.pixels) << channels << " channels, " << w << "x" << h;
    }
  }
}

TEST(ImageEncodeTest, PngIsDeterministic) {
  const Image image = MakeImage(28, 28, 3);
  auto a = EncodePng(image);
  auto b = EncodePng(image);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

// Tolerance: at quality 95 libjpeg's quantization tables are small, so on this smooth image the mean absolute
// error is about 1.4 levels (gray) and 1.5 (RGB, chroma subsampled 4:2:0) with libjpeg-turbo 2.1, and the
// largest error 5 and 8. We assert mean < 2.5 and max <= 16 (of 255), leaving room for other libjpeg builds.
TEST(ImageEncodeTest, JpegRoundTripIsCloseAtQuality95) {
  for (int channels : {1, 3}) {
    const Image image = MakeImage(64, 48, channels);
    auto jpeg = EncodeJpeg(image, 95);
    ASSERT_TRUE(jpeg.ok()) << jpeg.status().message();
    EXPECT_EQ(DetectImageFormat(jpeg->data(), jpeg->size()), ImageFormat::kJpeg);
    auto decoded = DecodeImage(jpeg->data(), jpeg->size());
    ASSERT_TRUE(decoded.ok()) << decoded.status().message();
    EXPECT_EQ(decoded->width, 64);
    EXPECT_EQ(decoded->height, 48);
    // A gray JPEG stays gray: one channel, not RGB.
    EXPECT_EQ(decoded->channels, channels);
    ASSERT_EQ(decoded->pixels.size(), image.pixels.size());
    const double mae = MeanAbsError(image, *decoded);
    EXPECT_LT(mae, 2.5) << channels << " channels";
    int max_error = 0;
    for (size_t i = 0; i < image.pixels.size(); ++i)
      max_error = std::max(max_error, std::abs(int{image.pixels[i]} - int{decoded->pixels[i]}));
    EXPECT_LE(max_error, 16) << channels << " channels";
  }
}

TEST(ImageEncodeTest, JpegQualityTradesSizeForError) {
  const Image image = MakeImage(64, 64, 1);
  auto low = EncodeJpeg(image, 20);
  auto high = EncodeJpeg(image, 95);
  ASSERT_TRUE(low.ok() && high.ok());
  EXPECT_LT(low->size(), high->size());
  auto dl = DecodeImage(low->data(), low->size());
  auto dh = DecodeImage(high->data(), high->size());
  ASSERT_TRUE(dl.ok() && dh.ok());
  EXPECT_GT(MeanAbsError(image, *dl), MeanAbsError(image, *dh));
}

TEST(ImageEncodeTest, LargeImageGrowsTheOutputAcrossChunks) {
  // Noise-like content makes the JPEG much larger than the encoder's 16 KiB staging buffer.
  Image image = MakeImage(512, 512, 3);
  uint32_t state = 12345;
  for (auto& p : image.pixels) p = static_cast<uint8_t>((state = state * 1664525u + 1013904223u) >> 24);
  auto jpeg = EncodeJpeg(image, 95);
  ASSERT_TRUE(jpeg.ok()) << jpeg.status().message();
  EXPECT_GT(jpeg->size(), 16384u * 4);
  auto decoded = DecodeImage(jpeg->data(), jpeg->size());
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  auto png = EncodePng(image);
  ASSERT_TRUE(png.ok()) << png.status().message();
  auto png_decoded = DecodeImage(png->data(), png->size());
  ASSERT_TRUE(png_decoded.ok()) << png_decoded.status().message();
  EXPECT_EQ(png_decoded->pixels, image.pixels);
}

TEST(ImageEncodeTest, InvalidImagesFailCleanly) {
  Image empty;
  EXPECT_EQ(EncodePng(empty).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(empty).status().code(), StatusCode::kInvalidArgument);

  Image zero_height = MakeImage(4, 1, 1);
  zero_height.height = 0;
  zero_height.pixels.clear();
  EXPECT_EQ(EncodePng(zero_height).status().code(), StatusCode::kInvalidArgument);

  Image five = MakeImage(4, 4, 4);
  five.channels = 5;
  five.pixels.resize(4 * 4 * 5);
  auto r = EncodePng(five);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("5 channels"), std::string::npos) << r.status().message();
  EXPECT_EQ(EncodeJpeg(five).status().code(), StatusCode::kInvalidArgument);

  Image short_buffer = MakeImage(8, 8, 3);
  short_buffer.pixels.pop_back();
  EXPECT_EQ(EncodePng(short_buffer).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(short_buffer).status().code(), StatusCode::kInvalidArgument);

  Image huge;
  huge.width = 1 << 15;
  huge.height = 1 << 14;  // 2^29 pixels > kMaxImagePixels, rejected before looking at the buffer
  huge.channels = 1;
  EXPECT_EQ(EncodePng(huge).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImageEncodeTest, JpegRejectsAlphaAndBadQuality) {
  for (int channels : {2, 4}) {
    auto r = EncodeJpeg(MakeImage(8, 8, channels));
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << channels;
    EXPECT_NE(r.status().message().find("alpha"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(EncodeJpeg(MakeImage(8, 8, 3), 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeJpeg(MakeImage(8, 8, 3), 101).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(EncodeJpeg(MakeImage(8, 8, 3), 1).ok());
  EXPECT_TRUE(EncodeJpeg(MakeImage(8, 8, 3), 100).ok());
}

}  // namespace
}  // namespace liteopt::data
