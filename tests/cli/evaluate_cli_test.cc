// End-to-end tests of `liteopt evaluate` on real models and real images: the accuracy it reports equals an
// independent count over predictions made with the interpreter directly; the JSON has the documented fields; bad
// input gives clear errors and nothing on stdout.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/eval_cli_util.h"

namespace liteopt {
namespace {

using namespace liteopt::testing;

nlohmann::json RunJson(const std::string& args, CliResult* raw = nullptr) {
  CliResult r = RunLiteopt(args);
  if (raw) *raw = r;
  EXPECT_EQ(r.code, 0) << args << "\n" << r.err;
  if (r.code != 0) return {};
  return nlohmann::json::parse(r.out);
}

// Counts of the checks every JSON result must pass, whatever the model.
void ExpectConsistent(const nlohmann::json& j, const std::string& model) {
  const int64_t n = j["n"];
  ASSERT_GT(n, 0);
  EXPECT_DOUBLE_EQ(j["top1"].get<double>(), j["correct"].get<int64_t>() / static_cast<double>(n));
  EXPECT_GE(j["top5"].get<double>(), j["top1"].get<double>());
  EXPECT_EQ(j["size_bytes"].get<int64_t>(), static_cast<int64_t>(fs::file_size(model)));
  EXPECT_EQ(j["gzip_bytes"].get<int64_t>(), ZlibGzipSize(model));
  EXPECT_GT(j["images_per_second"].get<double>(), 0);
  EXPECT_GT(j["end_to_end_images_per_second"].get<double>(), 0);
  const auto& lat = j["latency_ms"];
  EXPECT_GT(lat["p50"].get<double>(), 0);
  EXPECT_LE(lat["p50"].get<double>(), lat["p90"].get<double>());
  EXPECT_LE(lat["p90"].get<double>(), lat["p99"].get<double>());
  // The confusion matrix holds every image once; its diagonal is the top-1 count; per-class sums agree.
  int64_t total = 0, diagonal = 0;
  const auto& m = j["confusion"];
  for (size_t t = 0; t < m.size(); ++t) {
    int64_t row = 0;
    for (size_t p = 0; p < m[t].size(); ++p) row += m[t][p].get<int64_t>();
    total += row;
    diagonal += m[t][t].get<int64_t>();
    EXPECT_EQ(j["per_class"][t]["n"].get<int64_t>(), row);
    EXPECT_EQ(j["per_class"][t]["correct"].get<int64_t>(), m[t][t].get<int64_t>());
  }
  EXPECT_EQ(total, n);
  EXPECT_EQ(diagonal, j["correct"].get<int64_t>());
}

int CountCorrect(const std::vector<int>& predicted, const std::vector<int>& truth) {
  int correct = 0;
  for (size_t i = 0; i < predicted.size() && i < truth.size(); ++i) correct += predicted[i] == truth[i];
  return correct;
}

// The MNIST digit models (float, dynamic-range, QAT int8) on the digit images: labels are the sorted CSV labels
// "0".."9", i.e. the digits themselves.
TEST(EvaluateCli, DigitsAccuracyEqualsADirectCount) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("eval_digits");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const Rows rows = ReadRows(csv);
  std::vector<int> truth;
  for (const auto& l : rows.labels) truth.push_back(std::stoi(l));
  const std::vector<std::pair<std::string, std::string>> models = {
      {"clarenceee_mnist_cnn_float", "float32"},
      {"clarenceee_mnist_cnn_dynamic_range", "dynamic-range"},
      {"clarenceee_mnist_cnn_qat", "int8"},
      {"sheena_mnist_mlp_qat", "int8"}};
  for (const auto& [name, kind] : models) {
    SCOPED_TRACE(name);
    const std::string model = CommunityModel(name);
    const nlohmann::json j = RunJson("evaluate " + Quote(model) + " --data " + Quote(csv) + " --json --no-batched");
    ASSERT_FALSE(j.is_null());
    EXPECT_EQ(j["n"], 11);
    EXPECT_EQ(j["kind"], kind);
    EXPECT_EQ(j["num_classes"], 10);
    EXPECT_NE(j["labels_source"].get<std::string>().find("sorted labels"), std::string::npos);
    const std::vector<int> direct = DirectTop1(model, rows.paths);
    ASSERT_EQ(direct.size(), 11u);
    EXPECT_EQ(j["correct"].get<int>(), CountCorrect(direct, truth));
    EXPECT_GE(j["correct"].get<int>(), 9);  // real digit classifiers on real digits
    ExpectConsistent(j, model);
    EXPECT_FALSE(j.contains("batched"));
  }
}

// Fashion-MNIST exported by `liteopt data fashion-mnist`, its labels.txt given with --labels, --limit, batched
// throughput measured both ways.
TEST(EvaluateCli, FashionMnistWithLabelsFileAndLimit) {
  REQUIRE_EVAL_FIXTURES();
  REQUIRE_FASHION_MNIST_EXPORT();
  const std::string fm = FashionMnistExport();
  const std::string model = CommunityModel("clarenceee_mnist_cnn_qat");
  const nlohmann::json j = RunJson("evaluate " + Quote(model) + " --data " + Quote(fm + "/test.csv") + " --labels " +
                                   Quote(fm + "/labels.txt") + " --limit 60 --threads 2 --top-k 3 --json");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["n"], 60);
  EXPECT_EQ(j["rows"], 60);
  EXPECT_EQ(j["top_k"]["k"], 3);
  EXPECT_LE(j["top_k"]["accuracy"].get<double>(), j["top5"].get<double>());
  EXPECT_GE(j["top_k"]["accuracy"].get<double>(), j["top1"].get<double>());
  ExpectConsistent(j, model);

