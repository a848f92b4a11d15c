// SPDX-License-Identifier: MIT
#include "linux_states.hpp"

#include <array>

namespace tcptable::inline v0_1 {
namespace {

// Indexed by Linux state (include/net/tcp_states.h).
constexpr std::array<tcp_state, 14> linux_to_mib{{
    tcp_state{0},             // 0: not a Linux state
    tcp_state::established,   // TCP_ESTABLISHED
    tcp_state::syn_sent,      // TCP_SYN_SENT
    tcp_state::syn_received,  // TCP_SYN_RECV
    tcp_state::fin_wait1,     // TCP_FIN_WAIT1
    tcp_state::fin_wait2,     // TCP_FIN_WAIT2
    tcp_state::time_wait,     // TCP_TIME_WAIT
    tcp_state::closed,        // TCP_CLOSE
    tcp_state::close_wait,    // TCP_CLOSE_WAIT
    tcp_state::last_ack,      // TCP_LAST_ACK
    tcp_state::listen,        // TCP_LISTEN
    tcp_state::closing,       // TCP_CLOSING
    tcp_state::syn_received,  // TCP_NEW_SYN_RECV
    tcp_state::closed,        // TCP_BOUND_INACTIVE
}};

}  // namespace

namespace detail {

std::optional<tcp_state> mib_state_from_linux(unsigned linux_state) noexcept {
    if (linux_state < linux_state_min || linux_state > linux_state_max) return std::nullopt;
    return linux_to_mib[linux_state];
}

std::optional<tcp_state> udp_state_from_linux(unsigned linux_state) noexcept {
    constexpr unsigned tcp_established = 1, tcp_close = 7;
    if (linux_state == tcp_close) return tcp_state::closed;
    if (linux_state == tcp_established) return tcp_state::established;
    return std::nullopt;
}

std::uint32_t linux_state_mask(state_set states) noexcept {
    std::uint32_t mask = 0;
    // TCP_BOUND_INACTIVE is left out on purpose: /proc, ss and netstat never list it.
    for (unsigned l = linux_state_min; l < linux_state_max; ++l)
        if (states.contains(linux_to_mib[l])) mask |= 1u << l;
    return mask;
}

}  // namespace detail
}  // namespace tcptable::inline v0_1
