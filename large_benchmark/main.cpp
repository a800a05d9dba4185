// large_benchmark: the GAS paper's large-graph benchmark (Reddit, PPI,
// Flickr, Yelp, ogbn-arxiv, ogbn-products, synthetic graphs), evaluated
// through the layer splitter. Arguments are Hydra-style overrides:
//
//   large_benchmark model=gcn dataset=flickr root=DIR
//   large_benchmark model=pna dataset=synthetic params.data.num_nodes=1000000

#include <gas/cli.h>

int main(int argc, char** argv) { return gas::benchmark_main("large", argc, argv); }
