// SPDX-License-Identifier: Apache-2.0
// Helper and kfunc calls: arguments checked against the prototype, the
// return value modelled, references acquired and released, spin locks,
// callbacks (bpf_loop, bpf_for_each_map_elem) and open-coded iterators.
#include <algorithm>

#include <fmt/format.h>

#include "runtime/helpers/helpers.hpp"
#include "verifier/exceptions.hpp"
#include "verifier/frames.hpp"
#include "verifier/stack_args.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

struct CallMeta {
  const FuncProto* proto = nullptr;
  const MapDef* map = nullptr;     // from the ConstMapPtr argument
  int32_t callback_pc = -1;        // from the PtrToFunc argument
  uint32_t release_ref = 0;        // the reference a release call gives back
  int iter_slot = -1;              // the iterator's stack slot (frame cur)
  uint32_t iter_frame = 0;
  int32_t flag_frame = -1;         // the PtrToIrqFlag slot: frame and offset from its r10
  int32_t flag_off = 0;
  Scalar sizes[5];                 // values of the size arguments
  RegState args[5];                // r1-r5 as passed
  bool kfunc = false;
};

bool redirect_target(MapType t) {
  return t == MapType::Devmap || t == MapType::DevmapHash || t == MapType::Cpumap || t == MapType::Xskmap;
}

bool sock_map(MapType t) { return t == MapType::Sockmap || t == MapType::Sockhash; }

// The socket maps' side of check_map_func_compatibility: a sockmap or
// sockhash takes its own redirect and update helpers, lookups and (where
// sockmap_writable allows) updates and deletes; a reuseport array only
// bpf_sk_select_reuseport.
bool sock_map_ok(uint32_t helper, MapType t) {
  if (t == MapType::ReuseportSockarray) return helper == kHelperSkSelectReuseport;
  const bool hash = t == MapType::Sockhash;
  switch (helper) {
    case kHelperMapLookupElem: case kHelperMapUpdateElem: case kHelperMapDeleteElem: case kHelperSkSelectReuseport:
      return true;
    case kHelperSkRedirectMap: case kHelperMsgRedirectMap: case kHelperSockMapUpdate: return !hash;
    case kHelperSkRedirectHash: case kHelperMsgRedirectHash: case kHelperSockHashUpdate: return hash;
    default: return false;
  }
}

// check_map_func_compatibility: which helpers take which map types. Redirect
// maps are changed by the host only; programs may look up devmap and xskmap
// entries (read-only), never cpumap ones.
bool map_ok(uint32_t helper, MapType t) {
  const bool ringbuf = t == MapType::Ringbuf, queue = t == MapType::Queue || t == MapType::Stack;
  if (sock_map(t) || t == MapType::ReuseportSockarray) return sock_map_ok(helper, t);
  // Stack trace maps and cgroup arrays take only their own helpers, both ways.
  const bool cgroup_helper = helper == kHelperSkbUnderCgroup || helper == kHelperCurrentTaskUnderCgroup;
  if (t == MapType::StackTrace || helper == kHelperGetStackid) return t == MapType::StackTrace && helper == kHelperGetStackid;
  if (t == MapType::CgroupArray || cgroup_helper) return t == MapType::CgroupArray && cgroup_helper;
  // Socket storage is reached only through its own helpers, which take nothing else.
  if (t == MapType::SkStorage) return helper == kHelperSkStorageGet || helper == kHelperSkStorageDelete;
  // So is cgroup storage, through bpf_get_local_storage alone.
  const bool cgroup_storage = t == MapType::CgroupStorage || t == MapType::PercpuCgroupStorage;
  if (cgroup_storage || helper == kHelperGetLocalStorage) return cgroup_storage && helper == kHelperGetLocalStorage;
  switch (helper) {
    case kHelperSkStorageGet: case kHelperSkStorageDelete:
      return false;
    case kHelperSkRedirectMap: case kHelperMsgRedirectMap: case kHelperSockMapUpdate: case kHelperSkRedirectHash:
    case kHelperMsgRedirectHash: case kHelperSockHashUpdate: case kHelperSkSelectReuseport:
      return false;  // only socket maps (above)
    case kHelperMapLookupElem:
      if (redirect_target(t)) return t != MapType::Cpumap;
      [[fallthrough]];
    case kHelperMapUpdateElem: case kHelperMapDeleteElem:
      return !ringbuf && !queue && t != MapType::ProgArray && t != MapType::PerfEventArray && t != MapType::Arena &&
             t != MapType::BloomFilter && !redirect_target(t);
    case kHelperRedirectMap: return redirect_target(t);
    case kHelperPerfEventOutput: return t == MapType::PerfEventArray;
    case kHelperMapPushElem: case kHelperMapPeekElem: return queue || t == MapType::BloomFilter;
    case kHelperMapPopElem: return queue;
    case kHelperRingbufOutput: case kHelperRingbufReserve: case kHelperRingbufQuery: return ringbuf;
    case kHelperTailCall: return t == MapType::ProgArray;
    case kHelperMapLookupPercpuElem: return t == MapType::PercpuArray || t == MapType::PercpuHash || t == MapType::LruPercpuHash;
    case kHelperForEachMapElem:
      return t == MapType::Hash || t == MapType::Array || t == MapType::PercpuHash || t == MapType::PercpuArray ||
             t == MapType::LruHash || t == MapType::LruPercpuHash;
    default: return !ringbuf || helper == 0;
  }
}

// bpf_get_stack and bpf_get_stackid walk the user stack (BPF_F_USER_STACK)
// from registers the helper reads at the context (a struct pt_regs, 168
// bytes). The kernel's raw and BTF tracepoint and fentry-style programs walk
// from the traced point's registers instead, and their context (the u64
// arguments) is shorter than a pt_regs: there the flags must be a constant
// without BPF_F_USER_STACK (the helper then finds no stack, as it finds no
// kernel stack), so no helper reads past the context. A tracepoint's
// 8 KiB record is read as registers, as before (docs/helpers.md).
Status check_user_stack(const Env& env, const CallMeta& meta, bool kfunc, uint32_t pc) {
  constexpr uint64_t kBpfFUserStack = 1ull << 8;
  constexpr uint32_t kPtRegsSize = 168;
  const uint32_t id = meta.proto->id;
  if (kfunc || (id != kHelperGetStack && id != kHelperGetStackid) || env.in.type->pt_regs_ctx ||
      env.in.type->ctx_size >= kPtRegsSize)
    return ok();
  const RegState& flags = meta.args[id == kHelperGetStack ? 3 : 2];
  if (flags.is_scalar() && flags.val.is_const() && !(flags.val.value() & kBpfFUserStack)) return ok();
  return fail(env, ErrorCode::VerifierBadHelperArg, pc,
              fmt::format("{} may walk the user stack (BPF_F_USER_STACK), but {} programs have no pt_regs context "
                          "to walk it from",
                          meta.proto->name, env.in.type->name),
              "walk user stacks from kprobe, uprobe or perf_event programs");
}

