// aarch64 Advanced SIMD (NEON) microkernels of ops/common/gemm.h: baseline armv8-a, so they run on every 64-bit ARM
// core (Raspberry Pi 3/4/5 included) and are chosen when IsaAvailable(Isa::kNeon). Internal linkage only.
//
// Quantized tile: the int16 pairs of B (packed [p][channel][2]) are split by vld2q into the even-k and odd-k
// weights of 8 channels, and each is multiplied by one int16 of A with smlal / smlal2 by lane (a widening
// multiply-accumulate into int32 lanes, wrapping like the reference's int32 accumulator): 8 instructions per row
// and pair of k for 16 channels. int8-stored weights (PackedQ::data8) are split by one vld2q of bytes and
// sign-extended (sxtl / sxtl2) into the same registers, so multi-row layers keep int8 storage on NEON too (half the
// weight bytes through the caches). The fp32 (XNNPACK) requantization and the hybrid scaling are the reference's
// IEEE operations, one vector of 4 channels at a time.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "ops/common/gemm.h"

namespace liteopt::ops::gemm::neon {
namespace {

constexpr int kMrQ = 4;  // rows of the NEON quantized tile (Kernels::mr_q)
static_assert(kNr == 16 && kMrF == 6 && kMrQ <= kMaxMrQ);

// 4 rows x 16 channels of int32 accumulators, 4 channels per vector.
struct TileQ {
  int32x4_t c[kMrQ][4];
};

// The weights of one pair of k for 16 channels at b (packed [channel][2]) as int16: even-k / odd-k of channels
// 0-7 in e0.val[0] / e0.val[1], of channels 8-15 in e1. int16 storage: two vld2q. int8 storage (PackedQ::data8,
// same layout): one vld2q of 32 bytes, then the halves sign-extended (sxtl / sxtl2).
inline void LoadWeights(const int16_t* b, int16x8x2_t& e0, int16x8x2_t& e1) {
  e0 = vld2q_s16(b);
  e1 = vld2q_s16(b + 16);
}
inline void LoadWeights(const int8_t* b, int16x8x2_t& e0, int16x8x2_t& e1) {
  const int8x16x2_t v = vld2q_s8(b);
  e0.val[0] = vmovl_s8(vget_low_s8(v.val[0]));
  e0.val[1] = vmovl_s8(vget_low_s8(v.val[1]));
  e1.val[0] = vmovl_high_s8(v.val[0]);
  e1.val[1] = vmovl_high_s8(v.val[1]);
}

// acc[0..3] (channels 0-3, 4-7, 8-11, 12-15) += the pair of k in e0 / e1 times lanes kLo and kHi of av.
template <int kLo, int kHi>
inline void MulAddPair(int32x4_t* acc, const int16x8x2_t& e0, const int16x8x2_t& e1, int16x8_t av) {
  acc[0] = vmlal_laneq_s16(acc[0], vget_low_s16(e0.val[0]), av, kLo);
  acc[1] = vmlal_high_laneq_s16(acc[1], e0.val[0], av, kLo);
  acc[2] = vmlal_laneq_s16(acc[2], vget_low_s16(e1.val[0]), av, kLo);
  acc[3] = vmlal_high_laneq_s16(acc[3], e1.val[0], av, kLo);
  acc[0] = vmlal_laneq_s16(acc[0], vget_low_s16(e0.val[1]), av, kHi);
  acc[1] = vmlal_high_laneq_s16(acc[1], e0.val[1], av, kHi);
  acc[2] = vmlal_laneq_s16(acc[2], vget_low_s16(e1.val[1]), av, kHi);
  acc[3] = vmlal_high_laneq_s16(acc[3], e1.val[1], av, kHi);
}

// The int16 pair of row a at pair p in lanes 0 and 1 (the others are unused).
inline int16x8_t LoadPair(const int16_t* a) {
  int32_t v;
  std::memcpy(&v, a, 4);
  return vreinterpretq_s16_s32(vdupq_n_s32(v));
}

// W: int16_t (PackedQ::data) or int8_t (PackedQ::data8); both layouts have the same element offsets.
template <typename W>
TileQ AccumulateQ(int k_pairs, const int16_t* a, int lda, const W* b) {
  TileQ t;
  for (int r = 0; r < kMrQ; ++r)
    for (int j = 0; j < 4; ++j) t.c[r][j] = vdupq_n_s32(0);
  const int16_t* rows[kMrQ] = {a, a + lda, a + 2 * lda, a + 3 * lda};
  int p = 0;
  // Four pairs of k per step: one 8-value load of A per row, lanes (0,1) (2,3) (4,5) (6,7).
  for (; p + 4 <= k_pairs; p += 4) {
    int16x8x2_t e00, e01, e10, e11, e20, e21, e30, e31;
    LoadWeights(b, e00, e01);
    LoadWeights(b + 32, e10, e11);
    LoadWeights(b + 64, e20, e21);
    LoadWeights(b + 96, e30, e31);
    b += 128;
#pragma GCC unroll 4
    for (int r = 0; r < kMrQ; ++r) {
      const int16x8_t av = vld1q_s16(rows[r] + 2 * p);
      MulAddPair<0, 1>(t.c[r], e00, e01, av);
      MulAddPair<2, 3>(t.c[r], e10, e11, av);
      MulAddPair<4, 5>(t.c[r], e20, e21, av);
      MulAddPair<6, 7>(t.c[r], e30, e31, av);
    }
  }
  for (; p < k_pairs; ++p) {
    int16x8x2_t e0, e1;
    LoadWeights(b, e0, e1);
    b += 32;
#pragma GCC unroll 4
    for (int r = 0; r < kMrQ; ++r) {
      const int16x8_t av = LoadPair(rows[r] + 2 * p);
      MulAddPair<0, 1>(t.c[r], e0, e1, av);
    }
  }
  return t;
}

void StoreTile(const TileQ& t, int32_t* acc) {
  for (int r = 0; r < kMrQ; ++r)
    for (int j = 0; j < 4; ++j) vst1q_s32(acc + r * kNr + 4 * j, t.c[r][j]);
}

void GemmQ(int k_pairs, const int16_t* a, int lda, const int16_t* b, int32_t* acc) {
  StoreTile(AccumulateQ(k_pairs, a, lda, b), acc);
}

// dst = src + offset as int16, 16 values per step.
void WidenS8(const int8_t* src, int n, int32_t offset, int16_t* dst) {
  const int16x8_t off = vdupq_n_s16(static_cast<int16_t>(offset));
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const int8x16_t x = vld1q_s8(src + i);
    vst1q_s16(dst + i, vaddq_s16(vmovl_s8(vget_low_s8(x)), off));
    vst1q_s16(dst + i + 8, vaddq_s16(vmovl_high_s8(x), off));
  }
  for (; i < n; ++i) dst[i] = static_cast<int16_t>(static_cast<int32_t>(src[i]) + offset);
}
void WidenU8(const uint8_t* src, int n, int32_t offset, int16_t* dst) {
  const int16x8_t off = vdupq_n_s16(static_cast<int16_t>(offset));
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint8x16_t x = vld1q_u8(src + i);
    vst1q_s16(dst + i, vaddq_s16(vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(x))), off));
    vst1q_s16(dst + i + 8, vaddq_s16(vreinterpretq_s16_u16(vmovl_high_u8(x)), off));
  }
  for (; i < n; ++i) dst[i] = static_cast<int16_t>(static_cast<int32_t>(src[i]) + offset);
}

