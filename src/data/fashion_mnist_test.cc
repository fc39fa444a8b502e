#include "data/fashion_mnist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/idx.h"
#include "data/image.h"
#include "data/test_util.h"

namespace liteopt::data {
namespace {

namespace fs = std::filesystem;
using testing::ReadAll;
using testing::ScratchDir;

#define REQUIRE_DEBIAN_FASHION_MNIST()                                                                \
  do {                                                                                                \
    if (!fs::exists(std::string(kFashionMnistDebianDir) + "/train-images-idx3-ubyte.gz") ||           \
        !fs::exists(std::string(kFashionMnistDebianDir) + "/t10k-labels-idx1-ubyte.gz")) {            \
      GTEST_SKIP() << "Fashion-MNIST not installed at " << kFashionMnistDebianDir                     \
                   << " (Debian package dataset-fashion-mnist; scripts/install-deps.sh installs it)"; \
    }                                                                                                 \
  } while (0)

std::string ReadText(const std::string& path) {
  const std::vector<uint8_t> bytes = ReadAll(path);
  return std::string(bytes.begin(), bytes.end());
}

std::string AsString(const std::vector<uint8_t>& bytes) { return std::string(bytes.begin(), bytes.end()); }

struct Row {
  std::string filename, label;
};

// Our CSVs hold no quoted fields (no class name needs quoting), so a line splits at its single comma.
std::vector<Row> ReadCsvRows(const std::string& path) {
  const std::string text = ReadText(path);
  std::vector<Row> rows;
  size_t start = 0;
  bool header = true;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    EXPECT_NE(end, std::string::npos) << path << ": last line has no LF";
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (header) {
      EXPECT_EQ(line, "filename,label") << path;
      header = false;
      continue;
    }
    const size_t comma = line.find(',');
    EXPECT_EQ(line.find(',', comma + 1), std::string::npos) << line;
    EXPECT_EQ(line.find('"'), std::string::npos) << line;
    rows.push_back({line.substr(0, comma), line.substr(comma + 1)});
  }
  EXPECT_FALSE(header) << path << " has no header";
  return rows;
}

// Every regular file under dir, relative to it, sorted.
std::vector<std::string> ListFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint8_t> SourcePixels(const IdxImages& images, int index) {
  const size_t n = static_cast<size_t>(images.rows) * images.cols;
  return std::vector<uint8_t>(images.pixels.begin() + index * n, images.pixels.begin() + (index + 1) * n);
}

// The export's spec for max_per_class, computed here independently: the first `max` items of each selected
// class in file order.
std::vector<int> FirstPerClass(const std::vector<uint8_t>& labels, const std::set<int>& classes, int max) {
  std::map<int, int> taken;
  std::vector<int> out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (classes.count(labels[i]) && taken[labels[i]] < max) {
      ++taken[labels[i]];
      out.push_back(static_cast<int>(i));
    }
  }
  return out;
}

class FashionMnistExportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(std::string(kFashionMnistDebianDir) + "/train-images-idx3-ubyte.gz")) return;
    const std::string dir = kFashionMnistDebianDir;
    auto train_images = ReadIdxImages(dir + "/train-images-idx3-ubyte.gz");
    auto train_labels = ReadIdxLabels(dir + "/train-labels-idx1-ubyte.gz");
    auto test_images = ReadIdxImages(dir + "/t10k-images-idx3-ubyte.gz");
    auto test_labels = ReadIdxLabels(dir + "/t10k-labels-idx1-ubyte.gz");
    ASSERT_TRUE(train_images.ok() && train_labels.ok() && test_images.ok() && test_labels.ok());
    train_images_ = new IdxImages(std::move(train_images).value());
    train_labels_ = new std::vector<uint8_t>(std::move(train_labels).value());
    test_images_ = new IdxImages(std::move(test_images).value());
    test_labels_ = new std::vector<uint8_t>(std::move(test_labels).value());
  }
  static void TearDownTestSuite() {
    delete train_images_;
    delete train_labels_;
    delete test_images_;
    delete test_labels_;
  }

  static inline IdxImages* train_images_ = nullptr;
  static inline std::vector<uint8_t>* train_labels_ = nullptr;
  static inline IdxImages* test_images_ = nullptr;
  static inline std::vector<uint8_t>* test_labels_ = nullptr;
};

