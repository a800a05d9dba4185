// Micro-benchmarks of GAS's hot paths, each reporting the bandwidth it
// achieves (bytes it must move / time) or GFLOP/s, next to two references
// measured by the same binary in the same run: a streaming copy and a
// random-row gather written with plain memcpy. Ratios to those references
// are the figures to compare; absolute times on a shared machine are noise.
//
//   gas_micro_benchmarks                         # 1M-node graphs (GAS_BENCH_NODES)
//   GAS_BENCH_NODES=20000 gas_micro_benchmarks --benchmark_min_time=0   # smoke run
//
// Byte counts (float32 features of width F, int64 indices):
//   copy:       2 * size                          (read + write)
//   gather:     rows * (2 * F * 4 + 8)            (read row, write row, index)
//   spmm:       nnz * (F * 4 + 8 [+ 4 weight]) + rows * F * 4 + (rows + 1) * 8
//               (into a reused output, as the gather; *FreshOutput: a new one)
//   pull:       like gather;  push (chunked): 2 * rows * F * 4
//   softmax:    3 * nnz * H * 4 + (rows + 1) * 8  (read, exp pass, write)

#include <gas/build_info.h>
#include <gas/datasets/synthetic.h>
#include <gas/graph.h>
#include <gas/history/store.h>
#include <gas/loader.h>
#include <gas/nn/functional.h>
#include <gas/nn/gat_conv.h>
#include <gas/ops/dropout.h>
#include <gas/ops/dropout_matmul.h>
#include <gas/ops/segment_softmax.h>
#include <gas/ops/spmm.h>
#include <gas/ops/spmm_plan.h>
#include <gas/optim/adam.h>
#include <gas/partition.h>
#include <gas/process.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#if GAS_BUILT_WITH_METIS
#include <metis.h>
#endif

