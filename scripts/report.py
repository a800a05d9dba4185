#!/usr/bin/env python3
"""Renders the measurements of scripts/perf_report.sh and scripts/reproduce.sh
as markdown reports with gnuplot figures.

  report.py perf RESULTS_DIR REPORT_DIR        -> REPORT_DIR/performance.md
  report.py reproduce SUITE RESULTS_DIR REPORT_DIR -> REPORT_DIR/reproduction_SUITE.md
  report.py compare BASELINE_RESULTS RESULTS         -> RESULTS/compare.md (and stdout)
  report.py distributed RESULTS_DIR REPORT_DIR -> REPORT_DIR/distributed.md
  report.py staleness RESULTS_DIR REPORT_DIR   -> REPORT_DIR/staleness.md (and README.md's table)
"""
import glob
import json
import math
import os
import statistics
import subprocess
import sys
import time

# GAS's test accuracy in the paper's small-benchmark table (GAS column), as
# listed in the project's issues; datasets without a figure here are shown
# without one rather than with a guess.
PAPER_SMALL = {
    ("gcn", "cora"): 82.29, ("gcn", "citeseer"): 71.18, ("gcn", "pubmed"): 79.23,
    ("gat", "cora"): 83.32, ("gat", "citeseer"): 71.86, ("gat", "pubmed"): 78.42,
    ("appnp", "cora"): 83.19, ("appnp", "citeseer"): 72.63, ("appnp", "pubmed"): 79.82,
    ("gcn2", "cora"): 85.52, ("gcn2", "citeseer"): 73.89, ("gcn2", "pubmed"): 80.19,
}

# The Python original (PyGAS), measured side by side with gas by a peer
# outside this project's scripts (measured 2026-12, issue 18): one quiet
# 2-core machine of the kind perf_report.sh runs on, PyGAS runs interleaved
# with gas's small_benchmark, same graphs, both linking Debian's LibTorch
# 1.13.1 and METIS, 2 threads, OPENBLAS_NUM_THREADS=1. Pairs are two runs of
# one workload; PYGAS holds their midpoints, which the "vs PyGAS" targets set
# against gas's own run in this report: a separate session, so those ratios
# are indicative, and PYGAS_SIDE_BY_SIDE (rendered verbatim) has the
# same-session ones. No PyGAS figure for the 1M stochastic block model was
# measured side by side (the earlier one came from a loaded machine and is
# likely ~2x overstated), so the report gives no ratio for it.
PYGAS = {
    "cora_epoch_ms": (86.6 + 90.0) / 2, "citeseer_epoch_ms": 214.6,
    "cora_dense_epoch_ms": 88.0, "citeseer_dense_epoch_ms": 215.0,
    "rgg_train_s": (4.10 + 4.37) / 2, "rgg_eval_s": 1.50, "rgg_rss_mb": 2700.0,
}
PYGAS_PROVENANCE = [
    "Measured 2026-12, issue 18, by a peer outside the project's scripts: a same-session measurement",
    "on one quiet 2-core machine of this kind, PyGAS (the Python original) interleaved with gas's",
    "`small_benchmark`, same graphs, both linking Debian's LibTorch 1.13.1 and METIS, 2 threads,",
    "`OPENBLAS_NUM_THREADS=1`. Pairs are two runs of the same workload."]
PYGAS_SIDE_BY_SIDE = [
    "| workload (same run) | PyGAS | gas | ratio |",
    "|---|---|---|---|",
    "| GCN Cora epoch (train + eval), defaults | 86.6 / 90.0 ms | 4.11 / 3.98 ms | 21-23x |",
    "| GCN CiteSeer epoch, defaults | 214.6 ms | 4.22 ms | 51x |",
    "| GCN Cora / CiteSeer with `params.sparse_features=false` | 88 / 215 ms | 12.29 / 27.16 ms | 7.2x / 7.9x |",
    "| GCN on one 1M-node random geometric graph (avg. degree 10, 64 dense features, 200 parts, batch 10), "
    "training epoch | 4.10 / 4.37 s | 0.752 / 0.823 s | 5.3-5.5x |",
    "| same graph, evaluation: PyGAS full-batch vs gas layer-wise / gas full-batch | 1.50 s | 0.245 s / 0.93 s | "
    "6.1x / 1.6x |",
    "| same graph, METIS preparation around the same library call (~0.8 s on both sides) | 0.90 / 0.99 s | "
    "1.92 / 2.10 s | 0.5x |",
    "| same graph, peak RSS (whole process) | 2.70 GB | 1.53 GB | 1.8x |",
]
# Ahead of the "vs PyGAS" targets' rows, so that each says where its PyGAS
# figure comes from.
PYGAS_TAG = "vs PyGAS (issue-18 peer session, not this run; indicative)"


def pygas_section(level, sbm=None):
    """The side-by-side PyGAS measurement, verbatim, with its provenance;
    sbm = this run's (training epoch s, METIS s) on the 1M stochastic block
    model, or None."""
    lines = ["#" * level + " PyGAS, measured side by side (issue 18)", ""] + PYGAS_PROVENANCE + [""]
    lines += PYGAS_SIDE_BY_SIDE + [""]
    lines += ["Where gas was weaker in that session: METIS preparation took 1.92-2.10 s against PyGAS's",
              "0.90-0.99 s (the METIS call itself is ~0.8 s on both sides; the work around it is now",
              "measured against the bare call in the targets above), and with dense features",
              "(`params.sparse_features=false`) the lead on Cora and CiteSeer fell from 21-51x to 7-8x",
              "(this run's dense figures are in the targets). The ratios quoted before this measurement",
              "came from PyGAS timed on a loaded machine and were about twice these.",
              "",
              f"The targets marked \"{PYGAS_TAG}\"",
              "set the midpoints of this table's PyGAS figures against gas's own run in this report,",
              "measured in a separate session: their ratios are indicative, the same-session ratios are",
              "the ones in this table."]
    if sbm:
        lines += ["",
                  f"1M stochastic block model, gas in this run: training epoch {sbm[0]:.1f} s, METIS {sbm[1]:.1f} s.",
                  "No PyGAS figure for it was measured side by side (the earlier one came from a loaded",
                  "machine and is likely overstated about 2x), so no ratio is given."]
    return lines + [""]


def load_json(path):
    with open(path) as f:
        return json.load(f)


def metrics(run_dir):
    """Every per-epoch record of a run directory (all runs)."""
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def epochs(run_dir):
    """Per-epoch records of a run directory, without the warm-up epoch."""
    rows = metrics(run_dir)
    return rows[1:] if len(rows) > 1 else rows


def median_over(dirs, key):
    values = [r[key] for d in dirs for r in epochs(d) if key in r]
    return statistics.median(values) if values else float("nan")


def verdict(ok):
    """True, False, or a qualified verdict spelled out ("bandwidth-bound")."""
    if isinstance(ok, str):
        return ok
    return "yes" if ok else "**no**"


