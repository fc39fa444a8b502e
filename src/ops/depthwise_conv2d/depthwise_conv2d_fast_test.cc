// Every optimized DEPTHWISE_CONV_2D variant available on this machine against the reference kernel, over a shape
// sweep with fixed seeds: int8 and uint8 bit-exact under both numerics, hybrid (float input, int8 weights) bit-exact,
// float32 within gemm::kF32Tolerance.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ops/common/conv_test_util.h"
#include "ops/common/gemm.h"
#include "ops/testing/variant_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
namespace ref = testing::convref;

struct Case {
  ref::Geometry g;  // out_c = in_c * depth multiplier
  ir::Activation act = ir::Activation::kNone;
  bool per_channel = true;
  bool bias = true;
};

std::string Describe(const Case& c, uint32_t seed) {
  const ref::Geometry& g = c.g;
  return "input " + std::to_string(g.batches) + "x" + std::to_string(g.in_h) + "x" + std::to_string(g.in_w) + "x" +
         std::to_string(g.in_c) + " filter 1x" + std::to_string(g.filter_h) + "x" + std::to_string(g.filter_w) + "x" +
         std::to_string(g.out_c) + " stride " + std::to_string(g.stride_h) + "x" + std::to_string(g.stride_w) +
         " dilation " + std::to_string(g.dilation_h) + "x" + std::to_string(g.dilation_w) +
         (g.same ? " SAME" : " VALID") + " act " + std::string(ir::ActivationName(c.act)) +
         (c.per_channel ? " per-channel" : " per-tensor") + (c.bias ? "" : " no-bias") + " seed " +
         std::to_string(seed);
}

ir::OpOptions Options(const Case& c) {
  ir::OpOptions o;
  o.padding = c.g.same ? ir::Padding::kSame : ir::Padding::kValid;
  o.stride_h = c.g.stride_h;
  o.stride_w = c.g.stride_w;
  o.dilation_h = c.g.dilation_h;
  o.dilation_w = c.g.dilation_w;
  o.depth_multiplier = c.g.out_c / c.g.in_c;
  o.activation = c.act;
  return o;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](int n, int h, int w, int ic, int fh, int fw, int mult, int stride, int dil, bool same,
                 ir::Activation act, bool per_channel, bool bias) {
    Case c;
    c.g = {n, h, w, ic, fh, fw, ic * mult, stride, stride, dil, dil, same};
    c.act = act;
    c.per_channel = per_channel;
    c.bias = bias;
    cases.push_back(c);
  };
  using A = ir::Activation;
  add(1, 12, 12, 32, 3, 3, 1, 1, 1, true, A::kRelu6, true, true);
  add(1, 13, 11, 144, 3, 3, 1, 2, 1, true, A::kRelu6, true, true);
  add(2, 7, 7, 17, 3, 3, 1, 1, 1, false, A::kNone, false, true);
  add(1, 9, 9, 40, 5, 5, 1, 2, 1, true, A::kRelu, true, false);
  add(1, 8, 8, 5, 3, 3, 2, 1, 1, true, A::kNone, true, true);  // multiplier 2: reference fallback
  add(1, 10, 10, 24, 3, 3, 1, 1, 2, true, A::kReluN1To1, true, true);
  add(3, 4, 6, 1, 2, 3, 1, 1, 1, true, A::kNone, false, true);
  // The Fashion-MNIST CNN's depthwise layers: small spatial sizes, 32..128 channels, stride 1 and 2.
  add(1, 14, 14, 32, 3, 3, 1, 1, 1, true, A::kRelu6, true, true);
  add(1, 14, 14, 64, 3, 3, 1, 2, 1, true, A::kRelu6, true, true);
  add(1, 7, 7, 128, 3, 3, 1, 1, 1, true, A::kRelu6, true, true);
  // 3x3 without dilation and at least 16 channels (AVX2's row-pair loop, UsesRowPairs3x3): whole blocks with a tail
  // of 8 and of 1..7 channels, strides 1, 2 and 3, odd and even widths, one-column images, VALID padding.
  add(1, 9, 10, 40, 3, 3, 1, 1, 1, true, A::kRelu6, true, true);
  add(1, 8, 9, 23, 3, 3, 1, 2, 1, true, A::kNone, true, true);
  add(2, 11, 8, 16, 3, 3, 1, 2, 1, false, A::kRelu, false, true);
  add(1, 10, 11, 48, 3, 3, 1, 3, 1, true, A::kNone, true, false);
  add(1, 6, 1, 32, 3, 3, 1, 1, 1, true, A::kRelu6, true, true);
  add(1, 5, 3, 16, 3, 3, 1, 1, 1, false, A::kNone, true, true);
  std::mt19937 rng(7);
  const A acts[] = {A::kNone, A::kRelu, A::kRelu6, A::kReluN1To1};
  for (int i = 0; i < 40; ++i) {
    const int fh = 1 + static_cast<int>(rng() % 5), fw = 1 + static_cast<int>(rng() % 4);
    const int stride = 1 + static_cast<int>(rng() % 2);
    const int dil = rng() % 5 == 0 ? 2 : 1;
    const int h = (fh - 1) * dil + 1 + static_cast<int>(rng() % 9);
    const int w = (fw - 1) * dil + 1 + static_cast<int>(rng() % 9);
    const int n = 1 + static_cast<int>(rng() % 2), ic = 1 + static_cast<int>(rng() % 70);
    const bool same = rng() % 2 == 0;
    const A act = acts[rng() % 4];
    const bool per_channel = rng() % 2 == 0, bias = rng() % 4 != 0;
    add(n, h, w, ic, fh, fw, 1, stride, dil, same, act, per_channel, bias);
  }
  return cases;
}

