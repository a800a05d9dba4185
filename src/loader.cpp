#include <gas/loader.h>

#include <gas/ops/gather.h>
#include <gas/sparse_features.h>

#include "util/threads.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <random>
#include <thread>

namespace gas {
namespace {

std::atomic<int64_t> index_bytes{0};  // over every thread's scratch

struct LocalIndex {
  std::vector<int64_t> ids;
  ~LocalIndex() { index_bytes -= static_cast<int64_t>(ids.size() * sizeof(int64_t)); }
};

// Global id -> local column, -1 when unassigned. One per thread, sized to the
// largest graph seen, and reset after every batch by touching only the entries
// it set, so a batch costs O(its size) rather than O(N).
std::vector<int64_t>& local_index_scratch(int64_t num_nodes) {
  thread_local LocalIndex scratch;
  const int64_t had = static_cast<int64_t>(scratch.ids.size());
  if (had < num_nodes) {
    scratch.ids.assign(num_nodes, -1);
    index_bytes += (num_nodes - had) * static_cast<int64_t>(sizeof(int64_t));
  }
  return scratch.ids;
}

void check_ptr(const at::Tensor& ptr, int64_t num_nodes, const char* who) {
  TORCH_CHECK(ptr.defined() && ptr.dim() == 1 && ptr.numel() >= 2 && ptr.scalar_type() == at::kLong, who,
              ": ptr must be an int64 vector [num_parts + 1], got ", ptr.defined() ? ptr.sizes() : at::IntArrayRef{});
  TORCH_CHECK(ptr.device().is_cpu(), who, ": ptr must be on the CPU");
  const int64_t* p = ptr.data_ptr<int64_t>();
  const int64_t k = ptr.numel() - 1;
  TORCH_CHECK(p[0] == 0 && p[k] == num_nodes, who, ": ptr must run from 0 to the node count ", num_nodes, ", got ",
              p[0], " .. ", p[k]);
  for (int64_t i = 0; i < k; ++i)
    TORCH_CHECK(p[i] <= p[i + 1], who, ": ptr decreases at part ", i, " (", p[i], " > ", p[i + 1], ")");
}

// A graph a loader can batch: square, or the rows of a rank's own nodes over
// the columns of its own and its halo nodes (rows <= columns); features for
// every column.
void check_graph(const CSR& adj, const at::Tensor& x, const char* who) {
  TORCH_CHECK(adj.num_rows <= adj.num_cols, who, ": expected a square adjacency, or fewer rows than columns, got ",
              adj.num_rows, " x ", adj.num_cols);
  TORCH_CHECK(!x.defined() || (x.dim() >= 1 && x.size(0) == adj.num_cols), who, ": features have ",
              x.defined() && x.dim() >= 1 ? x.size(0) : 0, " rows for ", adj.num_cols, " nodes");
}

}  // namespace

int64_t batch_index_nbytes() { return index_bytes.load(); }

int64_t Batch::nbytes() const {
  return adj.nbytes() + tensor_nbytes(x) + tensor_nbytes(n_id) + tensor_nbytes(offset) + tensor_nbytes(count);
}

Batch make_batch(const CSR& adj, const at::Tensor& ptr, std::vector<int64_t> parts, const at::Tensor& x, bool plan,
                 const ops::SymmetryProof* symmetry) {
  TORCH_CHECK(adj.device().is_cpu(), "make_batch: the graph must be on the CPU");
  check_graph(adj, x, "make_batch");
  TORCH_CHECK(!parts.empty(), "make_batch: no parts given");
  const int64_t num_nodes = adj.num_cols;
  const int64_t num_parts = ptr.numel() - 1;
  const int64_t* p = ptr.data_ptr<int64_t>();
  std::sort(parts.begin(), parts.end());
  for (size_t i = 0; i < parts.size(); ++i) {
    TORCH_CHECK(parts[i] >= 0 && parts[i] < num_parts, "make_batch: part ", parts[i], " out of range [0, ", num_parts,
                ")");
    TORCH_CHECK(i == 0 || parts[i] != parts[i - 1], "make_batch: part ", parts[i], " given twice");
  }

  // Contiguous node ranges of the batch; adjacent parts merge into one range.
  std::vector<int64_t> offset, count;
  for (int64_t part : parts) {
    const int64_t lo = p[part], len = p[part + 1] - p[part];
    if (len == 0) continue;
    if (!offset.empty() && offset.back() + count.back() == lo) {
      count.back() += len;
    } else {
      offset.push_back(lo);
      count.push_back(len);
    }
  }
  const int64_t batch_size = std::accumulate(count.begin(), count.end(), int64_t{0});

  std::vector<int64_t>& scratch = local_index_scratch(num_nodes);
  int64_t* local = scratch.data();
  // In-batch nodes first, numbered by position; n_id grows the halo after them.
  std::vector<int64_t> n_id(batch_size);
  {
    int64_t position = 0;
    for (size_t i = 0; i < offset.size(); ++i) {
      const int64_t lo = offset[i], len = count[i], base = position;
      at::parallel_for(0, len, 16384, [&](int64_t b, int64_t e) {
        for (int64_t k = b; k < e; ++k) {
          local[lo + k] = base + k;
          n_id[base + k] = lo + k;
        }
      });
      position += len;
    }
  }

  // In-batch rows are the contiguous node ranges, so their edges are the
  // contiguous edge ranges [rp[offset], rp[offset + count]): every pass below
  // streams over edges rather than hopping row by row.
  const int64_t* rp = adj.rowptr.data_ptr<int64_t>();
  const int64_t* col = adj.col.data_ptr<int64_t>();
  constexpr int64_t kEdgeGrain = 16384;

  // The halo: every out-of-batch neighbour, claimed once (-1 -> -2) by
  // whichever thread meets it first, then listed in ascending order.
  const int threads = at::get_num_threads();
  std::vector<std::vector<int64_t>> found(threads);
  for (size_t i = 0; i < offset.size(); ++i) {
    at::parallel_for(rp[offset[i]], rp[offset[i] + count[i]], kEdgeGrain, [&](int64_t begin, int64_t end) {
      std::vector<int64_t>& mine = found[at::get_thread_num()];
      for (int64_t e = begin; e < end; ++e) {
        const int64_t c = col[e];
        int64_t expected = -1;
        if (__atomic_load_n(&local[c], __ATOMIC_RELAXED) == -1 &&
            __atomic_compare_exchange_n(&local[c], &expected, -2, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
          mine.push_back(c);
      }
    });
  }
  std::vector<int64_t> halo;
  for (auto& f : found) halo.insert(halo.end(), f.begin(), f.end());
  std::sort(halo.begin(), halo.end());
  at::parallel_for(0, static_cast<int64_t>(halo.size()), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) local[halo[i]] = batch_size + i;
  });

  at::Tensor rowptr = at::empty({batch_size + 1}, at::kLong);
  int64_t* out_rp = rowptr.data_ptr<int64_t>();
  out_rp[0] = 0;
  {
    int64_t row = 0;
    for (size_t i = 0; i < offset.size(); ++i) {
      const int64_t shift = out_rp[row] - rp[offset[i]];
      for (int64_t k = 1; k <= count[i]; ++k) out_rp[row + k] = rp[offset[i] + k] + shift;
      row += count[i];
    }
  }
  const int64_t nnz = out_rp[batch_size];
  at::Tensor out_col = at::empty({nnz}, at::kLong);
  int64_t* oc = out_col.data_ptr<int64_t>();
  {
    int64_t out = 0;
    for (size_t i = 0; i < offset.size(); ++i) {
      const int64_t lo = rp[offset[i]], hi = rp[offset[i] + count[i]], shift = out - lo;
      at::parallel_for(lo, hi, kEdgeGrain, [&](int64_t begin, int64_t end) {
        for (int64_t e = begin; e < end; ++e) oc[e + shift] = local[col[e]];
      });
      out += hi - lo;
    }
  }
  at::Tensor value;
  if (adj.has_value()) {
    std::vector<at::Tensor> slices;
    for (size_t i = 0; i < offset.size(); ++i) {
      const int64_t lo = rp[offset[i]], hi = rp[offset[i] + count[i]];
      slices.push_back(adj.value.narrow(0, lo, hi - lo));
    }
    value = slices.empty() ? adj.value.narrow(0, 0, 0).clone() : at::cat(slices);
  }

  n_id.insert(n_id.end(), halo.begin(), halo.end());
  at::parallel_for(0, static_cast<int64_t>(n_id.size()), 16384, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) local[n_id[i]] = -1;
  });

  Batch batch;
  batch.n_id = at::tensor(n_id, at::kLong);
  batch.batch_size = batch_size;
  batch.offset = at::tensor(offset, at::kLong);
  batch.count = at::tensor(count, at::kLong);
  batch.parts = std::move(parts);
  batch.adj = CSR{rowptr, out_col, value, batch_size, batch.n_id.numel()};
  if (plan) {
    const ops::SymmetryProof proof = symmetry ? *symmetry : ops::SymmetryProof::check(adj);
    batch.adj.plan = ops::SpMMPlan::make(batch.adj, proof, /*index=*/!proof.symmetric());
  }
  if (x.defined()) batch.x = ops::gather_rows(x, batch.n_id);
  return batch;
}