  auto labels = data::ReadLabelsFile(fm + "/labels.txt");
  ASSERT_TRUE(labels.ok());
  const Rows rows = ReadRows(fm + "/test.csv", 60);
  std::vector<int> truth;
  for (const auto& l : rows.labels) truth.push_back(*labels->Find(l));
  EXPECT_EQ(j["correct"].get<int>(), CountCorrect(DirectTop1(model, rows.paths), truth));
  for (size_t c = 0; c < 10; ++c) EXPECT_EQ(j["per_class"][c]["name"], labels->name(static_cast<int>(c)));

  const auto& b = j["batched"];
  EXPECT_GT(b["images_per_second"].get<double>(), 0);
  ASSERT_EQ(b["trials"].size(), 2u);
  EXPECT_EQ(b["trials"][0]["batch"], 32);  // one interpreter, batch resized
  EXPECT_EQ(b["trials"][1]["interpreters"].get<int>(), b["trials"][1]["threads"].get<int>());
  bool best_found = false;
  for (const auto& t : b["trials"]) best_found |= t["mode"] == b["mode"];
  EXPECT_TRUE(best_found);
}

// A uint8-input Coral MobileNet on photos (ImageNet labels file with a repeated name), JPEGs decoded in full.
TEST(EvaluateCli, CoralUint8ModelOnPhotos) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("eval_photos");
  const std::string bench = Fixture("images/litert_mini_benchmark/");
  WriteText(dir / "photos.csv", "filename,label\n" + Fixture("images/coral/cat.bmp") + ",Egyptian cat\n" +
                                    Fixture("images/litert/grace_hopper.jpg") + ",military uniform\n" + bench +
                                    "shoe_224_224_3.jpeg,running shoe\n" + bench +
                                    "chair_224_224_3.jpeg,folding chair\n");
  const std::string model = Fixture("tflite/coral/mobilenet_v2_1.0_224_quant.tflite");
  CliResult raw;
  const nlohmann::json j =
      RunJson("evaluate " + Quote(model) + " --data " + Quote(dir / "photos.csv") + " --labels " +
                  Quote(Fixture("tflite/coral/imagenet_labels.txt")) + " --exact-decode --no-batched --json",
              &raw);
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["n"], 4);
  EXPECT_EQ(j["kind"], "uint8");
  EXPECT_EQ(j["input"]["dtype"], "uint8");
  EXPECT_EQ(j["num_classes"], 1001);
  EXPECT_FALSE(j.contains("confusion"));  // 1001 classes: the non-zero cells only
  ASSERT_TRUE(j.contains("confusion_cells"));
  int64_t cells = 0;
  for (const auto& c : j["confusion_cells"]) cells += c[2].get<int64_t>();
  EXPECT_EQ(cells, 4);
  const std::vector<int> truth = {286, 653, 771, 560};  // ids in imagenet_labels.txt (0 = background)
  const std::vector<int> direct = DirectTop1(model, ReadRows(dir / "photos.csv").paths);
  EXPECT_EQ(j["correct"].get<int>(), CountCorrect(direct, truth));
  EXPECT_NE(j["labels_source"].get<std::string>().find("repeated name"), std::string::npos);
}

