// .npy files and .npz archives (input starting with a zip signature): parse,
// and read every member of an archive.
#include "datasets/npy.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    if (bytes.rfind("PK", 0) == 0) {
      const gas::npy::Npz npz = gas::npy::Npz::from_bytes(bytes, "fuzz.npz");
      for (const std::string& key : npz.keys()) {
        try {
          npz.read(key);
        } catch (const std::runtime_error&) {
        }
      }
    } else {
      gas::npy::parse(bytes, "fuzz.npy");
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
