// Weight packing, the portable microkernels and the per-ISA kernel tables of ops/common/gemm.h.
#include "ops/common/gemm.h"

#include <algorithm>
#include <cstring>

namespace liteopt::ops::gemm {

namespace {
constexpr int kMrQ = 4;  // rows of the portable quantized tile (Kernels::mr_q)
}  // namespace

#if defined(__x86_64__)
namespace avx2 {
const Kernels& Get();  // gemm_avx2.cc
}  // namespace avx2
#endif
#if defined(__aarch64__)
namespace neon {
const Kernels& Get();  // gemm_neon.cc
}  // namespace neon
#endif

namespace {

// The packed layout of PackedQ into `data` (int16 or int8 elements; the values must fit).
template <typename Elem, typename T>
void PackInto(const T* filter, int n, int k, int32_t filter_offset, const PackedQ& shape, std::vector<Elem>* data) {
  data->assign(static_cast<size_t>(shape.blocks) * shape.k_pairs * kNr * 2, 0);
  for (int c = 0; c < n; ++c) {
    const int b = c / kNr, cc = c % kNr;
    for (int kk = 0; kk < k; ++kk) {
      const int p = kk / 2, j = kk % 2;
      (*data)[((static_cast<size_t>(b) * shape.k_pairs + p) * kNr + cc) * 2 + j] =
          static_cast<Elem>(static_cast<int32_t>(filter[static_cast<size_t>(c) * k + kk]) + filter_offset);
    }
  }
}

}  // namespace

template <typename T>
void PackQuantizedWeights(const T* filter, int n, int k, int32_t filter_offset, const int32_t* bias, PackedQ* out,
                          bool int8_storage) {
  out->n = n;
  out->k = k;
  out->k_pairs = (k + 1) / 2;
  out->blocks = (n + kNr - 1) / kNr;
  out->data.clear();
  out->data8.clear();
  if (std::is_same_v<T, int8_t> && int8_storage && filter_offset == 0) {
    PackInto(filter, n, k, 0, *out, &out->data8);
  } else {
    PackInto(filter, n, k, filter_offset, *out, &out->data);
  }
  out->bias.assign(static_cast<size_t>(out->blocks) * kNr, 0);
  if (bias != nullptr) std::copy(bias, bias + n, out->bias.begin());
}
template void PackQuantizedWeights<int8_t>(const int8_t*, int, int, int32_t, const int32_t*, PackedQ*, bool);
template void PackQuantizedWeights<uint8_t>(const uint8_t*, int, int, int32_t, const int32_t*, PackedQ*, bool);

void PackFloatWeights(const float* filter, int n, int k, const float* bias, PackedF* out) {
  out->n = n;
  out->k = k;
  out->blocks = (n + kNr - 1) / kNr;
  out->data.assign(static_cast<size_t>(out->blocks) * k * kNr, 0.0f);
  out->bias.assign(static_cast<size_t>(out->blocks) * kNr, 0.0f);
  for (int c = 0; c < n; ++c) {
    const int b = c / kNr, cc = c % kNr;
    for (int kk = 0; kk < k; ++kk)
      out->data[(static_cast<size_t>(b) * k + kk) * kNr + cc] = filter[static_cast<size_t>(c) * k + kk];
    if (bias != nullptr) out->bias[c] = bias[c];
  }
}

void RequantPortable(const int32_t* acc, int acc_stride, int rows, int cols, const int32_t* bias, int c0,
                     const QuantEpilogue& e, uint8_t* out, int out_stride) {
  const conv::QuantizedParams& p = *e.params;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      // uint32: the reference's wrapping bias addition.
      const auto a =
          static_cast<int32_t>(static_cast<uint32_t>(acc[r * acc_stride + c]) + static_cast<uint32_t>(bias[c]));
      const int32_t v = conv::Requantize(p, a, c0 + c);
      out[static_cast<size_t>(r) * out_stride + c] =
          e.uint8 ? static_cast<uint8_t>(v) : static_cast<uint8_t>(static_cast<int8_t>(v));
    }
  }
}

