#include <gas/train.h>

#include <gas/large_block_cache.h>
#include <gas/ops/all_finite.h>

#include <gas/optim/adam.h>
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
  return std::make_unique<optim::Adam>(std::move(groups), torch::optim::AdamOptions(lr));
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

namespace {

// Whether the step's loss and every gradient are finite, as one device bool.
at::Tensor step_is_finite(const at::Tensor& loss, const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> tensors{loss.detach()};
  for (const auto& p : parameters) tensors.push_back(p.grad());
  return ops::all_finite(tensors);
}

std::string describe_batch(const Batch& batch, int64_t index, int64_t total) {
  std::string parts;
  for (size_t i = 0; i < batch.parts.size() && i < 8; ++i) parts += (i ? ", " : "") + std::to_string(batch.parts[i]);
  if (batch.parts.size() > 8) parts += ", ...";
  return "batch " + std::to_string(index + 1) + "/" + std::to_string(total) +
         (parts.empty() ? "" : " (parts " + parts + ")");
}

}  // namespace

TrainEpochStats train_epoch(ScalableGNNImpl& model, SubgraphLoader& loader, torch::optim::Optimizer& optimizer,
                            const Dataset& data, const TrainEpochOptions& options,
                            const std::vector<TrainHook*>& hooks) {
  TrainEpochStats stats;
  const int64_t collective = options.collective_steps();
  TORCH_CHECK(collective == 0 || collective >= loader.size() || options.max_steps() > 0,
              "train_epoch: collective_steps ", collective, " is fewer than the loader's ", loader.size(), " batches");
  stats.total_batches = collective > 0 ? collective : loader.size();
  const double start = util::now_seconds();
  model.train();
  const c10::Device device = model.device();
  const at::Tensor train_mask = data.mask(Split::Train, options.split());
  // The loss summed over training nodes stays on the device until the epoch
  // ends: no host read inside the loop. Which rows train is decided on the
  // host from the CPU mask, so the device never answers a question either.
  at::Tensor loss_sum = at::zeros({}, at::TensorOptions(device).dtype(at::kDouble));
  model.histories().reset_transfers();
  TORCH_CHECK(options.first_batch() >= 0 && options.first_batch() <= stats.total_batches, "train_epoch: first_batch ",
              options.first_batch(), " outside the epoch's ", stats.total_batches, " batches");
  // Non-finite steps: read at once where reading is free (the CPU) or the
  // step depends on it (skip); on a device under stop, the first bad batch
  // is kept on the device and read with the loss.
  const bool skip = options.on_nonfinite() == NonFinite::Skip;
  const bool read_each_step = skip || device.is_cpu();
  at::Tensor first_bad;  // device: index of the first non-finite batch, -1 for none
  std::vector<std::string> bad_batches;

  int64_t index = options.first_batch() - 1;  // of the step running
  // One step: the batch's forward and backward (none for a batch without
  // training nodes, or an empty step that pads a collective epoch), the
  // hooks, and the optimiser step when the step (after the hooks: the job's
  // step) has training targets and finite values.
  auto run_step = [&](const Batch* batch) {
    StepTargets targets;
    at::Tensor loss;
    at::Tensor nodes, rows;
    if (batch != nullptr) {
      nodes = batch->n_id.narrow(0, 0, batch->batch_size);
      rows = train_mask.index_select(0, nodes).nonzero().squeeze(1);
      targets.examples = rows.numel();
    }
    if (targets.examples == 0 && collective == 0) return;
    double t = util::now_seconds();
    optimizer.zero_grad();
    if (targets.examples > 0) {
      const CSR adj = batch->adj.to(device, /*non_blocking=*/true);
      const at::Tensor out = !batch->x.defined() && loader.features().defined()
                                 ? model.forward_rows(loader.features().to(device), adj, *batch)
                                 : model.forward(batch->x.to(device, /*non_blocking=*/true), adj, batch);
      stats.forward_seconds += util::now_seconds() - t;
      t = util::now_seconds();
      const at::Tensor target = data.y.index_select(0, nodes.index_select(0, rows));
      loss = node_loss(out.index_select(0, rows.to(device, /*non_blocking=*/true)),
                       target.to(device, /*non_blocking=*/true));
      loss.backward();
      targets.loss_sum = loss.detach().to(at::kDouble) * static_cast<double>(targets.examples);
    } else {
      targets.loss_sum = at::zeros({}, at::TensorOptions(device).dtype(at::kDouble));
    }
    stats.backward_seconds += util::now_seconds() - t;
    t = util::now_seconds();
    for (TrainHook* h : hooks) h->after_backward(model, targets);
    if (targets.examples > 0) {
      const at::Tensor finite = step_is_finite(targets.loss_sum, model.parameters());
      bool step = true;
      if (read_each_step && !finite.item<bool>()) {
        if (!skip)
          throw NonFiniteError(
              "non-finite loss (" +
              std::to_string(targets.loss_sum.item<double>() / static_cast<double>(targets.examples)) +
              ") or gradient at " +
              (batch ? describe_batch(*batch, index, loader.size()) : "an empty step (another rank's)"));
        step = false;
        ++stats.skipped_steps;
        optimizer.zero_grad();
      } else if (!read_each_step) {
        if (!first_bad.defined()) first_bad = at::full({}, -1, at::TensorOptions(device).dtype(at::kLong));
        first_bad.masked_fill_(first_bad.lt(0).logical_and(finite.logical_not()), index);
      }
      if (step) {
        if (options.grad_norm()) clip_grad_norm(model.parameters(), *options.grad_norm());
        optimizer.step();
        loss_sum.add_(targets.loss_sum);
        stats.examples += targets.examples;
        ++stats.steps;
      }
    }
    stats.step_seconds += util::now_seconds() - t;
  };

  double wait_start = util::now_seconds();
  // A collective epoch resumed past this rank's batches starts its loader
  // epoch with none left, as the other ranks start theirs.
  for (auto it = loader.begin(std::min(options.first_batch(), loader.size())); it != loader.end(); ++it) {
    const Batch& batch = *it;
    stats.wait_seconds += util::now_seconds() - wait_start;
    ++stats.batches;
    ++index;
    run_step(&batch);
    if (!read_each_step) bad_batches.push_back(describe_batch(batch, index, loader.size()));
    for (TrainHook* h : hooks) h->end_batch(batch);
    if (options.max_steps() > 0 && stats.batches >= options.max_steps()) break;
    if (options.stop() && options.stop()->load()) {
      stats.interrupted = true;
      break;
    }
    wait_start = util::now_seconds();
  }
  // A collective epoch: this rank ran out of batches before the others;
  // its empty steps count as batches, so that every rank resumes at one step.
  const int64_t last = options.max_steps() > 0 ? std::min(collective, options.max_steps()) : collective;
  while (!stats.interrupted && options.first_batch() + stats.batches < last) {
    ++stats.batches;
    ++index;
    run_step(nullptr);
    if (!read_each_step)
      bad_batches.push_back("an empty step (another rank's batch " + std::to_string(index + 1) + ")");
    if (options.stop() && options.stop()->load()) stats.interrupted = true;
  }
  if (first_bad.defined()) {
    const int64_t bad = first_bad.item<int64_t>();
    if (bad >= 0)
      throw NonFiniteError("non-finite loss or gradient at " +
                           bad_batches.at(static_cast<size_t>(bad - options.first_batch())));
  }
  stats.loss = stats.examples > 0 ? loss_sum.item<double>() / static_cast<double>(stats.examples)
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

at::Tensor full_batch_inference(ScalableGNNImpl& model, const Dataset& data, bool keep_histories,
                                std::vector<at::Tensor>* hidden, bool training) {
  TORCH_CHECK(keep_histories || hidden == nullptr, "full_batch_inference: hidden outputs need keep_histories");
  torch::NoGradGuard no_grad;
  // Every layer's output is a full-graph temporary (256 MB for 64 features
  // of a 1M-node graph), freed within the pass: kept for the next pass.
  const RetainLargeBlocks retain;
  const ScopedMode mode(model, training);
  const c10::Device device = model.device();
  return keep_histories ? model.forward_exact(data.x.to(device), data.adj.to(device), hidden)
                        : model.forward(data.x.to(device), data.adj.to(device));
}

}  // namespace gas
