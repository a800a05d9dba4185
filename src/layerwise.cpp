#include <gas/layerwise.h>

#include <gas/large_block_cache.h>

#include <gas/ops/gather.h>

#include <ATen/ATen.h>
#include <c10/core/impl/VirtualGuardImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace gas {

at::Tensor layerwise_inference(ScalableGNNImpl& model, const EvalSubgraphLoader& loader, const at::Tensor& x,
                               const LayerwiseOptions& options) {
  const int64_t num_nodes = loader.num_nodes();
  TORCH_CHECK(x.dim() == 2 && x.size(0) == num_nodes, "layerwise_inference: expected features [", num_nodes,
              ", F] for the loader's graph, got ", x.sizes());
  torch::NoGradGuard no_grad;
  const RetainLargeBlocks retain;  // the next pass reuses this one's large temporaries
  const ScopedMode mode(model, options.training());

  const c10::Device device = model.device();
  // A device output's rows are written in order on the compute stream; a
  // pinned host output receives them by asynchronous copies on that stream,
  // waited for once at the end.
  const bool async_out = options.output_on_host() && !device.is_cpu();
  const int64_t num_layers = model.num_layers();
  // Another graph (or keep_histories) gets buffers of its own, so the model's histories stay as training left them.
  std::unique_ptr<HistoryStore> scratch;
  if (num_nodes != model.num_nodes() || options.keep_histories()) scratch = model.histories().like(num_nodes);
  HistoryStore& histories = scratch ? *scratch : model.histories();
  std::vector<LayerState> states(loader.size());
  at::Tensor out;

  for (int64_t layer = 0; layer < num_layers; ++layer) {
    const bool last = layer + 1 == num_layers;
    for (int64_t b = 0; b < loader.size(); ++b) {
      const Batch& batch = loader.batches()[b];
      const at::Tensor input = layer == 0 ? ops::gather_rows(x, batch.n_id.to(x.device())).to(device)
                                          : histories.pull(layer - 1, batch.n_id);
      const at::Tensor h = model.forward_layer(layer, input, batch.adj.to(device), states[b]);
      TORCH_CHECK(h.dim() == 2 && h.size(0) == batch.batch_size, "layerwise_inference: layer ", layer, " returned ",
                  h.sizes(), " for a batch of ", batch.batch_size,
                  " nodes (forward_layer must return one row per adjacency row)");
      if (!last) {
        TORCH_CHECK(h.size(1) == histories.width(layer), "layerwise_inference: layer ", layer, " outputs ", h.size(1),
                    " features, history ", layer, " is ", histories.width(layer), " wide");
        histories.push(layer, h, batch.offset, batch.count);
      } else {
        if (!out.defined())
          out = at::empty({loader.num_rows(), h.size(1)}, options.output_on_host()
                                                              ? h.options().device(c10::kCPU).pinned_memory(async_out)
                                                              : h.options());
        int64_t src = 0;
        const int64_t* o = batch.offset.data_ptr<int64_t>();
        const int64_t* c = batch.count.data_ptr<int64_t>();
        for (int64_t i = 0; i < batch.offset.numel(); ++i) {
          out.narrow(0, o[i], c[i]).copy_(h.narrow(0, src, c[i]), /*non_blocking=*/async_out);
          src += c[i];
        }
      }
    }
    if (!last && options.after_layer()) options.after_layer()(histories, layer);
  }
  if (async_out) c10::impl::VirtualGuardImpl(device.type()).getStream(device).synchronize();
  return out;
}

}  // namespace gas
