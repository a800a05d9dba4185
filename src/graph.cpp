#include <gas/graph.h>

#include <gas/ops/expand_rowptr.h>
#include <gas/ops/spmm_plan.h>
#include <gas/sparse_features.h>

#include "csr_builder.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <utility>
#include <vector>

namespace gas {
namespace {

constexpr int64_t kRowGrain = 1024;

void check_index(const at::Tensor& t, const char* name) {
  TORCH_CHECK(t.defined(), name, " is undefined");
  TORCH_CHECK(t.scalar_type() == at::kLong, name, " must be int64, got ", t.scalar_type());
  TORCH_CHECK(t.dim() == 1, name, " must be 1-D, got ", t.dim(), "-D");
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
}

void check_cpu(const CSR& adj, const char* op) {
  TORCH_CHECK(adj.rowptr.device().is_cpu(), op, ": expected a CPU adjacency, got ", adj.rowptr.device());
}

void check_square(const CSR& adj, const char* op) {
  TORCH_CHECK(adj.num_rows == adj.num_cols, op, ": expected a square adjacency, got ", adj.num_rows, " x ",
              adj.num_cols);
}

void check_unit_or_vector_value(const CSR& adj, const char* op) {
  TORCH_CHECK(!adj.has_value() || adj.value.dim() == 1, op, ": expected one weight per edge, got value of shape ",
              adj.value.sizes());
}

const float* value_ptr(const CSR& adj) {
  if (!adj.has_value()) return nullptr;
  TORCH_CHECK(adj.value.scalar_type() == at::kFloat, "edge values must be float32, got ", adj.value.scalar_type());
  return adj.value.data_ptr<float>();
}

}  // namespace

void CSR::check() const {
  check_index(rowptr, "CSR.rowptr");
  check_index(col, "CSR.col");
  TORCH_CHECK(num_rows >= 0 && num_cols >= 0, "CSR: negative size ", num_rows, " x ", num_cols);
  TORCH_CHECK(rowptr.numel() == num_rows + 1, "CSR.rowptr has ", rowptr.numel(),
              " entries, expected num_rows + 1 = ", num_rows + 1);
  TORCH_CHECK(col.device() == rowptr.device(), "CSR.col is on ", col.device(), ", rowptr on ", rowptr.device());
  if (value.defined()) {
    TORCH_CHECK(value.dim() == 1 || value.dim() == 2, "CSR.value must be [nnz] or [nnz, H], got ", value.sizes());
    TORCH_CHECK(value.size(0) == col.numel(), "CSR.value has ", value.size(0), " rows, expected nnz = ", col.numel());
    TORCH_CHECK(at::isFloatingType(value.scalar_type()), "CSR.value must be floating point, got ", value.scalar_type());
  }
  const at::Tensor rp = rowptr.cpu();
  const int64_t* p = rp.data_ptr<int64_t>();
  TORCH_CHECK(p[0] == 0, "CSR.rowptr[0] = ", p[0], ", expected 0");
  TORCH_CHECK(p[num_rows] == col.numel(), "CSR.rowptr[-1] = ", p[num_rows], ", expected nnz = ", col.numel());
  for (int64_t r = 0; r < num_rows; ++r)
    TORCH_CHECK(p[r] <= p[r + 1], "CSR.rowptr decreases at row ", r, " (", p[r], " > ", p[r + 1], ")");
  if (col.numel() > 0) {
    const at::Tensor c = col.cpu();
    const int64_t lo = c.min().item<int64_t>(), hi = c.max().item<int64_t>();
    TORCH_CHECK(lo >= 0 && hi < num_cols, "CSR.col holds indices in [", lo, ", ", hi, "], outside [0, ", num_cols, ")");
  }
}

CSR CSR::to(c10::Device device, bool non_blocking) const {
  auto move = [&](const at::Tensor& t) { return t.defined() ? t.to(device, non_blocking) : t; };
  CSR out = *this;
  out.rowptr = move(rowptr);
  out.col = move(col);
  out.value = move(value);
  if (plan && plan->columns().defined() && plan->columns().colptr.device() != device) out.plan = plan->to(device);
  return out;
}

CSR CSR::with_value(at::Tensor new_value) const {
  CSR out = *this;
  // A symmetry claim covers values too; a column index is of the structure alone.
  if (plan && plan->leading_block_symmetric()) out.plan.reset();
  out.value = std::move(new_value);
  return out;
}

int64_t CSR::nbytes() const {
  int64_t bytes = 0;
  for (const at::Tensor* t : {&rowptr, &col, &value}) bytes += tensor_nbytes(*t);
  return bytes + (plan ? plan->nbytes() : 0);
}

at::Tensor CSR::row_degree() const { return rowptr.narrow(0, 1, num_rows) - rowptr.narrow(0, 0, num_rows); }

at::Tensor CSR::to_dense() const {
  const at::ScalarType dtype = value.defined() ? value.scalar_type() : at::kFloat;
  at::Tensor dense = at::zeros({num_rows, num_cols}, at::TensorOptions().dtype(dtype));
  const CSR cpu = to(at::kCPU);
  const at::Tensor row = ops::expand_rowptr(cpu.rowptr, cpu.nnz());
  const at::Tensor v = value.defined() ? cpu.value.reshape({nnz(), -1}).select(1, 0)
                                       : at::ones({nnz()}, at::TensorOptions().dtype(dtype));
  dense.index_put_({row, cpu.col}, v, /*accumulate=*/true);
  return dense;
}

CSR csr_from_edge_index(const at::Tensor& edge_index, int64_t num_rows, int64_t num_cols, const at::Tensor& value) {
  TORCH_CHECK(num_rows >= 0 && num_cols >= 0, "csr_from_edge_index: negative size ", num_rows, " x ", num_cols);
  TORCH_CHECK(edge_index.dim() == 2 && edge_index.size(0) == 2, "csr_from_edge_index: edge_index must be [2, E], got ",
              edge_index.sizes());
  TORCH_CHECK(edge_index.scalar_type() == at::kLong, "csr_from_edge_index: edge_index must be int64, got ",
              edge_index.scalar_type());
  const at::Tensor ei = edge_index.cpu().contiguous();
  const int64_t num_edges = ei.size(1);
  at::Tensor val;
  if (value.defined()) {
    TORCH_CHECK(value.dim() == 1 && value.numel() == num_edges, "csr_from_edge_index: value must be [E] = [", num_edges,
                "], got ", value.sizes());
    val = value.cpu().to(at::kFloat).contiguous();
  }
  const int64_t* row = ei.data_ptr<int64_t>();
  const int64_t* col = row + num_edges;
  const float* v = val.defined() ? val.data_ptr<float>() : nullptr;
  detail::CsrBuilderOptions options;
  options.weighted = v != nullptr;
  return detail::build_csr(num_rows, num_cols, options, "csr_from_edge_index", [&](auto&& emit) {
    for (int64_t e = 0; e < num_edges; ++e) emit(row[e], col[e], v ? v[e] : 1.0f);
  });
}

at::Tensor csr_to_edge_index(const CSR& adj) {
  check_cpu(adj, "csr_to_edge_index");
  return at::stack({ops::expand_rowptr(adj.rowptr, adj.nnz()), adj.col});
}

CSR coalesce(const CSR& adj) {
  check_cpu(adj, "coalesce");
  check_unit_or_vector_value(adj, "coalesce");
  return csr_from_edge_index(csr_to_edge_index(adj), adj.num_rows, adj.num_cols, adj.value);
}

CSR to_symmetric(const CSR& adj) {
  check_cpu(adj, "to_symmetric");
  check_square(adj, "to_symmetric");
  check_unit_or_vector_value(adj, "to_symmetric");
  const int64_t n = adj.nnz();
  const at::Tensor rows = ops::expand_rowptr(adj.rowptr, n);
  const int64_t* row = rows.data_ptr<int64_t>();
  const int64_t* col = adj.col.data_ptr<int64_t>();
  const float* v = value_ptr(adj);
  detail::CsrBuilderOptions options;
  options.weighted = v != nullptr;
  // A + A^T: every entry, then every entry reversed (a self-loop twice, as
  // PyG's to_undirected sums it).
  return detail::build_csr(adj.num_rows, adj.num_cols, options, "to_symmetric", [&](auto&& emit) {
    for (int64_t e = 0; e < n; ++e) emit(row[e], col[e], v ? v[e] : 1.0f);
    for (int64_t e = 0; e < n; ++e) emit(col[e], row[e], v ? v[e] : 1.0f);
  });
}

CSR remove_self_loops(const CSR& adj) {
  check_cpu(adj, "remove_self_loops");
  check_unit_or_vector_value(adj, "remove_self_loops");
  const at::Tensor row = ops::expand_rowptr(adj.rowptr, adj.nnz());
  const at::Tensor keep = row.ne(adj.col);
  at::Tensor new_row = row.masked_select(keep);
  at::Tensor rowptr = at::zeros({adj.num_rows + 1}, at::kLong);
  rowptr.narrow(0, 1, adj.num_rows).copy_(at::bincount(new_row, {}, adj.num_rows).cumsum(0));
  return CSR{rowptr, adj.col.masked_select(keep), adj.has_value() ? adj.value.masked_select(keep) : at::Tensor(),
             adj.num_rows, adj.num_cols};
}

CSR set_self_loops(const CSR& adj, double fill) {
  TORCH_CHECK(adj.num_rows <= adj.num_cols, "set_self_loops: needs at least as many columns as rows, got ",
              adj.num_rows, " x ", adj.num_cols);
  const CSR base = remove_self_loops(adj);
  const int64_t n = adj.num_rows;
  const at::Tensor loops = at::arange(n, at::kLong);
  const at::Tensor ei = at::cat({csr_to_edge_index(base), at::stack({loops, loops})}, 1);
  at::Tensor value;
  if (base.has_value() || fill != 1.0) {
    const at::Tensor v = base.has_value() ? base.value.to(at::kFloat) : at::ones({base.nnz()}, at::kFloat);
    value = at::cat({v, at::full({n}, fill, at::kFloat)});
  }
  return csr_from_edge_index(ei, n, adj.num_cols, value);
}

CSR add_self_loops(const CSR& adj, double fill) {
  check_cpu(adj, "add_self_loops");
  check_square(adj, "add_self_loops");
  check_unit_or_vector_value(adj, "add_self_loops");
  const int64_t n = adj.num_rows;
  const at::Tensor loops = at::arange(n, at::kLong);
  const at::Tensor ei = at::cat({csr_to_edge_index(adj), at::stack({loops, loops})}, 1);
  const at::Tensor v = adj.has_value() ? adj.value.to(at::kFloat) : at::ones({adj.nnz()}, at::kFloat);
  return csr_from_edge_index(ei, n, n, at::cat({v, at::full({n}, fill, at::kFloat)}));
}

void check_adjacency_transform(const std::string& transform) {
  TORCH_CHECK(transform == "gcn_norm" || transform == "self_loops" || transform == "none", "adjacency transform '",
              transform, "': expected gcn_norm, self_loops or none");
}

CSR transform_adjacency(const CSR& adj, const std::string& transform) {
  check_adjacency_transform(transform);
  if (transform == "gcn_norm") return gcn_norm(adj);
  if (transform == "self_loops") return set_self_loops(adj);
  return adj;
}

CSR gcn_norm(const CSR& adj, bool add_loops) {
  check_square(adj, "gcn_norm");
  check_unit_or_vector_value(adj, "gcn_norm");
  CSR a = add_loops ? set_self_loops(adj, 1.0) : adj;
  if (!a.has_value()) a = a.with_value(at::ones({a.nnz()}, at::kFloat));
  const at::Tensor row = ops::expand_rowptr(a.rowptr, a.nnz());
  at::Tensor deg = at::zeros({a.num_rows}, at::kFloat).index_add_(0, row, a.value);
  at::Tensor dinv = deg.pow(-0.5);
  dinv.masked_fill_(at::isinf(dinv), 0.0);
  // The degree factors multiply first: their product commutes, so a
  // symmetric input gives bitwise symmetric weights.
  CSR out = a.with_value(dinv.index_select(0, row) * dinv.index_select(0, a.col) * a.value);
  return out;
}

bool is_symmetric(const CSR& adj) {
  check_cpu(adj, "is_symmetric");
  if (adj.num_cols < adj.num_rows) return false;
  const int64_t n = adj.num_rows;
  const int64_t* rp = adj.rowptr.data_ptr<int64_t>();
  const int64_t* c = adj.col.data_ptr<int64_t>();
  const at::Tensor value = adj.has_value() ? adj.value.contiguous() : at::Tensor();
  const int64_t heads = value.defined() && value.dim() == 2 ? value.size(1) : 1;
  std::atomic<bool> symmetric{true};
  auto check_rows = [&](auto same_value) {
    at::parallel_for(0, n, kRowGrain, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end && symmetric.load(std::memory_order_relaxed); ++r) {
        for (int64_t e = rp[r]; e < rp[r + 1]; ++e) {
          if (e > rp[r] && c[e] <= c[e - 1]) symmetric = false;  // unsorted or duplicate: no answer
          const int64_t j = c[e];
          if (j >= n) continue;
          const int64_t* mirror = std::lower_bound(c + rp[j], c + rp[j + 1], r);
          if (mirror == c + rp[j + 1] || *mirror != r || !same_value(e, mirror - c)) symmetric = false;
        }
      }
    });
  };
  if (!value.defined()) {
    check_rows([](int64_t, int64_t) { return true; });
  } else {
    AT_DISPATCH_FLOATING_TYPES(value.scalar_type(), "is_symmetric", [&] {
      const scalar_t* v = value.data_ptr<scalar_t>();
      check_rows([&](int64_t a, int64_t b) { return std::equal(v + a * heads, v + (a + 1) * heads, v + b * heads); });
    });
  }
  return symmetric.load();
}

