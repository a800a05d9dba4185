#include <gas/datasets/synthetic.h>

#include "datasets/npy.h"
#include "util/random.h"
#include "util/system.h"

#include <unistd.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
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

std::vector<float> make_centroids(const SyntheticOptions& o) {
  std::vector<float> centroids(o.num_classes() * o.num_features());
  util::Rng crng(o.seed(), stream_id(kCentroids, 0));
  for (float& v : centroids) v = static_cast<float>(crng.normal());
  return centroids;
}

// Class-dependent features of nodes [lo, hi) (chunk `chunk`), row-major
// into `x`: centroid of the class plus isotropic noise.
void feature_rows(const SyntheticOptions& o, const std::vector<float>& centroids, int64_t chunk, int64_t lo,
                  int64_t hi, const int64_t* y, float* x) {
  const int64_t f = o.num_features();
  const float noise = static_cast<float>(o.feature_noise());
  util::Rng rng(o.seed(), stream_id(kFeatures, chunk));
  for (int64_t v = lo; v < hi; ++v) {
    const float* mu = centroids.data() + y[v - lo] * f;
    for (int64_t k = 0; k < f; ++k) x[(v - lo) * f + k] = mu[k] + noise * static_cast<float>(rng.normal());
  }
}

at::Tensor make_features(const SyntheticOptions& o, const at::Tensor& y) {
  const int64_t n = o.num_nodes(), f = o.num_features();
  const std::vector<float> centroids = make_centroids(o);
  at::Tensor x = at::empty({n, f}, at::kFloat);
  float* xp = x.data_ptr<float>();
  const int64_t* yp = y.data_ptr<int64_t>();
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) { feature_rows(o, centroids, chunk, lo, hi, yp + lo, xp + lo * f); });
  return x;
}

// The split of nodes [lo, hi): 0 train, 1 validation, 2 test.
void split_rows(const SyntheticOptions& o, int64_t chunk, int64_t lo, int64_t hi, uint8_t* split) {
  util::Rng rng(o.seed(), stream_id(kSplit, chunk));
  for (int64_t v = lo; v < hi; ++v) {
    const double u = rng.uniform();
    split[v - lo] = u < o.train_fraction() ? 0 : u < o.train_fraction() + o.val_fraction() ? 1 : 2;
  }
}

// The masks of split codes (split_rows).
void set_split_masks(Dataset& data, const at::Tensor& codes) {
  data.train_mask = codes.eq(0);
  data.val_mask = codes.eq(1);
  data.test_mask = codes.eq(2);
}

void make_split(const SyntheticOptions& o, Dataset& data) {
  const int64_t n = o.num_nodes();
  std::vector<uint8_t> split(n);
  for_each_chunk(n, [&](int64_t chunk, int64_t lo, int64_t hi) { split_rows(o, chunk, lo, hi, split.data() + lo); });
  set_split_masks(data, at::from_blob(split.data(), {n}, at::kByte));
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

// kind "line": everything about nodes [lo, hi) of one chunk, computed from
// the chunk's own random streams.
struct LineChunk {
  int64_t lo = 0, hi = 0;
  std::vector<int64_t> y;
  std::vector<float> x;
  std::vector<uint8_t> split;
  std::vector<int64_t> src, dst;  // one direction of each edge drawn
};

int64_t line_window(const SyntheticOptions& o) {
  return std::max<int64_t>(1, static_cast<int64_t>(std::llround(10.0 * o.avg_degree())));
}

void line_chunk(const SyntheticOptions& o, const std::vector<float>& centroids, int64_t chunk, LineChunk& c) {
  const int64_t n = o.num_nodes(), region = o.region_size(), window = line_window(o);
  c.lo = chunk * kChunk;
  c.hi = std::min(n, c.lo + kChunk);
  const int64_t len = c.hi - c.lo;
  c.y.resize(len);
  for (int64_t v = c.lo; v < c.hi; ++v)
    c.y[v - c.lo] = static_cast<int64_t>(util::Rng(o.seed(), stream_id(kLabels, v / region)).below(o.num_classes()));
  c.x.resize(len * o.num_features());
  feature_rows(o, centroids, chunk, c.lo, c.hi, c.y.data(), c.x.data());
  c.split.resize(len);
  split_rows(o, chunk, c.lo, c.hi, c.split.data());
  // avg_degree / 2 edges per node on average, to a node at most `window`
  // ids ahead (behind, near the end); both directions are stored.
  const double half = o.avg_degree() / 2.0;
  util::Rng rng(o.seed(), stream_id(kEdges, chunk));
  c.src.clear();
  c.dst.clear();
  for (int64_t u = c.lo; u < c.hi; ++u) {
    const int64_t m = static_cast<int64_t>(half) + (rng.uniform() < half - std::floor(half) ? 1 : 0);
    for (int64_t k = 0; k < m; ++k) {
      const int64_t d = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(window)));
      const int64_t v = u + d < n ? u + d : u - d;
      if (v < 0) continue;
      c.src.push_back(u);
      c.dst.push_back(v);
    }
  }
}

