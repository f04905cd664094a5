// SPDX-License-Identifier: Apache-2.0
// Lowering: one pass over the decoded program, one switch on Sem per
// instruction, emitting x86-64 through the code buffer.
//   require: decoded Program (targets resolved, subprograms found)
//   emits:   entry trampoline, one native function per subprogram, cold
//            paths (faults, slow checks), the function table, fault glue
// The pipeline of one compile is Lowerer::emit() followed by
// CodeBuffer::finalize().
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <vector>

#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "jit/x86_64/code_buffer.hpp"
#include "jit/x86_64/jit_state.hpp"
#include "runtime/engine.hpp"
#include "verifier/verified_program.hpp"

namespace decade::jit::x64 {

struct LowerOptions {
  bool checked = true;   // compile_checked: every access checked, back-edge budget
  bool blind = false;    // constant blinding
  bool bmi2 = false;     // shlx/shrx/sarx available
  bool popcnt = false;   // popcnt available (else a SWAR count)
  bool lzcnt = false;    // lzcnt available (else bsr + cmovz)
  bool tzcnt = false;    // tzcnt (BMI1) available (else bsf + cmovz)
  const std::vector<InsnFacts>* facts = nullptr;  // verified: checks the proof made unnecessary are left out
  uint64_t blind_seed = 0;
  // Bytes of each call frame, a power of two >= kFrameSize (JitCode::frame_size).
  uint32_t frame_size = kFrameSize;
};

// Where things ended up, as offsets from the start of the code.
struct Layout {
  uint64_t trampoline = 0;     // uint64_t (*)(JitHot*, uint64_t target, const uint64_t* args)
  uint64_t main_entry = 0;     // native entry of subprogram 0
  uint64_t fault_unwind = 0;   // ends the run with JitHot::fault_code (fault_native names the instruction)
  uint64_t body = 0;           // functions, cold paths and thunks lie in [body, text_end): r12 is JitHot there
  uint64_t func_table = 0;     // one 8-byte native entry per subprogram (LdFunc values point here)
  uint64_t text_end = 0;       // instructions end here; data tables follow
  std::vector<uint32_t> func_start;  // start slot per subprogram, same order as the table
};

class Lowerer {
 public:
  Lowerer(const Program& prog, const ProgramEnv& env, const LowerOptions& opts, CodeBuffer& cb);
  Status emit();
  Layout layout() const;

 private:
  using Gp = asmjit::x86::Gp;
  using Mem = asmjit::x86::Mem;
  using Label = asmjit::Label;

  struct Func {
    uint32_t start = 0, end = 0;  // slots [start, end)
    Label entry, epilogue;
    bool may_goto = false;        // has a may_goto: its count sits at [rsp], its time slice at [rsp + 8] (one per call)
  };
  // Fault: end the run with ErrorCode arg. MemSlow: r11 holds the address,
  // call the memory-check thunk. MemPrim: the inline primary-region check
  // missed; compute the address from base + off, try the current frame
  // inline, then the thunk. Stop: the stop word was found set; ask
  // glue::stop_now, then go on at `back` or end the run at `fail`.
  enum class ColdKind : uint8_t { Fault, MemSlow, MemPrim, Stop };
  struct Cold {
    Label entry, back;
    int32_t pc = -1;
    ColdKind kind = ColdKind::Fault;
    uint32_t arg = 0;  // Fault: ErrorCode; MemSlow, MemPrim: size | write << 8
    asmjit::x86::Gp base;  // MemPrim
    int16_t off = 0;       // MemPrim
    Label fail;            // Stop: the fault stub that ends the run
  };

  // lower.cpp: driver
  void find_functions();
  void emit_trampoline();
  Status emit_function(Func& f);
  void emit_cold();
  void emit_mem_cold(const Cold& c);
  Status lower_insn(const Insn& in);
  Label target_label(int32_t slot);
  Label fault(ErrorCode code);  // cold stub for the current instruction
  bool needs_mem_check(const Insn& in) const;
  bool divisor_proven(const Insn& in) const;
  bool fastcall_dropped() const;  // a bpf_fastcall spill or fill the verifier removed
  uint8_t fastcall_keep() const;  // on its call: the registers (bit i for ri) the call must keep
  void load_imm(const Gp& r, uint64_t value);  // blinded when asked
  void budget_charge(uint64_t n);
  void stop_check();  // after calls into C++ and at trampoline entries, in both modes
  bool trampoline_entry(uint32_t start) const;
  void emit_stop_cold(const Cold& c);
  void emit_may_goto_thunk();

  // lower_alu.cpp
  Status alu(const Insn& in);
  void alu_binop(Sem s, const Gp& dst, const Gp& src);
  void alu_imm(Sem s, unsigned bits, const Gp& dst, int32_t imm);
  void div_mod(const Insn& in);
  void div_mod_reg(Sem s, unsigned bits, const Gp& dst, bool check_zero, bool check_neg1);
  void shift(const Insn& in);
  void with_count_in_cl(const Insn& in, const std::function<void(const Gp&)>& emit);
  bool fuse_extend(const Insn& in);
  void endian(const Insn& in);

  // lower_bits.cpp
  void bit_count(const Insn& in);
  void popcount_swar(const Gp& d, unsigned bits);
  void rotate(const Insn& in);

  // lower_mem.cpp
  Status mem(const Insn& in);
  void check_access(const Gp& base, int16_t off, unsigned size, bool write);
  void check_align(const Gp& base, int16_t off, unsigned size);  // atomics: ExecMisaligned unless aligned
  Mem operand(const Gp& base, int16_t off, unsigned size) const;
  void atomic_rmw(const Insn& in);
  void atomic_fetch_loop(const Insn& in);
  Status ld_imm64(const Insn& in);
  void stack_arg(const Insn& in);
  void alloca_area(const Insn& in);
  Status addr_space_cast(const Insn& in);

  // lower_flow.cpp
  Status jump(const Insn& in);
  Status call_helper(const Insn& in);
  Status call_helper_body(const Insn& in);
  void call_proto(const FuncProto& p);
  void call_wide(const FuncProto& p);
  void fault_check();
  void call_local(const Insn& in);
  void callx(const Insn& in);
  void tail_call();
  void gotox(const Insn& in);
  void may_goto(const Insn& in);
  void exit_insn(const Insn& in);
  void ld_abs(const Insn& in);
  void call_abs(const void* fn);
  bool inline_array_lookup();
  bool inline_cpu_id(const Insn& in) const;
  void track_r1(const Insn& in);

  const Program& prog_;
  const ProgramEnv& env_;
  LowerOptions opts_;
  CodeBuffer& cb_;
  asmjit::x86::Assembler& a_;
  std::vector<Func> funcs_;
  std::vector<Label> slot_labels_;   // lazily created jump targets
  std::vector<Cold> cold_;
  Func* cur_func_ = nullptr;
  const Insn* cur_ = nullptr;
  size_t cur_index_ = 0;             // index into prog_.insns
  Label tramp_, tramp_exit_, fault_unwind_, body_, mem_thunk_, may_goto_thunk_, func_table_, text_end_;
  std::vector<Label> gotox_tables_;  // per function with a gotox, else invalid
  std::vector<Label> gotox_bad_;     // per function: where table slots that start no instruction go
  std::mt19937_64 rng_;
  Map* r1_map_ = nullptr;            // the map ld_imm64 put in r1, while still there in this block
  uint32_t skip_pc_ = UINT32_MAX;    // an instruction already lowered with the one before it
};

}  // namespace decade::jit::x64
