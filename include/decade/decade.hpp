// SPDX-License-Identifier: Apache-2.0
// Decade's embedding API (C++). Open an object compiled by clang
// (`clang-19 -target bpf -O2 -g`, libbpf conventions), configure it, load it
// (maps created, global data filled, every program verified), then run its
// programs and read and write its maps.
//
//   auto obj = decade::BpfObject::open("filter.bpf.o");
//   obj->global(".rodata")->... ;            // const volatile config, before load
//   obj->load();                             // verifies every program
//   auto prog = obj->program("packet_filter");
//   auto res = prog->test_run({.data = packet});
//   auto map = obj->map("proto_stats");
//   auto v = map->lookup<uint32_t, Stats>(6);
//
// Handles (BpfProgram, BpfMap) are small values that refer into their
// BpfObject; they stay valid while the object lives. Every fallible call
// returns decade::Result; nothing here throws. Only this header and
// decade/error.hpp are public: no internal type leaks through them.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "decade/error.hpp"
#include "decade/export.h"
#include "decade/fib.hpp"
#include "decade/tunnel.hpp"

namespace decade {

// ---- Platform extensions: what a host adds for its programs to call ----

// Host functions use the BPF calling convention mapped onto the host's:
// five 64-bit arguments (r1..r5), one 64-bit result (r0).
using HostFn = uint64_t (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
// A host function of 6 to 12 arguments (the stackargs extension,
// docs/isa-extensions.md); parameters past the ones it declares get 0.
using HostFnWide = uint64_t (*)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                uint64_t, uint64_t, uint64_t, uint64_t);

// What the verifier requires of each argument of a host function.
enum class ArgType : uint8_t {
  None,           // not used (arguments after the last one)
  Scalar,         // any initialised number
  Mem,            // readable memory; its size is the next argument (MemSize)
  UninitMem,      // memory the function fills; its size is the next argument
  MemSize,        // constant size of the preceding memory argument, > 0
  MemSizeOrZero,  // the same, may be 0
  Ctx,            // the program's context pointer
  Map,            // a map the program names (&my_map)
  MapKey,         // memory of the preceding map argument's key size
  MapValue,       // memory of the preceding map argument's value size
  ConstString,    // a NUL-terminated read-only string
};

enum class ReturnType : uint8_t {
  Integer,         // a number
  Void,            // nothing (r0 is undefined after the call)
  MapValueOrNull,  // a value of the map in argument 1, or NULL
};

// A helper (called by id, `call N`) or a kfunc (called by name, declared
// `extern ... __ksym` in the program).
struct FunctionSpec {
  std::string name;
  uint32_t id = 0;  // helpers only: the call number; kfuncs: 0
  HostFn fn = nullptr;
  ReturnType ret = ReturnType::Integer;
  std::array<ArgType, 5> args{};
  // More than five arguments: fn_wide instead of fn, and stack_args (1..7)
  // numbers past the fifth, which programs pass in their stack-argument
  // slots (r11) and the verifier checks are numbers. add_helper and
  // add_kfunc refuse (InvalidArgument) both or neither of fn and fn_wide.
  HostFnWide fn_wide = nullptr;
  uint8_t stack_args = 0;
};

// A context field of a host-defined program type.
struct ContextField {
  std::string name;
  uint32_t offset = 0;
  uint32_t size = 0;
  bool writable = false;
};

// A host-defined program type, selected by the program's SEC() name.
struct ProgramTypeSpec {
  std::string name;
  std::vector<std::string> sections;  // libbpf-style patterns: "myhook" exact, "myhook+" also "myhook/..."
  uint32_t ctx_size = 0;              // bytes of context the program may address
  std::vector<ContextField> fields;   // empty: the whole context is plain memory
  int64_t ret_min = INT64_MIN;        // allowed return values (inclusive)
  int64_t ret_max = INT64_MAX;
  // A tracing type (the kernel's kprobe, tracepoint, fentry, ...): its
  // programs may call the helpers that read host memory when the host grants
  // Grant::ReadHostMemory. Other types never may.
  bool tracing = false;
};

// ---- Privileges: what programs may do beyond the sandbox ----
//
// Every program may touch only memory it was given (context, packet, its
// stack, its maps' values) unless the host grants more, per object and
// before load; nothing is granted by default.
enum class Grant : uint32_t {
  // The kernel's CAP_PERFMON for tracing programs: bpf_probe_read,
  // bpf_probe_read_{user,kernel} and their _str forms may be called by
  // programs of a tracing type (built in: "uprobe"), and they, and %s in
  // bpf_trace_printk / bpf_snprintf, read inside the ranges the host adds
  // with add_readable_range (else -EFAULT, destination zeroed). Without the
  // grant a program that calls them is rejected (VerifierNotGranted).
  ReadHostMemory = 1,
  // The kernel's verifier rules for root (bpftool's default as root): a
  // program may store pointers into maps, the packet, the context and its
  // memory, return one, compare pointers with anything and turn them into
  // numbers (32-bit copies, negation, subtraction), and read stack it has
  // not written (the engines zero the stack for such programs, so a run
  // never sees an earlier run's bytes). A stored or returned pointer is a
  // number to whatever reads it later; nothing can dereference it. Without
  // the grant (the default) these are rejected as the kernel rejects them
  // for unprivileged users (VerifierPointerLeak, VerifierUninitStack);
  // docs/verifier.md "Privilege" lists the rules.
  Privileged = 2,
};

// ---- Loading ----

struct LoadOptions {
  // Execution engine: "jit" or "interp"; empty picks the default (the JIT on
  // x86-64 when it is built, the interpreter otherwise). See engines().
  std::string engine;
  // The one bypass of the verifier, named on purpose: load programs without
  // verifying them and run them with every memory access checked at run
  // time. For fuzzing and experiments; never for untrusted code in production.
  bool unverified_checked_execution = false;
  // Verifier budget: instructions processed per program (0 = 1,000,000).
  uint64_t max_verifier_insns = 0;
  // Verifier memory budget per program, in bytes (0 = 1 GiB): what the
  // exploration may hold at once (stored states, pending paths).
  // VerifierMemoryLimit names the instruction where it ran out.
  uint64_t max_verifier_memory = 0;
  // Host memory for maps, checked before anything is allocated (an error
  // MapMemoryLimit names the map and the sizes). map_memory bounds one map
  // when full (0 = 1 GiB); object_map_memory bounds what the object's maps
  // hold together, counting lazily allocated elements (hash maps with
  // BPF_F_NO_PREALLOC, LPM tries) as they are added (0 = 4 GiB; updates
  // past it fail with -ENOMEM).
  uint64_t map_memory = 0;
  uint64_t object_map_memory = 0;
  // Decade ISA extensions (docs/isa-extensions.md) the host refuses: a
  // program that needs one fails to load with ElfExtensionMissing naming it.
  std::vector<std::string> disabled_extensions;
  // Run the bpf_fastcall spill/fill pairs clang-22 puts around fastcall
  // helpers and kfuncs as written, instead of leaving out the ones the
  // verifier proves removable (docs/isa-extensions.md). For comparison.
  bool keep_fastcall_spills = false;
  // Stack bytes a program may use (0: 512, the kernel's limit): in each
  // function's frame and in every call chain together, or in each frame
  // alone for programs whose object declares the divstack extension
  // (docs/isa-extensions.md). A multiple of 8 up to 65536; larger frames
  // cost memory, not speed. Over it, VerifierStackLimit / VerifierOutOfBounds.
  uint32_t stack_size = 0;
  // Where maps declared `__uint(pinning, LIBBPF_PIN_BY_NAME)` live between
  // runs (bpffs's part, docs/embedding.md "Pinned maps"): DIR/<map name>,
  // created on first load, reused after. Empty: $XDG_RUNTIME_DIR/decade,
  // else /run/decade. Array, per-CPU array, the four hash types, ring
  // buffers and the redirect maps (devmap, devmap_hash, cpumap, xskmap);
  // other types fail with MapBadType.
  std::string pin_dir;
  // Pins every map of the object, global data included, in this directory
  // (libbpf's pin_root_path, for all maps): DIR/<map name>, created, or
  // reused when a pin of that name matches the map (type, sizes,
  // max_entries; else the load fails with what differs). A map whose type
  // cannot be pinned fails the load with MapBadType naming it. Processes
  // that load with the same DIR share every map (`decade trace`).
  std::string pin_maps;
  // bpf_trace_printk lines go to a ring in this file instead of the
  // object's private one: created when missing, else shared with every
  // process using it (drain_trace reads, and removes, what any of them
  // wrote; one reader at a time). Empty: private.
  std::string trace_file;
};

// BpfObject::set_program_flags (the uapi values of BPF_F_*).
inline constexpr uint32_t kProgFlagStrictAlignment = 1u << 0;
inline constexpr uint32_t kProgFlagAnyAlignment = 1u << 1;

// Engines available in this build, the default first.
DECADE_API std::vector<std::string> engines();
// Decade ISA extensions this build implements (e.g. "bitmanip"); see
// docs/isa-extensions.md. A program needing another one is refused by name.
DECADE_API std::vector<std::string> extensions();

// Map update flags (the kernel's BPF_ANY, BPF_NOEXIST, BPF_EXIST).
enum class UpdateFlag : uint64_t { Any = 0, NoExist = 1, Exist = 2 };

// ---- Running ----

// Stops runs from another thread (docs/runtime-control.md). Cancelling is
// for good: every run that uses the token (already running or started
// later) ends with ExecCancelled, naming the instruction where it stopped,
// within about 100 us, having given back what it held (bpf_spin_lock
// unlocked, ring buffer records discarded, iterators destroyed). A run
// holding a bpf_spin_lock stops after unlocking it. Copies share one state;
// the token is thread-safe.
class DECADE_API CancelToken {
 public:
  CancelToken();
  void cancel() const;
  bool cancelled() const;

