// SPDX-License-Identifier: MIT
// The Win32 API layer (include/tcptable/win32, src/compat/win32/win32_api.cpp): layouts against
// Windows x64, every documented error path, the buffer contract when the table grows between
// the probe and the fill, byte order of real loopback rows, and agreement with the C++ API.
#include "compat/win32/win32_api.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <string>
#include <tcptable/tcptable.hpp>
#include <thread>
#include <vector>

#include "win32/loopback_sockets.hpp"

// Last: the Win32 headers define macros (s_addr, TRUE, ...) that must not reach the others.
#include <iphlpapi.h>
#include <winsock2.h>
#include <ws2tcpip.h>

namespace {

using tcptable::ip_address;
using tcptable::tcp_row;
using tcptable::tcp_state;
using tcptable::testing::win32::loopback_sockets;

// --- Layout: every size and offset as the Windows SDK gives them on x64. -------------------

static_assert(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4 && sizeof(BOOL) == 4);
static_assert(sizeof(USHORT) == 2 && sizeof(UCHAR) == 1 && sizeof(ULONGLONG) == 8);
static_assert(sizeof(LARGE_INTEGER) == 8);
static_assert(sizeof(MIB_TCP_STATE) == 4 && sizeof(TCP_CONNECTION_OFFLOAD_STATE) == 4);
static_assert(sizeof(TCP_TABLE_CLASS) == 4 && sizeof(TCP_RTO_ALGORITHM) == 4);
static_assert(sizeof(in_addr) == 4 && alignof(in_addr) == 4);
static_assert(sizeof(in6_addr) == 16 && alignof(in6_addr) == 2);

static_assert(sizeof(MIB_TCPROW) == 20);
static_assert(offsetof(MIB_TCPROW, dwState) == 0 && offsetof(MIB_TCPROW, State) == 0);
static_assert(offsetof(MIB_TCPROW, dwLocalAddr) == 4 && offsetof(MIB_TCPROW, dwLocalPort) == 8);
static_assert(offsetof(MIB_TCPROW, dwRemoteAddr) == 12 && offsetof(MIB_TCPROW, dwRemotePort) == 16);
static_assert(sizeof(MIB_TCPTABLE) == 24 && offsetof(MIB_TCPTABLE, table) == 4);

static_assert(sizeof(MIB_TCPROW2) == 28 && offsetof(MIB_TCPROW2, dwOwningPid) == 20 &&
              offsetof(MIB_TCPROW2, dwOffloadState) == 24);
static_assert(sizeof(MIB_TCPTABLE2) == 32 && offsetof(MIB_TCPTABLE2, table) == 4);

static_assert(sizeof(MIB_TCPROW_OWNER_PID) == 24 &&
              offsetof(MIB_TCPROW_OWNER_PID, dwRemotePort) == 16 &&
              offsetof(MIB_TCPROW_OWNER_PID, dwOwningPid) == 20);
static_assert(sizeof(MIB_TCPTABLE_OWNER_PID) == 28 && offsetof(MIB_TCPTABLE_OWNER_PID, table) == 4);

static_assert(sizeof(MIB_TCPROW_OWNER_MODULE) == 160 &&
              offsetof(MIB_TCPROW_OWNER_MODULE, liCreateTimestamp) == 24 &&
              offsetof(MIB_TCPROW_OWNER_MODULE, OwningModuleInfo) == 32);
static_assert(sizeof(MIB_TCPTABLE_OWNER_MODULE) == 168 &&
              offsetof(MIB_TCPTABLE_OWNER_MODULE, table) == 8);

static_assert(sizeof(MIB_TCP6ROW) == 52);
static_assert(offsetof(MIB_TCP6ROW, State) == 0 && offsetof(MIB_TCP6ROW, LocalAddr) == 4 &&
              offsetof(MIB_TCP6ROW, dwLocalScopeId) == 20 &&
              offsetof(MIB_TCP6ROW, dwLocalPort) == 24 && offsetof(MIB_TCP6ROW, RemoteAddr) == 28 &&
              offsetof(MIB_TCP6ROW, dwRemoteScopeId) == 44 &&
              offsetof(MIB_TCP6ROW, dwRemotePort) == 48);
static_assert(sizeof(MIB_TCP6TABLE) == 56 && offsetof(MIB_TCP6TABLE, table) == 4);

static_assert(sizeof(MIB_TCP6ROW2) == 60);
static_assert(offsetof(MIB_TCP6ROW2, LocalAddr) == 0 &&
              offsetof(MIB_TCP6ROW2, dwLocalScopeId) == 16 &&
              offsetof(MIB_TCP6ROW2, dwLocalPort) == 20 &&
              offsetof(MIB_TCP6ROW2, RemoteAddr) == 24 &&
              offsetof(MIB_TCP6ROW2, dwRemoteScopeId) == 40 &&
              offsetof(MIB_TCP6ROW2, dwRemotePort) == 44 && offsetof(MIB_TCP6ROW2, State) == 48 &&
              offsetof(MIB_TCP6ROW2, dwOwningPid) == 52 &&
              offsetof(MIB_TCP6ROW2, dwOffloadState) == 56);
static_assert(sizeof(MIB_TCP6TABLE2) == 64 && offsetof(MIB_TCP6TABLE2, table) == 4);

static_assert(sizeof(MIB_TCP6ROW_OWNER_PID) == 56);
static_assert(offsetof(MIB_TCP6ROW_OWNER_PID, ucLocalAddr) == 0 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwLocalScopeId) == 16 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwLocalPort) == 20 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, ucRemoteAddr) == 24 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwRemoteScopeId) == 40 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwRemotePort) == 44 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwState) == 48 &&
              offsetof(MIB_TCP6ROW_OWNER_PID, dwOwningPid) == 52);
