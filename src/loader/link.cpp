// SPDX-License-Identifier: Apache-2.0
#include "loader/link.hpp"

#include <algorithm>
#include <tuple>
#include <fmt/format.h>
#include <gelf.h>

#include "isa/decode.hpp"
#include "isa/encode.hpp"
#include "isa/intrinsics.hpp"
#include "loader/intrinsics.hpp"
#include "loader/jump_tables.hpp"
#include "runtime/helpers/helpers.hpp"

namespace decade {

namespace {

std::unexpected<Error> bad(ErrorCode c, uint32_t pc, std::string msg) {
  return make_error(c, std::move(msg), static_cast<int64_t>(pc));
}

bool is_code_section(const ElfSection& s) {
  return s.type == SHT_PROGBITS && (s.flags & SHF_EXECINSTR) && s.size > 0;
}

class Linker {
 public:
  Linker(const LinkInput& in, std::vector<ObjectKfunc>& kfuncs, std::vector<MapDef>& tables)
      : in_(in), kfuncs_(kfuncs), tables_(tables) {}

  Result<ObjectProgram> run(size_t main) {
    main_ = main;
    place(main);
    auto cb = exception_callback(main);
    if (!cb) return located(cb.error());
    for (size_t next = 0; next < placed_.size(); ++next) {
      const auto [f, base] = placed_[next];
      Status s = relocate(f, base);
      if (s) s = local_calls(f, base);
      if (!s) return located(s.error());
    }
    auto prog = decode(std::span<const RawInsn>(out_));
    if (!prog) return located(prog.error());
    prog->lines = lines();
    if (*cb >= 0) add_entry(*prog, static_cast<uint32_t>(*cb));
    std::vector<std::string> kfunc_names;
    for (const ObjectKfunc& k : kfuncs_) kfunc_names.push_back(k.name);
    fuse_intrinsic_calls(*prog, kfunc_names);
    return finish(main, std::move(*prog));
  }

 private:
  uint32_t place(size_t f) {
    for (const auto& [pf, base] : placed_)
      if (pf == f) return base;
    const CodeFunc& fn = in_.funcs[f];
    const auto& code = in_.code.at(fn.shndx);
    const uint32_t base = static_cast<uint32_t>(out_.size());
    out_.insert(out_.end(), code.begin() + fn.start, code.begin() + fn.end);
    relocated_.resize(out_.size(), false);
    placed_.push_back({f, base});
    return base;
  }

  // The function a BTF decl tag "exception_callback:<name>" on the main
  // function names (libbpf's __exception_cb), placed like a callee though
  // nothing calls it: its first slot, or -1 without a tag. More than one
  // tag, or a name that is no function of the object, is refused as the
  // kernel's verifier refuses it (VerifierException at the program's entry).
  Result<int32_t> exception_callback(size_t main) {
    const Btf* btf = in_.btf;
    const uint32_t fid = btf ? btf->find(in_.funcs[main].name, BtfKind::Func) : 0;
    if (!fid) return -1;
    constexpr std::string_view kTag = "exception_callback:";
    std::string name;
    for (uint32_t id = 1; id < btf->count(); ++id) {
      const BtfType* t = btf->type(id);
      if (t->kind != BtfKind::DeclTag || t->type != fid || t->component_idx != -1 || !t->name.starts_with(kTag)) continue;
      if (!name.empty())
        return bad(ErrorCode::VerifierException, 0, fmt::format("{} has more than one exception callback tag", in_.funcs[main].name));
      name = t->name.substr(kTag.size());
    }
    if (name.empty()) return -1;
    for (size_t f = 0; f < in_.funcs.size(); ++f)
      if (in_.funcs[f].name == name && in_.code.contains(in_.funcs[f].shndx)) return static_cast<int32_t>(place(f));
    return bad(ErrorCode::VerifierException, 0, fmt::format("exception callback '{}' is not a function of the object", name));
  }

