#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ops/common/conv_test_util.h"
#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;
using testing::QuantPerAxis;
namespace ref = testing::convref;

ir::OpOptions Options(const ref::Geometry& g, ir::Activation act = ir::Activation::kNone) {
  ir::OpOptions o;
  o.padding = g.same ? ir::Padding::kSame : ir::Padding::kValid;
  o.stride_h = g.stride_h;
  o.stride_w = g.stride_w;
  o.dilation_h = g.dilation_h;
  o.dilation_w = g.dilation_w;
  o.activation = act;
  return o;
}

std::vector<int32_t> InShape(const ref::Geometry& g) { return {g.batches, g.in_h, g.in_w, g.in_c}; }
std::vector<int32_t> FilterShape(const ref::Geometry& g) { return {g.out_c, g.filter_h, g.filter_w, g.in_c}; }
std::vector<int32_t> OutShape(const ref::Geometry& g) { return {g.batches, g.out_h(), g.out_w(), g.out_c}; }
size_t InSize(const ref::Geometry& g) { return static_cast<size_t>(g.batches) * g.in_h * g.in_w * g.in_c; }
size_t FilterSize(const ref::Geometry& g) { return static_cast<size_t>(g.out_c) * g.filter_h * g.filter_w * g.in_c; }

// Geometries covering SAME/VALID, stride 2, dilation, batch > 1, non-square filters.
std::vector<ref::Geometry> Geometries() {
  std::vector<ref::Geometry> gs;
  for (bool same : {true, false})
    for (int stride : {1, 2})
      for (int dilation : {1, 2}) {
        ref::Geometry g;
        g.batches = 2;
        g.in_h = 7;
        g.in_w = 6;
        g.in_c = 3;
        g.filter_h = 3;
        g.filter_w = 2;
        g.out_c = 4;
        g.stride_h = stride;
        g.stride_w = stride == 2 ? 1 : 2;
        g.dilation_h = dilation;
        g.dilation_w = 3 - dilation;
        g.same = same;
        gs.push_back(g);
      }
  return gs;
}

std::string Describe(const ref::Geometry& g) {
  return std::string(g.same ? "SAME" : "VALID") + " stride " + std::to_string(g.stride_h) + "x" +
         std::to_string(g.stride_w) + " dilation " + std::to_string(g.dilation_h) + "x" + std::to_string(g.dilation_w);
}

TEST(Conv2DFloat, HandComputedValid) {
  OpTester t(ir::OpType::CONV_2D, [] {
    ir::OpOptions o;
    o.padding = ir::Padding::kValid;
    return o;
  }());
  t.AddInput<float>(DType::kFloat32, {1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  t.AddInput<float>(DType::kFloat32, {1, 2, 2, 1}, {1, 2, 3, 4}, {}, true);
  t.AddInput<float>(DType::kFloat32, {1}, {1}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{1, 2, 2, 1}));
  // 1*1+2*2+4*3+5*4 = 37, then 47, 67, 77; plus bias 1.
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{38, 48, 68, 78}));
}

TEST(Conv2DFloat, HandComputedSameStride2PadsEvenlyThenAtEnd) {
  // 4x4 input, 3x3 filter of ones, SAME, stride 2: out 2x2, total padding 1 -> 0 before, 1 after.
  OpTester t(ir::OpType::CONV_2D, [] {
    ir::OpOptions o;
    o.stride_h = o.stride_w = 2;
    return o;
  }());
  std::vector<float> in(16);
  for (int i = 0; i < 16; ++i) in[i] = static_cast<float>(i);
  t.AddInput<float>(DType::kFloat32, {1, 4, 4, 1}, in);
  t.AddInput<float>(DType::kFloat32, {1, 3, 3, 1}, std::vector<float>(9, 1.0f), {}, true);
  t.AddAbsentInput();
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{1, 2, 2, 1}));
  // Window rows/cols {0,1,2} and {2,3}: sums of the 4x4 ramp.
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10, 2 + 3 + 6 + 7 + 10 + 11,
                                                      8 + 9 + 10 + 12 + 13 + 14, 10 + 11 + 14 + 15}));
}

