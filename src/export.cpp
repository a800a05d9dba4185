#include <gas/export.h>

#include "datasets/npy.h"
#include "util/system.h"

#include <ATen/ATen.h>

#include <cstring>
#include <sstream>

namespace gas {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The array as numpy writes it: the header of npy.h, then the raw data.
std::string npy_bytes(const at::Tensor& t) {
  const at::ScalarType type = t.scalar_type();
  TORCH_CHECK(type == at::kFloat || type == at::kDouble || type == at::kLong || type == at::kInt || type == at::kBool,
              "write_node_values: unsupported dtype ", type);
  const char kind = type == at::kBool ? 'b' : at::isFloatingType(type) ? 'f' : 'i';
  std::string out = npy::header(npy::descr(kind, static_cast<int>(t.element_size())), t.sizes().vec());
  const size_t offset = out.size();
  out.resize(offset + t.numel() * t.element_size());
  std::memcpy(&out[offset], t.data_ptr(), t.numel() * t.element_size());
  return out;
}

std::string csv_text(const at::Tensor& t) {
  const at::Tensor v = t.dim() == 1 ? t.unsqueeze(1) : t;
  const bool integral = !at::isFloatingType(v.scalar_type());
  const at::Tensor values = integral ? v.to(at::kLong) : v.to(at::kDouble);
  std::ostringstream out;
  out.precision(9);
  out << "node_id";
  for (int64_t c = 0; c < values.size(1); ++c) out << ",v" << c;
  out << "\n";
  for (int64_t i = 0; i < values.size(0); ++i) {
    out << i;
    for (int64_t c = 0; c < values.size(1); ++c) {
      if (integral) {
        out << "," << values.data_ptr<int64_t>()[i * values.size(1) + c];
      } else {
        out << "," << values.data_ptr<double>()[i * values.size(1) + c];
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace

void write_node_values(const at::Tensor& values, const std::string& path) {
  TORCH_CHECK(values.dim() == 1 || values.dim() == 2, "write_node_values: expected [N] or [N, C] values, got ",
              values.sizes());
  const at::Tensor t = values.detach().cpu().contiguous();
  if (ends_with(path, ".npy")) {
    util::write_file_atomic(path, npy_bytes(t));
  } else if (ends_with(path, ".csv")) {
    util::write_file_atomic(path, csv_text(t));
  } else {
    TORCH_CHECK(false, "write_node_values: '", path, "' must end in .npy or .csv");
  }
}

}  // namespace gas
