// SPDX-License-Identifier: Apache-2.0
// bpf_fib_lookup(ctx, params, plen, flags): answered from the running
// program's platform's FibTable (runtime/fib.hpp has the semantics). The
// verifier has proven params readable and writable for plen bytes
// (ArgKind::PtrToMemInOut); the lookup touches only the first 64.
#include "runtime/fib.hpp"
#include "runtime/helpers/helpers.hpp"
#include "runtime/packet_context.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

uint64_t fib_lookup_helper(uint64_t ctx, uint64_t params, uint64_t plen, uint64_t flags, uint64_t) {
  FibCaller caller;
  if (SkBuff* b = SkBuff::from_ctx(ctx)) {
    caller.xdp = false;
    caller.skb_len = static_cast<uint32_t>(b->packet().size());
  } else if (!XdpBuff::from_ctx(ctx)) {
    raise_fault(ErrorCode::ExecHelperFault, "bpf_fib_lookup: context is not an XdpBuff or an SkBuff");
    return static_cast<uint64_t>(-EINVAL);
  }
  const RunContext* rc = current_run_context();
  const FibTable::State* table = rc && rc->platform ? rc->platform->fib() : nullptr;
  return static_cast<uint64_t>(
      fib_lookup(table, reinterpret_cast<uint8_t*>(params), plen, static_cast<uint32_t>(flags), caller));
}

}  // namespace

void append_fib_helpers(std::vector<FuncProto>& out) {
  using A = ArgKind;
  out.push_back(make_proto("bpf_fib_lookup", kHelperFibLookup, fib_lookup_helper, RetKind::Integer,
                           {A::PtrToCtx, A::PtrToMemInOut, A::ConstSize, A::Scalar}));
}

}  // namespace decade