std::vector<int32_t> InShape(const ref::Geometry& g) { return {g.batches, g.in_h, g.in_w, g.in_c}; }
std::vector<int32_t> FilterShape(const ref::Geometry& g) { return {1, g.filter_h, g.filter_w, g.out_c}; }
size_t InSize(const ref::Geometry& g) { return static_cast<size_t>(g.batches) * g.in_h * g.in_w * g.in_c; }
size_t FilterSize(const ref::Geometry& g) { return static_cast<size_t>(g.out_c) * g.filter_h * g.filter_w; }

template <typename T>
void CheckQuantized(const Case& c, DType dtype, Numerics numerics, Isa isa, uint32_t seed,
                    ThreadPool* pool = nullptr) {
  const ref::Geometry& g = c.g;
  std::mt19937 rng(seed);
  const bool u8 = dtype == DType::kUInt8;
  const testing::RandomQuant q =
      testing::MakeRandomQuant(rng, u8, c.per_channel && !u8, g.out_c, g.filter_h * g.filter_w);
  const auto in = testing::RandomValues<T>(InSize(g), u8 ? 0 : -128, u8 ? 255 : 127, rng);
  const auto w = testing::RandomValues<T>(FilterSize(g), u8 ? 0 : -127, u8 ? 255 : 127, rng);
  const auto bias = testing::RandomValues<int32_t>(g.out_c, -5000, 5000, rng);
  auto build = [&](OpTester& t) {
    t.AddInput<T>(dtype, InShape(g), in, testing::Quant(q.in_scale, q.in_zp));
    ir::QuantParams fq = q.filter_scales.size() > 1 ? testing::QuantPerAxis(q.filter_scales, 3)
                                                     : testing::Quant(q.filter_scales[0], q.filter_zp);
    t.AddInput<T>(dtype, FilterShape(g), w, fq, true);
    if (c.bias)
      t.AddInput<int32_t>(DType::kInt32, {g.out_c}, bias, testing::Quant(q.in_scale * q.filter_scales[0], 0), true);
    return t.AddOutput(dtype, testing::Quant(q.out_scale, q.out_zp));
  };
  const std::string what = std::string(DTypeName(dtype)) +
                           (numerics == Numerics::kTfliteRuntime ? " tflite-runtime " : " tflite-builtin ") +
                           Describe(c, seed);
  testing::ExpectVariantMatchesReference<T>(ir::OpType::DEPTHWISE_CONV_2D, Options(c), numerics, isa, what, build,
                                            nullptr, pool);
}

