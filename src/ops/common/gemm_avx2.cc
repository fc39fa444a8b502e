// AVX2 + FMA microkernels of ops/common/gemm.h. Built with -mavx2 -mfma (CMakeLists.txt) and only called after
// IsaAvailable(Isa::kAvx2); everything here has internal linkage so no AVX2 code can stand in for a shared inline
// function elsewhere.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>
#include <limits>

#include "ops/common/gemm.h"

namespace liteopt::ops::gemm::avx2 {
namespace {

// Rows of the quantized tile (Kernels::mr_q). 6 x 16 keeps 12 accumulators, 2 weight vectors and one broadcast in
// the 16 ymm registers and runs 1.3x the multiply-adds per second of a 4 x 16 tile in the same loop (a register
// microbenchmark on this VM: 48-54 against 38-42 G multiply-adds/s over 64 pairs): the weight loads and their
// sign extension are shared by 6 rows instead of 4.
constexpr int kMrQ = 6;
static_assert(kMrQ <= kMaxMrQ);

// 6 rows x 16 channels: per pair of k, two weight vectors (8 channels x 2 int16 each), one broadcast int16 pair
// per row, vpmaddwd into int32 (exact: |products| <= 255 * 255) and wrapping vpaddd. The accumulators are named
// locals (an array indexed in a loop would live on the stack).
struct TileQ {
  __m256i c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
};

// The int16 pair at p in every int32 lane.
inline __m256i Broadcast2(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// The 16 int16 weights of 8 channels x 2 k at b: loaded as they are, or sign-extended from int8 storage
// (PackedQ::data8, vpmovsxbw: half the bytes from memory for one extra shuffle-port uop).
inline __m256i LoadWeights(const int16_t* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)); }
inline __m256i LoadWeights(const int8_t* b) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)));
}

// Not inlined: inside the requantizing callers GCC spills and shuffles the loop-carried accumulators (measured: a
// stack store and 8 register copies per step); on its own the loop keeps them in registers.
// kHalf: only channels 0-7 are stored (the last block of a layer with N % 16 in 1..8, e.g. 24 output channels), so
// the other half's multiplies are skipped (c01, c11, ..., c51 stay 0).
//
// The rows are `segments` runs of seg_pairs pairs each, run s of row r at rows[r] + s * seg_stride: one run for an
// im2col panel (gemm_q*), a KxK window's filter rows in a zero-bordered image (gemm_q8_seg_requant).
template <typename W, bool kHalf = false>
__attribute__((noinline)) TileQ AccumulateQ(int segments, int seg_pairs, ptrdiff_t seg_stride,
                                            const int16_t* const* rows, const W* b) {
  static_assert(kMrQ == 6 && kNr == 16);
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  __m256i c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int s = 0; s < segments; ++s) {
    const ptrdiff_t off = s * seg_stride;
    const int16_t* a0 = rows[0] + off;
    const int16_t* a1 = rows[1] + off;
    const int16_t* a2 = rows[2] + off;
    const int16_t* a3 = rows[3] + off;
    const int16_t* a4 = rows[4] + off;
    const int16_t* a5 = rows[5] + off;
    // One row at a time: a single broadcast register is live, so the 12 accumulators, 2 weight vectors and the
    // broadcast fit the 16 ymm registers without spills.
    for (int p = 0; p < seg_pairs; ++p) {
      const __m256i b0 = LoadWeights(b);
      const __m256i b1 = kHalf ? b0 : LoadWeights(b + 16);
      b += 32;
      __m256i x = Broadcast2(a0 + 2 * p);
      c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
      if constexpr (!kHalf) c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a1 + 2 * p);
      c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
      if constexpr (!kHalf) c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a2 + 2 * p);
      c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
      if constexpr (!kHalf) c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a3 + 2 * p);
      c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
      if constexpr (!kHalf) c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a4 + 2 * p);
      c40 = _mm256_add_epi32(c40, _mm256_madd_epi16(x, b0));
      if constexpr (!kHalf) c41 = _mm256_add_epi32(c41, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a5 + 2 * p);
      c50 = _mm256_add_epi32(c50, _mm256_madd_epi16(x, b0));
      if constexpr (!kHalf) c51 = _mm256_add_epi32(c51, _mm256_madd_epi16(x, b1));
    }
  }
  return {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
}

