#include "io/tflite/op_versions.h"

#include <algorithm>
#include <optional>

namespace liteopt::io::tflite {

namespace {

using ir::OpType;

// Read-only view of one op's tensors.
class OpView {
 public:
  OpView(const ir::Subgraph* sg, const ir::Op& op) : sg_(sg), op_(op) {}

  const ir::Tensor* In(size_t k) const { return Get(op_.inputs, k); }
  const ir::Tensor* Out(size_t k) const { return Get(op_.outputs, k); }
  std::optional<DType> InType(size_t k) const {
    const ir::Tensor* t = In(k);
    return t ? std::optional<DType>(t->dtype) : std::nullopt;
  }
  std::optional<DType> OutType(size_t k) const {
    const ir::Tensor* t = Out(k);
    return t ? std::optional<DType>(t->dtype) : std::nullopt;
  }
  bool In0Is(DType d) const { return InType(0) == d; }
  // Input/weight/output types, e.g. Types(kInt8, kInt8, kInt8) for a full-integer conv.
  bool Types(DType in, DType weights, DType out) const {
    return InType(0) == in && InType(1) == weights && OutType(0) == out;
  }
  size_t InRank(size_t k) const { return In(k) ? In(k)->shape.size() : 0; }
  size_t NumInputs() const { return op_.inputs.size(); }
  size_t MaxInputRank() const {
    size_t r = 0;
    for (size_t k = 0; k < op_.inputs.size(); ++k) r = std::max(r, InRank(k));
    return r;
  }
  // Binary ops: the two inputs have different shapes (so the kernel broadcasts).
  bool Broadcasts() const {
    if (op_.inputs.size() < 2) return false;
    const ir::Tensor* a = In(0);
    const ir::Tensor* b = In(1);
    return (a ? a->shape : std::vector<int32_t>()) != (b ? b->shape : std::vector<int32_t>());
  }
  const ir::OpOptions& options() const { return op_.options; }

