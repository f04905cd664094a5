// SPDX-License-Identifier: Apache-2.0
// The hit path (what the stubs call) and attach/detach.
#include "probe/site.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "probe/code_patch.hpp"
#include "probe/park_threads.hpp"
#include "probe/readers.hpp"
#include "runtime/probe_hit.hpp"

extern "C" void _decade_probe_return_stub();

namespace decade::probe {
namespace {

// A return address a return probe replaced: where `slot` (the stack word
// holding it) must return to, and whose return programs to run.
struct ShadowFrame {
  Site* site;
  uint64_t ret;
  uint64_t slot;
};
constexpr uint32_t kShadowDepth = 64;  // deeper nesting of one thread: the return is not probed

// Per-thread hit state: plain data, so reaching it costs no TLS init call.
struct ThreadState {
  bool in_probe;
  bool registered;
  ReaderRecord* record;
  uint32_t depth;
  ShadowFrame shadow[kShadowDepth];
};
thread_local ThreadState t_state;

std::atomic<uint64_t> g_nested{0};

[[gnu::always_inline]] inline void run_list(const ProbeList* list, const Site& site, X86PtRegs* regs) {
  for (const ProbeEntry& e : list->entries) {
    t_probe_hit = {site.addr, e.cookie, site.at_entry};
    e.run(e.prog, regs);
  }
}

// Begins a hit on this thread; false when the thread is already inside one.
[[gnu::always_inline]] inline bool begin_hit(ThreadState& t) {
  if (t.in_probe) {
    g_nested.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  t.in_probe = true;
  if (!t.registered) {
    t.record = claim_reader_record();
    t.registered = true;
  }
  reader_enter(t.record);
  return true;
}

[[gnu::always_inline]] inline void end_hit(ThreadState& t) {
  reader_exit(t.record);
  t_probe_hit = {};
  t.in_probe = false;
}

}  // namespace
}  // namespace decade::probe

using decade::X86PtRegs;
using namespace decade::probe;

extern "C" __attribute__((visibility("hidden"))) void _decade_probe_on_entry(Site* site, X86PtRegs* regs) {
  ThreadState& t = t_state;
  regs->ip = site->addr;
  if (!begin_hit(t)) return;
  if (const ProbeList* l = site->on_entry.load(std::memory_order_acquire)) run_list(l, *site, regs);
  const ProbeList* r = site->on_return.load(std::memory_order_acquire);
  if (r && !r->entries.empty() && t.depth < kShadowDepth) {
    auto* slot = reinterpret_cast<uint64_t*>(regs->sp);  // at a function's entry: the return address
    t.shadow[t.depth++] = {site, *slot, regs->sp};
    *slot = reinterpret_cast<uint64_t>(&_decade_probe_return_stub);
  }
  end_hit(t);
}

// regs->sp is the stack pointer after the function's ret: its return
// address was at regs->sp - 8. Frames above it on the shadow stack belong
// to functions left by longjmp or an exception and are dropped.
extern "C" __attribute__((visibility("hidden"))) uint64_t _decade_probe_on_return(X86PtRegs* regs) {
  ThreadState& t = t_state;
  const uint64_t slot = regs->sp - 8;
  while (t.depth && t.shadow[t.depth - 1].slot < slot) --t.depth;
  if (!t.depth || t.shadow[t.depth - 1].slot != slot) {
    std::fputs("decade: a return probe lost its return address\n", stderr);
    std::abort();  // nowhere correct to return to
  }
  const ShadowFrame f = t.shadow[--t.depth];
  regs->ip = f.ret;
  if (t.in_probe) return f.ret;  // cannot happen: hits inside a probe hijack no return
  t.in_probe = true;
  reader_enter(t.record);
  if (const ProbeList* l = f.site->on_return.load(std::memory_order_acquire)) {
    for (const ProbeEntry& e : l->entries) {
      decade::t_probe_hit = {f.site->addr, e.cookie, false};
      e.run(e.prog, regs);
    }
  }
  end_hit(t);
  return f.ret;
}

namespace decade::probe {
namespace {

std::mutex g_mu;                     // attach and detach
std::map<uint64_t, Site*> g_sites;   // never erased (site.hpp)
uint64_t g_next_key = 1;

// `list` with `add` appended, or without the entry of `remove_key`.
const ProbeList* edited(const ProbeList* list, const ProbeEntry* add, uint64_t remove_key) {
  auto* out = new ProbeList;
  if (list)
    for (const ProbeEntry& e : list->entries)
      if (e.key != remove_key) out->entries.push_back(e);
  if (add) out->entries.push_back(*add);
  return out;
}

bool empty(const std::atomic<const ProbeList*>& l) {
  const ProbeList* p = l.load(std::memory_order_relaxed);
  return !p || p->entries.empty();
}

// Lists replaced by an attach, freed after the next grace period: an
// attach need not wait for running hits, only a detach must (its caller
// frees the program next).
std::vector<const ProbeList*> g_retired;

// Publishes `next` in `slot`. With `wait`, returns once no hit can read
// the list it replaced (or any retired earlier) and frees them; otherwise
// retires it.
void publish(std::atomic<const ProbeList*>& slot, const ProbeList* next, bool wait) {
  const ProbeList* old = slot.exchange(next, std::memory_order_acq_rel);
  g_retired.push_back(old);
  if (!wait) return;
  wait_for_readers(t_state.record);
  for (const ProbeList* l : g_retired) delete l;
  g_retired.clear();
}

Result<Site*> site_for(uint64_t addr, bool retprobe) {
  if (auto it = g_sites.find(addr); it != g_sites.end()) {
    if (retprobe && !it->second->at_entry)
      return make_error(ErrorCode::ProbeBadAddress, fmt::format("{:#x}: a return probe needs a function's first instruction", addr));
    return it->second;
  }
  auto fn = function_at(addr);
  if (!fn) return std::unexpected(fn.error());
  if (retprobe && fn->start != addr)
    return make_error(ErrorCode::ProbeBadAddress,
                      fmt::format("{:#x} is {}+{:#x}: a return probe needs the function's first instruction", addr, fn->name,
                                  addr - fn->start));
  auto site = std::make_unique<Site>();
  site->addr = addr;
  site->at_entry = fn->start == addr;
  site->function = fn->name;
  if (auto s = build_trampoline(*site, *fn); !s) return std::unexpected(s.error());
  return g_sites[addr] = site.release();
}

// Writes the jump with every other thread parked; a thread stopped inside
// the replaced instructions continues in their copy in the trampoline.
Status patch(Site& s) {
  std::vector<PcMove> moves;
  for (const auto& [from, to] : s.moved.boundaries)
    if (from) moves.emplace_back(from, s.trampoline + kTrampolinePrologue + to);
  return with_threads_parked([&] { return write_code(s.addr, s.jump, kJumpSize); }, s.addr, s.moved.window, moves);
}

}  // namespace

Result<std::unique_ptr<Attachment>> attach(const AttachSpec& spec) {
#if !defined(__x86_64__)
  return make_error(ErrorCode::Unsupported, "user-space probes need x86-64");
#endif
  if (!spec.run) return make_error(ErrorCode::InvalidArgument, "probe attach: no program");
  std::lock_guard lock(g_mu);
  auto site = site_for(spec.addr, spec.retprobe);
  if (!site) return std::unexpected(site.error());
  Site& s = **site;
  const ProbeEntry e{spec.run, spec.prog, spec.cookie, g_next_key++};
  auto& slot = spec.retprobe ? s.on_return : s.on_entry;
  publish(slot, edited(slot.load(std::memory_order_relaxed), &e, 0), false);
  if (!s.patched) {
    if (auto w = patch(s); !w) {
      publish(slot, edited(slot.load(std::memory_order_relaxed), nullptr, e.key), false);
      return std::unexpected(w.error());
    }
    s.patched = true;
  }
  return std::unique_ptr<Attachment>(new Attachment(&s, e.key, spec.retprobe));
}

Status Attachment::detach() {
  std::lock_guard lock(g_mu);
  if (!attached_) return ok();
  auto& slot = ret_ ? site_->on_return : site_->on_entry;
  const ProbeList* next = edited(slot.load(std::memory_order_relaxed), nullptr, key_);
  if (next->entries.empty() && empty(ret_ ? site_->on_entry : site_->on_return)) {
    if (auto w = write_code(site_->addr, site_->original, kJumpSize); !w) {
      delete next;
      return w;
    }
    site_->patched = false;
  }
  publish(slot, next, true);
  attached_ = false;
  return ok();
}

Attachment::~Attachment() { (void)detach(); }

uint64_t Attachment::address() const { return site_->addr; }

uint64_t nested_skips() { return g_nested.load(std::memory_order_relaxed); }

}  // namespace decade::probe