def machine_line():
    """Where and when the figures were measured, for the README."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"Measured {time.strftime('%Y-%m-%d', time.gmtime())} on {cpu}, {os.cpu_count()} cores."


def splice_readme(name, lines, readme="README.md"):
    """Replaces what README.md holds between <!-- name --> and <!-- /name -->."""
    begin, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    with open(readme) as f:
        text = f.read()
    if begin not in text or end not in text:
        sys.exit(f"report.py: {readme} lacks the markers {begin} ... {end}")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    with open(readme + ".tmp", "w") as f:
        f.write(head + begin + "\n" + "\n".join(lines) + "\n" + end + tail)
    os.replace(readme + ".tmp", readme)


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script.encode(), check=True)


def scaling(results, report_dir):
    """The memory/epoch-time table and plot of scripts/scaling.sh's runs:
    (markdown lines, flatness target or None)."""
    root = os.path.join(results, "scaling")
    rows = []
    for n in sorted(int(os.path.basename(p)) for p in glob.glob(os.path.join(root, "gas", "*"))):
        row = {"n": n}
        for mode in ("gas", "full"):
            run_dir = os.path.join(root, mode, str(n))
            if os.path.exists(os.path.join(run_dir, "summary.json")):
                s = load_json(os.path.join(run_dir, "summary.json"))
                row[mode] = (s["train_peak_rss_mb"], s["static_data_mb"], median_over([run_dir], "train_s"))
        rows.append(row)
    if not rows:
        return [], None
    nan = (float("nan"),) * 3
    lines = ["## Memory as the graph grows (fixed part size)", "",
             "GCN on random geometric graphs, parts of 5,000 nodes, 10 per batch; full batch = one batch holding",
             "the whole graph. Peak = peak RSS during training and evaluation (loading and partitioning, which",
             "peak earlier and free their buffers, excluded); static = what the run holds whatever the batch",
             "size (features, labels, graph, partition, the evaluation batches' copy of the graph, the batch",
             "builders' node index, histories, the N x classes output); compute memory = peak - static.", "",
             "| nodes | GAS peak (MB) | GAS static | GAS compute | GAS epoch (s) | full peak (MB) | full static | "
             "full compute | full epoch (s) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    # The plot's data stays with the measurements; only the figure goes in the repository.
    dat_path = os.path.join(root, "scaling.dat")
    with open(dat_path, "w") as dat:
        dat.write("# nodes gas_peak gas_compute gas_epoch full_peak full_compute full_epoch\n")
        for r in rows:
            g, f = r.get("gas", nan), r.get("full", nan)
            lines.append(f"| {r['n']:,} | {g[0]:.0f} | {g[1]:.0f} | {g[0] - g[1]:.0f} | {g[2]:.2f} | "
                         f"{f[0]:.0f} | {f[1]:.0f} | {f[0] - f[1]:.0f} | {f[2]:.2f} |")
            dat.write(f"{r['n']} {g[0]} {g[0] - g[1]} {g[2]} {f[0]} {f[0] - f[1]} {f[2]}\n")
    lines.append("")
    gnuplot(f"""
set terminal png size 900,420 font ',10'
set output '{report_dir}/scaling.png'
set multiplot layout 1,2
set logscale x 2
set xlabel 'nodes (millions)'
set key top left
set grid
set title 'Compute memory (training peak RSS - static data)'
set ylabel 'MB'
plot '{dat_path}' using ($1/1e6):3 with linespoints lw 2 title 'GAS', \\
     '' using ($1/1e6):6 with linespoints lw 2 title 'full batch'
set title 'Training epoch'
set ylabel 'seconds'
plot '{dat_path}' using ($1/1e6):4 with linespoints lw 2 title 'GAS', \\
     '' using ($1/1e6):7 with linespoints lw 2 title 'full batch'
