#include "datasets/loader_utils.h"

#include "util/mapped_file.h"
#include "util/system.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <numeric>

namespace gas {
namespace loader {
namespace {

constexpr int64_t kRowGrain = 1024;

std::string describe(const at::Tensor& t) {
  std::string sizes = "[";
  for (int64_t k = 0; k < t.dim(); ++k) sizes += (k ? ", " : "") + std::to_string(t.size(k));
  return std::string(c10::toString(t.scalar_type())) + " " + sizes + "]";
}


}  // namespace

std::string require_file(const std::string& path, const std::string& title, const std::string& layout) {
  TORCH_CHECK(util::is_file(path), title, ": missing raw file '", path, "'; expected ", layout);
  return path;
}

at::Tensor to_tensor(npy::Array&& a, const std::string& source) {
  std::vector<int64_t> sizes = a.shape;
  if (a.fortran_order) std::reverse(sizes.begin(), sizes.end());
  at::Tensor t;
  if (a.kind == 'u' && a.itemsize > 1) {
    t = at::empty(sizes, at::kLong);
    int64_t* out = t.data_ptr<int64_t>();
    const int64_t n = a.numel();
    for (int64_t i = 0; i < n; ++i) {
      uint64_t v = 0;
      std::memcpy(&v, a.data.data() + i * a.itemsize, a.itemsize);  // little-endian host
      TORCH_CHECK(v <= static_cast<uint64_t>(INT64_MAX), source, ": value ", v, " at index ", i,
                  " does not fit in int64");
      out[i] = static_cast<int64_t>(v);
    }
  } else {
    at::ScalarType type = at::kFloat;
    switch (a.kind) {
      case 'b':
        type = at::kBool;
        break;
      case 'u':
        type = at::kByte;
        break;
      case 'i':
        type = a.itemsize == 1 ? at::kChar : a.itemsize == 2 ? at::kShort : a.itemsize == 4 ? at::kInt : at::kLong;
        break;
      default:
        type = a.itemsize == 2 ? at::kHalf : a.itemsize == 4 ? at::kFloat : at::kDouble;
        break;
    }
    // LibTorch assumes a bool byte is 0 or 1; numpy writes that, a damaged file may not.
    if (a.kind == 'b')
      for (uint8_t& v : a.data) v = v != 0;
    t = adopt(std::move(a.data), {static_cast<int64_t>(a.data.size())}).view(at::kByte);
    t = t.numel() == 0 ? at::empty(sizes, type) : t.view(type).view(sizes);
  }
  if (a.fortran_order) {
    std::vector<int64_t> reverse(sizes.size());
    std::iota(reverse.rbegin(), reverse.rend(), 0);
    t = t.permute(reverse).contiguous();
  }
  return t;
}

at::Tensor read_npy(const std::string& path) { return to_tensor(npy::read_file(path), path); }

at::Tensor map_npy_features(const std::string& path, const std::string& key) {
  const npy::FileHeader h = npy::read_header(path);
  const npy::Array& a = h.array;
  TORCH_CHECK(a.kind == 'f' && a.itemsize == 4 && a.shape.size() == 2 && !a.fortran_order && !h.big_endian, path,
              ": ", key, " maps float32 [N, F] little-endian C-order arrays only, got ", a.dtype(), " ",
              a.shape_string(), a.fortran_order ? " in Fortran order" : "", h.big_endian ? " big-endian" : "",
              "; convert it (numpy: np.ascontiguousarray(x, dtype='<f4')) or set ", key, "=false");
  auto file = util::MappedFile::open_read_only(path, key);
  return at::from_blob(
      file->data() + h.data_offset, {a.shape[0], a.shape[1]}, [file](void*) {}, at::kFloat);
}

at::Tensor npy_features(const std::string& path, const std::string& mmap) {
  TORCH_CHECK(mmap == "auto" || mmap == "true" || mmap == "false", "data.mmap must be auto, true or false, got '",
              mmap, "'");
  const bool map = mmap == "true" || (mmap == "auto" && static_cast<int64_t>(std::filesystem::file_size(path)) >
                                                            util::physical_memory_bytes() / 4);
  return map ? map_npy_features(path, "data.mmap") : float_matrix(read_npy(path), path, "the features");
}

std::string member_name(const npy::Npz& npz, const std::string& key) {
  return npz.source() + " (member " + key + ".npy)";
}

at::Tensor read_member(const npy::Npz& npz, const std::string& key) {
  return to_tensor(npz.read(key), member_name(npz, key));
}

void check_csr(const at::Tensor& indptr, const at::Tensor& indices, int64_t rows, int64_t cols,
               const std::string& source) {
  TORCH_CHECK(indptr.numel() == rows + 1, source, ": CSR indptr has ", indptr.numel(), " entries for ", rows, " rows");
  const int64_t* p = indptr.data_ptr<int64_t>();
  const int64_t nnz = indices.numel();
  TORCH_CHECK(p[0] == 0 && p[rows] == nnz, source, ": CSR indptr runs from ", p[0], " to ", p[rows], ", expected 0 to ",
              nnz, " (the number of indices)");
  for (int64_t r = 0; r < rows; ++r) TORCH_CHECK(p[r] <= p[r + 1], source, ": CSR indptr decreases at row ", r);
  const int64_t* c = indices.data_ptr<int64_t>();
  for (int64_t e = 0; e < nnz; ++e)
    TORCH_CHECK(c[e] >= 0 && c[e] < cols, source, ": CSR column index ", c[e], " outside [0, ", cols, ")");
}

at::Tensor float_matrix(const at::Tensor& t, const std::string& source, const std::string& what) {
  TORCH_CHECK(t.dim() == 2, source, ": ", what, " must be a 2-D array, got ", describe(t));
  return t.scalar_type() == at::kFloat ? t.contiguous() : t.to(at::kFloat).contiguous();
}

at::Tensor index_array(const at::Tensor& t, int64_t dim, const std::string& source, const std::string& what) {
  TORCH_CHECK(t.dim() == dim && at::isIntegralType(t.scalar_type(), /*includeBool=*/false), source, ": ", what,
              " must be a ", dim, "-D integer array, got ", describe(t));
  return t.scalar_type() == at::kLong ? t.contiguous() : t.to(at::kLong).contiguous();
}

at::Tensor index_mask(const std::vector<int64_t>& ids, int64_t n, const std::string& source) {
  at::Tensor mask = at::zeros({n}, at::kBool);
  bool* m = mask.data_ptr<bool>();
  for (int64_t id : ids) {
    TORCH_CHECK(id >= 0 && id < n, source, ": node id ", id, " outside [0, ", n, ")");
    m[id] = true;
  }
  return mask;
}

int64_t count_classes(const at::Tensor& y, const std::string& source) {
  TORCH_CHECK(y.numel() > 0, source, ": no labels");
  const int64_t lo = y.min().item<int64_t>();
  TORCH_CHECK(lo >= 0, source, ": negative class id ", lo);
  return y.max().item<int64_t>() + 1;
}

void standardize_columns(at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.scalar_type() == at::kFloat && x.is_contiguous(),
              "standardize_columns: expected contiguous float32 [N, F]");
  const int64_t n = x.size(0), f = x.size(1);
  float* p = x.data_ptr<float>();
  std::vector<double> mean(f, 0.0), var(f, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < f; ++k) mean[k] += p[i * f + k];
  for (double& m : mean) m /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < f; ++k) {
      const double d = p[i * f + k] - mean[k];
      var[k] += d * d;
    }
  std::vector<double> scale(f);
  for (int64_t k = 0; k < f; ++k) {
    const double sd = n > 1 ? std::sqrt(var[k] / static_cast<double>(n - 1)) : 0.0;
    scale[k] = sd > 0 ? 1.0 / sd : 1.0;
  }
  at::parallel_for(0, n, kRowGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i)
      for (int64_t k = 0; k < f; ++k) p[i * f + k] = static_cast<float>((p[i * f + k] - mean[k]) * scale[k]);
  });
}

}  // namespace loader
}  // namespace gas
