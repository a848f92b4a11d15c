// SPDX-License-Identifier: MIT
// GetTcpStatistics and GetTcpStatisticsEx over tcptable::statistics, for programs ported from
// Windows. Kept apart from win32_api.cpp because it is the only Win32 function that needs the
// statistics reader.
#include <cstring>
#include <tcptable/statistics.hpp>

#include "win32_api.hpp"

// Last: the Win32 headers define macros that must not reach the C++ headers above.
#include <tcptable/win32/iphlpapi.h>
#include <tcptable/win32/winsock2.h>

namespace {

// MIB counters are 32-bit (RFC 1213 Counter32): the 64-bit Linux values wrap, as they would on
// Windows. Signed limits keep their meaning: -1 (dynamic) becomes MIB_TCP_MAXCONN_DYNAMIC.
DWORD counter32(std::uint64_t value) noexcept { return static_cast<DWORD>(value); }
DWORD signed32(std::int64_t value) noexcept { return static_cast<DWORD>(value); }

ULONG fill_statistics(PMIB_TCPSTATS out, tcptable::address_family family) noexcept {
    if (out == nullptr) return ERROR_INVALID_PARAMETER;
    // Linux keeps one set of TCP counters for IPv4 and IPv6 (/proc/net/snmp "Tcp:"), so every
    // counter is the same for both families except the two this layer counts from the
    // family's own table: one table read, and the counters.
    std::vector<tcptable::tcp_row> rows;
    if (ULONG err =
            tcptable::detail::win32_rows(family, tcptable::state_set::all(), false, false, rows))
        return err;
    tcptable::tcp_table table(std::move(rows));
    tcptable::statistics_options so;
    so.family = family;
    std::error_code ec;
    tcptable::tcp_statistics s = tcptable::statistics(so, table, ec);
    if (ec) return tcptable::detail::win32_error_from(ec);
    std::uint64_t established = 0;
    for (const auto& r : table)
        // RFC 1213 tcpCurrEstab: connections in ESTABLISHED or CLOSE-WAIT.
        if (r.state == tcptable::tcp_state::established ||
            r.state == tcptable::tcp_state::close_wait)
            ++established;

    MIB_TCPSTATS m;
    std::memset(&m, 0, sizeof m);
    m.dwRtoAlgorithm = signed32(s.rto_algorithm);
    m.dwRtoMin = signed32(s.rto_min);
    m.dwRtoMax = signed32(s.rto_max);
    m.dwMaxConn = signed32(s.max_conn);
    m.dwActiveOpens = counter32(s.active_opens);
    m.dwPassiveOpens = counter32(s.passive_opens);
    m.dwAttemptFails = counter32(s.attempt_fails);
    m.dwEstabResets = counter32(s.estab_resets);
    m.dwCurrEstab = counter32(established);
    m.dwInSegs = counter32(s.in_segs);
    m.dwOutSegs = counter32(s.out_segs);
    m.dwRetransSegs = counter32(s.retrans_segs);
    m.dwInErrs = counter32(s.in_errs);
    m.dwOutRsts = counter32(s.out_rsts);
    m.dwNumConns = counter32(s.num_conns);
    *out = m;
    return NO_ERROR;
}

}  // namespace

extern "C" {

ULONG WINAPI GetTcpStatistics(PMIB_TCPSTATS Statistics) {
    return fill_statistics(Statistics, tcptable::address_family::ipv4);
}

ULONG WINAPI GetTcpStatisticsEx(PMIB_TCPSTATS Statistics, ULONG Family) {
    if (Family == AF_INET) return fill_statistics(Statistics, tcptable::address_family::ipv4);
    if (Family == AF_INET6) return fill_statistics(Statistics, tcptable::address_family::ipv6);
    return ERROR_INVALID_PARAMETER;
}

}  // extern "C"
