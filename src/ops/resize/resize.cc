// RESIZE_BILINEAR and RESIZE_NEAREST_NEIGHBOR on NHWC tensors (TFLite's resize_bilinear.cc,
// resize_nearest_neighbor.cc and their reference/optimized kernels). The size input is a constant int32
// vector {new_height, new_width}. Sampling positions are computed once in prepare.
//
// Which TFLite kernel each dtype follows (the ones the official runtime runs by default):
//  - bilinear float32: 4-tap weighted sum, weights (1-dy)(1-dx), (1-dy)dx, dy(1-dx), dy*dx, summed in the
//    order y0x0, y0x1, y1x0, y1x1 (optimized ResizeBilinearGeneric; the reference differs only in float
//    rounding order).
//  - bilinear uint8 under kTfliteBuiltin: the same float sum + 0.5, truncated (optimized
//    ResizeBilinearGenericSmallChannel).
//  - bilinear int8 / uint8 under Numerics::kTfliteRuntime: the official runtime hands these to its XNNPACK
//    delegate (checked against tfjs-tflite over up/down-scaling and every corner mode), whose 8-bit kernels
//    interpolate with 11-bit fixed-point weights: positions v * scale in float (scale = in / out, or
//    (in - 1) / (out - 1) with align_corners and out > 1; half_pixel_centers adds 0.5 * scale - 0.5 and clamps
//    the position to [0, in - 1]), top = trunc(position), alpha = lrintf((position - top) * 2^11);
//    t = (tl << 11) + (tr - tl) * alpha_x, b likewise, out = (((t << 11) + (b - t) * alpha_y) + 2^21) >> 22.
//  - bilinear int8 under kTfliteBuiltin, and int16 / uint16: ResizeBilinearInteger, 10-bit fixed-point
//    positions, int64 accumulation, rounding half away from zero at 2^20 (TFLite's default double-rounding build).
//  - nearest float32 / int16 / int32: the reference float index rule
//    min(floor((x + offset) * scale) or round(...) with align_corners, size - 1), max 0 with half pixels.
//  - nearest 8-bit (uint8, int8) without align_corners and half_pixel_centers: the optimized 16.16
//    fixed-point rule min((x * ((in << 16) / out + 1)) >> 16, in - 1); otherwise the reference rule.
#include <algorithm>
#include <cmath>

#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

// Largest input or output height/width accepted: keeps the 10-bit fixed-point positions of the integer
// bilinear kernel and the 16.16 nearest-neighbor positions inside int32.
constexpr int32_t kMaxResizeDim = 1 << 14;

enum class Mode { kFloat, kUint8Float, kInteger, kXnnpack8Bit, kNearest };

struct ResizeState : OpState {
  Mode mode = Mode::kNearest;
  DType dtype = DType::kFloat32;
  int32_t batches = 0, input_height = 0, input_width = 0, depth = 0;
  int32_t output_height = 0, output_width = 0;
  // Per output row / column: the two source indices and the position (float, 10-bit fixed point, or for
  // kXnnpack8Bit the 11-bit weight of the second index).
  std::vector<int32_t> y0, y1, x0, x1;
  std::vector<float> input_y, input_x;
  std::vector<int32_t> input_y_10, input_x_10;
  std::vector<int32_t> alpha_y_11, alpha_x_11;
};

