#include <gas/checkpoint.h>

#include "util/system.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace gas {
namespace {

// File layout (little-endian, as written by the machine):
//   "GASCKPT1"
//   records: u32 name length, name, i8 dtype (-1: bytes), u32 ndim, i64[ndim]
//            shape, u64 nbytes, data, u64 checksum of the header and data
//   trailer: "GASEND01", u64 record count, u64 bytes before the trailer,
//            u64 checksum of all record checksums
constexpr char kMagic[8] = {'G', 'A', 'S', 'C', 'K', 'P', 'T', '1'};
constexpr char kEnd[8] = {'G', 'A', 'S', 'E', 'N', 'D', '0', '1'};
constexpr uint64_t kTrailerBytes = 8 + 3 * sizeof(uint64_t);
constexpr int64_t kChunkBytes = int64_t{64} << 20;  // of a row block, in and out

// A checksum that reads 8 bytes per step (disk speed, not FNV's byte loop):
// each word is mixed into the state and the state scrambled.
struct Hash {
  uint64_t state = 0x9E3779B97F4A7C15ull;
  uint64_t tail = 0, tail_bytes = 0;
  void mix(uint64_t w) {
    state ^= w + 0x9E3779B97F4A7C15ull + (state << 6) + (state >> 2);
    state *= 0xff51afd7ed558ccdull;
    state ^= state >> 33;
  }
  void update(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (n > 0 && tail_bytes != 0) {  // finish a partial word
      tail |= static_cast<uint64_t>(*p++) << (8 * tail_bytes);
      --n;
      if (++tail_bytes == 8) {
        mix(tail);
        tail = tail_bytes = 0;
      }
    }
    for (; n >= 8; n -= 8, p += 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      mix(w);
    }
    for (; n > 0; --n) tail |= static_cast<uint64_t>(*p++) << (8 * tail_bytes++);
  }
  void save(uint64_t (&out)[3]) const {
    out[0] = state;
    out[1] = tail;
    out[2] = tail_bytes;
  }
  static Hash load(const uint64_t (&in)[3]) {
    Hash h;
    h.state = in[0];
    h.tail = in[1];
    h.tail_bytes = in[2];
    return h;
  }
  uint64_t digest() {
    mix(tail ^ (tail_bytes << 56));
    tail = tail_bytes = 0;
    return state;
  }
};

int64_t dtype_code(at::ScalarType t) { return static_cast<int64_t>(t); }

}  // namespace

// ------------------------------------------------------------------ writer

CheckpointWriter::CheckpointWriter(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(getpid())) {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw std::runtime_error("checkpoint: cannot write '" + tmp_ + "': " + util::errno_message());
  write_raw(kMagic, sizeof(kMagic));
}

CheckpointWriter::~CheckpointWriter() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_.c_str());
}

void CheckpointWriter::write_raw(const void* data, size_t nbytes) {
  if (nbytes > 0 && std::fwrite(data, 1, nbytes, file_) != nbytes)
    throw std::runtime_error("checkpoint: cannot write '" + tmp_ + "': " + util::errno_message());
  written_ += nbytes;
}

void CheckpointWriter::begin_record(const std::string& name, at::ScalarType dtype, const std::vector<int64_t>& shape,
                                    uint64_t nbytes) {
  TORCH_CHECK(record_left_ == 0, "checkpoint: record before '", name, "' is incomplete");
  Hash h;
  auto put = [&](const void* p, size_t n) {
    write_raw(p, n);
    h.update(p, n);
  };
  const uint32_t len = static_cast<uint32_t>(name.size());
  const int8_t code = static_cast<int8_t>(dtype == at::ScalarType::Undefined ? -1 : dtype_code(dtype));
  const uint32_t ndim = static_cast<uint32_t>(shape.size());
  put(&len, sizeof(len));
  put(name.data(), name.size());
  put(&code, sizeof(code));
  put(&ndim, sizeof(ndim));
  put(shape.data(), shape.size() * sizeof(int64_t));
  put(&nbytes, sizeof(nbytes));
  h.save(hash_);  // the data continues the header's checksum
  record_left_ = nbytes;
}

void CheckpointWriter::write_data(const void* data, size_t nbytes) {
  TORCH_CHECK(nbytes <= record_left_, "checkpoint: more data than the record declared");
  Hash h = Hash::load(hash_);
  write_raw(data, nbytes);
  h.update(data, nbytes);
  h.save(hash_);
  record_left_ -= nbytes;
}

