#include "runtime/memory_planner.h"

#include <gtest/gtest.h>

#include <climits>
#include <random>

namespace liteopt::runtime {
namespace {

// Checks the plan's invariant: tensors alive at the same time never share a byte.
void ExpectNoOverlap(const std::vector<BufferRequest>& r, const MemoryPlan& p) {
  for (size_t a = 0; a < r.size(); ++a) {
    EXPECT_LE(p.offsets[a] + r[a].bytes, p.arena_bytes);
    EXPECT_EQ(p.offsets[a] % 64, 0u);
    for (size_t b = a + 1; b < r.size(); ++b) {
      const bool live_together = r[a].first_use <= r[b].last_use && r[b].first_use <= r[a].last_use;
      const bool share_bytes =
          p.offsets[a] < p.offsets[b] + r[b].bytes && p.offsets[b] < p.offsets[a] + r[a].bytes;
      EXPECT_FALSE(live_together && share_bytes && r[a].bytes && r[b].bytes) << "tensors " << a << " and " << b;
    }
  }
}

TEST(MemoryPlanner, ChainReusesMemory) {
  // A chain of 10 ops, each output read by the next op only: two buffers suffice.
  std::vector<BufferRequest> r;
  for (int i = 0; i < 10; ++i) r.push_back({1000, i - 1, i});
  const MemoryPlan p = PlanMemory(r);
  ExpectNoOverlap(r, p);
  EXPECT_EQ(p.arena_bytes, 2 * 1024u);
}

TEST(MemoryPlanner, AllLiveNeedsTheSum) {
  std::vector<BufferRequest> r = {{100, -1, INT_MAX}, {200, -1, INT_MAX}, {300, -1, INT_MAX}};
  const MemoryPlan p = PlanMemory(r);
  ExpectNoOverlap(r, p);
  EXPECT_EQ(p.arena_bytes, 128u + 256u + 320u);
}

TEST(MemoryPlanner, RandomLifetimesNeverOverlap) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferRequest> r;
    size_t sum = 0;
    for (int i = 0; i < 40; ++i) {
      const int a = static_cast<int>(rng() % 30) - 1;
      const int len = static_cast<int>(rng() % 6);
      r.push_back({static_cast<size_t>(rng() % 5000), a, a + len});
      sum += (r.back().bytes + 63) / 64 * 64 + 64;
    }
    const MemoryPlan p = PlanMemory(r);
    ExpectNoOverlap(r, p);
    EXPECT_LE(p.arena_bytes, sum);
  }
}

}  // namespace
}  // namespace liteopt::runtime
