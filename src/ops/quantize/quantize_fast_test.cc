// QUANTIZE's optimized paths against the reference kernel:
//  - 8-bit -> 8-bit (a 256-entry table made by the reference arithmetic at prepare time): every input value, every
//    dtype pair, both numerics, seeded random parameters;
//  - float32 -> int8/uint8 (quantize_fast, every ISA this CPU has): exact ties, values one ulp either side of them,
//    NaN, infinities, values beyond the range, lengths that leave a tail.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

// Inputs that probe each step of xnn::QuantizeFloat for the scale `scale`: x = (k + 0.5) * scale lands on a tie
// (or within rounding of one), its float neighbours just off it, and the special values go through the clamp.
std::vector<float> FloatProbes(float scale, int count, std::mt19937& rng) {
  std::vector<float> x;
  std::uniform_real_distribution<float> wide(-300.0f * scale, 300.0f * scale);
  std::uniform_int_distribution<int> k(-300, 300);
  const float specials[] = {0.0f,
                            -0.0f,
                            std::numeric_limits<float>::quiet_NaN(),
                            -std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::max(),
                            -std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::denorm_min()};
  while (static_cast<int>(x.size()) < count) {
    switch (rng() % 4) {
      case 0: x.push_back(specials[rng() % (sizeof(specials) / sizeof(specials[0]))]); break;
      case 1: {
        const float tie = (static_cast<float>(k(rng)) + 0.5f) * scale;
        x.push_back(tie);
        x.push_back(std::nextafter(tie, std::numeric_limits<float>::infinity()));
        x.push_back(std::nextafter(tie, -std::numeric_limits<float>::infinity()));
        break;
      }
      default: x.push_back(wide(rng));
    }
  }
  x.resize(count);
  return x;
}

template <typename Out>
void CheckFloat(DType out_type, Isa isa, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(0.001f, 0.5f);
  const float scale = seed % 5 == 0 ? 1.0f / 255 : u(rng);
  const int lo = out_type == DType::kInt8 ? -128 : 0;
  const int zp = lo + static_cast<int>(rng() % 256);
  const int count = 1 + static_cast<int>(rng() % 300);  // many lengths: full 32-value groups and tails
  const std::vector<float> x = FloatProbes(scale, count, rng);
  auto build = [&](OpTester& t) {
    t.AddInput<float>(DType::kFloat32, {count}, x);
    return t.AddOutput(out_type, testing::Quant(scale, zp));
  };
  const std::string what = "float32 -> " + std::string(DTypeName(out_type)) + " scale " + std::to_string(scale) +
                           " zero point " + std::to_string(zp) + " n " + std::to_string(count) + " seed " +
                           std::to_string(seed);
  testing::ExpectVariantMatchesReference<Out>(ir::OpType::QUANTIZE, {}, Numerics::kTfliteRuntime, isa, what, build);
}

TEST(QuantizeVariants, FloatTo8BitMatchesReference) {
  int checked = 0;
  for (Isa isa : AvailableIsas()) {
    for (uint32_t seed = 1; seed <= 60; ++seed) {
      CheckFloat<int8_t>(DType::kInt8, isa, seed);
      CheckFloat<uint8_t>(DType::kUInt8, isa, seed + 1000);
      if (HasFatalFailure()) return;
      ++checked;
    }
  }
  EXPECT_GE(checked, 60);
}

}  // namespace
}  // namespace liteopt::ops
