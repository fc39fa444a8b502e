// Shared helpers of the conv family (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): TFLite's padding and
// output-size rules, requantization multipliers, quantization-parameter checks, the on-the-fly input
// quantization of the hybrid (dynamic-range) kernels, and the prepare and eval code that the kernels' float,
// int8/uint8 and int16x8 paths share (each kernel keeps its own loop nest and hybrid arithmetic).
//
// int16x8 (TFLite's 16x8 mode: int16 activations with zero point 0, symmetric int8 weights, int64 bias): the
// reference_integer_ops int16 kernels, which TFLite always runs for an int64 bias (there is no optimized or
// XNNPACK int16 path for it): acc = sum (filter + filter_offset) * input in 64 bits, + bias, then the 64-bit
// MultiplyByQuantizedMultiplier (multiplier reduced to 15 bits), clamped to the activation range; no zero points.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "base/quant_math.h"
#include "ops/kernel.h"

namespace liteopt::ops::conv {

// One spatial dimension of a windowed op, as TFLite's ComputePaddingHeightWidth computes it.
struct Window1D {
  int out = 0;         // output size
  int pad_before = 0;  // padding at the start (TFLite's padding_values.height / width)
  int pad_after = 0;   // padding at the end (pad_before + the odd remainder)
};

// Output size and padding of one dimension:
//   effective_filter = (filter - 1) * dilation + 1
//   SAME:  out = ceil(in / stride)
//   VALID: out = ceil((in - effective_filter + 1) / stride)
//   pad_total = max(0, (out - 1) * stride + effective_filter - in); pad_before = pad_total / 2.
// Returns false when the output would be empty or a size overflows int32.
bool ComputeWindow(ir::Padding padding, int in, int filter, int stride, int dilation, Window1D* window);

// Checks stride and dilation (> 0), then computes both spatial windows. `what` names the op's options in
// messages. Errors name the sizes found.
Status ComputeWindows2D(const KernelContext& ctx, const ir::OpOptions& options, int in_h, int in_w, int filter_h,
                        int filter_w, Window1D* window_h, Window1D* window_w);

// Sizes of a 2-D windowed op (CONV_2D, DEPTHWISE_CONV_2D) with NHWC input and output, as its loops read them.
struct Geometry2D {
  int batches = 0, input_height = 0, input_width = 0, input_depth = 0;
  int filter_height = 0, filter_width = 0;
  int output_height = 0, output_width = 0, output_depth = 0;
  int stride_height = 1, stride_width = 1, dilation_height = 1, dilation_width = 1;
  int pad_height = 0, pad_width = 0;  // padding before the first row / column
};

// Fills `g` from the 4-D input [N, H, W, C], the filter's spatial size (its dimensions 1 and 2), `output_depth` and
// the op's stride, dilation and padding options (ComputeWindows2D's checks and messages).
Status ComputeGeometry2D(const KernelContext& ctx, const TensorRef& input, const TensorRef& filter, int output_depth,
                         Geometry2D* g);

// Fused activation check: none, relu, relu_n1_to_1, relu6 are supported; tanh and sign_bit are rejected.
Status CheckFusedActivation(const KernelContext& ctx);

// Per-channel requantization (TFLite PopulateConvolutionQuantizationParams): for each channel c,
//   M_c = double(input_scale) * double(filter_scale[c]) / double(output_scale), encoded by QuantizeMultiplier.
// A per-tensor filter scale (one value) is broadcast to all channels.
void PerChannelMultipliers(float input_scale, const std::vector<float>& filter_scales, float output_scale,
                           int num_channels, std::vector<int32_t>* output_multiplier, std::vector<int>* output_shift);

// Per-tensor real multiplier of the legacy paths (TFLite GetQuantizedConvolutionMultipler, used by uint8
// conv/depthwise and per-tensor FULLY_CONNECTED): the scale product is taken in float, then divided in double.
double LegacyRealMultiplier(float input_scale, float filter_scale, float output_scale);

// Requires per-tensor quantization (one scale > 0, finite, and one zero point in the dtype's range).
Status CheckPerTensorQuant(const KernelContext& ctx, const TensorRef& t, const char* role);

// Requires the filter's scales to be per-tensor or per-axis along `channel_dim` with `channels` entries,
// every scale finite and > 0, and (when `symmetric`) every zero point 0.
Status CheckFilterQuant(const KernelContext& ctx, const TensorRef& filter, int channel_dim, int channels,
                        bool symmetric);

// Requires an optional bias of `dtype` with `channels` elements; quantized biases must have zero point 0.
Status CheckBias(const KernelContext& ctx, const TensorRef* bias, DType dtype, int64_t channels);

// Requires the output's dtype to be `dtype`.
Status CheckOutputDType(const KernelContext& ctx, const TensorRef& output, DType dtype);

// TFLite GetQuantizedConvolutionMultipler's bias check for the legacy per-tensor paths: when the bias carries
// a scale, |input_scale * filter_scale - bias_scale| / output_scale must be <= 0.02.
Status CheckLegacyBiasScale(const KernelContext& ctx, const TensorRef* bias, float input_scale, float filter_scale,
                            float output_scale);

// Element count of a tensor, rejecting negative dims and counts above INT32_MAX (the kernels index with int).
Status CheckedNumElements(const KernelContext& ctx, const TensorRef& t, int64_t* count);

// Hybrid kernels: float inputs quantized to int8 at run time, one row (batch) at a time, following TFLite's
// tensor_utils portable functions exactly (float arithmetic where TFLite uses float, double where it uses double).
//
// SymmetricQuantizeFloats: range = max(|min|, |max|) in float; all-zero range -> zeros, scaling_factor 1;
// otherwise scaling_factor = range / 127, q = round(x * (127 / range)) clamped to [-127, 127].
void SymmetricQuantizeFloats(const float* values, int size, int8_t* quantized, float* scaling_factor);
// AsymmetricQuantizeFloats: range [min(0, min), max(0, max)] in double, scale = range / 255, zero point chosen
// like ChooseQuantizationParams (nudged to [-128, 127]); scaling_factor = float(scale);
// q = round(offset + x * (1.0f / scaling_factor)) in float, clamped to [-128, 127]. `offset` is the zero point.
void AsymmetricQuantizeFloats(const float* values, int size, int8_t* quantized, float* scaling_factor,
                              int32_t* offset);

// What the two functions above derive from a row's lowest and highest value (the optimized kernels quantize
// with these, see ops/common/hybrid.h): q = clamp(round(float(zero_point) + x * inv), qmin, qmax), round half
// away from zero, the product and the sum each rounded to float (symmetric rows: zero_point 0). `all_zero`: the
// row is quantized to zeros with scaling_factor 1 and zero point 0.
struct RowQuantization {
  float scaling_factor = 1.0f;
  float inv = 0.0f;
  int32_t zero_point = 0;
  int32_t qmin = -127, qmax = 127;
  bool all_zero = true;
};
RowQuantization SymmetricRowQuantization(float min_value, float max_value);
RowQuantization AsymmetricRowQuantization(float min_value, float max_value);

// The run-time quantized input of a hybrid kernel: `rows` rows of `row_size` floats (a batch image for the
// convolutions, a batch row for FULLY_CONNECTED), each quantized on its own. Allocate at prepare time, so that
// Quantize does not allocate.
struct HybridInput {
  int rows = 0, row_size = 0;
  std::vector<int8_t> quantized;       // [rows, row_size]
  std::vector<float> scaling_factors;  // [rows]
  std::vector<int32_t> zero_points;    // [rows]; 0 for symmetric rows

