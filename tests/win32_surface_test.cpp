// SPDX-License-Identifier: MIT
// The Win32 surface around the tables (issue 15): the UDP table functions, the owner-module
// classes and GetOwnerModuleFrom*Entry, SetTcpEntry, FormatMessage and the last error, Winsock's
// sockets, InetNtop/InetPton, the character types and the C++ `unsigned long` overloads. Each
// documented error return is checked; live checks use sockets this test opens through the Winsock
// names themselves, and SetTcpEntry runs only in a private network namespace on them.
#include "compat/win32/win32_api.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <cwchar>
#include <string>
#include <tcptable/tcptable.hpp>
#include <tcptable/udp.hpp>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/private_netns.hpp"

// Last: the Win32 headers define macros (s_addr, TRUE, ...) that must not reach the others.
#include <IPHlpApi.h>
#include <WS2tcpip.h>
#include <WinSock2.h>
#include <Windows.h>
#include <netioapi.h>
#include <ntstatus.h>
#include <tchar.h>
#include <winternl.h>

namespace {

using tcptable::ip_address;
using tcptable::udp_row;

// --- Layouts: the shared list, which the cross build checks against MinGW's headers. --------
#define LAYOUT_SIZE(type, bytes) static_assert(sizeof(type) == (bytes), #type);
#define LAYOUT_OFFSET(type, member, bytes) \
    static_assert(offsetof(type, member) == (bytes), #type "::" #member);
#include "win32/layouts.h"
#undef LAYOUT_SIZE
#undef LAYOUT_OFFSET

static_assert(ERROR_NOT_FOUND == 1168 && ERROR_NETWORK_ACCESS_DENIED == 65 && MAX_PATH == 260 &&
              MAX_HOSTNAME_LEN == 128);
static_assert(UDP_TABLE_BASIC == 0 && UDP_TABLE_OWNER_PID == 1 && UDP_TABLE_OWNER_MODULE == 2);
static_assert(MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT) == 0x400 && MAKEWORD(2, 2) == 0x0202);
static_assert(INVALID_SOCKET == static_cast<SOCKET>(-1) && SOCKET_ERROR == -1);
static_assert(IPPROTO_TCP == 6 && IPPROTO_UDP == 17);
static_assert(sizeof(TCHAR) == 1 && sizeof(WCHAR) == sizeof(wchar_t));  // UNICODE is not defined
static_assert(NT_SUCCESS(STATUS_SUCCESS) && !NT_SUCCESS(STATUS_UNSUCCESSFUL));
static_assert(sizeof(NETIO_STATUS) == 4);

// SAL and EXTERN_C expand to nothing / extern "C" in a declaration.
EXTERN_C DWORD WINAPI annotated(_In_ DWORD a, _Out_writes_bytes_(n) PVOID out, _In_ DWORD n,
                                _Inout_opt_ PDWORD io);
EXTERN_C_START
DWORD WINAPI annotated(_In_ DWORD a, _Out_writes_bytes_(n) PVOID out, _In_ DWORD n,
                       _Inout_opt_ PDWORD io) {
    std::memset(out, 0, n);
    if (io != nullptr) *io = a;
    return a;
}
EXTERN_C_END

TEST(win32_surface, sal_and_extern_c) {
    DWORD io = 0;
    char buffer[4];
    EXPECT_EQ(annotated(7, buffer, sizeof buffer, &io), 7u);
    EXPECT_EQ(io, 7u);
}

// --- UDP tables over a fixed set of rows (the UDP rows hook). --------------------------------

std::vector<udp_row> injected;
int udp_calls = 0;
std::size_t grow_after_first = 0;

void replace_udp_rows(std::vector<udp_row>& rows, void*) {
    rows = injected;
    if (udp_calls++ > 0)
        for (std::size_t i = 0; i < grow_after_first; ++i) {
            udp_row r = injected.front();
            r.local_port = static_cast<std::uint16_t>(50000 + i);
            rows.push_back(r);
        }
}

udp_row make_udp(ip_address a, std::uint16_t port, std::uint32_t pid) {
    udp_row r;
    r.local_address = a;
    r.remote_address = a.is_v4() ? ip_address::v4(0, 0, 0, 0) : ip_address::v6({});
    r.local_port = port;
    r.pid = pid;
    return r;
}

class win32_udp : public ::testing::Test {
  protected:
    void SetUp() override {
        udp_calls = 0;
        grow_after_first = 0;
        ip_address::bytes_type ll{0xfe, 0x80};
        ll[15] = 7;
        injected = {
            make_udp(ip_address::v4(10, 0, 0, 2), 53, 40),
            make_udp(ip_address::v4(0, 0, 0, 0), 68, 41),
            make_udp(ip_address::v4(10, 0, 0, 2), 5, 42),
            make_udp(ip_address::v6(ll, 3), 546, 43),
            make_udp(*ip_address::parse("::1"), 323, 44),
        };
        tcptable::detail::set_win32_udp_rows_hook(&replace_udp_rows, nullptr);
    }
    void TearDown() override { tcptable::detail::set_win32_udp_rows_hook(nullptr, nullptr); }
};

TEST_F(win32_udp, null_size_pointer_is_invalid_parameter) {
    EXPECT_EQ(GetUdpTable(nullptr, nullptr, TRUE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetUdp6Table(nullptr, nullptr, TRUE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetExtendedUdpTable(nullptr, nullptr, TRUE, AF_INET, UDP_TABLE_BASIC, 0),
              static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(udp_calls, 0);
}

TEST_F(win32_udp, null_table_reports_the_exact_size_of_each_class) {
    ULONG size = 999999;
    EXPECT_EQ(GetUdpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, 4u + 3u * 8u);
    EXPECT_EQ(GetUdp6Table(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, 4u + 2u * 24u);
    struct expected {
        ULONG af;
        UDP_TABLE_CLASS cls;
        DWORD bytes;
    };
    for (auto e : {expected{AF_INET, UDP_TABLE_BASIC, 4 + 3 * 8},
                   expected{AF_INET, UDP_TABLE_OWNER_PID, 4 + 3 * 12},
                   expected{AF_INET, UDP_TABLE_OWNER_MODULE, 8 + 3 * 160},
                   expected{AF_INET6, UDP_TABLE_BASIC, 4 + 2 * 24},
                   expected{AF_INET6, UDP_TABLE_OWNER_PID, 4 + 2 * 28},
                   expected{AF_INET6, UDP_TABLE_OWNER_MODULE, 8 + 2 * 176}}) {
        DWORD dsize = 0;
        EXPECT_EQ(GetExtendedUdpTable(nullptr, &dsize, TRUE, e.af, e.cls, 0),
                  static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
        EXPECT_EQ(dsize, e.bytes) << e.af << " " << e.cls;
    }
}

TEST_F(win32_udp, bad_class_family_or_reserved_is_invalid_parameter) {
    DWORD size = 5;
    const auto invalid = static_cast<DWORD>(ERROR_INVALID_PARAMETER);
    EXPECT_EQ(
        GetExtendedUdpTable(nullptr, &size, TRUE, AF_INET, static_cast<UDP_TABLE_CLASS>(3), 0),
        invalid);
    EXPECT_EQ(GetExtendedUdpTable(nullptr, &size, TRUE, AF_UNSPEC, UDP_TABLE_BASIC, 0), invalid);
    EXPECT_EQ(GetExtendedUdpTable(nullptr, &size, TRUE, 23, UDP_TABLE_BASIC, 0), invalid);
    EXPECT_EQ(GetExtendedUdpTable(nullptr, &size, TRUE, AF_INET, UDP_TABLE_BASIC, 1), invalid);
    EXPECT_EQ(size, 5u);
    EXPECT_EQ(udp_calls, 0);
}

TEST_F(win32_udp, rows_are_converted_and_sorted_by_local_address_then_port) {
    std::vector<unsigned char> buf(4 + 3 * 12);
    DWORD size = static_cast<DWORD>(buf.size());
    ASSERT_EQ(GetExtendedUdpTable(buf.data(), &size, TRUE, AF_INET, UDP_TABLE_OWNER_PID, 0),
              static_cast<DWORD>(NO_ERROR));
    MIB_UDPTABLE_OWNER_PID* t = reinterpret_cast<MIB_UDPTABLE_OWNER_PID*>(buf.data());
    ASSERT_EQ(t->dwNumEntries, 3u);
    // 0.0.0.0:68, 10.0.0.2:5, 10.0.0.2:53
    EXPECT_EQ(t->table[0].dwLocalAddr, 0u);
    EXPECT_EQ(t->table[0].dwLocalPort, htons(68));
    EXPECT_EQ(t->table[0].dwOwningPid, 41u);
    EXPECT_EQ(t->table[1].dwLocalAddr, htonl(0x0a000002));
    EXPECT_EQ(t->table[1].dwLocalPort, htons(5));
    EXPECT_EQ(t->table[2].dwLocalPort, htons(53));
    EXPECT_EQ(t->table[2].dwOwningPid, 40u);

    // FALSE: the order the rows came in.
    ULONG usize = 4 + 3 * 8;
    std::vector<unsigned char> basic(usize);
    ASSERT_EQ(GetUdpTable(reinterpret_cast<PMIB_UDPTABLE>(basic.data()), &usize, FALSE), NO_ERROR);
    auto* b = reinterpret_cast<MIB_UDPTABLE*>(basic.data());
    EXPECT_EQ(b->table[0].dwLocalPort, htons(53));
    EXPECT_EQ(b->table[2].dwLocalPort, htons(5));
}

TEST_F(win32_udp, ipv6_rows_keep_bytes_and_scope) {
    std::vector<unsigned char> buf(8 + 2 * 176, 0xEE);
    DWORD size = static_cast<DWORD>(buf.size());
    ASSERT_EQ(GetExtendedUdpTable(buf.data(), &size, TRUE, AF_INET6, UDP_TABLE_OWNER_MODULE, 0),
              static_cast<DWORD>(NO_ERROR));
    auto* t = reinterpret_cast<MIB_UDP6TABLE_OWNER_MODULE*>(buf.data());
    ASSERT_EQ(t->dwNumEntries, 2u);
    // ::1 sorts before fe80::7.
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(reinterpret_cast<const IN6_ADDR*>(t->table[0].ucLocalAddr)));
    EXPECT_EQ(t->table[0].dwOwningPid, 44u);
    EXPECT_EQ(t->table[1].ucLocalAddr[0], 0xfe);
    EXPECT_EQ(t->table[1].dwLocalScopeId, 3u);
    EXPECT_EQ(t->table[1].dwLocalPort, htons(546));
    // What Linux does not keep is zero, not left-over bytes.
    EXPECT_EQ(t->table[1].liCreateTimestamp.QuadPart, 0);
    EXPECT_EQ(t->table[1].dwFlags, 0u);
    for (auto v : t->table[1].OwningModuleInfo) EXPECT_EQ(v, 0u);

    ULONG usize = 4 + 2 * 24;
    std::vector<unsigned char> basic(usize);
    ASSERT_EQ(GetUdp6Table(reinterpret_cast<PMIB_UDP6TABLE>(basic.data()), &usize, TRUE), NO_ERROR);
    auto* b = reinterpret_cast<MIB_UDP6TABLE*>(basic.data());
    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&b->table[0].dwLocalAddr));
    EXPECT_TRUE(IN6_IS_ADDR_LINKLOCAL(&b->table[1].dwLocalAddr));
}

TEST_F(win32_udp, too_small_buffer_untouched_and_growth_refused_with_the_new_size) {
    grow_after_first = 4;
    ULONG size = 0;
    ASSERT_EQ(GetUdpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    ASSERT_EQ(size, 4u + 3u * 8u);
    // The caller allocates what the probe said; the table has grown by 4 rows since.
    std::vector<unsigned char> buf(size + 16, 0x5A);
    const std::vector<unsigned char> before = buf;
    ULONG given = size;
    EXPECT_EQ(GetUdpTable(reinterpret_cast<PMIB_UDPTABLE>(buf.data()), &given, TRUE),
              ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(given, 4u + 7u * 8u);
    EXPECT_EQ(buf, before);
    // With the new size it fills, and not a byte past it.
    buf.assign(given + 16, 0x5A);
    ASSERT_EQ(GetUdpTable(reinterpret_cast<PMIB_UDPTABLE>(buf.data()), &given, TRUE), NO_ERROR);
    EXPECT_EQ(reinterpret_cast<MIB_UDPTABLE*>(buf.data())->dwNumEntries, 7u);
    for (std::size_t i = given; i < buf.size(); ++i) EXPECT_EQ(buf[i], 0x5A);
}

// --- The C++ overloads for a size declared `unsigned long`. ----------------------------------

TEST_F(win32_udp, unsigned_long_size_is_accepted_in_cxx) {
    unsigned long size = 0;
    EXPECT_EQ(GetUdpTable(nullptr, &size, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_EQ(size, 4ul + 3ul * 8ul);
    unsigned long dsize = 0;
    EXPECT_EQ(GetExtendedUdpTable(nullptr, &dsize, TRUE, AF_INET6, UDP_TABLE_OWNER_PID, 0),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(dsize, 4ul + 2ul * 28ul);
    // A size beyond 32 bits is offered as the largest ULONG and left alone on success.
    std::vector<unsigned char> buf(64);
    unsigned long huge = 0x1'0000'0000ul;
    EXPECT_EQ(GetUdpTable(reinterpret_cast<PMIB_UDPTABLE>(buf.data()), &huge, TRUE), NO_ERROR);
    EXPECT_EQ(huge, 0x1'0000'0000ul);
    // nullptr and NULL still mean the C function's NULL.
    EXPECT_EQ(GetTcpTable(nullptr, nullptr, TRUE), ERROR_INVALID_PARAMETER);
    EXPECT_EQ(GetTcpTable(NULL, NULL, TRUE), ERROR_INVALID_PARAMETER);
    unsigned long tsize = 0;
    EXPECT_EQ(GetTcpTable(nullptr, &tsize, TRUE), ERROR_INSUFFICIENT_BUFFER);
    EXPECT_GE(tsize, 4ul);
}

// --- Live: this test's own Winsock sockets in the tables. -----------------------------------

struct winsock_socket {
    SOCKET s = INVALID_SOCKET;
    explicit winsock_socket(int family, int type, int protocol)
        : s(socket(family, type, protocol)) {}
    ~winsock_socket() {
        if (s != INVALID_SOCKET) closesocket(s);
    }
    winsock_socket(const winsock_socket&) = delete;
    winsock_socket& operator=(const winsock_socket&) = delete;
};

// Binds to 127.0.0.1:0 and returns the port (host order), or 0.
USHORT bind_loopback4(SOCKET s) {
    SOCKADDR_IN a{};
    a.sin_family = AF_INET;
    if (InetPtonA(AF_INET, "127.0.0.1", &a.sin_addr) != 1) return 0;
    if (bind(s, reinterpret_cast<SOCKADDR*>(&a), sizeof a) == SOCKET_ERROR) return 0;
    int length = sizeof a;
    if (getsockname(s, reinterpret_cast<SOCKADDR*>(&a), &length) == SOCKET_ERROR) return 0;
    return ntohs(a.sin_port);
}

template <class Table>
std::vector<unsigned char> read_udp(ULONG af, UDP_TABLE_CLASS cls) {
    std::vector<unsigned char> buf;
    DWORD size = 0;
    DWORD rc = GetExtendedUdpTable(nullptr, &size, TRUE, af, cls, 0);
    for (int i = 0; i < 8 && rc == ERROR_INSUFFICIENT_BUFFER; ++i) {
        buf.assign(size, 0);
        rc = GetExtendedUdpTable(buf.data(), &size, TRUE, af, cls, 0);
    }
    EXPECT_EQ(rc, static_cast<DWORD>(NO_ERROR));
    return buf;
}

TEST(win32_udp_live, own_sockets_with_owner_and_module) {
    WSADATA wsa;
    ASSERT_EQ(WSAStartup(MAKEWORD(2, 2), &wsa), 0);
    winsock_socket u4(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    ASSERT_NE(u4.s, INVALID_SOCKET);
    const USHORT port4 = bind_loopback4(u4.s);
    ASSERT_NE(port4, 0);
    winsock_socket u6(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    SOCKADDR_IN6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    ASSERT_EQ(bind(u6.s, reinterpret_cast<SOCKADDR*>(&a6), sizeof a6), 0);
    int length = sizeof a6;
    ASSERT_EQ(getsockname(u6.s, reinterpret_cast<SOCKADDR*>(&a6), &length), 0);
    const USHORT port6 = ntohs(a6.sin6_port);

    auto buf = read_udp<MIB_UDPTABLE_OWNER_MODULE>(AF_INET, UDP_TABLE_OWNER_MODULE);
    ASSERT_FALSE(buf.empty());
    auto* t = reinterpret_cast<MIB_UDPTABLE_OWNER_MODULE*>(buf.data());
    const MIB_UDPROW_OWNER_MODULE* mine = nullptr;
    for (DWORD i = 0; i < t->dwNumEntries; ++i)
        if (t->table[i].dwLocalPort == htons(port4) &&
            t->table[i].dwLocalAddr == htonl(INADDR_LOOPBACK))
            mine = &t->table[i];
    ASSERT_NE(mine, nullptr);
    EXPECT_EQ(mine->dwOwningPid, GetCurrentProcessId());

    // The module: the test executable, by name and full path.
    DWORD size = 0;
    auto entry = *mine;
    ASSERT_EQ(GetOwnerModuleFromUdpEntry(&entry, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    std::vector<unsigned char> info(size, 0x33);
    std::vector<unsigned char> short_buffer(size - 1, 0x33);
    DWORD short_size = size - 1;
    EXPECT_EQ(GetOwnerModuleFromUdpEntry(&entry, TCPIP_OWNER_MODULE_INFO_BASIC, short_buffer.data(),
                                         &short_size),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_EQ(short_size, size);
    EXPECT_TRUE(std::all_of(short_buffer.begin(), short_buffer.end(),
                            [](unsigned char c) { return c == 0x33; }));
    ASSERT_EQ(GetOwnerModuleFromUdpEntry(&entry, TCPIP_OWNER_MODULE_INFO_BASIC, info.data(), &size),
              static_cast<DWORD>(NO_ERROR));
    auto* basic = reinterpret_cast<TCPIP_OWNER_MODULE_BASIC_INFO*>(info.data());
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    ASSERT_GT(n, 0);
    self[n] = '\0';
    const std::string path(self), name = path.substr(path.rfind('/') + 1);
    EXPECT_EQ(std::wstring(basic->pModulePath), std::wstring(path.begin(), path.end()));
    EXPECT_EQ(std::wstring(basic->pModuleName), std::wstring(name.begin(), name.end()));
    // Both strings inside the buffer.
    EXPECT_GE(reinterpret_cast<unsigned char*>(basic->pModuleName), info.data() + sizeof *basic);
    EXPECT_LE(
        reinterpret_cast<unsigned char*>(basic->pModulePath + std::wcslen(basic->pModulePath)),
        info.data() + info.size() - sizeof(WCHAR));

    // The same sockets through the portable API.
    tcptable::snapshot_options o;
    o.owner_pids = true;
    bool in_api4 = false, in_api6 = false;
    for (const auto& r : tcptable::snapshot_udp(o)) {
        if (r.local_port == port4 && r.local_address.is_loopback())
            in_api4 = r.pid == GetCurrentProcessId();
        if (r.local_port == port6 && r.local_address.is_loopback())
            in_api6 = r.pid == GetCurrentProcessId();
    }
    EXPECT_TRUE(in_api4);
    EXPECT_TRUE(in_api6);

    auto buf6 = read_udp<MIB_UDP6TABLE_OWNER_PID>(AF_INET6, UDP_TABLE_OWNER_PID);
    ASSERT_FALSE(buf6.empty());
    auto* t6 = reinterpret_cast<MIB_UDP6TABLE_OWNER_PID*>(buf6.data());
    bool found6 = false;
    for (DWORD i = 0; i < t6->dwNumEntries; ++i)
        if (t6->table[i].dwLocalPort == htons(port6) &&
            IN6_IS_ADDR_LOOPBACK(reinterpret_cast<const IN6_ADDR*>(t6->table[i].ucLocalAddr)))
            found6 = t6->table[i].dwOwningPid == GetCurrentProcessId();
    EXPECT_TRUE(found6);
    EXPECT_EQ(WSACleanup(), 0);
}

// --- GetOwnerModuleFrom*Entry's documented errors. --------------------------------------------

TEST(win32_owner_module, documented_errors) {
    MIB_TCPROW_OWNER_MODULE tcp{};
    MIB_TCP6ROW_OWNER_MODULE tcp6{};
    MIB_UDPROW_OWNER_MODULE udp{};
    MIB_UDP6ROW_OWNER_MODULE udp6{};
    DWORD size = 100;
    const auto invalid = static_cast<DWORD>(ERROR_INVALID_PARAMETER);
    const auto not_found = static_cast<DWORD>(ERROR_NOT_FOUND);
    EXPECT_EQ(GetOwnerModuleFromTcpEntry(nullptr, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              invalid);
    EXPECT_EQ(GetOwnerModuleFromTcpEntry(&tcp, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, nullptr),
              invalid);
    EXPECT_EQ(GetOwnerModuleFromTcpEntry(&tcp, static_cast<TCPIP_OWNER_MODULE_INFO_CLASS>(1),
                                         nullptr, &size),
              invalid);
    // dwOwningPid zero, or no such process: ERROR_NOT_FOUND.
    EXPECT_EQ(GetOwnerModuleFromTcpEntry(&tcp, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              not_found);
    EXPECT_EQ(GetOwnerModuleFromTcp6Entry(&tcp6, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              not_found);
    EXPECT_EQ(GetOwnerModuleFromUdpEntry(&udp, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              not_found);
    EXPECT_EQ(GetOwnerModuleFromUdp6Entry(&udp6, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              not_found);
    tcp.dwOwningPid = 0x7ffffff0u;  // above Linux's pid_max limit: no such process
    EXPECT_EQ(GetOwnerModuleFromTcpEntry(&tcp, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
              not_found);
    EXPECT_EQ(size, 100u);
    // A kernel thread (kthreadd, pid 2 in the initial pid namespace) has no executable.
    tcp.dwOwningPid = 2;
    std::error_code ec;
    if (tcptable::process_name(2, ec) == "kthreadd") {
        EXPECT_EQ(GetOwnerModuleFromTcpEntry(&tcp, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &size),
                  not_found);
    }
    // unsigned long sizes in C++.
    tcp6.dwOwningPid = GetCurrentProcessId();
    unsigned long lsize = 0;
    EXPECT_EQ(GetOwnerModuleFromTcp6Entry(&tcp6, TCPIP_OWNER_MODULE_INFO_BASIC, nullptr, &lsize),
              static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    EXPECT_GT(lsize, sizeof(TCPIP_OWNER_MODULE_BASIC_INFO));
}

// --- SetTcpEntry: only in a private namespace, on this test's own connection. ----------------

TEST(win32_set_tcp_entry, invalid_rows_are_refused_before_anything_is_done) {
    EXPECT_EQ(SetTcpEntry(nullptr), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    MIB_TCPROW row{};
    for (DWORD state : {1u, 2u, 5u, 11u, 13u, 100u}) {
        row.dwState = state;
        EXPECT_EQ(SetTcpEntry(&row), static_cast<DWORD>(ERROR_INVALID_PARAMETER)) << state;
    }
}

// In the child, in a namespace of its own: a connection, SetTcpEntry on it, and what follows.
std::string set_tcp_entry_in_private_netns(bool as_nobody) {
    if (auto why = tcptable::testing::enter_private_netns(); !why.empty()) return "SKIP: " + why;
    winsock_socket listener(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const USHORT port = bind_loopback4(listener.s);
    if (port == 0 || listen(listener.s, 1) != 0) return "listener failed";
    winsock_socket client(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    SOCKADDR_IN to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(client.s, reinterpret_cast<SOCKADDR*>(&to), sizeof to) != 0) return "connect";
    SOCKADDR_IN from{};
    int length = sizeof from;
    SOCKET server = accept(listener.s, reinterpret_cast<SOCKADDR*>(&from), &length);
    if (server == INVALID_SOCKET) return "accept";
    winsock_socket held_server(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    closesocket(held_server.s);
    held_server.s = server;

    MIB_TCPROW row{};
    row.dwState = MIB_TCP_STATE_DELETE_TCB;
    row.dwLocalAddr = htonl(INADDR_LOOPBACK);
    row.dwLocalPort = from.sin_port;  // the client's end, network order
    row.dwRemoteAddr = htonl(INADDR_LOOPBACK);
    row.dwRemotePort = htons(port);
    if (as_nobody) {
        const passwd* nobody = ::getpwnam("nobody");
        if (nobody == nullptr) return "SKIP: no user nobody";
        if (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) return "setuid";
        const DWORD rc = SetTcpEntry(&row);
        if (rc != ERROR_ACCESS_DENIED) return "as nobody: " + std::to_string(rc);
        return "";
    }
    const DWORD rc = SetTcpEntry(&row);
    if (rc == ERROR_NOT_SUPPORTED) return "SKIP: kernel without CONFIG_INET_DIAG_DESTROY";
    if (rc != NO_ERROR) return "SetTcpEntry: " + std::to_string(rc);
    // Gone from the table: no row with the client's port remains.
    ULONG size = 0;
    std::vector<unsigned char> buf;
    DWORD got = GetTcpTable(nullptr, &size, TRUE);
    for (int i = 0; i < 8 && got == ERROR_INSUFFICIENT_BUFFER; ++i) {
        buf.assign(size, 0);
        got = GetTcpTable(reinterpret_cast<PMIB_TCPTABLE>(buf.data()), &size, TRUE);
    }
    if (got != NO_ERROR) return "GetTcpTable: " + std::to_string(got);
    auto* t = reinterpret_cast<MIB_TCPTABLE*>(buf.data());
    for (DWORD i = 0; i < t->dwNumEntries; ++i)
        if (t->table[i].dwLocalPort == row.dwLocalPort &&
            t->table[i].dwState != MIB_TCP_STATE_TIME_WAIT)
            return "client row still there, state " + std::to_string(t->table[i].dwState);
    // The client's socket saw its connection aborted.
    char byte;
    if (recv(client.s, &byte, 1, 0) != SOCKET_ERROR) return "recv on the destroyed socket worked";
    const int wsa = WSAGetLastError();
    if (wsa != WSAECONNABORTED && wsa != WSAECONNRESET) return "recv: " + std::to_string(wsa);
    // Once more: nothing left to destroy.
    const DWORD again = SetTcpEntry(&row);
    if (again != ERROR_NOT_FOUND) return "second SetTcpEntry: " + std::to_string(again);
    return "";
}

TEST(win32_set_tcp_entry, deletes_the_tests_own_connection_in_a_private_namespace) {
    auto r = tcptable::testing::run_in_child([] { return set_tcp_entry_in_private_netns(false); });
    if (r.skipped) GTEST_SKIP() << r.message;
    EXPECT_TRUE(r.ok) << r.message;
}

TEST(win32_set_tcp_entry, without_cap_net_admin_is_access_denied) {
    auto r = tcptable::testing::run_in_child([] { return set_tcp_entry_in_private_netns(true); });
    if (r.skipped) GTEST_SKIP() << r.message;
    EXPECT_TRUE(r.ok) << r.message;
}

// --- FormatMessage, the last error, the process id. ------------------------------------------

std::string format_system(DWORD code, DWORD language = 0, DWORD flags = 0) {
    LPSTR text = nullptr;
    const DWORD n =
        FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                           FORMAT_MESSAGE_IGNORE_INSERTS | flags,
                       nullptr, code, language, reinterpret_cast<LPSTR>(&text), 0, nullptr);
    if (n == 0) return "<" + std::to_string(GetLastError()) + ">";
    std::string s(text, n);
    EXPECT_EQ(std::strlen(text), n);
    EXPECT_EQ(LocalFree(text), nullptr);
    return s;
}

TEST(win32_format_message, a_message_for_every_code_the_layer_returns) {
    for (DWORD code : std::initializer_list<DWORD>{
             ERROR_SUCCESS, ERROR_ACCESS_DENIED, ERROR_NOT_ENOUGH_MEMORY, ERROR_GEN_FAILURE,
             ERROR_NOT_SUPPORTED, ERROR_NETWORK_ACCESS_DENIED, ERROR_INVALID_PARAMETER,
             ERROR_INSUFFICIENT_BUFFER, ERROR_NOT_FOUND, ERROR_PARTIAL_COPY, ERROR_MR_MID_NOT_FOUND,
             static_cast<DWORD>(WSAEADDRINUSE), static_cast<DWORD>(WSAEAFNOSUPPORT),
             static_cast<DWORD>(WSAEFAULT), static_cast<DWORD>(WSAECONNRESET),
             static_cast<DWORD>(WSAECONNREFUSED)}) {
        const std::string m = format_system(code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT));
        ASSERT_GT(m.size(), 2u) << code;
        EXPECT_NE(m[0], '<') << code << ": " << m;
        EXPECT_EQ(m.substr(m.size() - 2), "\r\n") << code;
    }
    EXPECT_EQ(format_system(ERROR_INSUFFICIENT_BUFFER),
              "The data area passed to a system call is too small.\r\n");
    EXPECT_EQ(format_system(ERROR_NOT_SUPPORTED), "The request is not supported.\r\n");
    // FORMAT_MESSAGE_MAX_WIDTH_MASK: no line break.
    EXPECT_EQ(format_system(ERROR_NOT_FOUND, 0, FORMAT_MESSAGE_MAX_WIDTH_MASK),
              "Element not found.");
}

TEST(win32_format_message, documented_failures_set_the_last_error) {
    EXPECT_EQ(format_system(4242), "<" + std::to_string(ERROR_MR_MID_NOT_FOUND) + ">");
    EXPECT_EQ(format_system(ERROR_NOT_FOUND, MAKELANGID(0x0c, SUBLANG_DEFAULT)),  // French
              "<" + std::to_string(ERROR_RESOURCE_LANG_NOT_FOUND) + ">");
    char small[8];
    EXPECT_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, nullptr, ERROR_NOT_FOUND, 0, small,
                             sizeof small, nullptr),
              0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
    char fits[64];
    EXPECT_EQ(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM, nullptr, ERROR_NOT_FOUND, 0, fits,
                             sizeof fits, nullptr),
              20u);
    EXPECT_STREQ(fits, "Element not found.\r\n");
    EXPECT_EQ(FormatMessageA(0, nullptr, ERROR_NOT_FOUND, 0, fits, sizeof fits, nullptr), 0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_PARAMETER));
    EXPECT_EQ(
        FormatMessageA(FORMAT_MESSAGE_FROM_STRING, "no inserts", 0, 0, fits, sizeof fits, nullptr),
        10u);
    EXPECT_STREQ(fits, "no inserts");
}

TEST(win32_format_message, wide) {
    LPWSTR text = nullptr;
    const DWORD n = FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        nullptr, ERROR_ACCESS_DENIED, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
        reinterpret_cast<LPWSTR>(&text), 0, nullptr);
    ASSERT_EQ(n, 19u);
    EXPECT_EQ(std::wstring(text), L"Access is denied.\r\n");
    LocalFree(text);
    WCHAR small[4];
    EXPECT_EQ(FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM, nullptr, ERROR_ACCESS_DENIED, 0, small, 4,
                             nullptr),
              0u);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INSUFFICIENT_BUFFER));
}

TEST(win32_last_error, per_thread_and_shared_with_winsock) {
    SetLastError(ERROR_NOT_FOUND);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_NOT_FOUND));
    EXPECT_EQ(WSAGetLastError(), static_cast<int>(ERROR_NOT_FOUND));
    DWORD other = 1;
    std::thread([&] { other = GetLastError(); }).join();
    EXPECT_EQ(other, 0u);
    WSASetLastError(WSAECONNREFUSED);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(WSAECONNREFUSED));
    SetLastError(0);
    EXPECT_EQ(GetLastError(), 0u);
    EXPECT_EQ(GetCurrentProcessId(), static_cast<DWORD>(::getpid()));

    // A failing socket call: its errno, as Winsock's code.
    winsock_socket a(AF_INET, SOCK_STREAM, IPPROTO_TCP), b(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const USHORT port = bind_loopback4(a.s);
    ASSERT_NE(port, 0);
    ASSERT_EQ(listen(a.s, 1), 0);
    SOCKADDR_IN same{};
    same.sin_family = AF_INET;
    same.sin_port = htons(port);
    same.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(b.s, reinterpret_cast<SOCKADDR*>(&same), sizeof same), SOCKET_ERROR);
    EXPECT_EQ(WSAGetLastError(), WSAEADDRINUSE);
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(WSAEADDRINUSE));
    EXPECT_EQ(closesocket(static_cast<SOCKET>(-1)), SOCKET_ERROR);
    EXPECT_EQ(WSAGetLastError(), WSAEBADF);
}

TEST(win32_winsock_surface, startup_names_and_services) {
    WSADATA data;
    EXPECT_EQ(WSAStartup(MAKEWORD(2, 2), nullptr), WSAEFAULT);
    EXPECT_EQ(WSAStartup(MAKEWORD(0, 9), &data), WSAVERNOTSUPPORTED);
    ASSERT_EQ(WSAStartup(MAKEWORD(1, 1), &data), 0);
    EXPECT_EQ(data.wVersion, MAKEWORD(1, 1));
    ASSERT_EQ(WSAStartup(MAKEWORD(3, 0), &data), 0);
    EXPECT_EQ(data.wVersion, MAKEWORD(2, 2));
    EXPECT_EQ(data.wHighVersion, MAKEWORD(2, 2));
    EXPECT_EQ(WSACleanup(), 0);

    char host[MAX_HOSTNAME_LEN];
    EXPECT_EQ(gethostname(host, static_cast<int>(sizeof host)), 0);
    EXPECT_GT(std::strlen(host), 0u);

    // getservbyport takes the port in network order and gives Windows' servent.
    if (servent* s = getservbyport(htons(22), "tcp")) {
        EXPECT_STREQ(s->s_name, "ssh");
        EXPECT_EQ(ntohs(static_cast<u_short>(s->s_port)), 22);
        EXPECT_STREQ(s->s_proto, "tcp");
    }
    EXPECT_EQ(getservbyport(htons(1), "no-such-protocol"), nullptr);

    EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&in6addr_loopback));
    EXPECT_FALSE(IN6_IS_ADDR_LOOPBACK(&in6addr_any));
    EXPECT_TRUE(IN6_IS_ADDR_UNSPECIFIED(&in6addr_any));
    const IN6_ADDR loop = IN6ADDR_LOOPBACK_INIT;
    EXPECT_TRUE(IN6_ADDR_EQUAL(&loop, &in6addr_loopback));
}

TEST(win32_winsock_surface, inet_ntop_and_pton_wide_and_narrow) {
    IN_ADDR a{};
    ASSERT_EQ(InetPtonW(AF_INET, L"192.0.2.7", &a), 1);
    EXPECT_EQ(a.S_un.S_addr, htonl(0xc0000207));
    WCHAR wide[INET6_ADDRSTRLEN];
    ASSERT_NE(InetNtopW(AF_INET, &a, wide, INET6_ADDRSTRLEN), nullptr);
    EXPECT_EQ(std::wstring(wide), L"192.0.2.7");
    IN6_ADDR b{};
    ASSERT_EQ(InetPtonA(AF_INET6, "2001:db8::7", &b), 1);
    char narrow[INET6_ADDRSTRLEN];
    EXPECT_STREQ(InetNtopA(AF_INET6, &b, narrow, sizeof narrow), "2001:db8::7");
    EXPECT_STREQ(InetNtop(AF_INET6, &b, narrow, sizeof narrow), "2001:db8::7");  // no UNICODE

    // The documented errors (InetPton / InetNtop pages).
    EXPECT_EQ(InetPtonW(AF_INET, L"192.0.2.300", &a), 0);
    EXPECT_EQ(InetPtonW(AF_INET, L"192.0.2.7\u00e9", &a), 0);
    EXPECT_EQ(InetPtonW(AF_INET6, L"fe80::1%2", &b), 0);
    EXPECT_EQ(InetPtonW(12345, L"192.0.2.7", &a), -1);
    EXPECT_EQ(WSAGetLastError(), WSAEAFNOSUPPORT);
    EXPECT_EQ(InetPtonW(AF_INET, nullptr, &a), -1);
    EXPECT_EQ(WSAGetLastError(), WSAEFAULT);
    EXPECT_EQ(InetPtonA(AF_INET, "192.0.2.7", nullptr), -1);
    EXPECT_EQ(WSAGetLastError(), WSAEFAULT);
    EXPECT_EQ(InetNtopW(12345, &a, wide, INET6_ADDRSTRLEN), nullptr);
    EXPECT_EQ(WSAGetLastError(), WSAEAFNOSUPPORT);
    EXPECT_EQ(InetNtopW(AF_INET, &a, nullptr, INET6_ADDRSTRLEN), nullptr);
    EXPECT_EQ(WSAGetLastError(), WSA_INVALID_PARAMETER);
    EXPECT_EQ(InetNtopW(AF_INET, &a, wide, 0), nullptr);
    EXPECT_EQ(WSAGetLastError(), WSA_INVALID_PARAMETER);
    EXPECT_EQ(InetNtopW(AF_INET, &a, wide, 9), nullptr);  // "192.0.2.7" needs 10
    EXPECT_EQ(WSAGetLastError(), WSA_INVALID_PARAMETER);
    EXPECT_NE(InetNtopW(AF_INET, &a, wide, 10), nullptr);
}

TEST(win32_chars, generic_text_without_unicode) {
    LPCTSTR t = TEXT("narrow");
    EXPECT_STREQ(t, "narrow");
    LPCWSTR w = L"wide";
    PCWSTR pw = w;
    EXPECT_EQ(std::wcslen(pw), 4u);
    const _TCHAR* u = _T("tchar");
    EXPECT_EQ(_tcslen(u), 5u);
}

}  // namespace
