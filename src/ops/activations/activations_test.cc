// RELU family, LEAKY_RELU, PRELU, HARD_SWISH, LOGISTIC, TANH, EXP, SOFTMAX. Float expectations come from the
// plain formulas; quantized ones from int64/float models written here, or from outputs recorded from the
// official TFLite runtime (@tensorflow/tfjs-tflite 0.0.1-alpha.10) on the same inputs ("golden").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "ops/testing/op_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// TFLite's MultiplyByQuantizedMultiplier (double rounding) with the multiplier given as a real number.
int64_t TfliteMbqm(int64_t x, double real_multiplier) {
  int e;
  const double q = std::frexp(real_multiplier, &e);
  int64_t m = std::llround(q * 2147483648.0);
  if (m == (int64_t{1} << 31)) {
    m /= 2;
    ++e;
  }
  if (e > 0) x *= int64_t{1} << e;
  const int64_t prod = x * m;
  const int64_t high = (prod + (prod >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30))) / (int64_t{1} << 31);
  if (e >= 0) return high;
  const int64_t d = int64_t{1} << (-e);
  const int64_t fl = FloorDiv(high, d);
  const int64_t rem = high - fl * d;
  return 2 * rem > d || (2 * rem == d && high > 0) ? fl + 1 : fl;
}

template <typename T>
std::vector<T> AllValues() {
  std::vector<T> v;
  for (int i = std::numeric_limits<T>::min(); i <= std::numeric_limits<T>::max(); ++i) v.push_back(static_cast<T>(i));
  return v;
}

template <typename T>
std::vector<T> RunUnary(ir::OpType op, DType dt, const std::vector<T>& x, ir::QuantParams qi, ir::QuantParams qo,
                        ir::OpOptions o = {}, Status* status = nullptr) {
  OpTester t(op, o);
  t.AddInput<T>(dt, {1, static_cast<int32_t>(x.size())}, x, std::move(qi));
  const int out = t.AddOutput(dt, std::move(qo));
  const Status st = t.Run();
  if (status) *status = st;
  else EXPECT_TRUE(st.ok()) << st.message();
  return st.ok() ? t.Output<T>(out) : std::vector<T>{};
}

TEST(ElemActivation, ReluFamilyFloat) {
  const std::vector<float> x = {-7.5f, -1.0f, -0.25f, 0.0f, 0.5f, 1.0f, 5.5f, 6.0f, 9.0f};
  EXPECT_EQ(RunUnary(ir::OpType::RELU, DType::kFloat32, x, {}, {}),
            (std::vector<float>{0, 0, 0, 0, 0.5f, 1, 5.5f, 6, 9}));
  EXPECT_EQ(RunUnary(ir::OpType::RELU6, DType::kFloat32, x, {}, {}),
            (std::vector<float>{0, 0, 0, 0, 0.5f, 1, 5.5f, 6, 6}));
  EXPECT_EQ(RunUnary(ir::OpType::RELU_N1_TO_1, DType::kFloat32, x, {}, {}),
            (std::vector<float>{-1, -1, -0.25f, 0, 0.5f, 1, 1, 1, 1}));
  EXPECT_EQ(RunUnary(ir::OpType::RELU_0_TO_1, DType::kFloat32, x, {}, {}),
            (std::vector<float>{0, 0, 0, 0, 0.5f, 1, 1, 1, 1}));
}

TEST(ElemActivation, Relu6Int8RequantizesAndClamps) {
  // s_in 0.05 zp -10 -> s_out 0.03 zp -128: q_out = -128 + MBQM(q + 10, 0.05 / 0.03), clamped to
  // [-128, -128 + round(6 / 0.03) = 72].
  const auto x = AllValues<int8_t>();
  const auto y = RunUnary(ir::OpType::RELU6, DType::kInt8, x, Quant(0.05f, -10), Quant(0.03f, -128));
  ASSERT_EQ(y.size(), 256u);
  const double m = static_cast<double>(0.05f / 0.03f);
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(y[i], std::clamp<int64_t>(-128 + TfliteMbqm(x[i] + 10, m), -128, 72)) << "q=" << int{x[i]};
  EXPECT_EQ(y[0], -128);
  EXPECT_EQ(y[255], 72);
}

