#pragma once
/// \file
/// Model construction by name from a configuration's `architecture` block.

#include <gas/config.h>
#include <gas/macros.h>
#include <gas/scalable_gnn.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gas {
namespace models {

/// What a model needs to know about the data it is built for.
struct GAS_API ModelSpec {
  int64_t num_nodes = 0;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  at::Tensor degree;  ///< per-node degree of the full (preprocessed) graph, for PNA's scalers
};

using ModelBuilder = std::function<std::shared_ptr<ScalableGNNImpl>(const ModelSpec&)>;

/// Reads and validates the architecture options of model `name` now (so a
/// bad key fails at start-up, before any data is loaded) and returns the
/// function that builds the model once the data's sizes are known.
/// Throws ConfigError for an unknown model, listing the known ones.
GAS_API ModelBuilder model_from_config(const std::string& name, const ConfigNode& architecture);

/// Every model name model_from_config knows, sorted.
GAS_API std::vector<std::string> model_names();

}  // namespace models
}  // namespace gas