// T-shirt/top (0), Trouser (1), Ankle boot (9): a name with a slash, one with a space.
FashionMnistExportOptions SmallOptions(const std::string& out_dir) {
  FashionMnistExportOptions o;
  o.out_dir = out_dir;
  o.classes = {9, 0, 1};
  o.max_per_class = 20;
  o.val_fraction = 0.1;
  o.threads = 2;
  return o;
}

TEST_F(FashionMnistExportTest, SmallPngExportHasTheDocumentedLayoutAndExactPixels) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  const std::string out = scratch.File("fm");  // does not exist yet: created by the export
  std::vector<std::string> stages;
  std::map<std::string, std::pair<size_t, size_t>> last;  // stage -> last (done, total)
  auto summary =
      ExportFashionMnist(kFashionMnistDebianDir, SmallOptions(out), [&](const char* stage, size_t done, size_t total) {
        if (stages.empty() || stages.back() != stage) stages.push_back(stage);
        EXPECT_LE(done, total) << stage;
        last[stage] = {done, total};
      });
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(stages, (std::vector<std::string>{"read", "train", "val", "test"}));
  EXPECT_EQ(last["read"], std::make_pair(size_t{4}, size_t{4}));
  EXPECT_EQ(last["train"], std::make_pair(size_t{54}, size_t{54}));
  EXPECT_EQ(last["val"], std::make_pair(size_t{6}, size_t{6}));
  EXPECT_EQ(last["test"], std::make_pair(size_t{60}, size_t{60}));
  EXPECT_EQ(summary->train, 54);
  EXPECT_EQ(summary->val, 6);
  EXPECT_EQ(summary->test, 60);
  ASSERT_EQ(summary->classes.size(), 3u);
  for (const auto& c : summary->classes) {
    EXPECT_EQ(c.train, 18) << c.name;
    EXPECT_EQ(c.val, 2) << c.name;
    EXPECT_EQ(c.test, 20) << c.name;
  }
  EXPECT_EQ(summary->train_csv, out + "/train.csv");

  // labels.txt: sorted byte-wise ('A' < 'T', "T-shirt/top" < "Trouser" because '-' < 'r').
  EXPECT_EQ(ReadText(out + "/labels.txt"), "Ankle boot\nT-shirt/top\nTrouser\n");
  EXPECT_TRUE(fs::is_regular_file(out + "/" + kDatasetMarkerFile));

  const std::set<int> classes = {0, 1, 9};
  const std::vector<int> train_pool = FirstPerClass(*train_labels_, classes, 20);
  const std::vector<int> test_expected = FirstPerClass(*test_labels_, classes, 20);
  std::set<std::string> referenced;

  // Test split: row k is the k-th selected t10k item, pixel for pixel.
  const auto test_rows = ReadCsvRows(out + "/test.csv");
  ASSERT_EQ(test_rows.size(), test_expected.size());
  for (size_t k = 0; k < test_rows.size(); ++k) {
    char name[64];
    std::snprintf(name, sizeof(name), "images/test/%05zu.png", k);
    EXPECT_EQ(test_rows[k].filename, name);
    EXPECT_EQ(test_rows[k].label, kFashionMnistClassNames[(*test_labels_)[test_expected[k]]]);
    auto image = ReadImage(out + "/" + test_rows[k].filename);
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->width, 28);
    EXPECT_EQ(image->height, 28);
    EXPECT_EQ(image->channels, 1);
    EXPECT_EQ(image->pixels, SourcePixels(*test_images_, test_expected[k])) << test_rows[k].filename;
    referenced.insert(test_rows[k].filename);
  }

  // Train and val: together exactly the first 20 training items of each class, disjoint, each image equal to
  // its source item and labelled with its class; rows follow the source order.
  // Keyed by the pixels as a string: GCC 12 warns falsely (-Wstringop-overread) on std::map<std::vector<uint8_t>>.
  std::map<std::string, int> pool_by_pixels;
  for (int i : train_pool) pool_by_pixels[AsString(SourcePixels(*train_images_, i))] = i;
  ASSERT_EQ(pool_by_pixels.size(), train_pool.size()) << "duplicate images in the pool; the test needs unique ones";
  std::set<int> seen;
  for (const char* split : {"train", "val"}) {
    const auto rows = ReadCsvRows(out + "/" + split + ".csv");
    EXPECT_EQ(rows.size(), std::string(split) == "train" ? 54u : 6u);
    std::map<std::string, int> per_label;
    int previous = -1;
    for (size_t k = 0; k < rows.size(); ++k) {
      char name[64];
      std::snprintf(name, sizeof(name), "images/%s/%05zu.png", split, k);
      EXPECT_EQ(rows[k].filename, name);
      auto image = ReadImage(out + "/" + rows[k].filename);
      ASSERT_TRUE(image.ok()) << image.status().message();
      ASSERT_EQ(image->channels, 1);
      auto it = pool_by_pixels.find(AsString(image->pixels));
      ASSERT_NE(it, pool_by_pixels.end()) << rows[k].filename << " is not one of the selected source images";
      EXPECT_EQ(rows[k].label, kFashionMnistClassNames[(*train_labels_)[it->second]]) << rows[k].filename;
      EXPECT_TRUE(seen.insert(it->second).second) << "source item " << it->second << " exported twice";
      EXPECT_GT(it->second, previous) << "rows are not in source order";
      previous = it->second;
      ++per_label[rows[k].label];
      referenced.insert(rows[k].filename);
    }
    // Stratified: each class contributes the same share to each split.
    const int expected = std::string(split) == "train" ? 18 : 2;
    for (const char* label : {"T-shirt/top", "Trouser", "Ankle boot"}) EXPECT_EQ(per_label[label], expected) << label;
  }
  EXPECT_EQ(seen.size(), train_pool.size());

  // Exactly the referenced images exist, plus the index files and the marker.
  std::vector<std::string> expected_files(referenced.begin(), referenced.end());
  for (const char* f : {".liteopt-dataset", "labels.txt", "test.csv", "train.csv", "val.csv"})
    expected_files.push_back(f);
  std::sort(expected_files.begin(), expected_files.end());
  EXPECT_EQ(ListFiles(out), expected_files);
}

