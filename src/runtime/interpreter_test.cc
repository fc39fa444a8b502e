#include "runtime/interpreter.h"

#include <gtest/gtest.h>

#include <cstring>

#include "io/tflite/writer.h"

namespace liteopt::runtime {
namespace {

ir::Tensor MakeTensor(std::string name, std::vector<int32_t> shape, int32_t buffer = 0, DType t = DType::kFloat32) {
  ir::Tensor x;
  x.name = std::move(name);
  x.shape = std::move(shape);
  x.buffer = buffer;
  x.dtype = t;
  return x;
}

ir::Op MakeOp(ir::OpType type, std::vector<int32_t> in, std::vector<int32_t> out) {
  ir::Op op;
  op.type = type;
  op.inputs = std::move(in);
  op.outputs = std::move(out);
  return op;
}

template <typename T>
ir::Buffer BufferOf(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return ir::Buffer::Owned(std::move(b));
}

// x[?,3] -> ADD(x, c) -> t1 -> RELU -> t2 -> ADD(t2, c) -> t3 -> RELU -> y
std::shared_ptr<ir::Graph> ChainGraph() {
  auto g = std::make_shared<ir::Graph>();
  g->buffers.push_back({});
  g->buffers.push_back(BufferOf<float>({1.0f, -2.0f, 0.5f}));
  ir::Subgraph sg;
  sg.tensors = {MakeTensor("x", {2, 3}), MakeTensor("c", {3}, 1), MakeTensor("t1", {2, 3}), MakeTensor("t2", {2, 3}),
                MakeTensor("t3", {2, 3}), MakeTensor("y", {2, 3})};
  sg.inputs = {0};
  sg.outputs = {5};
  sg.ops = {MakeOp(ir::OpType::ADD, {0, 1}, {2}), MakeOp(ir::OpType::RELU, {2}, {3}),
            MakeOp(ir::OpType::ADD, {3, 1}, {4}), MakeOp(ir::OpType::RELU, {4}, {5})};
  g->subgraphs.push_back(std::move(sg));
  return g;
}

TEST(Interpreter, RunsAChainAndReusesMemory) {
  auto interp = Interpreter::Create(ChainGraph());
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  auto& m = **interp;
  const float x[6] = {0.0f, 1.0f, -1.0f, 3.0f, 4.0f, -5.0f};
  std::memcpy(m.input_data<float>(0), x, sizeof x);
  ASSERT_TRUE(m.Invoke().ok());
  const float c[3] = {1.0f, -2.0f, 0.5f};
  for (int i = 0; i < 6; ++i) {
    const float expected = std::max(0.0f, std::max(0.0f, x[i] + c[i % 3]) + c[i % 3]);
    EXPECT_FLOAT_EQ(m.output_data<float>(0)[i], expected) << i;
  }
  EXPECT_EQ(m.input_data<int8_t>(0), nullptr);  // typed access checks the dtype
  // Five 24-byte activations; at most three are alive at once (x is an input, y an output).
  EXPECT_EQ(m.memory().activation_bytes_sum, 5u * 24u);
  EXPECT_LE(m.memory().arena_bytes, 4u * 64u);
}

TEST(Interpreter, ResizeInputChangesTheBatch) {
  auto interp = Interpreter::Create(ChainGraph());
  ASSERT_TRUE(interp.ok());
  auto& m = **interp;
  ASSERT_TRUE(m.ResizeInput(0, {4, 3}).ok());
  EXPECT_EQ(m.output(0).shape, (std::vector<int32_t>{4, 3}));
  for (int i = 0; i < 12; ++i) m.input_data<float>(0)[i] = static_cast<float>(i);
  ASSERT_TRUE(m.Invoke().ok());
  EXPECT_FLOAT_EQ(m.output_data<float>(0)[11], 11.0f + 0.5f + 0.5f);
  EXPECT_FALSE(m.ResizeInput(0, {4, 3, 1}).ok());
  EXPECT_FALSE(m.ResizeInput(0, {0, 3}).ok());
  EXPECT_FALSE(m.ResizeInput(3, {1, 3}).ok());
}

TEST(Interpreter, FoldsOpsWhoseInputsAreConstant) {
  auto g = ChainGraph();
  // ADD(c, c) -> k, then ADD(x, k): the first op runs once at prepare.
  auto& sg = g->main();
  sg.tensors.push_back(MakeTensor("k", {3}));
  sg.ops.insert(sg.ops.begin(), MakeOp(ir::OpType::ADD, {1, 1}, {6}));
  sg.ops[1].inputs = {0, 6};
  auto interp = Interpreter::Create(g);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  EXPECT_TRUE((*interp)->op_folded(0));
  EXPECT_FALSE((*interp)->op_folded(1));
  EXPECT_TRUE((*interp)->tensor(6).is_const);
  EXPECT_FLOAT_EQ((*interp)->tensor(6).as<float>()[1], -4.0f);
  EXPECT_EQ((*interp)->memory().persistent_bytes, 12u);
}

TEST(Interpreter, ListsEveryUnsupportedOpOnce) {
  auto g = ChainGraph();
  auto& sg = g->main();
  sg.ops[1].type = ir::OpType::UNIDIRECTIONAL_SEQUENCE_LSTM;
  sg.ops[3].type = ir::OpType::CUSTOM;
  sg.ops[3].custom_code = "MyOp";
  auto interp = Interpreter::Create(g);
  ASSERT_FALSE(interp.ok());
  const std::string& msg = interp.status().message();
  EXPECT_NE(msg.find("UNIDIRECTIONAL_SEQUENCE_LSTM (op 1)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CUSTOM 'MyOp' (op 3)"), std::string::npos) << msg;
  EXPECT_EQ(Interpreter::UnsupportedOps(*g).size(), 2u);
}

TEST(Interpreter, PrepareErrorsNameTheOp) {
  auto g = ChainGraph();
  g->main().tensors[1].shape = {4};  // c no longer broadcasts against [2,3]
  g->buffers[1] = BufferOf<float>({1, 2, 3, 4});
  auto interp = Interpreter::Create(g);
  ASSERT_FALSE(interp.ok());
  EXPECT_NE(interp.status().message().find("op 0 (ADD)"), std::string::npos) << interp.status().message();
}

TEST(Interpreter, RejectsGraphsTheVerifierRejects) {
  auto g = ChainGraph();
  g->main().ops[0].inputs = {0, 42};
  auto interp = Interpreter::Create(g);
  ASSERT_FALSE(interp.ok());
  EXPECT_NE(interp.status().message().find("42"), std::string::npos) << interp.status().message();
}

TEST(Interpreter, LoadsFromAnInMemoryModel) {
  auto bytes = io::tflite::SerializeTflite(*ChainGraph());
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto shared = std::make_shared<const std::vector<uint8_t>>(std::move(bytes).value());
  auto interp = Interpreter::FromBuffer(shared);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  for (int i = 0; i < 6; ++i) (*interp)->input_data<float>(0)[i] = 1.0f;
  ASSERT_TRUE((*interp)->Invoke().ok());
  EXPECT_FLOAT_EQ((*interp)->output_data<float>(0)[1], 0.0f);   // relu(relu(1-2)-2)
  EXPECT_FLOAT_EQ((*interp)->output_data<float>(0)[0], 3.0f);   // (1+1)+1
  auto truncated = std::make_shared<const std::vector<uint8_t>>(shared->begin(), shared->begin() + 40);
  EXPECT_FALSE(Interpreter::FromBuffer(truncated).ok());
}

TEST(Interpreter, PreserveAllTensorsKeepsIntermediates) {
  InterpreterOptions opt;
  opt.preserve_all_tensors = true;
  auto interp = Interpreter::Create(ChainGraph(), opt);
  ASSERT_TRUE(interp.ok());
  auto& m = **interp;
  for (int i = 0; i < 6; ++i) m.input_data<float>(0)[i] = -10.0f;
  ASSERT_TRUE(m.Invoke().ok());
  EXPECT_FLOAT_EQ(m.tensor(2).as<float>()[0], -9.0f);  // t1 survives
  EXPECT_GE(m.memory().arena_bytes, m.memory().activation_bytes_sum);
}

}  // namespace
}  // namespace liteopt::runtime