unset multiplot
""")
    lines += ["![memory and epoch time versus graph size](scaling.png)", ""]
    compute = [r["gas"][0] - r["gas"][1] for r in rows if "gas" in r]
    mean = statistics.mean(compute)
    spread = max(abs(c - mean) / mean for c in compute)
    target = ("GAS compute memory flat (within 15% of its mean) from 0.25M to 4M nodes",
              f"{min(compute):.0f}-{max(compute):.0f} MB", spread, spread <= 0.15)
    return lines, target


def perf(results, report_dir):
    os.makedirs(report_dir, exist_ok=True)
    lines = ["# Performance report", "",
             "Generated by `scripts/perf_report.sh` (do not edit by hand). Ratios compare",
             "configurations measured in the same run (the \"vs PyGAS\" targets excepted: their PyGAS",
             "figures come from a separate session, see the PyGAS section); absolute times on a shared",
             "2-core machine are noise.", "", "## Machine", "", "```"]
    with open(os.path.join(results, "machine.txt")) as f:
        lines += [line.rstrip() for line in f]
    lines += ["```", ""]
    targets = []

    # ---------------------------------------------------------- micro
    # Medians of the repetitions, by the benchmark's own name.
    micro = {b["run_name"]: b for b in load_json(os.path.join(results, "micro.json"))["benchmarks"]
             if b.get("aggregate_name", "median") == "median"}

    def bw(name):
        return micro[name]["bandwidth_GBps"]

    gather64 = bw("BM_ReferenceRandomRowGather/64/real_time")
    gather256 = bw("BM_ReferenceRandomRowGather/256/real_time")
    copy = bw("BM_ReferenceStreamingCopy/real_time")
    gather_scaling = bw("BM_ReferenceGatherThreads/threads:2/real_time") / bw(
        "BM_ReferenceGatherThreads/threads:1/real_time")
    lines += ["## Micro-benchmarks (1M-node graphs, average degree 10)", "",
              "Medians of three repetitions run in random order. "
              f"References measured in the same run: streaming copy **{copy:.2f} GB/s**, random-row gather "
              f"**{gather64:.2f} GB/s** (64 floats a row) and **{gather256:.2f} GB/s** (256).", "",
              "| benchmark | GB/s | of reference |", "|---|---:|---:|"]
    for name, b in sorted(micro.items()):
        if "bandwidth_GBps" not in b or name.startswith("BM_Reference"):
            continue
        ref = gather256 if "F:256" in name else (copy if "Push" in name or "Dropout" in name else gather64)
        lines.append(f"| `{name.replace('/real_time', '')}` | {b['bandwidth_GBps']:.2f} | {100 * b['bandwidth_GBps'] / ref:.0f}% |")
    lines.append("")
    built = [micro[f"BM_MakeBatchRGG/transpose:{t}/real_time"]["real_time"] for t in (0, 1)]
    lines += ["Batch construction, what on-the-fly loading adds to an epoch (10 METIS parts of 5,000 nodes",
              f"of the 1M random geometric graph, 64 features): **{built[0]:.2f} ms** for a batch of a graph",
              f"marked symmetric, **{built[1]:.2f} ms** when the batch also builds its transpose (a graph not",
              "known to be symmetric). `BM_BatchSpMMBackward` is the backward pass on such a batch: path 0",
              "reads the symmetric block as its own transpose and indexes the halo's columns in the pass, 1",
              "indexes every column in the pass, 2 gathers over a transpose built beforehand, 3 reads the",
              "symmetric block and gathers the halo's columns over their slice of such a transpose; halo:1",
              "is a batch of the random graph whose halo holds most entries.", ""]
    for order, label in ((0, "random order"), (1, "METIS order")):
        spmm = bw(f"BM_SpMMForward/F:64/reduce:0/metis:{order}/real_time")
        targets.append((f"SpMM sum, 64 features, {label}: at least 50% of the gather reference",
                        f"{spmm:.2f} vs {gather64:.2f} GB/s", spmm / gather64, spmm / gather64 >= 0.5))
        fresh = bw(f"BM_SpMMForwardFreshOutput/metis:{order}/real_time")
        targets.append((f"... into a new output each call (its page faults included)",
                        f"{fresh:.2f} vs {gather64:.2f} GB/s", fresh / gather64, fresh / gather64 >= 0.5))
        one = bw(f"BM_SpMMThreads/metis:{order}/threads:1/real_time")
        two = bw(f"BM_SpMMThreads/metis:{order}/threads:2/real_time")
        # The target holds where the machine's bandwidth allows it: when the
        # gather reference itself gains less than 1.6x from a second thread,
        # SpMM is held to the reference's own gain.
        ceiling = min(1.6, gather_scaling)
        met = True if two / one >= 1.6 else ("bandwidth-bound" if two / one >= 0.9 * ceiling else False)
        targets.append((f"SpMM sum, {label}: at least 1.6x from 1 to 2 threads (the gather reference: "
                        f"{gather_scaling:.2f}x)", f"{one:.2f} -> {two:.2f} GB/s", two / one, met))
    pull = bw("BM_HistoryPull/F:64/real_time")
    push = bw("BM_HistoryPushChunks/F:64/real_time")
    targets.append(("History pull: at least 60% of the gather reference", f"{pull:.2f} vs {gather64:.2f} GB/s",
                    pull / gather64, pull / gather64 >= 0.6))
    targets.append(("History push: at least 60% of the copy reference", f"{push:.2f} vs {copy:.2f} GB/s",
                    push / copy, push / copy >= 0.6))
    ours = micro["BM_Dropout/libtorch:0/real_time"]["real_time"]
    theirs = micro["BM_Dropout/libtorch:1/real_time"]["real_time"]
    targets.append(("Dropout masks faster than LibTorch's bernoulli_", f"{ours:.1f} vs {theirs:.1f} ms",
                    theirs / ours, theirs > ours))
    for shape, label in ((0, "a Cora batch, 1,500 x 1,433 -> 16"), (1, "a CiteSeer batch, 1,200 x 3,703 -> 16"),
                         (2, "a synthetic-1m batch, 50,000 x 64 -> 64")):
        fused = micro[f"BM_DropoutMatmul/shape:{shape}/composed:0/masked:1/real_time"]["real_time"]
        composed = micro[f"BM_DropoutMatmul/shape:{shape}/composed:1/masked:1/real_time"]["real_time"]
        targets.append((f"Dropout fused into the first layer's product, forward + weight gradient ({label}): "
                        "faster than dropout then LibTorch's GEMM", f"{fused:.2f} vs {composed:.2f} ms",
                        composed / fused, fused < composed))
    # The partition step (gas::metis: METIS's input built from the graph, the
    # call, the parts grouped) against the bare METIS call on prepared arrays.
    metis_runs = [("1M", micro)]
    metis_10m = os.path.join(results, "metis_10m.json")
    if os.path.exists(metis_10m):
        metis_runs.append(("10M", {b["run_name"]: b for b in load_json(metis_10m)["benchmarks"]}))
    for nodes, bench in metis_runs:
        step = {k: bench[f"BM_Metis/step:{k}/iterations:1/real_time"]["real_time"] for k in (0, 1, 2)}
        targets.append((f"Partition step within 1.2x of the bare METIS call ({nodes}-node random geometric graph, "
                        "as a run hands it over)", f"{step[1]:.2f} vs {step[0]:.2f} s", step[1] / step[0],
                        step[1] / step[0] <= 1.2))
        targets.append((f"... the same graph given directed, symmetrised in the step (not a target)",
                        f"{step[2]:.2f} vs {step[0]:.2f} s", step[2] / step[0], "informational"))

    # ------------------------------------------------------- end to end
    e2e = os.path.join(results, "e2e")

    def runs(name):
        return sorted(glob.glob(os.path.join(e2e, name, "*")))

    def train(name):
        return median_over(runs(name), "train_s")

    names = ["gas", "gas_precomputed", "gas_precomputed_1thread", "gas_worker", "gas_worker_2threads", "gas_async",
             "full_random_order", "full_metis_order", "gas_full_eval"]
    lines += ["## End to end: GCN on a 1M-node random geometric graph", "",
              "2 layers, 64 hidden, 64 features, 200 METIS parts of 5,000 nodes, 10 parts per batch. Median",
              "over epochs 2-6 of three interleaved repetitions.", "",
              "| configuration | train epoch (s) | wait for batches | forward | backward | history pull | history push | eval (s) | peak RSS (MB) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in names:
        dirs = runs(name)
        rss = max(load_json(os.path.join(d, "summary.json"))["peak_rss_mb"] for d in dirs)
        cells = [median_over(dirs, k) for k in ("train_s", "wait_s", "forward_s", "backward_s", "pull_s", "push_s", "eval_s")]
        lines.append(f"| {name} | " + " | ".join(f"{c:.3f}" for c in cells) + f" | {rss:.0f} |")
    lines.append("")
    gas, pre = train("gas"), train("gas_precomputed")
    targets.append(("On-the-fly batches within 1.1x of precomputed ones", f"{gas:.3f} vs {pre:.3f} s", gas / pre,
                    gas / pre <= 1.1))
    best_worker = min(train("gas_worker"), train("gas_worker_2threads"))
    targets.append(("... with a background loader thread instead", f"{best_worker:.3f} vs {pre:.3f} s",
                    best_worker / pre, best_worker / pre <= 1.1))
    # Hiding needs a core the compute does not use; with compute on one
    # thread the loader thread (gas_worker) has the other.
    worker, pre1 = train("gas_worker"), train("gas_precomputed_1thread")
    targets.append(("... loader thread on a core of its own (compute on 1 thread, against precomputed on 1 thread)",
                    f"{worker:.3f} vs {pre1:.3f} s", worker / pre1, worker / pre1 <= 1.1))
    for full in ("full_random_order", "full_metis_order"):
        f = train(full)
        targets.append((f"GAS epoch within 1.5x of a full-batch epoch ({full.replace('full_', '').replace('_', ' ')})",
                        f"{gas:.3f} vs {f:.3f} s", gas / f, gas / f <= 1.5))
    # Not a target: whether the asynchronous pool pays on CPU, the reason
    # sync is the default there.
    targets.append(("Asynchronous history I/O against sync, the CPU default (not a target)",
                    f"{train('gas_async'):.3f} vs {gas:.3f} s", train("gas_async") / gas, "informational"))
    gas_eval = median_over(runs("gas"), "eval_s")
    full_eval = median_over(runs("gas_full_eval"), "eval_s")
    targets.append(("Full-batch evaluation within 1.5x of layer-wise inference (same graph and weights)",
                    f"{full_eval:.3f} vs {gas_eval:.3f} s", full_eval / gas_eval, full_eval / gas_eval <= 1.5))
    gas_rss = max(load_json(os.path.join(d, "summary.json"))["peak_rss_mb"] for d in runs("gas"))
    targets.append((f"{PYGAS_TAG}, 1M random geometric graph: training epoch at least 3x faster",
                    f"{gas:.2f} vs {PYGAS['rgg_train_s']:.3f} s", PYGAS["rgg_train_s"] / gas,
                    PYGAS["rgg_train_s"] / gas >= 3))
    targets.append((f"{PYGAS_TAG}: evaluation (gas layer-wise, PyGAS full-batch)",
                    f"{gas_eval:.2f} vs {PYGAS['rgg_eval_s']:.2f} s", PYGAS["rgg_eval_s"] / gas_eval,
                    gas_eval <= PYGAS["rgg_eval_s"]))
    targets.append((f"{PYGAS_TAG}: no more peak memory", f"{gas_rss:.0f} vs {PYGAS['rgg_rss_mb']:.0f} MB",
                    PYGAS["rgg_rss_mb"] / gas_rss, gas_rss <= PYGAS["rgg_rss_mb"]))
    # The stochastic block model has no PyGAS figure measured side by side:
    # its figures go in the PyGAS section, without a ratio.
    sbm = runs("sbm")
    sbm_figures = None
    if sbm:
        sbm_figures = (median_over(sbm, "train_s"), load_json(os.path.join(sbm[0], "summary.json"))["partition_s"])

    # -------------------------------------------------- small graphs
    small_ms = {}
    for d in ("cora", "citeseer"):
        for features, key in (("sparse", f"{d}_epoch_ms"), ("dense", f"{d}_dense_epoch_ms")):
            path = os.path.join(results, "small", f"{d}-{features}", "summary.json")
            if os.path.exists(path):
                ms = small_ms[d, features] = 1000 * load_json(path)["median_epoch_s"]
                label = "" if features == "sparse" else ", dense features (`params.sparse_features=false`)"
                targets.append((f"{PYGAS_TAG}, GCN on {d}{label}: epoch (train + eval) at least 10x faster",
                                f"{ms:.1f} vs {PYGAS[key]:.1f} ms", PYGAS[key] / ms, PYGAS[key] / ms >= 10))

    scaling_lines, scaling_target = scaling(results, report_dir)
    lines += scaling_lines
    if scaling_target:
        targets.append(scaling_target)

    # ------------------------------------------------------ targets
    table = ["## Targets", "", "| target | measured | ratio | met |", "|---|---|---:|:---:|"]
    for name, measured, ratio, ok in targets:
        table.append(f"| {name} | {measured} | {ratio:.2f} | {verdict(ok)} |")
    table.append("")
    peer_args = (results, small_ms, {"train_s": gas, "eval_s": gas_eval, "rss_mb": gas_rss})
    splice_readme("performance", [machine_line(), ""] + table[2:] + pygas_section(3, sbm_figures) +
                  pyg_section(3, *peer_args)[:-1])
    peers = pyg_section(2, *peer_args)
    lines = lines[:lines.index("## Micro-benchmarks (1M-node graphs, average degree 10)")] + table + \
        pygas_section(2, sbm_figures) + peers + \
        lines[lines.index("## Micro-benchmarks (1M-node graphs, average degree 10)"):]
    with open(os.path.join(report_dir, "performance.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def pyg_section(level, results, small_ms, rgg):
    """PyG's full-batch GCN and Cluster-GCN (scripts/pyg_peers.py, this run)
    beside gas on the same graphs: small_ms[(dataset, "sparse")] is gas's
    epoch (train + eval, ms) on Cora and CiteSeer, rgg gas's training epoch,
    evaluation and peak RSS on synthetic-1m."""
    lines = ["#" * level + " PyG, measured in this run", ""]
    found = {}
    for path in sorted(glob.glob(os.path.join(results, "pyg", "*.log"))):
        with open(path) as f:
            last = [line for line in f if line.startswith("{")]
        if last:
            r = json.loads(last[-1])
            found.setdefault((r["dataset"], r["method"]), []).append(r)
    if not found:
        return lines + ["Not measured: the peers need `scripts/install_pyg.sh` (PyG with torch_sparse's METIS).", ""]
    first = next(iter(found.values()))[0]
    lines += [f"PyTorch Geometric {first['pyg']} on torch {first['torch']} ({first['threads']} threads), timed by",
              "`scripts/pyg_peers.py` after gas's runs in this same run, on the same graphs (synthetic-1m written",
              "to disk by `gas_data write`) with gas's hyper-parameters: `full` is a full-batch GCN (normalised",
              "adjacency cached), `cluster` PyG's Cluster-GCN (`ClusterData` over the same number of METIS parts,",
              "`ClusterLoader` with the same batch size; edges between batches dropped, evaluation full-batch).",
              "Medians over the timed epochs, then over two repetitions; ratio = PyG / gas (above 1: gas",
              "faster). Accuracy after the peer's few timed epochs, for orientation only (gas trains its",
              "configured epochs).", "",
              "| graph | peer | peer train epoch | peer eval | gas | ratio | peer peak RSS | peer test acc |",
              "|---|---|---:|---:|---:|---:|---:|---:|"]
    for (dataset, method), rs in sorted(found.items()):
        train = statistics.median(r["train_s"] for r in rs)
        ev = statistics.median(r["eval_s"] for r in rs)
        rss = max(r["peak_rss_mb"] for r in rs)
        acc = statistics.median(r["test_acc"] for r in rs)
        if dataset == "synthetic-1m":
            ours, what = rgg["train_s"], f"{rgg['train_s']:.3f} s train"
            theirs = train
        else:
            ms = small_ms.get((dataset, "sparse"))
            if ms is None:
                continue
            ours, what, theirs = ms / 1000, f"{ms:.1f} ms train + eval", train + ev
        lines.append(f"| {dataset} | {method} | {train:.3f} s | {ev:.3f} s | {what} | {theirs / ours:.1f} | "
                     f"{rss:.0f} MB | {100 * acc:.1f} |")
    lines += ["", f"gas on synthetic-1m in this run: evaluation {rgg['eval_s']:.3f} s (layer-wise), peak RSS "
              f"{rgg['rss_mb']:.0f} MB.", ""]
    return lines


def spread(dirs, key):
    """How far a figure's repetitions lie apart, over their median: the
    medians of several runs, or the epochs of a single one."""
    values = [median_over([d], key) for d in dirs] if len(dirs) > 1 else [e[key] for e in epochs(dirs[0])]
    values = [v for v in values if v == v]
    mid = statistics.median(values) if values else 0.0
    return (max(values) - min(values)) / mid if mid else float("nan")


def figures(results):
    """Every figure perf_report.sh measures, by row name: (value, relative
    spread over its repetitions, unit). Lower is better for all of them."""
    rows = {}
    nan = float("nan")
    micro = load_json(os.path.join(results, "micro.json"))["benchmarks"]
    cv = {b["run_name"]: b["real_time"] for b in micro if b.get("aggregate_name") == "cv"}
    for b in micro:
        if b.get("aggregate_name") == "median":
            # The coefficient of variation of three repetitions; twice it
            # stands for their range.
            rows[f"micro {b['run_name'].replace('/real_time', '')}"] = (
                b["real_time"], 2 * cv.get(b["run_name"], nan), b["time_unit"])
    for run in sorted(glob.glob(os.path.join(results, "e2e", "*"))):
        name = os.path.basename(run)
        reps = sorted(glob.glob(os.path.join(run, "*")))
        for key in ("train_s", "eval_s"):
            rows[f"e2e {name} {key}"] = (median_over(reps, key), spread(reps, key), "s")
        rss = [load_json(os.path.join(r, "summary.json"))["peak_rss_mb"] for r in reps]
        rows[f"e2e {name} peak RSS"] = (max(rss), (max(rss) - min(rss)) / statistics.median(rss), "MB")
    for run in sorted(glob.glob(os.path.join(results, "scaling", "*", "*"))):
        mode, n = run.split(os.sep)[-2:]
        rows[f"scaling {mode} {int(n):,} train_s"] = (median_over([run], "train_s"), spread([run], "train_s"), "s")
        rows[f"scaling {mode} {int(n):,} train peak RSS"] = (
            load_json(os.path.join(run, "summary.json"))["train_peak_rss_mb"], nan, "MB")
    for path in sorted(glob.glob(os.path.join(results, "small", "*", "summary.json"))):
        rows[f"small {os.path.basename(os.path.dirname(path))} epoch"] = (
            1000 * load_json(path)["median_epoch_s"], nan, "ms")
    return rows


def compare(baseline, results):
    """new/old for every row both runs measured; a row is flagged when it is
    more than 10% slower (or bigger) beyond the larger of the two sides'
    spreads."""
    old, new = figures(baseline), figures(results)
    lines = ["# New against baseline", "",
             f"Baseline: {baseline}; new: {results}; measured interleaved by `scripts/perf_report.sh`.",
             "Spread: the range of a figure's repetitions over their median (micro-benchmarks: twice the",
             "coefficient of variation of three repetitions; end to end: the range of the three repetitions'",
             "medians; single runs: the range of their epochs). Flagged: new/old above 1.10 and above",
             "1 + the larger spread.", "",
             "| row | old | new | unit | new/old | spread old | spread new | |", "|---|---:|---:|---|---:|---:|---:|---|"]
    ratios, flagged = [], []
    for name in sorted(old.keys() & new.keys()):
        (o, so, unit), (n, sn, _) = old[name], new[name]
        ratio = n / o if o else float("nan")
        noise = max((s for s in (so, sn) if s == s), default=0.0)
        bad = ratio > 1.10 and ratio > 1 + noise
        ratios.append((ratio, name))
        if bad:
            flagged.append(name)
        lines.append(f"| {name} | {o:.4g} | {n:.4g} | {unit} | {ratio:.3f} | {100 * so:.0f}% | {100 * sn:.0f}% | "
                     f"{'**worse**' if bad else ''} |")
    for name in sorted(old.keys() ^ new.keys()):
        lines.append(f"| {name} | {'-' if name not in old else f'{old[name][0]:.4g}'} | "
                     f"{'-' if name not in new else f'{new[name][0]:.4g}'} | | only one side | | | |")
    measured = [r for r in ratios if r[0] == r[0]]
    worst = max(measured)
    lines += ["", f"{len(measured)} rows; new/old: median {statistics.median(r for r, _ in measured):.3f}, "
              f"worst {worst[0]:.3f} ({worst[1]}); flagged: {', '.join(flagged) if flagged else 'none'}."]
    with open(os.path.join(results, "compare.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def reproduce(suite, results, report_dir):
    os.makedirs(report_dir, exist_ok=True)
    lines = [f"# Reproduction: {suite} benchmark", "",
             f"Generated by `scripts/reproduce.sh {suite}` (do not edit by hand): every model x dataset",
             "present under the data root, the paper's hyper-parameters (configs/), mean +- standard",
             "deviation over runs of the test metric at the best validation epoch.", ""]
    table = ["| model | dataset | ours | runs | GAS paper | difference | within 1.5 | epoch (ms) | peak RSS (MB) |",
             "|---|---|---:|---:|---:|---:|:---:|---:|---:|"]
    for path in sorted(glob.glob(os.path.join(results, "*", "summary.json"))):
        s = load_json(path)
        model, dataset = s["config"]["model"], s["config"]["dataset"]
        paper = PAPER_SMALL.get((model, dataset)) if suite == "small" else None
        diff = f"{s['mean'] - paper:+.2f}" if paper is not None else "-"
        ok = verdict(abs(s["mean"] - paper) <= 1.5) if paper is not None else "-"
        table.append(f"| {model} | {dataset} | {s['mean']:.2f} ± {s['std']:.2f} | {len(s['runs'])} | "
                     f"{paper if paper is not None else '-'} | {diff} | {ok} | {1000 * s['median_epoch_s']:.1f} | "
                     f"{s['peak_rss_mb']:.0f} |")
    lines += table + [""]
    scaling_lines = scaling(results, report_dir)[0]
    lines += scaling_lines
    readme = table
    if scaling_lines:
        readme = readme + ["", "![memory and epoch time versus graph size](scripts/reports/scaling.png)"]
    splice_readme(f"reproduction:{suite}", [machine_line(), ""] + readme)
    with open(os.path.join(report_dir, f"reproduction_{suite}.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


# The cost model's network (assumptions, stated in the report): per-message
# latency, and the link speeds it predicts for.
LATENCY_S = 20e-6
LINKS_GBPS = (25, 100)
PAPERS100M = {"nodes": 111_059_956, "edges": 1_615_685_872}


def distributed(results, report_dir):
    """scripts/distributed.sh's measurements and the cost model built on them:
    REPORT_DIR/distributed.md and distributed.png."""
    runs = {}
    for k in (1, 2, 4):
        path = os.path.join(results, f"k{k}.json")
        if os.path.exists(path):
            runs[k] = load_json(path)
    if 1 not in runs:
        sys.exit(f"report.py: no {results}/k1.json (run scripts/distributed.sh)")
    parts = {}
    for name in ("synthetic-1m", "synthetic-sbm-1m", "synthetic-10m"):
        path = os.path.join(results, f"partition_{name}.json")
        if os.path.exists(path):
            parts[name] = {p["ranks"]: p for p in load_json(path)["partitions"]}

    lines = ["# Data-parallel GAS: measured on one machine, modelled beyond it", "",
             machine_line() + " Produced by `scripts/distributed.sh` (`python3 scripts/report.py distributed`).", "",
             "## Measured: GCN on synthetic-1m with K processes on this machine", "",
             "Every process runs on the same 2 cores (gas_launch, loopback TCP): the times show the cost of "
             "sharing them, not a speed-up. Memory and bytes are what K machines would hold and move. With K > 1 "
             "each process reads its own shard of a set written beforehand (`gas_data partition ... out=`), so its "
             "peak never includes the whole graph; the K = 1 process loads and partitions the graph itself.", "",
             "| K | test acc. (3 runs) | static data per rank (MiB) | peak RSS per rank (MiB) | training peak RSS per rank (MiB) | "
             "halo all-to-all per evaluation (MB, all ranks) | gradient all-reduce per step (kB) | "
             "epoch train / eval (s) |", "|---|---|---|---|---|---|---|---|"]
    for k, j in sorted(runs.items()):
        d = j.get("distributed", {})
        e = j["epochs"]
        run_dir = os.path.join(results, f"k{k}")
        train_s, eval_s = median_over([run_dir], "train_s"), median_over([run_dir], "eval_s")
        # The flat buffer: every parameter, the loss, the count and the stop flag, in float64.
        grad_kb = (j.get("parameters", 0) + 3) * 8 / 1000
        # Every evaluation (and each run's fill pass before its first epoch) refreshes each history once.
        halo_mb = d.get("received_mb", {}).get("all_to_all", 0) * 1.048576 / (len(j["runs"]) * (e + 1))
        lines.append(f"| {k} | {j['mean']:.2f} ± {j['std']:.2f} | {' / '.join(f'{m:.0f}' for m in d.get('rank_static_data_mb', [j['static_data_mb']]))} | "
                     f"{' / '.join(f'{m:.0f}' for m in d.get('rank_peak_rss_mb', [j['peak_rss_mb']]))} | "
                     f"{' / '.join(f'{m:.0f}' for m in d.get('rank_train_peak_rss_mb', [j['train_peak_rss_mb']]))} | "
                     f"{halo_mb:.1f} | {grad_kb:.0f} | {train_s:.2f} / {eval_s:.2f} |")

    if parts:
        lines += ["", "## Measured: halos from the partition alone (`gas_data partition`, METIS rank blocks)", "",
                  "| graph | K | cut % | halo rows per rank (mean / max) | halo / own | MB per refresh, width 64 |",
                  "|---|---|---|---|---|---|"]
        for name, by_k in parts.items():
            for k, p in sorted(by_k.items()):
                halo = p["halo"]
                own = sum(p["own"])
                lines.append(f"| {name} | {k} | {p['cut_percent']:.2f} | {statistics.mean(halo):.0f} / {max(halo)} | "
                             f"{sum(halo) / own:.3f} | {p['refresh_bytes'] / 1e6:.1f} |")

    # ---- the model
    base = runs[1]
    n1 = base["num_nodes"]
    run_dir = os.path.join(results, "k1")
    train_per_node = median_over([run_dir], "train_s") / n1
    eval_per_node = median_over([run_dir], "eval_s") / n1
    cfg = base["config"]["params"]["synthetic-1m"]
    width = cfg["architecture"]["hidden_channels"]
    histories = cfg["architecture"]["num_layers"] - 1
    part_size = n1 / cfg["num_parts"]
    batch = cfg["batch_size"]
    grad_bytes = (base.get("parameters", 0) + 3) * 8

    def halo_fraction(graph_parts, k, nodes, exponent=None):
        """Max halo rows per rank over own rows per rank, at K ranks."""
        p = graph_parts[k]
        frac = max(p["halo"]) / (sum(p["own"]) / k)
        if exponent is not None:  # per-rank halo ~ (own rows)^exponent: frac ~ (nodes / k)^(exponent - 1)
            frac *= (nodes / sum(p["own"])) ** (exponent - 1)
        return frac

    exponent = None
    if "synthetic-1m" in parts and "synthetic-10m" in parts:
        common = sorted(set(parts["synthetic-1m"]) & set(parts["synthetic-10m"]))
        if common:
            k = common[-1]
            h1 = max(parts["synthetic-1m"][k]["halo"])
            h10 = max(parts["synthetic-10m"][k]["halo"])
            exponent = math.log(h10 / h1) / math.log(10)

    def epoch_time(nodes, k, frac, gbps):
        bw = gbps * 1e9 / 8
        compute = (train_per_node + eval_per_node) * nodes / k
        steps = math.ceil(nodes / part_size / k / batch)
        allreduce = steps * (2 * (k - 1) / k * grad_bytes / bw + 2 * (k - 1) * LATENCY_S)
        refresh_bytes = frac * nodes / k * width * 4
        # Refreshes per epoch: one per history in evaluation (halo_refresh=epoch, evaluated every epoch).
        refresh = histories * (refresh_bytes / bw + (k - 1) * LATENCY_S)
        return compute, allreduce, refresh

    scenarios = []
    if "synthetic-10m" in parts:
        scenarios.append(("synthetic-10m (measured halos)", 10_000_000,
                          lambda k: halo_fraction(parts["synthetic-10m"], k, 10_000_000)))
    if exponent is not None and "synthetic-10m" in parts:
        scenarios.append(("papers100M-sized, geometric halos (extrapolated)", PAPERS100M["nodes"],
                          lambda k: halo_fraction(parts["synthetic-10m"], k, PAPERS100M["nodes"], exponent)))
    if "synthetic-sbm-1m" in parts:
        scenarios.append(("papers100M-sized, block-model halos (no locality)", PAPERS100M["nodes"],
                          lambda k: halo_fraction(parts["synthetic-sbm-1m"], k, PAPERS100M["nodes"])))
    machines = [k for k in (8, 16, 64) if all(k in by_k for by_k in parts.values())] if parts else []
    lines += ["", "## Modelled: epoch time on 8, 16 and 64 machines", "",
              "Measured inputs: this machine's training and evaluation time per node of the K = 1 run "
              f"({1e6 * train_per_node:.2f} and {1e6 * eval_per_node:.2f} µs), the gradient all-reduce's bytes per "
              f"step ({grad_bytes / 1e3:.0f} kB: float64, every parameter), and the largest halo per rank of METIS "
              "rank blocks (above). Modelled: compute divides evenly over K machines of this machine's speed; "
              "the halo adds no compute; a ring all-reduce costs 2(K-1)/K of its bytes over the link plus "
              f"2(K-1) latencies of {1e6 * LATENCY_S:.0f} µs; a halo refresh costs the largest rank's halo bytes "
              "over the link plus K-1 latencies, once per history per epoch (evaluation every epoch, "
              "halo_refresh=epoch); no overlap of communication and compute. "
              f"The papers100M-sized graph ({PAPERS100M['nodes'] / 1e6:.0f}M nodes, {PAPERS100M['edges'] / 1e9:.1f}B "
              "edges, 128 features) is not generated here: its halos are extrapolated from the geometric graphs "
              + (f"(halo per rank ~ (nodes per rank)^{exponent:.2f}, fitted on synthetic-1m vs synthetic-10m)" if exponent else "")
              + " and, as the pessimistic case, taken at the block model's halo/own ratio; real citation graphs "
              "lie between. Per-node compute is taken as synthetic-1m's (64 features; 128 would cost more).", "",
              "| graph | machines | link | compute (s) | all-reduce (s) | halo refresh (s) | epoch (s) |",
              "|---|---|---|---|---|---|---|"]
    dat = []
    for name, nodes, frac in scenarios:
        for k in machines:
            for gbps in LINKS_GBPS:
                c, a, r = epoch_time(nodes, k, frac(k), gbps)
                lines.append(f"| {name} | {k} | {gbps} Gb/s | {c:.2f} | {a:.3f} | {r:.3f} | {c + a + r:.2f} |")
                dat.append((name, gbps, k, c + a + r))
    lines += ["", "![modelled epoch time](distributed.png)", ""]
    with open(os.path.join(report_dir, "distributed.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if dat:
        dat_path = os.path.join(results, "model.dat")
        series = sorted({(name, gbps) for name, gbps, _, _ in dat})
        with open(dat_path, "w") as f:
            for name, gbps in series:
                f.write(f'# "{name}, {gbps} Gb/s"\n')
                for n, g, k, t in dat:
                    if (n, g) == (name, gbps):
                        f.write(f"{k} {t}\n")
                f.write("\n\n")
        plots = ", ".join(f"'{dat_path}' index {i} using 1:2 with linespoints lw 2 title '{name}, {gbps} Gb/s'"
                          for i, (name, gbps) in enumerate(series))
        gnuplot(f"""