void CheckpointWriter::end_record() {
  TORCH_CHECK(record_left_ == 0, "checkpoint: ", record_left_, " bytes of a record missing");
  const uint64_t digest = Hash::load(hash_).digest();
  write_raw(&digest, sizeof(digest));
  ++records_;
}

void CheckpointWriter::write_bytes(const std::string& name, const std::string& bytes) {
  begin_record(name, at::ScalarType::Undefined, {}, bytes.size());
  write_data(bytes.data(), bytes.size());
  end_record();
}

void CheckpointWriter::write_tensor(const std::string& name, const at::Tensor& tensor) {
  const at::Tensor t = tensor.detach().cpu().contiguous();
  begin_record(name, t.scalar_type(), t.sizes().vec(), t.nbytes());
  write_data(t.data_ptr(), t.nbytes());
  end_record();
}

void CheckpointWriter::write_rows(const std::string& name, int64_t rows, int64_t width,
                                  const std::function<at::Tensor(int64_t, int64_t)>& chunk) {
  const int64_t row_bytes = std::max<int64_t>(1, width) * static_cast<int64_t>(sizeof(float));
  begin_record(name, at::kFloat, {rows, width}, static_cast<uint64_t>(rows * width) * sizeof(float));
  const int64_t step = std::max<int64_t>(1, kChunkBytes / row_bytes);
  for (int64_t begin = 0; begin < rows; begin += step) {
    const int64_t end = std::min(rows, begin + step);
    const at::Tensor block = chunk(begin, end).detach().to(at::kCPU, at::kFloat).contiguous();
    TORCH_CHECK(block.dim() == 2 && block.size(0) == end - begin && block.size(1) == width, "checkpoint: rows ",
                begin, "..", end, " of '", name, "' came as ", block.sizes(), ", expected [", end - begin, ", ",
                width, "]");
    write_data(block.data_ptr(), block.nbytes());
  }
  end_record();
}

void CheckpointWriter::commit() {
  TORCH_CHECK(!committed_, "checkpoint: '", path_, "' committed twice");
  const uint64_t body = written_, records = records_;
  write_raw(kEnd, sizeof(kEnd));
  write_raw(&records, sizeof(records));
  write_raw(&body, sizeof(body));
  const uint64_t end_hash = body ^ (records * 0x9E3779B97F4A7C15ull);
  write_raw(&end_hash, sizeof(end_hash));
  const bool ok = std::fflush(file_) == 0 && fsync(fileno(file_)) == 0;
  const std::string error = ok ? "" : util::errno_message();
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || !closed)
    throw std::runtime_error("checkpoint: cannot write '" + tmp_ + "': " + (ok ? util::errno_message() : error));
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw std::runtime_error("checkpoint: cannot replace '" + path_ + "': " + util::errno_message());
  committed_ = true;
  // The rename itself is durable once the directory is.
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

// ------------------------------------------------------------------ reader

