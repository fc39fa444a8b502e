// TFLite's sparse tensor format: a hand-worked example of the format's definition, encode -> densify on real
// weights, hostile metadata, and whole models: weights pruned, written sparse by SparsifyWeights, read back,
// the same dense weights and the same outputs bit for bit in liteopt's interpreter, in a smaller file.
#include "io/tflite/sparse.h"

#include <gtest/gtest.h>

#include <cstring>

#include "io/tflite/reader.h"
#include "io/tflite/sparse_test_util.h"
#include "io/tflite/test_util.h"
#include "io/tflite/writer.h"

namespace liteopt::io::tflite {
namespace {

ir::Buffer BufferOf(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return ir::Buffer::Owned(std::move(b));
}

std::vector<float> Floats(const std::vector<uint8_t>& b) {
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), b.size());
  return v;
}

ir::DimensionMetadata Dense(int32_t size) {
  ir::DimensionMetadata m;
  m.dense_size = size;
  return m;
}
ir::DimensionMetadata Csr(std::vector<int32_t> segments, std::vector<int32_t> indices) {
  ir::DimensionMetadata m;
  m.format = 1;
  m.array_segments = std::move(segments);
  m.array_indices = std::move(indices);
  m.segments_type = m.indices_type = 1;
  return m;
}

// The 4x4 matrix
//   [1 0 2 3]
//   [0 4 0 0]
//   [0 0 5 0]
//   [0 0 0 6]
// in CSR: row 0 holds columns 0, 2, 3; row 1 column 1; row 2 column 2; row 3 column 3.
ir::Tensor Matrix4x4Csr() {
  ir::Tensor t;
  t.name = "m";
  t.shape = {4, 4};
  ir::Sparsity sp;
  sp.traversal_order = {0, 1};
  sp.dim_metadata = {Dense(4), Csr({0, 3, 4, 5, 6}, {0, 2, 3, 1, 2, 3})};
  t.sparsity = sp;
  return t;
}

TEST(Sparse, DensifiesTheFormatsDefinition) {
  const ir::Tensor t = Matrix4x4Csr();
  auto dense = DensifyTensor(t, BufferOf({1, 2, 3, 4, 5, 6}));
  ASSERT_TRUE(dense.ok()) << dense.status().message();
  EXPECT_EQ(Floats(*dense), (std::vector<float>{1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 6}));

  // The same matrix in 2x2 blocks (block_map both dims, block levels DENSE): blocks (0,0) = [1 0; 0 4],
  // (0,1) = [2 3; 0 0], (1,1) = [5 0; 0 6]; block (1,0) is empty.
  ir::Tensor b = t;
  b.sparsity->traversal_order = {0, 1, 2, 3};
  b.sparsity->block_map = {0, 1};
  b.sparsity->dim_metadata = {Dense(2), Csr({0, 2, 3}, {0, 1, 1}), Dense(2), Dense(2)};
  dense = DensifyTensor(b, BufferOf({1, 0, 0, 4, 2, 3, 0, 0, 5, 0, 0, 6}));
  ASSERT_TRUE(dense.ok()) << dense.status().message();
  EXPECT_EQ(Floats(*dense), (std::vector<float>{1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 6}));

  // Column-major traversal of the first example: column 0 holds row 0, column 1 row 1, ...
  ir::Tensor c = t;
  c.sparsity->traversal_order = {1, 0};
  c.sparsity->dim_metadata = {Dense(4), Csr({0, 1, 2, 4, 6}, {0, 1, 0, 2, 0, 3})};
  dense = DensifyTensor(c, BufferOf({1, 4, 2, 5, 3, 6}));
  ASSERT_TRUE(dense.ok()) << dense.status().message();
  EXPECT_EQ(Floats(*dense), (std::vector<float>{1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 6}));
}

