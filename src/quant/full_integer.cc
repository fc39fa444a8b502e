// Full-integer quantization: int8 activations from calibrated ranges, int8 weights, int32 bias; and TFLite's 16x8
// mode (Mode::kInt16x8): int16 activations, symmetric per tensor (zero point 0, scale max(|min|, |max|) / 32767, as
// the official converter's GetSymmetricQuantizationParams), the same int8 weights, int64 bias, SOFTMAX / LOGISTIC /
// TANH outputs (1/32768, 0), ADD and SUB written with pot_scale_int16 = false (their general int16 kernels).
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "base/quant_math.h"
#include "io/tflite/op_versions.h"
#include "quant/graph_edit.h"
#include "quant/passes.h"

namespace liteopt::quant {

namespace {

using ir::OpType;

// How an op's int8 form constrains its tensors (TFLite's int8 quantization spec).
enum class Rule {
  kUnsupported,
  kWeighted,   // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: int8 weights, int32 bias
  kFixed,      // SOFTMAX, LOGISTIC, TANH: fixed output parameters
  kSame,       // data movement, pooling: output shares the data input's parameters
  kRequant,    // CONCATENATION, PACK, MAXIMUM, MINIMUM: every input requantized to the output's parameters
  kFree,       // output parameters from calibration
  kAny,        // SHAPE: reads any dtype, no float output
};

Rule RuleOf(OpType t) {
  switch (t) {
    case OpType::CONV_2D: case OpType::DEPTHWISE_CONV_2D: case OpType::FULLY_CONNECTED:
      return Rule::kWeighted;
    case OpType::SOFTMAX: case OpType::LOGISTIC: case OpType::TANH:
      return Rule::kFixed;
    case OpType::RESHAPE: case OpType::SQUEEZE: case OpType::EXPAND_DIMS: case OpType::MAX_POOL_2D:
    case OpType::AVERAGE_POOL_2D: case OpType::PAD: case OpType::PADV2: case OpType::TRANSPOSE:
    case OpType::SLICE: case OpType::STRIDED_SLICE: case OpType::GATHER: case OpType::SPACE_TO_DEPTH:
    case OpType::DEPTH_TO_SPACE: case OpType::RESIZE_BILINEAR: case OpType::RESIZE_NEAREST_NEIGHBOR:
    case OpType::SPLIT: case OpType::SPLIT_V: case OpType::UNPACK: case OpType::REDUCE_MAX:
    case OpType::REDUCE_MIN: case OpType::BATCH_TO_SPACE_ND: case OpType::SPACE_TO_BATCH_ND:
      return Rule::kSame;
    case OpType::CONCATENATION: case OpType::PACK: case OpType::MAXIMUM: case OpType::MINIMUM:
      return Rule::kRequant;
    case OpType::ADD: case OpType::SUB: case OpType::MUL: case OpType::MEAN: case OpType::SUM:
    case OpType::RELU: case OpType::RELU6: case OpType::RELU_N1_TO_1: case OpType::LEAKY_RELU:
    case OpType::HARD_SWISH: case OpType::PRELU: case OpType::SQUARED_DIFFERENCE:
      return Rule::kFree;
    case OpType::SHAPE:
      return Rule::kAny;
    default:
      return Rule::kUnsupported;
  }
}

// Ops with an int16 form, both in liteopt's kernels and in TFLite's (the official converter's quantizable_int16
// operator properties, intersected with the int16 kernels of src/ops).
bool HasInt16Form(OpType t) {
  switch (t) {
    case OpType::CONV_2D: case OpType::DEPTHWISE_CONV_2D: case OpType::FULLY_CONNECTED: case OpType::ADD:
    case OpType::SUB: case OpType::MUL: case OpType::MEAN: case OpType::AVERAGE_POOL_2D: case OpType::MAX_POOL_2D: case OpType::SOFTMAX:
    case OpType::RESHAPE: case OpType::SQUEEZE: case OpType::EXPAND_DIMS: case OpType::PAD: case OpType::PADV2:
    case OpType::TRANSPOSE: case OpType::SLICE: case OpType::STRIDED_SLICE: case OpType::GATHER:
    case OpType::SPLIT: case OpType::SPLIT_V: case OpType::UNPACK: case OpType::REDUCE_MAX:
    case OpType::CONCATENATION: case OpType::PACK: case OpType::MAXIMUM: case OpType::MINIMUM: case OpType::SHAPE:
    case OpType::RESIZE_BILINEAR: case OpType::RESIZE_NEAREST_NEIGHBOR: case OpType::RELU: case OpType::RELU6:
    case OpType::LEAKY_RELU: case OpType::REDUCE_MIN:
      return true;
    default:
      return false;
  }
}

// Why an op with an int8 form has no int16 one, where the official runtime is the reason (listed in the error).
const char* NoInt16Reason(OpType t) {
  switch (t) {
    case OpType::SUM:
      return "the official runtime's int16 SUM does not rescale (reduce.cc refuses an output scale other than the "
             "input's), so a calibrated int16 SUM would not run there";
    case OpType::SQUARED_DIFFERENCE:
      return "the official runtime has no int16 SQUARED_DIFFERENCE kernel";
    default:
      return nullptr;
  }
}

Rule RuleIn(Mode mode, OpType t) {
  if (mode == Mode::kInt16x8 && !HasInt16Form(t)) return Rule::kUnsupported;
  return RuleOf(t);
}

// The input whose parameters a kSame op's output takes (SPLIT's data is input 1).
size_t DataInput(const ir::Op& op) { return op.type == OpType::SPLIT ? 1 : 0; }

bool TouchesFloat(const ir::Subgraph& sg, const ir::Op& op) {
  for (int32_t t : op.inputs)
    if (t >= 0 && sg.tensors[t].dtype == DType::kFloat32) return true;
  for (int32_t t : op.outputs)
    if (t >= 0 && sg.tensors[t].dtype == DType::kFloat32) return true;
  return false;
}

struct QP {
  float scale = 1.0f;
  int32_t zero_point = 0;
  bool operator==(const QP&) const = default;
  auto operator<=>(const QP&) const = default;
};

// Activation parameters of a range: int8 asymmetric; int16 symmetric with zero point 0 (0 stays in the range).
QP FromRange(DType act, float lo, float hi) {
  QP q;
  if (act == DType::kInt16) {
    const float max_abs = std::max(std::abs(std::min(lo, 0.0f)), std::abs(std::max(hi, 0.0f)));
    q.scale = qmath::SymmetricScale(max_abs, 32767);
    return q;
  }
  qmath::ChooseQuantizationParams(lo, hi, -128, 127, &q.scale, &q.zero_point);
  return q;
}

// Fixed output parameters of SOFTMAX / LOGISTIC / TANH (TFLite's operator properties).
QP FixedParams(DType act, OpType t) {
  if (act == DType::kInt16) return QP{1.0f / 32768, 0};
  return t == OpType::TANH ? QP{1.0f / 128, 0} : QP{1.0f / 256, -128};
}

ir::QuantParams ToIr(const QP& q) {
  ir::QuantParams p;
  p.scale = {q.scale};
  p.zero_point = {q.zero_point};
  return p;
}

std::string Describe(const ir::Subgraph& sg, size_t i) {
  const ir::Op& op = sg.ops[i];
  std::string name = op.outputs.empty() || op.outputs[0] < 0 ? std::string() : sg.tensors[op.outputs[0]].name;
  return "op " + std::to_string(i) + " '" + name + "' (" + ir::OpTypeName(op.type) + ")";
}

class Quantizer {
 public:
  Quantizer(const ir::Graph& src, const ConvertOptions& o, const std::vector<TensorRange>& ranges)
      : src_(src), o_(o), ranges_(ranges), g_(src), act_(o.mode == Mode::kInt16x8 ? DType::kInt16 : DType::kInt8) {}

