#pragma once
/// \file
/// Datasets whose graph or labels come as JSON: WikiCS, the GraphSAINT
/// datasets (Flickr, Yelp, Reddit) and PPI.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>

namespace gas {

/// WikiCS from root/WIKICS/raw/data.json, as PyGAS's get_wikics: edges
/// symmetrised (duplicates merged), 20 splits with the stopping masks as
/// validation masks ([N, 20]), one test mask ([N]).
GAS_API Dataset load_wikics(const std::string& root);

/// Flickr, Yelp or Reddit (`name` "flickr", "yelp", "reddit") from
/// GraphSAINT's files adj_full.npz (scipy CSR), feats.npy, class_map.json
/// and role.json in root/Flickr/raw, root/YELP/raw or root/Reddit2/raw, as
/// PyG's Flickr / Yelp / Reddit2 and PyGAS's get_*: edges as stored
/// (duplicates merged), masks from role.json's tr / va / te ids, Yelp
/// multi-label (float32 [N, 100]), and Yelp's and Reddit's features
/// standardised per column (see loader::standardize_columns). `mmap`:
/// Flickr's feats.npy memory-mapped ("true", "false", "auto" as
/// CustomOptions::mmap); the standardised ones are always read.
GAS_API Dataset load_graphsaint(const std::string& root, const std::string& name, const std::string& mmap = "auto");

/// PPI from root/PPI/raw/{train,valid,test}_{graph.json,feats.npy,labels.npy,graph_id.npy}:
/// the disjoint union of the three splits' graphs, each split's graphs in
/// graph-id order as PyG's PPI and Batch.from_data_list give them, edges
/// within a graph only, in both directions unless the file says directed,
/// self-loops removed. Multi-label (float32 [N, 121]); inductive, with
/// 1-D masks marking each split's nodes.
GAS_API Dataset load_ppi(const std::string& root);

}  // namespace gas
