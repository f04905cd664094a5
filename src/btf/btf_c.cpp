// SPDX-License-Identifier: Apache-2.0
#include "btf/btf_c.hpp"

#include <fmt/format.h>

#include <vector>

namespace decade::btfc {
namespace {

constexpr int kMaxDepth = 64;  // qualifier and pointer chains; BTF is checked acyclic by parse

bool is_named_def(const BtfType& t) {
  if (t.kind == BtfKind::Typedef) return true;
  const bool tagged = t.kind == BtfKind::Struct || t.kind == BtfKind::Union || t.kind == BtfKind::Enum ||
                      t.kind == BtfKind::Enum64;
  return tagged && !t.name.empty();
}

std::string keyword(const BtfType& t) {
  if (t.kind == BtfKind::Union || (t.kind == BtfKind::Fwd && t.kind_flag)) return "union";
  if (t.kind == BtfKind::Enum || t.kind == BtfKind::Enum64) return "enum";
  return "struct";
}

std::string body(const Btf& btf, const BtfType& t, int indent);

// The type name that goes left of the declarator, and the declarator built
// around `inner` (pointer stars, array bounds, function parameters).
std::string decl(const Btf& btf, uint32_t id, std::string inner, int indent, int depth) {
  const BtfType* t = btf.type(id);
  auto sep = [](const std::string& s) { return s.empty() ? s : " " + s; };
  if (!t || id == 0) return "void" + sep(inner);
  if (depth > kMaxDepth) return "void" + sep(inner);
  switch (t->kind) {
    case BtfKind::Int:
    case BtfKind::Float:
      return t->name + sep(inner);
    case BtfKind::Typedef:
      return t->name + sep(inner);
    case BtfKind::Struct:
    case BtfKind::Union:
    case BtfKind::Enum:
    case BtfKind::Enum64:
    case BtfKind::Fwd:
      if (t->name.empty()) return keyword(*t) + " " + body(btf, *t, indent) + sep(inner);
      return keyword(*t) + " " + t->name + sep(inner);
    case BtfKind::Ptr: {
      const BtfType* to = btf.type(t->type);
      const bool wrap = to && (to->kind == BtfKind::Array || to->kind == BtfKind::FuncProto);
      return decl(btf, t->type, wrap ? "(*" + inner + ")" : "*" + inner, indent, depth + 1);
    }
    case BtfKind::Array:
      return decl(btf, t->elem_type, inner + fmt::format("[{}]", t->nelems), indent, depth + 1);
    case BtfKind::Const:
      return "const " + decl(btf, t->type, inner, indent, depth + 1);
    case BtfKind::Volatile:
      return "volatile " + decl(btf, t->type, inner, indent, depth + 1);
    case BtfKind::Restrict:
      return decl(btf, t->type, "restrict " + inner, indent, depth + 1);
    case BtfKind::TypeTag:
      return decl(btf, t->type, inner, indent, depth + 1);
    case BtfKind::FuncProto: {
      std::string params;
      for (size_t i = 0; i < t->params.size(); ++i) {
        if (i) params += ", ";
        params += t->params[i].type == 0 ? "..." : decl(btf, t->params[i].type, t->params[i].name, indent, depth + 1);
      }
      if (t->params.empty()) params = "void";
      return decl(btf, t->type, inner + "(" + params + ")", indent, depth + 1);
    }
    case BtfKind::Func:
    case BtfKind::Var:
    case BtfKind::DataSec:
    case BtfKind::DeclTag:
    case BtfKind::Unknown:
      break;
  }
  return "void" + sep(inner);
}

std::string pad(int indent) { return std::string(static_cast<size_t>(indent), '\t'); }

std::string enum_body(const BtfType& t, int indent) {
  std::string out = "{\n";
  for (const auto& e : t.enumerators)
    out += fmt::format("{}{} = {},\n", pad(indent + 1), e.name, e.value);
  return out + pad(indent) + "}";
}

std::string body(const Btf& btf, const BtfType& t, int indent) {
  if (t.kind == BtfKind::Enum || t.kind == BtfKind::Enum64) return enum_body(t, indent);
  if (t.kind == BtfKind::Fwd) return "";
  std::string out = "{\n";
  for (const BtfMember& m : t.members) {
    std::string line = decl(btf, m.type, m.name, indent + 1, 0);
    if (m.bitfield_size) line += fmt::format(": {}", m.bitfield_size);
    out += fmt::format("{}{};\n", pad(indent + 1), line);
  }
  return out + pad(indent) + "}";
}

// Depth-first over what a definition of `id` needs: by-value uses need the
// definition first, uses behind a pointer a forward declaration only.
struct Orderer {
  const Btf& btf;
  std::vector<uint8_t> state;  // 0 new, 1 in progress, 2 emitted
  std::vector<uint8_t> declared;
  std::string out;

