// Prepare-time validation helpers shared by the elementwise, activation, pooling, reduction and quantize
// kernels. Each returns ctx.Error naming the tensor, the value found and what was expected.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>

#include "base/quant_math.h"
#include "ops/kernel.h"

namespace liteopt::ops {

inline std::string DTypeListString(std::initializer_list<DType> types) {
  std::string s;
  for (DType t : types) s += (s.empty() ? "" : ", ") + std::string(DTypeName(t));
  return s;
}

// `role` names the operand in messages ("input", "output", "alpha").
inline Status CheckDType(const KernelContext& ctx, const TensorRef& t, std::initializer_list<DType> allowed,
                         const std::string& role) {
  for (DType d : allowed)
    if (t.dtype == d) return Status::Ok();
  return ctx.Error(role + " " + TensorLabel(t) + " has dtype " + std::string(DTypeName(t.dtype)) + ", expected one of {" +
                   DTypeListString(allowed) + "}");
}

inline Status CheckSameDType(const KernelContext& ctx, const TensorRef& t, DType expected, const std::string& role) {
  if (t.dtype == expected) return Status::Ok();
  return ctx.Error(role + " " + TensorLabel(t) + " has dtype " + std::string(DTypeName(t.dtype)) + ", expected " +
                   std::string(DTypeName(expected)));
}

inline bool IsQuantizedDType(DType t) { return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16; }

// Per-tensor affine quantization: one positive finite scale and one zero point inside the dtype's range.
inline Status CheckPerTensorQuant(const KernelContext& ctx, const TensorRef& t, const std::string& role) {
  const ir::QuantParams& q = *t.quant;
  if (q.scale.empty())
    return ctx.Error(role + " " + TensorLabel(t) + " (" + std::string(DTypeName(t.dtype)) +
                     ") has no quantization parameters; a scale and zero point are required");
  if (q.scale.size() != 1)
    return ctx.Error(role + " " + TensorLabel(t) + " is quantized per axis (" + std::to_string(q.scale.size()) +
                     " scales); this op needs per-tensor quantization");
  if (!(q.scale[0] > 0.0f) || !std::isfinite(q.scale[0]))
    return ctx.Error(role + " " + TensorLabel(t) + " has scale " + std::to_string(q.scale[0]) +
                     ", expected a positive finite value");
  if (q.zero_point.size() > 1)
    return ctx.Error(role + " " + TensorLabel(t) + " has " + std::to_string(q.zero_point.size()) +
                     " zero points for one scale");
  int32_t qmin, qmax;
  qmath::DTypeRange(t.dtype, &qmin, &qmax);
  const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[0];
  if (zp < qmin || zp > qmax)
    return ctx.Error(role + " " + TensorLabel(t) + " has zero point " + std::to_string(zp) + ", outside the " +
                     std::string(DTypeName(t.dtype)) + " range [" + std::to_string(qmin) + ", " +
                     std::to_string(qmax) + "]");
  return Status::Ok();
}

// Fused activations a kernel can apply as a clamp; TANH and SIGN_BIT are not fusable.
inline Status CheckFusedActivation(const KernelContext& ctx) {
  const ir::Activation a = ctx.options().activation;
  if (a == ir::Activation::kNone || a == ir::Activation::kRelu || a == ir::Activation::kReluN1To1 ||
      a == ir::Activation::kRelu6)
    return Status::Ok();
  return ctx.Error("fused activation " + std::string(ir::ActivationName(a)) +
                   " is not supported (expected NONE, RELU, RELU_N1_TO_1 or RELU6)");
}

inline int ActivationCode(const KernelContext& ctx) { return static_cast<int>(ctx.options().activation); }

// Rejects shapes with a negative dimension (dynamic dims must be resolved before prepare).
inline Status CheckShapeValid(const KernelContext& ctx, const TensorRef& t, const std::string& role) {
  for (int32_t d : t.shape)
    if (d < 0) return ctx.Error(role + " " + TensorLabel(t) + " has shape " + ShapeString(t.shape) +
                                " with a negative dimension");
  return Status::Ok();
}

}  // namespace liteopt::ops
