// Internal to io/keras: the graph simplifications TFLite's converter applies to a Keras model, on the IR the
// reader builds. BatchNormalization, Rescaling and Normalization arrive as MUL and ADD by per-channel
// constants; those directly after a CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED (whose result nothing
// else reads) are folded into its weights and bias, and a RELU / RELU6 after such an op (or after ADD / MUL)
// becomes its fused activation. Arithmetic in float32 in the converter's order: w * s, b * s + offset.
#pragma once

#include "ir/graph.h"

namespace liteopt::io::keras::internal {

struct FoldStats {
  int folded_mul = 0;
  int folded_add = 0;
  int fused_activations = 0;
};

// Rewrites the main subgraph, then drops the tensors and buffers nothing refers to any more.
FoldStats FoldIntoProducers(ir::Graph& g);

}  // namespace liteopt::io::keras::internal
