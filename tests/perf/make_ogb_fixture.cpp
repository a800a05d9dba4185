// Writes a random graph in OGB's raw layout (gzipped CSV), sized like
// ogbn-products by default, to measure what loading such a graph costs:
//
//   gas_make_ogb_fixture DIR [nodes=2449029] [edges=61859140] [features=100] [classes=47]
//   gas_data info dataset=ogbn-products root=DIR
//
// Edges are uniform random pairs without self-loops, features uniform in
// [-1, 1) with six decimals, labels uniform; 8% / 2% / 90% of the nodes
// train / validate / test (about ogbn-products' split). Nothing here is
// checked: the output only needs the real dataset's sizes.

#include <zlib.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace {

class GzWriter {
 public:
  explicit GzWriter(const std::string& path) : file_(gzopen(path.c_str(), "wb1")) {
    if (!file_) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      std::exit(1);
    }
    buffer_.reserve(1 << 20);
  }
  ~GzWriter() {
    flush();
    gzclose(file_);
  }
  void put(const std::string& s) {
    buffer_ += s;
    if (buffer_.size() > (1 << 20) - 4096) flush();
  }
  template <typename T>
  void number(T v) {
    char tmp[64];
    const auto end = std::to_chars(tmp, tmp + sizeof tmp, v).ptr;
    buffer_.append(tmp, end);
  }
  void fixed(double v) {
    char tmp[64];
    const auto end = std::to_chars(tmp, tmp + sizeof tmp, v, std::chars_format::fixed, 6).ptr;
    buffer_.append(tmp, end);
  }
  void flush() {
    if (!buffer_.empty()) gzwrite(file_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
    buffer_.clear();
  }

 private:
  gzFile file_;
  std::string buffer_;
};

int64_t arg(int argc, char** argv, int i, int64_t fallback) { return argc > i ? std::atoll(argv[i]) : fallback; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [nodes] [edges] [features] [classes]\n", argv[0]);
    return 2;
  }
  const std::string dir = std::string(argv[1]) + "/OGB/ogbn_products";
  const int64_t n = arg(argc, argv, 2, 2449029), m = arg(argc, argv, 3, 61859140);
  const int64_t f = arg(argc, argv, 4, 100), c = arg(argc, argv, 5, 47);
  std::filesystem::create_directories(dir + "/raw");
  std::filesystem::create_directories(dir + "/split/sales_ranking");
  std::mt19937_64 rng(0);
  std::uniform_int_distribution<int64_t> node(0, n - 1), label(0, c - 1);
  std::uniform_real_distribution<double> value(-1.0, 1.0);
  {
    GzWriter out(dir + "/raw/node-label.csv.gz");
    for (int64_t i = 0; i < n; ++i) out.number(label(rng)), out.put("\n");
  }
  {
    GzWriter out(dir + "/raw/edge.csv.gz");
    for (int64_t e = 0; e < m; ++e) {
      const int64_t u = node(rng);
      int64_t v = node(rng);
      if (v == u) v = (u + 1) % n;
      out.number(u), out.put(","), out.number(v), out.put("\n");
    }
  }
  {
    GzWriter out(dir + "/raw/node-feat.csv.gz");
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < f; ++k) out.fixed(value(rng)), out.put(k + 1 < f ? "," : "\n");
  }
  GzWriter train(dir + "/split/sales_ranking/train.csv.gz"), valid(dir + "/split/sales_ranking/valid.csv.gz"),
      test(dir + "/split/sales_ranking/test.csv.gz");
  for (int64_t i = 0; i < n; ++i) {
    GzWriter& out = i % 50 < 4 ? train : i % 50 == 4 ? valid : test;
    out.number(i), out.put("\n");
  }
  return 0;
}
