#pragma once
// A reader for the Python pickles that raw graph datasets ship (Planetoid's
// ind.* files): numpy arrays, scipy CSR matrices, dicts and lists of ints.
// It interprets the pickle opcodes without executing anything: only a fixed
// set of classes may appear, and every read is bounds-checked, so truncated
// or corrupted files raise std::runtime_error naming the file and offset.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gas {
namespace pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum class Kind { None, Bool, Int, Float, Bytes, Tuple, List, Dict, Global, Object };
  Kind kind = Kind::None;
  int64_t i = 0;                // Bool, Int
  double f = 0;                 // Float
  std::string bytes;            // Bytes (str / bytes / unicode as UTF-8); Global/Object: "module.name"
  std::vector<ValuePtr> items;  // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict (and defaultdict)
  ValuePtr args;                                       // Object: constructor arguments (a Tuple)
  ValuePtr state;                                      // Object: what BUILD set
};

/// Parses a whole pickle; `source` names it in error messages.
ValuePtr load(const std::string& data, const std::string& source);
/// Reads and parses a file.
ValuePtr load_file(const std::string& path);

/// A numpy array: shape, dtype kind ('f', 'i', 'u', 'b') and item size, and
/// the raw little-endian data in C order.
struct NdArray {
  std::vector<int64_t> shape;
  char kind = 'f';
  int itemsize = 4;
  std::string data;

  int64_t numel() const;
  /// Elements converted to double / int64 (throws for a mismatching kind).
  std::vector<double> as_double() const;
  std::vector<int64_t> as_int64() const;
};

/// A scipy.sparse CSR matrix.
struct CsrMatrix {
  int64_t rows = 0, cols = 0;
  NdArray indptr, indices, data;
};

/// Conversions; each throws std::runtime_error naming `source` when the value
/// is not of the expected form.
NdArray as_ndarray(const ValuePtr& v, const std::string& source);
CsrMatrix as_csr_matrix(const ValuePtr& v, const std::string& source);
/// A dict (or defaultdict) of int -> list of ints.
std::map<int64_t, std::vector<int64_t>> as_int_list_dict(const ValuePtr& v, const std::string& source);

}  // namespace pickle
}  // namespace gas