TEST(ElemActivation, ReluUInt8ZeroPointExtremes) {
  const auto x = AllValues<uint8_t>();
  const auto y = RunUnary(ir::OpType::RELU, DType::kUInt8, x, Quant(0.02f, 255), Quant(0.01f, 0));
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(y[i], 0) << i;  // every input is <= 0 in real terms
  const auto z = RunUnary(ir::OpType::RELU, DType::kUInt8, x, Quant(0.02f, 0), Quant(0.05f, 0));
  for (int i = 0; i < 256; ++i) ASSERT_EQ(z[i], std::clamp<int64_t>(TfliteMbqm(i, 0.02f / 0.05f), 0, 255)) << i;
}

TEST(ElemActivation, LeakyReluFloatAndInt8) {
  ir::OpOptions o;
  o.alpha = 0.2f;
  EXPECT_EQ(RunUnary(ir::OpType::LEAKY_RELU, DType::kFloat32, std::vector<float>{-5, -0.5f, 0, 3}, {}, {}, o),
            (std::vector<float>{-1, -0.1f, 0, 3}));
  // XNNPACK's 8-bit multipliers (the official runtime's default path for this op).
  const auto x = AllValues<int8_t>();
  const auto y = RunUnary(ir::OpType::LEAKY_RELU, DType::kInt8, x, Quant(0.05f, -10), Quant(0.04f, 20), o);
  const float ps = 0.05f / 0.04f;
  const int pm = static_cast<int>(std::nearbyint(256.0f * ps));
  const int nm = static_cast<int>(std::nearbyint(256.0f * (ps * 0.2f)));
  for (int i = 0; i < 256; ++i) {
    const int v = x[i] + 10;
    const int64_t acc = int64_t{20} * 256 + 128 + int64_t{v} * (v >= 0 ? pm : nm);
    ASSERT_EQ(y[i], std::clamp<int64_t>(FloorDiv(acc, 256), -128, 127)) << "q=" << int{x[i]};
  }
}

TEST(ElemActivation, LeakyReluTinyAlphaUsesTfliteFormula) {
  ir::OpOptions o;
  o.alpha = 0.001f;  // |alpha * s_in / s_out| < 2^-8: not delegated, TFLite's kernel runs
  const auto x = AllValues<uint8_t>();
  const auto y = RunUnary(ir::OpType::LEAKY_RELU, DType::kUInt8, x, Quant(0.05f, 118), Quant(0.04f, 140), o);
  for (int i = 0; i < 256; ++i) {
    const int v = i - 118;
    const double m = v >= 0 ? static_cast<double>(0.05f / 0.04f) : static_cast<double>(0.05f * 0.001f / 0.04f);
    ASSERT_EQ(y[i], std::clamp<int64_t>(140 + TfliteMbqm(v, m), 0, 255)) << i;
  }
}

// int16 LEAKY_RELU (16x8): TFLite's QuantizeLeakyRelu on every int16 value (no XNNPACK path), each output within
// one step of the real alpha * x or x, saturating at the ends of the range; non-zero zero points are refused.
TEST(ElemActivation, LeakyReluInt16MatchesTfliteFormulaAndSaturates) {
  ir::OpOptions o;
  o.alpha = 0.3f;
  const float in_scale = 0.0005f, out_scale = 0.0003f;
  const auto x = AllValues<int16_t>();
  const auto y = RunUnary(ir::OpType::LEAKY_RELU, DType::kInt16, x, Quant(in_scale, 0), Quant(out_scale, 0), o);
  ASSERT_EQ(y.size(), x.size());
  const double identity = static_cast<double>(in_scale / out_scale);
  const double alpha = static_cast<double>(in_scale * 0.3f / out_scale);
  for (size_t i = 0; i < x.size(); ++i) {
    const int v = x[i];
    ASSERT_EQ(y[i], std::clamp<int64_t>(TfliteMbqm(v, v >= 0 ? identity : alpha), -32768, 32767)) << "q=" << v;
    const double real = (v >= 0 ? v : 0.3 * v) * static_cast<double>(in_scale) / out_scale;
    ASSERT_LE(std::abs(y[i] - std::clamp(real, -32768.0, 32767.0)), 1.0) << "q=" << v;
  }
  EXPECT_EQ(y.back(), 32767);    // 16.38 / 0.0003 saturates
  EXPECT_EQ(y.front(), -16384);  // -16.384 * 0.3 / 0.0003 = -16384 exactly
  EXPECT_EQ(y[32768], 0);        // q = 0
  Status st;
  RunUnary(ir::OpType::LEAKY_RELU, DType::kInt16, std::vector<int16_t>{1, 2}, Quant(in_scale, 3), Quant(out_scale, 0),
           o, &st);
  EXPECT_NE(st.message().find("need zero point 0"), std::string::npos) << st.message();
}

