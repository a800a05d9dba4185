#include <gas/datasets/registry.h>
#include <gas/datasets/planetoid.h>
#include <gas/datasets/synthetic.h>

#include "common/test_utils.h"
#include "datasets/pickle.h"

#include <ATen/Parallel.h>

#include <filesystem>
#include <random>

namespace gas {
namespace {

namespace fs = std::filesystem;

std::string planetoid_dir(const std::string& name) { return testing::data_dir() + "/Planetoid/" + name + "/raw"; }

// Dense and by gas::is_symmetric, which must agree.
bool symmetric(const CSR& adj) {
  const bool dense = at::equal(adj.to_dense(), adj.to_dense().t());
  EXPECT_EQ(gas::is_symmetric(adj), dense);
  return dense;
}

TEST(Planetoid, CoraMatchesPyG) {
  GAS_REQUIRE_FILE(planetoid_dir("Cora") + "/ind.cora.graph");
  const Dataset d = load_dataset("cora", testing::data_dir());
  EXPECT_EQ(d.num_nodes(), 2708);
  EXPECT_EQ(d.adj.nnz(), 10556);
  EXPECT_EQ(d.num_features(), 1433);
  EXPECT_EQ(d.num_classes, 7);
  EXPECT_FALSE(d.multilabel());
  EXPECT_EQ(d.mask(Split::Train).sum().item<int64_t>(), 140);
  EXPECT_EQ(d.mask(Split::Val).sum().item<int64_t>(), 500);
  EXPECT_EQ(d.mask(Split::Test).sum().item<int64_t>(), 1000);
  EXPECT_TRUE(d.mask(Split::Train).slice(0, 0, 140).all().item<bool>());
  EXPECT_TRUE(d.mask(Split::Val).slice(0, 140, 640).all().item<bool>());
  EXPECT_TRUE(symmetric(d.adj));
  EXPECT_EQ(remove_self_loops(d.adj).nnz(), d.adj.nnz());
  EXPECT_TRUE(at::equal(at::bincount(d.y), at::tensor({351, 217, 418, 818, 426, 298, 180}, at::kLong)));
  // NormalizeFeatures: every row sums to one (Cora has no empty rows).
  EXPECT_LT((d.x.sum(1) - 1).abs().max().item<float>(), 1e-5);
}

TEST(Planetoid, CiteSeerMatchesPyG) {
  GAS_REQUIRE_FILE(planetoid_dir("CiteSeer") + "/ind.citeseer.graph");
  const Dataset d = load_dataset("citeseer", testing::data_dir());
  EXPECT_EQ(d.num_nodes(), 3327);
  EXPECT_EQ(d.adj.nnz(), 9104);
  EXPECT_EQ(d.num_features(), 3703);
  EXPECT_EQ(d.num_classes, 6);
  EXPECT_EQ(d.mask(Split::Train).sum().item<int64_t>(), 120);
  EXPECT_EQ(d.mask(Split::Val).sum().item<int64_t>(), 500);
  EXPECT_EQ(d.mask(Split::Test).sum().item<int64_t>(), 1000);
  EXPECT_TRUE(symmetric(d.adj));
  // The 15 test-range ids without a tx row (e.g. 2407, 2489) get zero
  // features and are in no split.
  for (int64_t id : {2407, 2489}) {
    EXPECT_EQ(d.x[id].abs().sum().item<float>(), 0.0f) << id;
    EXPECT_FALSE(d.test_mask[id].item<bool>()) << id;
  }
  const at::Tensor test_range = at::arange(2312, 3327, at::kLong);
  EXPECT_EQ(d.test_mask.index_select(0, test_range).logical_not().sum().item<int64_t>(), 15);
}

// Copies the Cora raw files to a scratch root so a test can damage one.
std::string scratch_cora() {
  const std::string root = testing::temp_dir();
  fs::create_directories(root + "/Planetoid/Cora/raw");
  for (const auto& entry : fs::directory_iterator(planetoid_dir("Cora")))
    fs::copy_file(entry.path(), root + "/Planetoid/Cora/raw/" + entry.path().filename().string());
  return root;
}

TEST(Planetoid, MissingOrDamagedFilesGiveClearErrors) {
  GAS_REQUIRE_FILE(planetoid_dir("Cora") + "/ind.cora.graph");
  const std::string root = scratch_cora();
  const std::string raw = root + "/Planetoid/Cora/raw/";

  const std::string y = testing::read_file(raw + "ind.cora.ally");
  testing::write_file(raw + "ind.cora.ally", y.substr(0, y.size() / 2));
  EXPECT_THROW_WITH(load_dataset("cora", root), "ind.cora.ally");
  testing::write_file(raw + "ind.cora.ally", y);

  // Damage inside the label bytes still parses as a pickle: the one-hot check catches it.
  std::string damaged = y;
  damaged.replace(damaged.size() / 2, 4, "\x07\x07\x07\x07");
  testing::write_file(raw + "ind.cora.ally", damaged);
  EXPECT_THROW_WITH(load_dataset("cora", root), "ind.cora.ally: row ");
  EXPECT_THROW_WITH(load_dataset("cora", root), "expected one-hot 0/1 rows");
  testing::write_file(raw + "ind.cora.ally", y);

  const std::string index = testing::read_file(raw + "ind.cora.test.index");
  testing::write_file(raw + "ind.cora.test.index", "1708\n17x9\n");
  EXPECT_THROW_WITH(load_dataset("cora", root), "line 2: expected a node id, got '17x9'");
  testing::write_file(raw + "ind.cora.test.index", index);

  testing::write_file(raw + "ind.cora.graph", "");
  EXPECT_THROW_WITH(load_dataset("cora", root), "empty file");

  fs::remove(raw + "ind.cora.tx");
  EXPECT_THROW_WITH(load_dataset("cora", root), "missing raw file");
  EXPECT_THROW_WITH(load_dataset("cora", root + "/nowhere"), "missing raw file");
}

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

TEST(Synthetic, SizesSplitsAndDeterminism) {
  for (const char* kind : {"sbm", "rgg"}) {
    const SyntheticOptions o =
        SyntheticOptions().kind(kind).num_nodes(3000).avg_degree(8).num_features(16).num_classes(5);
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    const Dataset a = make_synthetic(o);
    at::set_num_threads(2);
    const Dataset b = make_synthetic(o);
    at::set_num_threads(threads);
    EXPECT_TRUE(at::equal(a.adj.col, b.adj.col)) << kind << ": the graph depends on the seed only";
    EXPECT_TRUE(at::equal(a.x, b.x));
    a.check();
    EXPECT_EQ(a.num_nodes(), 3000);
    EXPECT_EQ(a.num_features(), 16);
    EXPECT_TRUE(symmetric(a.adj)) << kind;
    EXPECT_EQ(remove_self_loops(a.adj).nnz(), a.adj.nnz()) << kind;
    const double degree = static_cast<double>(a.adj.nnz()) / 3000;
    EXPECT_GT(degree, 6.5) << kind;
    EXPECT_LT(degree, 8.5) << kind;
    const int64_t covered = (a.train_mask | a.val_mask | a.test_mask).sum().item<int64_t>();
    EXPECT_EQ(covered, 3000);
    EXPECT_EQ((a.train_mask & a.test_mask).sum().item<int64_t>(), 0);
    EXPECT_NEAR(a.train_mask.sum().item<double>() / 3000, 0.1, 0.03);
    EXPECT_FALSE(at::equal(make_synthetic(SyntheticOptions(o).seed(1)).adj.col, a.adj.col));
  }
}

TEST(Synthetic, SbmHomophilyIsAsConfigured) {
  const Dataset d = make_synthetic(SyntheticOptions().num_nodes(5000).homophily(0.7).num_classes(4));
  const at::Tensor row = at::repeat_interleave(at::arange(5000), d.adj.row_degree());
  const double same = d.y.index_select(0, row).eq(d.y.index_select(0, d.adj.col)).to(at::kDouble).mean().item<double>();
  // Intra-class draws (0.7) plus uniform draws landing in the class (0.3 / 4).
  EXPECT_NEAR(same, 0.7 + 0.3 / 4, 0.02);
}

TEST(Datasets, UnknownNamesListTheKnownOnes) {
  EXPECT_THROW_WITH(load_dataset("coraa", "."),
                    "unknown dataset 'coraa' (known: amazon-computers, amazon-photo, citeseer, coauthor-cs, "
                    "coauthor-physics, cora, custom, flickr, gnn-benchmark-citeseer, gnn-benchmark-cora, ogbn-arxiv, "
                    "ogbn-products, ppi, pubmed, reddit, synthetic, wikics, yelp)");
}

TEST(Datasets, PermuteKeepsNodesAndEdgesTogether) {
  const Dataset d = make_synthetic(SyntheticOptions().num_nodes(200));
  const at::Tensor perm = at::randperm(200, at::kLong);
  const Dataset p = d.permute(perm);
  p.check();
  EXPECT_TRUE(at::equal(p.x, d.x.index_select(0, perm)));
  EXPECT_TRUE(at::equal(p.adj.to_dense(), d.adj.to_dense().index_select(0, perm).index_select(1, perm)));
}

TEST(Datasets, RandomSplitMasksArePerClass) {
  Dataset d = make_synthetic(SyntheticOptions().num_nodes(2000).num_classes(4));
  random_split_masks(d, 20, 30, 5, 12345);
  EXPECT_EQ(d.num_splits(), 5);
  for (int64_t s = 0; s < 5; ++s) {
    const at::Tensor train = d.mask(Split::Train, s), val = d.mask(Split::Val, s);
    EXPECT_TRUE(at::equal(at::bincount(d.y.masked_select(train), {}, 4), at::full({4}, 20, at::kLong)));
    EXPECT_TRUE(at::equal(at::bincount(d.y.masked_select(val), {}, 4), at::full({4}, 30, at::kLong)));
    EXPECT_EQ((train | val | d.mask(Split::Test, s)).sum().item<int64_t>(), 2000);
  }
  EXPECT_FALSE(at::equal(d.mask(Split::Train, 0), d.mask(Split::Train, 1)));
}

}  // namespace
}  // namespace gas
