#include "ops/segment_softmax_kernel.h"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <limits>

namespace gas {
namespace ops {
namespace cpu {
namespace {

at::Tensor segment_softmax(const at::Tensor& src, const at::Tensor& rowptr) {
  const int64_t rows = rowptr.numel() - 1, heads = src.size(1);
  const int64_t* rp = rowptr.data_ptr<int64_t>();
  // Checked here, where rowptr is host memory: a device kernel checks without a read-back.
  TORCH_CHECK(rp[rows] == src.size(0), "segment_softmax: rowptr ends at ", rp[rows], ", src has ", src.size(0),
              " entries");
  at::Tensor out = at::empty_like(src);
  AT_DISPATCH_FLOATING_TYPES(src.scalar_type(), "segment_softmax_cpu", [&] {
    const scalar_t* s = src.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    at::parallel_for(0, rows, 256, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        for (int64_t h = 0; h < heads; ++h) {
          scalar_t top = -std::numeric_limits<scalar_t>::infinity();
          for (int64_t e = rp[r]; e < rp[r + 1]; ++e) top = std::max(top, s[e * heads + h]);
          scalar_t sum = 0;
          for (int64_t e = rp[r]; e < rp[r + 1]; ++e) {
            o[e * heads + h] = std::exp(s[e * heads + h] - top);
            sum += o[e * heads + h];
          }
          for (int64_t e = rp[r]; e < rp[r + 1]; ++e) o[e * heads + h] /= sum;
        }
      }
    });
  });
  return out;
}

at::Tensor segment_softmax_backward(const at::Tensor& out, const at::Tensor& grad_out, const at::Tensor& rowptr) {
  const int64_t rows = rowptr.numel() - 1, heads = out.size(1);
  at::Tensor grad = at::empty_like(out);
  const int64_t* rp = rowptr.data_ptr<int64_t>();
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "segment_softmax_backward_cpu", [&] {
    const scalar_t* o = out.data_ptr<scalar_t>();
    const scalar_t* g = grad_out.data_ptr<scalar_t>();
    scalar_t* d = grad.data_ptr<scalar_t>();
    at::parallel_for(0, rows, 256, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        for (int64_t h = 0; h < heads; ++h) {
          scalar_t dot = 0;
          for (int64_t e = rp[r]; e < rp[r + 1]; ++e) dot += g[e * heads + h] * o[e * heads + h];
          for (int64_t e = rp[r]; e < rp[r + 1]; ++e) d[e * heads + h] = o[e * heads + h] * (g[e * heads + h] - dot);
        }
      }
    });
  });
  return grad;
}

}  // namespace

GAS_REGISTER_KERNEL(segment_softmax, CPU, segment_softmax);
GAS_REGISTER_KERNEL(segment_softmax_backward, CPU, segment_softmax_backward);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