TEST_F(FashionMnistExportTest, JpegExportIsGrayAndClose) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  FashionMnistExportOptions o = SmallOptions(scratch.File("fm"));
  o.format = ImageFormat::kJpeg;
  o.classes = {3, 7};
  o.max_per_class = 10;
  auto summary = ExportFashionMnist(kFashionMnistDebianDir, o);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(ReadText(o.out_dir + "/labels.txt"), "Dress\nSneaker\n");
  const std::vector<int> expected = FirstPerClass(*test_labels_, {3, 7}, 10);
  const auto rows = ReadCsvRows(o.out_dir + "/test.csv");
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t k = 0; k < rows.size(); ++k) {
    char name[64];
    std::snprintf(name, sizeof(name), "images/test/%05zu.jpg", k);
    EXPECT_EQ(rows[k].filename, name);
    const std::vector<uint8_t> bytes = ReadAll(o.out_dir + "/" + rows[k].filename);
    EXPECT_EQ(DetectImageFormat(bytes.data(), bytes.size()), ImageFormat::kJpeg);
    auto image = DecodeImage(bytes.data(), bytes.size());
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->channels, 1);
    ASSERT_EQ(image->pixels.size(), 784u);
    // Quality 95 on 28x28 garments with hard edges: over all 10,000 test images the mean absolute error is 0.93
    // on average and 1.51 at worst (libjpeg-turbo 2.1); we assert < 2.5 per image.
    const std::vector<uint8_t> source = SourcePixels(*test_images_, expected[k]);
    double error = 0;
    for (size_t i = 0; i < source.size(); ++i) error += std::abs(int{source[i]} - int{image->pixels[i]});
    EXPECT_LT(error / 784, 2.5) << rows[k].filename;
  }
}

TEST_F(FashionMnistExportTest, OutputDependsOnTheSeedButNotOnTheThreadCount) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  FashionMnistExportOptions o = SmallOptions(scratch.File("t1"));
  o.max_per_class = 40;
  o.val_fraction = 0.25;
  o.threads = 1;
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());
  o.out_dir = scratch.File("t3");
  o.threads = 3;
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());
  const auto files = ListFiles(scratch.File("t1"));
  ASSERT_EQ(files, ListFiles(scratch.File("t3")));
  for (const auto& f : files) EXPECT_EQ(ReadAll(scratch.File("t1/" + f)), ReadAll(scratch.File("t3/" + f))) << f;

  // Another seed: another val split of the same 40 items per class; test is unchanged.
  o.out_dir = scratch.File("seed7");
  o.seed = 7;
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());
  EXPECT_NE(ReadText(scratch.File("t1/val.csv")), ReadText(scratch.File("seed7/val.csv")));
  EXPECT_EQ(ReadText(scratch.File("t1/test.csv")), ReadText(scratch.File("seed7/test.csv")));
  EXPECT_EQ(ReadCsvRows(scratch.File("seed7/val.csv")).size(), 30u);  // 3 classes x round(40 * 0.25)
}

