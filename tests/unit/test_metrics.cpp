// Accuracy and micro-F1 against loops over the rows.
#include <gas/metrics.h>

#include "common/test_utils.h"

#include <random>

namespace gas {
namespace {

// Metrics against loops over the rows written here, ties and all.
TEST(Metrics, AccuracyAndMicroF1MatchLoopsOverTheRows) {
  torch::manual_seed(3);
  const int64_t n = 3000, c = 6;
  at::Tensor logits = at::randn({n, c}).round();  // rounded: many ties, decided by the first maximum
  logits[7].fill_(1.0);
  const at::Tensor y = at::randint(0, c, {n}, at::kLong);
  const at::Tensor mask = at::rand({n}).lt(0.7);
  const at::Tensor flags = at::rand({n, c}).lt(0.3).to(at::kFloat);
  auto l = logits.accessor<float, 2>();
  auto f = flags.accessor<float, 2>();
  int64_t rows = 0, correct = 0, tp = 0, fp = 0, fn = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!mask[i].item<bool>()) continue;
    int64_t best = 0;
    for (int64_t k = 1; k < c; ++k)
      if (l[i][k] > l[i][best]) best = k;
    ++rows;
    correct += best == y[i].item<int64_t>();
    for (int64_t k = 0; k < c; ++k) {
      tp += l[i][k] > 0 && f[i][k] > 0.5;
      fp += l[i][k] > 0 && f[i][k] <= 0.5;
      fn += l[i][k] <= 0 && f[i][k] > 0.5;
    }
  }
  EXPECT_DOUBLE_EQ(accuracy(logits, y, mask), static_cast<double>(correct) / rows);
  EXPECT_DOUBLE_EQ(accuracy(logits.to(at::kDouble), y, mask), static_cast<double>(correct) / rows);
  EXPECT_DOUBLE_EQ(accuracy(logits, y.to(at::kInt), mask), static_cast<double>(correct) / rows) << "tensor path";
  const double precision = static_cast<double>(tp) / (tp + fp), recall = static_cast<double>(tp) / (tp + fn);
  EXPECT_NEAR(micro_f1(logits, flags, mask), 2 * precision * recall / (precision + recall), 1e-12);
  EXPECT_NEAR(micro_f1(logits, flags.to(at::kDouble), mask), 2 * precision * recall / (precision + recall), 1e-12)
      << "tensor path";
  EXPECT_TRUE(std::isnan(accuracy(logits, y, at::zeros({n}, at::kBool))));
  EXPECT_EQ(micro_f1(logits, flags, at::zeros({n}, at::kBool)), 0.0);
}

}  // namespace
}  // namespace gas
