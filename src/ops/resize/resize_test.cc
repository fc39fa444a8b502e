#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

ir::OpOptions Flags(bool align_corners, bool half_pixel_centers) {
  ir::OpOptions o;
  o.align_corners = align_corners;
  o.half_pixel_centers = half_pixel_centers;
  return o;
}

template <typename T>
std::vector<T> RunResize(ir::OpType op, DType dtype, const std::vector<int32_t>& shape, const std::vector<T>& in,
                         int32_t out_h, int32_t out_w, bool align_corners, bool half_pixel_centers,
                         std::vector<int32_t>* out_shape = nullptr) {
  OpTester t(op, Flags(align_corners, half_pixel_centers));
  const bool quantized = dtype == DType::kInt8 || dtype == DType::kUInt8;
  t.AddInput<T>(dtype, shape, in, quantized ? Quant(0.5f, 3) : ir::QuantParams{});
  t.AddInput<int32_t>(DType::kInt32, {2}, {out_h, out_w}, {}, true);
  const int out = t.AddOutput(dtype, quantized ? Quant(0.5f, 3) : ir::QuantParams{});
  const Status st = t.Run();
  EXPECT_TRUE(st.ok()) << st.message();
  if (!st.ok()) return {};
  if (out_shape) *out_shape = t.OutputShape(out);
  return t.Output<T>(out);
}

// Bilinear resize in double precision with TensorFlow's sampling rule, written independently of the kernel:
// source position p = x * scale (or (x + 0.5) * scale - 0.5), taps floor(p) and ceil(p) clamped to the image.
std::vector<double> BilinearDouble(const std::vector<double>& in, int n, int h, int w, int c, int oh, int ow,
                                   bool align_corners, bool half_pixel_centers) {
  auto scale = [&](int in_size, int out_size) {
    return (align_corners && out_size > 1) ? static_cast<double>(in_size - 1) / (out_size - 1)
                                           : static_cast<double>(in_size) / out_size;
  };
  const double sy = scale(h, oh), sx = scale(w, ow);
  std::vector<double> out;
  for (int b = 0; b < n; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int ch = 0; ch < c; ++ch) {
          const double py = half_pixel_centers ? (y + 0.5) * sy - 0.5 : y * sy;
          const double px = half_pixel_centers ? (x + 0.5) * sx - 0.5 : x * sx;
          const int y0 = std::max(static_cast<int>(std::floor(py)), 0), y1 = std::min(static_cast<int>(std::ceil(py)), h - 1);
          const int x0 = std::max(static_cast<int>(std::floor(px)), 0), x1 = std::min(static_cast<int>(std::ceil(px)), w - 1);
          const double dy = py - y0, dx = px - x0;
          auto at = [&](int yy, int xx) { return in[((b * h + yy) * w + xx) * c + ch]; };
          out.push_back(at(y0, x0) * (1 - dy) * (1 - dx) + at(y1, x0) * dy * (1 - dx) + at(y0, x1) * (1 - dy) * dx +
                        at(y1, x1) * dy * dx);
        }
  return out;
}

struct Geometry {
  int n, h, w, c, oh, ow;
};
const Geometry kSweep[] = {{1, 3, 5, 2, 7, 4}, {2, 4, 4, 3, 8, 8}, {1, 5, 3, 1, 2, 9}, {1, 2, 2, 4, 1, 1}};
const std::pair<bool, bool> kFlags[] = {{false, false}, {true, false}, {false, true}};

