// Test-only models of TFLite's conv-family numerics, written independently of the kernels (different loop
// structure, explicit padding, int64 / double / __int128-free arithmetic) so kernel tests compare against a
// second implementation of the published formulas rather than against themselves.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "ops/common/conv_params.h"
#include "ops/testing/op_test_util.h"

namespace liteopt::ops::testing::convref {

// TensorFlow's windowed output size and leading padding, from the documented formulas.
inline int OutSize(bool same, int in, int filter, int stride, int dilation) {
  const int eff = (filter - 1) * dilation + 1;
  return same ? (in + stride - 1) / stride : (in - eff) / stride + 1;
}
inline int PadBefore(bool same, int in, int filter, int stride, int dilation) {
  if (!same) return 0;
  const int eff = (filter - 1) * dilation + 1;
  const int out = OutSize(true, in, filter, stride, dilation);
  return std::max(0, (out - 1) * stride + eff - in) / 2;
}

struct Geometry {
  int batches = 1, in_h = 1, in_w = 1, in_c = 1;
  int filter_h = 1, filter_w = 1, out_c = 1;
  int stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  bool same = true;
  int out_h() const { return OutSize(same, in_h, filter_h, stride_h, dilation_h); }
  int out_w() const { return OutSize(same, in_w, filter_w, stride_w, dilation_w); }
};

// Copies an NHWC tensor into a larger one surrounded by `pad_value` (per batch), so the window sum below needs
// no bounds checks. Padding is generous (filter extent on each side).
inline std::vector<double> PadNHWC(const Geometry& g, const std::vector<double>& in, const std::vector<double>& pad_value,
                                   int* ph, int* pw) {
  *ph = (g.filter_h - 1) * g.dilation_h + g.stride_h;
  *pw = (g.filter_w - 1) * g.dilation_w + g.stride_w;
  const int H = g.in_h + 2 * *ph, W = g.in_w + 2 * *pw;
  std::vector<double> out(static_cast<size_t>(g.batches) * H * W * g.in_c);
  for (int b = 0; b < g.batches; ++b)
    for (int y = 0; y < H; ++y)
      for (int x = 0; x < W; ++x)
        for (int c = 0; c < g.in_c; ++c) {
          const int sy = y - *ph, sx = x - *pw;
          const bool inside = sy >= 0 && sy < g.in_h && sx >= 0 && sx < g.in_w;
          out[((static_cast<size_t>(b) * H + y) * W + x) * g.in_c + c] =
              inside ? in[((static_cast<size_t>(b) * g.in_h + sy) * g.in_w + sx) * g.in_c + c] : pad_value[b];
        }
  return out;
}

// Plain convolution in double over padded input. filter is OHWI. Returns [N, OH, OW, O] sums (no bias).
inline std::vector<double> Conv(const Geometry& g, const std::vector<double>& in, const std::vector<double>& filter,
                                const std::vector<double>& pad_value) {
  int ph, pw;
  const std::vector<double> p = PadNHWC(g, in, pad_value, &ph, &pw);
  const int H = g.in_h + 2 * ph, W = g.in_w + 2 * pw;
  const int oh = g.out_h(), ow = g.out_w();
  const int top = PadBefore(g.same, g.in_h, g.filter_h, g.stride_h, g.dilation_h);
  const int left = PadBefore(g.same, g.in_w, g.filter_w, g.stride_w, g.dilation_w);
  std::vector<double> out(static_cast<size_t>(g.batches) * oh * ow * g.out_c, 0.0);
  for (int b = 0; b < g.batches; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int o = 0; o < g.out_c; ++o) {
          double sum = 0;
          for (int ky = 0; ky < g.filter_h; ++ky)
            for (int kx = 0; kx < g.filter_w; ++kx)
              for (int c = 0; c < g.in_c; ++c) {
                const int py = ph + y * g.stride_h - top + ky * g.dilation_h;
                const int px = pw + x * g.stride_w - left + kx * g.dilation_w;
                sum += p[((static_cast<size_t>(b) * H + py) * W + px) * g.in_c + c] *
                       filter[((static_cast<size_t>(o) * g.filter_h + ky) * g.filter_w + kx) * g.in_c + c];
              }
          out[((static_cast<size_t>(b) * oh + y) * ow + x) * g.out_c + o] = sum;
        }
  return out;
}

// Depthwise convolution in double; filter is [1, H, W, in_c * multiplier] and g.out_c = in_c * multiplier.
inline std::vector<double> Depthwise(const Geometry& g, const std::vector<double>& in, const std::vector<double>& filter,
                                     const std::vector<double>& pad_value) {
  int ph, pw;
  const std::vector<double> p = PadNHWC(g, in, pad_value, &ph, &pw);
  const int H = g.in_h + 2 * ph, W = g.in_w + 2 * pw;
  const int oh = g.out_h(), ow = g.out_w();
  const int mult = g.out_c / g.in_c;
  const int top = PadBefore(g.same, g.in_h, g.filter_h, g.stride_h, g.dilation_h);
  const int left = PadBefore(g.same, g.in_w, g.filter_w, g.stride_w, g.dilation_w);
  std::vector<double> out(static_cast<size_t>(g.batches) * oh * ow * g.out_c, 0.0);
  for (int b = 0; b < g.batches; ++b)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x)
        for (int o = 0; o < g.out_c; ++o) {
          const int c = o / mult;
          double sum = 0;
          for (int ky = 0; ky < g.filter_h; ++ky)
            for (int kx = 0; kx < g.filter_w; ++kx) {
              const int py = ph + y * g.stride_h - top + ky * g.dilation_h;
              const int px = pw + x * g.stride_w - left + kx * g.dilation_w;
              sum += p[((static_cast<size_t>(b) * H + py) * W + px) * g.in_c + c] *
                     filter[(static_cast<size_t>(ky) * g.filter_w + kx) * g.out_c + o];
            }
          out[((static_cast<size_t>(b) * oh + y) * ow + x) * g.out_c + o] = sum;
        }
  return out;
}

