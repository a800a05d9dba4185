// Histories beyond RAM and in half precision: the mmap backend's files are
// numpy-readable and hold exactly the pushed rows, training through it
// equals training in memory bit for bit, half-precision storage rounds
// exactly as a cast does, and the mapping trimmer keeps the process's
// resident set bounded while it walks a mapped file.

#include <gas/history/store.h>
#include <gas/layerwise.h>
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/test_utils.h"
#include "datasets/npy.h"
#include "util/mapped_file.h"

#include <filesystem>
#include <fstream>
#include <thread>

namespace gas {
namespace {

int64_t resident_file_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("RssFile:", 0) == 0) return std::stoll(line.substr(8)) * 1024;
  return -1;
}

TEST(MmapHistory, FilesAreNumpyArraysOfThePushedRows) {
  const std::string dir = testing::temp_dir() + "/histories";
  const at::Tensor x0 = at::randn({1000, 7}), x1 = at::randn({1000, 3});
  {
    HistoryStore store(1000, {7, 3}, mmap_history_backend(dir));
    EXPECT_EQ(store.backend().name(), "mmap");
    store.push(0, x0);
    store.push(1, x1.narrow(0, 10, 5), at::arange(10, 15, at::kLong));
    EXPECT_TRUE(at::equal(store.pull(0), x0));
    EXPECT_TRUE(at::equal(store.pull(1, at::arange(10, 15, at::kLong)), x1.narrow(0, 10, 5)));
    EXPECT_TRUE(at::equal(store.pull(1).narrow(0, 10, 5), x1.narrow(0, 10, 5)));
    EXPECT_EQ(store.pull(1).ne(0).sum().item<int64_t>(), x1.narrow(0, 10, 5).ne(0).sum().item<int64_t>());

    // The file as numpy reads it, while the run holds it.
    const npy::Array a = npy::read_file(dir + "/history0.npy");
    EXPECT_EQ(a.dtype(), "float32");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{1000, 7}));
    EXPECT_EQ(std::memcmp(a.data.data(), x0.data_ptr<float>(), a.data.size()), 0);

    // A second store in the process gets its own file; reset zeroes.
    HistoryStore other(1000, {7}, mmap_history_backend(dir));
    other.push(0, x0 * 2);
    EXPECT_TRUE(std::filesystem::exists(dir + "/history0.1.npy"));
    EXPECT_TRUE(at::equal(store.pull(0), x0)) << "the stores do not share rows";
    store.reset();
    EXPECT_EQ(store.pull(0).abs().sum().item<float>(), 0.0f);
    EXPECT_EQ(npy::read_file(dir + "/history0.npy").data, std::vector<uint8_t>(1000 * 7 * 4, 0));
  }
  // Kept after the run, for inspection.
  EXPECT_TRUE(std::filesystem::exists(dir + "/history1.npy"));

  // Without a directory the files have no name: nothing is left behind.
  const std::string tmp = testing::temp_dir();
  setenv("TMPDIR", tmp.c_str(), 1);
  {
    HistoryStore store(100, {4}, mmap_history_backend());
    store.push(0, at::ones({100, 4}));
    EXPECT_TRUE(at::equal(store.pull(0), at::ones({100, 4})));
    EXPECT_TRUE(std::filesystem::is_empty(tmp));
  }
  unsetenv("TMPDIR");
}

TEST(MmapHistory, AFileLockedByAnotherOwnerIsRefused) {
  const std::string path = testing::temp_dir() + "/h.npy";
  const auto held = util::MappedFile::create(path, 4096, true, "history=mmap");
  // flock locks an open file: a second open is refused as another process would be.
  EXPECT_THROW_WITH(util::MappedFile::create(path, 4096, true, "history=mmap"),
                    "history=mmap: " + path + ": is in use by another process");
}

