// ops::adam_step against Adam's update written from its definition as a
// float64 loop: float64 and float32 (the kernels) over several steps, with
// and without weight decay and amsgrad; bfloat16 (LibTorch's ops) for one.
#include <gas/ops/adam_step.h>

#include "common/test_utils.h"

#include <cmath>

namespace gas {
namespace {

struct Moments {
  at::Tensor p, m, v, vmax;
};

// Adam's step `step` on doubles, element by element.
void reference_step(Moments& s, const at::Tensor& grad, const ops::AdamStepArgs& a) {
  double* p = s.p.data_ptr<double>();
  double* m = s.m.data_ptr<double>();
  double* v = s.v.data_ptr<double>();
  double* vmax = s.vmax.data_ptr<double>();
  const double* g0 = grad.data_ptr<double>();
  const double bc1 = 1 - std::pow(a.beta1, a.step), bc2 = 1 - std::pow(a.beta2, a.step);
  for (int64_t i = 0; i < s.p.numel(); ++i) {
    const double g = g0[i] + a.weight_decay * p[i];
    m[i] = a.beta1 * m[i] + (1 - a.beta1) * g;
    v[i] = a.beta2 * v[i] + (1 - a.beta2) * g * g;
    vmax[i] = std::max(vmax[i], v[i]);
    const double second = a.amsgrad ? vmax[i] : v[i];
    p[i] -= a.lr / bc1 * m[i] / (std::sqrt(second) / std::sqrt(bc2) + a.eps);
  }
}

TEST(AdamStep, EqualsTheUpdateWrittenAsALoop) {
  for (const at::ScalarType dtype : {at::kDouble, at::kFloat}) {
    for (const bool amsgrad : {false, true}) {
      for (const double weight_decay : {0.0, 0.05}) {
        torch::manual_seed(3);
        const int64_t n = 70001;  // several tasks of the CPU kernel, and a ragged end
        Moments ref{at::randn({n}, at::kDouble), at::zeros({n}, at::kDouble), at::zeros({n}, at::kDouble),
                    at::zeros({n}, at::kDouble)};
        at::Tensor p = ref.p.to(dtype).clone(), m = at::zeros({n}, dtype), v = at::zeros({n}, dtype);
        at::Tensor vmax = amsgrad ? at::zeros({n}, dtype) : at::Tensor();
        ops::AdamStepArgs args;
        args.lr = 0.01;
        args.weight_decay = weight_decay;
        args.amsgrad = amsgrad;
        for (int64_t step = 1; step <= 5; ++step) {
          // Gradients that shrink, so that amsgrad's maximum matters.
          const at::Tensor g = at::randn({n}, at::kDouble) / static_cast<double>(step * step);
          args.step = step;
          reference_step(ref, g, args);
          ops::adam_step(p, g.to(dtype), m, v, vmax, args);
        }
        const double rtol = dtype == at::kDouble ? 1e-12 : 1e-5, atol = rtol;
        const std::string what = std::string(c10::toString(dtype)) + (amsgrad ? " amsgrad" : "") + " weight_decay " +
                                 std::to_string(weight_decay);
        EXPECT_TRUE(p.to(at::kDouble).allclose(ref.p, rtol, atol)) << what;
        EXPECT_TRUE(m.to(at::kDouble).allclose(ref.m, rtol, atol)) << what;
        EXPECT_TRUE(v.to(at::kDouble).allclose(ref.v, rtol, atol)) << what;
        if (amsgrad) EXPECT_TRUE(vmax.to(at::kDouble).allclose(ref.vmax, rtol, atol)) << what;
      }
    }
  }
}

TEST(AdamStep, HalfTypesTakeLibTorchsOps) {
  // bfloat16 keeps 8 bits: Adam's first step (lr 0.1, each element moved by
  // ~0.1) on values of ~0.1 is resolved, rounding stays within ~1%.
  torch::manual_seed(5);
  const int64_t n = 1000;
  const at::Tensor p0 = (at::randn({n}, at::kDouble) * 0.1).to(at::kBFloat16);
  const at::Tensor g = at::randn({n}, at::kDouble).to(at::kBFloat16);
  Moments ref{p0.to(at::kDouble), at::zeros({n}, at::kDouble), at::zeros({n}, at::kDouble),
              at::zeros({n}, at::kDouble)};
  ops::AdamStepArgs args;
  args.lr = 0.1;
  args.weight_decay = 0.05;
  reference_step(ref, g.to(at::kDouble), args);
  at::Tensor p = p0.clone(), m = at::zeros({n}, at::kBFloat16), v = at::zeros({n}, at::kBFloat16), none;
  ops::adam_step(p, g, m, v, none, args);
  EXPECT_TRUE(p.to(at::kDouble).allclose(ref.p, 0.01, 0.002));
  EXPECT_FALSE(p.equal(p0));
}

TEST(AdamStep, UpdatesStridedTensorsInPlace) {
  torch::manual_seed(4);
  const at::Tensor base = at::randn({8, 6}, at::kDouble);
  at::Tensor p = base.clone().t(), m = at::zeros({6, 8}, at::kDouble).t().t(), v = at::zeros_like(p), none;
  ASSERT_FALSE(p.is_contiguous());
  const at::Tensor g = at::randn({6, 8}, at::kDouble);
  ops::AdamStepArgs args;
  at::Tensor pc = p.contiguous(), mc = at::zeros_like(pc), vc = at::zeros_like(pc);
  ops::adam_step(p, g, m, v, none, args);
  ops::adam_step(pc, g, mc, vc, none, args);
  EXPECT_TRUE(p.equal(pc));
  EXPECT_TRUE(m.equal(mc));
  EXPECT_TRUE(v.equal(vc));
  EXPECT_FALSE(base.t().equal(p));  // it moved
}

TEST(AdamStep, RejectsMismatchedTensorsNamingThem) {
  at::Tensor p = at::zeros({4}), m = at::zeros({4}), v = at::zeros({5}), none;
  ops::AdamStepArgs args;
  EXPECT_THROW_WITH(ops::adam_step(p, at::zeros({4}), m, v, none, args), "[5]");
  EXPECT_THROW_WITH(ops::adam_step(p, at::zeros({4}, at::kDouble), m, m, none, args), "Double");
  args.step = 0;
  EXPECT_THROW_WITH(ops::adam_step(p, at::zeros({4}), m, m, none, args), "step counts from 1, got 0");
}

}  // namespace
}  // namespace gas
