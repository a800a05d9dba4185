#include <gas/datasets/numpy_datasets.h>

#include <gas/export.h>

#include "csr_builder.h"
#include "datasets/loader_utils.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <unistd.h>

#include <map>
#include <optional>

namespace gas {
namespace {

// Where a collection keeps one of its npz files, relative to the root.
struct ShchurFile {
  std::string dir, file, title;
};

Dataset load_shchur(const std::string& root, const std::string& collection, const std::string& name,
                    const std::map<std::string, ShchurFile>& files) {
  const auto it = files.find(name);
  TORCH_CHECK(it != files.end(), "unknown ", collection, " dataset '", name, "'");
  const ShchurFile& f = it->second;
  const std::string dir = root + "/" + f.dir;
  return read_shchur_npz(
      loader::require_file(dir + "/" + f.file, f.title, "the raw file " + f.file + " (gnn-benchmark's npz) in " + dir),
      f.title);
}

// Scalar shape arrays such as adj_shape = [rows, cols].
std::pair<int64_t, int64_t> matrix_shape(const npy::Npz& npz, const std::string& key) {
  const at::Tensor s = loader::index_array(loader::read_member(npz, key), 1, loader::member_name(npz, key), "a shape");
  TORCH_CHECK(s.numel() == 2 && s.min().item<int64_t>() >= 0, loader::member_name(npz, key),
              ": expected two non-negative sizes, got ", s.numel(), " values");
  return {s[0].item<int64_t>(), s[1].item<int64_t>()};
}

// indptr and indices of a CSR matrix stored under `prefix`_*, checked.
std::pair<at::Tensor, at::Tensor> csr_members(const npy::Npz& npz, const std::string& prefix, int64_t rows,
                                              int64_t cols) {
  const at::Tensor indptr = loader::index_array(loader::read_member(npz, prefix + "_indptr"), 1,
                                                loader::member_name(npz, prefix + "_indptr"), "CSR indptr");
  const at::Tensor indices = loader::index_array(loader::read_member(npz, prefix + "_indices"), 1,
                                                 loader::member_name(npz, prefix + "_indices"), "CSR indices");
  loader::check_csr(indptr, indices, rows, cols, npz.source() + " (" + prefix + "_*)");
  return {indptr, indices};
}

// A member of data.npz or an .npy file of the custom format, when present.
class CustomArrays {
 public:
  explicit CustomArrays(const std::string& root) : root_(root) {
    const std::string archive = root + "/data.npz";
    if (util::is_file(archive)) {
      TORCH_CHECK(!util::is_file(root + "/edge_index.npy"), "custom dataset: both ", archive, " and ", root,
                  "/edge_index.npy exist; keep one of the two forms");
      npz_.emplace(npy::Npz::open(archive));
    }
  }

  bool has(const std::string& key) const { return npz_ ? npz_->has(key) : util::is_file(path(key)); }

  std::string name(const std::string& key) const { return npz_ ? loader::member_name(*npz_, key) : path(key); }

  // The features: x.npy read or mapped as options.mmap() says; an
  // archive's are read.
  at::Tensor features(const CustomOptions& options) const {
    TORCH_CHECK(!(npz_ && options.mmap() == "true"), "custom dataset: data.mmap=true maps ", root_,
                "/x.npy; the features of ", npz_ ? npz_->source() : "", " (an archive) can only be read");
    if (npz_ || !has("x")) return loader::float_matrix(read("x"), name("x"), "the features");
    return loader::npy_features(path("x"), options.mmap());
  }

  at::Tensor read(const std::string& key) const {
    TORCH_CHECK(has(key), "custom dataset: missing ",
                npz_ ? "array '" + key + "' in " + npz_->source() : "file '" + path(key) + "'",
                "; expected edge_index, x, y (and optionally train_mask, val_mask, test_mask, edge_weight) as ", root_,
                "/<name>.npy files or as the arrays of ", root_, "/data.npz");
    return npz_ ? loader::read_member(*npz_, key) : loader::read_npy(path(key));
  }

 private:
  std::string path(const std::string& key) const { return root_ + "/" + key + ".npy"; }

