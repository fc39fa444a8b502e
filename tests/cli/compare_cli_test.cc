// End-to-end tests of `liteopt compare` on real model variants: one row per model in the given order, deltas and
// agreement against the float model equal to an independent count, gzipped sizes equal to zlib's, Markdown and
// HTML reports written whole and only on success.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/eval_cli_util.h"

namespace liteopt {
namespace {

using namespace liteopt::testing;

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

TEST(CompareCli, AModelAgreesWithItselfCompletely) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("cmp_self");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string model = CommunityModel("clarenceee_mnist_cnn_qat");
  CliResult r =
      RunLiteopt("compare " + Quote(model) + " " + Quote(model) + " --data " + Quote(csv) + " --no-batched --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["baseline"], 0);  // no float32 model: the first one
  EXPECT_NE(j["baseline_reason"].get<std::string>().find("no float32 model"), std::string::npos);
  ASSERT_EQ(j["models"].size(), 2u);
  for (const auto& m : j["models"]) {
    EXPECT_DOUBLE_EQ(m["agreement"].get<double>(), 1.0);
    EXPECT_EQ(m["agreement_n"], 11);
    EXPECT_DOUBLE_EQ(m["top1_delta"].get<double>(), 0.0);
  }
  EXPECT_TRUE(j["hints"].empty());
}

// --latency-rounds: 0 keeps the accuracy pass's timing (one run per image), N times in N interleaved rounds;
// a negative count is refused before any evaluation.
TEST(CompareCli, LatencyRounds) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("cmp_rounds");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string f = CommunityModel("clarenceee_mnist_cnn_float"), q = CommunityModel("clarenceee_mnist_cnn_qat");
  const std::string base = "compare " + Quote(f) + " " + Quote(q) + " --data " + Quote(csv) + " --no-batched";
  CliResult r = RunLiteopt(base + " --latency-rounds 0 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const auto& m : j["models"]) {
    EXPECT_EQ(m["latency_rounds"], 0);
    EXPECT_EQ(m["latency_runs"], 11);  // the 11 digits, once each
  }
  r = RunLiteopt(base + " --latency-rounds 2 --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  for (const auto& m : j["models"]) {
    EXPECT_EQ(m["latency_rounds"], 2);
    EXPECT_GE(m["latency_runs"].get<int64_t>(), 2);
  }
  r = RunLiteopt(base + " --latency-rounds -1");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--latency-rounds"), std::string::npos) << r.err;
}

// Float, dynamic-range and QAT int8 variants of one CNN, plus the float MLP, on the digits; the float CNN is the
// baseline although it is given second.
TEST(CompareCli, VariantsTableMarkdownAndHtml) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("cmp_variants");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::vector<std::string> names = {"clarenceee_mnist_cnn_dynamic_range", "clarenceee_mnist_cnn_float",
                                          "clarenceee_mnist_cnn_qat", "sheena_mnist_mlp_float"};
  std::string args = "compare";
  for (const auto& n : names) args += " " + Quote(CommunityModel(n));
  args += " --data " + Quote(csv) + " --markdown " + Quote(dir / "report.md") + " --html " +
          Quote(dir / "report.html") + " --threads 2 --json";
  CliResult r = RunLiteopt(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["baseline"], 1);
  ASSERT_EQ(j["models"].size(), names.size());

