#include "data/random.h"

#include <utility>

namespace liteopt::data {

uint64_t SplitMix64::Below(uint64_t n) {
  if (n <= 1) return 0;
  // Lemire: the high word of x * n is uniform once the low word's biased zone is rejected.
  const uint64_t threshold = (0 - n) % n;
  while (true) {
    const unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    if (static_cast<uint64_t>(m) >= threshold) return static_cast<uint64_t>(m >> 64);
  }
}

std::vector<size_t> ShuffledOrder(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  SplitMix64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng.Below(i)]);
  return order;
}

}  // namespace liteopt::data
