// SPDX-License-Identifier: Apache-2.0
// selftests_kernel_verdicts: the running kernel's verdict on the programs of
// one BPF object, one program at a time, loaded as the selftests' own loader
// does: libbpf opens the object, only the program under test and the
// auxiliary programs it names are autoloaded, the test's program flags are
// ORed in, and the object is loaded with root's privileges.
//
//   selftests_kernel_verdicts [--unpriv] --probe    exit 0 when bpf() loads a program
//   selftests_kernel_verdicts [--unpriv] OBJ        then one request per stdin line:
//       NAME FLAGS [AUX...]
//   answered on stdout, one line each:
//       NAME<TAB>accept|reject|none<TAB>reason
// "reject" is a verdict of the kernel's verifier (its log says why; the
// reason is its last message line); "none" means the program never reached
// the verifier (libbpf or the kernel failed before: a missing attach
// target, a map type the kernel lacks), with libbpf's last message.
//
// --unpriv first drops the capabilities the selftests' loader drops for its
// unprivileged runs (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_PERFMON, CAP_BPF);
// where kernel.unprivileged_bpf_disabled is set, --probe then fails.
//
// Built by scripts/selftests_verifier.sh against the libbpf sources of the
// same kernel tree as the tests, which know every section they use.
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

enum { kLogSize = 16 << 20, kLineMax = 4096 };

static char last_message[1024];
static int unpriv_mode;  // --unpriv: capabilities dropped

// The map types the selftests' loader still creates in unprivileged runs
// (test_loader.c's is_unpriv_capable_map); the others are left uncreated.
static int unpriv_capable(const struct bpf_map* map) {
  switch (bpf_map__type(map)) {
    case BPF_MAP_TYPE_HASH: case BPF_MAP_TYPE_PERCPU_HASH: case BPF_MAP_TYPE_HASH_OF_MAPS:
      return !(bpf_map__map_flags(map) & BPF_F_ZERO_SEED);
    case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE: case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_RINGBUF:
    case BPF_MAP_TYPE_PROG_ARRAY: case BPF_MAP_TYPE_CGROUP_ARRAY: case BPF_MAP_TYPE_PERCPU_ARRAY:
    case BPF_MAP_TYPE_USER_RINGBUF: case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_CGROUP_STORAGE:
    case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
      return 1;
    default:
      return 0;
  }
}

// libbpf's messages are kept, not printed: the first warning of a load is
// the reason a program got no verdict (the later ones only say that the
// object failed).
static int keep_message(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG || last_message[0]) return 0;
  vsnprintf(last_message, sizeof last_message, fmt, args);
  last_message[strcspn(last_message, "\n")] = 0;
  return 0;
}

static int drop_capabilities(void) {
  struct __user_cap_header_struct head = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  const int caps[] = {CAP_SYS_ADMIN, CAP_NET_ADMIN, 38 /* CAP_PERFMON */, 39 /* CAP_BPF */};
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &head, data)) return -1;
  for (size_t i = 0; i < sizeof caps / sizeof caps[0]; ++i) data[caps[i] / 32].effective &= ~(1u << (caps[i] % 32));
  return (int)syscall(SYS_capset, &head, data);
}

static int probe(void) {
  const struct bpf_insn insns[] = {
      {.code = 0xb7, .dst_reg = 0, .imm = 0},  // r0 = 0
      {.code = 0x95},                          // exit
  };
  int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, 2, NULL);
  if (fd < 0) {
    printf("bpf() refused: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}

// The verifier's closing message: the last line that is neither an
// instruction trace nor statistics.
static void reason_of(const char* log, char* out, size_t size) {
  out[0] = 0;
  const char* at = log;
  while (*at) {
    const char* nl = strchr(at, '\n');
    size_t len = nl ? (size_t)(nl - at) : strlen(at);
    int trace = len == 0 || (at[0] >= '0' && at[0] <= '9') || at[0] == ';' || !strncmp(at, "processed ", 10) ||
                !strncmp(at, "verification time", 17) || !strncmp(at, "stack depth", 11) ||
                !strncmp(at, "from ", 5) || !strncmp(at, "mark_precise", 12) || !strncmp(at, "last_idx", 8) ||
                !strncmp(at, "Func#", 5) || !strncmp(at, "Validating", 10) || at[0] == ' ' || at[0] == '\t';
    if (!trace) snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), at);
    at += len + (nl ? 1 : 0);
  }
}

static int wanted(const char* name, char** names, int count) {
  for (int i = 0; i < count; ++i)
    if (!strcmp(name, names[i])) return 1;
  return 0;
}

// Loads NAME (names[0]) with the auxiliaries names[1..count) and prints its line.
static void load_one(const char* path, char** names, int count, unsigned flags, char* log) {
  char reason[1100] = "";  // room for "open: " and a whole libbpf message
  const char* verdict = "none";
  last_message[0] = 0;
  log[0] = 0;
  struct bpf_object* obj = bpf_object__open_file(path, NULL);
  struct bpf_program *prog, *target = NULL;
  if (!obj) {
    snprintf(reason, sizeof reason, "open: %s", last_message[0] ? last_message : strerror(errno));
    goto out;
  }
  bpf_object__for_each_program(prog, obj) {
    int load = wanted(bpf_program__name(prog), names, count);
    bpf_program__set_autoload(prog, load);
    if (!strcmp(bpf_program__name(prog), names[0])) target = prog;
  }
  if (!target) {
    snprintf(reason, sizeof reason, "no program %s", names[0]);
    goto out;
  }
  if (unpriv_mode) {
    struct bpf_map* map;
    bpf_object__for_each_map(map, obj) bpf_map__set_autocreate(map, unpriv_capable(map));
  }
  bpf_program__set_flags(target, bpf_program__flags(target) | flags);
  bpf_program__set_log_buf(target, log, kLogSize);
  if (bpf_object__load(obj) == 0) {
    verdict = "accept";
  } else if (log[0]) {
    verdict = "reject";
    reason_of(log, reason, sizeof reason);
  } else {
    snprintf(reason, sizeof reason, "%s", last_message[0] ? last_message : "load failed before the verifier");
  }
out:
  for (char* c = reason; *c; ++c)
    if (*c == '\t') *c = ' ';
  printf("%s\t%s\t%s\n", names[0], verdict, reason);
  fflush(stdout);
  bpf_object__close(obj);
}

int main(int argc, char** argv) {
  if (argc >= 2 && !strcmp(argv[1], "--unpriv")) {
    if (drop_capabilities()) {
      printf("could not drop capabilities: %s\n", strerror(errno));
      return 1;
    }
    unpriv_mode = 1;
    --argc;
    ++argv;
  }
  if (argc == 2 && !strcmp(argv[1], "--probe")) return probe();
  if (argc != 2) {
    fprintf(stderr, "usage: selftests_kernel_verdicts --probe | OBJ < requests\n");
    return 2;
  }
  libbpf_set_print(keep_message);
  char* log = malloc(kLogSize);
  char line[kLineMax];
  if (!log) return 2;
  while (fgets(line, sizeof line, stdin)) {
    char* save = NULL;
    char* name = strtok_r(line, " \t\n", &save);
    char* flag_text = strtok_r(NULL, " \t\n", &save);
    if (!name || !flag_text) continue;
    char* names[64] = {name};
    int count = 1;
    for (char* tok; count < 64 && (tok = strtok_r(NULL, " \t\n", &save));) names[count++] = tok;
    load_one(argv[1], names, count, (unsigned)strtoul(flag_text, NULL, 0), log);
  }
  free(log);
  return 0;
}
