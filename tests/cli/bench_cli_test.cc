// End-to-end tests of `liteopt bench`: the JSON report's fields and their sanity (no timing thresholds).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/cli_runner.h"
#include "common/fixtures.h"

namespace liteopt {
namespace {

using Output = testing::CliResult;
Output RunBenchCli(const std::string& args) { return testing::RunLiteopt("bench " + args); }

std::string Fixture(const std::string& rel) { return "'" + testing::FixturesDir() + "/" + rel + "'"; }

void ExpectSaneReport(const nlohmann::json& j, int runs) {
  for (const char* key : {"init_ms", "first_run_ms", "images_per_second", "peak_memory_bytes", "arena_bytes"})
    ASSERT_TRUE(j.contains(key)) << key << " missing in " << j.dump();
  EXPECT_GT(j["init_ms"].get<double>(), 0);
  EXPECT_GT(j["first_run_ms"].get<double>(), 0);
  const auto& lat = j["latency_ms"];
  for (const char* key : {"min", "median", "p90", "max"}) ASSERT_TRUE(lat.contains(key)) << key;
  EXPECT_GT(lat["min"].get<double>(), 0);
  EXPECT_LE(lat["min"].get<double>(), lat["median"].get<double>());
  EXPECT_LE(lat["median"].get<double>(), lat["p90"].get<double>());
  EXPECT_LE(lat["p90"].get<double>(), lat["max"].get<double>());
  EXPECT_NEAR(j["images_per_second"].get<double>(), j["batch"].get<int>() * 1e3 / lat["median"].get<double>(), 1e-6);
  EXPECT_GT(j["peak_memory_bytes"].get<long long>(), 0);
  EXPECT_GT(j["arena_bytes"].get<long long>(), 0);
  EXPECT_EQ(j["runs"].get<int>(), runs);
  EXPECT_GE(j["cpu_ms"]["median"].get<double>(), 0);
}

TEST(BenchCli, JsonReportOnAnInt8Model) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto r = RunBenchCli(Fixture("tflite/mlcommons_tiny/vww_96_int8.tflite") + " --json --warmup 1 --runs 3");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ExpectSaneReport(j, 3);
  EXPECT_EQ(j["batch"], 1);
  EXPECT_FALSE(j.contains("ops"));
  EXPECT_NE(j["kernels"].get<std::string>(), "reference");
}

TEST(BenchCli, ProfileListsOpsWithSharesAndMacs) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto r = RunBenchCli(Fixture("tflite/coral/mobilenet_v1_0.25_128_quant.tflite") +
                       " --json --profile --reference --warmup 0 --runs 2 --numerics tflite-builtin");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ExpectSaneReport(j, 2);
  EXPECT_EQ(j["kernels"], "reference");
  ASSERT_EQ(j["ops"].size(), 31u);
  double share = 0;
  for (const auto& op : j["ops"]) share += op["share"].get<double>();
  EXPECT_NEAR(share, 1.0, 1e-6);
  // The first op is a 3x3 stride-2 conv 128x128x3 -> 64x64x8: 64*64*8 outputs of 27 MACs each.
  EXPECT_EQ(j["ops"][0]["type"], "CONV_2D");
  EXPECT_EQ(j["ops"][0]["macs"].get<long long>(), 64LL * 64 * 8 * 27);
  EXPECT_GT(j["ops"][0]["gops"].get<double>(), 0);
}

TEST(BenchCli, TextReportAndFloatModel) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  auto r = RunBenchCli(Fixture("tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite") +
                       " --warmup 0 --runs 2 --profile");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s : {"init", "first run", "median", "p90", "images/s", "peak RSS", "GOP/s", "CONV_2D"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << " not in:\n" << r.out;
}

TEST(BenchCli, ErrorsAndUsage) {
  EXPECT_EQ(RunBenchCli("/nonexistent/model.tflite").code, 1);
  EXPECT_EQ(RunBenchCli("model.tflite --runs 0").code, 2);
  EXPECT_EQ(RunBenchCli("").code, 2);
}

}  // namespace
}  // namespace liteopt