// Stores the first `cols` of 16 bytes.
inline void StoreBytes(uint8x16_t bytes, int cols, uint8_t* o) {
  if (cols == 16) {
    vst1q_u8(o, bytes);
  } else {
    uint8_t tmp[16];
    vst1q_u8(tmp, bytes);
    std::memcpy(o, tmp, static_cast<size_t>(cols));
  }
}

// XNNPACK's fp32 requantization (conv::XnnpackRequantize) as the same IEEE single operations: convert (scvtf:
// round to nearest even), multiply, clamp, convert back rounding to nearest even (fcvtns, as std::nearbyint under
// the default rounding mode), add the zero point. The fixed-point formula falls back to the portable code.
struct Fp32Requant {
  float32x4_t s[4], lo, hi;
  int32x4_t bias[4], zp;
  bool uint8;

  Fp32Requant(const conv::QuantizedParams& p, const int32_t* b, int cols, int c0, bool u8) : uint8(u8) {
    const float* scale = p.xnnpack_scale.data() + c0;
    float scale16[16] = {};
    int32_t bias16[16] = {};
    if (cols < 16) {  // a partial block: copy, so that no load reads past the last channel
      std::memcpy(scale16, scale, sizeof(float) * cols);
      std::memcpy(bias16, b, sizeof(int32_t) * cols);
      scale = scale16;
      b = bias16;
    }
    for (int j = 0; j < 4; ++j) {
      s[j] = vld1q_f32(scale + 4 * j);
      bias[j] = vld1q_s32(b + 4 * j);
    }
    lo = vdupq_n_f32(static_cast<float>(p.output_activation_min - p.output_offset));
    hi = vdupq_n_f32(static_cast<float>(p.output_activation_max - p.output_offset));
    zp = vdupq_n_s32(p.output_offset);
  }

