// The loops of the optimized DEPTHWISE_CONV_2D kernel (depthwise_conv2d_fast.h), included by one file per ISA,
// which compiles them with its own instruction set. Everything has internal linkage (anonymous namespace), so the
// copies never mix. Include only from depthwise_conv2d_fast.cc and depthwise_conv2d_<isa>.cc.
//
// LITEOPT_DEPTHWISE_SIMD: the builds that widen the quantized input rows (AccumulateRow) and run AccumulateFloat,
// AVX2 (primitives below) and NEON (depthwise_conv2d_neon.cc defines LITEOPT_DEPTHWISE_NEON and its primitives,
// with the same signatures, before including this file; the portable build on aarch64 stays plain C++).
#include <cstddef>
#include <cstring>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#define LITEOPT_DEPTHWISE_SIMD 1
#elif defined(LITEOPT_DEPTHWISE_NEON)
#define LITEOPT_DEPTHWISE_SIMD 1
#endif

#include "ops/depthwise_conv2d/depthwise_conv2d_fast.h"

namespace liteopt::ops::depthwise {
namespace {

constexpr int kBlock = 16;

// In-image filter taps of output pixel (out_y, out_x) of batch `batch`: input pointers (channel 0) and tap
// indices. Returns the count.
template <typename T>
int Taps(const conv::Geometry2D& g, const T* input, int batch, int out_y, int out_x, const T** in, int* tap) {
  int n = 0;
  const int y0 = out_y * g.stride_height - g.pad_height, x0 = out_x * g.stride_width - g.pad_width;
  for (int fy = 0; fy < g.filter_height; ++fy) {
    const int y = y0 + fy * g.dilation_height;
    if (y < 0 || y >= g.input_height) continue;
    for (int fx = 0; fx < g.filter_width; ++fx) {
      const int x = x0 + fx * g.dilation_width;
      if (x < 0 || x >= g.input_width) continue;
      in[n] = input + ((static_cast<size_t>(batch) * g.input_height + y) * g.input_width + x) * g.input_depth;
      tap[n++] = fy * g.filter_width + fx;
    }
  }
  return n;
}

// Channels [c0, c0 + width) of one output pixel: acc[j] = sum over taps of (in + input_offset) * filter, wrapping.
template <int kWidth, typename T>
inline void AccumulateQ(const T* const* in, const int* tap, int n, const int32_t* filter, int channels, int c0,
                        int32_t input_offset, int width, uint32_t* acc) {
  uint32_t a[kWidth] = {};
  for (int t = 0; t < n; ++t) {
    const T* x = in[t] + c0;
    const int32_t* w = filter + static_cast<size_t>(tap[t]) * channels + c0;
    if (width == kWidth) {  // full block: a fixed trip count the compiler unrolls
      for (int j = 0; j < kWidth; ++j)
        a[j] += static_cast<uint32_t>(static_cast<int32_t>(x[j]) + input_offset) * static_cast<uint32_t>(w[j]);
    } else {
      for (int j = 0; j < width; ++j)
        a[j] += static_cast<uint32_t>(static_cast<int32_t>(x[j]) + input_offset) * static_cast<uint32_t>(w[j]);
    }
  }
  for (int j = 0; j < width; ++j) acc[j] = a[j];
}

// Every filter tap of output pixel (out_y, out_x) in filter order, `pad` for taps outside the image, then one more
// `pad` (the partner of an odd last tap). Returns the tap count.
template <typename T>
int AllTaps(const conv::Geometry2D& g, const T* input, const T* pad, int batch, int out_y, int out_x, const T** in) {
  int n = 0;
  const int y0 = out_y * g.stride_height - g.pad_height, x0 = out_x * g.stride_width - g.pad_width;
  for (int fy = 0; fy < g.filter_height; ++fy) {
    const int y = y0 + fy * g.dilation_height;
    const bool row_inside = y >= 0 && y < g.input_height;
    for (int fx = 0; fx < g.filter_width; ++fx) {
      const int x = x0 + fx * g.dilation_width;
      in[n++] = row_inside && x >= 0 && x < g.input_width
                    ? input + ((static_cast<size_t>(batch) * g.input_height + y) * g.input_width + x) * g.input_depth
                    : pad;
    }
  }
  in[n] = pad;
  return n;
}

// Element offsets of the filter taps from a window's origin (its top-left tap), in filter order.
inline void TapOffsets(const conv::Geometry2D& g, ptrdiff_t* offset) {
  for (int fy = 0, t = 0; fy < g.filter_height; ++fy)
    for (int fx = 0; fx < g.filter_width; ++fx, ++t)
      offset[t] = (static_cast<ptrdiff_t>(fy) * g.dilation_height * g.input_width + fx * g.dilation_width) *
                  g.input_depth;
}

// The window origin of output pixel (out_y, out_x) of batch `batch` when the whole window lies inside the image
// (most pixels), else nullptr. Such pixels take their tap pointers as origin + TapOffsets, instead of the per-tap
// bounds checks and index products of Taps / AllTaps (a third of the time at 14x14x32).
template <typename T>
const T* InteriorOrigin(const conv::Geometry2D& g, const T* input, int batch, int out_y, int out_x) {
  const int y0 = out_y * g.stride_height - g.pad_height, x0 = out_x * g.stride_width - g.pad_width;
  if (y0 < 0 || y0 + (g.filter_height - 1) * g.dilation_height >= g.input_height) return nullptr;
  if (x0 < 0 || x0 + (g.filter_width - 1) * g.dilation_width >= g.input_width) return nullptr;
  return input + ((static_cast<size_t>(batch) * g.input_height + y0) * g.input_width + x0) * g.input_depth;
}

#if defined(__AVX2__)
// out[i] = src[i] + offset as int16, for i < n.
template <typename T>
inline void WidenValues(const T* src, size_t n, int32_t offset, int16_t* out) {
  const __m256i off = _mm256_set1_epi16(static_cast<int16_t>(offset));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    const __m256i w = std::is_same_v<T, int8_t> ? _mm256_cvtepi8_epi16(x) : _mm256_cvtepu8_epi16(x);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_add_epi16(w, off));
  }
  for (; i < n; ++i) out[i] = static_cast<int16_t>(static_cast<int32_t>(src[i]) + offset);
}
#endif

