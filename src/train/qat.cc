#include "train/qat.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "base/quant_math.h"
#include "io/tflite/sparse.h"
#include "quant/calibration.h"
#include "quant/cleanup.h"
#include "quant/passes.h"
#include "train/prune.h"

namespace liteopt::train {

namespace {

constexpr int32_t kQMin = -128, kQMax = 127;

// The converter's activation parameters for a range (full_integer.cc FromRange).
QuantPoint FromRange(float lo, float hi) {
  QuantPoint q;
  qmath::ChooseQuantizationParams(lo, hi, kQMin, kQMax, &q.scale, &q.zero_point);
  return q;
}

// qmath::Round (half away from zero) elementwise; y - trunc(y) is exact in float.
at::Tensor RoundHalfAway(const at::Tensor& y) {
  const at::Tensor t = at::trunc(y);
  return at::where((y - t).abs() >= 0.5, t + at::sign(y), t);
}

// x / scale with IEEE division of every element (a tensor divisor: no reciprocal shortcut for scalars).
at::Tensor DivideBy(const at::Tensor& x, const at::Tensor& scale) { return at::div(x, scale); }

// The converter's parameters of a float constant operand (full_integer.cc ConstantParams).
QuantPoint ConstantParams(const at::Tensor& c) {
  const at::Tensor v = c.detach().to(at::kFloat).contiguous().reshape({-1});
  float lo = 0.0f, hi = 0.0f;
  const float* p = v.data_ptr<float>();
  for (int64_t i = 0; i < v.numel(); ++i)
    if (std::isfinite(p[i])) lo = std::min(lo, p[i]), hi = std::max(hi, p[i]);
  return FromRange(lo, hi);
}

// Symmetric int8 weights as quant::QuantizeWeightsSymmetric: scale max|w| / 127 (1 for all-zero slices) per
// output channel (dimension 0) or per tensor, values rounded and clamped to [-127, 127]. Returns the
// dequantized weights and the scales ([O] or a single element).
std::pair<at::Tensor, at::Tensor> QuantizeWeights(const at::Tensor& w, bool per_channel) {
  const at::Tensor a = w.detach().abs();
  at::Tensor max_abs = per_channel ? a.reshape({a.size(0), -1}).amax(1) : a.max().reshape({1});
  const at::Tensor scale = at::where(max_abs > 0, DivideBy(max_abs, at::full({1}, 127.0f, max_abs.options())),
                                     at::ones_like(max_abs));
  std::vector<int64_t> shape(w.dim(), 1);
  shape[0] = per_channel ? -1 : 1;
  const at::Tensor s = scale.reshape(shape);
  const at::Tensor q = RoundHalfAway(DivideBy(w.detach(), s)).clamp(-127, 127);
  return {q * s, scale};
}

// Straight-through: the forward value of `quantized`, the gradient of `x` (`x` possibly clipped).
at::Tensor StraightThrough(const at::Tensor& x, const at::Tensor& quantized) {
  if (!x.requires_grad()) return quantized;
  return x + (quantized - x).detach();
}

}  // namespace

at::Tensor FakeQuantize(const at::Tensor& x, const QuantPoint& q) {
  const at::Tensor scale = at::full({1}, q.scale, x.options().dtype(at::kFloat));
  const double zp = q.zero_point;
  const at::Tensor level = (RoundHalfAway(DivideBy(x.detach(), scale)) + zp).clamp(kQMin, kQMax);
  const at::Tensor value = (level - zp) * q.scale;
  if (!x.requires_grad()) return value;
  const double lo = (kQMin - zp) * q.scale, hi = (kQMax - zp) * q.scale;
  return StraightThrough(x.clamp(lo, hi), value);
}

Result<std::shared_ptr<FakeQuantizer>> FakeQuantizer::Create(const Net& net, const ir::Graph& graph,
                                                              std::vector<quant::TensorRange> calibrated,
                                                              const QatOptions& options) {
  if (net.value_tensors.size() != net.value_shapes.size())
    return InvalidArgument("quantization-aware training needs a net imported from a .tflite graph");
  const ir::Subgraph& sg = graph.main();
  std::shared_ptr<FakeQuantizer> f(new FakeQuantizer());
  f->momentum_ = options.range_momentum;
  f->calibrated_ = std::move(calibrated);
  const size_t nv = net.value_shapes.size();
  f->values_.resize(nv);
  f->layers_.resize(net.layers.size());
  for (size_t v = 0; v < nv; ++v) {
    f->values_[v].tensor = net.value_tensors[v];
    f->values_[v].name = sg.tensors[net.value_tensors[v]].name;
  }
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    if (l.source_op < 0 || l.source_op >= static_cast<int>(sg.ops.size()))
      return Internal("QAT: layer '" + l.name + "' has no source op");
    LayerInfo& info = f->layers_[i];
    info.quantized = !quant::KeepFloat(sg, sg.ops[l.source_op], options.keep_float);
    info.input = l.inputs[0];
    info.per_channel = !options.per_tensor && (l.kind == LayerKind::kConv || l.kind == LayerKind::kDepthwiseConv);
    if (l.constant.defined()) info.constant_params = ConstantParams(l.constant);
    ValueInfo& out = f->values_[l.output];
    out.producer = static_cast<int>(i);
    if (!info.quantized) continue;
    switch (l.kind) {
      case LayerKind::kSoftmax:
        out.rule = Rule::kFixed;
        out.fixed = {1.0f / 256, -128};
        break;
      case LayerKind::kActivation:
        if (l.logistic || l.activation == ir::Activation::kTanh) {
          out.rule = Rule::kFixed;
          out.fixed = l.logistic ? QuantPoint{1.0f / 256, -128} : QuantPoint{1.0f / 128, 0};
        }
        break;
      case LayerKind::kAvgPool:
      case LayerKind::kMaxPool:
      case LayerKind::kReshape:
      case LayerKind::kPad:
        out.rule = Rule::kSame;
        out.same_as = l.inputs[0];
        break;
      case LayerKind::kBatchNorm:
      case LayerKind::kDropout:
        return Internal("QAT: layer '" + l.name + "' (batch norm or dropout) cannot come from a .tflite graph");
      default:
        break;
    }
  }
  // A value is int8 in the converted model when its producer is an int8 op or an int8 op reads it.
  for (size_t i = 0; i < net.layers.size(); ++i) {
    if (!f->layers_[i].quantized) continue;
    f->values_[net.layers[i].output].int8 = true;
    for (int v : net.layers[i].inputs) f->values_[v].int8 = true;
  }
  f->ranges_ = at::zeros({static_cast<int64_t>(nv), 2}, at::kFloat);
  float* r = f->ranges_.data_ptr<float>();
  for (size_t v = 0; v < nv; ++v) {
    const int t = f->values_[v].tensor;
    if (t < 0 || t >= static_cast<int>(f->calibrated_.size()) || !f->calibrated_[t].valid)
      return Internal("QAT: calibration gave no range for tensor '" + f->values_[v].name + "'");
    r[2 * v] = f->calibrated_[t].min;
    r[2 * v + 1] = f->calibrated_[t].max;
  }
  f->current_.assign(nv, QuantPoint{});
  return f;
}