  int32x4_t Quarter(int32x4_t acc, int j) const {
    const float32x4_t f = vmulq_f32(vcvtq_f32_s32(vaddq_s32(acc, bias[j])), s[j]);
    return vaddq_s32(vcvtnq_s32_f32(vminq_f32(vmaxq_f32(f, lo), hi)), zp);
  }

  // 16 accumulators of one row -> 16 output bytes, `cols` of them stored. The values are within the activation
  // range, so the narrowing never saturates.
  void Row(const int32x4_t* acc, int cols, uint8_t* o) const {
    const int16x8_t w0 = vcombine_s16(vqmovn_s32(Quarter(acc[0], 0)), vqmovn_s32(Quarter(acc[1], 1)));
    const int16x8_t w1 = vcombine_s16(vqmovn_s32(Quarter(acc[2], 2)), vqmovn_s32(Quarter(acc[3], 3)));
    const uint8x16_t bytes = uint8 ? vcombine_u8(vqmovun_s16(w0), vqmovun_s16(w1))
                                   : vreinterpretq_u8_s8(vcombine_s8(vqmovn_s16(w0), vqmovn_s16(w1)));
    StoreBytes(bytes, cols, o);
  }
};

// Loads 16 accumulators of a row that may hold only `cols` valid values (no read past them).
inline void LoadRow(const int32_t* a, int cols, int32x4_t* v) {
  int32_t part[16] = {};
  if (cols < 16) {
    std::memcpy(part, a, sizeof(int32_t) * cols);
    a = part;
  }
  for (int j = 0; j < 4; ++j) v[j] = vld1q_s32(a + 4 * j);
}

void Requant(const int32_t* acc, int acc_stride, int rows, int cols, const int32_t* bias, int c0,
             const QuantEpilogue& e, uint8_t* out, int out_stride) {
  if (!e.params->xnnpack_requant) {
    RequantPortable(acc, acc_stride, rows, cols, bias, c0, e, out, out_stride);
    return;
  }
  const Fp32Requant rq(*e.params, bias, cols, c0, e.uint8);
  for (int r = 0; r < rows; ++r) {
    int32x4_t v[4];
    LoadRow(acc + static_cast<size_t>(r) * acc_stride, cols, v);
    rq.Row(v, cols, out + static_cast<size_t>(r) * out_stride);
  }
}

template <typename W>
void GemmQRequant(int k_pairs, const int16_t* a, int lda, const W* b, int rows, int cols, const int32_t* bias,
                  int c0, const QuantEpilogue& e, uint8_t* out, int out_stride) {
  const TileQ t = AccumulateQ(k_pairs, a, lda, b);
  if (!e.params->xnnpack_requant) {
    int32_t acc[kMrQ * kNr];
    StoreTile(t, acc);
    RequantPortable(acc, kNr, rows, cols, bias, c0, e, out, out_stride);
    return;
  }
  const Fp32Requant rq(*e.params, bias, cols, c0, e.uint8);
  for (int r = 0; r < rows; ++r) rq.Row(t.c[r], cols, out + static_cast<size_t>(r) * out_stride);
}

// Clamp to [lo, hi] with NaN passing through like conv::ClampFloat (x < lo ? lo : x, then > hi ? hi : that):
// fmaxnm/fminnm would drop NaN, so the comparisons select explicitly.
inline float32x4_t ClampLikeReference(float32x4_t x, float32x4_t lo, float32x4_t hi) {
  const float32x4_t y = vbslq_f32(vcltq_f32(x, lo), lo, x);
  return vbslq_f32(vcgtq_f32(y, hi), hi, y);
}

