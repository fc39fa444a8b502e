// Shared prepare for the two-operand elementwise kernels (ADD, SUB, MUL, DIV, MAXIMUM, MINIMUM,
// SQUARED_DIFFERENCE): operand counts, dtypes, NumPy broadcasting (rank <= 6) and the output shape.
#pragma once

#include <initializer_list>
#include <limits>
#include <string>

#include "base/quant_math.h"
#include "ops/common/broadcast.h"
#include "ops/common/op_checks.h"
#include "ops/kernel.h"

namespace liteopt::ops::binary {

// Validates two inputs of one dtype among `allowed`, one output of the same dtype, broadcast-compatible
// shapes; sets the output shape and fills `plan`.
inline Status PrepareBinaryShapes(KernelContext& ctx, std::initializer_list<DType> allowed, BroadcastPlan* plan) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in1 = *ctx.input(0);
  const TensorRef& in2 = *ctx.input(1);
  TensorRef& out = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, in1, allowed, "input 0"));
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, in2, in1.dtype, "input 1"));
  // TFLite's binary kernels set the output type from the inputs. Some files leave a quantized intermediate's
  // type unset (it reads as float32 but carries quantization parameters): it takes the inputs' dtype.
  if (out.dtype == DType::kFloat32 && in1.dtype != DType::kFloat32 && !out.is_const && out.quant->quantized())
    out.dtype = in1.dtype;
  LITEOPT_RETURN_IF_ERROR(CheckSameDType(ctx, out, in1.dtype, "output"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in1, "input 0"));
  LITEOPT_RETURN_IF_ERROR(CheckShapeValid(ctx, in2, "input 1"));
  std::vector<int32_t> shape;
  if (!BroadcastShape(in1.shape, in2.shape, &shape)) {
    if (in1.shape.size() > kMaxBroadcastRank || in2.shape.size() > kMaxBroadcastRank)
      return ctx.Error("inputs " + TensorLabel(in1) + " " + ShapeString(in1.shape) + " and " + TensorLabel(in2) + " " +
                       ShapeString(in2.shape) + " exceed the maximum broadcast rank " +
                       std::to_string(kMaxBroadcastRank));
    return ctx.Error("input shapes " + ShapeString(in1.shape) + " (" + TensorLabel(in1) + ") and " +
                     ShapeString(in2.shape) + " (" + TensorLabel(in2) + ") are not broadcast-compatible");
  }
  out.shape = shape;
  *plan = MakeBroadcastPlan(in1.shape, in2.shape, shape);
  return Status::Ok();
}

// Fused-activation clamp range for int32 outputs (TFLite's CalculateActivationRange<int32_t>).
inline void ActivationRangeInt32(int activation, int32_t* act_min, int32_t* act_max) {
  switch (activation) {
    case 1: *act_min = 0; *act_max = std::numeric_limits<int32_t>::max(); return;
    case 2: *act_min = -1; *act_max = 1; return;
    case 3: *act_min = 0; *act_max = 6; return;
    default:
      *act_min = std::numeric_limits<int32_t>::min();
      *act_max = std::numeric_limits<int32_t>::max();
  }
}

// What ADD, SUB and MUL prepare alike: the broadcast plan, the fused-activation range (float, int32, or quantized
// with the output's parameters) and, for int8/uint8/int16, per-tensor quantization and the zero-point offsets.
// int16 operands (TFLite's 16x8 mode) are symmetric: add.cc, sub.cc and mul.cc require zero point 0 on all three.
struct CommonParams {
  BroadcastPlan plan;
  int32_t input1_offset = 0, input2_offset = 0, output_offset = 0;
  int32_t act_min = 0, act_max = 0;
  float f_min = 0.0f, f_max = 0.0f;
};

inline Status PrepareCommon(KernelContext& ctx, CommonParams* p) {
  LITEOPT_RETURN_IF_ERROR(PrepareBinaryShapes(
      ctx, {DType::kFloat32, DType::kInt32, DType::kInt8, DType::kUInt8, DType::kInt16}, &p->plan));
  LITEOPT_RETURN_IF_ERROR(CheckFusedActivation(ctx));
  const TensorRef& in1 = *ctx.input(0);
  const TensorRef& in2 = *ctx.input(1);
  const TensorRef& out = *ctx.output(0);
  const int act = ActivationCode(ctx);
  switch (in1.dtype) {
    case DType::kFloat32:
      qmath::ActivationRangeFloat(act, &p->f_min, &p->f_max);
      return Status::Ok();
    case DType::kInt32:
      ActivationRangeInt32(act, &p->act_min, &p->act_max);
      return Status::Ok();
    default:
      LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in1, "input 0"));
      LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, in2, "input 1"));
      LITEOPT_RETURN_IF_ERROR(CheckPerTensorQuant(ctx, out, "output"));
      if (in1.dtype == DType::kInt16 && (in1.zero_point() != 0 || in2.zero_point() != 0 || out.zero_point() != 0))
        return ctx.Error("int16 inputs and output need zero point 0, found " + std::to_string(in1.zero_point()) +
                         ", " + std::to_string(in2.zero_point()) + " and " + std::to_string(out.zero_point()));
      p->input1_offset = -in1.zero_point();
      p->input2_offset = -in2.zero_point();
      p->output_offset = out.zero_point();
      qmath::ActivationRangeQuantized(act, out.dtype, out.scale(), out.zero_point(), &p->act_min, &p->act_max);
      return Status::Ok();
  }
}

template <typename T>
inline T Clamp(T v, T lo, T hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace liteopt::ops::binary
