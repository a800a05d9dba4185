#include <gas/metrics.h>

#include <ATen/ATen.h>

#include <limits>

namespace gas {

double accuracy(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  const at::Tensor m = mask.to(logits.device());
  const int64_t n = m.sum().item<int64_t>();
  if (n == 0) return std::numeric_limits<double>::quiet_NaN();
  const at::Tensor pred = logits.index({m}).argmax(-1);
  return pred.eq(y.to(logits.device()).index({m})).sum().item<double>() / static_cast<double>(n);
}

double micro_f1(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  const at::Tensor m = mask.to(logits.device());
  const at::Tensor pred = logits.index({m}).gt(0);
  const at::Tensor truth = y.to(logits.device()).index({m}).gt(0.5);
  const double tp = (pred & truth).sum().item<double>();
  const double fp = (pred & ~truth).sum().item<double>();
  const double fn = (~pred & truth).sum().item<double>();
  if (tp == 0) return 0.0;
  const double precision = tp / (tp + fp), recall = tp / (tp + fn);
  return 2 * precision * recall / (precision + recall);
}

double node_metric(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  return y.dim() == 1 ? accuracy(logits, y, mask) : micro_f1(logits, y, mask);
}

}  // namespace gas
