#!/usr/bin/env bash
# Downloads, without installing, the Debian 12 packages gas needs beside
# LibTorch and the CUDA toolkit, into gpu_deps/ (or DIR): for a GPU machine
# with no package registry, where scripts/gpu_check.sh unpacks them into a
# prefix (dpkg -x). Send the folder along with the checkout.
#
#   scripts/fetch_gpu_deps.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-gpu_deps}
mkdir -p "$dir"
packages=(
  libmetis-dev libmetis5
  libyaml-cpp-dev libyaml-cpp0.7
  nlohmann-json3-dev
  libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libgtest-dev
  libzip-dev libzip4 zlib1g-dev
)
(cd "$dir" && apt-get download "${packages[@]}")
du -sh "$dir"
