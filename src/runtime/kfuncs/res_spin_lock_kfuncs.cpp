// SPDX-License-Identifier: Apache-2.0
// The bpf_res_spin_lock kfuncs (runtime/res_spin_lock.hpp has the lock).
// The irqsave forms behave like the plain ones: a host thread has no
// interrupts to disable, so the flag slot gets 0 and restoring ignores it;
// the verifier still pairs each lock with its own slot as the kernel does.

#include "runtime/helpers/helpers.hpp"
#include "runtime/res_spin_lock.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

uint64_t res_lock(uint64_t lock, uint64_t, uint64_t, uint64_t, uint64_t) {
  return static_cast<uint64_t>(res_lock_acquire(lock));
}

uint64_t res_lock_irqsave(uint64_t lock, uint64_t flags, uint64_t, uint64_t, uint64_t) {
  *reinterpret_cast<uint64_t*>(flags) = 0;
  return static_cast<uint64_t>(res_lock_acquire(lock));
}

// A verified program unlocks only what it holds; an unchecked one may not.
uint64_t res_unlock(uint64_t lock, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (!res_lock_release(lock)) raise_fault(ErrorCode::ExecHelperFault, "bpf_res_spin_unlock of a lock the run does not hold");
  return 0;
}

}  // namespace

void append_res_lock_kfuncs(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  out.push_back(make_proto("bpf_res_spin_lock", 0, res_lock, R::Integer, {A::PtrToResSpinLock}, kHelperResLock));
  out.push_back(make_proto("bpf_res_spin_unlock", 0, res_unlock, R::Void, {A::PtrToResSpinLock}, kHelperResUnlock));
  out.push_back(make_proto("bpf_res_spin_lock_irqsave", 0, res_lock_irqsave, R::Integer,
                           {A::PtrToResSpinLock, A::PtrToIrqFlag}, kHelperResLock));
  out.push_back(make_proto("bpf_res_spin_unlock_irqrestore", 0, res_unlock, R::Void,
                           {A::PtrToResSpinLock, A::PtrToIrqFlag}, kHelperResUnlock));
}

}  // namespace decade