// The tile of a block whose stored channels are `cols`.
template <typename W>
TileQ AccumulateCols(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* rows, const W* b,
                     int cols) {
  return cols <= 8 ? AccumulateQ<W, true>(segments, seg_pairs, seg_stride, rows, b)
                   : AccumulateQ<W>(segments, seg_pairs, seg_stride, rows, b);
}

// The kMrQ rows of an im2col panel: one run of k_pairs pairs each, lda apart.
struct PanelRows {
  const int16_t* r[kMrQ];
  PanelRows(const int16_t* a, int lda) : r{a, a + lda, a + 2 * lda, a + 3 * lda, a + 4 * lda, a + 5 * lda} {}
};

void StoreTile(const TileQ& t, int32_t* acc) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 0 * kNr), t.c00);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 0 * kNr + 8), t.c01);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 1 * kNr), t.c10);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 1 * kNr + 8), t.c11);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 2 * kNr), t.c20);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 2 * kNr + 8), t.c21);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 3 * kNr), t.c30);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 3 * kNr + 8), t.c31);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 4 * kNr), t.c40);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 4 * kNr + 8), t.c41);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 5 * kNr), t.c50);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 5 * kNr + 8), t.c51);
}

void GemmQ(int k_pairs, const int16_t* a, int lda, const int16_t* b, int32_t* acc) {
  StoreTile(AccumulateQ(1, k_pairs, 0, PanelRows(a, lda).r, b), acc);
}

// dst = src + offset as int16, 16 values per step.
template <bool kUnsigned>
void Widen(const uint8_t* src, int n, int32_t offset, int16_t* dst) {
  const __m256i off = _mm256_set1_epi16(static_cast<int16_t>(offset));
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m256i w = kUnsigned ? _mm256_cvtepu8_epi16(x) : _mm256_cvtepi8_epi16(x);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), _mm256_add_epi16(w, off));
  }
  for (; i < n; ++i) {
    const int32_t v = kUnsigned ? static_cast<int32_t>(src[i]) : static_cast<int32_t>(static_cast<int8_t>(src[i]));
    dst[i] = static_cast<int16_t>(v + offset);
  }
}
void WidenS8(const int8_t* src, int n, int32_t offset, int16_t* dst) {
  Widen<false>(reinterpret_cast<const uint8_t*>(src), n, offset, dst);
}
void WidenU8(const uint8_t* src, int n, int32_t offset, int16_t* dst) { Widen<true>(src, n, offset, dst); }

// XNNPACK's fp32 requantization (conv::XnnpackRequantize) as the same IEEE single operations: convert (round to
// nearest even), multiply, clamp, convert back under the default rounding mode (nearest even, as std::nearbyint),
// add the zero point. The fixed-point formula falls back to the portable code.
// The zero point is added after the narrowing to int16: the clamped values lie in [qmin - zp, qmax - zp], so the
// narrowing is exact and the int16 sum lands in [qmin, qmax], as the int32 sum would.
struct Fp32Requant {
  __m256 s0, s1, lo, hi;
  __m256i bias0, bias1, zp16;