  void need(uint32_t id, bool by_value, int depth) {
    const BtfType* t = btf.type(id);
    if (!t || id == 0 || depth > kMaxDepth) return;
    switch (t->kind) {
      case BtfKind::Ptr:
        need(t->type, false, depth + 1);
        return;
      case BtfKind::Array:
        need(t->elem_type, by_value, depth + 1);
        return;
      case BtfKind::Const:
      case BtfKind::Volatile:
      case BtfKind::Restrict:
      case BtfKind::TypeTag:
        need(t->type, by_value, depth + 1);
        return;
      case BtfKind::FuncProto:
        need(t->type, false, depth + 1);
        for (const auto& p : t->params) need(p.type, false, depth + 1);
        return;
      case BtfKind::Struct:
      case BtfKind::Union:
        if (t->name.empty()) {  // anonymous: written inline, its members are needed here
          for (const auto& m : t->members) need(m.type, by_value, depth + 1);
          return;
        }
        if (!by_value) {
          forward(id, *t);
          return;
        }
        define(id, depth);
        return;
      case BtfKind::Fwd:
        forward(id, *t);
        return;
      case BtfKind::Enum:
      case BtfKind::Enum64:
      case BtfKind::Typedef:
        define(id, depth);
        return;
      case BtfKind::Int:
      case BtfKind::Float:
      case BtfKind::Func:
      case BtfKind::Var:
      case BtfKind::DataSec:
      case BtfKind::DeclTag:
      case BtfKind::Unknown:
        return;
    }
  }

  void forward(uint32_t id, const BtfType& t) {
    if (state[id] == 2 || declared[id]) return;  // in progress (a cycle) still needs it
    declared[id] = 1;
    out += fmt::format("{} {};\n\n", keyword(t), t.name);
  }

  void define(uint32_t id, int depth) {
    if (state[id] != 0) return;  // done, or a cycle through pointers (declared below)
    state[id] = 1;
    const BtfType& t = *btf.type(id);
    if (t.kind == BtfKind::Typedef) {
      need(t.type, true, depth + 1);
      out += fmt::format("typedef {};\n\n", decl(btf, t.type, t.name, 0, 0));
    } else {
      if (t.kind == BtfKind::Enum || t.kind == BtfKind::Enum64) {
        out += fmt::format("enum {} {};\n\n", t.name, body(btf, t, 0));
      } else {
        for (const auto& m : t.members) need(m.type, true, depth + 1);
        out += fmt::format("{} {} {};\n\n", keyword(t), t.name, body(btf, t, 0));
      }
    }
    state[id] = 2;
  }
};

}  // namespace

std::string declaration(const Btf& btf, uint32_t id, std::string_view name) {
  return decl(btf, id, std::string(name), 0, 0);
}

std::string definitions(const Btf& btf, std::span<const uint32_t> roots) {
  Orderer o{btf, std::vector<uint8_t>(btf.count()), std::vector<uint8_t>(btf.count()), {}};
  for (uint32_t id : roots) o.need(id, true, 0);
  return o.out;
}

std::string dump_c(const Btf& btf) {
  std::vector<uint32_t> roots;
  for (uint32_t id = 1; id < btf.count(); ++id)
    if (is_named_def(*btf.type(id))) roots.push_back(id);
  std::string out =
      "#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n"
      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
      "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n";
  out += definitions(btf, roots);
  out +=
      "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n"
      "#endif /* __VMLINUX_H__ */\n";
  return out;
}

}  // namespace decade::btfc
