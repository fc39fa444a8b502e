// FULLY_CONNECTED reference kernels, numerically following TFLite's built-in kernel
// (tensorflow/lite/kernels/fully_connected.cc). Weights [units, input_depth]; the input is read as
// [batches, input_depth] with batches = num_elements(input) / input_depth. Output [batches, units], or the
// input's shape with its last dimension replaced by units when keep_num_dims is set.
//  - float32: reference_ops::FullyConnected (dot product in input order, then + bias, clamp).
//  - int8: per-tensor weights (weights_offset = -filter_zero_point, legacy multiplier with the scale product in
//    float, as GetQuantizedConvolutionMultipler) or per-channel symmetric weights (multipliers from double
//    products); int32 bias; fixed-point double-rounding requantization (the integer kernel the runtime uses by
//    default; note that the newest LiteRT *reference* int8 FC rounds in double instead).
//  - uint8: per-tensor uint8 weights with zero point, int32 bias, legacy multiplier.
//  - int16x8: int16 input and output (zero point 0), int8 weights (per tensor: legacy multiplier; per channel:
//    double products), int64 bias: the int16 reference_integer_ops::FullyConnected, 64-bit accumulator
//    (ops/common/conv_params.h, Int16x8Arithmetic).
//  - hybrid (float32 input, int8 weights, float bias, float32 output): EvalHybridDense. Each batch row is
//    quantized symmetrically (SymmetricQuantizeFloats), or asymmetrically when asymmetric_quantize_inputs is set
//    (AsymmetricQuantizeFloats, zero point zp[b], corrected with the weight row sums). Per-tensor weights:
//    sf[b] *= filter_scale and out = bias + float(dot) * sf[b]. Per-channel weights (more than one scale):
//    out = bias + float(dot) * (sf[b] * filter_scale[u]). dot = sum w * q - row_sum[u] * zp[b].
// Shuffled weights (weights_format SHUFFLED4x16INT8) are rejected.
// int8/uint8 requantization follows ctx.numerics at prepare time: TFLite's built-in fixed-point
// formula (default) or XNNPACK's float formula (see ops/common/conv_params.h).
//
// Optimized path (not ctx.reference; float, int8, uint8 or hybrid with constant weights and bias): the GEMM of
// ops/common/gemm.h with the weights packed at prepare time for the ISA selected then. int8/uint8 results are
// bit-exact with the reference; float results are within gemm::kF32Tolerance. Hybrid: rows quantized by
// ops/common/hybrid.h, then gemm::RunHybrid (the int32 sum w * (q - zp) equals the reference's
// sum w * q - row_sum * zp, and the epilogue repeats its float operations): bit-exact with the reference.
#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "base/quant_math.h"
#include "ops/common/conv_params.h"
#include "ops/common/gemm.h"
#include "ops/common/gemm_dot.h"
#include "ops/common/hybrid.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct FullyConnectedState : conv::KernelState {
  int batches = 0, accum_depth = 0, output_depth = 0;
  // Hybrid path.
  bool hybrid_per_channel = false;
  bool asymmetric_quantize_inputs = false;
  float filter_scale = 0;
  std::vector<float> per_channel_scale;
  conv::HybridInput hybrid;       // one row per batch row
  std::vector<int32_t> row_sums;  // [units], sums of each weight row
  bool row_sums_ready = false;
  // Optimized path; fast == nullptr runs the reference loops.
  const gemm::Kernels* fast = nullptr;
  const hybrid::Kernels* hybrid_fast = nullptr;  // hybrid input quantization
  gemm::HybridWeights hybrid_gemm;
  gemm::PackedQ packed_q;
  gemm::PackedF packed_f;
  gemm::dot::PackedS8 packed_dot;  // int8 on Isa::kNeonDot (ops/common/gemm_dot.h); empty otherwise
  std::vector<int16_t> scratch_q;  // per thread: a chunk of panels of int16 rows (gemm::ChunkPanels)
};

// The hybrid GEMM's packed weights, channel scales, bias and epilogue.
void PrepareFastHybrid(const TensorRef& filter, const TensorRef* bias, FullyConnectedState* s) {
  gemm::PrepareHybridWeights(filter.as<int8_t>(), s->output_depth, s->accum_depth, s->per_channel_scale,
                             bias != nullptr ? bias->as<float>() : nullptr, s->float_activation_min,
                             s->float_activation_max, &s->packed_q, &s->hybrid_gemm,
                             gemm::Int8Storage(gemm::KernelsFor(SelectedIsa()), s->batches == 1));
  s->hybrid_fast = &hybrid::KernelsFor(SelectedIsa());
}

