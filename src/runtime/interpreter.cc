#include "runtime/interpreter.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "base/cpu.h"
#include "io/tflite/reader.h"
#include "io/tflite/sparse.h"
#include "ir/verifier.h"
#include "runtime/memory_planner.h"

namespace liteopt::runtime {

namespace {
constexpr size_t kArenaAlignment = 64;

std::string TensorBytesError(const ops::TensorRef& t, size_t limit) {
  return "tensor " + std::to_string(t.index) + " '" + (t.ir ? t.ir->name : "") + "' " +
         std::string(DTypeName(t.dtype)) + ops::ShapeString(t.shape) + " is invalid or larger than the " +
         std::to_string(limit >> 20) + " MiB limit per tensor (InterpreterOptions::max_tensor_bytes)";
}

// Byte size of a tensor if it is valid and within `limit`.
std::optional<size_t> CheckedBytes(const ops::TensorRef& t, size_t limit) {
  const int64_t n = ir::NumElements(t.shape);
  const size_t es = DTypeSize(t.dtype);
  if (n < 0 || es == 0 || static_cast<uint64_t>(n) > limit / es) return std::nullopt;
  return static_cast<size_t>(n) * es;
}
}  // namespace

std::vector<std::string> Interpreter::UnsupportedOps(const ir::Graph& graph, int subgraph) {
  // Group by op name so a big model with one missing op gives one line, not fifty.
  std::map<std::string, std::vector<int>> missing;
  const auto& ops = graph.subgraphs[subgraph].ops;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (ops::FindKernel(ops[i].type) != nullptr) continue;
    std::string name = ir::OpTypeName(ops[i].type);
    if (ops[i].type == ir::OpType::CUSTOM) name += " '" + ops[i].custom_code + "'";
    missing[name].push_back(static_cast<int>(i));
  }
  std::vector<std::string> out;
  for (const auto& [name, idx] : missing) {
    std::string s = name + " (op" + (idx.size() > 1 ? "s " : " ");
    for (size_t k = 0; k < idx.size() && k < 8; ++k) s += (k ? ", " : "") + std::to_string(idx[k]);
    if (idx.size() > 8) s += ", ... " + std::to_string(idx.size()) + " in all";
    out.push_back(s + ")");
  }
  return out;
}

Result<std::unique_ptr<Interpreter>> Interpreter::Create(std::shared_ptr<const ir::Graph> graph,
                                                         InterpreterOptions options) {
  if (graph == nullptr || graph->subgraphs.empty()) return InvalidArgument("the model has no subgraph");
  if (options.subgraph < 0 || options.subgraph >= static_cast<int>(graph->subgraphs.size()))
    return InvalidArgument("subgraph " + std::to_string(options.subgraph) + " does not exist (the model has " +
                           std::to_string(graph->subgraphs.size()) + ")");
  if (options.num_threads < 1) options.num_threads = 1;
  LITEOPT_RETURN_IF_ERROR(ir::Verify(*graph));
  const auto unsupported = UnsupportedOps(*graph, options.subgraph);
  if (!unsupported.empty()) {
    std::string msg = "liteopt cannot run " + std::to_string(unsupported.size()) + " op type" +
                      (unsupported.size() > 1 ? "s" : "") + " of this model: ";
    for (size_t i = 0; i < unsupported.size(); ++i) msg += (i ? "; " : "") + unsupported[i];
    return Unsupported(msg);
  }
  std::unique_ptr<Interpreter> interp(new Interpreter(std::move(graph), options));
  const int threads = std::min(options.num_threads, AvailableCores());
  if (threads > 1) interp->pool_ = std::make_unique<ThreadPool>(threads);
  interp->input_shapes_.resize(interp->subgraph().inputs.size());
  LITEOPT_RETURN_IF_ERROR(interp->AllocateTensors());
  return interp;
}

Result<std::unique_ptr<Interpreter>> Interpreter::FromFile(const std::string& path, InterpreterOptions options) {
  auto graph = io::tflite::ReadTfliteFile(path);
  if (!graph.ok()) return graph.status();
  auto interp = Create(std::move(graph).value(), options);
  if (!interp.ok()) {
    Status st = interp.status();
    return st.Prepend(path);
  }
  return interp;
}