TEST(Conv2DFloat, MatchesNaiveReferenceAcrossGeometries) {
  uint32_t seed = 1;
  for (const ref::Geometry& g : Geometries()) {
    for (int bias_mode = 0; bias_mode < 3; ++bias_mode) {  // 0 bias, 1 two inputs, 2 absent (-1) bias
      for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu6}) {
        SCOPED_TRACE(Describe(g) + " bias_mode " + std::to_string(bias_mode) + " seed " + std::to_string(seed));
        const auto in = ref::RandomFloats(InSize(g), -2, 2, seed++);
        const auto w = ref::RandomFloats(FilterSize(g), -1, 1, seed++);
        const auto bias = ref::RandomFloats(g.out_c, -1, 1, seed++);
        OpTester t(ir::OpType::CONV_2D, Options(g, act));
        t.AddInput<float>(DType::kFloat32, InShape(g), in);
        t.AddInput<float>(DType::kFloat32, FilterShape(g), w, {}, true);
        if (bias_mode == 0) t.AddInput<float>(DType::kFloat32, {g.out_c}, bias, {}, true);
        if (bias_mode == 2) t.AddAbsentInput();
        const int out = t.AddOutput(DType::kFloat32);
        ASSERT_TRUE(t.Run().ok());
        ASSERT_EQ(t.OutputShape(out), OutShape(g));
        const auto expect = ref::Conv(g, ref::ToDouble(in), ref::ToDouble(w), std::vector<double>(g.batches, 0.0));
        const auto got = t.Output<float>(out);
        for (size_t i = 0; i < got.size(); ++i) {
          double e = expect[i] + (bias_mode == 0 ? bias[i % g.out_c] : 0.0);
          if (act == ir::Activation::kRelu6) e = std::min(6.0, std::max(0.0, e));
          ASSERT_NEAR(got[i], e, 1e-5 * std::max(1.0, std::fabs(e))) << "index " << i;
        }
      }
    }
  }
}

// Expected int8/uint8 outputs from the independent model: exact integer accumulation, then TFLite's
// double-rounding requantization re-derived in int64.
struct QuantCase {
  ref::Geometry g;
  float in_scale, out_scale;
  int in_zp, out_zp;
  std::vector<float> filter_scales;  // 1 = per tensor
  int filter_zp = 0;                 // uint8 only
  ir::Activation act = ir::Activation::kNone;
};

