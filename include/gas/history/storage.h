#pragma once
/// \file
/// Where history rows live: the storage backends behind a HistoryStore.
///
/// A backend allocates one HistoryStorage per history layer. The store is
/// the storage's only caller; it checks shapes and indices' types and moves
/// rows to and from the compute device, so a backend only reads and writes
/// rows in its own memory. A new kind of memory (pinned host with CUDA
/// transfers, memory-mapped files, another process's rows) is one new
/// backend, with no change to the models, the training loop or the layer
/// splitter.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <string>

namespace gas {

/// One history: rows x width, zero when allocated. Rows go in and come out
/// as float32; a storage may keep them narrower (float16, bfloat16).
class GAS_API HistoryStorage {
 public:
  virtual ~HistoryStorage() = default;

  virtual int64_t rows() const = 0;
  virtual int64_t width() const = 0;
  /// The device whose tensors read() fills and write() takes (host memory,
  /// pinned or not, is the CPU).
  virtual c10::Device device() const = 0;
  /// Bytes the storage holds.
  virtual int64_t nbytes() const { return rows() * width() * static_cast<int64_t>(sizeof(float)); }

  virtual void zero() = 0;
  /// out[i] = row index[i]: `index` int64 and `out` [index.numel(), width]
  /// float32, both contiguous on device(). Throws naming an index that is
  /// out of range.
  virtual void read(const at::Tensor& index, at::Tensor& out) const = 0;
  /// out = rows [offset, offset + out.size(0)), in range.
  virtual void read_range(int64_t offset, at::Tensor& out) const = 0;
  /// Row index[i] = x[i]; x float32 on device(), indices in range.
  virtual void write(const at::Tensor& index, const at::Tensor& x) = 0;
  /// Rows [offset, offset + x.size(0)) = x, in range.
  virtual void write_range(int64_t offset, const at::Tensor& x) = 0;
};

/// Allocates storage for a model's histories.
class GAS_API HistoryBackend {
 public:
  virtual ~HistoryBackend() = default;
  /// Shown in logs, e.g. "host".
  virtual std::string name() const = 0;
  /// Zeroed storage of rows x width for a model that computes on `compute`.
  virtual std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute) const = 0;
  /// The same, for the history the store calls `name` ("history0", "buffer1"):
  /// a backend whose storage has a name of its own (a file) uses it.
  virtual std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute,
                                                   const std::string& name) const {
    return allocate(rows, width, compute);
  }
};

/// What a `history`, `history_dtype` and `history_dir` config gives.
struct GAS_API HistoryBackendOptions {
  /// "host" (pinned with CUDA), "device" or "mmap" (files, the page cache as
  /// the buffer: histories larger than RAM).
  TORCH_ARG(std::string, placement) = "host";
  /// How rows are kept: float32, or float16 / bfloat16 at half the bytes
  /// (rounded on push; read back as float32).
  TORCH_ARG(at::ScalarType, dtype) = at::kFloat;
  /// mmap: where the files go, one .npy per history (DIR/history0.npy, ...),
  /// kept after the run so they can be inspected (numpy.load(..., mmap_mode="r");
  /// bfloat16 rows are stored as their uint16 bits). Empty: unnamed files
  /// in $TMPDIR (or /tmp) that vanish with the process.
  TORCH_ARG(std::string, directory) = "";
};

/// Histories in host memory, GAS's default: GPU memory stays constant as the
/// graph grows. Pinned when the model runs on CUDA (so transfers can be
/// asynchronous), plain otherwise.
GAS_API std::shared_ptr<HistoryBackend> host_history_backend(at::ScalarType dtype = at::kFloat);
/// Histories in the model's device memory: no transfers, but N x width per
/// layer on the device.
GAS_API std::shared_ptr<HistoryBackend> device_history_backend(at::ScalarType dtype = at::kFloat);
/// Histories in memory-mapped .npy files (HistoryBackendOptions::directory).
GAS_API std::shared_ptr<HistoryBackend> mmap_history_backend(const std::string& directory = "",
                                                             at::ScalarType dtype = at::kFloat);
/// The backend of a `history` config value: "host", "device" or "mmap";
/// throws naming the valid ones, or a dtype other than float32, float16 and
/// bfloat16.
GAS_API std::shared_ptr<HistoryBackend> history_backend(const HistoryBackendOptions& options);
GAS_API std::shared_ptr<HistoryBackend> history_backend(const std::string& placement);
/// "float32", "float16" or "bfloat16" as a dtype; throws naming the valid ones.
GAS_API at::ScalarType parse_history_dtype(const std::string& name);
/// Throws unless history rows can be kept as `dtype` (float32, float16, bfloat16).
GAS_API void check_history_dtype(at::ScalarType dtype);

/// Storage over one tensor (float32, float16 or bfloat16), the base of the
/// host, device and mmap backends: reads gather rows (and widen them), writes
/// copy them (and round them).
class GAS_API TensorHistoryStorage : public HistoryStorage {
 public:
  explicit TensorHistoryStorage(at::Tensor emb);

  int64_t rows() const override;
  int64_t width() const override;
  c10::Device device() const override;
  int64_t nbytes() const override;
  void zero() override;
  void read(const at::Tensor& index, at::Tensor& out) const override;
  void read_range(int64_t offset, at::Tensor& out) const override;
  void write(const at::Tensor& index, const at::Tensor& x) override;
  void write_range(int64_t offset, const at::Tensor& x) override;
  /// The rows themselves, for a transport that moves them by device copies
  /// and kernels (the CUDA transports); nothing else reads them directly.
  const at::Tensor& tensor() const { return emb_; }

 private:
  at::Tensor emb_;
};

}  // namespace gas