  const Rows rows = ReadRows(csv);
  std::vector<int> truth;
  for (const auto& l : rows.labels) truth.push_back(std::stoi(l));
  const std::vector<int> base = DirectTop1(CommunityModel(names[1]), rows.paths);
  int base_correct = 0;
  for (size_t i = 0; i < base.size(); ++i) base_correct += base[i] == truth[i];
  for (size_t k = 0; k < names.size(); ++k) {
    SCOPED_TRACE(names[k]);
    const auto& m = j["models"][k];
    const std::string model = CommunityModel(names[k]);
    EXPECT_EQ(m["model"], model);
    EXPECT_EQ(m["name"], names[k] + ".tflite");
    EXPECT_EQ(m["size_bytes"].get<int64_t>(), static_cast<int64_t>(fs::file_size(model)));
    EXPECT_EQ(m["gzip_bytes"].get<int64_t>(), ZlibGzipSize(model));
    const std::vector<int> direct = DirectTop1(model, rows.paths);
    int correct = 0, same = 0;
    for (size_t i = 0; i < direct.size(); ++i) {
      correct += direct[i] == truth[i];
      same += direct[i] == base[i];
    }
    EXPECT_EQ(m["correct"].get<int>(), correct);
    EXPECT_DOUBLE_EQ(m["agreement"].get<double>(), same / 11.0);
    EXPECT_NEAR(m["top1_delta"].get<double>(), (correct - base_correct) / 11.0, 1e-12);
    EXPECT_GT(m["batched"]["images_per_second"].get<double>(), 0);
    EXPECT_GT(m["latency_ms"]["p50"].get<double>(), 0);
    // Latency timed in the default 5 interleaved rounds (at least one run each), images/s their inverse mean.
    EXPECT_EQ(m["latency_rounds"], 5);
    EXPECT_GE(m["latency_runs"].get<int64_t>(), 5);
    EXPECT_NEAR(m["images_per_second"].get<double>() * m["latency_ms"]["mean"].get<double>() / 1e3, 1.0, 1e-6);
    EXPECT_LE(m["latency_ms"]["min"].get<double>(), m["latency_ms"]["p50"].get<double>());
    EXPECT_LE(m["latency_ms"]["p50"].get<double>(), m["latency_ms"]["max"].get<double>());
  }
  EXPECT_EQ(j["models"][0]["kind"], "dynamic-range");
  EXPECT_EQ(j["models"][2]["kind"], "int8");

  const std::string md = ReadText(dir / "report.md");
  const std::string html = ReadText(dir / "report.html");
  size_t last = 0;
  for (size_t k = 0; k < names.size(); ++k) {
    const size_t at = md.find("| " + names[k] + ".tflite");
    ASSERT_NE(at, std::string::npos) << md;
    EXPECT_GT(at, last);  // rows in the order given
    last = at;
    EXPECT_NE(html.find("<td>" + names[k] + ".tflite"), std::string::npos);
  }
  EXPECT_NE(md.find(names[1] + ".tflite (baseline)"), std::string::npos);
  EXPECT_NE(md.find("timed in 5 interleaved rounds"), std::string::npos) << md;
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(Count(html, "<svg"), 1);
  EXPECT_EQ(Count(html, "</svg>"), 1);
  EXPECT_EQ(Count(html, "<tr"), 1 + static_cast<int>(names.size()));
  EXPECT_GE(Count(html, "<circle"), static_cast<int>(names.size()));
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  // Nothing but the two reports in the folder: temporary files renamed away.
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 3);  // digits.csv, report.md, report.html
}

TEST(CompareCli, TextTableAndBaselineFlag) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("cmp_text");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string f = CommunityModel("sheena_mnist_mlp_float"), q = CommunityModel("sheena_mnist_mlp_qat");
  CliResult r = RunLiteopt("compare " + Quote(f) + " " + Quote(q) + " --data " + Quote(csv) + " --baseline " +
                           Quote(q) + " --no-batched");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("sheena_mnist_mlp_qat.tflite (baseline)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top-1"), std::string::npos);
  EXPECT_NE(r.out.find("agreement"), std::string::npos);
  EXPECT_NE(r.out.find("Baseline: sheena_mnist_mlp_qat.tflite (chosen)"), std::string::npos) << r.out;
}

