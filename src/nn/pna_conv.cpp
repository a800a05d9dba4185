#include <gas/nn/pna_conv.h>

#include <gas/ops/spmm.h>

#include "util/strings.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace gas {
namespace nn {
namespace {

const std::vector<std::string> kAggregators = {"mean", "sum", "min", "max", "std"};
const std::vector<std::string> kScalers = {"identity", "amplification", "attenuation", "linear", "inverse_linear"};

void check_names(const std::vector<std::string>& names, const std::vector<std::string>& valid, const char* what) {
  TORCH_CHECK(!names.empty(), "PNAConv: at least one ", what, " is needed");
  for (const auto& name : names) {
    TORCH_CHECK(std::find(valid.begin(), valid.end(), name) != valid.end(), "PNAConv: unknown ", what, " '", name,
                "' (valid: ", util::join(valid), ")");
  }
}

at::Tensor aggregate(const CSR& adj, const at::Tensor& h, const std::string& name) {
  if (name == "mean") return ops::spmm(adj, h, ops::Reduce::Mean);
  if (name == "sum") return ops::spmm(adj, h, ops::Reduce::Sum);
  if (name == "min") return ops::spmm(adj, h, ops::Reduce::Min);
  if (name == "max") return ops::spmm(adj, h, ops::Reduce::Max);
  // std = sqrt(E[h^2] - E[h]^2), clamped at 0 and smoothed as PyG does; rows
  // without neighbours are set to 0 rather than sqrt(eps).
  const at::Tensor mean = ops::spmm(adj, h, ops::Reduce::Mean);
  const at::Tensor var = (ops::spmm(adj, h * h, ops::Reduce::Mean) - mean * mean).relu();
  const at::Tensor has_neighbours = adj.row_degree().gt(0).to(h.scalar_type()).unsqueeze(1);
  return (var + 1e-5).sqrt() * has_neighbours;
}

}  // namespace

PNAConvImpl::PNAConvImpl(const PNAConvOptions& options) : options(options) { reset(); }

void PNAConvImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.in_channels() > 0 && o.out_channels() > 0, "PNAConv: channels must be positive");
  TORCH_CHECK(o.towers() >= 1 && o.out_channels() % o.towers() == 0, "PNAConv: out_channels (", o.out_channels(),
              ") must be a multiple of towers (", o.towers(), ")");
  check_names(o.aggregators(), kAggregators, "aggregator");
  check_names(o.scalers(), kScalers, "scaler");
  TORCH_CHECK(o.degree().defined() && o.degree().dim() == 1 && o.degree().numel() > 0,
              "PNAConv: degree must be the full graph's per-node degree vector");
  const at::Tensor deg = o.degree().to(at::kDouble);
  avg_degree = deg.mean().item<double>();
  avg_log_degree = (deg + 1).log().mean().item<double>();
  TORCH_CHECK(avg_log_degree > 0, "PNAConv: the graph has no edges, so degree scalers are undefined");

  const int64_t width = o.out_channels() / o.towers();
  const size_t terms = o.towers() * o.aggregators().size() * o.scalers().size();
  auto pre_list = register_module("pre", torch::nn::ModuleList());
  auto post_list = register_module("post", torch::nn::ModuleList());
  pre.clear();
  post.clear();
  for (size_t t = 0; t < terms; ++t) {
    pre.emplace_back(torch::nn::LinearOptions(o.in_channels(), width));
    post.emplace_back(torch::nn::LinearOptions(width, width));
    pre_list->push_back(pre.back());
    post_list->push_back(post.back());
  }
  lin = register_module("lin", torch::nn::Linear(o.in_channels(), o.out_channels()));
  if (o.towers() > 1) mix = register_module("mix", torch::nn::Linear(o.out_channels(), o.out_channels()));
}

void PNAConvImpl::reset_parameters() {
  for (auto& l : pre) l->reset_parameters();
  for (auto& l : post) l->reset_parameters();
  lin->reset_parameters();
  if (mix) mix->reset_parameters();
}

at::Tensor PNAConvImpl::forward(const at::Tensor& x, const CSR& input_adj) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_channels(), "PNAConv: expected input [*, ", options.in_channels(),
              "], got ", x.sizes());
  const CSR adj = input_adj.with_value({});
  const at::Tensor deg = adj.row_degree().clamp_min(1).to(x.scalar_type()).unsqueeze(1);
  const at::Tensor log_deg = (deg + 1).log();
  std::vector<at::Tensor> towers;
  size_t term = 0;
  for (int64_t t = 0; t < options.towers(); ++t) {
    at::Tensor out;
    for (const auto& aggregator : options.aggregators()) {
      for (const auto& scaler : options.scalers()) {
        at::Tensor h = post[term](aggregate(adj, pre[term](x).relu(), aggregator));
        ++term;
        if (scaler == "amplification") h = h * (log_deg / avg_log_degree);
        if (scaler == "attenuation") h = h * (avg_log_degree / log_deg);
        if (scaler == "linear") h = h * (deg / avg_degree);
        if (scaler == "inverse_linear") h = h * (avg_degree / deg);
        out = out.defined() ? out + h : h;
      }
    }
    towers.push_back(out);
  }
  at::Tensor out = towers.size() == 1 ? towers[0] : mix(at::cat(towers, 1));
  return out + lin(x.narrow(0, 0, adj.num_rows));
}

}  // namespace nn
}  // namespace gas