#if defined(LITEOPT_DEPTHWISE_SIMD)
// Input row y of batch `batch` widened to int16 with `offset` added, over the columns x0 .. x0 + width - 1 (outside
// the image, and rows outside it: 0, which is what a skipped tap contributes).
template <typename T>
void WidenRow(const conv::Geometry2D& g, const T* input, int batch, int y, int x0, int width, int32_t offset,
              int16_t* dst) {
  const int c = g.input_depth;
  if (y < 0 || y >= g.input_height) {
    std::memset(dst, 0, sizeof(int16_t) * static_cast<size_t>(width) * c);
    return;
  }
  const int lo = x0 < 0 ? (-x0 < width ? -x0 : width) : 0;
  const int hi = x0 + width > g.input_width ? g.input_width - x0 : width;  // columns [lo, hi) are in the image
  std::memset(dst, 0, sizeof(int16_t) * static_cast<size_t>(lo) * c);
  if (hi < width)
    std::memset(dst + static_cast<size_t>(hi) * c, 0, sizeof(int16_t) * static_cast<size_t>(width - hi) * c);
  if (hi <= lo) return;
  const T* src = input + ((static_cast<size_t>(batch) * g.input_height + y) * g.input_width + x0 + lo) * c;
  WidenValues(src, static_cast<size_t>(hi - lo) * c, offset, dst + static_cast<size_t>(lo) * c);
}
#endif

#if defined(__AVX2__)
// 16 channels over pairs of widened taps: vpunpck{l,h}wd interleave the two taps lane by lane, vpmaddwd with the
// filter pairs in that order (PairSlot), and the two lanes are put back in channel order at the end. Exact:
// |products| <= 255 * 255.
inline void AccumulatePairs16(const int16_t* const* in, int pairs, const int16_t* filter_pairs, int channels, int c0,
                              uint32_t* acc) {
  __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
  for (int j = 0; j < pairs; ++j) {
    const __m256i xa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[2 * j] + c0));
    const __m256i xb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in[2 * j + 1] + c0));
    const int16_t* w = filter_pairs + (static_cast<size_t>(j) * channels + c0) * 2;
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(_mm256_unpacklo_epi16(xa, xb),
                                                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w))));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(_mm256_unpackhi_epi16(xa, xb),
                                                 _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 16))));
  }
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), _mm256_permute2x128_si256(a0, a1, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), _mm256_permute2x128_si256(a0, a1, 0x31));
}

// 8 channels (after the last whole block of 16; filter pairs in channel order).
inline void AccumulatePairs8(const int16_t* const* in, int pairs, const int16_t* filter_pairs, int channels, int c0,
                             uint32_t* acc) {
  __m128i a0 = _mm_setzero_si128(), a1 = _mm_setzero_si128();
  for (int j = 0; j < pairs; ++j) {
    const __m128i xa = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[2 * j] + c0));
    const __m128i xb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in[2 * j + 1] + c0));
    const int16_t* w = filter_pairs + (static_cast<size_t>(j) * channels + c0) * 2;
    a0 = _mm_add_epi32(a0, _mm_madd_epi16(_mm_unpacklo_epi16(xa, xb),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(w))));
    a1 = _mm_add_epi32(a1, _mm_madd_epi16(_mm_unpackhi_epi16(xa, xb),
                                          _mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 8))));
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(acc), a0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + 4), a1);
}

