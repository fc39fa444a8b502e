#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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
  o.depth_multiplier = g.out_c / g.in_c;
  o.activation = act;
  return o;
}

std::vector<int32_t> InShape(const ref::Geometry& g) { return {g.batches, g.in_h, g.in_w, g.in_c}; }
std::vector<int32_t> FilterShape(const ref::Geometry& g) { return {1, g.filter_h, g.filter_w, g.out_c}; }
std::vector<int32_t> OutShape(const ref::Geometry& g) { return {g.batches, g.out_h(), g.out_w(), g.out_c}; }
size_t InSize(const ref::Geometry& g) { return static_cast<size_t>(g.batches) * g.in_h * g.in_w * g.in_c; }
size_t FilterSize(const ref::Geometry& g) { return static_cast<size_t>(g.out_c) * g.filter_h * g.filter_w; }

// SAME/VALID x stride 1/2 x dilation 1/2 x depth_multiplier 1/2, batch 2.
std::vector<ref::Geometry> Geometries() {
  std::vector<ref::Geometry> gs;
  for (bool same : {true, false})
    for (int stride : {1, 2})
      for (int dilation : {1, 2})
        for (int multiplier : {1, 2}) {
          ref::Geometry g;
          g.batches = 2;
          g.in_h = 6;
          g.in_w = 7;
          g.in_c = 3;
          g.filter_h = 3;
          g.filter_w = 3;
          g.out_c = 3 * multiplier;
          g.stride_h = stride;
          g.stride_w = stride;
          g.dilation_h = dilation;
          g.dilation_w = dilation;
          g.same = same;
          gs.push_back(g);
        }
  return gs;
}

std::string Describe(const ref::Geometry& g) {
  return std::string(g.same ? "SAME" : "VALID") + " stride " + std::to_string(g.stride_h) + " dilation " +
         std::to_string(g.dilation_h) + " multiplier " + std::to_string(g.out_c / g.in_c);
}

TEST(DepthwiseConv2DFloat, HandComputedMultiplier2) {
  // Input 1x2x2x1 = [1 2; 3 4], 2x2 VALID filter, depth_multiplier 2: channel 0 sums all, channel 1 takes
  // the diagonal difference.
  ir::OpOptions o;
  o.padding = ir::Padding::kValid;
  o.depth_multiplier = 2;
  OpTester t(ir::OpType::DEPTHWISE_CONV_2D, o);
  t.AddInput<float>(DType::kFloat32, {1, 2, 2, 1}, {1, 2, 3, 4});
  t.AddInput<float>(DType::kFloat32, {1, 2, 2, 2}, {1, 1, 1, 0, 1, 0, 1, -1}, {}, true);
  t.AddInput<float>(DType::kFloat32, {2}, {0.5f, 0}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{1, 1, 1, 2}));
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{10.5f, 1 - 4}));
}

TEST(DepthwiseConv2DFloat, MatchesNaiveReferenceAcrossGeometries) {
  uint32_t seed = 1;
  for (const ref::Geometry& g : Geometries()) {
    for (bool with_bias : {true, false}) {
      SCOPED_TRACE(Describe(g) + (with_bias ? " bias" : " no bias"));
      const auto in = ref::RandomFloats(InSize(g), -2, 2, seed++);
      const auto w = ref::RandomFloats(FilterSize(g), -1, 1, seed++);
      const auto bias = ref::RandomFloats(g.out_c, -1, 1, seed++);
      OpTester t(ir::OpType::DEPTHWISE_CONV_2D, Options(g, ir::Activation::kReluN1To1));
      t.AddInput<float>(DType::kFloat32, InShape(g), in);
      t.AddInput<float>(DType::kFloat32, FilterShape(g), w, {}, true);
      if (with_bias) t.AddInput<float>(DType::kFloat32, {g.out_c}, bias, {}, true);
      const int out = t.AddOutput(DType::kFloat32);
      ASSERT_TRUE(t.Run().ok());
      ASSERT_EQ(t.OutputShape(out), OutShape(g));
      const auto expect = ref::Depthwise(g, ref::ToDouble(in), ref::ToDouble(w), std::vector<double>(g.batches, 0.0));
      const auto got = t.Output<float>(out);
      for (size_t i = 0; i < got.size(); ++i) {
        const double e = std::min(1.0, std::max(-1.0, expect[i] + (with_bias ? bias[i % g.out_c] : 0.0)));
        ASSERT_NEAR(got[i], e, 1e-5) << "index " << i;
      }
    }
  }
}

