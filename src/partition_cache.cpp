#include <gas/partition_cache.h>

#include "util/system.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

namespace gas {
namespace {

// File layout (native little-endian): the magic, the header words below,
// then perm (int64 [num_nodes]) and ptr (int64 [num_parts + 1]).
constexpr char kMagic[8] = {'G', 'A', 'S', 'P', 'A', 'R', 'T', '1'};

struct Header {
  int64_t num_nodes, nnz;
  uint64_t graph_hash;
  int64_t num_parts, method, seed;
  uint64_t payload_hash;
};

uint64_t hash_words(const int64_t* p, int64_t n, uint64_t h) {
  for (int64_t i = 0; i < n; ++i) h = (h ^ static_cast<uint64_t>(p[i])) * 0x100000001b3ull + 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

uint64_t graph_hash(const CSR& adj) {
  const at::Tensor rowptr = adj.rowptr.cpu().contiguous(), col = adj.col.cpu().contiguous();
  const uint64_t h = hash_words(rowptr.data_ptr<int64_t>(), rowptr.numel(), 0xcbf29ce484222325ull);
  return hash_words(col.data_ptr<int64_t>(), col.numel(), h);
}

std::string file_name(const std::string& key, int64_t num_parts, PartitionMethod method, int64_t seed) {
  std::string safe = key;
  for (char& c : safe)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return safe + "-" + to_string(method) + "-" + std::to_string(num_parts) + "parts-seed" + std::to_string(seed) +
         ".partition";
}

// The cached partition, or an empty optional with `why` set.
std::optional<Partition> read_cache(const std::string& path, const Header& want, std::string& why) {
  if (!util::is_file(path)) {
    why = "no cache file yet";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string bytes = buf.str();
  const int64_t n = want.num_nodes, parts = want.num_parts;
  const size_t expected = sizeof kMagic + sizeof(Header) + (n + parts + 1) * sizeof(int64_t);
  Header got{};
  if (bytes.size() < sizeof kMagic + sizeof(Header) || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    why = "corrupt: not a gas partition file";
    return std::nullopt;
  }
  std::memcpy(&got, bytes.data() + sizeof kMagic, sizeof got);
  if (got.num_nodes != n || got.nnz != want.nnz || got.graph_hash != want.graph_hash) {
    why = "stale: written for a graph of " + std::to_string(got.num_nodes) + " nodes and " + std::to_string(got.nnz) +
          " entries (fingerprint differs)";
    return std::nullopt;
  }
  if (got.num_parts != parts || got.method != want.method || got.seed != want.seed) {
    why = "stale: written for other partition settings";
    return std::nullopt;
  }
  if (bytes.size() != expected) {
    why = "corrupt: " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(expected) + " (truncated?)";
    return std::nullopt;
  }
  const auto* payload = reinterpret_cast<const int64_t*>(bytes.data() + sizeof kMagic + sizeof(Header));
  if (hash_words(payload, n + parts + 1, 0) != got.payload_hash) {
    why = "corrupt: checksum mismatch";
    return std::nullopt;
  }
  Partition p{at::empty({n}, at::kLong), at::empty({parts + 1}, at::kLong)};
  std::memcpy(p.perm.data_ptr<int64_t>(), payload, n * sizeof(int64_t));
  std::memcpy(p.ptr.data_ptr<int64_t>(), payload + n, (parts + 1) * sizeof(int64_t));
  // The checksum guards against damage; these guard against a file written by a buggy writer.
  const int64_t* ptr = p.ptr.data_ptr<int64_t>();
  bool valid = ptr[0] == 0 && ptr[parts] == n;
  for (int64_t k = 0; valid && k < parts; ++k) valid = ptr[k] <= ptr[k + 1];
  std::vector<bool> seen(n, false);
  const int64_t* perm = p.perm.data_ptr<int64_t>();
  for (int64_t i = 0; valid && i < n; ++i) {
    valid = perm[i] >= 0 && perm[i] < n && !seen[perm[i]];
    if (valid) seen[perm[i]] = true;
  }
  if (!valid) {
    why = "corrupt: not a partition of the graph's nodes";
    return std::nullopt;
  }
  return p;
}

std::string serialize(Header h, const Partition& p) {
  const at::Tensor perm = p.perm.cpu().contiguous(), ptr = p.ptr.cpu().contiguous();
  std::string payload(static_cast<size_t>(perm.numel() + ptr.numel()) * sizeof(int64_t), '\0');
  std::memcpy(payload.data(), perm.data_ptr<int64_t>(), perm.numel() * sizeof(int64_t));
  std::memcpy(payload.data() + perm.numel() * sizeof(int64_t), ptr.data_ptr<int64_t>(), ptr.numel() * sizeof(int64_t));
  h.payload_hash = hash_words(reinterpret_cast<const int64_t*>(payload.data()), perm.numel() + ptr.numel(), 0);
  std::string out(kMagic, sizeof kMagic);
  out.append(reinterpret_cast<const char*>(&h), sizeof h);
  return out + payload;
}

}  // namespace

Partition cached_partition(const CSR& adj, int64_t num_parts, PartitionMethod method, int64_t seed,
                           const std::string& cache_dir, const std::string& key, PartitionCacheInfo* info) {
  PartitionCacheInfo local;
  PartitionCacheInfo& out = info ? *info : local;
  out = PartitionCacheInfo{};
  out.path = cache_dir + "/" + file_name(key, num_parts, method, seed);
  const Header want{adj.num_rows, adj.nnz(), graph_hash(adj), num_parts, static_cast<int64_t>(method), seed, 0};
  if (std::optional<Partition> cached = read_cache(out.path, want, out.note)) {
    out.hit = true;
    return *cached;
  }
  const Partition p = partition_graph(adj, num_parts, method, seed);
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  try {
    util::write_file_atomic(out.path, serialize(want, p));
  } catch (const std::runtime_error& e) {
    out.note += std::string(out.note.empty() ? "" : "; ") + "not written: " + e.what();
  }
  return p;
}

}  // namespace gas
