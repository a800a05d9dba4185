#include <gas/train.h>

#include <gas/trainer.h>

#include "util/system.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/functional/loss.h>

#include <cmath>
#include <limits>

namespace gas {

std::unique_ptr<torch::optim::Adam> make_adam(ScalableGNNImpl& model, double lr, double reg_weight_decay,
                                              double nonreg_weight_decay) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto add = [&](std::vector<at::Tensor> params, double weight_decay) {
    if (params.empty()) return;
    groups.emplace_back(std::move(params), std::make_unique<torch::optim::AdamOptions>(
                                               torch::optim::AdamOptions(lr).weight_decay(weight_decay)));
  };
  add(model.reg_parameters(), reg_weight_decay);
  add(model.nonreg_parameters(), nonreg_weight_decay);
  TORCH_CHECK(!groups.empty(), "make_adam: the model has no parameters");
  return std::make_unique<torch::optim::Adam>(std::move(groups), torch::optim::AdamOptions(lr));
}

at::Tensor node_loss(const at::Tensor& logits, const at::Tensor& y) {
  namespace F = torch::nn::functional;
  if (y.dim() == 1) return F::cross_entropy(logits, y);
  return F::binary_cross_entropy_with_logits(logits, y.to(logits.scalar_type()));
}

void clip_grad_norm(const std::vector<at::Tensor>& parameters, double max_norm) {
  TORCH_CHECK(max_norm > 0, "clip_grad_norm: max_norm must be positive, got ", max_norm);
  std::vector<at::Tensor> grads;
  for (const auto& p : parameters)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return;
  std::vector<at::Tensor> norms;
  for (const auto& g : grads) norms.push_back(g.norm(2));
  const at::Tensor scale = (max_norm / (at::stack(norms).norm(2) + 1e-6)).clamp_max(1.0);
  for (auto& g : grads) g.mul_(scale);
}

TrainEpochStats train_epoch(ScalableGNNImpl& model, SubgraphLoader& loader, torch::optim::Optimizer& optimizer,
                            const Dataset& data, const TrainEpochOptions& options,
                            const std::vector<TrainHook*>& hooks) {
  TrainEpochStats stats;
  stats.total_batches = loader.size();
  const double start = util::now_seconds();
  model.train();
  const c10::Device device = model.device();
  const at::Tensor train_mask = data.mask(Split::Train, options.split());
  // The loss summed over training nodes stays on the device until the epoch
  // ends: no host read inside the loop. Which rows train is decided on the
  // host from the CPU mask, so the device never answers a question either.
  at::Tensor loss_sum = at::zeros({}, at::TensorOptions(device).dtype(at::kDouble));
  int64_t examples = 0;
  model.histories().reset_transfers();

  double wait_start = util::now_seconds();
  for (auto it = loader.begin(); it != loader.end(); ++it) {
    const Batch& batch = *it;
    stats.wait_seconds += util::now_seconds() - wait_start;
    ++stats.batches;
    const at::Tensor nodes = batch.n_id.narrow(0, 0, batch.batch_size);
    const at::Tensor rows = train_mask.index_select(0, nodes).nonzero().squeeze(1);
    const int64_t count = rows.numel();
    if (count > 0) {
      double t = util::now_seconds();
      const at::Tensor out =
          model.forward(batch.x.to(device, /*non_blocking=*/true), batch.adj.to(device, /*non_blocking=*/true), &batch);
      stats.forward_seconds += util::now_seconds() - t;
      t = util::now_seconds();
      const at::Tensor target = data.y.index_select(0, nodes.index_select(0, rows));
      const at::Tensor loss = node_loss(out.index_select(0, rows.to(device, /*non_blocking=*/true)),
                                        target.to(device, /*non_blocking=*/true));
      optimizer.zero_grad();
      loss.backward();
      stats.backward_seconds += util::now_seconds() - t;
      t = util::now_seconds();
      for (TrainHook* h : hooks) h->after_backward(model);
      if (options.grad_norm()) clip_grad_norm(model.parameters(), *options.grad_norm());
      optimizer.step();
      stats.step_seconds += util::now_seconds() - t;
      loss_sum.add_(loss.detach().to(at::kDouble), static_cast<double>(count));
      examples += count;
      ++stats.steps;
    }
    for (TrainHook* h : hooks) h->end_batch(batch);
    if (options.max_steps() > 0 && stats.batches >= options.max_steps()) break;
    wait_start = util::now_seconds();
  }
  stats.loss = examples > 0 ? loss_sum.item<double>() / static_cast<double>(examples)
                            : std::numeric_limits<double>::quiet_NaN();
  model.histories().synchronize();  // every push of the epoch has landed: the counters are complete
  stats.seconds = util::now_seconds() - start;
  const HistoryTransfers& transfers = model.histories().transfers();
  stats.pull_seconds = transfers.pull_seconds;
  stats.push_seconds = transfers.push_seconds;
  stats.h2d_seconds = transfers.h2d_seconds;
  stats.d2h_seconds = transfers.d2h_seconds;
  return stats;
}

at::Tensor full_batch_inference(ScalableGNNImpl& model, const Dataset& data) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const c10::Device device = model.device();
  at::Tensor out = model.forward(data.x.to(device), data.adj.to(device));
  model.train(was_training);
  return out;
}

}  // namespace gas
