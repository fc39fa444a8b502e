// End-to-end tests of the liteopt executable: exit codes, stdout/stderr split, inspect and run on real models.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/cli_runner.h"
#include "common/fixtures.h"

namespace liteopt {
namespace {

using Output = testing::CliResult;
Output RunCli(const std::string& args) { return testing::RunLiteopt(args); }

std::string Fixture(const std::string& rel) { return "'" + testing::FixturesDir() + "/" + rel + "'"; }

TEST(Cli, VersionAndHelp) {
  auto v = RunCli("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("liteopt "), std::string::npos);
  for (const char* cmd : {"--help", "inspect --help", "run --help"}) {
    auto h = RunCli(cmd);
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("Usage"), std::string::npos) << cmd << ": " << h.out;
  }
}

TEST(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(RunCli("").code, 2);
  EXPECT_EQ(RunCli("no-such-command").code, 2);
  EXPECT_EQ(RunCli("inspect").code, 2);
  EXPECT_EQ(RunCli("run model.tflite --threads 0").code, 2);
}

TEST(Cli, MissingOrCorruptModelFailsWithOneAndNamesTheFile) {
  auto r = RunCli("inspect /nonexistent/model.tflite");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/model.tflite"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  const std::string bad = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/garbage.tflite";
  std::filesystem::create_directories(std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp");
  std::ofstream(bad) << "this is not a flatbuffer at all, just text";
  auto g = RunCli("run " + bad + " --input x.npy");
  EXPECT_EQ(g.code, 1);
  EXPECT_NE(g.err.find("garbage.tflite"), std::string::npos) << g.err;
}

TEST(Cli, InspectJsonDescribesARealModel) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto r = RunCli("inspect --json " + Fixture("tflite/coral/mobilenet_v1_0.25_128_quant.tflite"));
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["inputs"][0]["dtype"], "uint8");
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({1, 128, 128, 3}));
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json({1, 1001}));
  EXPECT_EQ(j["ops"].size(), 31u);
  EXPECT_EQ(j["ops"][0]["op"], "CONV_2D");
  EXPECT_TRUE(j["runnable"].get<bool>());
  EXPECT_LT(j["memory"]["arena_bytes"].get<size_t>(), j["memory"]["activation_bytes_sum"].get<size_t>() / 2);
  EXPECT_TRUE(j["unsupported_ops"].empty());
}

TEST(Cli, InspectWorksOnEveryFixture) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  int runnable = 0;
  for (const std::string& rel : testing::AllTfliteFixtures()) {
    auto r = RunCli("inspect --json " + Fixture(rel));
    if (rel.find("test_model_broken") != std::string::npos) {
      EXPECT_EQ(r.code, 1) << rel;
      EXPECT_NE(r.err.find("test_model_broken"), std::string::npos) << r.err;
      continue;
    }
    ASSERT_EQ(r.code, 0) << rel << ": " << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << rel;
    EXPECT_FALSE(j["inputs"].empty() && !j["ops"].empty()) << rel;
    if (j["runnable"].get<bool>()) {
      ++runnable;
      EXPECT_LE(j["memory"]["arena_bytes"].get<size_t>(), j["memory"]["activation_bytes_sum"].get<size_t>() + 64 * 64)
          << rel;
    } else {
      EXPECT_TRUE(!j["unsupported_ops"].empty() || j.contains("prepare_error")) << rel;
    }
  }
  EXPECT_GE(runnable, 80);  // all but the LSTM and custom-op models
}

TEST(Cli, InspectListsUnsupportedOps) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto r = RunCli("inspect " + Fixture("tflite/tflm/mnist_lstm_float.tflite"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("UNIDIRECTIONAL_SEQUENCE_LSTM (op 0)"), std::string::npos) << r.out;
  auto run = RunCli("run " + Fixture("tflite/tflm/mnist_lstm_float.tflite") + " --input x.npy");
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("UNIDIRECTIONAL_SEQUENCE_LSTM"), std::string::npos) << run.err;
}

TEST(Cli, RunClassifiesTheCatAndWritesOutputs) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::string out_dir = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/cat_out";
  std::filesystem::remove_all(out_dir);
  auto r = RunCli("run " + Fixture("tflite/coral/mobilenet_v1_0.25_128_quant.tflite") + " --input " +
               Fixture("images/coral/cat.bmp") + " --labels " + Fixture("tflite/coral/imagenet_labels.txt") +
               " --output-dir " + out_dir);
  ASSERT_EQ(r.code, 0) << r.err;
  // Upstream expectation: class 283 'tiger cat' among the top 3.
  const auto top3_end = r.out.find("  4  ");
  const std::string top3 = r.out.substr(0, top3_end);
  EXPECT_NE(top3.find("tiger cat"), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(out_dir + "/output_0.npy"));
  EXPECT_EQ(std::filesystem::file_size(out_dir + "/output_0.npy"), 128u + 1001u);
}

TEST(Cli, RunRejectsWrongInputs) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const std::string model = Fixture("tflite/tflite2onnx_ops/add.float32.tflite");
  auto missing = RunCli("run " + model + " --input " + Fixture("images/coral/cat.bmp"));
  EXPECT_EQ(missing.code, 2);  // two inputs, one given
  EXPECT_NE(missing.err.find("2 inputs"), std::string::npos) << missing.err;
  // A .npy of the wrong dtype names the file and both dtypes.
  const std::string dir = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp";
  const std::string npy = dir + "/u8.npy";
  {
    std::ofstream f(npy, std::ios::binary);
    std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (4,), }";
    header.resize(118 - 1, ' ');
    header += '\n';
    f << "\x93NUMPY" << char(1) << char(0) << char(118) << char(0) << header << "abcd";
  }
  auto wrong = RunCli("run " + model + " --input " + npy + " --input " + npy);
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("u8.npy"), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("float32"), std::string::npos) << wrong.err;
}

}  // namespace
}  // namespace liteopt