  struct State;
  const std::shared_ptr<State>& state() const { return state_; }

 private:
  std::shared_ptr<State> state_;
};

// A cgroup and attach type (uapi enum bpf_attach_type) a program runs for:
// the key of its values in cgroup storage maps (docs/helpers.md).
struct CgroupAttachment {
  uint64_t cgroup_id = 0;     // the cgroup v2 directory's inode number (bpf_get_current_cgroup_id)
  uint32_t attach_type = 0;   // e.g. 0 BPF_CGROUP_INET_INGRESS, 1 BPF_CGROUP_INET_EGRESS
};

// Like BPF_PROG_TEST_RUN. For packet programs (xdp, tc / sched_cls,
// socket_filter) `data` is the packet, starting at the Ethernet header, and
// `ctx` optionally the initial struct xdp_md / struct __sk_buff (packet
// pointer fields must be zero, as in the kernel). For raw programs r1 = a
// writable copy of `data` and r2 = its length. For other types `ctx` is the
// context memory.
struct TestRunOptions {
  std::span<const uint8_t> data;
  std::span<const uint8_t> ctx;
  uint32_t repeat = 1;  // runs; duration is the mean over them
  // Stops the call from another thread (ExecCancelled); nullptr: no token.
  const CancelToken* cancel = nullptr;
  // Deadline for the whole call (every repeat), in nanoseconds; past it the
  // run ends with ExecTimeout naming the instruction. 0: the program's
  // default (BpfProgram::set_timeout), which is 0 (none) unless set.
  uint64_t timeout_ns = 0;
  // tc: tunnel metadata the packet arrived with, as a collect-metadata
  // tunnel device gives it (remote: the peer that sent it), for
  // bpf_skb_get_tunnel_key / _opt. Not reported back unless the program
  // sets its own (TestRunResult::tunnel).
  std::optional<TunnelKey> tunnel;
  // bpf_get_local_storage: unset, each cgroup storage map the program uses
  // gets fresh zeroed storage for this call (shared by its repeats, then
  // dropped), as the kernel's test run; set, the runs are those of the
  // program attached there: they use the map's value for this cgroup (and
  // attach type, for struct bpf_cgroup_storage_key keys), made zeroed on first use and kept,
  // which BpfMap lookup / update then read and write.
  std::optional<CgroupAttachment> cgroup_storage;
};

// Where a test run's packet went: the program returned XDP_REDIRECT (xdp)
// or TC_ACT_REDIRECT (tc) after bpf_redirect or bpf_redirect_map chose a
// target (docs/helpers.md). Decade has no devices, CPU backlogs or AF_XDP
// sockets; the host delivers the packet (TestRunResult::data_out) itself.
struct Redirect {
  enum class Kind : uint8_t {
    Ifindex,  // bpf_redirect, or a devmap / devmap_hash entry
    Cpu,      // a cpumap entry
    Xsk,      // an xskmap entry: an AF_XDP socket's queue
    Socket,   // a sockmap / sockhash entry (bpf_sk_redirect_*, bpf_msg_redirect_*): a host socket
  };
  Kind kind = Kind::Ifindex;
  // Ifindex: the interfaces (every entry but, with BPF_F_EXCLUDE_INGRESS,
  // the ingress one for BPF_F_BROADCAST); Cpu: the CPU; Xsk: the queue index.
  std::vector<uint32_t> targets;
  uint64_t flags = 0;    // BPF_F_INGRESS (tc), BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS (devmap)
  std::string map;       // the map bpf_redirect_map used; empty for bpf_redirect
  uint32_t key = 0;      // its key
  uint32_t value = 0;    // the entry's first u32 when the helper ran: ifindex, cpumap qsize, xsk socket id
  uint64_t cookie = 0;   // Socket: the chosen socket's cookie (SO_COOKIE); flags then say BPF_F_INGRESS
};

// A copy of the packet a tc or lwt_xmit program sent on with
// bpf_clone_redirect while going on with the original (docs/helpers.md).
struct ClonedPacket {
  uint32_t ifindex = 0;
  bool ingress = false;        // BPF_F_INGRESS: to the device's receive side
  std::vector<uint8_t> data;   // the packet when the helper ran
};

struct TestRunResult {
  uint64_t retval = 0;             // r0 of the last run
  std::vector<uint8_t> data_out;   // the packet (or raw memory) after the last run
  std::vector<uint8_t> ctx_out;    // the context after the last run (empty when none)
  uint64_t duration_ns = 0;        // mean wall time of one run
  // Set when the last run redirected the packet (Redirect); a run that
  // returns XDP_REDIRECT without a target loses the packet, as the kernel's
  // xdp_do_redirect does.
  std::optional<Redirect> redirect;
  // Set when the last run of a tc program left tunnel metadata on the
  // packet (bpf_skb_set_tunnel_key / _opt): what a collect-metadata
  // tunnel device would encapsulate it with (decade/tunnel.hpp).
  std::optional<TunnelKey> tunnel;
  // The last run's bpf_clone_redirect copies, in call order.
  std::vector<ClonedPacket> clones;
};

class BpfObject;

// What load() spent on one program (steady clock): verification, and
// compilation by its engine (the interpreter's translation or the JIT's
// code generation, executable memory included). Zero before load.
struct LoadTimes {
  uint64_t verify_ns = 0;   // 0 with unverified_checked_execution
  uint64_t compile_ns = 0;
};

// Where a user-space probe attaches (BpfProgram::attach_uprobe,
// docs/uprobes.md): a function of this process by name, or an address.
struct UprobeOptions {
  // With `function`: the binary or shared library defining it, as a path or
  // the tail of a mapped path ("libc.so.6"); empty means the main executable.
  std::string binary;
  std::string function;   // looked up in the file's .symtab, then .dynsym
  uint64_t address = 0;   // used when `function` is empty: an instruction inside a function
  uint64_t offset = 0;    // bytes past the function's start (or past `address`)
  bool retprobe = false;  // run when the function returns (offset must be 0)
  uint64_t cookie = 0;    // what bpf_get_attach_cookie returns in this attachment's runs
};

// Where a USDT probe attaches (BpfProgram::attach_usdt, docs/uprobes.md):
// every site of provider:name in a binary of this process, as SystemTap's
// <sys/sdt.h> records them in .note.stapsdt.
struct UsdtOptions {
  std::string binary;    // a path or the tail of a mapped path; empty means the main executable
  std::string provider;
  std::string name;
  uint64_t cookie = 0;   // what bpf_usdt_cookie returns in this link's runs
};

// An attached probe, like libbpf's bpf_link: destroying it detaches. It
// refers to the program's maps, so destroy links before their BpfObject.
class DECADE_API ProbeLink {
 public:
  ProbeLink();
  ProbeLink(ProbeLink&&) noexcept;
  ProbeLink& operator=(ProbeLink&&) noexcept;
  ~ProbeLink();
  // Detaches now (the original code is back when this was the address's
  // last probe) and waits until no thread runs the program for it.
  Status detach();
  bool attached() const;
  uint64_t address() const;  // the probed instruction; 0 when detached

