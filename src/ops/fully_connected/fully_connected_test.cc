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

ir::OpOptions Options(ir::Activation act = ir::Activation::kNone, bool keep_num_dims = false,
                      bool asymmetric = false) {
  ir::OpOptions o;
  o.activation = act;
  o.keep_num_dims = keep_num_dims;
  o.asymmetric_quantize_inputs = asymmetric;
  return o;
}

// Naive y[b][u] = sum_d x[b][d] * w[u][d] in double.
std::vector<double> MatMul(const std::vector<double>& x, const std::vector<double>& w, int batches, int depth,
                           int units) {
  std::vector<double> y(static_cast<size_t>(batches) * units, 0.0);
  for (int b = 0; b < batches; ++b)
    for (int u = 0; u < units; ++u)
      for (int d = 0; d < depth; ++d) y[b * units + u] += x[b * depth + d] * w[u * depth + d];
  return y;
}

TEST(FullyConnectedFloat, HandComputed) {
  OpTester t(ir::OpType::FULLY_CONNECTED, Options(ir::Activation::kRelu));
  t.AddInput<float>(DType::kFloat32, {2, 3}, {1, 2, 3, -1, -2, -3});
  t.AddInput<float>(DType::kFloat32, {2, 3}, {1, 0, 1, 0.5f, 0.5f, 0.5f}, {}, true);
  t.AddInput<float>(DType::kFloat32, {2}, {0.25f, -1}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{2, 2}));
  // Row 0: 1+3+0.25 = 4.25, 3-1 = 2. Row 1: -4+0.25 -> relu 0, -3-1 -> 0.
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{4.25f, 2.0f, 0.0f, 0.0f}));
}

TEST(FullyConnectedFloat, FlattensHigherRankInputAndKeepsDims) {
  const auto x = ref::RandomFloats(2 * 3 * 8, -1, 1, 1);
  const auto w = ref::RandomFloats(5 * 8, -1, 1, 2);
  const auto expect = MatMul(ref::ToDouble(x), ref::ToDouble(w), 6, 8, 5);
  for (bool keep : {false, true}) {
    for (int bias_mode = 0; bias_mode < 3; ++bias_mode) {
      SCOPED_TRACE(std::string(keep ? "keep_num_dims" : "flatten") + " bias_mode " + std::to_string(bias_mode));
      OpTester t(ir::OpType::FULLY_CONNECTED, Options(ir::Activation::kNone, keep));
      t.AddInput<float>(DType::kFloat32, {2, 3, 8}, x);
      t.AddInput<float>(DType::kFloat32, {5, 8}, w, {}, true);
      const std::vector<float> bias{0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
      if (bias_mode == 0) t.AddInput<float>(DType::kFloat32, {5}, bias, {}, true);
      if (bias_mode == 2) t.AddAbsentInput();
      const int out = t.AddOutput(DType::kFloat32);
      ASSERT_TRUE(t.Run().ok());
      EXPECT_EQ(t.OutputShape(out), keep ? (std::vector<int32_t>{2, 3, 5}) : (std::vector<int32_t>{6, 5}));
      const auto got = t.Output<float>(out);
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], expect[i] + (bias_mode == 0 ? bias[i % 5] : 0.0), 1e-5) << i;
    }
  }
  // keep_num_dims false: [2, 12] input with 4-wide weights is read as 6 rows of 4.
  OpTester t(ir::OpType::FULLY_CONNECTED, Options());
  t.AddInput<float>(DType::kFloat32, {2, 12}, std::vector<float>(24, 1.0f));
  t.AddInput<float>(DType::kFloat32, {3, 4}, std::vector<float>(12, 0.5f), {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.OutputShape(out), (std::vector<int32_t>{6, 3}));
  for (float v : t.Output<float>(out)) EXPECT_EQ(v, 2.0f);
}

