#include "data/resize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace liteopt::data {
namespace {

Image Gray(int w, int h, std::vector<uint8_t> px) { return Image{w, h, 1, std::move(px)}; }

std::vector<float> MustResize(const Image& img, int oh, int ow, ResizeMethod m) {
  auto r = Resize(img, oh, ow, m);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<float>();
}

// The example in tf.image.resize's documentation: a 5x5 identity resized to 3x5, whose float32 output
// TensorFlow prints as below (the last row shows float rounding, which this implementation reproduces).
TEST(ResizeTest, BilinearMatchesTensorFlowDocExample) {
  std::vector<uint8_t> eye(25, 0);
  for (int i = 0; i < 5; ++i) eye[i * 5 + i] = 1;
  const std::vector<float> out = MustResize(Gray(5, 5, eye), 3, 5, ResizeMethod::kBilinear);
  const std::vector<float> expected = {0.6666667f, 0.3333333f, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0.3333335f, 0.6666665f};
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], expected[i], 1e-7) << i;
}

// 2x2 -> 4x4 by hand: sample positions are (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to the
// edge, so each axis interpolates with weights 0, 0.25, 0.75, 1 between the two input pixels.
TEST(ResizeTest, Bilinear2x2To4x4ByHand) {
  const std::vector<float> out = MustResize(Gray(2, 2, {0, 100, 200, 255}), 4, 4, ResizeMethod::kBilinear);
  const std::vector<float> expected = {0,   25,       75,       100,     //
                                       50,  72.1875,  116.5625, 138.75,  //
                                       150, 166.5625, 199.6875, 216.25,  //
                                       200, 213.75,   241.25,   255};
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_FLOAT_EQ(out[i], expected[i]) << i;
}

TEST(ResizeTest, NearestAndAreaByHand) {
  const Image img = Gray(2, 2, {0, 100, 200, 255});
  EXPECT_EQ(MustResize(img, 4, 4, ResizeMethod::kNearest),
            (std::vector<float>{0, 0, 100, 100, 0, 0, 100, 100, 200, 200, 255, 255, 200, 200, 255, 255}));
  // 4 -> 2 nearest with half-pixel centers samples floor((i + 0.5) * 2) = 1, 3.
  const Image row = Gray(4, 1, {10, 20, 30, 40});
  EXPECT_EQ(MustResize(row, 1, 2, ResizeMethod::kNearest), (std::vector<float>{20, 40}));
  // Area 4 -> 2 averages pairs; 3 -> 2 weights the middle pixel by half in each output.
  EXPECT_EQ(MustResize(row, 1, 2, ResizeMethod::kArea), (std::vector<float>{15, 35}));
  const std::vector<float> a = MustResize(Gray(3, 1, {0, 90, 30}), 1, 2, ResizeMethod::kArea);
  EXPECT_NEAR(a[0], (0 + 45) / 1.5, 1e-4);
  EXPECT_NEAR(a[1], (45 + 30) / 1.5, 1e-4);
}

// Independent double-precision references, written from the definitions rather than from TF's loops.
// With f32_positions the sample positions (scale, centers, box edges) are first rounded to float32 as
// TensorFlow computes them; the interpolation itself stays in double.
struct Ref {
  const Image& img;
  int oh, ow;
  bool f32_positions;

  double Pos(int i, int in, int out, double offset) const {
    if (f32_positions) {
      const float scale = static_cast<float>(in) / static_cast<float>(out);
      return (static_cast<float>(i) + static_cast<float>(offset)) * scale - (offset == 0.5 ? 0.5f : 0.0f);
    }
    return (i + offset) * in / out - (offset == 0.5 ? 0.5 : 0.0);
  }

  double Bilinear(int y, int x, int c) const {
    auto axis = [this](int i, int in, int out, int* i0, int* i1, double* t) {
      const double p = std::clamp(Pos(i, in, out, 0.5), 0.0, static_cast<double>(in - 1));
      *i0 = static_cast<int>(std::floor(p));
      *i1 = std::min(*i0 + 1, in - 1);
      *t = p - *i0;
    };
    int y0, y1, x0, x1;
    double ty, tx;
    axis(y, img.height, oh, &y0, &y1, &ty);
    axis(x, img.width, ow, &x0, &x1, &tx);
    const double a = img.at(y0, x0, c), b = img.at(y0, x1, c), d = img.at(y1, x0, c), e = img.at(y1, x1, c);
    return (1 - ty) * ((1 - tx) * a + tx * b) + ty * ((1 - tx) * d + tx * e);
  }

