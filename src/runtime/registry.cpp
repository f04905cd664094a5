// SPDX-License-Identifier: Apache-2.0
#include "runtime/registry.hpp"

#include <mutex>
#include <unordered_map>

namespace decade {
namespace {

struct Registry {
  std::mutex mu;
  uint32_t next_id = 1;
  std::unordered_map<uint32_t, std::shared_ptr<ProgramHandle>> progs;
  std::unordered_map<uint32_t, std::shared_ptr<Map>> maps;
  std::unordered_map<const Map*, uint32_t> map_ids;
};

Registry& reg() {
  static Registry* r = new Registry();  // leaked: lives as long as any map may
  return *r;
}

}  // namespace

uint32_t register_program(std::shared_ptr<ProgramHandle> prog) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  uint32_t id = r.next_id++;
  r.progs[id] = std::move(prog);
  return id;
}

std::shared_ptr<ProgramHandle> find_program(uint32_t id) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  auto it = r.progs.find(id);
  return it == r.progs.end() ? nullptr : it->second;
}

void unregister_program(uint32_t id) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  r.progs.erase(id);
}

uint32_t register_map(std::shared_ptr<Map> map) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  if (auto it = r.map_ids.find(map.get()); it != r.map_ids.end()) return it->second;
  uint32_t id = r.next_id++;
  r.map_ids[map.get()] = id;
  r.maps[id] = std::move(map);
  return id;
}

std::shared_ptr<Map> find_map(uint32_t id) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  auto it = r.maps.find(id);
  return it == r.maps.end() ? nullptr : it->second;
}

uint32_t map_id(const Map* map) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  auto it = r.map_ids.find(map);
  return it == r.map_ids.end() ? 0 : it->second;
}

void unregister_map(uint32_t id) {
  auto& r = reg();
  std::lock_guard lock(r.mu);
  auto it = r.maps.find(id);
  if (it == r.maps.end()) return;
  r.map_ids.erase(it->second.get());
  r.maps.erase(it);
}

}  // namespace decade