 private:
  friend class BpfProgram;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The JIT's code for one program (BpfProgram::native_code), for
// disassemblers: the instruction bytes and which BPF instruction slot each
// byte range implements.
struct NativeCode {
  std::vector<uint8_t> text;  // instructions only (the data tables after them left out)
  uint64_t address = 0;       // where text[0] runs
  struct Range {
    uint32_t offset;  // up to the next range's offset (or the end)
    int32_t slot;     // BPF instruction slot; -1 for prologue, epilogue and other glue
  };
  std::vector<Range> ranges;  // sorted by offset
};

namespace api {
struct Access;
}

// A program of a loaded object.
class DECADE_API BpfProgram {
 public:
  std::string_view name() const;
  std::string_view section() const;
  std::string_view type() const;        // program type name: "xdp", "sched_cls", "raw", ...
  size_t insn_count() const;            // instruction slots
  bool autoload() const;                // whether load() loads it (BpfObject::set_autoload)
  std::string_view engine() const;      // "jit", "interp", "interp-checked"; empty before load
  // Process-wide id once loaded (0 before): what a prog_array stores, as
  // libbpf stores program fds. BpfMap::update(index, prog.id()) fills a slot.
  uint32_t id() const;
  LoadTimes load_times() const;
  // The program's instructions, one per line, in LLVM syntax (with the C
  // source line above each statement when BTF line info is present).
  std::string disassembly(bool with_source = true) const;
  // After load with the JIT engine: its native code. InvalidArgument
  // before load or when another engine runs the program.
  Result<NativeCode> native_code() const;
  Result<TestRunResult> test_run(const TestRunOptions& opts) const;
  // Default deadline of this program's test runs (TestRunOptions::timeout_ns
  // overrides it); 0 removes it. Thread-safe.
  void set_timeout(uint64_t timeout_ns) const;
  uint64_t timeout() const;
  // Attaches this program (of an uprobe / uretprobe / usdt section) to a
  // function of this process (docs/uprobes.md). ProbeSymbolNotFound,
  // ProbeBadAddress, ProbeFunctionTooShort, ProbeJumpIntoPatch,
  // ProbeCannotRelocate, ProbeAttachFailed (not loaded, not a uprobe
  // program, code not patchable); Unsupported off x86-64.
  Result<ProbeLink> attach_uprobe(const UprobeOptions& opts) const;
  // Attaches this program to every site of a USDT probe of this process,
  // with libbpf's usdt.bpf.h conventions (bpf_usdt_arg, bpf_usdt_cookie,
  // BPF_USDT): the object must have usdt.bpf.h's __bpf_usdt_specs map.
  // Semaphores count the link while it is attached. ProbeUsdtNotFound,
  // ProbeUsdtBadArgument, and attach_uprobe's errors.
  Result<ProbeLink> attach_usdt(const UsdtOptions& opts) const;

