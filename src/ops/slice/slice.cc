// SLICE and STRIDED_SLICE (TFLite's slice.cc, strided_slice.cc, strided_slice_logic.h).
// Both reduce to one strided box copy from the input: per input dim a start, a count and a step.
// begin/size/end/strides are constant int32/int64 vectors (their values decide the output shape).
#include <limits>

#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct SliceState : OpState {
  int rank = 0;
  int64_t in_base = 0;                    // element offset of the first copied input element
  int64_t dims[kMaxShapeRank] = {};       // elements taken per input dim
  int64_t in_steps[kMaxShapeRank] = {};   // input stride * slice stride
  int64_t out_steps[kMaxShapeRank] = {};  // row-major strides over `dims`
  size_t elem_size = 0;
};

// Fills the state's box from per-input-dim start, count and stride.
std::unique_ptr<SliceState> MakeState(const TensorRef& input, const std::vector<int64_t>& start,
                                      const std::vector<int64_t>& count, const std::vector<int64_t>& stride) {
  auto s = std::make_unique<SliceState>();
  s->rank = input.rank();
  s->elem_size = DTypeSize(input.dtype);
  const std::vector<int64_t> in_strides = RowMajorStrides(input.shape);
  int64_t out_stride = 1;
  for (int d = s->rank - 1; d >= 0; --d) {
    s->dims[d] = count[d];
    s->in_steps[d] = stride[d] * in_strides[d];
    s->out_steps[d] = out_stride;
    out_stride *= count[d];
    if (count[d] > 0) s->in_base += start[d] * in_strides[d];
  }
  return s;
}

Status CheckInOut(const KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  LITEOPT_RETURN_IF_ERROR(CheckFixedSizeDType(ctx, input, InputLabel(ctx, 0)));
  return CheckDType(ctx, *ctx.output(0), input.dtype, OutputLabel(ctx, 0));
}

Status ReadVector(const KernelContext& ctx, int i, const std::string& role, int64_t count, std::vector<int64_t>* v) {
  const TensorRef& t = *ctx.input(i);
  if (t.rank() != 1)
    return ctx.Error(role + " " + InputLabel(ctx, i) + " has shape " + ShapeString(t.shape) + ", expected a vector");
  return ReadConstIndices(ctx, t, role + " " + InputLabel(ctx, i), count, v);
}

// SLICE: begin[d] in [0, dim]; size[d] == -1 takes the rest of the dim, otherwise begin + size <= dim.
Status SlicePrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 3, 3));
  LITEOPT_RETURN_IF_ERROR(CheckInOut(ctx));
  const TensorRef& input = *ctx.input(0);
  const int rank = input.rank();
  std::vector<int64_t> begin, size;
  LITEOPT_RETURN_IF_ERROR(ReadVector(ctx, 1, "begin", rank, &begin));
  LITEOPT_RETURN_IF_ERROR(ReadVector(ctx, 2, "size", rank, &size));
  for (int d = 0; d < rank; ++d) {
    const int64_t dim = input.shape[d];
    if (begin[d] < 0 || begin[d] > dim)
      return ctx.Error("begin[" + std::to_string(d) + "] = " + std::to_string(begin[d]) + " is outside [0, " +
                       std::to_string(dim) + "] for " + InputLabel(ctx, 0) + " of shape " + ShapeString(input.shape));
    if (size[d] == -1) {
      size[d] = dim - begin[d];
    } else if (size[d] < 0 || begin[d] + size[d] > dim) {
      return ctx.Error("size[" + std::to_string(d) + "] = " + std::to_string(size[d]) + " with begin " +
                       std::to_string(begin[d]) + " does not fit dim " + std::to_string(d) + " of size " +
                       std::to_string(dim) + " (expected -1 or 0 <= size <= dim - begin)");
    }
  }
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, size));
  ctx.state = MakeState(input, begin, size, std::vector<int64_t>(rank, 1));
  return Status::Ok();
}

bool Bit(int32_t mask, int i) { return i >= 0 && i < 32 && ((static_cast<uint32_t>(mask) >> i) & 1u); }
bool Bit64(uint64_t mask, int i) { return i >= 0 && i < 64 && ((mask >> i) & 1u); }

