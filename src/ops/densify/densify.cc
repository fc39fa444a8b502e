// DENSIFY (TFLite's densify.cc): the dense form of a constant stored in TFLite's sparse format (pruned weights,
// see io/tflite/sparse.h). The runtime expands every sparse constant when it loads the model, so this kernel
// reads dense values: it checks what TFLite checks (one constant input of float32, float16 or int8 that the file
// marks sparse, an output of the same type) and copies. Its input being constant, the runtime runs it once at
// prepare time and the output becomes a constant.
#include <cstring>

#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

Status DensifyPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& in = *ctx.input(0);
  if (!in.is_const || in.ir == nullptr || !in.ir->sparsity)
    return ctx.Error(InputLabel(ctx, 0) + " must be a constant stored in the sparse format");
  if (in.dtype != DType::kFloat32 && in.dtype != DType::kFloat16 && in.dtype != DType::kInt8)
    return ctx.Error(InputLabel(ctx, 0) + " has dtype " + std::string(DTypeName(in.dtype)) +
                     ", expected float32, float16 or int8");
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, *ctx.output(0), in.dtype, OutputLabel(ctx, 0)));
  return SetOutputShape(ctx, 0, std::vector<int64_t>(in.shape.begin(), in.shape.end()));
}

void DensifyEval(KernelContext& ctx) {
  std::memcpy(ctx.output(0)->data, ctx.input(0)->data, ctx.output(0)->bytes);
}

}  // namespace

extern const Kernel kKernel_DENSIFY;
const Kernel kKernel_DENSIFY = {&DensifyPrepare, &DensifyEval};

}  // namespace liteopt::ops