 private:
  friend class BpfObject;
  friend struct api::Access;  // the library's own tools reach the decoded program
  explicit BpfProgram(const void* impl) : impl_(impl) {}
  const void* impl_;
};

// Position of a batch walk over a map (lookup_batch).
struct BatchCursor {
  std::vector<uint8_t> token;  // opaque; empty = start from the beginning
  bool done = false;           // the walk reached the end
};

// A map of a loaded object (or, before load, its definition only: reading
// and writing elements then fails with InvalidArgument).
class DECADE_API BpfMap {
 public:
  std::string_view name() const;
  uint32_t type() const;                 // kernel map type number (BPF_MAP_TYPE_*)
  std::string_view type_name() const;    // "hash", "array", "lpm_trie", ...
  uint32_t key_size() const;
  uint32_t value_size() const;           // as programs see it
  uint32_t host_value_size() const;      // as lookup()/update() exchange it: per-CPU maps hold one
                                         // round_up(value_size, 8) slot per possible CPU
  uint32_t max_entries() const;
  uint32_t flags() const;                // BPF_F_* creation flags
  // BTF ids of the key and value types in the object's BTF, 0 when untyped
  // (libbpf's bpf_map__btf_key_type_id): global data has no key type and
  // its section's DATASEC as value type. dump() types what has an id.
  uint32_t btf_key_type_id() const;
  uint32_t btf_value_type_id() const;
  // The ELF section the map comes from: ".maps", or ".bss", ".data",
  // ".rodata", ".kconfig"... for global data.
  std::string_view section() const;
  // Process-wide id once loaded (0 before): what an array_of_maps /
  // hash_of_maps stores as its value, as libbpf stores map fds.
  uint32_t id() const;

