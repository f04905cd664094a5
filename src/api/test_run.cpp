// SPDX-License-Identifier: Apache-2.0
// BpfProgram::test_run, the BPF_PROG_TEST_RUN of Decade: builds the context
// the program type expects (an XDP buffer, a socket buffer, raw memory, or
// plain context memory), runs the program `repeat` times on it and reports
// the last result, the packet or memory after it, and the mean duration.
#include <chrono>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "api/redirect_report.hpp"
#include "decade/stop_signal.hpp"
#include "probe/park_threads.hpp"
#if defined(__x86_64__)
#include "jit/x86_64/interrupt.hpp"
#endif
#include "runtime/maps/cgroup_storage.hpp"
#include "runtime/packet_context.hpp"

namespace decade {

namespace {

constexpr size_t kEthHeader = 14;  // what the kernel's test run pulls for socket filters and cgroup skb

// What every run of one test_run call shares: the program (for source
// lines in errors) and what may stop it (nullptr: nothing).
struct RunSetup {
  const Program& prog;
  RunControl* control;
};

struct RunOutcome {
  uint64_t retval = 0;
  uint64_t duration_ns = 0;
};

// What a packet's run records about it (a redirect, a tunnel key set),
// cleared before each run so that every run starts as the first did and
// the result reports what the last run chose.
struct PacketRecords {
  std::optional<RedirectInfo>* redirect = nullptr;
  std::optional<TunnelKey>* tunnel = nullptr;
  std::vector<SkbClone>* clones = nullptr;

