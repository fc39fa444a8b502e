// SHAPE (the input's dims as an int32 or int64 vector) and FILL (a tensor of the given dims holding one
// value), as TFLite's shape.cc and fill.cc.
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

// The output dtype decides int32 vs int64 (TFLite sets it from the out_type option; valid files agree).
Status ShapePrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& output = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  if (output.dtype != DType::kInt32 && output.dtype != DType::kInt64)
    return ctx.Error(OutputLabel(ctx, 0) + " has dtype " + std::string(DTypeName(output.dtype)) +
                     ", expected int32 or int64");
  if (ctx.options().type != 0 && ctx.options().out_type != output.dtype)
    return ctx.Error("out_type is " + std::string(DTypeName(ctx.options().out_type)) + " but " +
                     OutputLabel(ctx, 0) + " has dtype " + std::string(DTypeName(output.dtype)));
  return SetOutputShape(ctx, 0, {input.rank()});
}

void ShapeEval(KernelContext& ctx) {
  const TensorRef& input = *ctx.input(0);
  TensorRef& output = *ctx.output(0);
  for (int i = 0; i < input.rank(); ++i) {
    if (output.dtype == DType::kInt32) {
      output.as<int32_t>()[i] = input.shape[i];
    } else {
      output.as<int64_t>()[i] = input.shape[i];
    }
  }
}

struct FillState : OpState {
  int64_t count = 0;
  size_t elem_size = 0;
};

// dims: constant int32/int64 vector of non-negative values. value: a scalar of the output's dtype with the
// output's scale and zero point (TFLite checks both; int16 also needs zero point 0).
Status FillPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& dims = *ctx.input(0);
  const TensorRef& value = *ctx.input(1);
  const TensorRef& output = *ctx.output(0);
  if (dims.rank() != 1)
    return ctx.Error("dims " + InputLabel(ctx, 0) + " has shape " + ShapeString(dims.shape) + ", expected a vector");
  std::vector<int64_t> shape;
  LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, dims, "dims " + InputLabel(ctx, 0), -1, &shape));
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] < 0)
      return ctx.Error("dims[" + std::to_string(i) + "] is " + std::to_string(shape[i]) + ", expected >= 0");
  if (value.rank() != 0)
    return ctx.Error("value " + InputLabel(ctx, 1) + " has shape " + ShapeString(value.shape) + ", expected a scalar");
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, value, InputLabel(ctx, 1)));
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, output, value.dtype, OutputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckSameQuant(ctx, value, InputLabel(ctx, 1), output, OutputLabel(ctx, 0)));
  if (value.dtype == DType::kInt16 && value.zero_point() != 0)
    return ctx.Error(InputLabel(ctx, 1) + " is int16 with zero point " + std::to_string(value.zero_point()) +
                     ", expected 0");
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, shape));
  auto state = std::make_unique<FillState>();
  state->count = output.num_elements();
  state->elem_size = DTypeSize(value.dtype);
  ctx.state = std::move(state);
  return Status::Ok();
}

void FillEval(KernelContext& ctx) {
  const FillState& s = *ctx.state_as<FillState>();
  FillElements(ctx.output(0)->data, s.count, ctx.input(1)->data, s.elem_size);
}

}  // namespace

extern const Kernel kKernel_SHAPE;
const Kernel kKernel_SHAPE = {&ShapePrepare, &ShapeEval};
extern const Kernel kKernel_FILL;
const Kernel kKernel_FILL = {&FillPrepare, &FillEval};

}  // namespace liteopt::ops
