// ADD and SUB: float32, int32, and int8/uint8 with TFLite's general rescaling scheme (kernels/add.cc,
// kernels/sub.cc; reference/integer_ops/add.h, reference/sub.h):
//   twice_max_input_scale = 2 * max(s1, s2); left_shift = 20
//   input_i multiplier = s_i / twice_max_input_scale (< 1), output multiplier = twice_max / (2^20 * s_out)
//   scaled_i = MBQMSmallerThanOneExp((q_i - zp_i) << 20, input_i multiplier)
//   out = MBQM(scaled_1 +/- scaled_2, output multiplier) + zp_out, clamped to the fused-activation range.
// The multipliers are computed in double from the float scales, as add.cc does.
// Both also take int16 (TFLite's 16x8 mode) on the same general path with left_shift = 15, which add.cc and sub.cc
// use when the op's pot_scale_int16 option is false (what the converter writes) or a scale is not a power of two;
// zero points must be 0. SUB's int16 path subtracts the two rescaled inputs like its 8-bit one (sub.cc's
// reference Sub / BroadcastQuantSubSlow and optimized_integer_ops::Sub agree on that). Their power-of-two-only
// int16 path (pot_scale_int16 with all scales powers of two, meant for LSTM cells) is not implemented and rejected
// in prepare.
// When the official runtime's XNNPACK delegate takes the op (8-bit, scale ratios s_i / s_out in [2^-10, 2^8)),
// XNNPACK's vadd arithmetic is used instead, see ops/common/xnnpack_compat.h.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "base/quant_math.h"
#include "ops/binary/add_fast.h"
#include "ops/binary/binary_common.h"
#include "ops/common/xnnpack_compat.h"

namespace liteopt::ops {
namespace {

struct AddSubState : OpState, binary::CommonParams {
  bool subtract = false;
  int left_shift = 20;
  int32_t input1_multiplier = 0, input2_multiplier = 0, output_multiplier = 0;
  int input1_shift = 0, input2_shift = 0, output_shift = 0;
  bool use_xnn = false;
  xnn::AddParams xnn_params;
  const add_fast::Kernels* fast = nullptr;  // 8-bit operands of one shape on XNNPACK's arithmetic
  add_fast::Params fast_params;
};

// TFLite's CheckedLog2: log2 of the scale within 1e-3 of an integer, in float.
bool PowerOfTwo(float scale) {
  const float x_log2 = std::log(scale) * (1.0f / std::log(2.0f));
  return std::abs(x_log2 - std::round(x_log2)) < 1e-3f;
}

// int16 ADD / SUB (16x8): the power-of-two path of add.cc and sub.cc is not implemented.
Status CheckInt16General(const KernelContext& ctx, const TensorRef& in1, const TensorRef& in2, const TensorRef& out,
                         bool subtract) {
  if (ctx.options().pot_scale_int16 && PowerOfTwo(in1.scale()) && PowerOfTwo(in2.scale()) && PowerOfTwo(out.scale()))
    return ctx.Error(std::string("int16 ") + (subtract ? "SUB" : "ADD") +
                     " with pot_scale_int16 and power-of-two scales (TFLite's LSTM-only path) is not supported; "
                     "write the op with pot_scale_int16 = false");
  return Status::Ok();
}

Status PrepareAddSub(KernelContext& ctx, bool subtract) {
  auto s = std::make_unique<AddSubState>();
  s->subtract = subtract;
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
      if (in1.dtype == DType::kInt16) LITEOPT_RETURN_IF_ERROR(CheckInt16General(ctx, in1, in2, out, subtract));
      s->left_shift = in1.dtype == DType::kInt16 ? 15 : 20;
      const double twice_max_input_scale = 2.0 * static_cast<double>(std::max(in1.scale(), in2.scale()));
      const double real_input1_multiplier = static_cast<double>(in1.scale()) / twice_max_input_scale;
      const double real_input2_multiplier = static_cast<double>(in2.scale()) / twice_max_input_scale;
      const double real_output_multiplier =
          twice_max_input_scale / (static_cast<double>(1 << s->left_shift) * static_cast<double>(out.scale()));
      qmath::QuantizeMultiplierSmallerThanOneExp(real_input1_multiplier, &s->input1_multiplier, &s->input1_shift);
      qmath::QuantizeMultiplierSmallerThanOneExp(real_input2_multiplier, &s->input2_multiplier, &s->input2_shift);
      qmath::QuantizeMultiplier(real_output_multiplier, &s->output_multiplier, &s->output_shift);
      s->use_xnn = ctx.numerics == Numerics::kTfliteRuntime && in1.dtype != DType::kInt16 &&
                   xnn::AddSupported(in1.scale(), in2.scale(), out.scale());
      if (s->use_xnn) {
        s->xnn_params =
            xnn::MakeAddParams(in1.scale(), in1.zero_point(), in2.scale(), in2.zero_point(), out.scale(), subtract);
        xnn::ActivationRange(act, out.dtype, out.scale(), out.zero_point(), &s->act_min, &s->act_max);
        if (s->plan.elementwise && !ctx.reference) {
          s->fast = &add_fast::KernelsFor(SelectedIsa());
          s->fast_params = {s->xnn_params, s->output_offset, s->act_min, s->act_max};
        }
      }
      break;
    }
  }
  ctx.state = std::move(s);
  return Status::Ok();
}

