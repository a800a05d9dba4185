#include "common/fixtures.h"

#include <zip.h>
#include <zlib.h>

#include <filesystem>
#include <stdexcept>

namespace gas {
namespace testing {

std::string npy_raw(const std::string& descr, const std::vector<int64_t>& shape, const std::string& data,
                    bool fortran_order) {
  return npy::header(descr, shape, fortran_order) + data;
}

std::string npy_bool(const std::vector<int>& values, const std::vector<int64_t>& shape) {
  std::string data;
  for (int v : values) data += static_cast<char>(v != 0);
  return npy_raw("|b1", shape, data);
}

std::string write_zip(const std::string& path, const Members& members, bool deflate) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::filesystem::remove(path);
  int code = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!archive) throw std::runtime_error("write_zip: cannot create " + path);
  for (const auto& [name, bytes] : members) {
    zip_source_t* src = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = src ? zip_file_add(archive, name.c_str(), src, ZIP_FL_OVERWRITE) : -1;
    if (index < 0 || zip_set_file_compression(archive, index, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
      throw std::runtime_error("write_zip: cannot add " + name + ": " + zip_strerror(archive));
  }
  if (zip_close(archive) != 0)
    throw std::runtime_error("write_zip: cannot write " + path + ": " + zip_strerror(archive));
  return path;
}

std::string write_gz(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f || gzwrite(f, text.data(), static_cast<unsigned>(text.size())) != static_cast<int>(text.size()))
    throw std::runtime_error("write_gz: cannot write " + path);
  gzclose(f);
  return path;
}

}  // namespace testing
}  // namespace gas