template <typename T>
void RunQuantizedCase(const QuantCase& qc, DType dtype, uint32_t seed) {
  const ref::Geometry& g = qc.g;
  const int lo = dtype == DType::kInt8 ? -128 : 0, hi = dtype == DType::kInt8 ? 127 : 255;
  const auto in = ref::RandomInts<T>(InSize(g), lo, hi, seed);
  const auto w = ref::RandomInts<T>(FilterSize(g), dtype == DType::kInt8 ? -127 : 0, hi, seed + 1);
  const auto bias = ref::RandomInts<int32_t>(g.out_c, -3000, 3000, seed + 2);
  OpTester t(ir::OpType::CONV_2D, Options(g, qc.act));
  t.AddInput<T>(dtype, InShape(g), in, Quant(qc.in_scale, qc.in_zp));
  ir::QuantParams fq = qc.filter_scales.size() > 1 ? QuantPerAxis(qc.filter_scales, 0)
                                                    : Quant(qc.filter_scales[0], qc.filter_zp);
  t.AddInput<T>(dtype, FilterShape(g), w, fq, true);
  t.AddInput<int32_t>(DType::kInt32, {g.out_c}, bias, Quant(qc.in_scale * qc.filter_scales[0], 0), true);
  const int out = t.AddOutput(dtype, Quant(qc.out_scale, qc.out_zp));
  Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(t.OutputShape(out), OutShape(g));
  // Padding contributes (zp - zp) = 0, so pad the centered input with 0.
  const auto acc = ref::Conv(g, ref::ToDouble(in, -qc.in_zp), ref::ToDouble(w, -qc.filter_zp),
                             std::vector<double>(g.batches, 0.0));
  const auto got = t.Output<T>(out);
  int64_t act_min = lo, act_max = hi;
  if (qc.act == ir::Activation::kRelu || qc.act == ir::Activation::kRelu6) act_min = std::max<int64_t>(lo, qc.out_zp);
  if (qc.act == ir::Activation::kRelu6) act_max = std::min<int64_t>(hi, qc.out_zp + std::lround(6.0f / qc.out_scale));
  int mismatches_vs_real = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int c = static_cast<int>(i % g.out_c);
    const float fs = qc.filter_scales.size() > 1 ? qc.filter_scales[c] : qc.filter_scales[0];
    const double real = dtype == DType::kInt8
                            ? static_cast<double>(qc.in_scale) * fs / qc.out_scale
                            : static_cast<double>(qc.in_scale * fs) / qc.out_scale;  // legacy: product in float
    int32_t m;
    int shift;
    ref::Multiplier(real, &m, &shift);
    const int64_t a = static_cast<int64_t>(acc[i]) + bias[c];
    const int64_t scaled = ref::XnnpackMode() ? ref::RequantizeXnnpack(a, qc.in_scale, fs, qc.out_scale)
                                              : ref::Requantize(a, m, shift);
    const int64_t e = ref::Clamp(scaled + qc.out_zp, act_min, act_max);
    ASSERT_EQ(static_cast<int64_t>(got[i]), e) << "index " << i << " acc " << a;
    // Sanity against real arithmetic: within 1 LSB of round(acc * real) unless saturated.
    const double exact = std::round(static_cast<double>(a) * real) + qc.out_zp;
    if (std::fabs(ref::Clamp(static_cast<int64_t>(exact), act_min, act_max) - e) > 1) ++mismatches_vs_real;
  }
  EXPECT_EQ(mismatches_vs_real, 0);
}

TEST(Conv2DInt8, PerChannelMatchesModelAcrossGeometriesAndZeroPoints) {
  uint32_t seed = 100;
  for (const ref::Geometry& g : Geometries()) {
    for (int in_zp : {-128, 0, 127}) {
      QuantCase qc{g, 0.05f, 0.8f, in_zp, -3, {0.011f, 0.023f, 0.0047f, 0.031f}};
      SCOPED_TRACE(Describe(g) + " in_zp " + std::to_string(in_zp));
      RunQuantizedCase<int8_t>(qc, DType::kInt8, seed);
      seed += 3;
    }
  }
}

TEST(Conv2DInt8, PerTensorScaleIsBroadcastAndReluClamps) {
  ref::Geometry g = Geometries()[0];
  QuantCase qc{g, 0.02f, 0.15f, 5, 10, {0.013f}};
  qc.act = ir::Activation::kRelu;
  RunQuantizedCase<int8_t>(qc, DType::kInt8, 7);
}

TEST(Conv2DInt8, SaturatesAtBothEnds) {
  ref::Geometry g = Geometries()[1];
  // Output scale far too small: most outputs clip to -128 or 127.
  QuantCase qc{g, 0.5f, 0.01f, 0, 0, {0.05f, 0.05f, 0.07f, 0.09f}};
  RunQuantizedCase<int8_t>(qc, DType::kInt8, 11);
  OpTester t(ir::OpType::CONV_2D, Options(g));
  t.AddInput<int8_t>(DType::kInt8, InShape(g), std::vector<int8_t>(InSize(g), 127), Quant(0.5f, 0));
  t.AddInput<int8_t>(DType::kInt8, FilterShape(g), std::vector<int8_t>(FilterSize(g), -127),
                     QuantPerAxis({0.05f, 0.05f, 0.07f, 0.09f}, 0), true);
  t.AddAbsentInput();
  const int out = t.AddOutput(DType::kInt8, Quant(0.01f, 0));
  ASSERT_TRUE(t.Run().ok());
  for (int8_t v : t.Output<int8_t>(out)) ASSERT_EQ(v, -128);
}

