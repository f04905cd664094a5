// SPDX-License-Identifier: Apache-2.0
// Public descriptions of host additions (FunctionSpec, ProgramTypeSpec) ->
// the runtime's platform records, and small shared utilities of the API.
#include <cerrno>

#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "isa/isa.hpp"

namespace decade::api {

namespace {

ArgKind to_arg_kind(ArgType a) {
  switch (a) {
    case ArgType::None: return ArgKind::None;
    case ArgType::Scalar: return ArgKind::Scalar;
    case ArgType::Mem: return ArgKind::PtrToMem;
    case ArgType::UninitMem: return ArgKind::PtrToUninitMem;
    case ArgType::MemSize: return ArgKind::ConstSize;
    case ArgType::MemSizeOrZero: return ArgKind::ConstSizeOrZero;
    case ArgType::Ctx: return ArgKind::PtrToCtx;
    case ArgType::Map: return ArgKind::ConstMapPtr;
    case ArgType::MapKey: return ArgKind::PtrToMapKey;
    case ArgType::MapValue: return ArgKind::PtrToMapValue;
    case ArgType::ConstString: return ArgKind::PtrToConstStr;
  }
  return ArgKind::None;
}

RetKind to_ret_kind(ReturnType r) {
  switch (r) {
    case ReturnType::Integer: return RetKind::Integer;
    case ReturnType::Void: return RetKind::Void;
    case ReturnType::MapValueOrNull: return RetKind::MapValueOrNull;
  }
  return RetKind::Integer;
}

}  // namespace

Result<FuncProto> to_func_proto(const FunctionSpec& spec, bool kfunc) {
  const bool wide = spec.fn_wide != nullptr;
  if (wide == (spec.fn != nullptr) || (wide ? spec.stack_args < 1 || spec.stack_args > kMaxStackArgs : spec.stack_args != 0))
    return make_error(ErrorCode::InvalidArgument,
                      fmt::format("{}: give fn (up to 5 arguments) or fn_wide with 1..{} stack arguments", spec.name, kMaxStackArgs));
  FuncProto p = wide ? make_wide_proto(spec.name, spec.fn_wide, spec.stack_args) : FuncProto{};
  p.name = spec.name;
  p.id = kfunc ? 0 : spec.id;
  if (!wide) p.fn = spec.fn;
  p.ret = to_ret_kind(spec.ret);
  for (size_t i = 0; i < spec.args.size(); ++i) p.args[i] = to_arg_kind(spec.args[i]);
  return p;
}

ProgramType to_program_type(const ProgramTypeSpec& spec) {
  ProgramType t;
  t.name = spec.name;
  t.sec_prefixes = spec.sections;
  t.ctx_size = spec.ctx_size;
  t.plain_ctx = spec.fields.empty();
  for (const ContextField& f : spec.fields) {
    CtxField c;
    c.name = f.name;
    c.offset = f.offset;
    c.size = f.size;
    c.readable = true;
    c.writable = f.writable;
    t.fields.push_back(std::move(c));
  }
  t.ret_min = spec.ret_min;
  t.ret_max = spec.ret_max;
  t.tracing = spec.tracing;
  return t;
}

Status add_host_helper(Platform& platform, FuncProto proto) {
  const uint32_t id = proto.id;
  if (auto s = platform.add_helper(std::move(proto)); !s) return s;
  // A host helper is meant for the host's programs: every program type gets it.
  std::vector<std::string> types;
  for (const auto& [name, t] : platform.program_types()) types.push_back(name);
  for (const std::string& name : types)
    if (auto s = platform.allow_helper(name, id); !s) return s;
  return ok();
}

Error errno_error(long rc, std::string_view what) {
  ErrorCode code = ErrorCode::InvalidArgument;
  switch (-rc) {
    case ENOENT: code = ErrorCode::MapKeyNotFound; break;
    case EEXIST: code = ErrorCode::MapKeyExists; break;
    case E2BIG:
    case ENOSPC:
    case ENOMEM: code = ErrorCode::MapFull; break;
    case EPERM: code = ErrorCode::MapBadFlags; break;
    case EOPNOTSUPP:
    case 524: code = ErrorCode::Unsupported; break;
    default: break;
  }
  return Error{code, -1, fmt::format("{}: errno {}", what, -rc), {}, {}};
}

bool is_global_data(const MapDef& d) {
  const std::string_view s = d.section;
  return s == ".data" || s == ".bss" || s == ".rodata" || s.starts_with(".data.") || s.starts_with(".rodata.") ||
         s.starts_with(".bss.");
}

bool global_section_matches(const MapDef& d, std::string_view section) {
  if (section.empty()) return false;
  std::string want = section.front() == '.' ? std::string(section) : "." + std::string(section);
  return d.section == want;
}

Error with_source(Error e, const Program& prog) {
  if (e.insn >= 0 && e.where.file.empty() && e.where.line == 0) {
    if (const LineInfo* l = prog.line_for(static_cast<uint32_t>(e.insn))) {
      e.where.file = l->file;
      e.where.line = l->line;
      e.where.column = l->column;
      e.where.text = l->text;
    }
  }
  return e;
}

}  // namespace decade::api
