// The writer's half of numpy's .npy format: what goes before the data. In
// gas_util (exported by gas_core), not with the readers in gas_parsers, so
// that the memory-mapped histories (gas_core) and the export (gas_app) write
// their headers with it.

#include "datasets/npy.h"

namespace gas {
namespace npy {

std::string descr(char kind, int itemsize) {
  return std::string(itemsize == 1 ? "|" : "<") + kind + std::to_string(itemsize);
}

std::string header(const std::string& descr, const std::vector<int64_t>& shape, bool fortran_order, int alignment) {
  // numpy writes (), (3,) and (3, 4).
  std::string dims;
  for (size_t k = 0; k < shape.size(); ++k) dims += (k ? ", " : "") + std::to_string(shape[k]);
  if (shape.size() == 1) dims += ",";
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': (" + dims + "), }";
  dict.append((alignment - (10 + dict.size() + 1) % alignment) % alignment, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

}  // namespace npy
}  // namespace gas
