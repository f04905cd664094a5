// SPDX-License-Identifier: Apache-2.0
// FibTable: the host's interfaces, routes and neighbours, and the text
// format `decade run --fib FILE` reads (include/decade/fib.hpp).
#include <arpa/inet.h>

#include <charconv>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "runtime/fib.hpp"

namespace decade {
namespace {

std::unexpected<Error> bad(std::string what) { return make_error(ErrorCode::FibBadEntry, std::move(what)); }

Result<MacAddr> parse_mac(std::string_view s) {
  MacAddr mac{};
  size_t pos = 0;
  for (size_t i = 0; i < 6; ++i) {
    if (i && (pos >= s.size() || s[pos++] != ':')) return bad(fmt::format("bad MAC address '{}'", s));
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data() + pos, s.data() + std::min(s.size(), pos + 2), v, 16);
    if (ec != std::errc{} || end == s.data() + pos) return bad(fmt::format("bad MAC address '{}'", s));
    mac[i] = static_cast<uint8_t>(v);
    pos = static_cast<size_t>(end - s.data());
  }
  if (pos != s.size()) return bad(fmt::format("bad MAC address '{}'", s));
  return mac;
}

Result<uint32_t> parse_u32(std::string_view s) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return bad(fmt::format("bad number '{}'", s));
  return v;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

// Applies `fn(key, value)` to the "key value" pairs from w[start]; single
// words (noforward, blackhole, ...) go to `flag`.
template <typename Pair, typename Flag>
Status options(const std::vector<std::string_view>& w, size_t start, Pair pair, Flag flag) {
  for (size_t i = start; i < w.size(); ++i) {
    if (auto s = flag(w[i]); s.has_value()) {
      if (!*s) return std::unexpected(s->error());
      continue;
    }
    if (i + 1 >= w.size()) return bad(fmt::format("'{}' needs a value", w[i]));
    if (auto s = pair(w[i], w[i + 1]); !s) return s;
    ++i;
  }
  return ok();
}

Status parse_dev(FibTable& t, const std::vector<std::string_view>& w) {
  if (w.size() < 2) return bad("dev needs an ifindex");
  FibTable::Interface i;
  auto idx = parse_u32(w[1]);
  if (!idx) return std::unexpected(idx.error());
  i.ifindex = *idx;
  auto pair = [&](std::string_view k, std::string_view v) -> Status {
    if (k == "mac") {
      auto m = parse_mac(v);
      if (!m) return std::unexpected(m.error());
      i.mac = *m;
    } else if (k == "mtu") {
      auto n = parse_u32(v);
      if (!n) return std::unexpected(n.error());
      i.mtu = *n;
    } else if (k == "addr" || k == "addr6") {
      auto a = IpAddr::parse(v);
      if (!a) return std::unexpected(a.error());
      if (a->family != (k == "addr" ? 4 : 6)) return bad(fmt::format("{} {}: wrong address family", k, v));
      (a->family == 4 ? i.ipv4 : i.ipv6) = *a;
    } else {
      return bad(fmt::format("dev: unknown option '{}'", k));
    }
    return ok();
  };
  auto flag = [&](std::string_view k) -> std::optional<Status> {
    if (k != "noforward") return std::nullopt;
    i.forwarding = false;
    return ok();
  };
  if (auto s = options(w, 2, pair, flag); !s) return s;
  return t.add_interface(i);
}

Status parse_prefix(std::string_view s, FibTable::Route& r) {
  const size_t slash = s.find('/');
  auto a = IpAddr::parse(s.substr(0, slash));
  if (!a) return std::unexpected(a.error());
  r.prefix = *a;
  r.prefix_len = a->family == 4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    auto n = parse_u32(s.substr(slash + 1));
    if (!n) return std::unexpected(n.error());
    if (*n > r.prefix_len) return bad(fmt::format("prefix length of '{}' too large", s));
    r.prefix_len = static_cast<uint8_t>(*n);
  }
  return ok();
}

