// The loops of the optimized 8-bit ADD (add_fast.h), included by one file per ISA, which compiles them with its own
// instruction set. Internal linkage only. Include only from add_fast.cc and add_<isa>.cc.
#include <cstddef>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "ops/binary/add_fast.h"

namespace liteopt::ops::add_fast {
namespace {

template <typename T>
void AddScalar(const Params& p, const T* a, const T* b, T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<T>(xnn::Add(p.add, a[i], b[i], p.output_zero_point, p.out_min, p.out_max));
}

#if defined(__AVX2__)
// 8 elements widened to int32: bias + a * a_multiplier + b * b_multiplier, shifted right arithmetically.
template <typename T>
inline __m256i Scaled8(const Params& p, const T* a, const T* b, __m128i shift) {
  const __m128i a8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(a));
  const __m128i b8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
  __m256i a32, b32;
  if constexpr (std::is_same_v<T, int8_t>) {
    a32 = _mm256_cvtepi8_epi32(a8);
    b32 = _mm256_cvtepi8_epi32(b8);
  } else {
    a32 = _mm256_cvtepu8_epi32(a8);
    b32 = _mm256_cvtepu8_epi32(b8);
  }
  __m256i acc = _mm256_add_epi32(_mm256_set1_epi32(p.add.bias),
                                 _mm256_mullo_epi32(a32, _mm256_set1_epi32(p.add.a_multiplier)));
  acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(b32, _mm256_set1_epi32(p.add.b_multiplier)));
  return _mm256_sra_epi32(acc, shift);
}

// 32 elements per step: four groups of 8 narrowed with saturation to int16 (the zero point added there, saturating)
// and to 8 bits, put back in order, then clamped. A value saturated on the way is outside the 8-bit range, so the
// clamp gives what it gives for the exact value.
template <typename T>
void AddVector(const Params& p, const T* a, const T* b, T* out, int64_t n) {
  const __m128i shift = _mm_cvtsi32_si128(static_cast<int>(p.add.shift));
  const __m256i zp = _mm256_set1_epi16(static_cast<int16_t>(p.output_zero_point));
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const __m256i lo = _mm256_set1_epi8(static_cast<char>(p.out_min));
  const __m256i hi = _mm256_set1_epi8(static_cast<char>(p.out_max));
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i s0 = Scaled8(p, a + i, b + i, shift), s1 = Scaled8(p, a + i + 8, b + i + 8, shift);
    const __m256i s2 = Scaled8(p, a + i + 16, b + i + 16, shift), s3 = Scaled8(p, a + i + 24, b + i + 24, shift);
    const __m256i w01 = _mm256_adds_epi16(_mm256_packs_epi32(s0, s1), zp);
    const __m256i w23 = _mm256_adds_epi16(_mm256_packs_epi32(s2, s3), zp);
    __m256i v;
    if constexpr (std::is_same_v<T, int8_t>) {
      v = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(w01, w23), order);
      v = _mm256_min_epi8(_mm256_max_epi8(v, lo), hi);
    } else {
      v = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23), order);
      v = _mm256_min_epu8(_mm256_max_epu8(v, lo), hi);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), v);
  }
  AddScalar(p, a + i, b + i, out + i, n - i);
}

void RunS8(const Params& p, const int8_t* a, const int8_t* b, int8_t* out, int64_t n) { AddVector(p, a, b, out, n); }
void RunU8(const Params& p, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n) {
  AddVector(p, a, b, out, n);
}
#else
void RunS8(const Params& p, const int8_t* a, const int8_t* b, int8_t* out, int64_t n) { AddScalar(p, a, b, out, n); }
void RunU8(const Params& p, const uint8_t* a, const uint8_t* b, uint8_t* out, int64_t n) {
  AddScalar(p, a, b, out, n);
}
#endif

}  // namespace
}  // namespace liteopt::ops::add_fast
