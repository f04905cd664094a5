// SPDX-License-Identifier: Apache-2.0
// The C API (include/decade/decade.h) over the C++ API: objects, programs
// and runs (maps and ring buffers are in c_api_maps.cpp, errors and versions
// in c_api_errors.cpp). Every entry point catches what the C++ side might
// throw (allocation failure) so nothing unwinds into C; errors become
// negative errno values plus the thread's last error.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "api/c_api_impl.hpp"
#include "decade/stop_signal.hpp"

using decade::BpfMap;
using decade::BpfObject;
using decade::BpfProgram;
using decade::ErrorCode;
using decade::capi::bytes;
using decade::capi::fail;
using decade::capi::guarded;
using decade::capi::status;

namespace {

decade::FunctionSpec to_spec(const decade_function& f) {
  decade::FunctionSpec s;
  s.name = f.name ? f.name : "";
  s.id = f.id;
  s.fn = f.fn;
  s.ret = static_cast<decade::ReturnType>(f.ret);
  for (size_t i = 0; i < 5; ++i) s.args[i] = static_cast<decade::ArgType>(f.args[i]);
  return s;
}

// The wide form: what the caller's sz covers, the rest zero (read_opts);
// the count's range is add_helper's / add_kfunc's to check.
decade::FunctionSpec to_spec(const decade_function_wide& f) {
  decade::FunctionSpec s;
  s.name = f.name ? f.name : "";
  s.id = f.id;
  s.fn_wide = f.fn;
  s.stack_args = static_cast<uint8_t>(std::min<uint32_t>(f.stack_args, 255));
  s.ret = static_cast<decade::ReturnType>(f.ret);
  for (size_t i = 0; i < 5; ++i) s.args[i] = static_cast<decade::ArgType>(f.args[i]);
  return s;
}

template <typename F>
bool valid_function(const F* f) {
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
  o->programs.push_back({o, p, std::string(p.name()), std::string(p.section()), std::string(p.type())});
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

bool is_rejection(ErrorCode c) { return static_cast<int>(c) >= 700 && static_cast<int>(c) < 800; }

// Verifies `program` ("" = those load would load) and writes the log of
// each (its rejection, for a rejected one) into buf. 0 when all are
// accepted, else fail() of the first rejection.
int verify_into_log(decade_object& obj, std::string_view program, uint32_t level, uint64_t max_insns,
                    uint64_t max_memory, uint32_t stack_size, char* buf, size_t size) {
  auto reports = obj.obj.verify_programs(program, static_cast<int>(level), max_insns, max_memory, stack_size);
  if (!reports) return fail(reports.error());
  std::string log;
  const decade::VerifyReport* rejected = nullptr;
  for (const auto& r : *reports) {
    if (reports->size() > 1) log += "program " + r.program + ":\n";
    log += r.log;
    if (!r.accepted) {
      log += r.error.to_string() + "\n";
      if (!rejected) rejected = &r;
    }
  }
  decade::capi::write_log(buf, size, log);
  return rejected ? fail(rejected->error) : 0;
}

}  // namespace

extern "C" {

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

int decade_object_add_helper_wide(decade_object* obj, const struct decade_function_wide* fn) {
  return guarded([&] {
    decade_function_wide f;
    if (!obj || !fn || !decade::capi::read_opts(fn, f, "decade_function_wide") || !valid_function(&f))
      return fail(ErrorCode::InvalidArgument, "add_helper_wide: bad argument");
    return status(obj->obj.add_helper(to_spec(f)));
  });
}

int decade_object_add_kfunc_wide(decade_object* obj, const struct decade_function_wide* fn) {
  return guarded([&] {
    decade_function_wide f;
    if (!obj || !fn || !decade::capi::read_opts(fn, f, "decade_function_wide") || !valid_function(&f))
      return fail(ErrorCode::InvalidArgument, "add_kfunc_wide: bad argument");
    return status(obj->obj.add_kfunc(to_spec(f)));
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

int decade_object_set_program_flags(decade_object* obj, const char* program, uint32_t flags) {
  return guarded([&] {
    if (!obj || !program) return fail(ErrorCode::InvalidArgument, "set_program_flags: NULL argument");
    return status(obj->obj.set_program_flags(program, flags));
  });
}

int decade_object_load(decade_object* obj, const struct decade_load_opts* opts) {
  return guarded([&] {
    decade_load_opts o;
    if (!obj) return fail(ErrorCode::InvalidArgument, "load: NULL object");
    if (!decade::capi::read_opts(opts, o, "decade_load_opts")) return -EINVAL;
    decade::LoadOptions lo;
    if (o.engine) lo.engine = o.engine;
    lo.unverified_checked_execution = o.unverified_checked_execution != 0;
    lo.max_verifier_insns = o.max_verifier_insns;
    lo.max_verifier_memory = o.max_verifier_memory;
    lo.map_memory = o.map_memory;
    lo.object_map_memory = o.object_map_memory;
    // Zero when the caller's sz does not cover it (read_opts); past 32 bits, refused as out of range.
    lo.stack_size = static_cast<uint32_t>(std::min<uint64_t>(o.stack_size, UINT32_MAX));
    if (o.pin_maps) lo.pin_maps = o.pin_maps;
    // A log level asks for every program's log: verify them first (libbpf
    // gets it from the load itself; here the verifier runs once more).
    const bool want_log = o.log_buf && o.log_size && o.log_level > 0 && !lo.unverified_checked_execution;
    if (want_log) {
      if (int rc = verify_into_log(*obj, "", o.log_level, lo.max_verifier_insns, lo.max_verifier_memory,
                                   lo.stack_size, o.log_buf, o.log_size);
          rc < 0)
        return rc;
    }
    auto s = obj->obj.load(lo);
    if (s) return 0;
    const decade::Error e = s.error();
    // Without a level, a buffer still receives the rejection (libbpf retries
    // a failed load with its log on).
    if (!want_log && o.log_buf && o.log_size && is_rejection(e.code))
      verify_into_log(*obj, "", 1, lo.max_verifier_insns, lo.max_verifier_memory, lo.stack_size, o.log_buf,
                      o.log_size);
    return fail(e);
  });
}

int decade_object_verify(decade_object* obj, const struct decade_verify_opts* opts) {
  return guarded([&] {
    decade_verify_opts o;
    if (!obj) return fail(ErrorCode::InvalidArgument, "verify: NULL object");
    if (!decade::capi::read_opts(opts, o, "decade_verify_opts")) return -EINVAL;
    return verify_into_log(*obj, o.program ? o.program : "", o.log_level, o.max_verifier_insns,
                           o.max_verifier_memory, o.stack_size, o.log_buf, o.log_size);
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

int decade_program_set_type(decade_program* p, const char* type) {
  return guarded([&] {
    if (!p || !type) return fail(ErrorCode::InvalidArgument, "program_set_type: NULL argument");
    if (auto s = p->owner->obj.set_program_type(p->name, type); !s) return fail(s.error());
    p->type = type;
    return 0;
  });
}

void decade_program_load_times(const decade_program* p, uint64_t* verify_ns, uint64_t* compile_ns) {
  const decade::LoadTimes t = p ? p->prog.load_times() : decade::LoadTimes{};
  if (verify_ns) *verify_ns = t.verify_ns;
  if (compile_ns) *compile_ns = t.compile_ns;
}

int decade_program_test_run(const decade_program* prog, struct decade_test_run* run) {
  return guarded([&] {
    decade_test_run in;
    if (!prog || !run) return fail(ErrorCode::InvalidArgument, "test_run: NULL argument");
    if (!decade::capi::read_opts(run, in, "decade_test_run")) return -EINVAL;
    decade::TestRunOptions o;
    o.data = bytes(in.data_in, in.data_size_in);
    o.ctx = bytes(in.ctx_in, in.ctx_size_in);
    o.repeat = in.repeat ? in.repeat : 1;
    o.cancel = in.cancel ? &in.cancel->token : nullptr;
    o.timeout_ns = in.timeout_ns;
    if (in.tunnel_in && !decade::capi::read_tunnel(in.tunnel_in, &o.tunnel.emplace())) return -EINVAL;
    auto r = prog->prog.test_run(o);
    if (!r) return fail(r.error());
    if (in.data_out && r->data_out.size() > in.data_size_out)
      return fail(ErrorCode::InvalidArgument, "test_run: data_out too small");
    if (in.ctx_out && r->ctx_out.size() > in.ctx_size_out)
      return fail(ErrorCode::InvalidArgument, "test_run: ctx_out too small");
    if (in.data_out) std::memcpy(in.data_out, r->data_out.data(), r->data_out.size());
    if (in.ctx_out) std::memcpy(in.ctx_out, r->ctx_out.data(), r->ctx_out.size());
    // Outputs go only into the fields the caller's version of the struct has.
    const size_t sz = run->sz;
    if (decade::capi::covers(sz, offsetof(decade_test_run, data_size_out) + sizeof run->data_size_out))
      run->data_size_out = r->data_out.size();
    if (decade::capi::covers(sz, offsetof(decade_test_run, ctx_size_out) + sizeof run->ctx_size_out))
      run->ctx_size_out = r->ctx_out.size();
    if (decade::capi::covers(sz, offsetof(decade_test_run, retval) + sizeof run->retval)) run->retval = r->retval;
    if (decade::capi::covers(sz, offsetof(decade_test_run, duration_ns) + sizeof run->duration_ns))
      run->duration_ns = r->duration_ns;
    decade::capi::put_run_outcome(prog->owner, in, *r, run);
    return 0;
  });
}

void decade_program_set_timeout(const decade_program* p, uint64_t timeout_ns) {
  if (p) p->prog.set_timeout(timeout_ns);
}

int decade_program_attach_uprobe(const decade_program* prog, const struct decade_uprobe_opts* opts, decade_link** link) {
  return guarded([&] {
    decade_uprobe_opts in;
    if (!prog || !opts || !link) return fail(ErrorCode::InvalidArgument, "attach_uprobe: NULL argument");
    if (!decade::capi::read_opts(opts, in, "decade_uprobe_opts")) return -EINVAL;
    decade::UprobeOptions o;
    o.binary = in.binary ? in.binary : "";
    o.function = in.function ? in.function : "";
    o.address = in.address;
    o.offset = in.offset;
    o.cookie = in.cookie;
    o.retprobe = in.retprobe != 0;
    auto r = prog->prog.attach_uprobe(o);
    if (!r) return fail(r.error());
    *link = new decade_link{std::move(*r)};
    return 0;
  });
}

int decade_program_attach_usdt(const decade_program* prog, const struct decade_usdt_opts* opts, decade_link** link) {
  return guarded([&] {
    decade_usdt_opts in;
    if (!prog || !opts || !link) return fail(ErrorCode::InvalidArgument, "attach_usdt: NULL argument");
    if (!decade::capi::read_opts(opts, in, "decade_usdt_opts")) return -EINVAL;
    decade::UsdtOptions o;
    o.binary = in.binary ? in.binary : "";
    o.provider = in.provider ? in.provider : "";
    o.name = in.name ? in.name : "";
    o.cookie = in.cookie;
    auto r = prog->prog.attach_usdt(o);
    if (!r) return fail(r.error());
    *link = new decade_link{std::move(*r)};
    return 0;
  });
}

int decade_link_destroy(decade_link* link) {
  return guarded([&] {
    if (!link) return 0;
    auto s = link->link.detach();
    delete link;
    return s ? 0 : fail(s.error());
  });
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

int decade_set_jit_stop_signal(int signo) {
  return guarded([&] {
    auto s = decade::set_jit_stop_signal(signo);
    return s ? 0 : fail(s.error());
  });
}
int decade_jit_stop_signal(void) { return decade::jit_stop_signal(); }

}  // extern "C"
