/* SPDX-License-Identifier: MIT */
/* <netioapi.h> as IP Helper programs include it: the types its TCP/UDP users need (NETIO_STATUS,
 * NETIOAPI_API). Its interface and route functions (GetIfTable2, ...) are not provided. */
#ifndef TCPTABLE_WIN32_NETIOAPI_H
#define TCPTABLE_WIN32_NETIOAPI_H

#include "minwindef.h"
#include "winerror.h"
#include "ws2tcpip.h"

typedef DWORD NETIO_STATUS;
#define NETIO_SUCCESS(x) ((x) == NO_ERROR)
#ifndef NETIOAPI_API
#define NETIOAPI_API NETIO_STATUS WINAPI
#endif
#ifndef NETIOAPI_API_
#define NETIOAPI_API_ WINAPI
#endif

#endif /* TCPTABLE_WIN32_NETIOAPI_H */
