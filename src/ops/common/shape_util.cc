#include "ops/common/shape_util.h"

#include <limits>

namespace liteopt::ops {

std::string InputLabel(const KernelContext& ctx, int i) {
  const TensorRef* t = ctx.input(i);
  return "input " + std::to_string(i) + (t ? " (" + TensorLabel(*t) + ")" : std::string(" (absent)"));
}

std::string OutputLabel(const KernelContext& ctx, int i) {
  return "output " + std::to_string(i) + " (" + TensorLabel(*ctx.output(i)) + ")";
}

Status CheckShape(const KernelContext& ctx, const TensorRef& t, const std::string& label) {
  if (t.rank() > kMaxShapeRank)
    return ctx.Error(label + " has rank " + std::to_string(t.rank()) + ", expected at most " +
                     std::to_string(kMaxShapeRank));
  int64_t n = 1;
  for (int32_t d : t.shape) {
    if (d < 0) return ctx.Error(label + " has a negative dim: shape " + ShapeString(t.shape));
    n *= d;
    if (n > kMaxShapeElements)
      return ctx.Error(label + " has too many elements: shape " + ShapeString(t.shape) + ", limit " +
                       std::to_string(kMaxShapeElements));
  }
  return Status::Ok();
}

Status CheckFixedSizeDType(const KernelContext& ctx, const TensorRef& t, const std::string& label) {
  if (DTypeSize(t.dtype) == 0)
    return ctx.Error(label + " has dtype " + std::string(DTypeName(t.dtype)) +
                     ", which has no fixed element size; not supported");
  return Status::Ok();
}

Status CheckDType(const KernelContext& ctx, const TensorRef& t, DType expected, const std::string& label) {
  if (t.dtype != expected)
    return ctx.Error(label + " has dtype " + std::string(DTypeName(t.dtype)) + ", expected " +
                     std::string(DTypeName(expected)));
  return Status::Ok();
}

Status CheckSameQuant(const KernelContext& ctx, const TensorRef& a, const std::string& a_label, const TensorRef& b,
                      const std::string& b_label) {
  if (a.scale() != b.scale() || a.zero_point() != b.zero_point())
    return ctx.Error(a_label + " has scale " + std::to_string(a.scale()) + " and zero point " +
                     std::to_string(a.zero_point()) + " but " + b_label + " has scale " + std::to_string(b.scale()) +
                     " and zero point " + std::to_string(b.zero_point()) + "; they must be equal");
  return Status::Ok();
}

Status ReadConstIndices(const KernelContext& ctx, const TensorRef& t, const std::string& label, int64_t expected_count,
                        std::vector<int64_t>* values) {
  if (t.dtype != DType::kInt32 && t.dtype != DType::kInt64)
    return ctx.Error(label + " has dtype " + std::string(DTypeName(t.dtype)) + ", expected int32 or int64");
  const int64_t n = ir::NumElements(t.shape);
  if (n < 0) return ctx.Error(label + " has an invalid shape " + ShapeString(t.shape));
  if (!t.is_const || (t.data == nullptr && n > 0))
    return ctx.Error(label + " is not constant; liteopt needs its values in prepare to size the output");
  if (expected_count >= 0 && n != expected_count)
    return ctx.Error(label + " has " + std::to_string(n) + " elements, expected " + std::to_string(expected_count));
  const size_t elem = DTypeSize(t.dtype);
  if (t.bytes < static_cast<size_t>(n) * elem)
    return ctx.Error(label + " holds " + std::to_string(t.bytes) + " bytes, expected " +
                     std::to_string(static_cast<size_t>(n) * elem));
  values->resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (t.dtype == DType::kInt32) {
      int32_t v;
      std::memcpy(&v, t.data + i * 4, 4);
      (*values)[i] = v;
    } else {
      int64_t v;
      std::memcpy(&v, t.data + i * 8, 8);
      (*values)[i] = v;
    }
  }
  return Status::Ok();
}

Status NormalizeAxis(const KernelContext& ctx, int64_t axis, int rank, const std::string& what, int* out) {
  if (axis < -rank || axis >= rank)
    return ctx.Error(what + " " + std::to_string(axis) + " is out of range [" + std::to_string(-rank) + ", " +
                     std::to_string(rank) + ") for rank " + std::to_string(rank));
  *out = static_cast<int>(axis < 0 ? axis + rank : axis);
  return Status::Ok();
}

