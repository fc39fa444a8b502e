// CONCATENATION along one axis (TFLite's concatenation.cc, reference/concatenation.h).
//
// Quantized inputs whose scale or zero point differ from the output's are requantized element by element
// with TFLite's ConcatenationWithScaling float formula:
//   q_out = clamp(round(q_in * (s_in * (1 / s_out)) + (-zp_in * scale)) + zp_out)
// TFLite does this for uint8 and rejects int8 inputs with differing parameters; liteopt applies the same
// formula to int8 (a superset: models TFLite accepts give identical results). int16 follows TFLite: zero
// points must be 0 and the bytes are copied as they are.
// Fused activations: TFLite rejects any; liteopt accepts NONE/RELU/RELU_N1_TO_1/RELU6 for float32, int8
// and uint8 as a clamp (quantized bounds from the output parameters, as conv does).
#include <algorithm>
#include <cmath>
#include <limits>

#include "base/quant_math.h"
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct InputPlan {
  int64_t copy_size = 0;  // elements copied per outer step: dim(axis) * inner
  bool requantize = false;
  float scale = 1.0f;  // input_scale / output_scale, as TFLite computes it
  float bias = 0.0f;   // -input_zeropoint * scale
};

struct ConcatState : OpState {
  std::vector<InputPlan> inputs;
  int64_t outer_size = 1;
  size_t elem_size = 0;
  DType dtype = DType::kFloat32;
  bool clamp = false;  // apply [act_min, act_max] to every element
  int32_t act_min = 0, act_max = 0;
  float act_min_f = 0.0f, act_max_f = 0.0f;
  int32_t output_zeropoint = 0;
};

bool IsSupported(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kFloat16: case DType::kBFloat16: case DType::kUInt8: case DType::kInt8:
    case DType::kInt16: case DType::kInt32: case DType::kInt64: case DType::kBool: case DType::kUInt32:
      return true;
    default:
      return false;
  }
}

Status Prepare(KernelContext& ctx) {
  const int num_inputs = static_cast<int>(ctx.inputs.size());
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, std::numeric_limits<int>::max()));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  for (int i = 0; i < num_inputs; ++i)
    if (ctx.input(i) == nullptr) return ctx.Error(InputLabel(ctx, i) + " is missing");
  const TensorRef& t0 = *ctx.input(0);
  TensorRef& output = *ctx.output(0);
  const DType dtype = t0.dtype;
  if (!IsSupported(dtype))
    return ctx.Error(InputLabel(ctx, 0) + " has dtype " + std::string(DTypeName(dtype)) + ", not supported");
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, output, dtype, OutputLabel(ctx, 0)));

  // Scalars concatenate along axis 0 into a vector (TFLite's constant-scalar case).
  const bool scalars = t0.rank() == 0;
  const int rank = scalars ? 1 : t0.rank();
  int axis;
  LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, ctx.options().axis, rank, "axis", &axis));

  std::vector<int32_t> out_shape = scalars ? std::vector<int32_t>{0} : t0.shape;
  out_shape[axis] = 0;
  for (int i = 0; i < num_inputs; ++i) {
    const TensorRef& t = *ctx.input(i);
    LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, t, InputLabel(ctx, i)));
    LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, t, dtype, InputLabel(ctx, i)));
    if (t.rank() != t0.rank())
      return ctx.Error(InputLabel(ctx, i) + " has rank " + std::to_string(t.rank()) + ", expected " +
                       std::to_string(t0.rank()) + " like input 0");
    const std::vector<int32_t> shape = scalars ? std::vector<int32_t>{1} : t.shape;
    for (int d = 0; d < rank; ++d) {
      if (d != axis && shape[d] != out_shape[d])
        return ctx.Error(InputLabel(ctx, i) + " has shape " + ShapeString(t.shape) + " but input 0 has " +
                         ShapeString(t0.shape) + "; only dim " + std::to_string(axis) + " may differ");
    }
    if (static_cast<int64_t>(out_shape[axis]) + shape[axis] > std::numeric_limits<int32_t>::max())
      return ctx.Error("the concatenated dim " + std::to_string(axis) + " exceeds int32");
    out_shape[axis] += shape[axis];
  }
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, std::vector<int64_t>(out_shape.begin(), out_shape.end())));

  auto state = std::make_unique<ConcatState>();
  state->dtype = dtype;
  state->elem_size = DTypeSize(dtype);
  state->outer_size = DimProduct(out_shape, 0, axis);
  const int64_t inner = DimProduct(out_shape, axis + 1, rank);
  state->output_zeropoint = output.zero_point();

  const bool quantized8 = dtype == DType::kInt8 || dtype == DType::kUInt8;
  for (int i = 0; i < num_inputs; ++i) {
    const TensorRef& t = *ctx.input(i);
    InputPlan plan;
    plan.copy_size = (scalars ? 1 : t.shape[axis]) * inner;
    if (dtype == DType::kInt16 && (t.zero_point() != 0 || output.zero_point() != 0))
      return ctx.Error("int16 concatenation needs zero points of 0; " + InputLabel(ctx, i) + " has " +
                       std::to_string(t.zero_point()) + ", " + OutputLabel(ctx, 0) + " has " +
                       std::to_string(output.zero_point()));
    if (quantized8 && (t.scale() != output.scale() || t.zero_point() != output.zero_point())) {
      if (!(t.scale() > 0.0f) || !(output.scale() > 0.0f) || !std::isfinite(t.scale() / output.scale()))
        return ctx.Error(InputLabel(ctx, i) + " scale " + std::to_string(t.scale()) + " and " +
                         OutputLabel(ctx, 0) + " scale " + std::to_string(output.scale()) +
                         " cannot be used to requantize; expected positive finite scales");
      plan.requantize = true;
      const float inverse_output_scale = 1.0f / output.scale();
      plan.scale = t.scale() * inverse_output_scale;
      plan.bias = static_cast<float>(-t.zero_point()) * plan.scale;
    }
    state->inputs.push_back(plan);
  }

  const ir::Activation act = ctx.options().activation;
  if (act != ir::Activation::kNone) {
    if (act != ir::Activation::kRelu && act != ir::Activation::kRelu6 && act != ir::Activation::kReluN1To1)
      return ctx.Error("fused activation " + std::string(ir::ActivationName(act)) + " is not supported");
    if (dtype == DType::kFloat32) {
      qmath::ActivationRangeFloat(static_cast<int>(act), &state->act_min_f, &state->act_max_f);
    } else if (quantized8 && output.scale() > 0.0f) {
      qmath::ActivationRangeQuantized(static_cast<int>(act), dtype, output.scale(), output.zero_point(),
                                      &state->act_min, &state->act_max);
    } else {
      return ctx.Error("fused activation " + std::string(ir::ActivationName(act)) + " needs float32 or quantized " +
                       "int8/uint8 tensors, found " + std::string(DTypeName(dtype)));
    }
    state->clamp = true;
  } else if (quantized8) {
    qmath::DTypeRange(dtype, &state->act_min, &state->act_max);
  }
  ctx.state = std::move(state);
  return Status::Ok();
}