// ------------------------------------------------------------------ training

struct SubgraphLoader::Impl {
  CSR adj;
  at::Tensor ptr;
  at::Tensor x;
  SubgraphLoaderOptions options;
  int64_t epochs_started = 0;
  bool precomputed = false;
  std::vector<Batch> fixed;  // with precompute: every batch's structure
  std::optional<ops::SymmetryProof> symmetry;

  // `group` is the batch's parts, or with precompute the batch's index.
  Batch build(const std::vector<int64_t>& group) const {
    Batch batch = precomputed ? fixed[group.front()] : structure(group);
    if (x.defined() && options.gather_features()) batch.x = features(batch.n_id);
    return batch;
  }

  // A batch without features, pinned when asked.
  Batch structure(const std::vector<int64_t>& parts) const {
    Batch batch = make_batch(adj, ptr, parts, {}, /*plan=*/true, &*symmetry);
    if (options.pin_memory()) {
      auto pin = [](at::Tensor& t) {
        if (t.defined()) t = t.pin_memory();
      };
      for (at::Tensor* t : {&batch.n_id, &batch.offset, &batch.count, &batch.adj.rowptr, &batch.adj.col,
                            &batch.adj.value})
        pin(*t);
    }
    return batch;
  }

  // x's rows n_id; dense ones gathered straight into pinned memory when asked.
  at::Tensor features(const at::Tensor& n_id) const {
    if (!options.pin_memory() || x.is_sparse() || x.layout() != at::kStrided) return ops::gather_rows(x, n_id);
    at::Tensor out = at::empty({n_id.numel(), x.size(1)}, x.options().pinned_memory(true));
    ops::gather_rows_out(x.contiguous(), n_id, out);
    return out;
  }
};