void PrepareFast(const KernelContext& ctx, const TensorRef& filter, const TensorRef* bias, FullyConnectedState* s) {
  if (ctx.reference || !conv::HasFastPath(s->kind) || !filter.is_const || filter.data == nullptr) return;
  if (bias != nullptr && (!bias->is_const || bias->data == nullptr)) return;
  const int n = s->output_depth, k = s->accum_depth;
  const int threads = ctx.pool != nullptr ? ctx.pool->size() : 1;
  switch (s->kind) {
    case conv::Kind::kInt8:
      if (gemm::dot::Prepare(SelectedIsa(), filter.as<int8_t>(), n, k, s->quant.filter_offset, s->quant.input_offset,
                             bias ? bias->as<int32_t>() : nullptr, threads, &s->packed_dot))
        break;
      gemm::PackQuantizedWeights(filter.as<int8_t>(), n, k, s->quant.filter_offset,
                                 bias ? bias->as<int32_t>() : nullptr, &s->packed_q,
                                 gemm::Int8Storage(gemm::KernelsFor(SelectedIsa()), s->batches == 1));
      break;
    case conv::Kind::kUInt8:
      gemm::PackQuantizedWeights(filter.as<uint8_t>(), n, k, s->quant.filter_offset,
                                 bias ? bias->as<int32_t>() : nullptr, &s->packed_q);
      break;
    case conv::Kind::kFloat:
      gemm::PackFloatWeights(filter.as<float>(), n, k, bias ? bias->as<float>() : nullptr, &s->packed_f);
      break;
    case conv::Kind::kHybrid:
      PrepareFastHybrid(filter, bias, s);
      break;
    case conv::Kind::kInt16:  // no fast path (HasFastPath)
      break;
  }
  if (s->kind != conv::Kind::kFloat && s->packed_dot.empty())
    s->scratch_q.assign(gemm::QuantizedScratchPerThread(s->packed_q) * static_cast<size_t>(threads), 0);
  s->fast = &gemm::KernelsFor(SelectedIsa());
}

void ComputeRowSums(const int8_t* filter, int rows, int cols, int32_t* row_sums) {
  for (int r = 0; r < rows; ++r) {
    int32_t sum = 0;
    for (int c = 0; c < cols; ++c) sum += filter[static_cast<size_t>(r) * cols + c];
    row_sums[r] = sum;
  }
}