TEST(EvaluateCli, TextReport) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("eval_text");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  CliResult r = RunLiteopt("evaluate " + Quote(CommunityModel("clarenceee_mnist_cnn_float")) + " --data " + Quote(csv) +
                           " --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* what : {"top-1", "top-5", "images/s", "p50", "p99", "batched", "per class", "confusion matrix",
                           "sorted labels", "float32"})
    EXPECT_NE(r.out.find(what), std::string::npos) << what << "\n" << r.out;
  EXPECT_NE(r.err.find("evaluate: 100%"), std::string::npos) << r.err;  // progress on stderr
  EXPECT_EQ(r.out.find("evaluate:"), std::string::npos);
}

// labels.txt beside the model is used without --labels.
TEST(EvaluateCli, LabelsTxtBesideTheModel) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("eval_beside");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  fs::copy_file(CommunityModel("clarenceee_mnist_cnn_float"), dir / "m.tflite");
  // Reversed class order: digit d is class 9 - d for this labels file, so the model's class d means "9-d".
  std::string labels;
  for (int d = 9; d >= 0; --d) labels += std::to_string(d) + "\n";
  WriteText(dir / "labels.txt", labels);
  const nlohmann::json j =
      RunJson("evaluate " + Quote(dir / "m.tflite") + " --data " + Quote(csv) + " --json --no-batched");
  ASSERT_FALSE(j.is_null());
  EXPECT_NE(j["labels_source"].get<std::string>().find("beside the model"), std::string::npos);
  const Rows rows = ReadRows(csv);
  std::vector<int> truth;
  for (const auto& l : rows.labels) truth.push_back(9 - std::stoi(l));
  EXPECT_EQ(j["correct"].get<int>(), CountCorrect(DirectTop1(dir / "m.tflite", rows.paths), truth));
  EXPECT_EQ(j["per_class"][0]["name"], "9");
}

