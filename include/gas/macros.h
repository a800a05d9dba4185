#pragma once
/// \file
/// The two macros of gas's public headers.
///
/// GAS_API marks what the shared libraries export: they are built with
/// hidden visibility (as pyg-lib's PYG_API), so only the marked classes and
/// functions are part of the ABI, and internals cannot clash with a user's
/// symbols.
///
/// GAS_ARG is TORCH_ARG for options that share their common fields through a
/// base template (models/options.h): its setters return the derived options,
/// so `GCNOptions(...).dropout(0.5).linear(true)` keeps its type along the
/// chain, where TORCH_ARG's would return the base.

#define GAS_API __attribute__((visibility("default")))

#define GAS_ARG(T, name)                                  \
 public:                                                  \
  Derived& name(const T& new_##name) {                    \
    this->name##_ = new_##name;                           \
    return static_cast<Derived&>(*this);                  \
  }                                                       \
  const T& name() const noexcept { return this->name##_; } \
  T& name() noexcept { return this->name##_; }            \
                                                          \
 private:                                                 \
  T name##_