  // scale: conv::QuantizedParams::xnnpack_scale, padded to a multiple of kNr, so 16 values can be read at any block.
  Fp32Requant(const conv::QuantizedParams& p, const int32_t* bias, int cols, int c0) {
    const float* scale = p.xnnpack_scale.data() + c0;
    s0 = _mm256_loadu_ps(scale);
    s1 = _mm256_loadu_ps(scale + 8);
    if (cols < 16) {  // a partial block: copy, so that no load reads past the last channel's bias
      alignas(32) int32_t bias16[16];
      std::memset(bias16, 0, sizeof(bias16));
      std::memcpy(bias16, bias, sizeof(int32_t) * cols);
      bias0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias16));
      bias1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(bias16 + 8));
    } else {
      bias0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias));
      bias1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + 8));
    }
    lo = _mm256_set1_ps(static_cast<float>(p.output_activation_min - p.output_offset));
    hi = _mm256_set1_ps(static_cast<float>(p.output_activation_max - p.output_offset));
    zp16 = _mm256_set1_epi16(static_cast<int16_t>(p.output_offset));
  }

  // 16 accumulators of one row -> 16 int16 outputs, zero point added, 128-bit lanes [0-3 8-11 | 4-7 12-15].
  __m256i Row16(__m256i v0, __m256i v1) const {
    __m256 f0 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(v0, bias0)), s0);
    __m256 f1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(v1, bias1)), s1);
    f0 = _mm256_min_ps(_mm256_max_ps(f0, lo), hi);
    f1 = _mm256_min_ps(_mm256_max_ps(f1, lo), hi);
    return _mm256_add_epi16(_mm256_packs_epi32(_mm256_cvtps_epi32(f0), _mm256_cvtps_epi32(f1)), zp16);
  }

  // Two rows' Row16 -> 32 bytes, row a's 16 then row b's, in channel order. The 8-bit pack interleaves the rows'
  // 4-channel groups per lane (a0-3 a8-11 b0-3 b8-11 | a4-7 a12-15 b4-7 b12-15); one dword permute restores them.
  template <bool kU8>
  static __m256i Bytes(__m256i a, __m256i b) {
    const __m256i packed = kU8 ? _mm256_packus_epi16(a, b) : _mm256_packs_epi16(a, b);
    return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  }

  // Rows a and b, all 16 channels.
  template <bool kU8>
  void Store2(__m256i a0, __m256i a1, __m256i b0, __m256i b1, uint8_t* oa, uint8_t* ob) const {
    const __m256i bytes = Bytes<kU8>(Row16(a0, a1), Row16(b0, b1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(oa), _mm256_castsi256_si128(bytes));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(ob), _mm256_extracti128_si256(bytes, 1));
  }

  // One row, `cols` (<= 16) of its channels stored; nothing past o[cols - 1] is written.
  template <bool kU8>
  void Store1(__m256i v0, __m256i v1, int cols, uint8_t* o) const {
    const __m256i r = Row16(v0, v1);
    const __m128i bytes = _mm256_castsi256_si128(Bytes<kU8>(r, r));
    if (cols == 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o), bytes);
    } else {
      alignas(16) uint8_t tmp[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(tmp), bytes);
      std::memcpy(o, tmp, static_cast<size_t>(cols) & 15u);  // cols < 16 here
    }
  }
};

template <bool kU8>
void RequantT(const int32_t* acc, int acc_stride, int rows, int cols, const int32_t* bias, int c0,
              const QuantEpilogue& e, uint8_t* out, int out_stride) {
  const Fp32Requant rq(*e.params, bias, cols, c0);
  auto load = [](const int32_t* a) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)); };
  int r = 0;
  if (cols == 16) {
    for (; r + 2 <= rows; r += 2) {
      const int32_t* a = acc + static_cast<size_t>(r) * acc_stride;
      const int32_t* b = a + acc_stride;
      rq.Store2<kU8>(load(a), load(a + 8), load(b), load(b + 8), out + static_cast<size_t>(r) * out_stride,
                     out + static_cast<size_t>(r + 1) * out_stride);
    }
  }
  alignas(32) int32_t part[16] = {};  // a partial row, so that no load reads past acc's last row
  for (; r < rows; ++r) {
    const int32_t* a = acc + static_cast<size_t>(r) * acc_stride;
    if (cols < 16) {
      std::memcpy(part, a, sizeof(int32_t) * cols);
      a = part;
    }
    rq.Store1<kU8>(load(a), load(a + 8), cols, out + static_cast<size_t>(r) * out_stride);
  }
}

void Requant(const int32_t* acc, int acc_stride, int rows, int cols, const int32_t* bias, int c0,
             const QuantEpilogue& e, uint8_t* out, int out_stride) {
  if (!e.params->xnnpack_requant) {
    RequantPortable(acc, acc_stride, rows, cols, bias, c0, e, out, out_stride);
    return;
  }
  if (e.uint8) {
    RequantT<true>(acc, acc_stride, rows, cols, bias, c0, e, out, out_stride);
  } else {
    RequantT<false>(acc, acc_stride, rows, cols, bias, c0, e, out, out_stride);
  }
}

