#include <gas/refresh_schedule.h>

#include "util/system.h"

namespace gas {

RefreshSchedule::RefreshSchedule(int64_t every, std::function<void()> refresh)
    : every_(every), refresh_(std::move(refresh)) {
  TORCH_CHECK(every >= 1, "RefreshSchedule: every must be >= 1 batch, got ", every);
  TORCH_CHECK(refresh_ != nullptr, "RefreshSchedule: no refresh function");
}

void RefreshSchedule::end_batch(const Batch&) {
  if (++batches_ % every_ != 0) return;
  const double start = util::now_seconds();
  refresh_();
  seconds_ += util::now_seconds() - start;
  ++passes_;
}

}  // namespace gas