// Clamps bias + acc to [lo, hi] and stores 8 floats. max/min return their second operand when either is NaN: NaN
// passes through like conv::ClampFloat.
inline void StoreF8(__m256 acc, const float* bias, __m256 lo, __m256 hi, float* out) {
  _mm256_storeu_ps(out, _mm256_min_ps(hi, _mm256_max_ps(lo, _mm256_add_ps(acc, _mm256_loadu_ps(bias)))));
}

// kVectors * 8 channels; in[t] / w[t]: tap t's input pixel and filter tap (channel 0). Even and odd taps sum into
// separate accumulators: each FMA chain is half as long, so 2 * kVectors chains hide the FMA latency (one chain per
// 8 channels was latency-bound, 1.5x XNNPACK's time).
template <int kVectors>
inline void AccumulateFloat(const float* const* in, const float* const* w, int n, int c0, const float* bias, float lo,
                            float hi, float* out) {
  __m256 even[kVectors], odd[kVectors];
  for (int v = 0; v < kVectors; ++v) even[v] = odd[v] = _mm256_setzero_ps();
  int t = 0;
  for (; t + 2 <= n; t += 2) {
    const float* x0 = in[t] + c0;
    const float* x1 = in[t + 1] + c0;
    const float* w0 = w[t] + c0;
    const float* w1 = w[t + 1] + c0;
    for (int v = 0; v < kVectors; ++v) {
      even[v] = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + 8 * v), _mm256_loadu_ps(w0 + 8 * v), even[v]);
      odd[v] = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + 8 * v), _mm256_loadu_ps(w1 + 8 * v), odd[v]);
    }
  }
  if (t < n) {
    const float* x0 = in[t] + c0;
    const float* w0 = w[t] + c0;
    for (int v = 0; v < kVectors; ++v)
      even[v] = _mm256_fmadd_ps(_mm256_loadu_ps(x0 + 8 * v), _mm256_loadu_ps(w0 + 8 * v), even[v]);
  }
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  for (int v = 0; v < kVectors; ++v)
    StoreF8(_mm256_add_ps(even[v], odd[v]), bias + c0 + 8 * v, vlo, vhi, out + c0 + 8 * v);
}

inline void InteriorPixels3x3F(const float* origin, ptrdiff_t step, const ptrdiff_t* tap_offset, const float* filter,
                               const float* bias, int channels, int count, float lo, float hi, float* out) {
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  const ptrdiff_t o0 = tap_offset[0], o1 = tap_offset[1], o2 = tap_offset[2], o3 = tap_offset[3],
                  o4 = tap_offset[4], o5 = tap_offset[5], o6 = tap_offset[6], o7 = tap_offset[7],
                  o8 = tap_offset[8];
  for (int c0 = 0; c0 + 8 <= channels; c0 += 8) {
    auto weight = [&](int t) { return _mm256_loadu_ps(filter + static_cast<size_t>(t) * channels + c0); };
    const __m256 w0 = weight(0), w1 = weight(1), w2 = weight(2), w3 = weight(3), w4 = weight(4), w5 = weight(5),
                 w6 = weight(6), w7 = weight(7), w8 = weight(8);
    const float* x = origin + c0;
    float* o = out + c0;
    int i = 0;
    // Four pixels per step, tap by tap: four independent FMA chains (one pixel's nine taps are a chain that would
    // wait on the FMA latency at every tap).
    for (; i + 4 <= count; i += 4, x += 4 * step, o += 4 * static_cast<size_t>(channels)) {
      const float* x1 = x + step;
      const float* x2 = x + 2 * step;
      const float* x3 = x + 3 * step;
      __m256 a0 = _mm256_mul_ps(_mm256_loadu_ps(x + o0), w0), a1 = _mm256_mul_ps(_mm256_loadu_ps(x1 + o0), w0);
      __m256 a2 = _mm256_mul_ps(_mm256_loadu_ps(x2 + o0), w0), a3 = _mm256_mul_ps(_mm256_loadu_ps(x3 + o0), w0);
      auto tap = [&](ptrdiff_t off, __m256 wt) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + off), wt, a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x1 + off), wt, a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x2 + off), wt, a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x3 + off), wt, a3);
      };
      tap(o1, w1);
      tap(o2, w2);
      tap(o3, w3);
      tap(o4, w4);
      tap(o5, w5);
      tap(o6, w6);
      tap(o7, w7);
      tap(o8, w8);
      StoreF8(a0, bias + c0, vlo, vhi, o);
      StoreF8(a1, bias + c0, vlo, vhi, o + channels);
      StoreF8(a2, bias + c0, vlo, vhi, o + 2 * static_cast<size_t>(channels));
      StoreF8(a3, bias + c0, vlo, vhi, o + 3 * static_cast<size_t>(channels));
    }
    for (; i < count; ++i, x += step, o += channels) {
      __m256 a = _mm256_mul_ps(_mm256_loadu_ps(x + o0), w0);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o1), w1, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o2), w2, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o3), w3, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o4), w4, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o5), w5, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o6), w6, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o7), w7, a);
      a = _mm256_fmadd_ps(_mm256_loadu_ps(x + o8), w8, a);
      StoreF8(a, bias + c0, vlo, vhi, o);
    }
  }
}

