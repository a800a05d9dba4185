#include <gas/datasets/json_datasets.h>

#include "datasets/json_graph.h"
#include "csr_builder.h"
#include "datasets/loader_utils.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>
#include <numeric>

namespace gas {
namespace {

// [S, N] bytes as stored -> bool [N, S].
at::Tensor split_columns(std::vector<uint8_t>&& masks, int64_t splits, int64_t n) {
  return loader::adopt(std::move(masks), {splits, n}).to(at::kBool).t().contiguous();
}

struct SaintFiles {
  std::string dir, title;
  bool standardize;  // PyGAS standardises Yelp's and Reddit's features, not Flickr's
};

at::Tensor class_map_targets(json_graph::ClassMap&& map, int64_t n, const std::string& file, int64_t& num_classes) {
  const int64_t width = map.width;
  std::vector<uint8_t> seen(n, 0);
  at::Tensor y = map.multilabel ? at::zeros({n, width}, at::kFloat) : at::empty({n}, at::kLong);
  for (size_t k = 0; k < map.nodes.size(); ++k) {
    const int64_t node = map.nodes[k];
    TORCH_CHECK(node < n, file, ": node id ", node, " outside [0, ", n, ") (rows of feats.npy)");
    seen[node] = 1;
    if (map.multilabel) {
      float* row = y.data_ptr<float>() + node * width;
      for (int64_t c = 0; c < width; ++c) row[c] = static_cast<float>(map.labels[k * width + c]);
    } else {
      y.data_ptr<int64_t>()[node] = map.labels[k];
    }
  }
  const auto missing = std::find(seen.begin(), seen.end(), 0);
  TORCH_CHECK(missing == seen.end(), file, ": no label for node ", missing - seen.begin(), " (of ", n, ")");
  num_classes = map.multilabel ? width : loader::count_classes(y, file);
  return y;
}

// One PPI split: its files' contents and where its nodes go in the union.
struct PpiSplit {
  std::string graph_file;
  json_graph::NodeLink graph;
  std::vector<int64_t> graph_id;  // of every node
  std::vector<int64_t> position;  // of every node in the union
};

}  // namespace

Dataset load_wikics(const std::string& root) {
  const std::string path = loader::require_file(root + "/WIKICS/raw/data.json", "WikiCS",
                                                "PyG's WikiCS raw file data.json in " + root + "/WIKICS/raw");
  json_graph::WikiCs w = json_graph::read_wikics(path);
  const int64_t n = w.num_nodes, splits = w.num_splits;
  Dataset data;
  data.name = "WikiCS";
  data.x = loader::adopt(std::move(w.features), {n, w.num_features});
  data.y = loader::adopt(std::move(w.labels), {n});
  data.num_classes = loader::count_classes(data.y, path);
  data.adj = detail::build_csr(n, n, {/*add_reverse=*/true}, path, [&](auto&& emit) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t e = w.link_ptr[i]; e < w.link_ptr[i + 1]; ++e) emit(i, w.links[e], 1.0f);
  });
  data.train_mask = split_columns(std::move(w.train_masks), splits, n);
  data.val_mask = split_columns(std::move(w.stopping_masks), splits, n);
  data.test_mask = loader::adopt(std::move(w.test_mask), {n}).to(at::kBool);
  return data;
}

