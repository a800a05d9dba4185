#pragma once
// What the raw-format dataset loaders share: turning the torch-free parsers'
// arrays into tensors without copying them and checks whose messages name the
// file. Their adjacencies come from detail::build_csr (csr_builder.h), which
// keeps one copy of the edges.

#include <gas/graph.h>

#include "datasets/npy.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace gas {
namespace loader {

/// `path` when it is a file; otherwise throws "<title>: missing raw file
/// '<path>'; expected <layout>".
std::string require_file(const std::string& path, const std::string& title, const std::string& layout);

/// A tensor that takes over `values` (no copy; freed with the tensor).
template <typename T>
at::Tensor adopt(std::vector<T>&& values, at::IntArrayRef sizes) {
  if (values.empty()) return at::empty(sizes, at::CppTypeToScalarType<T>::value);
  auto* holder = new std::vector<T>(std::move(values));
  return at::from_blob(
      holder->data(), sizes, [holder](void*) { delete holder; }, at::CppTypeToScalarType<T>::value);
}

/// A numpy array as a tensor of its dtype (uint16/32/64, which LibTorch
/// lacks, widen to int64), in C order; takes over the array's buffer when no
/// conversion is needed.
at::Tensor to_tensor(npy::Array&& array, const std::string& source);

/// An .npy file, or a member of an .npz archive, as a tensor.
at::Tensor read_npy(const std::string& path);
/// A float32 [N, F] .npy file (C order, little-endian) mapped read-only: the
/// tensor's rows are read from the file when touched, through the page
/// cache, and never all held in memory. Anything else is refused naming the
/// file, its dtype and layout, and the `key` that asked for the mapping.
at::Tensor map_npy_features(const std::string& path, const std::string& key);
/// The features in .npy file `path`, by `mmap` ("true", "false", or "auto":
/// mapped when the file is larger than a quarter of physical memory):
/// mapped (map_npy_features) or read and converted to float32.
at::Tensor npy_features(const std::string& path, const std::string& mmap);
at::Tensor read_member(const npy::Npz& npz, const std::string& key);
/// "<archive> (member key.npy)", for messages about a member.
std::string member_name(const npy::Npz& npz, const std::string& key);

/// Checks a scipy CSR matrix (indptr [rows + 1] rising from 0 to nnz,
/// indices [nnz] in [0, cols)), both int64, naming `source` on failure.
void check_csr(const at::Tensor& indptr, const at::Tensor& indices, int64_t rows, int64_t cols,
               const std::string& source);

/// float32 [N, F] from any numeric array; throws naming `source` and `what`
/// for another rank.
at::Tensor float_matrix(const at::Tensor& t, const std::string& source, const std::string& what);
/// int64 from an integer array of rank `dim`; throws for floating-point or
/// boolean data or another rank.
at::Tensor index_array(const at::Tensor& t, int64_t dim, const std::string& source, const std::string& what);

/// bool [n], true at `ids` (PyGAS's index2mask); throws naming `source` for
/// an id outside [0, n).
at::Tensor index_mask(const std::vector<int64_t>& ids, int64_t n, const std::string& source);

/// max + 1 of int64 class ids; throws naming `source` for a negative one.
int64_t count_classes(const at::Tensor& y, const std::string& source);

/// PyGAS's x = (x - x.mean(0)) / x.std(0) (unbiased), in place on float32
/// [N, F], accumulating in double. A constant column, which PyGAS turns into
/// NaN (0 / 0), becomes zeros instead.
void standardize_columns(at::Tensor& x);

}  // namespace loader
}  // namespace gas
