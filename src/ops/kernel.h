// The contract between the runtime and every op kernel.
//
// Lifecycle: the runtime builds one KernelContext per op, calls Kernel::prepare once (after the op's input
// shapes are known), plans memory, then calls Kernel::eval on every invoke.
//  - prepare validates types, ranks and quantization (returning a Status that names the problem), sets each
//    output's shape, and precomputes what eval needs into ctx.state (multipliers, LUTs, packed weights).
//    Constant inputs (TensorRef::is_const) have their data during prepare; other inputs do not.
//  - eval runs blind: it trusts what prepare checked and must not allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "base/thread_pool.h"
#include "ir/graph.h"

namespace liteopt::ops {

// The runtime's view of one tensor.
struct TensorRef {
  DType dtype = DType::kFloat32;
  std::vector<int32_t> shape;
  uint8_t* data = nullptr;  // valid in eval; valid in prepare only when is_const
  size_t bytes = 0;
  const ir::QuantParams* quant = nullptr;  // never null; may be empty
  const ir::Tensor* ir = nullptr;          // the IR tensor (name, index for messages)
  int32_t index = -1;                      // tensor index in the subgraph
  bool is_const = false;                   // data known before invoke (constant buffer or folded)

  template <typename T>
  T* as() const { return reinterpret_cast<T*>(data); }
  int rank() const { return static_cast<int>(shape.size()); }
  int32_t dim(int i) const { return shape[i]; }
  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t d : shape) n *= d;
    return n;
  }
  float scale() const { return quant->scale.empty() ? 0.0f : quant->scale[0]; }
  int32_t zero_point() const { return quant->zero_point.empty() ? 0 : static_cast<int32_t>(quant->zero_point[0]); }
};

// Which integer arithmetic quantized kernels reproduce. kTfliteRuntime: what the official TensorFlow Lite
// runtime computes by default, i.e. its XNNPACK delegate's requantization for the int8/uint8 ops XNNPACK
// accepts (conv, depthwise, fully connected, add, sub, mul, mean over H,W, leaky relu, quantize) and TFLite's
// built-in kernels for the rest. kTfliteBuiltin: TFLite's built-in kernels everywhere (the XNNPACK delegate
// disabled; TFLite Micro). The two differ by one step on a small fraction of int8 outputs.
enum class Numerics { kTfliteRuntime, kTfliteBuiltin };

// Per-op state computed in prepare. Kernels derive from it.
struct OpState {
  virtual ~OpState() = default;
};

struct KernelContext {
  const ir::Op* op = nullptr;
  int op_index = -1;
  std::vector<TensorRef*> inputs;  // nullptr where an optional input is absent (-1 in the file)
  std::vector<TensorRef*> outputs;
  std::unique_ptr<OpState> state;
  bool reference = false;  // run reference kernels only
  Numerics numerics = Numerics::kTfliteRuntime;
  int num_threads = 1;
  ThreadPool* pool = nullptr;  // the interpreter's worker threads (num_threads > 1), shared by every op; may be null

  const ir::OpOptions& options() const { return op->options; }
  TensorRef* input(int i) const { return i < static_cast<int>(inputs.size()) ? inputs[i] : nullptr; }
  TensorRef* output(int i) const { return outputs[i]; }
  template <typename T>
  T* state_as() const { return static_cast<T*>(state.get()); }

  // An error naming the op ("op 3 (CONV_2D): <message>").
  Status Error(const std::string& message) const;
};

struct Kernel {
  Status (*prepare)(KernelContext& ctx);
  void (*eval)(KernelContext& ctx);
};

// The kernel for an op type, or nullptr when liteopt cannot run it.
const Kernel* FindKernel(ir::OpType type);

// Shared prepare helpers.
Status CheckInputCount(const KernelContext& ctx, int min, int max);
Status CheckOutputCount(const KernelContext& ctx, int n);
std::string ShapeString(const std::vector<int32_t>& shape);
std::string TensorLabel(const TensorRef& t);  // "tensor 7 'conv1/weights'"

}  // namespace liteopt::ops