TEST_F(FashionMnistExportTest, ClassSplitDoesNotDependOnOtherSelectedClasses) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  FashionMnistExportOptions o = SmallOptions(scratch.File("one"));
  o.classes = {1};
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());
  o.out_dir = scratch.File("three");
  o.classes = {0, 1, 9};
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());
  std::set<std::string> one, three;
  for (const auto& r : ReadCsvRows(scratch.File("one/val.csv")))
    one.insert(ReadText(scratch.File("one/" + r.filename)));
  for (const auto& r : ReadCsvRows(scratch.File("three/val.csv")))
    if (r.label == "Trouser") three.insert(ReadText(scratch.File("three/" + r.filename)));
  EXPECT_EQ(one.size(), 2u);
  EXPECT_EQ(one, three);
}

TEST_F(FashionMnistExportTest, RefusesANonEmptyDirectoryThatIsNotAnExport) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  const std::string notes = scratch.Write("notes.txt", "keep me", 7);
  auto r = ExportFashionMnist(kFashionMnistDebianDir, SmallOptions(scratch.path()));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("not empty"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(kDatasetMarkerFile), std::string::npos) << r.status().message();
  EXPECT_EQ(ListFiles(scratch.path()), std::vector<std::string>{"notes.txt"});
  EXPECT_EQ(ReadText(notes), "keep me");

  // A regular file in place of the directory.
  auto f = ExportFashionMnist(kFashionMnistDebianDir, SmallOptions(notes));
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("not a directory"), std::string::npos) << f.status().message();
}

TEST_F(FashionMnistExportTest, ReExportReplacesAPreviousOrInterruptedExport) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  const std::string out = scratch.File("fm");
  FashionMnistExportOptions big = SmallOptions(out);
  big.max_per_class = 30;
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, big).ok());
  EXPECT_EQ(ReadCsvRows(out + "/test.csv").size(), 90u);

  // Smaller, other format: no image of the first export may survive.
  FashionMnistExportOptions small = SmallOptions(out);
  small.max_per_class = 5;
  small.format = ImageFormat::kJpeg;
  auto r = ExportFashionMnist(kFashionMnistDebianDir, small);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> expected = {".liteopt-dataset", "labels.txt", "test.csv", "train.csv", "val.csv"};
  for (const char* split : {"train", "val", "test"})
    for (const auto& row : ReadCsvRows(out + "/" + split + ".csv")) expected.push_back(row.filename);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ListFiles(out), expected);
  EXPECT_EQ(expected.size(), 5u + 30u);  // 5 per class in train+val and in test, 3 classes

  // An interrupted export (marker and some images, no CSVs) is replaced too.
  fs::remove(out + "/train.csv");
  fs::remove(out + "/labels.txt");
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, small).ok());
  EXPECT_EQ(ListFiles(out), expected);
}

