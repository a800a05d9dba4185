#pragma once
// One place decides which kernel runs for a device. Without CUDA kernels the
// CUDA branch is a clear error at the call, never a silent fallback.

#include <c10/util/Exception.h>

#define GAS_DISPATCH_DEVICE(device, op_name, ...)                                            \
  do {                                                                                       \
    if ((device).is_cpu()) {                                                                 \
      __VA_ARGS__;                                                                           \
    } else {                                                                                 \
      TORCH_CHECK(false, op_name, ": no kernel for device ", (device),                       \
                  " in this build of gas (CPU kernels only; the CUDA kernels are pending)"); \
    }                                                                                        \
  } while (0)
