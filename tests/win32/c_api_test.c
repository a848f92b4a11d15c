/* SPDX-License-Identifier: MIT */
/* The Win32 headers from C: they compile in strict C99 and in C11 with every warning, the
 * layouts match Windows x64, and the buffer contract holds when called from C. Exit status 0
 * on success; a message per failed check otherwise. */
/* clang-format off */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <iphlpapi.h>
/* clang-format on */

#include <stdio.h>
#include <string.h>

/* C99 has no _Static_assert: a negative array size fails the same way. */
#define LAYOUT_ASSERT(cond, name) typedef char layout_assert_##name[(cond) ? 1 : -1]

LAYOUT_ASSERT(sizeof(DWORD) == 4 && sizeof(ULONG) == 4 && sizeof(LONG) == 4, dword);
LAYOUT_ASSERT(sizeof(struct in_addr) == 4 && sizeof(struct in6_addr) == 16, addr);
LAYOUT_ASSERT(sizeof(MIB_TCPROW) == 20 && offsetof(MIB_TCPROW, dwRemotePort) == 16, tcprow);
LAYOUT_ASSERT(sizeof(MIB_TCPTABLE) == 24 && offsetof(MIB_TCPTABLE, table) == 4, tcptable);
LAYOUT_ASSERT(sizeof(MIB_TCPROW2) == 28 && offsetof(MIB_TCPROW2, dwOffloadState) == 24, tcprow2);
LAYOUT_ASSERT(sizeof(MIB_TCPROW_OWNER_PID) == 24, tcprow_owner_pid);
LAYOUT_ASSERT(sizeof(MIB_TCP6ROW) == 52 && offsetof(MIB_TCP6ROW, dwLocalPort) == 24, tcp6row);
LAYOUT_ASSERT(sizeof(MIB_TCP6ROW2) == 60 && offsetof(MIB_TCP6ROW2, State) == 48, tcp6row2);
LAYOUT_ASSERT(sizeof(MIB_TCP6ROW_OWNER_PID) == 56 &&
                  offsetof(MIB_TCP6ROW_OWNER_PID, dwOwningPid) == 52,
              tcp6row_owner_pid);
LAYOUT_ASSERT(sizeof(MIB_TCPROW_OWNER_MODULE) == 160, tcprow_owner_module);
LAYOUT_ASSERT(sizeof(MIB_TCP6ROW_OWNER_MODULE) == 192, tcp6row_owner_module);
LAYOUT_ASSERT(sizeof(MIB_TCPSTATS) == 60 && offsetof(MIB_TCPSTATS, dwNumConns) == 56, tcpstats);