  std::string root_;
  std::optional<npy::Npz> npz_;
};

// Seeded 60/20/20 split of the nodes.
void default_split(Dataset& data) {
  const int64_t n = data.num_nodes();
  at::Generator gen = at::detail::createCPUGenerator(0);
  const at::Tensor order = at::randperm(n, gen);
  const int64_t num_train = n * 6 / 10, num_val = n * 2 / 10;
  data.train_mask = at::zeros({n}, at::kBool).index_fill_(0, order.narrow(0, 0, num_train), true);
  data.val_mask = at::zeros({n}, at::kBool).index_fill_(0, order.narrow(0, num_train, num_val), true);
  data.test_mask = ~(data.train_mask | data.val_mask);
  const std::string rule = "a seeded random 60/20/20 split of " + std::to_string(n) + " nodes";
  data.mask_sources = {rule, rule, rule};
}

}  // namespace

Dataset load_amazon(const std::string& root, const std::string& name) {
  return load_shchur(root, "Amazon", name,
                     {{"computers", {"Amazon/Computers/raw", "amazon_electronics_computers.npz", "Amazon Computers"}},
                      {"photo", {"Amazon/Photo/raw", "amazon_electronics_photo.npz", "Amazon Photo"}}});
}

Dataset load_coauthor(const std::string& root, const std::string& name) {
  return load_shchur(root, "Coauthor", name,
                     {{"cs", {"Coauthor/CS/raw", "ms_academic_cs.npz", "Coauthor CS"}},
                      {"physics", {"Coauthor/Physics/raw", "ms_academic_phy.npz", "Coauthor Physics"}}});
}

Dataset load_gnn_benchmark(const std::string& root, const std::string& name) {
  return load_shchur(root, "GNNBenchmark", name,
                     {{"cora", {"GNNBenchmark/raw", "cora.npz", "GNNBenchmark Cora"}},
                      {"citeseer", {"GNNBenchmark/raw", "citeseer.npz", "GNNBenchmark CiteSeer"}}});
}

Dataset read_shchur_npz(const std::string& path, const std::string& title) {
  const npy::Npz npz = npy::Npz::open(path);
  const auto [n, n_cols] = matrix_shape(npz, "adj_shape");
  TORCH_CHECK(n == n_cols, path, ": adj_shape is ", n, " x ", n_cols, ", expected a square adjacency");
  const auto [attr_rows, num_features] = matrix_shape(npz, "attr_shape");
  TORCH_CHECK(attr_rows == n, path, ": attr_shape has ", attr_rows, " rows for ", n, " nodes (adj_shape)");

  Dataset data;
  data.name = title;
  {
    const auto [indptr, indices] = csr_members(npz, "adj", n, n);
    const int64_t* p = indptr.data_ptr<int64_t>();
    const int64_t* c = indices.data_ptr<int64_t>();
    data.adj = detail::build_csr(n, n, {/*add_reverse=*/true, /*drop_self_loops=*/true}, path, [&](auto&& emit) {
      for (int64_t r = 0; r < n; ++r)
        for (int64_t e = p[r]; e < p[r + 1]; ++e) emit(r, c[e], 1.0f);
    });
  }
  {
    const auto [indptr, indices] = csr_members(npz, "attr", n, num_features);
    const at::Tensor values = loader::read_member(npz, "attr_data").to(at::kFloat).contiguous();
    TORCH_CHECK(values.dim() == 1 && values.numel() == indices.numel(), loader::member_name(npz, "attr_data"),
                ": expected ", indices.numel(), " values (as attr_indices), got ", values.numel());
    // scipy's todense() sums duplicate entries; PyG then sets x[x > 0] = 1.
    data.x = at::zeros({n, num_features}, at::kFloat);
    float* x = data.x.data_ptr<float>();
    const int64_t* p = indptr.data_ptr<int64_t>();
    const int64_t* c = indices.data_ptr<int64_t>();
    const float* v = values.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r)
      for (int64_t e = p[r]; e < p[r + 1]; ++e) x[r * num_features + c[e]] += v[e];
    data.x.masked_fill_(data.x > 0, 1.0f);
  }
  data.y = loader::index_array(loader::read_member(npz, "labels"), 1, loader::member_name(npz, "labels"), "labels");
  TORCH_CHECK(data.y.numel() == n, loader::member_name(npz, "labels"), ": ", data.y.numel(), " labels for ", n,
              " nodes");
  data.num_classes = loader::count_classes(data.y, loader::member_name(npz, "labels"));
  random_split_masks(data, 20, 30, 20, 12345);
  return data;
}