void PrepareHybridWeights(const int8_t* filter, int n, int k, const std::vector<float>& per_channel_scale,
                          const float* bias, float lo, float hi, PackedQ* packed, HybridWeights* out,
                          bool int8_storage) {
  PackQuantizedWeights(filter, n, k, 0, nullptr, packed, int8_storage);
  const size_t padded = static_cast<size_t>(packed->blocks) * kNr;
  out->channel_scale.assign(padded, 1.0f);
  std::copy(per_channel_scale.begin(), per_channel_scale.end(), out->channel_scale.begin());
  out->bias.assign(padded, 0.0f);
  if (bias != nullptr) std::copy(bias, bias + n, out->bias.begin());
  out->epilogue = {out->channel_scale.data(), bias != nullptr ? out->bias.data() : nullptr, lo, hi,
                   /*scale_row_first=*/false};
}

void DequantPortable(const int32_t* acc, int acc_stride, int rows, int cols, const float* row_scale, int c0,
                     const HybridEpilogue& e, float* out, int out_stride) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const float a = static_cast<float>(acc[r * acc_stride + c]);
      float v = e.scale_row_first ? a * row_scale[r] * e.channel_scale[c0 + c]
                                  : a * (e.channel_scale[c0 + c] * row_scale[r]);
      if (e.bias != nullptr) v += e.bias[c0 + c];
      out[static_cast<size_t>(r) * out_stride + c] = conv::ClampFloat(v, e.lo, e.hi);
    }
  }
}

void GemvFPortable(int k, const float* a, const float* b, const float* bias, float lo, float hi, int cols,
                   float* out) {
  float sum[kNr] = {};
  for (int kk = 0; kk < k; ++kk) {
    const float* bk = b + static_cast<size_t>(kk) * kNr;
    for (int c = 0; c < kNr; ++c) sum[c] += a[kk] * bk[c];
  }
  for (int c = 0; c < cols; ++c) out[c] = conv::ClampFloat(sum[c] + bias[c], lo, hi);
}