// bpf_get_local_storage cannot fail, so it has no flags to refuse at run
// time: the verifier demands a known 0 (as the kernel, whatever the
// privilege; a pointer there has already been refused to unprivileged
// programs as a leak).
Status check_local_storage_flags(const Env& env, const CallMeta& meta, bool kfunc, uint32_t pc) {
  if (kfunc || meta.proto->id != kHelperGetLocalStorage) return ok();
  const RegState& flags = meta.args[1];
  if (flags.is_const() && flags.val.value() == 0) return ok();
  return fail(env, ErrorCode::VerifierBadHelperArg, pc, kernel_says("get_local_storage() doesn't support non-zero flags"),
              fmt::format("bpf_get_local_storage's flags (R2 {}) must be 0", flags.to_string()), "pass 0 as the flags");
}

// An iterator's element (bpf_iter_num_next's int): it is the iterator's own
// state in the runtime, so a write would rewind the loop the verifier proved
// finite. Read-only, as in the kernel.
RegState iter_element(uint32_t size) {
  RegState r = RegState::pointer(RegType::Mem);
  r.mem_size = size;
  r.read_only = true;
  return r;
}

// Helpers that add, replace or remove elements of the map they are given.
bool writes_map(uint32_t helper) {
  return helper == kHelperMapUpdateElem || helper == kHelperMapDeleteElem || helper == kHelperMapPushElem ||
         helper == kHelperMapPopElem;
}

Status arg_error(const Env& env, uint32_t pc, int arg, const std::string& what, const RegState& r, std::string hint = {}) {
  return fail(env, ErrorCode::VerifierBadHelperArg, pc, fmt::format("R{} ({}) {}", arg + 1, r.to_string(), what), std::move(hint));
}

bool is_null_const(const RegState& r) { return r.is_const() && r.val.value() == 0; }

bool is_socket(const RegState& r) { return r.type == RegType::BtfPtr && r.mem_size == kBtfSocket && !r.maybe_null; }

// may_update_sockmap: programs of the types whose packets or connections
// have a socket to put in a map may change socket maps; sock_ops programs
// only delete (they insert through bpf_sock_map_update, which checks the
// connection's state); the others are refused.
Status sockmap_writable(Env& env, uint32_t helper, const MapDef& m, uint32_t pc) {
  switch (env.in.type->helper_list) {
    case HelperList::Xdp: case HelperList::Tc: case HelperList::SocketFilter: case HelperList::SkReuseport:
    case HelperList::FlowDissector: case HelperList::SkLookup:
      return ok();
    case HelperList::SockOps:
      if (helper == kHelperMapDeleteElem) return ok();
      break;
    case HelperList::Base: case HelperList::CgroupSkb: case HelperList::Lwt: case HelperList::LwtXmit:
    case HelperList::SkSkb: case HelperList::SkMsg: case HelperList::CgroupSysctl:
      break;
  }
  return fail(env, ErrorCode::VerifierBadMap, pc,
              fmt::format("cannot update sockmap {} in this context ({} programs)", m.name, env.in.type->name),
              "update socket maps from xdp, tc, socket filter, sk_lookup, sk_reuseport or flow dissector programs");
}

// Fixed-size memory of arg_fixed_size[i] bytes. PtrToFixedMem is read,
// initialised and of any alignment, as any memory a helper reads. The
// written kinds are aligned to their size (the kernel's MEM_ALIGNED), and
// uninitialised stack is accepted as the kernel's MEM_WRITE accepts it;
// the in-out kind also reads it, and reads zero there because the engines
// then zero the stack.
Status check_fixed_mem(Env& env, State& st, int i, const FuncProto& p, uint32_t pc) {
  const uint8_t reg = static_cast<uint8_t>(i + 1);
  const RegState& r = st.reg(reg);
  const ArgKind kind = p.args[static_cast<size_t>(i)];
  const uint32_t size = p.arg_fixed_size[static_cast<size_t>(i)];
  if (!r.is_ptr() || size == 0) return arg_error(env, pc, i, "is not a pointer to memory", r);
  const Access access = kind == ArgKind::PtrToFixedMem ? Access::Read : Access::Write;
  if (auto s = check_mem_range(env, st, reg, Scalar::constant(size), access, pc, false); !s) return s;
  if (kind == ArgKind::PtrToFixedMem) return ok();
  // MEM_ALIGNED (after the bounds, as the kernel checks): the helper accesses it as one word.
  if (r.type == RegType::Stack && r.val.is_const() && (r.off + static_cast<int64_t>(r.val.value())) % size)
    return fail(env, ErrorCode::VerifierMisaligned, pc,
                fmt::format("R{} ({}) is not aligned to the {} bytes {} accesses", reg, r.to_string(), size, p.name));
  if (kind == ArgKind::PtrToFixedMemInOut && r.type == RegType::Stack) env.reads_uninit_stack = true;
  return ok();
}

Status check_const_str(Env& env, const RegState& r, int i, uint32_t pc) {
  if (r.type != RegType::MapValue || r.maybe_null || !r.map->frozen || !r.val.is_const())
    return arg_error(env, pc, i, "is not a pointer to a read-only string", r, "pass a string constant from .rodata");
  const int64_t o = r.off + static_cast<int64_t>(r.val.value());
  const auto& bytes = r.map->initial_value;
  if (o < 0 || o >= static_cast<int64_t>(bytes.size()))
    return arg_error(env, pc, i, "points outside the read-only map", r);
  for (size_t k = static_cast<size_t>(o); k < bytes.size(); ++k)
    if (bytes[k] == 0) return ok();
  return arg_error(env, pc, i, "string is not NUL-terminated", r);
}

// The irqsave forms' flag: an aligned 8-byte slot of some frame's stack,
// written by the lock call and read by the restoring unlock.
Status check_irq_flag_arg(Env& env, State& st, const RegState& r, int i, uint32_t pc, CallMeta& meta) {
  if (r.type != RegType::Stack || !r.val.is_const() || r.frame >= st.frames.size())
    return arg_error(env, pc, i, "is not a constant stack pointer to an irq flag", r);
  const int64_t o = r.off + static_cast<int64_t>(r.val.value());
  if (o < -int64_t{env.opts.max_stack} || o > -8 || o % 8 != 0) return arg_error(env, pc, i, "irq flag is not an aligned 8-byte stack slot", r);
  const Access a = meta.proto->flags & kHelperResLock ? Access::Write : Access::Read;
  if (auto s = check_mem_range(env, st, static_cast<uint8_t>(i + 1), Scalar::constant(8), a, pc, false); !s) return s;
  meta.flag_frame = static_cast<int32_t>(r.frame);
  meta.flag_off = static_cast<int32_t>(o);
  return ok();
}

// The iterator's type as the kernel names it in messages ("iter_num").
std::string iter_type_name(const FuncProto& p) {
  const std::string& t = p.arg_btf_types[0];
  return t.starts_with("bpf_") ? t.substr(4) : t;
}

uint32_t iter_type_hash(const FuncProto& p) {
  uint32_t h = 2166136261u;  // FNV-1a of the type name: equal names, equal types
  for (char c : p.arg_btf_types[0]) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h | 1u;
}

