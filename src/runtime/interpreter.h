// The interpreter: load a model, prepare every op once, plan one activation arena, invoke many times.
//
//   auto interp = Interpreter::FromFile("model.tflite", {.num_threads = 1});
//   float* in = interp->input_data<float>(0);   // nullptr if the dtype differs
//   ... fill ...
//   interp->Invoke();
//   const float* out = interp->output_data<float>(0);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "ir/graph.h"
#include "ops/kernel.h"

namespace liteopt::runtime {

struct InterpreterOptions {
  // Threads for the optimized kernels, the calling thread included; capped at the cores this process may use
  // (base/cpu.h AvailableCores).
  int num_threads = 1;
  bool reference = false;             // run every op on its reference kernel
  bool preserve_all_tensors = false;  // no arena sharing: every intermediate stays readable after Invoke
  int subgraph = 0;
  ops::Numerics numerics = ops::Numerics::kTfliteRuntime;  // see ops::Numerics
  // Limits that turn a corrupt or absurd shape into an error instead of an allocation failure.
  size_t max_tensor_bytes = size_t{1} << 30;  // any single tensor
  size_t max_memory_bytes = size_t{4} << 30;  // arena + folded constants + variables
};

struct MemoryStats {
  size_t arena_bytes = 0;             // the planned activation arena
  size_t activation_bytes_sum = 0;    // what the activations would take without sharing
  size_t persistent_bytes = 0;        // folded constants and variables owned by the interpreter
  size_t constant_bytes = 0;          // constant buffers used in place from the model
};

class Interpreter {
 public:
  // Checks that every op has a kernel (one error listing every unsupported op), then AllocateTensors().
  static Result<std::unique_ptr<Interpreter>> Create(std::shared_ptr<const ir::Graph> graph,
                                                     InterpreterOptions options = {});
  static Result<std::unique_ptr<Interpreter>> FromFile(const std::string& path, InterpreterOptions options = {});
  // A .tflite model already in memory; the interpreter keeps the bytes alive.
  static Result<std::unique_ptr<Interpreter>> FromBuffer(std::shared_ptr<const std::vector<uint8_t>> model,
                                                         InterpreterOptions options = {});

  // Lists the ops of a graph liteopt cannot run ("UNIDIRECTIONAL_SEQUENCE_LSTM (op 0)"); empty if none.
  static std::vector<std::string> UnsupportedOps(const ir::Graph& graph, int subgraph = 0);

  int num_inputs() const { return static_cast<int>(subgraph().inputs.size()); }
  int num_outputs() const { return static_cast<int>(subgraph().outputs.size()); }
  const ops::TensorRef& input(int i) const { return tensors_[subgraph().inputs[i]]; }
  const ops::TensorRef& output(int i) const { return tensors_[subgraph().outputs[i]]; }
  const ops::TensorRef& tensor(int index) const { return tensors_[index]; }
  int num_tensors() const { return static_cast<int>(tensors_.size()); }

  uint8_t* input_bytes(int i) { return tensors_[subgraph().inputs[i]].data; }
  template <typename T>
  T* input_data(int i) {
    auto& t = tensors_[subgraph().inputs[i]];
    return DTypeOf<T>(t.dtype) ? t.as<T>() : nullptr;
  }
  template <typename T>
  const T* output_data(int i) const {
    const auto& t = tensors_[subgraph().outputs[i]];
    return DTypeOf<T>(t.dtype) ? t.as<T>() : nullptr;
  }

  // Changes an input's shape (typically the batch dimension); re-prepares the whole graph.
  Status ResizeInput(int i, const std::vector<int32_t>& shape);
  // Prepares every op and plans memory. Called by Create and ResizeInput.
  Status AllocateTensors();
  Status Invoke();

  // Per-op timing for profilers: while enabled, Invoke records each op's wall time of the last invoke (ns, 0 for
  // folded ops) in op_times_ns(). Off by default; when off, Invoke reads no clock.
  void EnableProfiling(bool on) {
    profiling_ = on;
    op_times_ns_.assign(kernels_.size(), 0);
  }
  const std::vector<int64_t>& op_times_ns() const { return op_times_ns_; }
  // Multiply-accumulates of one op as prepared (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED; 0 for other ops).
  int64_t OpMacs(int op_index) const;

  const MemoryStats& memory() const { return memory_; }
  const ir::Graph& graph() const { return *graph_; }
  const ir::Subgraph& subgraph() const { return graph_->subgraphs[options_.subgraph]; }
  // True when an op was evaluated once at prepare time (all its inputs were constant).
  bool op_folded(int op_index) const { return folded_[op_index]; }
  const InterpreterOptions& options() const { return options_; }
  // Threads the kernels actually use (num_threads capped at the available cores).
  int threads() const { return pool_ ? pool_->size() : 1; }

 private:
  explicit Interpreter(std::shared_ptr<const ir::Graph> g, InterpreterOptions o)
      : graph_(std::move(g)), options_(o) {}
  template <typename T>
  static bool DTypeOf(DType d);
  Status DensifyConstant(ops::TensorRef& r);  // a sparse constant's dense values into persistent memory

  std::shared_ptr<const ir::Graph> graph_;
  InterpreterOptions options_;
  std::vector<std::vector<int32_t>> input_shapes_;  // overrides from ResizeInput
  std::unique_ptr<ThreadPool> pool_;  // when more than one thread is used
  std::vector<ops::TensorRef> tensors_;
  std::vector<std::unique_ptr<ops::KernelContext>> contexts_;
  std::vector<const ops::Kernel*> kernels_;
  std::vector<bool> folded_;
  std::vector<std::vector<uint8_t>> persistent_;  // storage of folded outputs, variables, densified constants
  std::unique_ptr<uint8_t[], void (*)(void*)> arena_{nullptr, nullptr};
  MemoryStats memory_;
  bool profiling_ = false;
  std::vector<int64_t> op_times_ns_;
};

template <typename T>
bool Interpreter::DTypeOf(DType d) {
  if constexpr (std::is_same_v<T, float>) return d == DType::kFloat32;
  if constexpr (std::is_same_v<T, int8_t>) return d == DType::kInt8;
  if constexpr (std::is_same_v<T, uint8_t>) return d == DType::kUInt8 || d == DType::kBool;
  if constexpr (std::is_same_v<T, int16_t>) return d == DType::kInt16;
  if constexpr (std::is_same_v<T, int32_t>) return d == DType::kInt32;
  if constexpr (std::is_same_v<T, int64_t>) return d == DType::kInt64;
  if constexpr (std::is_same_v<T, uint16_t>) return d == DType::kFloat16;
  return false;
}

}  // namespace liteopt::runtime