Status Prepare(KernelContext& ctx) {
  const ir::OpOptions& o = ctx.options();
  if (o.weights_format != 0)
    return ctx.Error("weights_format " + std::to_string(o.weights_format) +
                     " (shuffled 4x16 int8 weights) is not supported; only the default format is");
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 3));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& filter = *ctx.input(1);
  const TensorRef* bias = ctx.input(2);
  TensorRef& output = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(conv::CheckFusedActivation(ctx));

  if (filter.rank() != 2)
    return ctx.Error("weights " + TensorLabel(filter) + " must be 2-D [units, input_depth], found shape " +
                     ShapeString(filter.shape));
  if (filter.dim(0) <= 0 || filter.dim(1) <= 0)
    return ctx.Error("weights " + TensorLabel(filter) + " have an empty dimension: " + ShapeString(filter.shape));
  if (input.rank() < 1)
    return ctx.Error("input " + TensorLabel(input) + " must have rank >= 1, found a scalar");
  int64_t input_size, n;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, input, &input_size));
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, filter, &n));
  const int accum_depth = filter.dim(1);
  const int units = filter.dim(0);
  if (input_size % accum_depth != 0)
    return ctx.Error("input " + TensorLabel(input) + " with shape " + ShapeString(input.shape) + " (" +
                     std::to_string(input_size) + " elements) cannot be split into rows of " +
                     std::to_string(accum_depth) + " (weights " + TensorLabel(filter) + " shape " +
                     ShapeString(filter.shape) + ")");
  if (o.keep_num_dims && input.dim(input.rank() - 1) != accum_depth)
    return ctx.Error("keep_num_dims needs the last dimension of input " + TensorLabel(input) + " " +
                     ShapeString(input.shape) + " to equal the weights' input depth " + std::to_string(accum_depth));

  auto s = std::make_unique<FullyConnectedState>();
  s->batches = static_cast<int>(input_size / accum_depth);
  s->accum_depth = accum_depth;
  s->output_depth = units;
  const int activation = static_cast<int>(o.activation);
  qmath::ActivationRangeFloat(activation, &s->float_activation_min, &s->float_activation_max);

  LITEOPT_RETURN_IF_ERROR(conv::SelectKind(ctx, input, filter, "weights", &s->kind));
  switch (s->kind) {
    case conv::Kind::kFloat:
      LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, units));
      LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
      break;
    case conv::Kind::kHybrid:
      LITEOPT_RETURN_IF_ERROR(conv::CheckFilterQuant(ctx, filter, 0, units, /*symmetric=*/true));
      LITEOPT_RETURN_IF_ERROR(conv::CheckBias(ctx, bias, DType::kFloat32, units));
      LITEOPT_RETURN_IF_ERROR(conv::CheckOutputDType(ctx, output, DType::kFloat32));
      s->hybrid_per_channel = filter.quant->scale.size() > 1;
      s->filter_scale = filter.quant->scale[0];
      if (s->hybrid_per_channel) s->per_channel_scale = filter.quant->scale;
      s->asymmetric_quantize_inputs = o.asymmetric_quantize_inputs;
      s->hybrid.Allocate(s->batches, accum_depth);
      s->row_sums.assign(static_cast<size_t>(units), 0);
      if (filter.is_const && filter.data != nullptr) {
        ComputeRowSums(filter.as<int8_t>(), units, accum_depth, s->row_sums.data());
        s->row_sums_ready = true;
      }
      break;
    case conv::Kind::kInt8:
    case conv::Kind::kUInt8:
    case conv::Kind::kInt16: {
      // Per-tensor int8 weights may have a zero point (legacy multiplier); per-channel ones are symmetric.
      const conv::FilterSpec spec = {
          .channels = units, .quantized_dim = 0, .noun = "weights", .verb = "are", .int8_per_tensor_legacy = true};
      LITEOPT_RETURN_IF_ERROR(conv::PrepareQuantized(ctx, input, filter, bias, output, spec, &s->quant));
      break;
    }
  }
  PrepareFast(ctx, filter, bias, s.get());

  if (o.keep_num_dims) {
    output.shape = input.shape;
    output.shape.back() = units;
  } else {
    output.shape = {s->batches, units};
  }
  int64_t out_elems;
  LITEOPT_RETURN_IF_ERROR(conv::CheckedNumElements(ctx, output, &out_elems));
  ctx.state = std::move(s);
  return Status::Ok();
}

// The loop nest of every path: for each batch row b and unit out_c, acc = the sum over d, in input order, of
// arithmetic.Tap(b, input[b][d], weights[out_c][d]), then output[b][out_c] = arithmetic.Finish(acc, b, out_c).
template <typename In, typename Filter, typename Out, typename Arithmetic>
void DotRows(const FullyConnectedState& s, const In* input_data, const Filter* filter_data, Out* output_data,
             const Arithmetic& arithmetic) {
  for (int b = 0; b < s.batches; ++b) {
    const In* in = input_data + static_cast<size_t>(b) * s.accum_depth;
    for (int out_c = 0; out_c < s.output_depth; ++out_c) {
      const Filter* w = filter_data + static_cast<size_t>(out_c) * s.accum_depth;
      typename Arithmetic::Acc acc = 0;
      for (int d = 0; d < s.accum_depth; ++d) acc += arithmetic.Tap(b, in[d], w[d]);
      output_data[static_cast<size_t>(b) * s.output_depth + out_c] = arithmetic.Finish(acc, b, out_c);
    }
  }
}

// Hybrid: dot = sum w * q - row_sum[row] * zp[b]; out = bias + float(dot) * scale, clamped, with scale = sf[b]
// (per-tensor: the filter scale is folded in) or sf[b] * filter_scale[row] (per channel).
struct HybridArithmetic {
  using Acc = int32_t;
  const FullyConnectedState& s;
  const float* bias;
  int32_t Tap(int /*b*/, int32_t q, int32_t w) const { return w * q; }
  float Finish(int32_t dotprod, int b, int row) const {
    dotprod -= s.row_sums[row] * s.hybrid.zero_points[b];
    float scale = s.hybrid.scaling_factors[b];
    if (s.hybrid_per_channel) scale *= s.per_channel_scale[row];
    float result = bias ? bias[row] : 0.0f;
    result += static_cast<float>(dotprod) * scale;
    return conv::ClampFloat(result, s.float_activation_min, s.float_activation_max);
  }
};

