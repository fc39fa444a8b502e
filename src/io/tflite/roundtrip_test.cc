// Reads every fixture .tflite, checks it verifies, writes it back and compares the whole IR; checks the
// writer is deterministic and that the deliberately broken fixture is rejected.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "io/tflite/reader.h"
#include "io/tflite/schema/tflite_generated.h"
#include "io/tflite/test_util.h"
#include "io/tflite/writer.h"
#include "ir/verifier.h"

namespace liteopt::io::tflite {
namespace {

namespace fb = ::liteopt::tflite_fb;
using testing::DiffGraphs;
using testing::FixturesTfliteDir;
using testing::kBrokenFixture;
using testing::ListTfliteFixtures;

std::shared_ptr<const std::vector<uint8_t>> Share(std::vector<uint8_t> v) {
  return std::make_shared<const std::vector<uint8_t>>(std::move(v));
}

TEST(TfliteRoundTrip, EveryFixtureReadsVerifiesAndRoundTrips) {
  const auto files = ListTfliteFixtures();
  if (files.empty()) GTEST_SKIP() << "no .tflite fixtures under " << FixturesTfliteDir();
  int checked = 0;
  for (const auto& rel : files) {
    SCOPED_TRACE(rel);
    const std::string path = FixturesTfliteDir() + "/" + rel;
    auto g0 = ReadTfliteFile(path);
    if (rel == kBrokenFixture) {
      ASSERT_FALSE(g0.ok()) << "the truncated fixture must be rejected";
      EXPECT_NE(g0.status().message().find(path), std::string::npos) << g0.status().message();
      continue;
    }
    ASSERT_TRUE(g0.ok()) << g0.status().message();
    const Status verified = ir::Verify(**g0);
    ASSERT_TRUE(verified.ok()) << verified.message();

    auto bytes1 = SerializeTflite(**g0);
    ASSERT_TRUE(bytes1.ok()) << bytes1.status().message();
    auto g1 = ReadTfliteBuffer(Share(*bytes1), rel + " (rewritten)");
    ASSERT_TRUE(g1.ok()) << g1.status().message();
    EXPECT_EQ(DiffGraphs(**g0, **g1), "");

    auto bytes2 = SerializeTflite(**g1);
    ASSERT_TRUE(bytes2.ok()) << bytes2.status().message();
    EXPECT_TRUE(*bytes1 == *bytes2) << "writer is not deterministic: " << bytes1->size() << " vs " << bytes2->size()
                                    << " bytes";
    auto again = SerializeTflite(**g0);
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*again == *bytes1);
    // Constant data is 16-byte aligned in the written file.
    for (const auto& b : (*g1)->buffers) {
      if (b.size > 0) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data) % 16, 0u);
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(TfliteRoundTrip, BrokenFixtureHasClearError) {
  const std::string path = FixturesTfliteDir() + "/" + kBrokenFixture;
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto g = ReadTfliteFile(path);
  ASSERT_FALSE(g.ok());
  // The file lost its head: bytes 4..8 are not "TFL3", which TFLite rejects first as well.
  const std::string& msg = g.status().message();
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_TRUE(msg.find("identifier") != std::string::npos || msg.find("truncated or corrupt") != std::string::npos)
      << msg;
}

TEST(TfliteRoundTrip, OldFilesUseDeprecatedBuiltinCode) {
  // TOCO files leave builtin_code at 0: ops must still read as their real type, not all ADD.
  const std::string path = FixturesTfliteDir() + "/tflite2onnx_ops/mobilenet_v1_0.25_128_quant_toco.tflite";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent";
  auto g = ReadTfliteFile(path);
  ASSERT_TRUE(g.ok()) << g.status().message();
  int convs = 0;
  for (const auto& op : (*g)->main().ops) convs += op.type == ir::OpType::CONV_2D;
  EXPECT_GT(convs, 0);
}

TEST(TfliteRoundTrip, SignaturesMetadataAndCustomOpsSurvive) {
  const std::string dir = FixturesTfliteDir();
  auto multi = ReadTfliteFile(dir + "/litert/testdata/multi_signatures.tflite");
  if (!multi.ok() && !std::filesystem::exists(dir)) GTEST_SKIP() << "fixtures absent";
  ASSERT_TRUE(multi.ok()) << multi.status().message();
  EXPECT_EQ((*multi)->signatures.size(), 2u);
  EXPECT_EQ((*multi)->subgraphs.size(), 2u);

  auto selfie = ReadTfliteFile(dir + "/mediapipe/selfie_segmentation_fp16.tflite");
  ASSERT_TRUE(selfie.ok()) << selfie.status().message();
  bool custom = false;
  for (const auto& op : (*selfie)->main().ops) {
    if (op.type == ir::OpType::CUSTOM) {
      custom = true;
      EXPECT_EQ(op.custom_code, "Convolution2DTransposeBias");
    }
  }
  EXPECT_TRUE(custom);

  auto vww = ReadTfliteFile(dir + "/mlcommons_tiny/vww_96_int8.tflite");
  ASSERT_TRUE(vww.ok()) << vww.status().message();
  for (const auto& m : (*vww)->metadata) {
    if (m.name == "min_runtime_version") {
      auto v = MinRuntimeVersion(**vww);
      ASSERT_TRUE(v.has_value());
      EXPECT_FALSE(v->empty());
      EXPECT_EQ(v->find('\0'), std::string::npos);
    }
  }
}

TEST(TfliteWriter, WriteFileIsAtomicAndReadable) {
  const std::string src = FixturesTfliteDir() + "/litert/testdata/add.tflite";
  if (!std::filesystem::exists(src)) GTEST_SKIP() << src << " is absent";
  auto g = ReadTfliteFile(src);
  ASSERT_TRUE(g.ok()) << g.status().message();
  const auto dir = std::filesystem::temp_directory_path() / ("liteopt_writer_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "add.tflite").string();
  ASSERT_TRUE(WriteTfliteFile(**g, out).ok());
  auto back = ReadTfliteFile(out);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(DiffGraphs(**g, **back), "");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 1u) << "temporary file left behind";
  // A failed write (missing directory) leaves nothing behind and says where.
  const std::string bad = (dir / "missing" / "x.tflite").string();
  const Status st = WriteTfliteFile(**g, bad);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("missing"), std::string::npos) << st.message();
  std::filesystem::remove_all(dir);
}

TEST(TfliteWriter, OpCodesCarryBothFields) {
  // An op above 127 must read back as itself: builtin_code holds it, deprecated_builtin_code = 127.
  ir::Graph g;
  g.buffers.resize(1);
  g.subgraphs.resize(1);
  auto& sg = g.main();
  sg.tensors.resize(2);
  sg.tensors[0].shape = {4};
  sg.tensors[1].shape = {4};
  sg.inputs = {0};
  sg.outputs = {1};
  ir::Op gelu;
  gelu.type = static_cast<ir::OpType>(150);  // GELU
  gelu.inputs = {0};
  gelu.outputs = {1};
  gelu.options.type = 116;  // GeluOptions: kept as a tag
  sg.ops.push_back(gelu);
  auto bytes = SerializeTflite(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = ReadTfliteBuffer(Share(*bytes), "gelu");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(static_cast<int>((*back)->main().ops[0].type), 150);
  EXPECT_EQ((*back)->main().ops[0].options.type, 116);
  EXPECT_EQ(DiffGraphs(g, **back), "");
}

ir::Graph OneTensorGraph() {
  ir::Graph g;
  g.buffers.resize(2);
  g.subgraphs.resize(1);
  ir::Tensor t;
  t.name = "w";
  t.shape = {4};
  t.dtype = DType::kInt8;
  t.buffer = 1;
  g.main().tensors.push_back(t);
  g.main().outputs = {0};
  return g;
}

TEST(TfliteWriter, ScalesWithoutZeroPointsGetZeros) {
  ir::Graph g = OneTensorGraph();
  g.buffers[1] = ir::Buffer::Owned({1, 2, 3, 4});
  g.main().tensors[0].quant.scale = {0.5f};
  auto bytes = SerializeTflite(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  auto back = ReadTfliteBuffer(Share(*bytes), "zp");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ((*back)->main().tensors[0].quant.zero_point, std::vector<int64_t>{0});
}

TEST(TfliteWriter, EqualZeroPointVectorsAreStoredOnce) {
  // Three per-channel tensors: two with all-zero zero points (one spelled out, one implied by scales alone) and
  // one with other values. The file must hold one shared zero vector and read back with every value intact.
  ir::Graph g = OneTensorGraph();
  g.buffers[1] = ir::Buffer::Owned({1, 2, 3, 4});
  auto& tensors = g.main().tensors;
  tensors.resize(3, tensors[0]);
  for (auto& t : tensors) {
    t.quant.scale = {0.5f, 0.25f, 0.125f, 1.0f};
    t.quant.quantized_dimension = 0;
  }
  tensors[0].quant.zero_point = {0, 0, 0, 0};
  tensors[2].quant.zero_point = {1, 2, 3, 4};
  g.main().outputs = {0, 1, 2};
  auto bytes = SerializeTflite(g);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  const auto* file_tensors = fb::GetModel(bytes->data())->subgraphs()->Get(0)->tensors();
  const auto zero_points = [&](int i) { return file_tensors->Get(i)->quantization()->zero_point(); };
  EXPECT_EQ(zero_points(0), zero_points(1)) << "equal zero-point vectors must share one vector in the file";
  EXPECT_NE(zero_points(0), zero_points(2));
  auto back = ReadTfliteBuffer(Share(*bytes), "shared zero points");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ((*back)->main().tensors[1].quant.zero_point, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ((*back)->main().tensors[2].quant.zero_point, (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(TfliteWriter, ModelsAbove2GiBAreUnsupported) {
  ir::Graph g = OneTensorGraph();
  static const uint8_t kByte = 0;
  g.buffers[1].data = &kByte;  // never read: the size check comes first
  g.buffers[1].size = size_t{3} << 30;
  auto bytes = SerializeTflite(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bytes.status().message().find("2 GiB"), std::string::npos) << bytes.status().message();
}

TEST(TfliteWriter, BufferWithoutDataIsAnError) {
  ir::Graph g = OneTensorGraph();
  g.buffers[1].size = 4;
  auto bytes = SerializeTflite(g);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("buffer 1"), std::string::npos) << bytes.status().message();
}

}  // namespace
}  // namespace liteopt::io::tflite