  // Element access with the kernel's semantics; sizes must match exactly
  // (MapBadKeySize / MapBadValueSize). Absent keys give MapKeyNotFound.
  Status lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const;
  Status update(std::span<const uint8_t> key, std::span<const uint8_t> value, UpdateFlag flag = UpdateFlag::Any) const;
  Status erase(std::span<const uint8_t> key) const;
  // Key after `key` (empty span: the first key). false at the end.
  Result<bool> next_key(std::span<const uint8_t> key, std::span<uint8_t> next) const;
  // Queue / stack maps (the kernel's lookup_and_delete with no key).
  Status push(std::span<const uint8_t> value, UpdateFlag flag = UpdateFlag::Any) const;
  Status pop(std::span<uint8_t> value) const;

  // Direct memory, as libbpf skeletons and mmap give it: an array's values
  // (element i at i * round_up(value_size, 8)), global data, or an arena's
  // pages. MapBadType for other maps, MapBadFlags for frozen (.rodata) maps.
  Result<std::span<uint8_t>> memory() const;

  // Pins the loaded map at `path`, as bpftool's `map pin` (docs/embedding.md,
  // "Pinned maps"): a map loaded from a pin (LIBBPF_PIN_BY_NAME) gets a
  // second name for the same shared file; any other map's elements are
  // copied into a new pin, which later loads and `pinned PATH` share (this
  // BpfMap keeps its own storage). Array, per-CPU array and the four hash
  // types only (MapBadType names others); IoError when `path` exists.
  Status pin(const std::string& path) const;

