// SPDX-License-Identifier: MIT
// Windows: MIB_TCPSTATS counters from GetTcpStatisticsEx, one call per family.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// winsock2.h before windows.h (which would otherwise bring the old winsock.h), iphlpapi.h last.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
// clang-format on

#include "../common/backend.hpp"
#include "iphlpapi_backend.hpp"
#include "mib_convert.hpp"
#include "win32_error.hpp"

namespace tcptable::inline v0_1::detail {
namespace {

mib_tcp_stats fields_of(const MIB_TCPSTATS& s) noexcept {
    return {s.dwRtoAlgorithm, s.dwRtoMin,       s.dwRtoMax,      s.dwMaxConn,   s.dwActiveOpens,
            s.dwPassiveOpens, s.dwAttemptFails, s.dwEstabResets, s.dwCurrEstab, s.dwInSegs,
            s.dwOutSegs,      s.dwRetransSegs,  s.dwInErrs,      s.dwOutRsts,   s.dwNumConns};
}

}  // namespace

std::error_code platform_statistics(const statistics_options& options, tcp_statistics& stats,
                                    error_info& info) noexcept {
    if (options.proc_root != "/proc" || !options.netns.empty()) {
        info.message = "proc_root and netns are not available on Windows";
        return make_error_code(errc::not_supported);
    }
    return guarded(info, [&]() -> std::error_code {
        // Windows keeps TCP counters per family (GetTcpStatisticsEx: Family); "both" adds the
        // IPv6 counters to the IPv4 ones, which is what Linux's shared counters hold.
        bool first = true;
        if (options.family != address_family::ipv6) {
            MIB_TCPSTATS s{};
            ULONG status = ::GetTcpStatisticsEx(&s, AF_INET);
            if (status != NO_ERROR)
                return win32_failure("GetTcpStatisticsEx(AF_INET)", status, info);
            add_mib_statistics(stats, fields_of(s), first);
            first = false;
        }
        if (options.family != address_family::ipv4) {
            MIB_TCPSTATS s{};
            ULONG status = ::GetTcpStatisticsEx(&s, AF_INET6);
            // Without an IPv6 stack, "both" is the IPv4 counters alone.
            if (status == ERROR_NOT_SUPPORTED && options.family == address_family::both) return {};
            if (status != NO_ERROR)
                return win32_failure("GetTcpStatisticsEx(AF_INET6)", status, info);
            add_mib_statistics(stats, fields_of(s), first);
        }
        return {};
    });
}

}  // namespace tcptable::inline v0_1::detail
