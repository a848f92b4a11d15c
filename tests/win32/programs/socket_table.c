/* SPDX-License-Identifier: MIT */
/* socket_table: a Windows IP Helper program written for tcptable's tests, in the style of real
 * ones (a netstat, an endpoint agent's socket table): headers spelled as Windows programs spell
 * them, Winsock sockets of its own, the TCP and UDP tables with owners and module names, wide
 * strings, FormatMessage on every failure. It is built unmodified against the Windows SDK
 * (MinGW-w64, run under Wine) and against include/tcptable/win32 on Linux, as C and as C++.
 *
 * It opens a TCP listener, one connection to it and UDP sockets on 127.0.0.1 and ::1, then
 * prints every row of the tables ("TCP ...", "UDP ...", "TCP6 ...", "UDP6 ...") and, for its own
 * sockets, one "OWN" line each, plus the owner module of its listener. Exit status 0 when every
 * own socket was found in the tables with this process as its owner (or none, which is what
 * Wine reports). With the argument "hold" it
 * then prints "READY" and waits for a line on stdin before closing its sockets. */
/* clang-format off: Windows' order (Winsock before windows.h, iphlpapi last) matters there. */
#include <WinSock2.h>
#include <WS2tcpip.h>
#include <Windows.h>
#include <IPHlpApi.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#pragma comment(lib, "iphlpapi.lib")
#pragma comment(lib, "ws2_32.lib")

static int failures = 0;

/* The system's message for an error code, as Windows programs print it. */
static void PrintError(LPCSTR what, DWORD code) {
    LPWSTR message = NULL;
    DWORD length = FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        NULL, code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), (LPWSTR)&message, 0, NULL);
    if (length == 0) {
        printf("ERROR %s failed with %lu\n", what, (unsigned long)code);
    } else {
        printf("ERROR %s failed with %lu: %ls", what, (unsigned long)code, message);
        LocalFree(message);
    }
    ++failures;
}

/* A table from one of the extended functions, retried while it grows between calls. */
static PVOID ReadTable(LPCSTR what, BOOL tcp, ULONG family, int tableClass) {
    DWORD size = 0;
    PVOID table = NULL;
    DWORD result = ERROR_INSUFFICIENT_BUFFER;
    int attempt;
    for (attempt = 0; attempt < 8 && result == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
        free(table);
        table = size ? malloc(size) : NULL;
        if (size && table == NULL) {
            PrintError("malloc", ERROR_NOT_ENOUGH_MEMORY);
            return NULL;
        }
        result =
            tcp ? GetExtendedTcpTable(table, &size, TRUE, family, (TCP_TABLE_CLASS)tableClass, 0)
                : GetExtendedUdpTable(table, &size, TRUE, family, (UDP_TABLE_CLASS)tableClass, 0);
    }
    if (result != NO_ERROR) {
        PrintError(what, result);
        free(table);
        return NULL;
    }
    return table;
}

static LPCSTR StateName(DWORD state) {
    switch (state) {
        case MIB_TCP_STATE_CLOSED:
            return "CLOSED";
        case MIB_TCP_STATE_LISTEN:
            return "LISTEN";
        case MIB_TCP_STATE_SYN_SENT:
            return "SYN-SENT";
        case MIB_TCP_STATE_SYN_RCVD:
            return "SYN-RECEIVED";
        case MIB_TCP_STATE_ESTAB:
            return "ESTABLISHED";
        case MIB_TCP_STATE_FIN_WAIT1:
            return "FIN-WAIT-1";
        case MIB_TCP_STATE_FIN_WAIT2:
            return "FIN-WAIT-2";
        case MIB_TCP_STATE_CLOSE_WAIT:
            return "CLOSE-WAIT";
        case MIB_TCP_STATE_CLOSING:
            return "CLOSING";
        case MIB_TCP_STATE_LAST_ACK:
            return "LAST-ACK";
        case MIB_TCP_STATE_TIME_WAIT:
            return "TIME-WAIT";
        case MIB_TCP_STATE_DELETE_TCB:
            return "DELETE-TCB";
        default:
            return "UNKNOWN";
    }
}