set terminal png size 900,480 font ',10'
set output '{report_dir}/distributed.png'
set logscale xy
set xtics (8, 16, 64)
set xrange [6:80]
set xlabel 'machines'
set ylabel 'modelled epoch time (s)'
set key outside below
plot {plots}
""")
    print("\n".join(lines))


# scripts/staleness.sh's settings and methods, in the report's order.
STALENESS_SETTINGS = [
    ("cora", "GCN, Cora, paper partition (40 parts, 10 per batch)"),
    ("citeseer", "GCN, CiteSeer, paper partition (24 parts, 8 per batch)"),
    ("cora-40x1", "GCN, Cora, 40 parts, 1 per batch"),
    ("cora-random", "GCN, Cora, random partition (40 parts, 10 per batch)"),
    ("appnp-cora", "APPNP K=10, Cora, 40 parts, 10 per batch"),
    ("appnp-citeseer", "APPNP K=10, CiteSeer, 24 parts, 8 per batch"),
    ("appnp-cora-random", "APPNP K=10, Cora, random partition (40 parts, 10 per batch)"),
    ("appnp-citeseer-random", "APPNP K=10, CiteSeer, random partition (24 parts, 8 per batch)"),
    ("gcn2-cora", "GCNII 32 layers, Cora, 40 parts, 10 per batch"),
    ("sbm", "GCN, synthetic SBM (20,000 nodes, homophily 0.7), 40 parts, 10 per batch"),
    ("appnp-sbm", "APPNP K=10, synthetic SBM, 40 parts, 10 per batch"),
]
STALENESS_METHODS = [
    ("full", "full-batch"), ("plain", "plain GAS"), ("exact", "exact halos (refresh every step)"),
    ("fresh", "train-mode refresh every step"),
    ("refresh", "refresh twice per epoch"), ("momentum", "push momentum 0.5"), ("ob", "GraphFM-OB 0.5"),
]


def best_so_far(run_dir):
    """Per run, the test accuracy a run stopped after epoch e would report
    (test at the best validation epoch so far, the first of ties, as the
    trainer picks it), for every evaluated epoch: {run: [(epoch, test)]}."""
    curves, best = {}, {}
    for r in metrics(run_dir):
        if "val" not in r:
            continue
        b = best.get(r["run"])
        if b is None or r["val"] > b[0]:
            best[r["run"]] = b = (r["val"], r["test"])
        curves.setdefault(r["run"], []).append((r["epoch"], b[1]))
    return curves


def mean_curve(curves):
    """The mean over runs of best_so_far's curves, at the epochs all share."""
    epochs_ = sorted(set.intersection(*(set(e for e, _ in c) for c in curves.values())))
    by_run = [dict(c) for c in curves.values()]
    return [(e, statistics.mean(c[e] for c in by_run)) for e in epochs_]


