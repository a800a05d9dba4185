#include <gas/datasets/synthetic.h>

#include "util/random.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace gas {
namespace {

// Every random stream belongs to a fixed chunk of nodes, so the graph depends
// on the seed only, never on the number of threads.
constexpr int64_t kChunk = 1 << 14;

enum Stream : uint64_t { kLabels = 1, kEdges, kFeatures, kSplit, kPositions, kCentroids };

int64_t num_chunks(int64_t n) { return (n + kChunk - 1) / kChunk; }

template <typename F>
void for_each_chunk(int64_t n, F&& f) {
  at::parallel_for(0, num_chunks(n), 1, [&](int64_t begin, int64_t end) {
    for (int64_t chunk = begin; chunk < end; ++chunk) f(chunk, chunk * kChunk, std::min(n, (chunk + 1) * kChunk));
  });
}

uint64_t stream_id(Stream s, int64_t chunk) { return (static_cast<uint64_t>(s) << 48) ^ static_cast<uint64_t>(chunk); }

// Class-dependent features: centroid of the class plus isotropic noise.
at::Tensor make_features(const SyntheticOptions& o, const at::Tensor& y) {
  const int64_t n = o.num_nodes(), f = o.num_features(), c = o.num_classes();
  std::vector<float> centroids(c * f);
  util::Rng crng(o.seed(), stream_id(kCentroids, 0));
  for (float& v : centroids) v = static_cast<float>(crng.normal());
  at::Tensor x = at::empty({n, f}, at::kFloat);
  float* xp = x.data_ptr<float>();
  const int64_t* yp = y.data_ptr<int64_t>();
  const float noise = static_cast<float>(o.feature_noise());
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) {
    util::Rng rng(o.seed(), stream_id(kFeatures, chunk));
    for (int64_t v = lo; v < hi; ++v) {
      const float* mu = centroids.data() + yp[v] * f;
      for (int64_t k = 0; k < f; ++k) xp[v * f + k] = mu[k] + noise * static_cast<float>(rng.normal());
    }
  });
  return x;
}

void make_split(const SyntheticOptions& o, Dataset& data) {
  const int64_t n = o.num_nodes();
  data.train_mask = at::zeros({n}, at::kBool);
  data.val_mask = at::zeros({n}, at::kBool);
  data.test_mask = at::zeros({n}, at::kBool);
  bool* tr = data.train_mask.data_ptr<bool>();
  bool* va = data.val_mask.data_ptr<bool>();
  bool* te = data.test_mask.data_ptr<bool>();
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) {
    util::Rng rng(o.seed(), stream_id(kSplit, chunk));
    for (int64_t v = lo; v < hi; ++v) {
      const double u = rng.uniform();
      if (u < o.train_fraction()) {
        tr[v] = true;
      } else if (u < o.train_fraction() + o.val_fraction()) {
        va[v] = true;
      } else {
        te[v] = true;
      }
    }
  });
}