Dataset load_graphsaint(const std::string& root, const std::string& name, const std::string& mmap) {
  static const std::map<std::string, SaintFiles> known = {{"flickr", {"Flickr", "Flickr", false}},
                                                          {"yelp", {"YELP", "Yelp", true}},
                                                          {"reddit", {"Reddit2", "Reddit", true}}};
  const auto it = known.find(name);
  TORCH_CHECK(it != known.end(), "unknown GraphSAINT dataset '", name, "' (valid: flickr, yelp, reddit)");
  const SaintFiles& f = it->second;
  const std::string dir = root + "/" + f.dir + "/raw";
  const std::string layout = "GraphSAINT's adj_full.npz, feats.npy, class_map.json and role.json in " + dir;
  const std::string adj_file = loader::require_file(dir + "/adj_full.npz", f.title, layout);
  const std::string feats_file = loader::require_file(dir + "/feats.npy", f.title, layout);
  const std::string class_file = loader::require_file(dir + "/class_map.json", f.title, layout);
  const std::string role_file = loader::require_file(dir + "/role.json", f.title, layout);

  Dataset data;
  data.name = f.title;
  int64_t n = 0;
  {
    const npy::Npz npz = npy::Npz::open(adj_file);
    const at::Tensor shape =
        loader::index_array(loader::read_member(npz, "shape"), 1, loader::member_name(npz, "shape"), "the shape");
    TORCH_CHECK(
        shape.numel() == 2 && shape[0].item<int64_t>() == shape[1].item<int64_t>() && shape[0].item<int64_t>() >= 0,
        loader::member_name(npz, "shape"), ": expected a square [N, N] shape");
    n = shape[0].item<int64_t>();
    const at::Tensor indptr =
        loader::index_array(loader::read_member(npz, "indptr"), 1, loader::member_name(npz, "indptr"), "CSR indptr");
    const at::Tensor indices =
        loader::index_array(loader::read_member(npz, "indices"), 1, loader::member_name(npz, "indices"), "CSR indices");
    loader::check_csr(indptr, indices, n, n, adj_file);
    const int64_t* p = indptr.data_ptr<int64_t>();
    const int64_t* c = indices.data_ptr<int64_t>();
    // Stored row i, column j is PyG's edge (i -> j), so adj_t row j, column i.
    data.adj = detail::build_csr(n, n, {}, adj_file, [&](auto&& emit) {
      for (int64_t r = 0; r < n; ++r)
        for (int64_t e = p[r]; e < p[r + 1]; ++e) emit(c[e], r, 1.0f);
    });
  }
  // Standardised features are rewritten in memory: they cannot be mapped.
  TORCH_CHECK(!(f.standardize && mmap == "true"), f.title, "'s features are standardised in memory; data.mmap=true ",
              "maps features used as stored (Flickr's)");
  data.x = loader::npy_features(feats_file, f.standardize ? "false" : mmap);
  TORCH_CHECK(data.x.size(0) == n, feats_file, ": ", data.x.size(0), " rows for the ", n, " nodes of adj_full.npz");
  if (f.standardize) loader::standardize_columns(data.x);
  data.y = class_map_targets(json_graph::read_class_map(class_file), n, class_file, data.num_classes);

  auto roles = json_graph::read_int_lists(role_file);
  for (auto [key, mask] :
       {std::pair<const char*, at::Tensor*>{"tr", &data.train_mask}, {"va", &data.val_mask}, {"te", &data.test_mask}}) {
    TORCH_CHECK(roles.count(key), role_file, ": missing key '", key, "' (expected tr, va and te node lists)");
    *mask = loader::index_mask(roles[key], n, role_file + " (" + key + ")");
  }
  return data;
}