def staleness_errors(run_dir, key="error"):
    """A staleness=true run's per-history mean of `key` (error or age) over
    the epochs after the first tenth; None without such a run."""
    if not os.path.exists(os.path.join(run_dir, "metrics.jsonl")):
        return None
    recs = [r["staleness"] for r in metrics(run_dir) if "staleness" in r]
    recs = recs[len(recs) // 10:]
    return [statistics.mean(r[l][key] for r in recs) for l in range(len(recs[0]))] if recs else None


def staleness(results, report_dir):
    """scripts/staleness.sh's runs: REPORT_DIR/staleness.md and staleness.png."""
    os.makedirs(report_dir, exist_ok=True)
    lines = ["# Stale histories: how stale, and what closes the gap (issue 17)", "",
             machine_line() + " Written by `scripts/staleness.sh` (RUNS runs per cell, 10 by default) and `report.py staleness`.", "",
             "Every setting runs with `params.eval_refresh=false`: evaluation does not write its exact embeddings",
             "into the histories (PyGAS's behaviour on large graphs), so only training keeps them. Accuracy is",
             "the test accuracy at the best validation epoch, mean ± std over runs. *exact halos* refreshes every",
             "history exactly after every step: the same batches and steps without a stale row, so *plain* to",
             "*exact* is what staleness costs and *exact* to *full-batch* what the minibatch schedule costs, as",
             "far as exact (eval-mode, dropout-free) halo rows stand for what training would push: *train-mode",
             "refresh every step* refreshes them in training mode instead (`refresh_mode=train`: dropout drawn",
             "as in the training step whose in-batch rows they are aggregated with, no gradients).",
             "*refresh twice per epoch* refreshes every max(2, steps / 2) steps (1.5 times per epoch on CiteSeer's",
             "3-step epochs).",
             "The paper's hyper-parameters otherwise, but 200 epochs for APPNP and GCNII (paper: 600 and 1000),",
             "100 on the SBM, and GCNII with 32 layers (paper's Cora: 64), for time.",
             "*closed* = (method - plain) / (full-batch - plain), given where the gap exceeds twice its standard",
             "error.", ""]
    found = [(name, title) for name, title in STALENESS_SETTINGS if os.path.isdir(os.path.join(results, name))]
    if not found:
        sys.exit(f"report.py: no settings under {results} (run scripts/staleness.sh)")
    header = "| setting | gap (full - plain ± 2 SE) | " + " | ".join(t for _, t in STALENESS_METHODS) + " |"
    lines += ["## Accuracy", "", header, "|---" * (len(STALENESS_METHODS) + 2) + "|"]
    timing = ["## Epochs to 99% of full-batch accuracy, accuracy at fixed epochs, cost", "",
              "Epochs until the mean over runs of the test accuracy a run stopped there would report reaches 99% of",
              "full-batch's final mean (- : not within the run); accuracy at a quarter, half and all of the epochs;",
              "median epoch time (training + evaluation) relative to plain GAS.", "",
              "| setting | method | epochs to 99% | at 1/4 | at 1/2 | at end | epoch time |", "|---|---|---:|---:|---:|---:|---:|"]
    closing = {}
    plot_data = {}
    for name, title in found:
        res, dirs = {}, {}
        for m, _ in STALENESS_METHODS:
            path = os.path.join(results, name, m + ".json")
            if os.path.exists(path):
                res[m] = load_json(path)
                dirs[m] = os.path.join(results, name, m)
        cells = []
        gap = se = None
        if "full" in res and "plain" in res:
            gap = res["full"]["mean"] - res["plain"]["mean"]
            se = math.sqrt(sum(res[m]["std"] ** 2 / len(res[m]["runs"]) for m in ("full", "plain")))
        for m, _ in STALENESS_METHODS:
            if m not in res:
                cells.append("")
                continue
            cell = f"{res[m]['mean']:.2f} ± {res[m]['std']:.2f}"
            if m not in ("full", "plain") and gap is not None and gap > 2 * se:
                closed = (res[m]["mean"] - res["plain"]["mean"]) / gap
                closing.setdefault(m, []).append((name, closed))
                cell += f" ({100 * closed:+.0f}%)"
            cells.append(cell)
        runs_n = len(res.get("plain", res.get("full", {"runs": []}))["runs"])
        gap_cell = "" if gap is None else f"{gap:+.2f} ± {2 * se:.2f}" + ("" if gap > 2 * se else " (noise)")
        lines.append(f"| {title} ({runs_n} runs) | {gap_cell} | " + " | ".join(cells) + " |")
        target = 0.99 * res["full"]["mean"] if "full" in res else None
        plain_s = median_over([dirs["plain"]], "train_s") + median_over([dirs["plain"]], "eval_s") if "plain" in dirs else None
        for m, label in STALENESS_METHODS:
            if m not in dirs:
                continue
            curve = mean_curve(best_so_far(dirs[m]))
            plot_data.setdefault(name, []).append((m, label, curve))
            last = curve[-1][0]
            at = {e: a for e, a in curve}
            pick = lambda frac: at.get(min(at, key=lambda e: abs(e - frac * last)), float("nan"))
            reach = next((e for e, a in curve if target is not None and a >= target), None)
            seconds = median_over([dirs[m]], "train_s") + median_over([dirs[m]], "eval_s")
            timing.append(f"| {name} | {label} | {reach if reach is not None else '-'} | {pick(0.25):.2f} | "
                          f"{pick(0.5):.2f} | {pick(1.0):.2f} | {f'{seconds / plain_s:.2f}x' if plain_s else ''} |")
    lines.append("")
    # The README shows the accuracy table as it is here.
    splice_readme("staleness", lines[lines.index(header):-1])
    verdict_lines = []
    for m, label in STALENESS_METHODS[2:]:
        wins = [n for n, c in closing.get(m, []) if c >= 0.5]
        verdict_lines.append(f"- {label}: closes at least half the gap in {len(wins)} of {len(closing.get(m, []))} "
                             f"settings with a gap beyond noise" + (f" ({', '.join(wins)})" if wins else ""))
    lines += ["Per method, over the settings whose gap exceeds twice its standard error:", ""] + verdict_lines + [""]
    lines += timing + [""]

    # Staleness by age and by depth, from each setting's staleness=true run.
    age_rows, depth_rows, bounds = [], [], None
    for name, title in found:
        run_dir = os.path.join(results, name, "plain-staleness")
        if not os.path.exists(os.path.join(run_dir, "summary.json")):
            continue
        st = load_json(os.path.join(run_dir, "summary.json"))["staleness"]
        bounds = st["age_bounds"]
        layers = st["by_age"]
        for l in sorted({0, len(layers) - 1}):
            cells = [f"{b['error']:.3f}" if b["error"] is not None else "" for b in layers[l]]
            rows_ = sum(b["rows"] for b in layers[l])
            age_rows.append(f"| {name} | h{l} of {len(layers)} | " + " | ".join(cells) + f" | {rows_:,} |")
        err, age = staleness_errors(run_dir), staleness_errors(run_dir, "age")
        if len(layers) > 1:
            picks = sorted({0, 1, len(err) // 4, len(err) // 2, 3 * len(err) // 4, len(err) - 1})
            depth_rows.append(f"| {name} | " + ", ".join(f"h{l}: {err[l]:.3f} (age {age[l]:.1f})" for l in picks) + " |")
    # Staleness by method: does a method make the pulled rows more exact?
    method_rows = []
    for name, title in found:
        cells = []
        for m, _ in STALENESS_METHODS[1:]:
            err = staleness_errors(os.path.join(results, name, m + "-staleness"))
            cells.append("" if err is None else f"{statistics.mean(err):.3f} ({err[0]:.3f} / {err[-1]:.3f})")
        method_rows.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["## Staleness by method", "",
              "Relative error of the pulled rows, mean over histories (first / last history), over the epochs after",
              "the first tenth; one run each with `staleness=true` (which leaves training as it is). The monitor",
              "measures before a step's refresh, so the rows of a refresh every step are one optimiser step old;",
              "a training-mode refresh's rows also differ from the eval-mode reference by their dropout.", "",
              "| setting | " + " | ".join(t for _, t in STALENESS_METHODS[1:]) + " |",
              "|---" * len(STALENESS_METHODS) + "|"] + method_rows + [""]
    if age_rows:
        labels = [f"{lo}-{hi - 1}" if hi - lo > 1 else f"{lo}" for lo, hi in zip(bounds, bounds[1:])] + [f"{bounds[-1]}+"]
        lines += ["## Staleness by age", "",
                  "Relative error (Frobenius, ||pulled - exact|| / ||exact||) of the history rows batches pulled, against",
                  "an eval-mode exact forward of the same weights after every epoch's last batch, summed over the run by",
                  "the rows' age in steps since they were written (one run of plain GAS per setting; the first and the",
                  "last history). Rows of age 0 differ by the dropout of the training pass that wrote them.", "",
                  "| setting | history | " + " | ".join(labels) + " | rows |",
                  "|---|---|" + "---:|" * (len(labels) + 1)] + age_rows + [""]
    if depth_rows:
        lines += ["## Staleness by depth", "",
                  "Mean relative error and age (steps) of the pulled rows per history (layer), over the epochs after the",
                  "first tenth, for the deep models (one run of plain GAS).", "",
                  "| setting | error (mean age) by history |", "|---|---|"] + depth_rows + [""]

    # One panel per setting: the mean accuracy curves of every method.
    panels = []
    for name, series in plot_data.items():
        plots = []
        for m, label, curve in series:
            dat = os.path.join(results, name, m + ".curve")
            with open(dat, "w") as f:
                f.writelines(f"{e} {a}\n" for e, a in curve)
            plots.append(f"'{dat}' using 1:2 with lines lw 2 title '{label}'")
        panels.append(f"set title '{name}'\nplot " + ", ".join(plots))
    cols = 2
    rows_n = (len(panels) + cols - 1) // cols
    gnuplot(f"""
set terminal png size 1100,{330 * rows_n} font ',9'
set output '{report_dir}/staleness.png'
set multiplot layout {rows_n},{cols}
set xlabel 'epoch'
set ylabel 'test accuracy (%), best val so far'
set key bottom right
set grid
""" + "\n".join(panels) + "\nunset multiplot\n")
    lines += ["![mean test accuracy by epoch, every method and setting](staleness.png)", ""]
    with open(os.path.join(report_dir, "staleness.md.tmp"), "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(os.path.join(report_dir, "staleness.md.tmp"), os.path.join(report_dir, "staleness.md"))
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "perf":
        perf(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "distributed":
        distributed(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "staleness":
        staleness(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "reproduce":
        reproduce(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
