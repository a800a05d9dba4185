#pragma once
/// \file
/// Checkpoints: one file holding named records (bytes, tensors, and row
/// blocks such as histories), written atomically and streamed.
///
/// A writer fills `PATH.tmp.<pid>` record by record, each tensor written
/// from its own memory and each row block chunk by chunk, so no buffer ever
/// holds the checkpoint; commit() appends a trailer, fsyncs, renames the file
/// over PATH and fsyncs the directory. A crash at any point leaves the
/// previous checkpoint whole. Every record carries a checksum; a reader
/// verifies the whole file (magic, trailer, sizes, checksums) before it
/// hands out anything, so a damaged or truncated checkpoint is refused with
/// one line naming the file and the record, and nothing is half-restored.
///
/// save_training_state / load_training_state put a model (parameters,
/// buffers, histories), its optimiser and the CPU random state in one
/// checkpoint, for a user's own loop; the benchmarks add their progress
/// (checkpoint_dir=, resume=).

#include <gas/macros.h>
#include <gas/scalable_gnn.h>

#include <ATen/core/Tensor.h>
#include <torch/optim/optimizer.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gas {

class GAS_API CheckpointWriter {
 public:
  /// Opens the temporary file beside `path`; throws naming it.
  explicit CheckpointWriter(std::string path);
  /// Removes the temporary file unless commit() ran.
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  void write_bytes(const std::string& name, const std::string& bytes);
  /// Any dtype and device (moved to the CPU; contiguous).
  void write_tensor(const std::string& name, const at::Tensor& tensor);
  /// A float32 [rows, width] block produced `chunk(begin, end)` at a time.
  void write_rows(const std::string& name, int64_t rows, int64_t width,
                  const std::function<at::Tensor(int64_t begin, int64_t end)>& chunk);
  /// Trailer, fsync, rename over the path, fsync of its directory.
  void commit();

  const std::string& path() const { return path_; }

 private:
  void begin_record(const std::string& name, at::ScalarType dtype, const std::vector<int64_t>& shape,
                    uint64_t nbytes);
  void write_data(const void* data, size_t nbytes);
  void end_record();
  void write_raw(const void* data, size_t nbytes);

  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  uint64_t records_ = 0, written_ = 0, record_left_ = 0;
  uint64_t hash_[3] = {0, 0, 0};  // the current record's running checksum (checkpoint.cpp's Hash)
  bool committed_ = false;
};

class GAS_API CheckpointReader {
 public:
  /// Opens and verifies `path`; throws one line naming the file and what is
  /// wrong with it (missing, not a checkpoint, truncated, damaged record).
  explicit CheckpointReader(std::string path);
  ~CheckpointReader();
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  bool has(const std::string& name) const;
  /// Every record's name, in name order.
  std::vector<std::string> names() const;
  std::vector<int64_t> shape(const std::string& name) const;
  /// "bytes" or the dtype's name.
  std::string type(const std::string& name) const;
  int64_t nbytes(const std::string& name) const;
  /// The record's verified checksum (header and data): equal records of two
  /// checkpoints have equal checksums.
  uint64_t checksum(const std::string& name) const;
  std::string read_bytes(const std::string& name) const;
  at::Tensor read_tensor(const std::string& name) const;
  /// Calls `rows(begin, block)` over a float32 [N, width] record in chunks.
  void read_rows(const std::string& name, const std::function<void(int64_t begin, const at::Tensor& block)>& rows) const;

  const std::string& path() const { return path_; }

 private:
  struct Record {
    at::ScalarType dtype;
    std::vector<int64_t> shape;
    uint64_t offset, nbytes, checksum;
  };
  const Record& record(const std::string& name) const;
  void read_at(uint64_t offset, void* data, size_t nbytes) const;

  std::string path_;
  std::FILE* file_ = nullptr;
  std::map<std::string, Record> records_;
};

/// Writes the model's parameters and buffers ("model/<name>"), its histories
/// ("history/<layer>", streamed), the optimiser's state ("optimizer") and
/// the CPU generator's state ("rng/cpu").
GAS_API void save_training_state(CheckpointWriter& writer, ScalableGNNImpl& model, torch::optim::Optimizer& optimizer);

/// Restores what save_training_state wrote into a model of the same
/// architecture; throws naming the first parameter, buffer or history whose
/// name or shape differs.
GAS_API void load_training_state(const CheckpointReader& reader, ScalableGNNImpl& model,
                                 torch::optim::Optimizer& optimizer);

}  // namespace gas
