// Every optimized FULLY_CONNECTED variant available on this machine against the reference kernel, over a shape
// sweep with fixed seeds: int8 (per-channel, and per-tensor with a weight zero point) and uint8 bit-exact under both
// numerics, hybrid (float input, int8 weights; symmetric or asymmetric input quantization) bit-exact, float32 within
// gemm::kF32Tolerance.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ops/common/gemm.h"
#include "ops/testing/variant_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

struct Case {
  int batches = 1, depth = 1, units = 1;
  ir::Activation act = ir::Activation::kNone;
  bool per_channel = true;
  bool bias = true;
  bool keep_num_dims = false;
};

std::string Describe(const Case& c, uint32_t seed) {
  return "input " + std::to_string(c.batches) + "x" + std::to_string(c.depth) + " weights " + std::to_string(c.units) +
         "x" + std::to_string(c.depth) + " act " + std::string(ir::ActivationName(c.act)) +
         (c.per_channel ? " per-channel" : " per-tensor") + (c.bias ? "" : " no-bias") +
         (c.keep_num_dims ? " keep_num_dims" : "") + " seed " + std::to_string(seed);
}

ir::OpOptions Options(const Case& c) {
  ir::OpOptions o;
  o.activation = c.act;
  o.keep_num_dims = c.keep_num_dims;
  return o;
}

std::vector<Case> Cases() {
  using A = ir::Activation;
  std::vector<Case> cases = {
      {1, 1280, 1001, A::kNone, true, true},  {1, 256, 10, A::kNone, false, true},
      {5, 33, 17, A::kRelu, true, true},      {7, 1, 1, A::kRelu6, false, false},
      {2, 64, 16, A::kReluN1To1, true, true}, {3, 15, 40, A::kNone, true, false, true},
  };
  std::mt19937 rng(11);
  const A acts[] = {A::kNone, A::kRelu, A::kRelu6, A::kReluN1To1};
  for (int i = 0; i < 40; ++i) {
    Case c;
    c.batches = 1 + static_cast<int>(rng() % 9);
    c.depth = 1 + static_cast<int>(rng() % 300);
    c.units = 1 + static_cast<int>(rng() % 70);
    c.act = acts[rng() % 4];
    c.per_channel = rng() % 2 == 0;
    c.bias = rng() % 4 != 0;
    c.keep_num_dims = rng() % 4 == 0;
    cases.push_back(c);
  }
  return cases;
}

std::vector<int32_t> InShape(const Case& c) {
  return c.keep_num_dims ? std::vector<int32_t>{c.batches, 1, c.depth} : std::vector<int32_t>{c.batches, c.depth};
}

template <typename T>
void CheckQuantized(const Case& c, DType dtype, Numerics numerics, Isa isa, uint32_t seed,
                    ThreadPool* pool = nullptr) {
  std::mt19937 rng(seed);
  const bool u8 = dtype == DType::kUInt8;
  testing::RandomQuant q = testing::MakeRandomQuant(rng, u8, c.per_channel && !u8, c.units, c.depth);
  // Per-tensor int8 weights take TFLite's legacy path, which accepts a weight zero point.
  if (!u8 && !c.per_channel) q.filter_zp = static_cast<int>(rng() % 21) - 10;
  const auto in = testing::RandomValues<T>(static_cast<size_t>(c.batches) * c.depth, u8 ? 0 : -128, u8 ? 255 : 127,
                                           rng);
  const auto w = testing::RandomValues<T>(static_cast<size_t>(c.units) * c.depth, u8 ? 0 : -127, u8 ? 255 : 127, rng);
  const auto bias = testing::RandomValues<int32_t>(c.units, -20000, 20000, rng);
  auto build = [&](OpTester& t) {
    t.AddInput<T>(dtype, InShape(c), in, testing::Quant(q.in_scale, q.in_zp));
    ir::QuantParams fq = q.filter_scales.size() > 1 ? testing::QuantPerAxis(q.filter_scales, 0)
                                                     : testing::Quant(q.filter_scales[0], q.filter_zp);
    t.AddInput<T>(dtype, {c.units, c.depth}, w, fq, true);
    if (c.bias)
      t.AddInput<int32_t>(DType::kInt32, {c.units}, bias, testing::Quant(q.in_scale * q.filter_scales[0], 0), true);
    return t.AddOutput(dtype, testing::Quant(q.out_scale, q.out_zp));
  };
  const std::string what = std::string(DTypeName(dtype)) +
                           (numerics == Numerics::kTfliteRuntime ? " tflite-runtime " : " tflite-builtin ") +
                           Describe(c, seed);
  testing::ExpectVariantMatchesReference<T>(ir::OpType::FULLY_CONNECTED, Options(c), numerics, isa, what, build,
                                            nullptr, pool);
}