Status CheckCommon(KernelContext& ctx, bool bilinear) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& size = *ctx.input(1);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  if (input.rank() != 4)
    return ctx.Error(InputLabel(ctx, 0) + " has shape " + ShapeString(input.shape) + ", expected 4-D NHWC");
  const DType t = input.dtype;
  const bool ok = t == DType::kFloat32 || t == DType::kUInt8 || t == DType::kInt8 || t == DType::kInt16 ||
                  (bilinear ? t == DType::kUInt16 : t == DType::kInt32);
  if (!ok)
    return ctx.Error(InputLabel(ctx, 0) + " has dtype " + std::string(DTypeName(t)) + ", not supported");
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, *ctx.output(0), t, OutputLabel(ctx, 0)));
  if (size.dtype != DType::kInt32)
    return ctx.Error("size " + InputLabel(ctx, 1) + " has dtype " + std::string(DTypeName(size.dtype)) +
                     ", expected int32");
  if (size.rank() != 1 || size.shape[0] != 2)
    return ctx.Error("size " + InputLabel(ctx, 1) + " has shape " + ShapeString(size.shape) + ", expected [2]");
  std::vector<int64_t> hw;
  LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, size, "size " + InputLabel(ctx, 1), 2, &hw));
  for (int i = 0; i < 2; ++i)
    if (hw[i] <= 0 || hw[i] > kMaxResizeDim)
      return ctx.Error("size[" + std::to_string(i) + "] is " + std::to_string(hw[i]) + ", expected [1, " +
                       std::to_string(kMaxResizeDim) + "]");
  for (int d = 1; d <= 2; ++d)
    if (input.shape[d] <= 0 || input.shape[d] > kMaxResizeDim)
      return ctx.Error(InputLabel(ctx, 0) + " has shape " + ShapeString(input.shape) +
                       "; height and width must be in [1, " + std::to_string(kMaxResizeDim) + "]");
  return SetOutputShape(ctx, 0, {input.shape[0], hw[0], hw[1], input.shape[3]});
}

std::unique_ptr<ResizeState> NewState(const KernelContext& ctx) {
  const TensorRef& input = *ctx.input(0);
  const TensorRef& output = *ctx.output(0);
  auto s = std::make_unique<ResizeState>();
  s->dtype = input.dtype;
  s->batches = input.shape[0];
  s->input_height = input.shape[1];
  s->input_width = input.shape[2];
  s->depth = input.shape[3];
  s->output_height = output.shape[1];
  s->output_width = output.shape[2];
  return s;
}

// reference_ops::ComputeInterpolationValues (float).
void FloatPositions(int32_t out_size, int32_t in_size, bool align_corners, bool half_pixel_centers,
                    std::vector<float>* pos, std::vector<int32_t>* lo, std::vector<int32_t>* hi) {
  float scale = static_cast<float>(in_size) / out_size;
  if (align_corners && out_size > 1) scale = static_cast<float>(in_size - 1) / (out_size - 1);
  for (int32_t v = 0; v < out_size; ++v) {
    const float scaled = half_pixel_centers ? (static_cast<float>(v) + 0.5f) * scale - 0.5f : v * scale;
    pos->push_back(scaled);
    lo->push_back(std::max(static_cast<int32_t>(std::floor(scaled)), int32_t{0}));
    hi->push_back(std::min(static_cast<int32_t>(std::ceil(scaled)), in_size - 1));
  }
}