TEST(ElemActivation, HardSwishFloatAndGolden) {
  const std::vector<float> x = {-4, -3, -1.5f, 0, 1, 2.5f, 3, 5};
  const auto y = RunUnary(ir::OpType::HARD_SWISH, DType::kFloat32, x, {}, {});
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_FLOAT_EQ(y[i], x[i] * std::min(6.0f, std::max(0.0f, x[i] + 3.0f)) / 6.0f) << i;

  const std::vector<int8_t> xi = {-128, -100, -70, -50, -30, -10, 0, 10, 30, 50, 70, 100, 127};
  EXPECT_EQ(RunUnary(ir::OpType::HARD_SWISH, DType::kInt8, xi, Quant(0.05f, -10), Quant(0.03f, -90)),
            (std::vector<int8_t>{-90, -90, -90, -101, -101, -90, -80, -68, -34, 10, 43, 93, 127}));
  const std::vector<uint8_t> xu = {0, 60, 100, 128, 140, 170, 200, 255};
  EXPECT_EQ(RunUnary(ir::OpType::HARD_SWISH, DType::kUInt8, xu, Quant(0.1f, 128), Quant(0.05f, 30)),
            (std::vector<uint8_t>{30, 30, 28, 30, 47, 114, 174, 255}));
}

TEST(ElemActivation, HardSwishInt8StaysWithinOneStepOfFloat) {
  const auto x = AllValues<int8_t>();
  const auto y = RunUnary(ir::OpType::HARD_SWISH, DType::kInt8, x, Quant(0.04f, 5), Quant(0.025f, -100));
  for (int i = 0; i < 256; ++i) {
    const double r = 0.04 * (x[i] - 5);
    const double want = std::clamp(r * std::min(6.0, std::max(0.0, r + 3)) / 6 / 0.025 - 100, -128.0, 127.0);
    EXPECT_LE(std::fabs(y[i] - want), 1.0) << "q=" << int{x[i]};
  }
}

