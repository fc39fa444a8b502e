// Helpers shared by the shape and data-movement kernels (reshape, pad, slice, transpose, split, ...):
// prepare-time validation of shapes and constant index tensors, and an N-D strided byte copy for eval.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ops/kernel.h"

namespace liteopt::ops {

// Largest rank the data-movement kernels accept (TFLite's TRANSPOSE limit).
constexpr int kMaxShapeRank = 8;
// Largest element count of a tensor the kernels produce: TFLite's kernels index with int.
constexpr int64_t kMaxShapeElements = (int64_t{1} << 31) - 1;

// "input 1 (tensor 7 'foo')" / "output 0 (...)": how messages name a tensor.
std::string InputLabel(const KernelContext& ctx, int i);
std::string OutputLabel(const KernelContext& ctx, int i);

// Rejects negative dims, ranks above kMaxShapeRank and element counts above kMaxShapeElements.
Status CheckShape(const KernelContext& ctx, const TensorRef& t, const std::string& label);

// Rejects dtypes without a fixed element size (string, int4, resource, variant).
Status CheckFixedSizeDType(const KernelContext& ctx, const TensorRef& t, const std::string& label);

// Requires `t` to have dtype `expected`.
Status CheckDType(const KernelContext& ctx, const TensorRef& t, DType expected, const std::string& label);

// Requires equal per-tensor scale and zero point (absent quantization counts as scale 0, zero point 0, as
// TfLiteQuantizationParams does).
Status CheckSameQuant(const KernelContext& ctx, const TensorRef& a, const std::string& a_label, const TensorRef& b,
                      const std::string& b_label);

// Reads the values of an int32 or int64 tensor whose values decide the output shape. It must be constant
// (liteopt plans memory from the shapes set in prepare), hold data and have `expected_count` elements
// (-1 = any). `label` names the tensor's role, e.g. "paddings (input 1 ...)".
Status ReadConstIndices(const KernelContext& ctx, const TensorRef& t, const std::string& label, int64_t expected_count,
                        std::vector<int64_t>* values);

// Normalizes an axis in [-rank, rank) to [0, rank).
Status NormalizeAxis(const KernelContext& ctx, int64_t axis, int rank, const std::string& what, int* out);

// Sets an output's shape after checking each dim is in [0, INT32_MAX] and the element count fits.
Status SetOutputShape(const KernelContext& ctx, int output_index, const std::vector<int64_t>& dims);

// Row-major element strides of a shape.
std::vector<int64_t> RowMajorStrides(const std::vector<int32_t>& shape);

// Product of dims[begin, end).
int64_t DimProduct(const std::vector<int32_t>& shape, int begin, int end);

// Copies a rank-`rank` box of elements: for every index vector i < dims,
// out[sum(i[d] * out_steps[d])] = in[sum(i[d] * in_steps[d])]. Steps are in elements and may be negative;
// `in` and `out` point at the box's first element. rank 0 copies one element. No allocation.
void CopyStrided(const uint8_t* in, uint8_t* out, int rank, const int64_t* dims, const int64_t* in_steps,
                 const int64_t* out_steps, size_t elem_size);

// Writes `count` copies of the element at `value` (elem_size bytes) to `out`.
void FillElements(uint8_t* out, int64_t count, const uint8_t* value, size_t elem_size);

// Copies bytes unless source and destination are the same buffer (in-place reshape).
inline void CopyBytes(uint8_t* out, const uint8_t* in, size_t bytes) {
  if (out != in && bytes > 0) std::memmove(out, in, bytes);
}

}  // namespace liteopt::ops
