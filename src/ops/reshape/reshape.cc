// RESHAPE, SQUEEZE, EXPAND_DIMS: the output holds the input's bytes unchanged under a new shape.
// Semantics follow TFLite's reshape.cc / squeeze.cc / expand_dims.cc. Like TFLite, no quantization check:
// the bytes are copied as they are.
#include <limits>

#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

// Checks shared by the three ops: one output with the input's dtype, a fixed element size, a valid shape.
Status CheckCopyInOut(const KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, input, InputLabel(ctx, 0)));
  return CheckDType(ctx, *ctx.output(0), input.dtype, OutputLabel(ctx, 0));
}

void EvalCopy(KernelContext& ctx) {
  const TensorRef& input = *ctx.input(0);
  CopyBytes(ctx.output(0)->data, input.data, static_cast<size_t>(input.num_elements()) * DTypeSize(input.dtype));
}

// TFLite's rule: a 1-D int32 shape tensor wins; otherwise (absent, or not a 1-D int32 tensor) the
// new_shape option is used, where the legacy value [0] means a scalar.
Status ReshapePrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 2));
  LITEOPT_RETURN_IF_ERROR(CheckCopyInOut(ctx));
  const TensorRef& input = *ctx.input(0);
  const TensorRef* shape_tensor = ctx.input(1);

  std::vector<int64_t> new_shape;
  if (shape_tensor != nullptr && shape_tensor->rank() == 1 && shape_tensor->dtype == DType::kInt32) {
    LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, *shape_tensor, "shape " + InputLabel(ctx, 1), -1, &new_shape));
  } else {
    const std::vector<int32_t>& opt = ctx.options().new_shape;
    if (!(opt.size() == 1 && opt[0] == 0)) new_shape.assign(opt.begin(), opt.end());
  }
  if (static_cast<int>(new_shape.size()) > kMaxShapeRank)
    return ctx.Error("new shape " + std::to_string(new_shape.size()) + "-D exceeds the rank limit " +
                     std::to_string(kMaxShapeRank));

  // Zero-sized dims are handled as in TFLite: the -1 dim is computed from the products of the non-zero dims.
  int64_t num_input = 1, non_zero_input = 1;
  for (int32_t d : input.shape) {
    num_input *= d;
    if (d != 0) non_zero_input *= d;
  }
  int stretch_dim = -1;
  int64_t num_output = 1, non_zero_output = 1;
  for (size_t i = 0; i < new_shape.size(); ++i) {
    const int64_t v = new_shape[i];
    if (v == -1) {
      if (stretch_dim != -1)
        return ctx.Error("new shape has more than one -1 (dims " + std::to_string(stretch_dim) + " and " +
                         std::to_string(i) + ")");
      stretch_dim = static_cast<int>(i);
      continue;
    }
    if (v < 0 || v > std::numeric_limits<int32_t>::max())
      return ctx.Error("new shape dim " + std::to_string(i) + " is " + std::to_string(v) +
                       ", expected >= 0 or a single -1");
    if (v != 0) {
      non_zero_output *= v;
      if (non_zero_output > kMaxShapeElements)
        return ctx.Error("new shape has more than " + std::to_string(kMaxShapeElements) + " elements");
    }
    num_output *= v;
  }
  if (stretch_dim != -1) {
    new_shape[stretch_dim] = (num_input == 0 && num_output != 0) ? 0 : non_zero_input / non_zero_output;
    num_output *= new_shape[stretch_dim];
  }
  if (num_output != num_input) {
    std::string shape_str = "[";
    for (size_t i = 0; i < new_shape.size(); ++i) shape_str += (i ? ", " : "") + std::to_string(new_shape[i]);
    return ctx.Error("cannot reshape " + InputLabel(ctx, 0) + " of shape " + ShapeString(input.shape) + " (" +
                     std::to_string(num_input) + " elements) to " + shape_str + "] (" + std::to_string(num_output) +
                     " elements)");
  }
  return SetOutputShape(ctx, 0, new_shape);
}

// squeeze_dims empty: drop every size-1 dim. Otherwise each listed dim (negative counts from the end)
// must have size 1.
Status SqueezePrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckCopyInOut(ctx));
  const TensorRef& input = *ctx.input(0);
  const int rank = input.rank();
  const std::vector<int32_t>& squeeze_dims = ctx.options().squeeze_dims;
  std::vector<bool> drop(rank, false);
  if (squeeze_dims.empty()) {
    for (int i = 0; i < rank; ++i) drop[i] = input.shape[i] == 1;
  } else {
    for (int32_t d : squeeze_dims) {
      int axis;
      LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, d, rank, "squeeze dim", &axis));
      if (input.shape[axis] != 1)
        return ctx.Error("squeeze dim " + std::to_string(d) + " of " + InputLabel(ctx, 0) + " has size " +
                         std::to_string(input.shape[axis]) + " (shape " + ShapeString(input.shape) +
                         "), expected 1");
      drop[axis] = true;
    }
  }
  std::vector<int64_t> out;
  for (int i = 0; i < rank; ++i)
    if (!drop[i]) out.push_back(input.shape[i]);
  return SetOutputShape(ctx, 0, out);
}

// The axis input (int32 or int64, one element) is in [-rank-1, rank]; a negative axis counts from the
// end of the output shape.
Status ExpandDimsPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckCopyInOut(ctx));
  const TensorRef& input = *ctx.input(0);
  std::vector<int64_t> axis_values;
  LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, *ctx.input(1), "axis " + InputLabel(ctx, 1), 1, &axis_values));
  const int rank = input.rank();
  int axis;
  LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, axis_values[0], rank + 1, "axis", &axis));
  std::vector<int64_t> out(input.shape.begin(), input.shape.end());
  out.insert(out.begin() + axis, 1);
  return SetOutputShape(ctx, 0, out);
}

}  // namespace

extern const Kernel kKernel_RESHAPE;
const Kernel kKernel_RESHAPE = {&ReshapePrepare, &EvalCopy};
extern const Kernel kKernel_SQUEEZE;
const Kernel kKernel_SQUEEZE = {&SqueezePrepare, &EvalCopy};
extern const Kernel kKernel_EXPAND_DIMS;
const Kernel kKernel_EXPAND_DIMS = {&ExpandDimsPrepare, &EvalCopy};

}  // namespace liteopt::ops
