#include "eval/metrics.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace liteopt::eval {

int64_t GzipSize(const uint8_t* data, size_t size) {
  z_stream zs{};
  // windowBits 15 + 16: gzip wrapper (10-byte header without name or time, 8-byte trailer).
  if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return -1;
  std::vector<uint8_t> out(1 << 16);
  int64_t total = 0;
  size_t offset = 0;
  int rc = Z_OK;
  do {
    // zlib counts in uInt: feed at most 1 GiB at a time.
    const size_t chunk = std::min<size_t>(size - offset, size_t{1} << 30);
    zs.next_in = const_cast<Bytef*>(data + offset);
    zs.avail_in = static_cast<uInt>(chunk);
    offset += chunk;
    const int flush = offset == size ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      rc = deflate(&zs, flush);
      total += static_cast<int64_t>(out.size() - zs.avail_out);
    } while (zs.avail_out == 0);
  } while (offset < size);
  deflateEnd(&zs);
  return rc == Z_STREAM_END ? total : -1;
}

Result<int64_t> GzipSize(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return NotFound(path + ": cannot open the file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), {});
  if (f.bad()) return IoError(path + ": read error");
  const int64_t n = GzipSize(bytes.data(), bytes.size());
  if (n < 0) return Internal(path + ": zlib failed to compress the file");
  return n;
}

double PercentileSorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double rank = std::ceil(std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size()));
  const size_t i = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(i, sorted.size() - 1)];
}

std::string_view ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kFloat32:
      return "float32";
    case ModelKind::kFloat16:
      return "float16";
    case ModelKind::kDynamicRange:
      return "dynamic-range";
    case ModelKind::kInt8:
      return "int8";
    case ModelKind::kUInt8:
      return "uint8";
    case ModelKind::kInt16x8:
      return "int16x8";
  }
  return "?";
}

bool IsQuantized(ModelKind kind) {
  return kind == ModelKind::kInt8 || kind == ModelKind::kUInt8 || kind == ModelKind::kInt16x8 ||
         kind == ModelKind::kDynamicRange;
}

ModelKind ClassifyModel(const ir::Graph& graph, int subgraph) {
  if (subgraph < 0 || subgraph >= static_cast<int>(graph.subgraphs.size())) return ModelKind::kFloat32;
  bool int16_act = false, int8_act = false, uint8_act = false, fp16_const = false, int8_const = false;
  for (const ir::Tensor& t : graph.subgraphs[subgraph].tensors) {
    const bool is_const = !graph.data(t).empty();
    if (is_const) {
      fp16_const |= t.dtype == DType::kFloat16;
      int8_const |= t.dtype == DType::kInt8 && t.quant.quantized();
      continue;
    }
    if (!t.quant.quantized()) continue;
    int16_act |= t.dtype == DType::kInt16;
    int8_act |= t.dtype == DType::kInt8;
    uint8_act |= t.dtype == DType::kUInt8;
  }
  if (int16_act) return ModelKind::kInt16x8;
  if (int8_act) return ModelKind::kInt8;  // uint8 I/O around int8 compute is still an int8 model
  if (uint8_act) return ModelKind::kUInt8;
  if (fp16_const) return ModelKind::kFloat16;
  if (int8_const) return ModelKind::kDynamicRange;
  return ModelKind::kFloat32;
}

}  // namespace liteopt::eval
