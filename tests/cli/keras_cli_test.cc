// End-to-end: the commands that take a model read Keras .h5 files (inspect reports the Keras version and
// backend; run, convert and bench work on them; weights-only files need --config; bad files fail cleanly).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/cli_runner.h"
#include "common/fixtures.h"

namespace liteopt {
namespace {

using testing::Quote;
using testing::RunLiteopt;

std::string Fx(const std::string& rel) { return Quote(testing::FixturesDir() + "/" + rel); }

TEST(KerasCli, InspectReportsKerasVersionAndBackend) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto r = RunLiteopt("inspect " + Fx("keras/mlcommons_tiny/pretrainedResnet.h5") + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "keras");
  EXPECT_EQ(j["keras_version"], "2.4.0");
  EXPECT_EQ(j["keras_backend"], "tensorflow");
  EXPECT_TRUE(j["runnable"].get<bool>());
  auto text = RunLiteopt("inspect " + Fx("keras/mlcommons_tiny/trainedResnet_keras3.h5"));
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("keras_version 3.7.0, backend tensorflow"), std::string::npos) << text.out;
}

TEST(KerasCli, RunConvertAndBenchTakeH5) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::string dir = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/keras";
  std::filesystem::create_directories(dir);
  auto run = RunLiteopt("run " + Fx("keras/community/clarenceee_mnist_cnn.h5") + " --input " +
                        Fx("images/tflm_mnist/sample7.png") + " --output-dir " + Quote(dir));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("1  class 7"), std::string::npos) << run.out;
  const std::string out = dir + "/vww.tflite";
  auto conv = RunLiteopt("convert " + Fx("keras/mlcommons_tiny/vww_96.h5") + " -o " + Quote(out));
  ASSERT_EQ(conv.code, 0) << conv.err;
  auto inspect = RunLiteopt("inspect " + Quote(out) + " --json");
  ASSERT_EQ(inspect.code, 0) << inspect.err;
  EXPECT_EQ(nlohmann::json::parse(inspect.out)["format"], "tflite");
  auto bench = RunLiteopt("bench " + Fx("keras/community/sheena_mnist_mlp.h5") + " --runs 3 --warmup 1 --json");
  EXPECT_EQ(bench.code, 0) << bench.err;
}

// A TFMOT QAT model: --optimize default alone gives full integer from the learned ranges (no calibration),
// and the output says so; the int8 file still classifies the digit.
TEST(KerasCli, QatModelConvertsFromItsLearnedRanges) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::string dir = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/keras_qat";
  std::filesystem::create_directories(dir);
  const std::string out = dir + "/qat_int8.tflite";
  auto conv = RunLiteopt("convert " + Fx("keras/community/sheena_mnist_cnn_qat.h5") + " -o " + Quote(out) +
                         " --optimize default");
  ASSERT_EQ(conv.code, 0) << conv.err;
  EXPECT_NE(conv.out.find("full-integer (QAT ranges used: 3 learned, 3 shared or fixed by the op; io float32)"),
            std::string::npos) << conv.out;
  auto run = RunLiteopt("run " + Quote(out) + " --input " + Fx("images/tflm_mnist/sample3.png"));
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("1  class 3"), std::string::npos) << run.out;
  auto int8_io = RunLiteopt("convert " + Fx("keras/community/sheena_mnist_cnn_qat.h5") + " -o " + Quote(out) +
                            " --optimize default --io-type int8");
  EXPECT_EQ(int8_io.code, 0) << int8_io.err;
}

TEST(KerasCli, WeightsOnlyNeedsConfigAndBadFilesFail) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto no_cfg = RunLiteopt("inspect " + Fx("keras/hls4ml/KERAS_3layer_weights.h5"));
  EXPECT_EQ(no_cfg.code, 1);
  EXPECT_NE(no_cfg.err.find("--config"), std::string::npos) << no_cfg.err;
  auto with_cfg = RunLiteopt("inspect " + Fx("keras/hls4ml/KERAS_3layer_weights.h5") + " --config " +
                             Fx("keras/hls4ml/KERAS_3layer.json"));
  EXPECT_EQ(with_cfg.code, 0) << with_cfg.err;
  const std::string dir = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/keras";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/notes.h5") << "not a model";
  auto bad = RunLiteopt("run " + Quote(dir + "/notes.h5"));
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("not an HDF5 file"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace liteopt
