// Plans one arena for all activation tensors: tensors whose lifetimes do not overlap share bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace liteopt::runtime {

struct BufferRequest {
  size_t bytes = 0;
  int first_use = 0;  // index of the op that writes it (-1 for graph inputs)
  int last_use = 0;   // index of the last op that reads it (INT_MAX for graph outputs)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request
  size_t arena_bytes = 0;
};

// Greedy by size: the largest tensors are placed first, each at the lowest aligned offset that does not
// overlap, in both address and lifetime, a tensor already placed. Deterministic for a given input.
MemoryPlan PlanMemory(const std::vector<BufferRequest>& requests, size_t alignment = 64);

}  // namespace liteopt::runtime
