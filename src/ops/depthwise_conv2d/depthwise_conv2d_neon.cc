// NEON build of the optimized depthwise loops (baseline armv8-a, so every 64-bit ARM core runs it; chosen for
// Isa::kNeon and Isa::kNeonDot). The loops are depthwise_conv2d_fast_impl.h's SIMD ones (LITEOPT_DEPTHWISE_NEON):
// the quantized window rows are widened to int16 once per output row, then every pixel's taps are fixed offsets.
// The primitives those loops call are defined here, before the include, with AVX2's signatures and units:
//   WidenValues        int8 / uint8 -> int16 with the input offset added (sxtl / uxtl, add);
//   AccumulatePairs16  16 channels over pairs of taps, smlal into int32 lanes (wrapping like the reference's
//                      accumulator, so the sums are the reference's bit for bit), reading the filter pairs in the
//                      AVX2 order that FastParams::filter_pairs has (PairSlot);
//   AccumulatePairs8   8 channels after the last whole block (filter pairs in channel order);
//   AccumulateFloat    kVectors * 8 channels of FMA, even and odd taps in separate chains, within kF32Tolerance.
// Everything has internal linkage except Get().
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "ops/depthwise_conv2d/depthwise_conv2d_fast.h"

namespace liteopt::ops::depthwise {
namespace {

// out[i] = src[i] + offset as int16, for i < n.
template <typename T>
inline void WidenValues(const T* src, size_t n, int32_t offset, int16_t* out) {
  const int16x8_t off = vdupq_n_s16(static_cast<int16_t>(offset));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    int16x8_t lo, hi;
    if constexpr (std::is_same_v<T, int8_t>) {
      const int8x16_t x = vld1q_s8(src + i);
      lo = vmovl_s8(vget_low_s8(x));
      hi = vmovl_high_s8(x);
    } else {
      const uint8x16_t x = vld1q_u8(src + i);
      lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(x)));
      hi = vreinterpretq_s16_u16(vmovl_high_u8(x));
    }
    vst1q_s16(out + i, vaddq_s16(lo, off));
    vst1q_s16(out + i + 8, vaddq_s16(hi, off));
  }
  for (; i < n; ++i) out[i] = static_cast<int16_t>(static_cast<int32_t>(src[i]) + offset);
}

// 16 channels over pairs of widened taps. In PairSlot's order the first 16 filter values of a pair hold both taps
// of channels 0-3 then 8-11, the next 16 those of channels 4-7 then 12-15: vld2q splits each run into the two
// taps, and the halves of the input vectors are matched to them without any shuffle.
inline void AccumulatePairs16(const int16_t* const* in, int pairs, const int16_t* filter_pairs, int channels, int c0,
                              uint32_t* acc) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0, a2 = a0, a3 = a0;  // channels 0-3, 4-7, 8-11, 12-15
  for (int j = 0; j < pairs; ++j) {
    const int16_t* xa = in[2 * j] + c0;
    const int16_t* xb = in[2 * j + 1] + c0;
    const int16x8_t xa0 = vld1q_s16(xa), xa1 = vld1q_s16(xa + 8), xb0 = vld1q_s16(xb), xb1 = vld1q_s16(xb + 8);
    const int16_t* w = filter_pairs + (static_cast<size_t>(j) * channels + c0) * 2;
    // val[0]: tap 2j, val[1]: tap 2j + 1; w08 channels 0-3 | 8-11, w4c channels 4-7 | 12-15.
    const int16x8x2_t w08 = vld2q_s16(w), w4c = vld2q_s16(w + 16);
    a0 = vmlal_s16(a0, vget_low_s16(xa0), vget_low_s16(w08.val[0]));
    a0 = vmlal_s16(a0, vget_low_s16(xb0), vget_low_s16(w08.val[1]));
    a1 = vmlal_s16(a1, vget_high_s16(xa0), vget_low_s16(w4c.val[0]));
    a1 = vmlal_s16(a1, vget_high_s16(xb0), vget_low_s16(w4c.val[1]));
    a2 = vmlal_s16(a2, vget_low_s16(xa1), vget_high_s16(w08.val[0]));
    a2 = vmlal_s16(a2, vget_low_s16(xb1), vget_high_s16(w08.val[1]));
    a3 = vmlal_high_s16(a3, xa1, w4c.val[0]);
    a3 = vmlal_high_s16(a3, xb1, w4c.val[1]);
  }
  vst1q_u32(acc, vreinterpretq_u32_s32(a0));
  vst1q_u32(acc + 4, vreinterpretq_u32_s32(a1));
  vst1q_u32(acc + 8, vreinterpretq_u32_s32(a2));
  vst1q_u32(acc + 12, vreinterpretq_u32_s32(a3));
}

