#include "data/image.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ImageFixture;
using testing::ReadAll;
using testing::ScratchDir;

// Expected values below were read with Pillow 9.4 (Debian 12), an independent decoder for BMP/PNG;
// for JPEG it uses the same libjpeg-turbo, so JPEG checks allow +-2 per pixel for other library builds.

int64_t Sum(const Image& img) { return std::accumulate(img.pixels.begin(), img.pixels.end(), int64_t{0}); }

void ExpectPixel(const Image& img, int y, int x, std::vector<int> rgb, int tol = 0) {
  for (int c = 0; c < img.channels; ++c) {
    EXPECT_NEAR(img.at(y, x, c), rgb[c], tol) << "pixel (" << y << ", " << x << ") channel " << c;
  }
}

TEST(ImageTest, DecodesBmp24WithV5Header) {
  LITEOPT_REQUIRE_FIXTURES();
  auto img = ReadImage(ImageFixture("coral/cat.bmp"));
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->width, 512);
  EXPECT_EQ(img->height, 341);
  EXPECT_EQ(img->channels, 3);
  EXPECT_EQ(Sum(*img), 59515430);
  ExpectPixel(*img, 0, 0, {223, 124, 82});
  ExpectPixel(*img, 170, 256, {176, 94, 55});
  ExpectPixel(*img, 340, 511, {159, 101, 63});
}

TEST(ImageTest, GrayConversionMatchesPilRounding) {
  LITEOPT_REQUIRE_FIXTURES();
  auto img = ReadImage(ImageFixture("coral/cat.bmp"), {.channels = 1});
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->channels, 1);
  // Pillow's Image.convert('L') of the same file sums to exactly this.
  EXPECT_EQ(Sum(*img), 20366516);
  EXPECT_EQ(img->at(0, 0, 0), 149);
}

TEST(ImageTest, DecodesBmp8BitGrayPalette) {
  LITEOPT_REQUIRE_FIXTURES();
  struct Case {
    const char* file;
    int size;
    int64_t sum;
  };
  for (const Case& c : {Case{"coral/mnist_nine.bmp", 28, 22883}, Case{"tflm_person_detection/person.bmp", 96, 1372908},
                        Case{"tflm_person_detection/no_person.bmp", 96, 953479}}) {
    auto img = ReadImage(ImageFixture(c.file));
    ASSERT_TRUE(img.ok()) << img.status().message();
    EXPECT_EQ(img->width, c.size) << c.file;
    EXPECT_EQ(img->height, c.size) << c.file;
    EXPECT_EQ(img->channels, 1) << c.file;
    EXPECT_EQ(Sum(*img), c.sum) << c.file;
  }
  auto nine = ReadImage(ImageFixture("coral/mnist_nine.bmp"));
  ASSERT_TRUE(nine.ok());
  EXPECT_EQ(nine->at(0, 0, 0), 0);  // MNIST background
  EXPECT_EQ(nine->at(14, 14, 0), 32);
}

TEST(ImageTest, DecodesPngGray) {
  LITEOPT_REQUIRE_FIXTURES();
  auto img = ReadImage(ImageFixture("tflm_mnist/sample9.png"));
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->width, 28);
  EXPECT_EQ(img->height, 28);
  EXPECT_EQ(img->channels, 1);
  EXPECT_EQ(Sum(*img), 21062);
  EXPECT_EQ(img->at(14, 14, 0), 251);
  auto zero = ReadImage(ImageFixture("tflm_mnist/sample0.png"));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(Sum(*zero), 37014);
}

TEST(ImageTest, DecodesJpeg) {
  LITEOPT_REQUIRE_FIXTURES();
  auto img = ReadImage(ImageFixture("litert/grace_hopper.jpg"));
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->width, 517);
  EXPECT_EQ(img->height, 606);
  EXPECT_EQ(img->channels, 3);
  EXPECT_NEAR(static_cast<double>(Sum(*img)) / img->pixels.size(), 75627716.0 / (517 * 606 * 3), 0.05);
  ExpectPixel(*img, 0, 0, {21, 26, 82}, 2);
  ExpectPixel(*img, 300, 258, {209, 122, 95}, 2);
  ExpectPixel(*img, 605, 516, {13, 12, 18}, 2);

  auto cat = ReadImage(ImageFixture("coral/cat_720p.jpg"));
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  EXPECT_EQ(cat->width, 1280);
  EXPECT_EQ(cat->height, 720);
  ExpectPixel(*cat, 360, 640, {179, 98, 55}, 2);
}

