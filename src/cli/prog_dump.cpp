// SPDX-License-Identifier: Apache-2.0
#include "cli/prog_dump.hpp"

#include <fmt/format.h>
#if DECADE_HAVE_ZYDIS
#include <Zydis/Zydis.h>
#endif

#include <cstdio>

#include "api/object_impl.hpp"
#include "cli/cli_util.hpp"
#include "cli/command.hpp"
#include "cli/json_writer.hpp"
#include "runtime/platform.hpp"
#include "verifier/insn_text.hpp"

namespace decade::cli {
namespace {

std::string trim(std::string s) {
  const size_t b = s.find_first_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b);
}

// The source line that starts at `pc` (bpftool prints one per line-info record).
const LineInfo* line_at(const Program& p, uint32_t pc) {
  for (const LineInfo& l : p.lines)
    if (l.pc == pc && !l.text.empty()) return &l;
  return nullptr;
}

// bpftool's spelling of a type in a prototype (btf_dumper's "type only"
// form): every type ends in a space, a pointer is its pointee then "* ",
// a qualifier comes first ("const const struct foo * " for
// `const struct foo *const`).
std::string proto_type(const Btf& btf, uint32_t id, int depth = 0) {
  const BtfType* t = btf.type(id);
  if (!t || id == 0 || depth > 32) return "void ";
  switch (t->kind) {
    case BtfKind::Ptr: return proto_type(btf, t->type, depth + 1) + "* ";
    case BtfKind::Const: return "const " + proto_type(btf, t->type, depth + 1);
    case BtfKind::Volatile: return "volatile " + proto_type(btf, t->type, depth + 1);
    case BtfKind::Restrict: return "restrict " + proto_type(btf, t->type, depth + 1);
    case BtfKind::TypeTag: return proto_type(btf, t->type, depth + 1);
    case BtfKind::Struct: return "struct " + t->name + " ";
    case BtfKind::Union: return "union " + t->name + " ";
    case BtfKind::Enum:
    case BtfKind::Enum64: return "enum " + t->name + " ";
    case BtfKind::Fwd: return (t->kind_flag ? "union " : "struct ") + t->name + " ";
    case BtfKind::Array: return proto_type(btf, t->elem_type, depth + 1) + fmt::format("[{}] ", t->nelems);
    case BtfKind::Int:
    case BtfKind::Float:
    case BtfKind::Typedef: return t->name + " ";
    case BtfKind::Unknown:
    case BtfKind::Func:
    case BtfKind::FuncProto:
    case BtfKind::Var:
    case BtfKind::DataSec:
    case BtfKind::DeclTag: break;  // not the type of a value
  }
  return "void ";
}

// "int xdp_prog(struct xdp_md * ctx)", the function's BTF prototype as
// bpftool prints it above the function's first instruction; nullopt when
// the object's BTF has no function of that name.
std::optional<std::string> btf_prototype(const Btf* btf, std::string_view name) {
  const BtfType* fn = btf && !name.empty() ? btf->type(btf->find(name, BtfKind::Func)) : nullptr;
  const BtfType* proto = fn && fn->id ? btf->type(fn->type) : nullptr;
  if (!proto || proto->kind != BtfKind::FuncProto) return std::nullopt;
  std::string out = proto_type(*btf, proto->type) + std::string(name) + "(";
  for (size_t i = 0; i < proto->params.size(); ++i) {
    std::string param = proto_type(*btf, proto->params[i].type) + proto->params[i].name;
    if (param.ends_with(' ')) param.pop_back();
    out += (i ? ", " : "") + param;
  }
  return out + ")";
}

// What bpftool prints above a function's first instruction: its BTF
// prototype; without BTF, the program's name above the program (so the
// programs of one object stay apart) and nothing above subprograms.
struct Header {
  std::string text;
  bool proto;  // a BTF prototype (JSON's "proto"), not just the name
};
std::optional<Header> function_header(const Program& p, const Btf* btf, uint32_t pc) {
  std::string_view name = pc == 0 ? std::string_view(p.name) : std::string_view();
  for (const Subprogram& sp : p.subprograms)
    if (sp.start_pc == pc && pc != 0) name = sp.name;
  if (auto proto = btf_prototype(btf, name)) return Header{*proto, true};
  if (pc == 0) return Header{p.name, false};
  return std::nullopt;
}

void xlated_program(const Program& p, const Btf* btf, const Platform& platform, bool source, JsonWriter* w) {
  for (const Insn& in : p.insns) {
    const LineInfo* l = source ? line_at(p, in.pc) : nullptr;
    const std::string text = fmt::format("({:02x}) {}", in.info().opcode, kernel_insn_text(in, platform));
    const auto header = function_header(p, btf, in.pc);
    if (!w) {
      if (header) std::printf("%s:\n", header->text.c_str());
      if (l) std::printf("; %s\n", trim(l->text).c_str());
      std::printf("%4u: %s\n", in.pc, text.c_str());
      continue;
    }
    w->begin_object();
    if (header && header->proto) {
      w->name("proto");
      w->string(header->text);
    }
    if (l) {
      w->name("src");
      w->string(trim(l->text));
    }
    w->name("disasm");
    w->string(text);
    w->end_object();
  }
}

#if DECADE_HAVE_ZYDIS
// One instruction at `off` in AT&T syntax and its length; nullopt when Zydis cannot decode it.
std::optional<std::pair<std::string, size_t>> decode_native(const NativeCode& code, size_t off) {
  ZydisDisassembledInstruction insn;
  if (!ZYAN_SUCCESS(ZydisDisassembleATT(ZYDIS_MACHINE_MODE_LONG_64, code.address + off, code.text.data() + off,
                                        code.text.size() - off, &insn)))
    return std::nullopt;
  return std::pair<std::string, size_t>{trim(insn.text), insn.info.length};
}
#else
std::optional<std::pair<std::string, size_t>> decode_native(const NativeCode&, size_t) { return std::nullopt; }
#endif

void jited_program(const Program& p, const NativeCode& code, bool source, JsonWriter* w) {
  size_t range = 0;
  int32_t last_slot = -1;
  for (size_t off = 0; off < code.text.size();) {
    while (range + 1 < code.ranges.size() && code.ranges[range + 1].offset <= off) ++range;
    const int32_t slot = code.ranges.empty() ? -1 : code.ranges[range].slot;
    const LineInfo* l = source && slot >= 0 && slot != last_slot ? line_at(p, static_cast<uint32_t>(slot)) : nullptr;
    if (slot >= 0) last_slot = slot;
    const auto decoded = decode_native(code, off);
    const std::string text = decoded ? decoded->first : fmt::format(".byte 0x{:02x}", code.text[off]);
    if (!w) {
      if (l) std::printf("; %s\n", trim(l->text).c_str());
      std::printf("%4zx:\t%s\n", off, text.c_str());
    } else {
      w->begin_object();
      if (l) {
        w->name("src");
        w->string(trim(l->text));
      }
      w->name("pc");
      w->string(fmt::format("0x{:x}", off));
      w->name("operation");
      w->string(text);
      w->end_object();
    }
    off += decoded ? decoded->second : 1;
  }
}

int dump(const std::string& file, const std::string& prog, bool jited, bool source) {
  auto obj = open_input(file);
  if (!obj) return report(obj.error(), exit_code_for(obj.error()));
  if (jited) {
#if !DECADE_HAVE_ZYDIS
    return report(Error{ErrorCode::Unsupported, -1, "prog dump jited: this build has no disassembler (Zydis)", {}, {}});
#endif
    if (auto s = apply_target_btf(*obj, ""); !s) return report(s.error());
    // Compiled under root's rules, as `decade run` compiles it.
    if (auto s = apply_grants(*obj, {}, false); !s) return report(s.error());
    LoadOptions lo;
    lo.engine = "jit";
    if (auto s = obj->load(lo); !s) return report(s.error(), exit_code_for(s.error()));
  }
  const Platform platform = Platform::standard();
  const bool json = output_mode().json;
  JsonWriter w(stdout, output_mode().pretty);
  if (json) w.begin_array();
  bool found = false;
  for (const auto& name : obj->program_names()) {
    if (!prog.empty() && name != prog) continue;
    auto p = obj->program(name);
    if (!p) return report(p.error());
    const Program* decoded = api::Access::program(*p);
    if (!decoded || (jited && !p->autoload())) continue;
    found = true;
    const Btf* btf = api::Access::btf(*obj);
    if (!jited) {
      xlated_program(*decoded, btf, platform, source, json ? &w : nullptr);
      continue;
    }
    if (!json) std::printf("%s:\n", function_header(*decoded, btf, 0)->text.c_str());
    auto code = p->native_code();
    if (!code) return report(code.error());
    jited_program(*decoded, *code, source, json ? &w : nullptr);
  }
  if (json) {
    w.end_array();
    std::printf("\n");
  }
  if (!prog.empty() && !found)
    return report(Error{ErrorCode::ProgramNotFound, -1, "no program named '" + prog + "'", {}, {}});
  return kExitOk;
}

}  // namespace

int dump_xlated(const std::string& file, const std::string& prog, bool source) { return dump(file, prog, false, source); }
int dump_jited(const std::string& file, const std::string& prog, bool source) { return dump(file, prog, true, source); }

}  // namespace decade::cli
