// SPDX-License-Identifier: Apache-2.0
// What the files of the C API (c_api*.cpp) share: the handle structs behind
// include/decade/decade.h's opaque types, and the error convention. Every
// entry point runs its body in guarded(), which clears the thread's last
// error and turns what the C++ side might throw (allocation failure) into a
// return value; failures record the Decade error and return its negative
// errno (c_api_errors.cpp has the mapping).
#pragma once

#include <cstddef>
#include <cstring>
#include <deque>
#include <new>
#include <optional>
#include <span>
#include <string>

#include "decade/decade.h"
#include "decade/decade.hpp"

struct decade_program {
  decade_object* owner;
  decade::BpfProgram prog;
  std::string name, section, type;
};

struct decade_map {
  decade::BpfMap map;
  std::string name;
};

struct decade_object {
  decade::BpfObject obj;
  std::deque<decade_program> programs;  // deque: stable addresses
  std::deque<decade_map> maps;
};

struct decade_cancel_token {
  decade::CancelToken token;
};

struct decade_link {
  decade::ProbeLink link;
};

struct decade_ring_buffer {
  std::optional<decade::RingBuffer> rb;
};

namespace decade::capi {

// The errno (positive) a failure with `code` returns negated.
int errno_of(ErrorCode code);
// Records `e` as the thread's last error; returns its negative errno.
int fail(const Error& e);
int fail(ErrorCode code, const char* msg);
void clear_last_error();

template <typename F>
int guarded(F&& f) {
  try {
    clear_last_error();
    return f();
  } catch (const std::bad_alloc&) {
    return fail(ErrorCode::OutOfMemory, "out of memory");
  } catch (...) {
    return fail(ErrorCode::Internal, "unexpected exception");
  }
}

inline int status(const Status& s) { return s ? 0 : fail(s.error()); }

// libbpf's OPTS_VALID: a caller's option struct of `user_sz` bytes (its
// first field) against ours of `known_sz`. Smaller is fine; larger is valid
// only when the bytes we do not know are zero. Copies what both know into
// `out` (zeroed first), so fields the caller's version lacks read as zero.
bool copy_opts(const void* user, size_t known_sz, void* out, const char* what);

template <typename Opts>
bool read_opts(const Opts* user, Opts& out, const char* what) {
  out = Opts{};
  return !user || copy_opts(user, sizeof(Opts), &out, what);
}

// Whether a caller's struct of `sz` bytes has the member ending at `end`.
inline bool covers(size_t sz, size_t end) { return sz >= end; }

// Writes `text` into a libbpf-style log buffer: truncated to size - 1
// bytes and NUL-terminated; nothing when buf is NULL or size 0.
void write_log(char* buf, size_t size, const std::string& text);

// Test runs' host sides (c_api_host.cpp): the tunnel metadata a run starts
// with (false after recording the error), and the redirect, tunnel and
// outcome bits written back into the caller's structs.
bool read_tunnel(const decade_tunnel_key* user, TunnelKey* out);
void put_run_outcome(decade_object* owner, const decade_test_run& in, const TestRunResult& r, decade_test_run* run);

inline std::span<const uint8_t> bytes(const void* p, size_t n) { return {static_cast<const uint8_t*>(p), p ? n : 0}; }
inline std::span<uint8_t> bytes(void* p, size_t n) { return {static_cast<uint8_t*>(p), p ? n : 0}; }

}  // namespace decade::capi
