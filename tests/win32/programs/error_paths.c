/* SPDX-License-Identifier: MIT */
/* error_paths: a conformance-style program written for tcptable's tests. It calls the IP Helper
 * table functions and the Winsock text functions with each argument Microsoft's pages name as an
 * error, and prints one line per call: the call, the code it returned, and the system's message
 * for that code (FormatMessageA), e.g.
 *   GetUdpTable(NULL, NULL, TRUE) = 87 The parameter is incorrect.
 * It is built unmodified for Linux (include/tcptable/win32) and for Windows (MinGW-w64, run under
 * Wine); tests/wine/error_paths_agreement.py compares the two outputs line by line. */
/* clang-format off */
#include <WinSock2.h>
#include <WS2tcpip.h>
#include <Windows.h>
#include <IPHlpApi.h>
/* clang-format on */
#include <stdio.h>
#include <string.h>

#pragma comment(lib, "iphlpapi.lib")
#pragma comment(lib, "ws2_32.lib")

static void Report(const char* call, DWORD code) {
    char text[512];
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS |
                                 FORMAT_MESSAGE_MAX_WIDTH_MASK,
                             NULL, code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), text,
                             sizeof text, NULL);
    /* MAX_WIDTH_MASK turns the line break into a space on some systems: trim it. */
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\r' || text[n - 1] == '\n'))
        text[--n] = '\0';
    printf("%s = %lu %s\n", call, (unsigned long)code, n ? text : "(no message)");
}

int main(void) {
    ULONG size;
    DWORD dsize;
    char small[4];
    IN_ADDR a;
    WSADATA wsa;

    /* Unbuffered, and a first line before any call: if the program dies part way, the lines
     * it got to survive, and a run that printed nothing never started. */
    setvbuf(stdout, NULL, _IONBF, 0);
    puts("error_paths: started");
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        puts("error_paths: WSAStartup(2.2) failed");
        return 1;
    }
    Report("GetTcpTable(NULL, NULL, TRUE)", GetTcpTable(NULL, NULL, TRUE));
    size = 0;
    Report("GetTcpTable(NULL, &0, TRUE)", GetTcpTable(NULL, &size, TRUE));
    Report("GetTcp6Table(NULL, NULL, TRUE)", GetTcp6Table(NULL, NULL, TRUE));
    Report("GetUdpTable(NULL, NULL, TRUE)", GetUdpTable(NULL, NULL, TRUE));
    size = 0;
    Report("GetUdpTable(NULL, &0, TRUE)", GetUdpTable(NULL, &size, TRUE));
    Report("GetUdp6Table(NULL, NULL, TRUE)", GetUdp6Table(NULL, NULL, TRUE));
    size = 0;
    Report("GetUdp6Table(NULL, &0, TRUE)", GetUdp6Table(NULL, &size, TRUE));
    dsize = 0;
    Report("GetExtendedTcpTable(NULL, NULL, AF_INET, OWNER_PID_ALL)",
           GetExtendedTcpTable(NULL, NULL, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0));
    Report("GetExtendedTcpTable(NULL, &0, AF_INET, OWNER_PID_ALL)",
           GetExtendedTcpTable(NULL, &dsize, TRUE, AF_INET, TCP_TABLE_OWNER_PID_ALL, 0));
    dsize = 0;
    Report("GetExtendedTcpTable(NULL, &0, AF_INET6, OWNER_MODULE_ALL)",
           GetExtendedTcpTable(NULL, &dsize, TRUE, AF_INET6, TCP_TABLE_OWNER_MODULE_ALL, 0));
    dsize = 0;
    Report("GetExtendedTcpTable(NULL, &0, AF_INET, class 9)",
           GetExtendedTcpTable(NULL, &dsize, TRUE, AF_INET, (TCP_TABLE_CLASS)9, 0));
    dsize = 0;
    Report("GetExtendedTcpTable(NULL, &0, AF_UNSPEC, BASIC_ALL)",
           GetExtendedTcpTable(NULL, &dsize, TRUE, AF_UNSPEC, TCP_TABLE_BASIC_ALL, 0));
    dsize = 0;
    Report("GetExtendedUdpTable(NULL, NULL, AF_INET, BASIC)",
           GetExtendedUdpTable(NULL, NULL, TRUE, AF_INET, UDP_TABLE_BASIC, 0));
    dsize = 0;
    Report("GetExtendedUdpTable(NULL, &0, AF_INET, OWNER_PID)",
           GetExtendedUdpTable(NULL, &dsize, TRUE, AF_INET, UDP_TABLE_OWNER_PID, 0));
    dsize = 0;
    Report("GetExtendedUdpTable(NULL, &0, AF_INET6, OWNER_MODULE)",
           GetExtendedUdpTable(NULL, &dsize, TRUE, AF_INET6, UDP_TABLE_OWNER_MODULE, 0));
    dsize = 0;
    Report("GetExtendedUdpTable(NULL, &0, AF_INET, class 3)",
           GetExtendedUdpTable(NULL, &dsize, TRUE, AF_INET, (UDP_TABLE_CLASS)3, 0));
    dsize = 0;
    Report("GetExtendedUdpTable(NULL, &0, AF_UNSPEC, BASIC)",
           GetExtendedUdpTable(NULL, &dsize, TRUE, AF_UNSPEC, UDP_TABLE_BASIC, 0));
    Report("GetTcpStatistics(NULL)", GetTcpStatistics(NULL));

    /* The Winsock text functions report through WSAGetLastError. */
    Report("InetPtonA(12345) result", (DWORD)(InetPtonA(12345, "10.0.0.1", &a) + 1));
    Report("InetPtonA(12345) WSAGetLastError", (DWORD)WSAGetLastError());
    Report("InetPtonA(AF_INET, \"10.0.0.300\") result",
           (DWORD)InetPtonA(AF_INET, "10.0.0.300", &a));
    InetPtonA(AF_INET, "10.0.0.1", &a);
    Report("InetNtopA(AF_INET, 4-byte buffer) is NULL",
           (DWORD)(InetNtopA(AF_INET, &a, small, sizeof small) == NULL));
    Report("InetNtopA(AF_INET, 4-byte buffer) WSAGetLastError", (DWORD)WSAGetLastError());
    Report("InetNtopA(12345) WSAGetLastError",
           (DWORD)(InetNtopA(12345, &a, small, sizeof small) == NULL ? WSAGetLastError() : 0));
    Report("WSAStartup(NULL)", (DWORD)WSAStartup(MAKEWORD(2, 2), NULL));
    Report("WSAStartup(0.0)", (DWORD)WSAStartup(MAKEWORD(0, 0), &wsa));
    WSACleanup();
    puts("error_paths: done");
    return 0;
}
