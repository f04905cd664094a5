// SPDX-License-Identifier: Apache-2.0
// Where `decade trace` attaches a program, from its section name
// (src/agent/trace_sections.hpp, libbpf's conventions).
#include <gtest/gtest.h>

#include "agent/trace_sections.hpp"

namespace {

using decade::ErrorCode;
using decade::agent::parse_trace_section;
using Kind = decade::agent::TraceTarget::Kind;

struct Good {
  const char* section;
  Kind kind;
  const char* binary;
  const char* function;
  uint64_t offset;
  const char* provider;
  const char* name;
};

TEST(TraceSections, Targets) {
  const Good cases[] = {
      {"uprobe/trace_target:traced_add", Kind::Uprobe, "trace_target", "traced_add", 0, "", ""},
      {"uprobe/libc.so.6:malloc+0x10", Kind::Uprobe, "libc.so.6", "malloc", 16, "", ""},
      {"uprobe//usr/bin/prog:main+4", Kind::Uprobe, "/usr/bin/prog", "main", 4, "", ""},
      {"uretprobe/libc.so.6:free", Kind::Uretprobe, "libc.so.6", "free", 0, "", ""},
      {"usdt/trace_target:decade_trace:tick", Kind::Usdt, "trace_target", "", 0, "decade_trace", "tick"},
  };
  for (const Good& c : cases) {
    SCOPED_TRACE(c.section);
    auto t = parse_trace_section(c.section);
    ASSERT_TRUE(t && *t);
    EXPECT_EQ((*t)->kind, c.kind);
    EXPECT_EQ((*t)->binary, c.binary);
    EXPECT_EQ((*t)->function, c.function);
    EXPECT_EQ((*t)->offset, c.offset);
    EXPECT_EQ((*t)->provider, c.provider);
    EXPECT_EQ((*t)->name, c.name);
  }
}

TEST(TraceSections, OtherSectionsAreNotProbes) {
  for (const char* s : {"xdp", "tc", "kprobe/do_sys_open", "uprobes", "usdtx/a:b:c", "tracepoint/x/y"}) {
    auto t = parse_trace_section(s);
    ASSERT_TRUE(t) << s;
    EXPECT_FALSE(*t) << s;
  }
}

TEST(TraceSections, BadTargetsAreRefused) {
  for (const char* s : {"uprobe", "uretprobe", "usdt", "uprobe/", "uprobe/prog", "uprobe/prog:", "uprobe/:f",
                        "uprobe/prog:+4", "uprobe/prog:f+", "uprobe/prog:f+x", "uretprobe/prog:f+8", "usdt/prog:p",
                        "usdt/prog:p:", "usdt/prog::n", "usdt/prog:p:n:x"}) {
    auto t = parse_trace_section(s);
    ASSERT_FALSE(t) << s;
    EXPECT_EQ(t.error().code, ErrorCode::ProbeBadSection) << s;
  }
}

}  // namespace
