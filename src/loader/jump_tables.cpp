// SPDX-License-Identifier: Apache-2.0
#include "loader/jump_tables.hpp"
#include "loader/maps.hpp"

#include <fmt/format.h>
#include <gelf.h>

#include <cstring>

namespace decade {

namespace {

std::unexpected<Error> bad(uint32_t pc, std::string msg) {
  return make_error(ErrorCode::ElfBadJumpTable, std::move(msg), static_cast<int64_t>(pc));
}

}  // namespace

Result<MapDef> make_jump_table(const ElfImage& elf, const ElfSection& sec, uint64_t addr, const JumpTableUser& user,
                               const std::string& program, uint64_t& table_off, uint32_t& symbol) {
  const ElfSymbol* table = nullptr;
  for (const ElfSymbol& s : elf.symbols) {
    if (s.shndx != sec.index || s.type != STT_OBJECT) continue;
    if (addr >= s.value && addr - s.value < s.size) {
      table = &s;
      break;
    }
  }
  if (!table) return bad(user.pc, fmt::format("offset {} of '{}' is in no jump table symbol", addr, sec.name));
  if (table->value > sec.size || table->size > sec.size - table->value || sec.data.size() < sec.size)
    return bad(user.pc, fmt::format("jump table '{}' ({}+{}) lies outside '{}' ({} bytes)", table->name, table->value,
                                    table->size, sec.name, sec.size));
  if (table->value % 8 != 0 || table->size % 8 != 0 || table->size == 0)
    return bad(user.pc, fmt::format("jump table '{}' ({}+{}) is not a whole number of 8-byte entries", table->name,
                                    table->value, table->size));
  if ((addr - table->value) % 8 != 0)
    return bad(user.pc, fmt::format("reference to '{}'+{} is not on an entry", table->name, addr - table->value));
  MapDef d = single_value_map(fmt::format("{}.{}", program, table->name), std::string(kJumpTableSection),
                              std::vector<uint8_t>(table->size), true, false);
  for (uint64_t k = 0; k < table->size / 8; ++k) {
    uint64_t off = 0;
    std::memcpy(&off, sec.data.data() + table->value + 8 * k, 8);
    if (off % 8 != 0 || off / 8 < user.start || off / 8 >= user.end)
      return bad(user.pc, fmt::format("entry {} of jump table '{}' (byte offset {}) is not an instruction of the function "
                                      "at instructions [{}, {}) of '{}'",
                                      k, table->name, off, user.start, user.end, elf.sections[user.shndx].name));
    const uint64_t slot = user.base + off / 8 - user.start;
    std::memcpy(d.initial_value.data() + 8 * k, &slot, 8);
  }
  table_off = addr - table->value;
  symbol = table->index;
  return d;
}

}  // namespace decade
