// The one IR in the middle: a model is a list of subgraphs over shared constant buffers.
// Everything that reads a file produces an ir::Graph; everything that writes one consumes it.
// Layout follows TFLite's object model (NHWC activations, OHWI conv filters, 1HWO depthwise filters)
// so that reading and writing .tflite is a 1:1 mapping.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"

namespace liteopt::ir {

enum class OpType : int32_t {
#define LITEOPT_OP(name, code) name = code,
#include "ir/ops.def"
#undef LITEOPT_OP
};

// "CONV_2D" for known codes, "BUILTIN_<n>" otherwise.
std::string OpTypeName(OpType t);
// Inverse of OpTypeName for known names; nullopt otherwise.
std::optional<OpType> OpTypeFromName(std::string_view name);

enum class Padding : int8_t { kSame = 0, kValid = 1 };
enum class Activation : int8_t { kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3, kTanh = 4, kSignBit = 5 };
std::string_view ActivationName(Activation a);

// Quantization of one tensor. Empty scale = not quantized. Per-axis when scale.size() > 1.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  std::vector<float> min, max;  // calibration ranges some files carry
  int32_t quantized_dimension = 0;

  bool quantized() const { return !scale.empty(); }
  bool per_axis() const { return scale.size() > 1; }
  bool operator==(const QuantParams&) const = default;
};

// TFLite's sparse tensor encoding, kept as read so it can be written back and densified.
struct DimensionMetadata {
  int8_t format = 0;  // 0 = DENSE, 1 = SPARSE_CSR
  int32_t dense_size = 0;
  std::vector<int32_t> array_segments;
  std::vector<int32_t> array_indices;
  int8_t segments_type = 0;  // SparseIndexVector member used in the file (1 int32, 2 uint16, 3 uint8)
  int8_t indices_type = 0;
  bool operator==(const DimensionMetadata&) const = default;
};
struct Sparsity {
  std::vector<int32_t> traversal_order;
  std::vector<int32_t> block_map;
  std::vector<DimensionMetadata> dim_metadata;
  bool operator==(const Sparsity&) const = default;
};

// Constant data. Either points into memory owned elsewhere (e.g. the mmapped model file, kept alive by
// `owner`) or owns its bytes.
struct Buffer {
  const uint8_t* data = nullptr;
  size_t size = 0;
  std::shared_ptr<const void> owner;

  static Buffer Owned(std::vector<uint8_t> bytes);
  bool empty() const { return size == 0; }
};

struct Tensor {
  std::string name;
  DType dtype = DType::kFloat32;
  std::vector<int32_t> shape;
  std::vector<int32_t> shape_signature;  // -1 marks dynamic dims; empty when the file had none
  int32_t buffer = 0;                    // index into Graph::buffers; 0 (the empty sentinel) = no data
  QuantParams quant;
  bool is_variable = false;
  std::optional<Sparsity> sparsity;
  bool has_rank = false;
};

// Builtin options of every op liteopt knows, flattened into one struct: each op reads the fields it has.
// `type` is the TFLite BuiltinOptions union tag the op carries (0 = none), kept so files round-trip.
struct OpOptions {
  uint8_t type = 0;
  Padding padding = Padding::kSame;
  int32_t stride_w = 1, stride_h = 1;
  int32_t dilation_w = 1, dilation_h = 1;
  int32_t filter_w = 1, filter_h = 1;
  int32_t depth_multiplier = 1;
  Activation activation = Activation::kNone;
  int32_t axis = 0;
  int32_t num_splits = 0;
  int32_t values_count = 0;
  float beta = 1.0f;    // softmax
  float alpha = 0.0f;   // leaky relu
  bool keep_dims = false;
  bool keep_num_dims = false;
  bool asymmetric_quantize_inputs = false;
  bool align_corners = false;
  bool half_pixel_centers = false;
  bool pot_scale_int16 = true;
  int8_t weights_format = 0;
  int8_t quantized_bias_type = 0;
  std::vector<int32_t> new_shape;     // reshape
  std::vector<int32_t> squeeze_dims;  // squeeze
  int32_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;                // strided slice
  DType out_type = DType::kInt32;     // shape, arg_max
  // Recurrent ops (read and written, not executed).
  float cell_clip = 0.0f, proj_clip = 0.0f;
  bool time_major = false;
  bool diagonal_recurrent_tensors = false;
  bool operator==(const OpOptions&) const = default;
};

struct Op {
  OpType type = OpType::ADD;
  int32_t version = 1;
  std::string custom_code;            // for CUSTOM
  std::vector<int32_t> inputs;        // tensor indices; -1 = optional input absent
  std::vector<int32_t> outputs;
  std::vector<int32_t> intermediates;
  OpOptions options;
  std::vector<uint8_t> custom_options;
};

struct Subgraph {
  std::string name;
  std::vector<Tensor> tensors;
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  std::vector<Op> ops;  // in execution order
};

struct SignatureDef {
  struct Entry {
    std::string name;
    int32_t tensor = 0;
    bool operator==(const Entry&) const = default;
  };
  std::string key;
  int32_t subgraph = 0;
  std::vector<Entry> inputs, outputs;
  bool operator==(const SignatureDef&) const = default;
};

struct Metadata {
  std::string name;
  int32_t buffer = 0;
  bool operator==(const Metadata&) const = default;
};

struct Graph {
  uint32_t version = 3;
  std::string description;
  std::vector<Buffer> buffers;  // buffers[0] is the empty sentinel, as in TFLite
  std::vector<Subgraph> subgraphs;
  std::vector<SignatureDef> signatures;
  std::vector<Metadata> metadata;

  const Subgraph& main() const { return subgraphs.front(); }
  Subgraph& main() { return subgraphs.front(); }
  // Constant data of a tensor, or an empty buffer for activations.
  const Buffer& data(const Tensor& t) const;
};

// Number of elements of a shape; -1 on overflow of int64 or a negative dim.
int64_t NumElements(const std::vector<int32_t>& shape);

}  // namespace liteopt::ir