void CheckFloat(const Case& c, Isa isa, uint32_t seed, ThreadPool* pool = nullptr) {
  std::mt19937 rng(seed);
  const auto in = testing::RandomFloatValues(static_cast<size_t>(c.batches) * c.depth, -2, 2, rng);
  const auto w = testing::RandomFloatValues(static_cast<size_t>(c.units) * c.depth, -1, 1, rng);
  const auto bias = testing::RandomFloatValues(c.units, -1, 1, rng);
  auto build = [&](OpTester& t) {
    t.AddInput<float>(DType::kFloat32, InShape(c), in);
    t.AddInput<float>(DType::kFloat32, {c.units, c.depth}, w, {}, true);
    if (c.bias) t.AddInput<float>(DType::kFloat32, {c.units}, bias, {}, true);
    return t.AddOutput(DType::kFloat32);
  };
  std::vector<double> tol(static_cast<size_t>(c.batches) * c.units);
  for (int b = 0; b < c.batches; ++b)
    for (int u = 0; u < c.units; ++u) {
      double sum = c.bias ? std::fabs(bias[u]) : 0.0;
      for (int d = 0; d < c.depth; ++d)
        sum += std::fabs(static_cast<double>(in[static_cast<size_t>(b) * c.depth + d]) *
                         w[static_cast<size_t>(u) * c.depth + d]);
      tol[static_cast<size_t>(b) * c.units + u] = gemm::kF32Tolerance * sum + 1e-30;
    }
  testing::ExpectVariantMatchesReference<float>(ir::OpType::FULLY_CONNECTED, Options(c), Numerics::kTfliteRuntime,
                                                isa, "float32 " + Describe(c, seed), build, &tol, pool);
}

// Hybrid: each input row quantized at run time (symmetric, or asymmetric with asymmetric_quantize_inputs), int8
// weights per tensor or per channel, float bias. The optimized path must equal the reference bit for bit.
void CheckHybrid(const Case& c, bool asymmetric, Isa isa, uint32_t seed, ThreadPool* pool = nullptr) {
  std::mt19937 rng(seed);
  const size_t weights = static_cast<size_t>(c.units) * c.depth;
  const testing::HybridOperands h(static_cast<size_t>(c.batches) * c.depth, weights, c.units, c.per_channel, rng);
  auto build = [&](OpTester& t) { return h.AddTo(t, InShape(c), {c.units, c.depth}, 0, c.bias); };
  ir::OpOptions o = Options(c);
  o.asymmetric_quantize_inputs = asymmetric;
  testing::ExpectVariantMatchesReference<float>(ir::OpType::FULLY_CONNECTED, o, Numerics::kTfliteRuntime, isa,
                                                std::string(asymmetric ? "hybrid asymmetric " : "hybrid symmetric ") +
                                                    Describe(c, seed),
                                                build, nullptr, pool);
}

TEST(FullyConnectedVariants, HybridBitExactWithReference) {
  testing::SweepCases(Cases(), 3000, [](const Case& c, Isa isa, uint32_t& seed) {
    CheckHybrid(c, /*asymmetric=*/false, isa, seed++);
    CheckHybrid(c, /*asymmetric=*/true, isa, seed++);
  });
}

TEST(FullyConnectedVariants, QuantizedBitExactWithReference) {
  testing::SweepCases(Cases(), 1, [](const Case& c, Isa isa, uint32_t& seed) {
    for (Numerics n : {Numerics::kTfliteRuntime, Numerics::kTfliteBuiltin}) {
      CheckQuantized<int8_t>(c, DType::kInt8, n, isa, seed++);
      CheckQuantized<uint8_t>(c, DType::kUInt8, n, isa, seed++);
      if (HasFatalFailure()) return;
    }
  });
}

TEST(FullyConnectedVariants, FloatWithinTolerance) {
  testing::SweepCases(Cases(), 1000, [](const Case& c, Isa isa, uint32_t& seed) { CheckFloat(c, isa, seed++); });
}

// The same sweep with three threads splitting the work (rows, or channel blocks for few rows): results must not
// depend on the split.
TEST(FullyConnectedVariants, ThreadedMatchesReference) {
  ThreadPool pool(3);
  const testing::ScopedAlwaysParallel split_small_shapes;
  const Isa isa = AvailableIsas().back();
  uint32_t seed = 5000;
  for (const Case& c : Cases()) {
    CheckQuantized<int8_t>(c, DType::kInt8, Numerics::kTfliteRuntime, isa, seed++, &pool);
    CheckQuantized<uint8_t>(c, DType::kUInt8, Numerics::kTfliteBuiltin, isa, seed++, &pool);
    CheckFloat(c, isa, seed++, &pool);
    const bool asymmetric = seed % 2 == 0;
    CheckHybrid(c, asymmetric, isa, seed++, &pool);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace liteopt::ops
