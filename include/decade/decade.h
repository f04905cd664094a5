/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decade's stable C API: embed a BPF runtime in a C (or any FFI) program.
 *
 *   decade_object *obj;
 *   if (decade_object_open("filter.bpf.o", &obj)) { puts(decade_last_error()); ... }
 *   decade_object_load(obj, NULL);                 // verifies every program
 *   decade_program *prog = decade_object_find_program(obj, "packet_filter");
 *   struct decade_test_run run = { .data_in = pkt, .data_size_in = len };
 *   decade_program_test_run(prog, &run);          // run.retval
 *   decade_object_close(obj);
 *
 * Conventions (libbpf's): functions returning int give 0 (or a count) on
 * success and a negative errno on failure, e.g. -ENOENT for a key or name
 * not found, -EINVAL for bad input, -EACCES for a program the verifier
 * rejects (docs/embedding.md has the whole mapping). The Decade error code
 * behind it, its text, instruction and source line describe the calling
 * thread's last failure: decade_last_error_code(), decade_last_error(),
 * decade_last_error_insn(), decade_last_error_line(). Option structs start
 * with `sz` = sizeof the caller's version: a smaller one is fine (the fields
 * it lacks read as zero), a larger one whose unknown tail is not zero is
 * -EINVAL. Handles are opaque; program and map handles belong to their
 * object and stay valid until decade_object_close. Nothing here aborts or
 * throws.
 */
#ifndef DECADE_DECADE_H
#define DECADE_DECADE_H

#include <stddef.h>
#include <stdint.h>

#include "decade/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Versions (docs/embedding.md, "Versions and ABI") ----
 * The macros are the headers' version; decade_version() the loaded library's. */
#define DECADE_VERSION_MAJOR 0
#define DECADE_VERSION_MINOR 1
#define DECADE_VERSION_PATCH 0
#define DECADE_VERSION_CODE(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))
#define DECADE_VERSION DECADE_VERSION_CODE(DECADE_VERSION_MAJOR, DECADE_VERSION_MINOR, DECADE_VERSION_PATCH)
/* Raised when this header's API changes incompatibly (2: errno returns). */
#define DECADE_C_API_VERSION 2

typedef struct decade_object decade_object;
typedef struct decade_program decade_program;
typedef struct decade_map decade_map;
typedef struct decade_ring_buffer decade_ring_buffer;
typedef struct decade_cancel_token decade_cancel_token;

DECADE_API uint32_t decade_version(void);            /* DECADE_VERSION of the library */
DECADE_API const char *decade_version_string(void);  /* "0.1.0" */
/* Whether this build has a feature: "jit", "interp", "btf", "core",
 * "map_batch", "verifier_log", ..., and "ext:NAME" for each ISA extension
 * (docs/isa-extensions.md), e.g. "ext:bitmanip" (1 yes, 0 no or unknown
 * name). */
DECADE_API int decade_has_feature(const char *name);
/* The features this build has, by position; NULL past the end. */
DECADE_API const char *decade_feature_at(size_t i);

/* ---- Errors ---- */
/* Text of the calling thread's last error ("" when none). Valid until the next call. */
DECADE_API const char *decade_last_error(void);
/* Its Decade code (decade::ErrorCode, e.g. 605 MapKeyNotFound), 0 when none. */
DECADE_API int decade_last_error_code(void);
/* Its instruction index, -1 when it was not about one instruction. */
DECADE_API int64_t decade_last_error_insn(void);
/* Its source line (from BTF line info), 0 when unknown. */
DECADE_API uint32_t decade_last_error_line(void);
/* Name of a Decade code, e.g. "MapKeyNotFound" for 605. */
DECADE_API const char *decade_error_name(int code);
/* The negative errno a failure with Decade code `code` returns (-ENOENT for 605). */
DECADE_API int decade_error_errno(int code);
/* Text of a negative (or positive) errno, like strerror; thread-safe. */
DECADE_API const char *decade_strerror(int err);

