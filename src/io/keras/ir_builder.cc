#include "io/keras/ir_builder.h"

#include <cstring>

#include "io/tflite/op_versions.h"

namespace liteopt::io::keras::internal {

namespace {

template <typename T>
std::vector<uint8_t> Bytes(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace

IrBuilder::IrBuilder() {
  g_.description = "liteopt (Keras HDF5)";
  g_.buffers.emplace_back();  // the empty sentinel
  g_.subgraphs.emplace_back();
  g_.main().name = "main";
}

int32_t IrBuilder::AddTensor(ir::Tensor t) {
  t.has_rank = true;
  g_.main().tensors.push_back(std::move(t));
  return num_tensors() - 1;
}

int32_t IrBuilder::Activation(const std::string& name, std::vector<int32_t> shape) {
  ir::Tensor t;
  t.name = name;
  t.shape_signature = shape;
  if (!t.shape_signature.empty()) t.shape_signature[0] = -1;
  t.shape = std::move(shape);
  return AddTensor(std::move(t));
}

int32_t IrBuilder::FloatConstant(const std::string& name, std::vector<int32_t> shape, const std::vector<float>& values) {
  ir::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.buffer = static_cast<int32_t>(g_.buffers.size());
  g_.buffers.push_back(ir::Buffer::Owned(Bytes(values)));
  return AddTensor(std::move(t));
}

int32_t IrBuilder::Int32Constant(const std::string& name, std::vector<int32_t> shape,
                                 const std::vector<int32_t>& values) {
  ir::Tensor t;
  t.name = name;
  t.dtype = DType::kInt32;
  t.shape = std::move(shape);
  t.buffer = static_cast<int32_t>(g_.buffers.size());
  g_.buffers.push_back(ir::Buffer::Owned(Bytes(values)));
  return AddTensor(std::move(t));
}

int32_t IrBuilder::Op(ir::OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                      ir::OpOptions options) {
  ir::Op op;
  op.type = type;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  op.options = std::move(options);
  g_.main().ops.push_back(std::move(op));
  g_.main().ops.back().version = io::tflite::OperatorVersion(g_, g_.main().ops.back());
  return static_cast<int32_t>(g_.main().ops.size()) - 1;
}

}  // namespace liteopt::io::keras::internal
