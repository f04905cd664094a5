// SPDX-License-Identifier: Apache-2.0
// CO-RE relocation resolution (see core.hpp). The field arithmetic follows
// the documented libbpf semantics for little-endian targets.
#include "btf/core.hpp"

#include <charconv>
#include <fmt/format.h>

namespace decade {

namespace {

using K = CoreReloKind;

bool is_composite(const BtfType* t) { return t && (t->kind == BtfKind::Struct || t->kind == BtfKind::Union); }
bool is_enum(const BtfType* t) { return t && (t->kind == BtfKind::Enum || t->kind == BtfKind::Enum64); }
bool is_field_kind(K k) { return k <= K::FieldRshiftU64; }
bool is_type_kind(K k) { return (k >= K::TypeIdLocal && k <= K::TypeSize) || k == K::TypeMatches; }
bool is_exists_kind(K k) { return k == K::FieldExists || k == K::TypeExists || k == K::EnumvalExists || k == K::TypeMatches; }

constexpr int kMaxDepth = 32;

struct Accessor {
  uint32_t type_id = 0;  // the struct/union, array or enum being indexed (the root for spec[0])
  uint32_t idx = 0;
  std::string_view name;
};

struct Spec {
  const Btf* btf = nullptr;
  uint32_t root = 0;
  std::vector<Accessor> acc;  // spec[0] is the root index; then named members and array indexes
  uint64_t bit_offset = 0;
};

std::unexpected<Error> malformed(const BtfExtCoreRelo& r, std::string why) {
  return make_error(ErrorCode::BtfExtMalformed,
                    fmt::format("CO-RE relocation at insn byte {} (type {}, access \"{}\"): {}", r.insn_off, r.type_id, r.access, why));
}

Result<std::vector<uint32_t>> parse_access(const BtfExtCoreRelo& r) {
  std::vector<uint32_t> out;
  std::string_view s = r.access;
  while (true) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || v > INT32_MAX || out.size() >= 64) return malformed(r, "bad access string");
    out.push_back(v);
    s.remove_prefix(static_cast<size_t>(p - s.data()));
    if (s.empty()) return out;
    if (s.front() != ':') return malformed(r, "bad access string");
    s.remove_prefix(1);
  }
}

// A flexible array member (`struct upid numbers[]`): an array of no
// elements that is the last member of its struct, reached by name. Any
// index of it is in bounds; any other array's are below its length.
bool flexible(const Btf& btf, const Accessor& holder, const BtfType& arr) {
  if (arr.nelems != 0 || holder.name.empty()) return false;
  const BtfType* s = btf.type(holder.type_id);
  return is_composite(s) && holder.idx + 1 == s->members.size();
}

Result<Spec> parse_spec(const Btf& btf, const BtfExtCoreRelo& r, K kind) {
  auto raw = parse_access(r);
  if (!raw) return std::unexpected(raw.error());
  Spec spec{&btf, r.type_id, {}, 0};
  if (is_type_kind(kind)) {
    if (raw->size() != 1 || (*raw)[0] != 0) return malformed(r, "type relocations use access \"0\"");
    spec.acc.push_back({r.type_id, 0, {}});
    return spec;
  }
  if (!is_field_kind(kind)) {  // enum value
    const uint32_t id = btf.resolve(r.type_id);
    const BtfType* t = btf.type(id);
    if (!is_enum(t) || raw->size() != 1 || (*raw)[0] >= t->enumerators.size()) return malformed(r, "not an enumerator");
    spec.acc.push_back({id, (*raw)[0], t->enumerators[(*raw)[0]].name});
    return spec;
  }
  spec.acc.push_back({r.type_id, (*raw)[0], {}});
  spec.bit_offset = uint64_t{(*raw)[0]} * btf.size_of(r.type_id).value_or(0) * 8;
  uint32_t id = r.type_id;
  for (size_t i = 1; i < raw->size(); ++i) {
    id = btf.resolve(id);
    const BtfType* t = btf.type(id);
    const uint32_t idx = (*raw)[i];
    if (is_composite(t)) {
      if (idx >= t->members.size()) return malformed(r, fmt::format("member index {} out of range", idx));
      const BtfMember& m = t->members[idx];
      spec.bit_offset += m.bit_offset;
      if (!m.name.empty()) spec.acc.push_back({id, idx, m.name});
      id = m.type;
    } else if (t && t->kind == BtfKind::Array) {
      if (!flexible(btf, spec.acc.back(), *t) && idx >= t->nelems)
        return malformed(r, fmt::format("array index {} out of range", idx));
      spec.acc.push_back({id, idx, {}});
      spec.bit_offset += uint64_t{idx} * btf.size_of(t->elem_type).value_or(0) * 8;
      id = t->elem_type;
    } else {
      return malformed(r, fmt::format("access step {} indexes a type that is neither struct nor array", i));
    }
  }
  return spec;
}