int64_t Clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// STRIDED_SLICE, following TFLite's BuildStridedSliceParams: the ellipsis and new_axis masks are first
// expanded into an "effective" spec with one entry per output-or-input dim, then each input dim gets a
// start (StartForAxis) and a stop (EndForAxis) clamped to the dim, masks overriding them.
// Where TFLite would write an undefined output, liteopt rejects the op in prepare: a shrunk index outside
// the dim, a spec with more entries than dims, more than one ellipsis, stride 0.
// A shrunk axis with a negative stride takes the element at `start` (TensorFlow's meaning).
Status StridedSlicePrepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 4, 4));
  LITEOPT_RETURN_IF_ERROR(CheckInOut(ctx));
  const TensorRef& input = *ctx.input(0);
  const ir::OpOptions& opt = ctx.options();
  const int input_dims = input.rank();
  const int64_t begin_count = ctx.input(1)->rank() == 1 ? ctx.input(1)->shape[0] : -1;
  if (begin_count < 0 || begin_count > 31)
    return ctx.Error("begin " + InputLabel(ctx, 1) + " has shape " + ShapeString(ctx.input(1)->shape) +
                     ", expected a vector of at most 31 elements");
  const int n = static_cast<int>(begin_count);
  std::vector<int64_t> begin, end, strides;
  LITEOPT_RETURN_IF_ERROR(ReadVector(ctx, 1, "begin", n, &begin));
  LITEOPT_RETURN_IF_ERROR(ReadVector(ctx, 2, "end", n, &end));
  LITEOPT_RETURN_IF_ERROR(ReadVector(ctx, 3, "strides", n, &strides));
  for (int i = 0; i < n; ++i) {
    if (strides[i] == 0) return ctx.Error("strides[" + std::to_string(i) + "] is 0, expected non-zero");
    for (int64_t v : {begin[i], end[i], strides[i]})
      if (v < std::numeric_limits<int32_t>::min() + 1 || v > std::numeric_limits<int32_t>::max())
        return ctx.Error("begin/end/strides entry " + std::to_string(i) + " is " + std::to_string(v) +
                         ", outside int32");
  }
  // Only the first n bits of each mask describe the spec.
  const uint32_t spec_bits = (n == 32) ? ~0u : ((1u << n) - 1u);
  const int32_t ellipsis_mask = static_cast<int32_t>(static_cast<uint32_t>(opt.ellipsis_mask) & spec_bits);
  const int32_t new_axis_mask = static_cast<int32_t>(static_cast<uint32_t>(opt.new_axis_mask) & spec_bits);
  if (__builtin_popcount(static_cast<uint32_t>(ellipsis_mask)) > 1)
    return ctx.Error("ellipsis_mask " + std::to_string(opt.ellipsis_mask) + " has more than one bit set");

  int num_add_axis = 0;
  for (int i = 0; i < n; ++i)
    if (!Bit(ellipsis_mask, i) && Bit(new_axis_mask, i)) ++num_add_axis;
  if (n - num_add_axis > input_dims)
    return ctx.Error("the slice spec has " + std::to_string(n - num_add_axis) + " entries indexing " +
                     InputLabel(ctx, 0) + " of rank " + std::to_string(input_dims));
  const int effective_dims = input_dims + num_add_axis;

  // Expand the ellipsis: it covers every input dim the other entries do not (at least one entry).
  uint64_t eff_ellipsis = 0, eff_new_axis = 0;
  int ellipsis_start = effective_dims, expanded_ellipsis = 0;
  for (int i = 0; i < effective_dims;) {
    if (i < n && Bit(ellipsis_mask, i)) {
      ellipsis_start = i;
      const int ellipsis_end = std::max(i + 1, std::min(i + 1 + num_add_axis + input_dims - n, effective_dims));
      expanded_ellipsis = ellipsis_end - ellipsis_start - 1;
      for (; i < ellipsis_end; ++i) eff_ellipsis |= uint64_t{1} << i;
      continue;
    }
    if (Bit(new_axis_mask, i - expanded_ellipsis)) eff_new_axis |= uint64_t{1} << i;
    ++i;
  }

  std::vector<int64_t> start(input_dims), count(input_dims), stride(input_dims);
  std::vector<int64_t> out_shape;
  int added_ellipsis = 0, added_axes = 0;
  for (int i = 0; i < effective_dims; ++i) {
    if (Bit64(eff_new_axis, i) && !Bit64(eff_ellipsis, i)) {
      out_shape.push_back(1);
      ++added_axes;
      continue;
    }
    const int axis = i - added_axes;  // input dim fed by effective dim i
    const int64_t size = input.shape[axis];
    int64_t b = 0, e = 0, st = 1;
    bool begin_masked = true, end_masked = true, shrink = false;
    if (Bit64(eff_ellipsis, i)) {
      added_ellipsis = std::max(0, i - ellipsis_start);
    } else if (i < n + expanded_ellipsis) {
      const int orig = i - added_ellipsis;
      b = begin[orig];
      e = end[orig];
      st = strides[orig];
      begin_masked = Bit(opt.begin_mask, orig);
      end_masked = Bit(opt.end_mask, orig);
      shrink = Bit(opt.shrink_axis_mask, orig);
    }
    // StartForAxis.
    int64_t s = b < 0 ? b + size : b;
    s = st > 0 ? Clamp(s, 0, size) : Clamp(s, -1, size - 1);
    if (begin_masked) s = st > 0 ? 0 : size - 1;
    if (shrink) {
      if (s < 0 || s >= size)
        return ctx.Error("shrink_axis index " + std::to_string(b) + " is outside dim " + std::to_string(axis) +
                         " of size " + std::to_string(size) + " of " + InputLabel(ctx, 0));
      start[axis] = s;
      count[axis] = 1;
      stride[axis] = 1;
      continue;
    }
    // EndForAxis (offset: end is a size relative to the clamped start).
    int64_t stop = opt.offset && !end_masked ? e + s : e;
    if (stop < 0) stop += size;
    stop = st > 0 ? Clamp(stop, 0, size) : Clamp(stop, -1, size - 1);
    if (end_masked) stop = st > 0 ? size : -1;
    const int64_t span = stop - s;
    int64_t c = 0;
    if ((span < 0) == (st < 0) && span != 0) c = st < 0 ? (span + 1) / st + 1 : (span - 1) / st + 1;
    start[axis] = s;
    count[axis] = c;
    stride[axis] = st;
    out_shape.push_back(c);
  }
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, out_shape));
  ctx.state = MakeState(input, start, count, stride);
  return Status::Ok();
}

void Eval(KernelContext& ctx) {
  const SliceState& s = *ctx.state_as<SliceState>();
  const uint8_t* in = ctx.input(0)->data + s.in_base * static_cast<int64_t>(s.elem_size);
  CopyStrided(in, ctx.output(0)->data, s.rank, s.dims, s.in_steps, s.out_steps, s.elem_size);
}

}  // namespace

extern const Kernel kKernel_SLICE;
const Kernel kKernel_SLICE = {&SlicePrepare, &Eval};
extern const Kernel kKernel_STRIDED_SLICE;
const Kernel kKernel_STRIDED_SLICE = {&StridedSlicePrepare, &Eval};

}  // namespace liteopt::ops
