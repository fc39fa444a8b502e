// End-to-end tests of `liteopt optimize` on a real Fashion-MNIST model (tests/common/fashion_model.h): every variant
// and report is written and parses, the int8 check on --val diagnoses the injected bad layer, failures leave nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/fashion_models_util.h"

namespace liteopt::testing {
namespace {

std::string OptimizeArgs(const FashionModels& m, const std::string& model, const std::string& out) {
  return "optimize " + Quote(model) + " --train " + Quote(m.train) + " --val " + Quote(m.val) + " --test " +
         Quote(m.test) + " --out " + Quote(out) + " --samples 100 --no-batched";
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(OptimizeCli, WritesEveryVariantAndReports) {
  REQUIRE_FASHION_MODELS();
  const FashionModels& m = GetFashionModels();
  TempDir dir("optimize_all");
  const std::string out = dir / "out";  // created by the command
  CliResult r = RunLiteopt(OptimizeArgs(m, m.clean, out));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(Listing(out), (std::vector<std::string>{"clean_dynamic_range.tflite", "clean_float16.tflite",
                                                    "clean_float32.tflite", "clean_int8.tflite", "labels.txt",
                                                    "report.html", "report.json", "report.md"}));
  for (int step = 1; step <= 7; ++step)
    EXPECT_NE(r.err.find("[" + std::to_string(step) + "/7]"), std::string::npos) << r.err;

  const auto j = nlohmann::json::parse(ReadText(out + "/report.json"), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  ASSERT_EQ(j["models"].size(), 4u);
  const char* kinds[] = {"float32", "dynamic-range", "int8", "float16"};
  for (size_t i = 0; i < 4; ++i) {
    const auto& model = j["models"][i];
    EXPECT_EQ(model["kind"], kinds[i]);
    EXPECT_EQ(fs::path(model["model"].get<std::string>()).parent_path(), fs::path(out));  // final paths, not scratch
    EXPECT_EQ(model["n"], 200);
    EXPECT_EQ(model["size_bytes"], static_cast<int64_t>(fs::file_size(model["model"].get<std::string>())));
  }
  EXPECT_EQ(j["baseline"], 0);
  EXPECT_EQ(j["calibration"]["samples"], 100);
  EXPECT_GT(j["models"][0]["top1"].get<double>(), 0.6);             // a real classifier
  EXPECT_LT(j["models"][2]["size_bytes"], j["models"][0]["size_bytes"].get<int64_t>() * 3 / 10);
  EXPECT_LE(std::abs(j["models"][2]["top1_delta"].get<double>()), 0.02);
  EXPECT_TRUE(j["validation"].contains("int8_drop_points"));

  const std::string md = ReadText(out + "/report.md"), html = ReadText(out + "/report.html");
  EXPECT_NE(md.find("clean_int8.tflite"), std::string::npos);
  EXPECT_NE(md.find("## Validation"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);  // nothing fetched
  EXPECT_NE(r.out.find("clean_float16.tflite"), std::string::npos) << r.out;  // the table on stdout
}

TEST(OptimizeCli, DiagnosesInt8WhenItLosesOnValidation) {
  REQUIRE_FASHION_MODELS();
  const FashionModels& m = GetFashionModels();
  TempDir dir("optimize_bad");
  CliResult r = RunLiteopt(OptimizeArgs(m, m.bad, dir.path()));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const auto j = nlohmann::json::parse(ReadText(dir / "report.json"), nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_GT(j["validation"]["int8_drop_points"].get<double>(), 0.5);
  ASSERT_TRUE(j["validation"].contains("debug"));
  EXPECT_EQ(j["validation"]["debug"]["layers"][0]["name"], "fc1");
  EXPECT_NE(r.out.find("--keep-float fc1"), std::string::npos) << r.out;
  EXPECT_NE(ReadText(dir / "report.md").find("`fc1`"), std::string::npos);
}

TEST(OptimizeCli, FailuresLeaveNothingBehind) {
  REQUIRE_FASHION_MODELS();
  const FashionModels& m = GetFashionModels();
  TempDir dir("optimize_fail");

  // A test CSV with no usable rows (its one image is missing, skipped with --skip-bad) fails after the
  // conversions: no model, no report, no scratch folder, and the folder the run created is gone again.
  const std::string empty = dir / "empty.csv";
  WriteText(empty, "filename,label\nnowhere.png,Bag\n");
  const std::string out = dir / "out";
  CliResult r = RunLiteopt("optimize " + Quote(m.clean) + " --train " + Quote(m.train) + " --val " + Quote(m.val) +
                           " --test " + Quote(empty) + " --out " + Quote(out) + " --samples 50 --no-batched --skip-bad");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("every sample of the dataset was skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("empty.csv:2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));

  // An existing --out keeps what it had.
  fs::create_directories(out);
  WriteText(out + "/keep.txt", "x");
  const std::string header_only = dir / "header.csv";
  WriteText(header_only, "filename,label\n");
  r = RunLiteopt("optimize " + Quote(m.clean) + " --train " + Quote(header_only) + " --val " + Quote(m.val) +
                 " --test " + Quote(m.test) + " --out " + Quote(out));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--train: " + header_only + ": has a header but no rows"), std::string::npos) << r.err;
  EXPECT_EQ(Listing(out), std::vector<std::string>{"keep.txt"});

  // Unwritable --out: a file, and a folder that cannot be created.
  r = RunLiteopt(OptimizeArgs(m, m.clean, out + "/keep.txt"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("keep.txt: is a file, not a folder"), std::string::npos) << r.err;
  r = RunLiteopt(OptimizeArgs(m, m.clean, "/proc/liteopt-optimize-out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--out /proc/liteopt-optimize-out: cannot create the folder"), std::string::npos) << r.err;

  // A quantized model is not a starting point.
  r = RunLiteopt(OptimizeArgs(m, m.clean_int8, dir / "other"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("optimize needs a float32 model"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "other"));
}

}  // namespace
}  // namespace liteopt::testing