static_assert(sizeof(MIB_TCP6TABLE_OWNER_PID) == 60 &&
              offsetof(MIB_TCP6TABLE_OWNER_PID, table) == 4);

static_assert(sizeof(MIB_TCP6ROW_OWNER_MODULE) == 192 &&
              offsetof(MIB_TCP6ROW_OWNER_MODULE, liCreateTimestamp) == 56 &&
              offsetof(MIB_TCP6ROW_OWNER_MODULE, OwningModuleInfo) == 64);

static_assert(sizeof(MIB_TCPSTATS) == 60 && offsetof(MIB_TCPSTATS, dwRtoAlgorithm) == 0 &&
              offsetof(MIB_TCPSTATS, RtoAlgorithm) == 0 &&
              offsetof(MIB_TCPSTATS, dwMaxConn) == 12 &&
              offsetof(MIB_TCPSTATS, dwCurrEstab) == 32 &&
              offsetof(MIB_TCPSTATS, dwNumConns) == 56);

// Windows' values for the constants programs compare against.
static_assert(MIB_TCP_STATE_CLOSED == 1 && MIB_TCP_STATE_LISTEN == 2 && MIB_TCP_STATE_ESTAB == 5 &&
              MIB_TCP_STATE_TIME_WAIT == 11 && MIB_TCP_STATE_DELETE_TCB == 12);
static_assert(TCP_TABLE_BASIC_LISTENER == 0 && TCP_TABLE_OWNER_PID_ALL == 5 &&
              TCP_TABLE_OWNER_MODULE_ALL == 8);
static_assert(NO_ERROR == 0 && ERROR_INVALID_PARAMETER == 87 && ERROR_INSUFFICIENT_BUFFER == 122 &&
              ERROR_NOT_SUPPORTED == 50);
static_assert(AF_INET == 2);  // AF_INET6 is the system's own value (10 on Linux).

TEST(win32_layout, state_union_aliases_dw_state) {
    MIB_TCPROW row{};
    row.dwState = MIB_TCP_STATE_ESTAB;
    EXPECT_EQ(row.State, MIB_TCP_STATE_ESTAB);
    MIB_TCPSTATS stats{};
    stats.dwRtoAlgorithm = 4;
    EXPECT_EQ(stats.RtoAlgorithm, MIB_TCP_RTO_VANJ);
    in_addr a{};
    a.s_addr = 0x12345678u;
    EXPECT_EQ(a.S_un.S_addr, 0x12345678u);
}

// --- A fixed table through the test seam: exact sizes, fields and order. ---------------------

std::vector<tcp_row> injected_rows;
std::size_t extra_rows_after_first_call = 0;
int hook_calls = 0;

// Replaces the live rows with injected_rows; from the second call on, adds more rows (the
// table "grew between the probe and the fill").
void replace_rows(std::vector<tcp_row>& rows, void*) {
    rows = injected_rows;
    if (hook_calls++ > 0)
        for (std::size_t i = 0; i < extra_rows_after_first_call; ++i) {
            tcp_row r = injected_rows.front();
            r.local_port = static_cast<std::uint16_t>(40000 + i);
            rows.push_back(r);
        }
}

