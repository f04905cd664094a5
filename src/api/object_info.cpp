// SPDX-License-Identifier: Apache-2.0
// Read-only views of an object for tools: its BTF as text.
#include "api/btf_format.hpp"
#include "api/object_impl.hpp"

namespace decade {

Result<std::string> BpfObject::btf_dump() const {
  if (auto s = impl_->check_ready(); !s) return std::unexpected(s.error());
  if (!impl_->object.btf) return make_error(ErrorCode::ElfBadSection, "the object has no BTF (compile with -g)");
  return api::dump_btf(*impl_->object.btf);
}

const Btf* api::Access::btf(const BpfObject& o) { return o.impl_->object.btf.get(); }

}  // namespace decade
