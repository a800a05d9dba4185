#include <gas/export.h>

#include "util/system.h"

#include <ATen/ATen.h>

#include <cstring>
#include <sstream>

namespace gas {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// numpy's .npy format 1.0: magic, header length, a Python dict literal
// padded so the data starts at a multiple of 64 bytes, then the raw data.
std::string npy_bytes(const at::Tensor& t) {
  std::string descr;
  switch (t.scalar_type()) {
    case at::kFloat:
      descr = "<f4";
      break;
    case at::kDouble:
      descr = "<f8";
      break;
    case at::kLong:
      descr = "<i8";
      break;
    case at::kInt:
      descr = "<i4";
      break;
    case at::kBool:
      descr = "|b1";
      break;
    default:
      TORCH_CHECK(false, "write_node_values: unsupported dtype ", t.scalar_type());
  }
  std::ostringstream shape;
  shape << "(";
  for (int64_t d = 0; d < t.dim(); ++d) shape << t.size(d) << (t.dim() == 1 || d + 1 < t.dim() ? "," : "");
  shape << ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape.str() + ", }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  const uint16_t len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
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