inline void StoreFloats(const float32x4_t* y, int cols, float* o) {
  if (cols == 16) {
    for (int j = 0; j < 4; ++j) vst1q_f32(o + 4 * j, y[j]);
  } else {
    float tmp[16];
    for (int j = 0; j < 4; ++j) vst1q_f32(tmp + 4 * j, y[j]);
    std::memcpy(o, tmp, sizeof(float) * cols);
  }
}

// 6 rows x 16 channels of fused multiply-add (24 accumulators); bias and the activation clamp at the end.
void GemmF(int k, const float* const* a, const float* b, const float* bias, float lo, float hi, int rows, int cols,
           float* out, int out_stride) {
  float32x4_t c[kMrF][4];
  for (int r = 0; r < kMrF; ++r)
    for (int j = 0; j < 4; ++j) c[r][j] = vdupq_n_f32(0.0f);
  for (int kk = 0; kk < k; ++kk) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
    b += 16;
#pragma GCC unroll 6
    for (int r = 0; r < kMrF; ++r) {
      const float x = a[r][kk];
      c[r][0] = vfmaq_n_f32(c[r][0], b0, x);
      c[r][1] = vfmaq_n_f32(c[r][1], b1, x);
      c[r][2] = vfmaq_n_f32(c[r][2], b2, x);
      c[r][3] = vfmaq_n_f32(c[r][3], b3, x);
    }
  }
  float32x4_t vb[4];
  for (int j = 0; j < 4; ++j) vb[j] = vld1q_f32(bias + 4 * j);  // padded to whole blocks of kNr
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  for (int r = 0; r < rows; ++r) {
    float32x4_t y[4];
    for (int j = 0; j < 4; ++j) y[j] = ClampLikeReference(vaddq_f32(c[r][j], vb[j]), vlo, vhi);
    StoreFloats(y, cols, out + static_cast<size_t>(r) * out_stride);
  }
}

// The hybrid epilogue (HybridEpilogue) of one row of 16 channels, as the reference's IEEE operations in its order
// (this file is built with -ffp-contract=off on aarch64: no product is fused with the bias addition).
struct HybridRow {
  float32x4_t cs[4], b[4], lo, hi;
  bool bias, row_first;
  int cols;

  HybridRow(const HybridEpilogue& e, int c0, int n) : bias(e.bias != nullptr), row_first(e.scale_row_first), cols(n) {
    for (int j = 0; j < 4; ++j) {
      cs[j] = vld1q_f32(e.channel_scale + c0 + 4 * j);  // padded to whole blocks of kNr
      b[j] = bias ? vld1q_f32(e.bias + c0 + 4 * j) : vdupq_n_f32(0.0f);
    }
    lo = vdupq_n_f32(e.lo);
    hi = vdupq_n_f32(e.hi);
  }

  void operator()(const int32x4_t* acc, float row_scale, float* o) const {
    const float32x4_t rs = vdupq_n_f32(row_scale);
    float32x4_t y[4];
    for (int j = 0; j < 4; ++j) {
      const float32x4_t x = vcvtq_f32_s32(acc[j]);
      float32x4_t v = row_first ? vmulq_f32(vmulq_f32(x, rs), cs[j]) : vmulq_f32(x, vmulq_f32(cs[j], rs));
      if (bias) v = vaddq_f32(v, b[j]);
      y[j] = ClampLikeReference(v, lo, hi);
    }
    StoreFloats(y, cols, o);
  }
};

void Dequant(const int32_t* acc, int acc_stride, int rows, int cols, const float* row_scale, int c0,
             const HybridEpilogue& e, float* out, int out_stride) {
  const HybridRow row(e, c0, cols);
  for (int r = 0; r < rows; ++r) {
    int32x4_t v[4];
    LoadRow(acc + static_cast<size_t>(r) * acc_stride, cols, v);
    row(v, row_scale[r], out + static_cast<size_t>(r) * out_stride);
  }
}

template <typename W>
void GemmQDequant(int k_pairs, const int16_t* a, int lda, const W* b, int rows, int cols, const float* row_scale,
                  int c0, const HybridEpilogue& e, float* out, int out_stride) {
  const TileQ t = AccumulateQ(k_pairs, a, lda, b);
  const HybridRow row(e, c0, cols);
  for (int r = 0; r < rows; ++r) row(t.c[r], row_scale[r], out + static_cast<size_t>(r) * out_stride);
}