TEST(Conv2DUInt8, MatchesModelWithFilterZeroPoints) {
  uint32_t seed = 300;
  for (int filter_zp : {0, 128, 255}) {
    for (int in_zp : {0, 255}) {
      for (const ref::Geometry& g : {Geometries()[0], Geometries()[5]}) {
        SCOPED_TRACE(Describe(g) + " filter_zp " + std::to_string(filter_zp) + " in_zp " + std::to_string(in_zp));
        QuantCase qc{g, 0.0078125f, 0.1f, in_zp, 120, {0.0123f}, filter_zp, ir::Activation::kRelu};
        RunQuantizedCase<uint8_t>(qc, DType::kUInt8, seed);
        seed += 3;
      }
    }
  }
}

// The other tests run with the default numerics (the official runtime's XNNPACK requantization); this
// sweep checks TFLite's built-in fixed-point requantization.
TEST(Conv2DBuiltinNumerics, Int8AndUInt8MatchTheFixedPointModel) {
  ref::RequantModeScope mode(Numerics::kTfliteBuiltin);
  uint32_t seed = 900;
  for (const ref::Geometry& g : Geometries()) {
    SCOPED_TRACE(Describe(g));
    RunQuantizedCase<int8_t>({g, 0.05f, 0.8f, -128, -3, {0.011f, 0.023f, 0.0047f, 0.031f}}, DType::kInt8, seed);
    RunQuantizedCase<int8_t>({g, 0.02f, 0.15f, 127, 10, {0.013f}, 0, ir::Activation::kRelu}, DType::kInt8, seed + 3);
    RunQuantizedCase<uint8_t>({g, 0.0078125f, 0.1f, 255, 120, {0.0123f}, 128, ir::Activation::kRelu6}, DType::kUInt8,
                              seed + 6);
    seed += 9;
  }
}

// uint8 conv uses the legacy multiplier (scale product in float); int8 conv uses the double product even for a
// per-tensor filter scale. Find scales where the two requantize an accumulator differently.
TEST(Conv2DQuantized, MultiplierPrecisionFollowsTfliteForEachDtype) {
  ref::RequantModeScope builtin(Numerics::kTfliteBuiltin);  // checks TFLite's fixed-point multiplier
  float in_scale, filter_scale, out_scale;
  int32_t acc;
  ASSERT_TRUE(ref::FindLegacyMultiplierCase(&in_scale, &filter_scale, &out_scale, &acc));
  int32_t m_float, m_double;
  int s_float, s_double;
  ref::Multiplier(static_cast<double>(in_scale * filter_scale) / out_scale, &m_float, &s_float);
  ref::Multiplier(static_cast<double>(in_scale) * filter_scale / out_scale, &m_double, &s_double);
  {
    OpTester t(ir::OpType::CONV_2D);
    t.AddInput<uint8_t>(DType::kUInt8, {1, 1, 1, 1}, {9}, Quant(in_scale, 9));  // x = zp: acc = bias
    t.AddInput<uint8_t>(DType::kUInt8, {1, 1, 1, 1}, {200}, Quant(filter_scale, 128), true);
    t.AddInput<int32_t>(DType::kInt32, {1}, {acc}, Quant(in_scale * filter_scale, 0), true);
    const int out = t.AddOutput(DType::kUInt8, Quant(out_scale, 0));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<uint8_t>(out)[0], ref::Requantize(acc, m_float, s_float));
  }
  {
    OpTester t(ir::OpType::CONV_2D);
    t.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 1}, {-9}, Quant(in_scale, -9));
    t.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 1}, {100}, Quant(filter_scale, 0), true);
    t.AddInput<int32_t>(DType::kInt32, {1}, {acc}, Quant(in_scale * filter_scale, 0), true);
    const int out = t.AddOutput(DType::kInt8, Quant(out_scale, 0));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<int8_t>(out)[0], ref::Requantize(acc, m_double, s_double));
  }
  EXPECT_NE(ref::Requantize(acc, m_float, s_float), ref::Requantize(acc, m_double, s_double));
}

