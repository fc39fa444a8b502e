// SPLIT and SPLIT_V (TFLite's split.cc, split_v.cc).
//  SPLIT:   inputs (axis, input) — the axis tensor comes FIRST; num_splits equal parts.
//  SPLIT_V: inputs (input, size_splits, axis); size_splits may hold one -1 that takes the remainder.
// The axis is a constant int32/int64 scalar (one element), negative counts from the end. Outputs share
// the input's dtype; bytes are copied unchanged.
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct SplitState : OpState {
  int input_index = 0;
  int64_t outer = 1;
  std::vector<int64_t> copy_sizes;  // elements per outer step for each output: size_along_axis * inner
  size_t elem_size = 0;
};

// Validates the input, resolves the axis and sets every output's shape from `sizes` (one per output).
Status FinishPrepare(KernelContext& ctx, int input_index, int axis, const std::vector<int64_t>& sizes) {
  const TensorRef& input = *ctx.input(input_index);
  auto state = std::make_unique<SplitState>();
  state->input_index = input_index;
  state->elem_size = DTypeSize(input.dtype);
  state->outer = DimProduct(input.shape, 0, axis);
  const int64_t inner = DimProduct(input.shape, axis + 1, input.rank());
  for (size_t i = 0; i < sizes.size(); ++i) {
    const int oi = static_cast<int>(i);
    LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, *ctx.output(oi), input.dtype, OutputLabel(ctx, oi)));
    std::vector<int64_t> shape(input.shape.begin(), input.shape.end());
    shape[axis] = sizes[i];
    LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, oi, shape));
    state->copy_sizes.push_back(sizes[i] * inner);
  }
  ctx.state = std::move(state);
  return Status::Ok();
}

Status CheckOutputs(const KernelContext& ctx) {
  if (ctx.outputs.empty()) return ctx.Error("expected at least 1 output");
  for (auto* o : ctx.outputs)
    if (o == nullptr) return ctx.Error("an output is missing");
  return Status::Ok();
}

Status ReadAxis(const KernelContext& ctx, int axis_index, int rank, int* axis) {
  std::vector<int64_t> v;
  LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, *ctx.input(axis_index), "axis " + InputLabel(ctx, axis_index), 1, &v));
  return NormalizeAxis(ctx, v[0], rank, "axis", axis);
}

Status CheckInput(const KernelContext& ctx, int i) {
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, *ctx.input(i), InputLabel(ctx, i)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, *ctx.input(i), InputLabel(ctx, i)));
  if (ctx.input(i)->rank() == 0) return ctx.Error(InputLabel(ctx, i) + " is a scalar; cannot split it");
  return Status::Ok();
}

Status SplitPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputs(ctx));
  LITEOPT_RETURN_IF_ERROR(CheckInput(ctx, 1));
  const TensorRef& input = *ctx.input(1);
  const int num_splits = ctx.options().num_splits;
  const int num_outputs = static_cast<int>(ctx.outputs.size());
  if (num_splits != num_outputs)
    return ctx.Error("num_splits is " + std::to_string(num_splits) + " but the op has " +
                     std::to_string(num_outputs) + " outputs");
  int axis;
  LITEOPT_RETURN_IF_ERROR(ReadAxis(ctx, 0, input.rank(), &axis));
  if (input.shape[axis] % num_splits != 0)
    return ctx.Error(InputLabel(ctx, 1) + " has size " + std::to_string(input.shape[axis]) + " along axis " +
                     std::to_string(axis) + ", not divisible by num_splits " + std::to_string(num_splits));
  return FinishPrepare(ctx, 1, axis, std::vector<int64_t>(num_splits, input.shape[axis] / num_splits));
}

Status SplitVPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 3, 3));
  LITEOPT_RETURN_IF_ERROR(CheckOutputs(ctx));
  LITEOPT_RETURN_IF_ERROR(CheckInput(ctx, 0));
  const TensorRef& input = *ctx.input(0);
  const int num_outputs = static_cast<int>(ctx.outputs.size());
  if (ctx.options().num_splits != num_outputs)
    return ctx.Error("num_splits is " + std::to_string(ctx.options().num_splits) + " but the op has " +
                     std::to_string(num_outputs) + " outputs");
  if (ctx.input(1)->rank() != 1)
    return ctx.Error("size_splits " + InputLabel(ctx, 1) + " has shape " + ShapeString(ctx.input(1)->shape) +
                     ", expected a vector");
  std::vector<int64_t> sizes;
  LITEOPT_RETURN_IF_ERROR(
      ReadConstIndices(ctx, *ctx.input(1), "size_splits " + InputLabel(ctx, 1), num_outputs, &sizes));
  int axis;
  LITEOPT_RETURN_IF_ERROR(ReadAxis(ctx, 2, input.rank(), &axis));
  const int64_t dim = input.shape[axis];
  int minus_one = -1;
  int64_t sum = 0;
  for (int i = 0; i < num_outputs; ++i) {
    if (sizes[i] == -1) {
      if (minus_one != -1)
        return ctx.Error("size_splits has more than one -1 (entries " + std::to_string(minus_one) + " and " +
                         std::to_string(i) + ")");
      minus_one = i;
    } else if (sizes[i] < 0 || sizes[i] > dim) {
      return ctx.Error("size_splits[" + std::to_string(i) + "] is " + std::to_string(sizes[i]) +
                       ", expected -1 or a value in [0, " + std::to_string(dim) + "]");
    } else {
      sum += sizes[i];
    }
  }
  if (minus_one != -1) {
    if (sum > dim)
      return ctx.Error("size_splits add up to " + std::to_string(sum) + ", more than the size " +
                       std::to_string(dim) + " of axis " + std::to_string(axis));
    sizes[minus_one] = dim - sum;
  } else if (sum != dim) {
    return ctx.Error("size_splits add up to " + std::to_string(sum) + ", expected the size " + std::to_string(dim) +
                     " of axis " + std::to_string(axis) + " of " + InputLabel(ctx, 0));
  }
  return FinishPrepare(ctx, 0, axis, sizes);
}

void Eval(KernelContext& ctx) {
  const SplitState& s = *ctx.state_as<SplitState>();
  const uint8_t* in = ctx.input(s.input_index)->data;
  const size_t n = s.copy_sizes.size();
  for (int64_t o = 0; o < s.outer; ++o) {
    for (size_t i = 0; i < n; ++i) {
      const size_t bytes = static_cast<size_t>(s.copy_sizes[i]) * s.elem_size;
      if (bytes > 0) std::memcpy(ctx.output(static_cast<int>(i))->data + o * bytes, in, bytes);
      in += bytes;
    }
  }
}

}  // namespace

extern const Kernel kKernel_SPLIT;
const Kernel kKernel_SPLIT = {&SplitPrepare, &Eval};
extern const Kernel kKernel_SPLIT_V;
const Kernel kKernel_SPLIT_V = {&SplitVPrepare, &Eval};

}  // namespace liteopt::ops
