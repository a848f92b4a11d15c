// SPDX-License-Identifier: MIT
// The Win32 ESTATS drop-in (include/tcptable/win32/tcpestats.h, src/compat/win32/estats.cpp):
// Windows' layouts, the documented error returns, and figures that match the kernel's for a
// loopback pair in a namespace of the test's own.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "support/private_netns.hpp"
#include "win32/estats_layout.hpp"
#include "win32/estats_sockets.hpp"

// Last: the Win32 headers define macros.
#include <iphlpapi.h>
#include <winsock2.h>

TCPTABLE_ESTATS_LAYOUT();

namespace {

using tcptable::testing::scoped_private_netns;
using tcptable::testing::win32::estats_pair;
using tcptable::testing::win32::make_estats_pair;

MIB_TCPROW row_of(std::uint16_t lport, std::uint16_t rport) {
    MIB_TCPROW r{};
    r.dwState = MIB_TCP_STATE_ESTAB;
    r.dwLocalAddr = htonl(INADDR_LOOPBACK);
    r.dwRemoteAddr = htonl(INADDR_LOOPBACK);
    r.dwLocalPort = htons(lport);
    r.dwRemotePort = htons(rport);
    return r;
}

MIB_TCP6ROW row6_of(std::uint16_t lport, std::uint16_t rport) {
    MIB_TCP6ROW r{};
    r.State = MIB_TCP_STATE_ESTAB;
    r.LocalAddr.s6_addr[15] = 1;
    r.RemoteAddr.s6_addr[15] = 1;
    r.dwLocalPort = htons(lport);
    r.dwRemotePort = htons(rport);
    return r;
}

#define BUF(x) reinterpret_cast<PUCHAR>(&(x)), 0, ULONG(sizeof(x))

class estats : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!ns_.entered()) GTEST_SKIP() << "no private network namespace: " << ns_.why_not();
        ASSERT_EQ(make_estats_pair(pair_, bytes), "");
    }
    static constexpr std::size_t bytes = 300001;
    scoped_private_netns ns_;
    estats_pair pair_;
};

TEST_F(estats, data_rod_counts_the_bytes_moved) {
    MIB_TCPROW receiver = row_of(pair_.listen_port, pair_.client_port);
    TCP_ESTATS_DATA_RW_v0 rw{};
    TCP_ESTATS_DATA_ROD_v0 rod{};
    ASSERT_EQ(GetPerTcpConnectionEStats(&receiver, TcpConnectionEstatsData, BUF(rw), nullptr, 0, 0,
                                        BUF(rod)),
              ULONG(NO_ERROR));
    EXPECT_EQ(rw.EnableCollection, TRUE);
    EXPECT_EQ(rod.ThruBytesReceived, bytes);
    EXPECT_EQ(rod.DataBytesIn, bytes);

    MIB_TCPROW sender = row_of(pair_.client_port, pair_.listen_port);
    ASSERT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, nullptr, 0, 0, nullptr, 0,
                                        0, BUF(rod)),
              ULONG(NO_ERROR));
    EXPECT_EQ(rod.ThruBytesAcked, bytes + 1);  // the SYN counts as one
    EXPECT_GE(rod.DataBytesOut, bytes);
    EXPECT_GT(rod.SegsOut, 0u);
}

TEST_F(estats, path_and_congestion_match_the_kernel) {
    std::uint32_t mss = 0, cwnd = 0;
    tcptable::testing::win32::client_tcp_info(pair_, mss, cwnd);
    MIB_TCPROW sender = row_of(pair_.client_port, pair_.listen_port);
    TCP_ESTATS_PATH_ROD_v0 path{};
    ASSERT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsPath, nullptr, 0, 0, nullptr, 0,
                                        0, BUF(path)),
              ULONG(NO_ERROR));
    EXPECT_EQ(path.CurMss, mss);
    EXPECT_GT(path.CurRto, 0u);
    TCP_ESTATS_SND_CONG_ROD_v0 cong{};
    TCP_ESTATS_SND_CONG_ROS_v0 ros{};
    ASSERT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsSndCong, nullptr, 0, 0,
                                        BUF(ros), BUF(cong)),
              ULONG(NO_ERROR));
    EXPECT_EQ(cong.CurCwnd, ULONG(cwnd) * mss);  // bytes, as RFC 4898 counts it
    TCP_ESTATS_FINE_RTT_ROD_v0 fine{};
    ASSERT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsFineRtt, nullptr, 0, 0, nullptr,
                                        0, 0, BUF(fine)),
              ULONG(NO_ERROR));
    TCP_ESTATS_BANDWIDTH_RW_v0 bw{};
    ASSERT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsBandwidth, BUF(bw), nullptr, 0,
                                        0, nullptr, 0, 0),
              ULONG(NO_ERROR));
    EXPECT_EQ(bw.EnableCollectionOutbound, TcpBoolOptEnabled);
}

