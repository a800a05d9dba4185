// gas::optim::Adam against torch::optim::Adam: the same trajectory over
// steps (two parameter groups, weight decay, amsgrad), and checkpoints of
// either one loading into the other.
#include <gas/optim/adam.h>

#include "common/test_utils.h"

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>

namespace gas {
namespace {

// Two parameter groups, as make_adam builds them.
std::vector<torch::optim::OptimizerParamGroup> groups(const std::vector<at::Tensor>& params, bool amsgrad) {
  std::vector<torch::optim::OptimizerParamGroup> out;
  out.emplace_back(
      std::vector<at::Tensor>{params[0], params[1]},
      std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(0.02).weight_decay(5e-4).amsgrad(amsgrad)));
  out.emplace_back(std::vector<at::Tensor>{params[2]},
                   std::make_unique<torch::optim::AdamOptions>(
                       torch::optim::AdamOptions(0.01).betas({0.8, 0.99}).eps(1e-6).amsgrad(amsgrad)));
  return out;
}

std::vector<at::Tensor> fresh_params() {
  torch::manual_seed(7);
  return {at::randn({300, 16}).requires_grad_(), at::randn({16}).requires_grad_(), at::randn({16, 7}).requires_grad_()};
}

// Gradients of a fixed quadratic-ish loss, the same for both optimisers.
void backward(const std::vector<at::Tensor>& params, int64_t step) {
  torch::manual_seed(100 + step);
  at::Tensor loss = at::zeros({});
  for (const at::Tensor& p : params) loss = loss + (p * at::randn(p.sizes())).pow(2).sum() / (step + 1);
  loss.backward();
}

void run(torch::optim::Optimizer& opt, const std::vector<at::Tensor>& params, int64_t first, int64_t last) {
  for (int64_t step = first; step < last; ++step) {
    opt.zero_grad();
    backward(params, step);
    opt.step();
  }
}

void expect_close(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b, const std::string& what) {
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(a[i].allclose(b[i], 1e-5, 1e-6))
        << what << ": parameter " << i << " differs by " << (a[i] - b[i]).abs().max().item<double>();
}

TEST(FusedAdam, FollowsLibTorchsAdam) {
  for (const bool amsgrad : {false, true}) {
    const std::vector<at::Tensor> theirs = fresh_params(), ours = fresh_params();
    torch::optim::Adam reference(groups(theirs, amsgrad), torch::optim::AdamOptions(0.01));
    optim::Adam fused(groups(ours, amsgrad), torch::optim::AdamOptions(0.01));
    run(reference, theirs, 0, 20);
    run(fused, ours, 0, 20);
    expect_close(ours, theirs, amsgrad ? "amsgrad" : "adam");
    EXPECT_FALSE(ours[0].allclose(fresh_params()[0]));  // it trained
  }
}

TEST(FusedAdam, SkipsParametersWithoutGradients) {
  const std::vector<at::Tensor> params = fresh_params();
  optim::Adam fused(groups(params, false), torch::optim::AdamOptions(0.01));
  const at::Tensor before = params[2].detach().clone();
  (params[0].sum() + params[1].sum()).backward();
  fused.step();
  EXPECT_TRUE(params[2].equal(before));
  EXPECT_EQ(fused.state().size(), 2u);
}

// The optimiser's state after `steps` steps of `from`, loaded into `into`.
void transfer(torch::optim::Optimizer& from, torch::optim::Optimizer& into) {
  torch::serialize::OutputArchive out;
  from.save(out);
  std::stringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  in.load_from(bytes);
  into.load(in);
}

TEST(FusedAdam, CheckpointsInterchangeWithLibTorchsAdam) {
  // LibTorch's Adam for 5 steps, then both from its checkpoint for 5 more;
  // then LibTorch's again from the fused one's checkpoint for 5 more.
  const std::vector<at::Tensor> a = fresh_params(), b = fresh_params(), c = fresh_params();
  auto copy = [](const std::vector<at::Tensor>& from, const std::vector<at::Tensor>& to) {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  };
  torch::optim::Adam first(groups(a, true), torch::optim::AdamOptions(0.01));
  run(first, a, 0, 5);
  copy(a, b);
  optim::Adam resumed(groups(b, true), torch::optim::AdamOptions(0.01));
  transfer(first, resumed);
  run(first, a, 5, 10);
  run(resumed, b, 5, 10);
  expect_close(b, a, "torch -> gas");

  copy(b, c);
  torch::optim::Adam back(groups(c, true), torch::optim::AdamOptions(0.01));
  transfer(resumed, back);
  run(back, c, 10, 15);
  run(resumed, b, 10, 15);
  expect_close(c, b, "gas -> torch");
}

}  // namespace
}  // namespace gas