template <bool kU8>
__attribute__((always_inline)) inline void RequantTileT(const TileQ& t, int rows, int cols, const int32_t* bias,
                                                        int c0, const QuantEpilogue& e, uint8_t* out,
                                                        int out_stride) {
  const Fp32Requant rq(*e.params, bias, cols, c0);
  const size_t stride = static_cast<size_t>(out_stride);
  if (rows == kMrQ && cols == 16) {
    rq.Store2<kU8>(t.c00, t.c01, t.c10, t.c11, out, out + stride);
    rq.Store2<kU8>(t.c20, t.c21, t.c30, t.c31, out + 2 * stride, out + 3 * stride);
    rq.Store2<kU8>(t.c40, t.c41, t.c50, t.c51, out + 4 * stride, out + 5 * stride);
    return;
  }
  rq.Store1<kU8>(t.c00, t.c01, cols, out);
  if (rows > 1) rq.Store1<kU8>(t.c10, t.c11, cols, out + stride);
  if (rows > 2) rq.Store1<kU8>(t.c20, t.c21, cols, out + 2 * stride);
  if (rows > 3) rq.Store1<kU8>(t.c30, t.c31, cols, out + 3 * stride);
  if (rows > 4) rq.Store1<kU8>(t.c40, t.c41, cols, out + 4 * stride);
  if (rows > 5) rq.Store1<kU8>(t.c50, t.c51, cols, out + 5 * stride);
}

// Requantizes `rows` x `cols` of a tile into out. Inlined into its two callers: as a call of its own it cost a
// second prologue, stack realignment and vzeroupper per tile, a sixth of a short-K layer's time.
__attribute__((always_inline)) inline void RequantTile(const TileQ& t, int rows, int cols, const int32_t* bias,
                                                       int c0, const QuantEpilogue& e, uint8_t* out, int out_stride) {
  if (!e.params->xnnpack_requant) {
    alignas(32) int32_t acc[kMrQ * kNr];
    StoreTile(t, acc);
    RequantPortable(acc, kNr, rows, cols, bias, c0, e, out, out_stride);
    return;
  }
  if (e.uint8) {
    RequantTileT<true>(t, rows, cols, bias, c0, e, out, out_stride);
  } else {
    RequantTileT<false>(t, rows, cols, bias, c0, e, out, out_stride);
  }
}

template <typename W>
void GemmQRequant(int k_pairs, const int16_t* a, int lda, const W* b, int rows, int cols, const int32_t* bias,
                  int c0, const QuantEpilogue& e, uint8_t* out, int out_stride) {
  RequantTile(AccumulateCols(1, k_pairs, 0, PanelRows(a, lda).r, b, cols), rows, cols, bias, c0, e, out, out_stride);
}

void GemmQ8SegRequant(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* a, const int8_t* b,
                      int rows, int cols, const int32_t* bias, int c0, const QuantEpilogue& e, uint8_t* out,
                      int out_stride) {
  RequantTile(AccumulateCols(segments, seg_pairs, seg_stride, a, b, cols), rows, cols, bias, c0, e, out, out_stride);
}

// The `cols` (<= 16) first floats of y0:y1 to o; nothing past o[cols - 1] is written.
inline void StoreRowF(__m256 y0, __m256 y1, int cols, float* o) {
  if (cols == 16) {
    _mm256_storeu_ps(o, y0);
    _mm256_storeu_ps(o + 8, y1);
  } else if (cols == 8) {
    _mm256_storeu_ps(o, y0);
  } else {
    alignas(32) float tmp[16];
    _mm256_store_ps(tmp, y0);
    _mm256_store_ps(tmp + 8, y1);
    std::memcpy(o, tmp, sizeof(float) * (static_cast<size_t>(cols) & 15u));
  }
}

// 6 rows x 16 channels of FMA in named accumulators; bias added and the activation clamp applied at the end (NaN
// propagates, as in conv::ClampFloat).
struct RowStoreF {
  __m256 bias0, bias1, lo, hi;
  int cols;
  void operator()(__m256 c0, __m256 c1, float* o) const {
    // max/min return their second operand when either is NaN: NaN sums pass through like the reference's clamp.
    const __m256 y0 = _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_add_ps(c0, bias0)));
    const __m256 y1 = _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_add_ps(c1, bias1)));
    StoreRowF(y0, y1, cols, o);
  }
};