TEST(Sparse, EncodesInOneByFourBlocks) {
  ir::Tensor t;
  t.name = "fc";
  t.shape = {2, 8};
  const std::vector<float> w = {0, 0, 0, 0, 1, 0, -0.0f, 2,  //
                                3, 0, 0, 0, 0, 0, 0, 0};
  const ir::Buffer dense = BufferOf(w);
  auto enc = EncodeSparse(t, dense.data, 4);
  ASSERT_TRUE(enc.ok()) << enc.status().message();
  const ir::Sparsity& sp = enc->sparsity;
  EXPECT_EQ(sp.traversal_order, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(sp.block_map, (std::vector<int32_t>{1}));
  ASSERT_EQ(sp.dim_metadata.size(), 3u);
  EXPECT_EQ(sp.dim_metadata[0].dense_size, 2);
  EXPECT_EQ(sp.dim_metadata[1].array_segments, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(sp.dim_metadata[1].array_indices, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(sp.dim_metadata[1].indices_type, 3);  // uint8
  EXPECT_EQ(sp.dim_metadata[2].dense_size, 4);
  EXPECT_EQ(Floats(enc->values), (std::vector<float>{1, 0, -0.0f, 2, 3, 0, 0, 0}));
  EXPECT_EQ(enc->EncodedBytes(), 8 * 4 + 3 + 2u);
  t.sparsity = sp;
  auto back = DensifyTensor(t, ir::Buffer::Owned(enc->values));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::memcmp(back->data(), dense.data, dense.size), 0) << "-0.0 must come back as -0.0";

  EXPECT_FALSE(EncodeSparse(t, dense.data, 3).ok()) << "8 is not a multiple of 3";
}

// A [2, 1, 1, 8] filter (O, H, W, I) with the output channel as the sparse level: traversal [1, 2, 3, 0, 4],
// one segment per (H, W, I/4) column, indices are output channels.
TEST(Sparse, EncodesWithTheOutputChannelSparse) {
  ir::Tensor t;
  t.name = "pw";
  t.shape = {2, 1, 1, 8};
  const std::vector<float> w = {0, 0, 0, 0, 1, 0, 0, 2,  //
                                3, 0, 0, 4, 5, 6, 7, 8};
  const ir::Buffer dense = BufferOf(w);
  auto enc = EncodeSparse(t, dense.data, 4, 0);
  ASSERT_TRUE(enc.ok()) << enc.status().message();
  const ir::Sparsity& sp = enc->sparsity;
  EXPECT_EQ(sp.traversal_order, (std::vector<int32_t>{1, 2, 3, 0, 4}));
  EXPECT_EQ(sp.block_map, (std::vector<int32_t>{3}));
  ASSERT_EQ(sp.dim_metadata.size(), 5u);
  EXPECT_EQ(sp.dim_metadata[2].dense_size, 2);  // I / 4
  // Column 0 of blocks: only output channel 1; column 1: both.
  EXPECT_EQ(sp.dim_metadata[3].array_segments, (std::vector<int32_t>{0, 1, 3}));
  EXPECT_EQ(sp.dim_metadata[3].array_indices, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(Floats(enc->values), (std::vector<float>{3, 0, 0, 4, 1, 0, 0, 2, 5, 6, 7, 8}));
  t.sparsity = sp;
  auto back = DensifyTensor(t, ir::Buffer::Owned(enc->values));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(Floats(*back), w);
  EXPECT_FALSE(EncodeSparse(t, dense.data, 4, 4).ok()) << "a rank-4 tensor has no dimension 4";
}

// The automatic choice takes the smaller encoding: few output channels and many rows favour the output channel
// as the sparse level (fewer segments), and ties keep the identity order.
TEST(Sparse, ChoosesTheSmallerTraversal) {
  ir::Tensor t;
  t.name = "wide";
  t.shape = {16, 3, 3, 8};  // 144 rows of 2 blocks: 145 segments, or 18 columns of 16 channels: 19 segments
  std::vector<float> w(16 * 3 * 3 * 8, 0.0f);
  for (size_t i = 0; i < w.size(); i += 8) w[i] = 1.0f;  // the first block of every row kept
  const ir::Buffer dense = BufferOf(w);
  auto inner = EncodeSparse(t, dense.data, 4, 3);
  auto outer = EncodeSparse(t, dense.data, 4, 0);
  auto best = EncodeSparse(t, dense.data, 4);
  ASSERT_TRUE(inner.ok() && outer.ok() && best.ok());
  EXPECT_LT(outer->EncodedBytes(), inner->EncodedBytes());
  EXPECT_EQ(best->EncodedBytes(), outer->EncodedBytes());
  EXPECT_EQ(best->sparsity.traversal_order[0], 1);
  ir::Tensor fc;
  fc.name = "fc";
  fc.shape = {2, 8};  // 3 segments either way
  const ir::Buffer square = BufferOf(std::vector<float>(16, 1.0f));
  best = EncodeSparse(fc, square.data, 4);
  ASSERT_TRUE(best.ok());
  EXPECT_EQ(best->sparsity.traversal_order, (std::vector<int32_t>{0, 1, 2}));
}

TEST(Sparse, HostileMetadataIsRejectedWithTheTensorsName) {
  const ir::Buffer six = BufferOf({1, 2, 3, 4, 5, 6});
  struct Case {
    const char* what;
    void (*edit)(ir::Tensor&);
    const char* message;
  };
  const Case cases[] = {
      {"index out of range", [](ir::Tensor& t) { t.sparsity->dim_metadata[1].array_indices[2] = 4; },
       "outside [0, 4)"},
      {"negative index", [](ir::Tensor& t) { t.sparsity->dim_metadata[1].array_indices[0] = -1; }, "outside"},
      {"segments too short", [](ir::Tensor& t) { t.sparsity->dim_metadata[1].array_segments.pop_back(); },
       "array_segments has 4 entries"},
      {"segments decrease", [](ir::Tensor& t) { t.sparsity->dim_metadata[1].array_segments = {0, 3, 2, 5, 6}; },
       "segments must grow"},
      {"dense size wrong", [](ir::Tensor& t) { t.sparsity->dim_metadata[0].dense_size = 5; }, "dense_size 5"},
      {"traversal not a permutation", [](ir::Tensor& t) { t.sparsity->traversal_order = {0, 0}; },
       "traversal_order"},
      {"block not dividing", [](ir::Tensor& t) {
         t.sparsity->block_map = {1};
         t.sparsity->traversal_order = {0, 1, 2};
         t.sparsity->dim_metadata.push_back(Dense(3));
       }, "dividing 4"},
      {"missing metadata", [](ir::Tensor& t) { t.sparsity->dim_metadata.pop_back(); }, "dim_metadata 1"},
      {"unknown format", [](ir::Tensor& t) { t.sparsity->dim_metadata[1].format = 7; }, "dimension format 7"},
  };
  for (const Case& c : cases) {
    ir::Tensor t = Matrix4x4Csr();
    c.edit(t);
    auto r = DensifyTensor(t, six);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_NE(r.status().message().find("'m'"), std::string::npos) << c.what << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(c.message), std::string::npos) << c.what << ": " << r.status().message();
  }
  // Values that do not match the metadata.
  auto r = DensifyTensor(Matrix4x4Csr(), BufferOf({1, 2, 3, 4, 5}));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("describes 6 values"), std::string::npos) << r.status().message();
}

// Real models: the fixtures' weights pruned to 50% (1x4 blocks or elements), written sparse and read back.
class SparseModel : public ::testing::TestWithParam<std::tuple<const char*, int>> {};

TEST_P(SparseModel, WriterReaderInterpreterRoundTripIsBitExact) {
  const std::string path = testing::FixturesTfliteDir() + "/" + std::get<0>(GetParam());
  const int block = std::get<1>(GetParam());
  auto original = ReadTfliteFile(path);
  if (!original.ok()) GTEST_SKIP() << "fixture missing: " << path;
  const auto pruned = std::make_shared<const ir::Graph>(testing::PruneFilters(**original, 0.5, block));

  ir::Graph sparse = *pruned;
  SparsifyOptions opt;
  opt.block = block;
  auto report = SparsifyWeights(sparse, opt);
  ASSERT_TRUE(report.ok()) << report.status().message();
  int written = 0;
  for (const auto& w : *report) {
    EXPECT_GE(w.sparsity(), 0.45) << w.tensor;
    written += w.sparse;
  }
  // int8 element by element at 50% saves nothing (one index byte per value byte): such filters stay dense.
  const bool int8_elementwise = block == 1 && (*report)[0].dtype == DType::kInt8;
  if (!int8_elementwise) {
    EXPECT_GT(written, 0);
  }
  auto bytes = SerializeTflite(sparse);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto dense_bytes = SerializeTflite(*pruned);
  ASSERT_TRUE(dense_bytes.ok());
  // The sparse values take the place of the dense ones: no buffer is added. Beyond its encoding, a sparse filter
  // costs its DENSIFY op and tensor (name, shared shape and quantization vectors, sparsity tables): under 320 bytes.
  EXPECT_EQ(sparse.buffers.size(), pruned->buffers.size());
  size_t saved = 0;
  for (const auto& w : *report)
    if (w.sparse) saved += w.dense_bytes - w.sparse_bytes;
  if (written > 0) {
    EXPECT_LT(bytes->size(), dense_bytes->size());
    EXPECT_LE(bytes->size(), dense_bytes->size() - saved + 320 * written);
  } else {
    EXPECT_EQ(*bytes, *dense_bytes);
  }
  auto back = ReadTfliteBuffer(std::make_shared<const std::vector<uint8_t>>(std::move(*bytes)), "sparse");
  ASSERT_TRUE(back.ok()) << back.status().message();

  // Every DENSIFY input densifies to the pruned filter's bytes.
  const ir::Subgraph& sg = (*back)->main();
  int densify = 0;
  for (const ir::Op& op : sg.ops) {
    if (op.type != ir::OpType::DENSIFY) continue;
    ++densify;
    const ir::Tensor& s = sg.tensors[op.inputs[0]];
    auto dense = DensifyTensor(s, (*back)->data(s));
    ASSERT_TRUE(dense.ok()) << dense.status().message();
    const ir::Tensor& out = sg.tensors[op.outputs[0]];
    const ir::Tensor* orig = nullptr;
    for (const ir::Tensor& t : pruned->main().tensors)
      if (t.name == out.name) orig = &t;
    ASSERT_NE(orig, nullptr) << out.name;
    const ir::Buffer& want = pruned->data(*orig);
    ASSERT_EQ(dense->size(), want.size) << out.name;
    EXPECT_EQ(std::memcmp(dense->data(), want.data, want.size), 0) << out.name;
    EXPECT_EQ(out.quant, orig->quant) << out.name;
  }
  EXPECT_EQ(densify, written);

  std::string e1, e2;
  const auto want = testing::RunOnDeterministicInputs(pruned, &e1);
  const auto got = testing::RunOnDeterministicInputs(*back, &e2);
  ASSERT_TRUE(e1.empty() && e2.empty()) << e1 << e2;
  ASSERT_EQ(want.size(), got.size());
  for (size_t o = 0; o < want.size(); ++o) EXPECT_EQ(want[o], got[o]) << "output " << o;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, SparseModel,
    ::testing::Combine(::testing::Values("tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite",
                                         "mlcommons_tiny/vww_96_int8.tflite", "mlcommons_tiny/ToyCar_float.tflite",
                                         "mlcommons_tiny/ToyCar_int8_int_io.tflite",
                                         "mlcommons_tiny/pretrainedResnet_int8.tflite"),
                       ::testing::Values(1, 4)),
    [](const auto& info) {
      std::string s = std::string(std::get<0>(info.param)) + "_block" + std::to_string(std::get<1>(info.param));
      for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return s;
    });

// Block 0 picks, filter by filter, the smaller of 1x4 blocks and single weights: a 1x4-pruned model gets blocks,
// an element-wise pruned float model single weights (its 1x4 blocks are rarely all zero).
TEST(Sparse, AutomaticBlockFollowsTheZeros) {
  const std::string path = testing::FixturesTfliteDir() + "/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite";
  auto g = ReadTfliteFile(path);
  if (!g.ok()) GTEST_SKIP() << "fixture missing: " << path;
  SparsifyOptions automatic;
  automatic.block = 0;
  for (int block : {1, 4}) {
    ir::Graph pruned = testing::PruneFilters(**g, 0.5, block);
    auto report = SparsifyWeights(pruned, automatic);
    ASSERT_TRUE(report.ok()) << report.status().message();
    int sparse = 0;
    for (const auto& w : *report) {
      if (!w.sparse) continue;
      ++sparse;
      if (w.shape.back() % 4 == 0) {
        EXPECT_EQ(w.block, block) << w.tensor;
      }
    }
    EXPECT_GT(sparse, 5) << "block " << block;
  }
}

TEST(Sparse, DenseModelsAndHybridOpsAreLeftAlone) {
  const std::string path = testing::FixturesTfliteDir() + "/mlcommons_tiny/ToyCar_dynamic_range.tflite";
  auto g = ReadTfliteFile(path);
  if (!g.ok()) GTEST_SKIP() << "fixture missing: " << path;
  ir::Graph pruned = testing::PruneFilters(**g, 0.5, 4);
  auto report = SparsifyWeights(pruned, {});
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->empty());
  for (const auto& w : *report) {
    EXPECT_FALSE(w.sparse) << w.tensor;
    EXPECT_FALSE(w.note.empty());
  }
  // An unpruned float model: nothing to gain, nothing rewritten.
  auto f = ReadTfliteFile(testing::FixturesTfliteDir() + "/mlcommons_tiny/ToyCar_float.tflite");
  ASSERT_TRUE(f.ok());
  ir::Graph copy = **f;
  report = SparsifyWeights(copy, {});
  ASSERT_TRUE(report.ok());
  for (const auto& w : *report) EXPECT_FALSE(w.sparse) << w.tensor;
  EXPECT_EQ(testing::DiffGraphs(**f, copy), "");
}

}  // namespace
}  // namespace liteopt::io::tflite