// On the digits the float MLP is right 11 times out of 11 and its QAT int8 twin 10 times: 9.09 points lost, a hint.
TEST(CompareCli, HintForAnInt8VariantLosingPoints) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("cmp_hint");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string f = CommunityModel("sheena_mnist_mlp_float"), q = CommunityModel("sheena_mnist_mlp_qat");
  const Rows rows = ReadRows(csv);
  int f_correct = 0, q_correct = 0;
  const std::vector<int> fp = DirectTop1(f, rows.paths), qp = DirectTop1(q, rows.paths);
  for (size_t i = 0; i < rows.labels.size(); ++i) {
    f_correct += fp[i] == std::stoi(rows.labels[i]);
    q_correct += qp[i] == std::stoi(rows.labels[i]);
  }
  if (f_correct - q_correct < 1) GTEST_SKIP() << "the int8 model loses nothing on these images here";
  CliResult r = RunLiteopt("compare " + Quote(f) + " " + Quote(q) + " --data " + Quote(csv) + " --no-batched");
  ASSERT_EQ(r.code, 0) << r.err;
  const size_t hint = r.out.find("hint: sheena_mnist_mlp_qat.tflite (int8) loses");
  ASSERT_NE(hint, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("percentile calibration", hint), std::string::npos);
  EXPECT_NE(r.out.find("debug-quant", hint), std::string::npos);
  EXPECT_EQ(Count(r.out, "hint:"), 1);
}

// On Fashion-MNIST the digit models are poor, and their int8 twin may lose more than a point: the hint appears
// exactly when it does.
TEST(CompareCli, HintWhenAnInt8VariantLosesMoreThanAPoint) {
  REQUIRE_EVAL_FIXTURES();
  REQUIRE_FASHION_MNIST_EXPORT();
  const std::string fm = FashionMnistExport();
  CliResult r = RunLiteopt("compare " + Quote(CommunityModel("sheena_mnist_mlp_float")) + " " +
                           Quote(CommunityModel("sheena_mnist_mlp_qat")) + " " +
                           Quote(CommunityModel("sheena_mnist_mlp_dynamic_range")) + " --data " +
                           Quote(fm + "/test.csv") + " --labels " + Quote(fm + "/labels.txt") + " --no-batched --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["models"][0]["n"], 200);
  for (size_t k = 1; k < 3; ++k) {
    const auto& m = j["models"][k];
    const bool lost = m["top1_delta"].get<double>() < -0.01;
    bool hinted = false;
    for (const auto& h : j["hints"]) hinted |= h.get<std::string>().rfind(m["name"].get<std::string>(), 0) == 0;
    EXPECT_EQ(hinted, lost) << m.dump();
  }
  for (const auto& h : j["hints"]) EXPECT_NE(h.get<std::string>().find("percentile calibration"), std::string::npos);
}

TEST(CompareCli, BadInputWritesNothing) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("cmp_errors");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string model = CommunityModel("clarenceee_mnist_cnn_float");
  const std::string outputs = " --markdown " + Quote(dir / "r.md") + " --html " + Quote(dir / "r.html");
  auto expect_error = [&](const std::string& args, const std::string& fragment) {
    CliResult r = RunLiteopt(args);
    EXPECT_EQ(r.code, 1) << args << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << r.err;
    EXPECT_FALSE(fs::exists(dir / "r.md"));
    EXPECT_FALSE(fs::exists(dir / "r.html"));
  };
  expect_error("compare " + Quote(model) + " " + Quote(dir / "missing.tflite") + " --data " + Quote(csv) + outputs,
               "missing.tflite: no such model file");
  expect_error("compare " + Quote(model) + " --data " + Quote(csv) + " --html " + Quote(dir / "no/such/dir/r.html") +
                   " --markdown " + Quote(dir / "r.md"),
               "does not exist");
  expect_error(
      "compare " + Quote(model) + " --data " + Quote(csv) + " --baseline " + Quote(dir / "other.tflite") + outputs,
      "is not one of the models");
  expect_error("compare " + Quote(model) + " " + Quote(Fixture("tflite/coral/mobilenet_v1_0.25_128_quant.tflite")) +
                   " --data " + Quote(csv) + outputs,
               "has 10 labels");
  expect_error("compare " + Quote(model) + " --data " + Quote(csv) + " --markdown " + Quote(model), "refusing");
}

}  // namespace
}  // namespace liteopt
