// AVX2 build of QUANTIZE's optimized loops (compiled with -mavx2, see CMakeLists.txt); called only after
// IsaAvailable(Isa::kAvx2). Float -> 8-bit does xnn::QuantizeFloat's steps on 32 values at a time: the product
// x * (1 / s) (one rounding, as the scalar code), max with the low bound first so NaN maps to it, min with the high
// bound, then vcvtps2dq, which rounds to nearest even in the default rounding mode as the scalar code's
// 1.5 * 2^23 trick does; the clamped values fit the narrowing packs, so their saturation never acts.
#if defined(__x86_64__)
#include <immintrin.h>

#include <type_traits>

#include "ops/common/xnnpack_compat.h"
#include "ops/quantize/quantize_fast.h"

namespace liteopt::ops::quantize_fast::avx2 {
namespace {

inline __m256i Convert8(const float* x, __m256 inv, __m256 lo, __m256 hi) {
  const __m256 v = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(x), inv), lo), hi);
  return _mm256_cvtps_epi32(v);
}

// 32 values: four vectors of 8 int32 (zero point added), packed to 32 bytes in order.
template <bool kSigned>
inline void Store32(const float* x, __m256 inv, __m256 lo, __m256 hi, __m256i zp, void* y) {
  const __m256i a = _mm256_add_epi32(Convert8(x, inv, lo, hi), zp);
  const __m256i b = _mm256_add_epi32(Convert8(x + 8, inv, lo, hi), zp);
  const __m256i c = _mm256_add_epi32(Convert8(x + 16, inv, lo, hi), zp);
  const __m256i d = _mm256_add_epi32(Convert8(x + 24, inv, lo, hi), zp);
  // packs work per 128-bit lane: ab = [a0 b0 a1 b1], cd = [c0 d0 c1 d1] (4 values each), then
  // bytes = [a0 b0 c0 d0 a1 b1 c1 d1]; the permute restores a b c d.
  const __m256i ab = _mm256_packs_epi32(a, b);
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = kSigned ? _mm256_packs_epi16(ab, cd) : _mm256_packus_epi16(ab, cd);
  const __m256i ordered = _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(static_cast<__m256i*>(y), ordered);
}

template <typename Out>
void FloatTo8(const FloatParams& p, const float* x, Out* y, int64_t n) {
  const float inv_scale = p.inv_scale;
  const int32_t zp = p.zero_point, qmin = p.qmin, qmax = p.qmax;
  const __m256 inv = _mm256_set1_ps(inv_scale);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(qmin - zp));
  const __m256 hi = _mm256_set1_ps(static_cast<float>(qmax - zp));
  const __m256i vzp = _mm256_set1_epi32(zp);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) Store32<std::is_same_v<Out, int8_t>>(x + i, inv, lo, hi, vzp, y + i);
  for (; i < n; ++i) y[i] = static_cast<Out>(xnn::QuantizeFloat(x[i], inv_scale, zp, qmin, qmax));
}

}  // namespace

const Kernels& Get() {
  static const Kernels k = {&FloatTo8<int8_t>, &FloatTo8<uint8_t>};
  return k;
}

}  // namespace liteopt::ops::quantize_fast::avx2
#endif
