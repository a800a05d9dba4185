#include <gas/datasets/shards.h>

#include <gas/export.h>

#include "datasets/loader_utils.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace gas {
namespace {

constexpr const char* kFormat = "gas-shards-1";

std::string rank_dir(const std::string& dir, int64_t rank) { return dir + "/rank" + std::to_string(rank); }

std::vector<int64_t> to_vector(const at::Tensor& t) {
  const at::Tensor c = t.contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

}  // namespace

ShardSetInfo write_shards(const Dataset& data, const std::string& transform, int64_t ranks, int64_t num_parts,
                          PartitionMethod method, int64_t seed, const std::string& dir,
                          const std::function<void(int64_t)>& progress) {
  check_adjacency_transform(transform);
  // A shard set holds one graph; an inductive dataset's union of its splits'
  // graphs would put the validation and test graphs into training.
  TORCH_CHECK(!data.inductive, "write_shards: dataset '", data.name,
              "' is inductive (one graph per split); a shard set holds one graph: start the job without shards= "
              "and every rank cuts its shards of each split's graph at start");
  TORCH_CHECK(!util::is_directory(dir) && !util::is_file(dir), "write_shards: '", dir,
              "' exists; remove it or choose another directory");
  Dataset d = data;
  d.adj = transform_adjacency(d.adj, transform);
  const dist::RankPartition parts = dist::partition_ranks(d.adj, ranks, num_parts, method, seed);
  const std::string staging = dir + ".partial." + std::to_string(getpid());
  util::make_directories(staging);
  // Of the transformed graph, as a process loading the whole graph computes them.
  write_node_values(d.adj.row_degree(), staging + "/degree.npy");
  write_node_values(parts.partition.perm, staging + "/perm.npy");
  for (int64_t r = 0; r < ranks; ++r) {
    const dist::Shard shard = dist::make_shard(d, parts, r);
    const std::string out = rank_dir(staging, r);
    util::make_directories(out);
    write_node_values(shard.global_id, out + "/global_id.npy");
    write_node_values(shard.ptr, out + "/ptr.npy");
    write_node_values(shard.data.adj.rowptr, out + "/rowptr.npy");
    write_node_values(shard.data.adj.col, out + "/col.npy");
    if (shard.data.adj.has_value()) write_node_values(shard.data.adj.value, out + "/value.npy");
    write_node_values(shard.data.x, out + "/x.npy");
    write_node_values(shard.data.y, out + "/y.npy");
    write_node_values(shard.data.train_mask, out + "/train_mask.npy");
    write_node_values(shard.data.val_mask, out + "/val_mask.npy");
    write_node_values(shard.data.test_mask, out + "/test_mask.npy");
    if (progress) progress(r);
  }
  ShardSetInfo info;
  info.dataset = data.name;
  info.transform = transform;
  info.nodes = data.num_nodes();
  info.edges = d.adj.nnz();
  info.features = data.num_features();
  info.classes = data.num_classes;
  info.multilabel = data.multilabel();
  info.ranks = ranks;
  info.num_parts = parts.partition.num_parts();
  info.owner_offsets = parts.owner_offsets;
  info.partition = to_string(method);
  const nlohmann::json j = {{"format", kFormat},
                            {"dataset", info.dataset},
                            {"transform", info.transform},
                            {"nodes", info.nodes},
                            {"edges", info.edges},
                            {"features", info.features},
                            {"classes", info.classes},
                            {"multilabel", info.multilabel},
                            {"ranks", info.ranks},
                            {"num_parts", info.num_parts},
                            {"partition", info.partition},
                            {"owner_offsets", to_vector(info.owner_offsets)}};
  util::write_file_atomic(staging + "/shards.json", j.dump(2) + "\n");
  util::rename_file(staging, dir);
  return info;
}

ShardSetInfo read_shard_info(const std::string& dir) {
  const std::string path = dir + "/shards.json";
  std::ifstream in(path);
  TORCH_CHECK(in, "shards: no '", path, "' (write a set with gas_data partition ... out=", dir, ")");
  std::stringstream text;
  text << in.rdbuf();
  ShardSetInfo info;
  try {
    const nlohmann::json j = nlohmann::json::parse(text.str());
    TORCH_CHECK(j.at("format").get<std::string>() == kFormat, "format '", j.at("format").get<std::string>(),
                "', expected '", kFormat, "'");
    info.dataset = j.at("dataset").get<std::string>();
    info.transform = j.at("transform").get<std::string>();
    info.nodes = j.at("nodes").get<int64_t>();
    info.edges = j.at("edges").get<int64_t>();
    info.features = j.at("features").get<int64_t>();
    info.classes = j.at("classes").get<int64_t>();
    info.multilabel = j.at("multilabel").get<bool>();
    info.ranks = j.at("ranks").get<int64_t>();
    info.num_parts = j.at("num_parts").get<int64_t>();
    info.partition = j.at("partition").get<std::string>();
    const auto offsets = j.at("owner_offsets").get<std::vector<int64_t>>();
    TORCH_CHECK(static_cast<int64_t>(offsets.size()) == info.ranks + 1, "owner_offsets has ", offsets.size(),
                " entries for ", info.ranks, " ranks");
    info.owner_offsets = at::tensor(offsets, at::kLong);
  } catch (const std::exception& e) {
    const auto* error = dynamic_cast<const c10::Error*>(&e);
    TORCH_CHECK(false, "shards: '", path, "': ", error ? error->what_without_backtrace() : e.what());
  }
  return info;
}

dist::Shard read_shard(const std::string& dir, const ShardSetInfo& info, int64_t rank, const std::string& mmap) {
  TORCH_CHECK(rank >= 0 && rank < info.ranks, "shards: '", dir, "' holds ", info.ranks, " shards, no rank ", rank);
  const std::string in = rank_dir(dir, rank);
  auto file = [&](const std::string& name) {
    return loader::require_file(in + "/" + name + ".npy", "shards", "the files gas_data partition writes");
  };
  dist::Shard shard;
  shard.global_id = loader::read_npy(file("global_id"));
  shard.ptr = loader::read_npy(file("ptr"));
  const int64_t lo = info.owner_offsets[rank].item<int64_t>(), hi = info.owner_offsets[rank + 1].item<int64_t>();
  shard.num_owned = hi - lo;
  const int64_t n = shard.global_id.numel();
  TORCH_CHECK(n >= shard.num_owned && shard.ptr.numel() >= 2 && shard.ptr[-1].item<int64_t>() == shard.num_owned,
              "shards: '", in, "' disagrees with shards.json (", n, " local nodes, ", shard.num_owned, " own)");
  Dataset& d = shard.data;
  d.name = info.dataset;
  const std::string value_path = in + "/value.npy";
  d.adj = CSR{loader::read_npy(file("rowptr")), loader::read_npy(file("col")),
              util::is_file(value_path) ? loader::read_npy(value_path) : at::Tensor(), shard.num_owned, n};
  d.adj.check();
  d.x = loader::npy_features(file("x"), mmap);
  d.y = loader::read_npy(file("y"));
  d.train_mask = loader::read_npy(file("train_mask"));
  d.val_mask = loader::read_npy(file("val_mask"));
  d.test_mask = loader::read_npy(file("test_mask"));
  d.num_classes = info.classes;
  for (const at::Tensor* t : {&d.x, &d.y, &d.train_mask, &d.val_mask, &d.test_mask})
    TORCH_CHECK(t->dim() >= 1 && t->size(0) == n, "shards: '", in, "' has an array of ", t->dim() ? t->size(0) : 0,
                " rows for ", n, " local nodes");
  return shard;
}

at::Tensor read_shard_permutation(const std::string& dir) {
  return loader::read_npy(loader::require_file(dir + "/perm.npy", "shards", "the files gas_data partition writes"));
}

at::Tensor read_shard_degrees(const std::string& dir) {
  return loader::read_npy(loader::require_file(dir + "/degree.npy", "shards", "the files gas_data partition writes"));
}

}  // namespace gas