// reference_ops::ComputeInterpolationValuesInteger (10 fractional bits).
void IntegerPositions(int32_t out_size, int32_t in_size, bool align_corners, bool half_pixel_centers,
                      std::vector<int32_t>* pos, std::vector<int32_t>* lo, std::vector<int32_t>* hi) {
  int32_t scale_10 = ((1 << 10) * in_size + out_size / 2) / out_size;
  if (align_corners && out_size > 1) scale_10 = ((1 << 10) * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
  for (int32_t v = 0; v < out_size; ++v) {
    const int32_t scaled = half_pixel_centers ? v * scale_10 + scale_10 / 2 - (1 << 9) : v * scale_10;
    pos->push_back(scaled);
    lo->push_back(std::max(scaled / (1 << 10), int32_t{0}));
    hi->push_back(std::min((scaled + (1 << 10) - 1) / (1 << 10), in_size - 1));
  }
}

// XNNPACK's positions for its 8-bit bilinear kernels (xnn_indirection_init_resize_bilinear2d_hwc_q11): see the
// file comment. The float expressions are kept in XNNPACK's order; this file is built without FP contraction.
void XnnpackPositions(int32_t out_size, int32_t in_size, bool align_corners, bool half_pixel_centers,
                      std::vector<int32_t>* alpha_11, std::vector<int32_t>* lo, std::vector<int32_t>* hi) {
  const int32_t adjustment = align_corners && out_size != 1 ? 1 : 0;
  const float scale = static_cast<float>(in_size - adjustment) / static_cast<float>(out_size - adjustment);
  const bool centers = half_pixel_centers && !align_corners;
  const float offset = 0.5f * scale - 0.5f;
  const float last = static_cast<float>(in_size - 1);
  for (int32_t v = 0; v < out_size; ++v) {
    float pos = static_cast<float>(v) * scale;
    if (centers) pos = std::min(std::max(pos + offset, 0.0f), last);
    const int32_t top = static_cast<int32_t>(pos);
    lo->push_back(top);
    hi->push_back(std::min(top + 1, in_size - 1));
    alpha_11->push_back(static_cast<int32_t>(std::nearbyint((pos - static_cast<float>(top)) * 2048.0f)));
  }
}

Status BilinearPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckCommon(ctx, /*bilinear=*/true));
  const ir::OpOptions& opt = ctx.options();
  if (opt.align_corners && opt.half_pixel_centers)
    return ctx.Error("align_corners and half_pixel_centers are both set; at most one may be");
  auto s = NewState(ctx);
  const bool xnnpack = ctx.numerics == Numerics::kTfliteRuntime && DTypeSize(s->dtype) == 1;
  if (xnnpack) {
    s->mode = Mode::kXnnpack8Bit;
    XnnpackPositions(s->output_height, s->input_height, opt.align_corners, opt.half_pixel_centers, &s->alpha_y_11,
                     &s->y0, &s->y1);
    XnnpackPositions(s->output_width, s->input_width, opt.align_corners, opt.half_pixel_centers, &s->alpha_x_11,
                     &s->x0, &s->x1);
  } else if (s->dtype == DType::kFloat32 || s->dtype == DType::kUInt8) {
    s->mode = s->dtype == DType::kFloat32 ? Mode::kFloat : Mode::kUint8Float;
    FloatPositions(s->output_height, s->input_height, opt.align_corners, opt.half_pixel_centers, &s->input_y, &s->y0,
                   &s->y1);
    FloatPositions(s->output_width, s->input_width, opt.align_corners, opt.half_pixel_centers, &s->input_x, &s->x0,
                   &s->x1);
  } else {
    s->mode = Mode::kInteger;
    IntegerPositions(s->output_height, s->input_height, opt.align_corners, opt.half_pixel_centers, &s->input_y_10,
                     &s->y0, &s->y1);
    IntegerPositions(s->output_width, s->input_width, opt.align_corners, opt.half_pixel_centers, &s->input_x_10,
                     &s->x0, &s->x1);
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

// reference_ops::GetNearestNeighbor.
int32_t NearestReference(int32_t v, int32_t in_size, int32_t out_size, bool align_corners, bool half_pixel_centers) {
  const float scale = (align_corners && out_size > 1) ? (in_size - 1) / static_cast<float>(out_size - 1)
                                                      : in_size / static_cast<float>(out_size);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float pos = (static_cast<float>(v) + offset) * scale;
  int32_t out = std::min(align_corners ? static_cast<int32_t>(std::round(pos)) : static_cast<int32_t>(std::floor(pos)),
                         in_size - 1);
  if (half_pixel_centers) out = std::max(int32_t{0}, out);
  return out;
}

Status NearestPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckCommon(ctx, /*bilinear=*/false));
  const ir::OpOptions& opt = ctx.options();
  auto s = NewState(ctx);
  s->mode = Mode::kNearest;
  const bool fixed_point = DTypeSize(s->dtype) == 1 && !opt.align_corners && !opt.half_pixel_centers;
  auto fill = [&](int32_t out_size, int32_t in_size, std::vector<int32_t>* idx) {
    const int32_t scale_16 = (in_size << 16) / out_size + 1;
    for (int32_t v = 0; v < out_size; ++v) {
      idx->push_back(fixed_point
                         ? std::min(static_cast<int32_t>((static_cast<int64_t>(v) * scale_16) >> 16), in_size - 1)
                         : NearestReference(v, in_size, out_size, opt.align_corners, opt.half_pixel_centers));
    }
  };
  fill(s->output_height, s->input_height, &s->y0);
  fill(s->output_width, s->input_width, &s->x0);
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T>
void BilinearFloatSum(const ResizeState& s, const T* in, T* out, float rounding_offset) {
  const int64_t row = static_cast<int64_t>(s.input_width) * s.depth;
  const int64_t batch = row * s.input_height;
  for (int32_t b = 0; b < s.batches; ++b) {
    for (int32_t y = 0; y < s.output_height; ++y) {
      const float dy = s.input_y[y] - s.y0[y];
      for (int32_t x = 0; x < s.output_width; ++x) {
        const float dx = s.input_x[x] - s.x0[x];
        const T* p00 = in + b * batch + s.y0[y] * row + static_cast<int64_t>(s.x0[x]) * s.depth;
        const T* p01 = in + b * batch + s.y0[y] * row + static_cast<int64_t>(s.x1[x]) * s.depth;
        const T* p10 = in + b * batch + s.y1[y] * row + static_cast<int64_t>(s.x0[x]) * s.depth;
        const T* p11 = in + b * batch + s.y1[y] * row + static_cast<int64_t>(s.x1[x]) * s.depth;
        const float w00 = (1 - dy) * (1 - dx), w01 = (1 - dy) * dx, w10 = dy * (1 - dx), w11 = dy * dx;
        for (int32_t c = 0; c < s.depth; ++c) {
          const float v = p00[c] * w00 + p01[c] * w01 + p10[c] * w10 + p11[c] * w11 + rounding_offset;
          *out++ = static_cast<T>(v);
        }
      }
    }
  }
}

