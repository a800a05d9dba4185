// The history store's seam, used as a user would: a backend written here, in
// test code only, holds the rows in memory no tensor sees and counts every
// row moved. Training, layer-wise inference and the embedding export run
// through it; their results must equal those of the built-in host backend
// (so no row reached the model by another path) and the counts must be
// exactly the rows GAS moves.

#include <gas/export.h>
#include <gas/history/store.h>
#include <gas/layerwise.h>
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/test_utils.h"

#include <cstring>
#include <fstream>

namespace gas {
namespace {

struct Counts {
  int64_t rows_read = 0;
  int64_t rows_written = 0;
};

// Rows in a std::vector: anything that bypassed the store and reached for a
// history tensor would find none.
class VectorStorage : public HistoryStorage {
 public:
  VectorStorage(int64_t rows, int64_t width, Counts& counts)
      : rows_(rows), width_(width), data_(rows * width, 0.0f), counts_(counts) {}

  int64_t rows() const override { return rows_; }
  int64_t width() const override { return width_; }
  c10::Device device() const override { return c10::Device(c10::kCPU); }
  void zero() override { std::fill(data_.begin(), data_.end(), 0.0f); }

  void read(const at::Tensor& index, at::Tensor& out) const override {
    const int64_t* ix = index.data_ptr<int64_t>();
    for (int64_t i = 0; i < index.numel(); ++i) {
      TORCH_CHECK(ix[i] >= 0 && ix[i] < rows_, "VectorStorage: row ", ix[i]);
      std::memcpy(out.data_ptr<float>() + i * width_, row(ix[i]), width_ * sizeof(float));
    }
    counts_.rows_read += index.numel();
  }
  void read_range(int64_t offset, at::Tensor& out) const override {
    std::memcpy(out.data_ptr<float>(), row(offset), out.size(0) * width_ * sizeof(float));
    counts_.rows_read += out.size(0);
  }
  void write(const at::Tensor& index, const at::Tensor& x) override {
    const int64_t* ix = index.data_ptr<int64_t>();
    for (int64_t i = 0; i < index.numel(); ++i)
      std::memcpy(row(ix[i]), x.data_ptr<float>() + i * width_, width_ * sizeof(float));
    counts_.rows_written += index.numel();
  }
  void write_range(int64_t offset, const at::Tensor& x) override {
    std::memcpy(row(offset), x.data_ptr<float>(), x.size(0) * width_ * sizeof(float));
    counts_.rows_written += x.size(0);
  }

 private:
  float* row(int64_t r) { return data_.data() + r * width_; }
  const float* row(int64_t r) const { return data_.data() + r * width_; }

  int64_t rows_, width_;
  std::vector<float> data_;
  Counts& counts_;
};

class CountingBackend : public HistoryBackend {
 public:
  std::string name() const override { return "counting"; }
  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device) const override {
    return std::make_unique<VectorStorage>(rows, width, counts);
  }
  mutable Counts counts;
};

struct Outcome {
  std::vector<double> losses;
  at::Tensor layerwise, embeddings;
};

// Two epochs of GCN training, layer-wise inference and the export of the
// last history, with the given backend (null: the built-in host backend).
Outcome train_infer_export(const std::shared_ptr<HistoryBackend>& backend, const CSR& adj, const Partition& p,
                       const Dataset& data) {
  torch::manual_seed(3);
  models::GCN model(data.num_nodes(), models::GCNOptions(data.num_features(), 8, 3, 3));
  if (backend) model->histories().set_backend(backend);
  auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
  SubgraphLoader loader(adj, p.ptr, data.x, SubgraphLoaderOptions().batch_size(2).seed(1).num_workers(0));
  Outcome run;
  for (int epoch = 0; epoch < 2; ++epoch) run.losses.push_back(train_epoch(*model, loader, *optimizer, data).loss);
  run.layerwise = layerwise_inference(*model, EvalSubgraphLoader(adj, p.ptr, 2), data.x);
  run.embeddings = model->histories().pull(model->histories().size() - 1);
  return run;
}

TEST(HistoryBackend, AUserBackendCarriesTrainingLayerwiseInferenceAndExport) {
  const int64_t n = 120;
  const CSR raw = gcn_norm(testing::random_graph(n, 4, 7));
  const Partition p = has_metis() ? metis(raw, 6) : random_partition(n, 6, 0);
  const CSR adj = permute(raw, p.perm);
  torch::manual_seed(0);
  const Dataset data = testing::random_dataset(adj, 5);

  const Outcome reference = train_infer_export(nullptr, adj, p, data);
  const auto backend = std::make_shared<CountingBackend>();
  const Outcome counted = train_infer_export(backend, adj, p, data);

  EXPECT_EQ(counted.losses, reference.losses) << "training sees the same rows";
  EXPECT_TRUE(at::equal(counted.layerwise, reference.layerwise));
  EXPECT_TRUE(at::equal(counted.embeddings, reference.embeddings));
  EXPECT_GT(counted.embeddings.abs().sum().item<double>(), 0.0);

  // The rows GAS moves, from the batches themselves: per hidden layer, each
  // training batch of both epochs pushes its nodes and pulls its halo;
  // layer-wise inference writes every node per hidden layer and reads each
  // evaluation batch's nodes for every layer after the first; the export
  // reads N rows. Choosing the backend moved nothing: storage is allocated
  // at first use, so the model's default one never existed.
  const int64_t hidden = 2;
  int64_t batch_nodes = 0, halo = 0;
  SubgraphLoader loader(adj, p.ptr, data.x, SubgraphLoaderOptions().batch_size(2).seed(1).num_workers(0));
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (const Batch& b : loader) {
      batch_nodes += b.batch_size;
      halo += b.num_halo();
    }
  }
  ASSERT_EQ(batch_nodes, 2 * n);
  ASSERT_GT(halo, 0);
  int64_t eval_nodes = 0;
  const EvalSubgraphLoader eval(adj, p.ptr, 2);  // named: a temporary's batches() would dangle in the loop
  for (const Batch& b : eval.batches()) eval_nodes += b.n_id.numel();
  EXPECT_EQ(backend->counts.rows_written, hidden * batch_nodes + hidden * n);
  EXPECT_EQ(backend->counts.rows_read, hidden * halo + hidden * eval_nodes + n);

  // The export writes what the store handed out.
  const std::string path = testing::temp_dir() + "/embeddings.npy";
  write_node_values(counted.embeddings, path);
  EXPECT_GT(testing::read_file(path).size(), static_cast<size_t>(n * 8 * 4));
}


TEST(HistoryBackend, HostBackendOnCpuIsPlainMemoryAndBackendsKeepTheContent) {
  HistoryStore h(6, {2});
  EXPECT_EQ(h.backend().name(), "host");
  const at::Tensor x = at::randn({6, 2});
  h.push(0, x);
  h.set_compute_device(c10::Device(c10::kCPU));
  h.set_backend(device_history_backend());
  EXPECT_EQ(h.backend().name(), "device");
  EXPECT_TRUE(h.pull(0).device().is_cpu());
  EXPECT_TRUE(at::equal(h.pull(0), x)) << "moving between backends keeps the rows";
  EXPECT_EQ(history_backend("host")->name(), "host");
  EXPECT_THROW_WITH(history_backend("gpu"), "valid: host, device, mmap");
}

}  // namespace
}  // namespace gas
