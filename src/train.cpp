#include <gas/train.h>

#include <gas/trainer.h>

#include "util/system.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>

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

TrainEpochStats train_epoch(ScalableGNNImpl& model, SubgraphLoader& loader, torch::optim::Optimizer& optimizer,
                            const Dataset& data, const TrainEpochOptions& options,
                            const std::vector<TrainHook*>& hooks) {
  TrainEpochStats stats;
  stats.total_batches = loader.size();
  const double start = util::now_seconds();
  model.train();
  const c10::Device device = model.device();
  const at::Tensor train_mask = data.mask(Split::Train, options.split());
  double loss_sum = 0.0;
  int64_t examples = 0;
  model.histories().reset_transfers();

  double wait_start = util::now_seconds();
  for (auto it = loader.begin(); it != loader.end(); ++it) {
    const Batch& batch = *it;
    stats.wait_seconds += util::now_seconds() - wait_start;
    ++stats.batches;
    const at::Tensor nodes = batch.n_id.narrow(0, 0, batch.batch_size);
    const at::Tensor mask = train_mask.index_select(0, nodes);
    const int64_t count = mask.sum().item<int64_t>();
    if (count > 0) {
      double t = util::now_seconds();
      const at::Tensor out = model.forward(batch.x.to(device), batch.adj.to(device), &batch);
      stats.forward_seconds += util::now_seconds() - t;
      t = util::now_seconds();
      const at::Tensor mask_d = mask.to(device);
      const at::Tensor loss = node_loss(out.index({mask_d}), data.y.index_select(0, nodes).to(device).index({mask_d}));
      optimizer.zero_grad();
      loss.backward();
      const double loss_value = loss.item<double>();
      stats.backward_seconds += util::now_seconds() - t;
      t = util::now_seconds();
      for (TrainHook* h : hooks) h->after_backward(model);
      if (options.grad_norm()) torch::nn::utils::clip_grad_norm_(model.parameters(), *options.grad_norm());
      optimizer.step();
      stats.step_seconds += util::now_seconds() - t;
      loss_sum += loss_value * static_cast<double>(count);
      examples += count;
      ++stats.steps;
    }
    for (TrainHook* h : hooks) h->end_batch(batch);
    if (options.max_steps() > 0 && stats.batches >= options.max_steps()) break;
    wait_start = util::now_seconds();
  }
  stats.loss = examples > 0 ? loss_sum / static_cast<double>(examples) : std::numeric_limits<double>::quiet_NaN();
  stats.seconds = util::now_seconds() - start;
  stats.pull_seconds = model.histories().transfers().pull_seconds;
  stats.push_seconds = model.histories().transfers().push_seconds;
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
