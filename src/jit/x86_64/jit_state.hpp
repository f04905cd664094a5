// SPDX-License-Identifier: Apache-2.0
// Per-run state shared by emitted code and the C++ runtime glue. Emitted code
// reaches JitHot through r12 at fixed offsets; everything else lives in
// JitState, which only C++ touches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "decade/error.hpp"
#include "runtime/checked_args.hpp"
#include "runtime/guarded_memory.hpp"
#include "runtime/engine.hpp"
#include "runtime/run_context.hpp"
#include "runtime/run_control.hpp"

namespace decade::jit::x64 {

inline constexpr uint32_t kMaxFrames = 8;
inline constexpr uint32_t kFrameSize = 512;  // the default frame (JitCode::frame_size)
inline constexpr uint64_t kDefaultBudget = 10'000'000;
// callx: register values below this are helper ids (the conformance suite's
// `call %r2` with r2 = 5); anything else must be a function address.
inline constexpr uint64_t kMaxHelperId = 1u << 16;

struct JitState;
class JitCode;

// The part of the run state emitted code addresses through r12.
struct JitHot {
  uint64_t saved_rsp = 0;         // native rsp of the innermost trampoline, for unwinding on faults
  uint64_t call_limit = 0;        // a local call is allowed while rbp >= call_limit
  uint64_t cur_r10 = 0;           // rbp at the last helper call: callbacks get a frame below it
  uint64_t budget = 0;            // checked mode: back-edge budget (instructions) left
  uint64_t stack_top = 0;         // one past the outermost frame
  const uint8_t* fault_flag = nullptr;  // RunContext::fault's engaged byte, or nullptr (glue checks it)
  const void* pending = nullptr;  // FuncProto of a call routed through the glue
  uint64_t callx_value = 0;       // the callx register for the glue
  uint64_t fault_native = 0;      // native return address inside the faulting instruction
  uint32_t fault_code = 0;        // ErrorCode, 0 while running
  // A StopReason once the host stops the run (attached to RunRequest::control):
  // read after calls into C++ and at trampoline entries; loops are stopped
  // by interrupting the thread (interrupt.hpp).
  StopWord stop{0};
  JitState* owner = nullptr;
  // The run's primary region (the largest of the request's: the raw memory
  // or the packet), checked inline by unproven accesses. prim_lim[w * 4 +
  // log2(size)] is the number of start offsets at which an access of that
  // size (a write when w = 1) fits: region size - size + 1, or 0 when none
  // does. An access passes when (address - prim_base) < that, unsigned.
  uint64_t prim_base = 0;
  uint64_t prim_lim[8] = {};
  // current_cpu() of the run: RunScope holds the slot until the run ends,
  // so verified code reads bpf_get_smp_processor_id from here.
  uint64_t cpu = 0;
  // stackargs: level d (kStackArgLevel bytes) holds the stack arguments the
  // function in frame d received, which its caller (frame d - 1) stored;
  // level 0 is never written. The level of a frame follows from its rbp
  // (lower_mem.cpp, Lowerer::stack_arg; docs/jit.md).
  uint64_t stack_args[(kMaxFrames + 1) * 8] = {};
};
inline constexpr int32_t kStackArgLevel = 64;  // 8 slots of 8 bytes; kMaxStackArgs = 7 are used
static_assert(kFrameSize / kStackArgLevel == 8, "the level offset is (stack_top - rbp) >> 3 with 512-byte frames");

// Offsets used by the emitter (JitHot is standard layout).
namespace hot {
inline constexpr int32_t kSavedRsp = offsetof(JitHot, saved_rsp);
inline constexpr int32_t kCallLimit = offsetof(JitHot, call_limit);
inline constexpr int32_t kCurR10 = offsetof(JitHot, cur_r10);
inline constexpr int32_t kBudget = offsetof(JitHot, budget);
inline constexpr int32_t kStackTop = offsetof(JitHot, stack_top);
inline constexpr int32_t kFaultFlag = offsetof(JitHot, fault_flag);
inline constexpr int32_t kPending = offsetof(JitHot, pending);
inline constexpr int32_t kCallxValue = offsetof(JitHot, callx_value);
inline constexpr int32_t kFaultNative = offsetof(JitHot, fault_native);
inline constexpr int32_t kFaultCode = offsetof(JitHot, fault_code);
inline constexpr int32_t kStop = offsetof(JitHot, stop);
inline constexpr int32_t kPrimBase = offsetof(JitHot, prim_base);
inline constexpr int32_t kPrimLim = offsetof(JitHot, prim_lim);
inline constexpr int32_t kCpu = offsetof(JitHot, cpu);
inline constexpr int32_t kStackArgs = offsetof(JitHot, stack_args);
}  // namespace hot

// The block of large frames. With guard_pages() on it lies between
// PROT_NONE pages, as the default frames do, so a run escaping its frames
// faults at once. Without them nothing is needed for verified code: every
// stack access and alloca area lies within max_stack <= frame_size bytes
// below its frame's r10, and the call limit bounds the depth
// (docs/isa-extensions.md, "stack").
class LargeStack {
 public:
  LargeStack() = default;
  LargeStack(const LargeStack&) = delete;
  LargeStack& operator=(const LargeStack&) = delete;
  ~LargeStack() { release(); }
  uint8_t* get() const { return p_; }
  bool guarded() const { return guarded_; }
  // A new block of `size` bytes (a multiple of 16); the old one is freed.
  void reset(size_t size) {
    release();
    if (guard_pages()) p_ = static_cast<uint8_t*>(guarded_alloc(size));
    guarded_ = p_ != nullptr;
    if (!p_) p_ = new uint8_t[size];
    size_ = size;
  }

 private:
  void release() {
    if (guarded_) guarded_free(p_, size_);
    else delete[] p_;
    p_ = nullptr;
  }
  uint8_t* p_ = nullptr;
  size_t size_ = 0;
  bool guarded_ = false;
};

struct JitState {
  JitHot hot;
  const JitCode* code = nullptr;
  RunContext* rc = nullptr;
  std::span<const MemRegion> request;   // the request's regions (the request outlives the run)
  CheckedMapMemory map_memory;          // storage of the program's maps, collected on the first slow-path miss
  // Frames larger than kFrameSize (a host-raised stack size) run here
  // instead: kMaxFrames of them, allocated on the first such run and kept.
  LargeStack large_stack;
  uint32_t large_frame = 0;
  // Last: with guard pages on, the frames' top lies against one.
  alignas(16) uint8_t stack[kMaxFrames * kFrameSize];

  // The lowest byte of the frames of `frame_size` bytes each.
  uint64_t stack_base(uint32_t frame_size) {
    if (frame_size == kFrameSize) return reinterpret_cast<uint64_t>(stack);
    if (large_frame < frame_size || large_stack.guarded() != guard_pages()) {
      large_stack.reset(size_t{kMaxFrames} * frame_size);
      large_frame = frame_size;
    }
    return reinterpret_cast<uint64_t>(large_stack.get());
  }
};

}  // namespace decade::jit::x64