// An open-coded iterator: iter_size / 8 aligned slots of some frame's stack
// starting at the pointer. new() wants them free of any iterator; next(),
// destroy() want an iterator of their type created at this very address.
Status check_iter_arg(Env& env, State& st, const RegState& r, int i, uint32_t pc, CallMeta& meta) {
  const FuncProto& p = *meta.proto;
  const uint32_t flags = p.flags;
  if (r.type != RegType::Stack || !r.val.is_const() || r.frame >= st.frames.size())
    return arg_error(env, pc, i, "is not a constant stack pointer to an iterator", r);
  const int64_t o = r.off + static_cast<int64_t>(r.val.value());
  const int64_t size = std::max<int64_t>(8, p.iter_size);
  if (o < -int64_t{env.opts.max_stack} || o + size > 0 || o % 8 != 0)
    return arg_error(env, pc, i, fmt::format("iterator slots (fp{}, {} bytes) are not aligned stack slots", o, size), r);
  Frame& fr = st.frames[r.frame];
  fr.grow(static_cast<size_t>(-o));
  env.note_stack(st, r.frame, o, pc);
  const size_t k = static_cast<size_t>(-o) / 8 - 1, n = static_cast<size_t>(size / 8);
  const uint32_t type = iter_type_hash(p);
  if (flags & kHelperIterNew) {
    for (size_t j = 0; j < n; ++j)
      if (fr.bytes[(k - j) * 8] == SlotByte::Iter)
        return fail(env, ErrorCode::VerifierIterator, pc,
                    kernel_says("expected uninitialized {} as arg #{}", iter_type_name(p), i),
                    fmt::format("iterator at fp{} is already initialised", o),
                    "destroy the iterator before creating a new one in the same slot");
  } else {
    const IterSlot& first = fr.iters[k];
    bool valid = fr.bytes[k * 8] == SlotByte::Iter && first.type == type &&
                 (k + 1 >= fr.iters.size() || fr.bytes[(k + 1) * 8] != SlotByte::Iter || fr.iters[k + 1].id != first.id);
    for (size_t j = 1; j < n && valid; ++j) valid = fr.bytes[(k - j) * 8] == SlotByte::Iter && fr.iters[k - j].id == first.id;
    if (!valid)
      return fail(env, ErrorCode::VerifierIterator, pc,
                  kernel_says("expected an initialized {} as arg #{}", iter_type_name(p), i),
                  fmt::format("fp{} does not hold an initialised {}", o, p.arg_btf_types[0]),
                  fmt::format("call bpf_{}_new first", iter_type_name(p)));
  }
  meta.iter_slot = static_cast<int>(k);
  meta.iter_frame = r.frame;
  return ok();
}

// bpf_iter_bits_new's source (PtrToWordsOrNull): NULL, or memory the
// function reads 8 bytes a word from when the count (the next argument) is
// in [1, fixed_mem_size]; the largest such read must be in bounds. The
// kernel takes any address here and reads it with bpf_probe_read_kernel;
// Decade reads only memory the program may read, so another number is
// refused unless no count it may pass reads anything.
Status check_words_arg(Env& env, State& st, const RegState& r, int i, const FuncProto& p, uint32_t pc) {
  const uint8_t reg = static_cast<uint8_t>(i + 1);
  if (i + 1 >= 5) return arg_error(env, pc, i, "has no word count after it", r);
  if (auto s = check_readable(env, st, static_cast<uint8_t>(reg + 1), pc); !s) return s;
  const RegState& count = st.reg(static_cast<uint8_t>(reg + 1));
  const uint64_t max_words = p.fixed_mem_size;
  // The count is a u32: its 32-bit bounds (any, for a pointer passed as a number).
  const uint64_t lo = count.is_scalar() ? count.val.u32min : 0, hi = count.is_scalar() ? count.val.u32max : UINT32_MAX;
  if (is_null_const(r) || hi == 0 || lo > max_words) return ok();
  if (!r.is_ptr())
    return arg_error(env, pc, i, "is a number the kfunc would read as an address", r,
                     "pass a pointer to the words (a stack buffer, a map value or global data)");
  return check_mem_range(env, st, reg, Scalar::constant(std::min(hi, max_words) * 8), Access::Read, pc, false);
}

// The register types the kernel accepts for an argument kind, as its
// "R1 type=scalar expected=fp, pkt, ..." names them; empty when it words
// the refusal otherwise.
const char* kernel_expected(ArgKind k) {
  using enum ArgKind;
  if (k == PtrToMapKey || k == PtrToMapValue || k == PtrToUninitMapValue) return "fp, pkt, pkt_meta, map_key, map_value";
  if (k == PtrToMem || k == PtrToUninitMem || k == PtrToMemInOut)
    return "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";
  if (k == ConstMapPtr) return "map_ptr";
  if (k == PtrToCtx) return "ctx";
  if (k == PtrToStack) return "fp";
  if (k == PtrToFunc) return "func";
  if (k == PtrToRingbufMem) return "ringbuf_mem";
  if (k == PtrToTimer) return "map_value";
  if (k == ConstSize || k == ConstSizeOrZero) return "scalar";
  if (k == PtrToSockCommon) return "sock_common, sock, tcp_sock, xdp_sock";
  if (k == PtrToBtfSockCommon) return "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_";
  return "";
}

// The kernel's is_tracing_prog_type: the types that may run in NMI or
// with a kernel lock held (uprobes are its kprobe type). fentry and the
// other BTF tracing types are not among them and may use timers.
bool kernel_tracing_type(const ProgramType* t) {
  if (!t) return false;
  for (const char* n : {"kprobe", "uprobe", "tracepoint", "raw_tracepoint", "raw_tracepoint_writable", "perf_event"})
    if (t->name == n) return true;
  return false;
}

// A struct bpf_timer argument (process_timer_func): the timer field of a
// value of a map that has one, at a constant offset; bpf_timer_init's map
// must then be the same map (its ConstMapPtr argument compares meta.map).
Status check_timer_arg(Env& env, const RegState& r, int i, uint32_t pc, CallMeta& meta) {
  const int reg = i + 1;
  if (r.type != RegType::MapValue || r.maybe_null)
    return arg_error(env, pc, i, "is not a map value", r, "pass the address of the struct bpf_timer inside a map value");
  if (kernel_tracing_type(env.in.type))
    return fail(env, ErrorCode::VerifierBadMap, pc, kernel_says("tracing progs cannot use bpf_timer yet"),
                fmt::format("{} programs cannot use bpf_timer (map {})", env.in.type->name, r.map->name),
                "arm timers from a non-tracing program");
  if (!r.val.is_const())
    return fail(env, ErrorCode::VerifierBadHelperArg, pc,
                kernel_says("R{} doesn't have constant offset. bpf_timer has to be at the constant offset", reg),
                fmt::format("R{} ({}) points at a variable offset of the value", reg, r.to_string()),
                "pass the address of the struct bpf_timer field itself");
  if (r.map->timer_off < 0)
    return fail(env, ErrorCode::VerifierBadHelperArg, pc, kernel_says("map '{}' has no valid bpf_timer", r.map->name),
                fmt::format("R{}: the values of map {} hold no struct bpf_timer", reg, r.map->name));
  const int64_t off = r.off + static_cast<int64_t>(r.val.value());
  if (off != r.map->timer_off)
    return fail(env, ErrorCode::VerifierBadHelperArg, pc,
                kernel_says("off {} doesn't point to 'struct bpf_timer' that is at {}", off, r.map->timer_off),
                fmt::format("R{} points at offset {} of map {}'s value, its bpf_timer is at {}", reg, off, r.map->name,
                            r.map->timer_off));
  meta.map = r.map;
  return ok();
}