Result<std::unique_ptr<Interpreter>> Interpreter::FromBuffer(std::shared_ptr<const std::vector<uint8_t>> model,
                                                             InterpreterOptions options) {
  auto graph = io::tflite::ReadTfliteBuffer(std::move(model), "<model in memory>");
  if (!graph.ok()) return graph.status();
  return Create(std::move(graph).value(), options);
}

Status Interpreter::ResizeInput(int i, const std::vector<int32_t>& shape) {
  if (i < 0 || i >= num_inputs()) return InvalidArgument("input " + std::to_string(i) + " does not exist");
  const auto& t = subgraph().tensors[subgraph().inputs[i]];
  if (shape.size() != t.shape.size())
    return InvalidArgument("input " + std::to_string(i) + " '" + t.name + "' has rank " +
                           std::to_string(t.shape.size()) + ", the new shape " + ops::ShapeString(shape) +
                           " has rank " + std::to_string(shape.size()));
  for (int32_t d : shape)
    if (d <= 0) return InvalidArgument("input shape " + ops::ShapeString(shape) + " has a non-positive dimension");
  input_shapes_[i] = shape;
  return AllocateTensors();
}

Status Interpreter::AllocateTensors() {
  const ir::Subgraph& sg = subgraph();
  const size_t n_tensors = sg.tensors.size();
  const size_t n_ops = sg.ops.size();
  tensors_.assign(n_tensors, {});
  persistent_.clear();
  folded_.assign(n_ops, false);
  memory_ = {};

  std::vector<bool> is_input(n_tensors, false);
  for (size_t i = 0; i < sg.inputs.size(); ++i) is_input[sg.inputs[i]] = true;

  for (size_t i = 0; i < n_tensors; ++i) {
    const ir::Tensor& t = sg.tensors[i];
    ops::TensorRef& r = tensors_[i];
    r.dtype = t.dtype;
    r.shape = t.shape;
    r.quant = &t.quant;
    r.ir = &t;
    r.index = static_cast<int32_t>(i);
    const ir::Buffer& b = graph_->data(t);
    if (!b.empty() && !is_input[i]) {
      r.is_const = true;
      r.data = const_cast<uint8_t*>(b.data);  // kernels never write inputs
      r.bytes = b.size;
      memory_.constant_bytes += b.size;
      if (t.sparsity) LITEOPT_RETURN_IF_ERROR(DensifyConstant(r));
    }
  }
  // Graph inputs are sized before any prepare, so kernels only ever see tensors within the limits.
  for (size_t i = 0; i < sg.inputs.size(); ++i) {
    ops::TensorRef& r = tensors_[sg.inputs[i]];
    if (!input_shapes_[i].empty()) r.shape = input_shapes_[i];
    const auto bytes = CheckedBytes(r, options_.max_tensor_bytes);
    if (!bytes) return InvalidArgument("input " + TensorBytesError(r, options_.max_tensor_bytes));
    r.bytes = *bytes;
  }

  // Variables (recurrent state) live outside the arena, zero-initialised.
  for (size_t i = 0; i < n_tensors; ++i) {
    ops::TensorRef& r = tensors_[i];
    if (!sg.tensors[i].is_variable || r.is_const) continue;
    const auto bytes = CheckedBytes(r, options_.max_tensor_bytes);
    if (!bytes) return InvalidArgument("variable " + TensorBytesError(r, options_.max_tensor_bytes));
    memory_.persistent_bytes += *bytes;
    if (memory_.persistent_bytes > options_.max_memory_bytes)
      return InvalidArgument("variables need more than the " + std::to_string(options_.max_memory_bytes >> 20) +
                             " MiB limit (InterpreterOptions::max_memory_bytes)");
    persistent_.emplace_back(*bytes, 0);
    r.data = persistent_.back().data();
    r.bytes = persistent_.back().size();
  }

  contexts_.clear();
  kernels_.assign(n_ops, nullptr);
  for (size_t oi = 0; oi < n_ops; ++oi) {
    const ir::Op& op = sg.ops[oi];
    auto ctx = std::make_unique<ops::KernelContext>();
    ctx->op = &op;
    ctx->op_index = static_cast<int>(oi);
    ctx->reference = options_.reference;
    ctx->numerics = options_.numerics;
    ctx->num_threads = threads();
    ctx->pool = pool_.get();
    for (int32_t ti : op.inputs) ctx->inputs.push_back(ti < 0 ? nullptr : &tensors_[ti]);
    for (int32_t ti : op.outputs) ctx->outputs.push_back(ti < 0 ? nullptr : &tensors_[ti]);
    kernels_[oi] = ops::FindKernel(op.type);
    if (kernels_[oi] == nullptr) return Unsupported("op " + std::to_string(oi) + " " + ir::OpTypeName(op.type));
    contexts_.push_back(std::move(ctx));
  }

  // Prepare in execution order; ops whose inputs are all constant run once here and become constants
  // (shape arithmetic, dequantized float16 weights).
  for (size_t oi = 0; oi < n_ops; ++oi) {
    ops::KernelContext& ctx = *contexts_[oi];
    for (ops::TensorRef* in : ctx.inputs) {
      if (in == nullptr) continue;
      if (DTypeSize(in->dtype) == 0)
        return Unsupported(ctx.Error(ops::TensorLabel(*in) + " has dtype " + std::string(DTypeName(in->dtype)) +
                                     ", which liteopt cannot run")
                               .message());
    }
    LITEOPT_RETURN_IF_ERROR(kernels_[oi]->prepare(ctx));
    for (ops::TensorRef* out : ctx.outputs) {
      if (out == nullptr) continue;
      const auto bytes = CheckedBytes(*out, options_.max_tensor_bytes);
      if (!bytes) return ctx.Error("output " + TensorBytesError(*out, options_.max_tensor_bytes));
      out->bytes = *bytes;
    }
    // SHAPE's values depend only on its input's shape, known here; other ops need constant inputs.
    const bool shape_only = sg.ops[oi].type == ir::OpType::SHAPE;
    bool foldable = !ctx.inputs.empty();
    for (ops::TensorRef* in : ctx.inputs)
      if (in != nullptr && !in->is_const && !shape_only) foldable = false;
    for (ops::TensorRef* out : ctx.outputs)
      if (out == nullptr || sg.tensors[out->index].is_variable) foldable = false;
    if (foldable) {
      size_t folded_bytes = memory_.persistent_bytes;
      for (ops::TensorRef* out : ctx.outputs) folded_bytes += out->bytes;
      if (folded_bytes > options_.max_memory_bytes)
        return ctx.Error("folding constants needs " + std::to_string(folded_bytes >> 20) + " MiB, above the " +
                         std::to_string(options_.max_memory_bytes >> 20) + " MiB limit");
      memory_.persistent_bytes = folded_bytes;
      for (ops::TensorRef* out : ctx.outputs) {
        persistent_.emplace_back(out->bytes, 0);
        out->data = persistent_.back().data();
        out->is_const = true;
      }
      kernels_[oi]->eval(ctx);
      folded_[oi] = true;
    }
  }

  // Lifetimes of arena tensors: [producer, last consumer]; graph inputs from -1, outputs to the end.
  std::vector<int> first(n_tensors, INT_MAX), last(n_tensors, -1);
  for (size_t i = 0; i < sg.inputs.size(); ++i) first[sg.inputs[i]] = -1;
  for (size_t oi = 0; oi < n_ops; ++oi) {
    if (folded_[oi]) continue;
    for (int32_t ti : sg.ops[oi].outputs)
      if (ti >= 0) first[ti] = std::min(first[ti], static_cast<int>(oi));
    for (int32_t ti : sg.ops[oi].inputs)
      if (ti >= 0) last[ti] = std::max(last[ti], static_cast<int>(oi));
  }
  for (int32_t ti : sg.outputs) last[ti] = INT_MAX;
  std::vector<BufferRequest> requests;
  std::vector<int32_t> planned;
  for (size_t i = 0; i < n_tensors; ++i) {
    ops::TensorRef& r = tensors_[i];
    if (r.is_const || r.data != nullptr || first[i] == INT_MAX) continue;
    BufferRequest req;
    req.bytes = r.bytes;
    req.first_use = options_.preserve_all_tensors ? -1 : first[i];
    req.last_use = options_.preserve_all_tensors ? INT_MAX : std::max(last[i], first[i]);
    requests.push_back(req);
    planned.push_back(static_cast<int32_t>(i));
    memory_.activation_bytes_sum += r.bytes;
  }
  const MemoryPlan plan = PlanMemory(requests, kArenaAlignment);
  const size_t arena_size = std::max<size_t>(plan.arena_bytes, kArenaAlignment);
  if (arena_size + memory_.persistent_bytes > options_.max_memory_bytes)
    return InvalidArgument("the model needs " + std::to_string((arena_size + memory_.persistent_bytes) >> 20) +
                           " MiB of tensor memory, above the " + std::to_string(options_.max_memory_bytes >> 20) +
                           " MiB limit (InterpreterOptions::max_memory_bytes)");
  arena_ = std::unique_ptr<uint8_t[], void (*)(void*)>(
      static_cast<uint8_t*>(std::aligned_alloc(kArenaAlignment, arena_size)), &std::free);
  if (arena_ == nullptr) return Internal("cannot allocate an arena of " + std::to_string(arena_size) + " bytes");
  std::memset(arena_.get(), 0, arena_size);  // page the arena in now, not during the first Invoke
  memory_.arena_bytes = plan.arena_bytes;
  for (size_t k = 0; k < planned.size(); ++k) tensors_[planned[k]].data = arena_.get() + plan.offsets[k];
  return Status::Ok();
}

