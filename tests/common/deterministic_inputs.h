// The deterministic input rule shared with the oracle (tests/conformance/oracle): element i gets
// u = ((i * 2654435761) mod 2^32 mod 1000) / 1000; float32 -> 2u-1, int8 -> floor(256u)-128,
// uint8 -> floor(256u), int16 -> floor(65536u)-32768, int32 -> floor(10u).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "base/dtype.h"

namespace liteopt::testing {

inline bool HasDeterministicRule(DType t) {
  return t == DType::kFloat32 || t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16 ||
         t == DType::kInt32;
}

inline std::vector<uint8_t> DeterministicInput(DType dtype, int64_t n) {
  std::vector<uint8_t> out(static_cast<size_t>(n) * DTypeSize(dtype));
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t h = static_cast<uint32_t>(static_cast<uint64_t>(i) * 2654435761u);
    const double u = (h % 1000) / 1000.0;
    switch (dtype) {
      case DType::kFloat32: {
        const float v = static_cast<float>(2 * u - 1);
        std::memcpy(&out[i * 4], &v, 4);
        break;
      }
      case DType::kInt8: out[i] = static_cast<uint8_t>(static_cast<int8_t>(std::floor(256 * u) - 128)); break;
      case DType::kUInt8: out[i] = static_cast<uint8_t>(std::floor(256 * u)); break;
      case DType::kInt16: {
        const int16_t v = static_cast<int16_t>(std::floor(65536 * u) - 32768);
        std::memcpy(&out[i * 2], &v, 2);
        break;
      }
      case DType::kInt32: {
        const int32_t v = static_cast<int32_t>(std::floor(10 * u));
        std::memcpy(&out[i * 4], &v, 4);
        break;
      }
      default: break;
    }
  }
  return out;
}

}  // namespace liteopt::testing