// Of the kernel's helpers (ids below 212, Linux 6.12's __BPF_FUNC_MAX_ID),
// only those whose prototype says pkt_access may take packet memory as an
// argument; the others are refused a packet pointer ("helper access to the
// packet is not allowed"), even where their range would be in bounds, as
// the kernel refuses them. Helpers a host registers under other ids are
// not bound by the kernel's list.
bool packet_arg_refused(const FuncProto& p) {
  constexpr uint32_t kKernelHelperIdEnd = 212;
  if (p.id >= kKernelHelperIdEnd) return false;
  switch (p.id) {
    case kHelperMapLookupElem: case kHelperMapUpdateElem: case kHelperMapDeleteElem: case kHelperMapPushElem:
    case kHelperMapLookupPercpuElem: case kHelperCsumDiff: case kHelperSkLookupTcp: case kHelperSkLookupUdp:
    case kHelperSkcLookupTcp: case kHelperSockMapUpdate: case kHelperSockHashUpdate: case kHelperTcpCheckSyncookie:
    case kHelperTcpGenSyncookie:
    case kHelperTcpRawGenSyncookieIpv4: case kHelperTcpRawGenSyncookieIpv6: case kHelperTcpRawCheckSyncookieIpv4:
    case kHelperTcpRawCheckSyncookieIpv6:
      return false;
    default:
      return true;
  }
}

