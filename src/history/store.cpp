#include <gas/history/store.h>

#include <gas/loader.h>

#include "util/system.h"

#include <ATen/ATen.h>

namespace gas {

namespace {

// Adds the seconds from construction to destruction to a counter: every
// transfer is timed where it is made, including one that throws.
class Timer {
 public:
  explicit Timer(double& total) : total_(total), start_(util::now_seconds()) {}
  ~Timer() { total_ += util::now_seconds() - start_; }

 private:
  double& total_;
  double start_;
};

// The rows the ranges [offset[i], offset[i] + count[i]) cover, each checked
// to lie in [0, num_nodes).
int64_t check_ranges(const at::Tensor& offset, const at::Tensor& count, int64_t num_nodes) {
  TORCH_CHECK(offset.dim() == 1 && count.dim() == 1 && offset.numel() == count.numel() && offset.device().is_cpu() &&
                  count.device().is_cpu() && offset.scalar_type() == at::kLong && count.scalar_type() == at::kLong &&
                  offset.is_contiguous() && count.is_contiguous(),
              "HistoryStore::push: offset and count must be contiguous 1-D int64 host tensors of equal length, got ",
              offset.sizes(), " and ", count.sizes());
  const int64_t* op = offset.data_ptr<int64_t>();
  const int64_t* cp = count.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < offset.numel(); ++i) {
    TORCH_CHECK(cp[i] >= 0 && op[i] >= 0 && op[i] + cp[i] <= num_nodes, "HistoryStore::push: chunk ", i, " [", op[i],
                ", ", op[i] + cp[i], ") outside [0, ", num_nodes, ")");
    total += cp[i];
  }
  return total;
}

void check_index(const at::Tensor& n_id, const char* op) {
  TORCH_CHECK(n_id.dim() == 1 && n_id.scalar_type() == at::kLong, "HistoryStore::", op,
              ": n_id must be a 1-D int64 tensor, got ", n_id.sizes(), " ", n_id.scalar_type());
}

// Copies `from` into `to` a block of rows at a time, so that moving a layer
// between backends never holds a second full copy of it.
void copy_storage(const HistoryStorage& from, HistoryStorage& to) {
  const int64_t block = std::max<int64_t>(1, (int64_t{64} << 20) / (from.width() * 4));
  for (int64_t offset = 0; offset < from.rows(); offset += block) {
    at::Tensor rows = at::empty({std::min(block, from.rows() - offset), from.width()},
                                at::TensorOptions(from.device()).dtype(at::kFloat));
    from.read_range(offset, rows);
    to.write_range(offset, rows.to(to.device()));
  }
}

}  // namespace

HistoryStore::HistoryStore(int64_t num_nodes, std::vector<int64_t> widths, std::shared_ptr<HistoryBackend> backend,
                           c10::Device compute_device)
    : num_nodes_(num_nodes),
      widths_(std::move(widths)),
      backend_(std::move(backend)),
      transport_(std::make_shared<SyncHistoryTransport>()),
      compute_device_(compute_device),
      transfers_(std::make_shared<HistoryTransfers>()) {
  TORCH_CHECK(num_nodes >= 0, "HistoryStore: num_nodes must be >= 0, got ", num_nodes);
  TORCH_CHECK(backend_ != nullptr, "HistoryStore: null backend");
  for (size_t i = 0; i < widths_.size(); ++i)
    TORCH_CHECK(widths_[i] > 0, "HistoryStore: history ", i, " must have a positive width, got ", widths_[i]);
}

int64_t HistoryStore::width(int64_t layer) const {
  TORCH_CHECK(layer >= 0 && layer < size(), "HistoryStore: history ", layer, " of ", size());
  return widths_[static_cast<size_t>(layer)];
}

int64_t HistoryStore::nbytes() const {
  int64_t total = 0;
  for (const auto& l : storages()) total += l->nbytes();
  return total;
}

const std::vector<std::unique_ptr<HistoryStorage>>& HistoryStore::storages() const {
  if (layers_.empty())
    for (size_t i = 0; i < widths_.size(); ++i)
      layers_.push_back(backend_->allocate(num_nodes_, widths_[i], compute_device_, name_ + std::to_string(i)));
  return layers_;
}

HistoryStorage& HistoryStore::layer(int64_t layer) const {
  TORCH_CHECK(layer >= 0 && layer < size(), "HistoryStore: history ", layer, " of ", size());
  return *storages()[static_cast<size_t>(layer)];
}

void HistoryStore::set_compute_device(c10::Device device) {
  if (device == compute_device_) return;
  compute_device_ = device;
  reallocate();
}

void HistoryStore::set_backend(std::shared_ptr<HistoryBackend> backend) {
  TORCH_CHECK(backend != nullptr, "HistoryStore::set_backend: null");
  if (backend == backend_) return;
  backend_ = std::move(backend);
  reallocate();
}