tcp_row make_row(ip_address local, std::uint16_t lport, ip_address remote, std::uint16_t rport,
                 tcp_state state, std::uint32_t pid = 0) {
    tcp_row r;
    r.local_address = local;
    r.local_port = lport;
    r.remote_address = remote;
    r.remote_port = rport;
    r.state = state;
    r.pid = pid;
    return r;
}

class win32_seam : public ::testing::Test {
  protected:
    void SetUp() override {
        hook_calls = 0;
        extra_rows_after_first_call = 0;
        // Deliberately unsorted, IPv4 only for the IPv4 tables.
        injected_rows = {
            make_row(ip_address::v4(10, 1, 2, 3), 8080, ip_address::v4(192, 168, 0, 9), 50000,
                     tcp_state::established, 77),
            make_row(ip_address::v4(0, 0, 0, 0), 22, ip_address::v4(0, 0, 0, 0), 0,
                     tcp_state::listen, 1),
            make_row(ip_address::v4(10, 1, 2, 3), 443, ip_address::v4(1, 2, 3, 4), 1234,
                     tcp_state::time_wait),
        };
        tcptable::detail::set_win32_rows_hook(&replace_rows, nullptr);
    }
    void TearDown() override { tcptable::detail::set_win32_rows_hook(nullptr, nullptr); }
};

constexpr std::size_t tcp_table_size(std::size_t rows) {
    return offsetof(MIB_TCPTABLE, table) + rows * sizeof(MIB_TCPROW);
}

TEST_F(win32_seam, null_size_pointer_is_invalid_parameter) {
    MIB_TCPTABLE t;
    EXPECT_EQ(GetTcpTable(&t, nullptr, TRUE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcp6Table(nullptr, nullptr, TRUE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcpTable2(nullptr, nullptr, FALSE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcp6Table2(nullptr, nullptr, FALSE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetExtendedTcpTable(nullptr, nullptr, TRUE, AF_INET, TCP_TABLE_BASIC_ALL, 0),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
}

TEST_F(win32_seam, null_table_reports_exact_size) {
    ULONG size = 123456;  // large enough: a NULL table is still too small
    EXPECT_EQ(GetTcpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, tcp_table_size(3));
    EXPECT_EQ(size, 4u + 3u * 20u);

    size = 0;
    EXPECT_EQ(GetTcpTable2(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, offsetof(MIB_TCPTABLE2, table) + 3 * sizeof(MIB_TCPROW2));
    DWORD dsize = 0;
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &dsize, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(dsize, offsetof(MIB_TCPTABLE_OWNER_PID, table) + 3 * sizeof(MIB_TCPROW_OWNER_PID));
    // Listeners only: one row.
    dsize = 0;
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &dsize, TRUE, AF_INET, TCP_TABLE_BASIC_LISTENER, 0),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(dsize, tcp_table_size(1));
    // Connections: every state but LISTEN, TIME-WAIT included.
    dsize = 0;
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &dsize, TRUE, AF_INET, TCP_TABLE_BASIC_CONNECTIONS, 0),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(dsize, tcp_table_size(2));
}

TEST_F(win32_seam, too_small_buffer_is_left_untouched) {
    std::vector<unsigned char> buf(256, 0xAB);
    ULONG size = static_cast<ULONG>(tcp_table_size(3) - 1);
    EXPECT_EQ(GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE),
              ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, tcp_table_size(3));
    EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](unsigned char c) { return c == 0xAB; }));
}

TEST_F(win32_seam, exact_buffer_fills_no_byte_past_size) {
    const std::size_t need = tcp_table_size(3);
    std::vector<unsigned char> buf(need + 64, 0xAB);
    ULONG size = static_cast<ULONG>(need);
    ASSERT_EQ(GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE), NO_ERROR);
    EXPECT_EQ(size, need);  // unchanged on success
    EXPECT_TRUE(std::all_of(buf.begin() + static_cast<std::ptrdiff_t>(need), buf.end(),
                            [](unsigned char c) { return c == 0xAB; }));
    MIB_TCPTABLE head;
    std::memcpy(&head, buf.data(), sizeof head);
    EXPECT_EQ(head.dwNumEntries, 3u);
}

TEST_F(win32_seam, empty_table_needs_only_the_count) {
    injected_rows.clear();
    ULONG size = 0;
    EXPECT_EQ(GetTcpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, offsetof(MIB_TCPTABLE, table));
    MIB_TCPTABLE t;
    t.dwNumEntries = 99;
    EXPECT_EQ(GetTcpTable(&t, &size, TRUE), NO_ERROR);
    EXPECT_EQ(t.dwNumEntries, 0u);
}