  // Batches: keys and values are packed arrays; their lengths give the count.
  // Returns elements copied (and deleted with delete_after).
  Result<uint32_t> lookup_batch(BatchCursor& cursor, std::span<uint8_t> keys, std::span<uint8_t> values,
                                bool delete_after = false) const;
  Result<uint32_t> update_batch(std::span<const uint8_t> keys, std::span<const uint8_t> values,
                                UpdateFlag flag = UpdateFlag::Any) const;
  Result<uint32_t> delete_batch(std::span<const uint8_t> keys) const;

  // The map's contents as text, like `bpftool map dump`: with BTF, keys and
  // values are printed by type (struct fields by name, integers in decimal,
  // arrays); without it, as hex bytes.
  Result<std::string> dump() const;
  // One key or value rendered from BTF (or hex): used by dump(), and for
  // printing single elements.
  std::string format_key(std::span<const uint8_t> key) const;
  std::string format_value(std::span<const uint8_t> value) const;
  // Their inverses: a key or value as dump() prints it (JSON typed through
  // BTF, or the hex-bytes string it prints without BTF) as key_size() /
  // host_value_size() bytes, ready for update(). A per-CPU value is dump()'s
  // [{"cpu": N, "value": V}, ...] (CPUs left out are zero) or one value for
  // every CPU. ValueTextMalformed says what does not parse or fit.
  Result<std::vector<uint8_t>> parse_key(std::string_view text) const;
  Result<std::vector<uint8_t>> parse_value(std::string_view text) const;

  // Typed conveniences; K and V must match the map's sizes.
  template <typename K, typename V>
  Result<V> lookup(const K& key) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    V value{};
    Status s = lookup(bytes_of(key), std::span<uint8_t>(reinterpret_cast<uint8_t*>(&value), sizeof(V)));
    if (!s) return Unexpected<Error>(s.error());
    return value;
  }
  template <typename K, typename V>
  Status update(const K& key, const V& value, UpdateFlag flag = UpdateFlag::Any) const {
    static_assert(std::is_trivially_copyable_v<K> && std::is_trivially_copyable_v<V>);
    return update(bytes_of(key), bytes_of(value), flag);
  }

 private:
  friend class BpfObject;
  friend class RingBuffer;
  friend class PerfBuffer;
  template <typename T>
  static std::span<const uint8_t> bytes_of(const T& v) {
    return {reinterpret_cast<const uint8_t*>(&v), sizeof(T)};
  }
  explicit BpfMap(void* impl) : impl_(impl) {}
  void* impl_;
};

// The verifier's verdict on one program (BpfObject::verify_programs).
struct VerifyReport {
  std::string program;
  std::string type;              // program type it was verified as
  bool accepted = false;
  Error error;                   // when rejected: code, instruction, source line, hint
  std::string log;               // the verifier log at the requested level
  size_t insn_count = 0;         // instruction slots
  uint64_t insns_processed = 0;  // statistics of an accepted program
  uint64_t states_stored = 0;
  uint64_t peak_states = 0;
  uint64_t peak_memory = 0;      // bytes the exploration held at most (see LoadOptions::max_verifier_memory)
  uint64_t time_ns = 0;
};

// An object file: its programs, maps and global data.
class DECADE_API BpfObject {
 public:
  // Opens an ELF object (nothing is created or verified yet).
  static Result<BpfObject> open(const std::string& path);
  static Result<BpfObject> open(std::span<const uint8_t> elf_bytes, std::string name = "object");
  // An object holding one program given as raw bytecode (8-byte slots, no
  // maps), of program type `type` ("raw": r1 = memory, r2 = its length).
  static Result<BpfObject> from_bytecode(std::span<const uint8_t> code, std::string name = "prog",
                                         std::string_view type = "raw");

  BpfObject(BpfObject&&) noexcept;
  BpfObject& operator=(BpfObject&&) noexcept;
  ~BpfObject();

