// Quantization-aware training's learned activation ranges (KerasModel::qat_ranges, by tensor name) laid out
// per tensor of a graph for the int8 converter (quant::ConvertOptions::activation_ranges), as TFLite's
// converter uses a QAT model's FakeQuant ranges: no recalibration.
//
// TFMOT quantizes the outputs of the layers it wraps (after the fused activation) and the model input; the
// layers it leaves unquantized (Reshape, Flatten, pooling, ...) share their input's parameters in TFLite's
// int8 spec, so their outputs take their input's range here; SOFTMAX / LOGISTIC / TANH have fixed int8
// parameters (any range will do: [0, 1] / [-1, 1]). Every other float activation without a learned range is
// reported in `missing` (calibrate those, or fail).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace liteopt::io::keras {

using LearnedRanges = std::map<std::string, std::pair<float, float>>;

struct ResolvedRanges {
  // Per tensor of the main subgraph: (min, max) for float activations that have one, nullopt otherwise
  // (constants, integer tensors, and the `missing` ones).
  std::vector<std::optional<std::pair<float, float>>> by_tensor;
  std::vector<int32_t> missing;  // float activations without a range, in execution order
  int learned = 0;               // ranges taken from the model
  int derived = 0;               // ranges shared from the input or fixed by the op
};

// `g` is the graph as it will be quantized (after the converter's cleanups): names are matched there.
ResolvedRanges ResolveQatRanges(const ir::Graph& g, const LearnedRanges& learned);

// "'conv2d/relu' (CONV_2D), 'x' (graph input)", for error messages.
std::string DescribeTensors(const ir::Graph& g, const std::vector<int32_t>& tensors);

}  // namespace liteopt::io::keras
