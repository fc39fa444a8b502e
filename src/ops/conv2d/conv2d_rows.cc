// Portable segmented float tile (ops/conv2d/conv2d_rows.h) and the per-ISA lookup.
#include "ops/conv2d/conv2d_rows.h"

#include "ops/common/conv_params.h"

namespace liteopt::ops::conv_rows {

#if defined(__x86_64__)
SegmentedGemmF SegmentedGemmAvx2();   // conv2d_rows_avx2.cc
SegmentedGemmQ SegmentedGemmQAvx2();  // conv2d_rows_avx2.cc
#endif

namespace {

using gemm::kMrF;
using gemm::kNr;

void SegmentedGemmPortable(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* rows, const float* b,
                           const float* bias, float lo, float hi, int nrows, int cols, float* out, int out_stride) {
  float sum[kMrF][kNr] = {};
  for (int s = 0; s < segments; ++s) {
    for (int j = 0; j < seg_len; ++j, b += kNr) {
      for (int r = 0; r < kMrF; ++r) {
        const float av = rows[r][s * seg_stride + j];
        for (int c = 0; c < kNr; ++c) sum[r][c] += av * b[c];
      }
    }
  }
  for (int r = 0; r < nrows; ++r)
    for (int c = 0; c < cols; ++c)
      out[static_cast<size_t>(r) * out_stride + c] = conv::ClampFloat(sum[r][c] + bias[c], lo, hi);
}

void SegmentedGemmQPortable(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* rows,
                            const int8_t* b, int nrows, int cols, const int32_t* bias, int c0,
                            const gemm::QuantEpilogue& e, const gemm::Kernels& kern, uint8_t* out, int out_stride) {
  uint32_t sum[gemm::kMrQ][kNr] = {};  // wrapping, as the reference's accumulator
  for (int s = 0; s < segments; ++s) {
    for (int p = 0; p < seg_pairs; ++p, b += 2 * kNr) {
      for (int r = 0; r < gemm::kMrQ; ++r) {
        const int16_t* a = rows[r] + s * seg_stride + 2 * p;
        for (int c = 0; c < kNr; ++c)
          sum[r][c] += static_cast<uint32_t>(a[0] * b[2 * c]) + static_cast<uint32_t>(a[1] * b[2 * c + 1]);
      }
    }
  }
  int32_t acc[gemm::kMrQ * kNr];
  for (int r = 0; r < gemm::kMrQ; ++r)
    for (int c = 0; c < kNr; ++c) acc[r * kNr + c] = static_cast<int32_t>(sum[r][c]);
  kern.requant(acc, kNr, nrows, cols, bias, c0, e, out, out_stride);
}

}  // namespace

SegmentedGemmQ SegmentedGemmQFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return SegmentedGemmQAvx2();
#endif
  (void)isa;
  return &SegmentedGemmQPortable;
}

SegmentedGemmF SegmentedGemmFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return SegmentedGemmAvx2();
#endif
  (void)isa;
  return &SegmentedGemmPortable;
}

}  // namespace liteopt::ops::conv_rows
