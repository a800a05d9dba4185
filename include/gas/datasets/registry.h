#pragma once
/// \file
/// Datasets by name: the registry the benchmarks and gas_data load from, and
/// the readers of each dataset's options from a configuration.

#include <gas/config.h>
#include <gas/datasets/dataset.h>
#include <gas/datasets/numpy_datasets.h>
#include <gas/datasets/synthetic.h>
#include <gas/macros.h>

#include <functional>
#include <string>
#include <vector>

namespace gas {

/// Reads a dataset's loader from a config mapping: validates its options now
/// (so a bad key fails at start-up) and returns the function that loads the
/// data from its raw files under a root directory (the layout PyG and PyGAS
/// use, e.g. root/Planetoid/Cora/raw/). Throws ConfigError for an unknown
/// name, listing the known ones. Loaders throw exceptions derived from
/// std::exception (c10::Error, std::runtime_error) whose message names the
/// file and the problem.
using DatasetLoader = std::function<Dataset(const std::string& root)>;
GAS_API DatasetLoader dataset_from_config(const std::string& name, const ConfigNode& options = ConfigNode());

/// dataset_from_config(name, options)(root).
GAS_API Dataset load_dataset(const std::string& name, const std::string& root, const ConfigNode& options = ConfigNode());

/// Every name load_dataset knows, sorted.
GAS_API std::vector<std::string> dataset_names();

/// True for a name load_dataset accepts: a registered one, or
/// "synthetic-<label>" (a named variant of the synthetic generator).
GAS_API bool has_dataset(const std::string& name);

/// SyntheticOptions from a config mapping (the dataset block's `data`; keys
/// named as the options).
GAS_API SyntheticOptions synthetic_options_from(const ConfigNode& node);
/// CustomOptions from a config mapping (the dataset block's `data`).
GAS_API CustomOptions custom_options_from(const ConfigNode& node);

}  // namespace gas
