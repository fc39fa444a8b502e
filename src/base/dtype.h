// Element types. Values are TFLite's TensorType enum so the reader and writer map them 1:1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace liteopt {

enum class DType : int8_t {
  kFloat32 = 0,
  kFloat16 = 1,
  kInt32 = 2,
  kUInt8 = 3,
  kInt64 = 4,
  kString = 5,
  kBool = 6,
  kInt16 = 7,
  kComplex64 = 8,
  kInt8 = 9,
  kFloat64 = 10,
  kComplex128 = 11,
  kUInt64 = 12,
  kResource = 13,
  kVariant = 14,
  kUInt32 = 15,
  kUInt16 = 16,
  kInt4 = 17,
  kBFloat16 = 18,
};

// Size in bytes of one element; 0 for types without a fixed element size (string, resource, variant, int4).
constexpr size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kFloat32: case DType::kInt32: case DType::kUInt32: return 4;
    case DType::kFloat16: case DType::kInt16: case DType::kUInt16: case DType::kBFloat16: return 2;
    case DType::kUInt8: case DType::kInt8: case DType::kBool: return 1;
    case DType::kInt64: case DType::kUInt64: case DType::kFloat64: case DType::kComplex64: return 8;
    case DType::kComplex128: return 16;
    default: return 0;
  }
}

constexpr std::string_view DTypeName(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kInt32: return "int32";
    case DType::kUInt8: return "uint8";
    case DType::kInt64: return "int64";
    case DType::kString: return "string";
    case DType::kBool: return "bool";
    case DType::kInt16: return "int16";
    case DType::kComplex64: return "complex64";
    case DType::kInt8: return "int8";
    case DType::kFloat64: return "float64";
    case DType::kComplex128: return "complex128";
    case DType::kUInt64: return "uint64";
    case DType::kResource: return "resource";
    case DType::kVariant: return "variant";
    case DType::kUInt32: return "uint32";
    case DType::kUInt16: return "uint16";
    case DType::kInt4: return "int4";
    case DType::kBFloat16: return "bfloat16";
  }
  return "unknown";
}

constexpr bool IsValidDType(int v) { return v >= 0 && v <= 18; }

}  // namespace liteopt
