// AVX2 + FMA segmented float tile of ops/conv2d/conv2d_rows.h (built with -mavx2 -mfma, called only after
// IsaAvailable(Isa::kAvx2)): 6 pixels x 16 channels in named accumulators, as gemm_avx2.cc's GemmF, with the A
// values read from each pixel's runs in place.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cstring>

#include "ops/conv2d/conv2d_rows.h"

namespace liteopt::ops::conv_rows {
namespace {

void SegmentedGemm(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* rows, const float* b,
                   const float* bias, float lo, float hi, int nrows, int cols, float* out, int out_stride) {
  static_assert(gemm::kMrF == 6 && gemm::kNr == 16);
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int s = 0; s < segments; ++s) {
    const ptrdiff_t off = s * seg_stride;
    const float* a0 = rows[0] + off;
    const float* a1 = rows[1] + off;
    const float* a2 = rows[2] + off;
    const float* a3 = rows[3] + off;
    const float* a4 = rows[4] + off;
    const float* a5 = rows[5] + off;
    for (int j = 0; j < seg_len; ++j, b += 16) {
      const __m256 b0 = _mm256_loadu_ps(b);
      const __m256 b1 = _mm256_loadu_ps(b + 8);
      __m256 x = _mm256_broadcast_ss(a0 + j);
      c00 = _mm256_fmadd_ps(x, b0, c00);
      c01 = _mm256_fmadd_ps(x, b1, c01);
      x = _mm256_broadcast_ss(a1 + j);
      c10 = _mm256_fmadd_ps(x, b0, c10);
      c11 = _mm256_fmadd_ps(x, b1, c11);
      x = _mm256_broadcast_ss(a2 + j);
      c20 = _mm256_fmadd_ps(x, b0, c20);
      c21 = _mm256_fmadd_ps(x, b1, c21);
      x = _mm256_broadcast_ss(a3 + j);
      c30 = _mm256_fmadd_ps(x, b0, c30);
      c31 = _mm256_fmadd_ps(x, b1, c31);
      x = _mm256_broadcast_ss(a4 + j);
      c40 = _mm256_fmadd_ps(x, b0, c40);
      c41 = _mm256_fmadd_ps(x, b1, c41);
      x = _mm256_broadcast_ss(a5 + j);
      c50 = _mm256_fmadd_ps(x, b0, c50);
      c51 = _mm256_fmadd_ps(x, b1, c51);
    }
  }
  alignas(32) float bias16[16] = {};
  std::memcpy(bias16, bias, sizeof(float) * static_cast<size_t>(cols));
  const __m256 bias0 = _mm256_load_ps(bias16), bias1 = _mm256_load_ps(bias16 + 8);
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  auto store = [&](__m256 v0, __m256 v1, float* o) {
    // max/min return their second operand when either is NaN: NaN sums pass through like conv::ClampFloat.
    alignas(32) float tmp[16];
    _mm256_store_ps(tmp, _mm256_min_ps(vhi, _mm256_max_ps(vlo, _mm256_add_ps(v0, bias0))));
    _mm256_store_ps(tmp + 8, _mm256_min_ps(vhi, _mm256_max_ps(vlo, _mm256_add_ps(v1, bias1))));
    std::memcpy(o, tmp, sizeof(float) * static_cast<size_t>(cols));
  };
  const size_t stride = static_cast<size_t>(out_stride);
  store(c00, c01, out);
  if (nrows > 1) store(c10, c11, out + stride);
  if (nrows > 2) store(c20, c21, out + 2 * stride);
  if (nrows > 3) store(c30, c31, out + 3 * stride);
  if (nrows > 4) store(c40, c41, out + 4 * stride);
  if (nrows > 5) store(c50, c51, out + 5 * stride);
}

// The int16 pair at p in every int32 lane.
inline __m256i Broadcast2(const int16_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// 4 pixels x 16 channels: per pair, the int8 weights of 16 channels x 2 sign-extended to two int16 vectors
// (vpmovsxbw), one broadcast pair per pixel, vpmaddwd (exact: |products| <= 255 * 127) and wrapping vpaddd.
void SegmentedGemmQ8(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* rows, const int8_t* b,
                     int nrows, int cols, const int32_t* bias, int c0, const gemm::QuantEpilogue& e,
                     const gemm::Kernels& kern, uint8_t* out, int out_stride) {
  static_assert(gemm::kMrQ == 4 && gemm::kNr == 16);
  __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int s = 0; s < segments; ++s) {
    const ptrdiff_t off = s * seg_stride;
    const int16_t* a0 = rows[0] + off;
    const int16_t* a1 = rows[1] + off;
    const int16_t* a2 = rows[2] + off;
    const int16_t* a3 = rows[3] + off;
    for (int p = 0; p < seg_pairs; ++p, b += 32) {
      const __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b)));
      const __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16)));
      __m256i x = Broadcast2(a0 + 2 * p);
      c00 = _mm256_add_epi32(c00, _mm256_madd_epi16(x, b0));
      c01 = _mm256_add_epi32(c01, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a1 + 2 * p);
      c10 = _mm256_add_epi32(c10, _mm256_madd_epi16(x, b0));
      c11 = _mm256_add_epi32(c11, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a2 + 2 * p);
      c20 = _mm256_add_epi32(c20, _mm256_madd_epi16(x, b0));
      c21 = _mm256_add_epi32(c21, _mm256_madd_epi16(x, b1));
      x = Broadcast2(a3 + 2 * p);
      c30 = _mm256_add_epi32(c30, _mm256_madd_epi16(x, b0));
      c31 = _mm256_add_epi32(c31, _mm256_madd_epi16(x, b1));
    }
  }
  alignas(32) int32_t acc[gemm::kMrQ * gemm::kNr];
  auto* v = reinterpret_cast<__m256i*>(acc);
  _mm256_store_si256(v + 0, c00);
  _mm256_store_si256(v + 1, c01);
  _mm256_store_si256(v + 2, c10);
  _mm256_store_si256(v + 3, c11);
  _mm256_store_si256(v + 4, c20);
  _mm256_store_si256(v + 5, c21);
  _mm256_store_si256(v + 6, c30);
  _mm256_store_si256(v + 7, c31);
  kern.requant(acc, gemm::kNr, nrows, cols, bias, c0, e, out, out_stride);
}

}  // namespace

SegmentedGemmF SegmentedGemmAvx2() { return &SegmentedGemm; }
SegmentedGemmQ SegmentedGemmQAvx2() { return &SegmentedGemmQ8; }

}  // namespace liteopt::ops::conv_rows
#endif