// Hybrid: the expected values come from re-deriving TFLite's per-image input quantization in the test.
void RunHybridCase(const ref::Geometry& g, const std::vector<float>& filter_scales, bool expect_per_channel,
                   uint32_t seed, ir::Activation act = ir::Activation::kNone) {
  const auto in = ref::RandomFloats(InSize(g), -3, 2, seed);
  const auto w = ref::RandomInts<int8_t>(FilterSize(g), -127, 127, seed + 1);
  const auto bias = ref::RandomFloats(g.out_c, -0.5f, 0.5f, seed + 2);
  OpTester t(ir::OpType::CONV_2D, Options(g, act));
  t.AddInput<float>(DType::kFloat32, InShape(g), in);
  t.AddInput<int8_t>(DType::kInt8, FilterShape(g), w,
                     filter_scales.size() > 1 ? QuantPerAxis(filter_scales, 0) : Quant(filter_scales[0], 0), true);
  t.AddInput<float>(DType::kFloat32, {g.out_c}, bias, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(t.OutputShape(out), OutShape(g));

  const int image = g.in_h * g.in_w * g.in_c;
  std::vector<double> centered(in.size());
  std::vector<float> sf(g.batches);
  for (int b = 0; b < g.batches; ++b) {
    const ref::RowQuant rq =
        expect_per_channel ? ref::AsymmetricRow(&in[b * image], image) : ref::SymmetricRow(&in[b * image], image);
    sf[b] = rq.scale;
    for (int i = 0; i < image; ++i) centered[b * image + i] = rq.q[i] - rq.zero_point;
  }
  const auto acc = ref::Conv(g, centered, ref::ToDouble(w), std::vector<double>(g.batches, 0.0));
  // Float reference on dequantized weights, to check the quantized result is close to the real answer.
  std::vector<double> wf(w.size());
  const int per_filter = g.filter_h * g.filter_w * g.in_c;
  for (size_t i = 0; i < w.size(); ++i)
    wf[i] = w[i] * static_cast<double>(filter_scales.size() > 1 ? filter_scales[i / per_filter] : filter_scales[0]);
  const auto real = ref::Conv(g, ref::ToDouble(in), wf, std::vector<double>(g.batches, 0.0));
  // Quantization error bound: each in-image tap is off by at most half an input step.
  std::vector<double> half_step(in.size()), abs_wf(wf.size());
  for (size_t i = 0; i < in.size(); ++i) half_step[i] = 0.5 * sf[i / image];
  for (size_t i = 0; i < wf.size(); ++i) abs_wf[i] = std::fabs(wf[i]);
  const auto bound = ref::Conv(g, half_step, abs_wf, std::vector<double>(g.batches, 0.0));

  const auto got = t.Output<float>(out);
  const size_t per_batch = got.size() / g.batches;
  float lo = -std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::max();
  if (act == ir::Activation::kRelu) lo = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const int c = static_cast<int>(i % g.out_c);
    const int b = static_cast<int>(i / per_batch);
    float scale = expect_per_channel ? filter_scales[c] * sf[b] : sf[b] * filter_scales[0];
    float e = static_cast<float>(static_cast<int64_t>(acc[i])) * scale + bias[c];
    e = std::min(hi, std::max(lo, e));
    ASSERT_EQ(got[i], e) << "index " << i;  // same float operations in the same order: bit-exact
    double r = real[i] + bias[c];
    if (act == ir::Activation::kRelu) r = std::max(0.0, r);
    ASSERT_NEAR(got[i], r, bound[i] * 1.001 + 1e-5) << "index " << i << " vs float conv";
  }
}

