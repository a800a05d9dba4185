#include <gas/datasets/ogb.h>

#include "datasets/csv.h"
#include "csr_builder.h"
#include "datasets/loader_utils.h"
#include "util/system.h"

#include <ATen/ATen.h>

#include <map>

namespace gas {

Dataset load_ogb(const std::string& root, const std::string& name) {
  static const std::map<std::string, std::string> split_dirs = {{"ogbn-arxiv", "time"},
                                                                {"ogbn-products", "sales_ranking"}};
  const auto it = split_dirs.find(name);
  TORCH_CHECK(it != split_dirs.end(), "unknown OGB dataset '", name, "' (valid: ogbn-arxiv, ogbn-products)");
  const std::string dir = root + "/OGB/" + "ogbn_" + name.substr(5);
  const std::string split_dir = dir + "/split/" + it->second;
  const std::string layout = "OGB's raw/{edge,node-feat,node-label}.csv.gz and split/" + it->second +
                             "/{train,valid,test}.csv.gz (or plain .csv) under " + dir;
  // OGB's own files are gzipped; a plain .csv stands in when the .gz is absent.
  auto locate = [&](const std::string& stem) {
    return util::is_file(stem + ".csv") && !util::is_file(stem + ".csv.gz")
               ? stem + ".csv"
               : loader::require_file(stem + ".csv.gz", name, layout);
  };
  const std::string label_file = locate(dir + "/raw/node-label");
  const std::string edge_file = locate(dir + "/raw/edge");
  const std::string feat_file = locate(dir + "/raw/node-feat");
  const std::string split_files[] = {locate(split_dir + "/train"), locate(split_dir + "/valid"),
                                     locate(split_dir + "/test")};

  Dataset data;
  data.name = name;
  csv::Table<int64_t> labels = csv::read_ints(label_file, {/*cols=*/1});
  const int64_t n = labels.rows;
  data.y = loader::adopt(std::move(labels.data), {n});
  data.num_classes = loader::count_classes(data.y, label_file);
  {
    // The edge list lives only until the adjacency is built, before the
    // features are read, so the two never coexist.
    const csv::Table<int64_t> edges = csv::read_ints(edge_file, {/*cols=*/2});
    const int64_t* e = edges.data.data();
    data.adj = detail::build_csr(n, n, {/*add_reverse=*/true}, edge_file, [&](auto&& emit) {
      for (int64_t k = 0; k < edges.rows; ++k) emit(e[2 * k + 1], e[2 * k], 1.0f);
    });
  }
  csv::Table<float> feats = csv::read_floats(feat_file, {/*cols=*/0, /*rows=*/n, "one per node of " + label_file});
  data.x = loader::adopt(std::move(feats.data), {n, feats.cols});
  at::Tensor* masks[] = {&data.train_mask, &data.val_mask, &data.test_mask};
  for (int s = 0; s < 3; ++s)
    *masks[s] = loader::index_mask(csv::read_ints(split_files[s], {/*cols=*/1}).data, n, split_files[s]);
  return data;
}

}  // namespace gas
