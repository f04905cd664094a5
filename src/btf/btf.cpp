// SPDX-License-Identifier: Apache-2.0
// Validation after parsing and the read-only queries on a Btf.
#include <fmt/format.h>

#include "btf/btf.hpp"

namespace decade {

namespace {

bool is_modifier(BtfKind k) {
  return k == BtfKind::Typedef || k == BtfKind::Volatile || k == BtfKind::Const || k == BtfKind::Restrict ||
         k == BtfKind::TypeTag;
}

// Size in bytes with arrays multiplied out in 64 bits; nullopt for unsized
// types, UINT64_MAX once the product passes 2^40 (too large for any type).
std::optional<uint64_t> size_u64(const Btf& btf, uint32_t id) {
  constexpr uint64_t kCap = uint64_t{1} << 40;
  uint64_t mult = 1;
  for (uint32_t steps = 0; steps <= btf.count(); ++steps) {
    const BtfType* t = btf.type(id);
    if (!t || id == 0) return std::nullopt;
    switch (t->kind) {
      case BtfKind::Typedef: case BtfKind::Volatile: case BtfKind::Const: case BtfKind::Restrict:
      case BtfKind::TypeTag: case BtfKind::Var: case BtfKind::DeclTag:
        id = t->type;
        continue;
      case BtfKind::Array:
        mult = t->nelems == 0 ? 0 : (mult > kCap / t->nelems ? kCap + 1 : mult * t->nelems);
        id = t->elem_type;
        continue;
      case BtfKind::Ptr: return mult > kCap ? UINT64_MAX : mult * 8;
      case BtfKind::Int: case BtfKind::Struct: case BtfKind::Union: case BtfKind::Enum: case BtfKind::Enum64:
      case BtfKind::DataSec: case BtfKind::Float:
        return mult > kCap ? UINT64_MAX : mult * t->size;
      case BtfKind::Fwd: case BtfKind::Func: case BtfKind::FuncProto: case BtfKind::Unknown:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

// Types this one contains by value (a cycle through these is infinite).
void value_edges(const BtfType& t, std::vector<uint32_t>& out) {
  out.clear();
  switch (t.kind) {
    case BtfKind::Typedef: case BtfKind::Volatile: case BtfKind::Const: case BtfKind::Restrict: case BtfKind::TypeTag:
    case BtfKind::Var: case BtfKind::DeclTag: case BtfKind::Func:
      out.push_back(t.type);
      break;
    case BtfKind::Array: out.push_back(t.elem_type); break;
    case BtfKind::Struct: case BtfKind::Union:
      for (const auto& m : t.members) out.push_back(m.type);
      break;
    case BtfKind::DataSec:
      for (const auto& v : t.secinfo) out.push_back(v.type);
      break;
    case BtfKind::Int: case BtfKind::Ptr: case BtfKind::Enum: case BtfKind::Fwd: case BtfKind::FuncProto:
    case BtfKind::Float: case BtfKind::Enum64: case BtfKind::Unknown:
      break;
  }
}

std::unexpected<Error> bad_id(uint32_t id, uint32_t ref, const char* what) {
  return make_error(ErrorCode::BtfBadTypeId, fmt::format("type {}: {} refers to type {} which does not exist", id, what, ref));
}

Status check_refs(const Btf& btf, const BtfType& t) {
  const uint32_t n = btf.count();
  auto in = [&](uint32_t ref) { return ref < n; };
  switch (t.kind) {
    case BtfKind::Ptr: case BtfKind::Typedef: case BtfKind::Volatile: case BtfKind::Const: case BtfKind::Restrict:
    case BtfKind::TypeTag: case BtfKind::FuncProto:
      if (!in(t.type)) return bad_id(t.id, t.type, "its type");
      break;
    case BtfKind::Func: case BtfKind::Var: case BtfKind::DeclTag:
      if (!in(t.type) || t.type == 0) return bad_id(t.id, t.type, "its type");
      if (t.kind == BtfKind::Func && btf.type(t.type)->kind != BtfKind::FuncProto)
        return make_error(ErrorCode::BtfMalformed, fmt::format("type {}: FUNC must point to a FUNC_PROTO", t.id));
      break;
    case BtfKind::Array:
      if (!in(t.elem_type) || t.elem_type == 0) return bad_id(t.id, t.elem_type, "its element");
      if (!in(t.index_type)) return bad_id(t.id, t.index_type, "its index");
      break;
    case BtfKind::Int: case BtfKind::Enum: case BtfKind::Fwd: case BtfKind::Float: case BtfKind::Enum64:
    case BtfKind::Struct: case BtfKind::Union: case BtfKind::DataSec: case BtfKind::Unknown:
      break;
  }
  for (const auto& m : t.members)
    if (!in(m.type) || m.type == 0) return bad_id(t.id, m.type, fmt::format("member '{}'", m.name).c_str());
  for (const auto& p : t.params)
    if (!in(p.type)) return bad_id(t.id, p.type, fmt::format("parameter '{}'", p.name).c_str());
  for (const auto& v : t.secinfo) {
    if (!in(v.type) || v.type == 0) return bad_id(t.id, v.type, "a section variable");
    // clang leaves DATASEC sizes 0; the loader fills them from the ELF section.
    if (t.size != 0 && uint64_t{v.offset} + v.size > t.size)
      return make_error(ErrorCode::BtfMalformed, fmt::format("type {}: variable at {}+{} past the section size {}", t.id,
                                                             v.offset, v.size, t.size));
  }
  return ok();
}

// Iterative three-colour depth-first search over by-value edges.
Status check_cycles(const Btf& btf) {
  const uint32_t n = btf.count();
  std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the stack, 2 done
  std::vector<std::pair<uint32_t, size_t>> stack;
  std::vector<std::vector<uint32_t>> edges(n);
  for (uint32_t id = 1; id < n; ++id) value_edges(*btf.type(id), edges[id]);
  for (uint32_t root = 1; root < n; ++root) {
    if (color[root]) continue;
    stack.push_back({root, 0});
    color[root] = 1;
    while (!stack.empty()) {
      auto& [id, next] = stack.back();
      if (next == edges[id].size()) {
        color[id] = 2;
        stack.pop_back();
        continue;
      }
      const uint32_t to = edges[id][next++];
      if (to == 0 || color[to] == 2) continue;
      if (color[to] == 1)
        return make_error(ErrorCode::BtfCycle, fmt::format("type {} contains itself by value (through type {})", to, id));
      color[to] = 1;
      stack.push_back({to, 0});
    }
  }
  return ok();
}

Status check_sizes(const Btf& btf) {
  for (uint32_t id = 1; id < btf.count(); ++id) {
    const BtfType& t = *btf.type(id);
    if (t.kind == BtfKind::Array) {
      auto s = size_u64(btf, id);
      if (s && *s > UINT32_MAX)
        return make_error(ErrorCode::BtfTooLarge, fmt::format("type {}: array of {} elements is too large", id, t.nelems));
    }
    if (t.kind != BtfKind::Struct && t.kind != BtfKind::Union) continue;
    for (const auto& m : t.members) {
      const uint64_t bits = m.bitfield_size ? m.bitfield_size : size_u64(btf, m.type).value_or(0) * 8;
      if (uint64_t{m.bit_offset} + bits > uint64_t{t.size} * 8)
        return make_error(ErrorCode::BtfMalformed,
                          fmt::format("type {}: member '{}' ends past the struct size {}", id, m.name, t.size));
    }
  }
  return ok();
}

}  // namespace

Status validate_btf(const Btf& btf) {
  for (uint32_t id = 1; id < btf.count(); ++id)
    if (auto s = check_refs(btf, *btf.type(id)); !s) return s;
  if (auto s = check_cycles(btf); !s) return s;
  return check_sizes(btf);
}

uint32_t Btf::resolve(uint32_t id) const {
  for (uint32_t steps = 0; steps <= count(); ++steps) {
    const BtfType* t = type(id);
    if (!t || id == 0 || !is_modifier(t->kind)) return t ? id : 0;
    id = t->type;
  }
  return 0;
}

Status Btf::mark_static(uint32_t id) {
  if (id == 0 || id >= count() || types_[id].kind != BtfKind::Func)
    return make_error(ErrorCode::BtfBadTypeId, fmt::format("type {} is not a FUNC", id));
  types_[id].linkage = 0;
  return ok();
}

Status Btf::fixup_datasec(uint32_t id, uint32_t size, const std::map<std::string, uint64_t, std::less<>>& var_offsets) {
  if (id == 0 || id >= count() || types_[id].kind != BtfKind::DataSec)
    return make_error(ErrorCode::BtfBadTypeId, fmt::format("type {} is not a DATASEC", id));
  BtfType& ds = types_[id];
  for (auto& v : ds.secinfo) {
    const BtfType* var = type(v.type);
    if (var && (var->kind == BtfKind::Var || var->kind == BtfKind::Func)) {
      auto it = var_offsets.find(var->name);
      if (it != var_offsets.end() && it->second <= UINT32_MAX) v.offset = static_cast<uint32_t>(it->second);
    }
    if (uint64_t{v.offset} + v.size > size)
      return make_error(ErrorCode::BtfMalformed,
                        fmt::format("DATASEC '{}': variable at {}+{} past the section size {}", ds.name, v.offset, v.size, size));
  }
  ds.size = size;
  return ok();
}

std::optional<uint32_t> Btf::size_of(uint32_t id) const {
  auto s = size_u64(*this, id);
  if (!s || *s > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(*s);
}

uint32_t Btf::find(std::string_view name, BtfKind kind) const {
  for (uint32_t id = 1; id < count(); ++id)
    if (types_[id].kind == kind && types_[id].name == name) return id;
  return 0;
}

std::vector<uint32_t> Btf::find_all(std::string_view name) const {
  std::vector<uint32_t> out;
  for (uint32_t id = 1; id < count(); ++id)
    if (types_[id].name == name) out.push_back(id);
  return out;
}

namespace {

std::string int_name(const BtfType& t) { return t.name.empty() ? fmt::format("int{}", t.int_bits) : t.name; }

// Builds the spelling outside-in: `suffix` collects declarator parts (" *", "[4]").
// `work` bounds the types visited in total: function prototypes branch on
// their parameters, so depth alone would let crafted BTF take exponential time.
std::string spell(const Btf& btf, uint32_t id, std::string suffix, int depth, uint32_t& work) {
  const BtfType* t = btf.type(id);
  if (id == 0 || !t) return "void" + suffix;
  if (depth > 64 || ++work > 4096) return "..." + suffix;
  auto named = [&](const char* tag) {
    return fmt::format("{}{}{}", tag, t->name.empty() ? "(anon)" : t->name, suffix);
  };
  switch (t->kind) {
    case BtfKind::Int: return int_name(*t) + suffix;
    case BtfKind::Float: case BtfKind::Typedef: return t->name + suffix;
    case BtfKind::Struct: return named("struct ");
    case BtfKind::Union: return named("union ");
    case BtfKind::Enum: case BtfKind::Enum64: return named("enum ");
    case BtfKind::Fwd: return named(t->kind_flag ? "union " : "struct ");
    case BtfKind::Ptr: {
      const BtfType* to = btf.type(t->type);
      if (to && to->kind == BtfKind::FuncProto) return spell(btf, t->type, "(*" + suffix + ")", depth + 1, work);
      return spell(btf, t->type, " *" + suffix, depth + 1, work);
    }
    case BtfKind::Const: return spell(btf, t->type, " const" + suffix, depth + 1, work);
    case BtfKind::Volatile: return spell(btf, t->type, " volatile" + suffix, depth + 1, work);
    case BtfKind::Restrict: return spell(btf, t->type, " restrict" + suffix, depth + 1, work);
    case BtfKind::TypeTag: return spell(btf, t->type, fmt::format(" __tag({})", t->name) + suffix, depth + 1, work);
    case BtfKind::Array: return spell(btf, t->elem_type, fmt::format("{}[{}]", suffix, t->nelems), depth + 1, work);
    case BtfKind::FuncProto: {
      std::string params;
      for (size_t i = 0; i < t->params.size(); ++i) {
        if (i) params += ", ";
        params += t->params[i].type == 0 ? "..." : spell(btf, t->params[i].type, "", depth + 1, work);
      }
      return spell(btf, t->type, fmt::format("{}({})", suffix, params.empty() ? "void" : params), depth + 1, work);
    }
    case BtfKind::Func: return spell(btf, t->type, " " + t->name + suffix, depth + 1, work);
    case BtfKind::Var: return spell(btf, t->type, " " + t->name + suffix, depth + 1, work);
    case BtfKind::DataSec: return "SEC(\"" + t->name + "\")" + suffix;
    case BtfKind::DeclTag: return spell(btf, t->type, suffix, depth + 1, work);
    case BtfKind::Unknown: return "?" + suffix;
  }
  return "?";
}

}  // namespace

std::string Btf::type_name(uint32_t id) const {
  uint32_t work = 0;
  return spell(*this, id, "", 0, work);
}

}  // namespace decade
