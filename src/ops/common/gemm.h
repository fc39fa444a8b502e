// The matrix-multiply core of the optimized CONV_2D and FULLY_CONNECTED kernels (1x1 convolutions and fully
// connected layers are GEMMs; KxK convolutions become GEMMs through an im2col of MR rows at a time).
//
//   out[m][n] = epilogue( sum_k A[m][k] * B[n][k] ),  m < M pixels (or batch rows), n < N output channels
//
// B (the constant weights, [N][K] as OHWI filters and FC weights store them) is packed once at prepare time in
// blocks of kNr channels. A is packed per panel of rows by the caller (RowPanel below).
//
// Quantized (int8 / uint8) path, used by every ISA without VNNI: the operands are the reference's
// (input + input_offset) and (filter + filter_offset), both in [-255, 255], as int16. Pairs of int16 products are
// summed into int32 lanes (x86: vpmaddwd, which cannot saturate for these ranges, unlike vpmaddubsw), and the
// int32 sums wrap exactly as the reference's accumulator does, so any summation order gives the reference's
// accumulator bit for bit. The requantization is the reference's (conv::Requantize; XNNPACK's fp32 formula is
// vectorized as the same IEEE operations).
//
// Float path: out = clamp(sum + bias) with FMA; the summation runs over k in the reference's order per output but
// FMA rounds once per tap, so results differ from the reference by rounding only (see kF32Tolerance).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "base/thread_pool.h"
#include "ops/common/conv_params.h"
#include "ops/common/isa.h"