QuantPoint FakeQuantizer::ParamsOf(int value, const std::vector<QuantPoint>& earlier) const {
  const ValueInfo& v = values_[value];
  if (!v.int8) return {};
  if (v.rule == Rule::kFixed) return v.fixed;
  if (v.rule == Rule::kSame) return earlier[v.same_as];
  const float* r = ranges_.data_ptr<float>() + 2 * value;
  return FromRange(r[0], r[1]);
}

at::Tensor FakeQuantizer::Value(int value, const at::Tensor& x, bool training) const {
  const ValueInfo& v = values_[value];
  if (training && v.int8 && v.rule == Rule::kOwn) {
    const at::Tensor d = x.detach();
    float* r = ranges_.data_ptr<float>() + 2 * value;
    r[0] = static_cast<float>(r[0] + momentum_ * (d.min().item<double>() - r[0]));
    r[1] = static_cast<float>(r[1] + momentum_ * (d.max().item<double>() - r[1]));
  }
  current_[value] = ParamsOf(value, current_);
  if (v.producer < 0 || !layers_[v.producer].quantized) return x;
  return FakeQuantize(x, current_[value]);
}

at::Tensor FakeQuantizer::Read(size_t layer, int value, const at::Tensor& x) const {
  if (!layers_[layer].quantized) return x;
  const int producer = values_[value].producer;
  if (producer >= 0 && layers_[producer].quantized) return x;  // already quantized with these parameters
  return FakeQuantize(x, current_[value]);
}

