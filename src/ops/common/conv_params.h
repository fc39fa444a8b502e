// Shared helpers of the conv family (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED): TFLite's padding and
// output-size rules, requantization multipliers, quantization-parameter checks and the on-the-fly input
// quantization of the hybrid (dynamic-range) kernels.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace liteopt::ops::conv
