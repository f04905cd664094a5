// SPDX-License-Identifier: Apache-2.0
// The C API's maps and ring buffers (include/decade/decade.h), over BpfMap
// and RingBuffer, with the conventions of c_api_impl.hpp.
#include <cerrno>
#include <cstdlib>

#include "api/c_api_impl.hpp"

using decade::ErrorCode;
using decade::capi::bytes;
using decade::capi::fail;
using decade::capi::guarded;
using decade::capi::status;

namespace {

// Validates batch options (0 or a negative errno): only update takes
// element flags, nothing takes flags.
int batch_opts(const decade_map_batch_opts* opts, bool update, uint64_t* elem_flags) {
  decade_map_batch_opts o;
  if (!decade::capi::read_opts(opts, o, "decade_map_batch_opts")) return -EINVAL;
  if (o.flags || o.elem_flags > (update ? uint64_t{DECADE_EXIST} : 0))
    return fail(ErrorCode::MapBadFlags, "batch: unsupported flags");
  *elem_flags = o.elem_flags;
  return 0;
}

int lookup_batch(const decade_map* m, const void* in_batch, void* out_batch, void* keys, void* values,
                 uint32_t* count, const decade_map_batch_opts* opts, bool delete_after) {
  return guarded([&] {
    uint64_t elem_flags = 0;
    if (!m || !out_batch || !keys || !values || !count)
      return fail(ErrorCode::InvalidArgument, "lookup_batch: NULL argument");
    if (int rc = batch_opts(opts, false, &elem_flags)) return rc;
    const uint32_t ks = m->map.key_size(), vs = m->map.host_value_size();
    decade::BatchCursor cursor;
    if (in_batch) cursor.token.assign(static_cast<const uint8_t*>(in_batch), static_cast<const uint8_t*>(in_batch) + ks);
    auto r = m->map.lookup_batch(cursor, bytes(keys, size_t{*count} * ks), bytes(values, size_t{*count} * vs),
                                 delete_after);
    if (!r) {
      *count = 0;
      return fail(r.error());
    }
    *count = *r;
    if (cursor.token.size() == ks) std::memcpy(out_batch, cursor.token.data(), ks);
    return cursor.done ? fail(ErrorCode::MapKeyNotFound, "batch: the walk reached the end") : 0;
  });
}

}  // namespace