TEST_F(win32_seam, table_that_grew_between_probe_and_fill_is_refused_with_new_size) {
    extra_rows_after_first_call = 5;
    ULONG size = 0;
    ASSERT_EQ(GetTcpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ(size, tcp_table_size(3));

    const ULONG probed = size;
    std::vector<unsigned char> buf(probed + 64, 0xAB);
    EXPECT_EQ(GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE),
              ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, tcp_table_size(8));
    EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](unsigned char c) { return c == 0xAB; }));

    buf.assign(size + 64, 0xCD);
    ASSERT_EQ(GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE), NO_ERROR);
    MIB_TCPTABLE head;
    std::memcpy(&head, buf.data(), sizeof head);
    EXPECT_EQ(head.dwNumEntries, 8u);
    EXPECT_TRUE(
        std::all_of(buf.begin() + size, buf.end(), [](unsigned char c) { return c == 0xCD; }));
}

TEST_F(win32_seam, same_for_every_table_type) {
    extra_rows_after_first_call = 2;
    struct probe {
        const char* name;
        std::size_t row_size;
        std::size_t header;
        std::function<ULONG(void*, ULONG*)> call;
    };
    const std::vector<probe> probes = {
        {"GetTcpTable2", sizeof(MIB_TCPROW2), offsetof(MIB_TCPTABLE2, table),
         [](void* b, ULONG* s) { return GetTcpTable2(static_cast<PMIB_TCPTABLE2>(b), s, TRUE); }},
        {"OWNER_PID_ALL", sizeof(MIB_TCPROW_OWNER_PID), offsetof(MIB_TCPTABLE_OWNER_PID, table),
         [](void* b, ULONG* s) {
             return GetExtendedTcpTable(b, s, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0);
         }},
    };
    for (const auto& p : probes) {
        SCOPED_TRACE(p.name);
        hook_calls = 0;
        ULONG size = 0;
        ASSERT_EQ(p.call(nullptr, &size), ERROR_INSUFFICIENT_BUFFER);
        EXPECT_EQ(size, p.header + 3 * p.row_size);
        std::vector<unsigned char> buf(size + 32, 0xAB);
        EXPECT_EQ(p.call(buf.data(), &size), ERROR_INSUFFICIENT_BUFFER);
        EXPECT_EQ(size, p.header + 5 * p.row_size);
        EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](unsigned char c) { return c == 0xAB; }));
    }
}

TEST_F(win32_seam, rows_are_converted_and_sorted) {
    ULONG size = 0;
    GetTcpTable2(nullptr, &size, TRUE);
    std::vector<unsigned char> buf(size);
    auto* t = reinterpret_cast<PMIB_TCPTABLE2>(buf.data());
    ASSERT_EQ(GetTcpTable2(t, &size, TRUE), NO_ERROR);
    ASSERT_EQ(t->dwNumEntries, 3u);
    // Contract order: 0.0.0.0:22, 10.1.2.3:443, 10.1.2.3:8080.
    EXPECT_EQ(ntohs(static_cast<u_short>(t->table[0].dwLocalPort)), 22);
    EXPECT_EQ(ntohs(static_cast<u_short>(t->table[1].dwLocalPort)), 443);
    EXPECT_EQ(ntohs(static_cast<u_short>(t->table[2].dwLocalPort)), 8080);
    const MIB_TCPROW2& r = t->table[2];
    EXPECT_EQ(r.dwState, static_cast<DWORD>(MIB_TCP_STATE_ESTAB));
    unsigned char bytes[4];
    std::memcpy(bytes, &r.dwLocalAddr, 4);
    EXPECT_EQ(bytes[0], 10);
    EXPECT_EQ(bytes[3], 3);
    std::memcpy(bytes, &r.dwRemoteAddr, 4);
    EXPECT_EQ(bytes[0], 192);
    EXPECT_EQ(bytes[3], 9);
    EXPECT_EQ(r.dwLocalPort >> 16, 0u);
    EXPECT_EQ(r.dwRemotePort, static_cast<DWORD>(htons(50000)));
    EXPECT_EQ(r.dwOwningPid, 77u);
    EXPECT_EQ(r.dwOffloadState, TcpConnectionOffloadStateInHost);
}

