#!/usr/bin/env bash
# Installs the peers scripts/pyg_peers.py times gas against: PyTorch
# Geometric, torch_scatter and torch_sparse (for Cluster-GCN's METIS) into
# the virtual environment of the CUDA LibTorch (scripts/install_torch_cuda.sh).
# Prints the environment's python on its last line.
#
#   scripts/install_pyg.sh [VENV_DIR]
#   scripts/install_pyg.sh --check [VENV_DIR]   # the python if installed, else exit 1
#
# PyPI has torch_geometric but no torch_scatter or torch_sparse wheel for
# this torch, so both are built from their source releases, CPU only,
# torch_sparse against Debian's METIS (apt-get install libmetis-dev): about
# 30 minutes on 2 cores, in ~/.cache/gas/pyg-build (pip builds in the tree,
# so a second run is incremental). Debian's METIS has 32-bit indices where
# torch_sparse assumes 64-bit ones: its one METIS call is patched to convert
# the arrays, as gas converts them (scripts/torch_sparse_metis.py).
set -euo pipefail
cd "$(dirname "$0")/.."
sparse=0.6.18
scatter=2.1.2
check=false
[[ ${1:-} == --check ]] && { check=true; shift; }
venv=${1:-${GAS_TORCH_VENV:-$HOME/.cache/gas/torch-${GAS_TORCH_VERSION:-2.11.0}}}
py=$venv/bin/python
build=${GAS_PYG_BUILD:-$HOME/.cache/gas/pyg-build}

# ClusterData partitions with torch_sparse's METIS when torch_sparse is there.
have() { "$py" -c "import torch, torch_geometric, torch_sparse; torch.ops.torch_sparse.partition" 2> /dev/null; }

# Unpacks (once) and builds one source release.
from_source() {
  local name=$1 version=$2
  if [[ ! -f $build/$name-$version/setup.py ]]; then
    (cd "$build" && "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
      --no-build-isolation "${name/_/-}==$version" >&2 && tar xzf "$name-$version.tar.gz")
  fi
  if [[ $name == torch_sparse ]]; then "$py" scripts/torch_sparse_metis.py "$build/$name-$version/csrc/cpu/metis_cpu.cpp"; fi
  (cd "$build/$name-$version" && FORCE_ONLY_CPU=1 WITH_METIS=1 MAX_JOBS=${MAX_JOBS:-2} \
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-build-isolation --no-deps . >&2)
}

if $check; then have && echo "$py" && exit 0; exit 1; fi
if ! have; then
  scripts/install_torch_cuda.sh "$venv" > /dev/null
  [[ -f /usr/include/metis.h ]] || { echo "install_pyg: METIS headers missing (apt-get install libmetis-dev)" >&2; exit 1; }
  echo "install_pyg: torch_geometric; torch_scatter $scatter and torch_sparse $sparse from source into $venv" \
    "(about 30 minutes)" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check torch_geometric numpy scipy wheel >&2
  mkdir -p "$build"
  "$py" -c "import torch_scatter" 2> /dev/null || from_source torch_scatter $scatter
  "$py" -c "import torch_sparse" 2> /dev/null || from_source torch_sparse $sparse
  have || { echo "install_pyg: no torch_sparse with METIS in $venv after the install" >&2; exit 1; }
fi
echo "$py"
