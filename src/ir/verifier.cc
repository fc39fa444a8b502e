#include "ir/verifier.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace liteopt::ir {

namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::string SubgraphDesc(const Graph& g, size_t si) {
  std::string d = "subgraph " + std::to_string(si);
  if (si < g.subgraphs.size() && !g.subgraphs[si].name.empty()) d += " (" + Quote(g.subgraphs[si].name) + ")";
  return d;
}

std::string TensorDesc(const Subgraph& sg, int64_t ti) {
  std::string d = "tensor " + std::to_string(ti);
  if (ti >= 0 && static_cast<size_t>(ti) < sg.tensors.size()) d += " (" + Quote(sg.tensors[ti].name) + ")";
  return d;
}

std::string OpDesc(const Subgraph& sg, size_t oi) {
  return "op " + std::to_string(oi) + " (" + OpTypeName(sg.ops[oi].type) + ")";
}

std::string ShapeStr(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

bool IsIntegerQuantizedType(DType t) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kInt16:
    case DType::kUInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kInt4:
      return true;
    default:
      return false;
  }
}

Status CheckTensor(const Graph& g, size_t si, const Subgraph& sg, size_t ti) {
  const Tensor& t = sg.tensors[ti];
  auto where = [&] { return SubgraphDesc(g, si) + ": " + TensorDesc(sg, static_cast<int64_t>(ti)); };
  if (!IsValidDType(static_cast<int>(t.dtype))) {
    return InvalidArgument(where() + ": invalid dtype " + std::to_string(static_cast<int>(t.dtype)) +
                           " (expected a TensorType in [0, 18])");
  }
  if (t.buffer < 0 || static_cast<size_t>(t.buffer) >= g.buffers.size()) {
    return InvalidArgument(where() + ": buffer index " + std::to_string(t.buffer) + " out of range (model has " +
                           std::to_string(g.buffers.size()) + " buffers)");
  }
  for (size_t d = 0; d < t.shape.size(); ++d) {
    if (t.shape[d] < 0) {
      return InvalidArgument(where() + ": shape " + ShapeStr(t.shape) + " has negative dim " +
                             std::to_string(t.shape[d]) + " at axis " + std::to_string(d) + " (expected >= 0)");
    }
  }
  const int64_t n = NumElements(t.shape);
  if (n < 0) {
    return InvalidArgument(where() + ": element count of shape " + ShapeStr(t.shape) + " overflows int64");
  }
  const size_t elem = DTypeSize(t.dtype);
  if (elem > 0 && n > std::numeric_limits<int64_t>::max() / static_cast<int64_t>(elem)) {
    return InvalidArgument(where() + ": byte size of shape " + ShapeStr(t.shape) + " x " +
                           std::string(DTypeName(t.dtype)) + " (" + std::to_string(elem) + " bytes) overflows int64");
  }
  if (!t.shape_signature.empty()) {
    if (t.shape_signature.size() != t.shape.size()) {
      return InvalidArgument(where() + ": shape_signature " + ShapeStr(t.shape_signature) + " has rank " +
                             std::to_string(t.shape_signature.size()) + ", expected the rank of shape " +
                             ShapeStr(t.shape) + " (" + std::to_string(t.shape.size()) + ")");
    }
    for (int32_t d : t.shape_signature) {
      if (d < -1) {
        return InvalidArgument(where() + ": shape_signature " + ShapeStr(t.shape_signature) + " has dim " +
                               std::to_string(d) + " (expected >= -1)");
      }
    }
  }
  const Buffer& buf = g.buffers[t.buffer];
  const bool exempt = t.dtype == DType::kString || t.dtype == DType::kInt4 || elem == 0 || t.sparsity.has_value();
  if (t.buffer > 0 && buf.size > 0 && !exempt) {
    const uint64_t expected = static_cast<uint64_t>(n) * elem;
    if (buf.size != expected) {
      return InvalidArgument(where() + ": constant buffer " + std::to_string(t.buffer) + " holds " +
                             std::to_string(buf.size) + " bytes, expected " + std::to_string(expected) + " (" +
                             std::to_string(n) + " elements of " + std::string(DTypeName(t.dtype)) + ", shape " +
                             ShapeStr(t.shape) + ")");
    }
  }
  const QuantParams& q = t.quant;
  if (!q.zero_point.empty() && q.zero_point.size() != q.scale.size()) {
    return InvalidArgument(where() + ": quantization has " + std::to_string(q.scale.size()) + " scales but " +
                           std::to_string(q.zero_point.size()) + " zero points (expected equal counts)");
  }
  if (q.quantized()) {
    // TFLite's loader rule, for per-tensor quantization too: 0 <= quantized_dimension < rank.
    const int32_t qd = q.quantized_dimension;
    if (qd < 0 || (!t.shape.empty() && static_cast<size_t>(qd) >= t.shape.size()) ||
        (q.per_axis() && t.shape.empty())) {
      return InvalidArgument(where() + ": quantized_dimension " + std::to_string(qd) + " out of range for shape " +
                             ShapeStr(t.shape) + " (expected in [0, " + std::to_string(t.shape.size()) + "))");
    }
    if (q.per_axis() && static_cast<size_t>(t.shape[qd]) != q.scale.size()) {
      return InvalidArgument(where() + ": per-axis quantization has " + std::to_string(q.scale.size()) +
                             " scales, expected shape[" + std::to_string(qd) + "] = " + std::to_string(t.shape[qd]));
    }
  }
  if (q.quantized() && IsIntegerQuantizedType(t.dtype)) {
    for (size_t i = 0; i < q.scale.size(); ++i) {
      if (!std::isfinite(q.scale[i]) || !(q.scale[i] > 0.0f)) {
        return InvalidArgument(where() + ": quantization scale[" + std::to_string(i) +
                               "] = " + std::to_string(q.scale[i]) + " (expected finite and > 0)");
      }
    }
  }
  if (t.sparsity) {
    const Sparsity& sp = *t.sparsity;
    if (sp.dim_metadata.size() != sp.traversal_order.size()) {
      return InvalidArgument(where() + ": sparsity has " + std::to_string(sp.dim_metadata.size()) +
                             " dim_metadata entries, expected one per traversal_order entry (" +
                             std::to_string(sp.traversal_order.size()) + ")");
    }
    for (int32_t b : sp.block_map) {
      if (b < 0 || static_cast<size_t>(b) >= t.shape.size()) {
        return InvalidArgument(where() + ": sparsity block_map entry " + std::to_string(b) + " out of range for rank " +
                               std::to_string(t.shape.size()));
      }
    }
  }
  return Status::Ok();
}

