/* SPDX-License-Identifier: Apache-2.0 */
/* DECADE_API marks what libdecade exports: every function of the C API
 * (decade.h) and the public C++ classes and functions (decade.hpp, fib.hpp,
 * error.hpp). The library is compiled with -fvisibility=hidden and
 * -fvisibility-inlines-hidden, so a declaration without the mark stays
 * inside libdecade.so; cmake/decade.map, the version script, is a second
 * guard over the same list. A host that includes these headers only gets
 * the attribute on declarations, which changes nothing for it. */
#ifndef DECADE_EXPORT_H
#define DECADE_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define DECADE_API __attribute__((visibility("default")))
#else
#define DECADE_API
#endif

#endif /* DECADE_EXPORT_H */
