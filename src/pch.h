// Precompiled for every LibTorch translation unit of the library. Parsing these
// headers dominates compile time (about 10 s per TU without the PCH).
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>