// Expected avg_degree / 2 edges drawn per node, each inside the node's class
// with probability `homophily`, else to a uniform node; then symmetrised.
void make_sbm(const SyntheticOptions& o, Dataset& data) {
  const int64_t n = o.num_nodes(), c = o.num_classes();
  data.y = at::empty({n}, at::kLong);
  int64_t* y = data.y.data_ptr<int64_t>();
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) {
    util::Rng rng(o.seed(), stream_id(kLabels, chunk));
    for (int64_t v = lo; v < hi; ++v) y[v] = static_cast<int64_t>(rng.below(c));
  });
  std::vector<int64_t> class_ptr(c + 1, 0), members(n);
  for (int64_t v = 0; v < n; ++v) ++class_ptr[y[v] + 1];
  for (int64_t k = 0; k < c; ++k) class_ptr[k + 1] += class_ptr[k];
  {
    std::vector<int64_t> cursor(class_ptr.begin(), class_ptr.end() - 1);
    for (int64_t v = 0; v < n; ++v) members[cursor[y[v]]++] = v;
  }

  const double half = o.avg_degree() / 2.0;
  std::vector<std::vector<int64_t>> src(num_chunks(n)), dst(num_chunks(n));
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) {
    util::Rng rng(o.seed(), stream_id(kEdges, chunk));
    for (int64_t u = lo; u < hi; ++u) {
      const int64_t m = static_cast<int64_t>(half) + (rng.uniform() < half - std::floor(half) ? 1 : 0);
      for (int64_t k = 0; k < m; ++k) {
        int64_t v;
        if (rng.uniform() < o.homophily()) {
          const int64_t lo_c = class_ptr[y[u]], size = class_ptr[y[u] + 1] - lo_c;
          v = members[lo_c + static_cast<int64_t>(rng.below(size))];
        } else {
          v = static_cast<int64_t>(rng.below(n));
        }
        if (v == u) continue;
        src[chunk].push_back(u);
        dst[chunk].push_back(v);
      }
    }
  });
  int64_t m = 0;
  for (const auto& s : src) m += static_cast<int64_t>(s.size());
  at::Tensor edge_index = at::empty({2, 2 * m}, at::kLong);
  int64_t* row = edge_index.data_ptr<int64_t>();
  int64_t* col = row + 2 * m;
  int64_t pos = 0;
  for (size_t k = 0; k < src.size(); ++k) {
    const int64_t len = static_cast<int64_t>(src[k].size());
    std::copy_n(src[k].data(), len, row + pos);
    std::copy_n(dst[k].data(), len, col + pos);
    std::copy_n(dst[k].data(), len, row + m + pos);
    std::copy_n(src[k].data(), len, col + m + pos);
    pos += len;
    std::vector<int64_t>().swap(src[k]);
    std::vector<int64_t>().swap(dst[k]);
  }
  data.adj = csr_from_edge_index(edge_index, n, n);
}

