#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace liteopt::runtime {

namespace {
size_t AlignUp(size_t v, size_t a) { return (v + a - 1) / a * a; }
bool LifetimesOverlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}
}  // namespace

MemoryPlan PlanMemory(const std::vector<BufferRequest>& requests, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });

  struct Placed {
    size_t offset, end, index;
  };
  std::vector<Placed> placed;  // kept sorted by offset
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    const size_t size = AlignUp(std::max<size_t>(r.bytes, 1), alignment);
    size_t candidate = 0;
    for (const Placed& p : placed) {
      if (!LifetimesOverlap(r, requests[p.index])) continue;
      if (p.offset >= candidate + size) break;  // fits in the gap before p
      candidate = std::max(candidate, AlignUp(p.end, alignment));
    }
    plan.offsets[idx] = candidate;
    plan.arena_bytes = std::max(plan.arena_bytes, candidate + size);
    const Placed np{candidate, candidate + size, idx};
    placed.insert(std::upper_bound(placed.begin(), placed.end(), np,
                                   [](const Placed& a, const Placed& b) { return a.offset < b.offset; }),
                  np);
  }
  return plan;
}

}  // namespace liteopt::runtime
