// What the op-by-op peer benchmarks (xnnpack_ops.cc, onednn_ops.cc) share: their command line, timing, TFLite's
// SAME padding and a model's op alone as a graph.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace liteopt::bench {

// MODEL.tflite [--rounds N] [--runs N] [--op K]
struct OpBenchArgs {
  std::string model;
  int rounds = 5, runs = 20;
  long only_op = -1;  // --op: only op K (e.g. under perf)
};

// False (after printing `usage`) on a bad command line.
inline bool ParseOpBenchArgs(int argc, char** argv, const char* usage, OpBenchArgs* a) {
  bool ok = argc >= 2;
  if (ok) a->model = argv[1];
  for (int i = 2; ok && i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      a->rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      a->runs = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--op") && i + 1 < argc) {
      a->only_op = std::atol(argv[++i]);
    } else {
      ok = false;
    }
  }
  ok = ok && a->rounds >= 1 && a->runs >= 1;
  if (!ok) std::fprintf(stderr, "usage: %s MODEL.tflite [--rounds N] [--runs N] [--op K]\n", usage);
  return ok;
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Median microseconds of `runs` calls of f.
template <typename F>
double TimeUs(int runs, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  return Median(std::move(t));
}

// TFLite's SAME padding of one axis: (before, after), the odd pixel after.
inline std::pair<int, int> SamePadding(int in, int kernel, int stride, int dilation) {
  const int out = (in + stride - 1) / stride;
  const int total = std::max((out - 1) * stride + (kernel - 1) * dilation + 1 - in, 0);
  return {total / 2, total - total / 2};
}

// The op alone as a graph: same tensors and buffers, its activation input as the graph input.
inline std::shared_ptr<ir::Graph> OneOpGraph(const ir::Graph& g, const ir::Op& op) {
  auto one = std::make_shared<ir::Graph>();
  one->buffers = g.buffers;
  ir::Subgraph sg;
  sg.tensors = g.main().tensors;
  sg.inputs = {op.inputs[0]};
  sg.outputs = {op.outputs[0]};
  sg.ops = {op};
  one->subgraphs.push_back(std::move(sg));
  return one;
}

}  // namespace liteopt::bench
