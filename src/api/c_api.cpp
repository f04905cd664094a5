// SPDX-License-Identifier: Apache-2.0
// The C API (include/decade/decade.h) over the C++ API. Every entry point
// catches what the C++ side might throw (allocation failure) so nothing
// unwinds into C; errors become negative codes plus a thread-local message.
#include "decade/decade.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <new>
#include <optional>

#include "decade/decade.hpp"

using decade::BpfMap;
using decade::BpfObject;
using decade::BpfProgram;
using decade::Error;
using decade::ErrorCode;

struct decade_program {
  BpfProgram prog;
  std::string name, section, type;
};

struct decade_map {
  BpfMap map;
  std::string name;
};

struct decade_object {
  BpfObject obj;
  std::deque<decade_program> programs;  // deque: stable addresses
  std::deque<decade_map> maps;
};

struct decade_cancel_token {
  decade::CancelToken token;
};

struct decade_ring_buffer {
  std::optional<decade::RingBuffer> rb;
};

namespace {

struct LastError {
  std::string text;
  int64_t insn = -1;
  uint32_t line = 0;
};
thread_local LastError g_last;

int fail(const Error& e) {
  g_last.text = e.to_string();
  g_last.insn = e.insn;
  g_last.line = e.where.line;
  return -static_cast<int>(e.code);
}

int fail(ErrorCode code, const char* msg) { return fail(Error{code, -1, msg, {}, {}}); }

void clear() {
  g_last.text.clear();
  g_last.insn = -1;
  g_last.line = 0;
}

template <typename F>
int guarded(F&& f) {
  try {
    clear();
    return f();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::OutOfMemory, "out of memory");
  } catch (...) {
    return fail(ErrorCode::Internal, "unexpected exception");
  }
}

int status(const decade::Status& s) { return s ? 0 : fail(s.error()); }

decade::FunctionSpec to_spec(const decade_function& f) {
  decade::FunctionSpec s;
  s.name = f.name ? f.name : "";
  s.id = f.id;
  s.fn = f.fn;
  s.ret = static_cast<decade::ReturnType>(f.ret);
  for (size_t i = 0; i < 5; ++i) s.args[i] = static_cast<decade::ArgType>(f.args[i]);
  return s;
}

bool valid_function(const decade_function* f) {
  if (!f) return false;
  if (f->ret > DECADE_RET_MAP_VALUE_OR_NULL) return false;
  for (auto a : f->args) {
    if (a > DECADE_ARG_CONST_STRING) return false;
  }
  return true;
}

decade_program* wrap(decade_object* o, BpfProgram p) {
  for (auto& w : o->programs) {
    if (w.name == p.name()) return &w;
  }
  o->programs.push_back({p, std::string(p.name()), std::string(p.section()), std::string(p.type())});
  return &o->programs.back();
}

decade_map* wrap(decade_object* o, BpfMap m) {
  for (auto& w : o->maps) {
    if (w.name == m.name()) return &w;
  }
  o->maps.push_back({m, std::string(m.name())});
  return &o->maps.back();
}

int open_result(decade::Result<BpfObject> r, decade_object** out) {
  if (!r) return fail(r.error());
  *out = new decade_object{std::move(*r), {}, {}};
  return 0;
}

std::span<const uint8_t> bytes(const void* p, size_t n) { return {static_cast<const uint8_t*>(p), p ? n : 0}; }
std::span<uint8_t> bytes(void* p, size_t n) { return {static_cast<uint8_t*>(p), p ? n : 0}; }

}  // namespace

