// small_benchmark: the GAS paper's small-graph benchmark (Planetoid, Amazon,
// Coauthor, WikiCS, synthetic graphs). Arguments are Hydra-style overrides:
//
//   small_benchmark model=gcn dataset=cora root=../shared/data runs=20
//   small_benchmark dataset=citeseer params.lr=0.005 params.num_parts=20
//   small_benchmark --config my_experiment.yaml json=results.json

#include <gas/cli.h>

int main(int argc, char** argv) { return gas::benchmark_main("small", argc, argv); }
