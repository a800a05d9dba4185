#!/usr/bin/env python3
"""Patches torch_sparse's METIS call (csrc/cpu/metis_cpu.cpp) for a METIS
whose idx_t is not 64 bits, such as Debian's: the arrays are converted to
idx_t's width before the call and the parts back to int64 after it, as gas
converts them. Idempotent. Used by scripts/install_pyg.sh.

    torch_sparse_metis.py PATH/TO/metis_cpu.cpp
"""
import sys

MARK = "// gas: arrays converted to idx_t"
CALL = """  %s
  const auto it = sizeof(idx_t) == 4 ? torch::kInt : torch::kLong;
  auto xadj = rowptr.to(it).contiguous(), adjncy = col.to(it).contiguous();
  torch::Tensor adjwgt, vwgt;
  if (optional_value.has_value()) adjwgt = optional_value.value().to(it).contiguous();
  if (optional_node_weight.has_value()) vwgt = optional_node_weight.value().to(it).contiguous();
  auto ptr = [](const torch::Tensor& t) { return t.defined() ? static_cast<idx_t*>(t.data_ptr()) : (idx_t*)NULL; };
  idx_t nvtxs = rowptr.numel() - 1, ncon = 1, nparts = num_parts, objval = -1;
  auto part = torch::empty({nvtxs}, rowptr.options().dtype(it));
  if (recursive) {
    METIS_PartGraphRecursive(&nvtxs, &ncon, ptr(xadj), ptr(adjncy), ptr(vwgt), NULL, ptr(adjwgt), &nparts, NULL,
                             NULL, NULL, &objval, ptr(part));
  } else {
    METIS_PartGraphKway(&nvtxs, &ncon, ptr(xadj), ptr(adjncy), ptr(vwgt), NULL, ptr(adjwgt), &nparts, NULL, NULL,
                        NULL, &objval, ptr(part));
  }
  return part.to(torch::kLong);""" % MARK


def main():
    path = sys.argv[1]
    src = open(path).read()
    if MARK in src:
        return
    start = src.index("  int64_t nvtxs = rowptr.numel() - 1;")
    end = src.index("  return part;", start) + len("  return part;")
    with open(path, "w") as f:
        f.write(src[:start] + CALL + src[end:])


if __name__ == "__main__":
    main()