// Calls sink(chunk) for every chunk in order, computing a few per thread at
// a time: memory stays a few chunks whatever the graph's size.
template <typename Sink>
void for_each_line_chunk(const SyntheticOptions& o, Sink&& sink) {
  const std::vector<float> centroids = make_centroids(o);
  const int64_t chunks = num_chunks(o.num_nodes());
  const int64_t group = 2 * std::max<int64_t>(1, at::get_num_threads());
  std::vector<LineChunk> batch(static_cast<size_t>(group));
  for (int64_t first = 0; first < chunks; first += group) {
    const int64_t count = std::min(group, chunks - first);
    at::parallel_for(0, count, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) line_chunk(o, centroids, first + i, batch[i]);
    });
    for (int64_t i = 0; i < count; ++i) sink(batch[i]);
  }
}

void make_line(const SyntheticOptions& o, Dataset& data) {
  const int64_t n = o.num_nodes(), f = o.num_features();
  data.y = at::empty({n}, at::kLong);
  data.x = at::empty({n, f}, at::kFloat);
  at::Tensor split = at::empty({n}, at::kByte);
  std::vector<int64_t> src, dst;
  for_each_line_chunk(o, [&](const LineChunk& c) {
    std::copy(c.y.begin(), c.y.end(), data.y.data_ptr<int64_t>() + c.lo);
    std::copy(c.x.begin(), c.x.end(), data.x.data_ptr<float>() + c.lo * f);
    std::copy(c.split.begin(), c.split.end(), split.data_ptr<uint8_t>() + c.lo);
    src.insert(src.end(), c.src.begin(), c.src.end());
    dst.insert(dst.end(), c.dst.begin(), c.dst.end());
  });
  const int64_t m = static_cast<int64_t>(src.size());
  at::Tensor edge_index = at::empty({2, 2 * m}, at::kLong);
  int64_t* row = edge_index.data_ptr<int64_t>();
  std::copy(src.begin(), src.end(), row);
  std::copy(dst.begin(), dst.end(), row + m);
  std::copy(dst.begin(), dst.end(), row + 2 * m);
  std::copy(src.begin(), src.end(), row + 3 * m);
  data.adj = csr_from_edge_index(edge_index, n, n);
  set_split_masks(data, split);
}

// A file written front to back through a large buffer; close() syncs it.
class FileWriter {
 public:
  explicit FileWriter(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "wb")) {
    TORCH_CHECK(file_ != nullptr, "write_synthetic: cannot create '", path, "': ", util::errno_message());
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 22);
  }
  // An .npy file: its header first.
  FileWriter(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape) : FileWriter(path) {
    const std::string h = npy::header(descr, shape);
    write(h.data(), h.size());
  }
  ~FileWriter() {
    if (file_) std::fclose(file_);
  }
  void write(const void* data, size_t bytes) {
    TORCH_CHECK(std::fwrite(data, 1, bytes, file_) == bytes, "write_synthetic: writing '", path_,
                "' failed: ", util::errno_message());
  }
  // Appends the content of file `from`, a block at a time.
  void append(const std::string& from) {
    FILE* in = std::fopen(from.c_str(), "rb");
    TORCH_CHECK(in != nullptr, "write_synthetic: cannot read '", from, "': ", util::errno_message());
    std::vector<char> buf(1 << 24);
    for (size_t k; (k = std::fread(buf.data(), 1, buf.size(), in)) > 0;) write(buf.data(), k);
    const bool failed = std::ferror(in);
    std::fclose(in);
    TORCH_CHECK(!failed, "write_synthetic: reading '", from, "' failed: ", util::errno_message());
  }
  void close() {
    const bool ok = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
    const int rc = std::fclose(file_);
    file_ = nullptr;
    TORCH_CHECK(ok && rc == 0, "write_synthetic: finishing '", path_, "' failed: ", util::errno_message());
  }

 private:
  std::string path_;
  FILE* file_ = nullptr;
};