CheckpointReader::CheckpointReader(std::string path) : path_(std::move(path)) {
  auto fail = [&](const std::string& what) { throw std::runtime_error("checkpoint '" + path_ + "': " + what); };
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) fail("cannot open: " + util::errno_message());
  if (fseeko(file_, 0, SEEK_END) != 0) fail("cannot seek: " + util::errno_message());
  const uint64_t size = static_cast<uint64_t>(ftello(file_));
  char magic[8];
  if (size < sizeof(kMagic) + kTrailerBytes) fail("truncated (" + std::to_string(size) + " bytes)");
  read_at(0, magic, sizeof(magic));
  if (std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) fail("not a gas checkpoint (bad magic)");
  char end[8];
  uint64_t count = 0, body = 0, end_hash = 0;
  read_at(size - kTrailerBytes, end, sizeof(end));
  read_at(size - kTrailerBytes + 8, &count, sizeof(count));
  read_at(size - kTrailerBytes + 16, &body, sizeof(body));
  read_at(size - kTrailerBytes + 24, &end_hash, sizeof(end_hash));
  if (std::memcmp(end, kEnd, sizeof(kEnd)) != 0 || body != size - kTrailerBytes ||
      end_hash != (body ^ (count * 0x9E3779B97F4A7C15ull)))
    fail("truncated or damaged (no valid trailer; was the write interrupted?)");

  // Every record's checksum, before anything is handed out.
  std::vector<char> buffer(static_cast<size_t>(kChunkBytes));
  uint64_t at = sizeof(kMagic);
  for (uint64_t r = 0; r < count; ++r) {
    Hash h;
    auto get = [&](void* p, size_t n) {
      if (at + n > body) fail("record " + std::to_string(r) + " runs past the end");
      read_at(at, p, n);
      h.update(p, n);
      at += n;
    };
    uint32_t len = 0, ndim = 0;
    int8_t code = 0;
    get(&len, sizeof(len));
    if (len > 4096) fail("record " + std::to_string(r) + " is damaged (name of " + std::to_string(len) + " bytes)");
    std::string name(len, '\0');
    get(name.data(), len);
    get(&code, sizeof(code));
    get(&ndim, sizeof(ndim));
    if (ndim > 16) fail("record '" + name + "' is damaged (" + std::to_string(ndim) + " dimensions)");
    std::vector<int64_t> shape(ndim);
    get(shape.data(), ndim * sizeof(int64_t));
    uint64_t nbytes = 0;
    get(&nbytes, sizeof(nbytes));
    if (at + nbytes + sizeof(uint64_t) > body) fail("record '" + name + "' runs past the end (truncated?)");
    Record rec{code < 0 ? at::ScalarType::Undefined : static_cast<at::ScalarType>(code), shape, at, nbytes, 0};
    for (uint64_t done = 0; done < nbytes;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(nbytes - done, buffer.size()));
      read_at(at + done, buffer.data(), n);
      h.update(buffer.data(), n);
      done += n;
    }
    at += nbytes;
    uint64_t stored = 0;
    read_at(at, &stored, sizeof(stored));
    at += sizeof(stored);
    if (h.digest() != stored) fail("record '" + name + "' is damaged (checksum mismatch)");
    rec.checksum = stored;
    records_[name] = std::move(rec);
  }
  if (at != body) fail("damaged (" + std::to_string(body - at) + " bytes after the last record)");
}

CheckpointReader::~CheckpointReader() {
  if (file_) std::fclose(file_);
}

void CheckpointReader::read_at(uint64_t offset, void* data, size_t nbytes) const {
  if (fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0 || std::fread(data, 1, nbytes, file_) != nbytes)
    throw std::runtime_error("checkpoint '" + path_ + "': cannot read " + std::to_string(nbytes) + " bytes at " +
                             std::to_string(offset));
}

bool CheckpointReader::has(const std::string& name) const { return records_.count(name) > 0; }

const CheckpointReader::Record& CheckpointReader::record(const std::string& name) const {
  const auto it = records_.find(name);
  if (it == records_.end()) throw std::runtime_error("checkpoint '" + path_ + "': no record '" + name + "'");
  return it->second;
}

std::vector<int64_t> CheckpointReader::shape(const std::string& name) const { return record(name).shape; }

std::vector<std::string> CheckpointReader::names() const {
  std::vector<std::string> out;
  for (const auto& r : records_) out.push_back(r.first);
  return out;
}

std::string CheckpointReader::type(const std::string& name) const {
  const Record& r = record(name);
  return r.dtype == at::ScalarType::Undefined ? "bytes" : std::string(c10::toString(r.dtype));
}

int64_t CheckpointReader::nbytes(const std::string& name) const { return static_cast<int64_t>(record(name).nbytes); }

uint64_t CheckpointReader::checksum(const std::string& name) const { return record(name).checksum; }

std::string CheckpointReader::read_bytes(const std::string& name) const {
  const Record& r = record(name);
  std::string out(static_cast<size_t>(r.nbytes), '\0');
  read_at(r.offset, out.data(), out.size());
  return out;
}

at::Tensor CheckpointReader::read_tensor(const std::string& name) const {
  const Record& r = record(name);
  if (r.dtype == at::ScalarType::Undefined)
    throw std::runtime_error("checkpoint '" + path_ + "': record '" + name + "' holds bytes, not a tensor");
  at::Tensor t = at::empty(r.shape, at::TensorOptions().dtype(r.dtype));
  if (static_cast<uint64_t>(t.nbytes()) != r.nbytes)
    throw std::runtime_error("checkpoint '" + path_ + "': record '" + name + "' has " + std::to_string(r.nbytes) +
                             " bytes for its shape");
  read_at(r.offset, t.data_ptr(), t.nbytes());
  return t;
}

