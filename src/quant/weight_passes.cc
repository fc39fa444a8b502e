// Dynamic-range (int8 weights, float activations) and float16 conversion.
#include <algorithm>
#include <cmath>
#include <map>

#include "base/fp16.h"
#include "base/quant_math.h"
#include "io/tflite/op_versions.h"
#include "quant/graph_edit.h"
#include "quant/passes.h"

namespace liteopt::quant {

using ir::OpType;

bool KeepFloat(const ir::Subgraph& sg, const ir::Op& op, const std::vector<std::string>& names) {
  for (const std::string& n : names) {
    if (ir::OpTypeName(op.type) == n) return true;
    for (int32_t t : op.outputs)
      if (t >= 0 && sg.tensors[t].name == n) return true;
  }
  return false;
}

SymmetricWeights QuantizeWeightsSymmetric(const std::vector<float>& w, const std::vector<int32_t>& shape, int axis) {
  SymmetricWeights out;
  int64_t channels = 1, inner = 1;
  if (axis >= 0 && static_cast<size_t>(axis) < shape.size()) {
    channels = shape[axis];
    for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  }
  if (channels <= 0) channels = 1;
  auto channel_of = [&](int64_t i) { return channels == 1 ? 0 : (i / inner) % channels; };
  std::vector<float> max_abs(channels, 0.0f);
  for (int64_t i = 0; i < static_cast<int64_t>(w.size()); ++i)
    if (std::isfinite(w[i])) max_abs[channel_of(i)] = std::max(max_abs[channel_of(i)], std::abs(w[i]));
  out.scales.resize(channels);
  for (int64_t c = 0; c < channels; ++c) out.scales[c] = qmath::SymmetricScale(max_abs[c], 127);
  out.values.resize(w.size());
  for (int64_t i = 0; i < static_cast<int64_t>(w.size()); ++i)
    out.values[i] = static_cast<int8_t>(qmath::QuantizeValue(w[i], out.scales[channel_of(i)], 0, -127, 127));
  return out;
}

Result<ir::Graph> QuantizeDynamicRange(const ir::Graph& in, const ConvertOptions& options) {
  ir::Graph g = in;
  ir::Subgraph& sg = g.main();
  std::map<std::pair<int32_t, int>, int32_t> cache;  // (float weights, axis) -> int8 tensor
  std::vector<size_t> changed;
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    ir::Op& op = sg.ops[i];
    if (op.type != OpType::CONV_2D && op.type != OpType::DEPTHWISE_CONV_2D && op.type != OpType::FULLY_CONNECTED)
      continue;
    if (KeepFloat(sg, op, options.keep_float) || op.inputs.size() < 2 || op.inputs[0] < 0 || op.inputs[1] < 0) continue;
    const ir::Tensor& w = sg.tensors[op.inputs[1]];
    if (sg.tensors[op.inputs[0]].dtype != DType::kFloat32 || w.dtype != DType::kFloat32 || !IsConstant(g, w)) continue;
    if (ir::NumElements(w.shape) < kMinElementsForDynamicRange) continue;
    // Conv per output channel (axis 0); depthwise per channel (axis 3, which TFLite's hybrid depthwise
    // kernel requires); fully connected per tensor, as the official converter writes it.
    int axis = -1;
    if (op.type == OpType::CONV_2D && !options.per_tensor) axis = 0;
    if (op.type == OpType::DEPTHWISE_CONV_2D) axis = 3;
    const auto key = std::make_pair(op.inputs[1], axis);
    auto it = cache.find(key);
    if (it == cache.end()) {
      SymmetricWeights q = QuantizeWeightsSymmetric(FloatValues(g, w), w.shape, axis);
      ir::QuantParams qp;
      qp.scale = q.scales;
      qp.zero_point.assign(q.scales.size(), 0);
      qp.quantized_dimension = axis < 0 ? 0 : axis;
      const ir::Tensor wcopy = w;
      const int32_t t = AddConstant(g, sg, wcopy.name, DType::kInt8, wcopy.shape, ToBytes(q.values), qp);
      it = cache.emplace(key, t).first;
    }
    op.inputs[1] = it->second;
    if (op.type == OpType::FULLY_CONNECTED) {
      op.options.type = 8;  // FullyConnectedOptions
      op.options.asymmetric_quantize_inputs = true;
    }
    changed.push_back(i);
  }
  for (size_t i : changed) sg.ops[i].version = io::tflite::OperatorVersion(g, sg.ops[i]);
  return g;
}

Result<ir::Graph> QuantizeFloat16(const ir::Graph& in, const ConvertOptions& options) {
  ir::Graph g = in;
  ir::Subgraph& sg = g.main();
  const auto consumers = Consumers(sg);
  std::vector<ir::Op> dequantize_ops;
  for (size_t t = 0; t < sg.tensors.size(); ++t) {
    const ir::Tensor& src = sg.tensors[t];
    if (src.dtype != DType::kFloat32 || !IsConstant(g, src) || consumers[t].empty() ||
        IsSubgraphOutput(sg, static_cast<int32_t>(t)) || src.sparsity)
      continue;
    bool keep = false;
    for (int32_t c : consumers[t]) keep = keep || KeepFloat(sg, sg.ops[c], options.keep_float);
    if (keep) continue;
    const std::vector<float> v = FloatValues(g, src);
    std::vector<uint16_t> h(v.size());
    for (size_t i = 0; i < v.size(); ++i) h[i] = FloatToHalf(v[i]);
    ir::Tensor copy = src;
    const int32_t half = AddConstant(g, sg, copy.name, DType::kFloat16, copy.shape, ToBytes(h));
    ir::Tensor& dst = sg.tensors[t];  // re-fetched: AddConstant may have moved the tensors
    dst.buffer = 0;
    dst.name = copy.name + "_dequantized";
    ir::Op dq;
    dq.type = OpType::DEQUANTIZE;
    dq.inputs = {half};
    dq.outputs = {static_cast<int32_t>(t)};
    dequantize_ops.push_back(std::move(dq));
  }
  // As the official converter: the DEQUANTIZE ops of the weights come first.
  sg.ops.insert(sg.ops.begin(), dequantize_ops.begin(), dequantize_ops.end());
  for (size_t i = 0; i < dequantize_ops.size(); ++i) sg.ops[i].version = io::tflite::OperatorVersion(g, sg.ops[i]);
  return g;
}

}  // namespace liteopt::quant