// `count` interior output pixels of one row with a 3x3 filter, channels 0 .. channels & ~7: per block of 8
// channels the 9 weight vectors stay in registers across the row's pixels, so a pixel loads only its 9 inputs
// (AccumulateFloat reloads every weight for every pixel, and loads are what bound a depthwise layer). The pixels
// have no dependency on each other, so their FMA chains overlap out of order. origin: the first pixel's window
// origin; step: the input distance between neighbouring output pixels; out: the first pixel's output.
inline void InteriorRow3x3F(const float* origin, ptrdiff_t step, const ptrdiff_t* tap_offset, const float* filter,
                            const float* bias, int channels, int count, float lo, float hi, float* out) {
  // Pixels in groups: the weights are reloaded once per group and block. Stride 1: groups of 32 (4 and 8 were
  // slower, 16 to a whole row about even on MobileNetV2's stride-1 layers). Stride 2: 16, so that a group's three
  // input row spans (16 x 2 pixels) stay in L1 while the blocks of 8 channels take turns (112x112x96 and
  // 56x56x144: 1.43-1.70x oneDNN's time pixel by pixel, 1.05-1.14x in groups of 16).
  const int group = step == channels ? 32 : 16;
  for (int g0 = 0; g0 < count; g0 += group) {
    const int n = count - g0 < group ? count - g0 : group;
    InteriorPixels3x3F(origin + g0 * step, step, tap_offset, filter, bias, channels, n, lo, hi,
                       out + static_cast<size_t>(g0) * channels);
  }
}
#endif

// Runs body(row_begin, row_end, thread) over the batches * output_height output rows, split over p.pool.
template <typename Body>
void ForRows(const FastParams& p, Body&& body) {
  const int rows = p.g.batches * p.g.output_height;
  const int threads = p.pool == nullptr ? 1 : p.pool->size();
  // A depthwise multiply-add takes about 4x a GEMM one here (15 against 60 GOP/s): the same time threshold.
  const int64_t macs = int64_t{rows} * p.g.output_width * p.g.output_depth * p.g.filter_height * p.g.filter_width;
  if (threads == 1 || rows < 2 || 4 * macs < gemm::MinParallelMacs()) {
    body(0, rows, 0);
    return;
  }
  const int tasks = rows < 4 * threads ? rows : 4 * threads;
  p.pool->Run(tasks, [&](int t, int thread) {
    body(static_cast<int>(static_cast<int64_t>(rows) * t / tasks),
         static_cast<int>(static_cast<int64_t>(rows) * (t + 1) / tasks), thread);
  });
}

// A thread's widened input rows (FastParams::widened: filter_height slots) and which (batch, input row) each slot
// holds, for one ForRows range of one run: consecutive output rows share filter_height - stride input rows, which
// are then widened once instead of once per output row (stride 1: a third of the widening of a 3x3 filter).
struct WidenedRows {
  static constexpr int kMaxSlots = 64;
  int16_t* data = nullptr;       // nullptr where the ISA does not widen (see WidensRows)
  int16_t* row_pairs = nullptr;  // this thread's FastParams::row_pairs (UsesRowPairs3x3), else nullptr
  int batch[kMaxSlots], y[kMaxSlots];
  WidenedRows(int16_t* d, int16_t* pairs) : data(d), row_pairs(pairs) {
    for (int i = 0; i < kMaxSlots; ++i) batch[i] = -1;
  }
};

