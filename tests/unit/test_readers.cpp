// The torch-free raw-format parsers: npy/npz, CSV(.gz) and the JSON graph
// formats, on hand-made input with known content and on damaged input.

#include "common/fixtures.h"
#include "common/test_utils.h"
#include "datasets/csv.h"
#include "datasets/json_graph.h"
#include "datasets/npy.h"

#include <cstring>

namespace gas {
namespace {

template <typename T>
std::vector<T> values_of(const npy::Array& a) {
  std::vector<T> out(a.data.size() / sizeof(T));
  std::memcpy(out.data(), a.data.data(), a.data.size());
  return out;
}

TEST(Npy, ReadsShapeDtypeAndData) {
  const npy::Array a = npy::parse(testing::npy<float>({1.5f, -2, 3, 4, 5, 6}, {2, 3}), "a.npy");
  EXPECT_EQ(a.kind, 'f');
  EXPECT_EQ(a.itemsize, 4);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_FALSE(a.fortran_order);
  EXPECT_EQ(values_of<float>(a), (std::vector<float>{1.5f, -2, 3, 4, 5, 6}));
  EXPECT_EQ(a.dtype(), "float32");

  const npy::Array b = npy::parse(testing::npy_bool({1, 0, 1}, {3}), "b.npy");
  EXPECT_EQ(b.dtype(), "bool");
  EXPECT_EQ(b.shape, (std::vector<int64_t>{3}));
  const npy::Array scalar = npy::parse(testing::npy<int64_t>({7}, {}), "s.npy");
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.numel(), 1);
}

TEST(Npy, ConvertsBigEndianAndKeepsFortranOrder) {
  // int32 258 = 0x00000102 big-endian, and -1.
  const std::string be("\x00\x00\x01\x02\xff\xff\xff\xff", 8);
  const npy::Array a = npy::parse(testing::npy_raw(">i4", {2}, be), "be.npy");
  EXPECT_EQ(values_of<int32_t>(a), (std::vector<int32_t>{258, -1}));
  const npy::Array f = npy::parse(testing::npy_raw("<i8", {2, 3}, std::string(48, '\0'), true), "f.npy");
  EXPECT_TRUE(f.fortran_order);
}

TEST(Npy, DamagedFilesGiveClearErrors) {
  const std::string good = testing::npy<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_THROW_WITH(npy::parse("", "e.npy"), "e.npy: empty file");
  EXPECT_THROW_WITH(npy::parse(good.substr(0, good.size() - 3), "t.npy"), "t.npy: truncated");
  EXPECT_THROW_WITH(npy::parse(good.substr(0, 20), "h.npy"), "h.npy: truncated: the .npy header");
  EXPECT_THROW_WITH(npy::parse(good + "xx", "x.npy"), "more data than shape [2, 2] of float32");
  EXPECT_THROW_WITH(npy::parse("PK\x03\x04 not npy at all", "m.npy"), "not an .npy file (bad magic bytes)");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("<U7", {1}, std::string(28, 'a')), "u.npy"), "unsupported dtype '<U7'");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("|O", {1}, std::string(8, 'a')), "o.npy"), "unsupported dtype '|O'");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("<f4", {1000000, 1000000}, ""), "big.npy"),
                    "needs 4000000000000 bytes of data");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("<f4", {int64_t{1} << 40, int64_t{1} << 40}, ""), "huge.npy"),
                    "is too large");
  std::string header_garbage = good;
  header_garbage.replace(header_garbage.find("'shape'"), 7, "'shapf'");
  EXPECT_THROW_WITH(npy::parse(header_garbage, "k.npy"), "malformed .npy header: unknown key 'shapf'");
}

TEST(Npy, ReadsFilesAndReportsMissingOnes) {
  const std::string dir = testing::temp_dir();
  testing::write_file(dir + "/a.npy", testing::npy<int64_t>({4, 5}, {2}));
  EXPECT_EQ(values_of<int64_t>(npy::read_file(dir + "/a.npy")), (std::vector<int64_t>{4, 5}));
  testing::write_file(dir + "/empty.npy", "");
  EXPECT_THROW_WITH(npy::read_file(dir + "/empty.npy"), "empty.npy: empty file");
  EXPECT_THROW_WITH(npy::read_file(dir + "/absent.npy"), "absent.npy: cannot open");
}

