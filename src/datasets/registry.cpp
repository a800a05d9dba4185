#include <gas/datasets/registry.h>

#include <gas/datasets/json_datasets.h>
#include <gas/datasets/numpy_datasets.h>
#include <gas/datasets/ogb.h>
#include <gas/datasets/planetoid.h>
#include <gas/datasets/synthetic.h>

#include "util/lookup.h"

#include <map>

namespace gas {
namespace {

using Parser = std::function<DatasetLoader(const ConfigNode& options)>;

// The entry of a dataset without options: `load(root, name)`.
Parser without_options(Dataset (*load)(const std::string&, const std::string&), const std::string& name) {
  return [load, name](const ConfigNode&) -> DatasetLoader {
    return [load, name](const std::string& root) { return load(root, name); };
  };
}

Parser without_options(Dataset (*load)(const std::string&)) {
  return [load](const ConfigNode&) -> DatasetLoader { return load; };
}

// data.mmap: whether a reader maps its features' .npy file.
std::string mmap_option(const ConfigNode& options) {
  return options.get_choice("mmap", "auto", {"auto", "true", "false"});
}

// GraphSAINT's feats.npy can be memory-mapped (data.mmap).
Parser graphsaint(const std::string& name) {
  return [name](const ConfigNode& options) -> DatasetLoader {
    const std::string mmap = mmap_option(options);
    return [name, mmap](const std::string& root) { return load_graphsaint(root, name, mmap); };
  };
}

// The one place that maps a dataset name to its reader.
const std::map<std::string, Parser>& registry() {
  static const std::map<std::string, Parser> parsers = {
      {"cora", without_options(load_planetoid, "cora")},
      {"citeseer", without_options(load_planetoid, "citeseer")},
      {"pubmed", without_options(load_planetoid, "pubmed")},
      {"amazon-computers", without_options(load_amazon, "computers")},
      {"amazon-photo", without_options(load_amazon, "photo")},
      {"coauthor-cs", without_options(load_coauthor, "cs")},
      {"coauthor-physics", without_options(load_coauthor, "physics")},
      {"gnn-benchmark-cora", without_options(load_gnn_benchmark, "cora")},
      {"gnn-benchmark-citeseer", without_options(load_gnn_benchmark, "citeseer")},
      {"wikics", without_options(load_wikics)},
      {"flickr", graphsaint("flickr")},
      {"yelp", graphsaint("yelp")},
      {"reddit", graphsaint("reddit")},
      {"ppi", without_options(load_ppi)},
      {"ogbn-arxiv", without_options(load_ogb, "ogbn-arxiv")},
      {"ogbn-products", without_options(load_ogb, "ogbn-products")},
      {"custom",
       [](const ConfigNode& options) -> DatasetLoader {
         const CustomOptions o = custom_options_from(options);
         return [o](const std::string& root) { return load_custom(root, o); };
       }},
      {"synthetic",
       [](const ConfigNode& options) -> DatasetLoader {
         const SyntheticOptions o = synthetic_options_from(options);
         return [o](const std::string&) { return make_synthetic(o); };
       }},
  };
  return parsers;
}

// "synthetic-<label>" names variants of the generator (synthetic-1m, ...),
// so configs can hold several sizes side by side.
std::string registry_name(const std::string& name) {
  return name.rfind("synthetic-", 0) == 0 && name.size() > 10 ? "synthetic" : name;
}

}  // namespace

DatasetLoader dataset_from_config(const std::string& name, const ConfigNode& options) {
  DatasetLoader load = util::lookup(registry(), registry_name(name), "dataset")(options);
  return [name, load](const std::string& root) {
    Dataset data = load(root);
    data.name = name;
    data.check();
    return data;
  };
}

Dataset load_dataset(const std::string& name, const std::string& root, const ConfigNode& options) {
  return dataset_from_config(name, options)(root);
}

std::vector<std::string> dataset_names() { return util::keys_of(registry()); }

bool has_dataset(const std::string& name) { return registry().count(registry_name(name)) > 0; }

SyntheticOptions synthetic_options_from(const ConfigNode& node) {
  SyntheticOptions o;
  o.kind(node.get_choice("kind", o.kind(), {"sbm", "rgg", "line"}));
  o.region_size(node.get_int_at_least("region_size", o.region_size(), 1));
  o.num_nodes(node.get_int_at_least("num_nodes", o.num_nodes(), 1));
  o.avg_degree(node.get_double("avg_degree", o.avg_degree()));
  o.num_features(node.get_int_at_least("num_features", o.num_features(), 1));
  o.num_classes(node.get_int_at_least("num_classes", o.num_classes(), 2));
  o.homophily(node.get_double("homophily", o.homophily()));
  o.feature_noise(node.get_double("feature_noise", o.feature_noise()));
  o.train_fraction(node.get_double("train_fraction", o.train_fraction()));
  o.val_fraction(node.get_double("val_fraction", o.val_fraction()));
  o.seed(static_cast<uint64_t>(node.get_int("seed", static_cast<int64_t>(o.seed()))));
  return o;
}

CustomOptions custom_options_from(const ConfigNode& node) {
  return CustomOptions()
      .symmetrize(node.get_bool("symmetrize", false))
      .mmap(mmap_option(node));
}

}  // namespace gas
