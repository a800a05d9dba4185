// Numeric CSV tables; the first byte picks integers or floats and whether a
// column count is required, the rest is the text.
#include "datasets/csv.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gas::csv;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Shape shape{(data[0] >> 1) % 4, data[0] & 0x80 ? 3 : -1};
  try {
    if (data[0] & 1)
      parse_floats(text, "fuzz.csv", shape);
    else
      parse_ints(text, "fuzz.csv", shape);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
