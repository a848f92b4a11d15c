/* SPDX-License-Identifier: MIT */
/* Every spelling of tests/win32/case_headers.py's list resolves, in one file, after the
 * lower-case headers: a compile-only test (strict C99). */
/* clang-format off */
#include <Windows.h>
#include <WINDOWS.H>
#include <WinSock2.h>
#include <Winsock2.h>
#include <WINSOCK2.H>
#include <WinSock.h>
#include <WS2tcpip.h>
#include <Ws2tcpip.h>
#include <WS2TCPIP.H>
#include <Iphlpapi.h>
#include <IPHlpApi.h>
#include <IpHlpApi.h>
#include <IPHLPAPI.h>
#include <IPRtrMib.h>
#include <TcpMib.h>
#include <UdpMib.h>
#include <WinDef.h>
#include <WinBase.h>
#include <WinError.h>
#include <WinNT.h>
#include <Winternl.h>
#include <NTStatus.h>
#include <NetIOApi.h>
#include <Tchar.h>
/* clang-format on */

int tcptable_case_spellings(void);
int tcptable_case_spellings(void) { return (int)sizeof(MIB_UDP6ROW_OWNER_MODULE); }
