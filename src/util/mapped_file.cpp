#include "util/mapped_file.h"

#include "util/system.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace gas {
namespace util {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, const std::string& message) {
  throw std::runtime_error(what + ": " + path + ": " + message);
}

// Live mappings and the thread that trims their residency. Never destroyed:
// the thread may outlive static destruction at exit.
struct Registry {
  std::mutex mutex;
  std::condition_variable wake;
  std::set<MappedFile*> live;
  std::atomic<int64_t> limit{physical_memory_bytes() / 4};
  std::atomic<int64_t> trims{0};
  bool thread_started = false;

  // Resident pages of file mappings (and shared memory) of this process:
  // the third field of /proc/self/statm.
  static int64_t resident_shared_bytes() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long size = 0, resident = 0, shared = 0;
    const int n = std::fscanf(f, "%ld %ld %ld", &size, &resident, &shared);
    std::fclose(f);
    return n == 3 ? static_cast<int64_t>(shared) * sysconf(_SC_PAGESIZE) : 0;
  }

  void run() {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return !live.empty(); });
      wake.wait_for(lock, std::chrono::milliseconds(50));
      const int64_t cap = limit.load();
      if (cap <= 0 || live.empty() || resident_shared_bytes() <= cap) continue;
      // Under the lock no mapping goes away while it is trimmed.
      for (MappedFile* m : live) madvise(m->data(), static_cast<size_t>(m->size()), MADV_DONTNEED);
      trims.fetch_add(1);
    }
  }

  void add(MappedFile* m) {
    std::lock_guard<std::mutex> lock(mutex);
    live.insert(m);
    if (!thread_started) {
      thread_started = true;
      std::thread([this] { run(); }).detach();
    }
    wake.notify_all();
  }
  void remove(MappedFile* m) {
    std::lock_guard<std::mutex> lock(mutex);
    live.erase(m);
  }
};

Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

char* map(int fd, int64_t size, int prot, int flags, const std::string& what, const std::string& path) {
  if (size == 0) return nullptr;
  void* p = mmap(nullptr, static_cast<size_t>(size), prot, flags, fd, 0);
  if (p == MAP_FAILED) {
    const std::string reason = errno_message();
    close(fd);
    fail(what, path, "cannot map " + std::to_string(size) + " bytes: " + reason);
  }
  return static_cast<char*>(p);
}

}  // namespace

MappedFile::MappedFile(std::string path, int fd, char* data, int64_t size)
    : path_(std::move(path)), fd_(fd), data_(data), size_(size) {
  if (data_) registry().add(this);
}

MappedFile::~MappedFile() {
  if (data_) {
    registry().remove(this);
    munmap(data_, static_cast<size_t>(size_));
  }
  if (fd_ >= 0) close(fd_);
}

std::shared_ptr<MappedFile> MappedFile::open_read_only(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(what, path, "cannot open: " + errno_message());
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const std::string reason = errno_message();
    close(fd);
    fail(what, path, "cannot stat: " + reason);
  }
  // Private and read-only: a stray write faults instead of reaching the file.
  char* data = map(fd, st.st_size, PROT_READ, MAP_PRIVATE, what, path);
  return std::shared_ptr<MappedFile>(new MappedFile(path, fd, data, st.st_size));
}

std::shared_ptr<MappedFile> MappedFile::create(const std::string& path, int64_t bytes, bool keep,
                                               const std::string& what) {
  if (bytes < 0) fail(what, path, "negative size " + std::to_string(bytes));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail(what, path, "cannot create: " + errno_message());
  // Locked before it is truncated: another process's storage is never cut.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    fail(what, path, "is in use by another process (locked); give each run its own directory");
  }
  if (ftruncate(fd, 0) != 0 || ftruncate(fd, bytes) != 0) {
    const std::string reason = errno_message();
    close(fd);
    fail(what, path, "cannot size to " + std::to_string(bytes) + " bytes: " + reason);
  }
  if (!keep) unlink(path.c_str());
  char* data = map(fd, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, what, path);
  return std::shared_ptr<MappedFile>(new MappedFile(path, fd, data, bytes));
}

void MappedFile::zero(int64_t offset, int64_t bytes) {
  if (offset < 0 || bytes < 0 || offset + bytes > size_)
    throw std::out_of_range(path_ + ": zero [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                            ") outside the mapping of " + std::to_string(size_) + " bytes");
  const int64_t page = sysconf(_SC_PAGESIZE);
  const int64_t first = std::min(offset + bytes, (offset + page - 1) / page * page);
  const int64_t last = std::max(first, (offset + bytes) / page * page);
  std::memset(data_ + offset, 0, static_cast<size_t>(first - offset));
  std::memset(data_ + last, 0, static_cast<size_t>(offset + bytes - last));
  if (last > first &&
      fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, first, last - first) != 0)
    std::memset(data_ + first, 0, static_cast<size_t>(last - first));  // no holes on this file system
}

void set_mapped_resident_limit(int64_t bytes) { registry().limit.store(std::max<int64_t>(0, bytes)); }
int64_t mapped_resident_limit() { return registry().limit.load(); }
int64_t mapped_trims() { return registry().trims.load(); }

}  // namespace util
}  // namespace gas