namespace {

int64_t bench_nodes() {
  const char* env = std::getenv("GAS_BENCH_NODES");
  return env ? std::atoll(env) : 1000000;
}

// Graphs are built once per process and shared by the benchmarks.
struct Graphs {
  gas::CSR random;        // random graph, average degree 10, random node order
  gas::CSR metis;         // the same graph in METIS order
  gas::Partition parts;   // METIS parts of ~1,000 nodes, for batch construction
  at::Tensor features64;  // [N, 64]
};

const Graphs& graphs() {
  static const Graphs g = [] {
    const int64_t n = bench_nodes();
    gas::Dataset d = gas::make_synthetic(
        gas::SyntheticOptions().num_nodes(n).avg_degree(10).homophily(0.0).num_features(1).num_classes(2));
    Graphs out;
    out.random = gas::gcn_norm(d.adj);
    out.random.plan = gas::ops::SpMMPlan::make(out.random);
    const int64_t parts = std::max<int64_t>(2, n / 1000);
    const gas::Partition p = gas::has_metis() ? gas::metis(d.adj, parts) : gas::random_partition(n, parts);
    out.metis = gas::permute(out.random, p.perm);
    out.metis.plan = gas::ops::SpMMPlan::make(out.metis);
    out.parts = gas::Partition{at::arange(n, at::kLong), p.ptr};
    out.features64 = at::randn({n, 64});
    return out;
  }();
  return g;
}

// The METIS graph's symmetry, proved once as a SubgraphLoader does: without a
// proof make_batch checks the whole graph per call.
const gas::ops::SymmetryProof& metis_symmetry() {
  static const gas::ops::SymmetryProof proof = gas::ops::SymmetryProof::check(graphs().metis);
  return proof;
}

void set_bandwidth(benchmark::State& state, double bytes_per_iteration) {
  state.counters["bandwidth_GBps"] =
      benchmark::Counter(bytes_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// ------------------------------------------------------------ references

void BM_ReferenceStreamingCopy(benchmark::State& state) {
  const size_t bytes = size_t{256} << 20;
  std::vector<char> src(bytes, 1), dst(bytes);
  for (auto _ : state) {
    at::parallel_for(0, static_cast<int64_t>(bytes >> 20), 1, [&](int64_t b, int64_t e) {
      std::memcpy(dst.data() + (b << 20), src.data() + (b << 20), static_cast<size_t>(e - b) << 20);
    });
    benchmark::DoNotOptimize(dst.data());
  }
  set_bandwidth(state, 2.0 * bytes);
}
BENCHMARK(BM_ReferenceStreamingCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

// out[i] = src[idx[i]] for random idx: what a history pull or an SpMM
// neighbour read does, with nothing else.
void gather_reference(benchmark::State& state, int64_t width) {
  const int64_t rows = bench_nodes();
  const at::Tensor src = at::randn({rows, width});
  const at::Tensor idx = at::randint(0, rows, {rows}, at::kLong);
  at::Tensor dst = at::zeros({rows, width});  // touched: first-touch page faults are not the gather's cost
  const float* s = src.data_ptr<float>();
  const int64_t* ix = idx.data_ptr<int64_t>();
  float* d = dst.data_ptr<float>();
  for (auto _ : state) {
    at::parallel_for(0, rows, 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) std::memcpy(d + i * width, s + ix[i] * width, width * sizeof(float));
    });
    benchmark::DoNotOptimize(d);
  }
  set_bandwidth(state, static_cast<double>(rows) * (2.0 * width * 4 + 8));
}
void BM_ReferenceRandomRowGather(benchmark::State& state) { gather_reference(state, state.range(0)); }
BENCHMARK(BM_ReferenceRandomRowGather)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// The 64-wide gather on 1 and 2 threads: how far the machine's random-access
// bandwidth lets a second thread help, the ceiling for SpMM's thread scaling.
void BM_ReferenceGatherThreads(benchmark::State& state) {
  const int threads = at::get_num_threads();
  at::set_num_threads(static_cast<int>(state.range(0)));
  gather_reference(state, 64);
  at::set_num_threads(threads);
}
BENCHMARK(BM_ReferenceGatherThreads)->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// ------------------------------------------------------------------ SpMM

double spmm_bytes(const gas::CSR& adj, int64_t width, bool weighted) {
  return static_cast<double>(adj.nnz()) * (width * 4.0 + 8 + (weighted ? 4 : 0)) +
         static_cast<double>(adj.num_rows) * width * 4.0 + (adj.num_rows + 1) * 8.0;
}

// Args: width, reduce (0 sum, 1 mean, 2 weighted sum), METIS order (0/1).
void BM_SpMMForward(benchmark::State& state) {
  const int64_t width = state.range(0);
  const bool weighted = state.range(1) == 2;
  const gas::CSR& base = state.range(2) ? graphs().metis : graphs().random;
  const gas::CSR adj = weighted ? base : base.with_value({});
  const at::Tensor x = at::randn({adj.num_cols, width});
  const auto reduce = state.range(1) == 1 ? gas::ops::Reduce::Mean : gas::ops::Reduce::Sum;
  at::Tensor out = at::zeros({adj.num_rows, width});  // touched, as the gather reference's output
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(gas::ops::spmm_out(out, adj, x, reduce).data_ptr());
  set_bandwidth(state, spmm_bytes(adj, width, weighted));
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * adj.nnz() * width * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SpMMForward)
    ->ArgNames({"F", "reduce", "metis"})
    ->ArgsProduct({{64, 256}, {0, 1, 2}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same product into a fresh output each call, as spmm (and training)
// does: the difference to BM_SpMMForward is the page faults of a new
// [N, 64] tensor, as large as one per 4 KiB. Arg: METIS order.
void BM_SpMMForwardFreshOutput(benchmark::State& state) {
  const gas::CSR adj = (state.range(0) ? graphs().metis : graphs().random).with_value({});
  const at::Tensor x = at::randn({adj.num_cols, 64});
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(gas::ops::spmm(adj, x));
  set_bandwidth(state, spmm_bytes(adj, 64, false));
}
BENCHMARK(BM_SpMMForwardFreshOutput)->ArgName("metis")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Thread scaling of the 64-feature sum: args metis order, intra-op threads.
void BM_SpMMThreads(benchmark::State& state) {
  const gas::CSR adj = (state.range(0) ? graphs().metis : graphs().random).with_value({});
  const at::Tensor x = at::randn({adj.num_cols, 64});
  at::Tensor out = at::zeros({adj.num_rows, 64});
  const int threads = at::get_num_threads();
  at::set_num_threads(static_cast<int>(state.range(1)));
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(gas::ops::spmm_out(out, adj, x).data_ptr());
  at::set_num_threads(threads);
  set_bandwidth(state, spmm_bytes(adj, 64, false));
}
BENCHMARK(BM_SpMMThreads)
    ->ArgNames({"metis", "threads"})
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Backward of a weighted sum w.r.t. x: the transposed product. Arg transpose:
// 1 gathers over the column index the graph's plan carries, 0 builds that
// index in the pass (the plans claim no symmetry).
void BM_SpMMBackward(benchmark::State& state) {
  const int64_t width = state.range(0);
  const gas::CSR& with = state.range(1) ? graphs().metis : graphs().random;
  const gas::CSR adj =
      state.range(2) ? with : gas::CSR{with.rowptr, with.col, with.value, with.num_rows, with.num_cols};
  at::Tensor x = at::randn({adj.num_cols, width}).requires_grad_(true);
  const at::Tensor out = gas::ops::spmm(adj, x);
  const at::Tensor grad = at::randn_like(out);
  for (auto _ : state) {
    out.backward(grad, /*retain_graph=*/true);
    x.mutable_grad().reset();
  }
  set_bandwidth(state, spmm_bytes(adj, width, true));
}
BENCHMARK(BM_SpMMBackward)
    ->ArgNames({"F", "metis", "transpose"})
    ->ArgsProduct({{64, 256}, {0, 1}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// ------------------------------------------------------------- attention

void BM_SegmentSoftmax(benchmark::State& state) {
  const gas::CSR& adj = graphs().metis;
  const int64_t heads = state.range(0);
  const at::Tensor src = at::randn({adj.nnz(), heads});
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(gas::ops::segment_softmax(src, adj.rowptr));
  set_bandwidth(state, 3.0 * adj.nnz() * heads * 4 + (adj.num_rows + 1) * 8.0);
}
BENCHMARK(BM_SegmentSoftmax)->ArgName("heads")->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

// A whole GAT layer (8 heads x 8 channels) forward: attention logits, softmax,
// per-head weighted aggregation.
void BM_GATConvForward(benchmark::State& state) {
  const gas::CSR& adj = graphs().metis;
  gas::nn::GATConv conv(gas::nn::GATConvOptions(64, 8).heads(8));
  conv->eval();
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(conv(graphs().features64, adj));
  set_bandwidth(state, spmm_bytes(adj, 64, true));
}
BENCHMARK(BM_GATConvForward)->Unit(benchmark::kMillisecond)->UseRealTime();

// --------------------------------------------------------------- history

// Pull the halo of a typical batch: ~10% of the rows, random order.
void BM_HistoryPull(benchmark::State& state) {
  const int64_t rows = bench_nodes(), width = state.range(0);
  gas::HistoryStore h(rows, {width});
  h.push(0, at::randn({rows, width}));
  const at::Tensor idx = std::get<0>(at::randint(0, rows, {rows / 10}, at::kLong).sort());
  for (auto _ : state) benchmark::DoNotOptimize(h.pull(0, idx));
  set_bandwidth(state, static_cast<double>(idx.numel()) * (2.0 * width * 4 + 8));
}
BENCHMARK(BM_HistoryPull)->ArgName("F")->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// Push a batch of ten contiguous parts of 1% of the rows each.
void BM_HistoryPushChunks(benchmark::State& state) {
  const int64_t rows = bench_nodes(), width = state.range(0), chunk = rows / 100;
  gas::HistoryStore h(rows, {width});
  const at::Tensor x = at::randn({10 * chunk, width});
  const at::Tensor offset = at::arange(0, rows, rows / 10, at::kLong).narrow(0, 0, 10);
  const at::Tensor count = at::full({10}, chunk, at::kLong);
  for (auto _ : state) h.push(0, x, offset, count);
  set_bandwidth(state, 2.0 * x.numel() * 4);
}
BENCHMARK(BM_HistoryPushChunks)->ArgName("F")->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

// ------------------------------------------------------------ batches

// One batch of 10 METIS parts with its halo, relabelling, transpose and
// feature gather (64 features).
void BM_MakeBatch(benchmark::State& state) {
  const Graphs& g = graphs();
  const int64_t parts = g.parts.num_parts();
  std::mt19937_64 rng(1);
  int64_t nodes = 0, nnz = 0;
  for (auto _ : state) {
    std::vector<int64_t> chosen;
    for (int k = 0; k < 10; ++k) chosen.push_back(static_cast<int64_t>(rng() % parts));
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    const gas::Batch b = gas::make_batch(g.metis, g.parts.ptr, chosen, g.features64, true, &metis_symmetry());
    nodes += b.n_id.numel();
    nnz += b.adj.nnz();
  }
  state.counters["nodes_per_s"] = benchmark::Counter(static_cast<double>(nodes), benchmark::Counter::kIsRate);
  state.counters["edges_per_s"] = benchmark::Counter(static_cast<double>(nnz), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MakeBatch)->Unit(benchmark::kMillisecond)->UseRealTime();

// A batch as the end-to-end benchmark trains on: 10 METIS parts of 5,000
// nodes of a random geometric graph (small halos), GCN-normalised. The
// graph is checked symmetric, as the loader does.
struct BatchGraph {
  gas::CSR adj;
  at::Tensor ptr;
  gas::ops::SymmetryProof symmetry;
  std::vector<std::vector<int64_t>> groups;  // parts of a few batches
};

const BatchGraph& batch_graph() {
  static const BatchGraph g = [] {
    const int64_t n = bench_nodes();
    const gas::Dataset d =
        gas::make_synthetic(gas::SyntheticOptions().kind("rgg").num_nodes(n).avg_degree(10).num_features(1));
    const int64_t parts = std::max<int64_t>(10, n / 5000);
    const gas::Partition p = gas::has_metis() ? gas::metis(d.adj, parts) : gas::random_partition(n, parts);
    const gas::CSR adj = gas::permute(gas::gcn_norm(d.adj), p.perm);
    BatchGraph out{adj, p.ptr, gas::ops::SymmetryProof::check(adj), {}};
    std::mt19937_64 rng(1);
    for (int b = 0; b < 8; ++b) {
      std::vector<int64_t> order(parts);
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      out.groups.emplace_back(order.begin(), order.begin() + 10);
    }
    return out;
  }();
  return g;
}

// Construction of such a batch, the part that on-the-fly loading adds to an
// epoch. Arg transpose: 1 also indexes every column, as the plans of batches
// of graphs not symmetric do.
void BM_MakeBatchRGG(benchmark::State& state) {
  const BatchGraph& g = batch_graph();
  const at::Tensor& x = graphs().features64;  // built here, not in the first timed iteration
  int64_t i = 0;
  for (auto _ : state) {
    const std::vector<int64_t>& parts = g.groups[i++ % g.groups.size()];
    if (state.range(0) == 0) {
      benchmark::DoNotOptimize(gas::make_batch(g.adj, g.ptr, parts, x, true, &g.symmetry));
    } else {
      gas::Batch b = gas::make_batch(g.adj, g.ptr, parts, x, false);
      b.adj.plan = gas::ops::SpMMPlan::make(b.adj);
      benchmark::DoNotOptimize(b);
    }
  }
}
BENCHMARK(BM_MakeBatchRGG)->ArgName("transpose")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// The SpMM backward pass (A^T g, 64 features) on such a batch by each path:
// 0 the symmetric in-batch block as its own transpose plus the halo columns
// indexed in the pass, 1 every column indexed in the pass, 2 a gather over
// every column's index built beforehand by the plan (not timed here: see
// BM_MakeBatchRGG), 3 the symmetric block plus a plan's halo index. Arg
// halo: 1 takes a batch of 10 parts of ~1,000 nodes of the random graph
// instead, whose halo holds most of the entries (as a stochastic block
// model's does).
void BM_BatchSpMMBackward(benchmark::State& state) {
  const BatchGraph& g = batch_graph();
  std::vector<int64_t> spread;
  for (int64_t k = 0; k < 10; ++k) spread.push_back(k * graphs().parts.num_parts() / 10);
  gas::Batch batch = state.range(1) ? gas::make_batch(graphs().metis, graphs().parts.ptr, spread, {}, false)
                                    : gas::make_batch(g.adj, g.ptr, g.groups[0], {}, false);
  // Both graphs are symmetric (GCN-normalised undirected graphs); the proof
  // of the one is checked, the other's is the same property.
  const gas::ops::SymmetryProof& symmetric = g.symmetry;
  const int64_t path = state.range(0);
  if (path == 0 || path == 3) batch.adj.plan = gas::ops::SpMMPlan::make(batch.adj, symmetric, path == 3);
  if (path == 2) batch.adj.plan = gas::ops::SpMMPlan::make(batch.adj);
  at::Tensor x = at::randn({batch.adj.num_cols, 64}).requires_grad_(true);
  const at::Tensor out = gas::ops::spmm(batch.adj, x);
  const at::Tensor grad = at::randn_like(out);
  for (auto _ : state) {
    out.backward(grad, /*retain_graph=*/true);
    x.mutable_grad().reset();
  }
  set_bandwidth(state, spmm_bytes(batch.adj, 64, true));
}
BENCHMARK(BM_BatchSpMMBackward)
    ->ArgNames({"path", "halo"})
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// --------------------------------------------------------------- dropout

// gas's counter-hash dropout against LibTorch's (bernoulli_ masks), on a
// [N, 64] activation; arg 0: gas, 1: LibTorch.
void BM_Dropout(benchmark::State& state) {
  const at::Tensor x = at::randn({bench_nodes() / 4, 64});
  torch::NoGradGuard no_grad;
  for (auto _ : state) {
    benchmark::DoNotOptimize(state.range(0) == 0 ? gas::nn::dropout(x, 0.5, true) : at::dropout(x, 0.5, true));
  }
  set_bandwidth(state, 2.0 * x.numel() * 4);
}
BENCHMARK(BM_Dropout)->ArgName("libtorch")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// A first layer on dense features, forward and backward (gradient of the
// weight): dropout fused into the product (ops::dropout_matmul) against
// dropout then LibTorch's GEMM. Shapes: a Cora batch (1,500 x 1,433 -> 16),
// a CiteSeer batch (1,200 x 3,703 -> 16), a synthetic-1m batch
// (50,000 x 64 -> 64). masked 0: p = 0, the product alone (the mask's
// cost is the difference).
void BM_DropoutMatmul(benchmark::State& state) {
  static const int64_t shapes[3][3] = {{1500, 1433, 16}, {1200, 3703, 16}, {50000, 64, 64}};
  const int64_t* shape = shapes[state.range(0)];
  const bool composed = state.range(1) == 1;
  const double p = state.range(2) == 1 ? 0.5 : 0.0;
  const at::Tensor x = at::randn({shape[0], shape[1]});
  const at::Tensor w = at::randn({shape[1], shape[2]}).requires_grad_();
  const at::Tensor g = at::randn({shape[0], shape[2]});
  uint64_t seed = 1;
  for (auto _ : state) {
    const at::Tensor out = composed ? gas::ops::dropout(x, p, seed).matmul(w) : gas::ops::dropout_matmul(x, w, p, seed);
    out.backward(g);
    w.mutable_grad().reset();
    ++seed;
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(4.0 * shape[0] * shape[1] * shape[2] * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DropoutMatmul)
    ->ArgNames({"shape", "composed", "masked"})
    ->ArgsProduct({{0, 1, 2}, {0, 1}, {1, 0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// -------------------------------------------------------------- optimiser

// One Adam step over a two-layer GCN's parameters on Cora (1,433 x 16, 16,
// 16 x 7, 7): gas::optim::Adam (one pass a parameter) against LibTorch's
// (nine ops a parameter); arg 0: gas, 1: LibTorch.
void BM_AdamStep(benchmark::State& state) {
  std::vector<at::Tensor> params{at::randn({1433, 16}), at::zeros({16}), at::randn({16, 7}), at::zeros({7})};
  for (at::Tensor& p : params) {
    p.requires_grad_();
    p.mutable_grad() = at::randn(p.sizes());
  }
  const torch::optim::AdamOptions options = torch::optim::AdamOptions(0.01).weight_decay(5e-4);
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (state.range(0) == 0) {
    opt = std::make_unique<gas::optim::Adam>(params, options);
  } else {
    opt = std::make_unique<torch::optim::Adam>(params, options);
  }
  for (auto _ : state) opt->step();
}
BENCHMARK(BM_AdamStep)->ArgName("libtorch")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---------------------------------------------------------------- METIS

// gas::metis, the whole step (the graph as a run hands it over: normalised,
// with self-loops; and the same graph with only its entries u < v, which
// takes the path that symmetrises), against the bare METIS_PartGraphKway
// call on the arrays it is given, built outside the timing by the generic
// graph functions: the reference the issue set (preparation within 1.2x of it).
void BM_Metis(benchmark::State& state) {
#if GAS_BUILT_WITH_METIS
  // synthetic-1m's graph (random geometric, where METIS takes about a second;
  // on the random graphs above it takes half a minute, and preparation is noise).
  static const gas::CSR adj = gas::gcn_norm(
      gas::make_synthetic(gas::SyntheticOptions().kind("rgg").num_nodes(bench_nodes()).avg_degree(10).num_features(1))
          .adj);
  const int64_t parts = std::max<int64_t>(2, adj.num_rows / 5000);
  const int64_t mode = state.range(0);
  if (mode == 0) {
    const gas::CSR simple = gas::remove_self_loops(adj.with_value({}));
    std::vector<idx_t> xadj(simple.rowptr.data_ptr<int64_t>(), simple.rowptr.data_ptr<int64_t>() + simple.num_rows + 1);
    std::vector<idx_t> adjncy(simple.col.data_ptr<int64_t>(), simple.col.data_ptr<int64_t>() + simple.nnz());
    std::vector<idx_t> part(simple.num_rows);
    idx_t options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_SEED] = 0;
    idx_t nvtxs = static_cast<idx_t>(simple.num_rows), ncon = 1, nparts = static_cast<idx_t>(parts), objval = 0;
    for (auto _ : state) {
      METIS_PartGraphKway(&nvtxs, &ncon, xadj.data(), adjncy.data(), nullptr, nullptr, nullptr, &nparts, nullptr,
                          nullptr, options, &objval, part.data());
      benchmark::DoNotOptimize(part.data());
    }
  } else {
    gas::CSR input = adj;
    if (mode == 2) {
      const at::Tensor ei = gas::csr_to_edge_index(adj);
      const at::Tensor keep = ei[0].lt(ei[1]);
      input = gas::csr_from_edge_index(ei.index({at::indexing::Slice(), keep}), adj.num_rows, adj.num_cols);
    }
    for (auto _ : state) benchmark::DoNotOptimize(gas::metis(input, parts));
  }
  state.counters["edges_per_s"] =
      benchmark::Counter(static_cast<double>(adj.nnz()), benchmark::Counter::kIsIterationInvariantRate);
#else
  state.SkipWithError("built without METIS");
#endif
}
BENCHMARK(BM_Metis)
    ->ArgName("step")
    ->Arg(0)  // the bare METIS call
    ->Arg(1)  // gas::metis on a symmetric graph
    ->Arg(2)  // gas::metis on a directed one (the upper triangle)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  gas::tune_process(argv);
  // Debian's LibTorch starts with one intra-op thread.
  at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("intra_op_threads", std::to_string(at::get_num_threads()));
  benchmark::AddCustomContext("bench_nodes", std::to_string(bench_nodes()));
  benchmark::AddCustomContext("openblas_core", gas::openblas_core());
  benchmark::AddCustomContext("huge_pages", gas::malloc_uses_huge_pages() ? "yes" : "no");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
