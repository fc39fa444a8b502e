// Test harness for single kernels: owns tensors, builds a KernelContext, runs prepare, allocates outputs and
// runs eval, the way the runtime does. Test-only (linked into ops_test).
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "ops/kernel.h"

namespace liteopt::ops::testing {

class OpTester {
 public:
  explicit OpTester(ir::OpType type, ir::OpOptions options = {}) {
    op_.type = type;
    op_.options = options;
  }

  // Adds an input. `is_const` marks weights/params whose data prepare may read.
  template <typename T>
  int AddInput(DType dtype, std::vector<int32_t> shape, const std::vector<T>& values, ir::QuantParams q = {},
               bool is_const = false) {
    auto& s = NewSlot(dtype, std::move(shape), std::move(q));
    s.storage.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(s.storage.data(), values.data(), s.storage.size());
    s.ref.is_const = is_const;
    inputs_.push_back(static_cast<int>(slots_.size()) - 1);
    return inputs_.back();
  }
  void AddAbsentInput() { inputs_.push_back(-1); }
  // Adds an output; its shape is set by prepare.
  int AddOutput(DType dtype, ir::QuantParams q = {}) {
    NewSlot(dtype, {}, std::move(q));
    outputs_.push_back(static_cast<int>(slots_.size()) - 1);
    return outputs_.back();
  }

  // The numerics every OpTester uses unless set_numerics is called (tests switch it with NumericsScope).
  static Numerics& DefaultNumerics() {
    static Numerics n = Numerics::kTfliteRuntime;
    return n;
  }
  void set_numerics(Numerics n) { numerics_ = n; }
  // Worker threads the kernel may use (KernelContext::pool); none by default.
  void set_pool(ThreadPool* pool) { pool_ = pool; }

  // Runs prepare then eval. Returns prepare's status.
  Status Run(bool reference = true) {
    const Kernel* k = FindKernel(op_.type);
    if (k == nullptr) return Unsupported("no kernel for " + ir::OpTypeName(op_.type));
    ctx_ = std::make_unique<KernelContext>();
    ctx_->op = &op_;
    ctx_->op_index = 0;
    ctx_->reference = reference;
    ctx_->numerics = numerics_;
    ctx_->pool = pool_;
    ctx_->num_threads = pool_ != nullptr ? pool_->size() : 1;
    for (int i : inputs_) ctx_->inputs.push_back(i < 0 ? nullptr : &slots_[i]->ref);
    for (int i : outputs_) ctx_->outputs.push_back(&slots_[i]->ref);
    for (auto& s : slots_) {
      s->ref.quant = &s->tensor.quant;
      s->ref.ir = &s->tensor;
      s->ref.data = s->storage.data();
      s->ref.bytes = s->storage.size();
    }
    // Like the runtime: non-constant inputs have no data during prepare.
    for (int i : inputs_)
      if (i >= 0 && !slots_[i]->ref.is_const) slots_[i]->ref.data = nullptr;
    Status st = k->prepare(*ctx_);
    if (!st.ok()) return st;
    for (int i : inputs_)
      if (i >= 0) slots_[i]->ref.data = slots_[i]->storage.data();
    for (int i : outputs_) {
      auto& s = *slots_[i];
      s.storage.assign(static_cast<size_t>(s.ref.num_elements()) * DTypeSize(s.ref.dtype) + 1, 0xA5);
      s.ref.data = s.storage.data();
      s.ref.bytes = static_cast<size_t>(s.ref.num_elements()) * DTypeSize(s.ref.dtype);
    }
    k->eval(*ctx_);
    return Status::Ok();
  }

  template <typename T>
  std::vector<T> Output(int slot) const {
    const auto& s = *slots_[slot];
    std::vector<T> v(static_cast<size_t>(s.ref.num_elements()));
    if (!v.empty()) std::memcpy(v.data(), s.storage.data(), v.size() * sizeof(T));
    return v;
  }
  const std::vector<int32_t>& OutputShape(int slot) const { return slots_[slot]->ref.shape; }
  ir::Op& op() { return op_; }

 private:
  struct Slot {
    ir::Tensor tensor;
    TensorRef ref;
    std::vector<uint8_t> storage;
  };
  Slot& NewSlot(DType dtype, std::vector<int32_t> shape, ir::QuantParams q) {
    auto s = std::make_unique<Slot>();
    s->tensor.name = "t" + std::to_string(slots_.size());
    s->tensor.dtype = dtype;
    s->tensor.shape = shape;
    s->tensor.quant = std::move(q);
    s->ref.dtype = dtype;
    s->ref.shape = std::move(shape);
    s->ref.index = static_cast<int32_t>(slots_.size());
    slots_.push_back(std::move(s));
    return *slots_.back();
  }

  ir::Op op_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<int> inputs_, outputs_;
  std::unique_ptr<KernelContext> ctx_;
  Numerics numerics_ = DefaultNumerics();
  ThreadPool* pool_ = nullptr;
};

// Selects the default numerics of OpTesters created in a scope.
class NumericsScope {
 public:
  explicit NumericsScope(Numerics n) : saved_(OpTester::DefaultNumerics()) { OpTester::DefaultNumerics() = n; }
  ~NumericsScope() { OpTester::DefaultNumerics() = saved_; }

 private:
  Numerics saved_;
};

inline ir::QuantParams Quant(float scale, int64_t zero_point) {
  ir::QuantParams q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}
inline ir::QuantParams QuantPerAxis(std::vector<float> scales, int32_t dim) {
  ir::QuantParams q;
  q.zero_point.assign(scales.size(), 0);
  q.scale = std::move(scales);
  q.quantized_dimension = dim;
  return q;
}

}  // namespace liteopt::ops::testing