// Each row symmetric, or asymmetric with asymmetric_quantize_inputs; per-tensor weights: the scale folded in.
void QuantizeHybridInput(FullyConnectedState& s, const float* input_data) {
  if (s.hybrid_fast != nullptr) {
    hybrid::QuantizeRows(*s.hybrid_fast, input_data, s.asymmetric_quantize_inputs, &s.hybrid);
  } else {
    s.hybrid.Quantize(input_data, s.asymmetric_quantize_inputs);
  }
  if (!s.hybrid_per_channel)
    for (float& sf : s.hybrid.scaling_factors) sf *= s.filter_scale;
}

void EvalHybrid(FullyConnectedState& s, const float* input_data, const int8_t* filter_data, const float* bias_data,
                float* output_data) {
  if (s.asymmetric_quantize_inputs && !s.row_sums_ready) {
    ComputeRowSums(filter_data, s.output_depth, s.accum_depth, s.row_sums.data());
  }
  QuantizeHybridInput(s, input_data);
  DotRows(s, s.hybrid.quantized.data(), filter_data, output_data, HybridArithmetic{s, bias_data});
}

void EvalFastHybrid(FullyConnectedState& s, const float* input, float* output, ThreadPool* pool) {
  QuantizeHybridInput(s, input);
  const int depth = s.accum_depth;
  const int8_t* quantized = s.hybrid.quantized.data();
  gemm::RunHybrid(
      *s.fast, s.packed_q, s.batches, 1, depth, 1, s.hybrid.zero_points.data(), s.hybrid.scaling_factors.data(),
      s.hybrid_gemm.epilogue,
      [&](int m0, int rows, const int8_t* (*src)[gemm::kMaxSegments]) {
        for (int r = 0; r < rows; ++r) src[r][0] = quantized + static_cast<size_t>(m0 + r) * depth;
      },
      s.scratch_q.data(), output, pool);
}

template <typename T>
void EvalFastQuantized(FullyConnectedState& s, const T* input, T* output, ThreadPool* pool) {
  const gemm::QuantEpilogue e{&s.quant, std::is_same_v<T, uint8_t>};
  const int depth = s.accum_depth;
  if constexpr (std::is_same_v<T, int8_t>) {
    if (!s.packed_dot.empty()) {
      gemm::dot::Run(
          s.packed_dot, s.batches, 1, depth, e,
          [&](int m0, int rows, const int8_t* (*src)[gemm::kMaxSegments]) {
            for (int r = 0; r < rows; ++r) src[r][0] = input + static_cast<size_t>(m0 + r) * depth;
          },
          output, pool);
      return;
    }
  }
  gemm::RunQuantizedDense(*s.fast, s.packed_q, s.batches, input, s.quant.input_offset, e, s.scratch_q.data(), output,
                          pool);
}

void EvalFastFloat(FullyConnectedState& s, const float* input, float* output, ThreadPool* pool) {
  const int depth = s.accum_depth;
  gemm::RunFloat(
      *s.fast, s.packed_f, s.batches, 1, depth, s.float_activation_min, s.float_activation_max, /*direct=*/true,
      [&](int m0, int rows, const float* (*src)[gemm::kMaxSegments]) {
        for (int r = 0; r < rows; ++r) src[r][0] = input + static_cast<size_t>(m0 + r) * depth;
      },
      nullptr, output, pool);
}

void Eval(KernelContext& ctx) {
  auto& s = *ctx.state_as<FullyConnectedState>();
  if (s.fast != nullptr) {
    const TensorRef& input = *ctx.input(0);
    TensorRef& output = *ctx.output(0);
    switch (s.kind) {
      case conv::Kind::kInt8: EvalFastQuantized(s, input.as<int8_t>(), output.as<int8_t>(), ctx.pool); return;
      case conv::Kind::kUInt8: EvalFastQuantized(s, input.as<uint8_t>(), output.as<uint8_t>(), ctx.pool); return;
      case conv::Kind::kFloat: EvalFastFloat(s, input.as<float>(), output.as<float>(), ctx.pool); return;
      case conv::Kind::kHybrid: EvalFastHybrid(s, input.as<float>(), output.as<float>(), ctx.pool); return;
      case conv::Kind::kInt16: break;  // no fast path
    }
  }
  conv::EvalByKind(
      ctx, s, [&](auto... args) { DotRows(s, args...); }, [&](auto... args) { EvalHybrid(s, args...); });
}

}  // namespace

extern const Kernel kKernel_FULLY_CONNECTED;
const Kernel kKernel_FULLY_CONNECTED = {&Prepare, &Eval};

}  // namespace liteopt::ops
