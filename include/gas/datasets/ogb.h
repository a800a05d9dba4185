#pragma once
/// \file
/// The OGB node-property datasets of the GAS benchmarks, from OGB's raw CSV files.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>

namespace gas {

/// ogbn-arxiv or ogbn-products (`name` as written) from
/// root/OGB/ogbn_<name>/raw/{edge,node-feat,node-label}.csv.gz and the
/// official split root/OGB/ogbn_<name>/split/{time,sales_ranking}/{train,valid,test}.csv.gz
/// (plain .csv files are read when the .gz is absent), as PyGAS's
/// get_arxiv / get_products: edges in both directions with duplicates merged
/// (arxiv's to_symmetric; products' inverse edges), features as float32.
/// Files are streamed into the final arrays; the edge list is freed before
/// the features are read.
GAS_API Dataset load_ogb(const std::string& root, const std::string& name);

}  // namespace gas