TEST(ElemActivation, LogisticTanhExpTables) {
  // Golden from the official runtime.
  EXPECT_EQ(RunUnary(ir::OpType::LOGISTIC, DType::kInt8, std::vector<int8_t>{-128, -64, -20, 0, 3, 10, 40, 90, 127},
                     Quant(0.06f, 3), Quant(1.0f / 256, -128)),
            (std::vector<int8_t>{-128, -123, -77, -11, 0, 26, 103, 127, 127}));
  EXPECT_EQ(RunUnary(ir::OpType::TANH, DType::kInt8, std::vector<int8_t>{-128, -64, -20, -3, 0, 10, 40, 90, 127},
                     Quant(0.03f, -3), Quant(1.0f / 128, 0)),
            (std::vector<int8_t>{-128, -122, -60, 0, 11, 48, 110, 127, 127}));
  // The whole table against the float formula it is built from.
  const auto x = AllValues<int8_t>();
  const auto y = RunUnary(ir::OpType::LOGISTIC, DType::kInt8, x, Quant(0.1f, -7), Quant(1.0f / 256, -128));
  for (int i = 0; i < 256; ++i) {
    const float f = 1.0f / (1.0f + std::exp(-(0.1f * static_cast<float>(x[i] + 7))));
    ASSERT_EQ(y[i], std::clamp(static_cast<int>(std::round(f * 256.0f)) - 128, -128, 127)) << i;
  }
  const auto e = RunUnary(ir::OpType::EXP, DType::kInt8, x, Quant(0.02f, 0), Quant(0.05f, -128));
  for (int i = 0; i < 256; ++i) {
    const float f = std::exp(0.02f * static_cast<float>(x[i]));
    ASSERT_EQ(e[i], std::clamp(static_cast<int>(std::round(f * (1 / 0.05f))) - 128, -128, 127)) << i;
  }
  const std::vector<float> xf = {-3, -0.5f, 0, 0.7f, 4};
  const auto lf = RunUnary(ir::OpType::LOGISTIC, DType::kFloat32, xf, {}, {});
  const auto tf = RunUnary(ir::OpType::TANH, DType::kFloat32, xf, {}, {});
  const auto ef = RunUnary(ir::OpType::EXP, DType::kFloat32, xf, {}, {});
  for (size_t i = 0; i < xf.size(); ++i) {
    EXPECT_NEAR(lf[i], 1.0 / (1.0 + std::exp(-static_cast<double>(xf[i]))), 1e-6);
    EXPECT_NEAR(tf[i], std::tanh(static_cast<double>(xf[i])), 1e-6);
    EXPECT_NEAR(ef[i], std::exp(static_cast<double>(xf[i])), 1e-5 * std::exp(static_cast<double>(xf[i])));
  }
}

TEST(ElemActivation, LogisticAndExpRejectBadParams) {
  Status st;
  RunUnary(ir::OpType::LOGISTIC, DType::kInt8, std::vector<int8_t>{0}, Quant(0.1f, 0), Quant(1.0f / 128, -128), {}, &st);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("1/256"), std::string::npos) << st.message();
  RunUnary(ir::OpType::EXP, DType::kUInt8, std::vector<uint8_t>{0}, Quant(0.1f, 0), Quant(0.1f, 0), {}, &st);
  EXPECT_FALSE(st.ok());
  RunUnary(ir::OpType::TANH, DType::kInt8, std::vector<int8_t>{0}, {}, Quant(0.1f, 0), {}, &st);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no quantization"), std::string::npos) << st.message();
}

TEST(ElemActivation, SoftmaxFloatWithBetaOverRows) {
  ir::OpOptions o;
  o.beta = 0.7f;
  OpTester t(ir::OpType::SOFTMAX, o);
  const std::vector<float> x = {1, 2, 3, -1, 0, 100, 100.5f, 99, 5, 5, 5, 5};
  t.AddInput<float>(DType::kFloat32, {2, 2, 3}, x);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<float>(out);
  for (int r = 0; r < 4; ++r) {
    double sum = 0;
    for (int j = 0; j < 3; ++j) sum += std::exp(0.7 * x[r * 3 + j]);
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(y[r * 3 + j], std::exp(0.7 * x[r * 3 + j]) / sum, 1e-6) << r << "," << j;
  }
}

TEST(ElemActivation, SoftmaxQuantizedGolden) {
  OpTester t(ir::OpType::SOFTMAX);
  t.AddInput<int8_t>(DType::kInt8, {2, 5}, {-128, -20, 0, 10, 127, 5, 5, 5, 5, 5}, Quant(0.1f, 5));
  const int out = t.AddOutput(DType::kInt8, Quant(1.0f / 256, -128));
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<int8_t>(out), (std::vector<int8_t>{-128, -128, -128, -128, 127, -77, -77, -77, -77, -77}));

  ir::OpOptions o;
  o.beta = 0.5f;
  OpTester u(ir::OpType::SOFTMAX, o);
  u.AddInput<uint8_t>(DType::kUInt8, {1, 6}, {0, 100, 128, 130, 200, 255}, Quant(0.2f, 128));
  const int uo = u.AddOutput(DType::kUInt8, Quant(1.0f / 256, 0));
  ASSERT_TRUE(u.Run().ok());
  EXPECT_EQ(u.Output<uint8_t>(uo), (std::vector<uint8_t>{0, 0, 0, 0, 1, 255}));
}

