// history=mmap: every history an .npy file mapped shared into memory. The
// rows are an ordinary tensor over the mapping, so reads and writes are the
// host backend's; the kernel's page cache decides what stays in RAM, and
// the mapping trimmer (util/mapped_file.h) keeps this process's resident
// set from growing with the files.

#include <gas/history/storage.h>

#include "datasets/npy.h"
#include "util/mapped_file.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

namespace gas {
namespace {

// numpy's descr of a history dtype; numpy has no bfloat16, so its rows are
// stored as their bits (view them with ml_dtypes.bfloat16).
std::string descr(at::ScalarType dtype) {
  switch (dtype) {
    case at::kHalf:
      return "<f2";
    case at::kBFloat16:
      return "<u2";
    default:
      return "<f4";
  }
}

// Paths this process has mapped: two stores in one process asking for the
// same name (two models' histories) get "name.1.npy", ... instead of failing
// on their own lock.
class PathsInUse {
 public:
  std::string claim(const std::string& stem) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string path = stem + ".npy";
    for (int k = 1; paths_.count(path); ++k) path = stem + "." + std::to_string(k) + ".npy";
    paths_.insert(path);
    return path;
  }
  void release(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    paths_.erase(path);
  }

 private:
  std::mutex mutex_;
  std::set<std::string> paths_;
};

PathsInUse& paths_in_use() {
  static PathsInUse* paths = new PathsInUse();
  return *paths;
}

class MappedHistoryStorage : public TensorHistoryStorage {
 public:
  MappedHistoryStorage(at::Tensor rows, std::shared_ptr<util::MappedFile> file, int64_t offset)
      : TensorHistoryStorage(std::move(rows)), file_(std::move(file)), offset_(offset) {}
  ~MappedHistoryStorage() override { paths_in_use().release(file_->path()); }

  // Punched out of the file rather than written: zeroing 10 GiB costs no I/O.
  void zero() override { file_->zero(offset_, nbytes()); }

 private:
  std::shared_ptr<util::MappedFile> file_;
  int64_t offset_;
};

class MmapBackend : public HistoryBackend {
 public:
  MmapBackend(std::string directory, at::ScalarType dtype) : directory_(std::move(directory)), dtype_(dtype) {}

  std::string name() const override { return "mmap"; }

  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute) const override {
    static std::atomic<int64_t> counter{0};
    return allocate(rows, width, compute, "history-" + std::to_string(counter++));
  }

  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute,
                                           const std::string& name) const override {
    const bool keep = !directory_.empty();
    std::string stem;
    if (keep) {
      util::make_directories(directory_);
      stem = directory_ + "/" + name;
    } else {
      const char* tmp = std::getenv("TMPDIR");
      stem = std::string(tmp && *tmp ? tmp : "/tmp") + "/gas-" + std::to_string(getpid()) + "-" + name;
    }
    const std::string path = paths_in_use().claim(stem);
    try {
      // The data starts on a page boundary, so zero() can punch whole pages.
      const std::string header = npy::header(descr(dtype_), {rows, width}, false, 4096);
      const int64_t data_bytes = rows * width * static_cast<int64_t>(c10::elementSize(dtype_));
      auto file = util::MappedFile::create(path, static_cast<int64_t>(header.size()) + data_bytes, keep,
                                           "history=mmap");
      std::memcpy(file->data(), header.data(), header.size());
      const int64_t offset = static_cast<int64_t>(header.size());
      at::Tensor t = at::from_blob(
          file->data() + offset, {rows, width}, [file](void*) {}, at::TensorOptions(dtype_));
      return std::make_unique<MappedHistoryStorage>(std::move(t), std::move(file), offset);
    } catch (...) {
      paths_in_use().release(path);
      throw;
    }
  }

 private:
  std::string directory_;
  at::ScalarType dtype_;
};

}  // namespace

std::shared_ptr<HistoryBackend> mmap_history_backend(const std::string& directory, at::ScalarType dtype) {
  check_history_dtype(dtype);
  return std::make_shared<MmapBackend>(directory, dtype);
}

}  // namespace gas