// The float tile over rows of `segments` runs (as AccumulateQ's): run s of row r at a[r] + s * seg_stride.
// kHalf: only channels 0-7 are stored (the last block of a layer with N % 16 in 1..8, e.g. 24 output channels), so
// the other half's loads and multiplies are skipped (c01 ... c51 stay 0): a third of a 24-channel layer's FMAs.
template <bool kHalf>
void GemmFSegT(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* a, const float* b,
               const float* bias, float lo, float hi, int rows, int cols, float* out, int out_stride) {
  static_assert(kMrF == 6 && kNr == 16);
  // The sums start at the bias (kNr values, padded): no addition per output at the end, a rounding-order
  // difference within kF32Tolerance.
  __m256 c00 = _mm256_loadu_ps(bias), c01 = _mm256_loadu_ps(bias + 8), c10 = c00, c11 = c01, c20 = c00, c21 = c01;
  __m256 c30 = c00, c31 = c01, c40 = c00, c41 = c01, c50 = c00, c51 = c01;
  for (int s = 0; s < segments; ++s) {
    const ptrdiff_t off = s * seg_stride;
    const float* a0 = a[0] + off;
    const float* a1 = a[1] + off;
    const float* a2 = a[2] + off;
    const float* a3 = a[3] + off;
    const float* a4 = a[4] + off;
    const float* a5 = a[5] + off;
    for (int kk = 0; kk < seg_len; ++kk) {
      const __m256 b0 = _mm256_loadu_ps(b);
      const __m256 b1 = kHalf ? b0 : _mm256_loadu_ps(b + 8);
      b += 16;
      __m256 x = _mm256_broadcast_ss(a0 + kk);
      c00 = _mm256_fmadd_ps(x, b0, c00);
      if constexpr (!kHalf) c01 = _mm256_fmadd_ps(x, b1, c01);
      x = _mm256_broadcast_ss(a1 + kk);
      c10 = _mm256_fmadd_ps(x, b0, c10);
      if constexpr (!kHalf) c11 = _mm256_fmadd_ps(x, b1, c11);
      x = _mm256_broadcast_ss(a2 + kk);
      c20 = _mm256_fmadd_ps(x, b0, c20);
      if constexpr (!kHalf) c21 = _mm256_fmadd_ps(x, b1, c21);
      x = _mm256_broadcast_ss(a3 + kk);
      c30 = _mm256_fmadd_ps(x, b0, c30);
      if constexpr (!kHalf) c31 = _mm256_fmadd_ps(x, b1, c31);
      x = _mm256_broadcast_ss(a4 + kk);
      c40 = _mm256_fmadd_ps(x, b0, c40);
      if constexpr (!kHalf) c41 = _mm256_fmadd_ps(x, b1, c41);
      x = _mm256_broadcast_ss(a5 + kk);
      c50 = _mm256_fmadd_ps(x, b0, c50);
      if constexpr (!kHalf) c51 = _mm256_fmadd_ps(x, b1, c51);
    }
  }
  const size_t stride = static_cast<size_t>(out_stride);
  // No fused activation (lo = -inf, hi = +inf: a projection layer): the clamp would change nothing.
  const bool clamp = lo > -std::numeric_limits<float>::infinity() || hi < std::numeric_limits<float>::infinity();
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  auto store = [&](__m256 y0, __m256 y1, float* o) {
    if (clamp) {
      // max/min return their second operand when either is NaN: NaN sums pass through like the reference's clamp.
      y0 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, y0));
      y1 = _mm256_min_ps(vhi, _mm256_max_ps(vlo, y1));
    }
    StoreRowF(y0, y1, cols, o);
  };
  store(c00, c01, out);
  if (rows > 1) store(c10, c11, out + stride);
  if (rows > 2) store(c20, c21, out + 2 * stride);
  if (rows > 3) store(c30, c31, out + 3 * stride);
  if (rows > 4) store(c40, c41, out + 4 * stride);
  if (rows > 5) store(c50, c51, out + 5 * stride);
}

