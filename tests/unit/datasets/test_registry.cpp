// Datasets by name: every benchmark dataset known, unknown names answered
// with the known ones.
#include <gas/datasets/registry.h>

#include "common/test_utils.h"

namespace gas {
namespace {

TEST(Datasets, UnknownNamesListTheKnownOnes) {
  EXPECT_THROW_WITH(load_dataset("coraa", "."),
                    "unknown dataset 'coraa' (known: amazon-computers, amazon-photo, citeseer, coauthor-cs, "
                    "coauthor-physics, cora, custom, flickr, gnn-benchmark-citeseer, gnn-benchmark-cora, ogbn-arxiv, "
                    "ogbn-products, ppi, pubmed, reddit, synthetic, wikics, yelp)");
}

TEST(Datasets, RegistryKnowsEveryBenchmarkDataset) {
  EXPECT_EQ(dataset_names(),
            (std::vector<std::string>{"amazon-computers", "amazon-photo", "citeseer", "coauthor-cs", "coauthor-physics",
                                      "cora", "custom", "flickr", "gnn-benchmark-citeseer", "gnn-benchmark-cora",
                                      "ogbn-arxiv", "ogbn-products", "ppi", "pubmed", "reddit", "synthetic", "wikics",
                                      "yelp"}));
}

}  // namespace
}  // namespace gas
