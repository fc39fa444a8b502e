// Helpers of the end-to-end tests of `liteopt evaluate` and `liteopt compare`: real test sets (the tflm MNIST
// digits, a small Fashion-MNIST export, Coral photos) and predictions made with the interpreter directly, to check
// the commands' numbers against an independent count.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/cli_runner.h"
#include "common/fixtures.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/model_input.h"
#include "runtime/interpreter.h"

namespace liteopt::testing {

namespace fs = std::filesystem;

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

#define REQUIRE_EVAL_FIXTURES()                                                                      \
  do {                                                                                               \
    if (!::liteopt::testing::HaveFixtures()) GTEST_SKIP() << ::liteopt::testing::kNoFixturesMessage; \
  } while (0)

inline std::string Fixture(const std::string& rel) { return FixturesDir() + "/" + rel; }
inline std::string CommunityModel(const std::string& name) { return Fixture("tflite/community/" + name + ".tflite"); }

// A fresh folder under the build tree, removed at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/" + name + "_" + std::to_string(::getpid())) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The ten tflm MNIST samples (sampleN.png is digit N) and Coral's mnist_nine.bmp, with absolute paths.
inline std::string WriteDigitsCsv(const std::string& path) {
  std::string csv = "filename,label\n";
  for (int d = 0; d < 10; ++d)
    csv += Fixture("images/tflm_mnist/sample" + std::to_string(d) + ".png") + "," + std::to_string(d) + "\n";
  csv += Fixture("images/coral/mnist_nine.bmp") + ",9\n";
  WriteText(path, csv);
  return path;
}

// A small Fashion-MNIST export (20 images per class per source file), made once per test binary; empty when the
// Debian dataset is absent.
inline const std::string& FashionMnistExport() {
  static const std::string dir = [] {
    if (!fs::exists(std::string(kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz")) return std::string();
    const std::string out = std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/eval_fm_" + std::to_string(::getpid());
    fs::remove_all(out);
    auto r = RunLiteopt("data fashion-mnist --out " + Quote(out) + " --max-per-class 20");
    if (r.code != 0) {
      ADD_FAILURE() << "fashion-mnist export failed: " << r.err;
      return std::string();
    }
    std::atexit([] {
      fs::remove_all(std::string(LITEOPT_BINARY_DIR) + "/cli_test_tmp/eval_fm_" + std::to_string(::getpid()));
    });
    return out;
  }();
  return dir;
}

#define REQUIRE_FASHION_MNIST_EXPORT()                                                          \
  do {                                                                                          \
    if (::liteopt::testing::FashionMnistExport().empty())                                       \
      GTEST_SKIP() << "Fashion-MNIST not installed at " << ::liteopt::testing::kFashionMnistDir \
                   << " (Debian package dataset-fashion-mnist)";                                \
  } while (0)

// The labels of a CSV's rows and their image paths (resolved against the CSV's folder), first `limit` rows.
struct Rows {
  std::vector<std::string> paths, labels;
};
inline Rows ReadRows(const std::string& csv, size_t limit = 0) {
  auto ds = data::ReadCsvDataset(csv);
  Rows rows;
  if (!ds.ok()) {
    ADD_FAILURE() << ds.status().message();
    return rows;
  }
  for (const auto& row : ds->rows) {
    if (limit && rows.paths.size() == limit) break;
    rows.paths.push_back(row.path);
    rows.labels.push_back(row.label);
  }
  return rows;
}

// Top-1 class of each image, computed with the interpreter directly (decode, ToModelInput, invoke, argmax with
// the lowest id winning ties). Full-size JPEG decoding: run the command with --exact-decode to match.
inline std::vector<int> DirectTop1(const std::string& model, const std::vector<std::string>& images,
                                   const std::string& normalize = "auto") {
  std::vector<int> out;
  auto interp_or = runtime::Interpreter::FromFile(model);
  if (!interp_or.ok()) {
    ADD_FAILURE() << interp_or.status().message();
    return out;
  }
  runtime::Interpreter& interp = **interp_or;
  const ops::TensorRef& in = interp.input(0);
  auto spec = data::ModelInputSpecFor(
      {in.ir->name, in.shape, in.dtype, in.quant->quantized(), in.scale(), in.zero_point()}, normalize);
  if (!spec.ok()) {
    ADD_FAILURE() << spec.status().message();
    return out;
  }
  for (const std::string& path : images) {
    data::DecodeOptions d;
    d.channels = spec->channels;
    auto image = data::ReadImage(path, d);
    if (!image.ok()) {
      ADD_FAILURE() << image.status().message();
      return {};
    }
    auto bytes = data::ToModelInput(*image, *spec);
    if (!bytes.ok() || bytes->size() != in.bytes) {
      ADD_FAILURE() << path << ": cannot make the model input";
      return {};
    }
    std::memcpy(interp.input_bytes(0), bytes->data(), bytes->size());
    if (!interp.Invoke().ok()) {
      ADD_FAILURE() << path << ": invoke failed";
      return {};
    }
    const ops::TensorRef& o = interp.output(0);
    const int64_t n = o.num_elements();
    auto score = [&](int64_t i) -> double {
      switch (o.dtype) {
        case DType::kFloat32:
          return o.as<float>()[i];
        case DType::kInt8:
          return (o.as<int8_t>()[i] - o.zero_point()) * static_cast<double>(o.scale());
        default:
          return (o.as<uint8_t>()[i] - o.zero_point()) * static_cast<double>(o.scale());
      }
    };
    int best = 0;
    for (int64_t i = 1; i < n; ++i)
      if (score(i) > score(best)) best = static_cast<int>(i);
    out.push_back(best);
  }
  return out;
}

// What zlib makes of a file as a level-9 gzip stream, computed here independently of liteopt.
inline int64_t ZlibGzipSize(const std::string& path) {
  const std::string bytes = ReadText(path);
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::vector<unsigned char> out(deflateBound(&zs, bytes.size()) + 64);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  const int64_t n = static_cast<int64_t>(zs.total_out);
  deflateEnd(&zs);
  return n;
}

}  // namespace liteopt::testing