// libbpf's field compatibility: composites match composites, ints match
// ints (not legacy bitfield ints), pointers pointers, arrays by element.
bool fields_compat(const Btf& lb, uint32_t lid, const Btf& tb, uint32_t tid, int depth = 0) {
  if (depth > kMaxDepth) return false;
  const BtfType* l = lb.type(lb.resolve(lid));
  const BtfType* t = tb.type(tb.resolve(tid));
  if (!l || !t) return false;
  if (is_composite(l) && is_composite(t)) return true;
  if (is_enum(l) && is_enum(t)) return true;
  if (l->kind != t->kind) return false;
  if (l->kind == BtfKind::Ptr || l->kind == BtfKind::Float) return true;
  if (l->kind == BtfKind::Fwd) return core_essential_name(l->name) == core_essential_name(t->name);
  if (l->kind == BtfKind::Int) return l->int_offset == 0 && t->int_offset == 0;
  if (l->kind == BtfKind::Array) return fields_compat(lb, l->elem_type, tb, t->elem_type, depth + 1);
  return false;
}

// Type compatibility for type-based relocations (deeper for pointers and prototypes).
bool types_compat(const Btf& lb, uint32_t lid, const Btf& tb, uint32_t tid, int depth = 0) {
  if (depth > kMaxDepth) return false;
  const uint32_t lr = lb.resolve(lid), tr = tb.resolve(tid);
  const BtfType* l = lb.type(lr);
  const BtfType* t = tb.type(tr);
  if (!l || !t) return false;
  if (lr == 0 || tr == 0) return lr == tr;
  if (is_enum(l) && is_enum(t)) return true;
  if (l->kind != t->kind) return false;
  if (is_composite(l) || l->kind == BtfKind::Fwd || l->kind == BtfKind::Float) return true;
  if (l->kind == BtfKind::Int) return l->int_offset == 0 && t->int_offset == 0;
  if (l->kind == BtfKind::Ptr) return types_compat(lb, l->type, tb, t->type, depth + 1);
  if (l->kind == BtfKind::Array) return types_compat(lb, l->elem_type, tb, t->elem_type, depth + 1);
  if (l->kind != BtfKind::FuncProto || l->params.size() != t->params.size()) return false;
  for (size_t i = 0; i < l->params.size(); ++i)
    if (!types_compat(lb, l->params[i].type, tb, t->params[i].type, depth + 1)) return false;
  return types_compat(lb, l->type, tb, t->type, depth + 1);
}

// TYPE_MATCHES: compatible, and every local member / enumerator exists by name.
bool types_match(const Btf& lb, uint32_t lid, const Btf& tb, uint32_t tid) {
  if (!types_compat(lb, lid, tb, tid)) return false;
  const BtfType* l = lb.type(lb.resolve(lid));
  const BtfType* t = tb.type(tb.resolve(tid));
  if (is_composite(l)) {
    for (const auto& lm : l->members) {
      bool found = false;
      for (const auto& tm : t->members)
        if (tm.name == lm.name && fields_compat(lb, lm.type, tb, tm.type)) found = true;
      if (!found) return false;
    }
  }
  if (is_enum(l)) {
    for (const auto& le : l->enumerators) {
      bool found = false;
      for (const auto& te : t->enumerators) found = found || te.name == le.name;
      if (!found) return false;
    }
  }
  return true;
}

// Finds the local member's namesake in target composite `tid`, looking
// through anonymous struct/union members; extends `spec` on success.
bool match_member(const Btf& lb, const BtfMember& lm, const Btf& tb, uint32_t tid, Spec& spec, int depth = 0) {
  const BtfType* t = tb.type(tb.resolve(tid));
  if (!is_composite(t) || depth > kMaxDepth) return false;
  for (uint32_t i = 0; i < t->members.size(); ++i) {
    const BtfMember& m = t->members[i];
    if (m.name.empty()) {
      spec.bit_offset += m.bit_offset;
      if (match_member(lb, lm, tb, m.type, spec, depth + 1)) return true;
      spec.bit_offset -= m.bit_offset;
      continue;
    }
    if (m.name != lm.name) continue;
    if (!fields_compat(lb, lm.type, tb, m.type)) return false;
    spec.bit_offset += m.bit_offset;
    spec.acc.push_back({tb.resolve(tid), i, m.name});
    return true;
  }
  return false;
}