  // Makes `slot` the start of a function of `prog` (decode found functions
  // only from calls and function addresses) and its exception callback.
  static void add_entry(Program& prog, uint32_t slot) {
    prog.exception_cb = static_cast<int32_t>(slot);
    auto& subs = prog.subprograms;
    for (size_t k = 0; k < subs.size(); ++k) {
      if (subs[k].start_pc == slot) return;
      if (subs[k].start_pc < slot && slot < subs[k].end_pc) {
        subs.insert(subs.begin() + static_cast<ptrdiff_t>(k) + 1, Subprogram{slot, subs[k].end_pc, {}});
        subs[k].end_pc = slot;
        return;
      }
    }
  }

  // The output slot of instruction `idx` of code section `shndx`, placing its function.
  Result<uint32_t> target_pc(uint32_t shndx, int64_t idx, uint32_t pc) {
    for (size_t f = 0; f < in_.funcs.size(); ++f) {
      const CodeFunc& fn = in_.funcs[f];
      if (fn.shndx == shndx && idx >= fn.start && idx < fn.end) return place(f) + static_cast<uint32_t>(idx - fn.start);
    }
    return bad(ErrorCode::ElfBadRelocation, pc,
               fmt::format("call or function address into section '{}' at instruction {}, which is in no function",
                           in_.elf->sections[shndx].name, idx));
  }

  void put(uint32_t pc, const Insn& insn) {
    std::vector<RawInsn> enc;
    encode(insn, enc);
    for (size_t k = 0; k < enc.size(); ++k) out_[pc + k] = enc[k];
    relocated_[pc] = true;
  }

  Result<uint32_t> kfunc_index(const ElfSymbol& sym, uint32_t pc) {
    for (size_t i = 0; i < kfuncs_.size(); ++i)
      if (kfuncs_[i].name == sym.name) return static_cast<uint32_t>(i);
    const FuncProto* proto = in_.platform->kfunc(sym.name);
    // A kernel kfunc Decade lacks on purpose: the verifier refuses its calls by name.
    if (!proto) proto = missing_kfunc(sym.name);
    // decade_alloca needs no kfunc: every call of it becomes an instruction
    // (fuse_intrinsic_calls below).
    if (!proto && sym.bind != STB_WEAK && sym.name != kAllocaIntrinsic)
      return bad(ErrorCode::ElfMissingSymbol, pc, fmt::format("'{}' is not defined and is not a registered kfunc", sym.name));
    kfuncs_.push_back(ObjectKfunc{sym.name, proto});
    return static_cast<uint32_t>(kfuncs_.size() - 1);
  }

  Status relocate(size_t f, uint32_t base) {
    const CodeFunc& fn = in_.funcs[f];
    const auto* relocs = in_.elf->relocs_for(fn.shndx);
    if (!relocs) return ok();
    for (const ElfReloc& r : *relocs) {
      if (r.offset < uint64_t{fn.start} * 8 || r.offset >= uint64_t{fn.end} * 8) continue;
      const uint32_t pc = base + static_cast<uint32_t>(r.offset / 8 - fn.start);
      user_ = JumpTableUser{fn.shndx, fn.start, fn.end, base, pc};
      if (r.offset % 8 != 0) return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("relocation offset {} is not on an instruction", r.offset));
      if (auto s = reloc_one(r, pc); !s) return s;
    }
    return ok();
  }

