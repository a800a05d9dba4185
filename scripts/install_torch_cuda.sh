#!/usr/bin/env bash
# Installs the CUDA LibTorch gas's second build uses: the one inside PyPI's
# `torch` wheel (a CUDA 13 build), with its NVIDIA libraries, into a virtual
# environment. No GPU is needed: nvcc compiles against it and the CPU tests
# run from the CUDA-linked binaries. Prints the CMake prefix on its last line.
#
#   scripts/install_torch_cuda.sh [VENV_DIR]
#
# VENV_DIR defaults to $GAS_TORCH_VENV, else ~/.cache/gas/torch-$version, so
# that repeated CI runs on one machine reuse it. The version is pinned to the
# one the GPU machines carry (GAS_TORCH_VERSION overrides): the C++ build must
# match the LibTorch it links.
set -euo pipefail
version=${GAS_TORCH_VERSION:-2.11.0}
venv=${1:-${GAS_TORCH_VENV:-$HOME/.cache/gas/torch-$version}}

installed() { [[ -x $venv/bin/python ]] && "$venv/bin/python" - "$version" 2>/dev/null <<'EOF'
import sys, torch
sys.exit(0 if torch.__version__.split("+")[0] == sys.argv[1] and torch.version.cuda else 1)
EOF
}

if ! installed; then
  echo "install_torch_cuda: torch==$version with its NVIDIA libraries into $venv (about 4 GB)" >&2
  python3 -m venv "$venv" >&2 ||
    { echo "install_torch_cuda: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "torch==$version" >&2
  installed || { echo "install_torch_cuda: $venv has no CUDA torch $version after the install" >&2; exit 1; }
fi
"$venv/bin/python" -W ignore -c 'import torch; print(torch.utils.cmake_prefix_path)'