TEST(Conv2DHybrid, PerChannelScalesQuantizeEachImageAsymmetrically) {
  uint32_t seed = 500;
  for (const ref::Geometry& g : Geometries()) {
    SCOPED_TRACE(Describe(g));
    RunHybridCase(g, {0.004f, 0.009f, 0.006f, 0.012f}, true, seed);
    seed += 3;
  }
}

TEST(Conv2DHybrid, PerTensorScaleQuantizesEachImageSymmetrically) {
  uint32_t seed = 600;
  for (const ref::Geometry& g : Geometries()) {
    SCOPED_TRACE(Describe(g));
    RunHybridCase(g, {0.008f}, false, seed, ir::Activation::kRelu);
    seed += 3;
  }
}

TEST(Conv2DHybrid, EqualPerChannelScalesTakeTheSymmetricPath) {
  RunHybridCase(Geometries()[2], {0.007f, 0.007f, 0.007f, 0.007f}, false, 700);
}

TEST(Conv2DHybrid, AllZeroImageGivesBias) {
  ref::Geometry g = Geometries()[0];
  OpTester t(ir::OpType::CONV_2D, Options(g));
  t.AddInput<float>(DType::kFloat32, InShape(g), std::vector<float>(InSize(g), 0.0f));
  t.AddInput<int8_t>(DType::kInt8, FilterShape(g), ref::RandomInts<int8_t>(FilterSize(g), -127, 127, 3),
                     QuantPerAxis({0.1f, 0.2f, 0.3f, 0.4f}, 0), true);
  t.AddInput<float>(DType::kFloat32, {4}, {1.5f, -2.0f, 0.25f, 3.0f}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  const auto got = t.Output<float>(out);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], (std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f})[i % 4]);
}

// Prepare must reject bad inputs with a message naming the problem.
struct BadCase {
  std::string name;
  std::string expect_in_message;
};

Status RunFloatConv(std::vector<int32_t> in_shape, std::vector<int32_t> filter_shape, ir::OpOptions o,
                    int bias_size = -1) {
  OpTester t(ir::OpType::CONV_2D, o);
  size_t in_n = 1, f_n = 1;
  for (int d : in_shape) in_n *= d;
  for (int d : filter_shape) f_n *= d;
  t.AddInput<float>(DType::kFloat32, in_shape, std::vector<float>(in_n, 1.0f));
  t.AddInput<float>(DType::kFloat32, filter_shape, std::vector<float>(f_n, 1.0f), {}, true);
  if (bias_size >= 0) t.AddInput<float>(DType::kFloat32, {bias_size}, std::vector<float>(bias_size, 0.0f), {}, true);
  t.AddOutput(DType::kFloat32);
  return t.Run();
}

