// SPDX-License-Identifier: Apache-2.0
// BpfProgram accessors. test_run lives in test_run.cpp.
#include <fmt/format.h>

#include "api/object_impl.hpp"
#include "asm/asm.hpp"
#include "jit/jit.hpp"

namespace decade {

namespace {

const api::ProgramSlot& slot_of(const void* impl) { return *static_cast<const api::ProgramSlot*>(impl); }

const ObjectProgram* object_program(const void* impl) {
  const api::ProgramSlot& s = slot_of(impl);
  if (s.index == api::kNoIndex) return nullptr;
  return &s.owner->object.programs[s.index];
}

}  // namespace

std::string_view BpfProgram::name() const { return slot_of(impl_).name; }

std::string_view BpfProgram::section() const {
  const ObjectProgram* p = object_program(impl_);
  return p ? std::string_view(p->section) : std::string_view();
}

std::string_view BpfProgram::type() const {
  const api::ProgramSlot& s = slot_of(impl_);
  if (s.type) return s.type->name;
  const ObjectProgram* p = object_program(impl_);
  if (!p) return {};
  const ProgramType* t = s.owner->program_type_of(*p);
  return t ? std::string_view(t->name) : std::string_view();
}

size_t BpfProgram::insn_count() const {
  const ObjectProgram* p = object_program(impl_);
  return p ? p->program.slot_count : 0;
}

bool BpfProgram::autoload() const {
  const api::ProgramSlot& s = slot_of(impl_);
  return s.owner->autoloads(s);
}

std::string_view BpfProgram::engine() const { return slot_of(impl_).engine; }

uint32_t BpfProgram::id() const { return slot_of(impl_).id; }

LoadTimes BpfProgram::load_times() const { return slot_of(impl_).times; }

std::string BpfProgram::disassembly(bool with_source) const {
  const ObjectProgram* p = object_program(impl_);
  if (!p) return {};
  const Program& prog = p->program;
  std::string out;
  const LineInfo* last = nullptr;
  for (const Insn& insn : prog.insns) {
    for (const Subprogram& sp : prog.subprograms) {
      if (sp.start_pc == insn.pc && !sp.name.empty()) out += fmt::format("{}:\n", sp.name);
    }
    if (with_source) {
      const LineInfo* l = prog.line_for(insn.pc);
      const bool same = l && last && l->line == last->line && l->file == last->file;
      if (l && !same && !l->text.empty()) out += fmt::format("; {}\n", l->text);
      last = l;
    }
    out += fmt::format("{:>5}: {}\n", insn.pc, disassemble(insn));
  }
  return out;
}

Result<NativeCode> BpfProgram::native_code() const {
  const api::ProgramSlot& s = slot_of(impl_);
  if (!s.handle || !s.handle->executable)
    return make_error(ErrorCode::InvalidArgument, fmt::format("program '{}' is not loaded", s.name));
  auto info = jit::inspect(*s.handle->executable);
  if (!info)
    return make_error(ErrorCode::InvalidArgument,
                      fmt::format("program '{}' runs on the {} engine, not the JIT", s.name, s.engine));
  NativeCode out;
  out.text.assign(info->code.begin(), info->code.begin() + static_cast<std::ptrdiff_t>(info->text_size));
  out.address = reinterpret_cast<uintptr_t>(info->code.data());
  for (const auto& e : info->pc_map) out.ranges.push_back({e.offset, e.slot});
  return out;
}

const Program* api::Access::program(const BpfProgram& p) {
  const ObjectProgram* op = object_program(p.impl_);
  return op ? &op->program : nullptr;
}

}  // namespace decade
