#include "data/idx.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace liteopt::data {

const char* const kFashionMnistClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

namespace {

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads exactly n bytes, appending to *out; error if the stream ends early or is corrupt.
Status ReadExact(gzFile f, uint64_t n, std::vector<uint8_t>* out, const std::string& path, const char* what) {
  const size_t start = out->size();
  uint64_t done = 0;
  while (done < n) {
    // Grow as data arrives instead of trusting the header for one large allocation.
    const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - done, 1u << 20));
    out->resize(start + done + chunk);
    const int r = gzread(f, out->data() + start + done, chunk);
    if (r < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      return DataLoss(path + ": corrupt gzip stream while reading the " + what + ": " + (msg ? msg : "?"));
    }
    if (r == 0) {
      return DataLoss(path + ": truncated IDX: " + what + " needs " + std::to_string(n) + " bytes, got " +
                      std::to_string(done));
    }
    done += static_cast<uint64_t>(r);
  }
  out->resize(start + done);
  return Status::Ok();
}

uint32_t BigEndian32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// Opens the file, checks the magic for ubyte data with `ndim` dimensions, returns the dimensions.
Result<std::vector<uint32_t>> ReadHeader(gzFile f, int ndim, const std::string& path) {
  std::vector<uint8_t> head;
  // The magic is checked before the dimensions are read so that a wrong file type is named as such.
  LITEOPT_RETURN_IF_ERROR(ReadExact(f, 4, &head, path, "header"));
  if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != ndim) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%02x %02x %02x %02x", head[0], head[1], head[2], head[3]);
    return DataLoss(path + ": not an IDX file of unsigned bytes with " + std::to_string(ndim) +
                    " dimensions: magic is " + buf + ", expected 00 00 08 0" + std::to_string(ndim));
  }
  LITEOPT_RETURN_IF_ERROR(ReadExact(f, 4 * static_cast<uint64_t>(ndim), &head, path, "header"));
  std::vector<uint32_t> dims(ndim);
  for (int i = 0; i < ndim; ++i) dims[i] = BigEndian32(&head[4 + 4 * i]);
  return dims;
}

Status ExpectEnd(gzFile f, const std::string& path) {
  uint8_t extra;
  const int r = gzread(f, &extra, 1);
  if (r < 0) return DataLoss(path + ": corrupt gzip stream at the end of the IDX payload");
  if (r > 0) return DataLoss(path + ": IDX file has trailing bytes after the payload declared by its header");
  return Status::Ok();
}

Result<GzFile> Open(const std::string& path) {
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) return NotFound(path + ": cannot open: " + std::strerror(errno));
  return f;
}

}  // namespace

Result<IdxImages> ReadIdxImages(const std::string& path) {
  LITEOPT_ASSIGN_OR_RETURN(GzFile f, Open(path));
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint32_t> dims, ReadHeader(f.get(), 3, path));
  const uint64_t bytes = static_cast<uint64_t>(dims[0]) * dims[1] * dims[2];  // < 2^96 is impossible: checked
  if (dims[0] > 0x7FFFFFFF || dims[1] > 0xFFFF || dims[2] > 0xFFFF || bytes > kMaxIdxBytes) {
    return DataLoss(path + ": implausible IDX image dimensions " + std::to_string(dims[0]) + " x " +
                    std::to_string(dims[1]) + " x " + std::to_string(dims[2]));
  }
  IdxImages out;
  out.count = static_cast<int>(dims[0]);
  out.rows = static_cast<int>(dims[1]);
  out.cols = static_cast<int>(dims[2]);
  LITEOPT_RETURN_IF_ERROR(ReadExact(f.get(), bytes, &out.pixels, path, "image data"));
  LITEOPT_RETURN_IF_ERROR(ExpectEnd(f.get(), path));
  return out;
}

Result<std::vector<uint8_t>> ReadIdxLabels(const std::string& path) {
  LITEOPT_ASSIGN_OR_RETURN(GzFile f, Open(path));
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint32_t> dims, ReadHeader(f.get(), 1, path));
  if (dims[0] > 0x7FFFFFFF) return DataLoss(path + ": implausible IDX label count " + std::to_string(dims[0]));
  std::vector<uint8_t> labels;
  LITEOPT_RETURN_IF_ERROR(ReadExact(f.get(), dims[0], &labels, path, "label data"));
  LITEOPT_RETURN_IF_ERROR(ExpectEnd(f.get(), path));
  return labels;
}

}  // namespace liteopt::data
