// `liteopt data bench`: the whole pipeline over a CSV of real images, its JSON, and bad data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/cli_runner.h"
#include "common/fixtures.h"

namespace liteopt {
namespace {

using testing::Quote;
using testing::RunLiteopt;

class DataBenchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveFixtures()) GTEST_SKIP() << "fixtures not found at " << testing::FixturesDir();
    dir_ = std::filesystem::path(LITEOPT_BINARY_DIR) / ("data_bench_cli_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "img");
    const std::string images = testing::FixturesDir() + "/images/";
    for (const char* f : {"litert_mini_benchmark/chair_224_224_3.jpeg", "litert_mini_benchmark/food_224_224_3.jpeg",
                          "tflm_mnist/sample0.png", "coral/cat.bmp"}) {
      std::filesystem::copy_file(images + f, dir_ / "img" / std::filesystem::path(f).filename());
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Csv(const std::string& name, const std::string& rows) {
    std::ofstream(dir_ / name) << "filename,label\n" << rows;
    return Quote((dir_ / name).string());
  }

  std::filesystem::path dir_;
};

TEST_F(DataBenchCli, JsonReportsEveryImage) {
  const std::string csv = Csv("ok.csv",
                              "img/chair_224_224_3.jpeg,chair\nimg/food_224_224_3.jpeg,food\n"
                              "img/sample0.png,digit\nimg/cat.bmp,cat\nimg/chair_224_224_3.jpeg,chair\n");
  for (const char* threads : {"1", "2"}) {
    auto r = RunLiteopt("data bench " + csv + " --size 64x48x3 --batch 2 --json --threads " + threads);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["images"], 5);
    EXPECT_EQ(j["batches"], 3);
    EXPECT_GT(j["images_per_second"].get<double>(), 0.0);
    EXPECT_EQ(j["size"], nlohmann::json::array({64, 48, 3}));
    EXPECT_EQ(j["skipped"], 0);
    EXPECT_EQ(j["labels"], nlohmann::json::array({"cat", "chair", "digit", "food"}));  // sorted
  }
  auto text = RunLiteopt("data bench " + csv + " --size 28x28x1 --dtype int8");
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("images/s"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("4 classes (ids in sorted order): 0=cat 1=chair 2=digit 3=food"), std::string::npos)
      << text.out;
}

TEST_F(DataBenchCli, BadImagesStopWithFileAndLineOrAreSkippedAndListed) {
  std::ofstream(dir_ / "img" / "broken.jpg") << "not a jpeg at all";
  std::ofstream(dir_ / "img" / "empty.png");
  const std::string csv = Csv("bad.csv",
                              "img/chair_224_224_3.jpeg,chair\nimg/broken.jpg,food\nimg/empty.png,x\n"
                              "img/nope.png,y\nimg/cat.bmp,cat\n");
  auto strict = RunLiteopt("data bench " + csv + " --size 32x32x3");
  EXPECT_EQ(strict.code, 1);
  EXPECT_NE(strict.err.find("bad.csv:3"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("--skip-bad"), std::string::npos) << strict.err;

  auto skip = RunLiteopt("data bench " + csv + " --size 32x32x3 --skip-bad --json");
  ASSERT_EQ(skip.code, 0) << skip.err;
  const auto j = nlohmann::json::parse(skip.out);
  EXPECT_EQ(j["images"], 2);
  EXPECT_EQ(j["skipped"], 3);
  EXPECT_NE(skip.err.find("skipped 3 bad samples"), std::string::npos) << skip.err;
  for (const char* where : {"bad.csv:3", "bad.csv:4", "bad.csv:5"})
    EXPECT_NE(skip.err.find(where), std::string::npos) << where << " in " << skip.err;
}

TEST_F(DataBenchCli, MalformedCsvAndArgumentsFailClearly) {
  auto ragged = RunLiteopt("data bench " + Csv("ragged.csv", "img/cat.bmp,cat,extra\n") + " --size 8x8x3");
  EXPECT_EQ(ragged.code, 1);
  EXPECT_NE(ragged.err.find("ragged.csv:2"), std::string::npos) << ragged.err;

  auto empty = RunLiteopt("data bench " + Csv("empty.csv", "") + " --size 8x8x3");
  EXPECT_EQ(empty.code, 1);
  EXPECT_NE(empty.err.find("empty.csv"), std::string::npos) << empty.err;

  std::ofstream(dir_ / "cols.csv") << "path,class\nimg/cat.bmp,cat\n";
  auto cols = RunLiteopt("data bench " + Quote((dir_ / "cols.csv").string()) + " --size 8x8x3");
  EXPECT_EQ(cols.code, 1);
  EXPECT_NE(cols.err.find("filename"), std::string::npos) << cols.err;
  auto renamed = RunLiteopt("data bench " + Quote((dir_ / "cols.csv").string()) +
                            " --size 8x8x3 --filename-column path --label-column class --json");
  EXPECT_EQ(renamed.code, 0) << renamed.err;

  auto size = RunLiteopt("data bench " + Csv("ok2.csv", "img/cat.bmp,cat\n") + " --size 8x8x2");
  EXPECT_EQ(size.code, 1);
  EXPECT_NE(size.err.find("channels"), std::string::npos) << size.err;
  EXPECT_EQ(RunLiteopt("data bench").code, 2);
  EXPECT_EQ(RunLiteopt("data bench --help").code, 0);
}

}  // namespace
}  // namespace liteopt