TEST(ElemActivation, SoftmaxInt8MatchesFloatTableModel) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> x(3 * 40);
  for (auto& v : x) v = static_cast<int8_t>(d(rng));
  OpTester t(ir::OpType::SOFTMAX);
  t.AddInput<int8_t>(DType::kInt8, {3, 40}, x, Quant(0.05f, -3));
  const int out = t.AddOutput(DType::kInt8, Quant(1.0f / 256, -128));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int8_t>(out);
  for (int r = 0; r < 3; ++r) {
    int mx = -128;
    for (int j = 0; j < 40; ++j) mx = std::max(mx, int{x[r * 40 + j]});
    float sum = 0.0f;
    for (int j = 0; j < 40; ++j) sum += std::exp(-0.05f * static_cast<float>(mx - x[r * 40 + j]));
    const float inv = 1.0f / (sum * (1.0f / 256));
    for (int j = 0; j < 40; ++j) {
      const float p = std::exp(-0.05f * static_cast<float>(mx - x[r * 40 + j])) * inv;
      ASSERT_EQ(y[r * 40 + j], std::clamp(static_cast<int>(std::round(p)) - 128, -128, 127)) << r << "," << j;
    }
  }
}

TEST(ElemActivation, SoftmaxRejectsBadOutputParamsAndScalars) {
  OpTester t(ir::OpType::SOFTMAX);
  t.AddInput<int8_t>(DType::kInt8, {1, 4}, {1, 2, 3, 4}, Quant(0.1f, 0));
  t.AddOutput(DType::kInt8, Quant(1.0f / 256, 0));
  const Status st = t.Run();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("expected 1/256 and -128"), std::string::npos) << st.message();

  OpTester s(ir::OpType::SOFTMAX);
  s.AddInput<float>(DType::kFloat32, {}, {1});
  s.AddOutput(DType::kFloat32);
  EXPECT_FALSE(s.Run().ok());
}

TEST(ElemActivation, PreluFloatBroadcastAndInt8) {
  OpTester t(ir::OpType::PRELU);
  t.AddInput<float>(DType::kFloat32, {2, 2, 2}, {-1, 2, -3, 4, -5, -6, 7, 0});
  t.AddInput<float>(DType::kFloat32, {2}, {0.5f, 0.25f}, {}, true);
  const int out = t.AddOutput(DType::kFloat32);
  ASSERT_TRUE(t.Run().ok());
  EXPECT_EQ(t.Output<float>(out), (std::vector<float>{-0.5f, 2, -1.5f, 4, -2.5f, -1.5f, 7, 0}));

  const auto x = AllValues<int8_t>();
  const std::vector<int8_t> alpha = {50, -30, 127, 0};
  OpTester q(ir::OpType::PRELU);
  q.AddInput<int8_t>(DType::kInt8, {64, 4}, x, Quant(0.05f, -3));
  q.AddInput<int8_t>(DType::kInt8, {1, 4}, alpha, Quant(0.004f, 2), true);
  const int qo = q.AddOutput(DType::kInt8, Quant(0.03f, -20));
  ASSERT_TRUE(q.Run().ok());
  const auto y = q.Output<int8_t>(qo);
  for (int i = 0; i < 256; ++i) {
    const int v = x[i] + 3;
    const int64_t r = v >= 0 ? TfliteMbqm(v, 0.05f / 0.03f)
                             : TfliteMbqm(int64_t{v} * (alpha[i % 4] - 2), 0.05f * 0.004f / 0.03f);
    ASSERT_EQ(y[i], std::clamp<int64_t>(r - 20, -128, 127)) << i;
  }

  OpTester bad(ir::OpType::PRELU);
  bad.AddInput<float>(DType::kFloat32, {2, 3}, std::vector<float>(6));
  bad.AddInput<float>(DType::kFloat32, {2, 2, 3}, std::vector<float>(12), {}, true);
  bad.AddOutput(DType::kFloat32);
  const Status st = bad.Run();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("does not broadcast"), std::string::npos) << st.message();
}

