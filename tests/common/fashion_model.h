// A small Fashion-MNIST classifier made deterministically for tests, no training framework needed:
//   CONV_2D 3x3/2 x8 (fixed pseudo-random filters) + RELU -> MAX_POOL_2D 2x2 -> RESHAPE [1,392]
//   -> FULLY_CONNECTED 128 "fc1" (a fixed random projection, centred on the training features) + RELU
//   -> FULLY_CONNECTED 10 "logits" (ridge regression fitted in closed form on 6,000 training images) -> SOFTMAX.
// About 74% top-1 on the Fashion-MNIST test set, with class ids in sorted label order (the course's encoding, what
// labels.txt of `liteopt data fashion-mnist` lists).
//
// With `outlier_weight`, fc1 gets a 129th unit that is dead in float (one weight of -100 on a feature that is never
// negative, nothing downstream reads it): the float model computes exactly the same scores, but fc1's int8 weights
// (one scale per tensor) get a step of 100/127 that rounds every other weight to zero, so int8 collapses. Keeping
// fc1 float repairs it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "base/status.h"
#include "data/idx.h"
#include "io/tflite/writer.h"
#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace liteopt::testing {

namespace fashion_model_internal {

struct Builder {
  ir::Graph g;
  Builder() {
    g.buffers.emplace_back();
    g.subgraphs.emplace_back();
  }
  ir::Subgraph& sg() { return g.main(); }
  int32_t Tensor(const std::string& name, std::vector<int32_t> shape, DType dtype = DType::kFloat32) {
    ir::Tensor t;
    t.name = name;
    t.shape = std::move(shape);
    t.dtype = dtype;
    t.has_rank = true;
    sg().tensors.push_back(t);
    return static_cast<int32_t>(sg().tensors.size() - 1);
  }
  template <typename T>
  int32_t Constant(const std::string& name, std::vector<int32_t> shape, const std::vector<T>& v, DType dtype) {
    std::vector<uint8_t> bytes(v.size() * sizeof(T));
    std::memcpy(bytes.data(), v.data(), bytes.size());
    g.buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
    const int32_t t = Tensor(name, std::move(shape), dtype);
    sg().tensors[t].buffer = static_cast<int32_t>(g.buffers.size() - 1);
    return t;
  }
  ir::Op& Add(ir::OpType type, std::vector<int32_t> in, int32_t out, uint8_t options_type) {
    ir::Op op;
    op.type = type;
    op.inputs = std::move(in);
    op.outputs = {out};
    op.options.type = options_type;
    sg().ops.push_back(op);
    return sg().ops.back();
  }
};

// Uniform in [-1, 1) from a 64-bit LCG (deterministic across platforms).
struct Lcg {
  uint64_t state = 12345;
  float Next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((state >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
  }
};

constexpr int kFeatures = 7 * 7 * 8, kHidden = 128, kClasses = 10, kTrainImages = 6000;
// BuiltinOptions tags of the .tflite schema.
constexpr uint8_t kConv2DOptions = 1, kPool2DOptions = 5, kFullyConnectedOptions = 8, kSoftmaxOptions = 9,
                  kReshapeOptions = 17;

// The convolutional front end (input -> flatten); returns the flatten tensor.
inline int32_t FrontEnd(Builder& b, Lcg& rng) {
  const int32_t in = b.Tensor("input", {1, 28, 28, 1});
  std::vector<float> filters(8 * 9);
  for (float& f : filters) f = rng.Next();
  const int32_t w = b.Constant("conv1/weights", {8, 3, 3, 1}, filters, DType::kFloat32);
  const int32_t bias = b.Constant("conv1/bias", {8}, std::vector<float>(8, 0.0f), DType::kFloat32);
  const int32_t conv = b.Tensor("conv1", {1, 14, 14, 8});
  ir::Op& c = b.Add(ir::OpType::CONV_2D, {in, w, bias}, conv, kConv2DOptions);
  c.options.stride_w = c.options.stride_h = 2;
  c.options.padding = ir::Padding::kSame;
  c.options.activation = ir::Activation::kRelu;
  const int32_t pool = b.Tensor("pool1", {1, 7, 7, 8});
  ir::Op& p = b.Add(ir::OpType::MAX_POOL_2D, {conv}, pool, kPool2DOptions);
  p.options.stride_w = p.options.stride_h = p.options.filter_w = p.options.filter_h = 2;
  p.options.padding = ir::Padding::kValid;
  const int32_t shape = b.Constant("flatten/shape", {2}, std::vector<int32_t>{1, kFeatures}, DType::kInt32);
  const int32_t flat = b.Tensor("flatten", {1, kFeatures});
  b.Add(ir::OpType::RESHAPE, {pool, shape}, flat, kReshapeOptions).options.new_shape = {1, kFeatures};
  b.sg().inputs = {in};
  return flat;
}

// Solves (A^T A + lambda I) X = A^T T for X (rows: features + 1 bias, columns: classes) by Gaussian elimination.
inline std::vector<double> Ridge(const std::vector<double>& a, const std::vector<int>& labels, int cols, double lambda) {
  const int n = static_cast<int>(labels.size());
  std::vector<double> m(cols * (cols + kClasses), 0.0);  // [A^T A + lambda I | A^T T]
  const int w = cols + kClasses;
  for (int s = 0; s < n; ++s) {
    const double* r = &a[static_cast<size_t>(s) * cols];
    for (int i = 0; i < cols; ++i) {
      if (r[i] == 0) continue;
      for (int j = 0; j < cols; ++j) m[i * w + j] += r[i] * r[j];
      m[i * w + cols + labels[s]] += r[i];
    }
  }
  for (int i = 0; i < cols; ++i) m[i * w + i] += lambda;
  for (int i = 0; i < cols; ++i) {  // symmetric positive definite: no pivoting needed
    for (int k = i + 1; k < cols; ++k) {
      const double f = m[k * w + i] / m[i * w + i];
      for (int j = i; j < w; ++j) m[k * w + j] -= f * m[i * w + j];
    }
  }
  std::vector<double> x(cols * kClasses);
  for (int c = 0; c < kClasses; ++c) {
    for (int i = cols - 1; i >= 0; --i) {
      double s = m[i * w + cols + c];
      for (int j = i + 1; j < cols; ++j) s -= m[i * w + j] * x[j * kClasses + c];
      x[i * kClasses + c] = s / m[i * w + i];
    }
  }
  return x;
}

}  // namespace fashion_model_internal

// Builds the model from the Debian Fashion-MNIST files in `dataset_dir` and writes it to `path`.
inline Status WriteFashionModel(const std::string& dataset_dir, const std::string& path, bool outlier_weight = false) {
  using namespace fashion_model_internal;
  LITEOPT_ASSIGN_OR_RETURN(data::IdxImages images, data::ReadIdxImages(dataset_dir + "/train-images-idx3-ubyte.gz"));
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> idx_labels,
                           data::ReadIdxLabels(dataset_dir + "/train-labels-idx1-ubyte.gz"));
  // Class ids in sorted name order.
  std::vector<std::string> names(data::kFashionMnistClassNames, data::kFashionMnistClassNames + kClasses);
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> id_of(kClasses);
  for (int i = 0; i < kClasses; ++i) id_of[i] = static_cast<int>(std::find(sorted.begin(), sorted.end(), names[i]) - sorted.begin());

