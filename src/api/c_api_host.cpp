// SPDX-License-Identifier: Apache-2.0
// The C API of the host sides of runs: redirects and tunnel metadata of test
// runs, the fib table, the trace buffer (bpf_printk) and perf buffers
// (include/decade/decade.h). Output structs are written only as far as the
// caller's `sz` says its version of the struct goes.
#include <algorithm>
#include <cstdlib>
#include <type_traits>

#include "api/c_api_impl.hpp"

struct decade_fib {
  decade::FibTable table;
};

struct decade_perf_buffer {
  std::optional<decade::PerfBuffer> pb;
};

using decade::ErrorCode;
using decade::capi::covers;
using decade::capi::fail;
using decade::capi::guarded;

namespace decade::capi {
namespace {

// Assigns a member of a caller's struct when its `sz` covers it.
#define DECADE_PUT(ptr, member, value)                                                   \
  do {                                                                                   \
    if (covers((ptr)->sz, offsetof(std::remove_reference_t<decltype(*(ptr))>, member) + \
                              sizeof((ptr)->member)))                                    \
      (ptr)->member = (value);                                                           \
  } while (0)

void put_redirect(decade_object* owner, const Redirect& r, decade_redirect* out) {
  DECADE_PUT(out, kind, static_cast<uint32_t>(r.kind));
  DECADE_PUT(out, key, r.key);
  DECADE_PUT(out, value, r.value);
  DECADE_PUT(out, flags, r.flags);
  DECADE_PUT(out, map, r.map.empty() ? nullptr : decade_object_find_map(owner, r.map.c_str()));
  DECADE_PUT(out, target_count, r.targets.size());
  DECADE_PUT(out, cookie, r.cookie);
  if (covers(out->sz, offsetof(decade_redirect, targets_cap) + sizeof out->targets_cap) && out->targets)
    std::memcpy(out->targets, r.targets.data(), std::min(out->targets_cap, r.targets.size()) * sizeof(uint32_t));
}

void put_tunnel(const TunnelKey& k, decade_tunnel_key* out) {
  DECADE_PUT(out, ipv6, k.ipv6 ? 1 : 0);
  DECADE_PUT(out, id, k.id);
  if (covers(out->sz, offsetof(decade_tunnel_key, local) + sizeof out->local)) {
    std::memcpy(out->remote, k.remote.data(), sizeof out->remote);
    std::memcpy(out->local, k.local.data(), sizeof out->local);
  }
  DECADE_PUT(out, tos, k.tos);
  DECADE_PUT(out, ttl, k.ttl);
  DECADE_PUT(out, label, k.label);
  DECADE_PUT(out, flags, k.flags);
  if (covers(out->sz, offsetof(decade_tunnel_key, options) + sizeof out->options)) {
    const size_t n = std::min(k.options.size(), sizeof out->options);
    std::memcpy(out->options, k.options.data(), n);
    out->options_size = static_cast<uint32_t>(n);
  }
}

}  // namespace

bool read_tunnel(const decade_tunnel_key* user, TunnelKey* out) {
  decade_tunnel_key in;
  if (!read_opts(user, in, "decade_tunnel_key")) return false;
  if (in.options_size > sizeof in.options) {
    fail(ErrorCode::InvalidArgument, "decade_tunnel_key: options_size past DECADE_TUNNEL_OPTS_MAX");
    return false;
  }
  out->ipv6 = in.ipv6 != 0;
  out->id = in.id;
  std::memcpy(out->remote.data(), in.remote, sizeof in.remote);
  std::memcpy(out->local.data(), in.local, sizeof in.local);
  out->tos = in.tos;
  out->ttl = in.ttl;
  out->label = in.label;
  out->flags = in.flags;
  out->options.assign(in.options, in.options + in.options_size);
  return true;
}

void put_run_outcome(decade_object* owner, const decade_test_run& in, const TestRunResult& r, decade_test_run* run) {
  uint32_t outcome = 0;
  if (r.redirect) {
    outcome |= DECADE_RUN_REDIRECTED;
    if (in.redirect) put_redirect(owner, *r.redirect, in.redirect);
  }
  if (r.tunnel) {
    outcome |= DECADE_RUN_TUNNEL_SET;
    if (in.tunnel_out) put_tunnel(*r.tunnel, in.tunnel_out);
  }
  if (!r.clones.empty()) outcome |= DECADE_RUN_CLONED;
  DECADE_PUT(run, outcome, outcome);
  DECADE_PUT(run, clone_count, static_cast<uint32_t>(r.clones.size()));
  if (in.clones) {
    const size_t n = std::min<size_t>(in.clones_capacity, r.clones.size());
    for (size_t i = 0; i < n; ++i) {
      decade_cloned_packet& out = in.clones[i];
      const ClonedPacket& c = r.clones[i];
      out.ifindex = c.ifindex;
      out.ingress = c.ingress ? 1 : 0;
      if (out.data) std::memcpy(out.data, c.data.data(), std::min(out.data_size, c.data.size()));
      out.data_size = c.data.size();
    }
  }
}

}  // namespace decade::capi

