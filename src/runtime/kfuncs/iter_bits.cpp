// SPDX-License-Identifier: Apache-2.0
// Open-coded bit iterator: struct bpf_iter_bits (16 bytes on the program's
// stack). new(it, words, nr_words) copies nr_words u64 words (at most
// kBitsIterMaxWords) and next(it) returns a pointer to the index of the next
// set bit, lowest first, or NULL when none is left; destroy(it) ends it.
// Bits are numbered as the kernel numbers them on a 64-bit little-endian
// host: bit i is bit i % 64 of word i / 64.
//
// The kernel reads the words with bpf_probe_read_kernel from any address;
// here the verifier proves them readable program memory (ArgKind
// PtrToWordsOrNull), so the copy is a plain one.
//
// State: {u64 bits_or_copy; s32 nr_bits; s32 bit}. Up to 64 bits the word
// itself is kept in the state; more are copied to the heap, and the copy is
// what the run holds (HeldResources): next() and destroy() use a copy only
// while the run holds it, so a state rewritten by an unverified (checked)
// program cannot make them read or free anything else, and a run that ends
// early frees it in its unwinding. The copy keeps its own bit count.
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runtime/helpers/helpers.hpp"
#include "runtime/maps/map_common.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

struct IterBits {
  uint64_t bits;  // the word (nr_bits <= 64) or the address of the heap copy
  int32_t nr_bits;
  int32_t bit;    // the last bit returned, -1 before the first
};
static_assert(sizeof(IterBits) == 16);

// The heap copy: its bit count, then the words.
struct BitsCopy {
  uint64_t nr_bits;
  uint64_t words[1];
};

IterBits* iter(uint64_t p) { return reinterpret_cast<IterBits*>(p); }

void free_copy(uint64_t copy) { std::free(reinterpret_cast<void*>(copy)); }
void clear_state(uint64_t it) { *iter(it) = {0, 0, -1}; }

// The heap copy a state names, when the run holds it (outside a run, as in
// a host's direct call, the state is taken as it is).
const BitsCopy* held_copy(const IterBits& s) {
  const RunContext* rc = current_run_context();
  if (rc && !rc->held.holds(s.bits, HeldResources::Kind::Iterator)) return nullptr;
  return reinterpret_cast<const BitsCopy*>(s.bits);
}

uint64_t iter_bits_new(uint64_t it, uint64_t src, uint64_t nr_words_raw, uint64_t, uint64_t) {
  IterBits* s = iter(it);
  clear_state(it);
  const auto nr_words = static_cast<uint32_t>(nr_words_raw);
  if (src == 0 || nr_words == 0) return static_cast<uint64_t>(kEINVAL);
  if (nr_words > kBitsIterMaxWords) return static_cast<uint64_t>(kE2BIG);
  const size_t bytes = size_t{nr_words} * 8;
  RunContext* rc = current_run_context();
  if (nr_words == 1) {
    // One word is kept in the state; the run holds the iterator itself.
    if (rc && !rc->held.hold(HeldResources::Kind::Iterator, it, clear_state)) return static_cast<uint64_t>(kENOMEM);
    std::memcpy(&s->bits, reinterpret_cast<const void*>(src), 8);
    s->nr_bits = 64;
    return 0;
  }
  auto* copy = static_cast<BitsCopy*>(std::malloc(sizeof(uint64_t) + bytes));
  if (!copy) return static_cast<uint64_t>(kENOMEM);
  const auto addr = reinterpret_cast<uint64_t>(copy);
  if (rc && !rc->held.hold(HeldResources::Kind::Iterator, addr, free_copy)) {
    std::free(copy);
    return static_cast<uint64_t>(kENOMEM);
  }
  copy->nr_bits = uint64_t{nr_words} * 64;
  std::memcpy(copy->words, reinterpret_cast<const void*>(src), bytes);
  s->bits = addr;
  s->nr_bits = static_cast<int32_t>(copy->nr_bits);
  return 0;
}

// The lowest set bit at or after `from` of nr_bits bits in words, or nr_bits.
int64_t find_next_bit(const uint64_t* words, int64_t nr_bits, int64_t from) {
  for (int64_t i = from; i < nr_bits;) {
    const uint64_t w = words[i / 64] >> (i % 64);
    if (w) return std::min(nr_bits, i + std::countr_zero(w));
    i = (i / 64 + 1) * 64;
  }
  return nr_bits;
}

uint64_t iter_bits_next(uint64_t it, uint64_t, uint64_t, uint64_t, uint64_t) {
  IterBits* s = iter(it);
  if (s->nr_bits <= 0 || s->bit >= s->nr_bits) return 0;
  const uint64_t* words = &s->bits;
  int64_t nr_bits = 64;
  if (s->nr_bits > 64) {
    const BitsCopy* copy = held_copy(*s);
    if (!copy) return 0;
    words = copy->words;
    nr_bits = static_cast<int64_t>(copy->nr_bits);
  }
  const int64_t bit = find_next_bit(words, nr_bits, std::max<int64_t>(int64_t{s->bit} + 1, 0));
  s->bit = static_cast<int32_t>(bit);
  return bit >= nr_bits ? 0 : reinterpret_cast<uint64_t>(&s->bit);
}

uint64_t iter_bits_destroy(uint64_t it, uint64_t, uint64_t, uint64_t, uint64_t) {
  IterBits* s = iter(it);
  RunContext* rc = current_run_context();
  if (s->nr_bits > 64) {
    if (!rc || rc->held.drop(s->bits, HeldResources::Kind::Iterator)) free_copy(s->bits);
  } else if (rc) {
    rc->held.drop(it, HeldResources::Kind::Iterator);
  }
  clear_state(it);
  return 0;
}

}  // namespace

void append_iter_bits_kfuncs(std::vector<FuncProto>& out) {
  using A = ArgKind;
  using R = RetKind;
  FuncProto n = make_proto("bpf_iter_bits_new", 0, iter_bits_new, R::Integer, {A::PtrToIter, A::PtrToWordsOrNull, A::Scalar},
                           kHelperIterNew);
  n.fixed_mem_size = kBitsIterMaxWords;  // the most words the source argument gives
  FuncProto next = make_proto("bpf_iter_bits_next", 0, iter_bits_next, R::IntOrNull, {A::PtrToIter}, kHelperIterNext);
  FuncProto d = make_proto("bpf_iter_bits_destroy", 0, iter_bits_destroy, R::Void, {A::PtrToIter}, kHelperIterDestroy);
  for (FuncProto* p : {&n, &next, &d}) {
    p->arg_btf_types[0] = "bpf_iter_bits";
    p->iter_size = 16;
    out.push_back(*p);
  }
}

}  // namespace decade