/* The shared list (tests/win32/layouts.h), which the cross build checks against MinGW's. */
#define LAYOUT_SIZE(type, bytes) LAYOUT_ASSERT(sizeof(type) == (bytes), size_##type);
#define LAYOUT_OFFSET(type, member, bytes) \
    LAYOUT_ASSERT(offsetof(type, member) == (bytes), offset_##type##_##member);
#include "layouts.h"
#undef LAYOUT_SIZE
#undef LAYOUT_OFFSET

static int failures = 0;

static void check(int ok, const char* what) {
    if (!ok) {
        printf("FAILED: %s\n", what);
        ++failures;
    }
}

int main(void) {
    ULONG size = 0;
    DWORD dsize = 0;
    MIB_TCPROW row;
    struct in_addr address;
    unsigned char canary[64];
    unsigned char* buffer;

    check(GetTcpTable(NULL, NULL, TRUE) == ERROR_INVALID_PARAMETER, "NULL size pointer");
    check(GetTcpTable(NULL, &size, TRUE) == ERROR_INSUFFICIENT_BUFFER, "NULL table");
    check(size >= offsetof(MIB_TCPTABLE, table) &&
              (size - offsetof(MIB_TCPTABLE, table)) % sizeof(MIB_TCPROW) == 0,
          "size is the count plus whole rows");
    check(GetExtendedTcpTable(NULL, &dsize, TRUE, AF_UNSPEC, TCP_TABLE_BASIC_ALL, 0) ==
              ERROR_INVALID_PARAMETER,
          "bad family");
    check(GetExtendedTcpTable(NULL, &dsize, TRUE, AF_INET6, TCP_TABLE_BASIC_ALL, 0) ==
              ERROR_NOT_SUPPORTED,
          "no IPv6 basic extended table");
    check(GetUdpTable(NULL, NULL, TRUE) == ERROR_INVALID_PARAMETER, "UDP: NULL size pointer");
    size = 0;
    check(GetUdpTable(NULL, &size, TRUE) == ERROR_INSUFFICIENT_BUFFER &&
              (size - offsetof(MIB_UDPTABLE, table)) % sizeof(MIB_UDPROW) == 0,
          "UDP: NULL table");
    dsize = 0;
    check(GetExtendedUdpTable(NULL, &dsize, TRUE, AF_INET6, UDP_TABLE_OWNER_MODULE, 0) ==
                  ERROR_INSUFFICIENT_BUFFER &&
              (dsize - 8) % sizeof(MIB_UDP6ROW_OWNER_MODULE) == 0,
          "UDP6 owner module size");
    check(GetExtendedUdpTable(NULL, &dsize, TRUE, AF_INET, (UDP_TABLE_CLASS)3, 0) ==
              ERROR_INVALID_PARAMETER,
          "UDP: bad class");
    check(SetTcpEntry(NULL) == ERROR_INVALID_PARAMETER, "SetTcpEntry(NULL)");
    SetLastError(ERROR_NOT_FOUND);
    check(GetLastError() == ERROR_NOT_FOUND, "SetLastError");
    {
        char text[64];
        check(FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             ERROR_NOT_FOUND, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), text,
                             sizeof text, NULL) == 20 &&
                  strcmp(text, "Element not found.\r\n") == 0,
              "FormatMessageA");
    }
    {
        /* Winsock from C: lengths as int, through the macros. */
        WSADATA wsa;
        SOCKET s;
        SOCKADDR_IN a;
        int length = sizeof a;
        check(WSAStartup(MAKEWORD(2, 2), &wsa) == 0, "WSAStartup");
        s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        check(s != INVALID_SOCKET, "socket");
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        check(bind(s, (SOCKADDR*)&a, sizeof a) == 0, "bind");
        check(getsockname(s, (SOCKADDR*)&a, &length) == 0 && a.sin_port != 0, "getsockname");
        check(closesocket(s) == 0, "closesocket");
        check(WSACleanup() == 0, "WSACleanup");
    }

    /* A buffer one byte short is refused and left as it was. */
    size = (ULONG)(offsetof(MIB_TCPTABLE, table) + 100000 * sizeof(MIB_TCPROW));
    buffer = (unsigned char*)HeapAlloc(GetProcessHeap(), 0, size + sizeof canary);
    check(buffer != NULL, "HeapAlloc");
    if (buffer != NULL) {
        memset(canary, 0xAB, sizeof canary);
        memcpy(buffer + size, canary, sizeof canary);
        check(GetTcpTable((PMIB_TCPTABLE)buffer, &size, TRUE) == NO_ERROR, "large buffer");
        check(memcmp(buffer + size, canary, sizeof canary) == 0, "no byte past the buffer");
        HeapFree(GetProcessHeap(), 0, buffer);
    }

    /* The anonymous union and the in_addr views. */
    row.dwState = MIB_TCP_STATE_ESTAB;
    check(row.State == MIB_TCP_STATE_ESTAB, "State aliases dwState");
    address.S_un.S_addr = htonl(0x7f000001);
    check(address.S_un.S_un_b.s_b1 == 127 && address.S_un.S_un_b.s_b4 == 1, "S_un_b");
    check(strcmp(inet_ntoa(address), "127.0.0.1") == 0, "inet_ntoa");
    check(ntohs(htons(8080)) == 8080, "ntohs");

    if (failures == 0) printf("c_api_test: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
