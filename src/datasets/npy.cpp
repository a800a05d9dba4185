#include "datasets/npy.h"

#include "util/system.h"

#include <sys/stat.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace gas {
namespace npy {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw std::runtime_error(source + ": " + message);
}

// Where an array's bytes come from: a file, a zip member or memory.
class Input {
 public:
  explicit Input(std::string source) : source_(std::move(source)) {}
  virtual ~Input() = default;
  const std::string& source() const { return source_; }
  /// Reads up to n bytes and returns how many were read (0 at the end); throws on I/O errors.
  virtual size_t read(void* out, size_t n) = 0;
  /// At least as many bytes as are left: a header claiming more cannot be
  /// honest, so nothing that large is ever allocated.
  virtual uint64_t max_remaining() const = 0;

  void read_exact(void* out, size_t n, const char* what) {
    size_t got = 0;
    while (got < n) {
      const size_t k = read(static_cast<char*>(out) + got, n - got);
      if (k == 0)
        fail(source_, std::string("truncated: ") + what + " ends after " + std::to_string(got) + " of " +
                          std::to_string(n) + " bytes");
      got += k;
    }
  }

 private:
  std::string source_;
};

class MemoryInput : public Input {
 public:
  MemoryInput(const std::string& bytes, std::string source) : Input(std::move(source)), bytes_(bytes) {}
  size_t read(void* out, size_t n) override {
    const size_t k = std::min(n, bytes_.size() - pos_);
    std::memcpy(out, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t max_remaining() const override { return bytes_.size() - pos_; }

 private:
  const std::string& bytes_;
  size_t pos_ = 0;
};

class FileInput : public Input {
 public:
  explicit FileInput(const std::string& path) : Input(path), file_(std::fopen(path.c_str(), "rb")) {
    if (!file_) fail(path, "cannot open: " + util::errno_message());
    struct stat st {};
    if (fstat(fileno(file_), &st) != 0) fail(path, "cannot stat: " + util::errno_message());
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileInput() override { std::fclose(file_); }
  size_t read(void* out, size_t n) override {
    const size_t k = std::fread(out, 1, n, file_);
    if (k < n && std::ferror(file_)) fail(source(), "read error: " + util::errno_message());
    pos_ += k;
    return k;
  }
  uint64_t max_remaining() const override { return size_ - std::min(size_, pos_); }

 private:
  FILE* file_;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
};

class ZipMemberInput : public Input {
 public:
  ZipMemberInput(zip_t* archive, const zip_stat_t& st, std::string source) : Input(std::move(source)) {
    file_ = zip_fopen_index(archive, st.index, 0);
    if (!file_) fail(this->source(), std::string("cannot open member: ") + zip_strerror(archive));
    // Deflate expands at most ~1032:1, so a member's stated size is capped
    // by what its compressed bytes can hold.
    size_ = st.size;
    if (st.comp_method != ZIP_CM_STORE) size_ = std::min<uint64_t>(size_, st.comp_size * 1032 + 1024);
  }
  ~ZipMemberInput() override { zip_fclose(file_); }
  size_t read(void* out, size_t n) override {
    const zip_int64_t k = zip_fread(file_, out, n);
    if (k < 0) fail(source(), std::string("corrupt member: ") + zip_file_strerror(file_));
    pos_ += static_cast<uint64_t>(k);
    return static_cast<size_t>(k);
  }
  uint64_t max_remaining() const override { return size_ - std::min(size_, pos_); }

 private:
  zip_file_t* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
};

// The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2708, 1433), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& source) : text_(text), source_(source) {}

  void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool has_descr = false, has_fortran = false, has_shape = false;
    expect('{');
    while (!peek('}')) {
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        if (peek('[')) bad("structured dtypes are not supported (descr is a list)");
        descr = string_literal();
        has_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        has_fortran = true;
      } else if (key == "shape") {
        shape = tuple();
        has_shape = true;
      } else {
        bad("unknown key '" + key + "'");
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    if (!has_descr || !has_fortran || !has_shape) bad("descr, fortran_order or shape is missing");
  }

 private:
  [[noreturn]] void bad(const std::string& message) const { fail(source_, "malformed .npy header: " + message); }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
  }

  bool peek(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  void expect(char c) {
    if (!peek(c)) bad(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
    ++pos_;
  }

  std::string string_literal() {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      bad("expected a string at offset " + std::to_string(pos_));
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string::npos) bad("unterminated string");
    std::string s = text_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }

  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair<const char*, bool>{"True", true}, {"False", false}}) {
      if (text_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    bad("fortran_order must be True or False");
  }

  std::vector<int64_t> tuple() {
    std::vector<int64_t> out;
    expect('(');
    while (!peek(')')) {
      int64_t v = 0;
      const size_t start = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        if (v > (INT64_MAX - 9) / 10) bad("dimension too large");
        v = v * 10 + (text_[pos_++] - '0');
      }
      if (pos_ == start) bad("expected a dimension at offset " + std::to_string(pos_));
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 long
      out.push_back(v);
      if (!peek(')')) expect(',');
    }
    expect(')');
    return out;
  }

