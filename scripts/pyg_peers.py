#!/usr/bin/env python3
"""The two things a user would otherwise pick, timed on gas's graphs: PyTorch
Geometric's full-batch GCN and its Cluster-GCN (ClusterData + ClusterLoader).
scripts/perf_report.sh runs it in the same run as gas, interleaved, and the
report sets the two side by side (ratios from that run only).

    pyg_peers.py DATASET METHOD [--root DIR] [--custom DIR] [--epochs N]

DATASET: cora, citeseer (Planetoid's raw files under --root, processed in a
scratch directory, never under the data root) or synthetic-1m (the custom
format that `gas_data write` produced, in --custom). METHOD: full (full-batch
GCN, the normalised adjacency cached, as PyG's examples train) or cluster
(Cluster-GCN over METIS parts; each batch its parts' induced subgraph, the
edges between batches dropped, as PyG does; evaluation full-batch). The
hyper-parameters are gas's configs for the dataset (configs/small/gcn.yaml,
configs/large/gcn.yaml): the same layers, widths, dropout, parts and batch
sizes. One process per (dataset, method), so that its peak RSS is its own.
Prints one JSON object: median seconds per training epoch and per
evaluation, epoch (train + eval), partition seconds, peak RSS, test accuracy.

Needs torch, torch_geometric and, for Cluster-GCN's METIS, torch_sparse
(built from source with WITH_METIS=1: PyPI has no wheel for it).
"""
import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn.functional as F

SETTINGS = {
    # layers x hidden, dropout, dropout on the input, lr, weight decay (first layer), parts, batch size
    "cora": dict(hidden=16, dropout=0.5, drop_input=True, lr=0.01, wd=5e-4, parts=40, batch=10),
    "citeseer": dict(hidden=16, dropout=0.5, drop_input=True, lr=0.01, wd=5e-4, parts=24, batch=8),
    "synthetic-1m": dict(hidden=64, dropout=0.5, drop_input=False, lr=0.01, wd=0.0, parts=200, batch=10),
}


def load(dataset, root, custom, scratch):
    from torch_geometric.data import Data

    if dataset in ("cora", "citeseer"):
        from torch_geometric.datasets import Planetoid

        name = {"cora": "Cora", "citeseer": "CiteSeer"}[dataset]
        raw = os.path.join(root, "Planetoid", name, "raw")
        if not os.path.isdir(raw):
            sys.exit(f"pyg_peers: no Planetoid raw files at {raw}")
        os.makedirs(os.path.join(scratch, name))
        os.symlink(os.path.abspath(raw), os.path.join(scratch, name, "raw"))
        return Planetoid(scratch, name)[0]
    if not custom or not os.path.isfile(os.path.join(custom, "edge_index.npy")):
        sys.exit(f"pyg_peers: {dataset} needs --custom DIR written by `gas_data write` (no edge_index.npy in {custom})")
    arr = {k: torch.from_numpy(np.load(os.path.join(custom, k + ".npy")))
           for k in ("edge_index", "x", "y", "train_mask", "val_mask", "test_mask")}
    return Data(**arr)


class GCN(torch.nn.Module):
    def __init__(self, fin, hidden, fout, dropout, drop_input, cached):
        super().__init__()
        from torch_geometric.nn import GCNConv

        self.conv1 = GCNConv(fin, hidden, cached=cached)
        self.conv2 = GCNConv(hidden, fout, cached=cached)
        self.dropout, self.drop_input = dropout, drop_input

    def forward(self, x, edge_index):
        if self.drop_input:
            x = F.dropout(x, self.dropout, self.training)
        x = F.dropout(self.conv1(x, edge_index).relu(), self.dropout, self.training)
        return self.conv2(x, edge_index)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", choices=sorted(SETTINGS))
    parser.add_argument("method", choices=["full", "cluster"])
    parser.add_argument("--root", default=os.environ.get("GAS_DATA_DIR", "../shared/data"))
    parser.add_argument("--custom")
    parser.add_argument("--epochs", type=int, default=10, help="timed epochs, after one of warm-up")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    a = parser.parse_args()
    # Planetoid's processed files and ClusterData's partition, removed at exit.
    with tempfile.TemporaryDirectory(prefix="pyg_peers_") as scratch:
        run(a, scratch)


def run(a, scratch):
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    s = SETTINGS[a.dataset]
    data = load(a.dataset, a.root, a.custom, scratch)
    classes = int(data.y.max()) + 1
    model = GCN(data.num_features, s["hidden"], classes, s["dropout"], s["drop_input"], cached=a.method == "full")
    optimizer = torch.optim.Adam([dict(params=model.conv1.parameters(), weight_decay=s["wd"]),
                                 dict(params=model.conv2.parameters(), weight_decay=0.0)], lr=s["lr"])

    partition_seconds = 0.0
    if a.method == "cluster":
        from torch_geometric.loader import ClusterData, ClusterLoader

        start = time.perf_counter()
        clusters = ClusterData(data, num_parts=s["parts"], save_dir=os.path.join(scratch, "clusters"), log=False)
        partition_seconds = time.perf_counter() - start
        loader = ClusterLoader(clusters, batch_size=s["batch"], shuffle=True)
        batches = lambda: loader  # noqa: E731
    else:
        batches = lambda: [data]  # noqa: E731

    def train():
        model.train()
        for b in batches():
            optimizer.zero_grad()
            out = model(b.x, b.edge_index)
            loss = F.cross_entropy(out[b.train_mask], b.y[b.train_mask])
            loss.backward()
            optimizer.step()

    @torch.no_grad()
    def evaluate():
        model.eval()
        pred = model(data.x, data.edge_index).argmax(-1)
        return [float((pred[m] == data.y[m]).float().mean()) for m in (data.val_mask, data.test_mask)]

    train_s, eval_s = [], []
    for epoch in range(a.epochs + 1):
        t0 = time.perf_counter()
        train()
        t1 = time.perf_counter()
        val, test = evaluate()
        t2 = time.perf_counter()
        if epoch > 0:
            train_s.append(t1 - t0)
            eval_s.append(t2 - t1)
    result = dict(dataset=a.dataset, method=a.method, threads=torch.get_num_threads(), epochs=a.epochs,
                  torch=torch.__version__, pyg=__import__("torch_geometric").__version__,
                  train_s=statistics.median(train_s), eval_s=statistics.median(eval_s),
                  epoch_s=statistics.median(t + e for t, e in zip(train_s, eval_s)),
                  partition_s=partition_seconds, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  val_acc=val, test_acc=test)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