/* An address as wide text (InetNtopW), printed narrow. */
static void Text(int family, const void* address, WCHAR* out, size_t chars) {
    if (InetNtopW(family, address, out, chars) == NULL) {
        PrintError("InetNtopW", (DWORD)WSAGetLastError());
        wcscpy(out, L"?");
    }
}

/* A pid of 0 means the system did not say (Wine reports no owners); any other must be ours. */
static void Own(LPCSTR role, BOOL found, DWORD pid, LPCSTR state) {
    LPCSTR owner = "pid-other";
    if (pid == GetCurrentProcessId()) owner = "pid-mine";
    if (pid == 0) owner = "pid-unknown";
    printf("OWN %s %s %s\n", role, found ? state : "missing", found ? owner : "-");
    if (!found || (pid != 0 && pid != GetCurrentProcessId())) ++failures;
}

static void PrintModule(LPCSTR role, DWORD result, PTCPIP_OWNER_MODULE_BASIC_INFO info) {
    if (result != NO_ERROR) {
        PrintError(role, result);
        return;
    }
    printf("MODULE %s %ls\n", role, info->pModuleName);
    if (wcschr(info->pModulePath, L'/') == NULL && wcschr(info->pModulePath, L'\\') == NULL) {
        printf("ERROR module path %ls has no directory\n", info->pModulePath);
        ++failures;
    }
}