std::pair<at::Tensor, at::Tensor> FakeQuantizer::Weights(size_t layer, const at::Tensor& weight,
                                                         const at::Tensor& bias) const {
  const LayerInfo& info = layers_[layer];
  if (!info.quantized) return {weight, bias};
  auto [w, scale] = QuantizeWeights(weight, info.per_channel);
  if (!bias.defined()) return {StraightThrough(weight, w), bias};
  // int32 bias at input_scale * weight_scale, computed in float as the converter does.
  const at::Tensor bias_scale = scale * current_[info.input].scale;
  const at::Tensor b = RoundHalfAway(DivideBy(bias.detach(), bias_scale)) * bias_scale;
  return {StraightThrough(weight, w), StraightThrough(bias, b)};
}

at::Tensor FakeQuantizer::Constant(size_t layer, const at::Tensor& c) const {
  return layers_[layer].quantized ? FakeQuantize(c, layers_[layer].constant_params) : c;
}

std::vector<std::pair<std::string, at::Tensor>> FakeQuantizer::State() const { return {{"qat_ranges", ranges_}}; }

std::vector<quant::TensorRange> FakeQuantizer::Ranges() const {
  std::vector<quant::TensorRange> out = calibrated_;
  const float* r = ranges_.data_ptr<float>();
  for (size_t v = 0; v < values_.size(); ++v) out[values_[v].tensor] = {true, r[2 * v], r[2 * v + 1]};
  return out;
}

std::vector<QuantPoint> FakeQuantizer::Params() const {
  std::vector<QuantPoint> out(values_.size());
  for (size_t v = 0; v < values_.size(); ++v) out[v] = ParamsOf(static_cast<int>(v), out);
  return out;
}

int FakeQuantizer::QuantizedValues() const {
  return static_cast<int>(std::count_if(values_.begin(), values_.end(), [](const ValueInfo& v) { return v.int8; }));
}

Status FakeQuantizer::CheckAgainst(const ir::Graph& int8_model) const {
  const ir::Subgraph& sg = int8_model.main();
  // The converter keeps tensor names; an int8 copy of a float graph input/output is named <name>_int8.
  auto find = [&](const std::string& name) -> const ir::Tensor* {
    for (const std::string& n : {name, name + "_int8"}) {
      const ir::Tensor* found = nullptr;
      int count = 0;
      for (const ir::Tensor& t : sg.tensors)
        if (t.name == n && t.dtype == DType::kInt8 && t.quant.scale.size() == 1) found = &t, ++count;
      if (count == 1) return found;
    }
    return nullptr;
  };
  const std::vector<QuantPoint> params = Params();
  std::string diff;
  int count = 0;
  for (size_t v = 0; v < values_.size(); ++v) {
    if (!values_[v].int8) continue;
    const ir::Tensor* t = find(values_[v].name);
    if (t == nullptr) continue;
    const QuantPoint q{t->quant.scale[0], static_cast<int32_t>(t->quant.zero_point[0])};
    if (q == params[v]) continue;
    if (++count <= 3)
      diff += "; '" + values_[v].name + "': scale " + std::to_string(q.scale) + " zero point " +
              std::to_string(q.zero_point) + " in the model, " + std::to_string(params[v].scale) + " / " +
              std::to_string(params[v].zero_point) + " in training";
  }
  if (count == 0) return Status::Ok();
  return Internal("QAT and the converter disagree on " + std::to_string(count) + " tensor(s)" + diff +
                  " (a liteopt bug)");
}