namespace liteopt::ops::gemm {

constexpr int kNr = 16;    // output channels per packed weight block
// The most rows a quantized microkernel call takes on any ISA (each ISA's count is Kernels::mr_q: AVX2 6, the
// others 4); panels, scratch and row arrays are sized for it.
constexpr int kMaxMrQ = 6;
constexpr int kMrF = 6;    // rows per float microkernel call
// The most runs per GEMM row RunQuantized / RunFloat accept (filter_height * filter_width of a convolution).
constexpr int kMaxSegments = 64;

// Relative tolerance of the optimized float kernels against the reference: |fast - ref| <= kF32Tolerance *
// (sum over taps of |input * weight| + |bias|) + 1e-30, i.e. a few ulps of the accumulation's magnitude.
constexpr float kF32Tolerance = 1e-5f;

// Quantized weights: for block b, pair p (k = 2p, 2p+1) and channel c: data[((b * k_pairs + p) * kNr + c) * 2 + j]
// = filter[b * kNr + c][2p + j] + filter_offset (0 beyond N or K). bias: [blocks * kNr], 0-padded (0 if absent).
// When the values fit int8 (int8 filter, filter_offset 0, as TFLite's int8 spec has them) and the caller asks for
// it (Int8Storage below), they are stored in data8, same layout, instead of data, and sign-extended to int16 in the
// kernels. A layer on one row (M == 1: a classifier on batch 1) then runs as matrix-vector products
// (Kernels::gemv_q), row by row.
struct PackedQ {
  int n = 0, k = 0, k_pairs = 0, blocks = 0;
  std::vector<int16_t> data;
  std::vector<int8_t> data8;  // instead of data with int8 storage (see above); empty otherwise
  std::vector<int32_t> bias;
};
// int8_storage: store in data8 where the values allow it (see Int8Storage).
template <typename T>
void PackQuantizedWeights(const T* filter, int n, int k, int32_t filter_offset, const int32_t* bias, PackedQ* out,
                          bool int8_storage = false);

// Float weights: data[(b * k + kk) * kNr + c] = filter[b * kNr + c][kk] (0 beyond N). bias [blocks * kNr].
struct PackedF {
  int n = 0, k = 0, blocks = 0;
  std::vector<float> data;
  std::vector<float> bias;
};
void PackFloatWeights(const float* filter, int n, int k, const float* bias, PackedF* out);

// What the epilogue of a quantized tile needs.
struct QuantEpilogue {
  const conv::QuantizedParams* params = nullptr;
  bool uint8 = false;  // output dtype uint8 (else int8)
};

// The float scaling of a hybrid (dynamic-range) tile, in the reference kernels' IEEE operations and order:
//   v = float(acc) * (channel_scale[c] * row_scale[r])          (CONV_2D, FULLY_CONNECTED; per-tensor: scale 1)
//   v = (float(acc) * row_scale[r]) * channel_scale[c]           (scale_row_first: DEPTHWISE_CONV_2D)
//   out = clamp(v + bias[c], lo, hi)   (no addition when bias is nullptr)
// channel_scale and bias are indexed by absolute channel and padded to a multiple of kNr.
struct HybridEpilogue {
  const float* channel_scale = nullptr;
  const float* bias = nullptr;
  float lo = 0, hi = 0;
  bool scale_row_first = false;
};

// What a hybrid CONV_2D / FULLY_CONNECTED GEMM needs besides its packed weights: channel scales (the per-channel
// filter scales, or 1 when the filter scale is per tensor and folded into the row scales) and bias, both padded to
// whole blocks, and the epilogue, which points into them (so the object must stay where it was prepared).
struct HybridWeights {
  std::vector<float> channel_scale, bias;
  HybridEpilogue epilogue;
};
// Packs the int8 filter [n][k] (no offset, no int32 bias) into `packed` and fills `out`; per_channel_scale empty
// for a per-tensor filter; bias nullptr when absent; [lo, hi] the fused activation's range.
void PrepareHybridWeights(const int8_t* filter, int n, int k, const std::vector<float>& per_channel_scale,
                          const float* bias, float lo, float hi, PackedQ* packed, HybridWeights* out,
                          bool int8_storage = false);

// The per-ISA microkernels. All pointers are to valid memory for the full tile (kMr rows, kNr channels); `rows`
// and `cols` bound what is stored.
struct Kernels {
  Isa isa = Isa::kPortable;
  // acc[r * kNr + c] = sum over p < k_pairs of a_r[2p] * b[p][c][0] + a_r[2p + 1] * b[p][c][1] (int32, wrapping),
  // a_r = a + r * lda (int16, lda even), for r < mr_q.
  void (*gemm_q)(int k_pairs, const int16_t* a, int lda, const int16_t* b, int32_t* acc);
  // dst[i] = src[i] + offset as int16 for i < n (the A operand of gemm_q).
  void (*widen_s8)(const int8_t* src, int n, int32_t offset, int16_t* dst);
  void (*widen_u8)(const uint8_t* src, int n, int32_t offset, int16_t* dst);
  // out[r * out_stride + c] = Requantize(acc[r * acc_stride + c] + bias[c], channel c0 + c) for r < rows, c < cols,
  // stored as int8 or uint8. bias has at least `cols` entries.
  void (*requant)(const int32_t* acc, int acc_stride, int rows, int cols, const int32_t* bias, int c0,
                  const QuantEpilogue& e, uint8_t* out, int out_stride);
  // gemm_q then requant of the tile (bias: kNr entries), in one call.
  void (*gemm_q_requant)(int k_pairs, const int16_t* a, int lda, const int16_t* b, int rows, int cols,
                         const int32_t* bias, int c0, const QuantEpilogue& e, uint8_t* out, int out_stride);
  // out[r * out_stride + c] = clamp(bias[c] + sum over kk < k of a[r][kk] * b[kk][c], lo, hi) for r < rows,
  // c < cols; a[r] points to k floats for every r < kMrF (repeat a valid row for tails); bias: kNr entries (a
  // packed block's, padded).
  void (*gemm_f)(int k, const float* const* a, const float* b, const float* bias, float lo, float hi, int rows,
                 int cols, float* out, int out_stride);
  // out[r * out_stride + c] = the HybridEpilogue of acc[r * acc_stride + c] with row_scale[r] and channel c0 + c,
  // for r < rows, c < cols (cols <= kNr).
  void (*dequant)(const int32_t* acc, int acc_stride, int rows, int cols, const float* row_scale, int c0,
                  const HybridEpilogue& e, float* out, int out_stride);
  // gemm_q then dequant of the tile (row_scale: mr_q entries), in one call.
  void (*gemm_q_dequant)(int k_pairs, const int16_t* a, int lda, const int16_t* b, int rows, int cols,
                         const float* row_scale, int c0, const HybridEpilogue& e, float* out, int out_stride);
  // One row, one block of int8-stored weights (PackedQ::data8): acc[c] = sum over p < k_pairs of a[2p] * b[p][c][0]
  // + a[2p + 1] * b[p][c][1] (int32, wrapping) for c < kNr.
  void (*gemv_q)(int k_pairs, const int16_t* a, const int8_t* b, int32_t* acc);
  // gemm_q_requant and gemm_q_dequant over int8-stored weights (PackedQ::data8, sign-extended in the kernel);
  // nullptr where the ISA keeps int16 storage for multi-row layers (see Int8Storage).
  void (*gemm_q8_requant)(int k_pairs, const int16_t* a, int lda, const int8_t* b, int rows, int cols,
                          const int32_t* bias, int c0, const QuantEpilogue& e, uint8_t* out, int out_stride);
  void (*gemm_q8_dequant)(int k_pairs, const int16_t* a, int lda, const int8_t* b, int rows, int cols,
                          const float* row_scale, int c0, const HybridEpilogue& e, float* out, int out_stride);
  // gemm_f for one row (a matrix-vector product: a batch-1 classifier), without the kMrF-row tile's repeated work:
  // out[c] = clamp(bias[c] + sum over kk < k of a[kk] * b[kk][c], lo, hi) for c < cols.
  void (*gemv_f)(int k, const float* a, const float* b, const float* bias, float lo, float hi, int cols, float* out);
  // gemm_f and gemm_q8_requant over rows read in place: row r is `segments` runs, run s at a[r] + s * seg_stride,
  // of seg_len floats / seg_pairs int16 pairs (a KxK window's filter rows in a zero-bordered copy of the input,
  // instead of an im2col panel gathered per row; a first layer on 3 channels spent twice its multiplies on the
  // gather). a has kMrF / mr_q entries (repeat a valid row for tails). nullptr where the ISA has none.
  void (*gemm_f_seg)(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* a, const float* b,
                     const float* bias, float lo, float hi, int rows, int cols, float* out, int out_stride);
  void (*gemm_q8_seg_requant)(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* a,
                              const int8_t* b, int rows, int cols, const int32_t* bias, int c0,
                              const QuantEpilogue& e, uint8_t* out, int out_stride);
  // Rows of the quantized tile (gemm_q*, gemm_q8_seg_requant): the A operand comes in panels of mr_q rows.
  // At most kMaxMrQ.
  int mr_q = 4;
};

// Whether a layer's int8 weights (filter_offset 0) are stored as int8 (PackedQ::data8) on `kern`: always for a
// one-row layer (a matrix-vector product is bound by the bytes it reads), and for every layer where the ISA
// has int8-storage GEMM kernels. Half the weight bytes keep more of a layer's filter in L2 between panels and
// halve what a whole model streams from L3 per inference.
inline bool Int8Storage(const Kernels& kern, bool one_row) { return one_row || kern.gemm_q8_requant != nullptr; }

// The kernels of `isa` (which must be available).
const Kernels& KernelsFor(Isa isa);

// Portable hybrid scaling of a tile (the reference's expressions); same contract as Kernels::dequant.
void DequantPortable(const int32_t* acc, int acc_stride, int rows, int cols, const float* row_scale, int c0,
                     const HybridEpilogue& e, float* out, int out_stride);

// Portable one-row float product; same contract as Kernels::gemv_f.
void GemvFPortable(int k, const float* a, const float* b, const float* bias, float lo, float hi, int cols, float* out);

// Portable one-row product of int8-stored weights; same contract as Kernels::gemv_q.
void GemvQPortable(int k_pairs, const int16_t* a, const int8_t* b, int32_t* acc);

// Portable requantization of a tile (conv::Requantize per element), the fallback of every ISA for the fixed-point
// formula. Same contract as Kernels::requant.
void RequantPortable(const int32_t* acc, int acc_stride, int rows, int cols, const int32_t* bias, int c0,
                     const QuantEpilogue& e, uint8_t* out, int out_stride);

// The rows of A for one panel: row r of the GEMM is the concatenation of `segments` runs of `seg_len` values,
// run s at src[r][s] (nullptr = a run of padding, which contributes 0). A 1x1 convolution or a fully connected
// layer has one run per row; an im2col row of a KxK convolution has KH * KW runs of input_depth values.
//
// How a GEMM of `panels` row panels and `blocks` channel blocks is split over a pool's threads: tasks are ranges of
// panels when there are enough of them, else ranges of channel blocks (e.g. a fully connected layer on one row).
// A GEMM of fewer multiply-adds than MinParallelMacs() (2^20 by default) runs on the calling thread: waking the
// pool's workers costs tens of microseconds on a shared VM, more than half of such a GEMM (the Fashion-MNIST CNN
// ran slower on 2 threads than on 1: 0.145 against 0.106 ms). Tests set it to 0 (ScopedAlwaysParallel) so that
// their small shapes still run split (ops/testing/variant_test_util.h).
inline int64_t& MinParallelMacs() {
  static int64_t min_macs = int64_t{1} << 20;
  return min_macs;
}
struct Split {
  int tasks = 1, panel_groups = 1, block_groups = 1;
};
// macs: the GEMM's multiply-adds (M * N * K).
inline Split SplitWork(int panels, int blocks, const ThreadPool* pool, int64_t macs) {
  Split sp;
  const int threads = pool == nullptr ? 1 : pool->size();
  if (threads == 1 || macs < MinParallelMacs()) return sp;
  if (panels >= 2 * threads) {
    sp.panel_groups = panels < 4 * threads ? panels : 4 * threads;
  } else {
    sp.block_groups = blocks < threads ? blocks : threads;
    sp.panel_groups = panels < threads ? panels : threads;
  }
  sp.tasks = sp.panel_groups * sp.block_groups;
  return sp;
}

// Runs body(panel_begin, panel_end, block_begin, block_end, thread) over the split, on the pool when there is one.
template <typename Body>
void ForEachTask(const Split& sp, int panels, int blocks, ThreadPool* pool, Body&& body) {
  auto task = [&](int t, int thread) {
    const int pg = t / sp.block_groups, bg = t % sp.block_groups;
    body(static_cast<int>(static_cast<int64_t>(panels) * pg / sp.panel_groups),
         static_cast<int>(static_cast<int64_t>(panels) * (pg + 1) / sp.panel_groups),
         static_cast<int>(static_cast<int64_t>(blocks) * bg / sp.block_groups),
         static_cast<int>(static_cast<int64_t>(blocks) * (bg + 1) / sp.block_groups), thread);
  };
  if (sp.tasks == 1) {
    task(0, 0);
  } else {
    pool->Run(sp.tasks, task);
  }
}

// The panels [p_begin, p_end) of a task in chunks of `chunk`: prepare(panel, slot) readies each panel of a chunk
// (slot: its index within the chunk), then block(b, panel, slot) runs every weight block of the task over the
// chunk's panels, so that a block's weights stay in L1 across the chunk.
template <typename Prepare, typename Block>
void ForEachChunk(int p_begin, int p_end, int chunk, int b_begin, int b_end, Prepare&& prepare, Block&& block) {
  for (int c_begin = p_begin; c_begin < p_end; c_begin += chunk) {
    const int c_end = p_end - c_begin < chunk ? p_end : c_begin + chunk;
    for (int panel = c_begin; panel < c_end; ++panel) prepare(panel, panel - c_begin);
    for (int b = b_begin; b < b_end; ++b)
      for (int panel = c_begin; panel < c_end; ++panel) block(b, panel, panel - c_begin);
  }
}

// RunQuantized widens up to this many bytes of A rows (whole panels, at least one) at a time and runs every weight
// block over them: a block's weights (k_pairs * 64 bytes) then stay in L1 across the panels instead of the whole
// packed filter streaming from L2 once per panel (the 1x1 convolutions of a small CNN: 49-196 rows, 64 KiB weights).
constexpr size_t kPanelChunkBytes = 32 * 1024;
constexpr int kMaxChunkPanels = 16;
inline int ChunkPanels(const PackedQ& w) {
  const size_t panel_bytes = static_cast<size_t>(kMaxMrQ) * 2 * w.k_pairs * sizeof(int16_t);
  const size_t n = kPanelChunkBytes / (panel_bytes == 0 ? 1 : panel_bytes);
  return n < 1 ? 1 : (n > kMaxChunkPanels ? kMaxChunkPanels : static_cast<int>(n));
}

// Scratch a RunQuantized call needs per thread (int16 elements).
inline size_t QuantizedScratchPerThread(const PackedQ& w) {
  return static_cast<size_t>(ChunkPanels(w)) * kMaxMrQ * 2 * w.k_pairs;
}

// Calls run(p, len) for each maximal run of a row's segments that continue each other in memory (the taps of one
// filter row inside the image), in order; p == nullptr is a run of `len` padding values.
template <typename T, typename Run>
void ForEachRun(const T* const* segs, int segments, int seg_len, Run&& run) {
  for (int s = 0; s < segments;) {
    const T* p = segs[s];
    int len = seg_len;
    for (++s; s < segments && p != nullptr && segs[s] == p + len; ++s) len += seg_len;
    run(p, len);
  }
}

// Converts one quantized row to the int16 A operand of gemm_q / gemv_q: the concatenation of its runs `segs` with
// `offset` added (padding runs 0), then 0 up to a_stride. T = int16_t: the runs are already widened (offset
// included; `offset` must be 0) and are copied.
template <typename T>
void WidenRow(const Kernels& kern, const T* const* segs, int segments, int seg_len, int32_t offset, int a_stride,
              int16_t* dst) {
  int16_t* const row = dst;
  ForEachRun(segs, segments, seg_len, [&](const T* p, int len) {
    if (p == nullptr) {
      for (int i = 0; i < len; ++i) dst[i] = 0;
    } else if constexpr (std::is_same_v<T, int16_t>) {
      std::memcpy(dst, p, sizeof(int16_t) * static_cast<size_t>(len));
    } else if (len < 16) {  // short runs (few input channels): not worth a call
      for (int i = 0; i < len; ++i) dst[i] = static_cast<int16_t>(static_cast<int32_t>(p[i]) + offset);
    } else if constexpr (std::is_same_v<T, uint8_t>) {
      kern.widen_u8(p, len, offset, dst);
    } else {
      kern.widen_s8(p, len, offset, dst);
    }
    dst += len;
  });
  for (int i = segments * seg_len; i < a_stride; ++i) row[i] = 0;
}

// Converts one panel of quantized rows (WidenRow of row r < rows with offset[r]); rows from `rows` to kern.mr_q
// are 0.
template <typename T>
void WidenPanel(const Kernels& kern, const T* (*src)[kMaxSegments], int rows, int segments, int seg_len,
                const int32_t* offset, int a_stride, int16_t* scratch) {
  for (int r = 0; r < kern.mr_q; ++r) {
    int16_t* dst = scratch + r * a_stride;
    if (r >= rows) {
      for (int i = 0; i < a_stride; ++i) dst[i] = 0;
    } else {
      WidenRow<T>(kern, src[r], segments, seg_len, offset[r], a_stride, dst);
    }
  }
}

// The matrix-vector path of int8-stored weights (PackedQ::data8): row by row, each row widened with
// offset_of(row) into the thread's scratch, then epilogue(row, block, acc) for every weight block of the task with
// acc the block's kNr int32 sums. Threads split the rows, or the blocks when there are few rows.
template <typename T, typename Fill, typename OffsetOf, typename Epilogue>
void RunRowsInt8Weights(const Kernels& kern, const PackedQ& w, int m, int segments, int seg_len, Fill&& fill,
                        OffsetOf&& offset_of, int16_t* scratch_all, ThreadPool* pool, Epilogue&& epilogue) {
  const int a_stride = 2 * w.k_pairs;
  const Split sp = SplitWork(m, w.blocks, pool, int64_t{m} * w.n * w.k);
  ForEachTask(sp, m, w.blocks, pool, [&](int r_begin, int r_end, int b_begin, int b_end, int thread) {
    int16_t* row = scratch_all + static_cast<size_t>(thread) * QuantizedScratchPerThread(w);
    const T* src[kMaxMrQ][kMaxSegments];
    alignas(32) int32_t acc[kNr];
    for (int r = r_begin; r < r_end; ++r) {
      fill(r, 1, src);
      WidenRow<T>(kern, src[0], segments, seg_len, offset_of(r), a_stride, row);
      for (int b = b_begin; b < b_end; ++b) {
        kern.gemv_q(w.k_pairs, row, w.data8.data() + static_cast<size_t>(b) * w.k_pairs * kNr * 2, acc);
        epilogue(r, b, acc);
      }
    }
  });
}

// Quantized panels of at most this many rows (the last one of an M that is not a multiple of kern.mr_q) run as
// that many matrix-vector products (Kernels::gemv_q) when the weights are stored as int8: a tile costs about the same
// for 1 row as for 6, and a 7x7 layer's M = 49 is 8 panels of 6 and 1 row.
constexpr int kQuantGemvRows = 2;

// The panel loop of the quantized GEMM (int16- or int8-stored weights): prepare(m0, rows, panel) writes the int16
// A operand of one panel (kern.mr_q rows of 2 * k_pairs values, rows beyond `rows` 0) into `panel`, then every weight
// block of the task runs over each chunk of prepared panels (ForEachChunk) and requantizes into out ([M][n]).
template <typename Prepare, typename Out>
void RunQuantizedPanels(const Kernels& kern, const PackedQ& w, int m, const QuantEpilogue& e, Prepare&& prepare,
                        int16_t* scratch_all, Out* out, ThreadPool* pool) {
  const int a_stride = 2 * w.k_pairs;
  const int mr = kern.mr_q;
  const int panels = (m + mr - 1) / mr;
  const Split sp = SplitWork(panels, w.blocks, pool, int64_t{m} * w.n * w.k);
  const int chunk = ChunkPanels(w);
  const size_t panel_elems = static_cast<size_t>(mr) * a_stride;
  const bool int8_weights = !w.data8.empty();
  ForEachTask(sp, panels, w.blocks, pool, [&](int p_begin, int p_end, int b_begin, int b_end, int thread) {
    int16_t* scratch = scratch_all + static_cast<size_t>(thread) * QuantizedScratchPerThread(w);
    auto rows_of = [&](int panel) { return m - panel * mr < mr ? m - panel * mr : mr; };
    ForEachChunk(
        p_begin, p_end, chunk, b_begin, b_end,
        [&](int panel, int slot) { prepare(panel * mr, rows_of(panel), scratch + slot * panel_elems); },
        [&](int b, int panel, int slot) {
          const int c0 = b * kNr;
          const int cols = w.n - c0 < kNr ? w.n - c0 : kNr;
          const size_t b_offset = static_cast<size_t>(b) * w.k_pairs * kNr * 2;
          auto* o = reinterpret_cast<uint8_t*>(out) + static_cast<size_t>(panel) * mr * w.n + c0;
          const int rows = rows_of(panel);
          if (int8_weights && rows <= kQuantGemvRows && mr > kQuantGemvRows) {
            // A tail panel of 1 or 2 rows (7x7 = 8 x 6 + 1): matrix-vector products, not a whole tile's work.
            alignas(32) int32_t acc[kNr];
            for (int r = 0; r < rows; ++r) {
              kern.gemv_q(w.k_pairs, scratch + slot * panel_elems + static_cast<size_t>(r) * a_stride,
                          w.data8.data() + b_offset, acc);
              kern.requant(acc, kNr, 1, cols, w.bias.data() + c0, c0, e, o + static_cast<size_t>(r) * w.n, w.n);
            }
          } else if (int8_weights) {
            kern.gemm_q8_requant(w.k_pairs, scratch + slot * panel_elems, a_stride, w.data8.data() + b_offset, rows,
                                 cols, w.bias.data() + c0, c0, e, o, w.n);
          } else {
            kern.gemm_q_requant(w.k_pairs, scratch + slot * panel_elems, a_stride, w.data.data() + b_offset, rows,
                                cols, w.bias.data() + c0, c0, e, o, w.n);
          }
        });
  });
}

// Whether RunQuantized / RunHybrid take the row-by-row matrix-vector path: one row of int8-stored weights
// (Int8Storage stores multi-row layers as int8 only where the ISA has the int8-storage GEMM kernels).
inline bool RowByRow(const PackedQ& w, int m) { return m == 1 && !w.data8.empty(); }

// Quantized GEMM over M rows: fill(m0, rows, src) sets src[r][s] for the panel's rows; the panel is converted to
// int16 with `input_offset` added (padding 0). scratch: QuantizedScratchPerThread(w) for each thread of `pool`
// (nullptr: one thread). The rows are of the output's type, or of `In` when given: RunQuantized<int16_t> takes
// rows already widened (input_offset 0).
template <typename In = void, typename Fill, typename Out>
void RunQuantized(const Kernels& kern, const PackedQ& w, int m, int segments, int seg_len, int32_t input_offset,
                  const QuantEpilogue& e, Fill&& fill, int16_t* scratch_all, Out* out, ThreadPool* pool) {
  using T = std::conditional_t<std::is_void_v<In>, Out, In>;
  if (RowByRow(w, m)) {
    RunRowsInt8Weights<T>(
        kern, w, m, segments, seg_len, fill, [&](int) { return input_offset; }, scratch_all, pool,
        [&](int r, int b, const int32_t* acc) {
          const int c0 = b * kNr;
          kern.requant(acc, kNr, 1, w.n - c0 < kNr ? w.n - c0 : kNr, w.bias.data() + c0, c0, e,
                       reinterpret_cast<uint8_t*>(out) + static_cast<size_t>(r) * w.n + c0, w.n);
        });
    return;
  }
  int32_t offsets[kMaxMrQ];
  for (int32_t& o : offsets) o = input_offset;
  RunQuantizedPanels(
      kern, w, m, e,
      [&](int m0, int rows, int16_t* panel) {
        const T* src[kMaxMrQ][kMaxSegments];
        fill(m0, rows, src);
        WidenPanel<T>(kern, src, rows, segments, seg_len, offsets, 2 * w.k_pairs, panel);
      },
      scratch_all, out, pool);
}

// RunQuantized for rows stored one after another, row r at rows + r * w.k (a fully connected layer, a 1x1
// stride-1 convolution). With an even K a panel's rows are one run of memory and the A operand has no pair padding,
// so a panel is widened in one call, without the per-row run walk (a third of a 112x112x32 -> 16 convolution's
// time went to that walk).
template <typename T>
void RunQuantizedDense(const Kernels& kern, const PackedQ& w, int m, const T* rows, int32_t input_offset,
                       const QuantEpilogue& e, int16_t* scratch_all, T* out, ThreadPool* pool) {
  const int k = w.k;
  auto fill = [&](int m0, int n_rows, const T* (*src)[kMaxSegments]) {
    for (int r = 0; r < n_rows; ++r) src[r][0] = rows + static_cast<size_t>(m0 + r) * k;
  };
  if (RowByRow(w, m) || k % 2 != 0) {
    RunQuantized(kern, w, m, 1, k, input_offset, e, fill, scratch_all, out, pool);
    return;
  }
  RunQuantizedPanels(
      kern, w, m, e,
      [&](int m0, int n_rows, int16_t* panel) {
        const T* src = rows + static_cast<size_t>(m0) * k;
        const int n = n_rows * k;
        if constexpr (std::is_same_v<T, uint8_t>) {
          kern.widen_u8(src, n, input_offset, panel);
        } else {
          kern.widen_s8(src, n, input_offset, panel);
        }
        std::memset(panel + n, 0, sizeof(int16_t) * static_cast<size_t>(kern.mr_q * k - n));
      },
      scratch_all, out, pool);
}

// Hybrid GEMM over M rows of run-time quantized int8 input (packed weights: int8 with filter_offset 0): rows are
// grouped (`rows_per_group` consecutive rows, e.g. the pixels of one batch image), row m is widened with
// -zero_point[m / rows_per_group] and scaled with scaling_factor[m / rows_per_group], then e's float epilogue.
// fill and scratch as RunQuantized.
template <typename Fill>
void RunHybrid(const Kernels& kern, const PackedQ& w, int m, int segments, int seg_len, int rows_per_group,
               const int32_t* zero_point, const float* scaling_factor, const HybridEpilogue& e, Fill&& fill,
               int16_t* scratch_all, float* out, ThreadPool* pool) {
  if (RowByRow(w, m)) {
    RunRowsInt8Weights<int8_t>(
        kern, w, m, segments, seg_len, fill, [&](int r) { return -zero_point[r / rows_per_group]; }, scratch_all,
        pool, [&](int r, int b, const int32_t* acc) {
          const int c0 = b * kNr;
          kern.dequant(acc, kNr, 1, w.n - c0 < kNr ? w.n - c0 : kNr, scaling_factor + r / rows_per_group, c0, e,
                       out + static_cast<size_t>(r) * w.n + c0, w.n);
        });
    return;
  }
  const int a_stride = 2 * w.k_pairs;
  const int mr = kern.mr_q;
  const int panels = (m + mr - 1) / mr;
  const Split sp = SplitWork(panels, w.blocks, pool, int64_t{m} * w.n * w.k);
  ForEachTask(sp, panels, w.blocks, pool, [&](int p_begin, int p_end, int b_begin, int b_end, int thread) {
    int16_t* scratch = scratch_all + static_cast<size_t>(thread) * QuantizedScratchPerThread(w);
    const int8_t* src[kMaxMrQ][kMaxSegments];
    int32_t offsets[kMaxMrQ] = {};
    float row_scale[kMaxMrQ] = {};
    for (int panel = p_begin; panel < p_end; ++panel) {
      const int m0 = panel * mr;
      const int rows = m - m0 < mr ? m - m0 : mr;
      fill(m0, rows, src);
      for (int r = 0; r < rows; ++r) {
        const int group = (m0 + r) / rows_per_group;
        offsets[r] = -zero_point[group];
        row_scale[r] = scaling_factor[group];
      }
      WidenPanel<int8_t>(kern, src, rows, segments, seg_len, offsets, a_stride, scratch);
      for (int b = b_begin; b < b_end; ++b) {
        const int c0 = b * kNr;
        const int cols = w.n - c0 < kNr ? w.n - c0 : kNr;
        const size_t b_offset = static_cast<size_t>(b) * w.k_pairs * kNr * 2;
        float* o = out + static_cast<size_t>(m0) * w.n + c0;
        if (w.data8.empty()) {
          kern.gemm_q_dequant(w.k_pairs, scratch, a_stride, w.data.data() + b_offset, rows, cols, row_scale, c0, e, o,
                              w.n);
        } else {
          kern.gemm_q8_dequant(w.k_pairs, scratch, a_stride, w.data8.data() + b_offset, rows, cols, row_scale, c0, e,
                               o, w.n);
        }
      }
    }
  });
}

// RunFloat takes up to this many bytes of A rows (whole panels, at least one) at a time and runs every weight block
// over them: each block (k * 64 bytes) is then read once per chunk instead of once per panel. With the panel as the
// outer loop, a 7x7x320 -> 1280 convolution read its 1.6 MB of weights 9 times from L3, the slowest layer of a
// float MobileNetV2 on a busy host.
constexpr size_t kFloatChunkBytes = 128 * 1024;
constexpr int kMaxFloatChunkPanels = 32;
inline int FloatChunkPanels(const PackedF& w) {
  const size_t panel_bytes = static_cast<size_t>(kMrF) * w.k * sizeof(float);
  const size_t n = kFloatChunkBytes / (panel_bytes == 0 ? 1 : panel_bytes);
  return n < 1 ? 1 : (n > kMaxFloatChunkPanels ? kMaxFloatChunkPanels : static_cast<int>(n));
}

// Scratch a RunFloat call needs per thread (floats; 0 when rows are read in place).
inline size_t FloatScratchPerThread(const PackedF& w, bool direct) {
  return direct ? 0 : static_cast<size_t>(FloatChunkPanels(w)) * kMrF * w.k;
}

// Gathers a float row's runs into dst (padding runs as 0).
inline void GatherRowF(const float* const* segs, int segments, int seg_len, float* dst) {
  ForEachRun(segs, segments, seg_len, [&](const float* p, int len) {
    if (p == nullptr) {
      std::memset(dst, 0, sizeof(float) * static_cast<size_t>(len));
    } else {
      std::memcpy(dst, p, sizeof(float) * static_cast<size_t>(len));
    }
    dst += len;
  });
}

// Float GEMM over M rows. With one run per row and no padding (direct == true), fill's pointers are used in place;
// otherwise the rows are gathered into scratch (FloatScratchPerThread per thread of `pool`), padding as 0.
// One row runs as matrix-vector products (Kernels::gemv_f), the blocks split over the threads.
// dense: rows stored one after another (row r at dense + r * w.k: a 1x1 stride-1 convolution), or nullptr; with it
// the panels take their row pointers from it directly, without calling fill (a short-K layer spent a third of its
// time filling row pointers).
template <typename Fill>
void RunFloat(const Kernels& kern, const PackedF& w, int m, int segments, int seg_len, float lo, float hi,
              bool direct, Fill&& fill, float* scratch_all, float* out, ThreadPool* pool,
              const float* dense = nullptr) {
  if (m == 1) {
    const Split sp = SplitWork(1, w.blocks, pool, int64_t{w.n} * w.k);
    ForEachTask(sp, 1, w.blocks, pool, [&](int, int, int b_begin, int b_end, int thread) {
      const float* src[kMrF][kMaxSegments];
      fill(0, 1, src);
      const float* row = src[0][0];
      if (!direct) {
        float* dst = scratch_all + static_cast<size_t>(thread) * FloatScratchPerThread(w, direct);
        GatherRowF(src[0], segments, seg_len, dst);
        row = dst;
      }
      for (int b = b_begin; b < b_end; ++b) {
        const int c0 = b * kNr;
        kern.gemv_f(w.k, row, w.data.data() + static_cast<size_t>(b) * w.k * kNr, w.bias.data() + c0, lo, hi,
                    w.n - c0 < kNr ? w.n - c0 : kNr, out + c0);
      }
    });
    return;
  }
  const int panels = (m + kMrF - 1) / kMrF;
  const Split sp = SplitWork(panels, w.blocks, pool, int64_t{m} * w.n * w.k);
  const int chunk = FloatChunkPanels(w);
  const size_t panel_elems = static_cast<size_t>(kMrF) * w.k;
  ForEachTask(sp, panels, w.blocks, pool, [&](int p_begin, int p_end, int b_begin, int b_end, int thread) {
    float* scratch = direct ? nullptr : scratch_all + static_cast<size_t>(thread) * FloatScratchPerThread(w, direct);
    const float* src[kMrF][kMaxSegments];
    const float* rows_ptr[kMaxFloatChunkPanels][kMrF];
    auto rows_of = [&](int panel) { return m - panel * kMrF < kMrF ? m - panel * kMrF : kMrF; };
    ForEachChunk(
        p_begin, p_end, chunk, b_begin, b_end,
        [&](int panel, int slot) {
          const int rows = rows_of(panel);
          const float** ptr = rows_ptr[slot];
          if (dense != nullptr) {
            const float* first = dense + static_cast<size_t>(panel) * kMrF * w.k;
            for (int r = 0; r < kMrF; ++r) ptr[r] = first + static_cast<size_t>(r < rows ? r : rows - 1) * w.k;
            return;
          }
          float* panel_scratch = direct ? nullptr : scratch + slot * panel_elems;
          fill(panel * kMrF, rows, src);
          for (int r = 0; r < kMrF; ++r) {
            const int rr = r < rows ? r : rows - 1;
            if (direct) {
              ptr[r] = src[rr][0];
              continue;
            }
            if (r >= rows) {
              ptr[r] = panel_scratch;
              continue;
            }
            float* dst = panel_scratch + static_cast<size_t>(r) * w.k;
            ptr[r] = dst;
            GatherRowF(src[r], segments, seg_len, dst);
          }
        },
        [&](int b, int panel, int slot) {
          const int c0 = b * kNr;
          const int cols = w.n - c0 < kNr ? w.n - c0 : kNr;
          kern.gemm_f(w.k, rows_ptr[slot], w.data.data() + static_cast<size_t>(b) * w.k * kNr, w.bias.data() + c0, lo,
                      hi, rows_of(panel), cols, out + static_cast<size_t>(panel) * kMrF * w.n + c0, w.n);
        });
  });
}

}  // namespace liteopt::ops::gemm