Dataset load_ppi(const std::string& root) {
  const std::string dir = root + "/PPI/raw";
  const std::string layout =
      "PyG's PPI raw files {train,valid,test}_{graph.json,feats.npy,labels.npy,graph_id.npy} in " + dir;
  const char* names[] = {"train", "valid", "test"};
  for (const char* split : names)
    for (const char* suffix : {"_graph.json", "_feats.npy", "_labels.npy", "_graph_id.npy"})
      loader::require_file(dir + "/" + split + suffix, "PPI", layout);

  std::vector<PpiSplit> splits(3);
  std::vector<at::Tensor> xs, ys;
  std::vector<int64_t> sizes;
  int64_t offset = 0;
  for (int s = 0; s < 3; ++s) {
    const std::string base = dir + "/" + names[s];
    PpiSplit& sp = splits[s];
    const std::string feats = base + "_feats.npy", labels = base + "_labels.npy", ids = base + "_graph_id.npy";
    const at::Tensor x = loader::float_matrix(loader::read_npy(feats), feats, "the features");
    const at::Tensor y = loader::float_matrix(loader::read_npy(labels), labels, "the labels");
    const at::Tensor gid = loader::index_array(loader::read_npy(ids), 1, ids, "graph ids");
    const int64_t n = x.size(0);
    TORCH_CHECK(y.size(0) == n && gid.numel() == n, base, "_*: feats.npy has ", n, " rows, labels.npy ", y.size(0),
                ", graph_id.npy ", gid.numel(), " (expected the same)");
    TORCH_CHECK(xs.empty() || (x.size(1) == xs[0].size(1) && y.size(1) == ys[0].size(1)), base,
                "_*: the feature or label width differs from the train split's");
    sp.graph_file = base + "_graph.json";
    sp.graph = json_graph::read_node_link(sp.graph_file);
    TORCH_CHECK(static_cast<int64_t>(sp.graph.nodes.size()) == n, sp.graph_file, ": ", sp.graph.nodes.size(),
                " nodes, but feats.npy has ", n, " rows");
    std::vector<uint8_t> listed(n, 0);
    for (int64_t id : sp.graph.nodes) {
      TORCH_CHECK(id < n, sp.graph_file, ": node id ", id, " outside [0, ", n, ")");
      TORCH_CHECK(!listed[id], sp.graph_file, ": node id ", id, " listed twice");
      listed[id] = 1;
    }
    for (size_t e = 0; e < sp.graph.source.size(); ++e)
      TORCH_CHECK(sp.graph.source[e] < n && sp.graph.target[e] < n, sp.graph_file, ": link ", e, " names node ",
                  std::max(sp.graph.source[e], sp.graph.target[e]), ", outside [0, ", n, ")");
    // Batch.from_data_list of the split's graphs: graph by graph, each
    // graph's nodes in id order.
    sp.graph_id.assign(gid.data_ptr<int64_t>(), gid.data_ptr<int64_t>() + n);
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return sp.graph_id[a] < sp.graph_id[b]; });
    sp.position.resize(n);
    for (int64_t k = 0; k < n; ++k) sp.position[order[k]] = offset + k;
    const at::Tensor index = at::tensor(order, at::kLong);
    xs.push_back(x.index_select(0, index));
    ys.push_back(y.index_select(0, index));
    sizes.push_back(n);
    offset += n;
  }

  Dataset data;
  data.name = "PPI";
  data.inductive = true;
  data.x = at::cat(xs);
  data.y = at::cat(ys);
  TORCH_CHECK((data.y.eq(0) | data.y.eq(1)).all().item<bool>(), dir, ": labels.npy must hold 0/1 flags");
  data.num_classes = data.y.size(1);
  const int64_t n = offset;
  data.adj = detail::build_csr(n, n, {/*add_reverse=*/false, /*drop_self_loops=*/true}, dir, [&](auto&& emit) {
    for (const PpiSplit& sp : splits) {
      const auto& g = sp.graph;
      for (size_t e = 0; e < g.source.size(); ++e) {
        const int64_t u = g.source[e], v = g.target[e];
        if (sp.graph_id[u] != sp.graph_id[v]) continue;  // G.subgraph() of each graph drops such links
        emit(sp.position[v], sp.position[u], 1.0f);
        if (!g.directed) emit(sp.position[u], sp.position[v], 1.0f);
      }
    }
  });
  at::Tensor* masks[] = {&data.train_mask, &data.val_mask, &data.test_mask};
  int64_t start = 0;
  for (int s = 0; s < 3; ++s) {
    *masks[s] = at::zeros({n}, at::kBool);
    masks[s]->narrow(0, start, sizes[s]).fill_(true);
    start += sizes[s];
  }
  return data;
}

}  // namespace gas