template <typename T>
void CopyQuantized(const ConcatState& s, const InputPlan& p, const T* in, T* out) {
  for (int64_t j = 0; j < p.copy_size; ++j) {
    int32_t value;
    if (p.requantize) {
      value = static_cast<int32_t>(std::round(static_cast<float>(in[j]) * p.scale + p.bias)) + s.output_zeropoint;
    } else {
      value = in[j];
    }
    out[j] = static_cast<T>(std::clamp(value, s.act_min, s.act_max));
  }
}

void CopyFloatClamped(const ConcatState& s, const InputPlan& p, const float* in, float* out) {
  for (int64_t j = 0; j < p.copy_size; ++j) out[j] = std::min(std::max(in[j], s.act_min_f), s.act_max_f);
}

void Eval(KernelContext& ctx) {
  const ConcatState& s = *ctx.state_as<ConcatState>();
  const int64_t es = static_cast<int64_t>(s.elem_size);
  uint8_t* out = ctx.output(0)->data;
  const int n = static_cast<int>(s.inputs.size());
  for (int64_t k = 0; k < s.outer_size; ++k) {
    for (int i = 0; i < n; ++i) {
      const InputPlan& p = s.inputs[i];
      const uint8_t* in = ctx.input(i)->data + k * p.copy_size * es;
      if (p.requantize || s.clamp) {
        if (s.dtype == DType::kInt8) {
          CopyQuantized<int8_t>(s, p, reinterpret_cast<const int8_t*>(in), reinterpret_cast<int8_t*>(out));
        } else if (s.dtype == DType::kUInt8) {
          CopyQuantized<uint8_t>(s, p, in, out);
        } else {
          CopyFloatClamped(s, p, reinterpret_cast<const float*>(in), reinterpret_cast<float*>(out));
        }
      } else if (p.copy_size > 0) {
        std::memcpy(out, in, static_cast<size_t>(p.copy_size * es));
      }
      out += p.copy_size * es;
    }
  }
}

}  // namespace

extern const Kernel kKernel_CONCATENATION;
const Kernel kKernel_CONCATENATION = {&Prepare, &Eval};

}  // namespace liteopt::ops
