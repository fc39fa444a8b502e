#include "ir/graph.h"

#include <limits>

namespace liteopt::ir {

namespace {
struct OpNameEntry {
  const char* name;
  int32_t code;
};
constexpr OpNameEntry kOpNames[] = {
#define LITEOPT_OP(name, code) {#name, code},
#include "ir/ops.def"
#undef LITEOPT_OP
};
}  // namespace

std::string OpTypeName(OpType t) {
  const auto code = static_cast<int32_t>(t);
  for (const auto& e : kOpNames)
    if (e.code == code) return e.name;
  return "BUILTIN_" + std::to_string(code);
}

std::optional<OpType> OpTypeFromName(std::string_view name) {
  for (const auto& e : kOpNames)
    if (name == e.name) return static_cast<OpType>(e.code);
  return std::nullopt;
}

std::string_view ActivationName(Activation a) {
  switch (a) {
    case Activation::kNone: return "NONE";
    case Activation::kRelu: return "RELU";
    case Activation::kReluN1To1: return "RELU_N1_TO_1";
    case Activation::kRelu6: return "RELU6";
    case Activation::kTanh: return "TANH";
    case Activation::kSignBit: return "SIGN_BIT";
  }
  return "UNKNOWN";
}

Buffer Buffer::Owned(std::vector<uint8_t> bytes) {
  auto holder = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  Buffer b;
  b.data = holder->data();
  b.size = holder->size();
  b.owner = holder;
  return b;
}

const Buffer& Graph::data(const Tensor& t) const {
  static const Buffer kEmpty;
  if (t.buffer <= 0 || static_cast<size_t>(t.buffer) >= buffers.size()) return kEmpty;
  return buffers[t.buffer];
}

int64_t NumElements(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0) return -1;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d) return -1;
    n *= d;
  }
  return n;
}

}  // namespace liteopt::ir