// Image files are overwritten in place; whatever else a previous export directory holds under images/ must
// neither survive nor be written through.
TEST_F(FashionMnistExportTest, ReExportOverwritesInPlaceButNeverThroughLinks) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  const std::string out = scratch.File("fm");
  FashionMnistExportOptions o = SmallOptions(out);
  o.seed = 1;
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());

  const std::string outside = scratch.Write("outside.txt", "precious", 8);
  fs::create_directories(scratch.File("outside_dir"));
  scratch.Write("outside_dir/keep.txt", "mine", 4);
  fs::remove(out + "/images/train/00000.png");
  fs::create_symlink(outside, out + "/images/train/00000.png");
  fs::remove(out + "/images/train/00001.png");
  fs::create_hard_link(outside, out + "/images/train/00001.png");
  fs::remove(out + "/images/train/00002.png");
  fs::create_directories(out + "/images/train/00002.png/sub");
  fs::remove_all(out + "/images/val");
  fs::create_directory_symlink(scratch.File("outside_dir"), out + "/images/val");
  fs::create_directories(out + "/images/extra");
  scratch.Write("fm/images/extra/x.png", "x", 1);
  scratch.Write("fm/images/test/junk.txt", "x", 1);
  scratch.Write("fm/images/test/99999.png", "x", 1);

  // Another seed over it, then the first seed again: every image changes content twice, and the result must be
  // byte-identical to a fresh export.
  o.seed = 2;
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, o).ok());
  o.seed = 1;
  auto r = ExportFashionMnist(kFashionMnistDebianDir, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  FashionMnistExportOptions fresh = o;
  fresh.out_dir = scratch.File("fresh");
  ASSERT_TRUE(ExportFashionMnist(kFashionMnistDebianDir, fresh).ok());
  const auto files = ListFiles(out);
  EXPECT_EQ(files, ListFiles(fresh.out_dir));
  for (const auto& f : files) EXPECT_EQ(ReadAll(out + "/" + f), ReadAll(fresh.out_dir + "/" + f)) << f;

  EXPECT_EQ(ReadText(outside), "precious");
  EXPECT_EQ(ReadText(scratch.File("outside_dir/keep.txt")), "mine");
  EXPECT_EQ(ListFiles(scratch.File("outside_dir")), std::vector<std::string>{"keep.txt"});
  EXPECT_FALSE(fs::is_symlink(out + "/images/train/00000.png"));
  EXPECT_FALSE(fs::is_symlink(out + "/images/val"));
  EXPECT_FALSE(fs::exists(out + "/images/extra"));
}

TEST_F(FashionMnistExportTest, ValSplitSizes) {
  REQUIRE_DEBIAN_FASHION_MNIST();
  ScratchDir scratch;
  FashionMnistExportOptions o = SmallOptions(scratch.File("zero"));
  o.val_fraction = 0;
  o.max_per_class = 7;
  auto r = ExportFashionMnist(kFashionMnistDebianDir, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->val, 0);
  EXPECT_EQ(r->train, 21);
  EXPECT_EQ(ReadText(o.out_dir + "/val.csv"), "filename,label\n");
  EXPECT_TRUE(fs::is_directory(o.out_dir + "/images/val"));

  // round(4 * 0.1) = 0, raised to 1 so that every class has a val image; round(4 * 0.9) = 4, lowered to 3.
  for (auto [fraction, val_per_class] : {std::pair{0.1, 1}, std::pair{0.9, 3}, std::pair{0.5, 2}}) {
    o.out_dir = scratch.File("small");
    o.max_per_class = 4;
    o.val_fraction = fraction;
    r = ExportFashionMnist(kFashionMnistDebianDir, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (const auto& c : r->classes) {
      EXPECT_EQ(c.val, val_per_class) << fraction << " " << c.name;
      EXPECT_EQ(c.train, 4 - val_per_class) << fraction << " " << c.name;
    }
  }
}

// The source checks need no dataset: the files are written here (plain IDX; zlib reads uncompressed files).
std::vector<uint8_t> IdxBytes(std::vector<uint32_t> dims, const std::vector<uint8_t>& payload) {
  std::vector<uint8_t> out = {0, 0, 8, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<uint8_t>(d >> shift));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

void WriteSource(const ScratchDir& dir, const std::vector<uint8_t>& train_labels, int train_images) {
  dir.Write("train-images-idx3-ubyte.gz",
            IdxBytes({uint32_t(train_images), 2, 2}, std::vector<uint8_t>(train_images * 4, 7)));
  dir.Write("train-labels-idx1-ubyte.gz", IdxBytes({uint32_t(train_labels.size())}, train_labels));
  dir.Write("t10k-images-idx3-ubyte.gz", IdxBytes({2, 2, 2}, std::vector<uint8_t>(8, 9)));
  dir.Write("t10k-labels-idx1-ubyte.gz", IdxBytes({2}, {0, 1}));
}

TEST(FashionMnistSourceTest, MissingFilesNameTheDebianPackageAndTouchNothing) {
  ScratchDir scratch;
  FashionMnistExportOptions o;
  o.out_dir = scratch.File("out");
  auto r = ExportFashionMnist(scratch.File("nowhere"), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("install dataset-fashion-mnist (scripts/install-deps.sh)"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("train-images-idx3-ubyte.gz"), std::string::npos) << r.status().message();
  EXPECT_FALSE(fs::exists(o.out_dir));
}

TEST(FashionMnistSourceTest, CorruptOrInconsistentSourceIsDataLoss) {
  FashionMnistExportOptions o;
  {
    ScratchDir src, out;
    o.out_dir = out.File("fm");
    WriteSource(src, {0, 1, 12}, 3);  // label 12 does not exist
    auto r = ExportFashionMnist(src.path(), o);
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("label 12 of item 2"), std::string::npos) << r.status().message();
    EXPECT_FALSE(fs::exists(o.out_dir));
  }
  {
    ScratchDir src, out;
    o.out_dir = out.File("fm");
    WriteSource(src, {0, 1, 2}, 4);  // 4 images, 3 labels
    auto r = ExportFashionMnist(src.path(), o);
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("4 images but"), std::string::npos) << r.status().message();
  }
  {
    ScratchDir src, out;
    o.out_dir = out.File("fm");
    WriteSource(src, {0, 1, 2}, 3);
    std::vector<uint8_t> cut = IdxBytes({3, 2, 2}, std::vector<uint8_t>(5, 7));  // payload truncated
    src.Write("train-images-idx3-ubyte.gz", cut);
    auto r = ExportFashionMnist(src.path(), o);
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("reinstall dataset-fashion-mnist"), std::string::npos) << r.status().message();
  }
  {
    // A consistent synthetic source exports fine (2x2 images), which shows the checks above are the cause.
    ScratchDir src, out;
    o.out_dir = out.File("fm");
    WriteSource(src, {0, 1, 1}, 3);
    auto r = ExportFashionMnist(src.path(), o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->train + r->val + r->test, 5);
    auto image = ReadImage(o.out_dir + "/images/test/00000.png");
    ASSERT_TRUE(image.ok()) << image.status().message();
    EXPECT_EQ(image->pixels, std::vector<uint8_t>(4, 9));
  }
}

