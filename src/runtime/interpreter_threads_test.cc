// The interpreter's thread pool and optimized kernels on real models: outputs do not depend on the thread count,
// and int8/uint8 outputs equal the reference kernels' bit for bit.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "base/cpu.h"
#include "common/fixtures.h"
#include "runtime/interpreter.h"

namespace liteopt::runtime {
namespace {

std::vector<uint8_t> RunOnce(const std::string& path, InterpreterOptions opt) {
  auto interp = Interpreter::FromFile(path, opt);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  if (!interp.ok()) return {};
  Interpreter& in = **interp;
  std::mt19937 rng(7);
  for (int i = 0; i < in.num_inputs(); ++i) {
    uint8_t* data = in.input_bytes(i);
    if (in.input(i).dtype == DType::kFloat32) {
      for (size_t k = 0; k < in.input(i).bytes / 4; ++k) {
        const float v = std::uniform_real_distribution<float>(-1, 1)(rng);
        std::memcpy(data + 4 * k, &v, 4);
      }
    } else {
      for (size_t k = 0; k < in.input(i).bytes; ++k) data[k] = static_cast<uint8_t>(rng());
    }
  }
  EXPECT_TRUE(in.Invoke().ok());
  EXPECT_TRUE(in.Invoke().ok());  // a second invoke reuses everything prepared
  const ops::TensorRef& out = in.output(0);
  return std::vector<uint8_t>(out.data, out.data + out.bytes);
}

TEST(InterpreterThreads, OutputsDoNotDependOnThreadsAndQuantizedMatchReference) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  for (const char* rel : {"tflite/coral/mobilenet_v1_0.25_128_quant.tflite",
                          "tflite/mlcommons_tiny/vww_96_int8.tflite",
                          "tflite/tflite2onnx_ops/mobilenet_v1_0.25_128_float.tflite"}) {
    const std::string path = testing::FixturesDir() + "/" + rel;
    InterpreterOptions one, many, ref;
    many.num_threads = 4;
    ref.reference = true;
    const auto a = RunOnce(path, one);
    const auto b = RunOnce(path, many);
    ASSERT_FALSE(a.empty()) << rel;
    EXPECT_EQ(a, b) << rel << ": 1 thread and " << std::min(4, AvailableCores()) << " threads differ";
    if (std::string(rel).find("float") == std::string::npos) {
      EXPECT_EQ(a, RunOnce(path, ref)) << rel;
    }
  }
}

TEST(InterpreterThreads, ThreadCountIsCappedAtAvailableCores) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  InterpreterOptions opt;
  opt.num_threads = 64;
  auto interp = Interpreter::FromFile(testing::FixturesDir() + "/tflite/mlcommons_tiny/vww_96_int8.tflite", opt);
  ASSERT_TRUE(interp.ok()) << interp.status().message();
  EXPECT_EQ((*interp)->threads(), std::min(64, AvailableCores()));
}

}  // namespace
}  // namespace liteopt::runtime
