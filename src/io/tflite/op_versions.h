// Operator versions: the version TensorFlow Lite's runtime expects in OperatorCode.version for an op,
// given its input/output element types, quantization and options. The rules restate the facts of
// TFLite's converter versioning (tools/versioning/op_version.cc, GetBuiltinOperatorVersion) for the
// ops liteopt creates; ops without a rule get version 1.
//
// The writer does not call this: it keeps ir::Op::version so files round-trip exactly. Passes that
// create or retype ops set op.version = OperatorVersion(graph, op).
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace liteopt::io::tflite {

// `op` is looked up by address among g's subgraphs to resolve its tensor indices; an op that is not
// (yet) stored in the graph is resolved against the main subgraph. Out-of-range or -1 tensor indices
// count as "no tensor" (no type), as in TFLite.
int32_t OperatorVersion(const ir::Graph& g, const ir::Op& op);

}  // namespace liteopt::io::tflite