  Result<ir::Graph> Run();

 private:
  ir::Subgraph& sg() { return g_.main(); }
  const ir::Subgraph& ssg() const { return src_.main(); }
  bool IsFloatActivation(int32_t t) const {
    return t >= 0 && ssg().tensors[t].dtype == DType::kFloat32 && !IsConstant(src_, ssg().tensors[t]);
  }
  Result<QP> CalibratedParams(int32_t t) const {
    if (static_cast<size_t>(t) >= ranges_.size() || !ranges_[t].valid)
      return Internal("no calibrated range for tensor " + std::to_string(t) + " '" + ssg().tensors[t].name + "'");
    return FromRange(act_, ranges_[t].min, ranges_[t].max);
  }
  QP ConstantParams(int32_t t) const {
    const std::vector<float> v = FloatValues(src_, ssg().tensors[t]);
    float lo = 0.0f, hi = 0.0f;
    for (float x : v)
      if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    return FromRange(act_, lo, hi);
  }
  // Appends a conversion op (QUANTIZE or DEQUANTIZE) from tensor `from` to a new tensor like `like`.
  int32_t Convert(OpType type, int32_t from, int32_t like, DType dtype, std::optional<QP> q, const std::string& suffix);
  void EmitConversion(OpType type, int32_t from, int32_t to);
  int32_t IntVersion(int32_t t);
  int32_t FloatVersion(int32_t t);
  int32_t RequantizedVersion(int32_t t, const QP& q);
  int32_t QuantizedConstant(int32_t t, std::optional<QP> q);
  int32_t Weights(int32_t t, int axis, std::vector<float>* scales);
  int32_t Bias(int32_t t, float input_scale, const std::vector<float>& weight_scales);
  void SetOutput(int32_t t, bool quantized_op);
  std::string ActSuffix() const { return act_ == DType::kInt16 ? "_int16" : "_int8"; }

