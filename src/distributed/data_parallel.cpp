#include <gas/distributed/data_parallel.h>

#include <gas/scalable_gnn.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace gas {
namespace dist {

namespace {

// The tensors as one float64 CPU vector, for one collective over all of them.
at::Tensor flatten(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> parts;
  for (const auto& t : tensors) parts.push_back(t.detach().to(at::kDouble).reshape(-1).cpu());
  return at::cat(parts);
}

// Copies `flat` (scaled by `scale`) back into the tensors flatten() read.
void unflatten(const at::Tensor& flat, std::vector<at::Tensor>& tensors, double scale = 1.0) {
  int64_t offset = 0;
  for (auto& t : tensors) {
    at::Tensor part = flat.narrow(0, offset, t.numel()).view(t.sizes());
    t.copy_(scale == 1.0 ? part : part.mul(scale));
    offset += t.numel();
  }
}

}  // namespace

void broadcast_parameters(Communicator& comm, torch::nn::Module& model, int64_t root) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors = model.parameters();
  for (const auto& b : model.buffers()) tensors.push_back(b);
  if (tensors.empty()) return;
  at::Tensor flat = flatten(tensors);
  comm.broadcast(flat, root);
  unflatten(flat, tensors);
}

void average_buffers(Communicator& comm, torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> tensors;
  for (const auto& b : model.buffers())
    if (b.is_floating_point()) tensors.push_back(b);
  if (tensors.empty()) return;
  at::Tensor flat = flatten(tensors);
  comm.all_reduce_sum(flat);
  unflatten(flat, tensors, 1.0 / static_cast<double>(comm.size()));
}

void GradientAllReduce::after_backward(ScalableGNNImpl& model, StepTargets& step) {
  std::vector<at::Tensor> params;
  for (const auto& p : model.parameters())
    if (p.requires_grad()) params.push_back(p);
  const auto count = static_cast<double>(step.examples);
  std::vector<at::Tensor> parts;
  for (const auto& p : params) {
    if (p.grad().defined()) {
      parts.push_back(p.grad().detach().to(at::kCPU, at::kDouble).reshape(-1).mul(count));
    } else {
      parts.push_back(at::zeros({p.numel()}, at::kDouble));
    }
  }
  parts.push_back(step.loss_sum.detach().to(at::kCPU, at::kDouble).reshape(1));
  parts.push_back(at::full({1}, count, at::kDouble));
  parts.push_back(at::full({1}, signal_ && signal_->load() ? 1.0 : 0.0, at::kDouble));
  at::Tensor flat = at::cat(parts);
  comm_.all_reduce_sum(flat);
  if (flat[-1].item<double>() > 0) stop_ = true;
  const double total = flat[-2].item<double>();
  step.examples = static_cast<int64_t>(total);
  step.loss_sum = flat[-3].to(model.device());
  if (step.examples == 0) return;
  int64_t offset = 0;
  for (auto& p : params) {
    at::Tensor mean = flat.narrow(0, offset, p.numel()).div(total).view(p.sizes()).to(p.device(), p.scalar_type());
    offset += p.numel();
    if (p.grad().defined()) {
      p.mutable_grad().copy_(mean);
    } else {
      p.mutable_grad() = mean;
    }
  }
}

DataParallelHook::DataParallelHook(Communicator& comm, HaloExchange& halo, ScalableGNNImpl& model,
                                   HaloRefresh refresh, StopFlag signal)
    : gradients_(comm, signal), halo_(halo), model_(model), refresh_(refresh) {
  TORCH_CHECK(model.num_nodes() == halo.num_owned() + halo.num_halo(), "DataParallelHook: the model's histories ",
              "hold ", model.num_nodes(), " rows, the rank has ", halo.num_owned(), " own and ", halo.num_halo(),
              " halo nodes");
}

void DataParallelHook::after_backward(ScalableGNNImpl& model, StepTargets& step) {
  if (refresh_ == HaloRefresh::Pipelined) {
    // This step's pushes go out now and land at the next step's end; the
    // rows that landed now (last step's) serve the next forward.
    finish_pending();
    halo_.start_refresh(model_.histories());
  }
  gradients_.after_backward(model, step);
  // Every rank calls this for every step of a collective epoch, batches
  // without training nodes and padding included: the refresh stays matched.
  if (refresh_ == HaloRefresh::Step) refresh_halo();
}

void DataParallelHook::end_epoch(const EpochRecord& e, const RunResult&) {
  finish_pending();
  if (refresh_ == HaloRefresh::Epoch && !e.evaluated) refresh_halo();
}

void DataParallelHook::finish_pending() {
  if (halo_.refresh_pending()) halo_.finish_refresh(model_.histories());
}

void DataParallelHook::refresh_halo() {
  halo_.start_refresh(model_.histories());
  halo_.finish_refresh(model_.histories());
}

}  // namespace dist
}  // namespace gas
