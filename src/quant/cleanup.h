// Float graph cleanups run before every conversion (TFLiteConverter's own graph simplifications, the safe
// subset): constant folding, fusing RELU / RELU6 / RELU_N1_TO_1 into the preceding op, removing no-op
// reshapes and casts, removing ops whose results nobody reads. Each pass keeps the graph's outputs and
// their names; a pass that cannot prove a rewrite safe leaves the graph alone.
#pragma once

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::quant {

struct CleanupOptions {
  // Fold DEQUANTIZE ops of constants (float16 / int8 weights) into float32 constants. Off for float output
  // (keeps float16 weights compact); on before quantizing, which needs the float weights.
  bool fold_dequantize = false;
};

struct CleanupStats {
  int folded_ops = 0;
  int fused_activations = 0;
  int removed_noops = 0;
  int removed_dead_ops = 0;
};

// Runs every pass on the main subgraph, then drops unused tensors and buffers. Ops of other subgraphs are
// left as they are. Errors only when the graph cannot be prepared for folding for a reason other than an op
// liteopt cannot run (folding is then skipped).
Result<CleanupStats> CleanupGraph(ir::Graph& g, const CleanupOptions& options = {});

// The individual passes, on the main subgraph (exposed for tests).
int FoldConstants(ir::Graph& g, bool fold_dequantize);
int FuseActivations(ir::Graph& g);
int RemoveNoOps(ir::Graph& g);
int RemoveDeadOps(ir::Graph& g);

}  // namespace liteopt::quant
