#include "data/npy.h"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "base/file_io.h"
#include "data/file_util.h"

namespace liteopt::data {
namespace {

static_assert(std::endian::native == std::endian::little, "the .npy code assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

struct DescrEntry {
  const char* descr;
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f2", DType::kFloat16}, {"<f8", DType::kFloat64}, {"|i1", DType::kInt8},
    {"|u1", DType::kUInt8},   {"<i2", DType::kInt16},   {"<u2", DType::kUInt16},  {"<i4", DType::kInt32},
    {"<u4", DType::kUInt32},  {"<i8", DType::kInt64},   {"<u8", DType::kUInt64},  {"|b1", DType::kBool},
};

// A recursive-descent reader for the one Python literal numpy writes:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// Keys may come in any order; strings use ' or "; trailing commas are allowed.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string name) : s_(text), name_(std::move(name)) {}

  Status Parse(std::string* descr, bool* fortran, std::vector<int64_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    LITEOPT_RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Peek() == '}') break;
      std::string key;
      LITEOPT_RETURN_IF_ERROR(ReadString(&key));
      LITEOPT_RETURN_IF_ERROR(Expect(':'));
      SkipSpace();
      if (key == "descr") {
        if (Peek() == '[') return Unsupported(name_ + ": structured .npy dtypes (descr is a list) are not supported");
        LITEOPT_RETURN_IF_ERROR(ReadString(descr));
        have_descr = true;
      } else if (key == "fortran_order") {
        LITEOPT_RETURN_IF_ERROR(ReadBool(fortran));
        have_fortran = true;
      } else if (key == "shape") {
        LITEOPT_RETURN_IF_ERROR(ReadShape(shape));
        have_shape = true;
      } else {
        return Error("unexpected key '" + key + "'");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      SkipSpace();
      if (Peek() != '}') return Error("expected ',' or '}'");
    }
    ++pos_;
    if (!have_descr || !have_fortran || !have_shape) {
      return Error("header lacks one of 'descr', 'fortran_order', 'shape'");
    }
    SkipSpace();
    if (pos_ != s_.size()) return Error("trailing characters after the header dictionary");
    return Status::Ok();
  }

 private:
  char Peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  Status Error(const std::string& what) const {
    return DataLoss(name_ + ": malformed .npy header at character " + std::to_string(pos_) + ": " + what);
  }
  Status Expect(char c) {
    SkipSpace();
    if (Peek() != c) return Error(std::string("expected '") + c + "'");
    ++pos_;
    return Status::Ok();
  }
  Status ReadString(std::string* out) {
    SkipSpace();
    const char q = Peek();
    if (q != '\'' && q != '"') return Error("expected a quoted string");
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) return Error("unterminated string");
    *out = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return Status::Ok();
  }
  Status ReadBool(bool* out) {
    if (s_.substr(pos_, 4) == "True") {
      *out = true;
      pos_ += 4;
    } else if (s_.substr(pos_, 5) == "False") {
      *out = false;
      pos_ += 5;
    } else {
      return Error("expected True or False");
    }
    return Status::Ok();
  }
  Status ReadShape(std::vector<int64_t>* shape) {
    shape->clear();
    LITEOPT_RETURN_IF_ERROR(Expect('('));
    while (true) {
      SkipSpace();
      if (Peek() == ')') break;
      if (Peek() < '0' || Peek() > '9') return Error("expected a non-negative dimension");
      int64_t v = 0;
      while (Peek() >= '0' && Peek() <= '9') {
        const int digit = Peek() - '0';
        if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) return Error("dimension overflows int64");
        v = v * 10 + digit;
        ++pos_;
      }
      // Python 2 era writers append 'L' to longs.
      if (Peek() == 'L') ++pos_;
      shape->push_back(v);
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        return Error("expected ',' or ')' in shape");
      }
    }
    ++pos_;
    return Status::Ok();
  }

  std::string_view s_;
  std::string name_;
  size_t pos_ = 0;
};