// The accumulators of output row `row` (every pixel and channel of it) into row_acc: sums of
// (input + input_offset) * filter over every tap (taps outside the image contribute 0, as the reference skips them).
#if defined(LITEOPT_DEPTHWISE_SIMD)
// AVX2 and NEON: the window's filter_height input rows are widened to int16 once (WidenRow, into `widened`, this
// thread's FastParams::widened), padding included, so every pixel's taps are fixed offsets without bounds checks and
// the inner loop has no byte unpacking or offset adds.
// The slot of each filter row's input row in `rows`, widening the ones no slot holds into slots this output row does
// not need.
template <typename T>
void WidenWindowRows(const conv::Geometry2D& g, const T* input, int b, int oy, int32_t input_offset,
                     size_t row_elems, WidenedRows& rows, int* slot_of) {
  const int fh = g.filter_height;
  bool needed[WidenedRows::kMaxSlots] = {};
  for (int fy = 0; fy < fh; ++fy) {
    const int y = oy * g.stride_height - g.pad_height + fy * g.dilation_height;
    slot_of[fy] = -1;
    for (int s = 0; s < fh; ++s)
      if (rows.batch[s] == b && rows.y[s] == y) slot_of[fy] = s;
    if (slot_of[fy] >= 0) needed[slot_of[fy]] = true;
  }
  int free_slot = 0;
  for (int fy = 0; fy < fh; ++fy) {
    if (slot_of[fy] >= 0) continue;
    while (needed[free_slot]) ++free_slot;
    needed[free_slot] = true;
    const int y = oy * g.stride_height - g.pad_height + fy * g.dilation_height;
    WidenRow(g, input, b, y, -g.pad_width, WidenedWidth(g), input_offset, rows.data + free_slot * row_elems);
    rows.batch[free_slot] = b;
    rows.y[free_slot] = y;
    slot_of[fy] = free_slot;
  }
}

#if defined(__AVX2__)
// UsesRowPairs3x3: the whole blocks of 16 channels of one output row, from the widened input rows r0, r1, r2 of its
// window. Rows 0 and 1 are interleaved channel by channel (vpunpck{l,h}wd, PairSlot's order) into `pairs`, so taps
// (0, fx) and (1, fx) are one vpmaddwd on one load; row 2 is interleaved with itself one pixel on, so taps (2, 0) and
// (2, 1) are one more and tap (2, 2) pairs with a 0 filter value. Five vpmaddwd per 8 channels and no shuffles per
// pixel, against AccumulatePairs16's two loads and two shuffles per tap pair; the 10 filter vectors of a block stay in
// registers across the row. Exact (|products| <= 255 * 255, wrapping int32 sums like the reference's).
inline void Rows3x3Q(const FastParams& p, const int16_t* r0, const int16_t* r1, const int16_t* r2, int16_t* pairs,
                     uint32_t* acc_row) {
  const conv::Geometry2D& g = p.g;
  const int channels = g.output_depth, blocks_end = channels & ~15, stride = g.stride_width;
  const int ww = WidenedWidth(g);
  const size_t pixel = static_cast<size_t>(channels) * 2;  // int16 values per pixel of a row pair
  int16_t* p01 = pairs;
  int16_t* p22 = pairs + static_cast<size_t>(ww) * pixel;
  auto load = [](const int16_t* a) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a)); };
  auto store = [](int16_t* a, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(a), v); };
  for (int x = 0; x < ww; ++x) {
    const size_t at = static_cast<size_t>(x) * channels;
    // p22 is read at the window origins ox * stride and 2 further on.
    const bool p22_read = stride == 1 || x % stride == 0 || (x >= 2 && (x - 2) % stride == 0);
    for (int c0 = 0; c0 < blocks_end; c0 += 16) {
      const __m256i a = load(r0 + at + c0), b = load(r1 + at + c0);
      int16_t* d01 = p01 + (at + c0) * 2;
      store(d01, _mm256_unpacklo_epi16(a, b));
      store(d01 + 16, _mm256_unpackhi_epi16(a, b));
      if (p22_read) {
        const __m256i c = load(r2 + at + c0);
        const __m256i n = x + 1 < ww ? load(r2 + at + channels + c0) : _mm256_setzero_si256();
        int16_t* d22 = p22 + (at + c0) * 2;
        store(d22, _mm256_unpacklo_epi16(c, n));
        store(d22 + 16, _mm256_unpackhi_epi16(c, n));
      }
    }
  }
  const int16_t* w = p.filter_pairs3x3.data();
  const size_t step = static_cast<size_t>(stride) * pixel;  // one output pixel on
  for (int c0 = 0; c0 < blocks_end; c0 += 16) {
    auto weight = [&](int pair, int half) {
      return load(w + (static_cast<size_t>(pair) * channels + c0) * 2 + 16 * half);
    };
    const __m256i w0l = weight(0, 0), w0h = weight(0, 1), w1l = weight(1, 0), w1h = weight(1, 1), w2l = weight(2, 0),
                  w2h = weight(2, 1), w3l = weight(3, 0), w3h = weight(3, 1), w4l = weight(4, 0), w4h = weight(4, 1);
    const int16_t* a = p01 + static_cast<size_t>(c0) * 2;
    const int16_t* b = p22 + static_cast<size_t>(c0) * 2;
    uint32_t* acc = acc_row + c0;
    for (int ox = 0; ox < g.output_width; ++ox, a += step, b += step, acc += channels) {
      __m256i lo = _mm256_madd_epi16(load(a), w0l);
      __m256i hi = _mm256_madd_epi16(load(a + 16), w0h);
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(load(a + pixel), w1l));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(load(a + pixel + 16), w1h));
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(load(a + 2 * pixel), w2l));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(load(a + 2 * pixel + 16), w2h));
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(load(b), w3l));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(load(b + 16), w3h));
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(load(b + 2 * pixel), w4l));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(load(b + 2 * pixel + 16), w4h));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc), _mm256_permute2x128_si256(lo, hi, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
  }
}
#endif