// Constants stored in TFLite's sparse format (pruned weights) are expanded once, here: every kernel, and the
// DENSIFY op, then reads dense data.
Status Interpreter::DensifyConstant(ops::TensorRef& r) {
  const ir::Tensor& t = *r.ir;
  const auto bytes = CheckedBytes(r, options_.max_tensor_bytes);
  if (!bytes) return InvalidArgument("sparse constant " + TensorBytesError(r, options_.max_tensor_bytes));
  if (memory_.persistent_bytes + *bytes > options_.max_memory_bytes)
    return InvalidArgument("densifying sparse constants needs more than the " +
                           std::to_string(options_.max_memory_bytes >> 20) +
                           " MiB limit (InterpreterOptions::max_memory_bytes)");
  auto dense = io::tflite::DensifyTensor(t, graph_->data(t));
  if (!dense.ok()) return dense.status();
  memory_.persistent_bytes += dense->size();
  persistent_.push_back(std::move(dense).value());
  r.data = persistent_.back().data();
  r.bytes = persistent_.back().size();
  return Status::Ok();
}

Status Interpreter::Invoke() {
  if (arena_ == nullptr) return Internal("Invoke called before a successful AllocateTensors");
  if (!profiling_) {
    for (size_t oi = 0; oi < kernels_.size(); ++oi)
      if (!folded_[oi]) kernels_[oi]->eval(*contexts_[oi]);
    return Status::Ok();
  }
  op_times_ns_.assign(kernels_.size(), 0);  // no allocation: the size is unchanged after the first invoke
  for (size_t oi = 0; oi < kernels_.size(); ++oi) {
    if (folded_[oi]) continue;
    const auto t0 = std::chrono::steady_clock::now();
    kernels_[oi]->eval(*contexts_[oi]);
    const auto t1 = std::chrono::steady_clock::now();
    op_times_ns_[oi] = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  return Status::Ok();
}

int64_t Interpreter::OpMacs(int op_index) const {
  if (op_index < 0 || op_index >= static_cast<int>(contexts_.size())) return 0;
  const ops::KernelContext& ctx = *contexts_[op_index];
  if (ctx.outputs.empty() || ctx.outputs[0] == nullptr || ctx.inputs.size() < 2 || ctx.inputs[1] == nullptr) return 0;
  const int64_t out = ctx.outputs[0]->num_elements();
  const ops::TensorRef& filter = *ctx.inputs[1];
  switch (ctx.op->type) {
    case ir::OpType::CONV_2D:  // [O, H, W, I]: every output element sums H * W * I products
      return filter.rank() == 4 ? out * filter.dim(1) * filter.dim(2) * filter.dim(3) : 0;
    case ir::OpType::DEPTHWISE_CONV_2D:  // [1, H, W, C]
      return filter.rank() == 4 ? out * filter.dim(1) * filter.dim(2) : 0;
    case ir::OpType::FULLY_CONNECTED:  // [units, depth]
      return filter.rank() == 2 ? out * filter.dim(1) : 0;
    default:
      return 0;
  }
}

}  // namespace liteopt::runtime