extern "C" {

const char* decade_last_error(void) { return g_last.text.c_str(); }
int64_t decade_last_error_insn(void) { return g_last.insn; }
uint32_t decade_last_error_line(void) { return g_last.line; }

const char* decade_error_name(int code) {
  if (code < 0) code = -code;
  // Names are string literals: safe to hand out.
  return decade::error_code_name(static_cast<ErrorCode>(code)).data();
}

int decade_object_open(const char* path, decade_object** out) {
  return guarded([&] {
    if (!path || !out) return fail(ErrorCode::InvalidArgument, "decade_object_open: NULL argument");
    return open_result(BpfObject::open(std::string(path)), out);
  });
}

int decade_object_open_mem(const void* elf, size_t size, const char* name, decade_object** out) {
  return guarded([&] {
    if (!elf || !out) return fail(ErrorCode::InvalidArgument, "decade_object_open_mem: NULL argument");
    return open_result(BpfObject::open(bytes(elf, size), name ? name : "object"), out);
  });
}

int decade_object_from_bytecode(const void* code, size_t size, const char* type, decade_object** out) {
  return guarded([&] {
    if (!code || !out) return fail(ErrorCode::InvalidArgument, "decade_object_from_bytecode: NULL argument");
    return open_result(BpfObject::from_bytecode(bytes(code, size), "prog", type ? type : "raw"), out);
  });
}

void decade_object_close(decade_object* obj) { delete obj; }

int decade_object_set_target_btf(decade_object* obj, const void* btf, size_t size) {
  return guarded([&] {
    if (!obj || !btf) return fail(ErrorCode::InvalidArgument, "set_target_btf: NULL argument");
    return status(obj->obj.set_target_btf(bytes(btf, size)));
  });
}

int decade_object_set_target_btf_file(decade_object* obj, const char* path) {
  return guarded([&] {
    if (!obj || !path) return fail(ErrorCode::InvalidArgument, "set_target_btf_file: NULL argument");
    return status(obj->obj.set_target_btf_file(path));
  });
}

int decade_object_set_kconfig(decade_object* obj, const char* text) {
  return guarded([&] {
    if (!obj || !text) return fail(ErrorCode::InvalidArgument, "set_kconfig: NULL argument");
    return status(obj->obj.set_kconfig(text));
  });
}

int decade_object_add_helper(decade_object* obj, const struct decade_function* fn) {
  return guarded([&] {
    if (!obj || !valid_function(fn)) return fail(ErrorCode::InvalidArgument, "add_helper: bad argument");
    return status(obj->obj.add_helper(to_spec(*fn)));
  });
}

int decade_object_add_kfunc(decade_object* obj, const struct decade_function* fn) {
  return guarded([&] {
    if (!obj || !valid_function(fn)) return fail(ErrorCode::InvalidArgument, "add_kfunc: bad argument");
    return status(obj->obj.add_kfunc(to_spec(*fn)));
  });
}

int decade_object_allow_helper(decade_object* obj, const char* type, uint32_t helper_id) {
  return guarded([&] {
    if (!obj || !type) return fail(ErrorCode::InvalidArgument, "allow_helper: NULL argument");
    return status(obj->obj.allow_helper(type, helper_id));
  });
}

int decade_object_grant(decade_object* obj, uint32_t grant) {
  return guarded([&] {
    if (!obj) return fail(ErrorCode::InvalidArgument, "grant: NULL object");
    return status(obj->obj.grant(static_cast<decade::Grant>(grant)));
  });
}

int decade_object_add_readable_range(decade_object* obj, const void* start, size_t size) {
  return guarded([&] {
    if (!obj) return fail(ErrorCode::InvalidArgument, "add_readable_range: NULL object");
    return status(obj->obj.add_readable_range(start, size));
  });
}

int decade_object_set_program_type(decade_object* obj, const char* program, const char* type) {
  return guarded([&] {
    if (!obj || !program || !type) return fail(ErrorCode::InvalidArgument, "set_program_type: NULL argument");
    return status(obj->obj.set_program_type(program, type));
  });
}

int decade_object_set_autoload(decade_object* obj, const char* program, int autoload) {
  return guarded([&] {
    if (!obj || !program) return fail(ErrorCode::InvalidArgument, "set_autoload: NULL argument");
    return status(obj->obj.set_autoload(program, autoload != 0));
  });
}

int decade_object_load(decade_object* obj, const struct decade_load_opts* opts) {
  return guarded([&] {
    if (!obj) return fail(ErrorCode::InvalidArgument, "load: NULL object");
    decade::LoadOptions lo;
    if (opts) {
      if (opts->engine) lo.engine = opts->engine;
      lo.unverified_checked_execution = opts->unverified_checked_execution != 0;
      lo.max_verifier_insns = opts->max_verifier_insns;
      // Fields after the first version are read only when the caller's struct has them.
      if (opts->sz >= offsetof(decade_load_opts, max_verifier_memory) + sizeof opts->max_verifier_memory)
        lo.max_verifier_memory = opts->max_verifier_memory;
      // Older callers pass a smaller struct: read the memory limits only when it has them.
      if (opts->sz >= offsetof(decade_load_opts, object_map_memory) + sizeof(opts->object_map_memory)) {
        lo.map_memory = opts->map_memory;
        lo.object_map_memory = opts->object_map_memory;
      }
    }
    return status(obj->obj.load(lo));
  });
}

void* decade_object_global(decade_object* obj, const char* section, size_t* size) {
  void* result = nullptr;
  guarded([&] {
    if (!obj || !section) return fail(ErrorCode::InvalidArgument, "global: NULL argument");
    auto g = obj->obj.global(section);
    if (!g) return fail(g.error());
    result = g->data();
    if (size) *size = g->size();
    return 0;
  });
  return result;
}

const void* decade_object_global_view(decade_object* obj, const char* section, size_t* size) {
  const void* result = nullptr;
  guarded([&] {
    if (!obj || !section) return fail(ErrorCode::InvalidArgument, "global_view: NULL argument");
    auto g = obj->obj.global_view(section);
    if (!g) return fail(g.error());
    result = g->data();
    if (size) *size = g->size();
    return 0;
  });
  return result;
}

void* decade_object_global_var(decade_object* obj, const char* name, size_t* size) {
  void* result = nullptr;
  guarded([&] {
    if (!obj || !name) return fail(ErrorCode::InvalidArgument, "global_var: NULL argument");
    auto g = obj->obj.global_var(name);
    if (!g) return fail(g.error());
    result = g->data();
    if (size) *size = g->size();
    return 0;
  });
  return result;
}

size_t decade_object_program_count(const decade_object* obj) { return obj ? obj->obj.program_names().size() : 0; }
size_t decade_object_map_count(const decade_object* obj) { return obj ? obj->obj.map_names().size() : 0; }

decade_program* decade_object_find_program(decade_object* obj, const char* name) {
  decade_program* result = nullptr;
  guarded([&] {
    if (!obj) return fail(ErrorCode::InvalidArgument, "find_program: NULL object");
    auto p = obj->obj.program(name ? name : "");
    if (!p) return fail(p.error());
    result = wrap(obj, *p);
    return 0;
  });
  return result;
}

decade_map* decade_object_find_map(decade_object* obj, const char* name) {
  decade_map* result = nullptr;
  guarded([&] {
    if (!obj || !name) return fail(ErrorCode::InvalidArgument, "find_map: NULL argument");
    auto m = obj->obj.map(name);
    if (!m) return fail(m.error());
    result = wrap(obj, *m);
    return 0;
  });
  return result;
}

decade_program* decade_object_program_at(decade_object* obj, size_t i) {
  if (!obj) return nullptr;
  auto names = obj->obj.program_names();
  return i < names.size() ? decade_object_find_program(obj, names[i].c_str()) : nullptr;
}

decade_map* decade_object_map_at(decade_object* obj, size_t i) {
  if (!obj) return nullptr;
  auto names = obj->obj.map_names();
  return i < names.size() ? decade_object_find_map(obj, names[i].c_str()) : nullptr;
}

const char* decade_program_name(const decade_program* p) { return p ? p->name.c_str() : ""; }
const char* decade_program_section(const decade_program* p) { return p ? p->section.c_str() : ""; }
const char* decade_program_type(const decade_program* p) { return p ? p->type.c_str() : ""; }
uint32_t decade_program_id(const decade_program* p) { return p ? p->prog.id() : 0; }

void decade_program_load_times(const decade_program* p, uint64_t* verify_ns, uint64_t* compile_ns) {
  const decade::LoadTimes t = p ? p->prog.load_times() : decade::LoadTimes{};
  if (verify_ns) *verify_ns = t.verify_ns;
  if (compile_ns) *compile_ns = t.compile_ns;
}

int decade_program_test_run(const decade_program* prog, struct decade_test_run* run) {
  return guarded([&] {
    if (!prog || !run) return fail(ErrorCode::InvalidArgument, "test_run: NULL argument");
    decade::TestRunOptions o;
    o.data = bytes(run->data_in, run->data_size_in);
    o.ctx = bytes(run->ctx_in, run->ctx_size_in);
    o.repeat = run->repeat ? run->repeat : 1;
    if (run->sz >= offsetof(decade_test_run, timeout_ns) + sizeof run->timeout_ns) {
      o.cancel = run->cancel ? &run->cancel->token : nullptr;
      o.timeout_ns = run->timeout_ns;
    }
    auto r = prog->prog.test_run(o);
    if (!r) return fail(r.error());
    run->retval = r->retval;
    run->duration_ns = r->duration_ns;
    if (run->data_out) {
      if (r->data_out.size() > run->data_size_out) return fail(ErrorCode::InvalidArgument, "test_run: data_out too small");
      std::memcpy(run->data_out, r->data_out.data(), r->data_out.size());
    }
    run->data_size_out = r->data_out.size();
    if (run->ctx_out) {
      if (r->ctx_out.size() > run->ctx_size_out) return fail(ErrorCode::InvalidArgument, "test_run: ctx_out too small");
      std::memcpy(run->ctx_out, r->ctx_out.data(), r->ctx_out.size());
    }
    run->ctx_size_out = r->ctx_out.size();
    return 0;
  });
}

void decade_program_set_timeout(const decade_program* p, uint64_t timeout_ns) {
  if (p) p->prog.set_timeout(timeout_ns);
}

decade_cancel_token* decade_cancel_token_new(void) {
  try {
    return new decade_cancel_token();
  } catch (...) {
    return nullptr;
  }
}
void decade_cancel_token_cancel(const decade_cancel_token* t) {
  if (t) t->token.cancel();
}
int decade_cancel_token_cancelled(const decade_cancel_token* t) { return t && t->token.cancelled() ? 1 : 0; }
void decade_cancel_token_free(decade_cancel_token* t) { delete t; }

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