Dataset load_custom(const std::string& root, const CustomOptions& options) {
  TORCH_CHECK(util::is_directory(root), "custom dataset: root '", root,
              "' is not a directory; expected edge_index.npy, x.npy, y.npy (or data.npz) in it");
  const CustomArrays arrays(root);
  Dataset data;
  data.name = "custom";
  data.x = arrays.features(options);
  const int64_t n = data.x.size(0);

  const at::Tensor y = arrays.read("y");
  TORCH_CHECK((y.dim() == 1 || y.dim() == 2) && y.size(0) == n, arrays.name("y"), ": expected [", n, "] class ids or [",
              n, ", C] flags, got ", y.sizes());
  if (y.dim() == 2) {
    data.y = y.to(at::kFloat).contiguous();
    TORCH_CHECK((data.y.eq(0) | data.y.eq(1)).all().item<bool>(), arrays.name("y"),
                ": multi-label targets [N, C] must be 0 or 1");
    data.num_classes = data.y.size(1);
  } else {
    data.y = loader::index_array(y, 1, arrays.name("y"), "single-label targets");
    data.num_classes = loader::count_classes(data.y, arrays.name("y"));
  }

  {
    at::Tensor edges = loader::index_array(arrays.read("edge_index"), 2, arrays.name("edge_index"), "edge_index");
    TORCH_CHECK(edges.size(0) == 2 || edges.size(1) == 2, arrays.name("edge_index"),
                ": expected shape [2, E] or [E, 2], got [", edges.size(0), ", ", edges.size(1), "]");
    if (edges.size(0) != 2) edges = edges.t().contiguous();
    const int64_t num_edges = edges.size(1);
    at::Tensor weight;
    if (arrays.has("edge_weight")) {
      weight = arrays.read("edge_weight").to(at::kFloat).contiguous();
      TORCH_CHECK(weight.dim() == 1 && weight.numel() == num_edges, arrays.name("edge_weight"), ": expected [",
                  num_edges, "] weights (one per edge), got ", weight.sizes());
    }
    const int64_t* src = edges.data_ptr<int64_t>();
    const int64_t* dst = src + num_edges;
    const float* w = weight.defined() ? weight.data_ptr<float>() : nullptr;
    detail::CsrBuilderOptions o;
    o.add_reverse = options.symmetrize();
    o.weighted = w != nullptr;
    data.adj = detail::build_csr(n, n, o, arrays.name("edge_index"), [&](auto&& emit) {
      for (int64_t e = 0; e < num_edges; ++e) emit(dst[e], src[e], w ? w[e] : 1.0f);
    });
  }

  const int64_t given = arrays.has("train_mask") + arrays.has("val_mask") + arrays.has("test_mask");
  TORCH_CHECK(given == 0 || given == 3, "custom dataset in ", root,
              ": give all three of train_mask, val_mask, test_mask or none (for a random 60/20/20 split)");
  if (given == 0) {
    default_split(data);
  } else {
    for (auto [key, mask] : {std::pair<const char*, at::Tensor*>{"train_mask", &data.train_mask},
                             {"val_mask", &data.val_mask},
                             {"test_mask", &data.test_mask}}) {
      *mask = arrays.read(key);
      data.mask_sources[mask == &data.train_mask ? 0 : mask == &data.val_mask ? 1 : 2] = arrays.name(key);
      TORCH_CHECK(mask->scalar_type() == at::kBool && (mask->dim() == 1 || mask->dim() == 2) && mask->size(0) == n,
                  arrays.name(key), ": expected bool [", n, "] or [", n, ", splits], got ", mask->scalar_type(), " ",
                  mask->sizes());
    }
  }
  return data;
}

void write_custom(const Dataset& data, const std::string& dir) {
  TORCH_CHECK(!data.inductive, "write_custom: dataset '", data.name,
              "' is inductive (separate graphs per split); the custom format holds one graph");
  TORCH_CHECK(data.adj.num_rows == data.adj.num_cols, "write_custom: dataset '", data.name,
              "' has a non-square adjacency (", data.adj.num_rows, " x ", data.adj.num_cols, ")");
  TORCH_CHECK(!data.adj.has_value() || data.adj.value.dim() == 1, "write_custom: dataset '", data.name,
              "' has per-head edge weights; the custom format holds one weight per edge");
  TORCH_CHECK(!util::is_directory(dir) && !util::is_file(dir), "write_custom: '", dir,
              "' exists; remove it or choose another directory");
  const std::string staging = dir + ".partial." + std::to_string(getpid());
  util::make_directories(staging);
  const at::Tensor ei = csr_to_edge_index(data.adj);  // [target (row); source (col)]
  write_node_values(at::stack({ei[1], ei[0]}), staging + "/edge_index.npy");
  if (data.adj.has_value()) write_node_values(data.adj.value.to(at::kFloat), staging + "/edge_weight.npy");
  write_node_values(data.x, staging + "/x.npy");
  write_node_values(data.multilabel() ? data.y.to(at::kLong) : data.y, staging + "/y.npy");
  write_node_values(data.train_mask, staging + "/train_mask.npy");
  write_node_values(data.val_mask, staging + "/val_mask.npy");
  write_node_values(data.test_mask, staging + "/test_mask.npy");
  util::rename_file(staging, dir);
}

}  // namespace gas