  Lcg rng;
  Builder front;
  const int32_t flat = FrontEnd(front, rng);
  front.sg().outputs = {flat};
  LITEOPT_ASSIGN_OR_RETURN(auto interp, runtime::Interpreter::Create(std::make_shared<const ir::Graph>(front.g)));
  const int n = std::min(images.count, kTrainImages);
  std::vector<float> features(static_cast<size_t>(n) * kFeatures);
  for (int s = 0; s < n; ++s) {
    float* x = interp->input_data<float>(0);
    for (int i = 0; i < 28 * 28; ++i) x[i] = images.pixels[static_cast<size_t>(s) * 784 + i] / 255.0f;
    LITEOPT_RETURN_IF_ERROR(interp->Invoke());
    std::memcpy(&features[static_cast<size_t>(s) * kFeatures], interp->output_data<float>(0), kFeatures * sizeof(float));
  }

  // fc1: a random projection centred on the mean feature vector.
  std::vector<float> w1(kHidden * kFeatures), b1(kHidden, 0.0f);
  for (float& v : w1) v = rng.Next() / std::sqrt(static_cast<float>(kFeatures));
  std::vector<double> mean(kFeatures, 0.0);
  for (int s = 0; s < n; ++s)
    for (int f = 0; f < kFeatures; ++f) mean[f] += features[static_cast<size_t>(s) * kFeatures + f] / n;
  for (int h = 0; h < kHidden; ++h) {
    double dot = 0;
    for (int f = 0; f < kFeatures; ++f) dot += w1[h * kFeatures + f] * mean[f];
    b1[h] = static_cast<float>(-dot);
  }
  const int cols = kHidden + 1;
  std::vector<double> hidden(static_cast<size_t>(n) * cols);
  std::vector<int> labels(n);
  for (int s = 0; s < n; ++s) {
    for (int h = 0; h < kHidden; ++h) {
      float acc = b1[h];
      for (int f = 0; f < kFeatures; ++f) acc += w1[h * kFeatures + f] * features[static_cast<size_t>(s) * kFeatures + f];
      hidden[static_cast<size_t>(s) * cols + h] = std::max(acc, 0.0f);
    }
    hidden[static_cast<size_t>(s) * cols + kHidden] = 1.0;
    labels[s] = id_of[idx_labels[s]];
  }
  const std::vector<double> x = Ridge(hidden, labels, cols, 0.01 * n);

