// AVERAGE_POOL_2D and MAX_POOL_2D over NHWC tensors: float32, int8, uint8, int16 (16x8 mode: the same integer
// arithmetic, reference_integer_ops' int16 overloads; zero points must be 0).
// Output size and padding as TFLite (kernels/padding.h):
//   SAME: out = ceil(in / stride); VALID: out = ceil((in - filter + 1) / stride);
//   pad = max(0, ((out - 1) * stride + filter - in) / 2) (the odd remainder goes to the bottom/right).
// Quantized average (reference and optimized integer kernels agree): int32 sum over the in-bounds window
// elements, divided by their count (padding excluded) rounding half away from zero, clamped to the
// fused-activation range. Input and output share scale and zero point, so no rescaling happens.
// Quantized max: maximum over the in-bounds elements, clamped to the fused-activation range.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "base/quant_math.h"
#include "ops/common/op_checks.h"

namespace liteopt::ops {
namespace {

struct PoolState : OpState {
  int batches = 0, in_h = 0, in_w = 0, depth = 0, out_h = 0, out_w = 0;
  int stride_h = 1, stride_w = 1, filter_h = 1, filter_w = 1, pad_h = 0, pad_w = 0;
  int32_t act_min = 0, act_max = 0;
  float f_min = 0.0f, f_max = 0.0f;
};

// In int64 so that huge strides or filters from a file cannot overflow.
int64_t ComputeOutSize(ir::Padding padding, int64_t in, int64_t filter, int64_t stride) {
  return padding == ir::Padding::kSame ? (in + stride - 1) / stride : (in + stride - filter) / stride;
}

int ComputePadding(int64_t stride, int64_t in, int64_t filter, int64_t out) {
  const int64_t total = (out - 1) * stride + filter - in;
  return total > 0 ? static_cast<int>(total / 2) : 0;
}

Status PreparePool(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(
      CheckDType(ctx, in, {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16}, "input"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, in.dtype, "output"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in, "input"));
  if (in.rank() != 4)
    return ctx.Error("input " + TensorLabel(in) + " has shape " + ShapeString(in.shape) + ", expected rank 4 (NHWC)");
  LITEOPT_RETURN_IF_ERROR(CheckFusedActivation(ctx));
  const ir::OpOptions& o = ctx.options();
  if (o.stride_h < 1 || o.stride_w < 1)
    return ctx.Error("strides (" + std::to_string(o.stride_h) + ", " + std::to_string(o.stride_w) +
                     ") must be >= 1");
  if (o.filter_h < 1 || o.filter_w < 1)
    return ctx.Error("filter size (" + std::to_string(o.filter_h) + ", " + std::to_string(o.filter_w) +
                     ") must be >= 1");
  auto s = std::make_unique<PoolState>();
  s->batches = in.dim(0);
  s->in_h = in.dim(1);
  s->in_w = in.dim(2);
  s->depth = in.dim(3);
  s->stride_h = o.stride_h;
  s->stride_w = o.stride_w;
  s->filter_h = o.filter_h;
  s->filter_w = o.filter_w;
  const int64_t out_h = ComputeOutSize(o.padding, s->in_h, s->filter_h, s->stride_h);
  const int64_t out_w = ComputeOutSize(o.padding, s->in_w, s->filter_w, s->stride_w);
  s->out_h = static_cast<int>(out_h);
  s->out_w = static_cast<int>(out_w);
  if (out_h <= 0 || out_w <= 0)
    return ctx.Error("filter " + std::to_string(s->filter_h) + "x" + std::to_string(s->filter_w) +
                     " with VALID padding does not fit input " + TensorLabel(in) + " " + ShapeString(in.shape));
  s->pad_h = ComputePadding(s->stride_h, s->in_h, s->filter_h, s->out_h);
  s->pad_w = ComputePadding(s->stride_w, s->in_w, s->filter_w, s->out_w);
  // A window that covers no input element would divide by zero; with the sizes above it cannot happen unless
  // the filter is smaller than the padding.
  if (s->pad_h >= s->filter_h || s->pad_w >= s->filter_w)
    return ctx.Error("padding (" + std::to_string(s->pad_h) + ", " + std::to_string(s->pad_w) +
                     ") is not smaller than the filter; some windows would be empty");
  const int act = ActivationCode(ctx);
  if (in.dtype == DType::kFloat32) {
    qmath::ActivationRangeFloat(act, &s->f_min, &s->f_max);
  } else {
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in, "input"));
    LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
    // pooling.cc: input and output share quantization (checked there to 1e-6 on the scale).
    if (std::fabs(in.scale() - out.scale()) > 1.0e-6f || in.zero_point() != out.zero_point())
      return ctx.Error("output " + TensorLabel(out) + " quantization (scale " + std::to_string(out.scale()) +
                       ", zero point " + std::to_string(out.zero_point()) + ") differs from the input's (scale " +
                       std::to_string(in.scale()) + ", zero point " + std::to_string(in.zero_point()) + ")");
    if (in.dtype == DType::kInt16 && in.zero_point() != 0)
      return ctx.Error("int16 input " + TensorLabel(in) + " needs zero point 0, found " +
                       std::to_string(in.zero_point()));
    qmath::ActivationRangeQuantized(act, out.dtype, out.scale(), out.zero_point(), &s->act_min, &s->act_max);
  }
  out.shape = {s->batches, s->out_h, s->out_w, s->depth};
  ctx.state = std::move(s);
  return Status::Ok();
}