// One argument against its kind.
Status check_arg(Env& env, State& st, int i, CallMeta& meta, uint32_t pc) {
  const FuncProto& p = *meta.proto;
  const ArgKind kind = p.args[static_cast<size_t>(i)];
  const uint8_t reg = static_cast<uint8_t>(i + 1);
  // bpf_trace_printk's r3-r5 are variadic: only the ones the format uses are read.
  if (p.id == kHelperTracePrintk && i >= 2 && st.reg(reg).type == RegType::NotInit) return ok();
  if (auto s = check_readable(env, st, reg, pc); !s) return s;
  meta.args[i] = st.reg(reg);
  const RegState r = st.reg(reg);
  const bool nullable = (p.flags & kHelperNullable) != 0;
  if (kind != ArgKind::Scalar && (r.type == RegType::Packet || r.type == RegType::PacketMeta) && !meta.kfunc &&
      packet_arg_refused(p))
    return fail(env, ErrorCode::VerifierBadHelperArg, pc, kernel_says("helper access to the packet is not allowed"),
                fmt::format("R{} is a packet pointer, which {} may not take", reg, p.name),
                "copy the bytes to the stack first, or use bpf_skb_load_bytes on the context");
  switch (kind) {
    case ArgKind::None: return ok();
    case ArgKind::Scalar:
      // Root may pass a pointer as a number (allow_ptr_leaks).
      if (!r.is_scalar() && !env.privileged)
        return fail(env, ErrorCode::VerifierPointerLeak, pc, kernel_says("R{} leaks addr into helper function", reg),
                    fmt::format("R{} ({}) passes a pointer where {} expects a number", reg, r.to_string(), p.name));
      return ok();
    case ArgKind::ConstSize: case ArgKind::ConstSizeOrZero:
      if (!r.is_scalar()) return arg_error(env, pc, i, "is a pointer, expected a size", r);
      if (r.val.smin < 0 && !r.val.is_const()) return arg_error(env, pc, i, "size may be negative", r, "bound the size with an unsigned comparison");
      if (kind == ArgKind::ConstSize && r.val.umin == 0) return arg_error(env, pc, i, "size may be zero", r, "make sure the size is at least 1");
      meta.sizes[i] = r.val;
      return ok();
    case ArgKind::PtrToMem: case ArgKind::PtrToUninitMem: case ArgKind::PtrToMemInOut: {
      if (i + 1 >= 5) return arg_error(env, pc, i, "has no size argument after it", r);
      if (auto s = check_readable(env, st, static_cast<uint8_t>(reg + 1), pc); !s) return s;
      const Scalar size = st.reg(static_cast<uint8_t>(reg + 1)).val;
      // NULL is memory of size 0 only (the kernel refuses NULL with a size
      // that may be larger, as the helper would read or write through it).
      if (nullable && is_null_const(r)) {
        if (size.umax == 0) return ok();
        return arg_error(env, pc, i, "is NULL with a size that may be non-zero", r, "pass a size of 0 with a NULL buffer");
      }
      if (!r.is_ptr()) return arg_error(env, pc, i, "is not a pointer to memory", r);
      const bool zero_ok = p.args[static_cast<size_t>(i) + 1] == ArgKind::ConstSizeOrZero;
      // In-out memory is read first (initialised, no spilled pointer), then
      // written: what the verifier knew of its bytes is gone after the call.
      if (kind != ArgKind::PtrToUninitMem)
        if (auto s = check_mem_range(env, st, reg, size, Access::Read, pc, zero_ok); !s || kind == ArgKind::PtrToMem)
          return s;
      return check_mem_range(env, st, reg, size, Access::Write, pc, zero_ok);
    }
    case ArgKind::PtrToMapKey: case ArgKind::PtrToMapValue: case ArgKind::PtrToUninitMapValue: {
      if (!meta.map) return arg_error(env, pc, i, "needs a map argument before it", r);
      // A socket map's value is a socket (resolve_map_arg_type), not bytes.
      // The kernel takes any socket here (ARG_PTR_TO_BTF_ID_SOCK_COMMON): a
      // socket or a socket's common part (__sk_buff.sk), NULL-checked.
      if (kind == ArgKind::PtrToMapValue && sock_map(meta.map->type)) {
        const bool common = r.type == RegType::BtfPtr && r.mem_size == kBtfSockCommon && !r.maybe_null;
        if (!is_socket(r) && !common) return arg_error(env, pc, i, "is not a socket", r, "pass a socket pointer checked against NULL");
        return ok();
      }
      if (nullable && is_null_const(r)) return ok();  // bpf_sk_storage_get's initial value
      if (!r.is_ptr()) return arg_error(env, pc, i, "is not a pointer to memory", r);
      const uint32_t n = kind == ArgKind::PtrToMapKey ? meta.map->key_size : meta.map->value_size;
      if (n == 0) return ok();
      return check_mem_range(env, st, reg, Scalar::constant(n), kind == ArgKind::PtrToUninitMapValue ? Access::Write : Access::Read, pc, false);
    }
    case ArgKind::ConstMapPtr:
      if (r.type != RegType::MapPtr || r.maybe_null)
        return arg_error(env, pc, i, "is not a map", r, r.maybe_null ? "check the inner map against NULL first" : "load the map with ld_imm64 (a map reference)");
      // bpf_timer_init(timer, map): the map that holds the timer.
      if (meta.map && p.args[0] == ArgKind::PtrToTimer && meta.map != r.map)
        return fail(env, ErrorCode::VerifierBadMap, pc,
                    kernel_says("timer pointer in R1 map_uid=0 doesn't match map pointer in R{} map_uid=0", reg),
                    fmt::format("{}: the timer is in map {}, R{} is map {}", p.name, meta.map->name, reg, r.map->name),
                    "pass the map whose value holds the timer");
      if (!map_ok(p.id, r.map->type))
        return fail(env, ErrorCode::VerifierBadMap, pc,
                    kernel_says("cannot pass map_type {} into func {}#{}", static_cast<unsigned>(r.map->type), p.name, p.id),
                    fmt::format("{} cannot be used with map {} of type {}", p.name, r.map->name, static_cast<unsigned>(r.map->type)));
      if ((p.id == kHelperMapUpdateElem || p.id == kHelperMapDeleteElem) && sock_map(r.map->type))
        if (auto s = sockmap_writable(env, p.id, *r.map, pc); !s) return s;
      // A read-only map's contents are constants the verifier may have folded.
      if (writes_map(p.id) && read_only_map(*r.map))
        return fail(env, ErrorCode::VerifierReadOnly, pc, kernel_says("write into map forbidden"),
                    fmt::format("{} writes read-only map {}", p.name, r.map->name),
                    "the program may only read .rodata and BPF_F_RDONLY_PROG maps");
      meta.map = r.map;
      return ok();
    case ArgKind::PtrToCtx:
      if (nullable && is_null_const(r)) return ok();
      if (r.type != RegType::Ctx || r.off != 0 || !r.val.is_const() || r.val.value() != 0)
        return arg_error(env, pc, i, "is not the context pointer", r, "pass the program's context (r1 at entry) unmodified");
      return ok();
    case ArgKind::PtrToFunc:
      if (r.type != RegType::FuncPtr) return arg_error(env, pc, i, "is not a function", r, "pass a static function as the callback");
      meta.callback_pc = r.func_pc;
      return ok();
    case ArgKind::PtrToStack:
      if (nullable && is_null_const(r)) return ok();
      if (r.type != RegType::Stack) return arg_error(env, pc, i, "is not a stack pointer", r);
      return ok();
    case ArgKind::PtrToConstStr: return check_const_str(env, r, i, pc);
    case ArgKind::PtrToRingbufMem:
      if (r.type != RegType::Mem || r.ref_id == 0 || r.maybe_null || r.off != 0 || !r.val.is_const() || r.val.value() != 0)
        return fail(env, ErrorCode::VerifierBadRelease, pc, fmt::format("R{} ({}) is not a record from bpf_ringbuf_reserve", reg, r.to_string()),
                    "pass the unmodified, NULL-checked pointer bpf_ringbuf_reserve returned");
      if (!st.has_ref(r.ref_id))
        return fail(env, ErrorCode::VerifierBadRelease, pc, kernel_says("R{} must be referenced when passed to release function", reg),
                    "the record was already submitted or discarded");
      meta.release_ref = r.ref_id;
      return ok();
    case ArgKind::PtrToSpinLock:
      if (r.type != RegType::MapValue || r.maybe_null || !r.val.is_const() || r.map->spin_lock_off < 0 ||
          r.off + static_cast<int64_t>(r.val.value()) != r.map->spin_lock_off)
        return fail(env, ErrorCode::VerifierLock, pc, fmt::format("R{} ({}) does not point at a bpf_spin_lock", reg, r.to_string()),
                    "pass the address of the struct bpf_spin_lock inside a map value");
      return ok();
    case ArgKind::PtrToResSpinLock:
      if (r.type != RegType::MapValue || r.maybe_null || !r.val.is_const() || r.map->res_lock_off < 0 ||
          r.off + static_cast<int64_t>(r.val.value()) != r.map->res_lock_off)
        return fail(env, ErrorCode::VerifierLock, pc, fmt::format("R{} ({}) does not point at a bpf_res_spin_lock", reg, r.to_string()),
                    "pass the address of the struct bpf_res_spin_lock inside a map value");
      return ok();
    case ArgKind::PtrToIrqFlag: return check_irq_flag_arg(env, st, r, i, pc, meta);
    case ArgKind::PtrToTimer: return check_timer_arg(env, r, i, pc, meta);
    case ArgKind::PtrToBtfId:
      if (r.type != RegType::BtfPtr || r.maybe_null) return arg_error(env, pc, i, "is not a trusted pointer to a host type", r);
      return ok();
    case ArgKind::PtrToArena:
      if (r.type != RegType::MapPtr || r.map->type != MapType::Arena) return arg_error(env, pc, i, "is not an arena map", r);
      return ok();
    case ArgKind::PtrToIter: return check_iter_arg(env, st, r, i, pc, meta);
    case ArgKind::AnyPtrOrNull: return ok();
    case ArgKind::PtrToSocket:
      if (!is_socket(r)) return arg_error(env, pc, i, "is not a socket", r, "pass a socket pointer checked against NULL");
      return ok();
    case ArgKind::PtrToSocketOrNull:
      if (is_null_const(r) || (r.type == RegType::BtfPtr && r.mem_size == kBtfSocket)) return ok();
      return arg_error(env, pc, i, "is not a socket or NULL", r);
    case ArgKind::PtrToSockCommon: case ArgKind::PtrToBtfSockCommon:
      // Any of the kernel's socket pointers; the second kind also a
      // host-typed one (a bpf_skc_to_* result), never NULL.
      if (r.type != RegType::BtfPtr || r.maybe_null || (kind == ArgKind::PtrToSockCommon && !is_sock_kind(r)))
        return arg_error(env, pc, i, "is not a socket", r, "pass a socket pointer checked against NULL");
      if (r.off != 0) return arg_error(env, pc, i, "is a socket pointer with an offset", r);
      return ok();
    case ArgKind::PtrToFixedMemInOut: case ArgKind::PtrToFixedUninitMem: case ArgKind::PtrToFixedMem:
      return check_fixed_mem(env, st, i, p, pc);
    case ArgKind::PtrToWordsOrNull: return check_words_arg(env, st, r, i, p, pc);
  }
  return ok();
}

// Helpers that return the bytes they wrote, at most their size argument,
// or a negative errno: r0 is in [-4095, size] (the kernel's
// do_refine_retval_range), so a program may add it to the buffer.
Scalar written_size_return(const Insn& insn, const CallMeta& meta) {
  const uint32_t id = meta.proto->id;
  if (insn.info().sem != Sem::Call || (id != kHelperGetStack && id != kHelperProbeReadStr && id != kHelperProbeReadUserStr &&
                                        id != kHelperProbeReadKernelStr))
    return Scalar::unknown();
  for (size_t i = 0; i < 5; ++i) {
    const ArgKind k = meta.proto->args[i];
    if (k != ArgKind::ConstSize && k != ArgKind::ConstSizeOrZero) continue;
    const uint64_t max = std::min<uint64_t>(meta.sizes[i].umax, INT32_MAX);
    Scalar r;
    r.smin = -4095;
    r.smax = static_cast<int64_t>(max);
    r.s32min = -4095;
    r.s32max = static_cast<int32_t>(max);
    r.sync();
    return r;
  }
  return Scalar::unknown();
}

