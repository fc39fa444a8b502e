// Operator by operator: liteopt's kernels against XNNPACK (Debian libxnnpack-dev) on every CONV_2D and
// DEPTHWISE_CONV_2D of a model, same shapes, weights and quantization, one thread, interleaved rounds.
//
//   liteopt_xnnpack_ops MODEL.tflite [--rounds N] [--runs N] [--op K]   (--op: only op K, e.g. under perf)
//
// liteopt side: the op alone in a one-op graph run by the interpreter (the kernel it picks at run time, weights
// packed at prepare, so an invoke is the kernel plus the interpreter's per-op overhead). XNNPACK side: the same op
// created once (f32, or qc8 = int8 with per-channel weight scales) and run with xnn_run_operator, no thread pool.
// Each round times `runs` calls of each, liteopt then XNNPACK; the table shows the median over rounds of each
// round's median, in microseconds, and GOP/s at 2 ops per MAC. FULLY_CONNECTED is not compared: XNNPACK's qs8
// fully connected has no per-channel weight scales, and MobileNetV2 has no dense layer (its classifier is a 1x1
// convolution).
#include <xnnpack.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/quant_math.h"
#include "op_bench_util.h"
#include "io/tflite/reader.h"
#include "runtime/interpreter.h"

namespace {

using liteopt::DType;
using liteopt::ir::Graph;
using liteopt::ir::Op;
using liteopt::ir::OpType;
using liteopt::ir::Tensor;
using liteopt::bench::SamePadding;

template <typename T>
const T* Data(const Graph& g, const Tensor& t) {
  return reinterpret_cast<const T*>(g.data(t).data);
}

// An XNNPACK operator equivalent to a liteopt CONV_2D / DEPTHWISE_CONV_2D, with its input and output buffers.
struct XnnOp {
  xnn_operator_t op = nullptr;
  std::vector<uint8_t> input, output;
  std::vector<float> kernel_f32;  // depthwise weights stay [kh][kw][C] (XNN_FLAG_DEPTHWISE_CONVOLUTION)
  ~XnnOp() {
    if (op) xnn_delete_operator(op);
  }
};

std::unique_ptr<XnnOp> CreateXnn(const Graph& g, const Op& op, std::string* error) {
  const auto& ts = g.main().tensors;
  const Tensor& in = ts[op.inputs[0]];
  const Tensor& w = ts[op.inputs[1]];
  const Tensor& out = ts[op.outputs[0]];
  const Tensor* bias = op.inputs.size() > 2 && op.inputs[2] >= 0 ? &ts[op.inputs[2]] : nullptr;
  const bool depthwise = op.type == OpType::DEPTHWISE_CONV_2D;
  const auto& o = op.options;
  const int h = in.shape[1], wd = in.shape[2], cin = in.shape[3], cout = out.shape[3];
  const int kh = w.shape[1], kw = w.shape[2];
  if (depthwise && o.depth_multiplier != 1) {
    *error = "depth multiplier != 1";
    return nullptr;
  }
  uint32_t top = 0, bottom = 0, left = 0, right = 0;
  if (o.padding == liteopt::ir::Padding::kSame) {
    std::tie(top, bottom) = SamePadding(h, kh, o.stride_h, o.dilation_h);
    std::tie(left, right) = SamePadding(wd, kw, o.stride_w, o.dilation_w);
  }
  const uint32_t groups = depthwise ? cin : 1;
  const size_t gin = depthwise ? 1 : cin, gout = depthwise ? 1 : cout;
  const uint32_t flags = depthwise ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0;
  auto x = std::make_unique<XnnOp>();
  const size_t elem = in.dtype == DType::kFloat32 ? 4 : 1;
  x->input.assign(static_cast<size_t>(h) * wd * cin * elem, 0);
  x->output.assign(static_cast<size_t>(liteopt::ir::NumElements(out.shape)) * elem, 0);
  std::mt19937 rng(7);
  for (auto& b : x->input) b = static_cast<uint8_t>(rng() & 0x3f);  // small values: finite floats, any int8
  xnn_status st;
  const int act = static_cast<int>(o.activation);
  if (in.dtype == DType::kFloat32) {
    const float lo = act == 1 || act == 3 ? 0.0f : -std::numeric_limits<float>::infinity();
    const float hi = act == 3 ? 6.0f : std::numeric_limits<float>::infinity();
    st = xnn_create_convolution2d_nhwc_f32(top, right, bottom, left, kh, kw, o.stride_h, o.stride_w, o.dilation_h,
                                           o.dilation_w, groups, gin, gout, cin, cout, Data<float>(g, w),
                                           bias ? Data<float>(g, *bias) : nullptr, lo, hi, flags, &x->op);
    if (st == xnn_status_success)
      st = xnn_setup_convolution2d_nhwc_f32(x->op, 1, h, wd, reinterpret_cast<const float*>(x->input.data()),
                                            reinterpret_cast<float*>(x->output.data()), nullptr);
  } else if (in.dtype == DType::kInt8 && w.dtype == DType::kInt8) {
    int32_t qmin, qmax;
    liteopt::qmath::ActivationRangeQuantized(act, DType::kInt8, out.quant.scale[0],
                                             static_cast<int32_t>(out.quant.zero_point[0]), &qmin, &qmax);
    std::vector<float> scales(w.quant.scale);
    if (scales.size() == 1) scales.assign(cout, scales[0]);
    st = xnn_create_convolution2d_nhwc_qc8(
        top, right, bottom, left, kh, kw, o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, groups, gin, gout, cin,
        cout, static_cast<int8_t>(in.quant.zero_point[0]), in.quant.scale[0], scales.data(), Data<int8_t>(g, w),
        bias ? Data<int32_t>(g, *bias) : nullptr, static_cast<int8_t>(out.quant.zero_point[0]), out.quant.scale[0],
        static_cast<int8_t>(qmin), static_cast<int8_t>(qmax), flags, &x->op);
    if (st == xnn_status_success)
      st = xnn_setup_convolution2d_nhwc_qc8(x->op, 1, h, wd, reinterpret_cast<const int8_t*>(x->input.data()),
                                            reinterpret_cast<int8_t*>(x->output.data()), nullptr);
  } else {
    *error = "only float32 and int8 (per-channel) convolutions are compared";
    return nullptr;
  }
  if (st != xnn_status_success) {
    *error = "XNNPACK rejected the op (status " + std::to_string(static_cast<int>(st)) + ")";
    return nullptr;
  }
  return x;
}

}  // namespace

