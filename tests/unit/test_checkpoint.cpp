// Checkpoint files: records round-trip bitwise (bytes, tensors of several
// dtypes, a row block larger than one chunk, whose checksum must not depend
// on how writer and reader cut it); an unfinished write leaves the previous
// checkpoint whole; truncation and flipped bytes are refused naming the
// record; a model's training state round-trips, and a model of another shape
// is refused naming the parameter.
#include <gas/checkpoint.h>
#include <gas/models/gcn.h>
#include <gas/train.h>

#include "common/test_utils.h"
#include "util/system.h"

#include <unistd.h>

#include <fstream>

namespace gas {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(Checkpoint, RecordsRoundTripBitwise) {
  const std::string path = testing::temp_dir() + "/c.gas";
  const at::Tensor ints = at::arange(7, at::kLong), halves = at::randn({3, 5}).to(at::kHalf);
  // 300000 x 64 floats (73 MiB): more than one 64 MiB chunk on both sides.
  const at::Tensor rows = at::randn({300000, 64});
  {
    CheckpointWriter w(path);
    w.write_bytes("meta", std::string("a\0b", 3));
    w.write_tensor("ints", ints);
    w.write_tensor("halves", halves.t());  // not contiguous
    w.write_rows("rows", rows.size(0), rows.size(1),
                 [&](int64_t b, int64_t e) { return rows.narrow(0, b, e - b); });
    w.commit();
  }
  const CheckpointReader r(path);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"halves", "ints", "meta", "rows"}));
  EXPECT_EQ(r.read_bytes("meta"), std::string("a\0b", 3));
  EXPECT_TRUE(at::equal(r.read_tensor("ints"), ints));
  EXPECT_TRUE(at::equal(r.read_tensor("halves"), halves.t()));
  at::Tensor back = at::empty_like(rows);
  int64_t chunks = 0;
  r.read_rows("rows", [&](int64_t begin, const at::Tensor& block) {
    back.narrow(0, begin, block.size(0)).copy_(block);
    ++chunks;
  });
  EXPECT_GT(chunks, 1);
  EXPECT_TRUE(at::equal(back, rows));
  EXPECT_THROW_WITH(r.read_tensor("meta"), "record 'meta' holds bytes, not a tensor");
  EXPECT_THROW_WITH(r.read_bytes("nope"), "no record 'nope'");
}

TEST(Checkpoint, AnUnfinishedWriteLeavesThePreviousOneAndDamageIsNamed) {
  const std::string dir = testing::temp_dir(), path = dir + "/c.gas";
  {
    CheckpointWriter w(path);
    w.write_tensor("weights", at::ones({100, 10}));
    w.write_bytes("meta", "first");
    w.commit();
  }
  {
    CheckpointWriter w(path);  // dies before commit: a crash mid-write
    w.write_bytes("meta", "second");
  }
  EXPECT_EQ(CheckpointReader(path).read_bytes("meta"), "first");
  EXPECT_FALSE(util::is_file(path + ".tmp." + std::to_string(getpid()))) << "the temporary file is removed";

  const std::string good = read_all(path);
  write_all(dir + "/cut.gas", good.substr(0, good.size() / 2));
  EXPECT_THROW_WITH(CheckpointReader(dir + "/cut.gas"), "cut.gas': truncated or damaged (no valid trailer");
  std::string flipped = good;
  flipped[200] ^= 0x10;  // inside the weights
  write_all(dir + "/flip.gas", flipped);
  EXPECT_THROW_WITH(CheckpointReader(dir + "/flip.gas"), "record 'weights' is damaged (checksum mismatch)");
  write_all(dir + "/other.gas", "PK\x03\x04 not ours, long enough to have a trailer........");
  EXPECT_THROW_WITH(CheckpointReader(dir + "/other.gas"), "not a gas checkpoint (bad magic)");
  EXPECT_THROW_WITH(CheckpointReader(dir + "/missing.gas"), "missing.gas': cannot open");
}

TEST(Checkpoint, TrainingStateRoundTripsAndAnotherModelIsRefused) {
  const std::string path = testing::temp_dir() + "/state.gas";
  const int64_t n = 50;
  const CSR adj = gcn_norm(testing::random_graph(n, 4, 1));
  torch::manual_seed(1);
  models::GCN model(n, models::GCNOptions(6, 8, 3, 2).batch_norm(true));
  auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
  const at::Tensor x = at::randn({n, 6});
  // One step, so that Adam has moments and batch norm running statistics.
  node_loss(model->forward(x, adj), at::zeros({n}, at::kLong)).backward();
  optimizer->step();
  model->histories().push(0, at::randn({n, 8}));
  {
    CheckpointWriter w(path);
    save_training_state(w, *model, *optimizer);
    w.commit();
  }
  const at::Tensor expected_draw = at::rand({4});  // what the generator gives after the save

  torch::manual_seed(99);
  models::GCN other(n, models::GCNOptions(6, 8, 3, 2).batch_norm(true));
  auto other_optimizer = make_adam(*other, 0.01, 0.0, 0.0);
  load_training_state(CheckpointReader(path), *other, *other_optimizer);
  EXPECT_TRUE(at::equal(at::rand({4}), expected_draw)) << "the CPU generator is restored";
  const auto a = model->named_parameters(), b = other->named_parameters();
  for (const auto& p : a) EXPECT_TRUE(at::equal(p.value(), b[p.key()])) << p.key();
  for (const auto& buf : model->named_buffers())
    EXPECT_TRUE(at::equal(buf.value(), other->named_buffers()[buf.key()])) << buf.key();
  EXPECT_TRUE(at::equal(model->histories().pull(0), other->histories().pull(0)));
  // The same next step from both: Adam's moments came along.
  for (auto* m : {&model, &other}) {
    auto& opt = m == &model ? optimizer : other_optimizer;
    opt->zero_grad();
    node_loss((*m)->forward(x, adj), at::zeros({n}, at::kLong)).backward();
    opt->step();
  }
  for (const auto& p : model->named_parameters())
    EXPECT_TRUE(at::equal(p.value(), other->named_parameters()[p.key()])) << p.key() << " after a step";

  models::GCN wider(n, models::GCNOptions(6, 16, 3, 2).batch_norm(true));
  auto wider_optimizer = make_adam(*wider, 0.01, 0.0, 0.0);
  EXPECT_THROW_WITH(load_training_state(CheckpointReader(path), *wider, *wider_optimizer),
                    "parameter 'convs.0.weight' is Float [6, 8], the model's Float [6, 16]: written for another model?");
}

}  // namespace
}  // namespace gas