template <typename T>
void RunQuantized(DType dtype, int batches, int depth, int units, float in_scale, int in_zp,
                  std::vector<float> filter_scales, int filter_zp, float out_scale, int out_zp, ir::Activation act,
                  uint32_t seed) {
  const int lo = dtype == DType::kInt8 ? -128 : 0, hi = dtype == DType::kInt8 ? 127 : 255;
  const auto x = ref::RandomInts<T>(static_cast<size_t>(batches) * depth, lo, hi, seed);
  const auto w = ref::RandomInts<T>(static_cast<size_t>(units) * depth, dtype == DType::kInt8 ? -127 : 0, hi, seed + 1);
  const auto bias = ref::RandomInts<int32_t>(units, -5000, 5000, seed + 2);
  OpTester t(ir::OpType::FULLY_CONNECTED, Options(act));
  t.AddInput<T>(dtype, {batches, depth}, x, Quant(in_scale, in_zp));
  t.AddInput<T>(dtype, {units, depth}, w,
                filter_scales.size() > 1 ? QuantPerAxis(filter_scales, 0) : Quant(filter_scales[0], filter_zp), true);
  t.AddInput<int32_t>(DType::kInt32, {units}, bias, Quant(in_scale * filter_scales[0], 0), true);
  const int out = t.AddOutput(dtype, Quant(out_scale, out_zp));
  Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  const auto acc = MatMul(ref::ToDouble(x, -in_zp), ref::ToDouble(w, -filter_zp), batches, depth, units);
  int64_t act_min = lo, act_max = hi;
  if (act == ir::Activation::kReluN1To1) {
    act_min = std::max<int64_t>(lo, out_zp + std::lround(-1.0f / out_scale));
    act_max = std::min<int64_t>(hi, out_zp + std::lround(1.0f / out_scale));
  }
  const auto got = t.Output<T>(out);
  for (size_t i = 0; i < got.size(); ++i) {
    const int u = static_cast<int>(i % units);
    // Per-channel: double product; per-tensor (legacy): product of the float scales.
    const double real = filter_scales.size() > 1 ? static_cast<double>(in_scale) * filter_scales[u] / out_scale
                                                 : static_cast<double>(in_scale * filter_scales[0]) / out_scale;
    int32_t m;
    int shift;
    ref::Multiplier(real, &m, &shift);
    const int64_t a = static_cast<int64_t>(acc[i]) + bias[u];
    // XNNPACK's int8 path takes only symmetric weights; otherwise TFLite's built-in kernel runs.
    const bool xnn = ref::XnnpackMode() && (dtype == DType::kUInt8 || filter_zp == 0);
    const float fs = filter_scales.size() > 1 ? filter_scales[u] : filter_scales[0];
    const int64_t scaled = xnn ? ref::RequantizeXnnpack(a, in_scale, fs, out_scale) : ref::Requantize(a, m, shift);
    const int64_t e = ref::Clamp(scaled + out_zp, act_min, act_max);
    ASSERT_EQ(static_cast<int64_t>(got[i]), e) << "index " << i << " acc " << a;
  }
}

TEST(FullyConnectedInt8, PerTensorMatchesModel) {
  uint32_t seed = 10;
  for (int in_zp : {-128, 0, 127})
    for (int filter_zp : {0, 3}) {
      SCOPED_TRACE("in_zp " + std::to_string(in_zp) + " filter_zp " + std::to_string(filter_zp));
      RunQuantized<int8_t>(DType::kInt8, 3, 37, 5, 0.03f, in_zp, {0.007f}, filter_zp, 0.2f, -5,
                           ir::Activation::kNone, seed);
      seed += 3;
    }
}

TEST(FullyConnectedInt8, PerChannelMatchesModel) {
  RunQuantized<int8_t>(DType::kInt8, 4, 64, 6, 0.02f, 9, {0.001f, 0.002f, 0.004f, 0.008f, 0.0005f, 0.003f}, 0, 0.1f,
                       0, ir::Activation::kNone, 40);
}

TEST(FullyConnectedInt8, ReluN1To1AndSaturation) {
  RunQuantized<int8_t>(DType::kInt8, 2, 16, 8, 0.05f, 0, {0.02f}, 0, 0.01f, 0, ir::Activation::kReluN1To1, 50);
  RunQuantized<int8_t>(DType::kInt8, 2, 16, 8, 0.5f, 0, {0.05f}, 0, 0.001f, 0, ir::Activation::kNone, 60);
}