  Status reloc_one(const ElfReloc& r, uint32_t pc) {
    const ElfSymbol& sym = in_.elf->symbols[r.sym];
    auto insn = decode_one(out_, pc);
    if (!insn) return std::unexpected(insn.error());
    if (r.type == kRBpf64_64) {
      if (insn->info().sem != Sem::LdImm64)
        return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("64-bit relocation against '{}' is not on a plain ld_imm64", sym.name));
      return reloc_ld64(sym, *insn, pc);
    }
    if (r.type == kRBpf64_32) {
      if (insn->info().sem != Sem::CallLocal)
        return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("call relocation against '{}' is not on a call", sym.name));
      if (sym.shndx == SHN_UNDEF) {
        auto idx = kfunc_index(sym, pc);
        if (!idx) return std::unexpected(idx.error());
        put(pc, make_insn(Op::CALL_KFUNC, 0, 0, 0, static_cast<int32_t>(*idx)));
        return ok();
      }
      if (!in_.code.contains(sym.shndx) || sym.value % 8 != 0)
        return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("call to '{}', which is not code", sym.name));
      auto t = target_pc(sym.shndx, static_cast<int64_t>(sym.value / 8) + insn->imm + 1, pc);
      if (!t) return std::unexpected(t.error());
      put(pc, make_insn(Op::CALL_LOCAL, 0, 0, 0, static_cast<int32_t>(int64_t{*t} - pc - 1)));
      return ok();
    }
    return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("relocation type {} against '{}' is not supported in code", r.type, sym.name));
  }

  Status reloc_ld64(const ElfSymbol& sym, const Insn& insn, uint32_t pc) {
    if (sym.shndx == SHN_UNDEF && in_.kconfig) {
      if (const KconfigExtern* k = in_.kconfig->find(sym.name)) {
        const int64_t off = int64_t{k->offset} + insn.imm;
        if (insn.imm < 0 || static_cast<uint64_t>(insn.imm) >= k->size)
          return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("offset {} outside kconfig extern '{}'", insn.imm, sym.name));
        put(pc, make_insn(Op::LDDW_MAP_IDX_VALUE, insn.dst, 0, 0, in_.kconfig->map, static_cast<uint64_t>(off)));
        return ok();
      }
    }
    if (sym.shndx == SHN_UNDEF) {
      if (in_.platform->kfunc(sym.name) || sym.bind != STB_WEAK) {
        // The address of a kfunc is only ever tested against NULL
        // (bpf_ksym_exists): a non-zero constant, its Object::kfuncs index + 1.
        auto idx = kfunc_index(sym, pc);
        if (!idx) return std::unexpected(idx.error());
        put(pc, make_insn(Op::LDDW, insn.dst, 0, 0, 0, uint64_t{*idx} + 1));
      } else {
        put(pc, make_insn(Op::LDDW, insn.dst, 0, 0, 0, 0));  // a missing __weak extern is NULL
      }
      return ok();
    }
    if (sym.shndx >= in_.elf->sections.size())
      return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("ld_imm64 against '{}' in special section {}", sym.name, sym.shndx));
    const ElfSection& sec = in_.elf->sections[sym.shndx];
    const int64_t addr = static_cast<int64_t>(sym.value) + insn.imm;
    if (sec.name == kJumpTableSection) return reloc_jump_table(sec, addr, insn, pc);
    if (in_.code.contains(sym.shndx)) {
      if (addr < 0 || addr % 8 != 0) return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("function address {} in '{}' is not an instruction", addr, sec.name));
      auto t = target_pc(sym.shndx, addr / 8, pc);
      if (!t) return std::unexpected(t.error());
      put(pc, make_insn(Op::LDDW_FUNC, insn.dst, 0, 0, static_cast<int32_t>(int64_t{*t} - pc - 1)));
      return ok();
    }
    if (in_.maps->arena_data_map >= 0 && sym.shndx == in_.maps->arena_data_shndx) {
      // An __arena global: its address in the arena (the arena map's
      // direct value; the arena holds the section's bytes at its start).
      if (addr < 0 || static_cast<uint64_t>(addr) > sec.size)
        return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("offset {} outside section '{}'", addr, sec.name));
      put(pc, make_insn(Op::LDDW_MAP_IDX_VALUE, insn.dst, 0, 0, in_.maps->arena_data_map, static_cast<uint64_t>(addr)));
      return ok();
    }
    if (const int32_t m = in_.maps->data_map(sym.shndx); m >= 0) {
      if (addr < 0 || static_cast<uint64_t>(addr) > sec.size)
        return bad(ErrorCode::ElfBadRelocation, pc, fmt::format("offset {} outside section '{}'", addr, sec.name));
      put(pc, make_insn(Op::LDDW_MAP_IDX_VALUE, insn.dst, 0, 0, m, static_cast<uint64_t>(addr)));
      return ok();
    }
    if (sec.name == ".maps" || sec.name == "maps") {
      const int32_t m = addr < 0 ? -1 : in_.maps->at(sym.shndx, static_cast<uint64_t>(addr));
      if (m < 0) return bad(ErrorCode::ElfMissingMap, pc, fmt::format("'{}'{:+} in '{}' is not a map", sym.name, insn.imm, sec.name));
      put(pc, make_insn(Op::LDDW_MAP_IDX, insn.dst, 0, 0, m));
      return ok();
    }
    return bad(ErrorCode::ElfBadRelocation, pc,
               fmt::format("ld_imm64 against '{}' in section '{}', which is not code, maps or global data", sym.name, sec.name));
  }

  // ld_imm64 of a jump table: a per-program frozen map of slot indices
  // (loader/jump_tables.hpp), one per table however often it is loaded.
  Status reloc_jump_table(const ElfSection& sec, int64_t addr, const Insn& insn, uint32_t pc) {
    if (addr < 0) return bad(ErrorCode::ElfBadJumpTable, pc, fmt::format("negative offset {} into '{}'", addr, sec.name));
    uint64_t off = 0;
    uint32_t symbol = 0;
    auto t = make_jump_table(*in_.elf, sec, static_cast<uint64_t>(addr), user_, in_.funcs[main_].name, off, symbol);
    if (!t) return std::unexpected(t.error());
    int32_t m = -1;
    for (const auto& [sym, idx] : table_maps_)
      if (sym == symbol) m = idx;
    if (m < 0) {
      m = static_cast<int32_t>(in_.maps->defs.size() + tables_.size());
      tables_.push_back(std::move(*t));
      table_maps_.emplace_back(symbol, m);
    }
    put(pc, make_insn(Op::LDDW_MAP_IDX_VALUE, insn.dst, 0, 0, m, off));
    return ok();
  }

  // Calls and function addresses the compiler resolved itself (no relocation)
  // that leave the function.
  Status local_calls(size_t f, uint32_t base) {
    const CodeFunc fn = in_.funcs[f];
    const uint32_t len = fn.end - fn.start;
    for (uint32_t pc = base; pc < base + len;) {
      auto insn = decode_one(out_, pc);
      if (!insn) {
        ++pc;  // reported by the final decode with its index
        continue;
      }
      const Sem sem = insn->info().sem;
      if (!relocated_[pc] && (sem == Sem::CallLocal || sem == Sem::LdFunc)) {
        const int64_t t = int64_t{fn.start} + (pc - base) + 1 + insn->imm;
        if (t < fn.start || t >= fn.end) {
          auto out = target_pc(fn.shndx, t, pc);
          if (!out) return std::unexpected(out.error());
          Insn fixed = *insn;
          fixed.imm = static_cast<int32_t>(int64_t{*out} - pc - 1);
          put(pc, fixed);
        }
      }
      pc += insn->slots();
    }
    return ok();
  }

  // BTF line info of every placed function, at its output slots.
  std::vector<LineInfo> lines() const {
    std::vector<LineInfo> out;
    for (const auto& [f, base] : placed_) {
      const CodeFunc& fn = in_.funcs[f];
      const BtfExtSection* es = in_.ext ? in_.ext->section(in_.elf->sections[fn.shndx].name) : nullptr;
      if (!es) continue;
      for (const auto& l : es->lines) {
        const uint32_t idx = l.insn_off / 8;
        if (idx >= fn.start && idx < fn.end) out.push_back(LineInfo{base + idx - fn.start, l.file, l.line, l.column, l.text});
      }
    }
    std::sort(out.begin(), out.end(), [](const LineInfo& a, const LineInfo& b) {
      return std::tie(a.pc, a.line, a.column) < std::tie(b.pc, b.line, b.column);
    });
    return out;
  }

  // Adds the source line of the error's instruction when line info has one.
  std::unexpected<Error> located(Error e) const {
    if (e.insn >= 0 && e.where.file.empty()) {
      Program p;
      p.lines = lines();
      if (const LineInfo* l = p.line_for(static_cast<uint32_t>(e.insn))) e.where = {l->file, l->line, l->column, l->text};
    }
    return std::unexpected(std::move(e));
  }

  Result<ObjectProgram> finish(size_t main, Program prog) {
    const CodeFunc& m = in_.funcs[main];
    ObjectProgram op;
    op.name = m.name;
    op.section = in_.elf->sections[m.shndx].name;
    prog.name = m.name;
    for (const Insn& insn : prog.insns)
      if (insn.info().sem == Sem::LdMapFd || insn.info().sem == Sem::LdMapValue) prog.raw_map_fds = true;
    for (Subprogram& sp : prog.subprograms) {
      uint32_t btf_id = 0;
      for (const auto& [f, base] : placed_) {
        if (base != sp.start_pc) continue;
        const CodeFunc& fn = in_.funcs[f];
        sp.name = fn.name;
        const BtfExtSection* es = in_.ext ? in_.ext->section(in_.elf->sections[fn.shndx].name) : nullptr;
        for (const auto& fi : es ? es->funcs : std::vector<BtfExtFuncInfo>{})
          if (fi.insn_off == fn.start * 8) btf_id = fi.type_id;
      }
      op.func_btf_ids.push_back(btf_id);
    }
    op.program = std::move(prog);
    return op;
  }

  const LinkInput& in_;
  std::vector<ObjectKfunc>& kfuncs_;
  std::vector<MapDef>& tables_;
  std::vector<std::pair<uint32_t, int32_t>> table_maps_;  // jump-table symbol, map index (this program)
  JumpTableUser user_;                                    // the function being relocated
  size_t main_ = 0;
  std::vector<RawInsn> out_;
  std::vector<bool> relocated_;
  std::vector<std::pair<size_t, uint32_t>> placed_;  // function, first output slot
};

}  // namespace

