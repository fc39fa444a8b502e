// Test helpers for the sparse format: a copy of a real model with its filters magnitude-pruned (the blocks of
// `block` elements along the innermost dimension with the smallest L1 norm set to zero), and running a graph
// on the shared deterministic inputs. No training involved: the tests check the format, not the pruning.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <vector>

#include "common/deterministic_inputs.h"
#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace liteopt::io::tflite::testing {

inline double Magnitude(DType dtype, const uint8_t* p) {
  if (dtype == DType::kFloat32) {
    float v;
    std::memcpy(&v, p, 4);
    return std::fabs(v);
  }
  return std::abs(static_cast<int>(static_cast<int8_t>(*p)));
}

// Zeroes `fraction` of the blocks of every float32 / int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
// filter (blocks of 1 where the innermost dimension is not a multiple of `block`). Returns the copy.
inline ir::Graph PruneFilters(const ir::Graph& g, double fraction, int block) {
  ir::Graph out = g;
  ir::Subgraph& sg = out.main();
  std::vector<bool> seen(sg.tensors.size(), false);
  for (const ir::Op& op : sg.ops) {
    if (op.type != ir::OpType::CONV_2D && op.type != ir::OpType::DEPTHWISE_CONV_2D &&
        op.type != ir::OpType::FULLY_CONNECTED)
      continue;
    if (op.inputs.size() < 2 || op.inputs[1] < 0 || seen[op.inputs[1]]) continue;
    seen[op.inputs[1]] = true;
    const ir::Tensor& f = sg.tensors[op.inputs[1]];
    const ir::Buffer& src = out.data(f);
    if (src.empty() || (f.dtype != DType::kFloat32 && f.dtype != DType::kInt8)) continue;
    const size_t elem = DTypeSize(f.dtype);
    const int b = f.shape.back() % block == 0 ? block : 1;
    const size_t n = src.size / elem, blocks = n / b;
    std::vector<double> norm(blocks, 0.0);
    for (size_t i = 0; i < n; ++i) norm[i / b] += Magnitude(f.dtype, src.data + i * elem);
    std::vector<size_t> order(blocks);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return norm[x] < norm[y]; });
    std::vector<uint8_t> bytes(src.data, src.data + src.size);
    for (size_t k = 0; k < static_cast<size_t>(std::lround(fraction * blocks)); ++k)
      std::memset(bytes.data() + order[k] * b * elem, 0, b * elem);
    out.buffers[f.buffer] = ir::Buffer::Owned(std::move(bytes));
  }
  return out;
}

// Every output's bytes after one invoke on the deterministic inputs.
inline std::vector<std::vector<uint8_t>> RunOnDeterministicInputs(std::shared_ptr<const ir::Graph> g,
                                                                  std::string* error) {
  auto interp = runtime::Interpreter::Create(std::move(g));
  if (!interp.ok()) {
    *error = interp.status().message();
    return {};
  }
  for (int i = 0; i < (*interp)->num_inputs(); ++i) {
    const auto& t = (*interp)->input(i);
    const auto bytes = liteopt::testing::DeterministicInput(t.dtype, t.num_elements());
    std::memcpy((*interp)->input_bytes(i), bytes.data(), std::min(bytes.size(), t.bytes));
  }
  const Status st = (*interp)->Invoke();
  if (!st.ok()) {
    *error = st.message();
    return {};
  }
  std::vector<std::vector<uint8_t>> outs;
  for (int o = 0; o < (*interp)->num_outputs(); ++o) {
    const auto& t = (*interp)->output(o);
    outs.emplace_back(t.data, t.data + t.bytes);
  }
  return outs;
}

}  // namespace liteopt::io::tflite::testing