Status SetOutputShape(const KernelContext& ctx, int output_index, const std::vector<int64_t>& dims) {
  if (static_cast<int>(dims.size()) > kMaxShapeRank)
    return ctx.Error(OutputLabel(ctx, output_index) + " would have rank " + std::to_string(dims.size()) +
                     ", expected at most " + std::to_string(kMaxShapeRank));
  std::vector<int32_t> shape(dims.size());
  int64_t n = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0 || dims[i] > std::numeric_limits<int32_t>::max())
      return ctx.Error(OutputLabel(ctx, output_index) + " would have dim " + std::to_string(i) + " = " +
                       std::to_string(dims[i]) + ", expected [0, 2^31)");
    shape[i] = static_cast<int32_t>(dims[i]);
    n *= dims[i];
    if (n > kMaxShapeElements)
      return ctx.Error(OutputLabel(ctx, output_index) + " would have more than " +
                       std::to_string(kMaxShapeElements) + " elements");
  }
  ctx.output(output_index)->shape = std::move(shape);
  return Status::Ok();
}

std::vector<int64_t> RowMajorStrides(const std::vector<int32_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

int64_t DimProduct(const std::vector<int32_t>& shape, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= shape[i];
  return n;
}

namespace {

template <typename T>
void CopyRow(const uint8_t* in, uint8_t* out, int64_t n, int64_t in_step, int64_t out_step) {
  const T* src = reinterpret_cast<const T*>(in);
  T* dst = reinterpret_cast<T*>(out);
  for (int64_t j = 0; j < n; ++j) std::memcpy(dst + j * out_step, src + j * in_step, sizeof(T));
}

void CopyRowAny(const uint8_t* in, uint8_t* out, int64_t n, int64_t in_step, int64_t out_step, size_t elem_size) {
  if (in_step == 1 && out_step == 1) {
    std::memcpy(out, in, static_cast<size_t>(n) * elem_size);
    return;
  }
  switch (elem_size) {
    case 1: CopyRow<uint8_t>(in, out, n, in_step, out_step); return;
    case 2: CopyRow<uint16_t>(in, out, n, in_step, out_step); return;
    case 4: CopyRow<uint32_t>(in, out, n, in_step, out_step); return;
    case 8: CopyRow<uint64_t>(in, out, n, in_step, out_step); return;
    default:
      for (int64_t j = 0; j < n; ++j)
        std::memcpy(out + j * out_step * static_cast<int64_t>(elem_size),
                    in + j * in_step * static_cast<int64_t>(elem_size), elem_size);
  }
}

}  // namespace

void CopyStrided(const uint8_t* in, uint8_t* out, int rank, const int64_t* dims, const int64_t* in_steps,
                 const int64_t* out_steps, size_t elem_size) {
  if (rank == 0) {
    std::memcpy(out, in, elem_size);
    return;
  }
  for (int d = 0; d < rank; ++d)
    if (dims[d] == 0) return;
  const int inner = rank - 1;
  const int64_t es = static_cast<int64_t>(elem_size);
  int64_t idx[kMaxShapeRank] = {};
  int64_t in_off = 0, out_off = 0;
  while (true) {
    CopyRowAny(in + in_off * es, out + out_off * es, dims[inner], in_steps[inner], out_steps[inner], elem_size);
    int d = inner - 1;
    for (; d >= 0; --d) {
      ++idx[d];
      in_off += in_steps[d];
      out_off += out_steps[d];
      if (idx[d] < dims[d]) break;
      in_off -= idx[d] * in_steps[d];
      out_off -= idx[d] * out_steps[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

void FillElements(uint8_t* out, int64_t count, const uint8_t* value, size_t elem_size) {
  if (count <= 0) return;
  std::memcpy(out, value, elem_size);
  // Doubling copies: each step duplicates the already-filled prefix.
  int64_t filled = 1;
  while (filled < count) {
    const int64_t n = filled < count - filled ? filled : count - filled;
    std::memcpy(out + filled * static_cast<int64_t>(elem_size), out, static_cast<size_t>(n) * elem_size);
    filled += n;
  }
}

}  // namespace liteopt::ops
