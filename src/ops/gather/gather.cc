// GATHER with batch_dims = 0 (TFLite's gather.cc): output = input[:axis] + indices.shape + input[axis+1:],
// each index selecting one slice along `axis`. Indices are int16, int32 or int64; bytes are copied
// unchanged (no quantization check, as in TFLite).
// Index range: TFLite fails the invoke on an index outside [0, dim). Constant indices are checked here in
// prepare; for run-time indices eval cannot fail, so an out-of-range index yields a zero-filled slice.
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct GatherState : OpState {
  int64_t outer = 1;       // product of input dims before axis
  int64_t axis_size = 0;   // input dim at axis
  int64_t inner = 1;       // product of input dims after axis
  int64_t num_indices = 0;
  DType index_type = DType::kInt32;
  size_t elem_size = 0;
};

int64_t IndexAt(const uint8_t* data, DType type, int64_t i) {
  switch (type) {
    case DType::kInt16: { int16_t v; std::memcpy(&v, data + i * 2, 2); return v; }
    case DType::kInt32: { int32_t v; std::memcpy(&v, data + i * 4, 4); return v; }
    default: { int64_t v; std::memcpy(&v, data + i * 8, 8); return v; }
  }
}

Status Prepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 2));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& positions = *ctx.input(1);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, positions, InputLabel(ctx, 1)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, *ctx.output(0), input.dtype, OutputLabel(ctx, 0)));
  if (positions.dtype != DType::kInt16 && positions.dtype != DType::kInt32 && positions.dtype != DType::kInt64)
    return ctx.Error("indices " + InputLabel(ctx, 1) + " have dtype " + std::string(DTypeName(positions.dtype)) +
                     ", expected int16, int32 or int64");
  const int rank = input.rank();
  if (rank == 0) return ctx.Error(InputLabel(ctx, 0) + " is a scalar; gather needs rank >= 1");
  int axis;
  LITEOPT_RETURN_IF_ERROR(NormalizeAxis(ctx, ctx.options().axis, rank, "axis", &axis));

  auto state = std::make_unique<GatherState>();
  state->outer = DimProduct(input.shape, 0, axis);
  state->axis_size = input.shape[axis];
  state->inner = DimProduct(input.shape, axis + 1, rank);
  state->num_indices = positions.num_elements();
  state->index_type = positions.dtype;
  state->elem_size = DTypeSize(input.dtype);

  if (positions.is_const) {
    if (positions.data == nullptr ||
        positions.bytes < static_cast<size_t>(state->num_indices) * DTypeSize(positions.dtype))
      return ctx.Error("indices " + InputLabel(ctx, 1) + " are constant but hold too few bytes");
    for (int64_t i = 0; i < state->num_indices; ++i) {
      const int64_t index = IndexAt(positions.data, positions.dtype, i);
      if (index < 0 || index >= state->axis_size)
        return ctx.Error("index " + std::to_string(index) + " at position " + std::to_string(i) + " of " +
                         InputLabel(ctx, 1) + " is outside [0, " + std::to_string(state->axis_size) + ")");
    }
  }

  std::vector<int64_t> out;
  for (int i = 0; i < axis; ++i) out.push_back(input.shape[i]);
  for (int32_t d : positions.shape) out.push_back(d);
  for (int i = axis + 1; i < rank; ++i) out.push_back(input.shape[i]);
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, out));
  ctx.state = std::move(state);
  return Status::Ok();
}

void Eval(KernelContext& ctx) {
  const GatherState& s = *ctx.state_as<GatherState>();
  const uint8_t* in = ctx.input(0)->data;
  const uint8_t* positions = ctx.input(1)->data;
  uint8_t* out = ctx.output(0)->data;
  const size_t slice_bytes = static_cast<size_t>(s.inner) * s.elem_size;
  if (slice_bytes == 0) return;
  for (int64_t o = 0; o < s.outer; ++o) {
    for (int64_t i = 0; i < s.num_indices; ++i) {
      const int64_t index = IndexAt(positions, s.index_type, i);
      if (index >= 0 && index < s.axis_size) {
        std::memcpy(out, in + (o * s.axis_size + index) * slice_bytes, slice_bytes);
      } else {
        std::memset(out, 0, slice_bytes);
      }
      out += slice_bytes;
    }
  }
}

}  // namespace

extern const Kernel kKernel_GATHER;
const Kernel kKernel_GATHER = {&Prepare, &Eval};

}  // namespace liteopt::ops
