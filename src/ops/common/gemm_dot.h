// The int8 GEMM of CONV_2D and FULLY_CONNECTED on the aarch64 dot-product instructions (armv8.2-a sdot, Isa::kNeonDot;
// Raspberry Pi 5, most phones since 2018), for int8 activations and symmetric int8 weights (filter_offset 0, as
// TFLite's int8 spec has them).
//
// sdot multiplies int8 by int8, but the reference's operand (input + input_offset) spans [-255, 255]. So the rows
// are the raw int8 inputs and the offset goes into the bias, per channel, at prepare time:
//   sum_k (x_k + input_offset) * w_k = sum_k x_k * w_k + input_offset * sum_k w_k      (mod 2^32)
// which holds exactly in the wrapping int32 arithmetic of the reference's accumulator, so the results are the
// reference's bit for bit. A padding tap (the reference skips it) reads the input zero point, -input_offset, whose
// term (zp + input_offset) * w is 0. The requantization is gemm::Kernels::requant of Isa::kNeon.
//
// Same row contract as gemm::RunQuantized (fill gives the runs of each row; nullptr = a run of padding).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "ops/common/gemm.h"

namespace liteopt::ops::gemm::dot {

// Weights: for block b, quad q (k = 4q .. 4q + 3) and channel c: data[((b * k_quads + q) * kNr + c) * 4 + j] =
// filter[b * kNr + c][4q + j] (0 beyond N or K). bias[c] = bias + input_offset * sum_k filter[c][k] (wrapping),
// padded to whole blocks. scratch: the panels of int8 rows, per thread.
struct PackedS8 {
  int n = 0, k = 0, k_quads = 0, blocks = 0;
  int8_t pad_value = 0;  // the input zero point
  std::vector<int8_t> data;
  std::vector<int32_t> bias;
  std::vector<int8_t> scratch;
  bool empty() const { return data.empty(); }
};

// The microkernel: 4 rows x kNr channels over k_quads quads of A (int8 rows of `lda` bytes, lda a multiple of 4),
// then requantization of `rows` x `cols` of the tile (bias: kNr entries) into out.
using GemmRequantFn = void (*)(int k_quads, const int8_t* a, int lda, const int8_t* b, int rows, int cols,
                               const int32_t* bias, int c0, const QuantEpilogue& e, uint8_t* out, int out_stride);
// The dot-product microkernel when the build has it (aarch64), else nullptr.
GemmRequantFn DotKernel();

// Packs `filter` ([n][k] int8) into `out` when `isa` is Isa::kNeonDot and the filter is symmetric (filter_offset
// 0); returns false (out untouched) otherwise, and the caller takes the gemm::PackedQ path. threads: the pool's
// size, for the scratch.
bool Prepare(Isa isa, const int8_t* filter, int n, int k, int32_t filter_offset, int32_t input_offset,
             const int32_t* bias, int threads, PackedS8* out);

constexpr int kChunkPanels = 16;  // panels of A rows converted before the weight blocks run over them
constexpr int kMrQ = 4;           // rows of the dot-product microkernel (a panel of A)

inline size_t ScratchPerThread(const PackedS8& w) { return static_cast<size_t>(kChunkPanels) * kMrQ * 4 * w.k_quads; }

// Gathers one panel: row r (< rows) is the concatenation of its runs, padding runs at the zero point; the quad
// padding and rows beyond `rows` are 0.
inline void GatherPanel(const PackedS8& w, const int8_t* (*src)[kMaxSegments], int rows, int segments, int seg_len,
                        int8_t* panel) {
  const int stride = 4 * w.k_quads;
  for (int r = 0; r < kMrQ; ++r) {
    int8_t* dst = panel + r * stride;
    if (r >= rows) {
      std::memset(dst, 0, static_cast<size_t>(stride));
      continue;
    }
    for (int s = 0; s < segments; ++s, dst += seg_len) {
      if (src[r][s] == nullptr) {
        std::memset(dst, w.pad_value, static_cast<size_t>(seg_len));
      } else {
        std::memcpy(dst, src[r][s], static_cast<size_t>(seg_len));
      }
    }
    std::memset(dst, 0, static_cast<size_t>(stride - segments * seg_len));
  }
}

// int8 GEMM over M rows into `out` ([M][n] int8), split over `pool`'s threads like gemm::RunQuantized.
template <typename Fill>
void Run(PackedS8& w, int m, int segments, int seg_len, const QuantEpilogue& e, Fill&& fill, int8_t* out,
         ThreadPool* pool) {
  const GemmRequantFn kernel = DotKernel();
  const int stride = 4 * w.k_quads;
  const size_t panel_elems = static_cast<size_t>(kMrQ) * stride;
  const int panels = (m + kMrQ - 1) / kMrQ;
  const Split sp = SplitWork(panels, w.blocks, pool, int64_t{m} * w.n * w.k);
  ForEachTask(sp, panels, w.blocks, pool, [&](int p_begin, int p_end, int b_begin, int b_end, int thread) {
    int8_t* scratch = w.scratch.data() + static_cast<size_t>(thread) * ScratchPerThread(w);
    const int8_t* src[kMrQ][kMaxSegments];
    for (int c_begin = p_begin; c_begin < p_end; c_begin += kChunkPanels) {
      const int c_end = p_end - c_begin < kChunkPanels ? p_end : c_begin + kChunkPanels;
      for (int panel = c_begin; panel < c_end; ++panel) {
        const int m0 = panel * kMrQ;
        const int rows = m - m0 < kMrQ ? m - m0 : kMrQ;
        fill(m0, rows, src);
        GatherPanel(w, src, rows, segments, seg_len, scratch + (panel - c_begin) * panel_elems);
      }
      for (int b = b_begin; b < b_end; ++b) {
        const int c0 = b * kNr;
        const int cols = w.n - c0 < kNr ? w.n - c0 : kNr;
        const int8_t* wb = w.data.data() + static_cast<size_t>(b) * w.k_quads * kNr * 4;
        for (int panel = c_begin; panel < c_end; ++panel) {
          const int m0 = panel * kMrQ;
          const int rows = m - m0 < kMrQ ? m - m0 : kMrQ;
          kernel(w.k_quads, scratch + (panel - c_begin) * panel_elems, stride, wb, rows, cols, w.bias.data() + c0, c0,
                 e, reinterpret_cast<uint8_t*>(out + static_cast<size_t>(m0) * w.n + c0), w.n);
        }
      }
    }
  });
}

}  // namespace liteopt::ops::gemm::dot