// One pass over the batches of an epoch. Workers build batches ahead, at most
// `window` beyond the one being consumed, and hand them over in order.
class SubgraphLoader::Epoch {
 public:
  Epoch(const Impl& impl, std::vector<std::vector<int64_t>> groups) : impl_(impl), groups_(std::move(groups)) {
    const int64_t workers = std::min<int64_t>(impl.options.num_workers(), static_cast<int64_t>(groups_.size()));
    window_ = std::max<int64_t>(1, workers * std::max<int64_t>(1, impl.options.prefetch()));
    for (int64_t w = 0; w < workers; ++w) threads_.emplace_back([this] { work(); });
  }

  ~Epoch() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

  bool done() const { return position_ >= static_cast<int64_t>(groups_.size()); }
  const Batch& current() const { return current_; }

  // Moves to the next batch; false at the end of the epoch.
  bool advance() {
    if (threads_.empty()) {
      ++position_;
      if (done()) return false;
      current_ = impl_.build(groups_[position_]);
      return true;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    ++position_;  // under the lock: workers read it to bound their look-ahead
    if (done()) return false;
    cv_.notify_all();
    cv_.wait(lock, [&] { return ready_.count(position_) > 0 || errors_.count(position_) > 0; });
    if (auto it = errors_.find(position_); it != errors_.end()) {
      std::exception_ptr error = it->second;
      errors_.erase(it);
      std::rethrow_exception(error);
    }
    current_ = std::move(ready_[position_]);
    ready_.erase(position_);
    return true;
  }

 private:
  void work() {
    util::use_one_intraop_thread();
    for (;;) {
      int64_t index;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] {
          return stop_ || next_ >= static_cast<int64_t>(groups_.size()) || next_ < position_ + 1 + window_;
        });
        if (stop_ || next_ >= static_cast<int64_t>(groups_.size())) return;
        index = next_++;
      }
      try {
        Batch batch = impl_.build(groups_[index]);
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(batch));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        errors_.emplace(index, std::current_exception());
      }
      cv_.notify_all();
    }
  }

  const Impl& impl_;
  std::vector<std::vector<int64_t>> groups_;
  int64_t position_ = -1;
  Batch current_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::thread> threads_;
  int64_t window_ = 1;
  int64_t next_ = 0;
  bool stop_ = false;
  std::map<int64_t, Batch> ready_;
  std::map<int64_t, std::exception_ptr> errors_;
};

