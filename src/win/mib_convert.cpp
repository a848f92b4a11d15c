// SPDX-License-Identifier: MIT
#include "mib_convert.hpp"

#include "mib_format.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

// tcp_state has MIB_TCP_STATE's values, so a MIB state converts by range check alone.
std::optional<tcp_state> state_from_mib(std::uint32_t state) noexcept {
    if (state < static_cast<std::uint32_t>(tcp_state::closed) ||
        state > static_cast<std::uint32_t>(tcp_state::delete_tcb))
        return std::nullopt;
    return static_cast<tcp_state>(state);
}

// A zone index tells apart the links of a link-local address (RFC 4007, section 6); every other
// address has a single zone, so its scope id is dropped. Windows fills it for any address
// (MIB_TCP6ROW: dwLocalScopeId), which would make "::1" rows differ from Linux's.
ip_address v6_from_mib(const std::array<std::uint8_t, 16>& bytes, std::uint32_t scope) noexcept {
    const ip_address a = ip_address::v6(bytes);
    return a.is_link_local() ? ip_address::v6(bytes, scope) : a;
}

void set_owner(tcp_row& row, std::uint32_t pid, bool with_owner) noexcept {
    // Windows names one owning process per row; 0 is the System Idle Process, which the MIB
    // reports for TIME-WAIT rows (no socket holds them).
    if (with_owner && pid != 0) {
        row.pid = pid;
        row.owner_count = 1;
    }
}

}  // namespace

std::optional<tcp_row> row_from_mib(const mib_row_v4& mib, bool with_owner) noexcept {
    auto state = state_from_mib(mib.state);
    if (!state) return std::nullopt;
    tcp_row row;
    row.state = *state;
    row.local_address = address_from_mib_dword(mib.local_addr);
    row.local_port = port_from_mib_dword(mib.local_port);
    // A listener's remote address and port have no meaning (MIB_TCPROW: dwRemoteAddr); Linux
    // and netstat show 0.0.0.0:0, so the row says that.
    if (row.state != tcp_state::listen) {
        row.remote_address = address_from_mib_dword(mib.remote_addr);
        row.remote_port = port_from_mib_dword(mib.remote_port);
    }
    set_owner(row, mib.owning_pid, with_owner);
    return row;
}

std::optional<tcp_row> row_from_mib(const mib_row_v6& mib, bool with_owner) noexcept {
    auto state = state_from_mib(mib.state);
    if (!state) return std::nullopt;
    tcp_row row;
    row.state = *state;
    row.local_address = v6_from_mib(mib.local_addr, mib.local_scope_id);
    row.local_port = port_from_mib_dword(mib.local_port);
    // As for IPv4: a listener's remote end has no meaning (MIB_TCP6ROW: dwRemotePort).
    if (row.state != tcp_state::listen) {
        row.remote_address = v6_from_mib(mib.remote_addr, mib.remote_scope_id);
        row.remote_port = port_from_mib_dword(mib.remote_port);
    } else {
        row.remote_address = ip_address::v6({});
    }
    set_owner(row, mib.owning_pid, with_owner);
    return row;
}

udp_row udp_row_from_mib(const mib_udp_row_v4& mib, bool with_owner) noexcept {
    udp_row row;
    row.local_address = address_from_mib_dword(mib.local_addr);
    row.local_port = port_from_mib_dword(mib.local_port);
    // Windows names one owner per row; pid 0 (System Idle) names none.
    if (with_owner && mib.owning_pid != 0) {
        row.pid = mib.owning_pid;
        row.owner_count = 1;
    }
    return row;
}

udp_row udp_row_from_mib(const mib_udp_row_v6& mib, bool with_owner) noexcept {
    udp_row row;
    row.local_address = v6_from_mib(mib.local_addr, mib.local_scope_id);
    row.local_port = port_from_mib_dword(mib.local_port);
    row.remote_address = ip_address::v6({});
    if (with_owner && mib.owning_pid != 0) {
        row.pid = mib.owning_pid;
        row.owner_count = 1;
    }
    return row;
}

void add_mib_statistics(tcp_statistics& stats, const mib_tcp_stats& mib, bool first) noexcept {
    if (first) {
        stats.rto_algorithm = mib.rto_algorithm;
        stats.rto_min = mib.rto_min;
        stats.rto_max = mib.rto_max;
        // MIB_TCP_MAXCONN_DYNAMIC is (DWORD)-1: the DWORD is a signed count.
        stats.max_conn = static_cast<std::int32_t>(mib.max_conn);
    }
    stats.active_opens += mib.active_opens;
    stats.passive_opens += mib.passive_opens;
    stats.attempt_fails += mib.attempt_fails;
    stats.estab_resets += mib.estab_resets;
    stats.curr_estab += mib.curr_estab;
    stats.in_segs += mib.in_segs;
    stats.out_segs += mib.out_segs;
    stats.retrans_segs += mib.retrans_segs;
    stats.in_errs += mib.in_errs;
    stats.out_rsts += mib.out_rsts;
}

}  // namespace tcptable::inline v0_1::detail
