#include <gas/datasets/dataset.h>


#include <gas/graph.h>
#include <gas/sparse_features.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>

#include <iomanip>
#include <sstream>

namespace gas {
namespace {

// The flat index of the first NaN or infinity of a float32 tensor, or -1.
int64_t first_non_finite(const at::Tensor& x) {
  const at::Tensor c = x.contiguous();
  const float* p = c.data_ptr<float>();
  std::atomic<int64_t> first{c.numel()};
  at::parallel_for(0, c.numel(), int64_t{1} << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end && i < first.load(std::memory_order_relaxed); ++i) {
      if (std::isfinite(p[i])) continue;
      int64_t seen = first.load();
      while (i < seen && !first.compare_exchange_weak(seen, i)) {
      }
      break;
    }
  });
  return first.load() == c.numel() ? -1 : first.load();
}

at::Tensor column(const at::Tensor& mask, int64_t run) {
  return mask.dim() == 1 ? mask : mask.select(1, run % mask.size(1)).contiguous();
}

}  // namespace

std::string to_string(Split split) {
  switch (split) {
    case Split::Train:
      return "train";
    case Split::Val:
      return "val";
    case Split::Test:
      return "test";
  }
  return "?";
}

int64_t Dataset::num_splits() const { return train_mask.dim() == 2 ? train_mask.size(1) : 1; }

int64_t Dataset::nbytes() const {
  int64_t bytes = adj.nbytes() + tensor_nbytes(x);
  for (const at::Tensor* t : {&y, &train_mask, &val_mask, &test_mask}) bytes += tensor_nbytes(*t);
  return bytes;
}

at::Tensor Dataset::mask(Split split, int64_t run) const {
  switch (split) {
    case Split::Train:
      return column(train_mask, run);
    case Split::Val:
      return column(val_mask, run);
    case Split::Test:
      return column(test_mask, run);
  }
  return {};
}

namespace {

// The dataset on `adj`, every per-node field taking rows `index`.
Dataset with_rows(const Dataset& d, CSR adj, const at::Tensor& index) {
  Dataset out = d;
  out.adj = std::move(adj);
  for (at::Tensor* field : {&out.x, &out.y, &out.train_mask, &out.val_mask, &out.test_mask})
    *field = field->index_select(0, index);
  return out;
}

}  // namespace

Dataset Dataset::permute(const at::Tensor& perm) const {
  // The identity (a range partition) copies nothing: features larger than
  // memory, mapped from a file, stay unread.
  if (perm.scalar_type() == at::kLong && perm.dim() == 1 && perm.numel() == num_nodes()) {
    const at::Tensor p = perm.cpu().contiguous();
    const int64_t* q = p.data_ptr<int64_t>();
    int64_t i = 0;
    while (i < p.numel() && q[i] == i) ++i;
    if (i == p.numel()) return *this;
  }
  return with_rows(*this, gas::permute(adj, perm), perm);
}

Dataset Dataset::subgraph(const at::Tensor& node_mask) const {
  const int64_t n = num_nodes();
  TORCH_CHECK(node_mask.scalar_type() == at::kBool && node_mask.dim() == 1 && node_mask.size(0) == n, name,
              ": subgraph needs a bool [", n, "] node mask, got ", node_mask.scalar_type(), " ", node_mask.sizes());
  const at::Tensor mask = node_mask.cpu().contiguous();
  return with_rows(*this, induced_subgraph(adj, mask), mask.nonzero().view(-1));
}

