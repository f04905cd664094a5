// SPDX-License-Identifier: Apache-2.0
// The platform is a value: helpers, kfuncs, program types and map types live
// in tables the host can extend. The verifier reads the prototypes and
// context layouts; the engines read the function pointers.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "decade/error.hpp"
#include "decade/fib.hpp"

namespace decade {

// Every helper and kfunc is called with the BPF calling convention mapped
// onto the host's: five 64-bit arguments in, one 64-bit result out.
using HelperFn = uint64_t (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
// A host function of 6 to 12 arguments (the stackargs extension,
// docs/isa-extensions.md): arguments 6.. are numbers the program stores in
// its stack-argument slots; unused trailing parameters get 0.
using HelperFnWide = uint64_t (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                  uint64_t, uint64_t, uint64_t, uint64_t);

// Argument kinds of helper/kfunc prototypes (the verifier's obligations).
enum class ArgKind : uint8_t {
  None,              // argument not used
  Scalar,            // any initialised scalar
  ConstSize,         // scalar size of the preceding memory argument, > 0
  ConstSizeOrZero,   // same, may be 0
  PtrToMem,          // readable memory of the size given by the next ConstSize arg
  PtrToUninitMem,    // writable memory the helper fills (size in the next arg)
  PtrToMemInOut,     // initialised memory the helper reads and rewrites (bpf_fib_lookup's params; size in the next arg)
  PtrToMapKey,       // memory of the map's key size
  PtrToMapValue,     // memory of the map's value size (read)
  PtrToUninitMapValue,  // memory of the map's value size (written)
  ConstMapPtr,       // a map pointer from ld_imm64
  PtrToCtx,          // the program's context
  PtrToFunc,         // a callback: address of a subprogram (ld_imm64 src=4)
  PtrToStack,        // pointer into the program's stack
  PtrToConstStr,     // NUL-terminated read-only string (e.g. .rodata)
  PtrToRingbufMem,   // memory returned by ringbuf_reserve (released by this call)
  PtrToSpinLock,     // a struct bpf_spin_lock inside a map value
  PtrToResSpinLock,  // a struct bpf_res_spin_lock inside a map value
  PtrToTimer,        // the struct bpf_timer of a map value (MapDef::timer_off), exactly
  PtrToIrqFlag,      // an aligned 8-byte stack slot the call saves "irq flags" in (res lock irqsave forms)
  PtrToBtfId,        // pointer to a registered host type (btf_type names it)
  PtrToArena,        // arena map pointer for arena kfuncs
  PtrToIter,         // pointer to an open-coded iterator on the stack
  AnyPtrOrNull,      // anything (probe_read source)
  // A socket the program holds (the kernel's PTR_TO_SOCKET / sock_common):
  // from a socket map lookup or a context's socket field, NULL-checked.
  PtrToSocket,
  PtrToSocketOrNull,  // the same, or NULL (bpf_sk_assign)
  // The kernel's ARG_PTR_TO_SOCK_COMMON: a socket, a socket's common part
  // (__sk_buff.sk, bpf_skc_lookup_tcp) or a TCP socket, NULL-checked
  // (bpf_sk_fullsock, bpf_tcp_sock, bpf_get_listener_sock).
  PtrToSockCommon,
  // ARG_PTR_TO_BTF_ID_SOCK_COMMON: the same or a host-typed socket pointer
  // (a bpf_skc_to_* result): bpf_sk_release, bpf_skc_to_*, bpf_sk_storage_get.
  PtrToBtfSockCommon,
  // Fixed-size memory, FuncProto::arg_fixed_size[i] bytes. The in-out kind
  // is writable memory the helper reads and then rewrites (bpf_check_mtu's
  // u32 *mtu_len); as the kernel's MEM_WRITE it may be uninitialised stack:
  // the helper then reads zero (the engines zero the stack of such
  // programs). Both written kinds are aligned to their size (MEM_ALIGNED).
  PtrToFixedMemInOut,
  PtrToFixedUninitMem,  // bytes the helper only writes (bpf_strtol's result)
  // Bytes the helper only reads, initialised and of any alignment (the
  // kernel's ARG_PTR_TO_FIXED_SIZE_MEM: the syncookie helpers' IP and TCP
  // headers).
  PtrToFixedMem,
  // NULL, or memory of 8 bytes per word of the next argument (a u32 word
  // count) that the function reads only when the count is in
  // [1, fixed_mem_size] (bpf_iter_bits_new's source; the kernel's __ign
  // argument, read with bpf_probe_read_kernel): the verifier proves the
  // largest such read in bounds, any other count reads nothing.
  PtrToWordsOrNull,
};

enum class RetKind : uint8_t {
  Integer,            // scalar result
  Void,               // r0 is undefined after the call
  MapValueOrNull,     // pointer to a value of the map in arg 1, or NULL
  MapValue,           // pointer to a value of the map in arg 1, never NULL (bpf_get_local_storage)
  MemOrNull,          // pointer to memory of size given by an argument (ringbuf_reserve), or NULL
  BtfIdOrNull,        // pointer to a registered host type, or NULL (ret_btf_type "bpf_sock",
                      // "sock_common" or "bpf_tcp_sock": the kernel's socket pointers, readable)
  BtfId,              // pointer to a registered host type, never NULL
  ArenaPtrOrNull,     // arena address (bpf_arena_alloc_pages)
  IntOrNull,          // pointer to an int (iterator next), or NULL
};

// Reference tracking and special behaviour.
enum HelperFlags : uint32_t {
  kHelperAcquire = 1u << 0,      // result is a reference that must be released
  kHelperRelease = 1u << 1,      // releases the reference passed in release_arg
  kHelperMaySleep = 1u << 2,
  // The kernel's bpf_fastcall mark: the call changes only the registers in
  // FuncProto::fastcall_clobbers, so the verifier may remove the spill/fill
  // pairs clang-22 puts around it (verifier/fastcall.hpp); the verifier
  // itself still clobbers r1-r5, as the pairs are verified as written.
  kHelperFastcall = 1u << 3,
  kHelperCallback = 1u << 4,     // takes a callback (bpf_loop, for_each_map_elem)
  kHelperNullable = 1u << 5,     // pointer args may be NULL (kfunc __nullable)
  kHelperForbiddenUnderLock = 1u << 6,
  kHelperIterNew = 1u << 7,      // open-coded iterator constructor
  kHelperIterNext = 1u << 8,
  kHelperIterDestroy = 1u << 9,
  // Reads memory at an address the program computes (bpf_probe_read*):
  // offered only to tracing program types, and only with kGrantReadHostMemory.
  kHelperReadsHostMemory = 1u << 10,
  // bpf_res_spin_lock(_irqsave): returns 0 with the lock (arg 1) held, or a
  // negative errno without it; bpf_res_spin_unlock(_irqrestore) releases it.
  // With a PtrToIrqFlag argument the pair must use the same flag slot.
  kHelperResLock = 1u << 11,
  kHelperResUnlock = 1u << 12,
  // Never returns: the run unwinds every frame (bpf_throw). The verifier
  // ends the path at the call; the engines finish the run with the
  // program's exception callback (runtime/exception.hpp).
  kHelperThrows = 1u << 13,
  // May move or resize the packet (bpf_xdp_adjust_*, bpf_skb_store_bytes,
  // ...; the kernel's bpf_helper_changes_pkt_data): the verifier invalidates
  // every packet pointer of every frame after the call.
  kHelperChangesPacket = 1u << 14,
  // A cast of the socket in argument 1 (the kernel's is_ptr_cast_function:
  // bpf_sk_fullsock, bpf_tcp_sock, bpf_skc_to_*): the result carries the
  // argument's reference, so releasing either releases both.
  kHelperSockCast = 1u << 15,
};

// Privileges beyond the sandbox, given by the host (the kernel's
// capabilities); a Platform grants none until the host says so.
enum HostGrant : uint32_t {
  // The kernel's CAP_PERFMON for tracing programs: kHelperReadsHostMemory
  // helpers may be called, and they (and the string conversions of
  // bpf_trace_printk / bpf_snprintf) read inside Platform's readable ranges.
  kGrantReadHostMemory = 1u << 0,
  // The kernel's verifier rules for root (CAP_BPF + CAP_PERFMON: its
  // allow_ptr_leaks and allow_uninit_stack): pointers may be stored into
  // memory, returned, compared and turned into numbers, and uninitialised
  // stack may be read (the engines zero the stack for such programs). What
  // a program stores or returns is a number to everything that reads it
  // later: no pointer is ever made from it. docs/verifier.md "Privilege".
  kGrantPrivileged = 1u << 1,
};

// [start, start + size) of host memory.
struct AddressRange {
  uint64_t start = 0;
  uint64_t size = 0;
};

struct FuncProto {
  std::string name;
  uint32_t id = 0;                    // helper id, or the kfunc's BTF id once resolved
  HelperFn fn = nullptr;
  RetKind ret = RetKind::Integer;
  std::array<ArgKind, 5> args{};      // None past the last argument
  uint32_t flags = 0;
  int8_t release_arg = -1;            // which argument kHelperRelease releases
  int8_t mem_size_arg = -1;           // for RetKind::MemOrNull: the argument giving the size
  std::string ret_btf_type;           // for BtfId returns: the registered type name
  std::array<std::string, 5> arg_btf_types{};  // for PtrToBtfId args
  uint32_t callback_args = 0;         // for kHelperCallback: number of args the callback gets
  // For kHelperFastcall: the registers among r0-r5 (bit i for ri) the call
  // may change. Where the verifier removed a call's spill/fill pairs, the
  // engines keep the other registers across it. make_proto sets r0 (unless
  // the return is Void) and the argument registers.
  uint8_t fastcall_clobbers = 0x3f;
  // stackargs: a function of more than five arguments has fn_wide, and
  // stack_args numbers past r5 (at most kMaxStackArgs); its fn is a stub
  // that fails the run (ExecBadCall), for a caller that cannot pass them.
  HelperFnWide fn_wide = nullptr;
  uint8_t stack_args = 0;
  // For PtrToWordsOrNull: the most words the function reads.
  uint32_t fixed_mem_size = 0;
  // For PtrToFixedMem, PtrToFixedMemInOut and PtrToFixedUninitMem: each such argument's size.
  std::array<uint32_t, 5> arg_fixed_size{};
  uint32_t iter_size = 8;             // for PtrToIter: the iterator's bytes on the stack (a multiple of 8)
};

// A prototype for `fn`, a function of 5 + stack_args arguments (the last
// stack_args of them numbers); the caller fills in args (r1-r5) and the rest.
FuncProto make_wide_proto(std::string name, HelperFnWide fn, uint8_t stack_args);

// Calls p (fn_wide when it has one) with r1-r5 = regs[0..4] and the
// stack arguments stack[0..6] (nullptr when p takes none).
inline uint64_t call_proto_fn(const FuncProto& p, const uint64_t* regs, const uint64_t* stack) {
  if (!p.fn_wide) return p.fn(regs[0], regs[1], regs[2], regs[3], regs[4]);
  uint64_t a[7] = {};
  for (uint8_t k = 0; k < p.stack_args && k < 7; ++k) a[k] = stack[k];
  return p.fn_wide(regs[0], regs[1], regs[2], regs[3], regs[4], a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
}

// r0 (unless p returns Void) and the registers of p's arguments, as bits
// for r0-r5: what a call to p changes in the kernel's fastcall accounting.
uint8_t argument_clobbers(const FuncProto& p);

// Context fields of a program type.
enum class CtxFieldKind : uint8_t {
  Scalar,       // plain integer field
  PacketData,   // pointer to packet start
  PacketEnd,    // pointer one past the packet
  PacketMeta,   // pointer to packet metadata
  PtrToBtf,     // pointer to a registered host type: btf_type "bpf_sock" or "sock_common" are the
                // kernel's socket pointers (fields readable as uapi struct bpf_sock), others not readable
  Mem,          // pointer to mem_size bytes the program reads and writes (flow_dissector's flow_keys)
};

struct CtxField {
  std::string name;
  uint32_t offset = 0;
  uint32_t size = 0;          // bytes
  bool readable = true;
  bool writable = false;
  // Access widths, as the kernel's *_is_valid_access functions allow them:
  // every access is aligned to its own size and lies inside one field; a
  // scalar load narrower than the field (1, 2 or 4 bytes) needs narrow_read,
  // a narrower store narrow_write. Pointer fields are always read whole.
  bool narrow_read = true;
  bool narrow_write = false;
  // Writable only under kGrantPrivileged (the kernel's CAP_BPF check:
  // cgroup_skb's tstamp).
  bool write_privileged = false;
  CtxFieldKind kind = CtxFieldKind::Scalar;
  std::string btf_type;       // for PtrToBtf
  bool maybe_null = false;    // for PtrToBtf: the pointer may be NULL (the kernel's *_OR_NULL)
  uint32_t mem_size = 0;      // for Mem
};

// Which of the kernel's per-type helper lists (xdp_func_proto,
// tc_cls_act_func_proto, ...) a type's allow list follows for the helpers
// that only some types get (packet_helper_types in runtime/helpers).
enum class HelperList : uint8_t {
  Base,          // none of the type-specific helpers
  Xdp,           // xdp, xdp_devmap, xdp_cpumap
  Tc,            // sched_cls, sched_act
  SocketFilter,
  CgroupSkb,
  Lwt,           // lwt_in, lwt_out, lwt_seg6local (lwt_out_func_proto)
  LwtXmit,
  SkSkb,
  FlowDissector,
  SkReuseport,
  SockOps,       // sock_ops_func_proto
  SkMsg,         // sk_msg_func_proto
  SkLookup,      // sk_lookup_func_proto
  CgroupSysctl,  // sysctl_func_proto
};

// How BpfProgram::test_run builds a run's context.
enum class RunCtx : uint8_t {
  Memory,       // r1 = a copy of the caller's ctx (ctx_size bytes, zero-filled)
  Xdp,          // xdp_md over the caller's data
  Skb,          // __sk_buff over the caller's data, which starts at the link-layer header (tc)
  SkbL3,        // the same, but the packet the program sees starts at the network header:
                // the kernel's test run pulls the link-layer header for these types
  Unsupported,  // no test run: the context holds pointers the runtime does not provide
};

struct ProgramType {
  std::string name;                        // "xdp", "socket_filter", ...
  std::vector<std::string> sec_prefixes;   // libbpf SEC() names: "xdp", "tc", "classifier", ...
  uint32_t ctx_size = 0;                   // bytes the program may address in the context
  std::vector<CtxField> fields;            // empty with raw_ctx: the whole context is plain memory
  bool raw_ctx = false;                    // r1 = memory, r2 = length (the "raw" uBPF-style type)
  // The context is ordinary memory: any access inside [0, ctx_size) (or the
  // run's r2 length for raw_ctx) is allowed and fields is empty (syscall, raw).
  bool plain_ctx = false;
  bool has_packet = false;
  // Direct packet stores are allowed (may_access_direct_pkt_data): types
  // that only read the packet (cgroup_skb, lwt_in, ...) leave it false.
  bool packet_writable = false;
  // The legacy packet loads LD_ABS/LD_IND (r6 = ctx) are allowed.
  bool legacy_packet_loads = false;
  HelperList helper_list = HelperList::Base;
  RunCtx run = RunCtx::Memory;
  int64_t ret_min = INT64_MIN;             // allowed return range (inclusive)
  int64_t ret_max = INT64_MAX;
  std::vector<uint32_t> helpers;           // helper ids allowed; empty = every registered helper
  // One of the kernel's tracing types (kprobe, uprobe, tracepoint,
  // perf_event, raw_tp, fentry, ...): the only ones offered helpers that read
  // host memory (kHelperReadsHostMemory), as bpf_tracing_func_proto does.
  bool tracing = false;
  // bpf_ktime_get_coarse_ns may be called. The kernel's tracing types may
  // run in NMI context, where the coarse clock is unsafe, and Linux refuses
  // it to them; uprobes run in user space here, so they keep it.
  bool coarse_clock = true;
  // The context starts with an x86-64 struct pt_regs (kprobe, uprobe,
  // perf_event): bpf_get_stack and bpf_get_stackid walk the user stack
  // from it. Other types' contexts have no registers to walk from.
  bool pt_regs_ctx = false;
};

// The host's description of everything programs can reach. Copyable value:
// a host builds one, registers its additions, and hands it to load/verify.
class Platform {
 public:
  // The built-in helpers, kfuncs and program types.
  static Platform standard();

  Status add_helper(FuncProto proto);      // by proto.id
  Status add_kfunc(FuncProto proto);       // by proto.name
  Status add_program_type(ProgramType t);  // by t.name
  // Adds a registered helper to a registered program type's allow list, so a
  // host can extend a type without rebuilding the platform. A type with an
  // empty list already allows every helper and is left as it is.
  Status allow_helper(const std::string& type, uint32_t id);

  const FuncProto* helper(uint32_t id) const;
  const FuncProto* kfunc(const std::string& name) const;
  const ProgramType* program_type(const std::string& name) const;
  // libbpf section-name matching: "xdp", "tc/ingress", "uprobe/libc.so:malloc", ...
  // sec_prefixes use libbpf's convention: "xdp+" matches "xdp" and "xdp/...",
  // "uprobe.s+" the same for "uprobe.s"; a pattern without '+' matches exactly.
  // The longest matching pattern wins.
  const ProgramType* program_type_for_section(const std::string& sec) const;
  // Whether a program of this type may call helper id (the type's allow list).
  bool helper_allowed(const ProgramType& type, uint32_t id) const;

  // ---- Privileges (none by default) ----
  void grant(uint32_t grants) { grants_ |= grants; }
  uint32_t grants() const { return grants_; }
  // Host memory that reads under kGrantReadHostMemory may reach; nothing
  // until the host adds a range, so Decade's own state (heap, stacks, maps,
  // code) is never readable unless the host lists it. An empty or wrapping
  // range is InvalidArgument.
  Status add_readable_range(AddressRange r);
  const std::vector<AddressRange>& readable_ranges() const { return readable_; }
  // How many bytes from addr (at most max) lie inside one readable range;
  // 0 without kGrantReadHostMemory.
  uint64_t readable_prefix(uint64_t addr, uint64_t max) const;
  // Why a program of `type` may not call `proto` under the privilege model
  // (names the helper and the missing type or grant), or nullopt.
  std::optional<std::string> privilege_denied(const ProgramType& type, const FuncProto& proto) const;

  // The routing table bpf_fib_lookup answers from (shared with the host,
  // which may change it while programs run); without one every lookup is
  // -ENODEV, as in a namespace without interfaces.
  void set_fib(const FibTable& fib) { fib_ = fib.state(); }
  const FibTable::State* fib() const { return fib_.get(); }

  const std::map<uint32_t, FuncProto>& helpers() const { return helpers_; }
  const std::map<std::string, FuncProto>& kfuncs() const { return kfuncs_; }
  const std::map<std::string, ProgramType>& program_types() const { return types_; }

 private:
  std::map<uint32_t, FuncProto> helpers_;
  std::map<std::string, FuncProto> kfuncs_;
  std::map<std::string, ProgramType> types_;
  uint32_t grants_ = 0;
  std::vector<AddressRange> readable_;
  std::shared_ptr<FibTable::State> fib_;
};

}  // namespace decade
