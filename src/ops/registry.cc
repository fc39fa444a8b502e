#include "ops/kernel.h"

namespace liteopt::ops {

#define LITEOPT_KERNEL(name) extern const Kernel kKernel_##name;
#include "ops/kernels.def"
#undef LITEOPT_KERNEL

const Kernel* FindKernel(ir::OpType type) {
  switch (type) {
#define LITEOPT_KERNEL(name) \
  case ir::OpType::name:     \
    return &kKernel_##name;
#include "ops/kernels.def"
#undef LITEOPT_KERNEL
    default:
      return nullptr;
  }
}

}  // namespace liteopt::ops