/* ---- Host additions ---- */
typedef uint64_t (*decade_host_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

enum decade_arg_type {
  DECADE_ARG_NONE = 0,
  DECADE_ARG_SCALAR,
  DECADE_ARG_MEM,             /* readable memory; size in the next argument */
  DECADE_ARG_UNINIT_MEM,      /* memory the function fills; size in the next argument */
  DECADE_ARG_MEM_SIZE,        /* constant size of the preceding memory, > 0 */
  DECADE_ARG_MEM_SIZE_OR_ZERO,
  DECADE_ARG_CTX,
  DECADE_ARG_MAP,
  DECADE_ARG_MAP_KEY,
  DECADE_ARG_MAP_VALUE,
  DECADE_ARG_CONST_STRING,
};

enum decade_return_type {
  DECADE_RET_INTEGER = 0,
  DECADE_RET_VOID,
  DECADE_RET_MAP_VALUE_OR_NULL,
};

struct decade_function {
  const char *name;
  uint32_t id; /* helpers: the call number; kfuncs: ignored */
  decade_host_fn fn;
  enum decade_return_type ret;
  enum decade_arg_type args[5];
};

/* A helper or kfunc of 6 to 12 arguments (the stackargs extension,
 * docs/isa-extensions.md): arguments 6 and up are numbers the program
 * stores in its stack-argument slots; stack_args (1..7) says how many.
 * Parameters past the count receive 0. args[] types r1-r5 as above. */
typedef uint64_t (*decade_host_fn_wide)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                                        uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
struct decade_function_wide {
  size_t sz; /* sizeof(struct decade_function_wide), for extension */
  const char *name;
  uint32_t id; /* helpers: the call number; kfuncs: ignored */
  decade_host_fn_wide fn;
  uint32_t stack_args;
  enum decade_return_type ret;
  enum decade_arg_type args[5];
};

/* ---- Objects ---- */
DECADE_API int decade_object_open(const char *path, decade_object **out);
DECADE_API int decade_object_open_mem(const void *elf, size_t size, const char *name, decade_object **out);
/* One program of raw bytecode (8-byte slots); type NULL means "raw". */
DECADE_API int decade_object_from_bytecode(const void *code, size_t size, const char *type, decade_object **out);
DECADE_API void decade_object_close(decade_object *obj);

/* Before load. */
DECADE_API int decade_object_set_target_btf(decade_object *obj, const void *btf, size_t size);
DECADE_API int decade_object_set_target_btf_file(decade_object *obj, const char *path);
/* Values of __kconfig externs: "CONFIG_FOO=y\nCONFIG_BAR=42\n" (libbpf's kconfig). */
DECADE_API int decade_object_set_kconfig(decade_object *obj, const char *text);
DECADE_API int decade_object_add_helper(decade_object *obj, const struct decade_function *fn);
DECADE_API int decade_object_add_kfunc(decade_object *obj, const struct decade_function *fn);
/* The same for 6-12 arguments; -EINVAL when stack_args is outside 1..7. */
DECADE_API int decade_object_add_helper_wide(decade_object *obj, const struct decade_function_wide *fn);
DECADE_API int decade_object_add_kfunc_wide(decade_object *obj, const struct decade_function_wide *fn);
DECADE_API int decade_object_set_program_type(decade_object *obj, const char *program, const char *type);
/* Whether load loads `program` (non-zero: yes; libbpf's bpf_program__set_autoload; by
 * default all but "?sec" programs). A program not loaded is not verified,
 * so it cannot fail the load of the others. Before load. */
DECADE_API int decade_object_set_autoload(decade_object *obj, const char *program, int autoload);
/* Program load flags (libbpf's bpf_program__set_flags): BPF_F_STRICT_ALIGNMENT (1)
 * makes the verifier refuse misaligned packet, map value, key and context
 * accesses; BPF_F_ANY_ALIGNMENT (2), the default, overrides it. Other bits:
 * -EOPNOTSUPP. Before load. */
DECADE_API int decade_object_set_program_flags(decade_object *obj, const char *program, uint32_t flags);
/* Lets programs of `type` call helper `helper_id` (both registered). */
DECADE_API int decade_object_allow_helper(decade_object *obj, const char *type, uint32_t helper_id);
/* Privileges, none by default (decade::Grant): DECADE_GRANT_READ_HOST_MEMORY
 * lets tracing programs call bpf_probe_read* inside the ranges added with
 * decade_object_add_readable_range (the kernel's CAP_PERFMON);
 * DECADE_GRANT_PRIVILEGED verifies with the kernel's rules for root (pointer
 * leaks and uninitialised stack reads allowed, the stack zeroed for such
 * programs). Before load and decade_object_verify. */
enum { DECADE_GRANT_READ_HOST_MEMORY = 1, DECADE_GRANT_PRIVILEGED = 2 };
DECADE_API int decade_object_grant(decade_object *obj, uint32_t grant);
DECADE_API int decade_object_add_readable_range(decade_object *obj, const void *start, size_t size);

struct decade_load_opts {
  size_t sz;                           /* sizeof(struct decade_load_opts), for extension */
  const char *engine;                  /* "jit", "interp" or NULL for the default */
  int unverified_checked_execution;    /* the named bypass: no verifier, every access checked */
  uint64_t max_verifier_insns;         /* 0: 1,000,000 */
  uint64_t max_verifier_memory;        /* bytes the verifier may hold per program; 0: 1 GiB */
  /* Host memory for maps (0: the default), checked before allocating; over it
   * the load fails with MapMemoryLimit. Read only when sz covers them. */
  uint64_t map_memory;                 /* most one map holds when full; 0: 1 GiB */
  uint64_t object_map_memory;          /* what the object's maps hold together; 0: 4 GiB */
  /* The verifier log, libbpf style: with log_level 1 (like `-v`) or 2
   * (every state) the log of every program loaded; with log_level 0 and a
   * buffer, the log of a rejected program only. Truncated to log_size
   * bytes, always NUL-terminated. */
  char *log_buf;
  size_t log_size;
  uint32_t log_level;
  /* Stack bytes a program may use (LoadOptions::stack_size; 0: 512). Read
   * only when sz covers it; 64 bits so that it lies past the padding an
   * older struct ended with. */
  uint64_t stack_size;
  /* LoadOptions::pin_maps: pin every map in this directory, re-using the
   * pins of matching maps (NULL: none). Read only when sz covers it. */
  const char *pin_maps;
};
/* -EACCES when a program is rejected (decade_last_error_insn names where). */
DECADE_API int decade_object_load(decade_object *obj, const struct decade_load_opts *opts /* may be NULL */);

struct decade_verify_opts {
  size_t sz;                    /* sizeof(struct decade_verify_opts) */
  const char *program;          /* NULL or "": every program load would load */
  char *log_buf;                /* as in decade_load_opts */
  size_t log_size;
  uint32_t log_level;
  uint64_t max_verifier_insns;  /* 0: 1,000,000 */
  uint64_t max_verifier_memory; /* 0: 1 GiB */
  uint32_t stack_size;          /* as in decade_load_opts; read only when sz covers it */
};
/* Verifies without loading (`decade verify`): 0 when every selected program
 * is accepted, else the first rejection's errno (-EACCES; -E2BIG or -ENOMEM
 * for the verifier's budgets) with the last error naming it. */
DECADE_API int decade_object_verify(decade_object *obj, const struct decade_verify_opts *opts /* may be NULL */);

/* Global data of a section (".rodata", ".data", ".bss", ...): before load the
 * initial image (writable: set const volatile configuration here), after
 * load the live memory (NULL for .rodata, which is frozen: use _view). */
DECADE_API void *decade_object_global(decade_object *obj, const char *section, size_t *size);
DECADE_API const void *decade_object_global_view(decade_object *obj, const char *section, size_t *size);
/* One global variable by name (through BTF), like skel->rodata->name; same rules. */
DECADE_API void *decade_object_global_var(decade_object *obj, const char *name, size_t *size);

DECADE_API size_t decade_object_program_count(const decade_object *obj);
DECADE_API size_t decade_object_map_count(const decade_object *obj);
/* By name, or NULL (with decade_last_error set). NULL or "" gives the first program. */
DECADE_API decade_program *decade_object_find_program(decade_object *obj, const char *name);
DECADE_API decade_map *decade_object_find_map(decade_object *obj, const char *name);
/* By position, 0 .. count-1; NULL past the end. */
DECADE_API decade_program *decade_object_program_at(decade_object *obj, size_t i);
DECADE_API decade_map *decade_object_map_at(decade_object *obj, size_t i);

/* ---- Programs ---- */
DECADE_API const char *decade_program_name(const decade_program *prog);
DECADE_API const char *decade_program_section(const decade_program *prog);
DECADE_API const char *decade_program_type(const decade_program *prog);
DECADE_API uint32_t decade_program_id(const decade_program *prog); /* for prog_array updates */
/* Before load: run the program as `type` ("xdp", "socket_filter", a host type...),
 * libbpf's bpf_program__set_type (decade_object_set_program_type by handle). */
DECADE_API int decade_program_set_type(decade_program *prog, const char *type);
/* Nanoseconds load() spent verifying and compiling the program (0 before load). */
DECADE_API void decade_program_load_times(const decade_program *prog, uint64_t *verify_ns, uint64_t *compile_ns);

/* Tunnel metadata of a tc packet (decade/tunnel.hpp, struct bpf_tunnel_key):
 * what it arrived with (decade_test_run.tunnel_in, for
 * bpf_skb_get_tunnel_key / _opt) or what the program left on it
 * (tunnel_out, from bpf_skb_set_tunnel_key / _opt). */
#define DECADE_TUNNEL_OPTS_MAX 252
struct decade_tunnel_key {
  size_t sz;          /* sizeof(struct decade_tunnel_key) */
  int ipv6;           /* BPF_F_TUNINFO_IPV6 */
  uint64_t id;        /* tunnel_id (VNI, GRE key, ...) */
  uint32_t remote[4]; /* IPv4 in [0], host order; IPv6 as four words */
  uint32_t local[4];
  uint8_t tos;
  uint8_t ttl;
  uint32_t label;     /* IPv6 flow label */
  uint64_t flags;     /* BPF_F_ZERO_CSUM_TX, BPF_F_DONT_FRAGMENT, BPF_F_SEQ_NUMBER, BPF_F_NO_TUNNEL_KEY */
  uint32_t options_size;                   /* bytes of options used */
  uint8_t options[DECADE_TUNNEL_OPTS_MAX]; /* bpf_skb_set_tunnel_opt's bytes */
};

/* Where a test run's packet went (decade::Redirect): XDP_REDIRECT or
 * TC_ACT_REDIRECT after bpf_redirect / bpf_redirect_map chose a target, or
 * SK_PASS after sk_skb's bpf_sk_redirect_map / _hash chose a socket. */
enum { DECADE_REDIRECT_IFINDEX = 0, DECADE_REDIRECT_CPU = 1, DECADE_REDIRECT_XSK = 2, DECADE_REDIRECT_SOCKET = 3 };
struct decade_redirect {
  size_t sz;             /* sizeof(struct decade_redirect) */
  uint32_t kind;         /* out: DECADE_REDIRECT_* */
  uint32_t key;          /* out: bpf_redirect_map's key */
  uint32_t value;        /* out: the entry's first u32 (ifindex, cpumap qsize, xsk socket id) */
  uint64_t flags;        /* out: BPF_F_INGRESS, BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS */
  const decade_map *map; /* out: the map bpf_redirect_map used; NULL for bpf_redirect */
  uint32_t *targets;     /* in: room for targets_cap targets (interfaces, CPU or queue); may be NULL */
  size_t targets_cap;
  size_t target_count;   /* out: how many targets there are (at most targets_cap are copied) */
  uint64_t cookie;       /* out: DECADE_REDIRECT_SOCKET: the socket's cookie (sk_skb's bpf_sk_redirect_map / _hash) */
};

/* A packet copy bpf_clone_redirect sent on (tc, lwt_xmit). */
struct decade_cloned_packet {
  uint32_t ifindex;
  uint32_t ingress;           /* 1 with BPF_F_INGRESS */
  void *data;                 /* optional: receives the copy's bytes (up to data_size) */
  size_t data_size;           /* in: capacity of data; out: the copy's length */
};

/* decade_test_run.outcome bits. */
enum { DECADE_RUN_REDIRECTED = 1, DECADE_RUN_TUNNEL_SET = 2, DECADE_RUN_CLONED = 4 };

struct decade_test_run {
  size_t sz;                  /* sizeof(struct decade_test_run) */
  const void *data_in;        /* packet (xdp, tc, socket_filter) or memory (raw) */
  size_t data_size_in;
  void *data_out;             /* optional: receives the data after the run */
  size_t data_size_out;       /* in: capacity; out: bytes the run produced */
  const void *ctx_in;         /* optional context */
  size_t ctx_size_in;
  void *ctx_out;
  size_t ctx_size_out;
  uint32_t repeat;            /* 0 or 1: once */
  uint64_t retval;            /* out */
  uint64_t duration_ns;       /* out: mean per run */
  /* Read only when sz covers them (sz = sizeof of this version): */
  const decade_cancel_token *cancel; /* optional: stops the run from another thread */
  uint64_t timeout_ns;        /* deadline of the call (all repeats); 0: the program's default */
  const struct decade_tunnel_key *tunnel_in; /* optional (tc): the metadata the packet arrived with */
  struct decade_redirect *redirect;          /* optional: filled when the last run redirected */
  struct decade_tunnel_key *tunnel_out;      /* optional: filled when the last run set tunnel metadata */
  uint32_t outcome;                          /* out: DECADE_RUN_REDIRECTED | DECADE_RUN_TUNNEL_SET | DECADE_RUN_CLONED */
  /* bpf_clone_redirect's copies in the last run: clone_count is how many
   * there were; the first clones_capacity of them fill `clones`. */
  struct decade_cloned_packet *clones;       /* optional */
  uint32_t clones_capacity;
  uint32_t clone_count;                      /* out */
};
/* A run stopped by its token fails with -ECANCELED (ExecCancelled), one past
 * its deadline with -ETIMEDOUT (ExecTimeout); decade_last_error_insn names where. */
DECADE_API int decade_program_test_run(const decade_program *prog, struct decade_test_run *run);
/* Default deadline of the program's test runs, in ns (0: none). */
DECADE_API void decade_program_set_timeout(const decade_program *prog, uint64_t timeout_ns);

/* ---- The routing table bpf_fib_lookup answers from (decade/fib.hpp) ----
 * Filled from the text format of docs/helpers.md ("dev", "route", "neigh"
 * lines) and shared with the objects it is set on: entries added later are
 * seen by their next lookup. Set it before load (-EINVAL after). */
typedef struct decade_fib decade_fib;
DECADE_API decade_fib *decade_fib_new(void); /* NULL when out of memory */
/* Adds the entries of `text`; -EINVAL (FibBadEntry) names the line. */
DECADE_API int decade_fib_parse(decade_fib *fib, const char *text);
DECADE_API void decade_fib_clear(decade_fib *fib);
DECADE_API void decade_fib_free(decade_fib *fib); /* the objects it is set on keep the table */
DECADE_API int decade_object_set_fib(decade_object *obj, const decade_fib *fib);

/* ---- bpf_printk output of an object's test runs (the trace buffer) ----
 * The lines waiting, oldest first, each ending in '\n', as one malloc'd
 * string (free() it), and removed; "" when there are none; NULL on error. */
DECADE_API char *decade_object_drain_trace(decade_object *obj);
DECADE_API uint64_t decade_object_trace_dropped(const decade_object *obj); /* lines lost to a full buffer */
/* Each line (without '\n') goes to fn as the program writes it, instead of
 * the buffer; fn NULL restores the buffer. fn may run on any thread that
 * runs the object's programs. */
typedef void (*decade_trace_fn)(void *ctx, const char *line, size_t len);
DECADE_API int decade_object_set_trace_callback(decade_object *obj, decade_trace_fn fn, void *ctx);

/* ---- Perf buffers (libbpf's perf_buffer) ----
 * Reads what programs send with bpf_perf_event_output to a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: one ring of page_cnt pages per CPU. */
typedef struct decade_perf_buffer decade_perf_buffer;
typedef void (*decade_perf_sample_fn)(void *ctx, int cpu, const void *data, uint32_t size);
typedef void (*decade_perf_lost_fn)(void *ctx, int cpu, uint64_t count);
struct decade_perf_buffer_opts {
  size_t sz;               /* sizeof(struct decade_perf_buffer_opts) */
  decade_perf_lost_fn lost; /* optional: samples a full ring dropped, before the next sample */
};
DECADE_API int decade_perf_buffer_new(const decade_map *map, size_t page_cnt, decade_perf_sample_fn sample, void *ctx,
                                      const struct decade_perf_buffer_opts *opts /* may be NULL */,
                                      decade_perf_buffer **out);
/* Records handled (samples and lost notices), or a negative errno. */
DECADE_API int decade_perf_buffer_poll(decade_perf_buffer *pb, int timeout_ms);
DECADE_API int decade_perf_buffer_consume(decade_perf_buffer *pb);
DECADE_API void decade_perf_buffer_free(decade_perf_buffer *pb); /* empties the map's slots it filled */

/* ---- User-space probes (docs/uprobes.md) ----
 * Attaches a loaded uprobe / uretprobe program to a function of this
 * process, like libbpf's bpf_program__attach_uprobe_opts. The link detaches
 * when destroyed; destroy links before their object. */
typedef struct decade_link decade_link;
struct decade_uprobe_opts {
  size_t sz;            /* sizeof(struct decade_uprobe_opts) */
  const char *binary;   /* with function: the file or library ("libc.so.6"); NULL/"": the executable */
  const char *function; /* NULL: attach at address */
  uint64_t address;     /* an instruction inside a function, when function is NULL */
  uint64_t offset;      /* bytes past the function (or address) */
  uint64_t cookie;      /* bpf_get_attach_cookie */
  int retprobe;         /* non-zero: run on return (offset 0) */
};
/* 0 with *link set, or a negative errno (-ENOENT: no such function,
 * -EFAULT: not code, -EINVAL: a function that cannot be patched; the Decade
 * code, 800..805, through decade_last_error_code()). */
DECADE_API int decade_program_attach_uprobe(const decade_program *prog, const struct decade_uprobe_opts *opts,
                                            decade_link **link);
/* Attaches a loaded usdt program to every site of provider:name, like
 * libbpf's bpf_program__attach_usdt (the object includes <bpf/usdt.bpf.h>).
 * 0 with *link set, or a negative errno (-ENOENT: no such binary or probe;
 * the Decade code, 806/807 included, through decade_last_error_code()). */
struct decade_usdt_opts {
  size_t sz;            /* sizeof(struct decade_usdt_opts) */
  const char *binary;   /* the file or library; NULL/"": the executable */
  const char *provider;
  const char *name;
  uint64_t cookie;      /* bpf_usdt_cookie */
};
DECADE_API int decade_program_attach_usdt(const decade_program *prog, const struct decade_usdt_opts *opts,
                                          decade_link **link);
/* Detaches (waiting until no thread runs the program for it) and frees; NULL is a no-op. */
DECADE_API int decade_link_destroy(decade_link *link);

/* ---- Cancellation (docs/runtime-control.md) ----
 * A token stops, for good, every run that uses it, from any thread, within
 * about 100 us; what the run held is given back (spin locks unlocked, ring
 * buffer records discarded, iterators destroyed). Thread-safe. */
DECADE_API decade_cancel_token *decade_cancel_token_new(void); /* NULL when out of memory */
DECADE_API void decade_cancel_token_cancel(const decade_cancel_token *token);
DECADE_API int decade_cancel_token_cancelled(const decade_cancel_token *token);
DECADE_API void decade_cancel_token_free(decade_cancel_token *token); /* not while a run uses it */
/* The signal that interrupts JIT runs to stop them (SIGRTMIN + 6 unless
 * chosen): decade::set_jit_stop_signal's rules. 0, or -EINVAL (the code
 * through decade_last_error_code()) for a signal it does not accept. */
DECADE_API int decade_set_jit_stop_signal(int signo);
DECADE_API int decade_jit_stop_signal(void); /* the signal in use; 0 without a JIT */

/* ---- Maps ---- */
enum { DECADE_ANY = 0, DECADE_NOEXIST = 1, DECADE_EXIST = 2 };

DECADE_API const char *decade_map_name(const decade_map *map);
DECADE_API uint32_t decade_map_type(const decade_map *map); /* BPF_MAP_TYPE_* */
DECADE_API uint32_t decade_map_key_size(const decade_map *map);
DECADE_API uint32_t decade_map_value_size(const decade_map *map);      /* as programs see it */
DECADE_API uint32_t decade_map_host_value_size(const decade_map *map); /* as lookup/update exchange it (per-CPU) */
DECADE_API uint32_t decade_map_max_entries(const decade_map *map);
DECADE_API uint32_t decade_map_id(const decade_map *map);
/* Sizes must match the map's exactly. */
DECADE_API int decade_map_lookup(const decade_map *map, const void *key, void *value);
DECADE_API int decade_map_update(const decade_map *map, const void *key, const void *value, uint64_t flags);
DECADE_API int decade_map_delete(const decade_map *map, const void *key);
/* key NULL gives the first key. Returns 0, or -ENOENT at the end. */
DECADE_API int decade_map_get_next_key(const decade_map *map, const void *key, void *next_key);
DECADE_API int decade_map_push(const decade_map *map, const void *value, uint64_t flags);
DECADE_API int decade_map_pop(const decade_map *map, void *value);
/* The contents as text (one JSON line per element), malloc'd; free() it. NULL on error. */
DECADE_API char *decade_map_dump(const decade_map *map);

/* Batches, libbpf's bpf_map_*_batch: keys and values are packed arrays of
 * *count elements; *count returns how many were processed. */
struct decade_map_batch_opts {
  size_t sz;           /* sizeof(struct decade_map_batch_opts) */
  uint64_t elem_flags; /* update: DECADE_ANY / NOEXIST / EXIST; others 0 */
  uint64_t flags;      /* 0 */
};
/* A walk: in_batch NULL starts it; out_batch (key_size bytes) receives the
 * position to pass as in_batch next time. -ENOENT when the walk has reached
 * the end (*count then says how many this last call copied). */
DECADE_API int decade_map_lookup_batch(const decade_map *map, const void *in_batch, void *out_batch, void *keys,
                                       void *values, uint32_t *count, const struct decade_map_batch_opts *opts);
DECADE_API int decade_map_lookup_and_delete_batch(const decade_map *map, const void *in_batch, void *out_batch, void *keys,
                                                  void *values, uint32_t *count, const struct decade_map_batch_opts *opts);
DECADE_API int decade_map_update_batch(const decade_map *map, const void *keys, const void *values, uint32_t *count,
                                       const struct decade_map_batch_opts *opts);
DECADE_API int decade_map_delete_batch(const decade_map *map, const void *keys, uint32_t *count,
                                       const struct decade_map_batch_opts *opts);

/* ---- Ring buffers ---- */
/* Return a negative value to stop consumption; it is passed back. */
typedef int (*decade_ring_buffer_sample_fn)(void *ctx, const void *data, size_t size);
DECADE_API int decade_ring_buffer_new(const decade_map *map, decade_ring_buffer_sample_fn fn, void *ctx,
                                      decade_ring_buffer **out);
DECADE_API int decade_ring_buffer_add(decade_ring_buffer *rb, const decade_map *map, decade_ring_buffer_sample_fn fn, void *ctx);
/* Records consumed (>= 0), a callback's negative value, or a negative error. */
DECADE_API int decade_ring_buffer_poll(decade_ring_buffer *rb, int timeout_ms);
DECADE_API int decade_ring_buffer_consume(decade_ring_buffer *rb);
DECADE_API int decade_ring_buffer_fd(const decade_ring_buffer *rb);
DECADE_API void decade_ring_buffer_free(decade_ring_buffer *rb);

#ifdef __cplusplus
}
#endif

#endif /* DECADE_DECADE_H */