TEST(FullyConnectedInt8, PerTensorMultiplierUsesFloatScaleProduct) {
  ref::RequantModeScope builtin(Numerics::kTfliteBuiltin);  // checks TFLite's fixed-point multiplier
  float in_scale, filter_scale, out_scale;
  int32_t acc;
  ASSERT_TRUE(ref::FindLegacyMultiplierCase(&in_scale, &filter_scale, &out_scale, &acc));
  // x = zero point so the dot product is 0 and the accumulator is the bias.
  OpTester t(ir::OpType::FULLY_CONNECTED, Options());
  t.AddInput<int8_t>(DType::kInt8, {1, 1}, {-7}, Quant(in_scale, -7));
  t.AddInput<int8_t>(DType::kInt8, {1, 1}, {1}, Quant(filter_scale, 0), true);
  t.AddInput<int32_t>(DType::kInt32, {1}, {acc}, Quant(in_scale * filter_scale, 0), true);
  const int out = t.AddOutput(DType::kInt8, Quant(out_scale, 0));
  ASSERT_TRUE(t.Run().ok());
  int32_t m;
  int shift;
  ref::Multiplier(static_cast<double>(in_scale * filter_scale) / out_scale, &m, &shift);
  EXPECT_EQ(t.Output<int8_t>(out)[0], ref::Clamp(ref::Requantize(acc, m, shift), -128, 127));
  int32_t m_double;
  int shift_double;
  ref::Multiplier(static_cast<double>(in_scale) * filter_scale / out_scale, &m_double, &shift_double);
  EXPECT_NE(ref::Requantize(acc, m, shift), ref::Requantize(acc, m_double, shift_double));
}

TEST(FullyConnectedXnnpackMode, TiesRoundToEvenInsteadOfUpward) {
  // scale = 1 * 0.5 / 1: accumulators 5, -3, 7, -5 land exactly on .5.
  // TFLite: 3, -1, 4, -2 (ties toward +inf). XNNPACK: 2, -2, 4, -2 (ties to even).
  for (bool xnnpack : {false, true}) {
    ref::RequantModeScope mode(xnnpack ? Numerics::kTfliteRuntime : Numerics::kTfliteBuiltin);
    OpTester t(ir::OpType::FULLY_CONNECTED, Options());
    t.AddInput<int8_t>(DType::kInt8, {1, 1}, {4}, Quant(1.0f, 4));  // x = zp: acc = bias
    t.AddInput<int8_t>(DType::kInt8, {4, 1}, {1, 2, 3, 4}, Quant(0.5f, 0), true);
    t.AddInput<int32_t>(DType::kInt32, {4}, {5, -3, 7, -5}, Quant(0.5f, 0), true);
    const int out = t.AddOutput(DType::kInt8, Quant(1.0f, 0));
    ASSERT_TRUE(t.Run().ok());
    EXPECT_EQ(t.Output<int8_t>(out), xnnpack ? (std::vector<int8_t>{2, -2, 4, -2}) : (std::vector<int8_t>{3, -1, 4, -2}));
  }
}

// The other tests run with the default numerics (XNNPACK requantization); this sweep checks the built-in one.
TEST(FullyConnectedBuiltinNumerics, MatchesTheFixedPointModel) {
  ref::RequantModeScope mode(Numerics::kTfliteBuiltin);
  RunQuantized<int8_t>(DType::kInt8, 3, 37, 5, 0.03f, -128, {0.007f}, 0, 0.2f, -5, ir::Activation::kNone, 910);
  RunQuantized<int8_t>(DType::kInt8, 3, 37, 5, 0.03f, 127, {0.007f}, 3, 0.2f, -5, ir::Activation::kNone, 920);
  RunQuantized<int8_t>(DType::kInt8, 4, 64, 6, 0.02f, 9, {0.001f, 0.002f, 0.004f, 0.008f, 0.0005f, 0.003f}, 0, 0.1f,
                       0, ir::Activation::kReluN1To1, 930);
  RunQuantized<uint8_t>(DType::kUInt8, 2, 50, 7, 0.00390625f, 255, {0.0051f}, 128, 0.06f, 128, ir::Activation::kNone,
                        940);
}

TEST(FullyConnectedUInt8, MatchesModelWithWeightZeroPoints) {
  uint32_t seed = 70;
  for (int filter_zp : {0, 128, 255})
    for (int in_zp : {0, 255}) {
      SCOPED_TRACE("filter_zp " + std::to_string(filter_zp) + " in_zp " + std::to_string(in_zp));
      RunQuantized<uint8_t>(DType::kUInt8, 2, 50, 7, 0.00390625f, in_zp, {0.0051f}, filter_zp, 0.06f, 128,
                            ir::Activation::kNone, seed);
      seed += 3;
    }
}

