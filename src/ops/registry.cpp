#include "ops/registry.h"

#include <c10/core/DeviceType.h>

#include <mutex>
#include <vector>

namespace gas {
namespace ops {
namespace {

// Every op's table, in order of first use; tables live until exit.
std::vector<const detail::KernelTableBase*>& tables() {
  static std::vector<const detail::KernelTableBase*> all;
  return all;
}

std::mutex& tables_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

namespace detail {

KernelTableBase::KernelTableBase(const char* op) : op_(op) {
  std::lock_guard<std::mutex> lock(tables_mutex());
  tables().push_back(this);
}

void KernelTableBase::missing(c10::Device device) const {
  TORCH_CHECK(false, op_, ": no kernel for device ", device, " in this build of gas (kernels for: ", kernel_devices(),
              ")");
}

}  // namespace detail

bool has_kernels_for(c10::DeviceType type) {
  std::lock_guard<std::mutex> lock(tables_mutex());
  if (tables().empty()) return false;
  for (const auto* t : tables())
    if (!t->has(type)) return false;
  return true;
}

std::string kernel_devices() {
  std::string out;
  for (const c10::DeviceType type : {c10::DeviceType::CPU, c10::DeviceType::CUDA}) {
    if (!has_kernels_for(type)) continue;
    if (!out.empty()) out += ", ";
    out += c10::DeviceTypeName(type, /*lower_case=*/true);
  }
  return out.empty() ? "none" : out;
}

}  // namespace ops
}  // namespace gas