Status CheckSubgraph(const Graph& g, size_t si) {
  const Subgraph& sg = g.subgraphs[si];
  const int64_t nt = static_cast<int64_t>(sg.tensors.size());
  const std::string sgd = SubgraphDesc(g, si);
  auto in_range = [&](int64_t t) { return t >= 0 && t < nt; };

  for (size_t ti = 0; ti < sg.tensors.size(); ++ti) LITEOPT_RETURN_IF_ERROR(CheckTensor(g, si, sg, ti));

  std::vector<uint8_t> is_input(sg.tensors.size(), 0);
  for (size_t i = 0; i < sg.inputs.size(); ++i) {
    if (!in_range(sg.inputs[i])) {
      return InvalidArgument(sgd + ": input " + std::to_string(i) + " is tensor index " + std::to_string(sg.inputs[i]) +
                             ", out of range (subgraph has " + std::to_string(nt) + " tensors)");
    }
    is_input[sg.inputs[i]] = 1;
  }
  for (size_t i = 0; i < sg.outputs.size(); ++i) {
    if (!in_range(sg.outputs[i])) {
      return InvalidArgument(sgd + ": output " + std::to_string(i) + " is tensor index " +
                             std::to_string(sg.outputs[i]) + ", out of range (subgraph has " + std::to_string(nt) +
                             " tensors)");
    }
  }
  auto is_constant = [&](int32_t t) {
    const Tensor& tensor = sg.tensors[t];
    return tensor.buffer > 0 && g.buffers[tensor.buffer].size > 0;
  };

  // Index ranges first, so the ordering pass below can index freely.
  std::vector<int64_t> producer(sg.tensors.size(), -1);
  for (size_t oi = 0; oi < sg.ops.size(); ++oi) {
    const Op& op = sg.ops[oi];
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      if (op.inputs[k] != -1 && !in_range(op.inputs[k])) {
        return InvalidArgument(sgd + ": " + OpDesc(sg, oi) + ": input " + std::to_string(k) + " is tensor index " +
                               std::to_string(op.inputs[k]) + ", out of range (subgraph has " + std::to_string(nt) +
                               " tensors; -1 marks an absent optional input)");
      }
    }
    for (size_t k = 0; k < op.outputs.size(); ++k) {
      if (!in_range(op.outputs[k])) {
        return InvalidArgument(sgd + ": " + OpDesc(sg, oi) + ": output " + std::to_string(k) + " is tensor index " +
                               std::to_string(op.outputs[k]) + ", out of range (subgraph has " + std::to_string(nt) +
                               " tensors)");
      }
    }
    for (size_t k = 0; k < op.intermediates.size(); ++k) {
      if (!in_range(op.intermediates[k])) {
        return InvalidArgument(sgd + ": " + OpDesc(sg, oi) + ": intermediate " + std::to_string(k) +
                               " is tensor index " + std::to_string(op.intermediates[k]) +
                               ", out of range (subgraph has " + std::to_string(nt) + " tensors)");
      }
    }
    for (int32_t t : op.outputs) {
      if (producer[t] >= 0 && producer[t] != static_cast<int64_t>(oi)) {
        return InvalidArgument(sgd + ": " + TensorDesc(sg, t) + " is produced by both " +
                               OpDesc(sg, static_cast<size_t>(producer[t])) + " and " + OpDesc(sg, oi) +
                               " (expected at most one producer)");
      }
      if (producer[t] == static_cast<int64_t>(oi)) {
        return InvalidArgument(sgd + ": " + OpDesc(sg, oi) + " lists " + TensorDesc(sg, t) + " twice as an output");
      }
      producer[t] = static_cast<int64_t>(oi);
      if (is_constant(t)) {
        return InvalidArgument(sgd + ": " + TensorDesc(sg, t) + " is produced by " + OpDesc(sg, oi) +
                               " but is also constant (buffer " + std::to_string(sg.tensors[t].buffer) + ")");
      }
      if (is_input[t]) {
        return InvalidArgument(sgd + ": " + TensorDesc(sg, t) + " is a subgraph input but is produced by " +
                               OpDesc(sg, oi));
      }
    }
  }

  // Execution order: an input must exist before the op runs.
  for (size_t oi = 0; oi < sg.ops.size(); ++oi) {
    const Op& op = sg.ops[oi];
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int32_t t = op.inputs[k];
      if (t == -1) continue;
      if (is_constant(t) || is_input[t] || sg.tensors[t].is_variable) continue;
      const int64_t p = producer[t];
      if (p >= 0 && p < static_cast<int64_t>(oi)) continue;
      if (p < 0) {
        return InvalidArgument(sgd + ": " + OpDesc(sg, oi) + ": input " + std::to_string(k) + " is " +
                               TensorDesc(sg, t) +
                               ", which is not produced by any op and is neither constant, a subgraph input "
                               "nor a variable");
      }
      return InvalidArgument(
          sgd + ": " + OpDesc(sg, oi) + ": input " + std::to_string(k) + " is " + TensorDesc(sg, t) + ", produced by " +
          (p == static_cast<int64_t>(oi) ? std::string("the op itself")
                                         : "later " + OpDesc(sg, static_cast<size_t>(p))) +
          " (cycle or ops out of execution order; expected a producer before op " + std::to_string(oi) + ")");
    }
  }

  for (size_t i = 0; i < sg.outputs.size(); ++i) {
    const int32_t t = sg.outputs[i];
    if (producer[t] < 0 && !is_input[t] && !is_constant(t)) {
      return InvalidArgument(sgd + ": output " + std::to_string(i) + " is " + TensorDesc(sg, t) +
                             ", which is not produced by any op and is neither a subgraph input nor constant");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Verify(const Graph& g) {
  if (g.subgraphs.empty()) return InvalidArgument("model has no subgraph (expected at least one)");
  if (g.buffers.empty()) return InvalidArgument("model has no buffers (expected buffers[0] = empty sentinel)");
  if (g.buffers[0].size != 0) {
    return InvalidArgument("buffer 0 holds " + std::to_string(g.buffers[0].size) +
                           " bytes, expected the empty sentinel");
  }
  for (size_t b = 0; b < g.buffers.size(); ++b) {
    if (g.buffers[b].size > 0 && g.buffers[b].data == nullptr) {
      return InvalidArgument("buffer " + std::to_string(b) + " has size " + std::to_string(g.buffers[b].size) +
                             " but no data");
    }
  }
  for (size_t m = 0; m < g.metadata.size(); ++m) {
    const Metadata& md = g.metadata[m];
    if (md.buffer < 0 || static_cast<size_t>(md.buffer) >= g.buffers.size()) {
      return InvalidArgument("metadata " + std::to_string(m) + " (" + Quote(md.name) + "): buffer index " +
                             std::to_string(md.buffer) + " out of range (model has " +
                             std::to_string(g.buffers.size()) + " buffers)");
    }
  }
  for (size_t si = 0; si < g.subgraphs.size(); ++si) LITEOPT_RETURN_IF_ERROR(CheckSubgraph(g, si));
  for (size_t s = 0; s < g.signatures.size(); ++s) {
    const SignatureDef& sig = g.signatures[s];
    const std::string sd = "signature " + std::to_string(s) + " (" + Quote(sig.key) + ")";
    if (sig.subgraph < 0 || static_cast<size_t>(sig.subgraph) >= g.subgraphs.size()) {
      return InvalidArgument(sd + ": subgraph index " + std::to_string(sig.subgraph) + " out of range (model has " +
                             std::to_string(g.subgraphs.size()) + " subgraphs)");
    }
    const Subgraph& sg = g.subgraphs[sig.subgraph];
    for (const auto* entries : {&sig.inputs, &sig.outputs}) {
      for (const auto& e : *entries) {
        if (e.tensor < 0 || static_cast<size_t>(e.tensor) >= sg.tensors.size()) {
          return InvalidArgument(sd + ": " + (entries == &sig.inputs ? "input " : "output ") + Quote(e.name) +
                                 " is tensor index " + std::to_string(e.tensor) + ", out of range (" +
                                 SubgraphDesc(g, sig.subgraph) + " has " + std::to_string(sg.tensors.size()) +
                                 " tensors)");
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace liteopt::ir