  const int units = kHidden + (outlier_weight ? 1 : 0);
  if (outlier_weight) {  // the dead unit: -100 on feature 0 (a max-pooled ReLU, never negative), bias 0
    std::vector<float> dead(kFeatures, 0.0f);
    dead[0] = -100.0f;
    w1.insert(w1.end(), dead.begin(), dead.end());
    b1.push_back(0.0f);
  }
  std::vector<float> w2(kClasses * units, 0.0f), b2(kClasses);
  for (int c = 0; c < kClasses; ++c) {
    for (int h = 0; h < kHidden; ++h) w2[c * units + h] = static_cast<float>(x[h * kClasses + c]);
    b2[c] = static_cast<float>(x[kHidden * kClasses + c]);
  }

  Builder b;
  Lcg rng2;
  const int32_t flat2 = FrontEnd(b, rng2);
  const int32_t fc1 = b.Tensor("fc1", {1, units});
  b.Add(ir::OpType::FULLY_CONNECTED,
        {flat2, b.Constant("fc1/weights", {units, kFeatures}, w1, DType::kFloat32),
         b.Constant("fc1/bias", {units}, b1, DType::kFloat32)},
        fc1, kFullyConnectedOptions)
      .options.activation = ir::Activation::kRelu;
  const int32_t logits = b.Tensor("logits", {1, kClasses});
  b.Add(ir::OpType::FULLY_CONNECTED,
        {fc1, b.Constant("logits/weights", {kClasses, units}, w2, DType::kFloat32),
         b.Constant("logits/bias", {kClasses}, b2, DType::kFloat32)},
        logits, kFullyConnectedOptions);
  const int32_t probs = b.Tensor("probs", {1, kClasses});
  b.Add(ir::OpType::SOFTMAX, {logits}, probs, kSoftmaxOptions).options.beta = 1.0f;
  b.sg().outputs = {probs};
  return io::tflite::WriteTfliteFile(b.g, path);
}

}  // namespace liteopt::testing