template <typename T>
void RunQuantized(const ref::Geometry& g, DType dtype, float in_scale, int in_zp, std::vector<float> filter_scales,
                  int filter_zp, float out_scale, int out_zp, ir::Activation act, uint32_t seed) {
  const int lo = dtype == DType::kInt8 ? -128 : 0, hi = dtype == DType::kInt8 ? 127 : 255;
  const auto in = ref::RandomInts<T>(InSize(g), lo, hi, seed);
  const auto w = ref::RandomInts<T>(FilterSize(g), dtype == DType::kInt8 ? -127 : 0, hi, seed + 1);
  const auto bias = ref::RandomInts<int32_t>(g.out_c, -2000, 2000, seed + 2);
  OpTester t(ir::OpType::DEPTHWISE_CONV_2D, Options(g, act));
  t.AddInput<T>(dtype, InShape(g), in, Quant(in_scale, in_zp));
  t.AddInput<T>(dtype, FilterShape(g), w,
                filter_scales.size() > 1 ? QuantPerAxis(filter_scales, 3) : Quant(filter_scales[0], filter_zp), true);
  t.AddInput<int32_t>(DType::kInt32, {g.out_c}, bias, Quant(in_scale * filter_scales[0], 0), true);
  const int out = t.AddOutput(dtype, Quant(out_scale, out_zp));
  Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(t.OutputShape(out), OutShape(g));
  const auto acc = ref::Depthwise(g, ref::ToDouble(in, -in_zp), ref::ToDouble(w, -filter_zp),
                                  std::vector<double>(g.batches, 0.0));
  int64_t act_min = lo, act_max = hi;
  if (act == ir::Activation::kRelu6) {
    act_min = std::max<int64_t>(lo, out_zp);
    act_max = std::min<int64_t>(hi, out_zp + std::lround(6.0f / out_scale));
  }
  const auto got = t.Output<T>(out);
  for (size_t i = 0; i < got.size(); ++i) {
    const int c = static_cast<int>(i % g.out_c);
    const float fs = filter_scales.size() > 1 ? filter_scales[c] : filter_scales[0];
    const double real = dtype == DType::kInt8 ? static_cast<double>(in_scale) * fs / out_scale
                                              : static_cast<double>(in_scale * fs) / out_scale;
    int32_t m;
    int shift;
    ref::Multiplier(real, &m, &shift);
    const int64_t a = static_cast<int64_t>(acc[i]) + bias[c];
    const int64_t scaled =
        ref::XnnpackMode() ? ref::RequantizeXnnpack(a, in_scale, fs, out_scale) : ref::Requantize(a, m, shift);
    const int64_t e = ref::Clamp(scaled + out_zp, act_min, act_max);
    ASSERT_EQ(static_cast<int64_t>(got[i]), e) << "index " << i << " acc " << a;
  }
}

TEST(DepthwiseConv2DInt8, PerChannelMatchesModelAcrossGeometries) {
  uint32_t seed = 100;
  for (const ref::Geometry& g : Geometries()) {
    for (int in_zp : {-128, 127}) {
      SCOPED_TRACE(Describe(g) + " in_zp " + std::to_string(in_zp));
      std::vector<float> scales;
      for (int c = 0; c < g.out_c; ++c) scales.push_back(0.003f * (c + 1));
      RunQuantized<int8_t>(g, DType::kInt8, 0.04f, in_zp, scales, 0, 0.05f, -20, ir::Activation::kNone, seed);
      seed += 3;
    }
  }
}

TEST(DepthwiseConv2DInt8, PerTensorRelu6AndSaturation) {
  RunQuantized<int8_t>(Geometries()[3], DType::kInt8, 0.05f, 3, {0.01f}, 0, 0.03f, -128, ir::Activation::kRelu6, 9);
  RunQuantized<int8_t>(Geometries()[6], DType::kInt8, 0.5f, 0, {0.05f}, 0, 0.004f, 0, ir::Activation::kNone, 19);
}

TEST(DepthwiseConv2DUInt8, MatchesModelWithFilterZeroPoints) {
  uint32_t seed = 300;
  for (int filter_zp : {0, 127, 255})
    for (int in_zp : {0, 255})
      for (const ref::Geometry& g : {Geometries()[1], Geometries()[14]}) {
        SCOPED_TRACE(Describe(g) + " filter_zp " + std::to_string(filter_zp) + " in_zp " + std::to_string(in_zp));
        RunQuantized<uint8_t>(g, DType::kUInt8, 0.02f, in_zp, {0.007f}, filter_zp, 0.09f, 128,
                              ir::Activation::kRelu6, seed);
        seed += 3;
      }
}