template <typename T>
void BilinearInteger(const ResizeState& s, const T* in, T* out) {
  const int64_t row = static_cast<int64_t>(s.input_width) * s.depth;
  const int64_t batch = row * s.input_height;
  for (int32_t b = 0; b < s.batches; ++b) {
    for (int32_t y = 0; y < s.output_height; ++y) {
      const int64_t wy1 = s.input_y_10[y] - (1 << 10) * s.y0[y];  // weight of row y1, 10-bit
      const int64_t wy0 = (1 << 10) - wy1;
      for (int32_t x = 0; x < s.output_width; ++x) {
        const int64_t wx1 = s.input_x_10[x] - (1 << 10) * s.x0[x];
        const int64_t wx0 = (1 << 10) - wx1;
        const T* p00 = in + b * batch + s.y0[y] * row + static_cast<int64_t>(s.x0[x]) * s.depth;
        const T* p01 = in + b * batch + s.y0[y] * row + static_cast<int64_t>(s.x1[x]) * s.depth;
        const T* p10 = in + b * batch + s.y1[y] * row + static_cast<int64_t>(s.x0[x]) * s.depth;
        const T* p11 = in + b * batch + s.y1[y] * row + static_cast<int64_t>(s.x1[x]) * s.depth;
        for (int32_t c = 0; c < s.depth; ++c) {
          const int64_t output_20 = static_cast<int64_t>(p00[c]) * wy0 * wx0 + static_cast<int64_t>(p10[c]) * wy1 * wx0 +
                                    static_cast<int64_t>(p01[c]) * wy0 * wx1 + static_cast<int64_t>(p11[c]) * wy1 * wx1;
          const int64_t round = output_20 > 0 ? (1 << 19) : -(1 << 19);
          *out++ = static_cast<T>((output_20 + round) / (1 << 20));
        }
      }
    }
  }
}

