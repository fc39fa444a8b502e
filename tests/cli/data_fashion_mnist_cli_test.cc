// End-to-end tests of `liteopt data fashion-mnist`: exit codes, stdout/stderr split, the files it writes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/cli_runner.h"

namespace liteopt {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDebianDir = "/usr/share/datasets/fashion-mnist";

using FashionCliResult = testing::CliResult;
FashionCliResult RunFashionCli(const std::string& args) { return testing::RunLiteopt(args); }

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  return lines;
}

bool HaveFashionMnist() { return fs::exists(std::string(kDebianDir) + "/t10k-labels-idx1-ubyte.gz"); }

#define REQUIRE_FASHION_MNIST_CLI()                                                                   \
  do {                                                                                                \
    if (!HaveFashionMnist())                                                                          \
      GTEST_SKIP() << "Fashion-MNIST not installed at " << kDebianDir                                 \
                   << " (Debian package dataset-fashion-mnist; scripts/install-deps.sh installs it)"; \
  } while (0)

// A fresh output path (not created) under the build tree, removed at scope exit.
class OutDir {
 public:
  explicit OutDir(const std::string& name)
      : path_(std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/" + name + "_" + std::to_string(::getpid())) {
    fs::remove_all(path_);
  }
  ~OutDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(DataFashionMnistCli, ExportsTwoClassesWithCsvsAndImages) {
  REQUIRE_FASHION_MNIST_CLI();
  OutDir out("fm_two_classes");
  auto r = RunFashionCli("data fashion-mnist --out '" + out.path() +
                         "' --max-per-class 20 --classes 'T-shirt/top,Trouser' --threads 2");
  ASSERT_EQ(r.code, 0) << r.err;
  // Summary on stdout, progress on stderr.
  EXPECT_NE(r.out.find("T-shirt/top"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("liteopt: train"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("test  100% (40/40 images)"), std::string::npos) << r.err;

  EXPECT_EQ(ReadFile(out.path() + "/labels.txt"), "T-shirt/top\nTrouser\n");
  EXPECT_TRUE(fs::is_regular_file(out.path() + "/.liteopt-dataset"));
  struct Expect {
    const char* split;
    size_t rows;
  };
  // 20 training images per class, val = round(20 * 0.1) = 2 per class; 20 test images per class.
  for (Expect e : {Expect{"train", 36}, Expect{"val", 4}, Expect{"test", 40}}) {
    const auto lines = Lines(ReadFile(out.path() + "/" + e.split + ".csv"));
    ASSERT_EQ(lines.size(), e.rows + 1) << e.split;
    EXPECT_EQ(lines[0], "filename,label");
    int tshirts = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t comma = lines[i].find(',');
      ASSERT_NE(comma, std::string::npos) << lines[i];
      const std::string file = lines[i].substr(0, comma), label = lines[i].substr(comma + 1);
      char expected[64];
      std::snprintf(expected, sizeof expected, "images/%s/%05zu.png", e.split, i - 1);
      EXPECT_EQ(file, expected);
      EXPECT_TRUE(label == "T-shirt/top" || label == "Trouser") << label;
      tshirts += label == "T-shirt/top";
      const std::string bytes = ReadFile(out.path() + "/" + file);
      ASSERT_GT(bytes.size(), 8u) << file;
      EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << file;
    }
    EXPECT_EQ(tshirts * 2, static_cast<int>(e.rows)) << e.split << ": classes are balanced per split";
  }
}

TEST(DataFashionMnistCli, JpegByClassIndexAndReExport) {
  REQUIRE_FASHION_MNIST_CLI();
  OutDir out("fm_jpeg");
  auto first = RunFashionCli("data fashion-mnist --out '" + out.path() + "' --max-per-class 10 --classes 9,8");
  ASSERT_EQ(first.code, 0) << first.err;
  auto r = RunFashionCli("data fashion-mnist --out '" + out.path() + "' --max-per-class 4 --classes 9,8 --format jpeg");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ReadFile(out.path() + "/labels.txt"), "Ankle boot\nBag\n");
  const auto lines = Lines(ReadFile(out.path() + "/test.csv"));
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(lines[1].substr(0, lines[1].find(',')), "images/test/00000.jpg");
  const std::string bytes = ReadFile(out.path() + "/images/test/00000.jpg");
  EXPECT_EQ(bytes.substr(0, 3), "\xFF\xD8\xFF");
  // The larger PNG export before it left nothing behind.
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(out.path() + "/images")) files += e.is_regular_file();
  EXPECT_EQ(files, 16u);  // 2 classes x 4 in train+val, 2 x 4 in test
}

TEST(DataFashionMnistCli, UnknownClassIsAUsageErrorListingTheValidOnes) {
  OutDir out("fm_bad_class");
  auto r = RunFashionCli("data fashion-mnist --out '" + out.path() + "' --classes 'T-shirt/top,Sock'");
  EXPECT_NE(r.code, 0);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("'Sock'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Ankle boot"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_FALSE(fs::exists(out.path()));

  auto index = RunFashionCli("data fashion-mnist --out '" + out.path() + "' --classes 3,12");
  EXPECT_EQ(index.code, 2);
  EXPECT_NE(index.err.find("12"), std::string::npos) << index.err;
}

TEST(DataFashionMnistCli, OtherErrorsNameTheCause) {
  // A source without the IDX files: the message says how to install them.
  OutDir out("fm_errors");
  auto missing = RunFashionCli("data fashion-mnist --out '" + out.path() + "' --source /nonexistent/fashion");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("dataset-fashion-mnist"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(out.path()));

  // A non-empty directory that is not an export is refused and left alone.
  fs::create_directories(out.path());
  std::ofstream(out.path() + "/notes.txt") << "mine";
  auto foreign = RunFashionCli("data fashion-mnist --out '" + out.path() + "' --max-per-class 1");
  EXPECT_EQ(foreign.code, 1);
  EXPECT_NE(foreign.err.find(".liteopt-dataset"), std::string::npos) << foreign.err;
  EXPECT_EQ(ReadFile(out.path() + "/notes.txt"), "mine");

  EXPECT_EQ(RunFashionCli("data fashion-mnist").code, 2);  // --out is required
  EXPECT_EQ(RunFashionCli("data fashion-mnist --out x --format gif").code, 2);
  EXPECT_EQ(RunFashionCli("data fashion-mnist --out x --val-fraction 1").code, 2);
  EXPECT_EQ(RunFashionCli("data fashion-mnist --out x --threads -1").code, 2);
}

TEST(DataFashionMnistCli, HelpDescribesTheCommand) {
  auto h = RunFashionCli("data fashion-mnist --help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("Usage"), std::string::npos) << h.out;
  for (const char* flag :
       {"--out", "--format", "--val-fraction", "--classes", "--seed", "--max-per-class", "--threads", "--source"})
    EXPECT_NE(h.out.find(flag), std::string::npos) << flag;
  auto d = RunFashionCli("data --help");
  EXPECT_EQ(d.code, 0);
  EXPECT_NE(d.out.find("fashion-mnist"), std::string::npos) << d.out;
}

}  // namespace
}  // namespace liteopt