void HistoryStore::reallocate() {
  transport_->end_batch();
  transport_->synchronize();
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto moved = backend_->allocate(num_nodes_, widths_[i], compute_device_, name_ + std::to_string(i));
    copy_storage(*layers_[i], *moved);
    layers_[i] = std::move(moved);
  }
}

void HistoryStore::set_transport(std::shared_ptr<HistoryTransport> transport) {
  TORCH_CHECK(transport != nullptr, "HistoryStore::set_transport: null");
  transport_->end_batch();
  transport_->synchronize();
  transport_ = std::move(transport);
  transport_->set_profiling(profiling_);
}

void HistoryStore::set_profiling(bool on) {
  profiling_ = on;
  transport_->set_profiling(on);
}

void HistoryStore::reset() {
  transport_->synchronize();
  for (auto& l : layers_) l->zero();  // storage not yet allocated is zero when it is
  for (int64_t i = 0; i < static_cast<int64_t>(written_at_.size()); ++i) mark_written(i, at::Tensor());
}

void HistoryStore::set_push_momentum(double momentum) {
  TORCH_CHECK(momentum >= 0 && momentum < 1, "HistoryStore: push momentum must be in [0, 1), got ", momentum);
  push_momentum_ = momentum;
}

void HistoryStore::track_ages(bool on) {
  written_at_.clear();
  steps_ = 0;
  if (on)
    for (int64_t i = 0; i < size(); ++i) written_at_.push_back(at::zeros({num_nodes_}, at::kLong));
}

at::Tensor HistoryStore::ages(int64_t layer) const {
  TORCH_CHECK(tracks_ages(), "HistoryStore::ages: ages are not tracked (track_ages(true) first)");
  width(layer);  // checks the layer
  return steps_ - written_at_[static_cast<size_t>(layer)];
}

void HistoryStore::mark_written(int64_t layer, const at::Tensor& n_id) {
  if (!tracks_ages()) return;
  at::Tensor& at = written_at_[static_cast<size_t>(layer)];
  if (n_id.defined())
    at.index_fill_(0, n_id.to(at::kCPU), steps_);
  else
    at.fill_(steps_);
}

void HistoryStore::mix(int64_t layer, const at::Tensor& x, const at::Tensor& n_id, double gamma) {
  TORCH_CHECK(gamma >= 0 && gamma <= 1, "HistoryStore::mix: gamma must be in [0, 1], got ", gamma);
  check_index(n_id, "mix");
  check_rows(layer, x, n_id.numel(), "n_id has");
  const at::Tensor old = pull(layer, n_id);
  write_rows(layer, old.mul_(1.0 - gamma).add_(x.detach().to(old.device(), at::kFloat), gamma), n_id);
}

void HistoryStore::check_rows(int64_t layer, const at::Tensor& x, int64_t rows, const char* what) const {
  const int64_t w = width(layer);
  TORCH_CHECK(x.dim() == 2 && x.size(1) == w, "HistoryStore::push: history ", layer, " expected x of shape [", rows,
              ", ", w, "], got ", x.sizes());
  TORCH_CHECK(x.size(0) == rows, "HistoryStore::push: history ", layer, ": x has ", x.size(0), " rows, ", what, " ",
              rows);
}

at::Tensor HistoryStore::to_storage(int64_t layer, const at::Tensor& x) const {
  return x.detach().to(this->layer(layer).device(), at::kFloat).contiguous();
}

void HistoryStore::begin_batch(const Batch& batch) {
  ++steps_;
  Timer t(transfers_->pull_seconds);
  std::vector<HistoryStorage*> layers;
  for (auto& l : storages()) layers.push_back(l.get());
  transport_->begin_batch(layers, batch);
}

void HistoryStore::push(int64_t layer, const at::Tensor& x, const Batch& batch) {
  TORCH_CHECK(x.dim() == 2 && x.size(0) >= batch.batch_size, "HistoryStore::push: history ", layer, " got ",
              x.sizes(), " for a batch of ", batch.batch_size, " nodes");
  if (batch.offset.defined() && batch.count.defined())
    TORCH_CHECK(check_ranges(batch.offset, batch.count, num_nodes_) == batch.batch_size, "HistoryStore::push: the batch's parts do not cover its ",
                batch.batch_size, " nodes");
  Timer t(transfers_->push_seconds);
  // On the compute device: the transport moves it (a device transport
  // asynchronously, the host ones at once).
  at::Tensor rows = x.narrow(0, 0, batch.batch_size).detach().to(at::kFloat).contiguous();
  check_rows(layer, rows, batch.batch_size, "the batch has");
  const at::Tensor in_batch = batch.n_id.narrow(0, 0, batch.batch_size);
  if (push_momentum_ > 0) rows = rows.mul(1.0 - push_momentum_).add_(pull(layer, in_batch), push_momentum_);
  transport_->push(this->layer(layer), static_cast<size_t>(layer), rows, batch);
  transfers_->rows_pushed += batch.batch_size;
  mark_written(layer, in_batch);
}