Status set_return(Env& env, State& st, const Insn& insn, const CallMeta& meta) {
  const FuncProto& p = *meta.proto;
  RegState r0;
  switch (p.ret) {
    case RetKind::Integer: r0 = RegState::scalar(written_size_return(insn, meta)); break;
    case RetKind::Void: break;
    case RetKind::MapValueOrNull:
      if (!meta.map) return fail(env, ErrorCode::VerifierBadMap, insn.pc, fmt::format("{} needs a map argument", p.name));
      if (meta.map->type == MapType::ArrayOfMaps || meta.map->type == MapType::HashOfMaps) {
        if (!meta.map->inner) return fail(env, ErrorCode::VerifierBadMap, insn.pc, fmt::format("map-in-map {} has no inner map definition", meta.map->name));
        r0 = RegState::pointer(RegType::MapPtr);
        r0.map = meta.map->inner.get();
      } else if (sock_map(meta.map->type)) {
        // A socket with a reference the program gives back (bpf_sk_release).
        r0 = RegState::pointer(RegType::BtfPtr);
        r0.mem_size = kBtfSocket;
        r0.maybe_null = true;
        r0.id = env.new_id();
        r0.ref_id = r0.id;
        st.refs.push_back(RefState{r0.ref_id, insn.pc});
        break;
      } else {
        r0 = map_value_pointer(*meta.map, 0);
      }
      r0.maybe_null = true;
      r0.id = env.new_id();
      break;
    case RetKind::MapValue:  // the run's cgroup storage: the map's value size, never NULL
      if (!meta.map) return fail(env, ErrorCode::VerifierBadMap, insn.pc, fmt::format("{} needs a map argument", p.name));
      r0 = map_value_pointer(*meta.map, 0);
      break;
    case RetKind::MemOrNull: {
      const int a = p.mem_size_arg;
      const Scalar sz = a >= 0 && a < 5 ? meta.args[a].val : Scalar::unknown();
      if (a < 0 || !sz.is_const() || sz.value() == 0 || sz.value() > (1u << 29))
        return fail(env, ErrorCode::VerifierBadHelperArg, insn.pc, fmt::format("{} needs a constant, non-zero size", p.name),
                    "pass a compile-time constant size (e.g. sizeof(struct event))");
      r0 = RegState::pointer(RegType::Mem);
      r0.mem_size = static_cast<uint32_t>(sz.value());
      r0.maybe_null = true;
      r0.id = env.new_id();
      break;
    }
    case RetKind::BtfIdOrNull: case RetKind::BtfId:
      r0 = RegState::pointer(RegType::BtfPtr);
      r0.maybe_null = p.ret == RetKind::BtfIdOrNull;
      r0.mem_size = sock_kind_of(p.ret_btf_type);
      r0.id = env.new_id();
      // A cast keeps the reference of the socket it was given (none for a
      // context's socket): releasing either pointer ends both.
      if (p.flags & kHelperSockCast) r0.ref_id = meta.args[0].ref_id;
      break;
    case RetKind::ArenaPtrOrNull: r0 = RegState::pointer(RegType::Arena); r0.val = Scalar::unknown(); break;
    case RetKind::IntOrNull:
      r0 = iter_element(4);
      r0.maybe_null = true;
      r0.id = env.new_id();
      break;
  }
  if ((p.flags & kHelperAcquire) && r0.is_ptr()) {
    r0.ref_id = r0.id ? r0.id : env.new_id();
    st.refs.push_back(RefState{r0.ref_id, insn.pc});
  }
  st.reg(0) = r0;
  return ok();
}

// What a program may call while it holds a lock, as the kernel has it:
// bpf_spin_unlock, the res lock kfuncs and the open-coded iterators'.
bool allowed_under_lock(const Insn& insn, const FuncProto& p) {
  if (insn.info().sem == Sem::Call) return p.id == kHelperSpinUnlock;
  return (p.flags & (kHelperResLock | kHelperResUnlock | kHelperIterNew | kHelperIterNext | kHelperIterDestroy)) != 0;
}

// bpf_res_spin_lock(_irqsave): two outcomes. This state goes on with the
// lock held and r0 == 0 (do_call sets r0); a spawned one gets r0 in
// [-4095, -1] (the kernel's errno range; -EDEADLK, -ETIMEDOUT at run time)
// and no lock, so a program that does not test r0 fails on that path.
Status res_lock(Env& env, State& st, const Insn& insn, const CallMeta& meta, std::vector<State>& spawned) {
  const RegState& r1 = st.reg(1);
  for (const ResLockState& l : st.res_locks)
    if (l.map == r1.map && l.ptr_id == r1.id)
      return fail(env, ErrorCode::VerifierLock, insn.pc, fmt::format("AA deadlock: the lock taken at insn {} is taken again", l.pc),
                  "release the lock before taking it again");
  State failed = st;
  for (uint8_t r = 1; r <= 5; ++r) failed.reg(r) = RegState{};
  failed.reg(0) = RegState::scalar(Scalar::urange(static_cast<uint64_t>(-4095), ~uint64_t{0}));
  failed.pc = insn.pc + 1;
  spawned.push_back(std::move(failed));
  st.res_locks.push_back(ResLockState{r1.map, r1.id, insn.pc, meta.flag_frame, meta.flag_off});
  return ok();
}

// bpf_res_spin_unlock(_irqrestore): the lock taken last, by the same form
// (and flag slot).
Status res_unlock(Env& env, State& st, const Insn& insn, const CallMeta& meta) {
  const RegState& r1 = st.reg(1);
  const auto it = std::find_if(st.res_locks.begin(), st.res_locks.end(),
                               [&](const ResLockState& l) { return l.map == r1.map && l.ptr_id == r1.id; });
  if (it == st.res_locks.end())
    return fail(env, ErrorCode::VerifierLock, insn.pc, fmt::format("{} of a lock this path does not hold", meta.proto->name),
                "unlock only where the lock call returned 0");
  if ((it->flag_frame >= 0) != (meta.flag_frame >= 0))
    return fail(env, ErrorCode::VerifierLock, insn.pc, fmt::format("{} of the lock taken at insn {} by the other form", meta.proto->name, it->pc),
                "pair bpf_res_spin_lock with bpf_res_spin_unlock and the irqsave form with the irqrestore form");
  if (it + 1 != st.res_locks.end())
    return fail(env, ErrorCode::VerifierLock, insn.pc,
                fmt::format("{} out of order: the lock taken at insn {} is still held", meta.proto->name, st.res_locks.back().pc),
                "release locks in the reverse order of taking them");
  if (it->flag_frame != meta.flag_frame || it->flag_off != meta.flag_off)
    return fail(env, ErrorCode::VerifierLock, insn.pc, fmt::format("irq flag restored out of order (the lock at insn {} saved another slot)", it->pc),
                "restore with the flag slot the lock call saved into");
  st.res_locks.pop_back();
  return ok();
}