void ExpectError(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(Conv2DPrepare, RejectsBadShapesAndOptions) {
  ir::OpOptions o;
  ExpectError(RunFloatConv({1, 4, 4}, {2, 3, 3, 1}, o), "must be 4-D NHWC");
  ExpectError(RunFloatConv({1, 4, 4, 1}, {2, 3, 1}, o), "must be 4-D [O, H, W, I]");
  ExpectError(RunFloatConv({1, 4, 4, 3}, {2, 3, 3, 2}, o), "expects 2");
  ExpectError(RunFloatConv({1, 4, 4, 4}, {2, 3, 3, 2}, o), "grouped convolution is not supported");
  ExpectError(RunFloatConv({1, 4, 4, 1}, {2, 3, 3, 1}, o, 3), "expected 2 elements");
  ir::OpOptions valid = o;
  valid.padding = ir::Padding::kValid;
  ExpectError(RunFloatConv({1, 2, 2, 1}, {2, 3, 3, 1}, valid), "empty or invalid output for VALID");
  ir::OpOptions zero_stride = o;
  zero_stride.stride_w = 0;
  ExpectError(RunFloatConv({1, 4, 4, 1}, {2, 3, 3, 1}, zero_stride), "strides must be > 0");
  ir::OpOptions zero_dilation = o;
  zero_dilation.dilation_h = 0;
  ExpectError(RunFloatConv({1, 4, 4, 1}, {2, 3, 3, 1}, zero_dilation), "dilation factors must be > 0");
  ir::OpOptions tanh = o;
  tanh.activation = ir::Activation::kTanh;
  ExpectError(RunFloatConv({1, 4, 4, 1}, {2, 3, 3, 1}, tanh), "fused activation");
}

TEST(Conv2DPrepare, RejectsBadQuantization) {
  auto run = [](ir::QuantParams in_q, ir::QuantParams filter_q, ir::QuantParams out_q, DType out_dtype = DType::kInt8,
                DType bias_dtype = DType::kInt32) {
    OpTester t(ir::OpType::CONV_2D);
    t.AddInput<int8_t>(DType::kInt8, {1, 3, 3, 2}, std::vector<int8_t>(18, 1), in_q);
    t.AddInput<int8_t>(DType::kInt8, {3, 1, 1, 2}, std::vector<int8_t>(6, 1), filter_q, true);
    if (bias_dtype == DType::kInt32)
      t.AddInput<int32_t>(DType::kInt32, {3}, {0, 0, 0}, {}, true);
    else
      t.AddInput<float>(DType::kFloat32, {3}, {0, 0, 0}, {}, true);
    t.AddOutput(out_dtype, out_q);
    return t.Run();
  };
  const auto q = Quant(0.1f, 0);
  ExpectError(run({}, QuantPerAxis({0.1f, 0.1f, 0.1f}, 0), q), "needs per-tensor quantization");
  ExpectError(run(q, QuantPerAxis({0.1f, 0.1f}, 0), q), "has 2 per-channel scales, expected 3");
  ExpectError(run(q, QuantPerAxis({0.1f, 0.1f, 0.1f}, 3), q), "quantized per axis along dimension 3");
  ExpectError(run(q, Quant(0.1f, 4), q), "must be symmetric");
  ExpectError(run(q, Quant(0.0f, 0), q), "invalid scale");
  ExpectError(run(q, QuantPerAxis({0.1f, 0.1f, 0.1f}, 0), q, DType::kUInt8), "expected int8");
  ExpectError(run(q, QuantPerAxis({0.1f, 0.1f, 0.1f}, 0), q, DType::kInt8, DType::kFloat32), "expected int32");
  ExpectError(run(q, QuantPerAxis({0.1f, 0.1f, 0.1f}, 0), Quant(0.1f, 300)), "outside the int8 range");

  OpTester u(ir::OpType::CONV_2D);
  u.AddInput<uint8_t>(DType::kUInt8, {1, 3, 3, 2}, std::vector<uint8_t>(18, 1), Quant(0.1f, 128));
  u.AddInput<uint8_t>(DType::kUInt8, {3, 1, 1, 2}, std::vector<uint8_t>(6, 1), QuantPerAxis({0.1f, 0.1f, 0.1f}, 0),
                      true);
  u.AddOutput(DType::kUInt8, Quant(0.1f, 128));
  ExpectError(u.Run(), "the uint8 path needs one scale");

  OpTester mixed(ir::OpType::CONV_2D);
  mixed.AddInput<float>(DType::kFloat32, {1, 3, 3, 2}, std::vector<float>(18, 1));
  mixed.AddInput<uint8_t>(DType::kUInt8, {3, 1, 1, 2}, std::vector<uint8_t>(6, 1), Quant(0.1f, 128), true);
  mixed.AddOutput(DType::kFloat32);
  ExpectError(mixed.Run(), "unsupported dtypes");
}

// int16x8 (16x8 mode): int16 input and output with zero point 0, per-channel int8 weights, int64 bias, against the
// independent model (64-bit sums, the 15-bit multiplier) and within 1 LSB of real arithmetic when not clamped.
void RunInt16x8Case(const ref::Geometry& g, const std::vector<float>& filter_scales, ir::Activation act,
                    uint32_t seed) {
  const float in_scale = 0.0007f, out_scale = 0.002f;
  const auto in = ref::RandomInts<int16_t>(InSize(g), -32768, 32767, seed);
  const auto w = ref::RandomInts<int8_t>(FilterSize(g), -127, 127, seed + 1);
  const auto bias = ref::RandomInts<int64_t>(g.out_c, -3000000, 3000000, seed + 2);
  std::vector<float> bias_scales;
  for (int c = 0; c < g.out_c; ++c) bias_scales.push_back(in_scale * filter_scales[filter_scales.size() > 1 ? c : 0]);
  OpTester t(ir::OpType::CONV_2D, Options(g, act));
  t.AddInput<int16_t>(DType::kInt16, InShape(g), in, Quant(in_scale, 0));
  t.AddInput<int8_t>(DType::kInt8, FilterShape(g), w,
                     filter_scales.size() > 1 ? QuantPerAxis(filter_scales, 0) : Quant(filter_scales[0], 0), true);
  t.AddInput<int64_t>(DType::kInt64, {g.out_c}, bias, QuantPerAxis(bias_scales, 0), true);
  const int out = t.AddOutput(DType::kInt16, Quant(out_scale, 0));
  const Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(t.OutputShape(out), OutShape(g));
  const auto acc = ref::Conv(g, ref::ToDouble(in), ref::ToDouble(w), std::vector<double>(g.batches, 0.0));
  ref::ExpectOutputs16x8(t.Output<int16_t>(out), acc, bias, in_scale, filter_scales, out_scale, act);
}

TEST(Conv2DInt16x8, MatchesModelAcrossGeometriesAndActivations) {
  uint32_t seed = 1600;
  for (const ref::Geometry& g : Geometries()) {
    for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu6}) {
      SCOPED_TRACE(Describe(g) + " activation " + std::string(ir::ActivationName(act)));
      RunInt16x8Case(g, {0.011f, 0.023f, 0.0047f, 0.031f}, act, seed);
      seed += 3;
    }
  }
  SCOPED_TRACE("per-tensor weight scale");
  RunInt16x8Case(Geometries()[2], {0.013f}, ir::Activation::kRelu, seed);
}

