// Deterministic random numbers for data work (shuffles, splits, augmentation): the same sequence on every
// platform and standard library, unlike std::shuffle and the std distributions (implementation-defined).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace liteopt::data {

// splitmix64.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject); 0 when n <= 1.
  uint64_t Below(uint64_t n);
  // Uniform in [0, 1) with 24 random bits.
  float Unit() { return static_cast<float>(Next() >> 40) * (1.0f / 16777216.0f); }

 private:
  uint64_t state_;
};

// Fisher-Yates permutation of [0, n) from a seed.
std::vector<size_t> ShuffledOrder(size_t n, uint64_t seed);

}  // namespace liteopt::data