TEST(ShapeResizeBilinear, FloatMatchesDoubleReference) {
  for (const Geometry& g : kSweep)
    for (auto [align, half] : kFlags) {
      std::vector<float> in;
      std::vector<double> in_d;
      for (int i = 0; i < g.n * g.h * g.w * g.c; ++i) {
        in.push_back(static_cast<float>((i * 37) % 101) - 50.25f);
        in_d.push_back(in.back());
      }
      std::vector<int32_t> shape;
      const std::vector<float> out = RunResize<float>(ir::OpType::RESIZE_BILINEAR, DType::kFloat32,
                                                      {g.n, g.h, g.w, g.c}, in, g.oh, g.ow, align, half, &shape);
      EXPECT_EQ(shape, (std::vector<int32_t>{g.n, g.oh, g.ow, g.c}));
      const std::vector<double> expected =
          BilinearDouble(in_d, g.n, g.h, g.w, g.c, g.oh, g.ow, align, half);
      ASSERT_EQ(out.size(), expected.size());
      for (size_t i = 0; i < out.size(); ++i)
        EXPECT_NEAR(out[i], expected[i], 1e-4 + 1e-5 * std::fabs(expected[i]))
            << "align " << align << " half " << half << " at " << i;
    }
}

TEST(ShapeResizeBilinear, FloatAlignCornersExact) {
  const std::vector<float> out =
      RunResize<float>(ir::OpType::RESIZE_BILINEAR, DType::kFloat32, {1, 2, 2, 1}, {0, 10, 20, 30}, 3, 3, true, false);
  EXPECT_EQ(out, (std::vector<float>{0, 5, 10, 10, 15, 20, 20, 25, 30}));
}

TEST(ShapeResizeBilinear, Uint8HalfPixelExact) {
  const std::vector<uint8_t> out =
      RunResize<uint8_t>(ir::OpType::RESIZE_BILINEAR, DType::kUInt8, {1, 1, 2, 1}, {0, 100}, 1, 4, false, true);
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 25, 75, 100}));
}

// TFLite's built-in uint8 kernel rounds the float interpolation half up; away from exact ties it equals rounding
// the exact value.
TEST(ShapeResizeBilinear, BuiltinUint8MatchesRoundedDoubleReference) {
  testing::NumericsScope builtin(Numerics::kTfliteBuiltin);
  for (const Geometry& g : kSweep)
    for (auto [align, half] : kFlags) {
      std::vector<uint8_t> in;
      std::vector<double> in_d;
      for (int i = 0; i < g.n * g.h * g.w * g.c; ++i) {
        in.push_back(static_cast<uint8_t>((i * 73 + 11) % 256));
        in_d.push_back(in.back());
      }
      const std::vector<uint8_t> out = RunResize<uint8_t>(ir::OpType::RESIZE_BILINEAR, DType::kUInt8,
                                                          {g.n, g.h, g.w, g.c}, in, g.oh, g.ow, align, half);
      const std::vector<double> expected = BilinearDouble(in_d, g.n, g.h, g.w, g.c, g.oh, g.ow, align, half);
      ASSERT_EQ(out.size(), expected.size());
      for (size_t i = 0; i < out.size(); ++i) {
        const double v = expected[i] + 0.5;
        if (std::fabs(v - std::round(v)) < 1e-3) continue;  // too close to a tie to call
        EXPECT_EQ(out[i], static_cast<uint8_t>(std::floor(v))) << "align " << align << " half " << half << " at " << i;
      }
    }
}

TEST(ShapeResizeBilinear, Int8HalfPixelExact) {
  const std::vector<int8_t> out =
      RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {-100, 100}, 1, 4, false, true);
  EXPECT_EQ(out, (std::vector<int8_t>{-100, -50, 50, 100}));
}

TEST(ShapeResizeBilinear, Int8AlignCornersExact) {
  const std::vector<int8_t> out =
      RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 2, 2, 1}, {0, 10, 20, 30}, 3, 3, true, false);
  EXPECT_EQ(out, (std::vector<int8_t>{0, 5, 10, 10, 15, 20, 20, 25, 30}));
}

// ResizeBilinearInteger (TFLite's built-in int8 kernel, default double-rounding build) rounds ties away from
// zero: a midpoint of -1 and 0 gives -1, of 1 and 0 gives 1; -2.25 gives -2 and -0.75 gives -1.
TEST(ShapeResizeBilinear, BuiltinInt8RoundsHalfAwayFromZero) {
  testing::NumericsScope builtin(Numerics::kTfliteBuiltin);
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {-1, 0}, 1, 4, false, false),
            (std::vector<int8_t>{-1, -1, 0, 0}));
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {1, 0}, 1, 4, false, false),
            (std::vector<int8_t>{1, 1, 0, 0}));
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {-3, 0}, 1, 4, false, true),
            (std::vector<int8_t>{-3, -2, -1, 0}));
}

