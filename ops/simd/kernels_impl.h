// One ISA's KernelTable from the templates, for the per-ISA kernel files: each defines its
// vector type V (in an unnamed namespace) and then includes this.
#pragma once

#include "ops/simd/gates_impl.h"
#include "ops/simd/gemm_impl.h"
#include "ops/simd/kernel_table.h"

namespace seqrt::ops::simd {
namespace {

template <class V>
constexpr KernelTable MakeKernelTable(Isa isa) {
  return KernelTable{isa,
                     &GemmPackedImpl<V>,
                     &ActivateBlockImpl<V>,
                     &RnnRowImpl<V>,
                     &LstmRowImpl<V>,
                     &GruLbrRowImpl<V>,
                     &GruZrRowImpl<V>,
                     &GruHRowImpl<V>};
}

}  // namespace
}  // namespace seqrt::ops::simd