TEST_F(win32_seam, order_false_keeps_retrieval_order) {
    ULONG size = 0;
    GetTcpTable(nullptr, &size, FALSE);
    std::vector<unsigned char> buf(size);
    auto* t = reinterpret_cast<PMIB_TCPTABLE>(buf.data());
    ASSERT_EQ(GetTcpTable(t, &size, FALSE), NO_ERROR);
    ASSERT_EQ(t->dwNumEntries, 3u);
    EXPECT_EQ(ntohs(static_cast<u_short>(t->table[0].dwLocalPort)), 8080);
    EXPECT_EQ(ntohs(static_cast<u_short>(t->table[1].dwLocalPort)), 22);
}

TEST_F(win32_seam, ipv6_rows_keep_bytes_and_scope) {
    ip_address::bytes_type fe80{0xfe, 0x80};
    fe80[15] = 0x42;
    injected_rows = {make_row(ip_address::v6(fe80, 3), 5000, ip_address::v6_loopback(), 6000,
                              tcp_state::syn_sent, 9)};
    ULONG size = 0;
    ASSERT_EQ(GetTcp6Table(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ(size, offsetof(MIB_TCP6TABLE, table) + sizeof(MIB_TCP6ROW));
    MIB_TCP6TABLE t6;
    ASSERT_EQ(GetTcp6Table(&t6, &size, TRUE), NO_ERROR);
    EXPECT_EQ(t6.table[0].State, MIB_TCP_STATE_SYN_SENT);
    EXPECT_EQ(0, std::memcmp(t6.table[0].LocalAddr.u.Byte, fe80.data(), 16));
    EXPECT_EQ(t6.table[0].RemoteAddr.s6_addr[15], 1);
    EXPECT_EQ(t6.table[0].dwLocalScopeId, 3u);
    EXPECT_EQ(t6.table[0].dwLocalPort, static_cast<DWORD>(htons(5000)));
    char text[INET6_ADDRSTRLEN];
    EXPECT_STREQ(inet_ntop(AF_INET6, &t6.table[0].LocalAddr, text, sizeof text), "fe80::42");

    DWORD dsize = 0;
    ASSERT_EQ(GetExtendedTcpTable(nullptr, &dsize, TRUE, AF_INET6, TCP_TABLE_OWNER_PID_ALL, 0),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    ASSERT_EQ(dsize, offsetof(MIB_TCP6TABLE_OWNER_PID, table) + sizeof(MIB_TCP6ROW_OWNER_PID));
    MIB_TCP6TABLE_OWNER_PID tp;
    ASSERT_EQ(GetExtendedTcpTable(&tp, &dsize, TRUE, AF_INET6, TCP_TABLE_OWNER_PID_ALL, 0),
              static_cast<DWORD>(NO_ERROR));
    EXPECT_EQ(tp.table[0].dwOwningPid, 9u);
    EXPECT_EQ(tp.table[0].dwState, static_cast<DWORD>(MIB_TCP_STATE_SYN_SENT));
    EXPECT_EQ(tp.table[0].ucRemoteAddr[15], 1);

    MIB_TCP6TABLE2 t2;
    size = sizeof t2;
    ASSERT_EQ(GetTcp6Table2(&t2, &size, TRUE), NO_ERROR);
    EXPECT_EQ(t2.table[0].dwOwningPid, 9u);
    EXPECT_EQ(t2.table[0].dwRemotePort, static_cast<DWORD>(htons(6000)));
}

TEST(win32_api, bad_family_class_or_reserved_is_invalid_parameter) {
    DWORD size = 0;
    const auto invalid = static_cast<DWORD>(ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &size, TRUE, AF_UNSPEC, TCP_TABLE_BASIC_ALL, 0),
              invalid);
    // Windows' AF_INET6 (23) is not this system's.
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &size, TRUE, 23, TCP_TABLE_BASIC_ALL, 0), invalid);
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &size, TRUE, 12345, TCP_TABLE_BASIC_ALL, 0), invalid);
    EXPECT_EQ(
        GetExtendedTcpTable(nullptr, &size, TRUE, AF_INET, static_cast<TCP_TABLE_CLASS>(9), 0),
        invalid);
    EXPECT_EQ(
        GetExtendedTcpTable(nullptr, &size, TRUE, AF_INET, static_cast<TCP_TABLE_CLASS>(-1), 0),
        invalid);
    EXPECT_EQ(GetExtendedTcpTable(nullptr, &size, TRUE, AF_INET, TCP_TABLE_BASIC_ALL, 1), invalid);
    EXPECT_EQ(size, 0u);
}

