#include <gas/metrics.h>

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <array>
#include <cmath>
#include <limits>

namespace gas {
namespace {

// On the CPU the metrics are one pass over the rows. The tensor formulas
// copy the masked logits first, and that copy (nodes x classes) was the
// largest allocation of a big graph's evaluation.
bool row_pass(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  return logits.device().is_cpu() && y.device().is_cpu() && mask.device().is_cpu() && logits.dim() == 2 &&
         mask.dim() == 1 && mask.scalar_type() == at::kBool && mask.size(0) == logits.size(0);
}

// Sums per-row counts over the masked rows, in parallel.
template <size_t K, typename RowCounts>
std::array<int64_t, K> count_masked_rows(const at::Tensor& mask, const RowCounts& row_counts) {
  const at::Tensor m = mask.contiguous();
  const bool* mp = m.data_ptr<bool>();
  return at::parallel_reduce(
      int64_t{0}, m.size(0), int64_t{4096}, std::array<int64_t, K>{},
      [&](int64_t begin, int64_t end, std::array<int64_t, K> acc) {
        for (int64_t i = begin; i < end; ++i)
          if (mp[i]) row_counts(i, acc);
        return acc;
      },
      [](std::array<int64_t, K> a, const std::array<int64_t, K>& b) {
        for (size_t k = 0; k < K; ++k) a[k] += b[k];
        return a;
      });
}

// {masked rows, correct rows}.
MetricCounts accuracy_counts(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  if (!row_pass(logits, y, mask) || y.scalar_type() != at::kLong || y.dim() != 1 || y.size(0) != logits.size(0)) {
    const at::Tensor m = mask.to(logits.device());
    const auto n = m.sum().item<double>();
    if (n == 0) return {false, {0, 0, 0}};
    const at::Tensor pred = logits.index({m}).argmax(-1);
    return {false, {n, pred.eq(y.to(logits.device()).index({m})).sum().item<double>(), 0}};
  }
  const at::Tensor l = logits.contiguous(), labels = y.contiguous();
  const int64_t classes = l.size(1);
  const int64_t* yp = labels.data_ptr<int64_t>();
  std::array<int64_t, 2> counts{};  // masked rows, correct rows
  AT_DISPATCH_FLOATING_TYPES(l.scalar_type(), "accuracy", [&] {
    const scalar_t* lp = l.data_ptr<scalar_t>();
    counts = count_masked_rows<2>(mask, [&](int64_t i, std::array<int64_t, 2>& acc) {
      const scalar_t* row = lp + i * classes;
      int64_t best = 0;  // the first maximum, NaN above all, as argmax has it
      for (int64_t c = 1; c < classes; ++c)
        if (!std::isnan(row[best]) && (row[c] > row[best] || std::isnan(row[c]))) best = c;
      ++acc[0];
      acc[1] += best == yp[i];
    });
  });
  return {false, {static_cast<double>(counts[0]), static_cast<double>(counts[1]), 0}};
}

// {true positives, false positives, false negatives} over (node, class) pairs.
MetricCounts micro_f1_counts(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  double tp = 0, fp = 0, fn = 0;
  if (row_pass(logits, y, mask) && y.sizes() == logits.sizes() && y.scalar_type() == logits.scalar_type()) {
    const at::Tensor l = logits.contiguous(), truth = y.contiguous();
    const int64_t classes = l.size(1);
    AT_DISPATCH_FLOATING_TYPES(l.scalar_type(), "micro_f1", [&] {
      const scalar_t* lp = l.data_ptr<scalar_t>();
      const scalar_t* labels = truth.data_ptr<scalar_t>();
      const std::array<int64_t, 3> c = count_masked_rows<3>(mask, [&](int64_t i, std::array<int64_t, 3>& acc) {
        for (int64_t k = i * classes; k < (i + 1) * classes; ++k) {
          const bool pred = lp[k] > 0, label = labels[k] > 0.5;
          acc[0] += pred && label;
          acc[1] += pred && !label;
          acc[2] += !pred && label;
        }
      });
      tp = static_cast<double>(c[0]);
      fp = static_cast<double>(c[1]);
      fn = static_cast<double>(c[2]);
    });
  } else {
    const at::Tensor m = mask.to(logits.device());
    const at::Tensor pred = logits.index({m}).gt(0);
    const at::Tensor truth = y.to(logits.device()).index({m}).gt(0.5);
    tp = (pred & truth).sum().item<double>();
    fp = (pred & ~truth).sum().item<double>();
    fn = (~pred & truth).sum().item<double>();
  }
  return {true, {tp, fp, fn}};
}

}  // namespace

double MetricCounts::value() const {
  if (!multi_label) return sums[0] == 0 ? std::numeric_limits<double>::quiet_NaN() : sums[1] / sums[0];
  const double tp = sums[0], fp = sums[1], fn = sums[2];
  if (tp == 0) return 0.0;
  const double precision = tp / (tp + fp), recall = tp / (tp + fn);
  return 2 * precision * recall / (precision + recall);
}

double accuracy(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  return accuracy_counts(logits, y, mask).value();
}

double micro_f1(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  return micro_f1_counts(logits, y, mask).value();
}

MetricCounts node_metric_counts(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  return y.dim() == 1 ? accuracy_counts(logits, y, mask) : micro_f1_counts(logits, y, mask);
}

double node_metric(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask) {
  return node_metric_counts(logits, y, mask).value();
}

}  // namespace gas