namespace {

void GemmFSegPortable(int segments, int seg_len, ptrdiff_t seg_stride, const float* const* a, const float* b,
                      const float* bias, float lo, float hi, int rows, int cols, float* out, int out_stride) {
  float sum[kMrF][kNr] = {};
  for (int s = 0; s < segments; ++s) {
    for (int j = 0; j < seg_len; ++j, b += kNr) {
      for (int r = 0; r < kMrF; ++r) {
        const float av = a[r][s * seg_stride + j];
        for (int c = 0; c < kNr; ++c) sum[r][c] += av * b[c];
      }
    }
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      out[static_cast<size_t>(r) * out_stride + c] = conv::ClampFloat(sum[r][c] + bias[c], lo, hi);
}

void GemmQ8SegRequantPortable(int segments, int seg_pairs, ptrdiff_t seg_stride, const int16_t* const* a,
                              const int8_t* b, int rows, int cols, const int32_t* bias, int c0, const QuantEpilogue& e,
                              uint8_t* out, int out_stride) {
  uint32_t sum[kMrQ][kNr] = {};  // wrapping, as the reference's accumulator
  for (int s = 0; s < segments; ++s) {
    for (int p = 0; p < seg_pairs; ++p, b += 2 * kNr) {
      for (int r = 0; r < kMrQ; ++r) {
        const int16_t* ar = a[r] + s * seg_stride + 2 * p;
        for (int c = 0; c < kNr; ++c)
          sum[r][c] += static_cast<uint32_t>(ar[0] * b[2 * c]) + static_cast<uint32_t>(ar[1] * b[2 * c + 1]);
      }
    }
  }
  int32_t acc[kMrQ * kNr];
  for (int r = 0; r < kMrQ; ++r)
    for (int c = 0; c < kNr; ++c) acc[r * kNr + c] = static_cast<int32_t>(sum[r][c]);
  RequantPortable(acc, kNr, rows, cols, bias, c0, e, out, out_stride);
}

}  // namespace

void GemvQPortable(int k_pairs, const int16_t* a, const int8_t* b, int32_t* acc) {
  uint32_t sum[kNr] = {};  // wrapping, as the reference's accumulator
  for (int p = 0; p < k_pairs; ++p) {
    const int8_t* bp = b + static_cast<size_t>(p) * kNr * 2;
    const int32_t a0 = a[2 * p], a1 = a[2 * p + 1];
    for (int c = 0; c < kNr; ++c)
      sum[c] += static_cast<uint32_t>(a0 * bp[2 * c]) + static_cast<uint32_t>(a1 * bp[2 * c + 1]);
  }
  for (int c = 0; c < kNr; ++c) acc[c] = static_cast<int32_t>(sum[c]);
}

namespace {

template <typename W>
void GemmQPortable(int k_pairs, const int16_t* a, int lda, const W* b, int32_t* acc) {
  // Row by row, each row's pairs read through its own pointer: with the rows in one loop nest, GCC 12's -O2 SLP
  // vectorizer loaded two rows past the fourth (seen as a read past the scratch's end on a 4680-deep panel).
  for (int r = 0; r < kMrQ; ++r) {
    const int16_t* ar = a + static_cast<size_t>(r) * lda;
    uint32_t sum[kNr] = {};
    for (int p = 0; p < k_pairs; ++p) {
      const W* bp = b + static_cast<size_t>(p) * kNr * 2;
      const int32_t a0 = ar[2 * p], a1 = ar[2 * p + 1];
      for (int c = 0; c < kNr; ++c)
        sum[c] += static_cast<uint32_t>(a0 * bp[2 * c]) + static_cast<uint32_t>(a1 * bp[2 * c + 1]);
    }
    for (int c = 0; c < kNr; ++c) acc[r * kNr + c] = static_cast<int32_t>(sum[c]);
  }
}

void GemmFPortable(int k, const float* const* a, const float* b, const float* bias, float lo, float hi, int rows,
                   int cols, float* out, int out_stride) {
  float sum[kMrF][kNr] = {};
  for (int kk = 0; kk < k; ++kk) {
    const float* bk = b + static_cast<size_t>(kk) * kNr;
    for (int r = 0; r < kMrF; ++r) {
      const float av = a[r][kk];
      for (int c = 0; c < kNr; ++c) sum[r][c] += av * bk[c];
    }
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      out[static_cast<size_t>(r) * out_stride + c] = conv::ClampFloat(sum[r][c] + bias[c], lo, hi);
}

template <typename T>
void WidenPortable(const T* src, int n, int32_t offset, int16_t* dst) {
  for (int i = 0; i < n; ++i) dst[i] = static_cast<int16_t>(static_cast<int32_t>(src[i]) + offset);
}

template <typename W>
void GemmQRequantPortable(int k_pairs, const int16_t* a, int lda, const W* b, int rows, int cols,
                          const int32_t* bias, int c0, const QuantEpilogue& e, uint8_t* out, int out_stride) {
  int32_t acc[kMrQ * kNr];
  GemmQPortable(k_pairs, a, lda, b, acc);
  RequantPortable(acc, kNr, rows, cols, bias, c0, e, out, out_stride);
}

template <typename W>
void GemmQDequantPortable(int k_pairs, const int16_t* a, int lda, const W* b, int rows, int cols,
                          const float* row_scale, int c0, const HybridEpilogue& e, float* out, int out_stride) {
  int32_t acc[kMrQ * kNr];
  GemmQPortable(k_pairs, a, lda, b, acc);
  DequantPortable(acc, kNr, rows, cols, row_scale, c0, e, out, out_stride);
}

const Kernels kPortable = {Isa::kPortable,
                           &GemmQPortable<int16_t>,
                           &WidenPortable<int8_t>,
                           &WidenPortable<uint8_t>,
                           &RequantPortable,
                           &GemmQRequantPortable<int16_t>,
                           &GemmFPortable,
                           &DequantPortable,
                           &GemmQDequantPortable<int16_t>,
                           &GemvQPortable,
                           &GemmQRequantPortable<int8_t>,
                           &GemmQDequantPortable<int8_t>,
                           &GemvFPortable,
                           &GemmFSegPortable,
                           &GemmQ8SegRequantPortable,
                           kMrQ};

}  // namespace

const Kernels& KernelsFor(Isa isa) {
#if defined(__x86_64__)
  if (isa == Isa::kAvx2) return avx2::Get();
#endif
#if defined(__aarch64__)
  // kNeonDot: the same tables; its int8 CONV_2D / FULLY_CONNECTED GEMM is ops/common/gemm_dot.h.
  if (isa == Isa::kNeon || isa == Isa::kNeonDot) return neon::Get();
#endif
  return kPortable;
}

}  // namespace liteopt::ops::gemm