Status find_code(const ElfImage& elf, LinkInput& in) {
  for (const ElfSection& s : elf.sections) {
    if (!is_code_section(s)) continue;
    if (s.size % 8 != 0) return make_error(ErrorCode::ElfBadSection, fmt::format("code section '{}' size {} is not a multiple of 8", s.name, s.size));
    std::vector<RawInsn> code(s.size / 8);
    std::memcpy(code.data(), s.data.data(), s.size);
    in.code.emplace(s.index, std::move(code));
    std::vector<CodeFunc> fs;
    for (const ElfSymbol& sym : elf.symbols) {
      if (sym.shndx != s.index || sym.type != STT_FUNC) continue;
      if (sym.value % 8 != 0 || sym.size % 8 != 0 || sym.value > s.size || sym.size > s.size - sym.value)
        return make_error(ErrorCode::ElfBadSymbol, fmt::format("function '{}' ({}+{}) does not fit section '{}'", sym.name, sym.value, sym.size, s.name));
      fs.push_back(CodeFunc{s.index, static_cast<uint32_t>(sym.value / 8), static_cast<uint32_t>((sym.value + sym.size) / 8), sym.name});
    }
    // Hand-written code without symbols: the whole section is one function named after it.
    if (fs.empty() && s.name != ".text") fs.push_back(CodeFunc{s.index, 0, static_cast<uint32_t>(s.size / 8), s.name});
    std::sort(fs.begin(), fs.end(), [](const CodeFunc& a, const CodeFunc& b) { return a.start < b.start; });
    for (size_t i = 0; i < fs.size(); ++i) {
      // A symbol without a size runs to the next function.
      if (fs[i].end == fs[i].start) fs[i].end = i + 1 < fs.size() ? fs[i + 1].start : static_cast<uint32_t>(s.size / 8);
      if (fs[i].end <= fs[i].start || (i + 1 < fs.size() && fs[i].end > fs[i + 1].start))
        return make_error(ErrorCode::ElfBadSymbol, fmt::format("function '{}' overlaps another in '{}'", fs[i].name, s.name));
    }
    in.funcs.insert(in.funcs.end(), fs.begin(), fs.end());
  }
  return ok();
}

Result<ObjectProgram> link_program(const LinkInput& in, size_t main, std::vector<ObjectKfunc>& kfuncs,
                                   std::vector<MapDef>& tables) {
  Linker l(in, kfuncs, tables);
  return l.run(main);
}

}  // namespace decade