  void clear() const {
    if (redirect) redirect->reset();
    if (tunnel) tunnel->reset();
    if (clones) clones->clear();
  }
  static void clear_between(void* self) { static_cast<const PacketRecords*>(self)->clear(); }
};

// Runs the program `repeat` times through one entry of the engine
// (Executable::run_repeat, as the kernel's test run with `repeat`); the
// duration is the mean over the runs.
Result<RunOutcome> run_repeated(Executable& exe, RunRequest& req, uint32_t repeat, const RunSetup& setup,
                                PacketRecords records = {}) {
  RunOutcome out;
  req.control = setup.control;
  records.clear();
  if (records.redirect || records.tunnel || records.clones) {
    req.between_runs = &PacketRecords::clear_between;
    req.between_arg = &records;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto r = exe.run_repeat(req, repeat == 0 ? 1 : repeat);
  const auto t1 = std::chrono::steady_clock::now();
  if (!r) return std::unexpected(api::with_source(r.error(), setup.prog));
  out.retval = *r;
  out.duration_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) /
                    (repeat == 0 ? 1 : repeat);
  return out;
}

template <typename T>
T ctx_in(std::span<const uint8_t> ctx) {
  T md{};
  if (!ctx.empty()) std::memcpy(&md, ctx.data(), std::min(ctx.size(), sizeof(T)));  // an empty span's data may be NULL
  return md;
}

Status check_ctx_size(std::span<const uint8_t> ctx, size_t max, std::string_view what) {
  if (ctx.size() > max)
    return make_error(ErrorCode::InvalidArgument, fmt::format("ctx is {} bytes; {} takes at most {}", ctx.size(), what, max));
  return ok();
}

Result<TestRunResult> run_xdp(Executable& exe, const TestRunOptions& o, const RunSetup& setup) {
  if (auto s = check_ctx_size(o.ctx, sizeof(XdpMd), "struct xdp_md"); !s) return std::unexpected(s.error());
  XdpMd in = ctx_in<XdpMd>(o.ctx);
  if (in.data || in.data_end || in.data_meta || in.egress_ifindex)
    return make_error(ErrorCode::InvalidArgument, "xdp_md: data, data_end, data_meta and egress_ifindex must be 0");
  XdpOptions xo;
  if (!o.ctx.empty()) {
    xo.ingress_ifindex = in.ingress_ifindex;
    xo.rx_queue_index = in.rx_queue_index;
  }
  auto buf = XdpBuff::create(o.data, xo);
  if (!buf) return std::unexpected(buf.error());
  RunRequest req;
  req.r1 = (*buf)->ctx_addr();
  req.regions = (*buf)->regions();
  auto r = run_repeated(exe, req, o.repeat, setup, {&(*buf)->redirect, nullptr});
  if (!r) return std::unexpected(r.error());
  TestRunResult res;
  res.retval = r->retval;
  res.duration_ns = r->duration_ns;
  res.redirect = api::redirect_report((*buf)->redirect, r->retval, api::kXdpRedirect, xo.ingress_ifindex);
  auto pkt = (*buf)->packet();
  res.data_out.assign(pkt.begin(), pkt.end());
  if (!o.ctx.empty()) {
    // As the kernel reports it: packet pointers become offsets from data_meta.
    XdpMd out = *(*buf)->ctx();
    const uint32_t meta = static_cast<uint32_t>((*buf)->metadata().size());
    out.data_meta = 0;
    out.data = meta;
    out.data_end = meta + static_cast<uint32_t>(pkt.size());
    res.ctx_out.resize(sizeof(XdpMd));
    std::memcpy(res.ctx_out.data(), &out, sizeof(XdpMd));
  }
  return res;
}

// network_start: socket filters and cgroup skb programs, which the kernel
// runs on the packet from its network header and reports with 14 zero
// bytes pushed back where the Ethernet header was (bpf_prog_test_run_skb;
// checked against Linux 6.18).
// redirect_action: the verdict that carries out a recorded redirect
// (TC_ACT_REDIRECT for tc, SK_PASS for sk_skb).
Result<TestRunResult> run_skb(Executable& exe, const TestRunOptions& o, const RunSetup& setup, bool network_start,
                              uint64_t redirect_action) {
  if (auto s = check_ctx_size(o.ctx, sizeof(SkBuffMd), "struct __sk_buff"); !s) return std::unexpected(s.error());
  SkBuffMd in = ctx_in<SkBuffMd>(o.ctx);
  if (in.data || in.data_end || in.data_meta)
    return make_error(ErrorCode::InvalidArgument, "__sk_buff: data, data_end and data_meta must be 0");
  SkBuffOptions so;
  so.network_start = network_start;
  if (!o.ctx.empty()) {
    so.mark = in.mark;
    so.priority = in.priority;
    if (in.ifindex) so.ifindex = in.ifindex;
    if (in.ingress_ifindex) so.ingress_ifindex = in.ingress_ifindex;
  }
  auto skb = SkBuff::create(o.data, so);
  if (!skb) return std::unexpected(skb.error());
  SkBuffMd* md = (*skb)->ctx();
  if (!o.ctx.empty()) {
    // The fields the kernel lets test_run set besides those above.
    std::memcpy(md->cb, in.cb, sizeof(md->cb));
    md->tstamp = in.tstamp;
    md->wire_len = in.wire_len ? in.wire_len : md->wire_len;
    md->gso_segs = in.gso_segs;
    md->gso_size = in.gso_size;
    md->hwtstamp = in.hwtstamp;
  }
  (*skb)->rx_tunnel = o.tunnel;
  RunRequest req;
  req.r1 = (*skb)->ctx_addr();
  req.regions = (*skb)->regions();
  auto r = run_repeated(exe, req, o.repeat, setup, {&(*skb)->redirect, &(*skb)->tunnel, &(*skb)->clones});
  if (!r) return std::unexpected(r.error());
  TestRunResult res;
  res.retval = r->retval;
  res.duration_ns = r->duration_ns;
  res.redirect = api::redirect_report((*skb)->redirect, r->retval, redirect_action, so.ingress_ifindex);
  res.tunnel = (*skb)->tunnel;
  for (SkbClone& c : (*skb)->clones) res.clones.push_back({c.ifindex, c.ingress, std::move(c.bytes)});
  auto pkt = (*skb)->packet();
  if (network_start) res.data_out.assign(kEthHeader, 0);  // the kernel pushes the header back zeroed
  res.data_out.insert(res.data_out.end(), pkt.begin(), pkt.end());
  if (!o.ctx.empty()) {
    SkBuffMd out = *md;
    out.data = out.data_end = out.data_meta = 0;
    res.ctx_out.resize(sizeof(SkBuffMd));
    std::memcpy(res.ctx_out.data(), &out, sizeof(SkBuffMd));
  }
  return res;
}

// Raw programs: r1 = a writable copy of data, r2 = its length.
Result<TestRunResult> run_raw(Executable& exe, const TestRunOptions& o, const RunSetup& setup) {
  if (!o.ctx.empty()) return make_error(ErrorCode::InvalidArgument, "raw programs take data, not ctx");
  std::vector<uint64_t> words((o.data.size() + 7) / 8 + 1, 0);  // 8-byte aligned
  auto* mem = reinterpret_cast<uint8_t*>(words.data());
  if (!o.data.empty()) std::memcpy(mem, o.data.data(), o.data.size());
  RunRequest req;
  req.r1 = o.data.empty() ? 0 : reinterpret_cast<uint64_t>(mem);
  req.r2 = o.data.size();
  if (!o.data.empty()) req.regions.push_back({reinterpret_cast<uintptr_t>(mem), o.data.size(), true});
  auto r = run_repeated(exe, req, o.repeat, setup);
  if (!r) return std::unexpected(r.error());
  TestRunResult res;
  res.retval = r->retval;
  res.duration_ns = r->duration_ns;
  res.data_out.assign(mem, mem + o.data.size());
  return res;
}

// Every other type: r1 = context memory initialised from ctx.
Result<TestRunResult> run_ctx(Executable& exe, const ProgramType& type, const TestRunOptions& o,
                              const RunSetup& setup) {
  if (!o.data.empty())
    return make_error(ErrorCode::InvalidArgument, fmt::format("{} programs take ctx, not data", type.name));
  if (auto s = check_ctx_size(o.ctx, type.ctx_size, type.name); !s) return std::unexpected(s.error());
  const size_t size = type.fields.empty() ? o.ctx.size() : type.ctx_size;
  std::vector<uint64_t> words((size + 7) / 8 + 1, 0);
  auto* mem = reinterpret_cast<uint8_t*>(words.data());
  if (!o.ctx.empty()) std::memcpy(mem, o.ctx.data(), o.ctx.size());
  RunRequest req;
  req.r1 = size ? reinterpret_cast<uint64_t>(mem) : 0;
  if (size) req.regions.push_back({reinterpret_cast<uintptr_t>(mem), size, true});
  auto r = run_repeated(exe, req, o.repeat, setup);
  if (!r) return std::unexpected(r.error());
  TestRunResult res;
  res.retval = r->retval;
  res.duration_ns = r->duration_ns;
  if (!o.ctx.empty()) res.ctx_out.assign(mem, mem + o.ctx.size());
  return res;
}

}  // namespace

Result<TestRunResult> BpfProgram::test_run(const TestRunOptions& opts) const {
  const auto& slot = *static_cast<const api::ProgramSlot*>(impl_);
  if (!slot.handle || !slot.type || slot.index == api::kNoIndex)
    return make_error(ErrorCode::InvalidArgument, fmt::format("program '{}' is not loaded", slot.name));
  const Program& prog = slot.owner->object.programs[slot.index].program;
  Executable& exe = *slot.handle->executable;
  const ProgramType& type = *slot.type;
  // A control only when something may stop the call: runs without one
  // attach nothing and pay nothing.
  std::optional<RunControl> control;
  const uint64_t timeout = opts.timeout_ns ? opts.timeout_ns : slot.timeout_ns.load(std::memory_order_relaxed);
  if (opts.cancel || timeout) {
    control.emplace();
    if (opts.cancel) control->watch(opts.cancel->state());
    if (timeout) control->set_deadline(std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout));
  }
  const RunSetup setup{prog, control ? &*control : nullptr};
  const TraceScope trace(slot.owner->trace.get());  // bpf_printk lines go to the object's buffer
  // bpf_get_local_storage's storage for every run of this call.
  std::optional<CgroupStorageOwner> owner;
  if (opts.cgroup_storage) owner = CgroupStorageOwner{opts.cgroup_storage->cgroup_id, opts.cgroup_storage->attach_type};
  CgroupStorageScope storage(owner);
  if (type.raw_ctx) return run_raw(exe, opts, setup);
  switch (type.run) {
    case RunCtx::Xdp: return run_xdp(exe, opts, setup);
    case RunCtx::Skb:
      return run_skb(exe, opts, setup, false, type.helper_list == HelperList::SkSkb ? api::kSkPass : api::kTcActRedirect);
    case RunCtx::SkbL3: return run_skb(exe, opts, setup, true, api::kTcActRedirect);
    case RunCtx::Memory: return run_ctx(exe, type, opts, setup);
    case RunCtx::Unsupported: break;
  }
  return make_error(ErrorCode::Unsupported,
                    fmt::format("test runs of {} programs are not supported: their context holds pointers the runtime does not provide", type.name));
}

CancelToken::CancelToken() : state_(std::make_shared<State>()) {}
void CancelToken::cancel() const { state_->cancel(); }
bool CancelToken::cancelled() const { return state_->cancelled(); }

Status set_jit_stop_signal(int signo) {
  if (signo == probe::park_signal())
    return make_error(ErrorCode::InvalidArgument,
                      fmt::format("JIT stop signal {} is the probes' thread-parking signal", signo));
#if defined(__x86_64__)
  return jit::x64::set_interrupt_signal(signo);
#else
  return ok();  // no JIT: no run is interrupted
#endif
}
int jit_stop_signal() {
#if defined(__x86_64__)
  return jit::x64::interrupt_signal();
#else
  return 0;
#endif
}

void BpfProgram::set_timeout(uint64_t timeout_ns) const {
  static_cast<const api::ProgramSlot*>(impl_)->timeout_ns.store(timeout_ns, std::memory_order_relaxed);
}
uint64_t BpfProgram::timeout() const {
  return static_cast<const api::ProgramSlot*>(impl_)->timeout_ns.load(std::memory_order_relaxed);
}

}  // namespace decade
