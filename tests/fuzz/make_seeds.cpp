// Writes the fuzzers' seed inputs: one small valid file per shape of input
// each parser accepts, so that libFuzzer mutates from well-formed files
// rather than from nothing. Built with the test fixtures' writers; the
// repository holds no data files.
//
//   gas_fuzz_seeds DIR     -> DIR/{pickle,npy,json_graph,csv}/...

#include "common/fixtures.h"

#include <sys/stat.h>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::string root;

void write(const std::string& name, const std::string& bytes) {
  const std::string path = root + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The text fuzzers read their first byte as the mode (which reader, which
// expected shape), so each text seed starts with the mode it was made for.
void write_text(const std::string& name, char mode, const std::string& text) {
  write(name, std::string(1, mode) + text);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gas_fuzz_seeds DIR\n";
    return 2;
  }
  root = argv[1];
  for (const char* dir : {"", "/pickle", "/npy", "/json_graph", "/csv"}) mkdir((root + dir).c_str(), 0755);
  try {
    using namespace gas::testing;
    // Protocol 2: {1: [2, 3], 4: []}; defaultdict(list, {0: [1, 2], 2: [0]})
    // as Planetoid's ind.*.graph; protocol 0: [1, 2.5, u'a', (3, None, True)].
    write("pickle/dict.pkl", std::string("\x80\x02}q\x00(K\x01]q\x01(K\x02K\x03"
                                         "eK\x04]q\x02u.",
                                         24));
    write("pickle/defaultdict.pkl", std::string("\x80\x02"
                                                "ccollections\ndefaultdict\nq\x00"
                                                "c__builtin__\nlist\nq\x01\x85q\x02Rq\x03"
                                                "(K\x00]q\x04(K\x01K\x02"
                                                "eK\x02]q\x05K\x00"
                                                "au.",
                                                77));
    write("pickle/list0.pkl", "(lp0\nI1\naF2.5\naVa\np1\na(I3\nNI01\ntp2\na.");

    const std::string f4 = npy<float>({1, 2, 3, 4}, {2, 2});
    const std::string b1 = npy_bool({1, 0, 1}, {3});
    write("npy/f4.npy", f4);
    write("npy/bool.npy", b1);
    write("npy/be.npy", npy_raw(">i8", {2}, std::string("\0\0\0\0\0\0\0\x05\xff\xff\xff\xff\xff\xff\xff\xfa", 16)));
    write_zip(root + "/npy/stored.npz", {{"a.npy", f4}, {"b.npy", b1}}, false);
    write_zip(root + "/npy/deflated.npz", {{"a.npy", f4}, {"b.npy", b1}}, true);

    write_text("json_graph/class_map.json", 1, R"({"0": 1, "1": 0, "2": 3})");
    write_text("json_graph/class_map_multi.json", 1, R"({"0": [1, 0, 1], "1": [0, 1, 0]})");
    write_text("json_graph/role.json", 2, R"({"tr": [0, 1], "va": [2], "te": [3]})");
    write_text(
        "json_graph/node_link.json", 3,
        R"({"directed": false, "multigraph": false, "graph": {}, "nodes": [{"id": 0, "val": false}, {"id": 1}], )"
        R"("links": [{"source": 0, "target": 1}]})");
    write_text("json_graph/wikics.json", 0,
               R"({"features": [[0.5, 1], [2, 3]], "labels": [0, 1], "links": [[1], [0]], "train_masks": [[1, 0]], )"
               R"("val_masks": [[0, 1]], "stopping_masks": [[0, 1]], "test_mask": [true, false]})");

    // A CRLF line among LF ones.
    write_text("csv/floats.csv", 1, "0.5,-1e-3,7\r\n1,2,3\n");
    write_text("csv/ints.csv", 0, "0,1\n1,2\n2,0\n");
  } catch (const std::exception& e) {
    std::cerr << "gas_fuzz_seeds: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
