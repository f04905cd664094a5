// SPDX-License-Identifier: Apache-2.0
// decade::Expected and decade::Unexpected for C++20 hosts, whose standard
// library has no std::expected. error.hpp includes this header only then;
// under C++23 the two names are aliases of std::expected / std::unexpected.
//
// Contract: the subset of std::expected that Decade's public headers and
// hosts use (construction from a value or an Unexpected, has_value,
// operator bool, *, ->, value_or, error), with the same meaning. The layout
// is libstdc++'s std::expected (a union of the value and the error, then the
// has-value flag), so a C++20 host and a library built as C++23 with the same
// compiler family exchange Result<T> values; tests/install checks this by
// running a C++20 host against libdecade.so. There is no value(): it would
// throw, and nothing in the public API throws.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace decade {

template <typename E>
class Unexpected {
 public:
  constexpr explicit Unexpected(const E& e) : error_(e) {}
  constexpr explicit Unexpected(E&& e) : error_(std::move(e)) {}
  constexpr const E& error() const& noexcept { return error_; }
  constexpr E& error() & noexcept { return error_; }
  constexpr E&& error() && noexcept { return std::move(error_); }

 private:
  E error_;
};

template <typename E>
Unexpected(E) -> Unexpected<E>;

template <typename T, typename E>
class Expected {
 public:
  using value_type = T;
  using error_type = E;

  Expected() requires std::is_default_constructible_v<T> : val_(), has_(true) {}
  Expected(const T& v) : val_(v), has_(true) {}  // NOLINT: implicit, as std::expected
  Expected(T&& v) : val_(std::move(v)), has_(true) {}  // NOLINT
  template <typename G>
  Expected(const Unexpected<G>& u) : unex_(u.error()), has_(false) {}  // NOLINT
  template <typename G>
  Expected(Unexpected<G>&& u) : unex_(std::move(u).error()), has_(false) {}  // NOLINT
  Expected(const Expected& o) : has_(o.has_) {
    if (has_) std::construct_at(&val_, o.val_);
    else std::construct_at(&unex_, o.unex_);
  }
  Expected(Expected&& o) noexcept : has_(o.has_) {
    if (has_) std::construct_at(&val_, std::move(o.val_));
    else std::construct_at(&unex_, std::move(o.unex_));
  }
  Expected& operator=(Expected o) noexcept {
    destroy();
    has_ = o.has_;
    if (has_) std::construct_at(&val_, std::move(o.val_));
    else std::construct_at(&unex_, std::move(o.unex_));
    return *this;
  }
  ~Expected() { destroy(); }

  bool has_value() const noexcept { return has_; }
  explicit operator bool() const noexcept { return has_; }
  T& operator*() & noexcept { return val_; }
  const T& operator*() const& noexcept { return val_; }
  T&& operator*() && noexcept { return std::move(val_); }
  T* operator->() noexcept { return std::addressof(val_); }
  const T* operator->() const noexcept { return std::addressof(val_); }
  template <typename U>
  T value_or(U&& other) const& { return has_ ? val_ : static_cast<T>(std::forward<U>(other)); }
  E& error() & noexcept { return unex_; }
  const E& error() const& noexcept { return unex_; }
  E&& error() && noexcept { return std::move(unex_); }

 private:
  void destroy() noexcept {
    if (has_) std::destroy_at(&val_);
    else std::destroy_at(&unex_);
  }
  union {
    T val_;
    E unex_;
  };
  bool has_;
};

template <typename E>
class Expected<void, E> {
 public:
  using value_type = void;
  using error_type = E;

  Expected() noexcept : void_(), has_(true) {}
  template <typename G>
  Expected(const Unexpected<G>& u) : unex_(u.error()), has_(false) {}  // NOLINT
  template <typename G>
  Expected(Unexpected<G>&& u) : unex_(std::move(u).error()), has_(false) {}  // NOLINT
  Expected(const Expected& o) : void_(), has_(o.has_) {
    if (!has_) std::construct_at(&unex_, o.unex_);
  }
  Expected(Expected&& o) noexcept : void_(), has_(o.has_) {
    if (!has_) std::construct_at(&unex_, std::move(o.unex_));
  }
  Expected& operator=(Expected o) noexcept {
    destroy();
    has_ = o.has_;
    if (!has_) std::construct_at(&unex_, std::move(o.unex_));
    return *this;
  }
  ~Expected() { destroy(); }

  bool has_value() const noexcept { return has_; }
  explicit operator bool() const noexcept { return has_; }
  void operator*() const noexcept {}
  E& error() & noexcept { return unex_; }
  const E& error() const& noexcept { return unex_; }
  E&& error() && noexcept { return std::move(unex_); }

 private:
  void destroy() noexcept {
    if (!has_) std::destroy_at(&unex_);
  }
  struct Empty {};
  union {
    Empty void_;
    E unex_;
  };
  bool has_;
};

}  // namespace decade
