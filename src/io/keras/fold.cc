#include "io/keras/fold.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "io/keras/ir_builder.h"

namespace liteopt::io::keras::internal {

namespace {

using ir::OpType;

bool IsConvLike(OpType t) {
  return t == OpType::CONV_2D || t == OpType::DEPTHWISE_CONV_2D || t == OpType::FULLY_CONNECTED;
}

bool IsConstant(const ir::Graph& g, int32_t t) { return t >= 0 && !g.data(g.main().tensors[t]).empty(); }

std::vector<float> Floats(const ir::Graph& g, int32_t t) {
  const ir::Buffer& b = g.data(g.main().tensors[t]);
  std::vector<float> v(b.size / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), b.data, v.size() * sizeof(float));
  return v;
}

void SetFloats(ir::Graph& g, int32_t t, const std::vector<float>& v) {
  std::vector<uint8_t> bytes(v.size() * sizeof(float));
  if (!bytes.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  g.main().tensors[t].buffer = static_cast<int32_t>(g.buffers.size());
  g.buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
}

// The output channel count of a conv-like op: O of OHWI (conv), of 1HWO (depthwise), of [O, I] (dense).
int32_t OutputChannels(const ir::Graph& g, const ir::Op& op) {
  const auto& w = g.main().tensors[op.inputs[1]].shape;
  if (w.empty()) return -1;
  return op.type == OpType::DEPTHWISE_CONV_2D ? w.back() : w.front();
}

// The values of a float32 constant that broadcasts along the last axis only ([C], [1, C], [1, 1, 1, C] or
// one element), expanded to `channels` values.
std::optional<std::vector<float>> PerChannel(const ir::Graph& g, int32_t t, int32_t channels) {
  const ir::Tensor& c = g.main().tensors[t];
  if (c.dtype != DType::kFloat32 || c.quant.quantized()) return std::nullopt;
  for (size_t i = 0; i + 1 < c.shape.size(); ++i)
    if (c.shape[i] != 1) return std::nullopt;
  std::vector<float> v = Floats(g, t);
  if (v.size() == 1) v.assign(static_cast<size_t>(channels), v[0]);
  if (static_cast<int32_t>(v.size()) != channels) return std::nullopt;
  return v;
}

// Multiplies the weights and bias of a conv-like op by s (per output channel).
void ScaleOutputChannels(ir::Graph& g, const ir::Op& op, const std::vector<float>& s) {
  std::vector<float> w = Floats(g, op.inputs[1]);
  const size_t channels = s.size();
  for (size_t k = 0; k < w.size(); ++k) {
    const size_t o = op.type == OpType::DEPTHWISE_CONV_2D ? k % channels : k / (w.size() / channels);
    w[k] *= s[o];
  }
  SetFloats(g, op.inputs[1], w);
  std::vector<float> b = Floats(g, op.inputs[2]);
  for (size_t o = 0; o < b.size(); ++o) b[o] *= s[o];
  SetFloats(g, op.inputs[2], b);
}

void AddToBias(ir::Graph& g, const ir::Op& op, const std::vector<float>& d) {
  std::vector<float> b = Floats(g, op.inputs[2]);
  for (size_t o = 0; o < b.size(); ++o) b[o] += d[o];
  SetFloats(g, op.inputs[2], b);
}

// Tries to absorb `op` into `prod`, the op producing its activation input `x`.
bool Absorb(ir::Graph& g, const ir::Op& op, ir::Op& prod, int32_t constant, FoldStats& stats) {
  if (prod.options.activation != ir::Activation::kNone || prod.outputs.size() != 1) return false;
  if (op.type == OpType::RELU || op.type == OpType::RELU6) {
    uint8_t tag = 0;
    switch (prod.type) {
      case OpType::CONV_2D: tag = options_tag::kConv2D; break;
      case OpType::DEPTHWISE_CONV_2D: tag = options_tag::kDepthwiseConv2D; break;
      case OpType::FULLY_CONNECTED: tag = options_tag::kFullyConnected; break;
      case OpType::ADD: tag = options_tag::kAdd; break;
      case OpType::MUL: tag = options_tag::kMul; break;
      default: return false;
    }
    prod.options.type = tag;
    prod.options.activation = op.type == OpType::RELU ? ir::Activation::kRelu : ir::Activation::kRelu6;
    ++stats.fused_activations;
    return true;
  }
  if (!IsConvLike(prod.type) || prod.inputs.size() < 3 || !IsConstant(g, prod.inputs[1]) ||
      !IsConstant(g, prod.inputs[2]))
    return false;
  const auto values = PerChannel(g, constant, OutputChannels(g, prod));
  if (!values) return false;
  if (op.type == OpType::MUL) {
    ScaleOutputChannels(g, prod, *values);
    ++stats.folded_mul;
  } else {
    AddToBias(g, prod, *values);
    ++stats.folded_add;
  }
  return true;
}

// One rewrite, if any applies; true when the graph changed.
bool FoldOnce(ir::Graph& g, FoldStats& stats) {
  ir::Subgraph& sg = g.main();
  std::vector<int32_t> readers(sg.tensors.size(), 0), producer(sg.tensors.size(), -1);
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    for (int32_t t : sg.ops[i].inputs)
      if (t >= 0) ++readers[t];
    for (int32_t t : sg.ops[i].outputs) producer[t] = static_cast<int32_t>(i);
  }
  for (int32_t t : sg.outputs) ++readers[t];  // a graph output is never folded away
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    const ir::Op& op = sg.ops[i];
    int32_t x = op.inputs.empty() ? -1 : op.inputs[0], constant = -1;
    if (op.type == OpType::MUL || op.type == OpType::ADD) {
      if (op.inputs.size() != 2 || op.options.activation != ir::Activation::kNone) continue;
      constant = op.inputs[1];
      if (IsConstant(g, x)) std::swap(x, constant);
      if (!IsConstant(g, constant) || IsConstant(g, x)) continue;
    } else if (op.type != OpType::RELU && op.type != OpType::RELU6) {
      continue;
    }
    if (x < 0 || producer[x] < 0 || readers[x] != 1) continue;
    ir::Op& prod = sg.ops[producer[x]];
    if (!Absorb(g, op, prod, constant, stats)) continue;
    prod.outputs[0] = op.outputs[0];
    sg.ops.erase(sg.ops.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
  }
  return false;
}

// Drops tensors no op, subgraph input/output or signature refers to, then buffers no tensor refers to.
void DropUnused(ir::Graph& g) {
  ir::Subgraph& sg = g.main();
  std::vector<bool> used(sg.tensors.size(), false);
  auto mark = [&](const std::vector<int32_t>& v) {
    for (int32_t t : v)
      if (t >= 0) used[t] = true;
  };
  for (const ir::Op& op : sg.ops) {
    mark(op.inputs);
    mark(op.outputs);
    mark(op.intermediates);
  }
  mark(sg.inputs);
  mark(sg.outputs);
  std::vector<int32_t> new_index(sg.tensors.size(), -1);
  std::vector<ir::Tensor> kept;
  for (size_t t = 0; t < sg.tensors.size(); ++t) {
    if (!used[t]) continue;
    new_index[t] = static_cast<int32_t>(kept.size());
    kept.push_back(std::move(sg.tensors[t]));
  }
  sg.tensors = std::move(kept);
  auto remap = [&](std::vector<int32_t>& v) {
    for (int32_t& t : v)
      if (t >= 0) t = new_index[t];
  };
  for (ir::Op& op : sg.ops) {
    remap(op.inputs);
    remap(op.outputs);
    remap(op.intermediates);
  }
  remap(sg.inputs);
  remap(sg.outputs);
  for (ir::SignatureDef& s : g.signatures) {
    for (auto& e : s.inputs) e.tensor = new_index[e.tensor];
    for (auto& e : s.outputs) e.tensor = new_index[e.tensor];
  }
  std::vector<int32_t> new_buffer(g.buffers.size(), -1);
  std::vector<ir::Buffer> buffers;
  buffers.push_back(std::move(g.buffers[0]));
  new_buffer[0] = 0;
  for (ir::Tensor& t : sg.tensors) {
    if (t.buffer <= 0) continue;
    if (new_buffer[t.buffer] < 0) {
      new_buffer[t.buffer] = static_cast<int32_t>(buffers.size());
      buffers.push_back(std::move(g.buffers[t.buffer]));
    }
    t.buffer = new_buffer[t.buffer];
  }
  g.buffers = std::move(buffers);
}

}  // namespace

FoldStats FoldIntoProducers(ir::Graph& g) {
  FoldStats stats;
  while (FoldOnce(g, stats)) {
  }
  DropUnused(g);
  return stats;
}

}  // namespace liteopt::io::keras::internal
