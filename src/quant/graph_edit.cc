#include "quant/graph_edit.h"

#include <algorithm>
#include <cstring>

namespace liteopt::quant {

int32_t AddBuffer(ir::Graph& g, std::vector<uint8_t> bytes) {
  g.buffers.push_back(ir::Buffer::Owned(std::move(bytes)));
  return static_cast<int32_t>(g.buffers.size() - 1);
}

int32_t AddTensor(ir::Subgraph& sg, ir::Tensor t) {
  sg.tensors.push_back(std::move(t));
  return static_cast<int32_t>(sg.tensors.size() - 1);
}

int32_t AddConstant(ir::Graph& g, ir::Subgraph& sg, std::string name, DType dtype, std::vector<int32_t> shape,
                    std::vector<uint8_t> bytes, ir::QuantParams quant) {
  ir::Tensor t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.has_rank = true;
  t.quant = std::move(quant);
  t.buffer = AddBuffer(g, std::move(bytes));
  return AddTensor(sg, std::move(t));
}

bool IsConstant(const ir::Graph& g, const ir::Tensor& t) { return !g.data(t).empty(); }

std::vector<float> FloatValues(const ir::Graph& g, const ir::Tensor& t) {
  const ir::Buffer& b = g.data(t);
  if (t.dtype != DType::kFloat32 || b.empty()) return {};
  std::vector<float> v(b.size / sizeof(float));
  std::memcpy(v.data(), b.data, v.size() * sizeof(float));
  return v;
}

std::vector<std::vector<int32_t>> Consumers(const ir::Subgraph& sg) {
  std::vector<std::vector<int32_t>> c(sg.tensors.size());
  for (size_t i = 0; i < sg.ops.size(); ++i)
    for (int32_t t : sg.ops[i].inputs)
      if (t >= 0 && (c[t].empty() || c[t].back() != static_cast<int32_t>(i))) c[t].push_back(static_cast<int32_t>(i));
  return c;
}

std::vector<int32_t> Producers(const ir::Subgraph& sg) {
  std::vector<int32_t> p(sg.tensors.size(), -1);
  for (size_t i = 0; i < sg.ops.size(); ++i)
    for (int32_t t : sg.ops[i].outputs)
      if (t >= 0) p[t] = static_cast<int32_t>(i);
  return p;
}

bool IsSubgraphOutput(const ir::Subgraph& sg, int32_t t) {
  return std::find(sg.outputs.begin(), sg.outputs.end(), t) != sg.outputs.end();
}
bool IsSubgraphInput(const ir::Subgraph& sg, int32_t t) {
  return std::find(sg.inputs.begin(), sg.inputs.end(), t) != sg.inputs.end();
}

void ReplaceUses(ir::Subgraph& sg, int32_t from, int32_t to) {
  for (ir::Op& op : sg.ops)
    for (int32_t& t : op.inputs)
      if (t == from) t = to;
}

void Compact(ir::Graph& g) {
  std::vector<bool> buffer_used(g.buffers.size(), false);
  if (!buffer_used.empty()) buffer_used[0] = true;
  for (const ir::Metadata& m : g.metadata)
    if (m.buffer >= 0 && static_cast<size_t>(m.buffer) < buffer_used.size()) buffer_used[m.buffer] = true;
  for (size_t si = 0; si < g.subgraphs.size(); ++si) {
    ir::Subgraph& sg = g.subgraphs[si];
    std::vector<bool> used(sg.tensors.size(), false);
    auto mark = [&](int32_t t) {
      if (t >= 0 && static_cast<size_t>(t) < used.size()) used[t] = true;
    };
    for (const ir::Op& op : sg.ops) {
      for (int32_t t : op.inputs) mark(t);
      for (int32_t t : op.outputs) mark(t);
      for (int32_t t : op.intermediates) mark(t);
    }
    for (int32_t t : sg.inputs) mark(t);
    for (int32_t t : sg.outputs) mark(t);
    for (const ir::SignatureDef& s : g.signatures) {
      if (s.subgraph != static_cast<int32_t>(si)) continue;
      for (const auto& e : s.inputs) mark(e.tensor);
      for (const auto& e : s.outputs) mark(e.tensor);
    }
    std::vector<int32_t> remap(sg.tensors.size(), -1);
    std::vector<ir::Tensor> kept;
    for (size_t t = 0; t < sg.tensors.size(); ++t) {
      if (!used[t]) continue;
      remap[t] = static_cast<int32_t>(kept.size());
      kept.push_back(std::move(sg.tensors[t]));
    }
    sg.tensors = std::move(kept);
    auto re = [&](int32_t& t) {
      if (t >= 0) t = remap[t];
    };
    for (ir::Op& op : sg.ops) {
      for (int32_t& t : op.inputs) re(t);
      for (int32_t& t : op.outputs) re(t);
      for (int32_t& t : op.intermediates) re(t);
    }
    for (int32_t& t : sg.inputs) re(t);
    for (int32_t& t : sg.outputs) re(t);
    for (ir::SignatureDef& s : g.signatures) {
      if (s.subgraph != static_cast<int32_t>(si)) continue;
      for (auto& e : s.inputs) re(e.tensor);
      for (auto& e : s.outputs) re(e.tensor);
    }
    for (const ir::Tensor& t : sg.tensors)
      if (t.buffer > 0 && static_cast<size_t>(t.buffer) < buffer_used.size()) buffer_used[t.buffer] = true;
  }
  std::vector<int32_t> bremap(g.buffers.size(), 0);
  std::vector<ir::Buffer> kept;
  for (size_t b = 0; b < g.buffers.size(); ++b) {
    if (!buffer_used[b]) continue;
    bremap[b] = static_cast<int32_t>(kept.size());
    kept.push_back(std::move(g.buffers[b]));
  }
  g.buffers = std::move(kept);
  for (ir::Subgraph& sg : g.subgraphs)
    for (ir::Tensor& t : sg.tensors)
      if (t.buffer > 0 && static_cast<size_t>(t.buffer) < bremap.size()) t.buffer = bremap[t.buffer];
  for (ir::Metadata& m : g.metadata)
    if (m.buffer >= 0 && static_cast<size_t>(m.buffer) < bremap.size()) m.buffer = bremap[m.buffer];
}

}  // namespace liteopt::quant
