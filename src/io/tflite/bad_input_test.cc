// The reader on hostile input: truncations, random bytes, wrong identifier, broken indices, overflowing
// shapes, mismatched buffers, cycles, bad opcode indices, and data stored after the flatbuffer.
// Semantic cases are built by editing a real fixture's IR and serializing it with our writer;
// structural ones by patching bytes. Every case must fail with a message naming the problem.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "io/tflite/reader.h"
#include "io/tflite/test_util.h"
#include "io/tflite/writer.h"

namespace liteopt::io::tflite {
namespace {

using testing::FixturesTfliteDir;

using Bytes = std::vector<uint8_t>;

std::shared_ptr<const Bytes> Share(Bytes v) { return std::make_shared<const Bytes>(std::move(v)); }

Bytes ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class BadInput : public ::testing::Test {
 protected:
  // Reads a fixture into the IR, skipping the test when fixtures are absent.
  std::shared_ptr<ir::Graph> Fixture(const std::string& rel) {
    const std::string path = FixturesTfliteDir() + "/" + rel;
    if (!std::filesystem::exists(path)) return nullptr;
    auto g = ReadTfliteFile(path);
    EXPECT_TRUE(g.ok()) << g.status().message();
    return g.ok() ? *g : nullptr;
  }

  // Serializes `g` (which our writer accepts even when broken) and reads it back: must fail.
  static Status WriteThenRead(const ir::Graph& g) {
    auto bytes = SerializeTflite(g);
    EXPECT_TRUE(bytes.ok()) << bytes.status().message();
    if (!bytes.ok()) return bytes.status();
    auto back = ReadTfliteBuffer(Share(*bytes), "edited.tflite");
    EXPECT_FALSE(back.ok()) << "reader accepted a broken model";
    return back.ok() ? Status::Ok() : back.status();
  }

  static void ExpectMessage(const Status& st, std::initializer_list<std::string> fragments) {
    ASSERT_FALSE(st.ok());
    for (const auto& f : fragments) EXPECT_NE(st.message().find(f), std::string::npos) << st.message();
  }
};

#define FIXTURE_OR_SKIP(var, rel) \
  auto var = Fixture(rel);        \
  if (var == nullptr) GTEST_SKIP() << rel << " is absent"

TEST_F(BadInput, TruncatedAtEveryLength) {
  for (const char* rel : {"litert/testdata/add.tflite", "tflm/hello_world_int8.tflite"}) {
    const Bytes full = ReadFileBytes(FixturesTfliteDir() + "/" + rel);
    if (full.empty()) GTEST_SKIP() << rel << " is absent";
    for (size_t len = 0; len < full.size(); ++len) {
      auto g = ReadTfliteBuffer(Share(Bytes(full.begin(), full.begin() + len)), "cut.tflite");
      ASSERT_FALSE(g.ok()) << rel << " truncated to " << len << " bytes was accepted";
      EXPECT_EQ(g.status().message().rfind("cut.tflite: ", 0), 0u) << g.status().message();
    }
  }
}

TEST_F(BadInput, RandomBytes) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    Bytes b(8 + rng() % 512);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    if (i % 2 == 0) std::memcpy(b.data() + 4, "TFL3", 4);  // get past the identifier check
    if (i % 4 == 0) b[0] = 12, b[1] = b[2] = b[3] = 0;     // and point the root at a plausible table
    auto g = ReadTfliteBuffer(Share(b), "random.tflite");
    EXPECT_FALSE(g.ok()) << "seed 1234 case " << i;
  }
}

