// PACK (stack N equal-shaped tensors along a new axis) and UNPACK (the inverse), as TFLite's pack.cc and
// unpack.cc: every input and output shares one dtype and the same scale/zero point (no requantization).
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

// Both ops move `count` slices of `inner` elements per outer step between the stacked tensor and the
// individual tensors.
struct StackState : OpState {
  int64_t outer = 1;
  int64_t inner = 1;
  int count = 0;
  size_t elem_size = 0;
};

Status PackPrepare(KernelContext& ctx) {
  const int n = static_cast<int>(ctx.inputs.size());
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  if (n < 1) return ctx.Error("expected at least 1 input");
  if (ctx.options().values_count != n)
    return ctx.Error("values_count is " + std::to_string(ctx.options().values_count) + " but the op has " +
                     std::to_string(n) + " inputs");
  for (int i = 0; i < n; ++i)
    if (ctx.input(i) == nullptr) return ctx.Error(InputLabel(ctx, i) + " is missing");
  const TensorRef& t0 = *ctx.input(0);
  const TensorRef& output = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, t0, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, output, t0.dtype, OutputLabel(ctx, 0)));
  for (int i = 0; i < n; ++i) {
    const TensorRef& t = *ctx.input(i);
    LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, t, InputLabel(ctx, i)));
    LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, t, t0.dtype, InputLabel(ctx, i)));
    if (t.shape != t0.shape)
      return ctx.Error(InputLabel(ctx, i) + " has shape " + ShapeString(t.shape) + ", expected " +
                       ShapeString(t0.shape) + " like input 0");
    LITEOPT_RETURN_IF_ERROR(CheckSameQuant(ctx, t, InputLabel(ctx, i), output, OutputLabel(ctx, 0)));
  }
  const int rank = t0.rank();
  int axis;
  LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, ctx.options().axis, rank + 1, "axis", &axis));
  std::vector<int64_t> out(t0.shape.begin(), t0.shape.end());
  out.insert(out.begin() + axis, n);
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, out));

  auto state = std::make_unique<StackState>();
  state->outer = DimProduct(t0.shape, 0, axis);
  state->inner = DimProduct(t0.shape, axis, rank);
  state->count = n;
  state->elem_size = DTypeSize(t0.dtype);
  ctx.state = std::move(state);
  return Status::Ok();
}

void PackEval(KernelContext& ctx) {
  const StackState& s = *ctx.state_as<StackState>();
  const size_t slice_bytes = static_cast<size_t>(s.inner) * s.elem_size;
  uint8_t* out = ctx.output(0)->data;
  if (slice_bytes == 0) return;
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int i = 0; i < s.count; ++i) {
      std::memcpy(out, ctx.input(i)->data + o * slice_bytes, slice_bytes);
      out += slice_bytes;
    }
  }
}

// The number of outputs must equal the input's size along `axis` (TFLite checks it against the `num`
// option, which equals the output count in valid files).
Status UnpackPrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  const int n = static_cast<int>(ctx.outputs.size());
  if (n < 1) return ctx.Error("expected at least 1 output");
  for (auto* o : ctx.outputs)
    if (o == nullptr) return ctx.Error("an output is missing");
  const TensorRef& input = *ctx.input(0);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, input, InputLabel(ctx, 0)));
  const int rank = input.rank();
  int axis;
  LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, ctx.options().axis, rank, "axis", &axis));
  if (input.shape[axis] != n)
    return ctx.Error(InputLabel(ctx, 0) + " has size " + std::to_string(input.shape[axis]) + " along axis " +
                     std::to_string(axis) + " (shape " + ShapeString(input.shape) + ") but the op has " +
                     std::to_string(n) + " outputs");
  std::vector<int64_t> out(input.shape.begin(), input.shape.end());
  out.erase(out.begin() + axis);
  for (int i = 0; i < n; ++i) {
    LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, *ctx.output(i), input.dtype, OutputLabel(ctx, i)));
    LITEOPT_RETURN_IF_ERROR(CheckSameQuant(ctx, input, InputLabel(ctx, 0), *ctx.output(i), OutputLabel(ctx, i)));
    LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, i, out));
  }
  auto state = std::make_unique<StackState>();
  state->outer = DimProduct(input.shape, 0, axis);
  state->inner = DimProduct(input.shape, axis + 1, rank);
  state->count = n;
  state->elem_size = DTypeSize(input.dtype);
  ctx.state = std::move(state);
  return Status::Ok();
}

void UnpackEval(KernelContext& ctx) {
  const StackState& s = *ctx.state_as<StackState>();
  const size_t slice_bytes = static_cast<size_t>(s.inner) * s.elem_size;
  const uint8_t* in = ctx.input(0)->data;
  if (slice_bytes == 0) return;
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int i = 0; i < s.count; ++i) {
      std::memcpy(ctx.output(i)->data + o * slice_bytes, in, slice_bytes);
      in += slice_bytes;
    }
  }
}

}  // namespace

extern const Kernel kKernel_PACK;
const Kernel kKernel_PACK = {&PackPrepare, &PackEval};
extern const Kernel kKernel_UNPACK;
const Kernel kKernel_UNPACK = {&UnpackPrepare, &UnpackEval};

}  // namespace liteopt::ops
