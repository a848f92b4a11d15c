// SPDX-License-Identifier: MIT
// Linux's TCP state numbering and its inet_diag state mask, mapped to the MIB states.
#pragma once

#include <cstdint>
#include <optional>
#include <tcptable/tcp_state.hpp>

namespace tcptable::inline v0_1::detail {

// Linux TCP states (include/net/tcp_states.h): TCP_ESTABLISHED = 1 ... TCP_BOUND_INACTIVE = 13.
inline constexpr unsigned linux_state_min = 1;
inline constexpr unsigned linux_state_max = 13;

// Maps a Linux state to the MIB state. nullopt for a value Linux does not define (0, > 13):
// callers report it as a parse error rather than guess.
// TCP_NEW_SYN_RECV (a request socket) is SYN-RECEIVED, as ss prints it. TCP_BOUND_INACTIVE
// (bound, never listened or connected; kernel >= 6.8) is CLOSED, which is what the MIB calls a
// socket with no connection; the backends do not ask for it, as /proc does not list it.
std::optional<tcp_state> mib_state_from_linux(unsigned linux_state) noexcept;

// A UDP socket's sk_state, which Linux keeps in TCP's numbering: TCP_CLOSE (unconnected) is
// CLOSED, TCP_ESTABLISHED (connect(2)ed) is ESTABLISHED; anything else is nullopt.
std::optional<tcp_state> udp_state_from_linux(unsigned linux_state) noexcept;

// The Linux states a MIB state covers, as an inet_diag idiag_states bit mask (bit n = state n).
std::uint32_t linux_state_mask(state_set states) noexcept;

}  // namespace tcptable::inline v0_1::detail
