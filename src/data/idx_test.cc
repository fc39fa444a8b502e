#include "data/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ReadAll;
using testing::ScratchDir;

std::string FashionFile(const char* name) { return std::string(kFashionMnistDebianDir) + "/" + name; }

#define REQUIRE_FASHION_MNIST()                                                                       \
  do {                                                                                                \
    if (!std::filesystem::exists(FashionFile("t10k-labels-idx1-ubyte.gz"))) {                         \
      GTEST_SKIP() << "Fashion-MNIST not installed at " << kFashionMnistDebianDir                     \
                   << " (Debian package dataset-fashion-mnist)";                                      \
    }                                                                                                 \
  } while (0)

TEST(IdxTest, ReadsFashionMnistTestSplit) {
  REQUIRE_FASHION_MNIST();
  auto images = ReadIdxImages(FashionFile("t10k-images-idx3-ubyte.gz"));
  ASSERT_TRUE(images.ok()) << images.status().message();
  EXPECT_EQ(images->count, 10000);
  EXPECT_EQ(images->rows, 28);
  EXPECT_EQ(images->cols, 28);
  ASSERT_EQ(images->pixels.size(), 10000u * 28 * 28);
  int64_t first = 0;
  for (int i = 0; i < 784; ++i) first += images->pixels[i];
  EXPECT_EQ(first, 33456);  // sum of the first image, computed with Python's gzip module

  auto labels = ReadIdxLabels(FashionFile("t10k-labels-idx1-ubyte.gz"));
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  ASSERT_EQ(labels->size(), 10000u);
  EXPECT_EQ(std::vector<uint8_t>(labels->begin(), labels->begin() + 10),
            (std::vector<uint8_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  int per_class[10] = {};
  for (uint8_t l : *labels) {
    ASSERT_LT(l, 10);
    ++per_class[l];
  }
  for (int c = 0; c < 10; ++c) EXPECT_EQ(per_class[c], 1000) << kFashionMnistClassNames[c];
  EXPECT_STREQ(kFashionMnistClassNames[(*labels)[0]], "Ankle boot");
}

TEST(IdxTest, ReadsFashionMnistTrainSplit) {
  REQUIRE_FASHION_MNIST();
  auto images = ReadIdxImages(FashionFile("train-images-idx3-ubyte.gz"));
  ASSERT_TRUE(images.ok()) << images.status().message();
  EXPECT_EQ(images->count, 60000);
  auto labels = ReadIdxLabels(FashionFile("train-labels-idx1-ubyte.gz"));
  ASSERT_TRUE(labels.ok()) << labels.status().message();
  ASSERT_EQ(labels->size(), 60000u);
  EXPECT_EQ((*labels)[0], 9);
  EXPECT_EQ((*labels)[1], 0);
}

std::vector<uint8_t> IdxBytes(std::vector<uint8_t> magic, std::vector<uint32_t> dims, size_t payload) {
  std::vector<uint8_t> b = magic;
  for (uint32_t d : dims) {
    for (int i = 3; i >= 0; --i) b.push_back((d >> (8 * i)) & 0xFF);
  }
  for (size_t i = 0; i < payload; ++i) b.push_back(static_cast<uint8_t>(i * 7));
  return b;
}

std::string WriteGz(const ScratchDir& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = dir.File(name);
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return path;
}

TEST(IdxTest, PlainAndGzipSyntheticFiles) {
  ScratchDir dir;
  const auto bytes = IdxBytes({0, 0, 8, 3}, {3, 4, 5}, 60);
  for (const std::string& path : {dir.Write("plain.idx", bytes), WriteGz(dir, "z.idx.gz", bytes)}) {
    auto r = ReadIdxImages(path);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->count, 3);
    EXPECT_EQ(r->rows, 4);
    EXPECT_EQ(r->cols, 5);
    ASSERT_EQ(r->pixels.size(), 60u);
    EXPECT_EQ(r->pixels[59], static_cast<uint8_t>(59 * 7));
  }
}

TEST(IdxTest, ValidationErrors) {
  ScratchDir dir;
  struct Case {
    std::vector<uint8_t> bytes;
    bool images;
    const char* expect;
  };
  const Case cases[] = {
      {IdxBytes({0, 0, 8, 1}, {4}, 4), true, "magic"},          // labels file read as images
      {IdxBytes({0, 0, 0x0D, 3}, {1, 2, 2}, 16), true, "magic"},  // float IDX
      {IdxBytes({0, 0, 8, 3}, {3, 4, 5}, 59), true, "truncated"},
      {IdxBytes({0, 0, 8, 3}, {3, 4, 5}, 61), true, "trailing"},
      {IdxBytes({0, 0, 8, 3}, {0xFFFFFFFF, 0xFFFF, 0xFFFF}, 0), true, "implausible"},
      {IdxBytes({0, 0, 8, 3}, {1}, 0), true, "truncated"},  // header cut short
      {IdxBytes({0, 0, 8, 1}, {5}, 4), false, "truncated"},
      {IdxBytes({0, 0, 8, 1}, {5}, 6), false, "trailing"},
      {{}, false, "truncated"},
  };
  for (const Case& c : cases) {
    const std::string path = WriteGz(dir, "bad.gz", c.bytes);
    const Status s = c.images ? ReadIdxImages(path).status() : ReadIdxLabels(path).status();
    ASSERT_FALSE(s.ok()) << c.expect;
    EXPECT_NE(s.message().find(c.expect), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  }
  EXPECT_EQ(ReadIdxLabels(dir.File("missing.gz")).status().code(), StatusCode::kNotFound);
}

TEST(IdxTest, TruncatedAndCorruptGzipOfRealFile) {
  REQUIRE_FASHION_MNIST();
  ScratchDir dir;
  const std::vector<uint8_t> gz = ReadAll(FashionFile("t10k-labels-idx1-ubyte.gz"));
  const std::string cut = dir.Write("cut.gz", gz.data(), gz.size() / 2);
  EXPECT_FALSE(ReadIdxLabels(cut).ok());
  std::vector<uint8_t> bad = gz;
  for (size_t i = gz.size() / 3; i < gz.size() / 3 + 64; ++i) bad[i] ^= 0x5A;
  auto r = ReadIdxLabels(dir.Write("bad.gz", bad));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("gzip"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace liteopt::data