void ExpectCleanError(const CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find("liteopt: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << "expected '" << fragment << "' in: " << r.err;
}

// A Keras weights-only .h5 (save_weights) needs its architecture JSON: --config, shared by every command that reads
// a model. hls4ml's 8x8 digit CNN on the digit images (resized): evaluate and bench take the .h5 with --config (and
// evaluate names the flag without it), and compare finds the .h5 and its conversion to .tflite in full agreement.
TEST(EvaluateCli, KerasWeightsOnlyModelWithConfig) {
#ifdef LITEOPT_NO_KERAS
  GTEST_SKIP() << "built without Keras .h5 support (LITEOPT_WITH_KERAS=OFF, e.g. the aarch64 cross build)";
#endif
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("eval_keras_config");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string h5 = Quote(Fixture("keras/hls4ml/KERAS_conv2d_model_weights.h5"));
  const std::string config = " --config " + Quote(Fixture("keras/hls4ml/KERAS_conv2d_model.json"));
  const nlohmann::json j = RunJson("evaluate " + h5 + config + " --data " + Quote(csv) + " --json --no-batched");
  ASSERT_FALSE(j.is_null());
  EXPECT_EQ(j["n"], 11);
  EXPECT_EQ(j["num_classes"], 10);
  CliResult no_config = RunLiteopt("evaluate " + h5 + " --data " + Quote(csv) + " --json --no-batched");
  EXPECT_EQ(no_config.code, 1);
  EXPECT_NE(no_config.err.find("--config"), std::string::npos) << no_config.err;

  const std::string tflite = dir / "conv2d.tflite";
  CliResult conv = RunLiteopt("convert " + h5 + config + " -o " + Quote(tflite));
  ASSERT_EQ(conv.code, 0) << conv.err;
  const nlohmann::json c =
      RunJson("compare " + Quote(tflite) + " " + h5 + config + " --data " + Quote(csv) + " --json --no-batched");
  ASSERT_FALSE(c.is_null());
  ASSERT_EQ(c["models"].size(), 2u);
  EXPECT_EQ(c["models"][1]["agreement"].get<double>(), 1.0);
  EXPECT_EQ(c["models"][0]["correct"], c["models"][1]["correct"]);

  const nlohmann::json b = RunJson("bench " + h5 + config + " --runs 2 --warmup 0 --json");
  ASSERT_FALSE(b.is_null());
  EXPECT_GT(b["images_per_second"].get<double>(), 0);
}

TEST(EvaluateCli, BadInputGivesClearErrors) {
  REQUIRE_EVAL_FIXTURES();
  TempDir dir("eval_errors");
  const std::string csv = WriteDigitsCsv(dir / "digits.csv");
  const std::string model = CommunityModel("clarenceee_mnist_cnn_float");

  ExpectCleanError(RunLiteopt("evaluate " + Quote(dir / "missing.tflite") + " --data " + Quote(csv) + " --json"),
                   "missing.tflite: no such model file");
  // 1001 ImageNet labels for a 10-class model.
  ExpectCleanError(RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(csv) + " --labels " +
                              Quote(Fixture("tflite/coral/imagenet_labels.txt"))),
                   "scores 10 classes, but");
  // The CSV's own labels, 3 of them, for a 10-class model.
  WriteText(dir / "three.csv", "filename,label\n" + Fixture("images/tflm_mnist/sample0.png") + ",0\n" +
                                   Fixture("images/tflm_mnist/sample1.png") + ",1\n" +
                                   Fixture("images/tflm_mnist/sample2.png") + ",2\n");
  ExpectCleanError(RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(dir / "three.csv")), "has 3 labels");
  // A label the labels file does not know.
  std::string digits;
  for (int d = 0; d < 10; ++d) digits += std::to_string(d) + "\n";
  WriteText(dir / "digits.txt", digits);
  WriteText(dir / "horse.csv", "filename,label\n" + Fixture("images/tflm_mnist/sample0.png") + ",0\n" +
                                   Fixture("images/tflm_mnist/sample1.png") + ",horse\n");
  ExpectCleanError(RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(dir / "horse.csv") + " --labels " +
                              Quote(dir / "digits.txt")),
                   "horse.csv:3: label 'horse'");
  // No usable rows: every image missing (skipped), or only a header.
  WriteText(dir / "gone.csv", "filename,label\n" + (dir / "nope0.png") + ",0\n" + (dir / "nope1.png") + ",1\n");
  ExpectCleanError(RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(dir / "gone.csv") + " --labels " +
                              Quote(dir / "digits.txt") + " --skip-bad"),
                   "skipped");
  ExpectCleanError(RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(dir / "gone.csv") + " --labels " +
                              Quote(dir / "digits.txt")),
                   "nope0.png");
  WriteText(dir / "empty.csv", "filename,label\n");
  ExpectCleanError(RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(dir / "empty.csv")), "empty.csv");
  // Not a classifier: an ADD model with two inputs.
  ExpectCleanError(
      RunLiteopt("evaluate " + Quote(Fixture("tflite/litert/testdata/multi_add.tflite")) + " --data " + Quote(csv)),
      "one image input");
}

}  // namespace
}  // namespace liteopt