void CheckFloat(const Case& c, Isa isa, uint32_t seed, ThreadPool* pool = nullptr) {
  const ref::Geometry& g = c.g;
  std::mt19937 rng(seed);
  const auto in = testing::RandomFloatValues(InSize(g), -2, 2, rng);
  const auto w = testing::RandomFloatValues(FilterSize(g), -1, 1, rng);
  const auto bias = testing::RandomFloatValues(g.out_c, -1, 1, rng);
  auto build = [&](OpTester& t) {
    t.AddInput<float>(DType::kFloat32, InShape(g), in);
    t.AddInput<float>(DType::kFloat32, FilterShape(g), w, {}, true);
    if (c.bias) t.AddInput<float>(DType::kFloat32, {g.out_c}, bias, {}, true);
    return t.AddOutput(DType::kFloat32);
  };
  std::vector<double> abs_in(in.size()), abs_w(w.size());
  for (size_t i = 0; i < in.size(); ++i) abs_in[i] = std::fabs(in[i]);
  for (size_t i = 0; i < w.size(); ++i) abs_w[i] = std::fabs(w[i]);
  std::vector<double> tol = ref::Depthwise(g, abs_in, abs_w, std::vector<double>(g.batches, 0.0));
  for (size_t i = 0; i < tol.size(); ++i)
    tol[i] = gemm::kF32Tolerance * (tol[i] + (c.bias ? std::fabs(bias[i % g.out_c]) : 0.0)) + 1e-30;
  testing::ExpectVariantMatchesReference<float>(ir::OpType::DEPTHWISE_CONV_2D, Options(c), Numerics::kTfliteRuntime,
                                                isa, "float32 " + Describe(c, seed), build, &tol, pool);
}

// Hybrid: each input image quantized asymmetrically at run time, int8 weights per channel (or one scale for all),
// float bias. The optimized path must equal the reference bit for bit.
void CheckHybrid(const Case& c, Isa isa, uint32_t seed, ThreadPool* pool = nullptr) {
  std::mt19937 rng(seed);
  const testing::HybridOperands h(InSize(c.g), FilterSize(c.g), c.g.out_c, c.per_channel, rng);
  auto build = [&](OpTester& t) { return h.AddTo(t, InShape(c.g), FilterShape(c.g), 3, c.bias); };
  testing::ExpectVariantMatchesReference<float>(ir::OpType::DEPTHWISE_CONV_2D, Options(c), Numerics::kTfliteRuntime,
                                                isa, "hybrid " + Describe(c, seed), build, nullptr, pool);
}

TEST(DepthwiseConv2DVariants, HybridBitExactWithReference) {
  testing::SweepCases(Cases(), 3000, [](const Case& c, Isa isa, uint32_t& seed) { CheckHybrid(c, isa, seed++); });
}

TEST(DepthwiseConv2DVariants, QuantizedBitExactWithReference) {
  testing::SweepCases(Cases(), 1, [](const Case& c, Isa isa, uint32_t& seed) {
    for (Numerics n : {Numerics::kTfliteRuntime, Numerics::kTfliteBuiltin}) {
      CheckQuantized<int8_t>(c, DType::kInt8, n, isa, seed++);
      CheckQuantized<uint8_t>(c, DType::kUInt8, n, isa, seed++);
      if (HasFatalFailure()) return;
    }
  });
}

TEST(DepthwiseConv2DVariants, FloatWithinTolerance) {
  testing::SweepCases(Cases(), 1000, [](const Case& c, Isa isa, uint32_t& seed) { CheckFloat(c, isa, seed++); });
}

// The same sweep with three threads splitting the work (rows, or channel blocks for few rows): results must not
// depend on the split.
TEST(DepthwiseConv2DVariants, ThreadedMatchesReference) {
  ThreadPool pool(3);
  const testing::ScopedAlwaysParallel split_small_shapes;
  const Isa isa = AvailableIsas().back();
  uint32_t seed = 5000;
  for (const Case& c : Cases()) {
    CheckQuantized<int8_t>(c, DType::kInt8, Numerics::kTfliteRuntime, isa, seed++, &pool);
    CheckQuantized<uint8_t>(c, DType::kUInt8, Numerics::kTfliteBuiltin, isa, seed++, &pool);
    CheckFloat(c, isa, seed++, &pool);
    CheckHybrid(c, isa, seed++, &pool);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace liteopt::ops
