#pragma once
/// \file
/// What differs between the LibTorch versions gas builds against (Debian's
/// 1.13 and the 2.x inside PyPI's torch wheel), in one place.

#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#include <optional>
#else
#include <c10/util/Optional.h>
#endif

namespace gas {

// LibTorch 1.13's optional arguments are gas::optional, a type of its own;
// from 2.2 gas::optional is std::optional, and 2.x deprecates the name.
#if TORCH_VERSION_MAJOR >= 2
template <typename T>
using optional = std::optional<T>;
inline constexpr std::nullopt_t nullopt = std::nullopt;
#else
template <typename T>
using optional = c10::optional<T>;
inline constexpr c10::nullopt_t nullopt = c10::nullopt;
#endif

}  // namespace gas