SubgraphLoader::SubgraphLoader(CSR adj, at::Tensor ptr, at::Tensor x, SubgraphLoaderOptions options)
    : impl_(std::make_unique<Impl>()) {
  TORCH_CHECK(options.batch_size() >= 1, "SubgraphLoader: batch_size must be positive, got ", options.batch_size());
  TORCH_CHECK(options.num_workers() >= 0, "SubgraphLoader: num_workers must be >= 0, got ", options.num_workers());
  TORCH_CHECK(adj.device().is_cpu(), "SubgraphLoader: the graph must be on the CPU");
  TORCH_CHECK(!options.pin_memory() || at::hasCUDA(),
              "SubgraphLoader: pin_memory needs a CUDA device, and this LibTorch has none");
  check_ptr(ptr, adj.num_rows, "SubgraphLoader");
  check_graph(adj, x, "SubgraphLoader");
  impl_->adj = std::move(adj);
  // Checked once here so that no batch of a symmetric graph needs a column
  // index of its in-batch block for its backward pass.
  impl_->symmetry = ops::SymmetryProof::check(impl_->adj);
  impl_->ptr = std::move(ptr);
  impl_->x = std::move(x);
  impl_->options = options;
  impl_->precomputed = options.precompute().value_or(options.batch_size() == 1);
  if (impl_->precomputed) {
    const auto groups = shuffled_groups(num_parts(), options.batch_size(), /*epoch=*/0);
    impl_->fixed.reserve(groups.size());
    for (const auto& parts : groups) impl_->fixed.push_back(impl_->structure(parts));
  }
}

SubgraphLoader::~SubgraphLoader() = default;
SubgraphLoader::SubgraphLoader(SubgraphLoader&&) noexcept = default;
SubgraphLoader& SubgraphLoader::operator=(SubgraphLoader&&) noexcept = default;

int64_t SubgraphLoader::num_parts() const { return impl_->ptr.numel() - 1; }

int64_t SubgraphLoader::size() const {
  const int64_t b = impl_->options.batch_size();
  return (num_parts() + b - 1) / b;
}

