// SPDX-License-Identifier: Apache-2.0
// Process-wide ids for programs and maps: what the kernel's file descriptors
// are to prog_array and map-in-map values. The host registers a program or
// map, writes its id into the outer map with host_update, and host_lookup
// gives the id back. Ids start at 1 and are never reused.
#pragma once

#include <cstdint>
#include <memory>

#include "runtime/engine.hpp"
#include "runtime/map.hpp"

namespace decade {

uint32_t register_program(std::shared_ptr<ProgramHandle> prog);
std::shared_ptr<ProgramHandle> find_program(uint32_t id);
void unregister_program(uint32_t id);

uint32_t register_map(std::shared_ptr<Map> map);
std::shared_ptr<Map> find_map(uint32_t id);
uint32_t map_id(const Map* map);  // 0 when not registered
void unregister_map(uint32_t id);

}  // namespace decade