void check_options(const SyntheticOptions& o) {
  TORCH_CHECK(o.num_nodes() >= 1, "synthetic: num_nodes must be positive, got ", o.num_nodes());
  TORCH_CHECK(o.num_classes() >= 2, "synthetic: num_classes must be at least 2, got ", o.num_classes());
  TORCH_CHECK(o.num_features() >= 1, "synthetic: num_features must be positive, got ", o.num_features());
  TORCH_CHECK(o.avg_degree() >= 0, "synthetic: avg_degree must be >= 0, got ", o.avg_degree());
  TORCH_CHECK(o.homophily() >= 0 && o.homophily() <= 1, "synthetic: homophily must be in [0, 1], got ", o.homophily());
  TORCH_CHECK(o.feature_noise() >= 0, "synthetic: feature_noise must be >= 0, got ", o.feature_noise());
  TORCH_CHECK(o.region_size() >= 1, "synthetic: region_size must be positive, got ", o.region_size());
  TORCH_CHECK(o.train_fraction() > 0 && o.val_fraction() >= 0 && o.train_fraction() + o.val_fraction() < 1,
              "synthetic: need 0 < train_fraction, 0 <= val_fraction and train_fraction + val_fraction < 1, got ",
              o.train_fraction(), " and ", o.val_fraction());
}

}  // namespace

void write_synthetic(const SyntheticOptions& o, const std::string& dir,
                     const std::function<void(int64_t nodes_done)>& progress) {
  check_options(o);
  TORCH_CHECK(o.kind() == "line", "write_synthetic: kind '", o.kind(),
              "' is generated in memory only; kind=line streams to disk");
  TORCH_CHECK(!util::is_directory(dir) && !util::is_file(dir), "write_synthetic: '", dir,
              "' exists; remove it or choose another directory");
  const std::string staging = dir + ".partial." + std::to_string(getpid());
  util::make_directories(staging);
  const int64_t n = o.num_nodes(), f = o.num_features();
  {
    FileWriter x(staging + "/x.npy", "<f4", {n, f}), y(staging + "/y.npy", "<i8", {n});
    FileWriter train(staging + "/train_mask.npy", "|b1", {n}), val(staging + "/val_mask.npy", "|b1", {n}),
        test(staging + "/test_mask.npy", "|b1", {n});
    // One direction of the edges into two scratch files; edge_index is
    // [sources..., targets...] of both directions, known only at the end.
    const std::string src_path = staging + "/src.tmp", dst_path = staging + "/dst.tmp";
    int64_t m = 0;
    {
      FileWriter src(src_path), dst(dst_path);
      std::vector<uint8_t> mask;
      for_each_line_chunk(o, [&](const LineChunk& c) {
        x.write(c.x.data(), c.x.size() * sizeof(float));
        y.write(c.y.data(), c.y.size() * sizeof(int64_t));
        for (auto [writer, code] : {std::pair<FileWriter*, uint8_t>{&train, 0}, {&val, 1}, {&test, 2}}) {
          mask.resize(c.split.size());
          for (size_t i = 0; i < mask.size(); ++i) mask[i] = c.split[i] == code;
          writer->write(mask.data(), mask.size());
        }
        src.write(c.src.data(), c.src.size() * sizeof(int64_t));
        dst.write(c.dst.data(), c.dst.size() * sizeof(int64_t));
        m += static_cast<int64_t>(c.src.size());
        if (progress) progress(c.hi);
      });
      src.close();
      dst.close();
    }
    for (FileWriter* w : {&x, &y, &train, &val, &test}) w->close();
    FileWriter edges(staging + "/edge_index.npy", "<i8", {2, 2 * m});
    for (const std::string* part : {&src_path, &dst_path, &dst_path, &src_path}) edges.append(*part);
    edges.close();
    std::remove(src_path.c_str());
    std::remove(dst_path.c_str());
  }
  TORCH_CHECK(std::rename(staging.c_str(), dir.c_str()) == 0, "write_synthetic: cannot rename '", staging, "' to '",
              dir, "': ", util::errno_message());
}

Dataset make_synthetic(const SyntheticOptions& o) {
  check_options(o);
  Dataset data;
  data.name = "synthetic-" + o.kind();
  if (o.kind() == "sbm") {
    make_sbm(o, data);
  } else if (o.kind() == "rgg") {
    make_rgg(o, data);
  } else if (o.kind() == "line") {
    make_line(o, data);
    data.num_classes = o.num_classes();
    return data;
  } else {
    TORCH_CHECK(false, "synthetic: unknown kind '", o.kind(), "' (valid: sbm, rgg, line)");
  }
  data.num_classes = o.num_classes();
  data.x = make_features(o, data.y);
  make_split(o, data);
  return data;
}

}  // namespace gas