extern "C" {

const char* decade_map_name(const decade_map* m) { return m ? m->name.c_str() : ""; }
uint32_t decade_map_type(const decade_map* m) { return m ? m->map.type() : 0; }
uint32_t decade_map_key_size(const decade_map* m) { return m ? m->map.key_size() : 0; }
uint32_t decade_map_value_size(const decade_map* m) { return m ? m->map.value_size() : 0; }
uint32_t decade_map_host_value_size(const decade_map* m) { return m ? m->map.host_value_size() : 0; }
uint32_t decade_map_max_entries(const decade_map* m) { return m ? m->map.max_entries() : 0; }
uint32_t decade_map_id(const decade_map* m) { return m ? m->map.id() : 0; }

int decade_map_lookup(const decade_map* m, const void* key, void* value) {
  return guarded([&] {
    if (!m || !value) return fail(ErrorCode::InvalidArgument, "map_lookup: NULL argument");
    return status(m->map.lookup(bytes(key, m->map.key_size()), bytes(value, m->map.host_value_size())));
  });
}

int decade_map_update(const decade_map* m, const void* key, const void* value, uint64_t flags) {
  return guarded([&] {
    if (!m || !value || flags > DECADE_EXIST) return fail(ErrorCode::InvalidArgument, "map_update: bad argument");
    return status(m->map.update(bytes(key, m->map.key_size()), bytes(value, m->map.host_value_size()),
                                static_cast<decade::UpdateFlag>(flags)));
  });
}

int decade_map_delete(const decade_map* m, const void* key) {
  return guarded([&] {
    if (!m) return fail(ErrorCode::InvalidArgument, "map_delete: NULL map");
    return status(m->map.erase(bytes(key, m->map.key_size())));
  });
}

int decade_map_get_next_key(const decade_map* m, const void* key, void* next_key) {
  return guarded([&] {
    if (!m || !next_key) return fail(ErrorCode::InvalidArgument, "get_next_key: NULL argument");
    auto r = m->map.next_key(bytes(key, m->map.key_size()), bytes(next_key, m->map.key_size()));
    if (!r) return fail(r.error());
    return *r ? 0 : fail(ErrorCode::MapKeyNotFound, "no more keys");
  });
}

int decade_map_push(const decade_map* m, const void* value, uint64_t flags) {
  return guarded([&] {
    if (!m || !value || flags > DECADE_EXIST) return fail(ErrorCode::InvalidArgument, "map_push: bad argument");
    return status(m->map.push(bytes(value, m->map.value_size()), static_cast<decade::UpdateFlag>(flags)));
  });
}

int decade_map_pop(const decade_map* m, void* value) {
  return guarded([&] {
    if (!m || !value) return fail(ErrorCode::InvalidArgument, "map_pop: NULL argument");
    return status(m->map.pop(bytes(value, m->map.value_size())));
  });
}

char* decade_map_dump(const decade_map* m) {
  char* result = nullptr;
  guarded([&] {
    if (!m) return fail(ErrorCode::InvalidArgument, "map_dump: NULL map");
    auto d = m->map.dump();
    if (!d) return fail(d.error());
    result = static_cast<char*>(std::malloc(d->size() + 1));
    if (!result) return fail(ErrorCode::OutOfMemory, "out of memory");
    std::memcpy(result, d->c_str(), d->size() + 1);
    return 0;
  });
  return result;
}


int decade_map_lookup_batch(const decade_map* m, const void* in_batch, void* out_batch, void* keys, void* values,
                            uint32_t* count, const struct decade_map_batch_opts* opts) {
  return lookup_batch(m, in_batch, out_batch, keys, values, count, opts, false);
}

int decade_map_lookup_and_delete_batch(const decade_map* m, const void* in_batch, void* out_batch, void* keys,
                                       void* values, uint32_t* count, const struct decade_map_batch_opts* opts) {
  return lookup_batch(m, in_batch, out_batch, keys, values, count, opts, true);
}

int decade_map_update_batch(const decade_map* m, const void* keys, const void* values, uint32_t* count,
                            const struct decade_map_batch_opts* opts) {
  return guarded([&] {
    uint64_t elem_flags = 0;
    if (!m || !keys || !values || !count) return fail(ErrorCode::InvalidArgument, "update_batch: NULL argument");
    if (int rc = batch_opts(opts, true, &elem_flags)) return rc;
    auto r = m->map.update_batch(bytes(keys, size_t{*count} * m->map.key_size()),
                                 bytes(values, size_t{*count} * m->map.host_value_size()),
                                 static_cast<decade::UpdateFlag>(elem_flags));
    if (!r) {
      *count = 0;
      return fail(r.error());
    }
    *count = *r;
    return 0;
  });
}

int decade_map_delete_batch(const decade_map* m, const void* keys, uint32_t* count,
                            const struct decade_map_batch_opts* opts) {
  return guarded([&] {
    uint64_t elem_flags = 0;
    if (!m || !keys || !count) return fail(ErrorCode::InvalidArgument, "delete_batch: NULL argument");
    if (int rc = batch_opts(opts, false, &elem_flags)) return rc;
    auto r = m->map.delete_batch(bytes(keys, size_t{*count} * m->map.key_size()));
    if (!r) {
      *count = 0;
      return fail(r.error());
    }
    *count = *r;
    return 0;
  });
}

int decade_ring_buffer_new(const decade_map* map, decade_ring_buffer_sample_fn fn, void* ctx,
                           decade_ring_buffer** out) {
  return guarded([&] {
    if (!map || !fn || !out) return fail(ErrorCode::InvalidArgument, "ring_buffer_new: NULL argument");
    auto rb = decade::RingBuffer::create(
        map->map, [fn, ctx](std::span<const uint8_t> rec) { return fn(ctx, rec.data(), rec.size()); });
    if (!rb) return fail(rb.error());
    *out = new decade_ring_buffer{std::move(*rb)};
    return 0;
  });
}

int decade_ring_buffer_add(decade_ring_buffer* rb, const decade_map* map, decade_ring_buffer_sample_fn fn, void* ctx) {
  return guarded([&] {
    if (!rb || !map || !fn) return fail(ErrorCode::InvalidArgument, "ring_buffer_add: NULL argument");
    return status(rb->rb->add(map->map, [fn, ctx](std::span<const uint8_t> rec) { return fn(ctx, rec.data(), rec.size()); }));
  });
}

int decade_ring_buffer_poll(decade_ring_buffer* rb, int timeout_ms) {
  return guarded([&] {
    if (!rb) return fail(ErrorCode::InvalidArgument, "ring_buffer_poll: NULL");
    auto r = rb->rb->poll(timeout_ms);
    return r ? *r : fail(r.error());
  });
}

int decade_ring_buffer_consume(decade_ring_buffer* rb) {
  return guarded([&] {
    if (!rb) return fail(ErrorCode::InvalidArgument, "ring_buffer_consume: NULL");
    auto r = rb->rb->consume();
    return r ? *r : fail(r.error());
  });
}

int decade_ring_buffer_fd(const decade_ring_buffer* rb) { return rb ? rb->rb->fd() : -1; }

void decade_ring_buffer_free(decade_ring_buffer* rb) { delete rb; }

}  // extern "C"
