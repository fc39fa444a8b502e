// The optimized 8-bit ADD/SUB (add_fast.h) against the reference kernel, for every ISA this machine runs: random
// scales (inside and at the edges of the delegate's ratio range), zero points, fused activations, and lengths
// around the 32-element vector step. Bit-exact.
#include <gtest/gtest.h>

#include <random>

#include "ops/testing/op_test_util.h"
#include "ops/testing/variant_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;
using testing::Quant;

template <typename T>
void CheckAdd(ir::OpType type, DType dtype, int64_t n, ir::Activation act, Isa isa, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> log_scale(-8.0f, -1.0f);
  const bool u8 = std::is_same_v<T, uint8_t>;
  std::uniform_int_distribution<int> zp(u8 ? 0 : -128, u8 ? 255 : 127);
  std::uniform_int_distribution<int> value(u8 ? 0 : -128, u8 ? 255 : 127);
  const float s1 = std::exp2(log_scale(rng)), s2 = std::exp2(log_scale(rng));
  // The output scale within the delegate's range of ratios (xnn::AddSupported), else the reference uses TFLite's
  // formula and the fast path is not taken: keep it near the inputs'.
  const float so = std::max(s1, s2) * std::exp2(std::uniform_real_distribution<float>(-2.0f, 3.0f)(rng));
  std::vector<T> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
  for (auto& x : a) x = static_cast<T>(value(rng));
  for (auto& x : b) x = static_cast<T>(value(rng));
  const int z1 = zp(rng), z2 = zp(rng), zo = zp(rng);
  ir::OpOptions options;
  options.activation = act;
  const std::vector<int32_t> shape = {1, static_cast<int32_t>(n)};
  testing::ExpectVariantMatchesReference<T>(
      type, options, Numerics::kTfliteRuntime, isa,
      "n=" + std::to_string(n) + " seed=" + std::to_string(seed), [&](OpTester& t) {
        t.AddInput<T>(dtype, shape, a, Quant(s1, z1));
        t.AddInput<T>(dtype, shape, b, Quant(s2, z2));
        return t.AddOutput(dtype, Quant(so, zo));
      });
}

TEST(AddVariants, QuantizedBitExactWithReference) {
  uint32_t seed = 100;
  for (Isa isa : AvailableIsas()) {
    for (int64_t n : {1, 31, 32, 33, 95, 1000, 12544}) {
      for (ir::Activation act : {ir::Activation::kNone, ir::Activation::kRelu, ir::Activation::kRelu6}) {
        for (ir::OpType type : {ir::OpType::ADD, ir::OpType::SUB}) {
          CheckAdd<int8_t>(type, DType::kInt8, n, act, isa, seed++);
          CheckAdd<uint8_t>(type, DType::kUInt8, n, act, isa, seed++);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

}  // namespace
}  // namespace liteopt::ops
