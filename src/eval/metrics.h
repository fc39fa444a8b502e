// Small measurements shared by evaluation and comparison: compressed file size, percentiles, and what kind of
// model a file is (float32, float16, dynamic-range, full integer).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::eval {

// Bytes of `path` compressed as a .gz file with zlib at level 9 (deflate, 32 KiB window, memLevel 8, default
// strategy, gzip wrapper with an empty header): what the file costs to ship or store compressed. Weights that
// look random to deflate (float32) barely shrink; int8 and pruned (zero-filled) weights shrink further.
// NotFound / IoError name the file.
Result<int64_t> GzipSize(const std::string& path);
// The same for bytes in memory.
int64_t GzipSize(const uint8_t* data, size_t size);

// Nearest-rank percentile of ascending `sorted` values: the smallest value with at least q% of the values at
// or below it (q in [0, 100]; q = 0 gives the minimum). 0 for an empty vector.
double PercentileSorted(const std::vector<double>& sorted, double q);

// How a model stores its weights and computes, read from its tensors:
//   kInt16x8     int16 quantized activations (TFLite's 16x8 mode)
//   kInt8/kUInt8 full integer: int8 (or legacy uint8) quantized activations
//   kFloat16     float16 constants (dequantized at load)
//   kDynamicRange int8 constant weights, float activations (hybrid ops)
//   kFloat32     none of the above
enum class ModelKind { kFloat32, kFloat16, kDynamicRange, kInt8, kUInt8, kInt16x8 };
std::string_view ModelKindName(ModelKind kind);  // "float32", "float16", "dynamic-range", "int8", "uint8", "int16x8"
ModelKind ClassifyModel(const ir::Graph& graph, int subgraph = 0);
// True for the kinds whose accuracy comes from quantization (int8, uint8, int16x8, dynamic-range).
bool IsQuantized(ModelKind kind);

}  // namespace liteopt::eval
