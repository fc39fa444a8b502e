#include "quant/cleanup.h"

#include <cstring>
#include <memory>

#include "quant/graph_edit.h"
#include "runtime/interpreter.h"

namespace liteopt::quant {

namespace {

using ir::OpType;

bool HasDynamicDims(const ir::Tensor& t) {
  for (int32_t d : t.shape_signature)
    if (d < 0) return true;
  return false;
}

bool AnyQuantizedActivation(const ir::Graph& g) {
  for (const ir::Tensor& t : g.main().tensors)
    if (t.quant.quantized() && !IsConstant(g, t)) return true;
  return false;
}

// Ops with effects beyond their outputs, or whose outputs must not be replaced by constants.
bool HasSideEffects(const ir::Graph& g, const ir::Op& op) {
  if (op.type == OpType::CUSTOM) return true;
  const std::string name = ir::OpTypeName(op.type);
  for (const char* s : {"ASSIGN_VARIABLE", "READ_VARIABLE", "VAR_HANDLE", "CALL_ONCE", "WHILE", "IF", "CALL",
                        "RANDOM_UNIFORM", "RANDOM_STANDARD_NORMAL", "MULTINOMIAL"})
    if (name == s) return true;
  for (int32_t t : op.inputs)
    if (t >= 0 && g.main().tensors[t].is_variable) return true;
  return false;
}

// BuiltinOptions union tags (TFLite schema values) of the ops activation fusion writes to.
uint8_t OptionsTagFor(OpType t) {
  switch (t) {
    case OpType::CONV_2D: return 1;
    case OpType::DEPTHWISE_CONV_2D: return 2;
    case OpType::FULLY_CONNECTED: return 8;
    case OpType::ADD: return 11;
    case OpType::MUL: return 21;
    case OpType::SUB: return 28;
    default: return 0;
  }
}

}  // namespace

int FoldConstants(ir::Graph& g, bool fold_dequantize) {
  if (g.subgraphs.empty()) return 0;
  ir::Subgraph& sg = g.main();
  // The interpreter evaluates ops with constant inputs (and SHAPE) once at prepare time: reuse that.
  auto interp_or = runtime::Interpreter::Create(std::make_shared<const ir::Graph>(g), {});
  if (!interp_or.ok()) return 0;
  runtime::Interpreter& interp = **interp_or;
  std::vector<bool> is_static(sg.tensors.size(), false);
  for (size_t t = 0; t < sg.tensors.size(); ++t) is_static[t] = IsConstant(g, sg.tensors[t]);
  std::vector<bool> fold(sg.ops.size(), false);
  int count = 0;
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    const ir::Op& op = sg.ops[i];
    if (!interp.op_folded(static_cast<int>(i)) || HasSideEffects(g, op) || op.outputs.empty()) continue;
    if (op.type == OpType::DEQUANTIZE && !fold_dequantize) continue;
    bool ok = true;
    size_t in_bytes = 0, out_bytes = 0;
    for (int32_t t : op.inputs) {
      if (t < 0) continue;
      if (op.type == OpType::SHAPE) {
        if (HasDynamicDims(sg.tensors[t])) ok = false;
      } else if (!is_static[t]) {
        ok = false;
      } else {
        in_bytes += interp.tensor(t).bytes;
      }
    }
    for (int32_t t : op.outputs) {
      if (t < 0 || IsSubgraphOutput(sg, t)) ok = false;
      if (t >= 0) out_bytes += interp.tensor(t).bytes;
    }
    // Materializing a large constant from a small one (FILL, TILE, BROADCAST_TO) would grow the file.
    if (out_bytes > (size_t{1} << 20) && out_bytes > 2 * in_bytes && op.type != OpType::DEQUANTIZE) ok = false;
    if (!ok) continue;
    fold[i] = true;
    for (int32_t t : op.outputs) is_static[t] = true;
    ++count;
  }
  if (count == 0) return 0;
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    if (!fold[i]) continue;
    for (int32_t t : sg.ops[i].outputs) {
      const ops::TensorRef& ref = interp.tensor(t);
      std::vector<uint8_t> bytes(ref.data, ref.data + ref.bytes);
      ir::Tensor& tensor = sg.tensors[t];
      tensor.buffer = AddBuffer(g, std::move(bytes));
      tensor.shape = ref.shape;
      tensor.shape_signature.clear();
      tensor.has_rank = true;
    }
  }
  std::vector<ir::Op> kept;
  for (size_t i = 0; i < sg.ops.size(); ++i)
    if (!fold[i]) kept.push_back(std::move(sg.ops[i]));
  sg.ops = std::move(kept);
  return count;
}

