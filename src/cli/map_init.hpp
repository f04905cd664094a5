// SPDX-License-Identifier: Apache-2.0
// `decade run --map-init FILE`: fills maps of a loaded object before the
// run from the lines `decade map dump` prints. Each line is a JSON element
// {"key": K, "value": V}, keys and values typed through BTF or written as
// hex bytes; the map is named by the element ("map": "NAME") or by the
// header line "NAME (TYPE):" that `map dump` prints before each map's
// elements. Blank lines and lines starting with '#' are skipped. An error
// names the file and line (Error::where).
#pragma once

#include <string>

#include "decade/decade.hpp"

namespace decade::cli {

Status apply_map_init(const BpfObject& obj, const std::string& path);

}  // namespace decade::cli
