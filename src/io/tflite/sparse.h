// TensorFlow Lite's sparse tensor format (Tensor.sparsity, SparsityParameters): reading it back to dense
// values, writing pruned weights in it, and the graph pass that stores a model's weights that way.
//
// The format: a tensor of rank n with k blocked dimensions (block_map, ascending) is viewed as n + k levels:
// levels 0..n-1 are the original dimensions (a blocked one divided by its block size), levels n..n+k-1 the
// blocks' own dimensions. traversal_order orders the levels; dim_metadata[i] describes the i-th level
// visited: DENSE (dense_size entries, all present) or SPARSE_CSR (for each position of the levels above,
// array_segments[p]..array_segments[p+1] index array_indices, the coordinates present). The buffer holds
// the values of every visited leaf in traversal order: a kept block is stored whole, zeros included.
//
// What the official runtime runs (checked with the Node.js oracle, see src/io/tflite/README.md): the DENSIFY
// op (float32, float16, int8 constants with sparsity) turns a sparse constant into a dense tensor once, so any
// op can read it. SparsifyWeights writes CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED filters that way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"

namespace liteopt::io::tflite {

// The dense bytes of a constant tensor stored in the sparse format (t.sparsity set, `values` its buffer).
// The metadata is untrusted: every size, segment and index is checked against the tensor's shape, and the
// values must be exactly the leaves the metadata describes. Errors name the tensor.
Result<std::vector<uint8_t>> DensifyTensor(const ir::Tensor& t, const ir::Buffer& values);

struct SparseTensor {
  ir::Sparsity sparsity;
  std::vector<uint8_t> values;
  // Bytes the encoding takes in a file: values plus the index vectors at their narrowest type.
  size_t EncodedBytes() const;
};

// Encodes dense values of `t` (its dtype and shape) with the innermost dimension in blocks of `block` elements
// (1 = element by element; the dimension must be a multiple of `block`): dimension `sparse_dim` is the
// SPARSE_CSR level, visited after every other dimension (DENSE levels in their order), then the block level.
// With sparse_dim the innermost dimension that is the identity traversal order (one segment per [O, H, W]
// row of a filter); with sparse_dim 0 the order is [1, ..., n-1, 0] (one segment per [H, W, I] column). A
// block is stored when any of its elements is non-zero (+0.0 and -0.0 are both zero). Index vectors use the
// narrowest of uint8, uint16, int32 that fits.
Result<SparseTensor> EncodeSparse(const ir::Tensor& t, const uint8_t* dense, int block, int sparse_dim);
// The smaller of the encodings with the innermost and with the outermost dimension sparse.
Result<SparseTensor> EncodeSparse(const ir::Tensor& t, const uint8_t* dense, int block);

struct SparsifyOptions {
  // Elements per block along the innermost dimension; 1 where that dimension is not a multiple. 0: the smaller
  // encoding of 4 and 1 for each filter (for zeros of unknown structure).
  int block = 4;
  // Only weights whose encoding saves at least this many bytes are rewritten (the extra tensor, op and
  // metadata cost about this much in the file).
  size_t min_saving_bytes = 256;
};

// What SparsifyWeights did with one filter.
struct SparsifiedWeight {
  int op_index = -1;          // the consumer op in the input graph
  std::string op_type;        // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED
  std::string tensor;         // the filter's name
  std::vector<int32_t> shape;
  DType dtype = DType::kFloat32;
  int64_t elements = 0, zeros = 0;
  int block = 1;              // block size used (when sparse)
  size_t dense_bytes = 0;     // the filter's bytes as a dense constant
  size_t sparse_bytes = 0;    // its values + indices in the sparse format (0 when not encoded)
  bool sparse = false;        // stored in the sparse format, densified by a DENSIFY op
  std::string note;           // why it stays dense
  double sparsity() const { return elements ? static_cast<double>(zeros) / elements : 0.0; }
};

// Stores the constant filters of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED (float32 in float ops, int8 in
// full-integer ops) in the sparse format where that makes the file smaller: the filter tensor keeps its
// index, name, shape and quantization but loses its buffer and becomes the output of a DENSIFY op (placed
// first in the subgraph) whose input is a new sparse constant "<name>/sparse" (the last part of a ';'-joined
// name), its encoding in the dense values' buffer unless another tensor shares that buffer. Outputs are
// unchanged bit for bit. Returns one entry per filter examined (also those left dense, with the reason), in op
// order.
Result<std::vector<SparsifiedWeight>> SparsifyWeights(ir::Graph& g, const SparsifyOptions& options);

}  // namespace liteopt::io::tflite