int main(int argc, char** argv) {
    WSADATA wsaData;
    SOCKET listener, client, server, udp4, udp6;
    SOCKADDR_IN address4, peer4;
    SOCKADDR_IN6 address6;
    int length, result;
    USHORT listenPort, clientPort, udp4Port, udp6Port;
    WCHAR local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
    PMIB_TCPTABLE_OWNER_MODULE tcp4;
    PMIB_TCP6TABLE_OWNER_PID tcp6;
    PMIB_UDPTABLE_OWNER_MODULE udp4Table;
    PMIB_UDP6TABLE_OWNER_PID udp6Table;
    DWORD i, size, owner;
    BOOL foundListener = FALSE, foundClient = FALSE, foundServer = FALSE, foundUdp4 = FALSE,
         foundUdp6 = FALSE;
    DWORD pidListener = 0, pidClient = 0, pidServer = 0, pidUdp4 = 0, pidUdp6 = 0;
    LPCTSTR title = TEXT("socket_table");
    char hostname[MAX_HOSTNAME_LEN];
    char line[16];
    struct servent* service;

    result = WSAStartup(MAKEWORD(2, 2), &wsaData);
    if (result != 0) {
        PrintError("WSAStartup", (DWORD)result);
        return 1;
    }
    printf("%s: Winsock %d.%d\n", title, LOBYTE(wsaData.wVersion), HIBYTE(wsaData.wVersion));

    /* A listener, one connection to it, and a UDP socket per family, all on loopback. */
    memset(&address4, 0, sizeof address4);
    address4.sin_family = AF_INET;
    if (InetPtonW(AF_INET, L"127.0.0.1", &address4.sin_addr) != 1) {
        PrintError("InetPtonW", (DWORD)WSAGetLastError());
        return 1;
    }
    listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (listener == INVALID_SOCKET) {
        PrintError("socket", (DWORD)WSAGetLastError());
        return 1;
    }
    if (bind(listener, (SOCKADDR*)&address4, sizeof address4) == SOCKET_ERROR ||
        listen(listener, 4) == SOCKET_ERROR) {
        PrintError("bind/listen", (DWORD)WSAGetLastError());
        return 1;
    }
    length = sizeof address4;
    if (getsockname(listener, (SOCKADDR*)&address4, &length) == SOCKET_ERROR) {
        PrintError("getsockname", (DWORD)WSAGetLastError());
        return 1;
    }
    listenPort = ntohs(address4.sin_port);

    client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (client == INVALID_SOCKET ||
        connect(client, (SOCKADDR*)&address4, sizeof address4) == SOCKET_ERROR) {
        PrintError("connect", (DWORD)WSAGetLastError());
        return 1;
    }
    length = sizeof peer4;
    server = accept(listener, (SOCKADDR*)&peer4, &length);
    if (server == INVALID_SOCKET) {
        PrintError("accept", (DWORD)WSAGetLastError());
        return 1;
    }
    clientPort = ntohs(peer4.sin_port);

    udp4 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    address4.sin_port = 0;
    length = sizeof address4;
    if (udp4 == INVALID_SOCKET ||
        bind(udp4, (SOCKADDR*)&address4, sizeof address4) == SOCKET_ERROR ||
        getsockname(udp4, (SOCKADDR*)&address4, &length) == SOCKET_ERROR) {
        PrintError("UDP socket", (DWORD)WSAGetLastError());
        return 1;
    }
    udp4Port = ntohs(address4.sin_port);

    memset(&address6, 0, sizeof address6);
    address6.sin6_family = AF_INET6;
    address6.sin6_addr = in6addr_loopback;
    udp6 = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    length = sizeof address6;
    if (udp6 == INVALID_SOCKET ||
        bind(udp6, (SOCKADDR*)&address6, sizeof address6) == SOCKET_ERROR ||
        getsockname(udp6, (SOCKADDR*)&address6, &length) == SOCKET_ERROR ||
        !IN6_IS_ADDR_LOOPBACK(&address6.sin6_addr)) {
        PrintError("UDP6 socket", (DWORD)WSAGetLastError());
        return 1;
    }
    udp6Port = ntohs(address6.sin6_port);

    /* The tables, with owners. */
    tcp4 = (PMIB_TCPTABLE_OWNER_MODULE)ReadTable("GetExtendedTcpTable(AF_INET)", TRUE, AF_INET,
                                                 TCP_TABLE_OWNER_MODULE_ALL);
    tcp6 = (PMIB_TCP6TABLE_OWNER_PID)ReadTable("GetExtendedTcpTable(AF_INET6)", TRUE, AF_INET6,
                                               TCP_TABLE_OWNER_PID_ALL);
    udp4Table = (PMIB_UDPTABLE_OWNER_MODULE)ReadTable("GetExtendedUdpTable(AF_INET)", FALSE,
                                                      AF_INET, UDP_TABLE_OWNER_MODULE);
    udp6Table = (PMIB_UDP6TABLE_OWNER_PID)ReadTable("GetExtendedUdpTable(AF_INET6)", FALSE,
                                                    AF_INET6, UDP_TABLE_OWNER_PID);
    if (tcp4 == NULL || tcp6 == NULL || udp4Table == NULL || udp6Table == NULL) return 1;

    for (i = 0; i < tcp4->dwNumEntries; ++i) {
        PMIB_TCPROW_OWNER_MODULE row = &tcp4->table[i];
        IN_ADDR a, b;
        USHORT lport = ntohs((u_short)row->dwLocalPort), rport = ntohs((u_short)row->dwRemotePort);
        a.S_un.S_addr = row->dwLocalAddr;
        b.S_un.S_addr = row->dwRemoteAddr;
        Text(AF_INET, &a, local, INET6_ADDRSTRLEN);
        Text(AF_INET, &b, remote, INET6_ADDRSTRLEN);
        printf("TCP %ls:%u %ls:%u %s %lu\n", local, lport, remote, rport, StateName(row->dwState),
               (unsigned long)row->dwOwningPid);
        if (lport == listenPort && row->dwState == MIB_TCP_STATE_LISTEN) {
            TCPIP_OWNER_MODULE_BASIC_INFO* info;
            foundListener = TRUE;
            pidListener = row->dwOwningPid;
            /* No owner, no module (ERROR_NOT_FOUND): ask only about a known owner. */
            if (row->dwOwningPid == 0) continue;
            size = 0;
            result =
                (int)GetOwnerModuleFromTcpEntry(row, TCPIP_OWNER_MODULE_INFO_BASIC, NULL, &size);
            if (result != ERROR_INSUFFICIENT_BUFFER) {
                PrintModule("tcp-listener", (DWORD)result, NULL);
                continue;
            }
            info = (TCPIP_OWNER_MODULE_BASIC_INFO*)malloc(size);
            result =
                (int)GetOwnerModuleFromTcpEntry(row, TCPIP_OWNER_MODULE_INFO_BASIC, info, &size);
            PrintModule("tcp-listener", (DWORD)result, info);
            free(info);
        }
        if (lport == clientPort && rport == listenPort) {
            foundClient = TRUE;
            pidClient = row->dwOwningPid;
        }
        if (lport == listenPort && rport == clientPort) {
            foundServer = TRUE;
            pidServer = row->dwOwningPid;
        }
    }
    for (i = 0; i < tcp6->dwNumEntries; ++i) {
        PMIB_TCP6ROW_OWNER_PID row = &tcp6->table[i];
        Text(AF_INET6, row->ucLocalAddr, local, INET6_ADDRSTRLEN);
        Text(AF_INET6, row->ucRemoteAddr, remote, INET6_ADDRSTRLEN);
        printf("TCP6 [%ls]:%u [%ls]:%u %s %lu\n", local, ntohs((u_short)row->dwLocalPort), remote,
               ntohs((u_short)row->dwRemotePort), StateName(row->dwState),
               (unsigned long)row->dwOwningPid);
    }
    for (i = 0; i < udp4Table->dwNumEntries; ++i) {
        PMIB_UDPROW_OWNER_MODULE row = &udp4Table->table[i];
        IN_ADDR a;
        a.S_un.S_addr = row->dwLocalAddr;
        Text(AF_INET, &a, local, INET6_ADDRSTRLEN);
        printf("UDP %ls:%u %lu\n", local, ntohs((u_short)row->dwLocalPort),
               (unsigned long)row->dwOwningPid);
        if (ntohs((u_short)row->dwLocalPort) == udp4Port) {
            BYTE buffer[2048];
            foundUdp4 = TRUE;
            pidUdp4 = row->dwOwningPid;
            if (row->dwOwningPid == 0) continue;
            size = sizeof buffer;
            PrintModule(
                "udp",
                GetOwnerModuleFromUdpEntry(row, TCPIP_OWNER_MODULE_INFO_BASIC, buffer, &size),
                (PTCPIP_OWNER_MODULE_BASIC_INFO)buffer);
        }
    }
    for (i = 0; i < udp6Table->dwNumEntries; ++i) {
        PMIB_UDP6ROW_OWNER_PID row = &udp6Table->table[i];
        Text(AF_INET6, row->ucLocalAddr, local, INET6_ADDRSTRLEN);
        printf("UDP6 [%ls]:%u %lu\n", local, ntohs((u_short)row->dwLocalPort),
               (unsigned long)row->dwOwningPid);
        if (ntohs((u_short)row->dwLocalPort) == udp6Port) {
            foundUdp6 = TRUE;
            pidUdp6 = row->dwOwningPid;
        }
    }

    Own("tcp-listener", foundListener, pidListener, "LISTEN");
    Own("tcp-client", foundClient, pidClient, "ESTABLISHED");
    Own("tcp-server", foundServer, pidServer, "ESTABLISHED");
    Own("udp", foundUdp4, pidUdp4, "bound");
    Own("udp6", foundUdp6, pidUdp6, "bound");

    /* The IPv6 basic table does not exist in the extended family (GetExtendedTcpTable page). */
    size = 0;
    owner = GetExtendedTcpTable(NULL, &size, TRUE, AF_INET6, TCP_TABLE_BASIC_ALL, 0);
    printf("CHECK GetExtendedTcpTable(AF_INET6, TCP_TABLE_BASIC_ALL) = %lu\n",
           (unsigned long)owner);
    if (gethostname(hostname, (int)sizeof hostname) == SOCKET_ERROR) {
        PrintError("gethostname", (DWORD)WSAGetLastError());
    } else {
        printf("CHECK gethostname ok\n");
    }
    service = getservbyport(htons(7), "udp");
    printf("CHECK getservbyport(7/udp) = %s\n", service ? service->s_name : "(none)");

    if (argc > 1 && strcmp(argv[1], "hold") == 0) {
        printf("READY\n");
        fflush(stdout);
        if (fgets(line, sizeof line, stdin) == NULL) line[0] = '\0';
    }
    free(tcp4);
    free(tcp6);
    free(udp4Table);
    free(udp6Table);
    closesocket(udp6);
    closesocket(udp4);
    closesocket(server);
    closesocket(client);
    closesocket(listener);
    WSACleanup();
    printf("RESULT %s\n", failures == 0 ? "ok" : "failed");
    return failures == 0 ? 0 : 1;
}
