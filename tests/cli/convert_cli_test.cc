// End-to-end tests of `liteopt convert`: every mode writes a model that `liteopt run` loads; bad inputs give
// clear errors and leave nothing at the output path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/cli_runner.h"
#include "common/fixtures.h"

namespace liteopt::testing {
namespace {

namespace fs = std::filesystem;

fs::path WorkDir(const std::string& name) {
  const fs::path d = fs::path(LITEOPT_BINARY_DIR) / "cli_test_tmp" / ("convert_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string Model(const std::string& rel) { return FixturesDir() + "/" + rel; }

// A representative CSV over the fixtures' photos.
fs::path PhotoCsv(const fs::path& dir) {
  const fs::path csv = dir / "photos.csv";
  std::ofstream f(csv);
  f << "filename,label\n";
  for (const auto& e : fs::directory_iterator(FixturesDir() + "/images/litert_mini_benchmark"))
    f << e.path().string() << ",x\n";
  return csv;
}

TEST(ConvertCli, EveryModeWritesARunnableModel) {
  if (!HaveFixtures()) GTEST_SKIP() << kNoFixturesMessage;
  const fs::path dir = WorkDir("modes");
  const std::string in = Model("tflite/mlcommons_tiny/vww_96_float.tflite");
  const std::string csv = Quote(PhotoCsv(dir).string());
  const std::vector<std::pair<std::string, std::string>> modes = {
      {"float", ""},
      {"dynamic", "--optimize default"},
      {"fp16", "--float16"},
      {"int8", "--optimize default --representative-data " + csv + " --samples 8"},
      {"int8io", "--optimize default --representative-data " + csv + " --samples 8 --io-type int8"},
      {"uint8io", "--optimize default --representative-data " + csv + " --samples 8 --io-type uint8 --calibration percentile"},
      {"pertensor", "--optimize default --representative-data " + csv + " --samples 8 --per-tensor --calibration mse"},
      {"keep", "--optimize default --representative-data " + csv + " --samples 8 --keep-float SOFTMAX --calibration entropy"},
      {"int16x8", "--optimize default --representative-data " + csv + " --samples 8 --int16x8"},
  };
  const auto before = fs::last_write_time(in);
  for (const auto& [name, flags] : modes) {
    const std::string out = (dir / (name + ".tflite")).string();
    CliResult r = RunLiteopt("convert " + Quote(in) + " -o " + Quote(out) + " " + flags);
    ASSERT_EQ(r.code, 0) << name << ": " << r.err;
    EXPECT_NE(r.out.find("bytes"), std::string::npos);
    CliResult run = RunLiteopt("run " + Quote(out) + " --input " +
                               Quote(FixturesDir() + "/images/litert_mini_benchmark/chair_224_224_3.jpeg"));
    EXPECT_EQ(run.code, 0) << name << ": " << run.err;
  }
  EXPECT_EQ(fs::last_write_time(in), before);
}

TEST(ConvertCli, BadInputsFailCleanly) {
  if (!HaveFixtures()) GTEST_SKIP() << kNoFixturesMessage;
  const fs::path dir = WorkDir("bad");
  const std::string out = (dir / "out.tflite").string();
  // Unwritable output folder.
  CliResult r = RunLiteopt("convert " + Quote(Model("tflite/mlcommons_tiny/vww_96_float.tflite")) +
                           " -o /nonexistent_dir/x.tflite");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  // A representative CSV with zero usable rows.
  const fs::path empty = dir / "empty.csv";
  std::ofstream(empty) << "filename,label\n";
  r = RunLiteopt("convert " + Quote(Model("tflite/mlcommons_tiny/vww_96_float.tflite")) + " -o " + Quote(out) +
                 " --optimize default --representative-data " + Quote(empty.string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("representative"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  // Representative images for a model whose input is not an image.
  r = RunLiteopt("convert " + Quote(Model("tflite/mlcommons_tiny/ToyCar_float.tflite")) + " -o " + Quote(out) +
                 " --optimize default --representative-data " + Quote(PhotoCsv(dir).string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("representative"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  // Unsupported ops, all listed.
  r = RunLiteopt("convert " + Quote(Model("tflite/tflm/mnist_lstm_float.tflite")) + " -o " + Quote(out) +
                 " --optimize default --representative-data " + Quote(PhotoCsv(dir).string()) + " --samples 2");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("UNIDIRECTIONAL_SEQUENCE_LSTM"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  // The input is never overwritten.
  const fs::path copy = dir / "copy.tflite";
  fs::copy_file(Model("tflite/tflm/hello_world_float.tflite"), copy);
  r = RunLiteopt("convert " + Quote(copy.string()) + " -o " + Quote(copy.string()) + " --float16");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("overwrite the input"), std::string::npos) << r.err;
  // --io-type without data.
  r = RunLiteopt("convert " + Quote(copy.string()) + " -o " + Quote(out) + " --io-type int8");
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(fs::exists(out));
  // --int16x8 without data, or with an integer io type.
  r = RunLiteopt("convert " + Quote(copy.string()) + " -o " + Quote(out) + " --optimize default --int16x8");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--int16x8 needs --representative-data"), std::string::npos) << r.err;
  r = RunLiteopt("convert " + Quote(Model("tflite/mlcommons_tiny/vww_96_float.tflite")) + " -o " + Quote(out) +
                 " --optimize default --int16x8 --io-type int8 --representative-data " + Quote(PhotoCsv(dir).string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("--io-type int8 cannot be combined"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "temporary file left: " << e.path();
}

TEST(ConvertCli, CopiesLabelsBesideTheOutput) {
  if (!HaveFixtures()) GTEST_SKIP() << kNoFixturesMessage;
  const fs::path dir = WorkDir("labels");
  fs::create_directories(dir / "in");
  fs::create_directories(dir / "out");
  fs::copy_file(Model("tflite/tflm/hello_world_float.tflite"), dir / "in" / "m.tflite");
  std::ofstream(dir / "in" / "labels.txt") << "a\nb\n";
  CliResult r = RunLiteopt("convert " + Quote((dir / "in" / "m.tflite").string()) + " -o " +
                           Quote((dir / "out" / "m.tflite").string()) + " --optimize default");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir / "out" / "labels.txt"));
}

}  // namespace
}  // namespace liteopt::testing
