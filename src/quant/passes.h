// The conversion passes behind quant::Convert (internal to src/quant). Each takes a cleaned float graph and
// returns the converted graph, not yet compacted or verified.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"
#include "quant/calibration.h"
#include "quant/convert.h"

namespace liteopt::quant {

// Weights with fewer elements stay float in dynamic-range mode (TFLiteConverter's threshold).
constexpr int64_t kMinElementsForDynamicRange = 1024;

// True when `op` is selected by a --keep-float name (its output tensor's name or its op type name).
bool KeepFloat(const ir::Subgraph& sg, const ir::Op& op, const std::vector<std::string>& names);

// Symmetric int8 quantization of a float weight tensor onto [-127, 127]: per slice along `axis`, or per tensor
// when axis < 0. Returns the int8 values and one scale per slice.
struct SymmetricWeights {
  std::vector<int8_t> values;
  std::vector<float> scales;
};
SymmetricWeights QuantizeWeightsSymmetric(const std::vector<float>& w, const std::vector<int32_t>& shape, int axis);

Result<ir::Graph> QuantizeDynamicRange(const ir::Graph& g, const ConvertOptions& options);
Result<ir::Graph> QuantizeFloat16(const ir::Graph& g, const ConvertOptions& options);
// Full integer, or 16x8 when options.mode is kInt16x8.
Result<ir::Graph> QuantizeFullInteger(const ir::Graph& g, const ConvertOptions& options,
                                      const std::vector<TensorRange>& ranges);
// The ops of a float graph that have no int8 form in liteopt (no int16x8 form when options.mode is kInt16x8):
// "op 3 'name' (LSTM)", keep-float ops excluded.
std::vector<std::string> OpsWithoutInt8Form(const ir::Graph& g, const ConvertOptions& options);

}  // namespace liteopt::quant
