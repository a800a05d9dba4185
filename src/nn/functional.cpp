#include <gas/nn/functional.h>

#include <gas/ops/spmm.h>
#include <gas/sparse_features.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>

namespace gas {
namespace nn {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

uint64_t draw_seed() {
  at::CPUGeneratorImpl* gen =
      at::get_generator_or_default<at::CPUGeneratorImpl>(c10::nullopt, at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  return gen->random64();
}

// A counter-based mask: element i is kept when hash(i, seed) clears the
// threshold. Being a pure function of the index, the mask vectorises, needs
// no storage, and the backward pass recomputes it exactly.
inline uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

template <typename scalar_t>
__attribute__((target_clones("avx512f", "avx2", "default"))) void masked_scale(const scalar_t* in, scalar_t* out,
                                                                               int64_t n, uint32_t key,
                                                                               uint32_t threshold, scalar_t scale) {
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t h = mix32(static_cast<uint32_t>(i) * 0x9E3779B9u ^ key);
    out[i] = h >= threshold ? in[i] * scale : scalar_t(0);
  }
}

// Applies the mask of (seed, p) to x, element i of the flattened tensor
// keyed by (seed, i), in chunks processed in parallel.
at::Tensor apply_mask(const at::Tensor& x, double p, uint64_t seed) {
  const at::Tensor in = x.contiguous();
  at::Tensor out = at::empty_like(in);
  const int64_t n = in.numel();
  const uint32_t threshold = static_cast<uint32_t>(std::min(p * 4294967296.0, 4294967295.0));
  constexpr int64_t kChunk = int64_t{1} << 16;
  AT_DISPATCH_FLOATING_TYPES(in.scalar_type(), "dropout", [&] {
    const scalar_t* src = in.data_ptr<scalar_t>();
    scalar_t* dst = out.data_ptr<scalar_t>();
    const scalar_t scale = static_cast<scalar_t>(1.0 / (1.0 - p));
    at::parallel_for(0, (n + kChunk - 1) / kChunk, 4, [&](int64_t begin, int64_t end) {
      for (int64_t chunk = begin; chunk < end; ++chunk) {
        const int64_t lo = chunk * kChunk;
        const uint32_t key = mix32(static_cast<uint32_t>(seed) ^
                                   mix32(static_cast<uint32_t>(chunk) ^ static_cast<uint32_t>(seed >> 32)));
        masked_scale<scalar_t>(src + lo, dst + lo, std::min(kChunk, n - lo), key, threshold, scale);
      }
    });
  });
  return out;
}

class DropoutFunction : public torch::autograd::Function<DropoutFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, double p, int64_t seed) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return apply_mask(x, p, static_cast<uint64_t>(seed));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const double p = ctx->saved_data["p"].toDouble();
    const uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    return {apply_mask(grad[0], p, seed), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor dropout(const at::Tensor& x, double p, bool training) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  if (is_sparse_features(x))
    return sparse_rows(x.crow_indices(), x.col_indices(), nn::dropout(x.values(), p, training), x.sizes());
  if (p == 1.0) return x * 0;
  TORCH_CHECK(x.device().is_cpu(), "dropout: the fast mask runs on the CPU; got a tensor on ", x.device());
  return DropoutFunction::apply(x, p, static_cast<int64_t>(draw_seed()));
}

at::Tensor matmul(const at::Tensor& x, const at::Tensor& w) {
  if (!is_sparse_features(x)) return x.matmul(w);
  TORCH_CHECK(w.dim() == 2 && w.size(0) == x.size(1), "matmul: sparse features [", x.size(0), ", ", x.size(1),
              "] times ", w.sizes());
  const CSR rows{x.crow_indices(), x.col_indices(), x.values(), x.size(0), x.size(1)};
  return ops::spmm(rows, w.contiguous());
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (!is_sparse_features(x)) return at::linear(x, weight, bias);
  const at::Tensor out = nn::matmul(x, weight.t());
  return bias.defined() ? out + bias : out;
}

}  // namespace nn
}  // namespace gas
