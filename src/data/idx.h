// IDX files (the MNIST / Fashion-MNIST format), optionally gzip-compressed.
//
// Layout: a big-endian header {0, 0, type 0x08 (unsigned byte), ndim} followed by ndim big-endian uint32
// dimensions, then the payload. Images are ndim 3 (count, rows, cols), labels ndim 1 (count). The payload
// length must match the header exactly; a gzip stream that is corrupt or ends early is an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace liteopt::data {

struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols bytes, image-major then row-major
};

// Payloads above this size are rejected from the header alone (Fashion-MNIST train is 47 MB).
inline constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 32;

// Reads gzip-compressed or plain IDX files (zlib reads plain files transparently).
Result<IdxImages> ReadIdxImages(const std::string& path);
Result<std::vector<uint8_t>> ReadIdxLabels(const std::string& path);

// Fashion-MNIST label index -> class name.
extern const char* const kFashionMnistClassNames[10];

// Debian's dataset-fashion-mnist location: <dir>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
inline constexpr const char* kFashionMnistDebianDir = "/usr/share/datasets/fashion-mnist";

}  // namespace liteopt::data
