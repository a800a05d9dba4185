#!/usr/bin/env bash
# Installs the Debian 12 packages gas needs, skipping those already present.
set -euo pipefail
packages=(
  cmake ninja-build g++ ccache
  libtorch-dev            # LibTorch 1.13 (CPU)
  libopenblas0-openmp     # fast BLAS for LibTorch, sharing its OpenMP threads
  libmetis-dev libyaml-cpp-dev nlohmann-json3-dev libboost-program-options-dev
  libgloo-dev             # the headers of the Gloo inside LibTorch (c10d process groups)
  libgtest-dev libbenchmark-dev
  libzip-dev zlib1g-dev     # npz and gzip readers
  clang libclang-rt-dev     # libFuzzer (clang -fsanitize=fuzzer) for the parser fuzz targets
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all packages present"
  exit 0
fi
echo "install_deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
