// Text formatting shared by the CLI commands.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace liteopt::cli {

inline std::string HumanBytes(long long n) {
  char buf[64];
  if (n < 0) return "?";
  if (n < 1024) std::snprintf(buf, sizeof buf, "%lld B", n);
  else if (n < 1024 * 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
  else std::snprintf(buf, sizeof buf, "%.2f MiB", n / (1024.0 * 1024.0));
  return buf;
}

inline std::string ShapeText(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

inline std::string QuantText(const ir::QuantParams& q) {
  if (!q.quantized()) return "";
  char buf[128];
  if (q.per_axis()) {
    std::snprintf(buf, sizeof buf, "per-axis q (dim %d, %zu scales)", q.quantized_dimension, q.scale.size());
  } else {
    std::snprintf(buf, sizeof buf, "q(scale=%.6g, zp=%lld)", q.scale[0],
                  static_cast<long long>(q.zero_point.empty() ? 0 : q.zero_point[0]));
  }
  return buf;
}

}  // namespace liteopt::cli