  // ---- before load ----
  // The BTF that CO-RE relocations resolve against: describes the host's
  // structures as the program sees them. Raw .BTF bytes or an ELF file
  // with a .BTF section (e.g. `pahole -J` output).
  Status set_target_btf(std::span<const uint8_t> btf);
  Status set_target_btf_file(const std::string& path);
  // What the loader resolved in a way the host should know about, one
  // sentence each: today, CO-RE relocations resolved against the object's
  // own BTF because no target BTF was set (the compiler's layouts are kept,
  // which is wrong wherever the host's structures differ). Reflects the
  // last open or reload (load() re-runs the loader after set_target_btf).
  std::vector<std::string> warnings() const;
  // Values of `__kconfig` externs, libbpf's `kconfig` option:
  // "CONFIG_FOO=y\nCONFIG_BAR=42\nCONFIG_S=\"text\"\n". Replaces earlier text.
  // LINUX_KERNEL_VERSION defaults to KERNEL_VERSION(6, 12, 0). At load, a
  // strong extern without a value is ElfKconfigMissing (naming it), a weak
  // one reads 0; a value that does not fit is ElfKconfigBadValue.
  Status set_kconfig(std::string_view text);
  // The routing table bpf_fib_lookup answers from (decade/fib.hpp), before
  // load. The object shares it with the host: routes the host changes later
  // are seen by the next lookup. Without one, every lookup is -ENODEV.
  Status set_fib(const FibTable& fib);
  Status add_helper(const FunctionSpec& spec);
  Status add_kfunc(const FunctionSpec& spec);
  Status add_program_type(const ProgramTypeSpec& spec);
  // Lets programs of `type` (built in or added) call helper `helper_id`
  // (built in or added), e.g. a packet helper in a host program type.
  Status allow_helper(std::string_view type, uint32_t helper_id);
  // Overrides the program type its section would give (e.g. run a SEC("tc")
  // program as socket_filter), or gives one to a program whose section names
  // none (SEC("xdp_redirect"), SEC("filter")): such a program opens with
  // ElfUnknownSection kept as its own error and loads once typed. `type` is
  // a type name ("xdp", "sched_cls", "socket_filter", "cgroup_skb") or a
  // libbpf section name as bpftool's `type` takes it ("socket", "tc",
  // "classifier", "cgroup/skb"); ProgramTypeNotFound when it is neither.
  Status set_program_type(std::string_view program, std::string_view type);
  // Whether load() loads `program`, libbpf's bpf_program__set_autoload:
  // by default every program but those of "?sec" sections. A program that
  // is not loaded is not verified either, so its problems (a section naming
  // no program type, a failed relocation, a rejection) cannot fail the load
  // of the others; it has no id and cannot run. ProgramNotFound when absent.
  Status set_autoload(std::string_view program, bool autoload);
  // Program load flags, libbpf's bpf_program__set_flags: kProgFlagStrictAlignment
  // (BPF_F_STRICT_ALIGNMENT: the verifier refuses misaligned packet, map
  // value, key and context accesses, as the kernel does with the flag) and
  // kProgFlagAnyAlignment (BPF_F_ANY_ALIGNMENT: the default here, since
  // x86-64 and arm64 load unaligned words; it overrides the other).
  // Unsupported for any other bit, named; ProgramNotFound when absent.
  Status set_program_flags(std::string_view program, uint32_t flags);
  // A map's max_entries before load, libbpf's bpf_map__set_max_entries:
  // for maps whose size the host decides (per-CPU counters declared without
  // max_entries, tables sized to the machine). A ring buffer's is rounded up
  // to a multiple of the page size, as libbpf does. MapNotFound when absent;
  // MapBadType for global data (.data, .bss, ...), whose size is its section's.
  Status set_max_entries(std::string_view map, uint32_t max_entries);
  // Programs named by prog_array slots filled statically in C (`.values =
  // { [0] = &prog }`): load() fills those slots, so it needs them loaded.
  std::vector<std::string> static_slot_programs() const;
  // Privileges (see Grant). Grants accumulate; verify_programs and load
  // check programs against them.
  Status grant(Grant g);
  // Host memory [start, start + size) that Grant::ReadHostMemory reads may
  // reach, e.g. a traced component's data. Nothing is readable until ranges
  // are added: Decade's own memory is not, unless the host lists it.
  Status add_readable_range(const void* start, size_t size);

  // Creates the maps, fills global data, binds and verifies every program
  // whose autoload is on, and compiles each with the chosen engine. The
  // first failing program fails the load (Error names it and carries the
  // instruction index); so does a static prog_array slot naming a program
  // that is not loaded (ProgramNotFound), as in libbpf.
  Status load(const LoadOptions& opts = {});
  bool loaded() const;

  // Verifies programs without loading (`decade verify`): `program` empty
  // means every program whose autoload is on; a named one is verified
  // whatever its autoload, and nothing else of the object is looked at.
  // log_level 0 none, 1 like `-v`, 2 every state. A rejection is a report,
  // not an error; errors are for malformed input (or a program that cannot
  // be loaded: a section naming no program type, a failed relocation).
  // max_insns, max_memory and stack_size are LoadOptions' (0: default).
  Result<std::vector<VerifyReport>> verify_programs(std::string_view program = "", int log_level = 0,
                                                    uint64_t max_insns = 0, uint64_t max_memory = 0,
                                                    uint32_t stack_size = 0);
  // The object's BTF, one type per line like `bpftool btf dump file`.
  Result<std::string> btf_dump() const;

