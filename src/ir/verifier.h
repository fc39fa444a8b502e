// Semantic checks of an ir::Graph: run after a file is read (the TFLite reader calls it) and usable on
// graphs built in memory. After Verify passes, every index in the graph is in range, every constant
// buffer matches its tensor's byte size, byte sizes fit in int64, quantization parameters are
// consistent, and ops are in a valid execution order (each input available before it is used).
// It does not check op semantics (arity, shapes, dtypes per op): that is each kernel's prepare step.
#pragma once

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::ir {

// Returns Ok or the first violation found. Messages name the subgraph (index and name), the op
// (index and OpTypeName), the tensor (index and name), and the value found vs. expected.
//
// Rules:
//  * at least one subgraph; buffers non-empty with buffers[0] the empty sentinel; a buffer with
//    size > 0 has data;
//  * tensor: valid dtype, buffer index in range, shape dims >= 0, element count and byte size fit
//    in int64, shape_signature (if any) has the rank of shape with dims >= -1;
//  * constant tensor (buffer > 0 with data): byte size == num_elements * DTypeSize(dtype), except
//    string, int4, dtypes without a fixed size, and sparse tensors;
//  * quantization: zero_point empty or the same count as scale; quantized_dimension in [0, rank)
//    (any value 0 for scalars); per-axis: scale count == shape[quantized_dimension]; integer tensors
//    have finite scales > 0;
//  * op inputs in range or -1 (optional), outputs and intermediates in range;
//  * each tensor produced by at most one op; a produced tensor is neither constant nor a subgraph
//    input; every op input is constant, a subgraph input, a variable, or produced by an earlier op;
//  * subgraph inputs/outputs in range; each output is produced, a subgraph input, or constant;
//  * signature defs point at existing subgraphs and tensors; metadata at existing buffers.
Status Verify(const Graph& g);

}  // namespace liteopt::ir