int FuseActivations(ir::Graph& g) {
  if (g.subgraphs.empty() || AnyQuantizedActivation(g)) return 0;
  ir::Subgraph& sg = g.main();
  const auto consumers = Consumers(sg);
  const auto producers = Producers(sg);
  std::vector<bool> remove(sg.ops.size(), false);
  int count = 0;
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    const ir::Op& act = sg.ops[i];
    ir::Activation a;
    if (act.type == OpType::RELU) a = ir::Activation::kRelu;
    else if (act.type == OpType::RELU6) a = ir::Activation::kRelu6;
    else if (act.type == OpType::RELU_N1_TO_1) a = ir::Activation::kReluN1To1;
    else continue;
    if (act.inputs.size() != 1 || act.outputs.size() != 1 || act.inputs[0] < 0) continue;
    const int32_t mid = act.inputs[0];
    const int32_t p = producers[mid];
    if (p < 0 || remove[p] || consumers[mid].size() != 1 || IsSubgraphOutput(sg, mid)) continue;
    ir::Op& prod = sg.ops[p];
    if (OptionsTagFor(prod.type) == 0 || prod.outputs.size() != 1) continue;
    if (prod.options.activation != ir::Activation::kNone) continue;
    if (prod.options.type != 0 && prod.options.type != OptionsTagFor(prod.type)) continue;
    if (sg.tensors[mid].dtype != DType::kFloat32) continue;
    prod.options.type = OptionsTagFor(prod.type);
    prod.options.activation = a;
    prod.outputs[0] = act.outputs[0];
    remove[i] = true;
    ++count;
  }
  std::vector<ir::Op> kept;
  for (size_t i = 0; i < sg.ops.size(); ++i)
    if (!remove[i]) kept.push_back(std::move(sg.ops[i]));
  sg.ops = std::move(kept);
  return count;
}

int RemoveNoOps(ir::Graph& g) {
  if (g.subgraphs.empty()) return 0;
  ir::Subgraph& sg = g.main();
  std::vector<bool> remove(sg.ops.size(), false);
  int count = 0;
  for (size_t i = 0; i < sg.ops.size(); ++i) {
    const ir::Op& op = sg.ops[i];
    const bool reshape_like =
        op.type == OpType::RESHAPE || op.type == OpType::SQUEEZE || op.type == OpType::EXPAND_DIMS;
    if (!reshape_like && op.type != OpType::CAST) continue;
    if (op.inputs.empty() || op.outputs.size() != 1 || op.inputs[0] < 0) continue;
    const ir::Tensor& in = sg.tensors[op.inputs[0]];
    const ir::Tensor& out = sg.tensors[op.outputs[0]];
    if (IsSubgraphOutput(sg, op.outputs[0]) || in.dtype != out.dtype || in.quant != out.quant) continue;
    if (in.shape != out.shape || HasDynamicDims(in) || HasDynamicDims(out)) continue;
    ReplaceUses(sg, op.outputs[0], op.inputs[0]);
    remove[i] = true;
    ++count;
  }
  std::vector<ir::Op> kept;
  for (size_t i = 0; i < sg.ops.size(); ++i)
    if (!remove[i]) kept.push_back(std::move(sg.ops[i]));
  sg.ops = std::move(kept);
  return count;
}

int RemoveDeadOps(ir::Graph& g) {
  if (g.subgraphs.empty()) return 0;
  ir::Subgraph& sg = g.main();
  int count = 0;
  for (bool changed = true; changed;) {
    changed = false;
    const auto consumers = Consumers(sg);
    std::vector<ir::Op> kept;
    for (ir::Op& op : sg.ops) {
      bool used = HasSideEffects(g, op) || op.outputs.empty();
      for (int32_t t : op.outputs)
        if (t >= 0 && (!consumers[t].empty() || IsSubgraphOutput(sg, t))) used = true;
      if (used) {
        kept.push_back(std::move(op));
      } else {
        ++count;
        changed = true;
      }
    }
    sg.ops = std::move(kept);
  }
  return count;
}

Result<CleanupStats> CleanupGraph(ir::Graph& g, const CleanupOptions& options) {
  CleanupStats s;
  if (g.subgraphs.empty()) return InvalidArgument("the model has no subgraph");
  s.folded_ops = FoldConstants(g, options.fold_dequantize);
  s.fused_activations = FuseActivations(g);
  s.removed_noops = RemoveNoOps(g);
  s.removed_dead_ops = RemoveDeadOps(g);
  Compact(g);
  return s;
}

}  // namespace liteopt::quant
