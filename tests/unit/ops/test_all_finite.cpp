// ops::all_finite against isfinite(t).all() over each tensor: a NaN, an
// infinity of either sign or none, at the start, the middle or the end of a
// tensor longer than one parallel task, in any of several tensors; the
// largest finite values and subnormals are finite; with every CPU kernel
// variant.
#include <gas/ops/all_finite.h>

#include "common/cpu_isa.h"
#include "common/test_utils.h"

#include <limits>

namespace gas {
namespace {

bool reference(const std::vector<at::Tensor>& tensors) {
  bool ok = true;
  for (const at::Tensor& t : tensors)
    if (t.defined()) ok = ok && at::isfinite(t).all().item<bool>();
  return ok;
}

TEST(AllFinite, AgreesWithIsfiniteOverEveryTensor) {
  testing::for_each_cpu_isa([&] {
    for (const at::ScalarType dtype : {at::kFloat, at::kDouble}) {
      const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
      for (const double bad : {0.0, nan, inf, -inf}) {
        for (const int64_t where : {int64_t{0}, int64_t{70000}, int64_t{200002}}) {
          for (const int which : {0, 1}) {
            torch::manual_seed(static_cast<uint64_t>(where + which));
            std::vector<at::Tensor> tensors{at::randn({200003}, dtype), at::Tensor(), at::randn({300, 700}, dtype)};
            // The extremes of the finite range.
            tensors[0][5] =
                dtype == at::kFloat ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
            tensors[0][6] = dtype == at::kFloat ? std::numeric_limits<float>::denorm_min()
                                                : std::numeric_limits<double>::denorm_min();
            if (bad != 0.0) tensors[which == 0 ? 0 : 2].view({-1})[where] = bad;
            const bool expected = reference(tensors);
            EXPECT_EQ(expected, bad == 0.0);
            const at::Tensor got = ops::all_finite(tensors);
            EXPECT_EQ(got.scalar_type(), at::kBool);
            EXPECT_EQ(got.item<bool>(), expected)
                << c10::toString(dtype) << " bad " << bad << " at " << where << " in tensor " << which;
          }
        }
      }
    }
  });
}

TEST(AllFinite, OtherTypesAndStridedTensors) {
  const at::Tensor strided = at::randn({50, 40}).t();
  EXPECT_TRUE(ops::all_finite({strided}).item<bool>());
  at::Tensor bad = at::randn({50, 40});
  bad[49][39] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(ops::all_finite({bad.t()}).item<bool>());
  at::Tensor half = at::ones({10}, at::kBFloat16);
  EXPECT_TRUE(ops::all_finite({half, at::arange(5)}).item<bool>());
  half[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(ops::all_finite({at::arange(5), half}).item<bool>());
  EXPECT_TRUE(ops::all_finite({at::arange(5), at::ones({2}, at::kBool)}).item<bool>());
  EXPECT_THROW_WITH(ops::all_finite({at::Tensor()}), "ops::all_finite: expected at least one defined tensor");
}

}  // namespace
}  // namespace gas