TEST_F(estats, documented_errors) {
    MIB_TCPROW sender = row_of(pair_.client_port, pair_.listen_port);
    TCP_ESTATS_DATA_ROD_v0 rod{};
    TCP_ESTATS_DATA_RW_v0 rw{};
    // Row NULL.
    EXPECT_EQ(GetPerTcpConnectionEStats(nullptr, TcpConnectionEstatsData, nullptr, 0, 0, nullptr, 0,
                                        0, BUF(rod)),
              ULONG(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(GetPerTcp6ConnectionEStats(nullptr, TcpConnectionEstatsData, nullptr, 0, 0, nullptr,
                                         0, 0, BUF(rod)),
              ULONG(ERROR_INVALID_PARAMETER));
    // A type outside the enumeration.
    EXPECT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsMaximum, nullptr, 0, 0, nullptr,
                                        0, 0, BUF(rod)),
              ULONG(ERROR_INVALID_PARAMETER));
    // A version other than 0.
    EXPECT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, nullptr, 0, 0, nullptr, 0,
                                        0, reinterpret_cast<PUCHAR>(&rod), 1, sizeof rod),
              ULONG(ERROR_NOT_SUPPORTED));
    // A NULL buffer with a size.
    EXPECT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, nullptr, 0, 1, nullptr, 0,
                                        0, BUF(rod)),
              ULONG(ERROR_INVALID_USER_BUFFER));
    EXPECT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, nullptr, 0, 0, nullptr, 0,
                                        0, nullptr, 0, sizeof rod),
              ULONG(ERROR_INVALID_USER_BUFFER));
    // A buffer too small: nothing is written to it.
    std::memset(&rod, 0xab, sizeof rod);
    EXPECT_EQ(GetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, nullptr, 0, 0, nullptr, 0,
                                        0, reinterpret_cast<PUCHAR>(&rod), 0, sizeof rod - 1),
              ULONG(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(reinterpret_cast<unsigned char*>(&rod)[0], 0xab);
    // No such connection.
    MIB_TCPROW unknown = row_of(pair_.client_port, 1);
    EXPECT_EQ(GetPerTcpConnectionEStats(&unknown, TcpConnectionEstatsData, nullptr, 0, 0, nullptr,
                                        0, 0, BUF(rod)),
              ULONG(ERROR_NOT_FOUND));
    MIB_TCP6ROW unknown6 = row6_of(pair_.client_port, pair_.listen_port);  // the pair is IPv4
    EXPECT_EQ(GetPerTcp6ConnectionEStats(&unknown6, TcpConnectionEstatsData, nullptr, 0, 0, nullptr,
                                         0, 0, BUF(rod)),
              ULONG(ERROR_NOT_FOUND));

    // Set: the same checks, then the row.
    EXPECT_EQ(SetPerTcpConnectionEStats(nullptr, TcpConnectionEstatsData, BUF(rw), 0),
              ULONG(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(SetPerTcpConnectionEStats(&sender, TcpConnectionEstatsSynOpts, BUF(rw), 0),
              ULONG(ERROR_INVALID_PARAMETER));  // SynOpts has no Rw
    EXPECT_EQ(SetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, nullptr, 0, 1, 0),
              ULONG(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(SetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData,
                                        reinterpret_cast<PUCHAR>(&rw), 1, sizeof rw, 0),
              ULONG(ERROR_NOT_SUPPORTED));
    EXPECT_EQ(SetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, BUF(rw), 4),
              ULONG(ERROR_INVALID_PARAMETER));
    TCP_ESTATS_BANDWIDTH_RW_v0 bw{};
    EXPECT_EQ(SetPerTcpConnectionEStats(&sender, TcpConnectionEstatsBandwidth,
                                        reinterpret_cast<PUCHAR>(&bw), 0, sizeof bw - 1, 0),
              ULONG(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(SetPerTcpConnectionEStats(&unknown, TcpConnectionEstatsData, BUF(rw), 0),
              ULONG(ERROR_NOT_FOUND));
    rw.EnableCollection = TRUE;
    EXPECT_EQ(SetPerTcpConnectionEStats(&sender, TcpConnectionEstatsData, BUF(rw), 0),
              ULONG(NO_ERROR));
}

class estats6 : public ::testing::Test {
  protected:
    void SetUp() override {
        if (!ns_.entered()) GTEST_SKIP() << "no private network namespace: " << ns_.why_not();
        ASSERT_EQ(make_estats_pair(pair_, 4096, true), "");
    }
    scoped_private_netns ns_;
    estats_pair pair_;
};

TEST_F(estats6, ipv6_rows_are_found) {
    MIB_TCP6ROW receiver = row6_of(pair_.listen_port, pair_.client_port);
    TCP_ESTATS_REC_ROD_v0 rec{};
    TCP_ESTATS_DATA_ROD_v0 data{};
    ASSERT_EQ(GetPerTcp6ConnectionEStats(&receiver, TcpConnectionEstatsData, nullptr, 0, 0, nullptr,
                                         0, 0, BUF(data)),
              ULONG(NO_ERROR));
    EXPECT_EQ(data.ThruBytesReceived, 4096u);
    ASSERT_EQ(GetPerTcp6ConnectionEStats(&receiver, TcpConnectionEstatsRec, nullptr, 0, 0, nullptr,
                                         0, 0, BUF(rec)),
              ULONG(NO_ERROR));
    EXPECT_EQ(rec.CurAppRQueue, 0u);  // all read
    TCP_ESTATS_DATA_RW_v0 rw{};
    EXPECT_EQ(SetPerTcp6ConnectionEStats(&receiver, TcpConnectionEstatsData, BUF(rw), 0),
              ULONG(NO_ERROR));
}

}  // namespace