  const ir::Graph& src_;
  const ConvertOptions& o_;
  const std::vector<TensorRange>& ranges_;
  ir::Graph g_;
  const DType act_;                       // activation dtype: int8, or int16 in 16x8 mode
  std::vector<ir::Op> ops_;
  std::vector<bool> rewritten_;           // per op of ops_: recompute its version
  std::vector<QP> qp_;                    // quantization parameters of each original float tensor
  std::vector<DType> home_;               // dtype of each original tensor index in the output
  std::vector<int32_t> int_ver_, float_ver_;
  std::map<std::pair<int32_t, QP>, int32_t> requant_, const_by_qp_;
  std::map<int32_t, int32_t> const_own_;
  std::map<std::pair<int32_t, int>, std::pair<int32_t, std::vector<float>>> weights_;
  std::vector<std::pair<int32_t, int32_t>> pending_outputs_;  // (op result tensor, graph output tensor)
};

void Quantizer::EmitConversion(OpType type, int32_t from, int32_t to) {
  ir::Op op;
  op.type = type;
  op.inputs = {from};
  op.outputs = {to};
  ops_.push_back(std::move(op));
  rewritten_.push_back(true);
}

int32_t Quantizer::Convert(OpType type, int32_t from, int32_t like, DType dtype, std::optional<QP> q,
                           const std::string& suffix) {
  ir::Tensor t = sg().tensors[like];
  t.name += suffix;
  t.dtype = dtype;
  t.buffer = 0;
  t.quant = q ? ToIr(*q) : ir::QuantParams{};
  const int32_t n = AddTensor(sg(), std::move(t));
  EmitConversion(type, from, n);
  return n;
}

int32_t Quantizer::IntVersion(int32_t t) {
  if (home_[t] == act_) return t;
  if (int_ver_[t] >= 0) return int_ver_[t];
  // From float (QUANTIZE float->int8/int16) or from a uint8 graph input (QUANTIZE uint8->int8).
  int_ver_[t] = Convert(OpType::QUANTIZE, t, t, act_, qp_[t], ActSuffix());
  return int_ver_[t];
}

int32_t Quantizer::FloatVersion(int32_t t) {
  if (home_[t] == DType::kFloat32) return t;
  if (float_ver_[t] >= 0) return float_ver_[t];
  float_ver_[t] = Convert(OpType::DEQUANTIZE, IntVersion(t), t, DType::kFloat32, std::nullopt, "_float");
  return float_ver_[t];
}

int32_t Quantizer::RequantizedVersion(int32_t t, const QP& q) {
  const int32_t i = IntVersion(t);
  if (qp_[t] == q) return i;
  auto it = requant_.find({t, q});
  if (it != requant_.end()) return it->second;
  const int32_t n = Convert(OpType::QUANTIZE, i, t, act_, q, "_requantized");
  requant_[{t, q}] = n;
  return n;
}

int32_t Quantizer::QuantizedConstant(int32_t t, std::optional<QP> q) {
  if (q) {
    auto it = const_by_qp_.find({t, *q});
    if (it != const_by_qp_.end()) return it->second;
  } else {
    auto it = const_own_.find(t);
    if (it != const_own_.end()) return it->second;
  }
  const QP p = q ? *q : ConstantParams(t);
  const ir::Tensor src = ssg().tensors[t];
  const std::vector<float> v = FloatValues(src_, src);
  int32_t qmin, qmax;
  qmath::DTypeRange(act_, &qmin, &qmax);
  std::vector<int32_t> values(v.size());
  for (size_t i = 0; i < v.size(); ++i) values[i] = qmath::QuantizeValue(v[i], p.scale, p.zero_point, qmin, qmax);
  const std::vector<uint8_t> bytes = act_ == DType::kInt16
                                         ? ToBytes(std::vector<int16_t>(values.begin(), values.end()))
                                         : ToBytes(std::vector<int8_t>(values.begin(), values.end()));
  const int32_t n = AddConstant(g_, sg(), src.name, act_, src.shape, bytes, ToIr(p));
  if (q) const_by_qp_[{t, *q}] = n;
  else const_own_[t] = n;
  return n;
}

int32_t Quantizer::Weights(int32_t t, int axis, std::vector<float>* scales) {
  auto it = weights_.find({t, axis});
  if (it == weights_.end()) {
    const ir::Tensor src = ssg().tensors[t];
    SymmetricWeights q = QuantizeWeightsSymmetric(FloatValues(src_, src), src.shape, axis);
    ir::QuantParams p;
    p.scale = q.scales;
    p.zero_point.assign(q.scales.size(), 0);
    p.quantized_dimension = axis < 0 ? 0 : axis;
    const int32_t n = AddConstant(g_, sg(), src.name, DType::kInt8, src.shape, ToBytes(q.values), p);
    it = weights_.emplace(std::make_pair(t, axis), std::make_pair(n, q.scales)).first;
  }
  *scales = it->second.second;
  return it->second.first;
}

// int32 bias (int8 activations) or int64 (16x8), scale input_scale * weight_scale[c], zero point 0.
int32_t Quantizer::Bias(int32_t t, float input_scale, const std::vector<float>& weight_scales) {
  const ir::Tensor src = ssg().tensors[t];
  const std::vector<float> v = FloatValues(src_, src);
  ir::QuantParams p;
  p.scale.resize(weight_scales.size());
  for (size_t c = 0; c < weight_scales.size(); ++c) p.scale[c] = input_scale * weight_scales[c];
  p.zero_point.assign(p.scale.size(), 0);
  auto scale = [&](size_t i) { return p.scale[p.scale.size() > 1 ? i : 0]; };
  if (act_ == DType::kInt16) {
    std::vector<int64_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) out[i] = qmath::QuantizeBias64Value(v[i], scale(i));
    return AddConstant(g_, sg(), src.name, DType::kInt64, src.shape, ToBytes(out), p);
  }
  std::vector<int32_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = qmath::QuantizeBiasValue(v[i], scale(i));
  return AddConstant(g_, sg(), src.name, DType::kInt32, src.shape, ToBytes(out), p);
}

// Declares the op result `t`: retyped in place when its dtype in the output matches what the graph's I/O
// type asks for (or it is not a graph output), else written to a new tensor and converted into `t`.
void Quantizer::SetOutput(int32_t t, bool quantized_op) {
  ir::Tensor& tensor = sg().tensors[t];
  if (quantized_op) {
    tensor.dtype = act_;
    tensor.quant = ToIr(qp_[t]);
    home_[t] = act_;
  } else {
    home_[t] = DType::kFloat32;
  }
}

Result<ir::Graph> Quantizer::Run() {
  const ir::Subgraph& s = ssg();
  const size_t n = s.tensors.size();
  qp_.assign(n, QP{});
  home_.resize(n);
  for (size_t t = 0; t < n; ++t) home_[t] = s.tensors[t].dtype;
  int_ver_.assign(n, -1);
  float_ver_.assign(n, -1);

  std::vector<bool> quantized(s.ops.size(), false);
  for (size_t i = 0; i < s.ops.size(); ++i)
    quantized[i] = TouchesFloat(s, s.ops[i]) && !KeepFloat(s, s.ops[i], o_.keep_float);

  // Parameters of every float activation: calibrated, then the spec's constraints in execution order.
  for (int32_t t : s.inputs) {
    if (IsFloatActivation(t)) {
      LITEOPT_ASSIGN_OR_RETURN(qp_[t], CalibratedParams(t));
    }
  }
  for (size_t i = 0; i < s.ops.size(); ++i) {
    const ir::Op& op = s.ops[i];
    for (int32_t t : op.outputs) {
      if (!IsFloatActivation(t)) continue;
      LITEOPT_ASSIGN_OR_RETURN(qp_[t], CalibratedParams(t));
      if (!quantized[i]) continue;
      const Rule r = RuleOf(op.type);
      if (r == Rule::kFixed) qp_[t] = FixedParams(act_, op.type);
      if (r == Rule::kSame) {
        const size_t d = DataInput(op);
        const int32_t in = d < op.inputs.size() ? op.inputs[d] : -1;
        if (IsFloatActivation(in)) qp_[t] = qp_[in];
        else if (in >= 0 && s.tensors[in].dtype == DType::kFloat32) qp_[t] = ConstantParams(in);
      }
    }
  }

  // Graph inputs in the requested I/O type.
  for (int32_t t : s.inputs) {
    if (!IsFloatActivation(t) || o_.io_type == DType::kFloat32) continue;
    ir::Tensor& tensor = sg().tensors[t];
    tensor.dtype = o_.io_type;
    QP q = qp_[t];
    if (o_.io_type == DType::kUInt8) q.zero_point += 128;
    tensor.quant = ToIr(q);
    home_[t] = o_.io_type;
  }

  for (size_t i = 0; i < s.ops.size(); ++i) {
    ir::Op op = s.ops[i];
    if (!TouchesFloat(s, op)) {
      ops_.push_back(std::move(op));
      rewritten_.push_back(false);
      continue;
    }
    if (!quantized[i]) {
      for (int32_t& t : op.inputs)
        if (IsFloatActivation(t)) t = FloatVersion(t);
    } else {
      const Rule r = RuleOf(op.type);
      std::optional<QP> shared;  // parameters constant data inputs must take
      if (r == Rule::kRequant || r == Rule::kSame) shared = qp_[op.outputs[0]];
      std::vector<float> weight_scales;
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        int32_t& t = op.inputs[k];
        if (t < 0 || s.tensors[t].dtype != DType::kFloat32) continue;
        if (r == Rule::kWeighted && k == 1) {
          int axis = -1;
          if (op.type == OpType::CONV_2D && !o_.per_tensor) axis = 0;
          if (op.type == OpType::DEPTHWISE_CONV_2D && !o_.per_tensor) axis = 3;
          t = Weights(t, axis, &weight_scales);
        } else if (r == Rule::kWeighted && k == 2) {
          t = Bias(t, qp_[s.ops[i].inputs[0]].scale, weight_scales);
        } else if (IsConstant(src_, s.tensors[t])) {
          t = QuantizedConstant(t, (r == Rule::kSame || r == Rule::kRequant) ? shared : std::nullopt);
        } else if (r == Rule::kRequant) {
          t = RequantizedVersion(t, *shared);
        } else {
          t = IntVersion(t);
        }
      }
    }
    // Results: in place, or redirected to a new tensor converted into the graph output's I/O type.
    const bool q = quantized[i];
    for (int32_t& t : op.outputs) {
      if (!IsFloatActivation(t)) continue;
      SetOutput(t, q);
      if (!IsSubgraphOutput(s, t)) continue;
      const DType natural = q ? act_ : DType::kFloat32;
      if (natural == o_.io_type) continue;
      ir::Tensor inner = sg().tensors[t];
      inner.name += q ? ActSuffix() : "_float";
      const int32_t r = AddTensor(sg(), std::move(inner));
      pending_outputs_.push_back({r, t});
      if (q) int_ver_[t] = r;
      else float_ver_[t] = r;
      t = r;
    }
    // 16x8 ADD and SUB run the general int16 kernels of add.cc and sub.cc (op versions 3 and 5), as the official
    // converter writes them.
    if (q && act_ == DType::kInt16 && (op.type == OpType::ADD || op.type == OpType::SUB))
      op.options.pot_scale_int16 = false;
    ops_.push_back(std::move(op));
    rewritten_.push_back(quantized[i]);
    for (auto [r, t] : pending_outputs_) {
      ir::Tensor& out = sg().tensors[t];
      out.dtype = o_.io_type;
      QP qo = qp_[t];
      if (o_.io_type == DType::kUInt8) qo.zero_point += 128;
      out.quant = o_.io_type == DType::kFloat32 ? ir::QuantParams{} : ToIr(qo);
      home_[t] = o_.io_type;
      EmitConversion(o_.io_type == DType::kFloat32 ? OpType::DEQUANTIZE : OpType::QUANTIZE, r, t);
    }
    pending_outputs_.clear();
  }
  sg().ops = std::move(ops_);
  for (size_t i = 0; i < sg().ops.size(); ++i)
    if (rewritten_[i]) sg().ops[i].version = io::tflite::OperatorVersion(g_, sg().ops[i]);
  return std::move(g_);
}

}  // namespace

