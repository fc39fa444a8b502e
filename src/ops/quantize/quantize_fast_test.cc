// QUANTIZE's optimized 8-bit -> 8-bit path (a 256-entry table made by the reference arithmetic at prepare time)
// against the reference kernel: every input value, every dtype pair, both numerics, seeded random parameters.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ops/testing/variant_test_util.h"

namespace liteopt::ops {
namespace {

using testing::OpTester;

template <typename In, typename Out>
void Check(DType in_type, DType out_type, Numerics numerics, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.001f, 0.2f);
  const float in_scale = u(rng), out_scale = rng() % 3 == 0 ? in_scale : u(rng);
  const int lo_in = in_type == DType::kInt8 ? -128 : 0, lo_out = out_type == DType::kInt8 ? -128 : 0;
  const int in_zp = lo_in + static_cast<int>(rng() % 256), out_zp = lo_out + static_cast<int>(rng() % 256);
  std::vector<In> values(256 * 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<In>(static_cast<uint8_t>(i * 7 + seed));
  auto build = [&](OpTester& t) {
    t.AddInput<In>(in_type, {3, 256}, values, testing::Quant(in_scale, in_zp));
    return t.AddOutput(out_type, testing::Quant(out_scale, out_zp));
  };
  const std::string what = std::string(DTypeName(in_type)) + " -> " + std::string(DTypeName(out_type)) +
                           " scales " + std::to_string(in_scale) + " / " + std::to_string(out_scale) + " seed " +
                           std::to_string(seed);
  testing::ExpectVariantMatchesReference<Out>(ir::OpType::QUANTIZE, {}, numerics, Isa::kPortable, what, build);
}

TEST(QuantizeVariants, EightBitRequantizeTableMatchesReference) {
  uint32_t seed = 1;
  for (int i = 0; i < 20; ++i) {
    for (Numerics n : {Numerics::kTfliteRuntime, Numerics::kTfliteBuiltin}) {
      Check<int8_t, int8_t>(DType::kInt8, DType::kInt8, n, seed++);
      Check<int8_t, uint8_t>(DType::kInt8, DType::kUInt8, n, seed++);
      Check<uint8_t, int8_t>(DType::kUInt8, DType::kInt8, n, seed++);
      Check<uint8_t, uint8_t>(DType::kUInt8, DType::kUInt8, n, seed++);
      if (HasFatalFailure()) return;
    }
  }
}

}  // namespace
}  // namespace liteopt::ops