// Microsoft documents ERROR_NOT_SUPPORTED for the BASIC classes with AF_INET6 (the extended
// family has no IPv6 basic table); the owner-module classes work for both families.
TEST(win32_api, basic_classes_with_ipv6_are_not_supported) {
    for (auto c : {TCP_TABLE_BASIC_LISTENER, TCP_TABLE_BASIC_CONNECTIONS, TCP_TABLE_BASIC_ALL}) {
        DWORD size = 77;
        EXPECT_EQ(GetExtendedTcpTable(nullptr, &size, TRUE, AF_INET6, c, 0),
                  static_cast<DWORD>(ERROR_NOT_SUPPORTED));
        EXPECT_EQ(size, 77u);
    }
    for (auto c : {TCP_TABLE_OWNER_MODULE_LISTENER, TCP_TABLE_OWNER_MODULE_CONNECTIONS,
                   TCP_TABLE_OWNER_MODULE_ALL})
        for (ULONG af : {ULONG(AF_INET), ULONG(AF_INET6)}) {
            DWORD size = 0;
            EXPECT_EQ(GetExtendedTcpTable(nullptr, &size, TRUE, af, c, 0),
                      static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
            EXPECT_EQ(size % 8, 0u);  // 8-byte header, 160- or 192-byte rows
        }
}

// --- Live rows of the test's own loopback sockets. ------------------------------------------

// The whole IPv4 table, retrying (bounded) while it grows between calls.
std::vector<MIB_TCPROW> live_tcp_table() {
    std::vector<unsigned char> buf;
    ULONG size = 0;
    ULONG rc = GetTcpTable(nullptr, &size, TRUE);
    for (int attempt = 0; attempt < 10 && rc == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
        buf.assign(size, 0);
        rc = GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE);
    }
    EXPECT_EQ(rc, NO_ERROR);
    if (rc != NO_ERROR) return {};
    MIB_TCPTABLE head;
    std::memcpy(&head, buf.data(), sizeof head);
    std::vector<MIB_TCPROW> rows(head.dwNumEntries);
    std::memcpy(rows.data(), buf.data() + offsetof(MIB_TCPTABLE, table),
                rows.size() * sizeof(MIB_TCPROW));
    return rows;
}

const MIB_TCPROW* find_v4(const std::vector<MIB_TCPROW>& rows, std::uint16_t lport,
                          std::uint16_t rport) {
    for (const auto& r : rows)
        if (static_cast<u_short>(r.dwLocalPort) == htons(lport) &&
            static_cast<u_short>(r.dwRemotePort) == htons(rport))
            return &r;
    return nullptr;
}

TEST(win32_live, byte_order_of_a_known_loopback_socket) {
    loopback_sockets s;
    auto rows = live_tcp_table();
    const MIB_TCPROW* l = find_v4(rows, s.listen_port(), 0);
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->dwState, static_cast<DWORD>(MIB_TCP_STATE_LISTEN));
    EXPECT_EQ(l->dwLocalAddr, htonl(0x7f000001));
    unsigned char bytes[4];
    std::memcpy(bytes, &l->dwLocalAddr, 4);
    EXPECT_EQ(bytes[0], 127);
    EXPECT_EQ(bytes[1], 0);
    EXPECT_EQ(bytes[2], 0);
    EXPECT_EQ(bytes[3], 1);
    EXPECT_EQ(static_cast<u_short>(l->dwLocalPort), htons(s.listen_port()));
    EXPECT_EQ(l->dwLocalPort >> 16, 0u);
    EXPECT_EQ(l->dwRemoteAddr, 0u);

    const MIB_TCPROW* c = find_v4(rows, s.client_port(), s.listen_port());
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->dwState, static_cast<DWORD>(MIB_TCP_STATE_ESTAB));
    EXPECT_EQ(c->dwRemoteAddr, htonl(INADDR_LOOPBACK));
    EXPECT_EQ(c->dwRemotePort >> 16, 0u);
    in_addr a;
    a.S_un.S_addr = c->dwRemoteAddr;
    EXPECT_STREQ(inet_ntoa(a), "127.0.0.1");
    ASSERT_NE(find_v4(rows, s.server_port(), s.client_port()), nullptr);
}

