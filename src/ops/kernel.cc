#include "ops/kernel.h"

namespace liteopt::ops {

Status KernelContext::Error(const std::string& message) const {
  return InvalidArgument("op " + std::to_string(op_index) + " (" + ir::OpTypeName(op->type) + "): " + message);
}

Status CheckInputCount(const KernelContext& ctx, int min, int max) {
  const int n = static_cast<int>(ctx.inputs.size());
  if (n < min || n > max) {
    return ctx.Error("expected " + (min == max ? std::to_string(min) : std::to_string(min) + ".." + std::to_string(max)) +
                     " inputs, found " + std::to_string(n));
  }
  for (int i = 0; i < min; ++i)
    if (ctx.inputs[i] == nullptr) return ctx.Error("required input " + std::to_string(i) + " is missing");
  return Status::Ok();
}

Status CheckOutputCount(const KernelContext& ctx, int n) {
  if (static_cast<int>(ctx.outputs.size()) != n)
    return ctx.Error("expected " + std::to_string(n) + " outputs, found " + std::to_string(ctx.outputs.size()));
  for (auto* o : ctx.outputs)
    if (o == nullptr) return ctx.Error("an output is missing");
  return Status::Ok();
}

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::string TensorLabel(const TensorRef& t) {
  return "tensor " + std::to_string(t.index) + " '" + (t.ir ? t.ir->name : std::string()) + "'";
}

}  // namespace liteopt::ops
