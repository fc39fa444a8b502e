// NumPy .npy files: read format versions 1.0, 2.0 and 3.0, write 1.0.
//
// Supported dtypes (little-endian or byte-order-free only): '<f4' '<f2' '<f8' '|i1' '|u1' '<i2' '<u2'
// '<i4' '<u4' '<i8' '<u8' '|b1'. Arrays must be C-ordered. Files are untrusted: the header is parsed
// with bounds checks and the payload size must equal prod(shape) * itemsize exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"

namespace liteopt::data {

struct NpyArray {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // empty for a 0-d (scalar) array
  std::vector<uint8_t> data;   // C-order, little-endian, prod(shape) * DTypeSize(dtype) bytes

  int64_t num_elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

Result<NpyArray> ReadNpy(const std::string& path);
// Parses an in-memory .npy file; `name` is used in error messages.
Result<NpyArray> ParseNpy(const uint8_t* bytes, size_t size, const std::string& name = "<memory>");

// Writes a v1.0 .npy file atomically: the bytes go to a temporary file in the same directory, which is
// then renamed over `path`, so readers never see a partial file. `size` must equal
// prod(shape) * DTypeSize(dtype).
Status WriteNpy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data,
                size_t size);

// The descr string for a supported dtype ("<f4"), or empty if the dtype has no .npy mapping here.
std::string NpyDescr(DType dtype);

}  // namespace liteopt::data
