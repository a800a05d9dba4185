#pragma once
// Readers for the JSON files of graph datasets: WikiCS's data.json,
// GraphSAINT's class_map.json and role.json, and networkx's node-link graphs
// (PPI's *_graph.json). They do not depend on LibTorch, so they can be fuzzed
// cheaply.
//
// The files are parsed as event streams (nlohmann-json's SAX interface) into
// flat arrays, never into a JSON document: a document of Yelp's 716,847 x 100
// label lists would take gigabytes. The structure is checked as it streams
// and the sizes and ranges once at the end; every problem throws
// std::runtime_error naming the file and the JSON path ("links[17][3]").

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gas {
namespace json_graph {

/// WikiCS (Mernyei & Cangea 2020): {"features": [[...]], "labels": [...],
/// "links": [[...]], "train_masks" / "val_masks" / "stopping_masks": [S][N],
/// "test_mask": [N]}. Other keys are ignored.
struct WikiCs {
  int64_t num_nodes = 0;
  int64_t num_features = 0;
  int64_t num_splits = 0;
  std::vector<float> features;           ///< [num_nodes, num_features]
  std::vector<int64_t> labels;           ///< [num_nodes], >= 0
  std::vector<int64_t> link_ptr, links;  ///< node i links to links[link_ptr[i]:link_ptr[i+1]], all in range
  std::vector<uint8_t> train_masks, val_masks, stopping_masks;  ///< [num_splits, num_nodes], as stored
  std::vector<uint8_t> test_mask;                               ///< [num_nodes]
};
WikiCs read_wikics(const std::string& path);
WikiCs parse_wikics(const std::string& text, const std::string& source);

/// GraphSAINT's class_map.json: node id (a string key) -> class id, or ->
/// list of 0/1 flags for multi-label datasets (Yelp).
struct ClassMap {
  bool multilabel = false;
  int64_t width = 1;            ///< flags per node when multi-label
  std::vector<int64_t> nodes;   ///< the node id of every entry, in file order
  std::vector<int64_t> labels;  ///< [entries, width]: class ids (>= 0), or 0/1 flags
};
ClassMap read_class_map(const std::string& path);
ClassMap parse_class_map(const std::string& text, const std::string& source);

/// A JSON object of integer lists, e.g. GraphSAINT's role.json {"tr": [...], "va": [...], "te": [...]}.
std::map<std::string, std::vector<int64_t>> read_int_lists(const std::string& path);
std::map<std::string, std::vector<int64_t>> parse_int_lists(const std::string& text, const std::string& source);

/// A graph in networkx's node-link format (json_graph.node_link_data):
/// {"directed": bool, "nodes": [{"id": int, ...}], "links": [{"source": int, "target": int, ...}]}
/// ("edges" is accepted for "links", as networkx 3.4 writes it). Node and
/// link attributes other than these are ignored.
struct NodeLink {
  bool directed = false;
  std::vector<int64_t> nodes;           ///< node ids, in file order
  std::vector<int64_t> source, target;  ///< one entry per link
};
NodeLink read_node_link(const std::string& path);
NodeLink parse_node_link(const std::string& text, const std::string& source);

}  // namespace json_graph
}  // namespace gas
