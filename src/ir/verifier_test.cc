#include "ir/verifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace liteopt::ir {
namespace {

Tensor MakeTensor(std::string name, std::vector<int32_t> shape, DType dtype = DType::kFloat32, int32_t buffer = 0) {
  Tensor t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.buffer = buffer;
  return t;
}

Op MakeOp(OpType type, std::vector<int32_t> inputs, std::vector<int32_t> outputs) {
  Op op;
  op.type = type;
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  return op;
}

// in[4] + bias[4] (constant, buffer 1) -> sum[4]; relu(sum) -> out[4].
Graph MakeGraph() {
  Graph g;
  g.buffers.resize(2);
  g.buffers[1] = Buffer::Owned(std::vector<uint8_t>(16, 0));
  Subgraph sg;
  sg.name = "main";
  sg.tensors = {MakeTensor("in", {4}), MakeTensor("bias", {4}, DType::kFloat32, 1), MakeTensor("sum", {4}),
                MakeTensor("out", {4})};
  sg.inputs = {0};
  sg.outputs = {3};
  sg.ops = {MakeOp(OpType::ADD, {0, 1}, {2}), MakeOp(OpType::RELU, {2}, {3})};
  g.subgraphs.push_back(std::move(sg));
  return g;
}

// Asserts Verify fails and its message contains every fragment.
void ExpectError(const Graph& g, std::initializer_list<std::string> fragments) {
  const Status st = Verify(g);
  ASSERT_FALSE(st.ok()) << "expected a verification error";
  for (const auto& f : fragments) EXPECT_NE(st.message().find(f), std::string::npos) << st.message();
}

TEST(Verifier, ValidGraphPasses) {
  const Status st = Verify(MakeGraph());
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(Verifier, NoSubgraph) {
  Graph g = MakeGraph();
  g.subgraphs.clear();
  ExpectError(g, {"no subgraph"});
}

TEST(Verifier, BufferZeroMustBeEmpty) {
  Graph g = MakeGraph();
  g.buffers[0] = Buffer::Owned(std::vector<uint8_t>(4, 1));
  ExpectError(g, {"buffer 0", "4 bytes", "sentinel"});
}

TEST(Verifier, TensorBufferIndexOutOfRange) {
  Graph g = MakeGraph();
  g.main().tensors[1].buffer = 7;
  ExpectError(g, {"subgraph 0 ('main')", "tensor 1 ('bias')", "buffer index 7", "2 buffers"});
}

TEST(Verifier, NegativeDim) {
  Graph g = MakeGraph();
  g.main().tensors[2].shape = {2, -3};
  ExpectError(g, {"tensor 2 ('sum')", "negative dim -3", "axis 1"});
}

TEST(Verifier, ByteSizeOverflow) {
  Graph g = MakeGraph();
  const int32_t big = std::numeric_limits<int32_t>::max();
  g.main().tensors[2].shape = {big, big, big};  // ~9.9e27 elements: the count itself overflows
  ExpectError(g, {"tensor 2 ('sum')", "overflows int64"});
  g.main().tensors[2].shape = {1 << 30, 1 << 30, 4};  // 2^62 elements fit, 2^64 bytes do not
  ExpectError(g, {"tensor 2 ('sum')", "byte size", "overflows int64"});
}

TEST(Verifier, ConstantBufferSizeMismatch) {
  Graph g = MakeGraph();
  g.buffers[1] = Buffer::Owned(std::vector<uint8_t>(12, 0));
  ExpectError(g, {"tensor 1 ('bias')", "holds 12 bytes", "expected 16", "4 elements of float32"});
}

TEST(Verifier, StringAndInt4AndSparseConstantsAreExempt) {
  Graph g = MakeGraph();
  g.buffers[1] = Buffer::Owned(std::vector<uint8_t>(7, 0));
  g.main().tensors[1].dtype = DType::kString;
  EXPECT_TRUE(Verify(g).ok());
  g.main().tensors[1].dtype = DType::kInt4;
  EXPECT_TRUE(Verify(g).ok());
  g.main().tensors[1].dtype = DType::kInt8;
  g.main().tensors[1].sparsity = Sparsity();
  EXPECT_TRUE(Verify(g).ok()) << Verify(g).message();
}

TEST(Verifier, OpInputIndexOutOfRange) {
  Graph g = MakeGraph();
  g.main().ops[0].inputs[1] = 42;
  ExpectError(g, {"op 0 (ADD)", "input 1", "tensor index 42", "4 tensors"});
}

TEST(Verifier, OptionalInputMinusOneIsAllowed) {
  Graph g = MakeGraph();
  g.main().ops[0].inputs.push_back(-1);
  EXPECT_TRUE(Verify(g).ok());
  g.main().ops[0].inputs.back() = -2;
  ExpectError(g, {"op 0 (ADD)", "input 2", "tensor index -2"});
}

TEST(Verifier, OpOutputAndIntermediateIndexOutOfRange) {
  Graph g = MakeGraph();
  g.main().ops[1].outputs[0] = -1;
  ExpectError(g, {"op 1 (RELU)", "output 0", "tensor index -1"});
  g = MakeGraph();
  g.main().ops[1].intermediates = {9};
  ExpectError(g, {"op 1 (RELU)", "intermediate 0", "tensor index 9"});
}

TEST(Verifier, SubgraphInputOutputIndexOutOfRange) {
  Graph g = MakeGraph();
  g.main().inputs = {5};
  ExpectError(g, {"input 0", "tensor index 5"});
  g = MakeGraph();
  g.main().outputs = {-1};
  ExpectError(g, {"output 0", "tensor index -1"});
}

TEST(Verifier, TensorProducedTwice) {
  Graph g = MakeGraph();
  g.main().ops[1].outputs[0] = 2;
  ExpectError(g, {"tensor 2 ('sum')", "produced by both op 0 (ADD) and op 1 (RELU)"});
}

TEST(Verifier, ProducedTensorIsConstant) {
  Graph g = MakeGraph();
  g.main().tensors[2].buffer = 1;
  ExpectError(g, {"tensor 2 ('sum')", "op 0 (ADD)", "constant"});
}

TEST(Verifier, SubgraphInputProducedByOp) {
  Graph g = MakeGraph();
  g.main().inputs = {0, 2};
  ExpectError(g, {"tensor 2 ('sum')", "subgraph input", "op 0 (ADD)"});
}

TEST(Verifier, CycleNamesOpsAndTensor) {
  // op 0 consumes op 1's output.
  Graph g = MakeGraph();
  g.main().ops[0].inputs[1] = 3;
  ExpectError(g, {"op 0 (ADD)", "input 1", "tensor 3 ('out')", "later op 1 (RELU)"});
}

TEST(Verifier, OpConsumesItsOwnOutput) {
  Graph g = MakeGraph();
  g.main().ops[1].inputs[0] = 3;
  ExpectError(g, {"op 1 (RELU)", "tensor 3 ('out')", "the op itself"});
}

TEST(Verifier, InputNeverProduced) {
  Graph g = MakeGraph();
  g.main().tensors.push_back(MakeTensor("dangling", {4}));
  g.main().ops[1].inputs.push_back(4);
  ExpectError(g, {"op 1 (RELU)", "input 1", "tensor 4 ('dangling')", "not produced by any op"});
}

TEST(Verifier, VariableInputIsAvailable) {
  Graph g = MakeGraph();
  g.main().tensors.push_back(MakeTensor("state", {4}));
  g.main().tensors.back().is_variable = true;
  g.main().ops[1].inputs.push_back(4);
  EXPECT_TRUE(Verify(g).ok()) << Verify(g).message();
}

TEST(Verifier, OutputNotProduced) {
  Graph g = MakeGraph();
  g.main().tensors.push_back(MakeTensor("orphan", {4}));
  g.main().outputs.push_back(4);
  ExpectError(g, {"output 1", "tensor 4 ('orphan')", "not produced"});
}

TEST(Verifier, QuantizationCounts) {
  Graph g = MakeGraph();
  Tensor& t = g.main().tensors[0];
  t.dtype = DType::kInt8;
  t.quant.scale = {0.5f};
  t.quant.zero_point = {0, 0};
  ExpectError(g, {"tensor 0 ('in')", "1 scales but 2 zero points"});
  t.quant.zero_point.clear();  // zero points may be absent
  EXPECT_TRUE(Verify(g).ok());
  t.quant.scale = {0.5f, 0.25f, 1.0f};
  ExpectError(g, {"tensor 0 ('in')", "3 scales", "shape[0] = 4"});
  t.quant.scale = {0.5f, 0.25f, 1.0f, 2.0f};
  t.quant.quantized_dimension = 1;
  ExpectError(g, {"tensor 0 ('in')", "quantized_dimension 1 out of range"});
  t.quant.quantized_dimension = 0;
  EXPECT_TRUE(Verify(g).ok());
}

TEST(Verifier, PerTensorQuantizedDimensionInRange) {
  Graph g = MakeGraph();
  Tensor& t = g.main().tensors[0];
  t.dtype = DType::kInt8;
  t.quant.scale = {0.5f};
  t.quant.quantized_dimension = 3;  // TFLite's loader rejects this even for one scale
  ExpectError(g, {"tensor 0 ('in')", "quantized_dimension 3 out of range"});
  t.shape = {};
  EXPECT_TRUE(Verify(g).ok()) << "scalars accept any quantized_dimension >= 0";
}

TEST(Verifier, QuantizationScalesPositiveAndFinite) {
  Graph g = MakeGraph();
  Tensor& t = g.main().tensors[0];
  t.dtype = DType::kInt8;
  t.quant.scale = {0.0f};
  ExpectError(g, {"tensor 0 ('in')", "scale[0]", "finite and > 0"});
  t.quant.scale = {std::nanf("")};
  ExpectError(g, {"tensor 0 ('in')", "scale[0]"});
  t.quant.scale = {-1.0f};
  ExpectError(g, {"scale[0] = -1"});
  t.dtype = DType::kFloat32;  // float tensors carrying calibration scales are not checked
  EXPECT_TRUE(Verify(g).ok());
}

TEST(Verifier, ShapeSignatureRank) {
  Graph g = MakeGraph();
  g.main().tensors[0].shape_signature = {-1, 4};
  ExpectError(g, {"tensor 0 ('in')", "shape_signature", "rank 2"});
  g.main().tensors[0].shape_signature = {-1};
  EXPECT_TRUE(Verify(g).ok());
}

TEST(Verifier, SignatureAndMetadataIndices) {
  Graph g = MakeGraph();
  SignatureDef sig;
  sig.key = "serving_default";
  sig.subgraph = 1;
  g.signatures.push_back(sig);
  ExpectError(g, {"signature 0 ('serving_default')", "subgraph index 1"});
  g.signatures[0].subgraph = 0;
  g.signatures[0].outputs.push_back({"y", 10});
  ExpectError(g, {"signature 0 ('serving_default')", "output 'y'", "tensor index 10"});
  g.signatures[0].outputs[0].tensor = 3;
  EXPECT_TRUE(Verify(g).ok());
  g.metadata.push_back({"min_runtime_version", 5});
  ExpectError(g, {"metadata 0 ('min_runtime_version')", "buffer index 5"});
}

TEST(Verifier, InvalidDtype) {
  Graph g = MakeGraph();
  g.main().tensors[3].dtype = static_cast<DType>(42);
  ExpectError(g, {"tensor 3 ('out')", "invalid dtype 42"});
}

}  // namespace
}  // namespace liteopt::ir
