// SPDX-License-Identifier: MIT
// GetTcpStatistics and GetTcpStatisticsEx over tcptable::statistics. Built once the statistics
// reader is part of the library (see TCPTABLE_WIN32_STATISTICS in the top-level CMakeLists.txt).
#include <gtest/gtest.h>

#include <string>
#include <tcptable/tcptable.hpp>

#include "support/child_process.hpp"
#include "support/private_netns.hpp"
#include "win32/loopback_sockets.hpp"

// Last: the Win32 headers define macros that must not reach the others.
#include <iphlpapi.h>
#include <winsock2.h>

namespace {

using tcptable::testing::run_in_child;
using tcptable::testing::win32::loopback_sockets;

TEST(win32_statistics, null_pointer_and_bad_family_are_invalid_parameter) {
    MIB_TCPSTATS s;
    EXPECT_EQ(GetTcpStatistics(nullptr), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcpStatisticsEx(nullptr, AF_INET), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcpStatisticsEx(&s, AF_UNSPEC), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcpStatisticsEx(&s, 23), ERROR_INVALID_PARAMETER);
}

TEST(win32_statistics, counters_match_the_cpp_api) {
    MIB_TCPSTATS s;
    ASSERT_EQ(GetTcpStatistics(&s), NO_ERROR);
    auto cpp = tcptable::statistics();
    EXPECT_EQ(s.dwRtoAlgorithm, static_cast<DWORD>(cpp.rto_algorithm));
    EXPECT_EQ(s.RtoAlgorithm, static_cast<TCP_RTO_ALGORITHM>(cpp.rto_algorithm));
    EXPECT_EQ(s.dwRtoMin, static_cast<DWORD>(cpp.rto_min));
    EXPECT_EQ(s.dwMaxConn, static_cast<DWORD>(cpp.max_conn));
    // Counters only grow (mod 2^32) between the two reads.
    EXPECT_LE(s.dwActiveOpens, static_cast<DWORD>(cpp.active_opens));
    EXPECT_LE(s.dwInSegs, static_cast<DWORD>(cpp.in_segs));

    MIB_TCPSTATS s6;
    ASSERT_EQ(GetTcpStatisticsEx(&s6, AF_INET6), NO_ERROR);
    EXPECT_EQ(s6.dwRtoMax, s.dwRtoMax);
}

// In a network namespace of the test's own, every number is known: the table holds only the
// test's sockets and the counters start at zero.
TEST(win32_statistics, counts_are_exact_in_a_private_namespace) {
    TCPTABLE_EXPECT_CHILD(run_in_child([]() -> std::string {
        if (auto why = tcptable::testing::enter_private_netns(); !why.empty())
            return "SKIP: " + why;
        auto expect = [](const char* what, DWORD got, DWORD want) {
            return got == want ? std::string()
                               : std::string(what) + " is " + std::to_string(got) + ", not " +
                                     std::to_string(want) + "\n";
        };
        MIB_TCPSTATS s4, s6;
        if (GetTcpStatisticsEx(&s4, AF_INET) != NO_ERROR) return "GetTcpStatisticsEx(AF_INET)";
        std::string problems = expect("NumConns of an empty namespace", s4.dwNumConns, 0) +
                               expect("ActiveOpens before any connection", s4.dwActiveOpens, 0);
        // A listener and one connection on 127.0.0.1: 3 rows, 1 active and 1 passive open,
        // 2 established ends; then 4 more connections.
        loopback_sockets v4;
        if (GetTcpStatistics(&s4) != NO_ERROR) return "GetTcpStatistics";
        problems += expect("NumConns (IPv4, one connection)", s4.dwNumConns, 3) +
                    expect("ActiveOpens", s4.dwActiveOpens, 1) +
                    expect("PassiveOpens", s4.dwPassiveOpens, 1) +
                    expect("CurrEstab", s4.dwCurrEstab, 2);
        if (GetTcpStatisticsEx(&s6, AF_INET6) != NO_ERROR) return "GetTcpStatisticsEx(AF_INET6)";
        problems += expect("NumConns (IPv6, none)", s6.dwNumConns, 0);
        v4.add_connections(4);
        loopback_sockets v6(true);
        if (GetTcpStatisticsEx(&s4, AF_INET) != NO_ERROR ||
            GetTcpStatisticsEx(&s6, AF_INET6) != NO_ERROR)
            return "GetTcpStatisticsEx after more connections";
        problems += expect("NumConns (IPv4, five connections)", s4.dwNumConns, 11) +
                    expect("NumConns (IPv6, one connection)", s6.dwNumConns, 3);
        // Linux keeps one set of counters for both families; CurrEstab, like NumConns, is
        // counted from the family's own rows (ESTABLISHED and CLOSE-WAIT).
        problems += expect("ActiveOpens (IPv4 view)", s4.dwActiveOpens, 6) +
                    expect("ActiveOpens (IPv6 view)", s6.dwActiveOpens, 6) +
                    expect("CurrEstab (IPv4 view)", s4.dwCurrEstab, 10) +
                    expect("CurrEstab (IPv6 view)", s6.dwCurrEstab, 2);
        // The C++ API agrees: both families' rows, and the kernel's own CurrEstab.
        auto cpp = tcptable::statistics();
        problems += expect("statistics().num_conns", static_cast<DWORD>(cpp.num_conns), 14) +
                    expect("statistics().active_opens", static_cast<DWORD>(cpp.active_opens),
                           s4.dwActiveOpens) +
                    expect("statistics().curr_estab", static_cast<DWORD>(cpp.curr_estab),
                           s4.dwCurrEstab + s6.dwCurrEstab);
        return problems;
    }));
}

}  // namespace
