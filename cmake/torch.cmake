# LibTorch: Debian's 1.13 (CPU only) or the 2.x inside PyPI's torch wheel (a
# CUDA build, scripts/install_torch_cuda.sh). Sets the C++ standard its
# headers need, GAS_TORCH_HAS_CUDA, and GAS_OPENMP_FLAGS and
# GAS_OPENMP_LIBRARY: how to compile ATen's parallel loops and the one
# OpenMP runtime of the process, LibTorch's own.

# A wheel's TorchConfig looks for libtorch and libc10 with
# find_library(... PATHS <wheel>/lib), which searches the system directories
# first: with Debian's libtorch-dev installed as well, the wheel's headers
# would be linked to Debian's libraries. The root of a LibTorch named on the
# prefix path goes first.
foreach(dir ${Torch_DIR} ${CMAKE_PREFIX_PATH})
  foreach(config "${dir}/TorchConfig.cmake" "${dir}/Torch/TorchConfig.cmake")
    if(EXISTS "${config}")
      get_filename_component(root "${config}/../../../.." ABSOLUTE)  # <root>/share/cmake/Torch/
      if(EXISTS "${root}/lib/libtorch.so")
        list(PREPEND CMAKE_PREFIX_PATH "${root}")
      endif()
    endif()
  endforeach()
endforeach()

# A CUDA LibTorch enables CUDA itself (Caffe2's cuda.cmake) and needs nvcc to
# configure, even on a machine without a GPU; look where the toolkit lives.
if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
  find_program(GAS_NVCC nvcc HINTS "$ENV{CUDA_HOME}/bin" "$ENV{CUDA_PATH}/bin" /usr/local/cuda/bin)
  if(GAS_NVCC)
    set(ENV{CUDACXX} "${GAS_NVCC}")
  endif()
endif()
# Left to itself, LibTorch compiles for every architecture it knows, some of
# which CUDA 13 no longer supports (sm_50). A100 and H100/H200 by default.
if(NOT DEFINED TORCH_CUDA_ARCH_LIST AND NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST})
  set(TORCH_CUDA_ARCH_LIST "8.0;9.0" CACHE STRING "CUDA architectures of the device code (LibTorch's list format)")
endif()

find_package(Torch REQUIRED)
if(TORCH_LIBRARY AND NOT TORCH_LIBRARY MATCHES "^${TORCH_INSTALL_PREFIX}/")
  message(FATAL_ERROR "LibTorch at ${TORCH_INSTALL_PREFIX} but its library found at ${TORCH_LIBRARY}: "
                      "pass the LibTorch's share/cmake folder in CMAKE_PREFIX_PATH")
endif()
set(GAS_TORCH_HAS_CUDA OFF)
if(TARGET torch_cuda)
  set(GAS_TORCH_HAS_CUDA ON)
endif()

# The C++ standard by what the headers demand (LibTorch 2.1 made 17 the
# minimum; later releases demand 20), not by a guessed version number.
find_file(GAS_ATEN_HEADER ATen/ATen.h PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
if(GAS_ATEN_HEADER)
  file(STRINGS "${GAS_ATEN_HEADER}" cxx20 REGEX "C\\+\\+20 or later")
  if(cxx20)
    set(CMAKE_CXX_STANDARD 20)
  endif()
endif()
if(GAS_TORCH_HAS_CUDA)
  set(CMAKE_CUDA_STANDARD ${CMAKE_CXX_STANDARD})
endif()

# OpenMP: gas's sources are compiled with -fopenmp (GAS_OPENMP_FLAGS), since
# at::parallel_for is a `#pragma omp parallel` in ATen's headers, expanded in
# gas's own code; they run on LibTorch's runtime, GAS_OPENMP_LIBRARY. A pip
# wheel carries its own libgomp.so.1 (the system's soname): linking that one
# by path, and finding it first on the RUNPATH, keeps one runtime in the
# process.
find_package(OpenMP REQUIRED)
set(GAS_OPENMP_FLAGS ${OpenMP_CXX_FLAGS})
if(EXISTS "${TORCH_INSTALL_PREFIX}/lib/libgomp.so.1")
  set(GAS_OPENMP_LIBRARY "${TORCH_INSTALL_PREFIX}/lib/libgomp.so.1")
else()
  set(GAS_OPENMP_LIBRARY "${OpenMP_gomp_LIBRARY}")
endif()