void GemmFSeg(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* a, const float* b,
              const float* bias, float lo, float hi, int rows, int cols, float* out, int out_stride) {
  if (cols <= 8) {
    GemmFSegT<true>(segments, seg_len, seg_stride, a, b, bias, lo, hi, rows, cols, out, out_stride);
  } else {
    GemmFSegT<false>(segments, seg_len, seg_stride, a, b, bias, lo, hi, rows, cols, out, out_stride);
  }
}

void GemmF(int k, const float* const* a, const float* b, const float* bias, float lo, float hi, int rows, int cols,
           float* out, int out_stride) {
  GemmFSeg(1, k, 0, a, b, bias, lo, hi, rows, cols, out, out_stride);
}

// One row x 16 channels: four k steps per iteration into separate accumulator pairs (an FMA chain per pair:
// one chain would wait on the FMA latency at every k), summed at the end; a rounding-order difference within
// kF32Tolerance, as GemmF's.
void GemvF(int k, const float* a, const float* b, const float* bias, float lo, float hi, int cols, float* out) {
  __m256 c[4][2];
  for (auto& pair : c) pair[0] = pair[1] = _mm256_setzero_ps();
  int kk = 0;
  for (; kk + 4 <= k; kk += 4, b += 64) {
    for (int j = 0; j < 4; ++j) {
      const __m256 x = _mm256_broadcast_ss(a + kk + j);
      c[j][0] = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 16 * j), c[j][0]);
      c[j][1] = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 16 * j + 8), c[j][1]);
    }
  }
  for (; kk < k; ++kk, b += 16) {
    const __m256 x = _mm256_broadcast_ss(a + kk);
    c[0][0] = _mm256_fmadd_ps(x, _mm256_loadu_ps(b), c[0][0]);
    c[0][1] = _mm256_fmadd_ps(x, _mm256_loadu_ps(b + 8), c[0][1]);
  }
  const __m256 s0 = _mm256_add_ps(_mm256_add_ps(c[0][0], c[1][0]), _mm256_add_ps(c[2][0], c[3][0]));
  const __m256 s1 = _mm256_add_ps(_mm256_add_ps(c[0][1], c[1][1]), _mm256_add_ps(c[2][1], c[3][1]));
  alignas(32) float padded_bias[16] = {};
  std::memcpy(padded_bias, bias, sizeof(float) * static_cast<size_t>(cols));
  const RowStoreF store{_mm256_load_ps(padded_bias), _mm256_load_ps(padded_bias + 8), _mm256_set1_ps(lo),
                        _mm256_set1_ps(hi), cols};
  store(s0, s1, out);
}

// The value as is, through an empty asm: the compiler may not fuse the product that made it with a later
// addition (this file is built with -ffp-contract=fast), so both round as the reference's separate operations.
inline __m256 Opaque(__m256 v) {
  __asm__("" : "+x"(v));
  return v;
}

// The hybrid epilogue (HybridEpilogue) of one row of 16 channels, as the reference's IEEE operations in its order.
struct HybridRow {
  __m256 cs0, cs1, b0, b1, lo, hi;
  bool bias, row_first;
  int cols;

  HybridRow(const HybridEpilogue& e, int c0, int n) : bias(e.bias != nullptr), row_first(e.scale_row_first), cols(n) {
    cs0 = _mm256_loadu_ps(e.channel_scale + c0);  // padded to whole blocks of kNr
    cs1 = _mm256_loadu_ps(e.channel_scale + c0 + 8);
    b0 = bias ? _mm256_loadu_ps(e.bias + c0) : _mm256_setzero_ps();
    b1 = bias ? _mm256_loadu_ps(e.bias + c0 + 8) : _mm256_setzero_ps();
    lo = _mm256_set1_ps(e.lo);
    hi = _mm256_set1_ps(e.hi);
  }