Status parse_route(FibTable& t, const std::vector<std::string_view>& w) {
  if (w.size() < 2) return bad("route needs a prefix");
  FibTable::Route r;
  if (auto s = parse_prefix(w[1] == "default" ? std::string_view("0.0.0.0/0") : w[1], r); !s) return s;
  auto pair = [&](std::string_view k, std::string_view v) -> Status {
    if (k == "via" || k == "src") {
      auto a = IpAddr::parse(v);
      if (!a) return std::unexpected(a.error());
      (k == "via" ? r.gateway : r.prefsrc) = *a;
      return ok();
    }
    auto n = parse_u32(v);
    if (!n) return std::unexpected(n.error());
    if (k == "dev") r.oif = *n;
    else if (k == "metric") r.metric = *n;
    else if (k == "mtu") r.mtu = *n;
    else if (k == "table") r.table = *n;
    else return bad(fmt::format("route: unknown option '{}'", k));
    return ok();
  };
  auto flag = [&](std::string_view k) -> std::optional<Status> {
    using T = FibTable::RouteType;
    if (k == "blackhole") r.type = T::Blackhole;
    else if (k == "unreachable") r.type = T::Unreachable;
    else if (k == "prohibit") r.type = T::Prohibit;
    else if (k == "local") r.type = T::Local;
    else return std::nullopt;
    return ok();
  };
  if (auto s = options(w, 2, pair, flag); !s) return s;
  return t.add_route(r);
}

Status parse_neigh(FibTable& t, const std::vector<std::string_view>& w) {
  if (w.size() < 2) return bad("neigh needs an address");
  FibTable::Neighbour n;
  auto a = IpAddr::parse(w[1]);
  if (!a) return std::unexpected(a.error());
  n.addr = *a;
  bool has_mac = false;
  auto pair = [&](std::string_view k, std::string_view v) -> Status {
    if (k == "lladdr") {
      auto m = parse_mac(v);
      if (!m) return std::unexpected(m.error());
      n.mac = *m;
      has_mac = true;
      return ok();
    }
    if (k != "dev") return bad(fmt::format("neigh: unknown option '{}'", k));
    auto i = parse_u32(v);
    if (!i) return std::unexpected(i.error());
    n.ifindex = *i;
    return ok();
  };
  if (auto s = options(w, 2, pair, [](std::string_view) -> std::optional<Status> { return std::nullopt; }); !s)
    return s;
  if (!has_mac || !n.ifindex) return bad("neigh needs dev and lladdr");
  return t.add_neighbour(n);
}

}  // namespace

Result<IpAddr> IpAddr::parse(std::string_view text) {
  const std::string s(text);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
    return a;
  }
  return bad(fmt::format("bad IP address '{}'", text));
}

FibTable::FibTable() : state_(std::make_shared<State>()) {}

Status FibTable::add_interface(const Interface& i) {
  if (!i.ifindex) return bad("interface with ifindex 0");
  std::unique_lock lock(state_->mu);
  for (Interface& x : state_->interfaces)
    if (x.ifindex == i.ifindex) {
      x = i;
      return ok();
    }
  state_->interfaces.push_back(i);
  return ok();
}

Status FibTable::add_route(const Route& r) {
  if (r.prefix.family != 4 && r.prefix.family != 6) return bad("route without a prefix");
  if (r.prefix_len > (r.prefix.family == 4 ? 32 : 128)) return bad("route prefix longer than its address");
  if ((r.gateway && r.gateway->family != r.prefix.family) || (r.prefsrc && r.prefsrc->family != r.prefix.family))
    return bad("route gateway or source of another address family");
  std::unique_lock lock(state_->mu);
  if (r.type == RouteType::Unicast) {
    bool found = false;
    for (const Interface& x : state_->interfaces) found = found || x.ifindex == r.oif;
    if (!found) return bad(fmt::format("route: no interface {} (add it with dev first)", r.oif));
  }
  state_->routes.push_back(r);
  return ok();
}

Status FibTable::add_neighbour(const Neighbour& n) {
  if (n.addr.family != 4 && n.addr.family != 6) return bad("neighbour without an address");
  std::unique_lock lock(state_->mu);
  for (Neighbour& x : state_->neighbours)
    if (x.ifindex == n.ifindex && x.addr.family == n.addr.family && x.addr.bytes == n.addr.bytes) {
      x = n;
      return ok();
    }
  state_->neighbours.push_back(n);
  return ok();
}

void FibTable::clear() {
  std::unique_lock lock(state_->mu);
  state_->interfaces.clear();
  state_->routes.clear();
  state_->neighbours.clear();
}

Status FibTable::parse(std::string_view text) {
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = line.substr(0, line.find('#'));
    const std::vector<std::string_view> w = words(line);
    if (w.empty()) continue;
    Status s = ok();
    if (w[0] == "dev") s = parse_dev(*this, w);
    else if (w[0] == "route") s = parse_route(*this, w);
    else if (w[0] == "neigh") s = parse_neigh(*this, w);
    else s = bad(fmt::format("unknown entry '{}'", w[0]));
    if (!s) return bad(fmt::format("line {}: {}", line_no, s.error().message));
  }
  return ok();
}

}  // namespace decade
