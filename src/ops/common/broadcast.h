// NumPy-style broadcasting of two operands up to rank 6, shared by the binary elementwise kernels.
// Prepare computes the output shape and a BroadcastPlan; eval walks the plan with ForEachBroadcast,
// which visits output elements in row-major order (the order TFLite's kernels write them).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace liteopt::ops {

constexpr int kMaxBroadcastRank = 6;

// The broadcast shape of `a` and `b` (trailing dimensions aligned; each pair equal or one of them 1).
// Returns false when the shapes are incompatible or a rank exceeds kMaxBroadcastRank.
inline bool BroadcastShape(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                           std::vector<int32_t>* out) {
  const size_t rank = a.size() > b.size() ? a.size() : b.size();
  if (rank > static_cast<size_t>(kMaxBroadcastRank)) return false;
  out->assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      (*out)[i] = da;
    } else if (da == 1) {
      (*out)[i] = db;
    } else {
      return false;
    }
  }
  return true;
}

// Element strides of both operands over the rank-6 extended output shape; 0 where an operand is broadcast.
struct BroadcastPlan {
  std::array<int64_t, kMaxBroadcastRank> dims{};
  std::array<int64_t, kMaxBroadcastRank> stride_a{};
  std::array<int64_t, kMaxBroadcastRank> stride_b{};
  int64_t size = 0;
  bool elementwise = false;  // same shapes: element i of each operand maps to output element i
};

// `out` must be BroadcastShape(a, b).
inline BroadcastPlan MakeBroadcastPlan(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                                       const std::vector<int32_t>& out) {
  BroadcastPlan p;
  const size_t pad = kMaxBroadcastRank - out.size();
  for (int i = 0; i < kMaxBroadcastRank; ++i) p.dims[i] = i < static_cast<int>(pad) ? 1 : out[i - pad];
  auto strides = [&](const std::vector<int32_t>& s, std::array<int64_t, kMaxBroadcastRank>* st) {
    int64_t stride = 1;
    for (int i = kMaxBroadcastRank - 1; i >= 0; --i) {
      const int j = i - (kMaxBroadcastRank - static_cast<int>(s.size()));
      const int64_t d = j < 0 ? 1 : s[j];
      (*st)[i] = d == 1 ? 0 : stride;
      stride *= d;
    }
  };
  strides(a, &p.stride_a);
  strides(b, &p.stride_b);
  p.size = 1;
  for (int64_t d : p.dims) p.size *= d;
  p.elementwise = a == b;
  return p;
}

// Calls f(out_index, index_a, index_b) for every output element in row-major order.
template <typename F>
inline void ForEachBroadcast(const BroadcastPlan& p, F&& f) {
  if (p.elementwise) {
    for (int64_t i = 0; i < p.size; ++i) f(i, i, i);
    return;
  }
  if (p.size == 0) return;
  int64_t o = 0;
  for (int64_t i0 = 0; i0 < p.dims[0]; ++i0) {
    for (int64_t i1 = 0; i1 < p.dims[1]; ++i1) {
      for (int64_t i2 = 0; i2 < p.dims[2]; ++i2) {
        for (int64_t i3 = 0; i3 < p.dims[3]; ++i3) {
          for (int64_t i4 = 0; i4 < p.dims[4]; ++i4) {
            const int64_t base_a = i0 * p.stride_a[0] + i1 * p.stride_a[1] + i2 * p.stride_a[2] +
                                   i3 * p.stride_a[3] + i4 * p.stride_a[4];
            const int64_t base_b = i0 * p.stride_b[0] + i1 * p.stride_b[1] + i2 * p.stride_b[2] +
                                   i3 * p.stride_b[3] + i4 * p.stride_b[4];
            for (int64_t i5 = 0; i5 < p.dims[5]; ++i5) {
              f(o++, base_a + i5 * p.stride_a[5], base_b + i5 * p.stride_b[5]);
            }
          }
        }
      }
    }
  }
}

}  // namespace liteopt::ops
