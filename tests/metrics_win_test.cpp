// SPDX-License-Identifier: MIT
// Windows (the MinGW cross build, run under Wine): tcptable's ESTATS layouts equal MinGW-w64's
// real tcpestats.h, and a metrics snapshot never fails for want of extended statistics: the
// figures are absent and the table says why (under Wine, which does not implement
// GetPerTcpConnectionEStats, every figure).
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
#include <tcpestats.h>
// clang-format on

#include <gtest/gtest.h>

#include <string>
#include <tcptable/tcptable.hpp>

#include "win32/estats_layout.hpp"

// The same numbers tcptable's own headers are held to (metrics_win32_test, Linux build).
TCPTABLE_ESTATS_LAYOUT();

namespace {

bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleA("ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

struct winsock {
    winsock() {
        WSADATA w;
        ::WSAStartup(MAKEWORD(2, 2), &w);
    }
    ~winsock() { ::WSACleanup(); }
};

TEST(metrics_win, snapshot_with_metrics_never_fails_and_says_why) {
    winsock ws;
    SOCKET l = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ASSERT_NE(l, INVALID_SOCKET);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(l, 4), 0);
    int len = sizeof a;
    ASSERT_EQ(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &len), 0);
    SOCKET c = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    SOCKET s = ::accept(l, nullptr, nullptr);
    ASSERT_NE(s, INVALID_SOCKET);

    tcptable::snapshot_options o;
    o.metrics = true;
    std::error_code ec;
    tcptable::tcp_table t = tcptable::snapshot(o, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(t.has_metrics());
    ASSERT_EQ(t.metrics().size(), t.size());
    bool found = false;
    for (std::size_t i = 0; i < t.size(); ++i)
        if (t[i].local_port == ntohs(a.sin_port) && t[i].state == tcptable::tcp_state::established)
            found = true;
    EXPECT_TRUE(found);
    if (under_wine()) {
        EXPECT_NE(t.metrics_note.find("Wine"), std::string::npos) << t.metrics_note;
        for (const auto& m : t.metrics()) EXPECT_FALSE(m.any());
    } else {
        // Windows: collection is off unless an administrator enabled it; either way the
        // table is whole, and a row without figures is explained.
        bool some_absent = false;
        for (const auto& m : t.metrics()) some_absent = some_absent || !m.any();
        if (some_absent) {
            EXPECT_FALSE(t.metrics_note.empty());
        }
    }
    // Without metrics, nothing of them.
    tcptable::tcp_table plain = tcptable::snapshot(tcptable::snapshot_options{}, ec);
    ASSERT_FALSE(ec);
    EXPECT_FALSE(plain.has_metrics());
    EXPECT_TRUE(plain.metrics_note.empty());
    ::closesocket(s);
    ::closesocket(c);
    ::closesocket(l);
}

}  // namespace