TEST(FullyConnectedHybrid, HandComputedSymmetricRowRoundsHalfAwayFromZero) {
  // Row [1, -0.5]: range 1, scaling factor 1/127, q = [127, round(-63.5) = -64].
  // dot with [127, -64] = 16129 + 4096 = 20225; out = 20225 * (1/127 * 0.01) = 1.5925...
  OpTester t(ir::OpType::FULLY_CONNECTED, Options());
  t.AddInput<float>(DType::kFloat32, {1, 2}, {1.0f, -0.5f});
  t.AddInput<int8_t>(DType::kInt8, {1, 2}, {127, -64}, Quant(0.01f, 0), true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  const float sf = (1.0f / 127.0f) * 0.01f;
  EXPECT_EQ(t.Output<float>(out)[0], 20225.0f * sf);
  EXPECT_NEAR(t.Output<float>(out)[0], 1.0 * 1.27 + (-0.5) * (-0.64), 0.01);
}

TEST(FullyConnectedHybrid, SymmetricQuantizationMultipliesByTheFloatInverse) {
  // TFLite computes q = round(x * (127 / range)), not round(x / (range / 127)); find an input where the two
  // differ and check the kernel follows the former.
  float range = 0, inv = 0, sf = 0, x = 0;
  for (float r : {1.7f, 0.3f, 2.9f, 5.3f, 0.77f, 3.1f}) {
    const float i = 127.0f / r, f = r / 127.0f;
    // Candidates: a few ulps around each rounding boundary (k + 0.5) * f.
    for (int k = 0; k < 127 && x == 0; ++k) {
      float c = (k + 0.5f) * f;
      for (int step = 0; step < 8; ++step, c = std::nextafter(c, 0.0f))
        if (std::lround(c * i) != std::lround(c / f)) x = c;
    }
    if (x != 0) {
      range = r, inv = i, sf = f;
      break;
    }
  }
  ASSERT_NE(x, 0.0f) << "no distinguishing input found";
  OpTester t(ir::OpType::FULLY_CONNECTED, Options());
  t.AddInput<float>(DType::kFloat32, {1, 2}, {range, x});
  t.AddInput<int8_t>(DType::kInt8, {1, 2}, {0, 1}, Quant(1.0f, 0), true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(out)[0], static_cast<float>(std::lround(x * inv)) * (sf * 1.0f));
}

void RunHybrid(int batches, int depth, int units, const std::vector<float>& filter_scales, bool asymmetric,
               ir::Activation act, uint32_t seed) {
  const auto x = ref::RandomFloats(static_cast<size_t>(batches) * depth, -2, 5, seed);
  const auto w = ref::RandomInts<int8_t>(static_cast<size_t>(units) * depth, -127, 127, seed + 1);
  const auto bias = ref::RandomFloats(units, -1, 1, seed + 2);
  OpTester t(ir::OpType::FULLY_CONNECTED, Options(act, false, asymmetric));
  t.AddInput<float>(DType::kFloat32, {batches, depth}, x);
  t.AddInput<int8_t>(DType::kInt8, {units, depth}, w,
                     filter_scales.size() > 1 ? QuantPerAxis(filter_scales, 0) : Quant(filter_scales[0], 0), true);
  t.AddInput<float>(DType::kFloat32, {units}, bias, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  const auto got = t.Output<float>(out);
  for (int b = 0; b < batches; ++b) {
    const ref::RowQuant rq = asymmetric ? ref::AsymmetricRow(&x[b * depth], depth) : ref::SymmetricRow(&x[b * depth], depth);
    for (int u = 0; u < units; ++u) {
      int64_t dot = 0;
      double real = 0, bound = 0;
      for (int d = 0; d < depth; ++d) {
        dot += static_cast<int64_t>(w[u * depth + d]) * (rq.q[d] - rq.zero_point);
        const double fs = filter_scales.size() > 1 ? filter_scales[u] : filter_scales[0];
        real += x[b * depth + d] * (w[u * depth + d] * fs);
        bound += std::fabs(w[u * depth + d] * fs) * 0.5 * rq.scale;
      }
      const float scale = filter_scales.size() > 1 ? rq.scale * filter_scales[u] : rq.scale * filter_scales[0];
      float e = bias[u] + static_cast<float>(dot) * scale;
      double r = real + bias[u];
      if (act == ir::Activation::kRelu) {
        e = std::max(0.0f, e);
        r = std::max(0.0, r);
      }
      const float g = got[b * units + u];
      ASSERT_EQ(g, e) << "batch " << b << " unit " << u;  // same float operations: bit-exact
      ASSERT_NEAR(g, r, bound * 1.001 + 1e-5) << "batch " << b << " unit " << u << " vs float";
    }
  }
}

TEST(FullyConnectedHybrid, SymmetricPerTensorAndPerChannel) {
  RunHybrid(3, 40, 6, {0.01f}, false, ir::Activation::kNone, 100);
  RunHybrid(3, 40, 6, {0.01f, 0.02f, 0.005f, 0.01f, 0.03f, 0.001f}, false, ir::Activation::kRelu, 110);
}

TEST(FullyConnectedHybrid, AsymmetricInputsUseZeroPointAndRowSums) {
  RunHybrid(3, 40, 6, {0.01f}, true, ir::Activation::kNone, 120);
  RunHybrid(4, 33, 5, {0.01f, 0.02f, 0.005f, 0.03f, 0.001f}, true, ir::Activation::kRelu, 130);
}

TEST(FullyConnectedHybrid, AsymmetricDiffersFromSymmetricOnSkewedRow) {
  // All-positive row: asymmetric quantization uses the full [-128, 127] range and must not equal symmetric.
  std::vector<float> outs;
  for (bool asym : {false, true}) {
    OpTester t(ir::OpType::FULLY_CONNECTED, Options(ir::Activation::kNone, false, asym));
    t.AddInput<float>(DType::kFloat32, {1, 4}, {0.1f, 0.37f, 0.52f, 1.0f});
    t.AddInput<int8_t>(DType::kInt8, {1, 4}, {100, -50, 77, 3}, Quant(0.01f, 0), true);
    const int out = t.AddOutput(DType::kFloat32);
    ASSERT_TRUE(t.Run().ok());
    outs.push_back(t.Output<float>(out)[0]);
  }
  EXPECT_NE(outs[0], outs[1]);
  const double exact = (0.1 * 100 - 0.37 * 50 + 0.52 * 77 + 1.0 * 3) * 0.01;
  EXPECT_NEAR(outs[0], exact, 0.01);
  EXPECT_NEAR(outs[1], exact, 0.01);
}

void ExpectError(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(FullyConnectedPrepare, RejectsBadInputs) {
  auto run_float = [](std::vector<int32_t> in_shape, std::vector<int32_t> w_shape, ir::OpOptions o = {},
                      int bias = -1) {
    OpTester t(ir::OpType::FULLY_CONNECTED, o);
    size_t in_n = 1, w_n = 1;
    for (int d : in_shape) in_n *= d;
    for (int d : w_shape) w_n *= d;
    t.AddInput<float>(DType::kFloat32, in_shape, std::vector<float>(in_n, 1.0f));
    t.AddInput<float>(DType::kFloat32, w_shape, std::vector<float>(w_n, 1.0f), {}, true);
    if (bias >= 0) t.AddInput<float>(DType::kFloat32, {bias}, std::vector<float>(bias, 0.0f), {}, true);
    t.AddOutput(DType::kFloat32);
    return t.Run();
  };
  ExpectError(run_float({2, 8}, {3, 8, 1}), "must be 2-D [units, input_depth]");
  ExpectError(run_float({2, 7}, {3, 8}), "cannot be split into rows of 8");
  ExpectError(run_float({2, 8}, {3, 8}, {}, 4), "expected 3 elements");
  ExpectError(run_float({4, 4}, {3, 8}, Options(ir::Activation::kNone, true)), "keep_num_dims");
  ExpectError(run_float({2, 8}, {3, 8}, Options(ir::Activation::kTanh)), "fused activation");
  ir::OpOptions shuffled;
  shuffled.weights_format = 1;
  ExpectError(run_float({2, 8}, {3, 8}, shuffled), "shuffled");

  OpTester q(ir::OpType::FULLY_CONNECTED);
  q.AddInput<int8_t>(DType::kInt8, {1, 4}, {1, 2, 3, 4}, Quant(0.1f, 0));
  q.AddInput<int8_t>(DType::kInt8, {2, 4}, std::vector<int8_t>(8, 1), QuantPerAxis({0.1f, 0.1f, 0.1f}, 0), true);
  q.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ExpectError(q.Run(), "has 3 per-channel scales, expected 2");

  OpTester bias_scale(ir::OpType::FULLY_CONNECTED);
  bias_scale.AddInput<int8_t>(DType::kInt8, {1, 4}, {1, 2, 3, 4}, Quant(0.1f, 0));
  bias_scale.AddInput<int8_t>(DType::kInt8, {2, 4}, std::vector<int8_t>(8, 1), Quant(0.1f, 0), true);
  bias_scale.AddInput<int32_t>(DType::kInt32, {2}, {0, 0}, Quant(0.5f, 0), true);
  bias_scale.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ExpectError(bias_scale.Run(), "does not match input_scale * filter_scale");

  OpTester mixed(ir::OpType::FULLY_CONNECTED);
  mixed.AddInput<int8_t>(DType::kInt8, {1, 4}, {1, 2, 3, 4}, Quant(0.1f, 0));
  mixed.AddInput<uint8_t>(DType::kUInt8, {2, 4}, std::vector<uint8_t>(8, 1), Quant(0.1f, 0), true);
  mixed.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ExpectError(mixed.Run(), "int8 input needs int8 weights");

  OpTester hybrid_zp(ir::OpType::FULLY_CONNECTED);
  hybrid_zp.AddInput<float>(DType::kFloat32, {1, 4}, {1, 2, 3, 4});
  hybrid_zp.AddInput<int8_t>(DType::kInt8, {2, 4}, std::vector<int8_t>(8, 1), Quant(0.1f, 5), true);
  hybrid_zp.AddOutput(DType::kFloat32);
  ExpectError(hybrid_zp.Run(), "must be symmetric");

  OpTester hybrid_out(ir::OpType::FULLY_CONNECTED);
  hybrid_out.AddInput<float>(DType::kFloat32, {1, 4}, {1, 2, 3, 4});
  hybrid_out.AddInput<int8_t>(DType::kInt8, {2, 4}, std::vector<int8_t>(8, 1), Quant(0.1f, 0), true);
  hybrid_out.AddOutput(DType::kInt8, Quant(0.1f, 0));
  ExpectError(hybrid_out.Run(), "expected float32");
}

// int16x8: int16 input and output (zero point 0), int8 weights (one scale: the legacy multiplier from the float
// scale product; one per unit: double products), int64 bias, against the independent model.
void RunInt16x8(const std::vector<float>& weight_scales, ir::Activation act, uint32_t seed) {
  const int batches = 3, depth = 37, units = 5;
  const float in_scale = 0.0011f, out_scale = 0.004f;
  const auto x = ref::RandomInts<int16_t>(static_cast<size_t>(batches) * depth, -32768, 32767, seed);
  const auto w = ref::RandomInts<int8_t>(static_cast<size_t>(units) * depth, -127, 127, seed + 1);
  const auto bias = ref::RandomInts<int64_t>(units, -5000000, 5000000, seed + 2);
  const bool per_unit = weight_scales.size() > 1;
  std::vector<float> bias_scales;
  for (int u = 0; u < units; ++u) bias_scales.push_back(in_scale * weight_scales[per_unit ? u : 0]);
  OpTester t(ir::OpType::FULLY_CONNECTED, Options(act));
  t.AddInput<int16_t>(DType::kInt16, {batches, depth}, x, Quant(in_scale, 0));
  t.AddInput<int8_t>(DType::kInt8, {units, depth}, w,
                     per_unit ? QuantPerAxis(weight_scales, 0) : Quant(weight_scales[0], 0), true);
  t.AddInput<int64_t>(DType::kInt64, {units}, bias,
                      per_unit ? QuantPerAxis(bias_scales, 0) : Quant(bias_scales[0], 0), true);
  const int out = t.AddOutput(DType::kInt16, Quant(out_scale, 0));
  const Status st = t.Run();
  ASSERT_TRUE(st.ok()) << st.message();
  const auto acc = MatMul(ref::ToDouble(x), ref::ToDouble(w), batches, depth, units);
  const int64_t act_min = act == ir::Activation::kNone ? -32768 : 0;
  const auto got = t.Output<int16_t>(out);
  for (size_t i = 0; i < got.size(); ++i) {
    const int u = static_cast<int>(i % units);
    double real;
    const int64_t a = static_cast<int64_t>(acc[i]) + bias[u];
    const int64_t e = ref::Expected16x8(a, in_scale, weight_scales[per_unit ? u : 0], out_scale, act_min, 32767,
                                        &real, /*legacy=*/!per_unit);
    ASSERT_EQ(static_cast<int64_t>(got[i]), e) << "index " << i << " acc " << a;
    ASSERT_LE(std::fabs(static_cast<double>(e) - ref::Clamp(std::llround(real), act_min, 32767)), 1.0) << i;
  }
}

TEST(FullyConnectedInt16x8, PerTensorAndPerChannelMatchModel) {
  RunInt16x8({0.0031f}, ir::Activation::kNone, 1800);
  RunInt16x8({0.0031f}, ir::Activation::kRelu, 1810);
  RunInt16x8({0.002f, 0.0045f, 0.001f, 0.007f, 0.0033f}, ir::Activation::kNone, 1820);
}

}  // namespace
}  // namespace liteopt::ops
