// GetTcpStatistics and GetTcpStatisticsEx over tcptable::statistics. Built once the statistics
// reader is part of the library (see TCPTABLE_WIN32_STATISTICS in the top-level CMakeLists.txt).
#include <gtest/gtest.h>

#include <tcptable/tcptable.hpp>

// Last: the Win32 headers define macros that must not reach the others.
#include <iphlpapi.h>
#include <winsock2.h>

namespace {

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

}  // namespace