  void Allocate(int num_rows, int num_row_elements);
  // Every row by AsymmetricQuantizeFloats when `asymmetric`, else by SymmetricQuantizeFloats (zero point 0).
  void Quantize(const float* input, bool asymmetric);
};

// Requantization of the int8/uint8 kernels (hybrid and float paths are unaffected).
//  - kTflite (default): TFLite's built-in kernels: fixed-point multiplier from QuantizeMultiplier, double rounding.
//  - kXnnpack: what TFLite runs when its default XNNPACK delegate takes the op (the official WASM runtimes do, for
//    QS8 and QU8 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED): scale_c = input_scale * filter_scale[c] /
//    output_scale evaluated in float, out = round_half_to_even(float(acc) * scale_c) + output_zero_point, clamped
//    in float before rounding. An op whose scales XNNPACK would refuse (scale >= 256, or an int8 filter with a
//    non-zero zero point) keeps the kTflite formula, as TFLite falls back to its built-in kernel there.
// The mode is KernelContext::numerics (kTfliteRuntime = the XNNPACK formula where XNNPACK takes the op).

// XNNPACK requantization scales (float arithmetic, per channel, a single filter scale broadcast). Returns false
// when XNNPACK would refuse them (any scale >= 256 or not finite).
bool XnnpackRequantScales(float input_scale, const std::vector<float>& filter_scales, float output_scale,
                          int num_channels, std::vector<float>* scales);

// XNNPACK's fp32 requantization: float product, clamp to the activation range (shifted by the zero point), round
// half to even (the default floating-point rounding mode), add the zero point.
inline int32_t XnnpackRequantize(int32_t acc, float scale, int32_t output_offset, int32_t act_min, int32_t act_max) {
  float v = static_cast<float>(acc) * scale;
  const float lo = static_cast<float>(act_min - output_offset);
  const float hi = static_cast<float>(act_max - output_offset);
  v = v < lo ? lo : (v > hi ? hi : v);
  return static_cast<int32_t>(std::nearbyint(v)) + output_offset;
}

// Clamp of a float result to the fused-activation range (TFLite ActivationFunctionWithMinMax).
inline float ClampFloat(float x, float lo, float hi) {
  const float y = x < lo ? lo : x;
  return y > hi ? hi : y;
}
inline int32_t ClampInt(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }

// Everything the int8/uint8 kernels need to turn acc = sum (filter + filter_offset) * (input + input_offset) + bias
// into an output value (see Requantize).
struct QuantizedParams {
  int32_t input_offset = 0;   // -input zero point
  int32_t filter_offset = 0;  // -filter zero point (legacy per-tensor paths; 0 for symmetric filters)
  int32_t output_offset = 0;  // output zero point
  std::vector<int32_t> output_multiplier;  // per channel; the legacy paths repeat their one multiplier
  std::vector<int> output_shift;           // per channel; positive = left shift
  int32_t output_activation_min = 0, output_activation_max = 0;
  bool xnnpack_requant = false;      // Numerics::kTfliteRuntime and XNNPACK would take the op
  std::vector<float> xnnpack_scale;  // per channel, 0-padded to a multiple of 16
};

// How a kernel lays out and names its filter, for PrepareQuantized.
struct FilterSpec {
  int channels = 0;       // output channels: the number of per-axis scales expected
  int quantized_dim = 0;  // the filter dimension per-axis scales run along
  const char* noun = "filter";  // "filter" or "weights", as the kernel's messages call it
  const char* verb = "is";      // "is" or "are", agreeing with noun
  // FULLY_CONNECTED: an int8 filter with at most one scale takes the legacy per-tensor path (any zero point,
  // multiplier from the float scale product). Otherwise int8 filters are symmetric and use per-channel
  // multipliers (PopulateConvolutionQuantizationParams), a single scale broadcast to all channels.
  bool int8_per_tensor_legacy = false;
};

// Prepare of the int8/uint8/int16x8 paths (input dtype int8, uint8 or int16; bias optional): checks the filter and
// output dtypes, per-tensor input and output quantization, the filter's quantization and the int32 bias (int64 for
// int16 inputs, whose filter is int8 and whose input and output zero points must be 0), then fills `params`.
// uint8 filters (and FilterSpec::int8_per_tensor_legacy int8 ones) take the legacy per-tensor path: one scale,
// filter_offset = -zero point, bias scale check and multiplier as TFLite GetQuantizedConvolutionMultipler.
// XNNPACK requantization is chosen under Numerics::kTfliteRuntime when XNNPACK takes the op: its int8 (QS8)
// kernels need a symmetric filter, its uint8 (QU8) ones take a filter zero point.
Status PrepareQuantized(const KernelContext& ctx, const TensorRef& input, const TensorRef& filter,
                        const TensorRef* bias, const TensorRef& output, const FilterSpec& spec,
                        QuantizedParams* params);

// Output value of channel `channel` from its accumulator (bias included): XNNPACK's fp32 formula or TFLite's
// fixed-point multiplier, then + output zero point and clamp to the activation range.
inline int32_t Requantize(const QuantizedParams& p, int32_t acc, int channel) {
  if (p.xnnpack_requant)
    return XnnpackRequantize(acc, p.xnnpack_scale[channel], p.output_offset, p.output_activation_min,
                             p.output_activation_max);
  // The zero point is added in 64 bits: a saturated product plus a zero point must clamp, not overflow.
  const int64_t v =
      int64_t{qmath::MultiplyByQuantizedMultiplier(acc, p.output_multiplier[channel], p.output_shift[channel])} +
      p.output_offset;
  return static_cast<int32_t>(std::clamp<int64_t>(v, p.output_activation_min, p.output_activation_max));
}

// The kernel variant of a conv-family op, chosen at prepare time by SelectKind and dispatched by EvalByKind.
enum class Kind { kFloat, kHybrid, kInt8, kUInt8, kInt16 };

// Whether a kernel's optimized (GEMM / depthwise) path exists for the variant: int16x8 runs the reference loops
// only, as TFLite does for it.
inline bool HasFastPath(Kind kind) { return kind != Kind::kInt16; }

// float32 input and filter: kFloat; float32 input with an int8 filter: kHybrid; int8, uint8 or int16 input: kInt8,
// kUInt8 or kInt16 (PrepareQuantized checks the filter's dtype). Any other combination is rejected; `filter_noun` ("filter"
// or "weights") names the filter in the message.
Status SelectKind(const KernelContext& ctx, const TensorRef& input, const TensorRef& filter, const char* filter_noun,
                  Kind* kind);

// The part of a conv-family kernel's state that the shared eval code reads; each kernel's state derives from it.
struct KernelState : OpState {
  Kind kind = Kind::kFloat;
  float float_activation_min = 0, float_activation_max = 0;
  QuantizedParams quant;  // int8, uint8 and int16x8 paths
};

// The arithmetic a kernel's loop nest runs: for each output element, acc = Acc(0) plus
// Tap(batch, input_value, filter_value) for every in-image tap, then output = Finish(acc, batch, channel).
// The float and int8/uint8 paths are the same in every kernel; the hybrid paths bring their own.
//
// float32: acc = sum input * filter, output = clamp(acc + bias).
struct FloatArithmetic {
  using Acc = float;
  const float* bias;  // nullptr when absent
  float act_min, act_max;
  float Tap(int /*batch*/, float input, float filter) const { return input * filter; }
  float Finish(float acc, int /*batch*/, int channel) const {
    const float bias_value = bias ? bias[channel] : 0.0f;
    return ClampFloat(acc + bias_value, act_min, act_max);
  }
};

// int8 and uint8 (T): acc = sum (filter + filter_offset) * (input + input_offset) + bias, requantized per channel.
template <typename T>
struct QuantizedArithmetic {
  // The int32 accumulator of TFLite's kernels, kept as uint32 so that sums a corrupt model pushes past int32
  // wrap around (as TFLite's do in practice) instead of being undefined behaviour. Valid models never wrap.
  using Acc = uint32_t;
  const QuantizedParams& params;
  const int32_t* bias;  // nullptr when absent
  int32_t Tap(int /*batch*/, int32_t input, int32_t filter) const {
    return (filter + params.filter_offset) * (input + params.input_offset);
  }
  T Finish(uint32_t acc, int /*batch*/, int channel) const {
    if (bias) acc += static_cast<uint32_t>(bias[channel]);
    return static_cast<T>(Requantize(params, static_cast<int32_t>(acc), channel));
  }
};

// int16x8: acc = sum (filter + filter_offset) * input in 64 bits (input zero point 0), + int64 bias, then the 64-bit
// MultiplyByQuantizedMultiplier and the activation clamp (output zero point 0, so no offset is added).
struct Int16x8Arithmetic {
  // Kept as uint64 so that a corrupt int64 bias wraps around instead of being undefined behaviour.
  using Acc = uint64_t;
  const QuantizedParams& params;
  const int64_t* bias;  // nullptr when absent
  int32_t Tap(int /*batch*/, int32_t input, int32_t filter) const { return (filter + params.filter_offset) * input; }
  int16_t Finish(uint64_t acc, int /*batch*/, int channel) const {
    if (bias) acc += static_cast<uint64_t>(bias[channel]);
    const int32_t scaled = qmath::MultiplyByQuantizedMultiplier(static_cast<int64_t>(acc),
                                                                params.output_multiplier[channel],
                                                                params.output_shift[channel]);
    return static_cast<int16_t>(ClampInt(scaled, params.output_activation_min, params.output_activation_max));
  }
};

// Eval of a conv-family kernel (inputs input, filter and optional bias; one output) for the Kind chosen at prepare
// time. The float, int8, uint8 and int16x8 paths run the kernel's loop nest with the shared arithmetic,
//   loop(const In* input, const Filter* filter, Out* output, const Arithmetic& arithmetic)
// (FloatArithmetic, QuantizedArithmetic<int8_t>, QuantizedArithmetic<uint8_t> or Int16x8Arithmetic); the hybrid
// path calls
//   eval_hybrid(const float* input, const int8_t* filter, const float* bias, float* output)   (bias nullptr if absent).
template <typename Loop, typename EvalHybrid>
void EvalByKind(KernelContext& ctx, const KernelState& s, Loop&& loop, EvalHybrid&& eval_hybrid) {
  const TensorRef& input = *ctx.input(0);
  const TensorRef& filter = *ctx.input(1);
  const TensorRef* bias = ctx.input(2);
  TensorRef& output = *ctx.output(0);
  switch (s.kind) {
    case Kind::kFloat:
      loop(input.as<float>(), filter.as<float>(), output.as<float>(),
           FloatArithmetic{bias ? bias->as<float>() : nullptr, s.float_activation_min, s.float_activation_max});
      break;
    case Kind::kHybrid:
      eval_hybrid(input.as<float>(), filter.as<int8_t>(), bias ? bias->as<float>() : nullptr, output.as<float>());
      break;
    case Kind::kInt8:
      loop(input.as<int8_t>(), filter.as<int8_t>(), output.as<int8_t>(),
           QuantizedArithmetic<int8_t>{s.quant, bias ? bias->as<int32_t>() : nullptr});
      break;
    case Kind::kUInt8:
      loop(input.as<uint8_t>(), filter.as<uint8_t>(), output.as<uint8_t>(),
           QuantizedArithmetic<uint8_t>{s.quant, bias ? bias->as<int32_t>() : nullptr});
      break;
    case Kind::kInt16:
      loop(input.as<int16_t>(), filter.as<int8_t>(), output.as<int16_t>(),
           Int16x8Arithmetic{s.quant, bias ? bias->as<int64_t>() : nullptr});
      break;
  }
}

}  // namespace liteopt::ops::conv