TEST(win32_live, table_that_grew_between_probe_and_fill) {
    loopback_sockets s;
    // Other processes may close sockets meanwhile, so the growth must be large and the check
    // is retried a bounded number of times; the buffer contract must hold on every attempt.
    bool refused = false;
    for (int attempt = 0; attempt < 3 && !refused; ++attempt) {
        ULONG size = 0;
        ASSERT_EQ(GetTcpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
        const ULONG probed = size;
        s.add_connections(40);  // 80 more rows: 1600 bytes
        std::vector<unsigned char> buf(probed + 256, 0xAB);
        ULONG rc = GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE);
        EXPECT_TRUE(std::all_of(buf.begin() + probed, buf.end(),
                                [](unsigned char c) { return c == 0xAB; }));
        if (rc == ERROR_INSUFFICIENT_BUFFER) {
            refused = true;
            EXPECT_GT(size, probed);
            EXPECT_EQ((size - offsetof(MIB_TCPTABLE, table)) % sizeof(MIB_TCPROW), 0u);
            EXPECT_TRUE(
                std::all_of(buf.begin(), buf.end(), [](unsigned char c) { return c == 0xAB; }));
        } else {
            ASSERT_EQ(rc, NO_ERROR);
        }
    }
    EXPECT_TRUE(refused);
}

// Each table function agrees with tcptable::snapshot on the test's own rows.
TEST(win32_live, tables_agree_with_the_cpp_api) {
    loopback_sockets s;
    tcptable::snapshot_options o;
    o.family = tcptable::address_family::ipv4;
    auto table = tcptable::snapshot(o);
    auto rows = live_tcp_table();
    for (std::uint16_t port : {s.listen_port(), s.client_port()}) {
        auto it = std::find_if(table.begin(), table.end(), [&](const tcp_row& r) {
            return r.local_port == port && r.local_address == ip_address::v4_loopback();
        });
        ASSERT_NE(it, table.end());
        const MIB_TCPROW* w = find_v4(rows, it->local_port, it->remote_port);
        ASSERT_NE(w, nullptr);
        EXPECT_EQ(w->dwState, static_cast<DWORD>(it->state));
    }

    // The class filters: the listener only in *_LISTENER, the connection only in *_CONNECTIONS.
    for (auto cls : {TCP_TABLE_BASIC_LISTENER, TCP_TABLE_BASIC_CONNECTIONS,
                     TCP_TABLE_OWNER_PID_LISTENER, TCP_TABLE_OWNER_PID_CONNECTIONS}) {
        SCOPED_TRACE(static_cast<int>(cls));
        const bool pid = cls >= TCP_TABLE_OWNER_PID_LISTENER;
        const std::size_t row_size = pid ? sizeof(MIB_TCPROW_OWNER_PID) : sizeof(MIB_TCPROW);
        std::vector<unsigned char> buf;
        DWORD size = 0;
        DWORD rc = GetExtendedTcpTable(nullptr, &size, TRUE, AF_INET, cls, 0);
        for (int attempt = 0; attempt < 10 && rc == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
            buf.assign(size, 0);
            rc = GetExtendedTcpTable(buf.data(), &size, TRUE, AF_INET, cls, 0);
        }
        ASSERT_EQ(rc, static_cast<DWORD>(NO_ERROR));
        DWORD n;
        std::memcpy(&n, buf.data(), 4);
        bool saw_listener = false, saw_client = false;
        for (DWORD i = 0; i < n; ++i) {
            // dwState, dwLocalAddr, dwLocalPort, dwRemoteAddr, dwRemotePort lead both row types.
            MIB_TCPROW r;
            std::memcpy(&r, buf.data() + 4 + i * row_size, sizeof r);
            const bool listening_class =
                cls == TCP_TABLE_BASIC_LISTENER || cls == TCP_TABLE_OWNER_PID_LISTENER;
            EXPECT_EQ(r.dwState == MIB_TCP_STATE_LISTEN, listening_class);
            if (static_cast<u_short>(r.dwLocalPort) == htons(s.listen_port()) &&
                r.dwState == MIB_TCP_STATE_LISTEN)
                saw_listener = true;
            if (static_cast<u_short>(r.dwLocalPort) == htons(s.client_port())) saw_client = true;
        }
        const bool listening_class =
            cls == TCP_TABLE_BASIC_LISTENER || cls == TCP_TABLE_OWNER_PID_LISTENER;
        EXPECT_EQ(saw_listener, listening_class);
        EXPECT_EQ(saw_client, !listening_class);
    }
}

