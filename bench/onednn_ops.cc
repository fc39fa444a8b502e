// Operator by operator: liteopt's kernels against oneDNN (Debian libdnnl-dev) on every CONV_2D and
// DEPTHWISE_CONV_2D of a model, same shapes and weights, one thread, interleaved rounds. It is the measurement
// behind issue 8's "use oneDNN for x86 convolutions, or not" decision (docs/PERFORMANCE.md).
//
//   liteopt_onednn_ops MODEL.tflite [--rounds N] [--runs N] [--op K]     (run with OMP_NUM_THREADS=1)
//
// liteopt side: the op alone in a one-op graph run by the interpreter (the kernel it picks at run time), as
// liteopt_xnnpack_ops. oneDNN side, float32 models: a convolution primitive on NHWC float32 (weights in the layout
// oneDNN prefers, reordered once), the fused ReLU / ReLU6 as a post-op. int8 models: oneDNN's s8 x s8 -> s32
// convolution (the accumulators only: the requantization, which liteopt's time includes, is left out, so the
// comparison favours oneDNN), and the "exact" column counts the accumulators that differ from Σ x * w computed
// in 64-bit integers on full-range int8 inputs. On CPUs without VNNI oneDNN multiplies byte pairs with
// vpmaddubsw, whose 16-bit pair sums saturate, and for int8 (s8) inputs it also halves the weights (rounded) and
// doubles the sum (inputs 1, weights 3, 64 channels: 256 for 192), so its accumulators are not the exact int8 ones.
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

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

// A oneDNN convolution equivalent to the op, with its memories and, for int8, how many accumulators are exact.
struct DnnlOp {
  dnnl::convolution_forward conv;
  std::unordered_map<int, dnnl::memory> args;
  std::vector<uint8_t> input;  // what both sides are fed (bytes of the input tensor)
  std::string exact = "-";     // int8: "N of M differ" against 64-bit sums
  std::string impl;            // the implementation oneDNN chose
};

