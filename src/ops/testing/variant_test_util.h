// Test-only harness for optimized kernel variants: builds the same single-op model twice, runs it on the reference
// kernel and on the optimized kernel of one ISA (ops/common/isa.h), and compares the outputs: bit for bit for
// integer outputs, within a relative tolerance for float ones. Messages name op, variant, case and seed.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ops/common/gemm.h"
#include "ops/common/isa.h"
#include "ops/testing/op_test_util.h"

namespace liteopt::ops::testing {

inline std::string IsaLabel(Isa isa) { return IsaName(isa); }

// While alive, every GEMM and depthwise layer splits over the pool however small (gemm::MinParallelMacs), so that
// the threaded sweeps' small shapes run on several threads.
struct ScopedAlwaysParallel {
  int64_t saved = gemm::MinParallelMacs();
  ScopedAlwaysParallel() { gemm::MinParallelMacs() = 0; }
  ~ScopedAlwaysParallel() { gemm::MinParallelMacs() = saved; }
  ScopedAlwaysParallel(const ScopedAlwaysParallel&) = delete;
  ScopedAlwaysParallel& operator=(const ScopedAlwaysParallel&) = delete;
};

// Quantization parameters that spread an op's outputs over the int8/uint8 range (some saturate): the output scale
// is about the accumulator's standard deviation over 40 steps for `taps` products of ~70 x ~70.
struct RandomQuant {
  float in_scale, out_scale;
  int in_zp, out_zp, filter_zp;
  std::vector<float> filter_scales;
};
inline RandomQuant MakeRandomQuant(std::mt19937& rng, bool uint8, bool per_channel, int channels, int taps) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  RandomQuant q;
  q.in_scale = 0.005f + 0.05f * u(rng);
  q.in_zp = uint8 ? static_cast<int>(rng() % 256) : static_cast<int>(rng() % 256) - 128;
  q.out_zp = uint8 ? static_cast<int>(rng() % 256) : static_cast<int>(rng() % 256) - 128;
  q.filter_zp = uint8 ? static_cast<int>(rng() % 256) : 0;
  const int n = per_channel ? channels : 1;
  for (int i = 0; i < n; ++i) q.filter_scales.push_back(0.002f + 0.02f * u(rng));
  const float acc_std = std::sqrt(static_cast<float>(taps)) * 70.0f * 70.0f;
  q.out_scale = q.in_scale * q.filter_scales[0] * acc_std / 40.0f * (0.5f + u(rng));
  return q;
}

template <typename T>
std::vector<T> RandomValues(size_t n, int lo, int hi, std::mt19937& rng) {
  std::vector<T> v(n);
  std::uniform_int_distribution<int> d(lo, hi);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}
inline std::vector<float> RandomFloatValues(size_t n, float lo, float hi, std::mt19937& rng) {
  std::vector<float> v(n);
  std::uniform_real_distribution<float> d(lo, hi);
  for (auto& x : v) x = d(rng);
  return v;
}

// Operands of a hybrid (dynamic-range) op: float activations over a random range, often asymmetric about 0
// (exercising the zero point of asymmetric input quantization; one case in 16 all zeros, the scaling factor 1
// case), symmetric int8 weights with `channels` distinct scales or a single one, and a float bias.
struct HybridOperands {
  std::vector<float> input, bias, scales;
  std::vector<int8_t> weights;

  HybridOperands(size_t input_size, size_t weight_size, int channels, bool per_channel, std::mt19937& rng) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    if (rng() % 16 == 0) {
      input.assign(input_size, 0.0f);
    } else {
      const float lo = rng() % 3 == 0 ? 0.0f : -4.0f * u(rng), hi = 0.01f + 6.0f * u(rng);
      input = RandomFloatValues(input_size, lo, hi, rng);
    }
    weights = RandomValues<int8_t>(weight_size, -127, 127, rng);
    bias = RandomFloatValues(static_cast<size_t>(channels), -1, 1, rng);
    for (int i = 0; i < (per_channel ? channels : 1); ++i) scales.push_back(0.001f + 0.02f * u(rng));
  }

  // Adds them to `t` (weights per axis along `axis` when there are several scales; the bias when `with_bias`) and
  // returns the float output's slot.
  int AddTo(OpTester& t, const std::vector<int32_t>& input_shape, const std::vector<int32_t>& weight_shape, int axis,
            bool with_bias) const {
    t.AddInput<float>(DType::kFloat32, input_shape, input);
    t.AddInput<int8_t>(DType::kInt8, weight_shape, weights,
                       scales.size() > 1 ? QuantPerAxis(scales, axis) : Quant(scales[0], 0), true);
    if (with_bias) t.AddInput<float>(DType::kFloat32, {static_cast<int32_t>(bias.size())}, bias, {}, true);
    return t.AddOutput(DType::kFloat32);
  }
};

// The sweep every variant test runs: for each available ISA, every case in order with seeds counting up from
// `first_seed` (check(case, isa, seed) advances `seed` once per model it builds); stops at the first fatal failure.
template <typename Case, typename Check>
void SweepCases(const std::vector<Case>& cases, uint32_t first_seed, Check&& check) {
  for (Isa isa : AvailableIsas()) {
    uint32_t seed = first_seed;
    for (const Case& c : cases) {
      check(c, isa, seed);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
}

// Runs `build` (which adds inputs and outputs to an OpTester and returns the output slot) once on the reference
// kernel and once on the optimized kernels of `isa`, then compares. For float outputs, `tolerance[i]` bounds
// |fast - reference| at element i.
// The optimized run uses `pool` (its threads split the work) when given.
template <typename T, typename Build>
void ExpectVariantMatchesReference(ir::OpType type, const ir::OpOptions& options, Numerics numerics, Isa isa,
                                   const std::string& what, Build&& build,
                                   const std::vector<double>* tolerance = nullptr, ThreadPool* pool = nullptr) {
  const std::string label = ir::OpTypeName(type) + " variant " + IsaLabel(isa) +
                            (pool ? " threads " + std::to_string(pool->size()) : std::string()) + " " + what;
  OpTester ref(type, options);
  ref.set_numerics(numerics);
  const int ref_out = build(ref);
  Status st = ref.Run(/*reference=*/true);
  ASSERT_TRUE(st.ok()) << label << ": " << st.message();
  std::vector<T> got;
  {
    IsaOverride force(isa);
    OpTester fast(type, options);
    fast.set_numerics(numerics);
    fast.set_pool(pool);
    const int fast_out = build(fast);
    st = fast.Run(/*reference=*/false);
    ASSERT_TRUE(st.ok()) << label << ": " << st.message();
    ASSERT_EQ(fast.OutputShape(fast_out), ref.OutputShape(ref_out)) << label;
    got = fast.Output<T>(fast_out);
  }
  const std::vector<T> expect = ref.Output<T>(ref_out);
  ASSERT_EQ(got.size(), expect.size()) << label;
  for (size_t i = 0; i < got.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      const double tol = tolerance ? (*tolerance)[i] : 0.0;
      ASSERT_LE(std::fabs(static_cast<double>(got[i]) - static_cast<double>(expect[i])), tol)
          << label << ": element " << i << " fast " << got[i] << " reference " << expect[i];
    } else {
      ASSERT_EQ(static_cast<int64_t>(got[i]), static_cast<int64_t>(expect[i]))
          << label << ": element " << i << " of " << got.size();
    }
  }
}

}  // namespace liteopt::ops::testing
