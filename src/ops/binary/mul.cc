// MUL: float32, int32, int8/uint8/int16. Quantized (kernels/mul.cc, reference/integer_ops/mul.h):
//   out = MBQM((q1 - zp1) * (q2 - zp2), M = s1 * s2 / s_out) + zp_out, clamped to the fused-activation range.
// mul.cc evaluates s1 * s2 / s_out in float (the scales are floats) before encoding it; so do we.
// int16 (TFLite's 16x8 mode, op version 4) is the same formula with zero points 0: |q1 * q2| <= 2^30 fits in int32.
// When the official runtime's XNNPACK delegate takes the op (8-bit, s1 * s2 / s_out in [2^-16, 2^8)), XNNPACK's
// float requantization with round-to-nearest-even is used instead, see ops/common/xnnpack_compat.h.
#include "base/quant_math.h"
#include "ops/binary/binary_common.h"
#include "ops/common/xnnpack_compat.h"

namespace liteopt::ops {
namespace {

struct MulState : OpState, binary::CommonParams {
  int32_t output_multiplier = 0;
  int output_shift = 0;
  bool use_xnn = false;
  float xnn_scale = 0.0f;
};

Status PrepareMul(KernelContext& ctx) {
  auto s = std::make_unique<MulState>();
  LITEOPT_RETURN_IF_ERROR(binary::PrepareCommon(ctx, s.get()));
  const TensorRef& in1 = *ctx.input(0);
  const TensorRef& in2 = *ctx.input(1);
  const TensorRef& out = *ctx.output(0);
  const int act = ActivationCode(ctx);
  switch (in1.dtype) {
    case DType::kFloat32:
    case DType::kInt32:
      break;
    default: {
      const float real_multiplier = in1.scale() * in2.scale() / out.scale();
      qmath::QuantizeMultiplier(static_cast<double>(real_multiplier), &s->output_multiplier, &s->output_shift);
      s->use_xnn = ctx.numerics == Numerics::kTfliteRuntime && in1.dtype != DType::kInt16 &&
                   xnn::MulSupported(in1.scale(), in2.scale(), out.scale());
      if (s->use_xnn) {
        s->xnn_scale = real_multiplier;
        xnn::ActivationRange(act, out.dtype, out.scale(), out.zero_point(), &s->act_min, &s->act_max);
      }
      break;
    }
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T>
void EvalQuantized(const MulState& s, const T* a, const T* b, T* out) {
  if (s.use_xnn) {
    ForEachBroadcast(s.plan, [&](int64_t o, int64_t ia, int64_t ib) {
      out[o] = static_cast<T>(xnn::Mul(s.input1_offset + a[ia], s.input2_offset + b[ib], s.xnn_scale, s.output_offset,
                                       s.act_min, s.act_max));
    });
    return;
  }
  ForEachBroadcast(s.plan, [&](int64_t o, int64_t ia, int64_t ib) {
    const int32_t input1_val = s.input1_offset + static_cast<int32_t>(a[ia]);
    const int32_t input2_val = s.input2_offset + static_cast<int32_t>(b[ib]);
    const int32_t unclamped =
        qmath::MultiplyByQuantizedMultiplier(input1_val * input2_val, s.output_multiplier, s.output_shift) +
        s.output_offset;
    out[o] = static_cast<T>(binary::Clamp(unclamped, s.act_min, s.act_max));
  });
}

void EvalMul(KernelContext& ctx) {
  const auto& s = *ctx.state_as<MulState>();
  const TensorRef& in1 = *ctx.input(0);
  const TensorRef& in2 = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  switch (in1.dtype) {
    case DType::kFloat32: {
      const float* a = in1.as<float>();
      const float* b = in2.as<float>();
      float* o = out.as<float>();
      ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
        o[i] = binary::Clamp(a[ia] * b[ib], s.f_min, s.f_max);
      });
      break;
    }
    case DType::kInt32: {
      const int32_t* a = in1.as<int32_t>();
      const int32_t* b = in2.as<int32_t>();
      int32_t* o = out.as<int32_t>();
      // Wrap-around product like TFLite's int32 kernel, without signed-overflow UB.
      ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
        const uint32_t p = static_cast<uint32_t>(a[ia]) * static_cast<uint32_t>(b[ib]);
        o[i] = binary::Clamp(static_cast<int32_t>(p), s.act_min, s.act_max);
      });
      break;
    }
    case DType::kInt8:
      EvalQuantized<int8_t>(s, in1.as<int8_t>(), in2.as<int8_t>(), out.as<int8_t>());
      break;
    case DType::kUInt8:
      EvalQuantized<uint8_t>(s, in1.as<uint8_t>(), in2.as<uint8_t>(), out.as<uint8_t>());
      break;
    case DType::kInt16:
      EvalQuantized<int16_t>(s, in1.as<int16_t>(), in2.as<int16_t>(), out.as<int16_t>());
      break;
    default:
      break;
  }
}

}  // namespace

extern const Kernel kKernel_MUL;
const Kernel kKernel_MUL = {&PrepareMul, &EvalMul};

}  // namespace liteopt::ops