decade_fib* decade_fib_new(void) {
  try {
    return new decade_fib{};
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

int decade_fib_parse(decade_fib* fib, const char* text) {
  return guarded([&] {
    if (!fib || !text) return fail(ErrorCode::InvalidArgument, "fib_parse: NULL argument");
    return decade::capi::status(fib->table.parse(text));
  });
}

void decade_fib_clear(decade_fib* fib) {
  if (fib) fib->table.clear();
}

void decade_fib_free(decade_fib* fib) { delete fib; }

int decade_object_set_fib(decade_object* obj, const decade_fib* fib) {
  return guarded([&] {
    if (!obj || !fib) return fail(ErrorCode::InvalidArgument, "object_set_fib: NULL argument");
    return decade::capi::status(obj->obj.set_fib(fib->table));
  });
}

char* decade_object_drain_trace(decade_object* obj) {
  char* out = nullptr;
  guarded([&] {
    if (!obj) return fail(ErrorCode::InvalidArgument, "object_drain_trace: NULL");
    std::string text;
    for (const std::string& line : obj->obj.drain_trace()) text += line + "\n";
    out = static_cast<char*>(std::malloc(text.size() + 1));
    if (!out) return fail(ErrorCode::OutOfMemory, "object_drain_trace: out of memory");
    std::memcpy(out, text.c_str(), text.size() + 1);
    return 0;
  });
  return out;
}

uint64_t decade_object_trace_dropped(const decade_object* obj) { return obj ? obj->obj.trace_dropped() : 0; }

int decade_object_set_trace_callback(decade_object* obj, decade_trace_fn fn, void* ctx) {
  return guarded([&] {
    if (!obj) return fail(ErrorCode::InvalidArgument, "object_set_trace_callback: NULL");
    std::function<void(std::string_view)> cb;
    if (fn) cb = [fn, ctx](std::string_view line) { fn(ctx, line.data(), line.size()); };
    return decade::capi::status(obj->obj.set_trace_callback(std::move(cb)));
  });
}

int decade_perf_buffer_new(const decade_map* map, size_t page_cnt, decade_perf_sample_fn sample, void* ctx,
                           const struct decade_perf_buffer_opts* opts, decade_perf_buffer** out) {
  return guarded([&] {
    decade_perf_buffer_opts o;
    if (!map || !sample || !out) return fail(ErrorCode::InvalidArgument, "perf_buffer_new: NULL argument");
    if (!decade::capi::read_opts(opts, o, "decade_perf_buffer_opts")) return -EINVAL;
    decade::PerfBuffer::LostFn lost;
    if (o.lost) lost = [fn = o.lost, ctx](int cpu, uint64_t n) { fn(ctx, cpu, n); };
    auto pb = decade::PerfBuffer::create(
        map->map, page_cnt,
        [sample, ctx](int cpu, std::span<const uint8_t> d) { sample(ctx, cpu, d.data(), static_cast<uint32_t>(d.size())); },
        std::move(lost));
    if (!pb) return fail(pb.error());
    *out = new decade_perf_buffer{std::move(*pb)};
    return 0;
  });
}

int decade_perf_buffer_poll(decade_perf_buffer* pb, int timeout_ms) {
  return guarded([&] {
    if (!pb) return fail(ErrorCode::InvalidArgument, "perf_buffer_poll: NULL");
    auto r = pb->pb->poll(timeout_ms);
    return r ? *r : fail(r.error());
  });
}

int decade_perf_buffer_consume(decade_perf_buffer* pb) {
  return guarded([&] {
    if (!pb) return fail(ErrorCode::InvalidArgument, "perf_buffer_consume: NULL");
    auto r = pb->pb->consume();
    return r ? *r : fail(r.error());
  });
}

void decade_perf_buffer_free(decade_perf_buffer* pb) { delete pb; }