// The other tests run with the default numerics (XNNPACK requantization); this sweep checks the built-in one.
TEST(DepthwiseConv2DBuiltinNumerics, Int8AndUInt8MatchTheFixedPointModel) {
  ref::RequantModeScope mode(Numerics::kTfliteBuiltin);
  uint32_t seed = 900;
  for (const ref::Geometry& g : Geometries()) {
    SCOPED_TRACE(Describe(g));
    std::vector<float> scales;
    for (int c = 0; c < g.out_c; ++c) scales.push_back(0.003f * (c + 1));
    RunQuantized<int8_t>(g, DType::kInt8, 0.04f, -128, scales, 0, 0.05f, -20, ir::Activation::kNone, seed);
    RunQuantized<int8_t>(g, DType::kInt8, 0.05f, 3, {0.01f}, 0, 0.03f, -128, ir::Activation::kRelu6, seed + 3);
    RunQuantized<uint8_t>(g, DType::kUInt8, 0.02f, 255, {0.007f}, 255, 0.09f, 128, ir::Activation::kNone, seed + 6);
    seed += 9;
  }
}

TEST(DepthwiseConv2DQuantized, MultiplierPrecisionFollowsTfliteForEachDtype) {
  ref::RequantModeScope builtin(Numerics::kTfliteBuiltin);  // checks TFLite's fixed-point multiplier
  float in_scale, filter_scale, out_scale;
  int32_t acc;
  ASSERT_TRUE(ref::FindLegacyMultiplierCase(&in_scale, &filter_scale, &out_scale, &acc));
  int32_t m_float, m_double;
  int s_float, s_double;
  ref::Multiplier(static_cast<double>(in_scale * filter_scale) / out_scale, &m_float, &s_float);
  ref::Multiplier(static_cast<double>(in_scale) * filter_scale / out_scale, &m_double, &s_double);
  ir::OpOptions o;
  {
    OpTester t(ir::OpType::DEPTHWISE_CONV_2D, o);
    t.AddInput<uint8_t>(DType::kUInt8, {1, 1, 1, 1}, {9}, Quant(in_scale, 9));  // x = zp: acc = bias
    t.AddInput<uint8_t>(DType::kUInt8, {1, 1, 1, 1}, {200}, Quant(filter_scale, 128), true);
    t.AddInput<int32_t>(DType::kInt32, {1}, {acc}, Quant(in_scale * filter_scale, 0), true);
    const int out = t.AddOutput(DType::kUInt8, Quant(out_scale, 0));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<uint8_t>(out)[0], ref::Requantize(acc, m_float, s_float));
  }
  {
    OpTester t(ir::OpType::DEPTHWISE_CONV_2D, o);
    t.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 1}, {-9}, Quant(in_scale, -9));
    t.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 1}, {100}, Quant(filter_scale, 0), true);
    t.AddInput<int32_t>(DType::kInt32, {1}, {acc}, Quant(in_scale * filter_scale, 0), true);
    const int out = t.AddOutput(DType::kInt8, Quant(out_scale, 0));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<int8_t>(out)[0], ref::Requantize(acc, m_double, s_double));
  }
}

