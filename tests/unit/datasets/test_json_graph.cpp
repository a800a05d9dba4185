// The JSON graph parsers (WikiCS, class maps, int lists, node-link graphs)
// on hand-made input with known content and on damaged input.
#include "common/fixtures.h"
#include "common/test_utils.h"
#include "datasets/json_graph.h"

namespace gas {
namespace {

TEST(JsonGraph, WikiCsKeepsEveryField) {
  const json_graph::WikiCs w = json_graph::parse_wikics(
      R"({"features": [[0.5, 1], [2, 3], [4, 5]], "labels": [0, 2, 1], "links": [[1], [2, 0], []],
          "train_masks": [[true, false, false], [false, true, false]], "val_masks": [[0, 1, 0], [0, 0, 1]],
          "stopping_masks": [[0, 0, 1], [1, 0, 0]], "test_mask": [false, false, true], "extra": {"a": [1]}})",
      "data.json");
  EXPECT_EQ(w.num_nodes, 3);
  EXPECT_EQ(w.num_features, 2);
  EXPECT_EQ(w.num_splits, 2);
  EXPECT_EQ(w.features, (std::vector<float>{0.5f, 1, 2, 3, 4, 5}));
  EXPECT_EQ(w.labels, (std::vector<int64_t>{0, 2, 1}));
  EXPECT_EQ(w.link_ptr, (std::vector<int64_t>{0, 1, 3, 3}));
  EXPECT_EQ(w.links, (std::vector<int64_t>{1, 2, 0}));
  EXPECT_EQ(w.train_masks, (std::vector<uint8_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(w.stopping_masks, (std::vector<uint8_t>{0, 0, 1, 1, 0, 0}));
  EXPECT_EQ(w.test_mask, (std::vector<uint8_t>{0, 0, 1}));
}

TEST(JsonGraph, WikiCsBadInput) {
  const std::string tail =
      R"("train_masks": [[1, 0]], "val_masks": [[1, 0]], "stopping_masks": [[1, 0]], "test_mask": [0, 1]})";
  auto doc = [&](const std::string& head) { return "{" + head + ", " + tail; };
  EXPECT_NO_THROW(
      json_graph::parse_wikics(doc(R"("features": [[1], [2]], "labels": [0, 1], "links": [[1], []])"), "d.json"));
  EXPECT_THROW_WITH(json_graph::parse_wikics("", "d.json"), "d.json: empty file");
  EXPECT_THROW_WITH(json_graph::parse_wikics(R"({"features": [[1], [2)", "d.json"), "d.json: malformed JSON");
  EXPECT_THROW_WITH(json_graph::parse_wikics("[1, 2]", "d.json"), "expected a JSON object at the top level");
  EXPECT_THROW_WITH(json_graph::parse_wikics(doc(R"("features": [[1], [2]], "labels": [0, 1])"), "d.json"),
                    "d.json: missing key 'links'");
  EXPECT_THROW_WITH(
      json_graph::parse_wikics(doc(R"("features": [[1], [2, 3]], "labels": [0, 1], "links": [[], []])"), "d.json"),
      "features[1] has 2 entries, features[0] 1");
  EXPECT_THROW_WITH(
      json_graph::parse_wikics(doc(R"("features": [[1], [2]], "labels": [0, 1], "links": [[1], [5]])"), "d.json"),
      "links[1] names node 5, outside [0, 2)");
  EXPECT_THROW_WITH(
      json_graph::parse_wikics(doc(R"("features": [[1], [2]], "labels": [0, "x"], "links": [[], []])"), "d.json"),
      "labels[1]: expected an integer, got a string");
  EXPECT_THROW_WITH(
      json_graph::parse_wikics(doc(R"("features": [[1], [2]], "labels": [0], "links": [[], []])"), "d.json"),
      "'labels' has 1 entries for 2 nodes");
  EXPECT_THROW_WITH(
      json_graph::parse_wikics(doc(R"("features": [1, 2], "labels": [0, 1], "links": [[], []])"), "d.json"),
      "features[0]: expected a list, got 1");
  EXPECT_THROW_WITH(
      json_graph::parse_wikics(doc(R"("features": [[1], [2]], "labels": [0, -1], "links": [[], []])"), "d.json"),
      "labels[1]: expected a non-negative integer, got -1");
}

TEST(JsonGraph, ClassMapsSingleAndMultiLabel) {
  const json_graph::ClassMap single = json_graph::parse_class_map(R"({"2": 1, "0": 4, "1": 0})", "c.json");
  EXPECT_FALSE(single.multilabel);
  EXPECT_EQ(single.nodes, (std::vector<int64_t>{2, 0, 1}));
  EXPECT_EQ(single.labels, (std::vector<int64_t>{1, 4, 0}));
  const json_graph::ClassMap multi = json_graph::parse_class_map(R"({"1": [0, 1, 1], "0": [1, 0, 0]})", "c.json");
  EXPECT_TRUE(multi.multilabel);
  EXPECT_EQ(multi.width, 3);
  EXPECT_EQ(multi.nodes, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(multi.labels, (std::vector<int64_t>{0, 1, 1, 1, 0, 0}));

  EXPECT_THROW_WITH(json_graph::parse_class_map(R"({"0": 1, "1": [0, 1]})", "c.json"),
                    "mixes single class ids and lists");
  EXPECT_THROW_WITH(json_graph::parse_class_map(R"({"0": [1, 0], "1": [0]})", "c.json"),
                    "has 1 flags, the first entry 2");
  EXPECT_THROW_WITH(json_graph::parse_class_map(R"({"a7": 1})", "c.json"), "key 'a7' is not a node id");
  EXPECT_THROW_WITH(json_graph::parse_class_map(R"({"0": [2]})", "c.json"), "0[0]: expected true/false or 0/1, got 2");
  EXPECT_THROW_WITH(json_graph::parse_class_map("{}", "c.json"), "c.json: no entries");
}

TEST(JsonGraph, IntListsAndNodeLinkGraphs) {
  const auto roles = json_graph::parse_int_lists(R"({"tr": [0, 1], "va": [2], "te": []})", "role.json");
  EXPECT_EQ(roles.at("tr"), (std::vector<int64_t>{0, 1}));
  EXPECT_TRUE(roles.at("te").empty());
  EXPECT_THROW_WITH(json_graph::parse_int_lists(R"({"tr": 5})", "role.json"),
                    "role.json: tr: expected a list of integers");
  EXPECT_THROW_WITH(json_graph::parse_int_lists(R"({"tr": [1.5]})", "role.json"), "tr[0]: expected an integer");

  const json_graph::NodeLink g = json_graph::parse_node_link(
      R"({"directed": false, "multigraph": false, "graph": {"name": "g", "x": [[1]]},
          "nodes": [{"id": 0, "val": false, "feature": [1, 2]}, {"test": true, "id": 1}],
          "links": [{"source": 0, "target": 1, "weight": 2.5}]})",
      "g.json");
  EXPECT_FALSE(g.directed);
  EXPECT_EQ(g.nodes, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(g.source, (std::vector<int64_t>{0}));
  EXPECT_EQ(g.target, (std::vector<int64_t>{1}));
  EXPECT_TRUE(json_graph::parse_node_link(R"({"directed": true, "nodes": [], "edges": []})", "g.json").directed);

  EXPECT_THROW_WITH(json_graph::parse_node_link(R"({"nodes": [{"id": 0}]})", "g.json"), "g.json: missing key 'links'");
  EXPECT_THROW_WITH(json_graph::parse_node_link(R"({"nodes": [{"name": 0}], "links": []})", "g.json"),
                    "nodes[0]: the node has no 'id'");
  EXPECT_THROW_WITH(json_graph::parse_node_link(R"({"nodes": [], "links": [{"source": 0}]})", "g.json"),
                    "links[0]: the link lacks 'source' or 'target'");
  EXPECT_THROW_WITH(json_graph::parse_node_link(R"({"nodes": [{"id": "a"}], "links": []})", "g.json"),
                    "nodes[0].id: expected an integer, got a string");
  EXPECT_THROW_WITH(json_graph::parse_node_link(R"({"nodes": [3], "links": []})", "g.json"),
                    "nodes[0]: expected an object");
}

}  // namespace
}  // namespace gas
