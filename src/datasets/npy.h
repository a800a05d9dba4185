#pragma once
// Readers for numpy's .npy files and .npz archives (zip files of .npy
// members, stored or deflated, read through libzip), and the header the
// writers put before their data: numpy's format in one place. They do not
// depend on LibTorch, so they can be fuzzed cheaply. The writer's half
// (descr, header: npy_header.cpp) is in gas_util, exported by gas_core, for
// the memory-mapped histories and the export.
//
// Array data goes straight from the file or the zip stream into the array's
// own buffer, which a loader can then hand to a tensor without copying. Every
// problem (bad magic, unsupported dtype, a shape the data does not fill,
// truncated member, CRC error, missing member) throws std::runtime_error
// naming the file and, in an archive, the member.

#include <gas/macros.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gas {
namespace npy {

struct Array {
  char kind = 'f';   ///< 'b' bool, 'i' signed integer, 'u' unsigned integer, 'f' floating point
  int itemsize = 4;  ///< bytes per element
  std::vector<int64_t> shape;
  /// Column-major data: the bytes are the C-order array of the reversed shape.
  bool fortran_order = false;
  std::vector<uint8_t> data;  ///< little-endian (big-endian files are converted)

  int64_t numel() const;
  /// numpy's name of the dtype ("float32", "int64", "bool", ...).
  std::string dtype() const;
  /// "[2708, 1433]".
  std::string shape_string() const;
};

/// Whether gas reads arrays of this dtype: bool, 1- to 8-byte integers and
/// 2-, 4- and 8-byte floats (kind as in Array::kind).
bool supported(char kind, int itemsize);

/// numpy's little-endian descr of a dtype: "<f4", "<i8", "|b1", "|u1".
GAS_API std::string descr(char kind, int itemsize);

/// What an .npy file (format 1.0) holds before its data: the magic, the
/// version, the header's length and the header dict, padded with spaces so
/// the data starts at a multiple of `alignment` bytes (numpy writes 64; a
/// memory-mapped file asks for a page, so its data can be punched out in
/// whole pages).
GAS_API std::string header(const std::string& descr, const std::vector<int64_t>& shape, bool fortran_order = false,
                           int alignment = 64);

/// An .npy file's header without its data: what a memory mapping needs.
struct FileHeader {
  Array array;  ///< kind, itemsize, shape, fortran_order; no data
  bool big_endian = false;
  uint64_t data_offset = 0;  ///< where the data starts in the file
};

/// Reads the header of an .npy file and checks that the file holds exactly
/// the data it announces.
GAS_API FileHeader read_header(const std::string& path);

/// Parses the bytes of an .npy file; `source` names it in messages.
Array parse(const std::string& bytes, const std::string& source);

/// Reads an .npy file.
Array read_file(const std::string& path);

/// An .npz archive opened for reading members one at a time.
class Npz {
 public:
  static Npz open(const std::string& path);
  /// An archive held in memory (tests and fuzzing).
  static Npz from_bytes(std::string bytes, const std::string& source);

  Npz(Npz&&) noexcept;
  Npz& operator=(Npz&&) noexcept;
  ~Npz();

  /// Array names, as numpy.load(...).files lists them (member names without ".npy").
  std::vector<std::string> keys() const;
  bool has(const std::string& key) const;
  /// Reads member `key`.npy; throws naming the archive and the keys it has when absent.
  Array read(const std::string& key) const;
  /// The archive's path (or source name).
  const std::string& source() const;

 private:
  struct Impl;
  explicit Npz(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace npy
}  // namespace gas
