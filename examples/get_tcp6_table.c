/* SPDX-License-Identifier: MIT */
/* Prints the IPv6 TCP connection table with GetTcp6Table, the way a Windows program would.
 * On Linux it builds against include/tcptable/win32 and libtcptable; on Windows against the
 * SDK and Iphlpapi.lib. Output: one block of "TCP6[i] Field: value" lines per row. */
/* On Windows winsock2.h must come before iphlpapi.h (which pulls in windows.h and, without it,
 * the old winsock.h); keep the order. */
/* clang-format off */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>

#ifdef _MSC_VER
#pragma comment(lib, "iphlpapi.lib")
#pragma comment(lib, "ws2_32.lib")
#endif

static const char* state_name(DWORD state) {
    static const char* const names[] = {"UNKNOWN",      "CLOSED",      "LISTEN",     "SYN-SENT",
                                        "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2",
                                        "CLOSE-WAIT",   "CLOSING",     "LAST-ACK",   "TIME-WAIT",
                                        "DELETE-TCB"};
    return state <= 12 ? names[state] : "UNKNOWN";
}

int main(void) {
    PMIB_TCP6TABLE table = NULL;
    ULONG size = 0;
    ULONG result;
    DWORD i;
    int attempt;
    char local[INET6_ADDRSTRLEN];
    char remote[INET6_ADDRSTRLEN];

    /* The table can grow between the call that sizes it and the call that fills it (on a busy
     * machine connections open all the time): on ERROR_INSUFFICIENT_BUFFER, free the buffer,
     * allocate the size the call returned and call again. The size returned is already old
     * when the next call looks, so ask for some room to spare too, more on each retry, and give
     * up after 5 tries. */
    result = GetTcp6Table(NULL, &size, TRUE);
    for (attempt = 0; attempt < 5 && result == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
        free(table);
        size += (ULONG)((size / 8 + 16 * sizeof(MIB_TCP6ROW)) << attempt);
        table = (PMIB_TCP6TABLE)malloc(size);
        if (table == NULL) {
            printf("Error allocating memory\n");
            return 1;
        }
        result = GetTcp6Table(table, &size, TRUE);
    }
    if (result != NO_ERROR) {
        printf("\tGetTcp6Table failed with %lu\n", (unsigned long)result);
        free(table);
        return 1;
    }

    printf("\tNumber of entries: %lu\n", (unsigned long)table->dwNumEntries);
    for (i = 0; i < table->dwNumEntries; ++i) {
        const MIB_TCP6ROW* row = &table->table[i];
        if (inet_ntop(AF_INET6, &row->LocalAddr, local, sizeof local) == NULL ||
            inet_ntop(AF_INET6, &row->RemoteAddr, remote, sizeof remote) == NULL) {
            printf("\tinet_ntop failed\n");
            free(table);
            return 1;
        }
        printf("\n\tTCP6[%lu] State: %d - %s\n", (unsigned long)i, (int)row->State,
               state_name((DWORD)row->State));
        printf("\tTCP6[%lu] Local Addr: %s\n", (unsigned long)i, local);
        printf("\tTCP6[%lu] Local Scope ID: %lu\n", (unsigned long)i,
               (unsigned long)row->dwLocalScopeId);
        printf("\tTCP6[%lu] Local Port: %u\n", (unsigned long)i,
               (unsigned)ntohs((u_short)row->dwLocalPort));
        printf("\tTCP6[%lu] Remote Addr: %s\n", (unsigned long)i, remote);
        printf("\tTCP6[%lu] Remote Scope ID: %lu\n", (unsigned long)i,
               (unsigned long)row->dwRemoteScopeId);
        printf("\tTCP6[%lu] Remote Port: %u\n", (unsigned long)i,
               (unsigned)ntohs((u_short)row->dwRemotePort));
    }
    free(table);
    return 0;
}
