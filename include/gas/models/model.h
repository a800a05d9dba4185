#pragma once
/// \file
/// The base of the zoo's models: a ScalableGNN that keeps its options.

#include <gas/macros.h>
#include <gas/scalable_gnn.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace gas {
namespace models {

/// A model of the zoo: its options, and whether its layer 0 takes sparse
/// input features (it does when it starts with a linear map of them).
template <typename Options>
class GAS_API Model : public ScalableGNNImpl {
 public:
  Model(int64_t num_nodes, std::vector<int64_t> history_widths, Options options, bool sparse_input)
      : ScalableGNNImpl(num_nodes, std::move(history_widths)), options(std::move(options)), sparse_input_(sparse_input) {}

  bool supports_sparse_input() const override { return sparse_input_; }

  Options options;

 private:
  bool sparse_input_;
};

}  // namespace models
}  // namespace gas