at::Tensor HistoryStore::pull(int64_t layer, const Batch& batch) {
  Timer t(transfers_->pull_seconds);
  const at::Tensor halo = transport_->pull(this->layer(layer), static_cast<size_t>(layer), batch);
  transfers_->rows_pulled += halo.size(0);
  return halo.to(compute_device_);
}

void HistoryStore::end_batch() {
  Timer t(transfers_->push_seconds);
  transport_->end_batch();
}

void HistoryStore::synchronize() {
  {
    Timer t(transfers_->push_seconds);
    transport_->synchronize();
  }
  transport_->collect_device_times(*transfers_);
}

void HistoryStore::push(int64_t layer, const at::Tensor& x) {
  transport_->synchronize();  // no transfer of a training batch in flight
  check_rows(layer, x, num_nodes_, "expected num_nodes =");
  Timer t(transfers_->push_seconds);
  this->layer(layer).write_range(0, to_storage(layer, x));
  transfers_->rows_pushed += num_nodes_;
  mark_written(layer, at::Tensor());
}

void HistoryStore::push(int64_t layer, const at::Tensor& x, const at::Tensor& n_id) {
  check_index(n_id, "push");
  check_rows(layer, x, n_id.numel(), "n_id has");
  write_rows(layer, x, n_id);
  mark_written(layer, n_id);
}

void HistoryStore::write_rows(int64_t layer, const at::Tensor& x, const at::Tensor& n_id) {
  transport_->synchronize();
  Timer t(transfers_->push_seconds);
  HistoryStorage& l = this->layer(layer);
  const at::Tensor index = n_id.to(l.device()).contiguous();
  const int64_t bad = index.numel() == 0 ? 0 : at::logical_or(index.lt(0), index.ge(num_nodes_)).sum().item<int64_t>();
  TORCH_CHECK(bad == 0, "HistoryStore::push: history ", layer, ": ", bad, " node ids outside [0, ", num_nodes_, ")");
  l.write(index, to_storage(layer, x));
  transfers_->rows_pushed += n_id.numel();
}

void HistoryStore::push(int64_t layer, const at::Tensor& x, const at::Tensor& offset, const at::Tensor& count) {
  transport_->synchronize();
  const at::Tensor o = offset.to(at::kCPU, at::kLong).contiguous();
  const at::Tensor c = count.to(at::kCPU, at::kLong).contiguous();
  const int64_t total = check_ranges(o, c, num_nodes_);
  check_rows(layer, x, total, "the chunks cover");
  Timer t(transfers_->push_seconds);
  HistoryStorage& l = this->layer(layer);
  const at::Tensor src = to_storage(layer, x);
  const int64_t* op = o.data_ptr<int64_t>();
  const int64_t* cp = c.data_ptr<int64_t>();
  int64_t src_offset = 0;
  for (int64_t i = 0; i < o.numel(); ++i) {
    l.write_range(op[i], src.narrow(0, src_offset, cp[i]));
    if (tracks_ages()) written_at_[static_cast<size_t>(layer)].narrow(0, op[i], cp[i]).fill_(steps_);
    src_offset += cp[i];
  }
  transfers_->rows_pushed += total;
}

at::Tensor HistoryStore::pull(int64_t layer, const at::Tensor& n_id) {
  transport_->synchronize();
  check_index(n_id, "pull");
  Timer t(transfers_->pull_seconds);
  const HistoryStorage& l = this->layer(layer);
  const at::Tensor index = n_id.to(l.device()).contiguous();
  at::Tensor out = at::empty({index.numel(), l.width()}, at::TensorOptions(l.device()).dtype(at::kFloat));
  l.read(index, out);
  transfers_->rows_pulled += index.numel();
  return out.to(compute_device_);
}

at::Tensor HistoryStore::pull(int64_t layer) {
  transport_->synchronize();
  Timer t(transfers_->pull_seconds);
  const HistoryStorage& l = this->layer(layer);
  at::Tensor out = at::empty({num_nodes_, l.width()}, at::TensorOptions(l.device()).dtype(at::kFloat));
  l.read_range(0, out);
  transfers_->rows_pulled += num_nodes_;
  return out.to(compute_device_);
}

std::unique_ptr<HistoryStore> HistoryStore::like(int64_t num_nodes) {
  auto store = std::make_unique<HistoryStore>(num_nodes, widths_, backend_, compute_device_);
  store->transfers_ = transfers_;
  store->name_ = "buffer";
  return store;
}

}  // namespace gas
