// Internal to io/keras: appends tensors, constants and ops to a new single-subgraph ir::Graph, with the
// batch dimension marked dynamic (-1) in shape signatures as TFLite's converter does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace liteopt::io::keras::internal {

// BuiltinOptions union tags (TFLite schema values) of the ops the Keras reader emits.
namespace options_tag {
constexpr uint8_t kConv2D = 1, kDepthwiseConv2D = 2, kPool2D = 5, kFullyConnected = 8, kSoftmax = 9,
                  kConcatenation = 10, kAdd = 11, kMul = 21, kPad = 22, kReducer = 27, kSub = 28,
                  kMaximumMinimum = 39, kLeakyRelu = 75, kHardSwish = 91;
}  // namespace options_tag

class IrBuilder {
 public:
  IrBuilder();

  // A float32 activation of the given shape (dimension 0 is the batch).
  int32_t Activation(const std::string& name, std::vector<int32_t> shape);
  int32_t FloatConstant(const std::string& name, std::vector<int32_t> shape, const std::vector<float>& values);
  int32_t Int32Constant(const std::string& name, std::vector<int32_t> shape, const std::vector<int32_t>& values);
  // Appends an op (its version from io/tflite's rules) and returns its index.
  int32_t Op(ir::OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs, ir::OpOptions options = {});

  const std::vector<int32_t>& shape(int32_t tensor) const { return g_.main().tensors[tensor].shape; }
  int32_t num_tensors() const { return static_cast<int32_t>(g_.main().tensors.size()); }
  ir::Tensor& tensor(int32_t t) { return g_.main().tensors[t]; }
  ir::Graph& graph() { return g_; }

 private:
  int32_t AddTensor(ir::Tensor t);
  ir::Graph g_;
};

}  // namespace liteopt::io::keras::internal
