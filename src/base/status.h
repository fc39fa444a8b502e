// Status and Result<T>: the error type of every fallible liteopt function.
// Shaped like std::expected; no exceptions are thrown on purpose.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace liteopt {

enum class StatusCode { kOk = 0, kInvalidArgument, kNotFound, kUnsupported, kDataLoss, kInternal, kIo };

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes context ("while reading foo.tflite: ...") and returns *this for chaining.
  Status& Prepend(const std::string& context) {
    if (!ok()) message_ = context + ": " + message_;
    return *this;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return Status(StatusCode::kInvalidArgument, std::move(m)); }
inline Status NotFound(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status Unsupported(std::string m) { return Status(StatusCode::kUnsupported, std::move(m)); }
inline Status DataLoss(std::string m) { return Status(StatusCode::kDataLoss, std::move(m)); }
inline Status Internal(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }
inline Status IoError(std::string m) { return Status(StatusCode::kIo, std::move(m)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace liteopt

#define LITEOPT_CONCAT_INNER(a, b) a##b
#define LITEOPT_CONCAT(a, b) LITEOPT_CONCAT_INNER(a, b)

// Returns the status from the enclosing function if `expr` is not ok.
#define LITEOPT_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::liteopt::Status _st = (expr);                   \
    if (!_st.ok()) return _st;                        \
  } while (0)

#define LITEOPT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

// LITEOPT_ASSIGN_OR_RETURN(auto x, ComputeX());
#define LITEOPT_ASSIGN_OR_RETURN(lhs, rexpr) \
  LITEOPT_ASSIGN_OR_RETURN_IMPL(LITEOPT_CONCAT(_res_, __LINE__), lhs, rexpr)