  const std::string& text_;
  const std::string& source_;
  size_t pos_ = 0;
};

uint64_t little_endian(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

// The header: the array without its data, and the bytes it announces.
Array read_array_header(Input& in, bool& big_endian, uint64_t& header_bytes, uint64_t& nbytes) {
  const std::string& source = in.source();
  uint8_t magic[8];
  in.read_exact(magic, sizeof magic, "the .npy preamble");
  if (std::memcmp(magic, "\x93NUMPY", 6) != 0) fail(source, "not an .npy file (bad magic bytes)");
  const int major = magic[6];
  if (major < 1 || major > 3) fail(source, "unsupported .npy format version " + std::to_string(major));
  uint8_t len_bytes[4];
  const int len_size = major == 1 ? 2 : 4;
  in.read_exact(len_bytes, len_size, "the .npy header length");
  const uint64_t header_len = little_endian(len_bytes, len_size);
  if (header_len > (1u << 20)) fail(source, "implausible .npy header length " + std::to_string(header_len));
  std::string header(header_len, '\0');
  in.read_exact(header.data(), header.size(), "the .npy header");

  std::string descr;
  Array a;
  HeaderParser(header, source).parse(descr, a.fortran_order, a.shape);
  const bool valid_descr = descr.size() >= 3 && std::string("<>|=").find(descr[0]) != std::string::npos &&
                           descr.find_first_not_of("0123456789", 2) == std::string::npos && descr.size() <= 4;
  if (!valid_descr) fail(source, "unsupported dtype '" + descr + "' (only bool, integer and floating-point arrays)");
  a.kind = descr[1];
  a.itemsize = std::stoi(descr.substr(2));
  const int s = a.itemsize;
  if (!supported(a.kind, s))
    fail(source, "unsupported dtype '" + descr + "' (only bool, integer and floating-point arrays)");

  nbytes = static_cast<uint64_t>(s);
  for (int64_t d : a.shape)
    if (__builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes))
      fail(source, "shape " + a.shape_string() + " is too large");
  if (nbytes > in.max_remaining())
    fail(source, "truncated: shape " + a.shape_string() + " of " + a.dtype() + " needs " + std::to_string(nbytes) +
                     " bytes of data, at most " + std::to_string(in.max_remaining()) + " are left");
  big_endian = descr[0] == '>';
  header_bytes = sizeof magic + len_size + header_len;
  return a;
}

Array read_array(Input& in) {
  bool big_endian = false;
  uint64_t header_bytes = 0, nbytes = 0;
  Array a = read_array_header(in, big_endian, header_bytes, nbytes);
  const std::string& source = in.source();
  const int s = a.itemsize;
  a.data.resize(nbytes);
  in.read_exact(a.data.data(), nbytes, "the array data");
  // Reading past the end makes libzip verify the member's CRC, and catches
  // data the header does not account for.
  uint8_t extra;
  if (in.read(&extra, 1) != 0)
    fail(source, "more data than shape " + a.shape_string() + " of " + a.dtype() + " accounts for (corrupt header?)");
  if (big_endian && s > 1)
    for (uint64_t i = 0; i < nbytes; i += s) std::reverse(a.data.begin() + i, a.data.begin() + i + s);
  return a;
}

std::string zip_error_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string message = zip_error_strerror(&error);
  zip_error_fini(&error);
  return message;
}

}  // namespace

