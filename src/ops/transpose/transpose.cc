// TRANSPOSE (TFLite's transpose.cc): output dim i is input dim perm[i]. perm is a constant int32/int64
// vector, a permutation of [0, rank) where negative entries count from the end; up to 8-D, any dtype
// with a fixed element size. Bytes are moved unchanged (no quantization check, as in TFLite).
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct TransposeState : OpState {
  int rank = 0;
  int64_t dims[kMaxShapeRank] = {};       // output dims
  int64_t in_steps[kMaxShapeRank] = {};   // input stride of the input dim feeding each output dim
  int64_t out_steps[kMaxShapeRank] = {};  // output strides
  size_t elem_size = 0;
};

Status Prepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& perm_tensor = *ctx.input(1);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, *ctx.output(0), input.dtype, OutputLabel(ctx, 0)));
  const int rank = input.rank();
  if (perm_tensor.rank() != 1)
    return ctx.Error("perm " + InputLabel(ctx, 1) + " has shape " + ShapeString(perm_tensor.shape) +
                     ", expected a vector of " + std::to_string(rank) + " elements");
  std::vector<int64_t> perm;
  LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, perm_tensor, "perm " + InputLabel(ctx, 1), rank, &perm));

  auto state = std::make_unique<TransposeState>();
  state->rank = rank;
  state->elem_size = DTypeSize(input.dtype);
  const std::vector<int64_t> in_strides = RowMajorStrides(input.shape);
  std::vector<bool> seen(rank, false);
  std::vector<int64_t> out_dims(rank);
  for (int i = 0; i < rank; ++i) {
    int p;
    LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, perm[i], rank, "perm[" + std::to_string(i) + "]", &p));
    if (seen[p]) return ctx.Error("perm has the dim " + std::to_string(p) + " twice; expected a permutation");
    seen[p] = true;
    out_dims[i] = input.shape[p];
    state->dims[i] = input.shape[p];
    state->in_steps[i] = in_strides[p];
  }
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, out_dims));
  const std::vector<int64_t> out_strides = RowMajorStrides(ctx.output(0)->shape);
  for (int i = 0; i < rank; ++i) state->out_steps[i] = out_strides[i];
  ctx.state = std::move(state);
  return Status::Ok();
}

void Eval(KernelContext& ctx) {
  const TransposeState& s = *ctx.state_as<TransposeState>();
  CopyStrided(ctx.input(0)->data, ctx.output(0)->data, s.rank, s.dims, s.in_steps, s.out_steps, s.elem_size);
}

}  // namespace

extern const Kernel kKernel_TRANSPOSE;
const Kernel kKernel_TRANSPOSE = {&Prepare, &Eval};

}  // namespace liteopt::ops
