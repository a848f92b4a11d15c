/* SPDX-License-Identifier: MIT */
/* The Win32 headers from C: they compile in strict C99 and in C11 with every warning, the
 * layouts match Windows x64, and the buffer contract holds when called from C. Exit status 0
 * on success; a message per failed check otherwise. */
/* clang-format off */
#include <winsock2.h>
#include <ws2tcpip.h>
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