TEST_F(BadInput, MutatedRealModelNeverCrashes) {
  // Byte flips in a real model may or may not still parse; either way the reader must not crash, and
  // anything it accepts has passed ir::Verify.
  const Bytes full = ReadFileBytes(FixturesTfliteDir() + "/tflm/hello_world_int8.tflite");
  if (full.empty()) GTEST_SKIP() << "fixture absent";
  std::mt19937 rng(99);
  int rejected = 0;
  for (int i = 0; i < 3000; ++i) {
    Bytes b = full;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    auto g = ReadTfliteBuffer(Share(std::move(b)), "mutated.tflite");
    rejected += !g.ok();
    if (!g.ok()) {
      EXPECT_FALSE(g.status().message().empty());
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST_F(BadInput, WrongIdentifier) {
  Bytes b = ReadFileBytes(FixturesTfliteDir() + "/litert/testdata/add.tflite");
  if (b.empty()) GTEST_SKIP() << "fixture absent";
  std::memcpy(b.data() + 4, "TFL2", 4);
  auto g = ReadTfliteBuffer(Share(b), "ident.tflite");
  ExpectMessage(g.status(), {"ident.tflite", "identifier is 'TFL2'", "expected 'TFL3'"});
}

TEST_F(BadInput, TensorBufferIndexOutOfRange) {
  FIXTURE_OR_SKIP(g, "tflm/hello_world_int8.tflite");
  ir::Tensor& t = g->main().tensors[g->main().ops[0].inputs[1]];
  t.buffer = 999;
  ExpectMessage(WriteThenRead(*g), {"edited.tflite", "subgraph 0", "('" + t.name + "')", "buffer index 999"});
}

TEST_F(BadInput, OpInputIndexOutOfRange) {
  FIXTURE_OR_SKIP(g, "tflm/hello_world_int8.tflite");
  g->main().ops[1].inputs[0] = 12345;
  ExpectMessage(WriteThenRead(*g), {"op 1 (FULLY_CONNECTED)", "input 0", "tensor index 12345"});
}

TEST_F(BadInput, ShapeByteSizeOverflow) {
  FIXTURE_OR_SKIP(g, "tflm/hello_world_int8.tflite");
  const int32_t out = g->main().ops[0].outputs[0];
  g->main().tensors[out].shape = {1 << 30, 1 << 30, 16};  // 2^64 int8 elements
  ExpectMessage(WriteThenRead(*g), {"tensor " + std::to_string(out), g->main().tensors[out].name, "overflows int64"});
}

TEST_F(BadInput, BufferSizeDoesNotMatchTensor) {
  FIXTURE_OR_SKIP(g, "tflm/hello_world_int8.tflite");
  const int32_t w = g->main().ops[1].inputs[1];  // int8 [16, 16] weights, 256 bytes
  g->main().tensors[w].shape = {16, 17};
  ExpectMessage(WriteThenRead(*g),
                {"tensor " + std::to_string(w), g->main().tensors[w].name, "holds 256 bytes", "expected 272"});
}

TEST_F(BadInput, CyclicGraph) {
  FIXTURE_OR_SKIP(g, "litert/testdata/multi_add.tflite");
  ir::Subgraph& sg = g->main();
  const int32_t later = sg.ops[1].outputs[0];
  sg.ops[0].inputs[0] = later;  // op 0 consumes op 1's output
  ExpectMessage(WriteThenRead(*g), {"op 0 (ADD)", "input 0", "tensor " + std::to_string(later),
                                    "'" + sg.tensors[later].name + "'", "later op 1 (ADD)"});
}

TEST_F(BadInput, NegativeSubgraphOutputAndSignatureTensor) {
  FIXTURE_OR_SKIP(g, "litert/testdata/multi_signatures.tflite");
  ASSERT_FALSE(g->signatures.empty());
  ASSERT_FALSE(g->signatures[0].inputs.empty());
  g->signatures[0].inputs[0].tensor = 500;
  ExpectMessage(WriteThenRead(*g), {"signature 0", "tensor index 500"});
}

// Returns the first operator table (over all subgraphs) whose opcode_index is physically stored,
// navigating the raw flatbuffer by vtable slot: Model.subgraphs = 8, SubGraph.operators = 10,
// Operator.opcode_index = 4.
flatbuffers::Table* FirstOperatorWithStoredOpcode(Bytes& b) {
  auto* model = flatbuffers::GetMutableRoot<flatbuffers::Table>(b.data());
  auto* subgraphs = model->GetPointer<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::Table>>*>(8);
  if (subgraphs == nullptr) return nullptr;
  for (uint32_t s = 0; s < subgraphs->size(); ++s) {
    auto* sg = const_cast<flatbuffers::Table*>(subgraphs->Get(s));
    auto* ops = sg->GetPointer<flatbuffers::Vector<flatbuffers::Offset<flatbuffers::Table>>*>(10);
    if (ops == nullptr) continue;
    for (uint32_t o = 0; o < ops->size(); ++o) {
      auto* op = const_cast<flatbuffers::Table*>(ops->Get(o));
      if (op->CheckField(4)) return op;
    }
  }
  return nullptr;
}

TEST_F(BadInput, OpcodeIndexOutOfRange) {
  FIXTURE_OR_SKIP(g, "tflite2onnx_ops/avgpool-concat.float32.tflite");
  auto bytes = SerializeTflite(*g);
  ASSERT_TRUE(bytes.ok());
  Bytes b = *bytes;
  flatbuffers::Table* op = FirstOperatorWithStoredOpcode(b);
  ASSERT_NE(op, nullptr) << "fixture needs an op with opcode_index > 0";
  ASSERT_TRUE(op->SetField<uint32_t>(4, 200, 0));
  auto back = ReadTfliteBuffer(Share(b), "opcode.tflite");
  ExpectMessage(back.status(), {"opcode.tflite", "subgraph 0", "opcode_index 200 out of range", "operator codes"});
}

// A one-tensor model whose constant sits after the flatbuffer (the >2 GiB layout: Buffer.offset/size),
// built with the raw builder: Model{version, subgraphs, buffers}, SubGraph{tensors, outputs},
// Tensor{shape, type, buffer, name}, Buffer{data, offset, size}.
Bytes ModelWithExternalData(uint64_t declared_offset_delta, const Bytes& payload, uint64_t declared_size,
                            size_t pad = 0) {
  auto build = [&](uint64_t offset) {
    flatbuffers::FlatBufferBuilder b;
    const int32_t n = static_cast<int32_t>(payload.size() / 4);
    const auto shape = b.CreateVector(std::vector<int32_t>{n});
    const auto name = b.CreateString("w");
    auto ts = b.StartTable();
    b.AddOffset(4, shape);
    b.AddElement<uint32_t>(8, 1, 0);  // buffer 1
    b.AddOffset(10, name);
    const auto tensor = flatbuffers::Offset<flatbuffers::Table>(b.EndTable(ts));
    const auto tensors = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::Table>>{tensor});
    const auto outputs = b.CreateVector(std::vector<int32_t>{0});
    auto ss = b.StartTable();
    b.AddOffset(4, tensors);
    b.AddOffset(8, outputs);
    const auto subgraph = flatbuffers::Offset<flatbuffers::Table>(b.EndTable(ss));
    const auto subgraphs = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::Table>>{subgraph});
    const auto empty = flatbuffers::Offset<flatbuffers::Table>(b.EndTable(b.StartTable()));
    auto bs = b.StartTable();
    b.AddElement<uint64_t>(6, offset, 0);
    b.AddElement<uint64_t>(8, declared_size, 0);
    const auto ext = flatbuffers::Offset<flatbuffers::Table>(b.EndTable(bs));
    const auto buffers = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::Table>>{empty, ext});
    auto ms = b.StartTable();
    b.AddElement<uint32_t>(4, 3, 0);
    b.AddOffset(8, subgraphs);
    b.AddOffset(12, buffers);
    b.Finish(flatbuffers::Offset<flatbuffers::Table>(b.EndTable(ms)), "TFL3");
    return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  };
  // The table layout does not depend on the offset's value, so a second pass with the real offset
  // yields the same size.
  const size_t fb_size = build(2).size();
  const uint64_t data_at = (fb_size + 15) / 16 * 16;
  Bytes out = build(data_at + pad + declared_offset_delta);
  out.resize(data_at + pad, 0);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

TEST_F(BadInput, BufferStoredAfterFlatbufferIsReadFromFileAndMemory) {
  Bytes payload(64);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
  const Bytes file = ModelWithExternalData(0, payload, payload.size());
  auto g = ReadTfliteBuffer(Share(file), "outside.tflite");
  ASSERT_TRUE(g.ok()) << g.status().message();
  ASSERT_EQ((*g)->buffers.size(), 2u);
  ASSERT_EQ((*g)->buffers[1].size, payload.size());
  EXPECT_EQ(std::memcmp((*g)->buffers[1].data, payload.data(), payload.size()), 0);

  const auto path =
      std::filesystem::temp_directory_path() / ("liteopt_outside_" + std::to_string(getpid()) + ".tflite");
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  }
  auto m = ReadTfliteFile(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(std::memcmp((*m)->buffers[1].data, payload.data(), payload.size()), 0);
  // The writer brings the data back inside the flatbuffer.
  auto bytes = SerializeTflite(**m);
  ASSERT_TRUE(bytes.ok());
  auto back = ReadTfliteBuffer(Share(*bytes), "inside.tflite");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(testing::DiffGraphs(**m, **back), "");
}

TEST_F(BadInput, MisalignedConstantDataIsCopiedAligned) {
  Bytes payload(32);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(255 - i);
  auto g = ReadTfliteBuffer(Share(ModelWithExternalData(0, payload, payload.size(), /*pad=*/4)), "odd.tflite");
  ASSERT_TRUE(g.ok()) << g.status().message();
  const ir::Buffer& b = (*g)->buffers[1];
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % 16, 0u);
  ASSERT_EQ(b.size, payload.size());
  EXPECT_EQ(std::memcmp(b.data, payload.data(), payload.size()), 0);
}

TEST_F(BadInput, BufferStoredAfterFlatbufferOutOfBounds) {
  Bytes payload(64, 1);
  auto past = ReadTfliteBuffer(Share(ModelWithExternalData(8, payload, payload.size())), "past.tflite");
  ExpectMessage(past.status(), {"past.tflite", "buffer 1", "runs past the end"});
  auto huge = ReadTfliteBuffer(Share(ModelWithExternalData(0, payload, ~uint64_t{0} - 4)), "huge.tflite");
  ExpectMessage(huge.status(), {"buffer 1", "runs past the end"});
}

TEST_F(BadInput, MissingFile) {
  auto g = ReadTfliteFile("/nonexistent/dir/model.tflite");
  ExpectMessage(g.status(), {"/nonexistent/dir/model.tflite", "cannot open"});
}

}  // namespace
}  // namespace liteopt::io::tflite