Status lock_effects(Env& env, State& st, const Insn& insn, const CallMeta& meta, std::vector<State>& spawned) {
  const FuncProto& p = *meta.proto;
  if (st.holds_lock() && !allowed_under_lock(insn, p))
    return fail(env, ErrorCode::VerifierLock, insn.pc, kernel_says("function calls are not allowed while holding a lock"),
                fmt::format("call to {} while holding a lock", p.name),
                "release every lock before calling other functions");
  if (p.flags & kHelperResLock) return res_lock(env, st, insn, meta, spawned);
  if (p.flags & kHelperResUnlock) return res_unlock(env, st, insn, meta);
  if (insn.info().sem != Sem::Call) return ok();
  const RegState& r1 = st.reg(1);
  if (p.id == kHelperSpinLock) {
    if (st.lock.held)
      return fail(env, ErrorCode::VerifierLock, insn.pc, kernel_says("Locking two bpf_spin_locks are not allowed"),
                  "bpf_spin_lock while already holding a lock");
    st.lock = LockState{true, r1.map, r1.id, insn.pc};
  } else if (p.id == kHelperSpinUnlock) {
    if (!st.lock.held)
      return fail(env, ErrorCode::VerifierLock, insn.pc, kernel_says("bpf_spin_unlock without taking a lock"),
                  "bpf_spin_unlock without a held lock");
    if (st.lock.map != r1.map || st.lock.ptr_id != r1.id)
      return fail(env, ErrorCode::VerifierLock, insn.pc, kernel_says("bpf_spin_unlock of different lock"),
                  "bpf_spin_unlock of a different lock than the one held");
    if (!st.res_locks.empty())
      return fail(env, ErrorCode::VerifierLock, insn.pc,
                  fmt::format("bpf_spin_unlock out of order: the bpf_res_spin_lock taken at insn {} is still held", st.res_locks.back().pc),
                  "release locks in the reverse order of taking them");
    st.lock = LockState{};
  } else if (p.id == kHelperTailCall && !st.refs.empty()) {
    return fail(env, ErrorCode::VerifierRefLeak, st.refs.front().acquire_pc, kernel_says("tail_call would lead to reference leak"),
                "bpf_tail_call while holding a reference",
                "release every reference before a tail call");
  }
  return ok();
}

// The state that enters a callback: a new frame on top of the caller's.
// bpf_loop runs it at most nr_loops times (r1's largest value, as the
// kernel counts callback_depth against it): not at all for 0.
void spawn_callback(Env& env, const State& st, const Insn& insn, const CallMeta& meta, std::vector<State>& spawned) {
  uint32_t runs_left = kUnboundedRuns;
  // A timer callback runs once per expiry, later, on its own (async).
  const bool timer = meta.proto->id == kHelperTimerSetCallback && insn.info().sem == Sem::Call;
  if (timer) runs_left = 0;
  if (meta.proto->id == kHelperLoop && insn.info().sem == Sem::Call && meta.args[0].is_scalar()) {
    const uint64_t max_runs = meta.args[0].val.umax;
    if (max_runs == 0) return;
    if (max_runs < kUnboundedRuns) runs_left = static_cast<uint32_t>(max_runs - 1);
  }
  State cb = st;
  Frame f;
  f.cb_runs_left = runs_left;
  f.callsite = static_cast<int32_t>(insn.pc);
  f.subprog = static_cast<uint32_t>(env.sub_of_pc[static_cast<size_t>(meta.callback_pc)]);
  f.callback = true;
  env.subs[f.subprog].callback = true;
  if (timer) env.subs[f.subprog].async_callback = true;
  const RegState ctx = st.reg(3);
  std::array<RegState, 5> args{};
  if (timer && meta.map) {
    // callback(map, key, value): the timer's map, its element's key (read-only) and value.
    args[0] = RegState::pointer(RegType::MapPtr);
    args[0].map = meta.map;
    args[1] = RegState::pointer(RegType::MapKey);
    args[1].map = meta.map;
    args[1].read_only = true;
    args[2] = map_value_pointer(*meta.map, 0);
  } else if (meta.proto->id == kHelperForEachMapElem && meta.map) {
    args[0] = RegState::pointer(RegType::MapPtr);
    args[0].map = meta.map;
    // The key: a read-only copy the run owns (runtime/run_context.hpp), valid
    // after the walk too (the callback may leave it in its caller's stack).
    args[1] = RegState::pointer(RegType::MapKey);
    args[1].map = meta.map;
    args[1].read_only = true;  // check_mem refuses every write through it
    args[2] = map_value_pointer(*meta.map, 0);
    args[3] = ctx;
  } else {
    args[0] = RegState::scalar(Scalar::of_size(4));
    args[1] = ctx;
  }
  for (int r = 0; r < 5; ++r) f.regs[static_cast<size_t>(r) + 1] = args[static_cast<size_t>(r)];
  f.cb_args = std::make_shared<const std::array<RegState, 5>>(args);
  f.regs[10] = RegState::pointer(RegType::Stack);
  f.regs[10].frame = static_cast<uint16_t>(cb.frames.size());
  cb.frames.push_back(std::move(f));
  cb.pc = static_cast<uint32_t>(meta.callback_pc);
  spawned.push_back(std::move(cb));
}

void iter_effects(Env& env, State& st, const Insn& insn, const CallMeta& meta, std::vector<State>& spawned) {
  const FuncProto& p = *meta.proto;
  const uint32_t flags = p.flags;
  Frame& fr = st.frames[meta.iter_frame];
  const size_t k = static_cast<size_t>(meta.iter_slot), n = std::max<size_t>(1, p.iter_size / 8);
  auto set_slots = [&](SlotByte b, const IterSlot& it) {
    for (size_t j = 0; j < n; ++j) {
      const size_t s = k - j;
      if (b == SlotByte::Iter) fr.spills[s] = RegState{};
      for (size_t i = s * 8; i < s * 8 + 8; ++i) fr.bytes[i] = b;
      fr.iters[s] = it;
    }
  };
  if (flags & kHelperIterNew) {
    set_slots(SlotByte::Iter, IterSlot{env.new_id(), 1, insn.pc, iter_type_hash(p)});
  } else if (flags & kHelperIterDestroy) {
    set_slots(SlotByte::Invalid, IterSlot{});
  } else if (flags & kHelperIterNext) {
    // Two outcomes: an element (active, r0 non-NULL), or the end (drained, r0 NULL).
    if (fr.iters[k].state == 1) {
      State more = st;
      more.reg(0) = iter_element(4);
      more.pc = insn.pc + 1;
      ++more.loop_depth;
      spawned.push_back(std::move(more));
    }
    IterSlot drained = fr.iters[k];
    drained.state = 2;
    set_slots(SlotByte::Iter, drained);
    st.reg(0) = RegState::scalar(Scalar::constant(0));
  }
}

}  // namespace

bool changes_packet(const FuncProto* proto) { return proto && (proto->flags & kHelperChangesPacket); }

void invalidate_packet(State& st) {
  st.for_each_reg([](RegState& x) {
    if (x.type == RegType::Packet || x.type == RegType::PacketMeta || x.type == RegType::PacketEnd) x = RegState::unknown();
  });
}

void invalidate_ref(State& st, uint32_t ref_id) {
  st.for_each_reg([&](RegState& x) {
    if (x.is_ptr() && x.ref_id == ref_id) x = RegState::unknown();
  });
}