// 8 channels after the last whole block of 16 (filter pairs in channel order).
inline void AccumulatePairs8(const int16_t* const* in, int pairs, const int16_t* filter_pairs, int channels, int c0,
                             uint32_t* acc) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = a0;
  for (int j = 0; j < pairs; ++j) {
    const int16x8_t xa = vld1q_s16(in[2 * j] + c0), xb = vld1q_s16(in[2 * j + 1] + c0);
    const int16x8x2_t w = vld2q_s16(filter_pairs + (static_cast<size_t>(j) * channels + c0) * 2);
    a0 = vmlal_s16(a0, vget_low_s16(xa), vget_low_s16(w.val[0]));
    a0 = vmlal_s16(a0, vget_low_s16(xb), vget_low_s16(w.val[1]));
    a1 = vmlal_high_s16(a1, xa, w.val[0]);
    a1 = vmlal_high_s16(a1, xb, w.val[1]);
  }
  vst1q_u32(acc, vreinterpretq_u32_s32(a0));
  vst1q_u32(acc + 4, vreinterpretq_u32_s32(a1));
}

// Stores bias + acc clamped to [lo, hi], NaN passing through like conv::ClampFloat (explicit selects: fmaxnm /
// fminnm would drop NaN), 4 floats.
inline void StoreF4(float32x4_t acc, const float* bias, float32x4_t lo, float32x4_t hi, float* out) {
  const float32x4_t x = vaddq_f32(acc, vld1q_f32(bias));
  const float32x4_t y = vbslq_f32(vcltq_f32(x, lo), lo, x);
  vst1q_f32(out, vbslq_f32(vcgtq_f32(y, hi), hi, y));
}

// kVectors * 8 channels (AVX2's unit, so the calling loop is shared), two float32x4 per 8; in[t] / w[t]: tap t's
// input pixel and filter tap (channel 0). Even and odd taps sum into separate accumulators (half-length FMA
// chains), added at the end: a rounding-order difference within kF32Tolerance, as AVX2's.
template <int kVectors>
inline void AccumulateFloat(const float* const* in, const float* const* w, int n, int c0, const float* bias, float lo,
                            float hi, float* out) {
  constexpr int kQuads = 2 * kVectors;
  float32x4_t even[kQuads], odd[kQuads];
  for (int v = 0; v < kQuads; ++v) even[v] = odd[v] = vdupq_n_f32(0.0f);
  int t = 0;
  for (; t + 2 <= n; t += 2) {
    const float* x0 = in[t] + c0;
    const float* x1 = in[t + 1] + c0;
    const float* w0 = w[t] + c0;
    const float* w1 = w[t + 1] + c0;
    for (int v = 0; v < kQuads; ++v) {
      even[v] = vfmaq_f32(even[v], vld1q_f32(x0 + 4 * v), vld1q_f32(w0 + 4 * v));
      odd[v] = vfmaq_f32(odd[v], vld1q_f32(x1 + 4 * v), vld1q_f32(w1 + 4 * v));
    }
  }
  if (t < n) {
    const float* x0 = in[t] + c0;
    const float* w0 = w[t] + c0;
    for (int v = 0; v < kQuads; ++v) even[v] = vfmaq_f32(even[v], vld1q_f32(x0 + 4 * v), vld1q_f32(w0 + 4 * v));
  }
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  for (int v = 0; v < kQuads; ++v) StoreF4(vaddq_f32(even[v], odd[v]), bias + c0 + 4 * v, vlo, vhi, out + c0 + 4 * v);
}

}  // namespace
}  // namespace liteopt::ops::depthwise

#define LITEOPT_DEPTHWISE_NEON 1
#include "ops/depthwise_conv2d/depthwise_conv2d_fast_impl.h"

namespace liteopt::ops::depthwise::neon {

const Kernels& Get() {
  static const Kernels k = {&RunS8, &RunU8, &RunFloat, &RunHybrid};
  return k;
}

}  // namespace liteopt::ops::depthwise::neon
#endif