// Calls f(out_index, window) for each output element, window = [y0, y1) x [x0, x1) of in-bounds input rows/cols.
struct Window {
  int64_t in_base;  // offset of (batch, 0, 0, channel)
  int y0, y1, x0, x1;
};

template <typename F>
void ForEachWindow(const PoolState& s, F&& f) {
  int64_t o = 0;
  for (int b = 0; b < s.batches; ++b) {
    for (int oy = 0; oy < s.out_h; ++oy) {
      const int in_y_origin = oy * s.stride_h - s.pad_h;
      const int y0 = std::max(0, -in_y_origin), y1 = std::min(s.filter_h, s.in_h - in_y_origin);
      for (int ox = 0; ox < s.out_w; ++ox) {
        const int in_x_origin = ox * s.stride_w - s.pad_w;
        const int x0 = std::max(0, -in_x_origin), x1 = std::min(s.filter_w, s.in_w - in_x_origin);
        for (int c = 0; c < s.depth; ++c) {
          const int64_t base = ((static_cast<int64_t>(b) * s.in_h + in_y_origin) * s.in_w + in_x_origin) * s.depth + c;
          f(o++, Window{base, y0, y1, x0, x1});
        }
      }
    }
  }
}

template <typename T>
void AveragePoolQuantized(const PoolState& s, const T* in, T* out) {
  ForEachWindow(s, [&](int64_t o, const Window& w) {
    int32_t acc = 0;
    int32_t filter_count = 0;
    for (int fy = w.y0; fy < w.y1; ++fy)
      for (int fx = w.x0; fx < w.x1; ++fx) {
        acc += in[w.in_base + (static_cast<int64_t>(fy) * s.in_w + fx) * s.depth];
        ++filter_count;
      }
    acc = acc > 0 ? (acc + filter_count / 2) / filter_count : (acc - filter_count / 2) / filter_count;
    acc = std::max(acc, s.act_min);
    acc = std::min(acc, s.act_max);
    out[o] = static_cast<T>(acc);
  });
}

template <typename T>
void MaxPoolQuantized(const PoolState& s, const T* in, T* out) {
  ForEachWindow(s, [&](int64_t o, const Window& w) {
    int32_t m = s.act_min;  // the optimized kernels start the running max at the activation minimum
    for (int fy = w.y0; fy < w.y1; ++fy)
      for (int fx = w.x0; fx < w.x1; ++fx)
        m = std::max(m, static_cast<int32_t>(in[w.in_base + (static_cast<int64_t>(fy) * s.in_w + fx) * s.depth]));
    out[o] = static_cast<T>(std::min(m, s.act_max));
  });
}

void EvalAveragePool(KernelContext& ctx) {
  const auto& s = *ctx.state_as<PoolState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      ForEachWindow(s, [&](int64_t o, const Window& w) {
        float total = 0.0f;
        int filter_count = 0;
        for (int fy = w.y0; fy < w.y1; ++fy)
          for (int fx = w.x0; fx < w.x1; ++fx) {
            total += x[w.in_base + (static_cast<int64_t>(fy) * s.in_w + fx) * s.depth];
            ++filter_count;
          }
        const float average = total / static_cast<float>(filter_count);
        y[o] = std::min(std::max(average, s.f_min), s.f_max);
      });
      break;
    }
    case DType::kInt8: AveragePoolQuantized(s, in.as<int8_t>(), out.as<int8_t>()); break;
    case DType::kUInt8: AveragePoolQuantized(s, in.as<uint8_t>(), out.as<uint8_t>()); break;
    case DType::kInt16: AveragePoolQuantized(s, in.as<int16_t>(), out.as<int16_t>()); break;
    default: break;
  }
}

void EvalMaxPool(KernelContext& ctx) {
  const auto& s = *ctx.state_as<PoolState>();
  const TensorRef& in = *ctx.input(0);
  TensorRef& out = *ctx.output(0);
  switch (in.dtype) {
    case DType::kFloat32: {
      const float* x = in.as<float>();
      float* y = out.as<float>();
      ForEachWindow(s, [&](int64_t o, const Window& w) {
        float m = std::numeric_limits<float>::lowest();
        for (int fy = w.y0; fy < w.y1; ++fy)
          for (int fx = w.x0; fx < w.x1; ++fx)
            m = std::max(m, x[w.in_base + (static_cast<int64_t>(fy) * s.in_w + fx) * s.depth]);
        y[o] = std::min(std::max(m, s.f_min), s.f_max);
      });
      break;
    }
    case DType::kInt8: MaxPoolQuantized(s, in.as<int8_t>(), out.as<int8_t>()); break;
    case DType::kUInt8: MaxPoolQuantized(s, in.as<uint8_t>(), out.as<uint8_t>()); break;
    case DType::kInt16: MaxPoolQuantized(s, in.as<int16_t>(), out.as<int16_t>()); break;
    default: break;
  }
}

}  // namespace

extern const Kernel kKernel_AVERAGE_POOL_2D;
const Kernel kKernel_AVERAGE_POOL_2D = {&PreparePool, &EvalAveragePool};
extern const Kernel kKernel_MAX_POOL_2D;
const Kernel kKernel_MAX_POOL_2D = {&PreparePool, &EvalMaxPool};

}  // namespace liteopt::ops