template <typename T>
void AccumulateRow(const FastParams& p, const T* input, const T* /*pad*/, int32_t input_offset, int row,
                   int32_t* row_acc, WidenedRows& rows) {
  const conv::Geometry2D& g = p.g;
  const int channels = g.output_depth;
  const int b = row / g.output_height, oy = row % g.output_height;
  const size_t row_elems = static_cast<size_t>(WidenedWidth(g)) * channels;
  int slot_of[WidenedRows::kMaxSlots];
  WidenWindowRows(g, input, b, oy, input_offset, row_elems, rows, slot_of);
  const int16_t* widened = rows.data;
  const int taps = g.filter_height * g.filter_width, pairs = (taps + 1) / 2;
  ptrdiff_t offset[65];
  for (int fy = 0, t = 0; fy < g.filter_height; ++fy)
    for (int fx = 0; fx < g.filter_width; ++fx, ++t)
      offset[t] = static_cast<ptrdiff_t>(slot_of[fy] * row_elems) +
                  static_cast<ptrdiff_t>(fx) * g.dilation_width * channels;
  offset[taps] = offset[0];  // the partner of an odd last tap: its filter pair holds 0
  const int16_t* in[65];
  uint32_t* acc_row = reinterpret_cast<uint32_t*>(row_acc);
  int c_begin = 0;  // the channels the loop below leaves to Rows3x3Q
#if defined(__AVX2__)
  if (rows.row_pairs != nullptr) {
    Rows3x3Q(p, widened + slot_of[0] * row_elems, widened + slot_of[1] * row_elems, widened + slot_of[2] * row_elems,
             rows.row_pairs, acc_row);
    c_begin = channels & ~15;
    if (c_begin == channels) return;
  }
#endif
  for (int ox = 0; ox < g.output_width; ++ox) {
    const int16_t* base = widened + static_cast<size_t>(ox) * g.stride_width * channels;
    for (int t = 0; t <= taps; ++t) in[t] = base + offset[t];
    uint32_t* acc = acc_row + static_cast<size_t>(ox) * channels;
    int c0 = c_begin;
    for (; c0 + kBlock <= channels; c0 += kBlock)
      AccumulatePairs16(in, pairs, p.filter_pairs.data(), channels, c0, acc + c0);
    if (c0 + 8 <= channels) {
      AccumulatePairs8(in, pairs, p.filter_pairs.data(), channels, c0, acc + c0);
      c0 += 8;
    }
    for (; c0 < channels; ++c0) {
      uint32_t sum = 0;
      for (int t = 0; t < taps; ++t)
        sum += static_cast<uint32_t>(in[t][c0]) *
               static_cast<uint32_t>(p.filter_q[static_cast<size_t>(t) * channels + c0]);
      acc[c0] = sum;
    }
  }
}
#else
// Portable: taps outside the image read `pad` (a row at the zero point, so (pad + input_offset) is 0).
template <typename T>
void AccumulateRow(const FastParams& p, const T* input, const T* pad, int32_t input_offset, int row, int32_t* row_acc,
                   WidenedRows& /*rows*/) {
  const conv::Geometry2D& g = p.g;
  const int channels = g.output_depth;
  const T* in[65];
  int tap[65];
  for (int t = 0; t < 65; ++t) tap[t] = t;
  const int b = row / g.output_height, oy = row % g.output_height;
  uint32_t* acc_row = reinterpret_cast<uint32_t*>(row_acc);
  const int taps = g.filter_height * g.filter_width;
  ptrdiff_t tap_offset[64];
  TapOffsets(g, tap_offset);
  for (int ox = 0; ox < g.output_width; ++ox) {
    int n = taps;
    if (const T* origin = InteriorOrigin(g, input, b, oy, ox)) {
      for (int t = 0; t < taps; ++t) in[t] = origin + tap_offset[t];
      in[taps] = pad;
    } else {
      n = AllTaps(g, input, pad, b, oy, ox, in);
    }
    uint32_t* acc = acc_row + static_cast<size_t>(ox) * channels;
    int c0 = 0;
    for (; c0 + kBlock <= channels; c0 += kBlock)
      AccumulateQ<kBlock>(in, tap, n, p.filter_q.data(), channels, c0, input_offset, kBlock, acc + c0);
    if (c0 < channels)
      AccumulateQ<kBlock>(in, tap, n, p.filter_q.data(), channels, c0, input_offset, channels - c0, acc + c0);
  }
}
#endif

