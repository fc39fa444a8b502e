// Writes ir::Graph as a TensorFlow Lite flatbuffer (.tflite, schema version 3, identifier "TFL3").
//
// Contract: the output is a deterministic function of the graph (same graph -> same bytes).
// Op versions are written as stored in ir::Op::version (use OperatorVersion from op_versions.h for
// ops liteopt creates); operator codes get both builtin_code and deprecated_builtin_code (capped at
// 127 = PLACEHOLDER_FOR_GREATER_OP_CODES); constant buffers are 16-byte aligned; option tables follow
// io/tflite/options.h. The graph is not verified (so tests can write broken graphs); call
// ir::Verify first when the graph comes from an untrusted transformation.
// Scales without zero points are written with zero points of 0 (TFLite requires them).
// Models whose constant data does not fit in a 2 GiB flatbuffer return Unsupported.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::io::tflite {

Result<std::vector<uint8_t>> SerializeTflite(const ir::Graph& g);

// Serializes `g` and writes it to `path` atomically: the bytes go to `path`.tmp.<pid> in the same
// directory, are fsynced, then renamed over `path`. The temporary file is removed on failure, so a
// crash or error never leaves a half-written model at `path`.
Status WriteTfliteFile(const ir::Graph& g, const std::string& path);

}  // namespace liteopt::io::tflite
