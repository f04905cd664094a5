/* SPDX-License-Identifier: Apache-2.0 */
/* glibc's <gnu/stubs.h> includes this file when __x86_64__ is not defined,
 * as under clang -target bpf; the vendored programs include glibc headers
 * through <linux/if.h>, and the BPF target needs none of its stubs. */