namespace {

// An argument refused without the kernel's words (the checks above word
// the bounds and stack refusals themselves): the kernel's type mismatch,
// when the register's type is not among those the kernel accepts there.
std::unexpected<Error> arg_phrase(Error e, const State& st, int i, const FuncProto& p) {
  const RegState& r = st.reg(static_cast<uint8_t>(i + 1));
  // A moved context pointer: the kernel names the offset.
  if (e.kernel.empty() && p.args[static_cast<size_t>(i)] == ArgKind::PtrToCtx && r.type == RegType::Ctx && r.off) {
    e.kernel = r.off < 0 ? fmt::format("negative offset ctx ptr R{} off={} disallowed", i + 1, r.off)
                         : fmt::format("dereference of modified ctx ptr R{} off={} disallowed", i + 1, r.off);
    return std::unexpected(std::move(e));
  }
  const std::string expected = kernel_expected(p.args[static_cast<size_t>(i)]);
  const std::string type = kernel_type(r);
  if (e.kernel.empty() && !expected.empty() && (", " + expected + ",").find(", " + type + ",") == std::string::npos)
    e.kernel = fmt::format("R{} type={} expected={}", i + 1, type, expected);
  return std::unexpected(std::move(e));
}

}  // namespace

Status do_call(Env& env, State& st, const Insn& insn, std::vector<State>& spawned) {
  CallMeta meta;
  const bool kfunc = insn.info().sem == Sem::CallKfunc;
  meta.kfunc = kfunc;
  if (kfunc) {
    const auto idx = static_cast<uint32_t>(insn.imm);
    if (idx >= env.in.kfuncs.size() || !env.in.kfuncs[idx])
      return fail(env, ErrorCode::VerifierUnknownFunc, insn.pc, kernel_says("calling kernel function is not allowed"),
                  fmt::format("unknown kfunc #{}", insn.imm));
    meta.proto = env.in.kfuncs[idx];
    // A kernel kfunc Decade does not provide on purpose (missing_kfunc).
    if (!meta.proto->fn && !meta.proto->fn_wide)
      return fail(env, ErrorCode::VerifierUnknownFunc, insn.pc, kernel_says("calling kernel function {} is not allowed", meta.proto->name),
                  fmt::format("kfunc {} is not supported: {}", meta.proto->name,
                              missing_kfunc_reason(meta.proto->name) ? missing_kfunc_reason(meta.proto->name) : "no function"));
  } else {
    const auto id = static_cast<uint32_t>(insn.imm);
    meta.proto = env.in.platform->helper(id);
    if (!meta.proto) {
      if (const char* why = missing_helper_reason(id))
        return fail(env, ErrorCode::VerifierUnknownFunc, insn.pc, fmt::format("helper #{} {}", id, why));
      return fail(env, ErrorCode::VerifierUnknownFunc, insn.pc, kernel_says("invalid func unknown#{}", insn.imm),
                  fmt::format("unknown helper #{}", insn.imm));
    }
    if (auto why = env.in.platform->privilege_denied(*env.in.type, *meta.proto))
      return fail(env, ErrorCode::VerifierNotGranted, insn.pc, *why);
    if (!env.in.platform->helper_allowed(*env.in.type, id))
      return fail(env, ErrorCode::VerifierUnknownFunc, insn.pc,
                  kernel_says("program of this type cannot use helper {}#{}", meta.proto->name, id),
                  fmt::format("helper {} is not allowed in {} programs", meta.proto->name, env.in.type->name));
    if ((meta.proto->flags & kHelperMaySleep) && !env.in.sleepable)
      return fail(env, ErrorCode::VerifierUnknownFunc, insn.pc, kernel_says("helper call might sleep in a non-sleepable prog"),
                  fmt::format("{} may sleep: only sleepable programs may call it", meta.proto->name),
                  "use a sleepable section (uprobe.s/..., fentry.s/..., lsm.s/...)");
  }
  const FuncProto& p = *meta.proto;
  for (int i = 0; i < 5 && p.args[static_cast<size_t>(i)] != ArgKind::None; ++i)
    if (auto s = check_arg(env, st, i, meta, insn.pc); !s) return arg_phrase(std::move(s.error()), st, i, p);
  // Arguments past r5 (stackargs): as many as the function declares, all
  // numbers; a call consumes them.
  auto extra = take_stack_args(env, st, insn, p.stack_args, p.name);
  if (!extra) return std::unexpected(extra.error());
  for (size_t k = 0; k < extra->size(); ++k)
    if (!(*extra)[k].is_scalar())
      return fail(env, ErrorCode::VerifierPointerLeak, insn.pc,
                  fmt::format("argument {} ({}) passes a pointer where {} expects a number", 6 + k, (*extra)[k].to_string(), p.name));
  if (auto s = check_user_stack(env, meta, kfunc, insn.pc); !s) return s;
  if (auto s = check_local_storage_flags(env, meta, kfunc, insn.pc); !s) return s;
  if (auto s = lock_effects(env, st, insn, meta, spawned); !s) return s;
  if (p.flags & kHelperThrows) return check_throw(env, st, insn);  // the path ends here (driver)
  if (p.flags & kHelperRelease) {
    if (!meta.release_ref) {
      const RegState& r = st.reg(static_cast<uint8_t>(p.release_arg + 1));
      if (!r.ref_id || !st.has_ref(r.ref_id))
        return fail(env, ErrorCode::VerifierBadRelease, insn.pc,
                    kernel_says("R{} must be referenced when passed to release function", p.release_arg + 1),
                    fmt::format("{} releases something not acquired", p.name));
      meta.release_ref = r.ref_id;
    }
    st.drop_ref(meta.release_ref);
    invalidate_ref(st, meta.release_ref);
  }
  // Packet pointers die when a helper or kfunc may move or resize the packet.
  if (changes_packet(&p)) invalidate_packet(st);
  if ((p.flags & kHelperCallback) && meta.callback_pc >= 0) spawn_callback(env, st, insn, meta, spawned);
  if (meta.iter_slot >= 0) iter_effects(env, st, insn, meta, spawned);
  const bool iter_next = (p.flags & kHelperIterNext) != 0;
  // r1-r5 are clobbered by every call, bpf_fastcall ones included, as the
  // kernel's verifier has it ("R1 !read_ok" after bpf_get_smp_processor_id):
  // a fastcall program spills and fills around the call itself, and the
  // JIT's call of the helper does not preserve them.
  for (uint8_t r = 1; r <= 5; ++r) st.reg(r) = RegState{};
  for (State& s : spawned)
    if (iter_next)
      for (uint8_t r = 1; r <= 5; ++r) s.reg(r) = RegState{};
  if (!kfunc && p.id == kHelperTailCall)
    if (auto s = tail_call_taken(env, st, insn, spawned); !s) return s;
  if (iter_next) return ok();
  if (auto s = set_return(env, st, insn, meta); !s) return s;
  // The path where the lock was taken (res_lock spawned the other).
  if (p.flags & kHelperResLock) st.reg(0) = RegState::scalar(Scalar::constant(0));
  return ok();
}

}  // namespace decade::verifier
