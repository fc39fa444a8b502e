#include "data/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ReadAll;
using testing::ScratchDir;

// Files written by numpy itself (np.save, or np.lib.format.write_array for version 2.0), embedded
// byte for byte so the reader and writer are checked against the real format, not against each other.
// np.save(F4_2x3) with numpy 1.24.2: 152 bytes.
const std::string kF4_2x3(
    "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63\x72\x27\x3a\x20\x27\x3c\x66\x34\x27\x2c\x20\x27\x66\x6f\x72\x74"
    "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x32\x2c\x20"
    "\x33\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
    "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
    "\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40\x00\x00\x80\x40\x00\x00\xa0\x40"
    , 152);
// np.save(I8Scalar) with numpy 1.24.2: 136 bytes.
const std::string kI8Scalar(
    "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63\x72\x27\x3a\x20\x27\x3c\x69\x38\x27\x2c\x20\x27\x66\x6f\x72\x74"
    "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x29\x2c\x20"
    "\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
    "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
    "\xfb\xff\xff\xff\xff\xff\xff\xff"
    , 136);
// np.save(U1V2) with numpy 1.24.2: 133 bytes.
const std::string kU1V2(
    "\x93\x4e\x55\x4d\x50\x59\x02\x00\x74\x00\x00\x00\x7b\x27\x64\x65\x73\x63\x72\x27\x3a\x20\x27\x7c\x75\x31\x27\x2c\x20\x27\x66\x6f"
    "\x72\x74\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x35"
    "\x2c\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
    "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
    "\x00\x01\x02\x03\x04"
    , 133);
// np.save(F8Fortran) with numpy 1.24.2: 160 bytes.
const std::string kF8Fortran(
    "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63\x72\x27\x3a\x20\x27\x3c\x66\x38\x27\x2c\x20\x27\x66\x6f\x72\x74"
    "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x54\x72\x75\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x32\x2c\x20\x32"
    "\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
    "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x08\x40"
    , 160);
// np.save(B1) with numpy 1.24.2: 131 bytes.
const std::string kB1(
    "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63\x72\x27\x3a\x20\x27\x7c\x62\x31\x27\x2c\x20\x27\x66\x6f\x72\x74"
    "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x33\x2c\x29"
    "\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
    "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
    "\x01\x00\x01"
    , 131);
// np.save(F2Empty) with numpy 1.24.2: 128 bytes.
const std::string kF2Empty(
    "\x93\x4e\x55\x4d\x50\x59\x01\x00\x76\x00\x7b\x27\x64\x65\x73\x63\x72\x27\x3a\x20\x27\x3c\x66\x32\x27\x2c\x20\x27\x66\x6f\x72\x74"
    "\x72\x61\x6e\x5f\x6f\x72\x64\x65\x72\x27\x3a\x20\x46\x61\x6c\x73\x65\x2c\x20\x27\x73\x68\x61\x70\x65\x27\x3a\x20\x28\x30\x2c\x20"
    "\x33\x29\x2c\x20\x7d\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"
    "\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x0a"
    , 128);

Result<NpyArray> Parse(const std::string& bytes) {
  return ParseNpy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "test.npy");
}

TEST(NpyTest, ReadsNumpyWrittenFiles) {
  auto f4 = Parse(kF4_2x3);
  ASSERT_TRUE(f4.ok()) << f4.status().message();
  EXPECT_EQ(f4->dtype, DType::kFloat32);
  EXPECT_EQ(f4->shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(f4->data.size(), 24u);
  float v[6];
  std::memcpy(v, f4->data.data(), 24);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v[i], static_cast<float>(i));

  auto scalar = Parse(kI8Scalar);
  ASSERT_TRUE(scalar.ok()) << scalar.status().message();
  EXPECT_EQ(scalar->dtype, DType::kInt64);
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->num_elements(), 1);
  int64_t s;
  std::memcpy(&s, scalar->data.data(), 8);
  EXPECT_EQ(s, -5);

  auto v2 = Parse(kU1V2);
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(v2->dtype, DType::kUInt8);
  EXPECT_EQ(v2->shape, (std::vector<int64_t>{5}));
  EXPECT_EQ(v2->data, (std::vector<uint8_t>{0, 1, 2, 3, 4}));

  auto b1 = Parse(kB1);
  ASSERT_TRUE(b1.ok());
  EXPECT_EQ(b1->dtype, DType::kBool);
  EXPECT_EQ(b1->data, (std::vector<uint8_t>{1, 0, 1}));

  auto empty = Parse(kF2Empty);
  ASSERT_TRUE(empty.ok()) << empty.status().message();
  EXPECT_EQ(empty->dtype, DType::kFloat16);
  EXPECT_EQ(empty->shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty->data.empty());
}

TEST(NpyTest, RejectsFortranOrder) {
  auto r = Parse(kF8Fortran);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("Fortran"), std::string::npos) << r.status().message();
}

