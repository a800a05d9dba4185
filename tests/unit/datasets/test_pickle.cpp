// The pickle reader: real pickles, their truncations and corruptions, and
// hand-written ones that a safe reader must refuse.
#include "common/datasets.h"
#include "common/test_utils.h"
#include "datasets/pickle.h"

#include <random>

namespace gas {
namespace {

using testing::planetoid_dir;

// Every prefix and random corruptions of real pickles must give an error or
// a value, never a crash or a hang.
TEST(Pickle, TruncatedAndCorruptedInputsAreRejectedCleanly) {
  GAS_REQUIRE_FILE(planetoid_dir("Cora") + "/ind.cora.x");
  for (const char* name : {"ind.cora.x", "ind.cora.y", "ind.cora.graph"}) {
    const std::string data = testing::read_file(planetoid_dir("Cora") + "/" + name);
    EXPECT_NO_THROW(pickle::load(data, name));
    std::mt19937_64 rng(7);
    for (int trial = 0; trial < 300; ++trial) {
      const size_t cut = rng() % data.size();
      EXPECT_THROW(pickle::load(data.substr(0, cut), name), std::runtime_error) << name << " cut at " << cut;
      std::string damaged = data;
      for (int k = 0; k < 4; ++k) damaged[rng() % damaged.size()] = static_cast<char>(rng());
      try {
        const pickle::ValuePtr v = pickle::load(damaged, name);
        (void)v;
      } catch (const std::runtime_error&) {
      }
    }
  }
}

TEST(Pickle, RefusesUnknownPythonObjects) {
  // PROTO 2, GLOBAL 'os system', EMPTY_TUPLE, REDUCE, STOP
  const std::string evil = std::string("\x80\x02", 2) + "cos\nsystem\n)R.";
  EXPECT_THROW_WITH(pickle::load(evil, "evil.pkl"), "refusing to load Python object 'os.system'");
}

TEST(Pickle, RefusesRecursiveAndDeeplyNestedValues) {
  // EMPTY_LIST, BINPUT 0, BINGET 0, APPEND: a list that contains itself.
  EXPECT_THROW_WITH(pickle::load(std::string("\x80\x02]q\x00h\x00"
                                             "a.",
                                             9),
                                 "cycle.pkl"),
                    "cycle.pkl: recursive (self-referencing) values are not supported");
  // None wrapped in 100000 one-tuples: refused, and torn down without recursion.
  const std::string deep = std::string("\x80\x02N") + std::string(100000, '\x85') + ".";
  EXPECT_THROW_WITH(pickle::load(deep, "deep.pkl"), "deep.pkl: values nested deeper than 1000 levels");
  EXPECT_THROW(pickle::load(deep.substr(0, deep.size() - 1), "deep.pkl"), std::runtime_error);
}

// A dict built with itself as its state (EMPTY_DICT K1 K2 SETITEM DUP BUILD
// STOP): its entries are appended to themselves, a copy being read, not the
// vector being grown (found by fuzz.pickle under ASan).
TEST(Pickle, BuildsADictFromItselfAsState) {
  const pickle::ValuePtr v = pickle::load(std::string("}K\x01K\x02s2b."), "self_build.pkl");
  ASSERT_EQ(v->entries.size(), 2u);
  for (const auto& [key, value] : v->entries) {
    EXPECT_EQ(key->i, 1);
    EXPECT_EQ(value->i, 2);
  }
}

// A dict built into itself again and again doubles with each DUP BUILD
// (found by fuzz.pickle: 207 bytes asked for 512 MB): refused once the
// entries copied outnumber the pickle's bytes.
TEST(Pickle, RefusesDictsThatDoubleThemselves) {
  std::string doubling = "}K\x01K\x02s";
  for (int i = 0; i < 40; ++i) doubling += "2b";
  EXPECT_THROW_WITH(pickle::load(doubling + ".", "doubling.pkl"),
                    "doubling.pkl: corrupt or unsupported pickle at byte ");
  EXPECT_THROW_WITH(pickle::load(doubling + ".", "doubling.pkl"), "more than the pickle's 87 bytes could hold");
}

TEST(Pickle, ReadsHandWrittenIntDict) {
  // {1: [2, 3], 4: []} as protocol 2: EMPTY_DICT MARK K1 ] MARK K2 K3 APPENDS K4 ] SETITEMS STOP
  const std::string bytes = std::string(
      "\x80\x02}(K\x01](K\x02K\x03"
      "eK\x04]u.",
      18);
  const auto dict = pickle::as_int_list_dict(pickle::load(bytes, "dict.pkl"), "dict.pkl");
  ASSERT_EQ(dict.size(), 2u);
  EXPECT_EQ(dict.at(1), (std::vector<int64_t>{2, 3}));
  EXPECT_TRUE(dict.at(4).empty());
}

}  // namespace
}  // namespace gas
