#pragma once
// The one place an op's kernel is chosen for a device.
//
// Each op declares its kernels' signatures once, in ops/<op>_kernel.h, with
// GAS_DECLARE_KERNEL; the front op (ops/<op>.cpp) defines the table with
// GAS_DEFINE_KERNEL and calls GAS_KERNEL(name, device)(args...). Each backend
// registers its implementation in a file of its own (ops/cpu/<op>_cpu.cpp,
// cuda/<op>_cuda.cu) with GAS_REGISTER_KERNEL, at load time, so a new backend
// is new files and no call site changes. A device without a kernel is an
// error naming the op and the device, never a silent fallback.
//
// Registration runs from static initialisers of the kernel files: they must
// be linked whole (a shared library or an object library, never a static
// archive from which the linker could drop a file nothing else references).

#include <gas/ops/devices.h>

#include <c10/core/Device.h>
#include <c10/core/DeviceType.h>
#include <c10/util/Exception.h>

#include <array>
#include <string>

namespace gas {
namespace ops {

namespace detail {

class KernelTableBase {
 public:
  explicit KernelTableBase(const char* op);
  const char* op() const { return op_; }
  bool has(c10::DeviceType type) const { return present_[index(type)]; }

 protected:
  static size_t index(c10::DeviceType type) { return static_cast<size_t>(type); }
  [[noreturn]] void missing(c10::Device device) const;
  void mark(c10::DeviceType type) { present_[index(type)] = true; }

 private:
  const char* op_;
  std::array<bool, static_cast<size_t>(c10::DeviceType::COMPILE_TIME_MAX_DEVICE_TYPES)> present_{};
};

/// The kernels of one op, one per device type.
template <typename Fn>
class KernelTable : public KernelTableBase {
 public:
  using KernelTableBase::KernelTableBase;

  Fn* operator()(c10::Device device) const {
    Fn* fn = kernels_[index(device.type())];
    if (fn == nullptr) missing(device);
    return fn;
  }
  bool set(c10::DeviceType type, Fn* fn) {
    TORCH_CHECK(kernels_[index(type)] == nullptr, op(), ": a second kernel registered for ", type);
    kernels_[index(type)] = fn;
    mark(type);
    return true;
  }

 private:
  std::array<Fn*, static_cast<size_t>(c10::DeviceType::COMPILE_TIME_MAX_DEVICE_TYPES)> kernels_{};
};

}  // namespace detail

/// Declares the kernel table of op `name` with kernels of the function type
/// that follows (the op's schema, for every backend).
#define GAS_DECLARE_KERNEL(name, ...) \
  using name##_fn = __VA_ARGS__;      \
  ::gas::ops::detail::KernelTable<name##_fn>& name##_kernels()

/// Defines the table (once, in the front op's file); built on first use, so
/// registrations from any file's static initialiser find it.
#define GAS_DEFINE_KERNEL(name)                                          \
  ::gas::ops::detail::KernelTable<name##_fn>& name##_kernels() {         \
    static ::gas::ops::detail::KernelTable<name##_fn> table(#name);       \
    return table;                                                        \
  }

/// Registers `fn` as op `name`'s kernel for c10::DeviceType::`device`.
#define GAS_REGISTER_KERNEL(name, device, fn) \
  static const bool gas_registered_##name##_##device = ::gas::ops::name##_kernels().set(c10::DeviceType::device, fn)

/// The kernel of op `name` for `device` (throws naming both when there is none).
#define GAS_KERNEL(name, device) (::gas::ops::name##_kernels()(device))

}  // namespace ops
}  // namespace gas