// What the official runtime computes (its XNNPACK delegate's 11-bit kernels) rounds ties up: a midpoint of -1
// and 0 gives 0, of 1 and 0 gives 1; -2.25 gives -2 and -0.75 gives -1.
TEST(ShapeResizeBilinear, RuntimeInt8RoundsHalfUp) {
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {-1, 0}, 1, 4, false, false),
            (std::vector<int8_t>{-1, 0, 0, 0}));
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {1, 0}, 1, 4, false, false),
            (std::vector<int8_t>{1, 1, 0, 0}));
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8, {1, 1, 2, 1}, {-3, 0}, 1, 4, false, true),
            (std::vector<int8_t>{-3, -2, -1, 0}));
  EXPECT_EQ(RunResize<uint8_t>(ir::OpType::RESIZE_BILINEAR, DType::kUInt8, {1, 1, 2, 1}, {3, 4}, 1, 4, false, false),
            (std::vector<uint8_t>{3, 4, 4, 4}));
}

// Both 8-bit rules stay within one step of the exact interpolation (10-bit or 11-bit fixed-point positions).
TEST(ShapeResizeBilinear, Int8BothNumericsWithinOneOfDoubleReference) {
  for (Numerics numerics : {Numerics::kTfliteRuntime, Numerics::kTfliteBuiltin}) {
    testing::NumericsScope scope(numerics);
    for (const Geometry& g : kSweep)
      for (auto [align, half] : kFlags) {
        std::vector<int8_t> in;
        std::vector<double> in_d;
        for (int i = 0; i < g.n * g.h * g.w * g.c; ++i) {
          in.push_back(static_cast<int8_t>((i * 73 + 11) % 256 - 128));
          in_d.push_back(in.back());
        }
        const std::vector<int8_t> out = RunResize<int8_t>(ir::OpType::RESIZE_BILINEAR, DType::kInt8,
                                                          {g.n, g.h, g.w, g.c}, in, g.oh, g.ow, align, half);
        const std::vector<double> expected = BilinearDouble(in_d, g.n, g.h, g.w, g.c, g.oh, g.ow, align, half);
        ASSERT_EQ(out.size(), expected.size());
        for (size_t i = 0; i < out.size(); ++i)
          EXPECT_LE(std::fabs(out[i] - expected[i]), 1.0) << "align " << align << " half " << half << " at " << i;
      }
  }
}

TEST(ShapeResizeBilinear, RejectsBadParams) {
  auto run = [](std::vector<int32_t> shape, std::vector<int32_t> size, bool align, bool half, bool size_const) {
    OpTester t(ir::OpType::RESIZE_BILINEAR, Flags(align, half));
    t.AddInput<float>(DType::kFloat32, shape, std::vector<float>(static_cast<size_t>(ir::NumElements(shape))));
    t.AddInput<int32_t>(DType::kInt32, {static_cast<int32_t>(size.size())}, size, {}, size_const);
    t.AddOutput(DType::kFloat32);
    return t.Run();
  };
  EXPECT_FALSE(run({1, 2, 2, 1}, {4, 4}, true, true, true).ok());   // both flags
  EXPECT_FALSE(run({1, 2, 2, 1}, {0, 4}, false, false, true).ok());  // zero size
  EXPECT_FALSE(run({1, 2, 2, 1}, {4, -1}, false, false, true).ok());
  EXPECT_FALSE(run({2, 2, 1}, {4, 4}, false, false, true).ok());     // not 4-D
  EXPECT_FALSE(run({1, 2, 2, 1}, {4, 4, 4}, false, false, true).ok());
  EXPECT_FALSE(run({1, 2, 2, 1}, {4, 4}, false, false, false).ok());  // size not constant
  EXPECT_FALSE(run({1, 0, 2, 1}, {4, 4}, false, false, true).ok());  // empty image
}

