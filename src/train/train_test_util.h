// Helpers shared by the training plugin's tests (train_test.cc, qat_test.cc): work folders, Fashion-MNIST images
// from Debian's dataset package, running a graph in liteopt's interpreter.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <ATen/ATen.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/fashion_model.h"
#include "data/idx.h"
#include "io/tflite/writer.h"
#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace liteopt::train::testing_util {

inline constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kNoFashionMessage = "dataset-fashion-mnist is not installed";

inline bool HaveFashion() { return std::filesystem::exists(std::string(kFashionDir) + "/t10k-images-idx3-ubyte.gz"); }

// A fresh folder under the build tree, per process (ctest runs each test in its own process, several at once).
inline std::filesystem::path WorkDir(const std::string& name) {
  const std::filesystem::path d =
      std::filesystem::path(LITEOPT_BINARY_DIR) / "train_test_tmp" / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Fashion-MNIST images as float NHWC [count, 28, 28, 1] in [0, 1] (the pipeline's default normalization), from
// the test set, or the training set with `train`, starting at image `first`; labels in the IDX order.
inline at::Tensor FashionImages(int count, bool train = false, int first = 0, std::vector<int>* labels = nullptr) {
  const std::string prefix = std::string(kFashionDir) + (train ? "/train" : "/t10k");
  auto images = data::ReadIdxImages(prefix + "-images-idx3-ubyte.gz");
  EXPECT_TRUE(images.ok()) << images.status().message();
  at::Tensor t = at::empty({count, 28, 28, 1});
  if (!images.ok()) return t;
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < count * 28 * 28; ++i) p[i] = images->pixels[first * 28 * 28 + i] / 255.0f;
  if (labels != nullptr) {
    auto l = data::ReadIdxLabels(prefix + "-labels-idx1-ubyte.gz");
    EXPECT_TRUE(l.ok());
    if (l.ok()) labels->assign(l->begin() + first, l->begin() + first + count);
  }
  return t;
}

inline std::unique_ptr<runtime::Interpreter> LoadGraph(const ir::Graph& g) {
  auto bytes = io::tflite::SerializeTflite(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok()) return nullptr;
  auto interp = runtime::Interpreter::FromBuffer(std::make_shared<std::vector<uint8_t>>(std::move(*bytes)));
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  return interp.ok() ? std::move(*interp) : nullptr;
}

// Runs a loaded float-input model on one NHWC float input; returns the first output as float.
inline std::vector<float> Invoke(runtime::Interpreter& interp, const at::Tensor& nhwc) {
  auto& in = interp.input(0);
  EXPECT_EQ(static_cast<int64_t>(in.bytes), nhwc.numel() * 4);
  std::memcpy(interp.input_bytes(0), nhwc.contiguous().data_ptr<float>(), in.bytes);
  EXPECT_TRUE(interp.Invoke().ok());
  const auto& out = interp.output(0);
  const float* o = out.as<float>();
  return std::vector<float>(o, o + out.num_elements());
}

// Runs a graph in our interpreter on one NHWC float input; returns the first output.
inline std::vector<float> RunInterpreter(const ir::Graph& g, const at::Tensor& nhwc) {
  auto interp = LoadGraph(g);
  return interp ? Invoke(*interp, nhwc) : std::vector<float>{};
}

// Used by the bridge's round trip (train_test.cc) and QAT (qat_test.cc).
// input -> CONV_2D 3x3/2 x6 + RELU6 and MAX_POOL_2D 2x2/2 -> CONCATENATION (channels: inputs of different
// ranges, requantized to the output's) -> MEAN over H,W -> FULLY_CONNECTED 10 -> SOFTMAX, random weights.
inline ir::Graph ConcatenationModel() {
  liteopt::testing::fashion_model_internal::Builder b;
  at::manual_seed(5);
  auto constant = [&](const std::string& name, std::vector<int32_t> shape, const at::Tensor& t) {
    const at::Tensor c = t.contiguous();
    return b.Constant(name, std::move(shape), std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel()),
                      DType::kFloat32);
  };
  const int32_t in = b.Tensor("input", {1, 28, 28, 1});
  const int32_t conv = b.Tensor("conv", {1, 14, 14, 6});
  ir::Op& c = b.Add(ir::OpType::CONV_2D, {in, constant("conv/w", {6, 3, 3, 1}, at::randn({6, 3, 3, 1})),
                                          constant("conv/b", {6}, at::randn({6}) * 0.1)}, conv, 1);
  c.options.stride_h = c.options.stride_w = 2;
  c.options.padding = ir::Padding::kSame;
  c.options.activation = ir::Activation::kRelu6;
  const int32_t pool = b.Tensor("pool", {1, 14, 14, 1});
  ir::Op& p = b.Add(ir::OpType::MAX_POOL_2D, {in}, pool, 5);
  p.options.stride_h = p.options.stride_w = p.options.filter_h = p.options.filter_w = 2;
  const int32_t cat = b.Tensor("concat", {1, 14, 14, 7});
  b.Add(ir::OpType::CONCATENATION, {conv, pool}, cat, 10).options.axis = 3;
  const int32_t mean = b.Tensor("mean", {1, 7});
  b.Add(ir::OpType::MEAN, {cat, b.Constant("axes", {2}, std::vector<int32_t>{1, 2}, DType::kInt32)}, mean, 27);
  const int32_t fc = b.Tensor("logits", {1, 10});
  b.Add(ir::OpType::FULLY_CONNECTED, {mean, constant("fc/w", {10, 7}, at::randn({10, 7})),
                                      constant("fc/b", {10}, at::zeros({10}))}, fc, 8);
  const int32_t out = b.Tensor("output", {1, 10});
  b.Add(ir::OpType::SOFTMAX, {fc}, out, 9);
  b.sg().inputs = {in};
  b.sg().outputs = {out};
  return b.g;
}

}  // namespace liteopt::train::testing_util