uint32_t LoadLE(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace

std::string NpyDescr(DType dtype) {
  for (const DescrEntry& e : kDescrs) {
    if (e.dtype == dtype) return e.descr;
  }
  return "";
}

Result<NpyArray> ParseNpy(const uint8_t* bytes, size_t size, const std::string& name) {
  if (size == 0) return DataLoss(name + ": zero-byte file, not a .npy array");
  if (size < kMagicLen + 2 || std::memcmp(bytes, kMagic, kMagicLen) != 0) {
    return DataLoss(name + ": not a .npy file (missing the \\x93NUMPY magic)");
  }
  const int major = bytes[6], minor = bytes[7];
  size_t len_bytes;
  if (major == 1) {
    len_bytes = 2;
  } else if (major == 2 || major == 3) {
    len_bytes = 4;
  } else {
    return Unsupported(name + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                       " is not supported (1.0, 2.0, 3.0)");
  }
  const size_t prefix = kMagicLen + 2 + len_bytes;
  if (size < prefix) return DataLoss(name + ": truncated .npy: file ends inside the header length");
  const size_t header_len = LoadLE(bytes + kMagicLen + 2, static_cast<int>(len_bytes));
  if (header_len > size - prefix) {
    return DataLoss(name + ": truncated .npy: header of " + std::to_string(header_len) + " bytes, file has " +
                    std::to_string(size - prefix) + " after the preamble");
  }
  const std::string_view header(reinterpret_cast<const char*>(bytes + prefix), header_len);

  NpyArray arr;
  std::string descr;
  bool fortran = false;
  LITEOPT_RETURN_IF_ERROR(HeaderParser(header, name).Parse(&descr, &fortran, &arr.shape));
  if (fortran) {
    return Unsupported(name + ": .npy array is stored in Fortran order (fortran_order: True); only C order is "
                       "supported: save with np.ascontiguousarray");
  }
  bool known = false;
  for (const DescrEntry& e : kDescrs) {
    if (descr == e.descr) {
      arr.dtype = e.dtype;
      known = true;
    }
  }
  if (!known) {
    const bool big_endian = !descr.empty() && descr[0] == '>';
    return Unsupported(name + ": .npy dtype '" + descr + "' is not supported" +
                       (big_endian ? " (big-endian)" : "") +
                       "; supported: <f4 <f2 <f8 |i1 |u1 <i2 <u2 <i4 <u4 <i8 <u8 |b1");
  }
  // Overflow-safe element and byte counts: the payload must fit in the remaining bytes of the file.
  const size_t available = size - prefix - header_len;
  const uint64_t item = DTypeSize(arr.dtype);
  uint64_t count = 1;
  bool overflow = false;
  for (int64_t d : arr.shape) {
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / item / static_cast<uint64_t>(d)) overflow = true;
    count *= static_cast<uint64_t>(d);
  }
  if (overflow) return DataLoss(name + ": .npy shape " + ShapeString(arr.shape) + " overflows 64-bit size");
  const uint64_t expected = count * item;
  if (expected != available) {
    return DataLoss(name + ": .npy data size mismatch: shape " + ShapeString(arr.shape) + " of " + descr +
                    " needs " + std::to_string(expected) + " bytes, file has " + std::to_string(available) +
                    (expected > available ? " (truncated)" : " (trailing bytes)"));
  }
  arr.data.assign(bytes + prefix + header_len, bytes + size);
  return arr;
}

Result<NpyArray> ReadNpy(const std::string& path) {
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, internal::ReadFileBytes(path));
  return ParseNpy(bytes.data(), bytes.size(), path);
}

Status WriteNpy(const std::string& path, DType dtype, const std::vector<int64_t>& shape, const void* data,
                size_t size) {
  const std::string descr = NpyDescr(dtype);
  if (descr.empty()) {
    return Unsupported(path + ": dtype " + std::string(DTypeName(dtype)) + " has no .npy mapping");
  }
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidArgument(path + ": negative dimension in shape " + ShapeString(shape));
    if (d != 0 && count > std::numeric_limits<uint64_t>::max() / 16 / static_cast<uint64_t>(d)) {
      return InvalidArgument(path + ": shape " + ShapeString(shape) + " overflows");
    }
    count *= static_cast<uint64_t>(d);
  }
  if (count * DTypeSize(dtype) != size) {
    return InvalidArgument(path + ": " + std::to_string(size) + " data bytes do not match shape " +
                           ShapeString(shape) + " of " + std::string(DTypeName(dtype)) + " (" +
                           std::to_string(count * DTypeSize(dtype)) + " bytes)");
  }
  // numpy pads the header with spaces so that the data starts on a 64-byte boundary, ending with '\n'.
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + ShapeString(shape) + ", }";
  const size_t unpadded = kMagicLen + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  if (header.size() > 0xFFFF) return InvalidArgument(path + ": shape too long for a v1.0 .npy header");
  std::string preamble(kMagic, kMagicLen);
  preamble += '\x01';
  preamble += '\x00';
  preamble += static_cast<char>(header.size() & 0xFF);
  preamble += static_cast<char>(header.size() >> 8);

  return WriteFileAtomic(path, {ByteSpan{preamble.data(), preamble.size()}, ByteSpan{header.data(), header.size()},
                               ByteSpan{data, size}});
}

}  // namespace liteopt::data