Result<QatModel> PrepareQat(const ir::Graph& model, const QatOptions& options,
                            const std::vector<std::vector<uint8_t>>& samples, int threads) {
  if (samples.empty()) return InvalidArgument("QAT needs calibration samples to start its ranges from");
  auto graph = std::make_shared<ir::Graph>(model);
  quant::CleanupOptions cleanup;
  cleanup.fold_dequantize = true;
  LITEOPT_RETURN_IF_ERROR(quant::CleanupGraph(*graph, cleanup).status());
  const ir::Subgraph& sg = graph->main();
  for (const std::string& name : options.keep_float) {
    bool found = false;
    for (const ir::Op& op : sg.ops) found = found || quant::KeepFloat(sg, op, {name});
    if (!found) return InvalidArgument("--keep-float: '" + name + "' names no op output tensor and no op type of the model");
  }
  quant::ConvertOptions convert;
  convert.mode = quant::Mode::kFullInteger;
  convert.keep_float = options.keep_float;
  const std::vector<std::string> missing = quant::OpsWithoutInt8Form(*graph, convert);
  if (!missing.empty()) {
    std::string msg = std::to_string(missing.size()) + " op(s) have no int8 form in liteopt: ";
    for (size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
    return Unsupported(msg + ". Keep them in float with --keep-float <op type or output tensor name> (QAT then "
                             "trains through them in float, if the training bridge supports them)");
  }
  auto net = NetFromGraph(graph);
  if (!net.ok()) return Status(net.status()).Prepend("QAT trains the model in libtorch");
  LITEOPT_ASSIGN_OR_RETURN(std::vector<quant::TensorRange> ranges,
                           quant::Calibrate(*graph, samples, quant::Calibration::kMinMax, threads));
  LITEOPT_ASSIGN_OR_RETURN(auto sim, FakeQuantizer::Create(*net, *graph, std::move(ranges), options));
  net->quant = std::move(sim);
  return QatModel{std::move(graph), std::move(net).value()};
}

Result<QatExport> ExportQat(const Net& net, const QatOptions& options) {
  const auto* sim = dynamic_cast<const FakeQuantizer*>(net.quant.get());
  if (sim == nullptr) return InvalidArgument("ExportQat: the net has no fake quantization (use PrepareQat)");
  LITEOPT_ASSIGN_OR_RETURN(ir::Graph float_model, ExportGraph(net));
  quant::ConvertOptions convert;
  convert.mode = quant::Mode::kFullInteger;
  convert.io_type = options.io_type;
  convert.per_tensor = options.per_tensor;
  convert.keep_float = options.keep_float;
  convert.activation_ranges = sim->Ranges();
  auto int8 = quant::Convert(float_model, convert);
  if (!int8.ok()) return Status(int8.status()).Prepend("converting the QAT model");
  LITEOPT_RETURN_IF_ERROR(sim->CheckAgainst(*int8));
  return QatExport{std::move(float_model), std::move(int8).value()};
}

TrainHooks PreserveSparsityHooks(bool quiet) {
  auto keeper = std::make_shared<std::optional<SparsityKeeper>>();
  TrainHooks hooks;
  hooks.on_start = [keeper, quiet](Net& net, int64_t) -> Status {
    keeper->emplace(net);
    const SparsityKeeper& k = **keeper;
    if (!quiet)
      std::fprintf(stderr, "%s\n",
                   k.zeros() == 0 ? "note: --preserve-sparsity: the model's filters have no zero weights to keep"
                                  : ("preserving sparsity: " + std::to_string(k.zeros()) + " zero weights of " +
                                     std::to_string(k.elements()) + " in the filters stay zero")
                                        .c_str());
    return Status::Ok();
  };
  hooks.after_step = [keeper](Net&, int64_t) { (*keeper)->Apply(); };
  return hooks;
}

Result<int> StoreSparse(QatExport& e) {
  io::tflite::SparsifyOptions options;
  options.block = 0;
  LITEOPT_RETURN_IF_ERROR(io::tflite::SparsifyWeights(e.float_model, options).status());
  LITEOPT_ASSIGN_OR_RETURN(auto report, io::tflite::SparsifyWeights(e.int8_model, options));
  return static_cast<int>(std::count_if(report.begin(), report.end(), [](const auto& w) { return w.sparse; }));
}

}  // namespace liteopt::train
