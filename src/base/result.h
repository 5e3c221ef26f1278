// Result<T>: the return type of every operation that can fail in an expected way.
// Contract: a Result holds either a value or an Error with a closed ErrorKind; protocols map
// the kind to a precise reply (SMTP enhanced code, IMAP response code, POP3 [RESP-CODE]).
// No exceptions on the data path (DESIGN.md §5).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace postroom {

enum class ErrorKind {
  temporary,  // try again later (disk full, lock busy, I/O error)
  permanent,  // will never succeed as asked
  not_found,
  exists,
  over_quota,
  limit,  // a configured or protocol limit was exceeded
  bad_syntax,
  denied,  // authentication or authorisation failure
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind;
  std::string detail;  // for logs; protocols choose their own user-facing text
};

inline Error make_error(ErrorKind kind, std::string detail) {
  return Error{kind, std::move(detail)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    POSTROOM_ASSERT_OK();
    return std::get<0>(state_);
  }
  const T& value() const& {
    POSTROOM_ASSERT_OK();
    return std::get<0>(state_);
  }
  T&& value() && {
    POSTROOM_ASSERT_OK();
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }

 private:
  void POSTROOM_ASSERT_OK() const;
  std::variant<T, Error> state_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() {
  return Ok{};
}

}  // namespace postroom

#include "base/check.h"

namespace postroom {
template <typename T>
void Result<T>::POSTROOM_ASSERT_OK() const {
  POSTROOM_CHECK(state_.index() == 0, "Result::value() on an error");
}
}  // namespace postroom