  __m256 Half(__m256i acc, __m256 cs, __m256 b, __m256 rs) const {
    const __m256 x = _mm256_cvtepi32_ps(acc);
    __m256 v = row_first ? _mm256_mul_ps(_mm256_mul_ps(x, rs), cs) : _mm256_mul_ps(x, _mm256_mul_ps(cs, rs));
    if (bias) v = _mm256_add_ps(Opaque(v), b);
    // max/min return their second operand when either is NaN: NaN passes through like conv::ClampFloat.
    return _mm256_min_ps(hi, _mm256_max_ps(lo, v));
  }

  void operator()(__m256i acc0, __m256i acc1, float row_scale, float* o) const {
    const __m256 rs = _mm256_set1_ps(row_scale);
    const __m256 y0 = Half(acc0, cs0, b0, rs), y1 = Half(acc1, cs1, b1, rs);
    StoreRowF(y0, y1, cols, o);
  }
};

void Dequant(const int32_t* acc, int acc_stride, int rows, int cols, const float* row_scale, int c0,
             const HybridEpilogue& e, float* out, int out_stride) {
  const HybridRow row(e, c0, cols);
  alignas(32) int32_t part[16] = {};  // a partial row, so that no load reads past acc's last row
  for (int r = 0; r < rows; ++r) {
    const int32_t* a = acc + static_cast<size_t>(r) * acc_stride;
    if (cols < 16) {
      std::memcpy(part, a, sizeof(int32_t) * cols);
      a = part;
    }
    row(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)),
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 8)), row_scale[r],
        out + static_cast<size_t>(r) * out_stride);
  }
}

template <typename W>
void GemmQDequant(int k_pairs, const int16_t* a, int lda, const W* b, int rows, int cols, const float* row_scale,
                  int c0, const HybridEpilogue& e, float* out, int out_stride) {
  const TileQ t = AccumulateCols(1, k_pairs, 0, PanelRows(a, lda).r, b, cols);
  const HybridRow row(e, c0, cols);
  row(t.c00, t.c01, row_scale[0], out);
  if (rows > 1) row(t.c10, t.c11, row_scale[1], out + out_stride);
  if (rows > 2) row(t.c20, t.c21, row_scale[2], out + 2 * static_cast<size_t>(out_stride));
  if (rows > 3) row(t.c30, t.c31, row_scale[3], out + 3 * static_cast<size_t>(out_stride));
  if (rows > 4) row(t.c40, t.c41, row_scale[4], out + 4 * static_cast<size_t>(out_stride));
  if (rows > 5) row(t.c50, t.c51, row_scale[5], out + 5 * static_cast<size_t>(out_stride));
}

// One row x 16 channels of int8-stored weights: per pair of k, 32 weight bytes sign-extended to two vectors of
// the int16 layout (vpmovsxbw) and one broadcast int16 pair, vpmaddwd and wrapping vpaddd as AccumulateQ. Two pairs
// per step into separate accumulators, summed at the end (wrapping addition is associative, so exact).
void GemvQ(int k_pairs, const int16_t* a, const int8_t* b, int32_t* acc) {
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0;
  int p = 0;
  for (; p + 2 <= k_pairs; p += 2, b += 64) {
    const __m256i x0 = Broadcast2(a + 2 * p), x1 = Broadcast2(a + 2 * p + 2);
    c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(x0, LoadWeights(b)));
    c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(x0, LoadWeights(b + 16)));
    c2 = _mm256_add_epi32(c2, _mm256_madd_epi16(x1, LoadWeights(b + 32)));
    c3 = _mm256_add_epi32(c3, _mm256_madd_epi16(x1, LoadWeights(b + 48)));
  }
  if (p < k_pairs) {
    const __m256i x0 = Broadcast2(a + 2 * p);
    c0 = _mm256_add_epi32(c0, _mm256_madd_epi16(x0, LoadWeights(b)));
    c1 = _mm256_add_epi32(c1, _mm256_madd_epi16(x0, LoadWeights(b + 16)));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), _mm256_add_epi32(c0, c2));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), _mm256_add_epi32(c1, c3));
}

const Kernels kAvx2 = {Isa::kAvx2,
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
                       &GemmFSeg,
                       &GemmQ8SegRequant,
                       kMrQ};

}  // namespace

const Kernels& Get() { return kAvx2; }

}  // namespace liteopt::ops::gemm::avx2
#endif