TEST(ImageTest, JpegDctScalingPicksLargestReductionKeepingMinSize) {
  LITEOPT_REQUIRE_FIXTURES();
  const std::string path = ImageFixture("litert/grace_hopper.jpg");  // 517x606
  auto half = ReadImage(path, {.min_width = 200, .min_height = 200});
  ASSERT_TRUE(half.ok()) << half.status().message();
  // 1/4 would give 130x152 < 200, so 1/2: ceil(517/2) x ceil(606/2). Pillow's draft() agrees.
  EXPECT_EQ(half->width, 259);
  EXPECT_EQ(half->height, 303);
  ExpectPixel(*half, 100, 100, {130, 52, 29}, 2);
  EXPECT_NEAR(static_cast<double>(Sum(*half)) / half->pixels.size(), 80.531, 0.05);

  auto eighth = ReadImage(path, {.min_width = 64, .min_height = 64});
  ASSERT_TRUE(eighth.ok());
  EXPECT_EQ(eighth->width, 65);
  EXPECT_EQ(eighth->height, 76);

  auto full = ReadImage(path, {.min_width = 300, .min_height = 300});
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->width, 517);
  EXPECT_EQ(full->height, 606);
}

TEST(ImageTest, ChannelConversions) {
  LITEOPT_REQUIRE_FIXTURES();
  auto gray = ReadImage(ImageFixture("coral/mnist_nine.bmp"));
  auto rgb = ReadImage(ImageFixture("coral/mnist_nine.bmp"), {.channels = 3});
  auto rgba = ReadImage(ImageFixture("coral/mnist_nine.bmp"), {.channels = 4});
  ASSERT_TRUE(gray.ok() && rgb.ok() && rgba.ok());
  ASSERT_EQ(rgb->channels, 3);
  ASSERT_EQ(rgba->channels, 4);
  for (int y = 0; y < 28; ++y) {
    for (int x = 0; x < 28; ++x) {
      for (int c = 0; c < 3; ++c) {
        ASSERT_EQ(rgb->at(y, x, c), gray->at(y, x, 0));
        ASSERT_EQ(rgba->at(y, x, c), gray->at(y, x, 0));
      }
      ASSERT_EQ(rgba->at(y, x, 3), 255);
    }
  }
  // RGBA -> RGB drops alpha; RGBA -> gray ignores it.
  Image px{1, 1, 4, {10, 200, 30, 7}};
  auto to_rgb = ConvertChannels(px, 3);
  ASSERT_TRUE(to_rgb.ok());
  EXPECT_EQ(to_rgb->pixels, (std::vector<uint8_t>{10, 200, 30}));
  auto to_gray = ConvertChannels(px, 1);
  ASSERT_TRUE(to_gray.ok());
  EXPECT_EQ(to_gray->pixels[0], (10 * 19595 + 200 * 38470 + 30 * 7471 + 0x8000) >> 16);
  EXPECT_FALSE(ConvertChannels(px, 2).ok());
}

TEST(ImageTest, DetectsFormatByMagicNotName) {
  LITEOPT_REQUIRE_FIXTURES();
  ScratchDir dir;
  const std::string misnamed = dir.Write("actually_a_bmp.jpg", ReadAll(ImageFixture("coral/mnist_nine.bmp")));
  auto img = ReadImage(misnamed);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(img->width, 28);

  const std::string gif = "GIF89a\x01\x00\x01\x00";
  const std::string gif_path = dir.Write("x.png", gif.data(), gif.size());
  auto bad = ReadImage(gif_path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bad.status().message().find(gif_path), std::string::npos);
  EXPECT_NE(bad.status().message().find("47 49 46 38"), std::string::npos) << bad.status().message();
}

