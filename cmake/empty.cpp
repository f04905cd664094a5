// SPDX-License-Identifier: Apache-2.0
// Compiled into a module library that has no sources yet, so every module
// target exists from the start and dependents can link it.
namespace decade::detail {
[[maybe_unused]] static int empty_module_anchor = 0;
}
