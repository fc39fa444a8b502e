// Files with pruned weights in TFLite's sparse format, as liteopt writes them (io/tflite/sparse.h: DENSIFY of
// sparse CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED filters), load and run in the official runtime with the
// outputs liteopt computes: int8 identical, float within 1e-4 of the largest output. Real fixture models,
// weights pruned to 50% by magnitude in 1x4 blocks and element by element.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "common/fixtures.h"
#include "common/oracle.h"
#include "data/npy.h"
#include "io/tflite/reader.h"
#include "io/tflite/sparse.h"
#include "io/tflite/sparse_test_util.h"
#include "io/tflite/writer.h"

namespace liteopt {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string id;
  std::shared_ptr<const ir::Graph> graph;
  fs::path dir;
  std::vector<std::string> inputs;
  int sparse_weights = 0;
};

TEST(SparseOracle, OfficialRuntimeRunsOurSparseFilesWithTheSameOutputs) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  if (!testing::HaveOracle()) GTEST_SKIP() << testing::kNoOracleMessage;
  const char* models[] = {"tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite",
                          "tflite/mlcommons_tiny/ToyCar_float.tflite",
                          "tflite/mlcommons_tiny/vww_96_int8.tflite",
                          "tflite/mlcommons_tiny/ToyCar_int8_int_io.tflite",
                          "tflite/mlcommons_tiny/kws_ref_model_int8.tflite",
                          "tflite/mlcommons_tiny/pretrainedResnet_int8.tflite"};
  const fs::path root = fs::path(LITEOPT_BINARY_DIR) / "sparse_oracle";
  fs::remove_all(root);
  std::vector<Case> cases;
  std::vector<nlohmann::json> jobs;
  int outer_order = 0;
  for (const char* rel : models) {
    auto g = io::tflite::ReadTfliteFile(testing::FixturesDir() + "/" + rel);
    ASSERT_TRUE(g.ok()) << g.status().message();
    for (int block : {1, 4}) {
      Case c;
      c.id = testing::Slug(rel) + "_block" + std::to_string(block);
      ir::Graph sparse = io::tflite::testing::PruneFilters(**g, 0.5, block);
      io::tflite::SparsifyOptions o;
      o.block = block;
      auto report = io::tflite::SparsifyWeights(sparse, o);
      ASSERT_TRUE(report.ok()) << report.status().message();
      for (const auto& w : *report) c.sparse_weights += w.sparse;
      for (const ir::Tensor& t : sparse.main().tensors)  // the output channel as the sparse level
        outer_order += t.sparsity && t.sparsity->traversal_order[0] != 0;
      c.dir = root / c.id;
      fs::create_directories(c.dir);
      ASSERT_TRUE(io::tflite::WriteTfliteFile(sparse, (c.dir / "model.tflite").string()).ok());
      c.graph = std::make_shared<const ir::Graph>(std::move(sparse));
      const ir::Subgraph& sg = c.graph->main();
      for (size_t i = 0; i < sg.inputs.size(); ++i) {
        const ir::Tensor& t = sg.tensors[sg.inputs[i]];
        const auto bytes = testing::DeterministicInput(t.dtype, ir::NumElements(t.shape));
        c.inputs.push_back((c.dir / ("input_" + std::to_string(i) + ".npy")).string());
        ASSERT_TRUE(data::WriteNpy(c.inputs.back(), t.dtype, std::vector<int64_t>(t.shape.begin(), t.shape.end()),
                                   bytes.data(), bytes.size())
                        .ok());
      }
      jobs.push_back({{"model", (c.dir / "model.tflite").string()}, {"inputs", c.inputs},
                      {"out_dir", (c.dir / "oracle").string()}, {"id", c.id}});
      cases.push_back(std::move(c));
    }
  }
  const auto results = testing::RunOracleBatch(jobs, root);
  ASSERT_EQ(results.size(), cases.size());
  int compared = 0, sparse_files = 0;
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    SCOPED_TRACE(c.id);
    // int8 element by element at 50% saves nothing (an index byte per value byte): left dense, still compared.
    const bool int8_elementwise = c.id.find("int8") != std::string::npos && c.id.find("_block1") != std::string::npos;
    if (!int8_elementwise) {
      EXPECT_GT(c.sparse_weights, 0) << "nothing was written sparse";
    }
    sparse_files += c.sparse_weights > 0;
    ASSERT_TRUE(results[k].value("ok", false)) << "the official runtime rejects the file: " << results[k].dump();
    std::string error;
    const auto ours = io::tflite::testing::RunOnDeterministicInputs(c.graph, &error);
    ASSERT_TRUE(error.empty()) << error;
    for (size_t o = 0; o < ours.size(); ++o) {
      auto ref = data::ReadNpy((c.dir / "oracle" / ("output_" + std::to_string(o) + ".npy")).string());
      ASSERT_TRUE(ref.ok()) << ref.status().message();
      ASSERT_EQ(ref->data.size(), ours[o].size());
      if (ref->dtype != DType::kFloat32) {
        EXPECT_EQ(ref->data, ours[o]) << "int outputs differ (" << results[k].value("runtime", "?") << ")";
      } else {
        const float* a = reinterpret_cast<const float*>(ours[o].data());
        const float* b = reinterpret_cast<const float*>(ref->data.data());
        double m = 1e-6, d = 0;
        for (size_t i = 0; i < ours[o].size() / 4; ++i) {
          m = std::max(m, static_cast<double>(std::fabs(b[i])));
          d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
        }
        EXPECT_LE(d, 1e-4 * m) << "runtime " << results[k].value("runtime", "?");
      }
      ++compared;
    }
  }
  EXPECT_GT(outer_order, 0) << "no filter was written with the traversal order [1, ..., n-1, 0]";
  std::printf("%d outputs of %d sparse files (%d filters with the output channel sparse) compared with the official "
              "runtime\n", compared, sparse_files, outer_order);
}

}  // namespace
}  // namespace liteopt