TEST(ImageTest, ZeroByteAndMissingFiles) {
  ScratchDir dir;
  const std::string empty = dir.Write("empty.jpg", "", 0);
  auto r = ReadImage(empty);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("zero-byte"), std::string::npos);
  EXPECT_NE(r.status().message().find(empty), std::string::npos);
  auto missing = ReadImage(dir.File("nope.png"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// Every prefix-truncation of a real file must fail cleanly with a message that names the file.
TEST(ImageTest, TruncatedRealFilesReturnErrors) {
  LITEOPT_REQUIRE_FIXTURES();
  ScratchDir dir;
  for (const char* rel : {"coral/cat.bmp", "coral/mnist_nine.bmp", "tflm_mnist/sample3.png",
                          "litert/grace_hopper_224.jpg", "coral/cat_720p.jpg"}) {
    const std::vector<uint8_t> bytes = ReadAll(ImageFixture(rel));
    ASSERT_GT(bytes.size(), 100u) << rel;
    const size_t n = bytes.size();
    for (size_t cut : {size_t{1}, size_t{2}, size_t{10}, size_t{30}, size_t{100}, n / 2, n * 9 / 10, n - 20, n - 1}) {
      const std::string path = dir.Write("cut.img", bytes.data(), cut);
      auto img = ReadImage(path);
      EXPECT_FALSE(img.ok()) << rel << " cut at " << cut << " of " << n << " decoded";
      if (!img.ok()) {
        EXPECT_NE(img.status().message().find(path), std::string::npos) << img.status().message();
      }
    }
  }
}

// Random byte corruption must never crash; when decoding succeeds the result must be self-consistent.
TEST(ImageTest, CorruptedRealFilesNeverCrash) {
  LITEOPT_REQUIRE_FIXTURES();
  std::mt19937 rng(1234);
  for (const char* rel : {"coral/mnist_nine.bmp", "tflm_mnist/sample3.png", "litert/grace_hopper_224.jpg"}) {
    const std::vector<uint8_t> orig = ReadAll(ImageFixture(rel));
    for (int iter = 0; iter < 300; ++iter) {
      std::vector<uint8_t> b = orig;
      const int flips = 1 + static_cast<int>(rng() % 8);
      for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
      auto img = DecodeImage(b.data(), b.size(), {}, rel);
      if (img.ok()) {
        ASSERT_EQ(img->pixels.size(), static_cast<size_t>(img->width) * img->height * img->channels);
      } else {
        ASSERT_FALSE(img.status().message().empty());
      }
    }
  }
}

TEST(ImageTest, SpecificCorruptionsAreReported) {
  LITEOPT_REQUIRE_FIXTURES();
  std::vector<uint8_t> jpg = ReadAll(ImageFixture("litert/grace_hopper_224.jpg"));
  std::fill(jpg.begin() + 2, jpg.begin() + 60, 0);
  auto j = DecodeImage(jpg.data(), jpg.size(), {}, "g.jpg");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("JPEG"), std::string::npos) << j.status().message();

  std::vector<uint8_t> png = ReadAll(ImageFixture("tflm_mnist/sample3.png"));
  png[16 + 3] ^= 0x01;  // width byte inside IHDR: the chunk CRC no longer matches
  auto p = DecodeImage(png.data(), png.size(), {}, "s.png");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("CRC"), std::string::npos) << p.status().message();

  std::vector<uint8_t> bmp = ReadAll(ImageFixture("coral/mnist_nine.bmp"));
  std::vector<uint8_t> bad_header = bmp;
  bad_header[14] = 7;
  auto b = DecodeImage(bad_header.data(), bad_header.size(), {}, "n.bmp");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("info header size 7"), std::string::npos) << b.status().message();

  std::vector<uint8_t> small_palette = bmp;
  small_palette[46] = 4;  // biClrUsed = 4 (was 256): the digit's bright pixels index past the palette
  small_palette[47] = 0;
  auto sp = DecodeImage(small_palette.data(), small_palette.size(), {}, "n.bmp");
  ASSERT_FALSE(sp.ok());
  EXPECT_NE(sp.status().message().find("palette index"), std::string::npos) << sp.status().message();

  std::vector<uint8_t> rle = bmp;
  rle[30] = 1;  // BI_RLE8
  auto r = DecodeImage(rle.data(), rle.size(), {}, "n.bmp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

// ---- Synthetic BMPs: the layouts the fixtures do not cover. ----

void Put16(std::vector<uint8_t>* b, size_t at, uint32_t v) {
  (*b)[at] = v & 0xFF;
  (*b)[at + 1] = (v >> 8) & 0xFF;
}
void Put32(std::vector<uint8_t>* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = (v >> (8 * i)) & 0xFF;
}

// Builds a BMP from an RGBA image. bpp 24 or 32; for 32 with header >= 108 an alpha mask is declared.
std::vector<uint8_t> MakeBmp(const Image& rgba, int bpp, int header_size, bool top_down) {
  const int w = rgba.width, h = rgba.height;
  const size_t row = ((static_cast<size_t>(w) * bpp + 31) / 32) * 4;
  const size_t off = 14 + header_size;
  std::vector<uint8_t> b(off + row * h, 0);
  b[0] = 'B';
  b[1] = 'M';
  Put32(&b, 2, static_cast<uint32_t>(b.size()));
  Put32(&b, 10, static_cast<uint32_t>(off));
  Put32(&b, 14, header_size);
  Put32(&b, 18, w);
  Put32(&b, 22, static_cast<uint32_t>(top_down ? -h : h));
  Put16(&b, 26, 1);
  Put16(&b, 28, bpp);
  const bool bitfields = bpp == 32 && header_size >= 108;
  Put32(&b, 30, bitfields ? 3 : 0);
  if (bitfields) {  // BGRA byte order as masks
    Put32(&b, 54, 0x00FF0000);
    Put32(&b, 58, 0x0000FF00);
    Put32(&b, 62, 0x000000FF);
    Put32(&b, 66, 0xFF000000);
  }
  for (int y = 0; y < h; ++y) {
    uint8_t* dst = &b[off + row * (top_down ? y : h - 1 - y)];
    for (int x = 0; x < w; ++x) {
      const int k = bpp / 8;
      dst[k * x + 0] = rgba.at(y, x, 2);
      dst[k * x + 1] = rgba.at(y, x, 1);
      dst[k * x + 2] = rgba.at(y, x, 0);
      if (k == 4) dst[k * x + 3] = bitfields ? rgba.at(y, x, 3) : 0x5A;  // BI_RGB: 4th byte is ignored
    }
  }
  return b;
}

Image RandomImage(int w, int h, int c, uint32_t seed) {
  std::mt19937 rng(seed);
  Image img{w, h, c, std::vector<uint8_t>(static_cast<size_t>(w) * h * c)};
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
  return img;
}

TEST(ImageTest, SyntheticBmpLayouts) {
  const Image src = RandomImage(7, 5, 4, 7);  // odd width exercises row padding
  struct Case {
    int bpp, header;
    bool top_down;
    int channels;
  };
  for (const Case& c : {Case{24, 40, false, 3}, Case{24, 40, true, 3}, Case{24, 108, false, 3},
                        Case{32, 40, false, 3}, Case{32, 40, true, 3}, Case{32, 108, false, 4},
                        Case{32, 124, true, 4}}) {
    const std::vector<uint8_t> bmp = MakeBmp(src, c.bpp, c.header, c.top_down);
    auto img = DecodeImage(bmp.data(), bmp.size());
    ASSERT_TRUE(img.ok()) << img.status().message();
    ASSERT_EQ(img->channels, c.channels) << c.bpp << "/" << c.header;
    for (int y = 0; y < src.height; ++y) {
      for (int x = 0; x < src.width; ++x) {
        for (int k = 0; k < c.channels; ++k) {
          ASSERT_EQ(img->at(y, x, k), src.at(y, x, k)) << "bpp " << c.bpp << " header " << c.header << " top_down "
                                                       << c.top_down << " at " << y << "," << x << "," << k;
        }
      }
    }
  }
}

TEST(ImageTest, TooLargeBmpRejectedBeforeAllocation) {
  std::vector<uint8_t> bmp = MakeBmp(RandomImage(2, 2, 4, 1), 24, 40, false);
  Put32(&bmp, 18, 20000);
  Put32(&bmp, 22, 20000);
  auto img = DecodeImage(bmp.data(), bmp.size(), {}, "huge.bmp");
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find("too large"), std::string::npos) << img.status().message();
}