// This thread's widened rows (the SIMD builds; nullptr otherwise, see WidensRows).
inline int16_t* WidenedFor(FastParams& p, int thread) {
  if (p.widened.empty()) return nullptr;
  const size_t per_thread = static_cast<size_t>(p.g.filter_height) * WidenedWidth(p.g) * p.g.output_depth;
  return p.widened.data() + static_cast<size_t>(thread) * per_thread;
}

// This thread's row pairs (UsesRowPairs3x3; nullptr otherwise).
inline int16_t* RowPairsFor(FastParams& p, int thread) {
  if (p.row_pairs.empty()) return nullptr;
  const size_t per_thread = static_cast<size_t>(4) * WidenedWidth(p.g) * p.g.output_depth;
  return p.row_pairs.data() + static_cast<size_t>(thread) * per_thread;
}

template <typename T>
void RunQuantized(FastParams& p, const T* input, T* output) {
  const conv::Geometry2D& g = p.g;
  const int channels = g.output_depth;
  const gemm::QuantEpilogue e{p.quant, std::is_same_v<T, uint8_t>};
  const T* pad = reinterpret_cast<const T*>(p.pad_row.data());
  ForRows(p, [&](int row_begin, int row_end, int thread) {
    int32_t* row_acc = p.row_acc.data() + static_cast<size_t>(thread) * g.output_width * channels;
    WidenedRows rows(WidenedFor(p, thread), RowPairsFor(p, thread));
    for (int row = row_begin; row < row_end; ++row) {
      AccumulateRow(p, input, pad, p.input_offset, row, row_acc, rows);
      T* out = output + static_cast<size_t>(row) * g.output_width * channels;
      for (int c0 = 0; c0 < channels; c0 += kBlock) {
        const int cols = channels - c0 < kBlock ? channels - c0 : kBlock;
        p.gemm->requant(row_acc + c0, channels, g.output_width, cols, p.bias_q.data() + c0, c0, e,
                        reinterpret_cast<uint8_t*>(out + c0), channels);
      }
    }
  });
}

void RunHybrid(FastParams& p, const int8_t* input, const int32_t* zero_points, const float* scaling_factors,
               float* output) {
  const conv::Geometry2D& g = p.g;
  const int channels = g.output_depth;
  for (int b = 0; b < g.batches; ++b)
    std::memset(p.hybrid_pad.data() + static_cast<size_t>(b) * channels, static_cast<int8_t>(zero_points[b]),
                static_cast<size_t>(channels));
  ForRows(p, [&](int row_begin, int row_end, int thread) {
    int32_t* row_acc = p.row_acc.data() + static_cast<size_t>(thread) * g.output_width * channels;
    float* row_scale = p.row_scale.data() + static_cast<size_t>(thread) * g.output_width;
    WidenedRows rows(WidenedFor(p, thread), RowPairsFor(p, thread));
    for (int row = row_begin; row < row_end; ++row) {
      const int b = row / g.output_height;
      for (int ox = 0; ox < g.output_width; ++ox) row_scale[ox] = scaling_factors[b];
      AccumulateRow(p, input, p.hybrid_pad.data() + static_cast<size_t>(b) * channels, -zero_points[b], row,
                    row_acc, rows);
      float* out = output + static_cast<size_t>(row) * g.output_width * channels;
      for (int c0 = 0; c0 < channels; c0 += kBlock) {
        const int cols = channels - c0 < kBlock ? channels - c0 : kBlock;
        p.gemm->dequant(row_acc + c0, channels, g.output_width, cols, row_scale, c0, p.hybrid, out + c0, channels);
      }
    }
  });
}