TEST(ElemActivation, SoftmaxInt16TracksFloatAndRejectsBadParams) {
  // int16 -> int16 (1/32768, 0): the exp and 1/(1+x) tables with linear interpolation stay within 0.02% of 1 of
  // the exact probabilities; each row still sums to about 32768.
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> d(-32768, 32767);
  std::vector<int16_t> x(4 * 33);
  for (auto& v : x) v = static_cast<int16_t>(d(rng));
  const float in_scale = 0.0002f;
  OpTester t(ir::OpType::SOFTMAX);
  t.AddInput<int16_t>(DType::kInt16, {4, 33}, x, Quant(in_scale, 0));
  const int out = t.AddOutput(DType::kInt16, Quant(1.0f / 32768, 0));
  ASSERT_TRUE(t.Run().ok());
  const auto y = t.Output<int16_t>(out);
  for (int r = 0; r < 4; ++r) {
    int mx = -32768;
    for (int j = 0; j < 33; ++j) mx = std::max(mx, int{x[r * 33 + j]});
    double sum = 0, total = 0;
    for (int j = 0; j < 33; ++j) sum += std::exp(in_scale * (x[r * 33 + j] - mx));
    for (int j = 0; j < 33; ++j) {
      const double p = std::exp(in_scale * (x[r * 33 + j] - mx)) / sum;
      ASSERT_NEAR(y[r * 33 + j] / 32768.0, p, 2e-4) << r << "," << j;
      total += y[r * 33 + j];
    }
    EXPECT_NEAR(total, 32768, 40) << r;
  }
  auto run = [](int in_zp, float out_scale, DType out_dtype) {
    OpTester s(ir::OpType::SOFTMAX);
    s.AddInput<int16_t>(DType::kInt16, {1, 4}, {1, 2, 3, 4}, Quant(0.1f, in_zp));
    s.AddOutput(out_dtype, Quant(out_scale, 0));
    return s.Run();
  };
  EXPECT_NE(run(3, 1.0f / 32768, DType::kInt16).message().find("(1/32768, 0)"), std::string::npos);
  EXPECT_NE(run(0, 1.0f / 256, DType::kInt16).message().find("(1/32768, 0)"), std::string::npos);
  EXPECT_NE(run(0, 1.0f / 256, DType::kInt8).message().find("has dtype int8"), std::string::npos);
}

// Standalone int16 RELU / RELU6 (16x8): ReluX requantization by s_in / s_out, within one step of the real clamp;
// RELU6 stops at round(6 / s_out), RELU at 32767. RELU_N1_TO_1 has no int16 form (as in TFLite).
TEST(ElemActivation, ReluRelu6Int16RequantizeAndClamp) {
  const float in_scale = 0.0005f, out_scale = 0.0002f;
  const std::vector<int16_t> x = {-32768, -1, 0, 1, 3, 4000, 12000, 13107, 32767};
  for (ir::OpType type : {ir::OpType::RELU, ir::OpType::RELU6}) {
    OpTester t(type);
    t.AddInput<int16_t>(DType::kInt16, {9}, x, Quant(in_scale, 0));
    const int out = t.AddOutput(DType::kInt16, Quant(out_scale, 0));
    ASSERT_TRUE(t.Run().ok());
    const auto y = t.Output<int16_t>(out);
    const double hi = type == ir::OpType::RELU6 ? std::round(6.0 / out_scale) : 32767.0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double real = std::clamp(std::round(x[i] * static_cast<double>(in_scale) / out_scale), 0.0, hi);
      EXPECT_LE(std::abs(y[i] - real), 1.0) << ir::OpTypeName(type) << " x=" << x[i];
    }
    EXPECT_EQ(y[0], 0);
    EXPECT_EQ(y[8], type == ir::OpType::RELU6 ? 30000 : 32767);  // 16.38 saturates RELU, 6 stops RELU6
  }
  OpTester n(ir::OpType::RELU_N1_TO_1);
  n.AddInput<int16_t>(DType::kInt16, {2}, {1, 2}, Quant(in_scale, 0));
  n.AddOutput(DType::kInt16, Quant(out_scale, 0));
  EXPECT_FALSE(n.Run().ok());
}

}  // namespace
}  // namespace liteopt::ops
