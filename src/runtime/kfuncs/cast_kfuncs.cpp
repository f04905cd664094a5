// SPDX-License-Identifier: Apache-2.0
// The kernel's pointer casts, with their verifier rules and a user-space
// meaning (docs/verifier.md, "Casts"):
//  - bpf_cast_to_kern_ctx(ctx): the kernel's own context behind the uapi
//    one (struct sk_buff behind __sk_buff, ...). Decade's contexts are the
//    uapi structs themselves, so it returns the context pointer unchanged;
//    the verifier types the result as a host-typed pointer that may be
//    passed on but not read (there are no kernel types to read it as).
//  - bpf_rdonly_cast(obj, btf_id): obj as an untrusted, read-only pointer
//    to the type btf_id names. It returns obj unchanged; the verifier types
//    the result as cast_to_kern_ctx's (a pointer that is not read).
// Both are the kernel's bpf_fastcall functions (r0 and their arguments'
// registers change).
#include "runtime/helpers/helpers.hpp"

namespace decade {
namespace {

uint64_t same_pointer(uint64_t p, uint64_t, uint64_t, uint64_t, uint64_t) { return p; }

}  // namespace

void append_cast_kfuncs(std::vector<FuncProto>& out) {
  using A = ArgKind;
  FuncProto kern = make_proto("bpf_cast_to_kern_ctx", 0, same_pointer, RetKind::BtfId, {A::PtrToCtx}, kHelperFastcall);
  FuncProto ro = make_proto("bpf_rdonly_cast", 0, same_pointer, RetKind::BtfId, {A::AnyPtrOrNull, A::Scalar}, kHelperFastcall);
  out.push_back(kern);
  out.push_back(ro);
}

}  // namespace decade
