#include "datasets/csv.h"

#include "util/system.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <type_traits>

namespace gas {
namespace csv {
namespace {

// A line longer than this is not a row of numbers but a damaged file (or
// one without newlines); refusing it bounds the memory a bad file can take.
constexpr size_t kMaxLine = size_t{64} << 20;

template <typename T>
class Parser {
 public:
  Parser(std::string source, Shape shape) : source_(std::move(source)), shape_(shape) {
    table_.cols = shape.cols;
    if (shape.rows > 0 && shape.cols > 0) table_.data.reserve(shape.rows * shape.cols);
  }

  // Parses the complete lines of a chunk; an unfinished last line waits for the next.
  void feed(const char* data, size_t n) {
    const char* end = data + n;
    const char* p = data;
    if (!carry_.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
      if (!nl) return keep(p, end);
      carry_.append(p, nl);
      line(carry_.data(), carry_.data() + carry_.size());
      carry_.clear();
      p = nl + 1;
    }
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (!nl) return keep(p, end);
      line(p, nl);
      p = nl + 1;
    }
  }

  Table<T> finish() {
    if (!carry_.empty()) line(carry_.data(), carry_.data() + carry_.size());
    if (table_.rows == 0) fail("empty file (no rows)");
    if (shape_.rows >= 0 && table_.rows != shape_.rows)
      fail("has " + std::to_string(table_.rows) + " rows, expected " + std::to_string(shape_.rows) + reason());
    return std::move(table_);
  }

  [[noreturn]] void fail(const std::string& message) const { throw std::runtime_error(source_ + ": " + message); }

 private:
  void keep(const char* p, const char* end) {
    if (carry_.size() + (end - p) > kMaxLine)
      fail("line " + std::to_string(line_no_ + 1) + " is longer than " + std::to_string(kMaxLine >> 20) +
           " MiB (not a numeric table?)");
    carry_.append(p, end);
  }

  std::string reason() const { return shape_.rows_reason.empty() ? "" : " (" + shape_.rows_reason + ")"; }

  void line(const char* begin, const char* end) {
    ++line_no_;
    if (end > begin && end[-1] == '\r') --end;
    if (begin == end) return;  // blank lines are skipped, as pandas does
    if (shape_.rows >= 0 && table_.rows == shape_.rows)
      fail("line " + std::to_string(line_no_) + ": more than the expected " + std::to_string(shape_.rows) + " rows" +
           reason());
    int64_t cols = 0;
    const char* field = begin;
    for (;;) {
      const char* comma = static_cast<const char*>(std::memchr(field, ',', end - field));
      const char* field_end = comma ? comma : end;
      table_.data.push_back(value(field, field_end, cols + 1));
      ++cols;
      if (!comma) break;
      field = comma + 1;
    }
    if (table_.cols == 0) {
      table_.cols = cols;
      if (shape_.rows > 0) table_.data.reserve(shape_.rows * cols);
    } else if (cols != table_.cols) {
      fail("line " + std::to_string(line_no_) + ": expected " + std::to_string(table_.cols) + " values, got " +
           std::to_string(cols));
    }
    ++table_.rows;
  }

  T value(const char* begin, const char* end, int64_t column) const {
    while (begin < end && (*begin == ' ' || *begin == '\t')) ++begin;
    while (end > begin && (end[-1] == ' ' || end[-1] == '\t')) --end;
    const char* digits = begin < end && *begin == '+' ? begin + 1 : begin;
    std::conditional_t<std::is_integral_v<T>, T, double> v{};
    const auto [ptr, ec] = std::from_chars(digits, end, v);
    if (ec != std::errc() || ptr != end || begin == end) {
      const std::string text(begin, std::min<size_t>(end - begin, 40));
      fail("line " + std::to_string(line_no_) + ", column " + std::to_string(column) + ": expected " +
           (std::is_integral_v<T> ? "an integer" : "a number") + ", got '" + text + "'");
    }
    return static_cast<T>(v);
  }

  std::string source_;
  Shape shape_;
  Table<T> table_;
  std::string carry_;
  int64_t line_no_ = 0;
};

template <typename T>
Table<T> read(const std::string& path, Shape shape) {
  Parser<T> parser(path, shape);
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) parser.fail("cannot open: " + util::errno_message());
  gzbuffer(file.get(), 1 << 17);
  std::vector<char> chunk(1 << 20);
  for (;;) {
    const int n = gzread(file.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file.get(), &code);
      parser.fail(std::string("corrupt gzip data: ") + (code == Z_ERRNO ? util::errno_message() : message));
    }
    if (n == 0) break;
    parser.feed(chunk.data(), static_cast<size_t>(n));
  }
  int code = 0;
  gzerror(file.get(), &code);
  if (code == Z_BUF_ERROR) parser.fail("truncated: the gzip stream ends early");
  return parser.finish();
}

template <typename T>
Table<T> parse(const std::string& text, const std::string& source, Shape shape) {
  Parser<T> parser(source, shape);
  parser.feed(text.data(), text.size());
  return parser.finish();
}

}  // namespace

Table<int64_t> read_ints(const std::string& path, Shape shape) { return read<int64_t>(path, shape); }
Table<float> read_floats(const std::string& path, Shape shape) { return read<float>(path, shape); }
Table<int64_t> parse_ints(const std::string& text, const std::string& source, Shape shape) {
  return parse<int64_t>(text, source, shape);
}
Table<float> parse_floats(const std::string& text, const std::string& source, Shape shape) {
  return parse<float>(text, source, shape);
}

}  // namespace csv
}  // namespace gas