std::unique_ptr<DnnlOp> CreateDnnl(const dnnl::engine& eng, dnnl::stream& st, const Graph& g, const Op& op,
                                   std::string* error) {
  using dnnl::memory;
  const auto& ts = g.main().tensors;
  const Tensor& in = ts[op.inputs[0]];
  const Tensor& w = ts[op.inputs[1]];
  const Tensor& out = ts[op.outputs[0]];
  const Tensor* bias = op.inputs.size() > 2 && op.inputs[2] >= 0 ? &ts[op.inputs[2]] : nullptr;
  const bool depthwise = op.type == OpType::DEPTHWISE_CONV_2D;
  const auto& o = op.options;
  const int h = in.shape[1], wd = in.shape[2], cin = in.shape[3];
  const int oh = out.shape[1], ow = out.shape[2], cout = out.shape[3];
  const int kh = w.shape[1], kw = w.shape[2];
  if (depthwise && o.depth_multiplier != 1) {
    *error = "depth multiplier != 1";
    return nullptr;
  }
  const bool f32 = in.dtype == DType::kFloat32 && w.dtype == DType::kFloat32;
  const bool s8 = in.dtype == DType::kInt8 && w.dtype == DType::kInt8;
  if (!f32 && !s8) {
    *error = "only float32 and int8 convolutions are compared";
    return nullptr;
  }
  int top = 0, bottom = 0, left = 0, right = 0;
  if (o.padding == liteopt::ir::Padding::kSame) {
    std::tie(top, bottom) = SamePadding(h, kh, o.stride_h, o.dilation_h);
    std::tie(left, right) = SamePadding(wd, kw, o.stride_w, o.dilation_w);
  }
  const memory::data_type dt = f32 ? memory::data_type::f32 : memory::data_type::s8;
  const memory::data_type dst_dt = f32 ? memory::data_type::f32 : memory::data_type::s32;
  // liteopt's filters: CONV_2D OHWI [cout][kh][kw][cin]; DEPTHWISE [1][kh][kw][c] (oneDNN: goihw with g = c).
  const memory::desc src_md({1, cin, h, wd}, dt, memory::format_tag::nhwc);
  const memory::desc dst_md({1, cout, oh, ow}, dst_dt, memory::format_tag::nhwc);
  const memory::dims w_dims = depthwise ? memory::dims{cout, 1, 1, kh, kw} : memory::dims{cout, cin, kh, kw};
  const memory::desc w_user(w_dims, dt, depthwise ? memory::format_tag::hwigo : memory::format_tag::ohwi);
  const memory::desc w_any(w_dims, dt, memory::format_tag::any);
  dnnl::primitive_attr attr;
  if (f32) {
    const int act = static_cast<int>(o.activation);  // 1 RELU, 3 RELU6
    dnnl::post_ops po;
    if (act == 1) po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    if (act == 3) po.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f);
    attr.set_post_ops(po);
  }
  const bool with_bias = f32 && bias != nullptr;
  const memory::desc b_md({cout}, memory::data_type::f32, memory::format_tag::x);
  const memory::dims strides = {o.stride_h, o.stride_w}, dil = {o.dilation_h - 1, o.dilation_w - 1};
  const memory::dims pad_l = {top, left}, pad_r = {bottom, right};
  auto desc = with_bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                          dnnl::algorithm::convolution_direct, src_md, w_any, b_md,
                                                          dst_md, strides, dil, pad_l, pad_r)
                        : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                                          dnnl::algorithm::convolution_direct, src_md, w_any, dst_md,
                                                          strides, dil, pad_l, pad_r);
  dnnl::convolution_forward::primitive_desc pd;
  try {
    pd = dnnl::convolution_forward::primitive_desc(desc, attr, eng);
  } catch (const dnnl::error& e) {
    *error = std::string("oneDNN has no implementation: ") + e.what();
    return nullptr;
  }
  auto d = std::make_unique<DnnlOp>();
  d->conv = dnnl::convolution_forward(pd);
  d->impl = pd.impl_info_str();
  memory src(src_md, eng), dst(dst_md, eng), wts(pd.weights_desc(), eng);
  memory user(w_user, eng, const_cast<uint8_t*>(g.data(w).data));
  dnnl::reorder(user, wts).execute(st, user, wts);
  st.wait();
  d->args = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wts}, {DNNL_ARG_DST, dst}};
  if (with_bias) {
    memory b(b_md, eng);
    std::memcpy(b.get_data_handle(), g.data(*bias).data, sizeof(float) * cout);
    d->args.insert({DNNL_ARG_BIAS, b});
  }
  const size_t elems = static_cast<size_t>(h) * wd * cin;
  d->input.resize(elems * (f32 ? 4 : 1));
  std::mt19937 rng(7);
  if (f32) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (size_t i = 0; i < elems; ++i) {
      const float v = u(rng);
      std::memcpy(d->input.data() + 4 * i, &v, 4);
    }
  } else {
    for (auto& b : d->input) b = static_cast<uint8_t>(rng());  // full-range int8
  }
  std::memcpy(src.get_data_handle(), d->input.data(), d->input.size());
  // One run, then every output against the convolution computed here (int8: Σ x * w in 64 bits; float32: in double,
  // bias and activation applied; padding contributes 0, as oneDNN's): int8 counts the accumulators that differ,
  // float32 gives the largest |difference| relative to Σ |x * w| + |bias| (gemm::kF32Tolerance's measure).
  d->conv.execute(st, d->args);
  st.wait();
  auto in_at = [&](int iy, int ix, int i) -> double {
    const size_t at = (static_cast<size_t>(iy) * wd + ix) * cin + i;
    if (s8) return reinterpret_cast<const int8_t*>(d->input.data())[at];
    float v;
    std::memcpy(&v, d->input.data() + 4 * at, 4);
    return v;
  };
  auto w_at = [&](size_t at) -> double {
    return s8 ? static_cast<double>(reinterpret_cast<const int8_t*>(g.data(w).data)[at])
              : static_cast<double>(reinterpret_cast<const float*>(g.data(w).data)[at]);
  };
  size_t differ = 0;
  double worst = 0;
  const int act = static_cast<int>(o.activation);
  for (int y = 0; y < oh; ++y)
    for (int xo = 0; xo < ow; ++xo)
      for (int c = 0; c < cout; ++c) {
        double sum = 0, mag = 0;
        int64_t isum = 0;
        for (int fy = 0; fy < kh; ++fy)
          for (int fx = 0; fx < kw; ++fx) {
            const int iy = y * o.stride_h - top + fy * o.dilation_h, ix = xo * o.stride_w - left + fx * o.dilation_w;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            for (int i = depthwise ? c : 0; i < (depthwise ? c + 1 : cin); ++i) {
              const size_t wi = depthwise ? static_cast<size_t>(fy * kw + fx) * cout + c
                                          : ((static_cast<size_t>(c) * kh + fy) * kw + fx) * cin + i;
              const double p = in_at(iy, ix, i) * w_at(wi);
              sum += p;
              mag += std::abs(p);
              if (s8) isum += static_cast<int64_t>(p);
            }
          }
        const size_t at = (static_cast<size_t>(y) * ow + xo) * cout + c;
        if (s8) {
          differ += static_cast<const int32_t*>(dst.get_data_handle())[at] != isum;
        } else {
          const double b = bias ? reinterpret_cast<const float*>(g.data(*bias).data)[c] : 0.0;
          double ref = sum + b;
          if (act == 1 || act == 3) ref = std::max(ref, 0.0);
          if (act == 3) ref = std::min(ref, 6.0);
          const double got = static_cast<const float*>(dst.get_data_handle())[at];
          worst = std::max(worst, std::abs(got - ref) / (mag + std::abs(b) + 1e-30));
        }
      }
  char buf[64];
  if (s8) {
    d->exact = std::to_string(differ) + " of " + std::to_string(static_cast<size_t>(oh) * ow * cout) + " differ";
  } else {
    std::snprintf(buf, sizeof buf, "max rel. diff %.1e", worst);
    d->exact = buf;
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  liteopt::bench::OpBenchArgs args;
  if (!liteopt::bench::ParseOpBenchArgs(argc, argv, "liteopt_onednn_ops", &args)) return 2;
  const auto model = liteopt::bench::LoadModel("liteopt_onednn_ops", args);
  if (!model) return 1;
  const Graph& g = *model;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream st(eng);
  const char* omp = std::getenv("OMP_NUM_THREADS");
  std::printf("%s: liteopt one thread, oneDNN OMP_NUM_THREADS=%s, %d rounds x %d runs, median of round medians\n\n",
              args.model.c_str(), omp ? omp : "(unset: all cores)", args.rounds, args.runs);
  liteopt::bench::RunOpTable(g, args, "oneDNN", "oneDNN kernel | oneDNN against the exact sums",
                             [&](const Op& op, std::string* error) -> std::unique_ptr<liteopt::bench::PeerOp> {
                               std::shared_ptr<DnnlOp> d = CreateDnnl(eng, st, g, op, error);
                               if (!d) return nullptr;
                               auto p = std::make_unique<liteopt::bench::PeerOp>();
                               p->input = d->input;
                               p->run = [d, &st] {
                                 d->conv.execute(st, d->args);
                                 st.wait();
                               };
                               p->cells = [d](double, double, double) { return d->impl + " | " + d->exact; };
                               return p;
                             });
  return 0;
}