TEST(FashionMnistSourceTest, InvalidOptionsAreRejectedFirst) {
  ScratchDir scratch;
  auto check = [&](FashionMnistExportOptions o, const std::string& needle) {
    auto r = ExportFashionMnist(scratch.File("nowhere"), o);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << needle << ": " << r.status().message();
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  FashionMnistExportOptions o;
  check(o, "no output directory");
  o.out_dir = scratch.File("out");
  FashionMnistExportOptions v = o;
  v.val_fraction = 1.0;
  check(v, "outside [0, 1)");
  v.val_fraction = -0.1;
  check(v, "outside [0, 1)");
  FashionMnistExportOptions c = o;
  c.classes = {3, 10};
  check(c, "class index 10");
  c.classes = {3, 3};
  check(c, "Dress is given twice");
  FashionMnistExportOptions f = o;
  f.format = ImageFormat::kBmp;
  check(f, "not supported");
  FashionMnistExportOptions m = o;
  m.max_per_class = -1;
  check(m, "max_per_class");
  EXPECT_FALSE(fs::exists(o.out_dir));
}

TEST(FashionMnistClassesTest, ParsesNamesCaseInsensitivelyAndIndices) {
  EXPECT_EQ(*ParseFashionMnistClass("T-shirt/top"), 0);
  EXPECT_EQ(*ParseFashionMnistClass("t-shirt/TOP"), 0);
  EXPECT_EQ(*ParseFashionMnistClass(" ankle boot "), 9);
  EXPECT_EQ(*ParseFashionMnistClass("7"), 7);
  EXPECT_EQ(ParseFashionMnistClass("10").status().code(), StatusCode::kInvalidArgument);
  auto unknown = ParseFashionMnistClass("Sock");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'Sock'"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("0 T-shirt/top"), std::string::npos) << unknown.status().message();
  EXPECT_NE(unknown.status().message().find("9 Ankle boot"), std::string::npos) << unknown.status().message();

  EXPECT_EQ(*ParseFashionMnistClassList("T-shirt/top,Trouser"), (std::vector<int>{0, 1}));
  EXPECT_EQ(*ParseFashionMnistClassList("9, bag ,2"), (std::vector<int>{9, 8, 2}));
  EXPECT_FALSE(ParseFashionMnistClassList("").ok());
  EXPECT_FALSE(ParseFashionMnistClassList("Bag,").ok());
  auto twice = ParseFashionMnistClassList("Bag,8");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("Bag twice"), std::string::npos) << twice.status().message();
}

}  // namespace
}  // namespace liteopt::data
