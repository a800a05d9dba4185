# The CUDA kernels (cuda/), built into gas_core beside the CPU ones when
# LibTorch has CUDA: GAS_WITH_CUDA=AUTO builds them then, ON insists, OFF
# never. Each .cu file registers its kernels with the ops' dispatch tables
# (src/ops/registry.h), so nothing else changes with the build.
set(GAS_CUDA OFF)
if(GAS_WITH_CUDA STREQUAL "ON" AND NOT GAS_TORCH_HAS_CUDA)
  message(FATAL_ERROR "GAS_WITH_CUDA=ON needs a LibTorch built with CUDA; the one at ${TORCH_INSTALL_PREFIX} is "
                      "CPU-only (scripts/install_torch_cuda.sh installs one and prints its CMAKE_PREFIX_PATH)")
endif()
if(GAS_TORCH_HAS_CUDA AND NOT GAS_WITH_CUDA STREQUAL "OFF")
  set(GAS_CUDA ON)
  enable_language(CUDA)  # done by LibTorch's config already; states the dependency
  find_package(CUDAToolkit REQUIRED)
  if(GAS_CCACHE)
    set(CMAKE_CUDA_COMPILER_LAUNCHER ${GAS_CCACHE})
  endif()
  file(GLOB GAS_CUDA_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/cuda/*.cu ${PROJECT_SOURCE_DIR}/cuda/*.cpp)
  # LibTorch's CUB lives in its own namespace; ours too, so that the two
  # copies' statics never meet (pytorch/pytorch#52663). No PCH: it is C++ only.
  set_source_files_properties(${GAS_CUDA_SOURCES} PROPERTIES
    SKIP_PRECOMPILE_HEADERS ON
    COMPILE_DEFINITIONS "CUB_WRAPPED_NAMESPACE=gas_cub")
endif()