bool match_field(const Spec& local, const Btf& tb, uint32_t tid, Spec& out) {
  out = Spec{&tb, tid, {local.acc[0]}, 0};
  out.acc[0].type_id = tid;
  out.bit_offset = uint64_t{local.acc[0].idx} * tb.size_of(tid).value_or(0) * 8;
  uint32_t id = tid;
  for (size_t i = 1; i < local.acc.size(); ++i) {
    const Accessor& a = local.acc[i];
    const BtfType* lt = local.btf->type(a.type_id);
    id = tb.resolve(id);
    if (is_composite(lt)) {
      if (!match_member(*local.btf, lt->members[a.idx], tb, id, out)) return false;
      const Accessor& got = out.acc.back();
      id = tb.type(got.type_id)->members[got.idx].type;
      continue;
    }
    const BtfType* t = tb.type(id);
    if (!t || t->kind != BtfKind::Array) return false;
    if (!flexible(tb, out.acc.back(), *t) && a.idx >= t->nelems) return false;
    out.acc.push_back({id, a.idx, {}});
    out.bit_offset += uint64_t{a.idx} * tb.size_of(t->elem_type).value_or(0) * 8;
    id = t->elem_type;
  }
  return true;
}

Result<CoreResult> calc_field(const Spec& spec, K kind, const BtfExtCoreRelo& r) {
  CoreResult res;
  if (kind == K::FieldExists) {
    res.new_value = 1;
    return res;
  }
  const Btf& btf = *spec.btf;
  const Accessor& acc = spec.acc.back();
  const BtfType* holder = btf.type(acc.type_id);
  const bool element = acc.name.empty();  // the spec ends on an array element (or the root itself)
  uint32_t field = spec.acc.size() == 1 ? spec.root : holder->elem_type;
  uint32_t bitfield = 0;
  if (!element) {
    field = holder->members[acc.idx].type;
    bitfield = holder->members[acc.idx].bitfield_size;
  }
  // As libbpf: an element has an offset and a size, not a signedness or
  // shifts; a field's size is what its type resolves to, zero included (a
  // flexible array member `numbers[]` has an offset, and a size of 0), and
  // only a type without a size (void, a forward declaration, a function)
  // is refused.
  if (element && kind != K::FieldByteOffset && kind != K::FieldByteSize)
    return malformed(r, "only a byte offset or byte size relocation applies to an array element");
  const BtfType* mt = btf.type(btf.resolve(field));
  auto sz = btf.size_of(field);
  if (!sz || !mt) return malformed(r, "the field's type has no size");
  const uint64_t bit_off = spec.bit_offset;
  uint64_t byte_sz = *sz, byte_off = bit_off / 8, bit_sz = bitfield ? bitfield : byte_sz * 8;
  if (bitfield) {
    if (byte_sz == 0) return malformed(r, "a bitfield of a type without size");
    byte_off = bit_off / 8 / byte_sz * byte_sz;
    while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
      if (byte_sz >= 8) return malformed(r, "bitfield does not fit in 8 bytes");
      byte_sz *= 2;
      byte_off = bit_off / 8 / byte_sz * byte_sz;
    }
  }
  // Bitfields: the minimal load libbpf computes may not be the compiler's,
  // so their offset, size and left shift are not checked; their signedness
  // and right shift (64 - bit size) are never ambiguous.
  res.validate = !bitfield || kind == K::FieldSigned || kind == K::FieldRshiftU64;
  if (kind == K::FieldByteOffset) {
    res.new_value = byte_off;
    if (!bitfield) {
      res.new_size = static_cast<uint32_t>(byte_sz);
      res.size_adjustable = mt->kind == BtfKind::Int || mt->kind == BtfKind::Ptr || is_enum(mt);
    }
  } else if (kind == K::FieldByteSize) {
    res.new_value = byte_sz;
  } else if (kind == K::FieldSigned) {
    res.new_value = is_enum(mt) ? mt->enum_signed : (mt->kind == BtfKind::Int ? (mt->int_encoding & 1) : 0);
  } else if (kind == K::FieldLshiftU64) {
    res.new_value = 64 - (bit_off + bit_sz - byte_off * 8);
  } else {
    res.new_value = bitfield ? 64 - bit_sz : (8 - byte_sz) * 8;
  }
  return res;
}

Result<CoreResult> calc(const Spec& spec, K kind, const BtfExtCoreRelo& r) {
  if (is_field_kind(kind)) return calc_field(spec, kind, r);
  CoreResult res;
  const Btf& btf = *spec.btf;
  if (kind == K::TypeIdLocal || kind == K::TypeIdTarget) {
    res.new_value = spec.root;
  } else if (kind == K::TypeSize) {
    res.new_value = btf.size_of(spec.root).value_or(0);
  } else if (kind == K::EnumvalValue) {
    const BtfType* t = btf.type(spec.acc[0].type_id);
    res.new_value = static_cast<uint64_t>(t->enumerators[spec.acc[0].idx].value);
  } else {
    res.new_value = 1;  // the exists / matches kinds
  }
  return res;
}