// XNNPACK's ibilinear micro-kernels (s8 and u8): two horizontal lerps, one vertical, 11-bit weights, the sum
// rounded half up at 2^22. Every intermediate fits int32.
template <typename T>
void BilinearXnnpack(const ResizeState& s, const T* in, T* out) {
  const int64_t row = static_cast<int64_t>(s.input_width) * s.depth;
  const int64_t batch = row * s.input_height;
  for (int32_t b = 0; b < s.batches; ++b) {
    for (int32_t y = 0; y < s.output_height; ++y) {
      const int32_t alpha_y = s.alpha_y_11[y];
      for (int32_t x = 0; x < s.output_width; ++x) {
        const int32_t alpha_x = s.alpha_x_11[x];
        const T* tl = in + b * batch + s.y0[y] * row + static_cast<int64_t>(s.x0[x]) * s.depth;
        const T* tr = in + b * batch + s.y0[y] * row + static_cast<int64_t>(s.x1[x]) * s.depth;
        const T* bl = in + b * batch + s.y1[y] * row + static_cast<int64_t>(s.x0[x]) * s.depth;
        const T* br = in + b * batch + s.y1[y] * row + static_cast<int64_t>(s.x1[x]) * s.depth;
        for (int32_t c = 0; c < s.depth; ++c) {
          const int32_t top = int32_t{tl[c]} * 2048 + (int32_t{tr[c]} - tl[c]) * alpha_x;
          const int32_t bottom = int32_t{bl[c]} * 2048 + (int32_t{br[c]} - bl[c]) * alpha_x;
          const int32_t acc = top * 2048 + (bottom - top) * alpha_y;
          *out++ = static_cast<T>((acc + (1 << 21)) >> 22);  // arithmetic shift: floor
        }
      }
    }
  }
}

void BilinearEval(KernelContext& ctx) {
  const ResizeState& s = *ctx.state_as<ResizeState>();
  const uint8_t* in = ctx.input(0)->data;
  uint8_t* out = ctx.output(0)->data;
  if (s.mode == Mode::kXnnpack8Bit) {
    if (s.dtype == DType::kInt8)
      BilinearXnnpack(s, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(out));
    else
      BilinearXnnpack(s, in, out);
    return;
  }
  switch (s.dtype) {
    case DType::kFloat32:
      BilinearFloatSum(s, reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out), 0.0f);
      break;
    case DType::kUInt8:
      BilinearFloatSum(s, in, out, 0.5f);
      break;
    case DType::kInt8:
      BilinearInteger(s, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(out));
      break;
    case DType::kInt16:
      BilinearInteger(s, reinterpret_cast<const int16_t*>(in), reinterpret_cast<int16_t*>(out));
      break;
    default:  // kUInt16
      BilinearInteger(s, reinterpret_cast<const uint16_t*>(in), reinterpret_cast<uint16_t*>(out));
      break;
  }
}

void NearestEval(KernelContext& ctx) {
  const ResizeState& s = *ctx.state_as<ResizeState>();
  const size_t elem = DTypeSize(s.dtype);
  const size_t pixel_bytes = static_cast<size_t>(s.depth) * elem;
  const int64_t row = static_cast<int64_t>(s.input_width) * s.depth * static_cast<int64_t>(elem);
  const int64_t batch = row * s.input_height;
  const uint8_t* in = ctx.input(0)->data;
  uint8_t* out = ctx.output(0)->data;
  if (pixel_bytes == 0) return;
  for (int32_t b = 0; b < s.batches; ++b) {
    for (int32_t y = 0; y < s.output_height; ++y) {
      const uint8_t* in_row = in + b * batch + s.y0[y] * row;
      for (int32_t x = 0; x < s.output_width; ++x) {
        std::memcpy(out, in_row + s.x0[x] * static_cast<int64_t>(pixel_bytes), pixel_bytes);
        out += pixel_bytes;
      }
    }
  }
}

}  // namespace

extern const Kernel kKernel_RESIZE_BILINEAR;
const Kernel kKernel_RESIZE_BILINEAR = {&BilinearPrepare, &BilinearEval};
extern const Kernel kKernel_RESIZE_NEAREST_NEIGHBOR;
const Kernel kKernel_RESIZE_NEAREST_NEIGHBOR = {&NearestPrepare, &NearestEval};

}  // namespace liteopt::ops