  double Nearest(int y, int x, int c) const {
    const int iy = std::min(static_cast<int>(std::floor((y + 0.5) * img.height / oh)), img.height - 1);
    const int ix = std::min(static_cast<int>(std::floor((x + 0.5) * img.width / ow)), img.width - 1);
    return img.at(iy, ix, c);
  }

  // Mean of the piecewise-constant image over the box [y*sy, (y+1)*sy) x [x*sx, (x+1)*sx).
  double Area(int y, int x, int c) const {
    const double y0 = Pos(y, img.height, oh, 0), y1 = Pos(y + 1, img.height, oh, 0);
    const double x0 = Pos(x, img.width, ow, 0), x1 = Pos(x + 1, img.width, ow, 0);
    double sum = 0;
    for (int iy = static_cast<int>(std::floor(y0)); iy < std::ceil(y1); ++iy) {
      const double wy = std::min<double>(iy + 1, y1) - std::max<double>(iy, y0);
      for (int ix = static_cast<int>(std::floor(x0)); ix < std::ceil(x1); ++ix) {
        const double wx = std::min<double>(ix + 1, x1) - std::max<double>(ix, x0);
        sum += wy * wx * img.at(std::min(iy, img.height - 1), std::min(ix, img.width - 1), c);
      }
    }
    return sum / ((y1 - y0) * (x1 - x0));
  }
};

// Sweep of up- and down-scales on random images (worst case: neighbouring pixels 0 and 255).
//
// Against the exact reference, the difference is dominated by TensorFlow computing the scale and the
// sample positions in float32: a position error of a few float ulps (~1e-7 relative, so ~5e-5 pixel at
// coordinate 500) times a local gradient of up to 255 per pixel. The bound used is 255 * in_size * 2^-21.
// With positions rounded to float32 as TF does, what remains is float32 interpolation arithmetic.
// Measured max |ours - reference| on [0, 255] over this sweep (printed by the test):
//   exact reference:            bilinear 8.8e-3, area 5.2e-3, nearest 0
//   float32-position reference: bilinear 3.1e-5, area 4.8e-3 (17x31 -> 224x160 upscale, see f32_bound)
TEST(ResizeTest, MatchesDoubleReferenceOverShapeSweep) {
  std::mt19937 rng(42);
  const int sizes[][4] = {{5, 7, 3, 2}, {7, 5, 13, 17}, {224, 224, 96, 96}, {17, 31, 224, 160},
                          {341, 512, 224, 224}, {28, 28, 28, 28}, {1, 9, 4, 3}, {9, 1, 5, 5}};
  double max_exact[3] = {0, 0, 0}, max_f32[3] = {0, 0, 0};
  for (const auto& s : sizes) {
    Image img{s[1], s[0], 3, std::vector<uint8_t>(static_cast<size_t>(s[0]) * s[1] * 3)};
    for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
    const int oh = s[2], ow = s[3];
    const double exact_bound = 255.0 * std::max(s[0], s[1]) * std::ldexp(1.0, -21);
    // Area weights are differences of nearby float32 coordinates (i + 1 - in_y), so when upscaling their
    // absolute error (an ulp of the coordinate) is amplified by the 1 / scale normalization.
    const double upscale = std::max({1.0, static_cast<double>(oh) / s[0], static_cast<double>(ow) / s[1]});
    const double f32_bound = 1e-3 + 255.0 * std::max(s[0], s[1]) * std::ldexp(1.0, -22) * upscale;
    const Ref exact{img, oh, ow, false}, f32{img, oh, ow, true};
    const ResizeMethod methods[] = {ResizeMethod::kBilinear, ResizeMethod::kNearest, ResizeMethod::kArea};
    for (int m = 0; m < 3; ++m) {
      const std::vector<float> out = MustResize(img, oh, ow, methods[m]);
      ASSERT_EQ(out.size(), static_cast<size_t>(oh) * ow * 3);
      for (int y = 0; y < oh; ++y) {
        for (int x = 0; x < ow; ++x) {
          for (int c = 0; c < 3; ++c) {
            const double got = out[(static_cast<size_t>(y) * ow + x) * 3 + c];
            const double e = m == 0 ? exact.Bilinear(y, x, c) : m == 1 ? exact.Nearest(y, x, c) : exact.Area(y, x, c);
            const double f = m == 0 ? f32.Bilinear(y, x, c) : m == 1 ? e : f32.Area(y, x, c);
            max_exact[m] = std::max(max_exact[m], std::abs(got - e));
            max_f32[m] = std::max(max_f32[m], std::abs(got - f));
            ASSERT_LE(std::abs(got - e), exact_bound + 1e-4)
                << "method " << m << " " << s[0] << "x" << s[1] << " -> " << oh << "x" << ow << " at " << y << ","
                << x << "," << c;
            ASSERT_LE(std::abs(got - f), m == 2 ? f32_bound : 1e-3) << "method " << m << " " << s[0] << "x" << s[1] << " -> " << oh
                                               << "x" << ow << " at " << y << "," << x << "," << c;
          }
        }
      }
    }
  }
  EXPECT_EQ(max_exact[1], 0.0);
  std::printf("max |diff| vs exact double reference: bilinear %.3g, nearest %.3g, area %.3g\n", max_exact[0],
              max_exact[1], max_exact[2]);
  std::printf("max |diff| vs float32-position reference: bilinear %.3g, area %.3g\n", max_f32[0], max_f32[2]);
}

