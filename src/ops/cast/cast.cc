// CAST between numeric dtypes (TFLite's cast.cc): a C++ value conversion per element; quantization
// parameters are ignored, as in TFLite.
//  - to bool: value != 0; from bool: 0 or 1.
//  - float -> integer truncates toward zero. TFLite leaves out-of-range values undefined (static_cast);
//    liteopt defines them: NaN -> 0, values beyond int64 saturate, then the int64 wraps to the target width.
//  - float16 goes through float32.
#include <cmath>
#include <limits>
#include <type_traits>

#include "base/fp16.h"
#include "ops/common/shape_util.h"
#include "ops/kernel.h"

namespace liteopt::ops {
namespace {

struct Half {
  uint16_t bits;
};

bool IsCastable(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kFloat64: case DType::kFloat16: case DType::kInt8: case DType::kUInt8:
    case DType::kInt16: case DType::kUInt16: case DType::kInt32: case DType::kUInt32: case DType::kInt64:
    case DType::kUInt64: case DType::kBool:
      return true;
    default:
      return false;
  }
}

template <typename To, typename From>
To Convert(From v) {
  if constexpr (std::is_same_v<From, Half>) {
    return Convert<To>(HalfToFloat(v.bits));
  } else if constexpr (std::is_same_v<To, Half>) {
    return Half{FloatToHalf(Convert<float>(v))};
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(v)) return To{0};
    if constexpr (std::is_same_v<To, uint64_t>) {
      if (v >= 18446744073709551615.0) return std::numeric_limits<uint64_t>::max();
      if (v <= -9223372036854775808.0) return static_cast<uint64_t>(std::numeric_limits<int64_t>::min());
      if (v >= 0) return static_cast<uint64_t>(v);
      return static_cast<uint64_t>(static_cast<int64_t>(v));
    } else {
      int64_t i;
      if (v >= 9223372036854775807.0) {
        i = std::numeric_limits<int64_t>::max();
      } else if (v <= -9223372036854775808.0) {
        i = std::numeric_limits<int64_t>::min();
      } else {
        i = static_cast<int64_t>(v);
      }
      return static_cast<To>(i);
    }
  } else {
    return static_cast<To>(v);
  }
}

template <typename To, typename From>
void CastLoop(const uint8_t* in, uint8_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, in + i * static_cast<int64_t>(sizeof(From)), sizeof(From));
    const To r = Convert<To, From>(v);
    std::memcpy(out + i * static_cast<int64_t>(sizeof(To)), &r, sizeof(To));
  }
}

using CastFn = void (*)(const uint8_t*, uint8_t*, int64_t);

template <typename From>
CastFn PickTo(DType to) {
  switch (to) {
    case DType::kFloat32: return &CastLoop<float, From>;
    case DType::kFloat64: return &CastLoop<double, From>;
    case DType::kFloat16: return &CastLoop<Half, From>;
    case DType::kInt8: return &CastLoop<int8_t, From>;
    case DType::kUInt8: return &CastLoop<uint8_t, From>;
    case DType::kInt16: return &CastLoop<int16_t, From>;
    case DType::kUInt16: return &CastLoop<uint16_t, From>;
    case DType::kInt32: return &CastLoop<int32_t, From>;
    case DType::kUInt32: return &CastLoop<uint32_t, From>;
    case DType::kInt64: return &CastLoop<int64_t, From>;
    case DType::kUInt64: return &CastLoop<uint64_t, From>;
    case DType::kBool: return &CastLoop<bool, From>;
    default: return nullptr;
  }
}

CastFn PickCast(DType from, DType to) {
  switch (from) {
    case DType::kFloat32: return PickTo<float>(to);
    case DType::kFloat64: return PickTo<double>(to);
    case DType::kFloat16: return PickTo<Half>(to);
    case DType::kInt8: return PickTo<int8_t>(to);
    case DType::kUInt8: return PickTo<uint8_t>(to);
    case DType::kInt16: return PickTo<int16_t>(to);
    case DType::kUInt16: return PickTo<uint16_t>(to);
    case DType::kInt32: return PickTo<int32_t>(to);
    case DType::kUInt32: return PickTo<uint32_t>(to);
    case DType::kInt64: return PickTo<int64_t>(to);
    case DType::kUInt64: return PickTo<uint64_t>(to);
    case DType::kBool: return PickTo<bool>(to);
    default: return nullptr;
  }
}

struct CastState : OpState {
  CastFn fn = nullptr;
  int64_t count = 0;
};

Status Prepare(KernelContext& ctx) {
  LITEOPT_RETURN_IF_ERROR(CheckInputCount(ctx, 1, 1));
  LITEOPT_RETURN_IF_ERROR(CheckOutputCount(ctx, 1));
  const TensorRef& input = *ctx.input(0);
  const TensorRef& output = *ctx.output(0);
  LITEOPT_RETURN_IF_ERROR(CheckShape(ctx, input, InputLabel(ctx, 0)));
  if (!IsCastable(input.dtype) || !IsCastable(output.dtype))
    return ctx.Error("cast from " + std::string(DTypeName(input.dtype)) + " (" + InputLabel(ctx, 0) + ") to " +
                     std::string(DTypeName(output.dtype)) + " (" + OutputLabel(ctx, 0) + ") is not supported");
  LITEOPT_RETURN_IF_ERROR(SetOutputShape(ctx, 0, std::vector<int64_t>(input.shape.begin(), input.shape.end())));
  auto state = std::make_unique<CastState>();
  state->fn = PickCast(input.dtype, output.dtype);
  state->count = input.num_elements();
  ctx.state = std::move(state);
  return Status::Ok();
}

void Eval(KernelContext& ctx) {
  const CastState& s = *ctx.state_as<CastState>();
  s.fn(ctx.input(0)->data, ctx.output(0)->data, s.count);
}

}  // namespace

extern const Kernel kKernel_CAST;
const Kernel kKernel_CAST = {&Prepare, &Eval};

}  // namespace liteopt::ops