// One row x 16 channels of int8-stored weights: AccumulateQ's multiply-accumulate for a single row, four pairs of
// k per step (one 8-value load of A) alternating between two sets of accumulators, summed at the end (wrapping
// addition is associative, so the sums are the reference's bit for bit).
void GemvQ(int k_pairs, const int16_t* a, const int8_t* b, int32_t* acc) {
  int32x4_t c0[4], c1[4];
  for (int j = 0; j < 4; ++j) c0[j] = c1[j] = vdupq_n_s32(0);
  int16x8x2_t e0, e1;
  int p = 0;
  for (; p + 4 <= k_pairs; p += 4, b += 128) {
    const int16x8_t av = vld1q_s16(a + 2 * p);
    LoadWeights(b, e0, e1);
    MulAddPair<0, 1>(c0, e0, e1, av);
    LoadWeights(b + 32, e0, e1);
    MulAddPair<2, 3>(c1, e0, e1, av);
    LoadWeights(b + 64, e0, e1);
    MulAddPair<4, 5>(c0, e0, e1, av);
    LoadWeights(b + 96, e0, e1);
    MulAddPair<6, 7>(c1, e0, e1, av);
  }
  for (; p < k_pairs; ++p, b += 32) {
    LoadWeights(b, e0, e1);
    MulAddPair<0, 1>(c0, e0, e1, LoadPair(a + 2 * p));
  }
  for (int j = 0; j < 4; ++j) vst1q_s32(acc + 4 * j, vaddq_s32(c0[j], c1[j]));
}

// One row x 16 channels of float: four k per step, each into its own accumulators (one FMA chain would wait on
// the FMA latency at every k), summed at the end; a rounding-order difference within kF32Tolerance, as GemmF's.
void GemvF(int k, const float* a, const float* b, const float* bias, float lo, float hi, int cols, float* out) {
  float32x4_t c[4][4];
  for (auto& chain : c)
    for (auto& v : chain) v = vdupq_n_f32(0.0f);
  int kk = 0;
  for (; kk + 4 <= k; kk += 4, b += 64) {
    const float32x4_t x = vld1q_f32(a + kk);
    for (int j = 0; j < 4; ++j) {
      c[0][j] = vfmaq_laneq_f32(c[0][j], vld1q_f32(b + 4 * j), x, 0);
      c[1][j] = vfmaq_laneq_f32(c[1][j], vld1q_f32(b + 16 + 4 * j), x, 1);
      c[2][j] = vfmaq_laneq_f32(c[2][j], vld1q_f32(b + 32 + 4 * j), x, 2);
      c[3][j] = vfmaq_laneq_f32(c[3][j], vld1q_f32(b + 48 + 4 * j), x, 3);
    }
  }
  for (; kk < k; ++kk, b += 16)
    for (int j = 0; j < 4; ++j) c[0][j] = vfmaq_n_f32(c[0][j], vld1q_f32(b + 4 * j), a[kk]);
  float padded_bias[16] = {};  // bias holds `cols` values
  std::memcpy(padded_bias, bias, sizeof(float) * static_cast<size_t>(cols));
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  float32x4_t y[4];
  for (int j = 0; j < 4; ++j) {
    const float32x4_t sum = vaddq_f32(vaddq_f32(c[0][j], c[1][j]), vaddq_f32(c[2][j], c[3][j]));
    y[j] = ClampLikeReference(vaddq_f32(sum, vld1q_f32(padded_bias + 4 * j)), vlo, vhi);
  }
  StoreFloats(y, cols, out);
}

const Kernels kNeonKernels = {Isa::kNeon,
                              &GemmQ,
                              &WidenS8,
                              &WidenU8,
                              &Requant,
                              &GemmQRequant<int16_t>,
                              &GemmF,
                              &Dequant,
                              &GemmQDequant<int16_t>,
                              &GemvQ,
                              &GemmQRequant<int8_t>,
                              &GemmQDequant<int8_t>,
                              &GemvF,
                              nullptr,  // gemm_f_seg: KxK convolutions gather im2col panels for the NEON GemmF
                              nullptr,  // gemm_q8_seg_requant: likewise for the NEON int8 GEMM
                              kMrQ};

}  // namespace

const Kernels& Get() { return kNeonKernels; }

}  // namespace liteopt::ops::gemm::neon
#endif