bool same_kind(const BtfType& a, const BtfType& b) { return a.kind == b.kind || (is_enum(&a) && is_enum(&b)); }

// Whether target candidate `tid` matches; fills `out` with the target spec.
bool candidate_matches(const Spec& local, K kind, const Btf& tb, uint32_t tid, Spec& out) {
  if (is_field_kind(kind)) return match_field(local, tb, tid, out);
  out = Spec{&tb, tid, {{tid, 0, {}}}, 0};
  if (kind == K::TypeMatches) return types_match(*local.btf, local.root, tb, tid);
  if (is_type_kind(kind)) return types_compat(*local.btf, local.root, tb, tid);
  const uint32_t er = tb.resolve(tid);
  const BtfType* t = tb.type(er);
  if (!is_enum(t)) return false;
  for (uint32_t i = 0; i < t->enumerators.size(); ++i) {
    if (core_essential_name(t->enumerators[i].name) == core_essential_name(local.acc[0].name)) {
      out.acc[0] = {er, i, t->enumerators[i].name};
      return true;
    }
  }
  return false;
}

}  // namespace

std::string_view core_essential_name(std::string_view name) {
  // The flavour separator is "___" between two characters that are not '_'.
  for (size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
    if (name[i] != '_' && name.compare(i + 1, 3, "___") == 0 && name[i + 4] != '_') return name.substr(0, i + 1);
  }
  return name;
}

CoreTargetIndex::CoreTargetIndex(const Btf& target) {
  for (uint32_t id = 1; id < target.count(); ++id) {
    const std::string_view n = core_essential_name(target.type(id)->name);
    if (!n.empty()) by_name_[n].push_back(id);
  }
}

const std::vector<uint32_t>& CoreTargetIndex::candidates(std::string_view essential_name) const {
  static const std::vector<uint32_t> kNone;
  auto it = by_name_.find(essential_name);
  return it == by_name_.end() ? kNone : it->second;
}

Result<CoreResult> core_relocate(const Btf& local, const Btf& target, const BtfExtCoreRelo& relo, const CoreTargetIndex* index) {
  if (relo.kind > static_cast<uint32_t>(K::TypeMatches))
    return make_error(ErrorCode::CoreUnknownRelocKind,
                      fmt::format("CO-RE relocation at insn byte {}: unknown kind {}", relo.insn_off, relo.kind));
  const K kind = static_cast<K>(relo.kind);
  auto spec = parse_spec(local, relo, kind);
  if (!spec) return std::unexpected(spec.error());
  auto orig = calc(*spec, kind, relo);
  if (!orig) return std::unexpected(orig.error());
  if (kind == K::TypeIdLocal) return CoreResult{orig->new_value, orig->new_value, 0, 0, true, true};
  // The object's own BTF as the target (no host BTF given): every relocation
  // keeps the compiler's answer. Matching by name would find a type's
  // flavours (foo___v1, foo___v2) beside it and call them ambiguous.
  if (&local == &target) {
    CoreResult same = *orig;
    same.orig_value = orig->new_value;
    same.orig_size = orig->new_size;
    return same;
  }
  const BtfType* root = local.type(relo.type_id);
  const std::string_view want = core_essential_name(root->name);
  if (want.empty()) return malformed(relo, "the root type has no name");
  std::optional<CoreResult> found;
  uint32_t found_id = 0;
  std::optional<CoreTargetIndex> own;
  if (!index) index = &own.emplace(target);
  for (const uint32_t id : index->candidates(want)) {
    const BtfType& t = *target.type(id);
    if (!same_kind(*root, t)) continue;
    Spec ts;
    if (!candidate_matches(*spec, kind, target, id, ts)) continue;
    auto r = calc(ts, kind, relo);
    if (!r) return std::unexpected(r.error());
    if (found && found->new_value != r->new_value)
      return make_error(ErrorCode::CoreAmbiguous,
                        fmt::format("CO-RE relocation at insn byte {}: candidates {} and {} for '{}' disagree ({} vs {})",
                                    relo.insn_off, found_id, id, root->name, found->new_value, r->new_value));
    if (!found) found = *r, found_id = id;
  }
  CoreResult res;
  res.orig_value = orig->new_value;
  res.orig_size = orig->new_size;
  res.validate = orig->validate;  // libbpf decides from the local spec
  if (found) {
    res.new_value = found->new_value;
    res.new_size = found->new_size;
    res.size_adjustable = found->size_adjustable && orig->size_adjustable;
    return res;
  }
  if (!is_exists_kind(kind))
    return make_error(ErrorCode::CoreNoMatch, fmt::format("CO-RE relocation at insn byte {}: no target type matches '{}' access \"{}\"",
                                                          relo.insn_off, root->name, relo.access));
  res.new_value = 0;
  return res;
}

}  // namespace decade