void RunHybrid(const ref::Geometry& g, const std::vector<float>& filter_scales, uint32_t seed) {
  const auto in = ref::RandomFloats(InSize(g), -1, 3, seed);
  const auto w = ref::RandomInts<int8_t>(FilterSize(g), -127, 127, seed + 1);
  const auto bias = ref::RandomFloats(g.out_c, -0.5f, 0.5f, seed + 2);
  OpTester t(ir::OpType::DEPTHWISE_CONV_2D, Options(g));
  t.AddInput<float>(DType::kFloat32, InShape(g), in);
  t.AddInput<int8_t>(DType::kInt8, FilterShape(g), w,
                     filter_scales.size() > 1 ? QuantPerAxis(filter_scales, 3) : Quant(filter_scales[0], 0), true);
  t.AddInput<float>(DType::kFloat32, {g.out_c}, bias, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  const int image = g.in_h * g.in_w * g.in_c;
  std::vector<double> centered(in.size()), half_step(in.size());
  std::vector<float> sf(g.batches);
  for (int b = 0; b < g.batches; ++b) {
    const ref::RowQuant rq = ref::AsymmetricRow(&in[b * image], image);
    sf[b] = rq.scale;
    for (int i = 0; i < image; ++i) {
      centered[b * image + i] = rq.q[i] - rq.zero_point;
      half_step[b * image + i] = 0.5 * rq.scale;
    }
  }
  const auto acc = ref::Depthwise(g, centered, ref::ToDouble(w), std::vector<double>(g.batches, 0.0));
  std::vector<double> wf(w.size()), abs_wf(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    wf[i] = w[i] * static_cast<double>(filter_scales.size() > 1 ? filter_scales[i % g.out_c] : filter_scales[0]);
    abs_wf[i] = std::fabs(wf[i]);
  }
  const auto real = ref::Depthwise(g, ref::ToDouble(in), wf, std::vector<double>(g.batches, 0.0));
  const auto bound = ref::Depthwise(g, half_step, abs_wf, std::vector<double>(g.batches, 0.0));
  const auto got = t.Output<float>(out);
  const size_t per_batch = got.size() / g.batches;
  for (size_t i = 0; i < got.size(); ++i) {
    const int c = static_cast<int>(i % g.out_c);
    const int b = static_cast<int>(i / per_batch);
    const float fs = filter_scales.size() > 1 ? filter_scales[c] : filter_scales[0];
    const float e = static_cast<float>(static_cast<int64_t>(acc[i])) * sf[b] * fs + bias[c];
    ASSERT_EQ(got[i], e) << "index " << i;  // same float operations in the same order: bit-exact
    ASSERT_NEAR(got[i], real[i] + bias[c], bound[i] * 1.001 + 1e-5) << "index " << i << " vs float depthwise";
  }
}

TEST(DepthwiseConv2DHybrid, QuantizesEachImageAsymmetrically) {
  uint32_t seed = 500;
  for (const ref::Geometry& g : Geometries()) {
    SCOPED_TRACE(Describe(g));
    std::vector<float> scales;
    for (int c = 0; c < g.out_c; ++c) scales.push_back(0.002f + 0.001f * c);
    RunHybrid(g, scales, seed);
    RunHybrid(g, {0.004f}, seed + 7);
    seed += 11;
  }
}

void ExpectError(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(DepthwiseConv2DPrepare, RejectsBadInputs) {
  auto run_float = [](std::vector<int32_t> in_shape, std::vector<int32_t> f_shape, ir::OpOptions o = {}) {
    OpTester t(ir::OpType::DEPTHWISE_CONV_2D, o);
    size_t in_n = 1, f_n = 1;
    for (int d : in_shape) in_n *= d;
    for (int d : f_shape) f_n *= d;
    t.AddInput<float>(DType::kFloat32, in_shape, std::vector<float>(in_n, 1.0f));
    t.AddInput<float>(DType::kFloat32, f_shape, std::vector<float>(f_n, 1.0f), {}, true);
    t.AddOutput(DType::kFloat32);
    return t.Run();
  };
  ExpectError(run_float({1, 4, 4, 2}, {2, 3, 3, 2}), "must be 4-D [1, H, W, C * depth_multiplier]");
  ExpectError(run_float({1, 4, 4, 2}, {1, 3, 3, 3}), "not a multiple of the 2 channels");
  ExpectError(run_float({4, 4, 2}, {1, 3, 3, 2}), "must be 4-D NHWC");
  ir::OpOptions valid;
  valid.padding = ir::Padding::kValid;
  valid.dilation_h = 3;
  ExpectError(run_float({1, 6, 6, 2}, {1, 3, 3, 2}, valid), "empty or invalid output for VALID");
  ir::OpOptions sign;
  sign.activation = ir::Activation::kSignBit;
  ExpectError(run_float({1, 4, 4, 2}, {1, 3, 3, 2}, sign), "fused activation");

  OpTester q(ir::OpType::DEPTHWISE_CONV_2D);
  q.AddInput<int8_t>(DType::kInt8, {1, 3, 3, 2}, std::vector<int8_t>(18, 1), Quant(0.1f, 0));
  q.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 4}, std::vector<int8_t>(4, 1), QuantPerAxis({0.1f, 0.1f, 0.1f, 0.1f}, 0),
                     true);
  q.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ExpectError(q.Run(), "quantized per axis along dimension 0, expected dimension 3");

  OpTester q2(ir::OpType::DEPTHWISE_CONV_2D);
  q2.AddInput<int8_t>(DType::kInt8, {1, 3, 3, 2}, std::vector<int8_t>(18, 1), Quant(0.1f, 0));
  q2.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 4}, std::vector<int8_t>(4, 1), QuantPerAxis({0.1f, 0.1f, 0.1f}, 3),
                      true);
  q2.AddInput<int32_t>(DType::kInt32, {4}, {0, 0, 0, 0}, {}, true);
  q2.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ExpectError(q2.Run(), "has 3 per-channel scales, expected 4");

  ir::OpOptions wrong_multiplier;
  wrong_multiplier.depth_multiplier = 1;
  OpTester h(ir::OpType::DEPTHWISE_CONV_2D, wrong_multiplier);
  h.AddInput<float>(DType::kFloat32, {1, 3, 3, 2}, std::vector<float>(18, 1));
  h.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 4}, std::vector<int8_t>(4, 1), QuantPerAxis({0.1f, 0.1f, 0.1f, 0.1f}, 3),
                     true);
  h.AddOutput(DType::kFloat32);
  ExpectError(h.Run(), "disagrees with the shapes");
}