// ---- Synthetic PNGs, encoded here with zlib so every color type, depth and Adam7 are covered. ----

void AppendChunk(std::vector<uint8_t>* out, const char* type, const std::vector<uint8_t>& data) {
  auto be32 = [out](uint32_t v) {
    for (int i = 3; i >= 0; --i) out->push_back((v >> (8 * i)) & 0xFF);
  };
  be32(static_cast<uint32_t>(data.size()));
  const size_t start = out->size();
  out->insert(out->end(), type, type + 4);
  out->insert(out->end(), data.begin(), data.end());
  be32(static_cast<uint32_t>(crc32(0, out->data() + start, static_cast<uInt>(out->size() - start))));
}

struct PngSpec {
  int width, height, bit_depth, color_type, samples_per_pixel;
  bool interlace = false;
  std::vector<uint8_t> plte;  // RGB triples
  std::vector<uint8_t> trns;
};

PngSpec Spec(int w, int h, int bit_depth, int color_type, int spp, bool interlace = false) {
  PngSpec s;
  s.width = w, s.height = h, s.bit_depth = bit_depth, s.color_type = color_type, s.samples_per_pixel = spp;
  s.interlace = interlace;
  return s;
}

// samples: width*height*samples_per_pixel values, each < 2^bit_depth.
std::vector<uint8_t> EncodePng(const PngSpec& s, const std::vector<uint16_t>& samples, int override_w = 0,
                               int override_h = 0) {
  std::vector<uint8_t> raw;
  auto emit_pass = [&](int x0, int y0, int dx, int dy) {
    for (int y = y0; y < s.height; y += dy) {
      if (x0 >= s.width) return;
      raw.push_back(0);  // filter: none
      int acc = 0, nbits = 0;
      for (int x = x0; x < s.width; x += dx) {
        for (int k = 0; k < s.samples_per_pixel; ++k) {
          const uint16_t v = samples[(static_cast<size_t>(y) * s.width + x) * s.samples_per_pixel + k];
          if (s.bit_depth == 16) {
            raw.push_back(v >> 8);
            raw.push_back(v & 0xFF);
          } else if (s.bit_depth == 8) {
            raw.push_back(static_cast<uint8_t>(v));
          } else {
            acc = (acc << s.bit_depth) | v;
            nbits += s.bit_depth;
            if (nbits == 8) raw.push_back(static_cast<uint8_t>(acc)), acc = 0, nbits = 0;
          }
        }
      }
      if (nbits > 0) raw.push_back(static_cast<uint8_t>(acc << (8 - nbits)));
    }
  };
  if (s.interlace) {
    const int passes[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                              {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    for (const auto& p : passes) emit_pass(p[0], p[1], p[2], p[3]);
  } else {
    emit_pass(0, 0, 1, 1);
  }
  uLongf zlen = compressBound(raw.size());
  std::vector<uint8_t> z(zlen);
  compress2(z.data(), &zlen, raw.data(), raw.size(), 6);
  z.resize(zlen);

  std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr(13, 0);
  const uint32_t w = override_w ? override_w : s.width, h = override_h ? override_h : s.height;
  for (int i = 0; i < 4; ++i) ihdr[i] = (w >> (24 - 8 * i)) & 0xFF, ihdr[4 + i] = (h >> (24 - 8 * i)) & 0xFF;
  ihdr[8] = s.bit_depth;
  ihdr[9] = s.color_type;
  ihdr[12] = s.interlace ? 1 : 0;
  AppendChunk(&out, "IHDR", ihdr);
  if (!s.plte.empty()) AppendChunk(&out, "PLTE", s.plte);
  if (!s.trns.empty()) AppendChunk(&out, "tRNS", s.trns);
  AppendChunk(&out, "IDAT", z);
  AppendChunk(&out, "IEND", {});
  return out;
}

std::vector<uint16_t> RandomSamples(size_t n, int bit_depth, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint16_t> v(n);
  for (auto& x : v) x = static_cast<uint16_t>(rng() & ((1u << bit_depth) - 1));
  return v;
}

TEST(ImageTest, SyntheticPngVariants) {
  for (bool interlace : {false, true}) {
    SCOPED_TRACE(interlace ? "Adam7" : "non-interlaced");
    const int w = 13, h = 11;  // not multiples of 8: partial Adam7 passes
    const size_t n = static_cast<size_t>(w) * h;
    // Gray 8, gray+alpha 8, RGB 8, RGBA 8 decode to the same samples.
    for (auto [ct, spp] : {std::pair{0, 1}, std::pair{4, 2}, std::pair{2, 3}, std::pair{6, 4}}) {
      const auto samples = RandomSamples(n * spp, 8, 10 + ct);
      const auto png = EncodePng(Spec(w, h, 8, ct, spp, interlace), samples);
      auto img = DecodeImage(png.data(), png.size());
      ASSERT_TRUE(img.ok()) << img.status().message();
      ASSERT_EQ(img->channels, spp);
      ASSERT_EQ(img->pixels, std::vector<uint8_t>(samples.begin(), samples.end())) << "color type " << ct;
    }
    // 16-bit RGB and gray keep the high byte.
    for (auto [ct, spp] : {std::pair{2, 3}, std::pair{0, 1}}) {
      const auto samples = RandomSamples(n * spp, 16, 20 + ct);
      const auto png = EncodePng(Spec(w, h, 16, ct, spp, interlace), samples);
      auto img = DecodeImage(png.data(), png.size());
      ASSERT_TRUE(img.ok()) << img.status().message();
      ASSERT_EQ(img->channels, spp);
      for (size_t i = 0; i < samples.size(); ++i) ASSERT_EQ(img->pixels[i], samples[i] >> 8) << i;
    }
    // 1-bit gray expands to 0 / 255.
    {
      const auto samples = RandomSamples(n, 1, 30);
      const auto png = EncodePng(Spec(w, h, 1, 0, 1, interlace), samples);
      auto img = DecodeImage(png.data(), png.size());
      ASSERT_TRUE(img.ok()) << img.status().message();
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(img->pixels[i], samples[i] ? 255 : 0) << i;
    }
    // 4-bit palette: RGB without tRNS, RGBA with a partial tRNS (missing entries are opaque).
    for (bool with_trns : {false, true}) {
      PngSpec s = Spec(w, h, 4, 3, 1, interlace);
      for (int i = 0; i < 16; ++i) s.plte.insert(s.plte.end(), {uint8_t(i * 16), uint8_t(255 - i), uint8_t(i * 7)});
      if (with_trns) s.trns = {0, 128, 7};
      const auto idx = RandomSamples(n, 4, 40);
      const auto png = EncodePng(s, idx);
      auto img = DecodeImage(png.data(), png.size());
      ASSERT_TRUE(img.ok()) << img.status().message();
      ASSERT_EQ(img->channels, with_trns ? 4 : 3);
      for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = &img->pixels[i * img->channels];
        ASSERT_EQ(p[0], s.plte[idx[i] * 3]);
        ASSERT_EQ(p[1], s.plte[idx[i] * 3 + 1]);
        ASSERT_EQ(p[2], s.plte[idx[i] * 3 + 2]);
        if (with_trns) {
          ASSERT_EQ(p[3], idx[i] < 3 ? s.trns[idx[i]] : 255);
        }
      }
    }
  }
}

TEST(ImageTest, TooLargePngRejectedBeforeAllocation) {
  const auto png = EncodePng(Spec(2, 2, 8, 0, 1), RandomSamples(4, 8, 1), 20000, 20000);
  auto img = DecodeImage(png.data(), png.size(), {}, "huge.png");
  ASSERT_FALSE(img.ok());
  EXPECT_NE(img.status().message().find("too large"), std::string::npos) << img.status().message();
}

}  // namespace
}  // namespace liteopt::data
