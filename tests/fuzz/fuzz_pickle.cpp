// Pickles of any shape: parse, then every conversion a loader applies. Only
// the reader's own std::runtime_error is an acceptable failure.
#include "datasets/pickle.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gas::pickle;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  ValuePtr value;
  try {
    value = load(bytes, "fuzz");
  } catch (const std::runtime_error&) {
    return 0;
  }
  try {
    as_ndarray(value, "fuzz").as_double();
  } catch (const std::runtime_error&) {
  }
  try {
    const CsrMatrix m = as_csr_matrix(value, "fuzz");
    m.indptr.as_int64();
    m.data.as_double();
  } catch (const std::runtime_error&) {
  }
  try {
    as_int_list_dict(value, "fuzz");
  } catch (const std::runtime_error&) {
  }
  return 0;
}