std::vector<std::string> OpsWithoutInt8Form(const ir::Graph& g, const ConvertOptions& options) {
  std::vector<std::string> out;
  const ir::Subgraph& sg = g.main();
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    const ir::Op& op = sg.ops[i];
    if (!TouchesFloat(sg, op) || KeepFloat(sg, op, options.keep_float)) continue;
    Rule r = RuleIn(options.mode, op.type);
    if (r == Rule::kWeighted) {
      // Weights must be constant (int8 symmetric); the bias, when present, constant too.
      const bool const_w = op.inputs.size() >= 2 && op.inputs[1] >= 0 && IsConstant(g, sg.tensors[op.inputs[1]]);
      const bool const_b = op.inputs.size() < 3 || op.inputs[2] < 0 || IsConstant(g, sg.tensors[op.inputs[2]]);
      if (!const_w || !const_b) {
        out.push_back(Describe(sg, i) + " with non-constant weights or bias");
        continue;
      }
    }
    if (r != Rule::kUnsupported) continue;
    const char* reason = options.mode == Mode::kInt16x8 ? NoInt16Reason(op.type) : nullptr;
    out.push_back(Describe(sg, i) + (reason ? std::string(": ") + reason : std::string()));
  }
  return out;
}

Result<ir::Graph> QuantizeFullInteger(const ir::Graph& g, const ConvertOptions& options,
                                      const std::vector<TensorRange>& ranges) {
  Quantizer q(g, options, ranges);
  return q.Run();
}

}  // namespace liteopt::quant