CSR transpose(const CSR& adj) {
  const ops::ColumnIndex t = ops::index_columns(adj, 0);
  at::Tensor value = adj.has_value() ? adj.value.index_select(0, t.perm) : at::Tensor();
  return CSR{t.colptr, t.row, value, adj.num_cols, adj.num_rows};
}

CSR permute(const CSR& adj, const at::Tensor& perm) {
  check_cpu(adj, "permute");
  check_square(adj, "permute");
  check_index(perm, "permute: perm");
  TORCH_CHECK(perm.numel() == adj.num_rows, "permute: perm has ", perm.numel(), " entries for ", adj.num_rows,
              " nodes");
  const at::Tensor inv = invert_permutation(perm);
  const CSR rows = select_rows(adj, perm);
  const int64_t n = adj.num_rows;
  const int64_t* rp = rows.rowptr.data_ptr<int64_t>();
  const int64_t* inv_p = inv.data_ptr<int64_t>();
  at::Tensor col = rows.col.clone();
  at::Tensor value = rows.has_value() ? rows.value.clone() : at::Tensor();
  const int64_t* src_col = rows.col.data_ptr<int64_t>();
  int64_t* dst_col = col.data_ptr<int64_t>();
  const float* src_val = value_ptr(rows);
  float* dst_val = value.defined() ? value.data_ptr<float>() : nullptr;
  at::parallel_for(0, n, kRowGrain, [&](int64_t begin, int64_t end) {
    std::vector<std::pair<int64_t, int64_t>> buf;  // (new column, source position)
    for (int64_t r = begin; r < end; ++r) {
      buf.clear();
      for (int64_t e = rp[r]; e < rp[r + 1]; ++e) buf.emplace_back(inv_p[src_col[e]], e);
      std::sort(buf.begin(), buf.end());
      int64_t out = rp[r];
      for (const auto& [c, e] : buf) {
        dst_col[out] = c;
        if (dst_val) dst_val[out] = src_val[e];
        ++out;
      }
    }
  });
  CSR out{rows.rowptr, col, value, n, n};
  return out;
}