 private:
  const ir::Tensor* Get(const std::vector<int32_t>& idx, size_t k) const {
    if (sg_ == nullptr || k >= idx.size()) return nullptr;
    const int32_t t = idx[k];
    if (t < 0 || static_cast<size_t>(t) >= sg_->tensors.size()) return nullptr;
    return &sg_->tensors[t];
  }
  const ir::Subgraph* sg_;
  const ir::Op& op_;
};

// Scale count equals the size of dimension `dim` of the tensor (TFLite's per-channel test).
bool ScalesMatchDim(const ir::Tensor* t, size_t dim) {
  if (t == nullptr || t->quant.scale.empty() || dim >= t->shape.size()) return false;
  return t->shape[dim] >= 0 && static_cast<size_t>(t->shape[dim]) == t->quant.scale.size();
}

// Per-axis along quantized_dimension (QUANTIZE output, DEQUANTIZE input).
bool PerAxis(const ir::Tensor* t) {
  return t != nullptr && t->quant.scale.size() > 1 && t->quant.quantized_dimension >= 0 &&
         ScalesMatchDim(t, static_cast<size_t>(t->quant.quantized_dimension));
}

// Ops whose version only grows with int8 (2) and int16 (3) inputs.
int32_t Int8Int16Version(const OpView& v) {
  if (v.In0Is(DType::kInt16)) return 3;
  if (v.In0Is(DType::kInt8)) return 2;
  return 1;
}

int32_t Conv2DVersion(const OpView& v) {
  const ir::Tensor* in = v.In(0);
  const ir::Tensor* filter = v.In(1);
  if (v.Types(DType::kInt16, DType::kInt8, DType::kInt16) && v.options().quantized_bias_type != 0) return 8;
  // Grouped: the filter has fewer input channels than the input.
  if (in && filter && in->shape.size() == 4 && filter->shape.size() == 4 && in->shape[3] != filter->shape[3]) return 6;
  if (v.Types(DType::kInt16, DType::kInt16, DType::kInt16)) return 4;
  if (v.Types(DType::kInt8, DType::kInt8, DType::kInt8)) return 3;
  if (v.Types(DType::kInt8, DType::kInt4, DType::kInt8)) return 7;
  if (v.Types(DType::kFloat32, DType::kInt8, DType::kFloat32)) return ScalesMatchDim(filter, 0) ? 5 : 2;  // hybrid
  return 1;
}

int32_t DepthwiseVersion(const OpView& v) {
  if (v.Types(DType::kInt16, DType::kInt16, DType::kInt16)) return 5;
  if (v.Types(DType::kFloat32, DType::kInt8, DType::kFloat32)) return ScalesMatchDim(v.In(1), 3) ? 6 : 4;  // hybrid
  if (v.Types(DType::kInt8, DType::kInt8, DType::kInt8)) return 3;
  if (v.Types(DType::kInt8, DType::kInt4, DType::kInt8)) return 7;
  if (v.options().dilation_w != 1 || v.options().dilation_h != 1) return 2;
  return 1;
}

int32_t FullyConnectedVersion(const OpView& v) {
  const ir::OpOptions& o = v.options();
  const ir::Tensor* w = v.In(1);
  if (v.Types(DType::kInt16, DType::kInt4, DType::kInt16)) return 13;
  // Hybrid with one scale per output row (also when there is a single row).
  if (v.Types(DType::kFloat32, DType::kInt8, DType::kFloat32) && ScalesMatchDim(w, 0)) return 12;
  if (v.Types(DType::kInt16, DType::kInt8, DType::kInt16) && o.quantized_bias_type != 0) return 11;
  if (w && w->sparsity) return 8;
  if (v.Types(DType::kInt16, DType::kInt16, DType::kInt16)) return 7;
  if (v.NumInputs() == 2) return 6;  // no bias slot at all (a -1 bias still counts as an input)
  if (o.keep_num_dims) return 5;
  if (v.Types(DType::kInt8, DType::kInt8, DType::kInt8)) return 4;
  if (v.Types(DType::kInt8, DType::kInt4, DType::kInt8)) return 10;
  if (v.Types(DType::kFloat32, DType::kInt8, DType::kFloat32)) return o.asymmetric_quantize_inputs ? 9 : 3;
  if (o.weights_format != 0) return 2;  // shuffled 4x16 int8 weights
  return 1;
}

int32_t MulVersion(const OpView& v) {
  const ir::Tensor* a = v.In(0);
  const ir::Tensor* b = v.In(1);
  const ir::Tensor* out = v.Out(0);
  const bool quantized = (a && a->quant.quantized()) || (b && b->quant.quantized());
  if ((v.In0Is(DType::kInt16) && !quantized) || v.In0Is(DType::kUInt32)) return 7;
  if (v.In0Is(DType::kComplex64)) return 6;
  if (v.In0Is(DType::kInt64)) return 5;
  if (v.In0Is(DType::kInt16)) return 4;
  if (a && b && out && a->quant.quantized() && b->quant.quantized() && out->quant.quantized()) {
    const float s1 = a->quant.scale[0], s2 = b->quant.scale[0], so = out->quant.scale[0];
    if (s1 != 0 && s2 != 0 && so != 0 && s1 * s2 / so >= 1.0f) return 3;  // rescale >= 1
  }
  if (v.In0Is(DType::kInt8)) return 2;
  return 1;
}

}  // namespace

int32_t OperatorVersion(const ir::Graph& g, const ir::Op& op) {
  const ir::Subgraph* sg = g.subgraphs.empty() ? nullptr : &g.subgraphs.front();
  for (const auto& s : g.subgraphs) {
    if (!s.ops.empty() && &op >= s.ops.data() && &op < s.ops.data() + s.ops.size()) sg = &s;
  }
  const OpView v(sg, op);
  const ir::OpOptions& o = op.options;
  const bool int16_io = v.In0Is(DType::kInt16) && v.OutType(0) == DType::kInt16;

  switch (op.type) {
    case OpType::CONV_2D:
      return Conv2DVersion(v);
    case OpType::DEPTHWISE_CONV_2D:
      return DepthwiseVersion(v);
    case OpType::FULLY_CONNECTED:
      return FullyConnectedVersion(v);
    case OpType::ADD: {
      const ir::Tensor* a = v.In(0);
      if (v.In0Is(DType::kFloat16)) return 6;
      if (v.In0Is(DType::kInt16) && !(a && a->quant.quantized())) return 5;
      if (v.In0Is(DType::kInt64)) return 4;
      if (int16_io && !o.pot_scale_int16) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    }
    case OpType::SUB:
      if (int16_io && !o.pot_scale_int16) return 5;
      if (v.In0Is(DType::kInt64)) return 4;
      if (v.Broadcasts() && v.MaxInputRank() > 4) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::MUL:
      return MulVersion(v);
    case OpType::DIV:
      return (v.Broadcasts() && v.MaxInputRank() > 4) ? 2 : 1;
    case OpType::AVERAGE_POOL_2D:
    case OpType::MAX_POOL_2D:
    case OpType::LOGISTIC:
    case OpType::TANH:
      if (int16_io) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::MEAN:
    case OpType::SOFTMAX:
    case OpType::RELU6:
    case OpType::MIRROR_PAD:
    case OpType::REDUCE_MAX:
    case OpType::REDUCE_MIN:
    case OpType::RSQRT:
      return Int8Int16Version(v);
    case OpType::RELU:
      if (v.In0Is(DType::kInt16)) return 3;
      if (v.In0Is(DType::kInt8) || v.In0Is(DType::kUInt8)) return 2;
      return 1;
    case OpType::SQUEEZE:
      return v.In0Is(DType::kString) ? 2 : 1;
    case OpType::PAD:
    case OpType::PADV2:
      if (v.In0Is(DType::kBool)) return 5;
      if (v.InRank(0) > 4) return 4;
      return Int8Int16Version(v);
    case OpType::CONCATENATION:
      if (v.In0Is(DType::kInt4)) return 5;
      if (v.In0Is(DType::kUInt32)) return 4;
      return Int8Int16Version(v);
    case OpType::QUANTIZE:
      if (v.In0Is(DType::kInt4) || v.OutType(0) == DType::kInt4) return 4;
      if (PerAxis(v.Out(0))) return 3;
      if (v.OutType(0) == DType::kInt16) return 2;
      return 1;
    case OpType::DEQUANTIZE:
      if (v.In0Is(DType::kInt4)) return 6;
      if (v.In0Is(DType::kInt16) || v.In0Is(DType::kFloat16)) return 3;
      if (v.In0Is(DType::kInt8)) return PerAxis(v.In(0)) ? 5 : 2;
      return 1;
    case OpType::TRANSPOSE:
      if (v.In0Is(DType::kInt4)) return 7;
      if (v.InRank(0) > 5) return 6;
      if (v.In0Is(DType::kInt16)) return 5;
      if (v.InRank(0) > 4) return 4;
      if (v.In0Is(DType::kBool)) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::STRIDED_SLICE:
      if (o.offset) return 8;
      if (v.In0Is(DType::kUInt32)) return 7;
      if (o.ellipsis_mask != 0 || o.new_axis_mask != 0) return 6;
      if (v.In0Is(DType::kString)) return 5;
      if (v.InRank(0) > 4) return 4;
      if (v.In0Is(DType::kBool)) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::SLICE:
      if (v.In0Is(DType::kInt4)) return 7;
      if (v.In0Is(DType::kUInt32)) return 6;
      if (v.InRank(0) > 4) return 5;
      if (v.In0Is(DType::kInt16)) return 4;
      if (v.In0Is(DType::kString)) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::SPLIT:  // the data is input 1 (input 0 is the axis)
      if (v.InType(1) == DType::kInt16) return 4;
      if (v.InType(1) == DType::kInt32) return 3;
      if (v.InType(1) == DType::kInt8) return 2;
      return 1;
    case OpType::SPLIT_V:
    case OpType::SUM:
    case OpType::SQUARED_DIFFERENCE:
    case OpType::SPACE_TO_DEPTH:
    case OpType::DEPTH_TO_SPACE:
      return v.In0Is(DType::kInt8) ? 2 : 1;
    case OpType::PACK:
      if (v.In0Is(DType::kInt8)) return 2;
      if (int16_io) return 3;
      if (v.In0Is(DType::kUInt32)) return 4;
      return 1;
    case OpType::UNPACK:
      if (v.In0Is(DType::kInt8) || v.In0Is(DType::kUInt8)) return 2;
      if (v.In0Is(DType::kBool)) return 3;
      if (int16_io) return 4;
      return 1;
    case OpType::LEAKY_RELU:
      return v.In0Is(DType::kInt16) ? 2 : 1;
    case OpType::RESIZE_BILINEAR:
      if (v.In0Is(DType::kInt16)) return 4;
      if (o.half_pixel_centers) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::RESIZE_NEAREST_NEIGHBOR:
      if (v.In0Is(DType::kInt16)) return 4;
      if (o.half_pixel_centers || o.align_corners) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::MAXIMUM:
    case OpType::MINIMUM:
      if (int16_io) return 4;
      if (v.Broadcasts() && v.MaxInputRank() > 4) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::GATHER:
      if (v.In0Is(DType::kInt4)) return 7;
      if (v.InType(1) == DType::kInt16) return 6;
      if (v.In0Is(DType::kInt16)) return 4;
      if (v.In0Is(DType::kBool)) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::ARG_MAX:
    case OpType::ARG_MIN:
      if (v.In0Is(DType::kBool)) return 3;
      if (v.In0Is(DType::kInt8)) return 2;
      return 1;
    case OpType::UNIDIRECTIONAL_SEQUENCE_LSTM:
      if (v.In0Is(DType::kInt16) && v.InType(2) == DType::kInt8 && v.OutType(0) == DType::kInt16) return 5;
      if (o.diagonal_recurrent_tensors) return 4;
      if (v.In0Is(DType::kFloat32) && v.InType(2) == DType::kInt8 && v.OutType(0) == DType::kFloat32) {
        return o.asymmetric_quantize_inputs ? 3 : 2;  // hybrid
      }
      return 1;
    case OpType::TRANSPOSE_CONV:
      if (v.Types(DType::kInt16, DType::kInt8, DType::kInt16) && o.quantized_bias_type != 0) return 5;
      if (o.activation != ir::Activation::kNone) return 4;
      if (v.NumInputs() == 4 && v.In(3) != nullptr) return 3;  // with bias
      if (v.InType(1) == DType::kInt8) return 2;
      return 1;
    default:
      // RESHAPE, SHAPE, HARD_SWISH, PRELU and every op without a rule: version 1.
      return 1;
  }
}

}  // namespace liteopt::io::tflite