void CheckpointReader::read_rows(const std::string& name,
                                 const std::function<void(int64_t, const at::Tensor&)>& rows) const {
  const Record& r = record(name);
  if (r.dtype != at::kFloat || r.shape.size() != 2)
    throw std::runtime_error("checkpoint '" + path_ + "': record '" + name + "' is not a float32 row block");
  const int64_t n = r.shape[0], width = r.shape[1];
  const int64_t row_bytes = std::max<int64_t>(1, width) * static_cast<int64_t>(sizeof(float));
  const int64_t step = std::max<int64_t>(1, kChunkBytes / row_bytes);
  for (int64_t begin = 0; begin < n; begin += step) {
    const int64_t end = std::min(n, begin + step);
    at::Tensor block = at::empty({end - begin, width}, at::kFloat);
    read_at(r.offset + static_cast<uint64_t>(begin * width) * sizeof(float), block.data_ptr(), block.nbytes());
    rows(begin, block);
  }
}

// ------------------------------------------------------------ training state

void save_training_state(CheckpointWriter& writer, ScalableGNNImpl& model, torch::optim::Optimizer& optimizer) {
  torch::NoGradGuard no_grad;
  for (const auto& p : model.named_parameters()) writer.write_tensor("model/" + p.key(), p.value());
  for (const auto& b : model.named_buffers()) writer.write_tensor("model/" + b.key(), b.value());
  HistoryStore& histories = model.histories();
  for (int64_t l = 0; l < histories.size(); ++l)
    writer.write_rows("history/" + std::to_string(l), histories.num_nodes(), histories.width(l),
                      [&](int64_t begin, int64_t end) { return histories.pull(l, at::arange(begin, end, at::kLong)); });
  torch::serialize::OutputArchive archive;
  optimizer.save(archive);
  std::string bytes;
  archive.save_to([&bytes](const void* data, size_t n) {
    bytes.append(static_cast<const char*>(data), n);
    return n;
  });
  writer.write_bytes("optimizer", bytes);
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    writer.write_tensor("rng/cpu", generator.get_state());
  }
}

void load_training_state(const CheckpointReader& reader, ScalableGNNImpl& model, torch::optim::Optimizer& optimizer) {
  torch::NoGradGuard no_grad;
  auto restore = [&](const std::string& key, at::Tensor& target, const char* what) {
    const std::string name = "model/" + key;
    if (!reader.has(name))
      throw std::runtime_error("checkpoint '" + reader.path() + "' has no " + what + " '" + key +
                               "': written for another model?");
    const at::Tensor saved = reader.read_tensor(name);
    if (saved.sizes() != target.sizes() || saved.scalar_type() != target.scalar_type())
      throw std::runtime_error("checkpoint '" + reader.path() + "': " + what + " '" + key + "' is " +
                               c10::str(saved.scalar_type(), " ", saved.sizes()) + ", the model's " +
                               c10::str(target.scalar_type(), " ", target.sizes()) + ": written for another model?");
    target.copy_(saved);
  };
  for (auto& p : model.named_parameters()) restore(p.key(), p.value(), "parameter");
  for (auto& b : model.named_buffers()) restore(b.key(), b.value(), "buffer");
  HistoryStore& histories = model.histories();
  for (int64_t l = 0; l < histories.size(); ++l) {
    const std::string name = "history/" + std::to_string(l);
    if (!reader.has(name) || reader.shape(name) != std::vector<int64_t>{histories.num_nodes(), histories.width(l)})
      throw std::runtime_error("checkpoint '" + reader.path() + "': history " + std::to_string(l) + " is " +
                               (reader.has(name) ? c10::str(at::IntArrayRef(reader.shape(name))) : "missing") +
                               ", the model's [" + std::to_string(histories.num_nodes()) + ", " +
                               std::to_string(histories.width(l)) + "]");
    reader.read_rows(name, [&](int64_t begin, const at::Tensor& block) {
      histories.push(l, block, at::arange(begin, begin + block.size(0), at::kLong));
    });
  }
  const std::string bytes = reader.read_bytes("optimizer");
  torch::serialize::InputArchive archive;
  archive.load_from(bytes.data(), bytes.size());
  optimizer.load(archive);
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(reader.read_tensor("rng/cpu"));
}

}  // namespace gas