const SubgraphLoaderOptions& SubgraphLoader::options() const { return impl_->options; }

const at::Tensor& SubgraphLoader::features() const { return impl_->x; }

int64_t SubgraphLoader::epoch() const { return impl_->epochs_started; }

bool SubgraphLoader::symmetric() const { return impl_->symmetry->symmetric(); }

void SubgraphLoader::reseed(uint64_t seed) {
  impl_->options.seed(seed);
  impl_->epochs_started = 0;
}

std::vector<std::vector<int64_t>> SubgraphLoader::shuffled_groups(int64_t count, int64_t b, int64_t epoch) const {
  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  if (impl_->options.shuffle()) {
    std::mt19937_64 rng(impl_->options.seed() + static_cast<uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::vector<std::vector<int64_t>> groups;
  for (size_t i = 0; i < order.size(); i += b)
    groups.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + b));
  return groups;
}

void SubgraphLoader::seek(int64_t epoch) {
  TORCH_CHECK(epoch >= 0, "SubgraphLoader::seek: epoch must be >= 0, got ", epoch);
  impl_->epochs_started = epoch;
}

SubgraphLoader::Iterator SubgraphLoader::begin(int64_t skip) {
  TORCH_CHECK(skip >= 0 && skip <= size(), "SubgraphLoader::begin: cannot skip ", skip, " of ", size(), " batches");
  const int64_t epoch = impl_->epochs_started++;
  std::vector<std::vector<int64_t>> groups = impl_->precomputed
                                                 ? shuffled_groups(static_cast<int64_t>(impl_->fixed.size()), 1, epoch)
                                                 : shuffled_groups(num_parts(), impl_->options.batch_size(), epoch);
  groups.erase(groups.begin(), groups.begin() + skip);
  Iterator it;
  it.epoch_ = std::make_shared<Epoch>(*impl_, std::move(groups));
  if (!it.epoch_->advance()) it.epoch_.reset();
  return it;
}

SubgraphLoader::Iterator SubgraphLoader::end() { return Iterator(); }

const Batch& SubgraphLoader::Iterator::operator*() const {
  TORCH_CHECK(epoch_ != nullptr, "SubgraphLoader: dereferencing the end iterator");
  return epoch_->current();
}

SubgraphLoader::Iterator& SubgraphLoader::Iterator::operator++() {
  if (epoch_ && !epoch_->advance()) epoch_.reset();
  return *this;
}

bool SubgraphLoader::Iterator::operator!=(const Iterator& other) const { return epoch_ != other.epoch_; }

// ---------------------------------------------------------------- evaluation

EvalSubgraphLoader::EvalSubgraphLoader(const CSR& adj, const at::Tensor& ptr, int64_t batch_size)
    : num_nodes_(adj.num_cols), num_rows_(adj.num_rows) {
  TORCH_CHECK(batch_size >= 1, "EvalSubgraphLoader: batch_size must be positive, got ", batch_size);
  check_ptr(ptr, adj.num_rows, "EvalSubgraphLoader");
  check_graph(adj, {}, "EvalSubgraphLoader");
  const int64_t k = ptr.numel() - 1;
  for (int64_t first = 0; first < k; first += batch_size) {
    std::vector<int64_t> parts;
    for (int64_t part = first; part < std::min(k, first + batch_size); ++part) parts.push_back(part);
    Batch batch = make_batch(adj, ptr, std::move(parts), {}, /*plan=*/false);
    if (batch.batch_size > 0) batches_.push_back(std::move(batch));
  }
}

int64_t EvalSubgraphLoader::nbytes() const {
  int64_t bytes = 0;
  for (const Batch& b : batches_) bytes += b.nbytes();
  return bytes;
}

int64_t EvalSubgraphLoader::max_halo() const {
  int64_t m = 0;
  for (const Batch& b : batches_) m = std::max(m, b.num_halo());
  return m;
}

}  // namespace gas