void Dataset::check() const {
  TORCH_CHECK(x.defined() && x.dim() == 2 && x.scalar_type() == at::kFloat, name,
              ": features must be float32 [N, F], got ", x.defined() ? x.sizes() : at::IntArrayRef{});
  const int64_t n = x.size(0);
  TORCH_CHECK(n > 0, name, ": the graph has no nodes");
  const int64_t bad = first_non_finite(x);
  TORCH_CHECK(bad < 0, name, ": feature ", bad % x.size(1), " of node ", bad / x.size(1), " is ",
              x.reshape(-1)[bad].item<float>(), "; the features must be finite (damaged file?)");
  TORCH_CHECK(adj.num_rows == n && adj.num_cols == n, name, ": adjacency is ", adj.num_rows, " x ", adj.num_cols,
              " for ", n, " nodes");
  adj.check();
  TORCH_CHECK(y.defined() && y.size(0) == n, name, ": labels cover ", y.defined() ? y.size(0) : 0, " of ", n, " nodes");
  TORCH_CHECK(num_classes >= 1, name, ": no classes");
  if (y.dim() == 1) {
    TORCH_CHECK(y.scalar_type() == at::kLong, name, ": single-label targets must be int64, got ", y.scalar_type());
    TORCH_CHECK(y.min().item<int64_t>() >= 0 && y.max().item<int64_t>() < num_classes, name, ": labels outside [0, ",
                num_classes, ")");
  } else {
    TORCH_CHECK(y.dim() == 2 && y.size(1) == num_classes, name, ": multi-label targets must be [N, ", num_classes,
                "], got ", y.sizes());
  }
  for (const auto& [mask, label] : {std::pair<const at::Tensor&, const char*>{train_mask, "train_mask"},
                                    {val_mask, "val_mask"},
                                    {test_mask, "test_mask"}}) {
    TORCH_CHECK(mask.defined() && mask.scalar_type() == at::kBool && mask.size(0) == n &&
                    (mask.dim() == 1 || (mask.dim() == 2 && mask.size(1) == num_splits())),
                name, ": ", label, " must be bool [N] or [N, splits] matching train_mask");
  }
}

void Dataset::check_splits(int64_t runs, bool evaluated) const {
  for (const Split split : {Split::Train, Split::Val, Split::Test}) {
    if (split != Split::Train && !evaluated) continue;
    for (int64_t run = 0; run < std::min(runs, num_splits()); ++run) {
      const std::string& source = mask_sources[static_cast<size_t>(split)];
      TORCH_CHECK(mask(split, run).any().item<bool>(), name, ": the ", to_string(split), " split",
                  num_splits() > 1 ? " (column " + std::to_string(run) + ")" : std::string(), " has no nodes (mask from ",
                  source.empty() ? std::string("the dataset's published split") : source, ")",
                  split == Split::Train ? "; nothing to train on" : "; nothing to evaluate on");
    }
  }
}

std::string Dataset::summary() const {
  std::ostringstream out;
  const int64_t splits = num_splits();
  out << name << ": " << num_nodes() << " nodes, " << adj.nnz() << " directed edges (avg degree " << std::fixed
      << std::setprecision(1) << static_cast<double>(adj.nnz()) / std::max<int64_t>(1, num_nodes()) << "), "
      << num_features() << " features, " << num_classes << " classes (" << (multilabel() ? "multi" : "single")
      << "-label)" << (inductive ? ", inductive" : "") << "\n  split"
      << (splits > 1 ? " 0 of " + std::to_string(splits) : "") << ": train " << mask(Split::Train).sum().item<int64_t>()
      << ", val " << mask(Split::Val).sum().item<int64_t>() << ", test " << mask(Split::Test).sum().item<int64_t>();
  return out.str();
}

void random_split_masks(Dataset& data, int64_t train_per_class, int64_t val_per_class, int64_t num_splits,
                        uint64_t seed) {
  TORCH_CHECK(!data.multilabel(), "random_split_masks: needs single-label targets");
  TORCH_CHECK(train_per_class >= 0 && val_per_class >= 0 && num_splits >= 1,
              "random_split_masks: need non-negative per-class counts and at least one split");
  const int64_t n = data.num_nodes();
  // torch's generator and randperm, as PyGAS's gen_masks after
  // torch.manual_seed(seed), so the splits match the Python original's.
  at::Generator gen = at::detail::createCPUGenerator(seed);
  at::Tensor train = at::zeros({n, num_splits}, at::kBool);
  at::Tensor val = at::zeros({n, num_splits}, at::kBool);
  for (int64_t c = 0; c < data.num_classes; ++c) {
    const at::Tensor idx = data.y.eq(c).nonzero().view(-1);
    std::vector<at::Tensor> perms;
    for (int64_t s = 0; s < num_splits; ++s) perms.push_back(at::randperm(idx.size(0), gen));
    const at::Tensor order = at::stack(perms, 1);  // [members, splits]
    const at::Tensor shuffled = idx.index_select(0, order.reshape(-1)).view(order.sizes());
    const int64_t k_train = std::min(train_per_class, idx.size(0));
    const int64_t k_val = std::min(val_per_class, idx.size(0) - k_train);
    train.scatter_(0, shuffled.narrow(0, 0, k_train), true);
    val.scatter_(0, shuffled.narrow(0, k_train, k_val), true);
  }
  data.train_mask = train;
  data.val_mask = val;
  data.test_mask = ~(train | val);
}

}  // namespace gas