// int16x8: int16 input and output (zero point 0), per-channel int8 weights along dimension 3, int64 bias, against
// the independent model and within 1 LSB of real arithmetic when not clamped.
TEST(DepthwiseConv2DInt16x8, MatchesModelAcrossGeometries) {
  uint32_t seed = 1700;
  const float in_scale = 0.0009f, out_scale = 0.0015f;
  for (const ref::Geometry& g : Geometries()) {
    for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu6}) {
      SCOPED_TRACE(Describe(g) + " activation " + std::string(ir::ActivationName(act)) + " seed " +
                   std::to_string(seed));
      std::vector<float> filter_scales, bias_scales;
      for (int c = 0; c < g.out_c; ++c) {
        filter_scales.push_back(0.004f + 0.003f * static_cast<float>(c));
        bias_scales.push_back(in_scale * filter_scales.back());
      }
      const auto in = ref::RandomInts<int16_t>(InSize(g), -32768, 32767, seed);
      const auto w = ref::RandomInts<int8_t>(FilterSize(g), -127, 127, seed + 1);
      const auto bias = ref::RandomInts<int64_t>(g.out_c, -2000000, 2000000, seed + 2);
      seed += 3;
      OpTester t(ir::OpType::DEPTHWISE_CONV_2D, Options(g, act));
      t.AddInput<int16_t>(DType::kInt16, InShape(g), in, Quant(in_scale, 0));
      t.AddInput<int8_t>(DType::kInt8, FilterShape(g), w, QuantPerAxis(filter_scales, 3), true);
      t.AddInput<int64_t>(DType::kInt64, {g.out_c}, bias, QuantPerAxis(bias_scales, 0), true);
      const int out = t.AddOutput(DType::kInt16, Quant(out_scale, 0));
      const Status st = t.Run();
      ASSERT_TRUE(st.ok()) << st.message();
      ASSERT_EQ(t.OutputShape(out), OutShape(g));
      const auto acc = ref::Depthwise(g, ref::ToDouble(in), ref::ToDouble(w), std::vector<double>(g.batches, 0.0));
      ref::ExpectOutputs16x8(t.Output<int16_t>(out), acc, bias, in_scale, filter_scales, out_scale, act);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(DepthwiseConv2DInt16x8, RejectsInt32BiasAndZeroPoints) {
  auto run = [](DType bias_dtype, int out_zp) {
    OpTester t(ir::OpType::DEPTHWISE_CONV_2D);
    t.AddInput<int16_t>(DType::kInt16, {1, 3, 3, 2}, std::vector<int16_t>(18, 1), Quant(0.1f, 0));
    t.AddInput<int8_t>(DType::kInt8, {1, 1, 1, 2}, {1, 1}, QuantPerAxis({0.1f, 0.1f}, 3), true);
    if (bias_dtype == DType::kInt64)
      t.AddInput<int64_t>(DType::kInt64, {2}, {0, 0}, {}, true);
    else
      t.AddInput<int32_t>(DType::kInt32, {2}, {0, 0}, {}, true);
    t.AddOutput(DType::kInt16, Quant(0.1f, out_zp));
    return t.Run();
  };
  EXPECT_TRUE(run(DType::kInt64, 0).ok());
  ExpectError(run(DType::kInt32, 0), "expected int64");
  ExpectError(run(DType::kInt64, 5), "need zero point 0");
}

}  // namespace
}  // namespace liteopt::ops
