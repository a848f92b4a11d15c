/* SPDX-License-Identifier: MIT */
/* The table and owner-module classes the extended IP Helper functions take, as iprtrmib.h
 * declares them on Windows. */
#ifndef TCPTABLE_WIN32_IPRTRMIB_H
#define TCPTABLE_WIN32_IPRTRMIB_H

#include "minwindef.h"
#include "tcpmib.h"
#include "udpmib.h"

typedef enum _TCP_TABLE_CLASS {
    TCP_TABLE_BASIC_LISTENER,
    TCP_TABLE_BASIC_CONNECTIONS,
    TCP_TABLE_BASIC_ALL,
    TCP_TABLE_OWNER_PID_LISTENER,
    TCP_TABLE_OWNER_PID_CONNECTIONS,
    TCP_TABLE_OWNER_PID_ALL,
    TCP_TABLE_OWNER_MODULE_LISTENER,
    TCP_TABLE_OWNER_MODULE_CONNECTIONS,
    TCP_TABLE_OWNER_MODULE_ALL
} TCP_TABLE_CLASS,
    *PTCP_TABLE_CLASS;

typedef enum _UDP_TABLE_CLASS {
    UDP_TABLE_BASIC,
    UDP_TABLE_OWNER_PID,
    UDP_TABLE_OWNER_MODULE
} UDP_TABLE_CLASS,
    *PUDP_TABLE_CLASS;

typedef enum _TCPIP_OWNER_MODULE_INFO_CLASS {
    TCPIP_OWNER_MODULE_INFO_BASIC
} TCPIP_OWNER_MODULE_INFO_CLASS,
    *PTCPIP_OWNER_MODULE_INFO_CLASS;

/* What GetOwnerModuleFrom*Entry writes at the start of the caller's buffer; the two strings
 * follow it in the same buffer. WCHAR is wchar_t here (see minwindef.h). */
typedef struct _TCPIP_OWNER_MODULE_BASIC_INFO {
    PWCHAR pModuleName;
    PWCHAR pModulePath;
} TCPIP_OWNER_MODULE_BASIC_INFO, *PTCPIP_OWNER_MODULE_BASIC_INFO;

#endif /* TCPTABLE_WIN32_IPRTRMIB_H */