CSR select_rows(const CSR& adj, const at::Tensor& rows) {
  check_cpu(adj, "select_rows");
  check_index(rows, "select_rows: rows");
  check_unit_or_vector_value(adj, "select_rows");
  const int64_t m = rows.numel();
  const int64_t* r = rows.data_ptr<int64_t>();
  const int64_t* rp = adj.rowptr.data_ptr<int64_t>();
  at::Tensor rowptr = at::empty({m + 1}, at::kLong);
  int64_t* out_rp = rowptr.data_ptr<int64_t>();
  out_rp[0] = 0;
  for (int64_t i = 0; i < m; ++i) {
    TORCH_CHECK(r[i] >= 0 && r[i] < adj.num_rows, "select_rows: row ", r[i], " out of range [0, ", adj.num_rows, ")");
    out_rp[i + 1] = out_rp[i] + (rp[r[i] + 1] - rp[r[i]]);
  }
  at::Tensor col = at::empty({out_rp[m]}, at::kLong);
  at::Tensor value = adj.has_value() ? at::empty({out_rp[m]}, adj.value.options()) : at::Tensor();
  const int64_t* src_col = adj.col.data_ptr<int64_t>();
  int64_t* dst_col = col.data_ptr<int64_t>();
  const float* src_val = value_ptr(adj);
  float* dst_val = value.defined() ? value.data_ptr<float>() : nullptr;
  at::parallel_for(0, m, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t lo = rp[r[i]], len = rp[r[i] + 1] - lo;
      std::copy_n(src_col + lo, len, dst_col + out_rp[i]);
      if (dst_val) std::copy_n(src_val + lo, len, dst_val + out_rp[i]);
    }
  });
  return CSR{rowptr, col, value, m, adj.num_cols};
}

