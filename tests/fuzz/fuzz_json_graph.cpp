// The JSON graph formats; the first byte picks the reader, the rest is the file.
#include "datasets/json_graph.h"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace gas::json_graph;
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        parse_wikics(text, "data.json");
        break;
      case 1:
        parse_class_map(text, "class_map.json");
        break;
      case 2:
        parse_int_lists(text, "role.json");
        break;
      default:
        parse_node_link(text, "graph.json");
        break;
    }
  } catch (const std::runtime_error&) {
  }
  return 0;
}
