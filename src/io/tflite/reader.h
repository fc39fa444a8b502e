// Reads TensorFlow Lite flatbuffer models (.tflite, schema version 3, identifier "TFL3") into ir::Graph.
//
// Contract: the file is untrusted. Every offset, index and size is checked before use; on success
// the returned graph has passed ir::Verify. Constant buffers are not copied: they point into the
// read-only mapping (or the caller's byte vector), kept alive by ir::Buffer::owner, and are 16-byte
// aligned (a misaligned buffer in a crafted file is copied). Buffers stored after the flatbuffer
// (the >2 GB layout: Buffer.offset/size, offset counted from the file start) and large custom
// options are supported with bounds checks.
//
// Repair: an out-of-range quantized_dimension becomes 0 on per-tensor quantization (where it means
// nothing) and on rank-1 per-channel tensors with one scale per element (TOCO wrote 3 on biases);
// TFLite itself rejects such files.
// Like TensorFlow Lite, a buffer without the "TFL3" identifier is rejected, as is a schema version
// other than 3. Unknown builtin ops and custom ops are kept (the interpreter rejects them later).
// Rejected as Unsupported (the IR cannot hold them): tensor element types beyond BFLOAT16 (INT2,
// UINT4, FLOAT8), QuantizationParameters.details (custom/blockwise/multi-axis quantization),
// tensors in external buffer files, and ops carrying builtin_options_2 (StableHLO family).
// Dropped because the IR has no slot and TFLite's runtime ignores them: Operator.mutating_variable_inputs,
// Model.metadata_buffer (legacy), debug_metadata_index, Tensor.variant_tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::io::tflite {

// mmaps `path` read-only and parses it. Error messages start with the path.
Result<std::shared_ptr<ir::Graph>> ReadTfliteFile(const std::string& path);

// Parses a model held in memory; the graph's buffers keep `bytes` alive. `name_for_errors`
// prefixes error messages.
Result<std::shared_ptr<ir::Graph>> ReadTfliteBuffer(std::shared_ptr<const std::vector<uint8_t>> bytes,
                                                    std::string name_for_errors);

// The "min_runtime_version" metadata entry (NUL padding stripped), if the model has one.
std::optional<std::string> MinRuntimeVersion(const ir::Graph& g);

}  // namespace liteopt::io::tflite
