#include "io/keras/qat_ranges.h"

namespace liteopt::io::keras {

namespace {

using ir::OpType;

bool IsFloatActivation(const ir::Graph& g, int32_t t) {
  if (t < 0) return false;
  const ir::Tensor& tensor = g.main().tensors[t];
  return tensor.dtype == DType::kFloat32 && g.data(tensor).empty();
}

// Ops whose int8 output shares the parameters of their (first) input in TFLite's int8 spec.
bool SharesInputRange(OpType t) {
  switch (t) {
    case OpType::RESHAPE: case OpType::SQUEEZE: case OpType::EXPAND_DIMS: case OpType::MAX_POOL_2D:
    case OpType::AVERAGE_POOL_2D: case OpType::PAD: case OpType::PADV2: case OpType::TRANSPOSE:
    case OpType::SLICE: case OpType::STRIDED_SLICE: case OpType::GATHER: case OpType::SPACE_TO_DEPTH:
    case OpType::DEPTH_TO_SPACE: case OpType::RESIZE_BILINEAR: case OpType::RESIZE_NEAREST_NEIGHBOR:
    case OpType::REDUCE_MAX: case OpType::BATCH_TO_SPACE_ND: case OpType::SPACE_TO_BATCH_ND:
      return true;
    default:
      return false;
  }
}

// Ops with fixed int8 output parameters: the range only has to be valid.
std::optional<std::pair<float, float>> FixedRange(OpType t) {
  if (t == OpType::SOFTMAX || t == OpType::LOGISTIC) return std::make_pair(0.0f, 1.0f);
  if (t == OpType::TANH) return std::make_pair(-1.0f, 1.0f);
  return std::nullopt;
}

}  // namespace

ResolvedRanges ResolveQatRanges(const ir::Graph& g, const LearnedRanges& learned) {
  const ir::Subgraph& sg = g.main();
  ResolvedRanges r;
  r.by_tensor.assign(sg.tensors.size(), std::nullopt);
  auto take_learned = [&](int32_t t) {
    auto it = learned.find(sg.tensors[t].name);
    if (it == learned.end()) return false;
    r.by_tensor[t] = it->second;
    ++r.learned;
    return true;
  };
  for (int32_t t : sg.inputs)
    if (IsFloatActivation(g, t) && !take_learned(t)) r.missing.push_back(t);
  for (const ir::Op& op : sg.ops) {
    for (int32_t t : op.outputs) {
      if (!IsFloatActivation(g, t) || take_learned(t)) continue;
      const int32_t in = op.inputs.empty() ? -1 : op.inputs[0];
      std::optional<std::pair<float, float>> derived = FixedRange(op.type);
      if (!derived && SharesInputRange(op.type) && in >= 0) derived = r.by_tensor[in];
      if (derived) {
        r.by_tensor[t] = derived;
        ++r.derived;
      } else {
        r.missing.push_back(t);
      }
    }
  }
  return r;
}

std::string DescribeTensors(const ir::Graph& g, const std::vector<int32_t>& tensors) {
  const ir::Subgraph& sg = g.main();
  std::vector<std::string> producer(sg.tensors.size(), "graph input");
  for (const ir::Op& op : sg.ops)
    for (int32_t t : op.outputs)
      if (t >= 0) producer[t] = ir::OpTypeName(op.type);
  std::string s;
  for (int32_t t : tensors) s += (s.empty() ? "'" : ", '") + sg.tensors[t].name + "' (" + producer[t] + ")";
  return s;
}

}  // namespace liteopt::io::keras