TEST(ResizeTest, RejectsBadArguments) {
  const Image img = Gray(2, 2, {0, 1, 2, 3});
  EXPECT_FALSE(Resize(img, 0, 4).ok());
  EXPECT_FALSE(Resize(img, 4, -1).ok());
  EXPECT_FALSE(Resize(img, 1 << 15, 1 << 15).ok());
  EXPECT_FALSE(Resize(Gray(2, 2, {0, 1, 2}), 4, 4).ok());
}

}  // namespace
}  // namespace liteopt::data

namespace liteopt::data {
namespace {

// TensorFlow's per-pixel bilinear formula in float32, written directly: the separable implementation must
// give the same bits (same operations, same order).
TEST(ResizeTest, BilinearIsBitIdenticalToTheDirectFormula) {
  std::mt19937 rng(7);
  const int sizes[][4] = {{480, 640, 224, 224}, {240, 320, 224, 224}, {5, 7, 11, 3}, {28, 28, 28, 28}, {3, 2, 9, 9}};
  for (const auto& s : sizes) {
    for (int c : {1, 3, 4}) {
      Image img{s[1], s[0], c, std::vector<uint8_t>(static_cast<size_t>(s[0]) * s[1] * c)};
      for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
      const int oh = s[2], ow = s[3];
      const std::vector<float> out = MustResize(img, oh, ow, ResizeMethod::kBilinear);
      const auto axis = [](int i, int in, int out_size, int* lo, int* hi) {
        const float x = (static_cast<float>(i) + 0.5f) * (static_cast<float>(in) / static_cast<float>(out_size)) - 0.5f;
        *lo = std::max(static_cast<int>(std::floor(x)), 0);
        *hi = std::min(static_cast<int>(std::ceil(x)), in - 1);
        return x - std::floor(x);
      };
      for (int y = 0; y < oh; ++y) {
        int y0, y1;
        const float yl = axis(y, s[0], oh, &y0, &y1);
        for (int x = 0; x < ow; ++x) {
          int x0, x1;
          const float xl = axis(x, s[1], ow, &x0, &x1);
          for (int k = 0; k < c; ++k) {
            const float tl = img.at(y0, x0, k), tr = img.at(y0, x1, k), bl = img.at(y1, x0, k), br = img.at(y1, x1, k);
            const float top = tl + (tr - tl) * xl, bottom = bl + (br - bl) * xl;
            const float want = top + (bottom - top) * yl;
            ASSERT_EQ(out[(static_cast<size_t>(y) * ow + x) * c + k], want)
                << s[0] << "x" << s[1] << "x" << c << " -> " << oh << "x" << ow << " at " << y << "," << x << "," << k;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace liteopt::data
