#pragma once
// Runs a test's body once for every CPU instruction set this machine has
// (ops/cpu/isa.h), so that each compiled variant of a kernel meets the
// reference, not only the widest.
#include "ops/cpu/isa.h"

#include <gtest/gtest.h>

#include <string>

namespace gas {
namespace testing {

template <typename Body>
void for_each_cpu_isa(Body&& body) {
  using ops::cpu::Isa;
  struct Restore {
    ~Restore() { ops::cpu::set_cpu_isa(Isa::Avx512); }  // the widest the CPU has
  } restore;
  for (const Isa isa : {Isa::Base, Isa::Avx2, Isa::Avx512}) {
    if (ops::cpu::set_cpu_isa(isa) != isa) continue;  // not on this CPU
    SCOPED_TRACE(std::string("CPU kernels: ") + ops::cpu::to_string(isa));
    body();
  }
}

}  // namespace testing
}  // namespace gas
