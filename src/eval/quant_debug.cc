#include "eval/quant_debug.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "base/cpu.h"
#include "base/quant_math.h"
#include "runtime/interpreter.h"

namespace liteopt::eval {

namespace {

using ir::OpType;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool IsConversion(const ir::Op& op) {
  return (op.type == OpType::QUANTIZE || op.type == OpType::DEQUANTIZE) && op.inputs.size() == 1 &&
         op.outputs.size() == 1 && op.inputs[0] >= 0;
}

bool IsConstant(const ir::Graph& g, int32_t t) { return t >= 0 && !g.data(g.main().tensors[t]).empty(); }

bool IsWeighted(OpType t) {
  return t == OpType::CONV_2D || t == OpType::DEPTHWISE_CONV_2D || t == OpType::FULLY_CONNECTED;
}

std::string Describe(const ir::Subgraph& sg, size_t i) {
  const ir::Op& op = sg.ops[i];
  const std::string name = op.outputs.empty() || op.outputs[0] < 0 ? "" : sg.tensors[op.outputs[0]].name;
  return "op " + std::to_string(i) + " '" + name + "' (" + ir::OpTypeName(op.type) + ")";
}

std::string ShapeText(const std::vector<int32_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Histogram of |x| over the float's exponent and top 4 mantissa bits: monotone in |x|, 16 bins per octave.
class AbsHistogram {
 public:
  AbsHistogram() : counts_(4096, 0) {}
  void Add(float x) {
    const uint32_t bits = std::bit_cast<uint32_t>(x) & 0x7fffffffu;
    ++counts_[bits >> 19];
    ++total_;
  }
  // The upper edge of the bin holding the q-quantile (q in [0,1]).
  float Quantile(double q) const {
    if (total_ == 0) return 0.0f;
    const double target = q * static_cast<double>(total_);
    int64_t acc = 0;
    for (size_t b = 0; b < counts_.size(); ++b) {
      acc += counts_[b];
      if (static_cast<double>(acc) >= target) return std::bit_cast<float>(static_cast<uint32_t>((b + 1) << 19));
    }
    return std::bit_cast<float>(0x7f7fffffu);
  }

 private:
  std::vector<int64_t> counts_;
  int64_t total_ = 0;
};

struct RangeAcc {
  float min = std::numeric_limits<float>::infinity(), max = -std::numeric_limits<float>::infinity();
  float max_abs = 0;
  int64_t count = 0, clipped = 0;
  AbsHistogram hist;
  void Add(const float* v, int64_t n, float lo, float hi) {
    for (int64_t i = 0; i < n; ++i) {
      const float x = v[i];
      if (!std::isfinite(x)) continue;
      min = std::min(min, x);
      max = std::max(max, x);
      max_abs = std::max(max_abs, std::abs(x));
      clipped += x < lo || x > hi;
      hist.Add(x);
      ++count;
    }
  }
  RangeStats Stats() const {
    RangeStats s;
    if (count == 0) return s;
    s = {min, max, max_abs, std::min(max_abs, hist.Quantile(0.99)), std::min(max_abs, hist.Quantile(0.9999)), count};
    return s;
  }
};

// Sums behind SQNR, cosine and RMSE of `test` against `ref`.
struct ErrorAcc {
  double ref2 = 0, err2 = 0, dot = 0, test2 = 0;
  int64_t n = 0;
  void Add(const float* ref, const float* test, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
      const double r = ref[i], t = test[i], e = t - r;
      ref2 += r * r;
      err2 += e * e;
      dot += r * t;
      test2 += t * t;
    }
    n += count;
  }
  double Sqnr() const {
    if (err2 == 0) return kInf;
    if (ref2 == 0) return -kInf;
    return 10.0 * std::log10(ref2 / err2);
  }
  double Cosine() const {
    if (ref2 == 0 && test2 == 0) return 1.0;
    if (ref2 == 0 || test2 == 0) return 0.0;
    return dot / std::sqrt(ref2 * test2);
  }
  double Rmse() const { return n ? std::sqrt(err2 / n) : 0.0; }
};

// A tensor's values as real numbers (dequantized with its per-tensor parameters). False for other dtypes.
bool ReadReal(const ops::TensorRef& t, std::vector<float>* out) {
  const int64_t n = t.num_elements();
  out->resize(n);
  const float s = t.scale();
  const int32_t z = t.zero_point();
  switch (t.dtype) {
    case DType::kFloat32:
      std::memcpy(out->data(), t.data, n * sizeof(float));
      return true;
    case DType::kInt8:
      for (int64_t i = 0; i < n; ++i) (*out)[i] = qmath::DequantizeValue(t.as<int8_t>()[i], s, z);
      return t.quant->quantized();
    case DType::kUInt8:
      for (int64_t i = 0; i < n; ++i) (*out)[i] = qmath::DequantizeValue(t.as<uint8_t>()[i], s, z);
      return t.quant->quantized();
    case DType::kInt16:
      for (int64_t i = 0; i < n; ++i) (*out)[i] = qmath::DequantizeValue(t.as<int16_t>()[i], s, z);
      return t.quant->quantized();
    default:
      return false;
  }
}

bool QuantizedInteger(const ops::TensorRef& t) {
  return (t.dtype == DType::kInt8 || t.dtype == DType::kUInt8 || t.dtype == DType::kInt16) && t.quant->quantized();
}

// The real range an integer tensor can represent.
void RepresentableRange(const ops::TensorRef& t, float* lo, float* hi) {
  int32_t qmin = 0, qmax = 0;
  qmath::DTypeRange(t.dtype, &qmin, &qmax);
  *lo = qmath::DequantizeValue(qmin, t.scale(), t.zero_point());
  *hi = qmath::DequantizeValue(qmax, t.scale(), t.zero_point());
}

// `in` quantized with an integer tensor's parameters and dequantized again: its rounding and clipping alone.
void FakeQuant(const ops::TensorRef& t, const std::vector<float>& in, std::vector<float>* out) {
  int32_t qmin = 0, qmax = 0;
  qmath::DTypeRange(t.dtype, &qmin, &qmax);
  out->resize(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    (*out)[i] = qmath::DequantizeValue(qmath::QuantizeValue(in[i], t.scale(), t.zero_point(), qmin, qmax), t.scale(),
                                       t.zero_point());
}

// One op of the float graph as a graph of its own: its non-constant inputs become graph inputs, its constants
// stay (shared buffers). Running it on the quantized model's inputs of that op isolates the op's own error.
struct LocalRef {
  std::unique_ptr<runtime::Interpreter> interp;
  std::vector<int> op_input;  // op input index of each graph input
};

// Inputs the float interpreter folded at prepare (a RESHAPE's shape computed by SHAPE -> STRIDED_SLICE -> PACK)
// become constants holding the folded values, as kernels need them in prepare.
Result<LocalRef> MakeLocalRef(const ir::Graph& g, int op_index, const runtime::Interpreter& folded) {
  const ir::Subgraph& sg = g.main();
  const ir::Op& src = sg.ops[op_index];
  if (!src.intermediates.empty()) return Unsupported("ops with intermediate tensors are not compared alone");
  auto out = std::make_shared<ir::Graph>();
  out->version = g.version;
  out->buffers.emplace_back();
  out->subgraphs.emplace_back();
  ir::Subgraph& dst = out->main();
  std::unordered_map<int32_t, int32_t> remap;
  LocalRef ref;
  auto add = [&](int32_t t, bool is_input, int k) -> int32_t {
    if (t < 0) return -1;
    auto it = remap.find(t);
    if (it != remap.end()) return it->second;
    ir::Tensor copy = sg.tensors[t];
    const ops::TensorRef& f = folded.tensor(t);
    if (IsConstant(g, t)) {
      copy.buffer = static_cast<int32_t>(out->buffers.size());
      out->buffers.push_back(g.data(sg.tensors[t]));
    } else if (f.is_const && f.data != nullptr) {
      copy.buffer = static_cast<int32_t>(out->buffers.size());
      out->buffers.push_back(ir::Buffer::Owned(std::vector<uint8_t>(f.data, f.data + f.bytes)));
      copy.shape = f.shape;
    } else {
      copy.buffer = 0;
      if (is_input) {
        dst.inputs.push_back(static_cast<int32_t>(dst.tensors.size()));
        ref.op_input.push_back(k);
      }
    }
    const int32_t n = static_cast<int32_t>(dst.tensors.size());
    dst.tensors.push_back(std::move(copy));
    remap[t] = n;
    return n;
  };
  ir::Op op = src;
  for (size_t k = 0; k < op.inputs.size(); ++k) op.inputs[k] = add(op.inputs[k], true, static_cast<int>(k));
  for (int32_t& t : op.outputs) {
    t = add(t, false, -1);
    dst.outputs.push_back(t);
  }
  dst.ops.push_back(std::move(op));
  runtime::InterpreterOptions o;
  o.num_threads = 1;
  LITEOPT_ASSIGN_OR_RETURN(ref.interp, runtime::Interpreter::Create(out, o));
  return ref;
}

// What is compared for one matched op, and the sums collected over the samples.
struct Probe {
  LayerReport report;
  LocalRef local;
  bool has_local = false;
  ErrorAcc own, range, total;
  RangeAcc values;
};

float Percentile99(std::vector<float> v) {
  if (v.empty()) return 0.0f;
  for (float& x : v) x = std::abs(x);
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(0.99 * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

std::vector<float> ConstantFloats(const ir::Graph& g, int32_t t) {
  const ir::Tensor& tensor = g.main().tensors[t];
  const ir::Buffer& b = g.data(tensor);
  if (tensor.dtype != DType::kFloat32 || b.size % sizeof(float) != 0) return {};
  std::vector<float> v(b.size / sizeof(float));
  std::memcpy(v.data(), b.data, b.size);
  return v;
}

Status CheckSameInterface(const runtime::Interpreter& f, const runtime::Interpreter& q) {
  if (f.num_inputs() != q.num_inputs() || f.num_outputs() != q.num_outputs())
    return InvalidArgument("the float model has " + std::to_string(f.num_inputs()) + " input(s) and " +
                           std::to_string(f.num_outputs()) + " output(s), the quantized one " +
                           std::to_string(q.num_inputs()) + " and " + std::to_string(q.num_outputs()) +
                           ": not the same network");
  for (int i = 0; i < f.num_inputs(); ++i) {
    if (f.input(i).shape != q.input(i).shape)
      return InvalidArgument("input " + std::to_string(i) + ": the float model's '" + f.input(i).ir->name + "' is " +
                             ShapeText(f.input(i).shape) + ", the quantized model's '" + q.input(i).ir->name +
                             "' is " + ShapeText(q.input(i).shape) + ": not the same network");
    if (f.input(i).dtype != DType::kFloat32)
      return InvalidArgument("the float model's input '" + f.input(i).ir->name + "' is " +
                             std::string(DTypeName(f.input(i).dtype)) + ", expected float32");
  }
  for (int i = 0; i < f.num_outputs(); ++i)
    if (f.output(i).num_elements() != q.output(i).num_elements())
      return InvalidArgument("output " + std::to_string(i) + ": the float model's '" + f.output(i).ir->name + "' is " +
                             ShapeText(f.output(i).shape) + ", the quantized model's '" + q.output(i).ir->name +
                             "' is " + ShapeText(q.output(i).shape) + ": not the same network");
  return Status::Ok();
}

// A matched op must have the same output size and the same weight shapes: a quantized model made from another
// float model (a layer resized, retrained with another architecture) is refused rather than half compared.
Status CheckSameShapes(const ir::Subgraph& fsg, const ir::Subgraph& qsg, size_t i, const ir::Op& qop,
                       const runtime::Interpreter& fi, const runtime::Interpreter& qi) {
  const ir::Op& op = fsg.ops[i];
  auto mismatch = [&](const std::string& what, const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    return InvalidArgument(Describe(fsg, i) + ": " + what + " " + ShapeText(a) + " in the float model, " +
                           ShapeText(b) + " in the quantized one: not the same network");
  };
  const ops::TensorRef& fo = fi.tensor(op.outputs[0]);
  const ops::TensorRef& qo = qi.tensor(qop.outputs[0]);
  if (fo.num_elements() != qo.num_elements()) return mismatch("output", fo.shape, qo.shape);
  for (size_t k = 0; k < op.inputs.size(); ++k) {
    const int32_t a = op.inputs[k], b = qop.inputs[k];
    if (a < 0 || b < 0 || !fi.tensor(a).is_const) continue;
    if (fsg.tensors[a].shape != qsg.tensors[b].shape)
      return mismatch("input " + std::to_string(k), fsg.tensors[a].shape, qsg.tensors[b].shape);
  }
  return Status::Ok();
}

// Fills the quantized model's input from float values (quantized with its parameters when it is integer).
void FeedInput(const std::vector<uint8_t>& float_bytes, const ops::TensorRef& in, uint8_t* dst) {
  if (in.dtype == DType::kFloat32) {
    std::memcpy(dst, float_bytes.data(), in.bytes);
    return;
  }
  int32_t qmin = 0, qmax = 0;
  qmath::DTypeRange(in.dtype, &qmin, &qmax);
  const float* x = reinterpret_cast<const float*>(float_bytes.data());
  const int64_t n = in.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    const int32_t q = qmath::QuantizeValue(x[i], in.scale(), in.zero_point(), qmin, qmax);
    if (in.dtype == DType::kInt8) reinterpret_cast<int8_t*>(dst)[i] = static_cast<int8_t>(q);
    else if (in.dtype == DType::kUInt8) dst[i] = static_cast<uint8_t>(q);
    else reinterpret_cast<int16_t*>(dst)[i] = static_cast<int16_t>(q);
  }
}

// The real range the quantized model's input quantization covers: an integer input, or the QUANTIZE reading
// a float input.
bool QuantInputRange(const runtime::Interpreter& q, float* lo, float* hi) {
  const ops::TensorRef& in = q.input(0);
  if (QuantizedInteger(in)) {
    RepresentableRange(in, lo, hi);
    return true;
  }
  const ir::Subgraph& sg = q.subgraph();
  for (const ir::Op& op : sg.ops) {
    if (op.type == OpType::QUANTIZE && IsConversion(op) && op.inputs[0] == sg.inputs[0]) {
      const ops::TensorRef& t = q.tensor(op.outputs[0]);
      if (!QuantizedInteger(t)) return false;
      RepresentableRange(t, lo, hi);
      return true;
    }
  }
  return false;
}

int Argmax(const std::vector<float>& v) {
  return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());
}

void AddWarnings(const QuantDebugOptions& o, QuantDebugReport* r) {
  if (r->samples < o.min_samples)
    r->warnings.push_back("only " + std::to_string(r->samples) + " samples: statistics and calibration on fewer than " +
                          std::to_string(o.min_samples) +
                          " images are noisy (the converter's default is 300); give more rows or --samples");
  if (r->quant_input_range_known) {
    const float data_span = r->data_max - r->data_min;
    const float q_span = r->quant_input_max - r->quant_input_min;
    const std::string data = "[" + Fmt("%.4g", r->data_min) + ", " + Fmt("%.4g", r->data_max) + "]";
    const std::string q = "[" + Fmt("%.4g", r->quant_input_min) + ", " + Fmt("%.4g", r->quant_input_max) + "]";
    if (data_span > 4 * q_span) {
      r->warnings.push_back("the data fed here spans " + data + " but the quantized model's input quantization covers " +
                            q + ": it was calibrated on data scaled differently (e.g. [0,1] instead of [0,255]); "
                            "calibrate and evaluate with the same scaling (--normalize)");
    } else if (q_span > 20 * data_span) {
      r->warnings.push_back("the quantized model's input quantization covers " + q + " but the data fed here spans " +
                            data + ": it was calibrated on data scaled differently (e.g. raw [0,255] pixels for a "
                            "model that takes [0,1]), so its input steps are " + Fmt("%.0f", q_span / std::max(data_span, 1e-12f)) +
                            "x too coarse; recalibrate with the scaling the float model expects (--normalize)");
    }
  }
  std::string outliers;
  int n = 0;
  for (const LayerReport& l : r->layers) {
    if (!l.quantized || l.range.p9999_abs <= 0 || l.range.max_abs < 8 * l.range.p9999_abs) continue;
    if (n++ < 3) outliers += std::string(outliers.empty() ? "" : ", ") + "'" + l.name + "' (max |x| " +
                             Fmt("%.0f", l.range.max_abs / l.range.p9999_abs) + "x its 99.99th percentile)";
  }
  if (n)
    r->warnings.push_back(std::to_string(n) + " layer(s) have a range set by a handful of outliers: " + outliers +
                          (n > 3 ? ", ..." : ""));
  if (!r->unmatched.empty())
    r->warnings.push_back(std::to_string(r->unmatched.size()) + " of " + std::to_string(r->float_ops) +
                          " float ops have no counterpart in the quantized model (first: " + r->unmatched[0] + ")");
}

bool WorseFirst(const LayerReport& a, const LayerReport& b) {
  auto key = [](const LayerReport& l) { return std::isnan(l.sqnr_db) ? kInf : l.sqnr_db; };
  if (key(a) != key(b)) return key(a) < key(b);
  return a.float_op < b.float_op;
}

}  // namespace

std::vector<int32_t> MatchOps(const ir::Graph& fg, const ir::Graph& qg) {
  const ir::Subgraph& f = fg.main();
  const ir::Subgraph& q = qg.main();
  // Quantized tensors seen through conversions: the tensor a QUANTIZE / DEQUANTIZE chain starts from.
  std::vector<int32_t> canon(q.tensors.size());
  for (size_t t = 0; t < canon.size(); ++t) canon[t] = static_cast<int32_t>(t);
  std::vector<int32_t> producer(q.tensors.size(), -1);
  for (size_t i = 0; i < q.ops.size(); ++i) {
    const ir::Op& op = q.ops[i];
    for (int32_t t : op.outputs)
      if (t >= 0) producer[t] = static_cast<int32_t>(i);
    if (IsConversion(op) && op.outputs[0] >= 0) canon[op.outputs[0]] = canon[op.inputs[0]];
  }
  std::unordered_map<std::string, int32_t> by_name;
  for (size_t t = 0; t < q.tensors.size(); ++t)
    if (producer[t] >= 0 && !IsConversion(q.ops[producer[t]])) by_name.emplace(q.tensors[t].name, static_cast<int32_t>(t));

  std::vector<int32_t> fq(f.tensors.size(), -1);  // float tensor -> canonical quantized tensor
  for (size_t i = 0; i < f.inputs.size() && i < q.inputs.size(); ++i)
    if (f.inputs[i] >= 0 && q.inputs[i] >= 0) fq[f.inputs[i]] = q.inputs[i];
  std::vector<bool> used(q.ops.size(), false);
  std::vector<int32_t> match(f.ops.size(), -1);

  // Same type, and every input either constant on both sides or the counterpart of the float op's input.
  auto inputs_agree = [&](const ir::Op& fop, const ir::Op& qop) {
    if (fop.type != qop.type || fop.inputs.size() != qop.inputs.size()) return false;
    for (size_t k = 0; k < fop.inputs.size(); ++k) {
      const int32_t a = fop.inputs[k], b = qop.inputs[k];
      if ((a < 0) != (b < 0)) return false;
      if (a < 0) continue;
      const bool fc = IsConstant(fg, a), qc = IsConstant(qg, canon[b]);
      if (fc != qc) return false;
      if (!fc && (fq[a] < 0 || fq[a] != canon[b])) return false;
    }
    return true;
  };
  for (size_t i = 0; i < f.ops.size(); ++i) {
    const ir::Op& op = f.ops[i];
    if (IsConversion(op)) {
      if (op.outputs[0] >= 0) fq[op.outputs[0]] = fq[op.inputs[0]];
      continue;
    }
    if (op.outputs.empty() || op.outputs[0] < 0) continue;
    int32_t found = -1;
    auto it = by_name.find(f.tensors[op.outputs[0]].name);
    if (it != by_name.end()) {
      const int32_t p = producer[it->second];
      if (!used[p] && q.ops[p].type == op.type && q.ops[p].outputs.size() == op.outputs.size()) found = p;
    }
    for (size_t j = 0; j < q.ops.size() && found < 0; ++j)
      if (!used[j] && inputs_agree(op, q.ops[j])) found = static_cast<int32_t>(j);
    if (found < 0) continue;
    used[found] = true;
    match[i] = found;
    for (size_t k = 0; k < op.outputs.size(); ++k)
      if (op.outputs[k] >= 0 && q.ops[found].outputs[k] >= 0) fq[op.outputs[k]] = canon[q.ops[found].outputs[k]];
  }
  return match;
}

void Diagnose(LayerReport* l, const std::vector<std::string>& consumers, const QuantDebugOptions& o) {
  // The step budget is in 8-bit steps: an int16 (16x8) output's step is 256x finer.
  const bool int16 = l->dtype == DType::kInt16;
  const double max_rmse_over_scale = o.bad_rmse_over_scale * (int16 ? 256.0 : 1.0);
  l->bad = !std::isnan(l->sqnr_db) &&
           (l->sqnr_db < o.bad_sqnr_db || (l->quantized && l->rmse_over_scale > max_rmse_over_scale));
  l->cause = ErrorCause::kNone;
  l->keep_float = {l->name};
  l->suggestion.clear();
  if (!l->bad) return;
  // Error power of the output's quantization alone against the op's whole error (both relative to the signal).
  const double own = std::pow(10.0, -l->sqnr_db / 10.0);
  const double range = std::isinf(l->range_sqnr_db) ? 0.0 : std::pow(10.0, -l->range_sqnr_db / 10.0);
  const std::string keep_op = "--keep-float " + l->name;
  if (!l->quantized || range < 0.5 * own) {
    l->cause = ErrorCause::kComputation;
    if (l->weight_p99_abs > 0 && l->weight_max_abs >= 8 * l->weight_p99_abs) {
      l->suggestion = "its weights' range is set by outliers (max |w| " + Fmt("%.3g", l->weight_max_abs) + " is " +
                      Fmt("%.0f", l->weight_max_abs / l->weight_p99_abs) + "x the 99th percentile " +
                      Fmt("%.3g", l->weight_p99_abs) + "), so int8 weights" +
                      (l->per_tensor_weights ? " (one scale for the tensor)" : "") +
                      " round most of the others to a few steps; keep it float: " + keep_op;
    } else {
      l->suggestion = "the error comes from the op's quantized weights and arithmetic, not its output range (" +
                      Fmt("%.1f", l->range_sqnr_db) + " dB from the output alone); keep it float: " + keep_op;
      if (l->per_tensor_weights && l->op_type != "FULLY_CONNECTED")
        l->suggestion += ", or use per-channel weights (convert without --per-tensor)";
    }
    return;
  }
  l->cause = ErrorCause::kOutputRange;
  for (const std::string& c : consumers)
    if (std::find(l->keep_float.begin(), l->keep_float.end(), c) == l->keep_float.end()) l->keep_float.push_back(c);
  std::string keep_tensor = "--keep-float ";
  for (size_t i = 0; i < l->keep_float.size(); ++i) keep_tensor += (i ? "," : "") + l->keep_float[i];
  keep_tensor += " (the op and its consumers, so the tensor stays float)";
  const RangeStats& r = l->range;
  const double tail = r.p9999_abs > 0 ? r.max_abs / r.p9999_abs : 0.0;
  const double bulk = r.p99_abs > 0 ? r.max_abs / r.p99_abs : 0.0;
  const std::string max_text = "max |x| " + Fmt("%.4g", r.max_abs);
  if (tail >= 4) {
    l->suggestion = "outlier-dominated range: " + max_text + " is " + Fmt("%.0f", tail) +
                    "x the 99.99th percentile (" + Fmt("%.4g", r.p9999_abs) +
                    "); percentile calibration (--calibration percentile) clips those few values and makes the "
                    "step about " + Fmt("%.0f", tail) + "x finer; or " + keep_tensor;
  } else if (l->clipped >= 0.01) {
    l->suggestion = "the quantized range clips " + Fmt("%.1f", l->clipped * 100) +
                    "% of the values seen here: it was calibrated on other data or scaling; recalibrate on data "
                    "like this (same --normalize), or " + keep_tensor;
  } else if (bulk >= 4) {
    l->suggestion = "range set by a tail of outliers too large for percentile calibration to drop (" + max_text +
                    " is " + Fmt("%.0f", bulk) + "x the 99th percentile, " + Fmt("%.1f", tail) +
                    "x the 99.99th): " + std::string(int16 ? "" : "use --int16x8 (256x finer activation steps) or ") +
                    keep_tensor;
  } else if (int16) {
    l->suggestion = "int16 steps are too coarse for this tensor although its range is used evenly (" + max_text +
                    ", " + Fmt("%.1f", bulk) + "x the 99th percentile): " + keep_tensor;
  } else {
    l->suggestion = "int8 steps are too coarse for this tensor although its range is used evenly (" + max_text +
                    ", " + Fmt("%.1f", bulk) + "x the 99th percentile): use --int16x8 or " + keep_tensor;
  }
}

Result<QuantDebugReport> DebugQuantization(std::shared_ptr<const ir::Graph> float_graph,
                                           std::shared_ptr<const ir::Graph> quant_graph,
                                           const std::vector<std::vector<uint8_t>>& float_inputs,
                                           const QuantDebugOptions& o) {
  if (float_inputs.empty()) return InvalidArgument("debugging quantization needs at least one input sample");
  if (float_graph->subgraphs.empty() || quant_graph->subgraphs.empty())
    return InvalidArgument("a model has no subgraph");
  runtime::InterpreterOptions io;
  io.preserve_all_tensors = true;
  io.num_threads = o.threads > 0 ? o.threads : AvailableCores();
  auto f_or = runtime::Interpreter::Create(float_graph, io);
  if (!f_or.ok()) return Status(f_or.status()).Prepend("the float model");
  auto q_or = runtime::Interpreter::Create(quant_graph, io);
  if (!q_or.ok()) return Status(q_or.status()).Prepend("the quantized model");
  runtime::Interpreter& fi = **f_or;
  runtime::Interpreter& qi = **q_or;
  LITEOPT_RETURN_IF_ERROR(CheckSameInterface(fi, qi));
  if (fi.num_inputs() != 1) return Unsupported("debugging quantization supports models with one input");
  for (size_t s = 0; s < float_inputs.size(); ++s)
    if (float_inputs[s].size() != fi.input(0).bytes)
      return InvalidArgument("sample " + std::to_string(s) + " has " + std::to_string(float_inputs[s].size()) +
                             " bytes, the float model's input takes " + std::to_string(fi.input(0).bytes));

  const ir::Subgraph& fsg = float_graph->main();
  const ir::Subgraph& qsg = quant_graph->main();
  const std::vector<int32_t> match = MatchOps(*float_graph, *quant_graph);
  QuantDebugReport report;
  std::vector<Probe> probes;
  std::vector<std::vector<std::string>> consumers(fsg.tensors.size());
  for (const ir::Op& op : fsg.ops)
    if (!IsConversion(op) && !op.outputs.empty() && op.outputs[0] >= 0)
      for (int32_t t : op.inputs)
        if (t >= 0) consumers[t].push_back(fsg.tensors[op.outputs[0]].name);
  size_t matched_outputs = 0;
  for (size_t i = 0; i < fsg.ops.size(); ++i) {
    const ir::Op& op = fsg.ops[i];
    if (IsConversion(op) || op.outputs.empty() || op.outputs[0] < 0 || fi.op_folded(static_cast<int>(i))) continue;
    if (fi.tensor(op.outputs[0]).dtype != DType::kFloat32) continue;
    ++report.float_ops;
    if (match[i] < 0) {
      report.unmatched.push_back(Describe(fsg, i));
      continue;
    }
    const ir::Op& qop = qsg.ops[match[i]];
    const ops::TensorRef& qout = qi.tensor(qop.outputs[0]);
    Probe p;
    LayerReport& l = p.report;
    l.name = fsg.tensors[op.outputs[0]].name;
    l.op_type = ir::OpTypeName(op.type);
    l.float_op = static_cast<int>(i);
    l.quant_op = match[i];
    l.dtype = qout.dtype;
    l.quantized = QuantizedInteger(qout);
    l.scale = l.quantized ? qout.scale() : 0.0f;
    l.zero_point = l.quantized ? qout.zero_point() : 0;
    LITEOPT_RETURN_IF_ERROR(CheckSameShapes(fsg, qsg, i, qop, fi, qi));
    for (int32_t t : fsg.outputs) matched_outputs += t == op.outputs[0];
    if (IsWeighted(op.type) && op.inputs.size() > 1 && op.inputs[1] >= 0) {
      std::vector<float> w = ConstantFloats(*float_graph, op.inputs[1]);
      for (float x : w) l.weight_max_abs = std::max(l.weight_max_abs, std::abs(x));
      l.weight_p99_abs = Percentile99(std::move(w));
      const ops::TensorRef& qw = qi.tensor(qop.inputs[1]);
      l.per_tensor_weights = qw.quant->quantized() && !qw.quant->per_axis();
    }
    auto local = MakeLocalRef(*float_graph, static_cast<int>(i), fi);
    if (local.ok()) {
      p.local = std::move(*local);
      p.has_local = true;
      for (int k : p.local.op_input) {
        const int32_t ft = op.inputs[k], qt = qop.inputs[k];
        if (qt < 0 || qi.tensor(qt).num_elements() != fi.tensor(ft).num_elements()) p.has_local = false;
      }
    }
    if (!p.has_local) l.note = local.ok() ? "inputs differ in size" : local.status().message();
    probes.push_back(std::move(p));
  }
  if (probes.empty() || probes.size() * 5 < report.float_ops * 4 || matched_outputs == 0)
    return InvalidArgument("the models do not look like the same network: " + std::to_string(probes.size()) + " of " +
                           std::to_string(report.float_ops) + " float ops have a counterpart in the quantized model" +
                           (matched_outputs == 0 ? " and the model output has none" : "") +
                           (report.unmatched.empty() ? "" : " (first unmatched: " + report.unmatched[0] + ")"));
  report.quant_input_range_known = QuantInputRange(qi, &report.quant_input_min, &report.quant_input_max);

  ErrorAcc output_err;
  size_t agree = 0;
  RangeAcc input_range;
  std::vector<float> fv, qv, rv, tmp;
  for (size_t s = 0; s < float_inputs.size(); ++s) {
    std::memcpy(fi.input_bytes(0), float_inputs[s].data(), fi.input(0).bytes);
    FeedInput(float_inputs[s], qi.input(0), qi.input_bytes(0));
    LITEOPT_RETURN_IF_ERROR(fi.Invoke());
    LITEOPT_RETURN_IF_ERROR(qi.Invoke());
    const float* x = reinterpret_cast<const float*>(float_inputs[s].data());
    input_range.Add(x, fi.input(0).num_elements(), -kInf, kInf);
    ReadReal(fi.output(0), &fv);
    ReadReal(qi.output(0), &qv);
    output_err.Add(fv.data(), qv.data(), static_cast<int64_t>(fv.size()));
    agree += Argmax(fv) == Argmax(qv);
    for (Probe& p : probes) {
      const ir::Op& fop = fsg.ops[p.report.float_op];
      const ir::Op& qop = qsg.ops[p.report.quant_op];
      const ops::TensorRef& qout = qi.tensor(qop.outputs[0]);
      float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
      if (p.report.quantized) RepresentableRange(qout, &lo, &hi);
      ReadReal(fi.tensor(fop.outputs[0]), &fv);
      p.values.Add(fv.data(), static_cast<int64_t>(fv.size()), lo, hi);
      if (!ReadReal(qout, &qv)) continue;
      p.total.Add(fv.data(), qv.data(), static_cast<int64_t>(fv.size()));
      if (!p.has_local) continue;
      runtime::Interpreter& li = *p.local.interp;
      for (int g = 0; g < li.num_inputs(); ++g) {
        const int k = p.local.op_input[g];
        const ops::TensorRef& fin = fi.tensor(fop.inputs[k]);
        if (fin.dtype == DType::kFloat32 && ReadReal(qi.tensor(qop.inputs[k]), &tmp))
          std::memcpy(li.input_bytes(g), tmp.data(), li.input(g).bytes);
        else
          std::memcpy(li.input_bytes(g), fin.data, li.input(g).bytes);
      }
      LITEOPT_RETURN_IF_ERROR(li.Invoke());
      ReadReal(li.output(0), &rv);
      p.own.Add(rv.data(), qv.data(), static_cast<int64_t>(rv.size()));
      if (p.report.quantized) {
        FakeQuant(qout, rv, &tmp);
        p.range.Add(rv.data(), tmp.data(), static_cast<int64_t>(rv.size()));
      }
    }
    if (o.progress) o.progress(s + 1, float_inputs.size());
  }

  report.samples = float_inputs.size();
  const RangeStats in = input_range.Stats();
  report.data_min = in.min;
  report.data_max = in.max;
  report.output_sqnr_db = output_err.Sqnr();
  report.output_cosine = output_err.Cosine();
  report.top1_agreement = static_cast<double>(agree) / float_inputs.size();
  for (Probe& p : probes) {
    LayerReport& l = p.report;
    l.range = p.values.Stats();
    l.clipped = p.values.count ? static_cast<double>(p.values.clipped) / p.values.count : 0.0;
    l.total_sqnr_db = p.total.Sqnr();
    l.total_cosine = p.total.Cosine();
    l.sqnr_db = p.has_local ? p.own.Sqnr() : kNaN;
    l.cosine = p.has_local ? p.own.Cosine() : kNaN;
    l.rmse_over_scale = p.has_local && l.quantized ? p.own.Rmse() / l.scale : kNaN;
    l.range_sqnr_db = l.quantized && p.has_local ? p.range.Sqnr() : kInf;
    Diagnose(&l, consumers[fsg.ops[l.float_op].outputs[0]], o);
    report.layers.push_back(std::move(l));
  }
  std::stable_sort(report.layers.begin(), report.layers.end(), WorseFirst);
  AddWarnings(o, &report);
  return report;
}

}  // namespace liteopt::eval
