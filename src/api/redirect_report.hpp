// SPDX-License-Identifier: Apache-2.0
// Turns the redirect a run recorded with its packet (RedirectInfo) into the
// host's report (Redirect), as the kernel's xdp_do_redirect / skb_do_redirect
// would act on it after the program returned.
#pragma once

#include <optional>

#include "decade/decade.hpp"
#include "runtime/packet_context.hpp"

namespace decade::api {

inline constexpr uint64_t kXdpRedirect = 4, kTcActRedirect = 7, kSkPass = 1;

// The report for a run that returned `retval` (XDP_REDIRECT for xdp,
// TC_ACT_REDIRECT for tc, SK_PASS for sk_skb: `redirect_action`) with `info` recorded; nullopt
// when it did not redirect or no target was chosen. ingress_ifindex is the
// packet's, for BPF_F_EXCLUDE_INGRESS.
std::optional<Redirect> redirect_report(const std::optional<RedirectInfo>& info, uint64_t retval,
                                        uint64_t redirect_action, uint32_t ingress_ifindex);

}  // namespace decade::api