// TFLite's QuantizeMultiplier, re-derived: real = m * 2^(shift - 31), m in [2^30, 2^31).
inline void Multiplier(double real, int32_t* m, int* shift) {
  if (real == 0) {
    *m = 0;
    *shift = 0;
    return;
  }
  int e = 0;
  const double frac = std::frexp(real, &e);
  long long q = std::llround(frac * 2147483648.0);
  if (q == 2147483648LL) {
    q /= 2;
    ++e;
  }
  if (e < -31) {
    q = 0;
    e = 0;
  }
  *m = static_cast<int32_t>(q);
  *shift = e;
}

// TFLite's default (double-rounding) MultiplyByQuantizedMultiplier, re-derived with int64:
//   x * 2^max(shift,0); round(x * m / 2^31) with ties toward +inf (= floor((p + 2^30) / 2^31));
//   then divide by 2^max(-shift,0) rounding ties away from zero.
inline int64_t Requantize(int64_t acc, int32_t m, int shift) {
  const int64_t x = shift > 0 ? acc * (int64_t{1} << shift) : acc;
  const int64_t high = (x * m + (int64_t{1} << 30)) >> 31;
  const int r = shift < 0 ? -shift : 0;
  if (r == 0) return high;
  const int64_t half = int64_t{1} << (r - 1);
  return high >= 0 ? (high + half) >> r : -((-high + half) >> r);
}

// The 64-bit requantization of TFLite's int16x8 kernels, re-derived: the Q0.31 multiplier rounded to Q0.15
// (saturating at 0x7FFF), then acc * m15 / 2^(15 - shift) rounded half up, by floor division.
inline int64_t Requantize16x8(int64_t acc, int32_t m, int shift) {
  const int64_t m15 = m >= 0x7FFF0000 ? 0x7FFF : (int64_t{m} + 0x8000) / 0x10000;
  const int64_t denominator = int64_t{1} << (15 - shift);
  const int64_t numerator = acc * m15 + denominator / 2;
  return numerator >= 0 ? numerator / denominator : -((-numerator + denominator - 1) / denominator);
}

// One int16x8 output: acc + bias requantized by the multiplier of in_scale * filter_scale / out_scale (a double
// product, as PopulateConvolutionQuantizationParams; `legacy`: the scale product in float, as per-tensor
// FULLY_CONNECTED), clamped to [act_min, act_max]. `real` receives the exact rescaled value for sanity checks.
inline int64_t Expected16x8(int64_t acc, float in_scale, float filter_scale, float out_scale, int64_t act_min,
                            int64_t act_max, double* real, bool legacy = false) {
  const double multiplier = legacy ? static_cast<double>(in_scale * filter_scale) / out_scale
                                   : static_cast<double>(in_scale) * filter_scale / out_scale;
  int32_t m;
  int shift;
  Multiplier(multiplier, &m, &shift);
  *real = static_cast<double>(acc) * multiplier;
  return std::min(act_max, std::max(act_min, Requantize16x8(acc, m, shift)));
}

