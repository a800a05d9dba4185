#pragma once
/// \file
/// The options every model of the zoo shares, written once.

#include <gas/macros.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gas {
namespace models {
namespace detail {
/// TORCH_CHECKs naming the model, the field and the value.
GAS_API void check_positive(const std::string& model, const char* field, int64_t value);
GAS_API void check_dropout(const std::string& model, double value);
}  // namespace detail

/// Sizes and dropout, which every model takes. `Derived` is the model's own
/// options struct, which adds its fields with TORCH_ARG.
template <typename Derived>
struct ModelOptions {
  ModelOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers) {}
  GAS_ARG(int64_t, in_channels);
  GAS_ARG(int64_t, hidden_channels);
  GAS_ARG(int64_t, out_channels);
  /// Layers with weights; num_layers - 1 of them are followed by a history.
  GAS_ARG(int64_t, num_layers);
  GAS_ARG(double, dropout) = 0.0;

 public:
  /// Checks the shared fields for `model` (named in the message) and returns
  /// the widths of its num_layers - 1 histories, `width` each.
  std::vector<int64_t> history_widths(const std::string& model, int64_t width) const {
    detail::check_positive(model, "in_channels", in_channels_);
    detail::check_positive(model, "hidden_channels", hidden_channels_);
    detail::check_positive(model, "out_channels", out_channels_);
    detail::check_positive(model, "num_layers", num_layers_);
    detail::check_positive(model, "history width", width);
    detail::check_dropout(model, dropout_);
    return std::vector<int64_t>(num_layers_ - 1, width);
  }
  /// History widths of hidden_channels each, the usual case.
  std::vector<int64_t> history_widths(const std::string& model) const {
    return history_widths(model, hidden_channels_);
  }
};

/// ModelOptions plus the switches of a stack of convolutions (GCN, GCNII,
/// SAGE, PNA).
template <typename Derived>
struct StackOptions : ModelOptions<Derived> {
  using ModelOptions<Derived>::ModelOptions;
  /// Apply dropout to the input features too.
  GAS_ARG(bool, drop_input) = true;
  /// Batch normalisation after each hidden convolution.
  GAS_ARG(bool, batch_norm) = false;
  /// Add the layer input to its output where the widths agree.
  GAS_ARG(bool, residual) = false;
};

}  // namespace models
}  // namespace gas
