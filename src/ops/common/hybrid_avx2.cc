// AVX2 hybrid input quantization (ops/common/hybrid.h). Built with -mavx2 -mfma -ffp-contract=fast
// (CMakeLists.txt) and only called after IsaAvailable(Isa::kAvx2); internal linkage only.
#if defined(__x86_64__)
#include <immintrin.h>

#include <cmath>

#include "ops/common/hybrid.h"

namespace liteopt::ops::hybrid::avx2 {
namespace {

// The value as is, through an empty asm: the compiler may not fuse the product that made it with a later
// addition (this file is built with -ffp-contract=fast), so both round as the reference's separate operations do.
inline __m256 Opaque(__m256 v) {
  __asm__("" : "+x"(v));
  return v;
}
inline float Opaque(float v) {
  __asm__("" : "+x"(v));
  return v;
}

bool MinMax(const float* v, int n, float* lo, float* hi) {
  if (n <= 0) return false;
  __m256 vmin = _mm256_set1_ps(v[0]), vmax = vmin;
  // |x| == inf or NaN  <=>  not (|x| <= FLT_MAX)
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 limit = _mm256_set1_ps(3.40282347e+38f);
  __m256 bad = _mm256_setzero_ps();
  // Two independent chains of min/max hide their latency.
  __m256 vmin2 = vmin, vmax2 = vmax;
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 x = _mm256_loadu_ps(v + i), y = _mm256_loadu_ps(v + i + 8);
    vmin = _mm256_min_ps(vmin, x);
    vmax = _mm256_max_ps(vmax, x);
    vmin2 = _mm256_min_ps(vmin2, y);
    vmax2 = _mm256_max_ps(vmax2, y);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_and_ps(x, abs_mask), limit, _CMP_NLE_UQ));
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_and_ps(y, abs_mask), limit, _CMP_NLE_UQ));
  }
  vmin = _mm256_min_ps(vmin, vmin2);
  vmax = _mm256_max_ps(vmax, vmax2);
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(v + i);
    vmin = _mm256_min_ps(vmin, x);
    vmax = _mm256_max_ps(vmax, x);
    bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_and_ps(x, abs_mask), limit, _CMP_NLE_UQ));
  }
  if (_mm256_movemask_ps(bad) != 0) return false;
  alignas(32) float a[8], b[8];
  _mm256_store_ps(a, vmin);
  _mm256_store_ps(b, vmax);
  float mn = a[0], mx = b[0];
  for (int j = 1; j < 8; ++j) {
    mn = a[j] < mn ? a[j] : mn;
    mx = b[j] > mx ? b[j] : mx;
  }
  for (; i < n; ++i) {
    if (!std::isfinite(v[i])) return false;
    mn = v[i] < mn ? v[i] : mn;
    mx = v[i] > mx ? v[i] : mx;
  }
  *lo = mn;
  *hi = mx;
  return true;
}

// Round half away from zero, exactly: t = trunc(y); y - t is exact, and |y - t| >= 0.5 moves t one step away
// from zero.
inline __m256 RoundHalfAway(__m256 y) {
  const __m256 t = _mm256_round_ps(y, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 sign = _mm256_and_ps(y, _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int32_t>(0x80000000u))));
  const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(y, t));  // |y - t|
  const __m256 step = _mm256_or_ps(_mm256_set1_ps(1.0f), sign);     // +-1 with y's sign
  return _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), step));
}

void Quantize(const float* v, int n, float inv, float offset, int32_t qmin, int32_t qmax, int8_t* q) {
  const __m256 vinv = _mm256_set1_ps(inv), voff = _mm256_set1_ps(offset);
  const __m256 lo = _mm256_set1_ps(static_cast<float>(qmin)), hi = _mm256_set1_ps(static_cast<float>(qmax));
  int i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i w[4];
    for (int j = 0; j < 4; ++j) {
      const __m256 y = _mm256_add_ps(voff, Opaque(_mm256_mul_ps(_mm256_loadu_ps(v + i + 8 * j), vinv)));
      const __m256 r = _mm256_min_ps(_mm256_max_ps(RoundHalfAway(y), lo), hi);
      w[j] = _mm256_cvttps_epi32(r);
    }
    // int32 -> int16 -> int8 (in range, no saturation), then undo the lane interleaving of the packs.
    const __m256i s16a = _mm256_packs_epi32(w[0], w[1]), s16b = _mm256_packs_epi32(w[2], w[3]);
    const __m256i s8 = _mm256_packs_epi16(s16a, s16b);
    const __m256i ordered = _mm256_permutevar8x32_epi32(s8, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), ordered);
  }
  for (; i < n; ++i) {
    const auto r = static_cast<int32_t>(std::round(offset + Opaque(v[i] * inv)));
    q[i] = static_cast<int8_t>(r < qmin ? qmin : (r > qmax ? qmax : r));
  }
}

const Kernels kAvx2 = {&MinMax, &Quantize};

}  // namespace

const Kernels& Get() { return kAvx2; }

}  // namespace liteopt::ops::hybrid::avx2
#endif