bool supported(char kind, int itemsize) {
  const int s = itemsize;
  return (kind == 'b' && s == 1) || ((kind == 'i' || kind == 'u') && (s == 1 || s == 2 || s == 4 || s == 8)) ||
         (kind == 'f' && (s == 2 || s == 4 || s == 8));
}

int64_t Array::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string Array::dtype() const {
  const std::string bits = std::to_string(itemsize * 8);
  switch (kind) {
    case 'b':
      return "bool";
    case 'i':
      return "int" + bits;
    case 'u':
      return "uint" + bits;
    default:
      return "float" + bits;
  }
}

std::string Array::shape_string() const {
  std::string out = "[";
  for (size_t k = 0; k < shape.size(); ++k) out += (k ? ", " : "") + std::to_string(shape[k]);
  return out + "]";
}

Array parse(const std::string& bytes, const std::string& source) {
  if (bytes.empty()) fail(source, "empty file");
  MemoryInput in(bytes, source);
  return read_array(in);
}

FileHeader read_header(const std::string& path) {
  FileInput in(path);
  if (in.max_remaining() == 0) fail(path, "empty file");
  FileHeader h;
  uint64_t nbytes = 0;
  h.array = read_array_header(in, h.big_endian, h.data_offset, nbytes);
  if (in.max_remaining() != nbytes)
    fail(path, "holds " + std::to_string(in.max_remaining()) + " bytes of data, shape " + h.array.shape_string() +
                   " of " + h.array.dtype() + " accounts for " + std::to_string(nbytes));
  return h;
}

Array read_file(const std::string& path) {
  FileInput in(path);
  if (in.max_remaining() == 0) fail(path, "empty file");
  return read_array(in);
}

struct Npz::Impl {
  std::string source;
  std::string bytes;  // the archive, when held in memory
  zip_t* archive = nullptr;
  ~Impl() {
    if (archive) zip_discard(archive);
  }
};

Npz::Npz(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Npz::Npz(Npz&&) noexcept = default;
Npz& Npz::operator=(Npz&&) noexcept = default;
Npz::~Npz() = default;

Npz Npz::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->source = path;
  if (!util::is_file(path)) fail(path, "cannot open: no such file");
  int code = 0;
  impl->archive = zip_open(path.c_str(), ZIP_RDONLY, &code);
  if (!impl->archive) fail(path, "not a readable .npz (zip) archive: " + zip_error_message(code));
  return Npz(std::move(impl));
}

Npz Npz::from_bytes(std::string bytes, const std::string& source) {
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  impl->bytes = std::move(bytes);
  if (impl->bytes.empty()) fail(source, "empty file");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(impl->bytes.data(), impl->bytes.size(), 0, &error);
  if (src) impl->archive = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (!impl->archive) {
    const std::string message = zip_error_strerror(&error);
    if (src) zip_source_free(src);
    zip_error_fini(&error);
    fail(source, "not a readable .npz (zip) archive: " + message);
  }
  zip_error_fini(&error);
  return Npz(std::move(impl));
}

std::vector<std::string> Npz::keys() const {
  std::vector<std::string> out;
  const zip_int64_t n = zip_get_num_entries(impl_->archive, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(impl_->archive, i, 0);
    if (!name) continue;
    std::string key = name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    out.push_back(key);
  }
  return out;
}

bool Npz::has(const std::string& key) const { return zip_name_locate(impl_->archive, (key + ".npy").c_str(), 0) >= 0; }

Array Npz::read(const std::string& key) const {
  const std::string member = impl_->source + " (member " + key + ".npy)";
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat(impl_->archive, (key + ".npy").c_str(), 0, &st) != 0) {
    std::string known;
    for (const std::string& k : keys()) known += (known.empty() ? "" : ", ") + k;
    fail(impl_->source, "missing array '" + key + "' (the archive holds: " + (known.empty() ? "nothing" : known) + ")");
  }
  if (!(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
    fail(member, "the zip directory lacks the member's sizes");
  ZipMemberInput in(impl_->archive, st, member);
  return read_array(in);
}

const std::string& Npz::source() const { return impl_->source; }

}  // namespace npy
}  // namespace gas
