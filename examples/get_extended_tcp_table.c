/* SPDX-License-Identifier: MIT */
/* Prints every IPv4 TCP endpoint with its owning process, using GetExtendedTcpTable with
 * TCP_TABLE_OWNER_PID_ALL. Output: one block of "TCP[i] Field: value" lines per row. */
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
    PMIB_TCPTABLE_OWNER_PID table = NULL;
    DWORD size = 0;
    DWORD result;
    DWORD i;
    int attempt;
    struct in_addr address;
    char local[INET_ADDRSTRLEN];
    char remote[INET_ADDRSTRLEN];

    /* The table can grow between the call that sizes it and the call that fills it (on a busy
     * machine connections open all the time): on ERROR_INSUFFICIENT_BUFFER, free the buffer,
     * allocate the size the call returned and call again. The size returned is already old
     * when the next call looks, so ask for some room to spare too, more on each retry, and give
     * up after 5 tries. */
    result = GetExtendedTcpTable(NULL, &size, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0);
    for (attempt = 0; attempt < 5 && result == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
        free(table);
        size += (DWORD)((size / 8 + 16 * sizeof(MIB_TCPROW_OWNER_PID)) << attempt);
        table = (PMIB_TCPTABLE_OWNER_PID)malloc(size);
        if (table == NULL) {
            printf("Error allocating memory\n");
            return 1;
        }
        result = GetExtendedTcpTable(table, &size, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0);
    }
    if (result != NO_ERROR) {
        printf("\tGetExtendedTcpTable failed with %lu\n", (unsigned long)result);
        free(table);
        return 1;
    }

    printf("\tNumber of entries: %lu\n", (unsigned long)table->dwNumEntries);
    for (i = 0; i < table->dwNumEntries; ++i) {
        const MIB_TCPROW_OWNER_PID* row = &table->table[i];
        address.S_un.S_addr = row->dwLocalAddr;
        inet_ntop(AF_INET, &address, local, sizeof local);
        address.S_un.S_addr = row->dwRemoteAddr;
        inet_ntop(AF_INET, &address, remote, sizeof remote);

        printf("\n\tTCP[%lu] State: %lu - %s\n", (unsigned long)i, (unsigned long)row->dwState,
               state_name(row->dwState));
        printf("\tTCP[%lu] Local Addr: %s\n", (unsigned long)i, local);
        printf("\tTCP[%lu] Local Port: %u\n", (unsigned long)i,
               (unsigned)ntohs((u_short)row->dwLocalPort));
        printf("\tTCP[%lu] Remote Addr: %s\n", (unsigned long)i, remote);
        printf("\tTCP[%lu] Remote Port: %u\n", (unsigned long)i,
               (unsigned)ntohs((u_short)row->dwRemotePort));
        printf("\tTCP[%lu] Owning PID: %lu\n", (unsigned long)i, (unsigned long)row->dwOwningPid);
    }
    free(table);
    return 0;
}