template <typename T>
void EvalQuantized(const AddSubState& s, const T* a, const T* b, T* out) {
  if constexpr (!std::is_same_v<T, int16_t>) {
    if (s.fast != nullptr) {
      if constexpr (std::is_same_v<T, int8_t>) {
        s.fast->s8(s.fast_params, a, b, out, s.plan.size);
      } else {
        s.fast->u8(s.fast_params, a, b, out, s.plan.size);
      }
      return;
    }
  }
  if (s.use_xnn) {
    ForEachBroadcast(s.plan, [&](int64_t o, int64_t ia, int64_t ib) {
      out[o] = static_cast<T>(xnn::Add(s.xnn_params, a[ia], b[ib], s.output_offset, s.act_min, s.act_max));
    });
    return;
  }
  ForEachBroadcast(s.plan, [&](int64_t o, int64_t ia, int64_t ib) {
    const int32_t input1_val = s.input1_offset + static_cast<int32_t>(a[ia]);
    const int32_t input2_val = s.input2_offset + static_cast<int32_t>(b[ib]);
    const int32_t shifted_input1_val = input1_val * (1 << s.left_shift);
    const int32_t shifted_input2_val = input2_val * (1 << s.left_shift);
    const int32_t scaled_input1_val =
        qmath::MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted_input1_val, s.input1_multiplier, s.input1_shift);
    const int32_t scaled_input2_val =
        qmath::MultiplyByQuantizedMultiplierSmallerThanOneExp(shifted_input2_val, s.input2_multiplier, s.input2_shift);
    const int32_t raw = s.subtract ? scaled_input1_val - scaled_input2_val : scaled_input1_val + scaled_input2_val;
    const int32_t raw_output =
        qmath::MultiplyByQuantizedMultiplier(raw, s.output_multiplier, s.output_shift) + s.output_offset;
    out[o] = static_cast<T>(binary::Clamp(raw_output, s.act_min, s.act_max));
  });
}

void EvalAddSub(KernelContext& ctx) {
  const auto& s = *ctx.state_as<AddSubState>();
  const TensorRef& in1 = *ctx.input(0);
  const TensorRef& in2 = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  switch (in1.dtype) {
    case DType::kFloat32: {
      const float* a = in1.as<float>();
      const float* b = in2.as<float>();
      float* o = out.as<float>();
      ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
        o[i] = binary::Clamp(s.subtract ? a[ia] - b[ib] : a[ia] + b[ib], s.f_min, s.f_max);
      });
      break;
    }
    case DType::kInt32: {
      const int32_t* a = in1.as<int32_t>();
      const int32_t* b = in2.as<int32_t>();
      int32_t* o = out.as<int32_t>();
      // Wrap-around like TFLite's int32 kernels, without signed-overflow UB.
      ForEachBroadcast(s.plan, [&](int64_t i, int64_t ia, int64_t ib) {
        const uint32_t ua = static_cast<uint32_t>(a[ia]), ub = static_cast<uint32_t>(b[ib]);
        o[i] = binary::Clamp(static_cast<int32_t>(s.subtract ? ua - ub : ua + ub), s.act_min, s.act_max);
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

Status PrepareAdd(KernelContext& ctx) { return PrepareAddSub(ctx, false); }
Status PrepareSub(KernelContext& ctx) { return PrepareAddSub(ctx, true); }

}  // namespace

extern const Kernel kKernel_ADD;
const Kernel kKernel_ADD = {&PrepareAdd, &EvalAddSub};
extern const Kernel kKernel_SUB;
const Kernel kKernel_SUB = {&PrepareSub, &EvalAddSub};

}  // namespace liteopt::ops