TEST(Conv2DInt16x8, RejectsWhatTfliteRejects) {
  auto run = [](DType filter_dtype, DType bias_dtype, int in_zp, int out_zp) {
    OpTester t(ir::OpType::CONV_2D);
    t.AddInput<int16_t>(DType::kInt16, {1, 3, 3, 2}, std::vector<int16_t>(18, 1), Quant(0.1f, in_zp));
    if (filter_dtype == DType::kInt8)
      t.AddInput<int8_t>(DType::kInt8, {3, 1, 1, 2}, std::vector<int8_t>(6, 1), QuantPerAxis({0.1f, 0.1f, 0.1f}, 0),
                         true);
    else
      t.AddInput<int16_t>(DType::kInt16, {3, 1, 1, 2}, std::vector<int16_t>(6, 1), Quant(0.1f, 0), true);
    if (bias_dtype == DType::kInt64)
      t.AddInput<int64_t>(DType::kInt64, {3}, {0, 0, 0}, {}, true);
    else
      t.AddInput<int32_t>(DType::kInt32, {3}, {0, 0, 0}, {}, true);
    t.AddOutput(DType::kInt16, Quant(0.1f, out_zp));
    return t.Run();
  };
  EXPECT_TRUE(run(DType::kInt8, DType::kInt64, 0, 0).ok());
  ExpectError(run(DType::kInt16, DType::kInt64, 0, 0), "int16 input needs int8 filter");
  ExpectError(run(DType::kInt8, DType::kInt32, 0, 0), "expected int64");
  ExpectError(run(DType::kInt8, DType::kInt64, 3, 0), "need zero point 0");
  ExpectError(run(DType::kInt8, DType::kInt64, 0, -2), "need zero point 0");
}

}  // namespace
}  // namespace liteopt::ops
