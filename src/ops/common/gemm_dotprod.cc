// The armv8.2-a dot-product microkernel of ops/common/gemm_dot.h. Built with -march=armv8.2-a+dotprod
// (CMakeLists.txt) and called only after IsaAvailable(Isa::kNeonDot) (HWCAP_ASIMDDP); internal linkage except the
// lookup function.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "ops/common/gemm_dot.h"

namespace liteopt::ops::gemm::dot {
namespace {

static_assert(kMrQ == 4 && kNr == 16);

// acc[r][j] (channels 4j .. 4j + 3) += the quad of row r in lane `lane` of av, dotted with each channel's 4 weights.
#define LITEOPT_DOT_QUAD(acc, w, av, lane)                          \
  do {                                                             \
    (acc)[0] = vdotq_laneq_s32((acc)[0], (w)[0], (av), (lane));    \
    (acc)[1] = vdotq_laneq_s32((acc)[1], (w)[1], (av), (lane));    \
    (acc)[2] = vdotq_laneq_s32((acc)[2], (w)[2], (av), (lane));    \
    (acc)[3] = vdotq_laneq_s32((acc)[3], (w)[3], (av), (lane));    \
  } while (0)

inline void LoadQuad(const int8_t* b, int8x16_t* w) {
  for (int j = 0; j < 4; ++j) w[j] = vld1q_s8(b + 16 * j);
}

// 4 rows x 16 channels: per quad of k, 4 weight vectors (4 channels x 4 k each) and one sdot by lane per row and
// vector. The int32 lanes wrap like the reference's accumulator.
void GemmRequant(int k_quads, const int8_t* a, int lda, const int8_t* b, int rows, int cols, const int32_t* bias,
                 int c0, const QuantEpilogue& e, uint8_t* out, int out_stride) {
  int32x4_t c[kMrQ][4];
  for (int r = 0; r < kMrQ; ++r)
    for (int j = 0; j < 4; ++j) c[r][j] = vdupq_n_s32(0);
  const int8_t* row[kMrQ] = {a, a + lda, a + 2 * lda, a + 3 * lda};
  int q = 0;
  for (; q + 4 <= k_quads; q += 4) {
    int8x16_t av[kMrQ];
    for (int r = 0; r < kMrQ; ++r) av[r] = vld1q_s8(row[r] + 4 * q);
    int8x16_t w[4];
    LoadQuad(b, w);
    for (int r = 0; r < kMrQ; ++r) LITEOPT_DOT_QUAD(c[r], w, av[r], 0);
    LoadQuad(b + 64, w);
    for (int r = 0; r < kMrQ; ++r) LITEOPT_DOT_QUAD(c[r], w, av[r], 1);
    LoadQuad(b + 128, w);
    for (int r = 0; r < kMrQ; ++r) LITEOPT_DOT_QUAD(c[r], w, av[r], 2);
    LoadQuad(b + 192, w);
    for (int r = 0; r < kMrQ; ++r) LITEOPT_DOT_QUAD(c[r], w, av[r], 3);
    b += 256;
  }
  for (; q < k_quads; ++q) {
    int8x16_t w[4];
    LoadQuad(b, w);
    b += 64;
    for (int r = 0; r < kMrQ; ++r) {
      int32_t v;
      std::memcpy(&v, row[r] + 4 * q, 4);
      const int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(v));
      LITEOPT_DOT_QUAD(c[r], w, av, 0);
    }
  }
  int32_t acc[kMrQ * kNr];
  for (int r = 0; r < kMrQ; ++r)
    for (int j = 0; j < 4; ++j) vst1q_s32(acc + r * kNr + 4 * j, c[r][j]);
  // The NEON requantization (fp32 formula vectorized, fixed-point per element), as the int16 path's.
  KernelsFor(Isa::kNeon).requant(acc, kNr, rows, cols, bias, c0, e, out, out_stride);
}
#undef LITEOPT_DOT_QUAD

}  // namespace

GemmRequantFn DotprodKernel() { return &GemmRequant; }

}  // namespace liteopt::ops::gemm::dot
#endif