TEST(Npz, ReadsStoredAndDeflatedMembers) {
  const std::string dir = testing::temp_dir();
  const testing::Members members = {{"a.npy", testing::npy<int32_t>({1, 2, 3}, {3})},
                                    {"b.npy", testing::npy<double>(std::vector<double>(1000, 0.25), {10, 100})}};
  for (bool deflate : {false, true}) {
    const std::string path = testing::write_zip(dir + "/x.npz", members, deflate);
    const npy::Npz npz = npy::Npz::open(path);
    EXPECT_EQ(npz.keys(), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(npz.has("a"));
    EXPECT_FALSE(npz.has("c"));
    EXPECT_EQ(values_of<int32_t>(npz.read("a")), (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(values_of<double>(npz.read("b")), std::vector<double>(1000, 0.25));
    EXPECT_THROW_WITH(npz.read("labels"), "missing array 'labels' (the archive holds: a, b)");
    const npy::Npz mem = npy::Npz::from_bytes(testing::read_file(path), "mem.npz");
    EXPECT_EQ(values_of<int32_t>(mem.read("a")), (std::vector<int32_t>{1, 2, 3}));
  }
}

TEST(Npz, DamagedArchivesGiveClearErrors) {
  const std::string dir = testing::temp_dir();
  const std::string path =
      testing::write_zip(dir + "/x.npz", {{"a.npy", testing::npy<int64_t>(std::vector<int64_t>(64, 7), {64})}}, false);
  const std::string bytes = testing::read_file(path);
  EXPECT_THROW_WITH(npy::Npz::from_bytes("", "e.npz"), "e.npz: empty file");
  EXPECT_THROW_WITH(npy::Npz::from_bytes(bytes.substr(0, bytes.size() / 2), "t.npz"),
                    "t.npz: not a readable .npz (zip) archive");
  EXPECT_THROW_WITH(npy::Npz::open(dir + "/absent.npz"), "absent.npz: cannot open");
  testing::write_file(dir + "/text.npz", "not a zip");
  EXPECT_THROW_WITH(npy::Npz::open(dir + "/text.npz"), "text.npz: not a readable .npz (zip) archive");
  // A flipped byte in a stored member's data fails the CRC check.
  std::string damaged = bytes;
  damaged[bytes.find("\x93NUMPY") + 200] ^= 0x55;  // inside the 512 data bytes, after the 128-byte header
  EXPECT_THROW_WITH(npy::Npz::from_bytes(damaged, "crc.npz").read("a"), "crc.npz (member a.npy): corrupt member");
  // A member that is not an .npy file.
  const std::string text = testing::write_zip(dir + "/y.npz", {{"a.npy", "hello"}}, true);
  EXPECT_THROW_WITH(npy::Npz::open(text).read("a"), "(member a.npy): truncated");
}

TEST(Csv, ParsesNumbersRowsAndCompression) {
  const csv::Table<int64_t> t = csv::parse_ints("0,1\r\n+2,3\n\n 4 ,5", "e.csv", {2});
  EXPECT_EQ(t.rows, 3);
  EXPECT_EQ(t.cols, 2);
  EXPECT_EQ(t.data, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  const csv::Table<float> f = csv::parse_floats("0.5,-1e-3,7\n", "f.csv");
  EXPECT_EQ(f.cols, 3);
  EXPECT_EQ(f.data, (std::vector<float>{0.5f, -1e-3f, 7.0f}));

  const std::string dir = testing::temp_dir();
  // Long enough to span several 1 MiB chunks, with lines split between them.
  std::string text;
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + "," + std::to_string(3 * i) + "\n";
  for (const std::string& path :
       {testing::write_gz(dir + "/big.csv.gz", text), testing::write_file(dir + "/big.csv", text)}) {
    const csv::Table<int64_t> big = csv::read_ints(path, {2, 200000});
    ASSERT_EQ(big.rows, 200000) << path;
    EXPECT_EQ(big.data[2 * 123456 + 1], 3 * 123456) << path;
    EXPECT_EQ(big.data.back(), 3 * 199999) << path;
  }
}

TEST(Csv, BadInputGivesFileAndLine) {
  EXPECT_THROW_WITH(csv::parse_ints("1,2\n3,x\n", "e.csv"), "e.csv: line 2, column 2: expected an integer, got 'x'");
  EXPECT_THROW_WITH(csv::parse_ints("1,2\n3\n", "e.csv"), "e.csv: line 2: expected 2 values, got 1");
  EXPECT_THROW_WITH(csv::parse_ints("1.5\n", "l.csv"), "expected an integer, got '1.5'");
  EXPECT_THROW_WITH(csv::parse_floats("1,,2\n", "f.csv"), "line 1, column 2: expected a number, got ''");
  EXPECT_THROW_WITH(csv::parse_ints("", "empty.csv"), "empty.csv: empty file (no rows)");
  EXPECT_THROW_WITH(csv::parse_ints("1\n2\n3\n", "r.csv", {1, 2, "one per node"}),
                    "r.csv: line 3: more than the expected 2 rows (one per node)");
  EXPECT_THROW_WITH(csv::parse_ints("1\n", "r.csv", {1, 2}), "r.csv: has 1 rows, expected 2");
  EXPECT_THROW_WITH(csv::parse_ints("99999999999999999999\n", "o.csv"), "expected an integer");

  const std::string dir = testing::temp_dir();
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i) + "\n";
  const std::string gz = testing::read_file(testing::write_gz(dir + "/a.csv.gz", text));
  testing::write_file(dir + "/cut.csv.gz", gz.substr(0, gz.size() / 2));
  EXPECT_THROW_WITH(csv::read_ints(dir + "/cut.csv.gz"), "cut.csv.gz: truncated: the gzip stream ends early");
  std::string corrupt = gz;
  corrupt[corrupt.size() - 8] ^= 0x5a;  // the CRC-32 of the gzip trailer
  testing::write_file(dir + "/bad.csv.gz", corrupt);
  EXPECT_THROW_WITH(csv::read_ints(dir + "/bad.csv.gz"), "bad.csv.gz: corrupt gzip data");
  EXPECT_THROW_WITH(csv::read_ints(dir + "/absent.csv.gz"), "absent.csv.gz: cannot open");
}

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
