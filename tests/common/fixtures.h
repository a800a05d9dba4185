#pragma once
// Writers of raw dataset files for tests: .npy bytes, zip (.npz) archives
// and gzip files, made with the same libraries (libzip, zlib) the readers
// use, so tests can build small datasets whose every value is known.

#include "datasets/npy.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace gas {
namespace testing {

/// An .npy file (format 1.0) with the given dtype descr ('<f4', '|b1', ...),
/// shape and raw little-endian data.
std::string npy_raw(const std::string& descr, const std::vector<int64_t>& shape, const std::string& data,
                    bool fortran_order = false);

/// numpy's descr of T (npy::descr of its kind and size).
template <typename T>
std::string npy_descr() {
  const char kind = std::is_floating_point<T>::value ? 'f' : std::is_signed<T>::value ? 'i' : 'u';
  return npy::descr(kind, static_cast<int>(sizeof(T)));
}

/// An .npy file of `values` in C order.
template <typename T>
std::string npy(const std::vector<T>& values, const std::vector<int64_t>& shape) {
  std::string data(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(data.data(), values.data(), data.size());
  return npy_raw(npy_descr<T>(), shape, data);
}

/// A bool .npy file (numpy's '|b1') of 0/1 values.
std::string npy_bool(const std::vector<int>& values, const std::vector<int64_t>& shape);

using Members = std::vector<std::pair<std::string, std::string>>;

/// Writes a zip archive (an .npz when the names end in .npy), every member
/// deflated or stored; returns the path.
std::string write_zip(const std::string& path, const Members& members, bool deflate);

/// Writes `text` gzip-compressed; returns the path.
std::string write_gz(const std::string& path, const std::string& text);

}  // namespace testing
}  // namespace gas