TEST(win32_live, ipv6_loopback_rows) {
    loopback_sockets s(true);
    std::vector<unsigned char> buf;
    ULONG size = 0;
    ULONG rc = GetTcp6Table(nullptr, &size, TRUE);
    for (int attempt = 0; attempt < 10 && rc == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
        buf.assign(size, 0);
        rc = GetTcp6Table(reinterpret_cast<PMIB_TCP6TABLE>(buf.data()), &size, TRUE);
    }
    ASSERT_EQ(rc, NO_ERROR);
    auto* t = reinterpret_cast<PMIB_TCP6TABLE>(buf.data());
    bool found = false;
    for (DWORD i = 0; i < t->dwNumEntries; ++i) {
        const MIB_TCP6ROW& r = t->table[i];
        // Match both ports: an old TIME-WAIT row may hold the same client port.
        if (static_cast<u_short>(r.dwLocalPort) != htons(s.client_port()) ||
            static_cast<u_short>(r.dwRemotePort) != htons(s.listen_port()))
            continue;
        found = true;
        EXPECT_EQ(r.State, MIB_TCP_STATE_ESTAB);
        char text[INET6_ADDRSTRLEN];
        EXPECT_STREQ(inet_ntop(AF_INET6, &r.LocalAddr, text, sizeof text), "::1");
    }
    EXPECT_TRUE(found);
}

// --- Winsock helpers. ------------------------------------------------------------------------

TEST(win32_winsock, byte_order_helpers) {
    const u_short n16 = htons(0x1234);
    unsigned char b[4];
    std::memcpy(b, &n16, 2);
    EXPECT_EQ(b[0], 0x12);
    EXPECT_EQ(b[1], 0x34);
    EXPECT_EQ(ntohs(n16), 0x1234);
    const ULONG n32 = htonl(0x7f000001);
    std::memcpy(b, &n32, 4);
    EXPECT_EQ(b[0], 0x7f);
    EXPECT_EQ(b[3], 0x01);
    EXPECT_EQ(ntohl(n32), 0x7f000001u);
}

TEST(win32_winsock, inet_text) {
    in_addr a;
    a.S_un.S_un_b.s_b1 = 192;
    a.S_un.S_un_b.s_b2 = 168;
    a.S_un.S_un_b.s_b3 = 1;
    a.S_un.S_un_b.s_b4 = 20;
    EXPECT_STREQ(inet_ntoa(a), "192.168.1.20");

    char text[INET_ADDRSTRLEN];
    EXPECT_STREQ(inet_ntop(AF_INET, &a, text, sizeof text), "192.168.1.20");
    EXPECT_EQ(inet_ntop(AF_INET, &a, text, 12), nullptr);  // needs 13 with the NUL
    EXPECT_EQ(WSAGetLastError(), WSA_INVALID_PARAMETER);
    errno = 0;
    EXPECT_EQ(inet_ntop(12345, &a, text, sizeof text), nullptr);
    EXPECT_EQ(errno, EAFNOSUPPORT);

    in6_addr a6;
    EXPECT_EQ(inet_pton(AF_INET6, "2001:db8::1", &a6), 1);
    char text6[INET6_ADDRSTRLEN];
    EXPECT_STREQ(inet_ntop(AF_INET6, &a6, text6, sizeof text6), "2001:db8::1");
    EXPECT_EQ(a6.u.Byte[0], 0x20);
    EXPECT_EQ(inet_pton(AF_INET, "10.0.0.300", &a), 0);
    EXPECT_EQ(inet_pton(AF_INET, "::1", &a), 0);
    EXPECT_EQ(inet_pton(99, "10.0.0.1", &a), -1);
    ASSERT_EQ(inet_pton(AF_INET, "10.0.0.1", &a), 1);
    EXPECT_EQ(a.s_addr, htonl(0x0a000001));
}

TEST(win32_winsock, inet_ntoa_buffer_is_per_thread) {
    in_addr a;
    a.S_un.S_addr = htonl(0x01020304);
    char* mine = inet_ntoa(a);
    char* theirs = nullptr;
    std::thread t([&] {
        in_addr b;
        b.S_un.S_addr = htonl(0x05060708);
        theirs = inet_ntoa(b);
        EXPECT_STREQ(theirs, "5.6.7.8");
    });
    t.join();
    EXPECT_NE(mine, theirs);
    EXPECT_STREQ(mine, "1.2.3.4");
}

TEST(win32_crt, strcpy_s_and_heap) {
    char small[4];
    EXPECT_EQ(strcpy_s(small, sizeof small, "abc"), 0);
    EXPECT_STREQ(small, "abc");
    EXPECT_EQ(strcpy_s(small, sizeof small, "abcd"), ERANGE);
    EXPECT_STREQ(small, "");
    void* p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, 16);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(static_cast<unsigned char*>(p)[15], 0);
    EXPECT_TRUE(HeapFree(GetProcessHeap(), 0, p));
}

}  // namespace
