#include <gas/staleness.h>

#include <gas/ops/expand_rowptr.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "util/system.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

namespace gas {

const std::vector<int64_t>& StalenessByAge::age_bounds() {
  static const std::vector<int64_t> bounds = {0, 1, 2, 4, 8, 16, 32, 64, 128};
  return bounds;
}

double StalenessByAge::error(size_t layer, size_t bucket) const {
  if (rows.at(layer).at(bucket) == 0) return std::numeric_limits<double>::quiet_NaN();
  return std::sqrt(diff_sq[layer][bucket] / exact_sq[layer][bucket]);
}

at::Tensor pulled_nodes(const CSR& adj, const at::Tensor& ptr) {
  const at::Tensor bounds = ptr.to(at::kCPU, at::kLong).contiguous();
  TORCH_CHECK(bounds.dim() == 1 && bounds.numel() >= 2 && bounds[-1].item<int64_t>() == adj.num_cols,
              "pulled_nodes: ptr must be the parts' boundaries over ", adj.num_cols, " nodes");
  // The graph is in partition order: the identity permutation's parts.
  const at::Tensor part = Partition{at::arange(adj.num_cols, bounds.options()), bounds}.assignment();
  const at::Tensor rows = ops::expand_rowptr(adj.rowptr, adj.nnz());
  const at::Tensor cut = part.index_select(0, rows).ne(part.index_select(0, adj.col));
  at::Tensor mask = at::zeros({adj.num_cols}, at::kBool);
  mask.index_fill_(0, adj.col.masked_select(cut), true);
  return mask;
}

StalenessMonitor::StalenessMonitor(ScalableGNNImpl& model, const Dataset& data, at::Tensor pulled,
                                   int64_t batches_per_epoch)
    : model_(model), data_(data), batches_per_epoch_(batches_per_epoch) {
  TORCH_CHECK(batches_per_epoch >= 1, "StalenessMonitor: batches_per_epoch must be >= 1, got ", batches_per_epoch);
  TORCH_CHECK(pulled.dim() == 1 && pulled.scalar_type() == at::kBool && pulled.numel() == model.num_nodes(),
              "StalenessMonitor: pulled must be a bool mask over the model's ", model.num_nodes(), " nodes, got ",
              pulled.sizes());
  pulled_ = pulled.nonzero().squeeze(1);
  model_.histories().track_ages(true);
  const size_t layers = static_cast<size_t>(model_.histories().size());
  const size_t buckets = StalenessByAge::age_bounds().size();
  by_age_.diff_sq.assign(layers, std::vector<double>(buckets, 0.0));
  by_age_.exact_sq.assign(layers, std::vector<double>(buckets, 0.0));
  by_age_.rows.assign(layers, std::vector<int64_t>(buckets, 0));
}

StalenessRecord StalenessMonitor::measure() {
  const double start = util::now_seconds();
  std::vector<at::Tensor> exact;
  full_batch_inference(model_, data_, /*keep_histories=*/true, &exact);
  HistoryStore& histories = model_.histories();
  TORCH_CHECK(static_cast<int64_t>(exact.size()) == histories.size(), "StalenessMonitor: the exact pass gave ",
              exact.size(), " hidden outputs for ", histories.size(), " histories");
  StalenessRecord record;
  record.run = run_;
  record.epoch = batches_ / batches_per_epoch_;
  record.step = histories.steps();
  const at::Tensor bounds = at::tensor(StalenessByAge::age_bounds(), at::kLong);
  for (int64_t l = 0; l < histories.size(); ++l) {
    const at::Tensor truth = exact[static_cast<size_t>(l)].index_select(0, pulled_.to(exact[l].device())).cpu().to(at::kDouble);
    const at::Tensor stale = histories.pull(l, pulled_).cpu().to(at::kDouble);
    const at::Tensor age = histories.ages(l).index_select(0, pulled_);
    const at::Tensor diff_sq = (stale - truth).pow(2).sum(1);
    const at::Tensor exact_sq = truth.pow(2).sum(1);
    StalenessLayer layer;
    const double denominator = exact_sq.sum().item<double>();
    layer.error = denominator > 0 ? std::sqrt(diff_sq.sum().item<double>() / denominator) : 0.0;
    layer.mean_age = age.numel() > 0 ? age.to(at::kDouble).mean().item<double>() : 0.0;
    record.layers.push_back(layer);
    const at::Tensor bucket = at::bucketize(age, bounds, /*out_int32=*/false, /*right=*/true) - 1;
    const int64_t n = static_cast<int64_t>(bounds.numel());
    const at::Tensor d = at::zeros({n}, at::kDouble).index_add_(0, bucket, diff_sq);
    const at::Tensor e = at::zeros({n}, at::kDouble).index_add_(0, bucket, exact_sq);
    const at::Tensor c = at::bincount(bucket, {}, n);
    for (int64_t b = 0; b < n; ++b) {
      by_age_.diff_sq[l][b] += d[b].item<double>();
      by_age_.exact_sq[l][b] += e[b].item<double>();
      by_age_.rows[l][b] += c[b].item<int64_t>();
    }
  }
  records_.push_back(record);
  seconds_ += util::now_seconds() - start;
  return record;
}

void StalenessMonitor::end_batch(const Batch&) {
  if (++batches_ % batches_per_epoch_ == 0) measure();
}

void StalenessMonitor::end_run(const RunResult& result) {
  batches_ = 0;
  run_ = result.run + 1;
}

}  // namespace gas
