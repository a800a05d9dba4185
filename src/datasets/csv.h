#pragma once
// A reader for numeric comma-separated tables, gzip-compressed or plain, as
// OGB ships them (edge.csv.gz, node-feat.csv.gz, split/*/train.csv.gz, ...):
// no header, one row per line, every row the same number of columns. It does
// not depend on LibTorch, so it can be fuzzed cheaply.
//
// Files are decompressed (zlib) and parsed in chunks, straight into the
// table's array: a file is never held in memory as text. Bad input (a
// malformed number, a short or long row, a truncated or corrupt gzip stream,
// an empty file) throws std::runtime_error naming the file and line.

#include <cstdint>
#include <string>
#include <vector>

namespace gas {
namespace csv {

template <typename T>
struct Table {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<T> data;  ///< row-major [rows, cols]
};

/// What to expect of a table.
struct Shape {
  int64_t cols = 0;         ///< required number of columns; 0 takes the first row's
  int64_t rows = -1;        ///< required number of rows (space is reserved up front); -1: any
  std::string rows_reason;  ///< why that many, for messages ("one per node of node-label.csv.gz")
};

/// Reads a file: gzip-compressed or plain text (zlib reads both).
Table<int64_t> read_ints(const std::string& path, Shape shape = {});
/// Floating-point values are parsed as double and rounded to float32, as
/// pandas' float64 parse followed by astype(float32) does.
Table<float> read_floats(const std::string& path, Shape shape = {});

/// The same on text in memory; `source` names it in messages.
Table<int64_t> parse_ints(const std::string& text, const std::string& source, Shape shape = {});
Table<float> parse_floats(const std::string& text, const std::string& source, Shape shape = {});

}  // namespace csv
}  // namespace gas
