#include <gas/ops/adam_step.h>

#include "ops/adam_step_kernel.h"

#include <ATen/ATen.h>

#include <cmath>
#include <utility>
#include <vector>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(adam_step)

namespace {

// LibTorch's sequence of ops, for the types the kernels leave out (half
// precision: their arithmetic is the ops' own).
void adam_step_composed(at::Tensor& param, const at::Tensor& grad, at::Tensor& exp_avg, at::Tensor& exp_avg_sq,
                        at::Tensor& max_exp_avg_sq, const AdamStepArgs& a) {
  const at::Tensor g = a.weight_decay != 0 ? grad.add(param, a.weight_decay) : grad;
  exp_avg.mul_(a.beta1).add_(g, 1 - a.beta1);
  exp_avg_sq.mul_(a.beta2).addcmul_(g, g, 1 - a.beta2);
  if (a.amsgrad) at::max_out(max_exp_avg_sq, exp_avg_sq, max_exp_avg_sq);
  const double bias_correction1 = 1 - std::pow(a.beta1, double(a.step));
  const double bias_correction2 = 1 - std::pow(a.beta2, double(a.step));
  const at::Tensor denom = ((a.amsgrad ? max_exp_avg_sq : exp_avg_sq).sqrt() / std::sqrt(bias_correction2)).add_(a.eps);
  param.addcdiv_(exp_avg, denom, -a.lr / bias_correction1);
}

}  // namespace

void adam_step(at::Tensor& param, const at::Tensor& grad, at::Tensor& exp_avg, at::Tensor& exp_avg_sq,
               at::Tensor& max_exp_avg_sq, const AdamStepArgs& args) {
  TORCH_CHECK(args.step >= 1, "ops::adam_step: step counts from 1, got ", args.step);
  TORCH_CHECK(at::isFloatingType(param.scalar_type()), "ops::adam_step: param must be floating point, got ",
              param.scalar_type());
  std::vector<const at::Tensor*> all{&grad, &exp_avg, &exp_avg_sq};
  if (args.amsgrad) all.push_back(&max_exp_avg_sq);
  for (const at::Tensor* t : all) {
    TORCH_CHECK(t->sizes() == param.sizes() && t->scalar_type() == param.scalar_type() && t->device() == param.device(),
                "ops::adam_step: expected tensors like param (", param.scalar_type(), " ", param.sizes(), " on ",
                param.device(), "), got ", t->scalar_type(), " ", t->sizes(), " on ", t->device());
    TORCH_CHECK(!t->is_sparse(), "ops::adam_step: sparse gradients are not supported");
  }
  if (param.scalar_type() != at::kFloat && param.scalar_type() != at::kDouble)
    return adam_step_composed(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, args);
  // The kernels walk flat arrays; anything strided is updated through
  // contiguous copies and written back.
  at::Tensor p = param.contiguous(), m = exp_avg.contiguous(), v = exp_avg_sq.contiguous();
  at::Tensor vmax = args.amsgrad ? max_exp_avg_sq.contiguous() : at::Tensor();
  GAS_KERNEL(adam_step, p.device())(p, grad.contiguous(), m, v, vmax, args);
  for (auto [dst, src] :
       {std::pair<at::Tensor*, at::Tensor*>{&param, &p}, {&exp_avg, &m}, {&exp_avg_sq, &v}, {&max_exp_avg_sq, &vmax}})
    if (src->defined() && !src->is_same(*dst)) dst->copy_(*src);
}

}  // namespace ops
}  // namespace gas