CSR induced_subgraph(const CSR& adj, const at::Tensor& node_mask) {
  check_cpu(adj, "induced_subgraph");
  check_square(adj, "induced_subgraph");
  const int64_t n = adj.num_rows;
  TORCH_CHECK(node_mask.scalar_type() == at::kBool && node_mask.dim() == 1 && node_mask.size(0) == n,
              "induced_subgraph: expected a bool [", n, "] node mask, got ", node_mask.scalar_type(), " ",
              node_mask.sizes());
  const at::Tensor mask = node_mask.cpu().contiguous();
  const at::Tensor nodes = mask.nonzero().view(-1);
  const int64_t k = nodes.numel();
  at::Tensor new_id = at::full({n}, -1, at::kLong);
  new_id.index_copy_(0, nodes, at::arange(k, at::kLong));
  // The rows of the kept nodes, minus the columns of dropped ones; relabelling
  // is monotone, so rows stay sorted.
  const CSR rows = select_rows(adj, nodes);
  const at::Tensor keep = mask.index_select(0, rows.col);
  const at::Tensor row = ops::expand_rowptr(rows.rowptr, rows.nnz()).masked_select(keep);
  at::Tensor rowptr = at::zeros({k + 1}, at::kLong);
  rowptr.narrow(0, 1, k).copy_(at::bincount(row, {}, k).cumsum(0));
  return CSR{rowptr, new_id.index_select(0, rows.col.masked_select(keep)),
             rows.has_value() ? rows.value.index_select(0, keep.nonzero().view(-1)) : at::Tensor(), k, k};
}

at::Tensor normalize_features(const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "normalize_features: expected [N, F] features, got ", x.sizes());
  return x / x.sum(-1, /*keepdim=*/true).clamp_min(1.0);
}

at::Tensor invert_permutation(const at::Tensor& perm) {
  check_index(perm, "invert_permutation: perm");
  const int64_t n = perm.numel();
  at::Tensor inv = at::full({n}, -1, at::kLong);
  const at::Tensor perm_cpu = perm.cpu();
  const int64_t* p = perm_cpu.data_ptr<int64_t>();
  int64_t* q = inv.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    TORCH_CHECK(p[i] >= 0 && p[i] < n && q[p[i]] == -1, "invert_permutation: entry ", i, " = ", p[i],
                " is out of range or repeated; not a permutation of 0..", n - 1);
    q[p[i]] = i;
  }
  return inv;
}

}  // namespace gas
