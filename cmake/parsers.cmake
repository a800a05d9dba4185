# The torch-free sources: the raw-format parsers and the OS helpers they
# use. One list, read by the main build (the gas_parsers and gas_util object
# libraries) and by the fuzzers' clang build (tests/fuzz), which compiles
# them again with sanitizers and coverage. GAS_SOURCE_DIR: the project root.
set(GAS_UTIL_SOURCES
  ${GAS_SOURCE_DIR}/src/util/system.cpp
  ${GAS_SOURCE_DIR}/src/datasets/npy_header.cpp
)
set(GAS_PARSER_SOURCES
  ${GAS_SOURCE_DIR}/src/datasets/pickle.cpp
  ${GAS_SOURCE_DIR}/src/datasets/npy.cpp
  ${GAS_SOURCE_DIR}/src/datasets/csv.cpp
  ${GAS_SOURCE_DIR}/src/datasets/json_graph.cpp
)
