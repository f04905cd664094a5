// SPDX-License-Identifier: Apache-2.0
// fmt's compiled part (the functions libfmt.so exports), built from the
// installed headers into the `decade` executable (DECADE_CLI_STATIC in
// CMakeLists.txt) so that it needs no libfmt.so:
// Debian ships fmt as a shared library only, and libfmt.so would bring the
// shared libstdc++ back into a CLI linked with -static-libstdc++. Loading
// and relocating each shared library costs the CLI's cold start (docs/cli.md,
// "Cold start"). The library (libdecade.so) keeps linking libfmt.so.
//
// Without FMT_HEADER_ONLY, format-inl.h defines fmt's non-template functions
// as ordinary external ones; the templates fmt declares `extern template`
// are instantiated below. The executable's definitions come first on the
// link line, so the linker (--as-needed) leaves libfmt.so out; the test
// cli.shared_libraries checks that it does.
#include <fmt/format.h>

#ifndef FMT_HEADER_ONLY  // header-only fmt has nothing to compile
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
namespace dragonbox {
template auto to_decimal(float x) noexcept -> decimal_fp<float>;
template auto to_decimal(double x) noexcept -> decimal_fp<double>;
}  // namespace dragonbox
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto thousands_sep_impl<wchar_t>(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl(locale_ref) -> char;
template auto decimal_point_impl(locale_ref) -> wchar_t;
}  // namespace detail
FMT_END_NAMESPACE
#endif  // FMT_HEADER_ONLY