template <int kWidth>
inline void AccumulateF(const float* const* in, const int* tap, int n, const float* filter, int channels, int c0,
                        int width, const float* bias, float lo, float hi, float* out) {
  float a[kWidth] = {};
  for (int t = 0; t < n; ++t) {
    const float* x = in[t] + c0;
    const float* w = filter + static_cast<size_t>(tap[t]) * channels + c0;
    if (width == kWidth) {  // full block: a fixed trip count the compiler unrolls
      for (int j = 0; j < kWidth; ++j) a[j] += x[j] * w[j];
    } else {
      for (int j = 0; j < width; ++j) a[j] += x[j] * w[j];
    }
  }
  for (int j = 0; j < width; ++j) {
    const float v = a[j] + bias[c0 + j];
    const float v1 = v < lo ? lo : v;
    out[c0 + j] = v1 > hi ? hi : v1;
  }
}

void RunFloat(FastParams& p, const float* input, float* output) {
  const conv::Geometry2D& g = p.g;
  const int channels = g.output_depth;
  const int taps = g.filter_height * g.filter_width;
  ptrdiff_t tap_offset[64];
  TapOffsets(g, tap_offset);
  const float* interior_w[64];  // an interior pixel's filter taps: all of them, in order
  for (int t = 0; t < taps; ++t) interior_w[t] = p.filter_f + static_cast<size_t>(t) * channels;
  ForRows(p, [&](int row_begin, int row_end, int /*thread*/) {
    const float* in[64];
    const float* border_w[64];
    int tap[64];
    for (int row = row_begin; row < row_end; ++row) {
      const int b = row / g.output_height, oy = row % g.output_height;
      // [x_begin, x_end): the row's interior pixels whose first channels & ~7 InteriorRow3x3F has done.
      int x_begin = 0, x_end = 0;
#if defined(__AVX2__)
      if (taps == 9 && channels >= 8) {
        while (x_begin < g.output_width && InteriorOrigin(g, input, b, oy, x_begin) == nullptr) ++x_begin;
        x_end = x_begin;
        while (x_end < g.output_width && InteriorOrigin(g, input, b, oy, x_end) != nullptr) ++x_end;
        if (x_end > x_begin)
          InteriorRow3x3F(InteriorOrigin(g, input, b, oy, x_begin), static_cast<ptrdiff_t>(g.stride_width) * channels,
                          tap_offset, p.filter_f, p.bias_f.data(), channels, x_end - x_begin, p.act_min, p.act_max,
                          output + (static_cast<size_t>(row) * g.output_width + x_begin) * channels);
      }
#endif
      for (int ox = 0; ox < g.output_width; ++ox) {
        const bool row_done = ox >= x_begin && ox < x_end;
        if (row_done && channels % 8 == 0) continue;
        int n = taps;
        [[maybe_unused]] const float* const* w = interior_w;  // the portable loop reads tap[] instead
        if (const float* origin = InteriorOrigin(g, input, b, oy, ox)) {
          for (int t = 0; t < taps; ++t) {
            in[t] = origin + tap_offset[t];
            tap[t] = t;
          }
        } else {
          n = Taps(g, input, b, oy, ox, in, tap);
          for (int t = 0; t < n; ++t) border_w[t] = p.filter_f + static_cast<size_t>(tap[t]) * channels;
          w = border_w;
        }
        float* out = output + (static_cast<size_t>(row) * g.output_width + ox) * channels;
        int c0 = row_done ? channels & ~7 : 0;
#if defined(LITEOPT_DEPTHWISE_SIMD)
        const float* bias = p.bias_f.data();
        for (; c0 + 32 <= channels; c0 += 32) AccumulateFloat<4>(in, w, n, c0, bias, p.act_min, p.act_max, out);
        if (c0 + 16 <= channels) {
          AccumulateFloat<2>(in, w, n, c0, bias, p.act_min, p.act_max, out);
          c0 += 16;
        }
        if (c0 + 8 <= channels) {
          AccumulateFloat<1>(in, w, n, c0, bias, p.act_min, p.act_max, out);
          c0 += 8;
        }
#else
        for (; c0 + kBlock <= channels; c0 += kBlock)
          AccumulateF<kBlock>(in, tap, n, p.filter_f, channels, c0, kBlock, p.bias_f.data(), p.act_min, p.act_max,
                              out);
#endif
        if (c0 < channels)
          AccumulateF<kBlock>(in, tap, n, p.filter_f, channels, c0, channels - c0, p.bias_f.data(), p.act_min,
                              p.act_max, out);
      }
    }
  });
}

void RunS8(FastParams& p, const int8_t* input, int8_t* output) { RunQuantized(p, input, output); }
void RunU8(FastParams& p, const uint8_t* input, uint8_t* output) { RunQuantized(p, input, output); }

}  // namespace
}  // namespace liteopt::ops::depthwise
