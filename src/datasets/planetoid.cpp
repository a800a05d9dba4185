#include <gas/datasets/planetoid.h>

#include "datasets/pickle.h"
#include "util/system.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>

namespace gas {
namespace {

struct Files {
  std::string title;  // "Planetoid CiteSeer"
  std::string dir;
  std::string prefix;

  std::string path(const std::string& suffix) const { return dir + "/ind." + prefix + "." + suffix; }
};

[[noreturn]] void fail(const std::string& file, const std::string& message) { TORCH_CHECK(false, file, ": ", message); }

// The [rows, cols] dense float32 matrix of a pickled scipy CSR matrix.
at::Tensor dense_features(const Files& files, const std::string& suffix) {
  const std::string file = files.path(suffix);
  pickle::CsrMatrix m;
  std::vector<int64_t> indptr, indices;
  std::vector<double> data;
  try {
    m = pickle::as_csr_matrix(pickle::load_file(file), file);
    indptr = m.indptr.as_int64();
    indices = m.indices.as_int64();
    data = m.data.as_double();
  } catch (const std::runtime_error& e) {
    TORCH_CHECK(false, e.what());
  }
  if (indptr.front() != 0 || indptr.back() != static_cast<int64_t>(indices.size()))
    fail(file, "CSR indptr does not span the stored entries (corrupt)");
  at::Tensor x = at::zeros({m.rows, m.cols}, at::kFloat);
  float* out = x.data_ptr<float>();
  for (int64_t r = 0; r < m.rows; ++r) {
    if (indptr[r] > indptr[r + 1]) fail(file, "CSR indptr decreases at row " + std::to_string(r));
    for (int64_t e = indptr[r]; e < indptr[r + 1]; ++e) {
      if (indices[e] < 0 || indices[e] >= m.cols)
        fail(file, "feature column " + std::to_string(indices[e]) + " outside [0, " + std::to_string(m.cols) + ")");
      out[r * m.cols + indices[e]] += static_cast<float>(data[e]);
    }
  }
  return x;
}

// A pickled 2-D numpy array of one-hot labels, as int64.
at::Tensor one_hot_labels(const Files& files, const std::string& suffix) {
  const std::string file = files.path(suffix);
  try {
    const pickle::NdArray a = pickle::as_ndarray(pickle::load_file(file), file);
    if (a.shape.size() != 2) fail(file, "expected a 2-D label matrix, got " + std::to_string(a.shape.size()) + "-D");
    const std::vector<double> v = a.as_double();
    const int64_t rows = a.shape[0], cols = a.shape[1];
    // argmax would turn any damage into plausible labels: insist on one-hot
    // rows (or all-zero ones, which PyG maps to class 0 as well).
    for (int64_t r = 0; r < rows; ++r) {
      int64_t ones = 0;
      for (int64_t c = 0; c < cols; ++c) {
        const double value = v[r * cols + c];
        if (value != 0.0 && value != 1.0)
          fail(file, "row " + std::to_string(r) + " of the label matrix holds " + std::to_string(value) +
                         ", expected one-hot 0/1 rows");
        ones += value == 1.0;
      }
      if (ones > 1) fail(file, "row " + std::to_string(r) + " of the label matrix has " + std::to_string(ones) +
                               " classes set, expected one-hot rows");
    }
    return at::tensor(v, at::kDouble).view({rows, cols}).to(at::kLong);
  } catch (const std::runtime_error& e) {
    TORCH_CHECK(false, e.what());
  }
}

std::map<int64_t, std::vector<int64_t>> adjacency_lists(const Files& files) {
  const std::string file = files.path("graph");
  try {
    return pickle::as_int_list_dict(pickle::load_file(file), file);
  } catch (const std::runtime_error& e) {
    TORCH_CHECK(false, e.what());
  }
}

at::Tensor test_index(const Files& files) {
  const std::string file = files.path("test.index");
  std::ifstream in(file);
  TORCH_CHECK(in.good(), "cannot open '", file, "': ", util::errno_message());
  std::vector<int64_t> ids;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    size_t used = 0;
    int64_t id = -1;
    try {
      id = std::stoll(line, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || line.find_first_not_of(" \t\r", used) != std::string::npos || id < 0)
      fail(file, "line " + std::to_string(number) + ": expected a node id, got '" + line + "'");
    ids.push_back(id);
  }
  if (ids.empty()) fail(file, "no test node ids (empty file)");
  return at::tensor(ids, at::kLong);
}

Files locate(const std::string& root, const std::string& name) {
  std::string lname = name;
  std::transform(lname.begin(), lname.end(), lname.begin(), [](unsigned char c) { return std::tolower(c); });
  static const std::map<std::string, std::string> dirs = {
      {"cora", "Cora"}, {"citeseer", "CiteSeer"}, {"pubmed", "PubMed"}};
  const auto it = dirs.find(lname);
  TORCH_CHECK(it != dirs.end(), "unknown Planetoid dataset '", name, "' (valid: cora, citeseer, pubmed)");
  Files files{"Planetoid " + it->second, root + "/Planetoid/" + it->second + "/raw", lname};
  for (const char* suffix : {"x", "tx", "allx", "y", "ty", "ally", "graph", "test.index"}) {
    TORCH_CHECK(util::is_file(files.path(suffix)), files.title, ": missing raw file '", files.path(suffix),
                "'; expected PyG's Planetoid files ind.", lname, ".{x,tx,allx,y,ty,ally,graph,test.index} in ",
                files.dir);
  }
  return files;
}

}  // namespace

Dataset load_planetoid(const std::string& root, const std::string& name) {
  const Files files = locate(root, name);
  const at::Tensor x_train = dense_features(files, "x");
  const at::Tensor tx = dense_features(files, "tx");
  const at::Tensor allx = dense_features(files, "allx");
  const at::Tensor y_train = one_hot_labels(files, "y");
  const at::Tensor ty = one_hot_labels(files, "ty");
  const at::Tensor ally = one_hot_labels(files, "ally");
  const at::Tensor test = test_index(files);

  const int64_t num_features = allx.size(1);
  const int64_t num_classes = ally.size(1);
  TORCH_CHECK(tx.size(1) == num_features && x_train.size(1) == num_features, files.title,
              ": feature widths differ between x (", x_train.size(1), "), tx (", tx.size(1), ") and allx (",
              num_features, ")");
  TORCH_CHECK(ty.size(1) == num_classes && y_train.size(1) == num_classes, files.title,
              ": label widths differ between y, ty and ally");
  TORCH_CHECK(ty.size(0) == tx.size(0), files.title, ": tx has ", tx.size(0), " rows, ty ", ty.size(0));
  TORCH_CHECK(ally.size(0) == allx.size(0), files.title, ": allx has ", allx.size(0), " rows, ally ", ally.size(0));
  TORCH_CHECK(test.numel() == tx.size(0), files.title, ": test.index lists ", test.numel(), " nodes, tx has ",
              tx.size(0), " rows");
  TORCH_CHECK(y_train.size(0) + 500 <= ally.size(0), files.title,
              ": too few labelled nodes for the 500 validation nodes");

  // Test rows are stored in test.index order; PyG places row i at sorted
  // position i. Ids of the test range without a row (CiteSeer's isolated
  // nodes) get zero features and label 0, and are in no split.
  const at::Tensor sorted_test = std::get<0>(test.sort());
  const int64_t lo = sorted_test[0].item<int64_t>();
  const int64_t hi = sorted_test[-1].item<int64_t>();
  TORCH_CHECK(lo == allx.size(0), files.title, ": test ids start at ", lo, ", expected ", allx.size(0),
              " (right after the allx rows)");
  TORCH_CHECK(std::get<0>(at::unique_consecutive(sorted_test)).numel() == test.numel(), files.title,
              ": test.index repeats node ids");
  const int64_t span = hi - lo + 1;
  at::Tensor tx_ext = at::zeros({span, num_features}, at::kFloat);
  at::Tensor ty_ext = at::zeros({span, num_classes}, at::kLong);
  tx_ext.index_copy_(0, sorted_test - lo, tx);
  ty_ext.index_copy_(0, sorted_test - lo, ty);

  Dataset data;
  data.name = files.prefix;
  at::Tensor x = at::cat({allx, tx_ext});
  x.index_copy_(0, test, x.index_select(0, sorted_test));
  at::Tensor y = at::cat({ally, ty_ext}).argmax(1);
  y.index_copy_(0, test, y.index_select(0, sorted_test));
  const int64_t n = x.size(0);

  std::vector<int64_t> src, dst;
  for (const auto& [node, neighbours] : adjacency_lists(files)) {
    for (int64_t other : neighbours) {
      TORCH_CHECK(node >= 0 && node < n && other >= 0 && other < n, files.path("graph"), ": edge (", node, ", ", other,
                  ") references a node outside [0, ", n, ")");
      src.push_back(node);
      dst.push_back(other);
    }
  }
  const at::Tensor edge_index = at::stack({at::tensor(src, at::kLong), at::tensor(dst, at::kLong)});
  data.adj = remove_self_loops(csr_from_edge_index(edge_index, n, n));

  data.x = normalize_features(x);
  data.y = y;
  data.num_classes = num_classes;
  const int64_t num_train = y_train.size(0);
  data.train_mask = at::zeros({n}, at::kBool);
  data.train_mask.narrow(0, 0, num_train).fill_(true);
  data.val_mask = at::zeros({n}, at::kBool);
  data.val_mask.narrow(0, num_train, 500).fill_(true);
  data.test_mask = at::zeros({n}, at::kBool);
  data.test_mask.index_fill_(0, test, true);
  return data;
}

}  // namespace gas
