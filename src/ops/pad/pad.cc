// PAD and PADV2 (TFLite's pad.cc; both ops accept an optional 3rd input, the constant value).
// Pad value: the constant_values input when present, else 0 for float/int, and for quantized int8/int16
// and any uint8 the output zero point ("0" in real terms). A quantized constant_values must share the
// output's scale and zero point, as TFLite requires; its raw value is used.
#include <limits>

#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct PadState : OpState {
  int rank = 0;
  int64_t dims[kMaxShapeRank] = {};       // input dims
  int64_t in_steps[kMaxShapeRank] = {};   // input strides
  int64_t out_steps[kMaxShapeRank] = {};  // output strides
  int64_t out_base = 0;                   // element offset of the input box in the output
  int64_t out_elements = 0;
  size_t elem_size = 0;
  bool value_from_input = false;  // read constant_values (input 2) in eval
  uint8_t pad_value[8] = {};      // used when !value_from_input
};

Status Prepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 2, 3));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& paddings = *ctx.input(1);
  const TensorRef* constant_values = ctx.input(2);
  TensorRef& output = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckDType(ctx, output, input.dtype, OutputLabel(ctx, 0)));
  const int rank = input.rank();

  if (paddings.rank() != 2 || paddings.shape[0] != rank || paddings.shape[1] != 2)
    return ctx.Error("paddings " + InputLabel(ctx, 1) + " has shape " + ShapeString(paddings.shape) +
                     ", expected [" + std::to_string(rank) + ", 2] for a rank-" + std::to_string(rank) + " input");
  std::vector<int64_t> pads;
  LITEOPT_RETURN_IF_ERROR(ReadConstIndices(ctx, paddings, "paddings " + InputLabel(ctx, 1), rank * 2, &pads));

  auto state = std::make_unique<PadState>();
  state->rank = rank;
  state->elem_size = DTypeSize(input.dtype);
  std::vector<int64_t> out_dims(rank);
  for (int d = 0; d < rank; ++d) {
    const int64_t before = pads[2 * d], after = pads[2 * d + 1];
    if (before < 0 || after < 0)
      return ctx.Error("paddings for dim " + std::to_string(d) + " are [" + std::to_string(before) + ", " +
                       std::to_string(after) + "], expected non-negative values");
    if (before > std::numeric_limits<int32_t>::max() || after > std::numeric_limits<int32_t>::max())
      return ctx.Error("paddings for dim " + std::to_string(d) + " exceed int32");
    out_dims[d] = input.shape[d] + before + after;
  }
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, out_dims));

  const std::vector<int64_t> in_strides = RowMajorStrides(input.shape);
  const std::vector<int64_t> out_strides = RowMajorStrides(output.shape);
  for (int d = 0; d < rank; ++d) {
    state->dims[d] = input.shape[d];
    state->in_steps[d] = in_strides[d];
    state->out_steps[d] = out_strides[d];
    state->out_base += pads[2 * d] * out_strides[d];
  }
  state->out_elements = output.num_elements();

  const bool quantized_int = input.dtype == DType::kUInt8 ||
                             ((input.dtype == DType::kInt8 || input.dtype == DType::kInt16) && input.quant->quantized());
  if (constant_values != nullptr) {
    LITEOPT_RETURN_IF_ERROR(
        CheckDType(ctx, *constant_values, input.dtype, "constant_values " + InputLabel(ctx, 2)));
    if (constant_values->num_elements() != 1)
      return ctx.Error("constant_values " + InputLabel(ctx, 2) + " has shape " +
                       ShapeString(constant_values->shape) + ", expected a single element");
    if (quantized_int)
      LITEOPT_RETURN_IF_ERROR(
          CheckSameQuant(ctx, *constant_values, "constant_values " + InputLabel(ctx, 2), output, OutputLabel(ctx, 0)));
    state->value_from_input = true;
  } else if (quantized_int) {
    const int32_t zp = output.zero_point();
    int32_t lo = 0, hi = 0;
    if (input.dtype == DType::kUInt8) lo = 0, hi = 255;
    if (input.dtype == DType::kInt8) lo = -128, hi = 127;
    if (input.dtype == DType::kInt16) lo = -32768, hi = 32767;
    if (zp < lo || zp > hi)
      return ctx.Error(OutputLabel(ctx, 0) + " zero point " + std::to_string(zp) + " is outside the range of " +
                       std::string(DTypeName(input.dtype)));
    if (input.dtype == DType::kInt16) {
      const int16_t v = static_cast<int16_t>(zp);
      std::memcpy(state->pad_value, &v, 2);
    } else {
      state->pad_value[0] = static_cast<uint8_t>(static_cast<int8_t>(zp));
      if (input.dtype == DType::kUInt8) state->pad_value[0] = static_cast<uint8_t>(zp);
    }
  }
  // Otherwise pad_value stays all-zero bytes: 0 / 0.0f / false in every dtype.
  ctx.state = std::move(state);
  return Status::Ok();
}

void Eval(KernelContext& ctx) {
  const PadState& s = *ctx.state_as<PadState>();
  const TensorRef& input = *ctx.input(0);
  uint8_t* out = ctx.output(0)->data;
  const uint8_t* value = s.value_from_input ? ctx.input(2)->data : s.pad_value;
  FillElements(out, s.out_elements, value, s.elem_size);
  CopyStrided(input.data, out + s.out_base * static_cast<int64_t>(s.elem_size), s.rank, s.dims, s.in_steps,
              s.out_steps, s.elem_size);
}

}  // namespace

extern const Kernel kKernel_PAD;
const Kernel kKernel_PAD = {&Prepare, &Eval};
extern const Kernel kKernel_PADV2;
const Kernel kKernel_PADV2 = {&Prepare, &Eval};

}  // namespace liteopt::ops