TEST(HalfHistory, RowsAreRoundedExactlyAsACast) {
  const at::Tensor x = at::randn({500, 6}) * 100;
  const at::Tensor index = at::randperm(500, at::kLong).narrow(0, 0, 50);
  const std::string dir = testing::temp_dir();
  for (at::ScalarType dtype : {at::kHalf, at::kBFloat16}) {
    const std::string files = dir + "/" + c10::toString(dtype);
    for (const auto& backend :
         {host_history_backend(dtype), device_history_backend(dtype), mmap_history_backend(files, dtype)}) {
      SCOPED_TRACE(std::string(backend->name()) + " " + c10::toString(dtype));
      HistoryStore store(500, {6}, backend);
      store.push(0, x);
      EXPECT_EQ(store.nbytes(), 500 * 6 * 2) << "half the bytes of float32";
      const at::Tensor rounded = x.to(dtype).to(at::kFloat);
      EXPECT_FALSE(at::equal(rounded, x));
      EXPECT_TRUE(at::equal(store.pull(0), rounded));
      EXPECT_EQ(store.pull(0).scalar_type(), at::kFloat);
      EXPECT_TRUE(at::equal(store.pull(0, index), rounded.index_select(0, index)));
      store.push(0, x.index_select(0, index) + 1, index);
      EXPECT_TRUE(at::equal(store.pull(0, index), (x.index_select(0, index) + 1).to(dtype).to(at::kFloat)));
    }
  }
  EXPECT_EQ(npy::read_file(dir + "/Half/history0.npy").dtype(), "float16");
  // numpy has no bfloat16: its rows are stored as their bits.
  const npy::Array bits = npy::read_file(dir + "/BFloat16/history0.npy");
  EXPECT_EQ(bits.dtype(), "uint16");
  const at::Tensor expected = (x.to(at::kBFloat16).to(at::kFloat)).index_put_({index}, (x.index_select(0, index) + 1))
                                  .to(at::kBFloat16);
  EXPECT_EQ(std::memcmp(bits.data.data(), expected.data_ptr(), bits.data.size()), 0);
  EXPECT_THROW_WITH(parse_history_dtype("int8"), "valid: float32, float16, bfloat16");
  EXPECT_THROW_WITH(host_history_backend(at::kDouble), "cannot hold history rows");
}

TEST(MmapHistory, TrainingThroughFilesEqualsTrainingInMemory) {
  const int64_t n = 300;
  const CSR raw = gcn_norm(testing::random_graph(n, 5, 3));
  const Partition p = random_partition(n, 10, 0);
  const CSR adj = permute(raw, p.perm);
  torch::manual_seed(0);
  const Dataset data = testing::random_dataset(adj, 6);
  auto run = [&](const std::shared_ptr<HistoryBackend>& backend) {
    torch::manual_seed(4);
    models::GCN model(n, models::GCNOptions(6, 16, 3, 3));
    model->histories().set_backend(backend);
    auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
    SubgraphLoader loader(adj, p.ptr, data.x, SubgraphLoaderOptions().batch_size(3).seed(1));
    std::vector<double> losses;
    for (int epoch = 0; epoch < 3; ++epoch) losses.push_back(train_epoch(*model, loader, *optimizer, data).loss);
    const at::Tensor out = layerwise_inference(*model, EvalSubgraphLoader(adj, p.ptr, 3), data.x);
    return std::make_pair(losses, out);
  };
  const auto memory = run(host_history_backend());
  const auto mapped = run(mmap_history_backend(testing::temp_dir()));
  EXPECT_EQ(mapped.first, memory.first);
  EXPECT_TRUE(at::equal(mapped.second, memory.second));

  // Half precision changes the numbers, but only by its rounding.
  const auto half = run(host_history_backend(at::kBFloat16));
  EXPECT_NE(half.first, memory.first);
  EXPECT_LT((half.second - memory.second).abs().max().item<float>(), 0.1f);
}

TEST(MappedFile, TheTrimmerBoundsTheResidentPagesOfAMappingBeingRead) {
  const std::string path = testing::temp_dir() + "/big.bin";
  const int64_t bytes = int64_t{256} << 20;
  {
    std::ofstream out(path, std::ios::binary);
    const std::string block(1 << 20, '\x01');
    for (int64_t k = 0; k < (bytes >> 20); ++k) out << block;
  }
  const int64_t before = util::mapped_trims(), limit = util::mapped_resident_limit();
  util::set_mapped_resident_limit(int64_t{32} << 20);
  const auto file = util::MappedFile::open_read_only(path, "test");
  // The shared libraries' pages count as mapped file pages too.
  const int64_t base = resident_file_bytes();
  int64_t sum = 0, peak = 0;
  for (int64_t offset = 0; offset < bytes; offset += 4096) {
    sum += file->data()[offset];
    if (offset % (int64_t{16} << 20) == 0) {
      peak = std::max(peak, resident_file_bytes());
      std::this_thread::sleep_for(std::chrono::milliseconds(60));  // the trimmer looks every 50 ms
    }
  }
  util::set_mapped_resident_limit(limit);
  EXPECT_EQ(sum, bytes / 4096);
  EXPECT_GT(util::mapped_trims(), before) << "256 MiB read through a 32 MiB limit";
  // Each pause lets the trimmer act: far less than the 256 MiB read stays
  // resident (untrimmed, all of it would).
  EXPECT_LT(peak - base, int64_t{96} << 20);
}

}  // namespace
}  // namespace gas
