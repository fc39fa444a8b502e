// What the op-by-op peer benchmarks (xnnpack_ops.cc, onednn_ops.cc) share: their command line, timing, TFLite's
// SAME padding and a model's op alone as a graph.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/tflite/reader.h"
#include "ir/graph.h"
#include "runtime/interpreter.h"

namespace liteopt::bench {

// MODEL.tflite [--rounds N] [--runs N] [--op K]
struct OpBenchArgs {
  std::string model;
  int rounds = 5, runs = 20;
  long only_op = -1;  // --op: only op K (e.g. under perf)
};

// False (after printing the usage of `tool`) on a bad command line.
inline bool ParseOpBenchArgs(int argc, char** argv, const char* tool, OpBenchArgs* a) {
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
  if (!ok) std::fprintf(stderr, "usage: %s MODEL.tflite [--rounds N] [--runs N] [--op K]\n", tool);
  return ok;
}

// The model of a.model, or nullptr after printing why it cannot be read.
inline std::shared_ptr<const ir::Graph> LoadModel(const char* tool, const OpBenchArgs& a) {
  auto graph_or = io::tflite::ReadTfliteFile(a.model);
  if (!graph_or.ok()) {
    std::fprintf(stderr, "%s: %s\n", tool, graph_or.status().message().c_str());
    return nullptr;
  }
  return *graph_or;
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

// One peer operator, created for an op: the input bytes both sides are fed, a call that runs it once, and the
// table cells it adds after the ratio (given liteopt's and the peer's median microseconds and the op's MACs).
struct PeerOp {
  std::vector<uint8_t> input;
  std::function<void()> run;
  std::function<std::string(double liteopt_us, double peer_us, double macs)> cells;
};

// The table: every CONV_2D and DEPTHWISE_CONV_2D of g (or only --op), liteopt's kernel (the op alone in a one-op
// graph, one thread) against make(op, &error) (nullptr: the row says why it was skipped), interleaved: each round
// times `runs` calls of liteopt, then of the peer; medians of the round medians. extra_header: the cells' titles.
template <typename Make>
void RunOpTable(const ir::Graph& g, const OpBenchArgs& a, const char* peer, const std::string& extra_header,
                Make&& make) {
  std::printf("| op | type | input HxWxC | out C | k/s | MMAC | liteopt us | %s us | liteopt / %s | %s |\n", peer, peer,
              extra_header.c_str());
  std::printf("|---|---|---|---:|---|---:|---:|---:|---:|");
  for (char c : extra_header)
    if (c == '|') std::printf("---|");
  std::printf("---|\n");
  double total_lo = 0, total_peer = 0, total_mac = 0;
  const auto& ops = g.main().ops;
  for (size_t k = 0; k < ops.size(); ++k) {
    const ir::Op& op = ops[k];
    if (op.type != ir::OpType::CONV_2D && op.type != ir::OpType::DEPTHWISE_CONV_2D) continue;
    if (a.only_op >= 0 && static_cast<long>(k) != a.only_op) continue;
    std::string error;
    std::unique_ptr<PeerOp> p = make(op, &error);
    if (!p) {
      std::printf("| %zu | %s | skipped: %s |\n", k, ir::OpTypeName(op.type).c_str(), error.c_str());
      continue;
    }
    auto interp_or = runtime::Interpreter::Create(OneOpGraph(g, op), {.num_threads = 1});
    if (!interp_or.ok()) {
      std::printf("| %zu | skipped: %s |\n", k, interp_or.status().message().c_str());
      continue;
    }
    auto& interp = **interp_or;
    std::memcpy(interp.input_bytes(0), p->input.data(), std::min(p->input.size(), interp.input(0).bytes));
    const double macs = static_cast<double>(interp.OpMacs(0));
    std::vector<double> lo, pe;
    for (int r = 0; r < a.rounds; ++r) {
      lo.push_back(TimeUs(a.runs, [&] { (void)interp.Invoke(); }));
      pe.push_back(TimeUs(a.runs, p->run));
    }
    const double x = Median(lo), y = Median(pe);
    total_lo += x;
    total_peer += y;
    total_mac += macs;
    const ir::Tensor& in = g.main().tensors[op.inputs[0]];
    const ir::Tensor& w = g.main().tensors[op.inputs[1]];
    std::printf("| %zu | %s | %dx%dx%d | %d | %dx%d/%d | %.2f | %.1f | %.1f | %.2f | %s |\n", k,
                op.type == ir::OpType::CONV_2D ? "conv" : "depthwise", in.shape[1], in.shape[2], in.shape[3],
                g.main().tensors[op.outputs[0]].shape[3], w.shape[1], w.shape[2], op.options.stride_h, macs * 1e-6, x,
                y, x / y, p->cells(x, y, macs).c_str());
    std::fflush(stdout);
  }
  std::printf("| all | | | | | %.1f | %.1f | %.1f | %.2f | |\n", total_mac * 1e-6, total_lo, total_peer,
              total_lo / total_peer);
}

}  // namespace liteopt::bench