TEST(ShapeResizeNearestNeighbor, FloatNoFlags) {
  // Rows floor(y * 2/4) = 0,0,1,1; cols floor(x * 3/5) = 0,0,1,1,2.
  std::vector<int32_t> shape;
  const std::vector<float> out = RunResize<float>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kFloat32, {1, 2, 3, 1},
                                                  {1, 2, 3, 4, 5, 6}, 4, 5, false, false, &shape);
  EXPECT_EQ(shape, (std::vector<int32_t>{1, 4, 5, 1}));
  EXPECT_EQ(out, (std::vector<float>{1, 1, 2, 2, 3, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6, 4, 4, 5, 5, 6}));
}

TEST(ShapeResizeNearestNeighbor, AlignCornersAndHalfPixel) {
  // align_corners: round(x * 0.5) with ties away from zero = 0,1,1,2,2.
  EXPECT_EQ(RunResize<int8_t>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kInt8, {1, 1, 3, 1}, {10, 20, 30}, 1, 5,
                              true, false),
            (std::vector<int8_t>{10, 20, 20, 30, 30}));
  // half_pixel_centers: floor((x + 0.5) * 0.6) = 0,0,1,2,2.
  EXPECT_EQ(RunResize<uint8_t>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kUInt8, {1, 1, 3, 1}, {10, 20, 30}, 1, 5,
                               false, true),
            (std::vector<uint8_t>{10, 10, 20, 30, 30}));
}

TEST(ShapeResizeNearestNeighbor, MultiChannelCopiesPixels) {
  EXPECT_EQ(RunResize<int16_t>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kInt16, {1, 1, 2, 2}, {1, 2, 3, 4}, 2, 4,
                               false, false),
            (std::vector<int16_t>{1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}));
}

// Width 26 -> 22 at x = 11: the exact source is 13. float32 26/22 rounds down, so the reference float rule
// gives 12; TFLite's 8-bit kernel uses 16.16 fixed point, (11 * ((26 << 16) / 22 + 1)) >> 16 = 13.
TEST(ShapeResizeNearestNeighbor, EightBitUsesFixedPointIndex) {
  std::vector<float> in_f(26);
  std::vector<uint8_t> in_u(26);
  std::vector<int8_t> in_s(26);
  for (int i = 0; i < 26; ++i) {
    in_f[i] = static_cast<float>(i);
    in_u[i] = static_cast<uint8_t>(i);
    in_s[i] = static_cast<int8_t>(i);
  }
  const auto f = RunResize<float>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kFloat32, {1, 1, 26, 1}, in_f, 1, 22,
                                  false, false);
  const auto u = RunResize<uint8_t>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kUInt8, {1, 1, 26, 1}, in_u, 1, 22,
                                    false, false);
  const auto s = RunResize<int8_t>(ir::OpType::RESIZE_NEAREST_NEIGHBOR, DType::kInt8, {1, 1, 26, 1}, in_s, 1, 22,
                                   false, false);
  ASSERT_EQ(f.size(), 22u);
  EXPECT_EQ(f[11], 12.0f);
  EXPECT_EQ(u[11], 13);
  EXPECT_EQ(s[11], 13);
  for (int x = 0; x < 22; ++x) {
    if (x != 11) {
      EXPECT_EQ(static_cast<float>(u[x]), f[x]) << x;
    }
  }
}

TEST(ShapeResizeNearestNeighbor, RejectsNonInt32Size) {
  OpTester t(ir::OpType::RESIZE_NEAREST_NEIGHBOR);
  t.AddInput<float>(DType::kFloat32, {1, 2, 2, 1}, {1, 2, 3, 4});
  t.AddInput<int64_t>(DType::kInt64, {2}, {4, 4}, {}, true);
  t.AddOutput(DType::kFloat32);
  EXPECT_FALSE(t.Run().ok());
}

}  // namespace
}  // namespace liteopt::ops