// Points uniform in the unit square, joined when closer than the radius that
// gives the requested expected degree; the class of a point is its nearest
// of num_classes random centres. A grid of radius-sized cells finds the
// neighbours in linear time.
void make_rgg(const SyntheticOptions& o, Dataset& data) {
  const int64_t n = o.num_nodes(), c = o.num_classes();
  const double radius = std::sqrt(o.avg_degree() / (M_PI * static_cast<double>(n)));
  const int64_t grid = std::max<int64_t>(1, static_cast<int64_t>(1.0 / radius));
  std::vector<double> px(n), py(n);
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) {
    util::Rng rng(o.seed(), stream_id(kPositions, chunk));
    for (int64_t v = lo; v < hi; ++v) {
      px[v] = rng.uniform();
      py[v] = rng.uniform();
    }
  });
  std::vector<double> cx(c), cy(c);
  util::Rng crng(o.seed(), stream_id(kCentroids, 1));
  for (int64_t k = 0; k < c; ++k) {
    cx[k] = crng.uniform();
    cy[k] = crng.uniform();
  }
  data.y = at::empty({n}, at::kLong);
  int64_t* y = data.y.data_ptr<int64_t>();
  std::vector<int64_t> cell(n);
  at::parallel_for(0, n, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t v = lo; v < hi; ++v) {
      int64_t best = 0;
      double best_d = 1e300;
      for (int64_t k = 0; k < c; ++k) {
        const double d = (px[v] - cx[k]) * (px[v] - cx[k]) + (py[v] - cy[k]) * (py[v] - cy[k]);
        if (d < best_d) {
          best_d = d;
          best = k;
        }
      }
      y[v] = best;
      const int64_t gx = std::min(grid - 1, static_cast<int64_t>(px[v] * grid));
      const int64_t gy = std::min(grid - 1, static_cast<int64_t>(py[v] * grid));
      cell[v] = gy * grid + gx;
    }
  });
  std::vector<int64_t> cell_ptr(grid * grid + 1, 0), by_cell(n);
  for (int64_t v = 0; v < n; ++v) ++cell_ptr[cell[v] + 1];
  for (int64_t k = 0; k < grid * grid; ++k) cell_ptr[k + 1] += cell_ptr[k];
  {
    std::vector<int64_t> cursor(cell_ptr.begin(), cell_ptr.end() - 1);
    for (int64_t v = 0; v < n; ++v) by_cell[cursor[cell[v]]++] = v;
  }

  // Two passes over the same neighbourhood scan: count, then fill; every
  // pair is found from both ends, so the adjacency comes out symmetric.
  const double r2 = radius * radius;
  auto scan = [&](int64_t u, auto&& emit) {
    const int64_t gx = cell[u] % grid, gy = cell[u] / grid;
    for (int64_t dy = -1; dy <= 1; ++dy)
      for (int64_t dx = -1; dx <= 1; ++dx) {
        const int64_t nx = gx + dx, ny = gy + dy;
        if (nx < 0 || ny < 0 || nx >= grid || ny >= grid) continue;
        const int64_t k = ny * grid + nx;
        for (int64_t i = cell_ptr[k]; i < cell_ptr[k + 1]; ++i) {
          const int64_t v = by_cell[i];
          const double ddx = px[u] - px[v], ddy = py[u] - py[v];
          if (v != u && ddx * ddx + ddy * ddy < r2) emit(v);
        }
      }
  };
  at::Tensor rowptr = at::zeros({n + 1}, at::kLong);
  int64_t* rp = rowptr.data_ptr<int64_t>();
  at::parallel_for(0, n, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; ++u) {
      int64_t deg = 0;
      scan(u, [&](int64_t) { ++deg; });
      rp[u + 1] = deg;
    }
  });
  for (int64_t u = 0; u < n; ++u) rp[u + 1] += rp[u];
  at::Tensor col = at::empty({rp[n]}, at::kLong);
  int64_t* cp = col.data_ptr<int64_t>();
  at::parallel_for(0, n, 4096, [&](int64_t lo, int64_t hi) {
    for (int64_t u = lo; u < hi; ++u) {
      int64_t pos = rp[u];
      scan(u, [&](int64_t v) { cp[pos++] = v; });
      std::sort(cp + rp[u], cp + rp[u + 1]);
    }
  });
  data.adj = CSR{rowptr, col, {}, n, n};
}

}  // namespace

Dataset make_synthetic(const SyntheticOptions& o) {
  TORCH_CHECK(o.num_nodes() >= 1, "synthetic: num_nodes must be positive, got ", o.num_nodes());
  TORCH_CHECK(o.num_classes() >= 2, "synthetic: num_classes must be at least 2, got ", o.num_classes());
  TORCH_CHECK(o.num_features() >= 1, "synthetic: num_features must be positive, got ", o.num_features());
  TORCH_CHECK(o.avg_degree() >= 0, "synthetic: avg_degree must be >= 0, got ", o.avg_degree());
  TORCH_CHECK(o.homophily() >= 0 && o.homophily() <= 1, "synthetic: homophily must be in [0, 1], got ", o.homophily());
  TORCH_CHECK(o.feature_noise() >= 0, "synthetic: feature_noise must be >= 0, got ", o.feature_noise());
  TORCH_CHECK(o.train_fraction() > 0 && o.val_fraction() >= 0 && o.train_fraction() + o.val_fraction() < 1,
              "synthetic: need 0 < train_fraction, 0 <= val_fraction and train_fraction + val_fraction < 1, got ",
              o.train_fraction(), " and ", o.val_fraction());
  Dataset data;
  data.name = "synthetic-" + o.kind();
  if (o.kind() == "sbm") {
    make_sbm(o, data);
  } else if (o.kind() == "rgg") {
    make_rgg(o, data);
  } else {
    TORCH_CHECK(false, "synthetic: unknown kind '", o.kind(), "' (valid: sbm, rgg)");
  }
  data.num_classes = o.num_classes();
  data.x = make_features(o, data.y);
  make_split(o, data);
  return data;
}

}  // namespace gas