// Our v1.0 writer produces exactly numpy's bytes (same dict text, same 64-byte padding).
TEST(NpyTest, WriterMatchesNumpyByteForByte) {
  ScratchDir dir;
  struct Case {
    const std::string* expected;
    DType dtype;
    std::vector<int64_t> shape;
  };
  for (const Case& c : {Case{&kF4_2x3, DType::kFloat32, {2, 3}}, Case{&kI8Scalar, DType::kInt64, {}},
                        Case{&kB1, DType::kBool, {3}}, Case{&kF2Empty, DType::kFloat16, {0, 3}}}) {
    auto parsed = Parse(*c.expected);
    ASSERT_TRUE(parsed.ok());
    const std::string path = dir.File("out.npy");
    ASSERT_TRUE(WriteNpy(path, c.dtype, c.shape, parsed->data.data(), parsed->data.size()).ok());
    const std::vector<uint8_t> written = ReadAll(path);
    EXPECT_EQ(std::string(written.begin(), written.end()), *c.expected) << DTypeName(c.dtype);
  }
  // No temporary files are left beside the output.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
}

TEST(NpyTest, RoundTripsEverySupportedDtype) {
  ScratchDir dir;
  std::mt19937 rng(5);
  const DType dtypes[] = {DType::kFloat32, DType::kFloat16, DType::kFloat64, DType::kInt8,
                          DType::kUInt8,   DType::kInt16,   DType::kUInt16,  DType::kInt32,
                          DType::kUInt32,  DType::kInt64,   DType::kUInt64,  DType::kBool};
  const std::vector<std::vector<int64_t>> shapes = {{}, {1}, {7}, {2, 3, 4}, {1, 224, 224, 3}, {0}};
  for (DType t : dtypes) {
    for (const auto& shape : shapes) {
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      std::vector<uint8_t> data(n * DTypeSize(t));
      for (auto& b : data) b = static_cast<uint8_t>(t == DType::kBool ? rng() % 2 : rng());
      const std::string path = dir.File("a.npy");
      ASSERT_TRUE(WriteNpy(path, t, shape, data.data(), data.size()).ok());
      auto r = ReadNpy(path);
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(r->dtype, t);
      EXPECT_EQ(r->shape, shape);
      EXPECT_EQ(r->data, data);
      EXPECT_EQ(ReadAll(path).size() % 64, data.size() % 64) << "data must start on a 64-byte boundary";
    }
  }
}

TEST(NpyTest, WriteValidatesArguments) {
  ScratchDir dir;
  const float x[2] = {1, 2};
  EXPECT_FALSE(WriteNpy(dir.File("a.npy"), DType::kFloat32, {3}, x, sizeof(x)).ok());
  EXPECT_FALSE(WriteNpy(dir.File("a.npy"), DType::kString, {2}, x, sizeof(x)).ok());
  EXPECT_FALSE(WriteNpy(dir.File("a.npy"), DType::kFloat32, {-2}, x, sizeof(x)).ok());
  auto s = WriteNpy(dir.path() + "/no/such/dir/a.npy", DType::kFloat32, {2}, x, sizeof(x));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIo);
}

TEST(NpyTest, EveryTruncationIsAnError) {
  for (const std::string* f : {&kF4_2x3, &kU1V2, &kI8Scalar}) {
    for (size_t cut = 0; cut < f->size(); ++cut) {
      auto r = Parse(f->substr(0, cut));
      EXPECT_FALSE(r.ok()) << "cut at " << cut;
    }
  }
  auto zero = Parse("");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("zero-byte"), std::string::npos);
}

std::string WithHeader(const std::string& dict, const std::string& payload) {
  std::string h = dict + "\n";
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xFF);
  out += static_cast<char>(h.size() >> 8);
  return out + h + payload;
}

TEST(NpyTest, MalformedHeadersGiveClearErrors) {
  struct Case {
    std::string dict;
    std::string payload;
    const char* expect;
  };
  const Case cases[] = {
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "abcd", "big-endian"},
      {"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "abcdabcd", "not supported"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "abcd", "truncated"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "abcdabcd", "trailing"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999, 99999999999), }", "",
       "overflow"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999999999,), }", "", "overflow"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "", "non-negative"},
      {"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }", "abcd", "True or False"},
      {"{'descr': '<f4', 'shape': (1,), }", "abcd", "lacks"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }", "abcd", "malformed"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "abcd", "structured"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "abcd", "unexpected key"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1", "abcd", "malformed"},
  };
  for (const Case& c : cases) {
    auto r = Parse(WithHeader(c.dict, c.payload));
    ASSERT_FALSE(r.ok()) << c.dict;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos) << c.dict << " -> " << r.status().message();
  }
  // Python-2 style long suffixes and double quotes are accepted.
  auto ok = Parse(WithHeader("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1L,)}", "abcd"));
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

TEST(NpyTest, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string b = kF4_2x3;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    auto r = Parse(b);
    if (r.ok()) {
      ASSERT_EQ(static_cast<int64_t>(r->data.size()), r->num_elements() * int64_t(DTypeSize(r->dtype)));
    }
  }
}

}  // namespace
}  // namespace liteopt::data
