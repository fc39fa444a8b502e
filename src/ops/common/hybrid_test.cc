// The optimized hybrid input quantization (ops/common/hybrid.h) of every ISA this machine runs against the
// reference (conv::HybridInput::Quantize, TFLite's tensor_utils): identical bytes, scaling factors and zero points,
// including exact rounding ties, all-zero rows, rows that are not a multiple of the vector width, and rows with
// NaN or infinite values (which take the reference's code).
#include "ops/common/hybrid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace liteopt::ops {
namespace {

void ExpectSameQuantization(const std::vector<float>& input, int rows, bool asymmetric, const std::string& what) {
  const int row_size = static_cast<int>(input.size()) / rows;
  conv::HybridInput ref, fast;
  ref.Allocate(rows, row_size);
  ref.Quantize(input.data(), asymmetric);
  for (Isa isa : AvailableIsas()) {
    fast.Allocate(rows, row_size);
    hybrid::QuantizeRows(hybrid::KernelsFor(isa), input.data(), asymmetric, &fast);
    const std::string label = std::string(IsaName(isa)) + (asymmetric ? " asymmetric " : " symmetric ") + what;
    ASSERT_EQ(fast.quantized, ref.quantized) << label;
    for (int r = 0; r < rows; ++r) {
      EXPECT_EQ(std::memcmp(&fast.scaling_factors[r], &ref.scaling_factors[r], sizeof(float)), 0)
          << label << " row " << r << ": " << fast.scaling_factors[r] << " vs " << ref.scaling_factors[r];
      EXPECT_EQ(fast.zero_points[r], ref.zero_points[r]) << label << " row " << r;
    }
  }
}

TEST(HybridQuantize, RandomRowsMatchReference) {
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int trial = 0; trial < 200; ++trial) {
    const int rows = 1 + static_cast<int>(rng() % 3);
    const int row_size = 1 + static_cast<int>(rng() % 300);
    const float lo = rng() % 3 == 0 ? 0.0f : -10.0f * u(rng), hi = 10.0f * u(rng) + 1e-3f;
    std::vector<float> v(static_cast<size_t>(rows) * row_size);
    for (float& x : v) x = lo + (hi - lo) * u(rng);
    for (bool asymmetric : {false, true})
      ExpectSameQuantization(v, rows, asymmetric, "trial " + std::to_string(trial));
  }
}

// Symmetric rows whose range is 127 have inv = 1: every x.5 value is an exact tie, rounded away from zero.
TEST(HybridQuantize, ExactTiesRoundAwayFromZero) {
  std::vector<float> v = {127.0f, -127.0f};
  for (int i = 0; i < 70; ++i) v.push_back((i % 2 ? -1.0f : 1.0f) * (static_cast<float>(i) + 0.5f));
  ExpectSameQuantization(v, 1, false, "ties");
  conv::HybridInput h;
  h.Allocate(1, static_cast<int>(v.size()));
  hybrid::QuantizeRows(hybrid::KernelsFor(AvailableIsas().back()), v.data(), false, &h);
  EXPECT_EQ(h.quantized[2], 1);   // 0.5
  EXPECT_EQ(h.quantized[3], -2);  // -1.5
  EXPECT_EQ(h.quantized[4], 3);   // 2.5
}

TEST(HybridQuantize, SpecialRowsMatchReference) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float tiny = std::numeric_limits<float>::denorm_min();
  std::vector<std::pair<std::string, std::vector<float>>> rows = {
      {"zeros", std::vector<float>(40, 0.0f)},
      {"negative zeros", std::vector<float>(40, -0.0f)},
      {"constant positive", std::vector<float>(37, 3.0f)},
      {"constant negative", std::vector<float>(37, -3.0f)},
      {"denormal range", {tiny, 0.0f, -tiny, tiny, 0.0f, 0.0f, 0.0f, 0.0f, tiny}},
  };
  for (auto& [name, v] : rows)
    for (bool asymmetric : {false, true}) ExpectSameQuantization(v, 1, asymmetric, name);
  // Non-finite values take the reference's code (only the parameters are compared: the reference's
  // float-to-int conversion of a non-finite product is not portable).
  for (float bad : {inf, -inf, nan}) {
    std::vector<float> v(33, 1.0f);
    v[5] = bad;
    for (bool asymmetric : {false, true}) {
      conv::HybridInput ref, fast;
      ref.Allocate(1, 33);
      fast.Allocate(1, 33);
      ref.Quantize(v.data(), asymmetric);
      hybrid::QuantizeRows(hybrid::KernelsFor(AvailableIsas().back()), v.data(), asymmetric, &fast);
      EXPECT_EQ(std::isnan(fast.scaling_factors[0]), std::isnan(ref.scaling_factors[0]));
      if (!std::isnan(ref.scaling_factors[0])) {
        EXPECT_EQ(fast.scaling_factors[0], ref.scaling_factors[0]);
      }
      EXPECT_EQ(fast.zero_points[0], ref.zero_points[0]);
    }
  }
}

}  // namespace
}  // namespace liteopt::ops