int main(int argc, char** argv) {
  liteopt::bench::OpBenchArgs args;
  if (!liteopt::bench::ParseOpBenchArgs(argc, argv, "liteopt_xnnpack_ops", &args)) return 2;
  const auto model = liteopt::bench::LoadModel("liteopt_xnnpack_ops", args);
  if (!model) return 1;
  const Graph& g = *model;
  if (xnn_initialize(nullptr) != xnn_status_success) {
    std::fprintf(stderr, "liteopt_xnnpack_ops: xnn_initialize failed (CPU not supported by XNNPACK?)\n");
    return 1;
  }
  std::printf("%s: one thread, %d rounds x %d runs, median of round medians\n\n", args.model.c_str(), args.rounds,
              args.runs);
  liteopt::bench::RunOpTable(g, args, "XNNPACK", "liteopt GOP/s | XNNPACK GOP/s",
                             [&](const Op& op, std::string* error) -> std::unique_ptr<liteopt::bench::PeerOp> {
                               std::shared_ptr<XnnOp> x = CreateXnn(g, op, error);
                               if (!x) return nullptr;
                               auto p = std::make_unique<liteopt::bench::PeerOp>();
                               p->input = x->input;
                               p->run = [x] { xnn_run_operator(x->op, nullptr); };
                               p->cells = [](double a, double b, double macs) {
                                 char buf[64];
                                 std::snprintf(buf, sizeof buf, "%.1f | %.1f", 2 * macs / (a * 1e3),
                                               2 * macs / (b * 1e3));
                                 return std::string(buf);
                               };
                               return p;
                             });
  return 0;
}