// Checks a 16x8 op's int16 outputs (channel = index % channels) against Expected16x8 of the model's accumulators
// plus the int64 bias, and against the exact rescaled value within one step. RELU6's upper bound is 6 / out_scale.
inline void ExpectOutputs16x8(const std::vector<int16_t>& got, const std::vector<double>& acc,
                              const std::vector<int64_t>& bias, float in_scale, const std::vector<float>& filter_scales,
                              float out_scale, ir::Activation act) {
  const int64_t act_min = act == ir::Activation::kNone ? -32768 : 0;
  const int64_t act_max = act == ir::Activation::kRelu6 ? std::lround(6.0f / out_scale) : 32767;
  ASSERT_EQ(got.size(), acc.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const size_t c = i % bias.size();
    double real;
    const int64_t a = static_cast<int64_t>(acc[i]) + bias[c];
    const int64_t e = Expected16x8(a, in_scale, filter_scales[filter_scales.size() > 1 ? c : 0], out_scale, act_min,
                                   act_max, &real);
    ASSERT_EQ(static_cast<int64_t>(got[i]), e) << "index " << i << " acc " << a;
    const double exact = std::min<double>(act_max, std::max<double>(act_min, std::llround(real)));
    ASSERT_LE(std::fabs(static_cast<double>(e) - exact), 1.0) << i;
  }
}

// XNNPACK's fp32 requantization, re-derived: scale = in * filter / out in float, then the float product rounded
// to nearest with ties to even (lrint in the default rounding mode); the zero point is added by the caller.
inline int64_t RequantizeXnnpack(int64_t acc, float in_scale, float filter_scale, float out_scale) {
  const float scale = in_scale * filter_scale / out_scale;
  return std::lrint(static_cast<float>(acc) * scale);
}

// Selects a requantization mode for the scope of a test.
using RequantModeScope = testing::NumericsScope;
inline bool XnnpackMode() { return testing::OpTester::DefaultNumerics() == Numerics::kTfliteRuntime; }

inline int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return std::min(hi, std::max(lo, v)); }

// Float -> int8 row quantization of TFLite's hybrid kernels, re-derived from tensor_utils.
struct RowQuant {
  std::vector<int8_t> q;
  float scale = 1.0f;
  int32_t zero_point = 0;
};
inline RowQuant SymmetricRow(const float* v, int n) {
  RowQuant r;
  r.q.assign(n, 0);
  float lo = v[0], hi = v[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  const float range = std::max(std::fabs(lo), std::fabs(hi));
  if (range == 0.0f) return r;
  r.scale = range / 127.0f;
  const float inv = 127.0f / range;
  for (int i = 0; i < n; ++i) r.q[i] = static_cast<int8_t>(Clamp(std::lround(v[i] * inv), -127, 127));
  return r;
}
inline RowQuant AsymmetricRow(const float* v, int n) {
  RowQuant r;
  r.q.assign(n, 0);
  float lo = 0.0f, hi = 0.0f;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (lo == hi) return r;
  const double scale = (static_cast<double>(hi) - lo) / 255.0;
  const double zp_min = -128.0 - lo / scale, zp_max = 127.0 - hi / scale;
  const double err_min = 128.0 + std::fabs(lo / scale), err_max = 127.0 + std::fabs(hi / scale);
  const double zp = err_min < err_max ? zp_min : zp_max;
  r.zero_point = zp <= -128.0 ? -128 : (zp >= 127.0 ? 127 : static_cast<int32_t>(std::round(zp)));
  r.scale = static_cast<float>(scale);
  const float inv = 1.0f / r.scale;
  for (int i = 0; i < n; ++i) {
    const float t = static_cast<float>(r.zero_point) + v[i] * inv;
    r.q[i] = static_cast<int8_t>(Clamp(std::lround(t), -128, 127));
  }
  return r;
}

// Finds scales and an accumulator for which TFLite's legacy per-tensor multiplier (scale product rounded to
// float before the division) requantizes differently from the all-double multiplier, with both results inside
// [0, 127]; returns false if none.
inline bool FindLegacyMultiplierCase(float* in_scale, float* filter_scale, float* out_scale, int32_t* acc) {
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> d(0.5f, 1.0f);
  // Multipliers near 2^-15 make a straddled rounding boundary likely among accumulators whose output stays in
  // the int8 range.
  for (int trial = 0; trial < 2000; ++trial) {
    const float a = d(rng) * 0.002f, b = d(rng) * 0.002f, c = d(rng) * 0.1f;
    int32_t m_float, m_double;
    int s_float, s_double;
    Multiplier(static_cast<double>(a * b) / c, &m_float, &s_float);
    Multiplier(static_cast<double>(a) * b / c, &m_double, &s_double);
    if (m_float == m_double && s_float == s_double) continue;
    for (int32_t x = 1; Requantize(x, m_float, s_float) < 127; ++x) {
      if (Requantize(x, m_float, s_float) != Requantize(x, m_double, s_double)) {
        *in_scale = a;
        *filter_scale = b;
        *out_scale = c;
        *acc = x;
        return true;
      }
    }
  }
  return false;
}

template <typename T>
std::vector<T> RandomInts(size_t n, int lo, int hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}
inline std::vector<float> RandomFloats(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}
template <typename T>
std::vector<double> ToDouble(const std::vector<T>& v, double offset = 0.0) {
  std::vector<double> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) r[i] = static_cast<double>(v[i]) + offset;
  return r;
}

}  // namespace liteopt::ops::testing::convref