  // ---- any time ----
  std::string_view name() const;
  std::vector<std::string> program_names() const;
  std::vector<std::string> map_names() const;
  // By name; ProgramNotFound / MapNotFound when absent. program("") gives
  // the first program.
  Result<BpfProgram> program(std::string_view name) const;
  Result<BpfMap> map(std::string_view name) const;

  // bpf_trace_printk (bpf_printk) output of this object's test runs: lines
  // (without their '\n') go to a lock-free ring the host reads, as
  // trace_pipe gives the kernel's; nothing is written to stderr. The ring
  // holds 4,096 lines of at most 496 bytes (longer ones are cut); a line that
  // finds it full is dropped and counted. drain_trace returns and removes
  // what is there, oldest first (one reader at a time; runs may go on).
  std::vector<std::string> drain_trace() const;
  uint64_t trace_dropped() const;
  // Instead of the ring: `cb` receives each line as it is written, on the
  // thread running the program (so it must be thread-safe when programs run
  // on several threads). Set it before runs start; an empty function
  // restores the ring.
  Status set_trace_callback(std::function<void(std::string_view line)> cb);

  // Global data of section `section` (".rodata", ".data", ".bss",
  // ".data.custom", ...; the leading dot is optional), skeleton style.
  // Before load: the initial image, writable (this is how a host sets
  // `const volatile` configuration). After load: the live memory programs
  // use; .rodata is frozen then, so asking for it writable fails with
  // MapBadFlags: use global_view.
  Result<std::span<uint8_t>> global(std::string_view section);
  Result<std::span<const uint8_t>> global_view(std::string_view section) const;
  // One global variable by name (found through the object's BTF), as
  // skeletons give `skel->rodata->drop_icmp`: the same rules as global().
  Result<std::span<uint8_t>> global_var(std::string_view name);

  struct Impl;

 private:
  friend struct api::Access;  // the library's own tools reach the object's BTF
  explicit BpfObject(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// libbpf's ring_buffer: consumes the records programs submit to one or more
// BPF_MAP_TYPE_RINGBUF maps.
class DECADE_API RingBuffer {
 public:
  // Returning a negative value stops consumption and is passed back.
  using Callback = std::function<int(std::span<const uint8_t> record)>;

  static Result<RingBuffer> create(const BpfMap& map, Callback cb);
  RingBuffer(RingBuffer&&) noexcept;
  RingBuffer& operator=(RingBuffer&&) noexcept;
  ~RingBuffer();

  Status add(const BpfMap& map, Callback cb);
  // Waits up to timeout_ms (-1 = forever) for data, then consumes every
  // ring. Returns records consumed (0 on timeout).
  Result<int> poll(int timeout_ms);
  // Consumes what is there without waiting.
  Result<int> consume();
  // Readable when records are waiting (epoll fd): add it to your own loop.
  int fd() const;

  struct Impl;

 private:
  explicit RingBuffer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// libbpf's perf_buffer: reads what programs send with bpf_perf_event_output
// to a BPF_MAP_TYPE_PERF_EVENT_ARRAY. create() opens one ring of page_cnt
// pages per CPU (possible_cpus()) and puts it in the map's slot for that CPU,
// as libbpf stores its perf event fds; a sample goes to the ring of the CPU
// the run holds (BPF_F_CURRENT_CPU) or, with an explicit index, fails with
// -EOPNOTSUPP unless that slot's ring is the running CPU's. A full ring
// counts samples as lost; the reader gets the count before the next sample.
// Destroying the PerfBuffer empties the slots it filled.
class DECADE_API PerfBuffer {
 public:
  // data is the raw sample, padded as perf pads it (size + 4 a multiple of 8).
  using SampleFn = std::function<void(int cpu, std::span<const uint8_t> data)>;
  using LostFn = std::function<void(int cpu, uint64_t count)>;

  static Result<PerfBuffer> create(const BpfMap& map, size_t page_cnt, SampleFn sample, LostFn lost = {});
  PerfBuffer(PerfBuffer&&) noexcept;
  PerfBuffer& operator=(PerfBuffer&&) noexcept;
  ~PerfBuffer();
  // Waits up to timeout_ms (-1: forever) for a record, then handles every
  // ring's records; returns how many (samples and lost notices).
  Result<int> poll(int timeout_ms);
  // Handles what is there without waiting.
  Result<int> consume();

  struct Impl;

 private:
  explicit PerfBuffer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace decade
