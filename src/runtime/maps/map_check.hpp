// SPDX-License-Identifier: Apache-2.0
// Whether create_map() can build a definition's map type, without building
// it: verification without a load (BpfObject::verify_programs) refuses the
// programs that use such a map as load() does.
#pragma once
#include "runtime/map.hpp"

namespace decade {

// MapBadType, naming the type and why Decade lacks it, or ok().
Status check_map_type(const MapDef& def);
// Every check create_map() makes of a definition before building it (type,
// sizes, flags, max_entries), for maps built over a pin instead.
Status check_map_def(const MapDef& def);

}  // namespace decade
